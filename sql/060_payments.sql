-- Payments of orders through Stripe (the orders and hooks families, DESIGN §5 and §7):
-- one row per payment attempt (a PaymentIntent), the refunds of each, and the payment
-- status kept on both kinds of order.  Functions: sql/functions/90_payments.sql.
-- Money is bigint minor units with its currency, as everywhere.

-- The order's payment status, derived from its payments by scp_payment_order_sync()
-- and never moved backwards (docs/decisions.md, "Payments").
ALTER TABLE catalog_orders ADD COLUMN payment_status text NOT NULL DEFAULT 'unpaid'
    CHECK (payment_status IN ('unpaid', 'processing', 'paid', 'partially_refunded',
                              'refunded', 'failed'));
ALTER TABLE auction_orders ADD COLUMN payment_status text NOT NULL DEFAULT 'unpaid'
    CHECK (payment_status IN ('unpaid', 'processing', 'paid', 'partially_refunded',
                              'refunded', 'failed'));
-- The catalog orders' kept documents gain payment_status (020_order_portal.sql).
INSERT INTO stale_api_views VALUES ('catalog_orders') ON CONFLICT DO NOTHING;

-- One attempt to pay an order.  The row is written before Stripe is called (status
-- pending, with the Idempotency-Key of the attempt), so a call that timed out is retried
-- with the same key and gets Stripe's first answer; the intent's id is recorded when
-- Stripe answers.  A failed attempt is never reused: the next one has attempt + 1 and
-- so a new key and a new intent.
CREATE TABLE payments (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_kind              text NOT NULL CHECK (order_kind IN ('catalog', 'auction')),
    catalog_order_id        uuid REFERENCES catalog_orders(id),
    auction_order_id        uuid REFERENCES auction_orders(id),
    order_id                uuid GENERATED ALWAYS AS
                                (coalesce(catalog_order_id, auction_order_id)) STORED,
    payer_id                uuid NOT NULL REFERENCES users(id),
    attempt                 int NOT NULL CHECK (attempt >= 1),
    provider                text NOT NULL DEFAULT 'stripe' CHECK (provider = 'stripe'),
    amount                  bigint NOT NULL CHECK (amount > 0),
    currency                text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- pending (Stripe not answered yet) → requires_payment (intent created) →
    -- succeeded → partially_refunded → refunded; failed (card declined, or Stripe
    -- refused the attempt).  The moves: state_moves machine 'payment'.
    status                  text NOT NULL DEFAULT 'pending'
                                 CHECK (status IN ('pending', 'requires_payment', 'succeeded',
                                                   'failed', 'partially_refunded', 'refunded')),
    idempotency_key         text NOT NULL UNIQUE,
    intent_id               text UNIQUE CHECK (length(intent_id) BETWEEN 1 AND 255),
    charge_id               text,
    amount_received         bigint NOT NULL DEFAULT 0 CHECK (amount_received >= 0),
    -- the charge's amount_refunded as Stripe last reported it (charge.refunded); the
    -- refunded amount is the larger of this and the sum of the succeeded refunds
    stripe_amount_refunded  bigint NOT NULL DEFAULT 0 CHECK (stripe_amount_refunded >= 0),
    -- {type, code, decline_code, message} of the last failure, as Stripe gave it
    last_error              jsonb,
    succeeded_at            timestamptz,
    failed_at               timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((order_kind = 'catalog') = (catalog_order_id IS NOT NULL)),
    CHECK ((order_kind = 'auction') = (auction_order_id IS NOT NULL)),
    UNIQUE (order_id, attempt)
);

-- A refund of a payment, written (pending) before Stripe is called, with its own
-- Idempotency-Key.  A pending refund counts against what may still be refunded.
CREATE TABLE refunds (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_id        uuid NOT NULL REFERENCES payments(id),
    order_id          uuid NOT NULL,
    amount            bigint NOT NULL CHECK (amount > 0),
    currency          text NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason            text CHECK (length(reason) <= 500),
    requested_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    idempotency_key   text NOT NULL UNIQUE,
    stripe_refund_id  text UNIQUE,
    last_error        jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_payment_idx ON refunds (payment_id);
CREATE INDEX refunds_order_idx ON refunds (order_id, created_at);
