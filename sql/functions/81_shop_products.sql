-- Cliick.io's shop products (sql/081_shop_products.sql; cgi-bin/shops/products.c).
-- Rights: every member of a shop reads its products; its owner, admins and order
-- managers change them (403 for a support agent); a shop the caller is no member of is
-- not found (404), and so is another shop's product.  Every change of stock writes one
-- shop_stock_movements row in the same transaction, under the product's row lock, so
-- concurrent changes serialise and a relative change never takes the stock below 0.

-- A stock movement in the frontend's StockMovement names (change, new_stock, reason,
-- timestamp in epoch milliseconds), with who made it.
CREATE OR REPLACE FUNCTION scp_stock_movement_json(m shop_stock_movements)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', m.id, 'change', m.delta, 'new_stock', m.stock_after,
        'reason', m.reason, 'user_id', m.user_id, 'timestamp', scp_epoch_ms(m.created_at))
$$;

-- A product as the API shows it (money as decimals, scp_amount), with its latest 20
-- stock movements, oldest first, as the frontend's Item.stockHistory holds them (its
-- item editor shows them newest first); the whole history is
-- GET …/products/:id/stock-movements.
CREATE OR REPLACE FUNCTION scp_shop_product_json(p shop_products)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'shop_id', p.shop_id, 'item_type', p.item_type,
        'name', p.name, 'description', p.description,
        'retail_price', scp_amount(p.retail_price_minor), 'stock', p.stock,
        'image_url', p.image_url, 'category', p.category,
        'promo_price', scp_amount(p.promo_price_minor),
        'promo_start_date', p.promo_start_date, 'promo_end_date', p.promo_end_date,
        'stock_history', (SELECT coalesce(json_agg(scp_stock_movement_json(m) ORDER BY m.id), '[]')
                            FROM (SELECT * FROM shop_stock_movements x WHERE x.product_id = p.id
                                   ORDER BY x.id DESC LIMIT 20) m),
        'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

-- May p_user change p_shop's products?  404 for no member, 403 for a support agent.
CREATE OR REPLACE FUNCTION scp_shop_product_writer(p_shop uuid, p_user uuid)
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
            MESSAGE = 'only the shop''s owner, admins and order managers may change its products';
    END IF;
END
$$;

-- The timestamp in d->>k (an ISO 8601 date or date-time; NULL for JSON null), or 422.
CREATE OR REPLACE FUNCTION scp_shop_product_ts(d jsonb, k text)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF jsonb_typeof(d->k) = 'null' THEN
        RETURN NULL;
    END IF;
    IF d->>k !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = k,
            MESSAGE = 'must be an ISO 8601 date or date-time';
    END IF;
    BEGIN
        RETURN (d->>k)::timestamptz;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = k,
            MESSAGE = 'must be an ISO 8601 date or date-time';
    END;
END
$$;

-- The rules between fields, checked on the product as it will be.
CREATE OR REPLACE FUNCTION scp_shop_product_check(p shop_products)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p.promo_price_minor IS NOT NULL AND p.promo_price_minor >= p.retail_price_minor THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'promo_price',
            MESSAGE = 'must be less than retail_price';
    END IF;
    IF p.promo_end_date <= p.promo_start_date THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'promo_end_date',
            MESSAGE = 'must be after promo_start_date';
    END IF;
END
$$;

