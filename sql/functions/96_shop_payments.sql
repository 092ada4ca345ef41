-- Payments of a shop's orders (sql/087_shop_payments.sql): who in a shop may start,
-- read and refund them.  The attempts, refunds and webhook events are the Stripe core's
-- (sql/functions/90_payments.sql), which knows the 'shop' kind of order.
--
-- A shop's payments are its staff's: owner, admin and order_manager start and read
-- them, owner and admin refund them; a support_agent is refused (403), a caller who is
-- no member of the shop, or an id of another shop, is not found (404).

-- The caller's role in the shop, checked against the roles allowed (403), or 404.
CREATE OR REPLACE FUNCTION scp_shop_payment_role(p_shop uuid, p_user uuid, p_allowed text[])
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    r text;
BEGIN
    SELECT role INTO r FROM shop_members WHERE shop_id = p_shop AND user_id = p_user;
    IF r IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'shop not found';
    END IF;
    IF NOT r = ANY (p_allowed) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = format('a shop''s %s may not do this with its payments', r);
    END IF;
    RETURN r;
END $$;

-- May the caller pay the shop's order, and how much?  Its staff who start payments
-- (owner, admin, order_manager; else 403/404), an order of that shop (404), locked;
-- p_amount (minor units), when given, must be the order's total (422).  A cancelled or
-- returned order cannot be paid, nor one whose total is 0 (409); one already paid is
-- 409 CONFLICT.  Both providers' beginnings start here.
CREATE OR REPLACE FUNCTION scp_shop_payable(p_shop uuid, p_user uuid, p_order uuid,
                                            p_amount bigint, OUT amount bigint,
                                            OUT currency text)
LANGUAGE plpgsql AS $$
DECLARE
    o record;
BEGIN
    PERFORM scp_shop_payment_role(p_shop, p_user, ARRAY['owner', 'admin', 'order_manager']);
    SELECT * INTO o FROM scp_payment_order_lock(p_order);
    IF o.kind IS DISTINCT FROM 'shop' OR o.supplier <> p_shop THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    IF p_amount IS NOT NULL AND p_amount <> o.amount THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'amount',
            MESSAGE = format('must be the order''s total (%s %s)', o.currency,
                             scp_amount(o.amount));
    END IF;
    IF o.payment_status IN ('paid', 'partially_refunded', 'refunded') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC410', MESSAGE = 'the order is already paid';
    END IF;
    IF o.status IN ('Cancelled', 'Return') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('an order in status %s cannot be paid', o.status);
    END IF;
    IF o.amount <= 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409', MESSAGE = 'the order''s total is 0: nothing to pay';
    END IF;
    amount := o.amount;
    currency := o.currency;
END $$;

