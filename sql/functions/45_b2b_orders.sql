-- Catalog orders (B2B): placing one, its moves, and their real-time events.  Rounding:
-- scp_catalog_order_create and docs/decisions.md (B2B).

-- The order as lists show it (single-order answers add status_history): its API
-- document, rebuilt by the catalog_orders_view trigger on every insert and update of an
-- order.  PL/pgSQL rather than SQL: a SQL-language function called from that PL/pgSQL
-- trigger is parsed and planned on every call (about a fifth of the database's time when
-- placing an order); in PL/pgSQL the query is planned once per session.  It has no other
-- caller, so no inlining is lost.
--
-- The parties are read once each (their flat names for the portal and the apps, the
-- nested objects for the canonical readers), the lines and their count in one pass.  A
-- line's product {id, name, unit} is the line's snapshot; its image_url is the product's
-- own stored value, read as the product's document reads it.
CREATE OR REPLACE FUNCTION scp_catalog_order_json(o catalog_orders) RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s record;
    u record;
    lines json;
    n bigint;
BEGIN
    SELECT id, name, logo_url INTO s FROM suppliers WHERE id = o.supplier_id;
    SELECT id, email, first_name, last_name, company_name, phone_number INTO u
      FROM users WHERE id = o.consumer_id;
    SELECT json_agg(json_build_object('id', i.id, 'order_id', i.order_id,
               'product_id', i.product_id, 'product_name', i.product_name, 'sku', i.sku,
               'unit', i.unit, 'quantity', i.quantity,
               'unit_price', scp_amount(i.unit_price_minor),
               'discount', scp_amount(i.discount_bp),
               'discounted_unit_price', scp_amount(i.net_unit_minor),
               'discount_amount', scp_amount((i.unit_price_minor - i.net_unit_minor) * i.quantity),
               'subtotal', scp_amount(i.subtotal_minor),
               'product', json_build_object('id', i.product_id, 'name', i.product_name,
                                            'unit', i.unit, 'image_url', p.image_url),
               'created_at', o.created_at) ORDER BY i.line_no),
           count(*)
      INTO lines, n
      FROM catalog_order_items i LEFT JOIN products p ON p.id = i.product_id
     WHERE i.order_id = o.id;
    RETURN json_build_object('id', o.id, 'order_number', o.order_no::text,
            'consumer_id', o.consumer_id,
            'consumer_name', coalesce(nullif(u.company_name, ''),
                                      nullif(concat_ws(' ', u.first_name, u.last_name), ''),
                                      u.email),
            'supplier_id', o.supplier_id, 'supplier_name', s.name,
            'supplier_logo_url', s.logo_url, 'status', o.status,
            'payment_status', o.payment_status, 'currency', o.currency,
            'subtotal', scp_amount(o.subtotal_minor),
            'discount_total', scp_amount(o.discount_minor),
            'tax_rate', scp_amount(o.tax_rate_bp), 'tax', scp_amount(o.tax_minor),
            'shipping_fee', scp_amount(o.shipping_minor), 'total', scp_amount(o.total_minor),
            'notes', o.notes, 'rejection_reason', o.rejection_reason,
            'cancellation_reason', o.cancellation_reason,
            'shipping_address', o.shipping_address, 'delivery_date', o.delivery_date,
            'delivery_start_time', to_char(o.delivery_start_time, 'HH24:MI'),
            'delivery_end_time', to_char(o.delivery_end_time, 'HH24:MI'),
            'preferred_settlement', o.preferred_settlement,
            'supplier', json_build_object('id', s.id, 'name', s.name, 'logo_url', s.logo_url),
            'consumer', json_build_object('id', u.id, 'email', u.email,
                            'name', nullif(concat_ws(' ', u.first_name, u.last_name), ''),
                            'company_name', u.company_name, 'phone_number', u.phone_number),
            'items', lines, 'item_count', n,
            'created_at', o.created_at, 'updated_at', o.updated_at);
END $$;

CREATE OR REPLACE FUNCTION scp_catalog_orders_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.api_view := scp_catalog_order_json(NEW);
    RETURN NEW;
END $$;

-- An insert that brings its own placeholder view is completed by an update once its
-- lines exist (scp_catalog_order_create): building the view twice would be wasted.
CREATE OR REPLACE TRIGGER catalog_orders_view_insert BEFORE INSERT ON catalog_orders
    FOR EACH ROW WHEN (NEW.api_view IS NULL) EXECUTE FUNCTION scp_catalog_orders_view();
CREATE OR REPLACE TRIGGER catalog_orders_view BEFORE UPDATE ON catalog_orders
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_orders_view();

