-- Payments of Cliick.io's shop orders (issue 13 item 7): the Stripe core of
-- sql/060_payments.sql gains a third kind of order, 'shop', so an attempt, its refunds
-- and the Stripe webhook work on shop orders as on the other two (docs/decisions.md,
-- "Cliick.io's payments").  Functions: sql/functions/90_payments.sql (the core) and
-- sql/functions/96_shop_payments.sql (who in a shop may pay and read what).

ALTER TABLE shop_orders ADD COLUMN payment_status text NOT NULL DEFAULT 'unpaid'
    CHECK (payment_status IN ('unpaid', 'processing', 'paid', 'partially_refunded',
                              'refunded', 'failed'));

ALTER TABLE payments DROP CONSTRAINT payments_order_kind_check;
ALTER TABLE payments ADD CONSTRAINT payments_order_kind_check
    CHECK (order_kind IN ('catalog', 'auction', 'shop'));
ALTER TABLE payments ADD COLUMN shop_order_id uuid REFERENCES shop_orders(id);
ALTER TABLE payments ADD CONSTRAINT payments_shop_kind_check
    CHECK ((order_kind = 'shop') = (shop_order_id IS NOT NULL));
-- order_id names any of the three; a generated column's expression cannot be altered,
-- so it is made again (with the one constraint on it).
ALTER TABLE payments DROP COLUMN order_id;
ALTER TABLE payments ADD COLUMN order_id uuid GENERATED ALWAYS AS
    (coalesce(catalog_order_id, auction_order_id, shop_order_id)) STORED;
ALTER TABLE payments ADD CONSTRAINT payments_order_id_attempt_key UNIQUE (order_id, attempt);
