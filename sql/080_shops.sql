-- Cliick.io's shops (seed 002; the shops family): a shop and its team.  The account that
-- creates a shop is its owner; every other member sees the shop through shop_members,
-- and a user who is no member of a shop does not see it at all (404).  Team roles are
-- the frontend's: owner, admin, order_manager, support_agent (docs/decisions.md).

CREATE TABLE shops (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    logo_url    text CHECK (length(logo_url) BETWEEN 1 AND 2000),
    currency    text NOT NULL DEFAULT 'MMK' CHECK (currency ~ '^[A-Z]{3}$'),
    owner_id    uuid NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shops_owner_idx ON shops (owner_id);

CREATE TABLE shop_members (
    shop_id     uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        text NOT NULL
                CHECK (role IN ('owner', 'admin', 'order_manager', 'support_agent')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX shop_members_user_idx ON shop_members (user_id, created_at, shop_id);
