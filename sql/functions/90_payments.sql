-- Payments of catalog and auction orders through Stripe (sql/060_payments.sql): starting
-- an attempt, recording Stripe's answer, refunds, the webhook's events, and the payment
-- status of the order.  Why the call to Stripe is made by the request and not by a job,
-- and who may pay or refund which order: docs/decisions.md, "Payments".
--
-- Locks are always taken order first, then payment: a request and a webhook that meet
-- on one order wait for each other instead of deadlocking.

-- Can a payment move from p_from to p_to (state_moves machine 'payment')?  The webhook
-- asks without raising: a late or replayed event that would move a payment backwards is
-- acknowledged and changes nothing.
CREATE OR REPLACE FUNCTION scp_payment_can(p_from text, p_to text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM state_moves
                    WHERE machine = 'payment' AND from_state = p_from AND to_state = p_to)
$$;

-- The refunded amount of a payment: what Stripe last reported, or what our succeeded
-- refunds add up to, whichever is more (the two arrive in either order).
CREATE OR REPLACE FUNCTION scp_payment_refunded(p payments) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT greatest(p.stripe_amount_refunded,
                    (SELECT coalesce(sum(amount), 0) FROM refunds
                      WHERE payment_id = p.id AND status = 'succeeded'))::bigint
$$;

-- What may still be refunded: captured − refunded − refunds under way.
CREATE OR REPLACE FUNCTION scp_payment_refundable(p payments) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p.status IN ('succeeded', 'partially_refunded')
                THEN greatest(0, p.amount_received - scp_payment_refunded(p)
                              - (SELECT coalesce(sum(amount), 0) FROM refunds
                                  WHERE payment_id = p.id AND status = 'pending'))
                ELSE 0 END::bigint
$$;

CREATE OR REPLACE FUNCTION scp_payment_json(p payments) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'order_id', p.order_id, 'order_kind', p.order_kind,
        'attempt', p.attempt, 'provider', p.provider, 'status', p.status,
        'amount', scp_amount(p.amount), 'currency', p.currency,
        'amount_received', scp_amount(p.amount_received),
        'amount_refunded', scp_amount(scp_payment_refunded(p)),
        'payment_intent_id', p.intent_id, 'last_error', p.last_error,
        'succeeded_at', p.succeeded_at, 'failed_at', p.failed_at,
        'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

CREATE OR REPLACE FUNCTION scp_refund_json(f refunds) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', f.id, 'order_id', f.order_id, 'payment_id', f.payment_id,
        'status', f.status, 'amount', scp_amount(f.amount), 'currency', f.currency,
        'reason', f.reason, 'requested_by', f.requested_by,
        'stripe_refund_id', f.stripe_refund_id, 'last_error', f.last_error,
        'created_at', f.created_at, 'updated_at', f.updated_at)
$$;

-- The order a payment is for, locked: kind, the parties, what the buyer owes.  NULL
-- fields when there is no such order.  An auction order's buyer is its vendor (the
-- winning bidder) and owes final_price + platform_fee (buyer_total); a catalog order's
-- payer is its consumer and owes its total.
CREATE OR REPLACE FUNCTION scp_payment_order_lock(p_order uuid,
    OUT kind text, OUT payer uuid, OUT seller uuid, OUT supplier uuid, OUT amount bigint,
    OUT currency text, OUT status text, OUT payment_status text, OUT order_no text)
LANGUAGE plpgsql AS $$
DECLARE
    c catalog_orders;
    a auction_orders;
    h shop_orders;