-- Apply the fields d carries (the keys products.c checked and sent) to p.
CREATE OR REPLACE FUNCTION scp_shop_product_apply(p shop_products, d jsonb)
RETURNS shop_products LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF d ? 'item_type' THEN p.item_type := d->>'item_type'; END IF;
    IF d ? 'name' THEN p.name := d->>'name'; END IF;
    IF d ? 'description' THEN p.description := coalesce(d->>'description', ''); END IF;
    IF d ? 'retail_price_minor' THEN p.retail_price_minor := (d->>'retail_price_minor')::bigint; END IF;
    IF d ? 'image_url' THEN p.image_url := d->>'image_url'; END IF;
    IF d ? 'category' THEN p.category := d->>'category'; END IF;
    IF d ? 'promo_price_minor' THEN p.promo_price_minor := (d->>'promo_price_minor')::bigint; END IF;
    IF d ? 'promo_start_date' THEN p.promo_start_date := scp_shop_product_ts(d, 'promo_start_date'); END IF;
    IF d ? 'promo_end_date' THEN p.promo_end_date := scp_shop_product_ts(d, 'promo_end_date'); END IF;
    IF d ? 'stock' THEN p.stock := (d->>'stock')::integer; END IF;
    IF d ? 'stock_delta' THEN
        IF p.stock + (d->>'stock_delta')::bigint < 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'SC409',
                MESSAGE = format('not enough stock: %s in stock', p.stock);
        END IF;
        IF p.stock + (d->>'stock_delta')::bigint > 1000000000 THEN
            RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'stock_delta',
                MESSAGE = 'would take the stock above 1000000000';
        END IF;
        p.stock := p.stock + (d->>'stock_delta')::integer;
    END IF;
    PERFORM scp_shop_product_check(p);
    RETURN p;
END
$$;

-- One stock movement, when the stock changed.
CREATE OR REPLACE FUNCTION scp_shop_stock_moved(p shop_products, p_user uuid, p_old integer,
                                                p_reason text)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO shop_stock_movements (product_id, shop_id, user_id, delta, stock_after, reason)
    SELECT p.id, p.shop_id, p_user, p.stock - p_old, p.stock, p_reason
     WHERE p.stock <> p_old
$$;

CREATE OR REPLACE FUNCTION scp_shop_product_create(p_shop uuid, p_user uuid, d jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    p shop_products;
BEGIN
    PERFORM scp_shop_product_writer(p_shop, p_user);
    p.item_type := 'product';
    p.description := '';
    p.stock := 0;
    p := scp_shop_product_apply(p, d);
    INSERT INTO shop_products (shop_id, item_type, name, description, retail_price_minor,
                               stock, image_url, category, promo_price_minor,
                               promo_start_date, promo_end_date)
    VALUES (p_shop, p.item_type, p.name, p.description, p.retail_price_minor, p.stock,
            p.image_url, p.category, p.promo_price_minor, p.promo_start_date,
            p.promo_end_date)
    RETURNING * INTO p;
    PERFORM scp_shop_stock_moved(p, p_user, 0, coalesce(d->>'stock_reason', 'initial stock'));
    RETURN scp_shop_product_json(p);
END
$$;

CREATE OR REPLACE FUNCTION scp_shop_product_update(p_shop uuid, p_user uuid, p_id uuid,
                                                   d jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    p shop_products;
    v_old integer;
BEGIN
    PERFORM scp_shop_product_writer(p_shop, p_user);
    -- The row lock orders concurrent changes of one product's stock.
    SELECT * INTO p FROM shop_products
     WHERE id = p_id AND shop_id = p_shop AND deleted_at IS NULL FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'product not found';
    END IF;
    v_old := p.stock;
    p := scp_shop_product_apply(p, d);
    UPDATE shop_products SET item_type = p.item_type, name = p.name,
           description = p.description, retail_price_minor = p.retail_price_minor,
           stock = p.stock, image_url = p.image_url, category = p.category,
           promo_price_minor = p.promo_price_minor, promo_start_date = p.promo_start_date,
           promo_end_date = p.promo_end_date, updated_at = now()
     WHERE id = p_id
    RETURNING * INTO p;
    PERFORM scp_shop_stock_moved(p, p_user, v_old, coalesce(d->>'stock_reason', 'adjustment'));
    RETURN scp_shop_product_json(p);
END
$$;

CREATE OR REPLACE FUNCTION scp_shop_product_delete(p_shop uuid, p_user uuid, p_id uuid)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    PERFORM scp_shop_product_writer(p_shop, p_user);
    UPDATE shop_products SET deleted_at = now(), updated_at = now()
     WHERE id = p_id AND shop_id = p_shop AND deleted_at IS NULL
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'product not found';
    END IF;
    RETURN v_id;
END
$$;
