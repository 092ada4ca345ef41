-- Cliick.io's shop teams and settings (the shops family; docs/decisions.md "Cliick.io's
-- shop teams and settings").  The team itself is shop_members (sql/080_shops.sql); its
-- changes are sql/functions/82_shop_team.sql.

-- The team page lists a shop's members in the order they joined.
CREATE INDEX shop_members_shop_idx ON shop_members (shop_id, created_at, user_id);
