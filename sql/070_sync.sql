-- Store sync (the sync and hooks families, DESIGN §5 and §7; seed 004): each supplier's
-- connected stores, what their webhooks delivered, the sales sent to Prokip, the last
-- known stock per SKU, and the failures kept until resolved.  Later migrations add each
-- provider's own tables.  Every third-party secret is sealed by scp_secret (AES-256-GCM,
-- "v1:…" text): no column here holds one in clear.

CREATE TABLE store_connections (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id      uuid NOT NULL REFERENCES suppliers(id),
    platform         text NOT NULL CHECK (platform IN ('shopify', 'woocommerce')),
    -- Shopify: the shop's domain (name.myshopify.com); WooCommerce: the site's base URL
    store_url        text NOT NULL CHECK (length(store_url) BETWEEN 1 AND 300),
    status           text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'active', 'error', 'disconnected')),
    -- sealed: Shopify's offline access token; WooCommerce's consumer key and secret
    access_token     text CHECK (access_token LIKE 'v1:%'),
    consumer_key     text CHECK (consumer_key LIKE 'v1:%'),
    consumer_secret  text CHECK (consumer_secret LIKE 'v1:%'),
    scopes           text,
    sync_enabled     boolean NOT NULL DEFAULT true,
    last_sync_at     timestamptz,
    last_error       text,
    created_by       uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (supplier_id, platform, store_url)
);
-- a webhook names its store, not its supplier
CREATE INDEX store_connections_store_idx ON store_connections (platform, store_url);

-- The dedupe key of every inbound webhook (Stripe event id, Shopify webhook id,
-- WooCommerce delivery id...), inserted in the transaction of its effect, so a replay
-- finds it and changes nothing.
CREATE TABLE webhook_deliveries (
    provider      text NOT NULL CHECK (provider IN ('stripe', 'paypal', 'shopify',
                                                    'woocommerce', 'facebook')),
    delivery_key  text NOT NULL CHECK (length(delivery_key) BETWEEN 1 AND 300),
    topic         text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, delivery_key)
);

-- Each paid store order, once (seed 004's SalesLog): sent to Prokip as a sell, and a
-- sell return when the store cancels or refunds it.
CREATE TABLE sales_log (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    connection_id   uuid NOT NULL REFERENCES store_connections(id) ON DELETE CASCADE,
    store_order_id  text NOT NULL CHECK (length(store_order_id) BETWEEN 1 AND 100),
    status          text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'sent', 'failed', 'returned')),
    currency        text,
    total           bigint CHECK (total >= 0),
    -- [{sku, quantity, unit_price (minor units of currency), name, ids}]: scp_store_lines
    lines           jsonb NOT NULL DEFAULT '[]',
    prokip_sell_id  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, store_order_id)
);

-- The last stock level pushed to (or read from) each store, per SKU: a sync pass pushes
-- only what differs from Prokip's report.
CREATE TABLE inventory_cache (
    connection_id  uuid NOT NULL REFERENCES store_connections(id) ON DELETE CASCADE,
    sku            text NOT NULL CHECK (length(sku) BETWEEN 1 AND 200),
    quantity       integer NOT NULL,
    -- the store's own ids for the SKU: Shopify inventory_item_id and location id,
    -- WooCommerce product (and variation) id
    external_ref   jsonb NOT NULL DEFAULT '{}',
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, sku)
);

-- Every failed sync step, with its cause, retried with backoff until it succeeds or a
-- person resolves it (PATCH /sync/errors/:id/resolve).
CREATE TABLE sync_errors (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id     uuid NOT NULL REFERENCES suppliers(id),
    connection_id   uuid REFERENCES store_connections(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    cause           text NOT NULL,
    attempts        integer NOT NULL DEFAULT 1,
    next_attempt_at timestamptz,
    resolved_at     timestamptz,
    resolved_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_errors_open_idx ON sync_errors (supplier_id, created_at DESC)
    WHERE resolved_at IS NULL;
