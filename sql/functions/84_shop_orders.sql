-- Cliick.io's forms and orders (sql/084_shop_forms.sql; cgi-bin/shops/forms.c, orders.c).
-- Rights: every member of a shop reads its forms and orders; its owner, admins and order
-- managers change them (403 for a support agent); a shop the caller is no member of is
-- not found (404), and so is another shop's form or order.  Anyone may place an order
-- through a form (no account: nginx limits it per client address).
--
-- A form's fields are checked here, where their rules are one walk over the JSON the
-- C side checked the shape of; an order's values are checked against the form's fields
-- in the same statement that reads the form, so the form cannot change in between.
-- Errors are SC422 with HINT = the field's path ("fields[2].label").

CREATE OR REPLACE FUNCTION scp_shop_form_json(f shop_forms)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', f.id, 'shop_id', f.shop_id, 'name', f.name,
        'fields', f.fields, 'created_at', f.created_at, 'updated_at', f.updated_at)
$$;

-- May p_user change p_shop's forms and orders?  404 for no member, 403 for an agent.
CREATE OR REPLACE FUNCTION scp_shop_order_writer(p_shop uuid, p_user uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_role text;
BEGIN
    SELECT role INTO v_role FROM shop_members WHERE shop_id = p_shop AND user_id = p_user;
    IF v_role IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'shop not found';
    END IF;
    IF v_role NOT IN ('owner', 'admin', 'order_manager') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'only the shop''s owner, admins and order managers may change its forms and orders';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION scp_shop_422(p_path text, p_why text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = p_path, MESSAGE = p_why;
END
$$;

-- A list of 1..50 distinct strings of 1..200 characters, or 422 at p_path.
CREATE OR REPLACE FUNCTION scp_shop_form_strings(v jsonb, p_path text)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(v) IS DISTINCT FROM 'array' OR jsonb_array_length(v) NOT BETWEEN 1 AND 50
       OR EXISTS (SELECT FROM jsonb_array_elements(v) e
                   WHERE jsonb_typeof(e) <> 'string' OR length(e #>> '{}') NOT BETWEEN 1 AND 200)
       OR (SELECT count(DISTINCT e) FROM jsonb_array_elements(v) e) <> jsonb_array_length(v) THEN
        PERFORM scp_shop_422(p_path, 'must be a list of 1 to 50 distinct texts of 1 to 200 characters');
    END IF;
    RETURN v;
END
$$;

-- The checked fields of a form, in the guide's types, with only the known keys kept.
CREATE OR REPLACE FUNCTION scp_shop_form_fields(p_shop uuid, d jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    f jsonb;
    i int := 0;
    p text;
    v_out jsonb := '[]';
    o jsonb;
    v_ids text[] := '{}';
    v_type text;
BEGIN
    IF jsonb_typeof(d) IS DISTINCT FROM 'array' OR jsonb_array_length(d) > 50 THEN
        PERFORM scp_shop_422('fields', 'must be a list of at most 50 fields');
    END IF;
    FOR f IN SELECT * FROM jsonb_array_elements(d) LOOP
        p := format('fields[%s]', i);
        IF jsonb_typeof(f) <> 'object' THEN
            PERFORM scp_shop_422(p, 'must be an object');
        END IF;
        -- The id keys the order's answers, and the cliick profile respells keys (camelCase
        -- folded on the way in, snake_case camelized on the way out) but not values: an
        -- id with a capital or "_" before a letter would not match its own answers.
        IF jsonb_typeof(f->'id') IS DISTINCT FROM 'string'
           OR f->>'id' !~ '^[a-z0-9_.-]{1,64}$' OR f->>'id' ~ '_[a-z]' THEN
            PERFORM scp_shop_422(p || '.id', 'must be 1 to 64 lowercase letters, digits, "-", "." or "_" (not before a letter)');
        END IF;
        IF f->>'id' = ANY (v_ids) THEN
            PERFORM scp_shop_422(p || '.id', 'is the id of another field of this form');
        END IF;
        v_ids := v_ids || (f->>'id');
        v_type := f->>'type';
        IF jsonb_typeof(f->'type') IS DISTINCT FROM 'string' OR v_type NOT IN
           ('Short Text', 'Text Area', 'Number', 'Email', 'Phone', 'Date', 'Dropdown',
            'Multiple Choice', 'Checkbox', 'Item Selector', 'Payment Selector') THEN
            PERFORM scp_shop_422(p || '.type', 'must be one of Short Text, Text Area, Number, Email, Phone, Date, Dropdown, Multiple Choice, Checkbox, Item Selector, Payment Selector');
        END IF;
        IF jsonb_typeof(f->'label') IS DISTINCT FROM 'string'
           OR length(btrim(f->>'label')) NOT BETWEEN 1 AND 200 THEN
            PERFORM scp_shop_422(p || '.label', 'must be a text of 1 to 200 characters');
        END IF;
        IF f ? 'required' AND jsonb_typeof(f->'required') <> 'boolean' THEN
            PERFORM scp_shop_422(p || '.required', 'must be true or false');
        END IF;
        o := jsonb_build_object('id', f->>'id', 'type', v_type, 'label', btrim(f->>'label'),
                                'required', coalesce((f->>'required')::boolean, false));
        IF f ? 'placeholder' AND jsonb_typeof(f->'placeholder') <> 'null' THEN
            IF jsonb_typeof(f->'placeholder') <> 'string' OR length(f->>'placeholder') > 200 THEN
                PERFORM scp_shop_422(p || '.placeholder', 'must be a text of at most 200 characters');
            END IF;
            o := o || jsonb_build_object('placeholder', f->>'placeholder');
        END IF;
        -- Dropdown and Multiple Choice choose among options; a Checkbox with options
        -- ticks some of them, one without is a single yes/no box.
        IF v_type IN ('Dropdown', 'Multiple Choice')
           OR (v_type = 'Checkbox' AND jsonb_typeof(f->'options') IS DISTINCT FROM 'null'
               AND f ? 'options') THEN
            o := o || jsonb_build_object('options',
                scp_shop_form_strings(f->'options', p || '.options'));
        ELSIF f ? 'options' AND jsonb_typeof(f->'options') <> 'null' THEN
            PERFORM scp_shop_422(p || '.options', 'only Dropdown, Multiple Choice and Checkbox fields have options');
        END IF;
        -- An item selector may limit the products it offers to some of this shop's.
        IF f ? 'item_ids' AND jsonb_typeof(f->'item_ids') <> 'null' THEN
            IF v_type <> 'Item Selector' THEN
                PERFORM scp_shop_422(p || '.item_ids', 'only an Item Selector field has item_ids');
            END IF;
            PERFORM scp_shop_form_strings(f->'item_ids', p || '.item_ids');
            IF EXISTS (SELECT FROM jsonb_array_elements_text(f->'item_ids') e
                        WHERE e !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                           OR NOT EXISTS (SELECT FROM shop_products sp WHERE sp.id = e::uuid
                                           AND sp.shop_id = p_shop AND sp.deleted_at IS NULL)) THEN
                PERFORM scp_shop_422(p || '.item_ids', 'must be ids of this shop''s products');
            END IF;
            o := o || jsonb_build_object('item_ids', f->'item_ids');
        END IF;
        IF f ? 'payment_method_ids' AND jsonb_typeof(f->'payment_method_ids') <> 'null' THEN
            IF v_type <> 'Payment Selector' THEN
                PERFORM scp_shop_422(p || '.payment_method_ids', 'only a Payment Selector field has payment_method_ids');
            END IF;
            o := o || jsonb_build_object('payment_method_ids',
                scp_shop_form_strings(f->'payment_method_ids', p || '.payment_method_ids'));
        END IF;
        IF v_type IN ('Item Selector', 'Payment Selector')
           AND EXISTS (SELECT FROM jsonb_array_elements(v_out) x WHERE x->>'type' = v_type) THEN
            PERFORM scp_shop_422(p || '.type', format('a form has at most one %s field', v_type));
        END IF;
        v_out := v_out || jsonb_build_array(o);
        i := i + 1;
    END LOOP;
    RETURN v_out;
END
$$;

CREATE OR REPLACE FUNCTION scp_shop_form_create(p_shop uuid, p_user uuid, d jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    f shop_forms;
BEGIN
    PERFORM scp_shop_order_writer(p_shop, p_user);
    INSERT INTO shop_forms (shop_id, name, fields)
    VALUES (p_shop, btrim(d->>'name'), scp_shop_form_fields(p_shop, coalesce(d->'fields', '[]')))
    RETURNING * INTO f;
    RETURN scp_shop_form_json(f);
END
$$;

CREATE OR REPLACE FUNCTION scp_shop_form_update(p_shop uuid, p_user uuid, p_id uuid, d jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    f shop_forms;
BEGIN
    PERFORM scp_shop_order_writer(p_shop, p_user);
    UPDATE shop_forms SET name = coalesce(btrim(d->>'name'), name),
           fields = CASE WHEN d ? 'fields' THEN scp_shop_form_fields(p_shop, d->'fields')
                         ELSE fields END,
           updated_at = now()
     WHERE id = p_id AND shop_id = p_shop
    RETURNING * INTO f;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'form not found';
    END IF;
    RETURN scp_shop_form_json(f);
END
$$;

-- An order as the API shows it (Cliick's FormSubmission; money as decimals).
CREATE OR REPLACE FUNCTION scp_shop_order_json(o shop_orders)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', o.id, 'submission_id', o.id, 'order_id', o.id,
        'shop_id', o.shop_id, 'form_id', o.form_id, 'form_name', o.form_name,
        'submitted_at', (extract(epoch FROM o.created_at) * 1000)::bigint,
        'status', o.status, 'custom_fields', o.custom_fields, 'payment_method', o.payment_method,
        'ordered_products', coalesce((SELECT json_agg(json_build_object(
                'product_id', i.product_id, 'product_name', i.product_name,
                'quantity', i.quantity, 'unit_price', scp_amount(i.unit_price_minor))
                ORDER BY i.product_name, i.product_id)
              FROM shop_order_items i WHERE i.order_id = o.id), '[]'),
        'total', scp_amount(o.total_minor), 'currency', o.currency,
        'updated_at', o.updated_at)
$$;

CREATE OR REPLACE FUNCTION scp_shop_order_event(o shop_orders)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scp_job_enqueue('shop_order_updated', jsonb_build_object(
        'shop_id', o.shop_id, 'order', scp_shop_order_json(o)::jsonb,
        'topic', '/ws/shops/' || o.shop_id));
END
$$;

-- The value v of field f, checked; NULL when it is empty.
CREATE OR REPLACE FUNCTION scp_shop_order_value(f jsonb, v jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p text := 'custom_fields.' || (f->>'id');
    t text := f->>'type';
    s text;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' OR v = '""' OR v = '[]' THEN
        RETURN NULL;
    END IF;
    s := CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' END;
    IF t IN ('Short Text', 'Email', 'Phone', 'Date', 'Dropdown', 'Multiple Choice')
       AND s IS NULL THEN
        PERFORM scp_shop_422(p, 'must be a text');
    END IF;
    CASE t
    WHEN 'Short Text' THEN
        IF length(s) > 500 THEN PERFORM scp_shop_422(p, 'must be at most 500 characters'); END IF;
    WHEN 'Text Area' THEN
        IF s IS NULL OR length(s) > 5000 THEN
            PERFORM scp_shop_422(p, 'must be a text of at most 5000 characters');
        END IF;
    WHEN 'Number' THEN
        IF jsonb_typeof(v) <> 'number' OR abs(v::numeric) > 1e15 THEN
            PERFORM scp_shop_422(p, 'must be a number');
        END IF;
    WHEN 'Email' THEN
        IF length(s) > 254 OR s !~ '^[^\s@]+@[^\s@]+\.[^\s@]+$' THEN
            PERFORM scp_shop_422(p, 'must be an email address');
        END IF;
    WHEN 'Phone' THEN
        IF s !~ '^\+?[0-9][0-9 ()-]{4,29}$' THEN
            PERFORM scp_shop_422(p, 'must be a phone number');
        END IF;
    WHEN 'Date' THEN
        BEGIN
            IF s !~ '^\d{4}-\d{2}-\d{2}$' OR s::date IS NULL THEN
                PERFORM scp_shop_422(p, 'must be a date (YYYY-MM-DD)');
            END IF;
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            PERFORM scp_shop_422(p, 'must be a date (YYYY-MM-DD)');
        END;
    WHEN 'Dropdown', 'Multiple Choice' THEN
        IF NOT (f->'options') ? s THEN PERFORM scp_shop_422(p, 'must be one of the options'); END IF;
    WHEN 'Checkbox' THEN
        IF f ? 'options' THEN
            IF jsonb_typeof(v) <> 'array' OR NOT (f->'options') @> v
               OR EXISTS (SELECT FROM jsonb_array_elements(v) e WHERE jsonb_typeof(e) <> 'string') THEN
                PERFORM scp_shop_422(p, 'must be a list of the options');
            END IF;
        ELSIF jsonb_typeof(v) <> 'boolean' THEN
            PERFORM scp_shop_422(p, 'must be true or false');
        ELSIF v = 'false' THEN
            RETURN NULL;    -- an unticked required box is a missing answer
        END IF;
    ELSE
        PERFORM scp_shop_422(p, 'is answered by ordered_products or payment_method');
    END CASE;
    RETURN v;
END
$$;

-- Place an order through a form (no account).  d: custom_fields (by field id),
-- ordered_products [{product_id, quantity}] (checked shapes, distinct ids), payment_method.
CREATE OR REPLACE FUNCTION scp_shop_order_place(p_shop uuid, p_form uuid, d jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    fm shop_forms;
    f jsonb;
    v jsonb;
    v_vals jsonb := '{}';
    v_cur text;
    o shop_orders;
    k text;
    n int;
BEGIN
    SELECT * INTO fm FROM shop_forms WHERE id = p_form AND shop_id = p_shop;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'form not found';
    END IF;
    FOR k IN SELECT jsonb_object_keys(coalesce(d->'custom_fields', '{}')) LOOP
        IF NOT EXISTS (SELECT FROM jsonb_array_elements(fm.fields) x WHERE x->>'id' = k) THEN
            PERFORM scp_shop_422('custom_fields.' || k, 'is no field of this form');
        END IF;
    END LOOP;
    FOR f IN SELECT * FROM jsonb_array_elements(fm.fields) LOOP
        -- The selectors are answered by ordered_products and payment_method alone.
        IF f->>'type' IN ('Item Selector', 'Payment Selector')
           AND jsonb_typeof(d->'custom_fields'->(f->>'id')) IS DISTINCT FROM 'null'
           AND d->'custom_fields' ? (f->>'id') THEN
            PERFORM scp_shop_422('custom_fields.' || (f->>'id'), 'is answered by ordered_products or payment_method');
        END IF;
        IF f->>'type' = 'Item Selector' THEN
            IF (f->>'required')::boolean AND jsonb_array_length(d->'ordered_products') = 0 THEN
                PERFORM scp_shop_422('ordered_products', 'is required');
            END IF;
            IF f ? 'item_ids' AND EXISTS (SELECT FROM jsonb_array_elements(d->'ordered_products') x
                                           WHERE NOT (f->'item_ids') ? (x->>'product_id')) THEN
                PERFORM scp_shop_422('ordered_products', 'must be products this form offers');
            END IF;
            CONTINUE;
        END IF;
        IF f->>'type' = 'Payment Selector' THEN
            IF (f->>'required')::boolean AND d->>'payment_method' IS NULL THEN
                PERFORM scp_shop_422('payment_method', 'is required');
            END IF;
            IF f ? 'payment_method_ids' AND d->>'payment_method' IS NOT NULL
               AND NOT (f->'payment_method_ids') ? (d->>'payment_method') THEN
                PERFORM scp_shop_422('payment_method', 'must be one of the form''s payment methods');
            END IF;
            CONTINUE;
        END IF;
        v := scp_shop_order_value(f, d->'custom_fields'->(f->>'id'));
        IF v IS NULL AND (f->>'required')::boolean THEN
            PERFORM scp_shop_422('custom_fields.' || (f->>'id'), 'is required');
        END IF;
        IF v IS NOT NULL THEN
            v_vals := v_vals || jsonb_build_object(f->>'id', v);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT FROM jsonb_array_elements(fm.fields) x WHERE x->>'type' = 'Item Selector')
       AND jsonb_array_length(d->'ordered_products') > 0 THEN
        PERFORM scp_shop_422('ordered_products', 'this form has no Item Selector');
    END IF;
    SELECT count(*) INTO n FROM jsonb_array_elements(d->'ordered_products') x
      LEFT JOIN shop_products sp ON sp.id = (x->>'product_id')::uuid AND sp.shop_id = p_shop
                                AND sp.deleted_at IS NULL
     WHERE sp.id IS NULL;
    IF n > 0 THEN
        PERFORM scp_shop_422('ordered_products', 'must be products of this shop');
    END IF;
    SELECT currency INTO v_cur FROM shops WHERE id = p_shop;
    INSERT INTO shop_orders (shop_id, form_id, form_name, custom_fields, payment_method,
                             total_minor, currency)
    VALUES (p_shop, fm.id, fm.name, v_vals, d->>'payment_method', 0, v_cur)
    RETURNING * INTO o;
    -- The unit price is the promo price while a promotion runs, the retail price else.
    INSERT INTO shop_order_items (order_id, product_id, product_name, quantity,
                                  unit_price_minor)
    SELECT o.id, sp.id, sp.name, (x->>'quantity')::int,
           CASE WHEN sp.promo_price_minor IS NOT NULL
                 AND (sp.promo_start_date IS NULL OR sp.promo_start_date <= now())
                 AND (sp.promo_end_date IS NULL OR sp.promo_end_date > now())
                THEN sp.promo_price_minor ELSE sp.retail_price_minor END
      FROM jsonb_array_elements(d->'ordered_products') x
      JOIN shop_products sp ON sp.id = (x->>'product_id')::uuid;
    UPDATE shop_orders SET total_minor = (SELECT coalesce(sum(quantity * unit_price_minor), 0)
                                            FROM shop_order_items WHERE order_id = o.id)
     WHERE id = o.id
    RETURNING * INTO o;
    PERFORM scp_shop_order_event(o);
    RETURN scp_shop_order_json(o);
END
$$;

-- Move an order to p_status.  Confirming takes each product's stock (products locked
-- in id order, so two confirmations never deadlock; the UPDATE's stock >= quantity is
-- re-checked on the locked row, so the last units go to exactly one order); cancelling
-- or returning an order that holds stock gives it back.  Each change of stock is a
-- movement row, and the move an event, in this transaction.
CREATE OR REPLACE FUNCTION scp_shop_order_move(p_shop uuid, p_user uuid, p_id uuid,
                                               p_status text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    o shop_orders;
    it record;
    p shop_products;
BEGIN
    PERFORM scp_shop_order_writer(p_shop, p_user);
    SELECT * INTO o FROM shop_orders WHERE id = p_id AND shop_id = p_shop FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    PERFORM scp_state_check('cliick_order', o.status, p_status);
    IF p_status = 'Confirmed' THEN
        FOR it IN SELECT * FROM shop_order_items WHERE order_id = o.id ORDER BY product_id LOOP
            UPDATE shop_products SET stock = stock - it.quantity, updated_at = now()
             WHERE id = it.product_id AND stock >= it.quantity
            RETURNING * INTO p;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'SC409',
                    MESSAGE = format('not enough stock of %s', it.product_name);
            END IF;
            PERFORM scp_shop_stock_moved(p, p_user, p.stock + it.quantity,
                                         'order ' || o.id || ' confirmed');
        END LOOP;
        o.stock_taken := true;
    ELSIF p_status IN ('Cancelled', 'Return') AND o.stock_taken THEN
        FOR it IN SELECT * FROM shop_order_items WHERE order_id = o.id ORDER BY product_id LOOP
            -- The stock may have been set near its bound since: refuse rather than fail
            -- the CHECK (a 500).
            UPDATE shop_products SET stock = stock + it.quantity, updated_at = now()
             WHERE id = it.product_id AND stock + it.quantity <= 1000000000
            RETURNING * INTO p;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'SC409',
                    MESSAGE = format('giving back %s would take the stock of %s above 1000000000',
                                     it.quantity, it.product_name);
            END IF;
            PERFORM scp_shop_stock_moved(p, p_user, p.stock - it.quantity,
                                         'order ' || o.id || ' ' || lower(p_status));
        END LOOP;
        o.stock_taken := false;
    END IF;
    UPDATE shop_orders SET status = p_status, stock_taken = o.stock_taken, updated_at = now()
     WHERE id = o.id
    RETURNING * INTO o;
    PERFORM scp_shop_order_event(o);
    RETURN scp_shop_order_json(o);
END
$$;
