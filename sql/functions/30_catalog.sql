-- Catalog: supplier profiles, products and their kept API documents, the kept catalog
-- sizes.  Amounts are BIGINT minor units, rates INT basis points (002_b2b.sql).

-- The price of one unit after the discount: the discount is rounded half up per unit,
-- so what the catalog shows is exactly what a line of n units costs divided by n.
CREATE OR REPLACE FUNCTION scp_net_unit(p_price bigint, p_discount_bp int) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_price - round(p_price::numeric * p_discount_bp / 10000)::bigint
$$;

-- The supplier as everybody may see it; link_* describe the calling consumer's link,
-- is_linked whether it is accepted (false for anyone else).  product_count is the kept
-- count of catalog_sizes (005_catalog_sizes.sql says why).
CREATE OR REPLACE FUNCTION scp_supplier_json(s suppliers, p_link_id uuid, p_link_status text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(s.id, s.name, s.description, s.logo_url, s.email, s.phone_number,
        s.address, s.currency, scp_amount(s.tax_rate_bp), scp_amount(s.shipping_fee_minor),
        (SELECT c.listed::bigint FROM catalog_sizes c WHERE c.supplier_id = s.id),
        p_link_id, p_link_status, s.created_at,
        coalesce(p_link_status = 'accepted', false))::scp_supplier_view)
$$;

-- The profile as its own staff see it: the public view plus what only they manage.
CREATE OR REPLACE FUNCTION scp_supplier_profile_json(s suppliers)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', s.id, 'name', s.name, 'description', s.description,
        'logo_url', s.logo_url, 'email', s.email, 'phone_number', s.phone_number,
        'address', s.address, 'currency', s.currency,
        'tax_rate', scp_amount(s.tax_rate_bp), 'shipping_fee', scp_amount(s.shipping_fee_minor),
        'low_stock_threshold', s.low_stock_threshold, 'created_at', s.created_at,
        'updated_at', s.updated_at)
$$;

-- Update the profile fields present in d (name, description, logo_url, email,
-- phone_number, address, currency, tax_rate_bp, shipping_fee_minor, low_stock_threshold);
-- JSON null clears a nullable one.
CREATE OR REPLACE FUNCTION scp_supplier_update(p_supplier uuid, d jsonb) RETURNS json
LANGUAGE sql AS $$
    UPDATE suppliers x SET
        name = CASE WHEN d ? 'name' THEN d->>'name' ELSE x.name END,
        description = CASE WHEN d ? 'description' THEN d->>'description' ELSE x.description END,
        logo_url = CASE WHEN d ? 'logo_url' THEN d->>'logo_url' ELSE x.logo_url END,
        email = CASE WHEN d ? 'email' THEN d->>'email' ELSE x.email END,
        phone_number = CASE WHEN d ? 'phone_number' THEN d->>'phone_number'
                            ELSE x.phone_number END,
        address = CASE WHEN d ? 'address' THEN d->>'address' ELSE x.address END,
        currency = coalesce(d->>'currency', x.currency),
        tax_rate_bp = coalesce((d->>'tax_rate_bp')::int, x.tax_rate_bp),
        shipping_fee_minor = coalesce((d->>'shipping_fee_minor')::bigint, x.shipping_fee_minor),
        low_stock_threshold = coalesce((d->>'low_stock_threshold')::int, x.low_stock_threshold),
        updated_at = now()
    WHERE x.id = p_supplier
    RETURNING scp_supplier_profile_json(x)
$$;

-- The product as the API shows it, kept in products.api_view by the products_view
-- trigger: a catalog page then reads ready documents.
CREATE OR REPLACE FUNCTION scp_product_json(p products, p_supplier_name text, p_currency text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(p.id, p.supplier_id, p_supplier_name, p.name, p.description,
        p.image_url, p.unit, scp_amount(p.price_minor), p_currency,
        scp_amount(p.discount_bp), scp_amount(scp_net_unit(p.price_minor, p.discount_bp)),
        p.stock_level, p.min_order_quantity, p.category, p.sku, p.is_active,
        p.stock_level > 0, p.created_at, p.updated_at)::scp_product_view)
$$;

CREATE OR REPLACE FUNCTION scp_products_view() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s suppliers;
BEGIN
    SELECT * INTO STRICT s FROM suppliers WHERE id = NEW.supplier_id;
    NEW.api_view := scp_product_json(NEW, s.name, s.currency);
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER products_view BEFORE INSERT OR UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION scp_products_view();

-- A supplier's new name or currency shows on each of its products.  The rows are
-- locked in id order, as an order accept locks them, so the two cannot deadlock.
CREATE OR REPLACE FUNCTION scp_suppliers_products_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET api_view = NULL	-- products_view writes it again
        WHERE id IN (SELECT id FROM products WHERE supplier_id = NEW.id
                     ORDER BY id FOR UPDATE);
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER suppliers_products_view AFTER UPDATE OF name, currency ON suppliers
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
                       OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION scp_suppliers_products_view();

