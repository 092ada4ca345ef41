-- PayPal payments of a shop's orders (sql/089_paypal.sql): an attempt with provider
-- 'paypal', its Orders v2 order, its capture and refunds, and PayPal's webhook events.
-- Who may do what is the Stripe shop payments' (scp_shop_payment_role,
-- sql/functions/96_shop_payments.sql); the attempts, refunds and the order's payment
-- status are the core's (sql/functions/90_payments.sql).

-- A PayPal payment as answered: the shop payment with its PayPal ids.
CREATE OR REPLACE FUNCTION scp_paypal_payment_json(p payments) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT scp_json_with(scp_json_with(
        scp_shop_payment_json(p, (SELECT h FROM shop_orders h WHERE h.id = p.shop_order_id)),
        'paypal_order_id', to_json(p.paypal_order_id)),
        'paypal_capture_id', to_json(p.paypal_capture_id))
$$;

-- Start (or resume) the PayPal payment of a shop order: the checks are the Stripe
-- path's (scp_shop_payable; p_amount, minor units, the root path's), the attempt the
-- core's (scp_payment_attempt): the latest is resumed (same PayPal-Request-Id, so
-- PayPal answers the same order) only when it is PayPal's, still open and of the same
-- amount; otherwise a new attempt gets the next number and so a new request id.
DROP FUNCTION IF EXISTS scp_paypal_begin(uuid, uuid, uuid);	-- no amount
CREATE OR REPLACE FUNCTION scp_paypal_begin(p_shop uuid, p_user uuid, p_order uuid,
                                            p_amount bigint DEFAULT NULL)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    o record;
BEGIN
    SELECT * INTO o FROM scp_shop_payable(p_shop, p_user, p_order, p_amount);
    -- PayPal's currency_code is upper case (the attempt answers Stripe's lower case).
    RETURN (scp_payment_attempt(p_order, 'shop', p_user, o.amount, o.currency, 'paypal')::jsonb
            || jsonb_build_object('currency', o.currency))::json;
END $$;

-- PayPal created the order: its id recorded (the core's scp_payment_created), the
-- attempt awaits the buyer's approval.
CREATE OR REPLACE FUNCTION scp_paypal_created(p_payment uuid, p_paypal_order text)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scp_payment_created(p_payment, p_paypal_order);
    RETURN (SELECT scp_paypal_payment_json(p) FROM payments p WHERE p.id = p_payment);
END $$;

-- The shop's PayPal payment of PayPal order p_paypal_order, for capturing (owner,
-- admin, order_manager): what to capture; 404 when it is not one of the shop's.
CREATE OR REPLACE FUNCTION scp_paypal_of_order(p_shop uuid, p_user uuid, p_paypal_order text)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    p payments;
BEGIN
    PERFORM scp_shop_payment_role(p_shop, p_user, ARRAY['owner', 'admin', 'order_manager']);
    SELECT p_.* INTO p FROM payments p_ JOIN shop_orders h ON h.id = p_.shop_order_id
     WHERE p_.paypal_order_id = p_paypal_order AND h.shop_id = p_shop;
    IF p.id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'payment not found';
    END IF;
    -- A capture of an attempt that is over would move it backwards: 409; so would one
    -- of an attempt cancelled here (scp_paypal_cancel), though failed → succeeded is a
    -- move (a declined capture retried).
    IF p.status = 'failed' AND p.last_error->>'type' = 'canceled' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409', MESSAGE = 'the payment was cancelled';
    END IF;
    IF p.status NOT IN ('pending', 'requires_payment') THEN
        PERFORM scp_state_check('payment', p.status, 'succeeded');
    END IF;
    RETURN json_build_object('payment_id', p.id, 'amount_minor', p.amount,
                             'currency', p.currency);
END $$;

