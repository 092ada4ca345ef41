-- PayPal payments of Cliick.io's shop orders (issue 13 item 7): the payments core
-- (sql/060_payments.sql, sql/087_shop_payments.sql) gains a second provider.  A PayPal
-- attempt is a payments row with provider 'paypal': its Orders v2 order id, the capture
-- id once captured; a refund of it keeps PayPal's refund id.  The states and their
-- moves are the core's (state_moves machine 'payment'), never backwards.  Functions:
-- sql/functions/98_paypal.sql; docs/decisions.md, "Cliick.io's PayPal payments".

ALTER TABLE payments DROP CONSTRAINT payments_provider_check;
ALTER TABLE payments ADD CONSTRAINT payments_provider_check
    CHECK (provider IN ('stripe', 'paypal'));
ALTER TABLE payments ADD COLUMN paypal_order_id text UNIQUE
    CHECK (length(paypal_order_id) BETWEEN 1 AND 64);
ALTER TABLE payments ADD COLUMN paypal_capture_id text UNIQUE
    CHECK (length(paypal_capture_id) BETWEEN 1 AND 64);
ALTER TABLE payments ADD CONSTRAINT payments_paypal_ids_check
    CHECK (provider = 'paypal' OR (paypal_order_id IS NULL AND paypal_capture_id IS NULL));
ALTER TABLE refunds ADD COLUMN paypal_refund_id text UNIQUE
    CHECK (length(paypal_refund_id) BETWEEN 1 AND 64);