-- The order with who moved it when: the answer for one order.
CREATE OR REPLACE FUNCTION scp_catalog_order_full(o catalog_orders) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT scp_json_with(o.api_view, 'status_history',
        (SELECT json_agg(json_build_object('previous_status', e.from_status,
                    'status', e.to_status, 'changed_by', e.actor_id,
                    'changed_by_role', e.actor_role, 'reason', e.reason,
                    'changed_at', e.at) ORDER BY e.id)
         FROM catalog_order_events e WHERE e.order_id = o.id))
$$;

-- A consumer orders from one supplier.  Checks the link (none, pending, rejected or
-- blocked: 403 "supplier link not approved", as seed 000 specifies; no such supplier:
-- 404), then every line (the supplier's active product,
-- quantity within minimum and stock).  Line problems come back together as errors
-- ([{field, message}], a 422) and nothing is written.  The delivery fields and the
-- address come checked by the caller (cgi-bin/orders/catalog_orders.c); the order takes
-- the supplier's next order number.
--
-- Rounding (docs/b2b.md): unit net = price − round_half_up(price × discount); line =
-- unit net × quantity; subtotal = Σ lines; tax = round_half_up(subtotal × tax rate);
-- total = subtotal + tax + the supplier's flat shipping fee.  Shipping is not taxed.
--
-- The delivery parameters were added with defaults (and the five-argument version
-- dropped) so that a binary still calling it with five arguments keeps working until it
-- is restarted.
DROP FUNCTION IF EXISTS scp_catalog_order_create(uuid, uuid, uuid[], int[], text);
CREATE OR REPLACE FUNCTION scp_catalog_order_create(p_consumer uuid, p_supplier uuid,
                                                    p_products uuid[], p_qty int[],
                                                    p_notes text,
                                                    p_shipping json DEFAULT NULL,
                                                    p_date date DEFAULT NULL,
                                                    p_start time DEFAULT NULL,
                                                    p_end time DEFAULT NULL,
                                                    p_settlement text DEFAULT NULL)
RETURNS TABLE (order_json json, errors json) LANGUAGE plpgsql AS $$
DECLARE
    sup uuid := p_supplier;
    s suppliers;
    link text;
    no int;
    errs json;
    o catalog_orders;
    sub bigint;
    disc bigint;
    tax bigint;
BEGIN
    IF sup IS NULL THEN
        -- No supplier named: the first product's, if the caller may see it.
        SELECT p.supplier_id INTO sup FROM products p WHERE p.id = p_products[1];
        IF NOT FOUND THEN
            RETURN QUERY SELECT NULL::json, json_build_array(json_build_object(
                'field', 'items[0].product_id', 'message', 'no such product'));
            RETURN;
        END IF;
    END IF;
    SELECT * INTO s FROM suppliers WHERE id = sup;
    SELECT l.status INTO link FROM consumer_links l
        WHERE l.consumer_id = p_consumer AND l.supplier_id = sup;
    IF s.id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
    END IF;
    IF link IS DISTINCT FROM 'accepted' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403', MESSAGE = 'supplier link not approved';
    END IF;
    SELECT json_agg(json_build_object('field', e.field, 'message', e.message) ORDER BY e.n)
      INTO errs
      FROM (SELECT u.n,
                   format('items[%s].%s', u.n - 1,
                          CASE WHEN p.id IS NULL OR NOT p.is_active THEN 'product_id'
                               ELSE 'quantity' END) AS field,
                   CASE WHEN p.id IS NULL THEN 'no such product in this supplier''s catalog'
                        WHEN NOT p.is_active THEN 'this product is not available'
                        WHEN u.q < p.min_order_quantity THEN
                            format('must be at least %s (the product''s minimum order quantity)',
                                   p.min_order_quantity)
                        WHEN u.q > p.stock_level THEN
                            format('only %s in stock', p.stock_level)
                   END AS message
              FROM unnest(p_products, p_qty) WITH ORDINALITY AS u(pid, q, n)
              LEFT JOIN products p ON p.id = u.pid AND p.supplier_id = sup
                                  AND p.deleted_at IS NULL) e
     WHERE e.message IS NOT NULL;
    IF errs IS NOT NULL THEN
        RETURN QUERY SELECT NULL::json, errs;
        RETURN;
    END IF;
    SELECT sum(scp_net_unit(p.price_minor, p.discount_bp) * u.q),
           sum((p.price_minor - scp_net_unit(p.price_minor, p.discount_bp)) * u.q)
      INTO sub, disc
      FROM unnest(p_products, p_qty) AS u(pid, q) JOIN products p ON p.id = u.pid;
    tax := round(sub::numeric * s.tax_rate_bp / 10000)::bigint;
    -- Only now, when nothing can refuse the order any more: a refused one (422) commits
    -- and must not use up a number.  A sequence: no lock, so orders never queue here.
    no := nextval('catalog_order_no_seq');
    INSERT INTO catalog_orders (consumer_id, supplier_id, order_no, currency, subtotal_minor,
                                discount_minor, tax_rate_bp, tax_minor, shipping_minor,
                                total_minor, notes, shipping_address, delivery_date,
                                delivery_start_time, delivery_end_time,
                                preferred_settlement, api_view)
        VALUES (p_consumer, sup, no, s.currency, sub, disc, s.tax_rate_bp, tax,
                s.shipping_fee_minor, sub + tax + s.shipping_fee_minor, p_notes, p_shipping,
                p_date, p_start, p_end, p_settlement, '{}')
        RETURNING id INTO o.id;
    INSERT INTO catalog_order_items (order_id, line_no, product_id, product_name, sku, unit,
                                     quantity, unit_price_minor, discount_bp, net_unit_minor,
                                     subtotal_minor)
        SELECT o.id, u.n, p.id, p.name, p.sku, p.unit, u.q, p.price_minor, p.discount_bp,
               scp_net_unit(p.price_minor, p.discount_bp),
               scp_net_unit(p.price_minor, p.discount_bp) * u.q
          FROM unnest(p_products, p_qty) WITH ORDINALITY AS u(pid, q, n)
          JOIN products p ON p.id = u.pid;
    INSERT INTO catalog_order_events (order_id, from_status, to_status, actor_id, actor_role)
        VALUES (o.id, NULL, 'pending', p_consumer, 'consumer');
    -- The lines exist now: write the view again with them.
    UPDATE catalog_orders SET api_view = NULL WHERE id = o.id RETURNING * INTO o;
    RETURN QUERY SELECT scp_catalog_order_full(o), NULL::json;