BEGIN
    SELECT * INTO c FROM catalog_orders WHERE id = p_order FOR UPDATE;
    IF FOUND THEN
        kind := 'catalog'; payer := c.consumer_id; supplier := c.supplier_id;
        amount := c.total_minor; currency := upper(c.currency); status := c.status;
        payment_status := c.payment_status; order_no := c.order_no::text;
        RETURN;
    END IF;
    SELECT * INTO a FROM auction_orders WHERE id = p_order FOR UPDATE;
    IF FOUND THEN
        kind := 'auction'; payer := a.vendor_id; seller := a.client_id;
        amount := a.final_price + a.platform_fee; currency := upper(a.currency);
        status := a.status; payment_status := a.payment_status;
        RETURN;
    END IF;
    -- A shop order (sql/087_shop_payments.sql) is paid by its shop's staff for its
    -- customer, who has no account: no payer; supplier is the shop.
    SELECT * INTO h FROM shop_orders WHERE id = p_order FOR UPDATE;
    IF FOUND THEN
        kind := 'shop'; supplier := h.shop_id; amount := h.total_minor;
        currency := upper(h.currency); status := h.status;
        payment_status := h.payment_status;
    END IF;
END $$;

-- Derive the order's payment status from its payments and write it when it changed:
-- any captured money makes it paid, partially_refunded or refunded by the amounts;
-- otherwise the latest attempt Stripe answered says processing (an intent awaits the
-- customer) or failed; none is unpaid.  The payments themselves only move forward (state_moves), so a paid order
-- never becomes unpaid again.  Becoming paid notifies the payer and the payee.
CREATE OR REPLACE FUNCTION scp_payment_order_sync(p_order uuid) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    captured bigint;
    refunded bigint;
    latest text;
    st text;
    o record;
    h shop_orders;
BEGIN
    SELECT coalesce(sum(p.amount_received), 0), coalesce(sum(scp_payment_refunded(p)), 0)
      INTO captured, refunded
      FROM payments p
     WHERE p.order_id = p_order AND p.status IN ('succeeded', 'partially_refunded', 'refunded');
    -- An attempt Stripe has not answered yet says nothing: the one before it speaks.
    SELECT p.status INTO latest FROM payments p
     WHERE p.order_id = p_order AND p.status <> 'pending'
     ORDER BY p.attempt DESC LIMIT 1;
    st := CASE WHEN captured > 0 AND refunded >= captured THEN 'refunded'
               WHEN captured > 0 AND refunded > 0 THEN 'partially_refunded'
               WHEN captured > 0 THEN 'paid'
               WHEN latest = 'requires_payment' THEN 'processing'
               WHEN latest = 'failed' THEN 'failed'
               ELSE 'unpaid' END;
    SELECT * INTO o FROM scp_payment_order_lock(p_order);
    IF o.payment_status IS NOT DISTINCT FROM st THEN
        RETURN st;
    END IF;
    IF o.kind = 'catalog' THEN
        UPDATE catalog_orders SET payment_status = st, updated_at = now() WHERE id = p_order;
    ELSIF o.kind = 'auction' THEN
        UPDATE auction_orders SET payment_status = st, updated_at = now() WHERE id = p_order;
    ELSE
        -- A shop's members see the change live (sql/functions/84_shop_orders.sql).
        UPDATE shop_orders SET payment_status = st, updated_at = now() WHERE id = p_order
            RETURNING * INTO h;
        PERFORM scp_shop_order_event(h);
    END IF;
    -- A shop order's customer has no account to notify.
    IF st = 'paid' AND o.kind <> 'shop' THEN
        PERFORM scp_notify(o.payer, 'order_update', 'Payment received',
            format('Your payment of %s %s is confirmed', o.currency, scp_amount(captured)),
            jsonb_build_object('order_id', p_order, 'order_kind', o.kind, 'payment_status', 'paid'), 'normal', p_order);
        IF o.kind = 'catalog' THEN
            PERFORM scp_notify_staff(o.supplier, ARRAY['owner', 'manager'], NULL, 'order_update',
                'Order paid', format('Order #%s is paid: %s %s', o.order_no, o.currency,
                                     scp_amount(captured)),
                jsonb_build_object('order_id', p_order, 'order_kind', o.kind, 'payment_status', 'paid'), 'normal',
                p_order);
        ELSE
            PERFORM scp_notify(o.seller, 'order_update', 'Order paid',
                format('The buyer paid %s %s', o.currency, scp_amount(captured)),
                jsonb_build_object('order_id', p_order, 'order_kind', o.kind, 'payment_status', 'paid'), 'normal',
                p_order);
        END IF;
    END IF;
    RETURN st;
