-- Prokip inventory sync (seed 004; cgi-bin/sync/prokip.c and status.c, bin/worker_prokip.c
-- and worker_sync.c): each supplier's Prokip account, the state of its sync, and the
-- stock Prokip last reported.  The tables of sql/070_sync.sql get what the sync needs.

-- One Prokip account per supplier (seed 004's ProkipConfig, per tenant).  The tokens are
-- sealed by scp_secret with aad "<supplier id>:prokip_access_token" and
-- "<supplier id>:prokip_refresh_token"; the password of a password grant is never kept.
CREATE TABLE prokip_accounts (
    supplier_id      uuid PRIMARY KEY REFERENCES suppliers(id),
    location_id      text NOT NULL CHECK (location_id ~ '^[0-9A-Za-z_-]{1,40}$'),
    auth_kind        text NOT NULL CHECK (auth_kind IN ('token', 'password')),
    username         text CHECK (length(username) <= 200),
    access_token     text NOT NULL CHECK (access_token LIKE 'v1:%'),
    refresh_token    text CHECK (refresh_token LIKE 'v1:%'),
    token_expires_at timestamptz,
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'error')),
    last_error       text,
    created_by       uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Whether a supplier's sync runs, and what its last pass did.
CREATE TABLE sync_state (
    supplier_id      uuid PRIMARY KEY REFERENCES suppliers(id),
    paused           boolean NOT NULL DEFAULT false,
    last_pass_at     timestamptz,
    last_pass_ms     integer,
    last_pass_skus   integer,
    last_pass_pushed integer,
    last_pull_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Prokip's product-stock-report for the account's location, as last read: its product
-- and variation ids name a SKU in a sell.
CREATE TABLE prokip_stock (
    supplier_id   uuid NOT NULL REFERENCES suppliers(id),
    sku           text NOT NULL CHECK (length(sku) BETWEEN 1 AND 200),
    quantity      integer NOT NULL,
    product_id    text,
    variation_id  text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier_id, sku)
);

-- The sell return's id, and when the sale reached Prokip.
ALTER TABLE sales_log ADD COLUMN prokip_return_id text,
                      ADD COLUMN sent_at timestamptz;

-- What an error is about (a sale's id, a SKU): one open error per supplier, connection,
-- kind and subject, whose attempts a retry counts up.
ALTER TABLE sync_errors ADD COLUMN ref text;
CREATE UNIQUE INDEX sync_errors_open_key ON sync_errors
    (supplier_id, (coalesce(connection_id::text, '')), kind, (coalesce(ref, '')))
    WHERE resolved_at IS NULL;