-- Create a product from validated fields (d: name, description, image_url, unit,
-- price_minor, discount_bp, stock_level, min_order_quantity, category, sku, is_active).
CREATE OR REPLACE FUNCTION scp_product_create(p_supplier uuid, d jsonb) RETURNS json
LANGUAGE sql AS $$
    INSERT INTO products (supplier_id, name, description, image_url, unit, price_minor,
                          discount_bp, stock_level, min_order_quantity, category, sku,
                          is_active)
    VALUES (p_supplier, d->>'name', d->>'description', d->>'image_url',
            coalesce(d->>'unit', 'unit'), (d->>'price_minor')::bigint,
            coalesce((d->>'discount_bp')::int, 0), coalesce((d->>'stock_level')::int, 0),
            coalesce((d->>'min_order_quantity')::int, 1), d->>'category', d->>'sku',
            coalesce((d->>'is_active')::boolean, true))
    RETURNING api_view
$$;

-- Update the fields present in d (JSON null clears a nullable field).  NULL when the
-- product is not the supplier's.
CREATE OR REPLACE FUNCTION scp_product_update(p_supplier uuid, p_id uuid, d jsonb) RETURNS json
LANGUAGE sql AS $$
    UPDATE products x SET
        name = CASE WHEN d ? 'name' THEN d->>'name' ELSE x.name END,
        description = CASE WHEN d ? 'description' THEN d->>'description' ELSE x.description END,
        image_url = CASE WHEN d ? 'image_url' THEN d->>'image_url' ELSE x.image_url END,
        unit = CASE WHEN d ? 'unit' THEN d->>'unit' ELSE x.unit END,
        price_minor = CASE WHEN d ? 'price_minor' THEN (d->>'price_minor')::bigint
                           ELSE x.price_minor END,
        discount_bp = CASE WHEN d ? 'discount_bp' THEN (d->>'discount_bp')::int
                           ELSE x.discount_bp END,
        stock_level = CASE WHEN d ? 'stock_level' THEN (d->>'stock_level')::int
                           ELSE x.stock_level END,
        min_order_quantity = CASE WHEN d ? 'min_order_quantity'
                                  THEN (d->>'min_order_quantity')::int
                                  ELSE x.min_order_quantity END,
        category = CASE WHEN d ? 'category' THEN d->>'category' ELSE x.category END,
        sku = CASE WHEN d ? 'sku' THEN d->>'sku' ELSE x.sku END,
        is_active = CASE WHEN d ? 'is_active' THEN (d->>'is_active')::boolean
                         ELSE x.is_active END,
        updated_at = now()
    WHERE x.id = p_id AND x.supplier_id = p_supplier AND x.deleted_at IS NULL
    RETURNING api_view
$$;

-- Bulk update, all or nothing: the same price / stock / discount (NULL: unchanged) for
-- every id.  Rows are locked in id order first, like an order accept, so the two never
-- deadlock; one id that is not the supplier's product fails the whole call (404).
CREATE OR REPLACE FUNCTION scp_products_bulk_update(p_supplier uuid, p_ids uuid[],
                                                    p_price bigint, p_stock int, p_discount int)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    missing text;
    n int;
    out json;
BEGIN
    PERFORM 1 FROM products
        WHERE id = ANY (p_ids) AND supplier_id = p_supplier AND deleted_at IS NULL
        ORDER BY id FOR UPDATE;
    SELECT string_agg(i::text, ', ' ORDER BY o) INTO missing
        FROM unnest(p_ids) WITH ORDINALITY AS u(i, o)
        WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = u.i
                          AND p.supplier_id = p_supplier AND p.deleted_at IS NULL);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404',
            MESSAGE = 'no such product: ' || missing || '; nothing was changed';
    END IF;
    UPDATE products SET price_minor = coalesce(p_price, price_minor),
                        stock_level = coalesce(p_stock, stock_level),
                        discount_bp = coalesce(p_discount, discount_bp),
                        updated_at = now()
        WHERE id = ANY (p_ids) AND supplier_id = p_supplier;
    GET DIAGNOSTICS n = ROW_COUNT;
    SELECT json_agg(p.api_view ORDER BY p.name, p.id) INTO out
        FROM products p WHERE p.id = ANY (p_ids) AND p.supplier_id = p_supplier;
    RETURN json_build_object('updated', n, 'results', coalesce(out, '[]'::json));
END $$;

-- The kept catalog sizes (005_catalog_sizes.sql): a product change counts itself and
-- bumps its supplier's version.  Every supplier has its row from the start, so a
-- catalog read can find the supplier and its size in one probe.
CREATE OR REPLACE FUNCTION scp_catalog_sizes_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_sizes (supplier_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER suppliers_catalog_size AFTER INSERT ON suppliers
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_sizes_open();

CREATE OR REPLACE FUNCTION scp_product_listed(p products)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p.is_active AND p.deleted_at IS NULL THEN 1 ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION scp_catalog_sizes_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d int := CASE WHEN TG_OP = 'DELETE' THEN 0 ELSE scp_product_listed(NEW) END
           - CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE scp_product_listed(OLD) END;
BEGIN
    UPDATE catalog_sizes SET listed = listed + d, version = version + 1
     WHERE supplier_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.supplier_id
                              ELSE NEW.supplier_id END;
    RETURN NULL;
END $$;
-- Every change: any column may show in the catalog (the stock does, as in_stock).
CREATE OR REPLACE TRIGGER products_catalog_size AFTER INSERT OR DELETE OR UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_sizes_count();
