-- Store connections (the sync family, DESIGN §5 and §7; seed 004): the single-use
-- `state` of each Shopify authorization in flight.  Only the SHA-256 of the state is
-- kept, so a database read does not let anyone finish someone else's authorization.
-- A state is bound to the supplier and user that asked for it and to the shop it
-- names; taking it (the callback) deletes it, and it expires after 10 minutes.

CREATE TABLE shopify_oauth_states (
    state_hash   text PRIMARY KEY CHECK (length(state_hash) = 64),
    supplier_id  uuid NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    shop         text NOT NULL CHECK (length(shop) BETWEEN 1 AND 300),
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shopify_oauth_states_expiry_idx ON shopify_oauth_states (expires_at);

-- Each WooCommerce connection's own webhook secret (sealed, as every secret here): the
-- webhooks SCP creates in a store are signed with it, so that a store's admin, who
-- sees it, cannot sign deliveries that name another store.
ALTER TABLE store_connections ADD COLUMN webhook_secret text
    CHECK (webhook_secret LIKE 'v1:%');
