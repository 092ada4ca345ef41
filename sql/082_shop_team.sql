-- Cliick.io's shop teams and settings (the shops family; docs/decisions.md "Cliick.io's
-- shop teams and settings").  The team itself is shop_members (sql/080_shops.sql); its
-- changes are sql/functions/82_shop_team.sql.  A shop's subscription is the frontend's
-- Shop.subscription: a plan (a name from the platform's plan list: free text here), a
-- status, the plan its owner asked for and awaits approval of, and the ends of its trial
-- (14 days from the shop's creation, as the frontend's new shop) and of its paid period.
-- Its statuses move through the machine shop_subscription (sql/functions/12_state_moves.sql).

ALTER TABLE shops
    ADD COLUMN subscription_plan text NOT NULL DEFAULT 'Trial'
        CHECK (length(subscription_plan) BETWEEN 1 AND 100),
    ADD COLUMN subscription_status text NOT NULL DEFAULT 'trialing'
        CHECK (subscription_status IN ('trialing', 'active', 'expired', 'pending_approval')),
    ADD COLUMN subscription_pending_plan text
        CHECK (length(subscription_pending_plan) BETWEEN 1 AND 100),
    ADD COLUMN subscription_trial_ends_at timestamptz DEFAULT now() + interval '14 days',
    ADD COLUMN subscription_period_ends_at timestamptz;
UPDATE shops SET subscription_trial_ends_at = created_at + interval '14 days';

-- The team page lists a shop's members in the order they joined.
CREATE INDEX shop_members_shop_idx ON shop_members (shop_id, created_at, user_id);

-- The frontend's settings documents of a shop (cgi-bin/shops/settings.c checks their
-- shapes and bounds each to 64 KiB): the assistant's configuration, the persistent menu,
-- the keyword replies and the saved replies, kept as the JSON the frontend sends.
ALTER TABLE shops
    ADD COLUMN assistant_config jsonb NOT NULL DEFAULT '{}'
        CHECK (jsonb_typeof(assistant_config) = 'object'),
    ADD COLUMN persistent_menu jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(persistent_menu) = 'array'),
    ADD COLUMN keyword_replies jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(keyword_replies) = 'array'),
    ADD COLUMN saved_replies jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(saved_replies) = 'array');