-- Start (or resume) the Stripe payment of a shop order (scp_shop_payable's checks).
CREATE OR REPLACE FUNCTION scp_shop_payment_begin(p_shop uuid, p_user uuid, p_order uuid,
                                                  p_amount bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    o record;
BEGIN
    SELECT * INTO o FROM scp_shop_payable(p_shop, p_user, p_order, p_amount);
    RETURN scp_payment_attempt(p_order, 'shop', p_user, o.amount, o.currency);
END $$;

-- A payment of the shop's, with its order's payment status and refunds (404 when it is
-- not one of the shop's).
CREATE OR REPLACE FUNCTION scp_shop_payment_get(p_shop uuid, p_user uuid, p_payment uuid)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    p payments;
    h shop_orders;
BEGIN
    PERFORM scp_shop_payment_role(p_shop, p_user, ARRAY['owner', 'admin', 'order_manager']);
    SELECT * INTO p FROM payments WHERE id = p_payment AND order_kind = 'shop';
    SELECT * INTO h FROM shop_orders WHERE id = p.shop_order_id AND shop_id = p_shop;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'payment not found';
    END IF;
    RETURN scp_shop_payment_json(p, h);
END $$;

-- A shop payment as answered: the core's payment with the order's payment status and
-- the payment's refunds.
CREATE OR REPLACE FUNCTION scp_shop_payment_json(p payments, h shop_orders) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT scp_json_with(scp_json_with(scp_payment_json(p),
        'order_payment_status', to_json(h.payment_status)),
        'refunds', coalesce((SELECT json_agg(scp_refund_json(f) ORDER BY f.created_at DESC, f.id)
                               FROM refunds f WHERE f.payment_id = p.id), '[]'))
$$;

-- The shop's payment of intent p_intent (Stripe's id), for confirming: 404 otherwise.
CREATE OR REPLACE FUNCTION scp_shop_payment_of_intent(p_shop uuid, p_user uuid, p_intent text)
RETURNS uuid LANGUAGE plpgsql STABLE AS $$
DECLARE
    id_ uuid;
BEGIN
    PERFORM scp_shop_payment_role(p_shop, p_user, ARRAY['owner', 'admin', 'order_manager']);
    SELECT p.id INTO id_ FROM payments p JOIN shop_orders h ON h.id = p.shop_order_id
     WHERE p.intent_id = p_intent AND h.shop_id = p_shop;
    IF id_ IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'payment not found';
    END IF;
    RETURN id_;
END $$;

-- The shop's payment p_payment, or 404 (none, or another shop's).
CREATE OR REPLACE FUNCTION scp_shop_payment_of(p_shop uuid, p_payment uuid)
RETURNS payments LANGUAGE plpgsql STABLE AS $$
DECLARE
    p payments;
BEGIN
    SELECT p_.* INTO p FROM payments p_ JOIN shop_orders h ON h.id = p_.shop_order_id
     WHERE p_.id = p_payment AND h.shop_id = p_shop;
    IF p.id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'payment not found';
    END IF;
    RETURN p;
END $$;

-- Start a refund of the shop's payment p_payment by its provider p_provider (owner,
-- admin; the paths of each provider call it): the core's refund of that payment, never
-- more than is left of what was captured (422), none when nothing was (409).  Each
-- provider refunds only what it took: the Stripe path answers 409 for a PayPal payment,
-- naming its path; the PayPal path names PayPal's payments only (404 for another).
-- The answer adds what the provider's call needs: the order, PayPal's capture, the
-- currency.
CREATE OR REPLACE FUNCTION scp_shop_refund_of(p_shop uuid, p_user uuid, p_payment uuid,
                                              p_amount bigint, p_reason text,
                                              p_provider text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    r text := scp_shop_payment_role(p_shop, p_user, ARRAY['owner', 'admin']);
    p payments := scp_shop_payment_of(p_shop, p_payment);
BEGIN
    IF p.provider <> p_provider AND p_provider = 'paypal' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'payment not found';
    ELSIF p.provider <> p_provider THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('a %s payment is refunded at /shops/:shopId/payments/%s/:id/refund',
                             p.provider, p.provider);
    END IF;
    RETURN (scp_refund_begin(p.order_id, p_user, r, p_shop, p_amount, p_reason, p.id)::jsonb
            || jsonb_build_object('order_id', p.order_id, 'capture_id', p.paypal_capture_id,
                                  'currency', p.currency))::json;
END $$;

-- Start a refund of a shop's Stripe payment (scp_shop_refund_of).
CREATE OR REPLACE FUNCTION scp_shop_refund_begin(p_shop uuid, p_user uuid, p_payment uuid,
                                                 p_amount bigint, p_reason text)
RETURNS json LANGUAGE sql AS $$
    SELECT scp_shop_refund_of(p_shop, p_user, p_payment, p_amount, p_reason, 'stripe')
$$;

-- Confirming: the intent as Stripe answered it when read back (p_intent, Stripe's
-- PaymentIntent), applied as its webhook event would be, forward only: succeeded is
-- payment_intent.succeeded, requires_payment_method after an error is
-- payment_intent.payment_failed; anything else (still awaiting the customer) changes
-- nothing.  The answer is the payment.
CREATE OR REPLACE FUNCTION scp_shop_payment_confirm(p_shop uuid, p_user uuid, p_payment uuid,
                                                    p_intent jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    st text := p_intent->>'status';
BEGIN
    IF st = 'succeeded' THEN
        PERFORM scp_payment_intent_apply(p_payment, 'payment_intent.succeeded',
                                         p_intent->>'id', p_intent);
    ELSIF st = 'requires_payment_method'
          AND jsonb_typeof(p_intent->'last_payment_error') = 'object' THEN
        PERFORM scp_payment_intent_apply(p_payment, 'payment_intent.payment_failed',
                                         p_intent->>'id', p_intent);
    END IF;
    RETURN scp_shop_payment_get(p_shop, p_user, p_payment);
END $$;

-- Root paths (/api/v1/payments/..., Cliick's paymentService.ts): the shop is the one of
-- the order or of the intent; the checks above then apply unchanged.  An order or
-- intent of a shop the caller is no member of is not found (404).
CREATE OR REPLACE FUNCTION scp_shop_of_order(p_user uuid, p_order uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s uuid;
BEGIN
    SELECT h.shop_id INTO s FROM shop_orders h
      JOIN shop_members m ON m.shop_id = h.shop_id AND m.user_id = p_user
     WHERE h.id = p_order;
    IF s IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    RETURN s;
END $$;

-- {shop_id, payment_id, provider} of a root path's id: a Stripe intent id (pi_…) or a
-- PayPal order id (no underscore: the two never meet), for a member of its shop (else
-- 404) in one of the roles allowed (else 403); p_open: the attempt must still be
-- payable (409).
CREATE OR REPLACE FUNCTION scp_shop_payment_by_intent(p_user uuid, p_intent text,
                                                      p_roles text[], p_open boolean)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    s uuid;
    pid uuid;
    st text;
    pr text;
BEGIN
    SELECT h.shop_id, p.id, p.status, p.provider INTO s, pid, st, pr
      FROM payments p JOIN shop_orders h ON h.id = p.shop_order_id
      JOIN shop_members m ON m.shop_id = h.shop_id AND m.user_id = p_user
     WHERE p.intent_id = p_intent OR p.paypal_order_id = p_intent;
    IF s IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'payment not found';
    END IF;
    PERFORM scp_shop_payment_role(s, p_user, p_roles);
    IF p_open AND st NOT IN ('pending', 'requires_payment') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('a payment in status %s is over', st);
    END IF;
    RETURN json_build_object('shop_id', s, 'payment_id', pid, 'provider', pr);
END $$;

-- The root path's start: the order's shop, its currency (422 when another is sent),
-- then the provider's beginning of the shop path (Stripe's here, PayPal's in
-- 98_paypal.sql), p_amount checked to be the total by both; shop_id added to the
-- attempt.
DROP FUNCTION IF EXISTS scp_shop_root_payment_begin(uuid, uuid, bigint, text);	-- no provider
CREATE OR REPLACE FUNCTION scp_shop_root_payment_begin(p_user uuid, p_order uuid,
                                                       p_amount bigint, p_currency text,
                                                       p_provider text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    s uuid := scp_shop_of_order(p_user, p_order);
    c text;
BEGIN
    SELECT currency INTO c FROM shop_orders WHERE id = p_order;
    IF p_currency IS NOT NULL AND upper(p_currency) <> c THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'currency',
            MESSAGE = format('must be the order''s currency (%s)', c);
    END IF;
    RETURN scp_json_with(CASE p_provider
                         WHEN 'paypal' THEN scp_paypal_begin(s, p_user, p_order, p_amount)
                         ELSE scp_shop_payment_begin(s, p_user, p_order, p_amount) END,
                         'shop_id', to_json(s));
END $$;

-- The intent as paymentService.ts reads it: amount in major units (a number, as it
-- sends it), status one of pending|succeeded|failed|canceled (of the frontend's five:
-- an attempt is pending until its provider settles it; 'processing' is not kept apart).
-- id is the provider's: Stripe's intent id, PayPal's order id.  p_handoff is what the
-- provider gave the client to go on with, answered only when the attempt is created
-- (never stored): Stripe's client_secret, or PayPal's approve link as approve_url.
CREATE OR REPLACE FUNCTION scp_shop_payment_intent_view(p payments, h shop_orders,
                                                        p_handoff text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', CASE p.provider WHEN 'paypal' THEN p.paypal_order_id
                                                   ELSE p.intent_id END,
        'provider', p.provider,
        'client_secret', CASE WHEN p.provider = 'stripe' THEN p_handoff END,
        'approve_url', CASE WHEN p.provider = 'paypal' THEN p_handoff END,
        'amount', scp_amount(p.amount), 'currency', p.currency,
        'status', CASE
            WHEN p.status = 'failed' AND p.last_error->>'type' = 'canceled' THEN 'canceled'
            WHEN p.status = 'failed' THEN 'failed'
            WHEN p.status IN ('succeeded', 'partially_refunded', 'refunded') THEN 'succeeded'
            ELSE 'pending' END)
$$;

-- A root answer: the shop's payment (j, as the shop path answers it) with its intent
-- beside it as payment_intent (the cliick profile copies that member to the top).
-- Volatile: it reads what the function called in its argument has just written.
CREATE OR REPLACE FUNCTION scp_shop_payment_answer(j json, p_handoff text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    p payments;
    h shop_orders;
BEGIN
    SELECT * INTO p FROM payments WHERE id = (j->>'id')::uuid;
    SELECT * INTO h FROM shop_orders WHERE id = p.shop_order_id;
    RETURN scp_json_with(scp_shop_payment_json(p, h), 'payment_intent',
                         scp_shop_payment_intent_view(p, h, p_handoff));
END $$;

-- A refund's end (f, the refund as its provider's done function answered it: Stripe's
-- scp_refund_done, PayPal's scp_paypal_refund_done), answered with its payment (as
-- scp_shop_payment_answer) and the refund.
DROP FUNCTION IF EXISTS scp_shop_refund_answer(uuid, text, text, jsonb);	-- Stripe's only
CREATE OR REPLACE FUNCTION scp_shop_refund_answer(f json) RETURNS json
LANGUAGE sql AS $$
    SELECT scp_json_with(scp_shop_payment_answer(json_build_object('id', f->>'payment_id'),
                                                 NULL), 'refund', f)
$$;

-- Stripe cancelled the intent: the attempt fails as cancelled (last_error type
-- 'canceled'), through the webhook's function so the order follows, forward only.
CREATE OR REPLACE FUNCTION scp_shop_payment_cancel_done(p_shop uuid, p_user uuid,
                                                        p_payment uuid, p_intent jsonb)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    IF p_intent->>'status' = 'canceled' THEN
        PERFORM scp_payment_intent_apply(p_payment, 'payment_intent.payment_failed',
            p_intent->>'id', p_intent || jsonb_build_object('last_payment_error',
                jsonb_build_object('type', 'canceled', 'code',
                    coalesce(p_intent->>'cancellation_reason', 'requested_by_customer'),
                    'message', 'the payment was cancelled')));
    END IF;
    RETURN scp_shop_payment_answer(scp_shop_payment_get(p_shop, p_user, p_payment), NULL);
END $$;