-- Apply what PayPal says of a payment's capture (the capture call's answer or a
-- webhook's resource), forward only: COMPLETED is succeeded with the captured amount
-- (p_minor, minor units), DECLINED is failed; PENDING and anything else change nothing.
-- True when something changed.
CREATE OR REPLACE FUNCTION scp_paypal_capture_apply(p_payment uuid, p_status text,
                                                    p_capture text, p_minor bigint,
                                                    p_currency text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    p payments := scp_payment_lock(p_payment);
BEGIN
    IF p_status = 'COMPLETED' AND scp_payment_can(p.status, 'succeeded')
       AND p_minor > 0 AND upper(p_currency) = p.currency THEN
        UPDATE payments SET status = 'succeeded', paypal_capture_id = p_capture,
               amount_received = least(p_minor, p.amount), succeeded_at = now(),
               updated_at = now()
         WHERE id = p.id RETURNING * INTO p;
    ELSIF p_status = 'DECLINED' AND scp_payment_can(p.status, 'failed') THEN
        UPDATE payments SET status = 'failed', paypal_capture_id = p_capture,
               last_error = jsonb_build_object('type', 'paypal', 'code', 'CAPTURE_DECLINED',
                                               'message', 'PayPal declined the capture'),
               failed_at = now(), updated_at = now()
         WHERE id = p.id RETURNING * INTO p;
    ELSE
        RETURN false;
    END IF;
    PERFORM scp_payment_settle(p);
    RETURN true;
END $$;

-- The capture call answered: applied, and the payment answered.
CREATE OR REPLACE FUNCTION scp_paypal_captured(p_payment uuid, p_status text, p_capture text,
                                               p_minor bigint, p_currency text)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scp_paypal_capture_apply(p_payment, p_status, p_capture, p_minor, p_currency);
    RETURN (SELECT scp_paypal_payment_json(p) FROM payments p WHERE p.id = p_payment);
END $$;

-- Start a refund of a shop's PayPal payment (scp_shop_refund_of): the answer names the
-- capture to refund.
CREATE OR REPLACE FUNCTION scp_paypal_refund_begin(p_shop uuid, p_user uuid, p_payment uuid,
                                                   p_amount bigint, p_reason text)
RETURNS json LANGUAGE sql AS $$
    SELECT scp_shop_refund_of(p_shop, p_user, p_payment, p_amount, p_reason, 'paypal')
$$;

-- PayPal answered a refund: COMPLETED is succeeded, PENDING still under way, anything
-- else (or p_error, PayPal's refusal) failed.  The answer is the refund.
CREATE OR REPLACE FUNCTION scp_paypal_refund_done(p_refund uuid, p_paypal_id text,
                                                  p_status text, p_error jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    j json;
BEGIN
    j := scp_refund_done(p_refund, NULL, CASE p_status WHEN 'COMPLETED' THEN 'succeeded'
                                                      WHEN 'PENDING' THEN 'pending'
                                                      ELSE 'failed' END, p_error);
    IF p_paypal_id IS NOT NULL THEN
        UPDATE refunds SET paypal_refund_id = p_paypal_id WHERE id = p_refund
           AND paypal_refund_id IS NULL;
    END IF;
    RETURN scp_json_with(j, 'paypal_refund_id',
                         to_json((SELECT paypal_refund_id FROM refunds WHERE id = p_refund)));
END $$;

-- A PayPal event's effect (scp_webhook_event's p_apply; res, its resource).
-- PAYMENT.CAPTURE.COMPLETED and .DENIED are applied to the payment of the capture's
-- order (supplementary_data.related_ids.order_id), .REFUNDED (a refund) to the payment
-- of the refunded capture; anything else, a payment that is not ours, or a move
-- backwards changes nothing (false).
CREATE OR REPLACE FUNCTION scp_paypal_event_apply(typ text, res jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    -- the resource's amount (PayPal's value, major units), exactly, in minor units
    p_minor bigint := CASE WHEN res->'amount'->>'value' ~ '^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$'
                           THEN ((res->'amount'->>'value')::numeric * 100)::bigint
                      END;
    p payments;
    up text;
BEGIN
    IF typ IN ('PAYMENT.CAPTURE.COMPLETED', 'PAYMENT.CAPTURE.DENIED') THEN
        SELECT * INTO p FROM payments
         WHERE paypal_order_id = res->'supplementary_data'->'related_ids'->>'order_id';
        IF p.id IS NULL THEN
            RETURN false;
        END IF;
        RETURN scp_paypal_capture_apply(p.id, CASE typ WHEN 'PAYMENT.CAPTURE.COMPLETED'
                                              THEN 'COMPLETED' ELSE 'DECLINED' END,
                                        res->>'id', p_minor, res->'amount'->>'currency_code');
    ELSIF typ = 'PAYMENT.CAPTURE.REFUNDED' THEN
        -- The resource is the refund; its link "up" names the refunded capture.  A
        -- refund of ours is settled; one made elsewhere (PayPal's dashboard) is
        -- recorded, never beyond what is left of the capture.
        SELECT substring(l->>'href' FROM '/captures/([^/?]+)$') INTO up
          FROM jsonb_array_elements(CASE jsonb_typeof(res->'links') WHEN 'array'
                                    THEN res->'links' ELSE '[]' END) l
         WHERE l->>'rel' = 'up' LIMIT 1;
        SELECT * INTO p FROM payments WHERE paypal_capture_id = up;
        IF p.id IS NULL OR res->>'status' IS DISTINCT FROM 'COMPLETED' THEN
            RETURN false;
        END IF;
        p := scp_payment_lock(p.id);
        IF EXISTS (SELECT 1 FROM refunds WHERE paypal_refund_id = res->>'id') THEN
            PERFORM scp_paypal_refund_done((SELECT id FROM refunds
                                             WHERE paypal_refund_id = res->>'id'),
                                           res->>'id', 'COMPLETED', NULL);
            RETURN true;
        END IF;
        IF p.status IN ('succeeded', 'partially_refunded') AND p_minor > 0
           AND scp_payment_refundable(p) > 0 THEN
            INSERT INTO refunds (payment_id, order_id, amount, currency, status,
                                 idempotency_key, paypal_refund_id)
                VALUES (p.id, p.order_id, least(p_minor, scp_payment_refundable(p)),
                        p.currency, 'succeeded', 'paypal-refund-' || (res->>'id'),
                        res->>'id');
            PERFORM scp_payment_settle(p);
            RETURN true;
        END IF;
    END IF;
    RETURN false;
END $$;

-- One verified PayPal webhook event (POST /webhooks/paypal), once (scp_webhook_event).
CREATE OR REPLACE FUNCTION scp_paypal_event(p_event jsonb) RETURNS json
LANGUAGE sql AS $$
    SELECT scp_webhook_event('paypal', 'PayPal', p_event->'id', p_event->>'event_type',
                             p_event->'resource', 'scp_paypal_event_apply')
$$;

-- The root paths' cancel of an open PayPal attempt (POST /payments/:id/cancel).  PayPal
-- has nothing to cancel for an order that was created and not captured (it expires
-- there), so the attempt is voided here: failed with last_error type 'canceled', as a
-- cancelled Stripe intent, and the order follows; a capture of it is then refused
-- (scp_paypal_of_order).  409 when it is no longer open (a capture or cancel came
-- first).  The answer is the root one.
CREATE OR REPLACE FUNCTION scp_paypal_cancel(p_shop uuid, p_user uuid, p_payment uuid)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    p payments;
BEGIN
    PERFORM scp_shop_payment_role(p_shop, p_user, ARRAY['owner', 'admin', 'order_manager']);
    p := scp_payment_lock(p_payment);
    IF p.provider <> 'paypal' OR p.status NOT IN ('pending', 'requires_payment') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('a payment in status %s is over', p.status);
    END IF;
    UPDATE payments SET status = 'failed',
           last_error = jsonb_build_object('type', 'canceled', 'code', 'requested_by_customer',
                                           'message', 'the payment was cancelled'),
           failed_at = now(), updated_at = now()
     WHERE id = p.id RETURNING * INTO p;
    PERFORM scp_payment_settle(p);
    RETURN scp_shop_payment_answer(scp_shop_payment_get(p_shop, p_user, p_payment), NULL);
END $$;

-- The root paths' refund (POST /payments/:id/refund, owner and admin): the payment of
-- the Stripe intent or PayPal order p_intent, refunded by its own provider
-- (scp_shop_refund_of); provider says which call the answer is for.
CREATE OR REPLACE FUNCTION scp_shop_root_refund_begin(p_user uuid, p_intent text,
                                                      p_amount bigint, p_reason text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    w json := scp_shop_payment_by_intent(p_user, p_intent, ARRAY['owner', 'admin'], false);
BEGIN
    RETURN scp_json_with(scp_shop_refund_of((w->>'shop_id')::uuid, p_user,
                                            (w->>'payment_id')::uuid, p_amount, p_reason,
                                            w->>'provider'), 'provider', w->'provider');
END $$;