END $$;

-- Lock an order for a move and check it may leave its state for p_to (state_moves).
-- The order is found by supplier (staff) or by consumer (the consumer's own); anything
-- else is 404.  (The states a move may start from are state_moves' to decide: the
-- list of them the callers once passed is gone, with the old signature.)
DROP FUNCTION IF EXISTS scp_catalog_order_lock(uuid, uuid, uuid, text[], text);
CREATE OR REPLACE FUNCTION scp_catalog_order_lock(p_order uuid, p_supplier uuid,
                                                  p_consumer uuid, p_to text)
RETURNS catalog_orders LANGUAGE plpgsql AS $$
DECLARE
    o catalog_orders;
BEGIN
    SELECT * INTO o FROM catalog_orders
        WHERE id = p_order AND (supplier_id = p_supplier OR consumer_id = p_consumer)
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    PERFORM scp_state_check('catalog_order', o.status, p_to);
    RETURN o;
END $$;

-- Record a move: the order's new status and the event, in the caller's transaction.
CREATE OR REPLACE FUNCTION scp_catalog_order_set(o catalog_orders, p_to text, p_actor uuid,
                                                 p_role text, p_reason text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    n catalog_orders;
BEGIN
    UPDATE catalog_orders SET status = p_to, updated_at = now(),
           rejection_reason = CASE WHEN p_to = 'rejected' THEN p_reason
                                   ELSE rejection_reason END,
           cancellation_reason = CASE WHEN p_to = 'cancelled' THEN p_reason
                                      ELSE cancellation_reason END
        WHERE id = o.id RETURNING * INTO n;
    INSERT INTO catalog_order_events (order_id, from_status, to_status, actor_id, actor_role,
                                      reason)
        VALUES (o.id, o.status, p_to, p_actor, p_role, p_reason);
    RETURN scp_catalog_order_full(n);
END $$;

-- reject, start, complete (staff of the order's supplier) and cancel (its consumer).
-- The old signature took the from-states too (see scp_catalog_order_lock).
DROP FUNCTION IF EXISTS scp_catalog_order_move(uuid, uuid, uuid, uuid, text, text[], text, text);
CREATE OR REPLACE FUNCTION scp_catalog_order_move(p_order uuid, p_supplier uuid,
                                                  p_consumer uuid, p_actor uuid, p_role text,
                                                  p_to text, p_reason text)
RETURNS json LANGUAGE sql AS $$
    SELECT scp_catalog_order_set(scp_catalog_order_lock(p_order, p_supplier, p_consumer, p_to),
                                 p_to, p_actor, p_role, p_reason)
$$;

-- Accept: take the stock of every line, all or nothing.  The product rows are locked in
-- id order (so concurrent accepts sharing products queue up instead of deadlocking),
-- then checked; if any line falls short, ok is false, body lists the short lines
-- ({product_id, name, sku, requested, available}), message names them, and nothing was
-- taken.  Otherwise each line's guarded decrement runs (the CHECK on stock_level backs it
-- up).
CREATE OR REPLACE FUNCTION scp_catalog_order_accept(p_order uuid, p_supplier uuid, p_actor uuid,
                                                    p_role text)
RETURNS TABLE (ok boolean, body json, message text) LANGUAGE plpgsql AS $$
DECLARE
    o catalog_orders;
    short json;
    why text;
    want int;
    took int;
BEGIN
    o := scp_catalog_order_lock(p_order, p_supplier, NULL, 'accepted');
    PERFORM 1 FROM products
        WHERE id IN (SELECT product_id FROM catalog_order_items WHERE order_id = o.id)
        ORDER BY id FOR UPDATE;
    SELECT json_agg(json_build_object('product_id', p.id, 'name', p.name, 'sku', p.sku,
                                      'requested', i.quantity, 'available', p.stock_level)
                    ORDER BY i.line_no),
           'not enough stock, nothing was taken: '
           || string_agg(format('%s (requested %s, available %s)', p.name, i.quantity,
                                p.stock_level), '; ' ORDER BY i.line_no)
      INTO short, why
      FROM catalog_order_items i JOIN products p ON p.id = i.product_id
     WHERE i.order_id = o.id AND p.stock_level < i.quantity;
    IF short IS NOT NULL THEN
        RETURN QUERY SELECT false, short, why;
        RETURN;
    END IF;
    SELECT count(*) INTO want FROM catalog_order_items WHERE order_id = o.id;
    UPDATE products p SET stock_level = p.stock_level - i.quantity, updated_at = now()
        FROM catalog_order_items i
        WHERE i.order_id = o.id AND p.id = i.product_id AND p.stock_level >= i.quantity;
    GET DIAGNOSTICS took = ROW_COUNT;
    IF took <> want THEN
        -- Cannot happen under the locks above; refuse rather than take part of the stock.
        RAISE EXCEPTION 'order %: took stock for % of % lines', o.id, took, want;
    END IF;
    RETURN QUERY SELECT true, scp_catalog_order_set(o, 'accepted', p_actor, p_role, NULL),
                        NULL::text;
END $$;

-- Real-time order_updated events for catalog orders (DESIGN §5): every move of an order
-- (placed, accepted, rejected, started, completed, cancelled) is a row of
-- catalog_order_events, and each row queues one event job for two channels, the
-- supplier's staff (/ws/suppliers/<id>) and the consumer (/ws/users/<id>), in the
-- transaction of the move: a move that rolls back sends nothing.
--
-- The trigger is deferred to the commit, so the order it reads is the order as it was
-- committed (a new order's lines and totals are written after its first event row).
CREATE OR REPLACE FUNCTION scp_catalog_order_event_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o catalog_orders;
    d jsonb;
BEGIN
    SELECT * INTO STRICT o FROM catalog_orders WHERE id = NEW.order_id;
    d := jsonb_build_object('order_id', o.id, 'status', NEW.to_status,
                            'from_status', NEW.from_status, 'reason', NEW.reason,
                            'supplier_id', o.supplier_id, 'consumer_id', o.consumer_id,
                            'order', o.api_view::jsonb);
    -- One job, two channels ("topics"): a job row is written three times (queued,
    -- running, done), so one per event rather than one per channel.
    INSERT INTO jobs (kind, payload) VALUES ('order_updated',
        d || jsonb_build_object('topics', jsonb_build_array('/ws/suppliers/' || o.supplier_id,
                                                            '/ws/users/' || o.consumer_id)));
    RETURN NULL;
END $$;
-- A constraint trigger cannot be CREATE OR REPLACEd (PostgreSQL 15): it is dropped and
-- created again, in the one transaction of `scpctl migrate`.
DROP TRIGGER IF EXISTS catalog_order_events_publish ON catalog_order_events;
CREATE CONSTRAINT TRIGGER catalog_order_events_publish
    AFTER INSERT ON catalog_order_events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_order_event_jobs();

-- Write every order's kept document again when a migration changed what it holds
-- (020_order_portal.sql: stale_api_views), once, now that scp_catalog_order_json above
-- is the new one.  On every other migrate this finds no name and touches no order.
WITH due AS (DELETE FROM stale_api_views WHERE table_name = 'catalog_orders' RETURNING 1)
UPDATE catalog_orders SET api_view = NULL WHERE EXISTS (SELECT 1 FROM due);