END $$;

-- Start (or resume) a payment of an order by its payer: the attempt to send to Stripe.
-- Only the buyer may pay (anyone else: 404); a rejected or cancelled order cannot be paid
-- (409); an order already paid is 409 CONFLICT.  The latest attempt is resumed, with its
-- Idempotency-Key, unless it failed: then a new attempt gets a new key.
CREATE OR REPLACE FUNCTION scp_payment_begin(p_order uuid, p_user uuid, p_role text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    o record;
    p payments;
BEGIN
    SELECT * INTO o FROM scp_payment_order_lock(p_order);
    IF o.kind IS NULL OR o.payer <> p_user
       OR p_role <> (CASE o.kind WHEN 'catalog' THEN 'consumer' ELSE 'vendor' END) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    IF o.payment_status IN ('paid', 'partially_refunded', 'refunded') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC410', MESSAGE = 'the order is already paid';
    END IF;
    IF o.status IN ('rejected', 'cancelled') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('a %s order cannot be paid', o.status);
    END IF;
    RETURN scp_payment_attempt(p_order, o.kind, p_user, o.amount, o.currency);
END $$;

-- The attempt to send to the provider (p_provider: stripe, or paypal for a shop order)
-- for an order already locked and checked by its caller (scp_payment_begin,
-- scp_shop_payment_begin, scp_paypal_begin): the latest attempt is resumed, with its
-- Idempotency-Key (PayPal's PayPal-Request-Id), when it is that provider's, still open
-- and of the same amount; otherwise (it failed, the amount changed, or it is the other
-- provider's, which is left as it is) a new attempt gets the next number and so a new
-- key.
DROP FUNCTION IF EXISTS scp_payment_attempt(uuid, text, uuid, bigint, text);	-- Stripe's only
CREATE OR REPLACE FUNCTION scp_payment_attempt(p_order uuid, p_kind text, p_user uuid,
                                               p_amount bigint, p_currency text,
                                               p_provider text DEFAULT 'stripe')
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    p payments;
BEGIN
    SELECT * INTO p FROM payments WHERE order_id = p_order ORDER BY attempt DESC LIMIT 1
       FOR UPDATE;
    IF NOT FOUND OR p.provider <> p_provider OR p.status NOT IN ('pending', 'requires_payment')
       OR p.amount <> p_amount OR p.currency <> p_currency THEN
        INSERT INTO payments (order_kind, catalog_order_id, auction_order_id, shop_order_id,
                              payer_id, attempt, provider, amount, currency, idempotency_key)
            VALUES (p_kind, CASE p_kind WHEN 'catalog' THEN p_order END,
                    CASE p_kind WHEN 'auction' THEN p_order END,
                    CASE p_kind WHEN 'shop' THEN p_order END, p_user,
                    coalesce(p.attempt, 0) + 1, p_provider, p_amount, p_currency,
                    format('scp-order-%s-attempt-%s', p_order, coalesce(p.attempt, 0) + 1))
            RETURNING * INTO p;
    END IF;
    RETURN json_build_object('payment_id', p.id, 'attempt', p.attempt,
        'amount_minor', p.amount, 'currency', lower(p.currency),
        'idempotency_key', p.idempotency_key, 'order_kind', p.order_kind);
END $$;

-- The payment and its order, locked in that order's order (see the top).
CREATE OR REPLACE FUNCTION scp_payment_lock(p_payment uuid) RETURNS payments
LANGUAGE plpgsql AS $$
DECLARE
    p payments;
BEGIN
    SELECT * INTO p FROM payments WHERE id = p_payment;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM scp_payment_order_lock(p.order_id);
    SELECT * INTO p FROM payments WHERE id = p_payment FOR UPDATE;
    RETURN p;
END $$;

-- The provider created the attempt's object: its id recorded (p_intent: Stripe's
-- intent, or PayPal's order for a PayPal attempt; a recorded one is kept); the attempt
-- awaits the customer and the order is processing.  The answer is the payment (the
-- client_secret or approve link is added by the caller and never stored).
CREATE OR REPLACE FUNCTION scp_payment_created(p_payment uuid, p_intent text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    p payments := scp_payment_lock(p_payment);
    paypal boolean := p.provider = 'paypal';
BEGIN
    IF p.status = 'pending' OR (paypal AND p.paypal_order_id IS NULL)
       OR (NOT paypal AND p.intent_id IS NULL) THEN
        UPDATE payments SET
               status = CASE status WHEN 'pending' THEN 'requires_payment' ELSE status END,
               intent_id = CASE WHEN paypal THEN intent_id ELSE coalesce(intent_id, p_intent) END,
               paypal_order_id = CASE WHEN paypal THEN coalesce(paypal_order_id, p_intent)
                                      ELSE paypal_order_id END,
               updated_at = now()
         WHERE id = p.id RETURNING * INTO p;
    END IF;
    PERFORM scp_payment_order_sync(p.order_id);
    RETURN scp_payment_json(p);
END $$;

-- Stripe refused the attempt (a card error, an invalid request): it is failed, and the
-- next POST starts a new attempt with a new key.
CREATE OR REPLACE FUNCTION scp_payment_refused(p_payment uuid, p_error jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    p payments := scp_payment_lock(p_payment);
BEGIN
    IF p.status = 'pending' THEN
        UPDATE payments SET status = 'failed', last_error = p_error, failed_at = now(),
               updated_at = now() WHERE id = p.id;
        PERFORM scp_payment_order_sync(p.order_id);
    END IF;
END $$;

-- Who may see an order's payments: its payer; a catalog order's supplier staff; an
-- auction order's seller (client) and admins.
CREATE OR REPLACE FUNCTION scp_payments_visible(p_kind text, p_payer uuid, p_seller uuid,
                                                p_of_supplier uuid, p_user uuid, p_role text,
                                                p_supplier uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_kind
        WHEN 'catalog' THEN (p_role = 'consumer' AND p_payer = p_user)
                         OR (p_role IN ('owner', 'manager', 'sales_rep')
                             AND p_of_supplier = p_supplier)
        WHEN 'auction' THEN p_role = 'admin' OR (p_role = 'vendor' AND p_payer = p_user)
                         OR (p_role = 'client' AND p_seller = p_user)
        ELSE false END
$$;

-- GET /orders/:id/payments: the order's payment status and amounts, its payments
-- (newest attempt first) and refunds (newest first).
CREATE OR REPLACE FUNCTION scp_payments_of(p_order uuid, p_user uuid, p_role text,
                                           p_supplier uuid) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    o record;
    paid bigint;
    refunded bigint;
    refundable bigint;
BEGIN
    -- read, not locked: a STABLE function takes no row locks
    SELECT 'catalog' AS kind, c.consumer_id AS payer, NULL::uuid AS seller,
           c.supplier_id AS supplier, c.total_minor AS amount, upper(c.currency) AS currency,
           c.payment_status
      INTO o FROM catalog_orders c WHERE c.id = p_order;
    IF NOT FOUND THEN
        SELECT 'auction' AS kind, a.vendor_id AS payer, a.client_id AS seller,
               NULL::uuid AS supplier, a.final_price + a.platform_fee AS amount,
               upper(a.currency) AS currency, a.payment_status
          INTO o FROM auction_orders a WHERE a.id = p_order;
    END IF;
    IF o.kind IS NULL OR NOT coalesce(scp_payments_visible(o.kind, o.payer, o.seller, o.supplier,
                                                   p_user, p_role, p_supplier), false) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    SELECT coalesce(sum(p.amount_received) FILTER (WHERE p.status IN
                        ('succeeded', 'partially_refunded', 'refunded')), 0),
           coalesce(sum(scp_payment_refunded(p)), 0),
           coalesce(sum(scp_payment_refundable(p)), 0)
      INTO paid, refunded, refundable FROM payments p WHERE p.order_id = p_order;
    RETURN json_build_object('order_id', p_order, 'order_kind', o.kind,
        'payment_status', o.payment_status, 'currency', o.currency,
        'amount_due', scp_amount(o.amount), 'amount_paid', scp_amount(paid),
        'amount_refunded', scp_amount(refunded), 'refundable', scp_amount(refundable),
        'payments', coalesce((SELECT json_agg(scp_payment_json(p) ORDER BY p.attempt DESC)
                                FROM payments p WHERE p.order_id = p_order), '[]'),
        'refunds', coalesce((SELECT json_agg(scp_refund_json(f) ORDER BY f.created_at DESC, f.id)
                               FROM refunds f WHERE f.order_id = p_order), '[]'));
END $$;

-- Start a refund: a catalog order's supplier owner or manager, an auction order's admin
-- (anyone else: 404).  The order must have captured money left to refund (409
-- otherwise: "cannot move from unpaid to refunded"); p_amount (minor units; NULL: all
-- that is left) may not exceed what is left (422).  The refund row is written pending,
-- with its Idempotency-Key, before the provider is called.  The payment refunded is
-- the order's with the most left to refund, or p_payment (a provider refunding its
-- own payment).
DROP FUNCTION IF EXISTS scp_refund_begin(uuid, uuid, text, uuid, bigint, text);	-- no payment
CREATE OR REPLACE FUNCTION scp_refund_begin(p_order uuid, p_user uuid, p_role text,
                                            p_supplier uuid, p_amount bigint, p_reason text,
                                            p_payment uuid DEFAULT NULL)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    o record;
    p payments;
    left_ bigint;
    f refunds;
BEGIN
    SELECT * INTO o FROM scp_payment_order_lock(p_order);
    IF o.kind IS NULL OR NOT coalesce((CASE o.kind
            WHEN 'catalog' THEN p_role IN ('owner', 'manager') AND o.supplier = p_supplier
            -- a shop order: p_supplier is the shop, p_role the caller's role in it
            WHEN 'shop' THEN p_role IN ('owner', 'admin') AND o.supplier = p_supplier
            ELSE p_role = 'admin' END), false) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    SELECT * INTO p FROM payments WHERE order_id = p_order
       AND status IN ('succeeded', 'partially_refunded')
       AND (p_payment IS NULL OR id = p_payment)
     ORDER BY scp_payment_refundable(payments) DESC, attempt LIMIT 1 FOR UPDATE;
    IF NOT FOUND AND p_payment IS NOT NULL THEN
        PERFORM scp_state_check('payment', (SELECT status FROM payments WHERE id = p_payment),
                                'refunded');
    ELSIF NOT FOUND THEN
        PERFORM scp_state_check('payment', o.payment_status, 'refunded');
    END IF;
    left_ := scp_payment_refundable(p);
    IF left_ <= 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'SC410',
            MESSAGE = 'nothing is left to refund: the rest is being refunded';
    END IF;
    IF p_amount IS NOT NULL AND p_amount > left_ THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'amount',
            MESSAGE = format('may not exceed what is left to refund (%s)', scp_amount(left_));
    END IF;
    INSERT INTO refunds (payment_id, order_id, amount, currency, reason, requested_by,
                         idempotency_key)
        VALUES (p.id, p_order, coalesce(p_amount, left_), p.currency, p_reason, p_user,
                'scp-refund-' || gen_random_uuid())
        RETURNING * INTO f;
    RETURN json_build_object('refund_id', f.id, 'payment_intent', p.intent_id,
        'amount_minor', f.amount, 'idempotency_key', f.idempotency_key);
END $$;

-- Move a settled payment along its refunds (succeeded → partially_refunded → refunded),
-- then the order.
CREATE OR REPLACE FUNCTION scp_payment_settle(p payments) RETURNS payments
LANGUAGE plpgsql AS $$
DECLARE
    r bigint := scp_payment_refunded(p);
    st text;
BEGIN
    st := CASE WHEN r >= p.amount_received AND p.amount_received > 0 THEN 'refunded'
               WHEN r > 0 THEN 'partially_refunded' ELSE p.status END;
    IF st <> p.status AND scp_payment_can(p.status, st) THEN
        UPDATE payments SET status = st, updated_at = now() WHERE id = p.id RETURNING * INTO p;
    END IF;
    PERFORM scp_payment_order_sync(p.order_id);
    RETURN p;
END $$;

-- Stripe answered a refund: p_status is the Refund's status (succeeded, pending,
-- requires_action: still counted against what is left; failed, canceled: not), or NULL
-- with p_error when Stripe refused it.  The answer is the refund.
CREATE OR REPLACE FUNCTION scp_refund_done(p_refund uuid, p_stripe_id text, p_status text,
                                           p_error jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    f refunds;
    p payments;
BEGIN
    SELECT * INTO f FROM refunds WHERE id = p_refund;
    p := scp_payment_lock(f.payment_id);
    UPDATE refunds SET stripe_refund_id = coalesce(p_stripe_id, stripe_refund_id),
           status = CASE WHEN p_status = 'succeeded' THEN 'succeeded'
                         WHEN p_status IN ('pending', 'requires_action') THEN 'pending'
                         ELSE 'failed' END,
           last_error = p_error, updated_at = now()
     WHERE id = p_refund AND status = 'pending' RETURNING * INTO f;
    IF NOT FOUND THEN
        SELECT * INTO f FROM refunds WHERE id = p_refund;
    END IF;
    p := scp_payment_settle(p);
    RETURN scp_json_with(scp_refund_json(f), 'order_payment_status',
                         to_json(scp_payment_order_sync(p.order_id)));
END $$;

-- Apply what Stripe says of a payment's intent or charge (the webhook's events, or the
-- intent read back on confirming): typ is the event type, obj Stripe's object.  Only a
-- forward move (state_moves) is applied; true when something changed.
CREATE OR REPLACE FUNCTION scp_payment_intent_apply(p_payment uuid, typ text, intent text,
                                                    obj jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    p payments := scp_payment_lock(p_payment);
    applied boolean := false;
BEGIN
    IF typ = 'payment_intent.succeeded' AND scp_payment_can(p.status, 'succeeded') THEN
        UPDATE payments SET status = 'succeeded', intent_id = intent,
               amount_received = CASE WHEN obj->>'amount_received' ~ '^[0-9]{1,15}$'
                                      THEN (obj->>'amount_received')::bigint
                                      ELSE p.amount END,
               charge_id = coalesce(obj->>'latest_charge', charge_id),
               succeeded_at = now(), updated_at = now()
         WHERE id = p.id RETURNING * INTO p;
        applied := true;
    ELSIF typ = 'payment_intent.payment_failed' AND scp_payment_can(p.status, 'failed') THEN
        UPDATE payments SET status = 'failed', intent_id = intent,
               last_error = jsonb_strip_nulls(jsonb_build_object(
                   'type', obj->'last_payment_error'->>'type',
                   'code', obj->'last_payment_error'->>'code',
                   'decline_code', obj->'last_payment_error'->>'decline_code',
                   'message', obj->'last_payment_error'->>'message')),
               failed_at = now(), updated_at = now()
         WHERE id = p.id RETURNING * INTO p;
        applied := true;
    ELSIF typ = 'charge.refunded' AND p.status IN ('succeeded', 'partially_refunded')
          AND obj->>'amount_refunded' ~ '^[0-9]{1,15}$'
          AND (obj->>'amount_refunded')::bigint > p.stripe_amount_refunded THEN
        UPDATE payments SET stripe_amount_refunded = (obj->>'amount_refunded')::bigint,
               charge_id = coalesce(obj->>'id', charge_id), updated_at = now()
         WHERE id = p.id RETURNING * INTO p;
        applied := true;
    END IF;
    IF applied THEN
        p := scp_payment_settle(p);
    END IF;
    RETURN applied;
END $$;

-- One verified provider event, once: the part every provider's webhook shares.  The
-- event must be one (an id of 1-300 characters, a type, its object an object: SC400
-- "not a <name> event" otherwise); its id is the dedupe key in webhook_deliveries,
-- inserted in this transaction, so concurrent replays have one effect.  A new event
-- goes to the provider's own apply function p_apply(type text, object jsonb) →
-- boolean, which parses it, finds its payment and moves it (forward only, through
-- the core's functions); what it says is the answer's `applied`.
CREATE OR REPLACE FUNCTION scp_webhook_event(p_provider text, p_name text, p_id jsonb,
                                             p_type text, p_object jsonb, p_apply regproc)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    applied boolean;
BEGIN
    IF jsonb_typeof(p_id) IS DISTINCT FROM 'string' OR p_type IS NULL
       OR length(p_id #>> '{}') NOT BETWEEN 1 AND 300
       OR jsonb_typeof(p_object) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC400', MESSAGE = format('not a %s event', p_name);
    END IF;
    INSERT INTO webhook_deliveries (provider, delivery_key, topic)
        VALUES (p_provider, p_id #>> '{}', p_type) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN json_build_object('received', true, 'duplicate', true);
    END IF;
    EXECUTE format('SELECT %s($1, $2)', p_apply) INTO applied USING p_type, p_object;
    RETURN json_build_object('received', true, 'applied', coalesce(applied, false));
END $$;

-- A Stripe event's effect (scp_webhook_event's p_apply): payment_intent.succeeded,
-- payment_intent.payment_failed and charge.refunded are applied to the payment of
-- their intent when the move is forward (state_moves); anything else, an intent that
-- is not ours, or a move backwards changes nothing (false).
CREATE OR REPLACE FUNCTION scp_stripe_event_apply(typ text, obj jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    intent text := CASE WHEN typ LIKE 'payment_intent.%' THEN obj->>'id'
                        ELSE obj->>'payment_intent' END;
    pid text := obj->'metadata'->>'payment_id';
    p payments;
BEGIN
    IF typ NOT IN ('payment_intent.succeeded', 'payment_intent.payment_failed',
                   'charge.refunded') OR intent IS NULL THEN
        RETURN false;
    END IF;
    SELECT * INTO p FROM payments WHERE intent_id = intent;
    -- An event may outrun our recording of the intent's id: the metadata names the row.
    IF NOT FOUND AND typ LIKE 'payment_intent.%'
       AND pid ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        SELECT * INTO p FROM payments WHERE id = pid::uuid AND intent_id IS NULL;
    END IF;
    IF p.id IS NULL THEN
        RETURN false;
    END IF;
    RETURN scp_payment_intent_apply(p.id, typ, intent, obj);
END $$;

-- One verified Stripe event (POST /webhooks/stripe), once (scp_webhook_event).
CREATE OR REPLACE FUNCTION scp_stripe_event(p_event jsonb) RETURNS json
LANGUAGE sql AS $$
    SELECT scp_webhook_event('stripe', 'Stripe', p_event->'id', p_event->>'type',
                             p_event->'data'->'object', 'scp_stripe_event_apply')
$$;
