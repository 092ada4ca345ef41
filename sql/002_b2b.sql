-- B2B commerce (seeds 000 SCP and 003 Supplier-Wholesale Exchange): supplier profiles,
-- products, consumer links, catalog orders.
--
-- Money is BIGINT minor units; percentages (discount, tax rate) are INT basis points
-- (hundredths of a percent: 7.25 % = 725), so no amount or rate is ever a float.
-- Every state move happens in one function call (one statement, one transaction) under
-- a row lock and is recorded in an events table with who and when.  Rounding: see
-- scp_net_unit, scp_catalog_order_create and docs/decisions.md (B2B).

-- scp_page_json (001) was declared IMMUTABLE over json_build_object, which is only
-- STABLE: PostgreSQL then never inlines it and parses and plans its body again on every
-- call.  STABLE is what it is; callers that pass it plain columns get it inlined.
ALTER FUNCTION scp_page_json(json, bigint, int, int) STABLE;

-- ---- supplier profile --------------------------------------------------------------------

ALTER TABLE suppliers
    ADD COLUMN description         text CHECK (length(description) <= 2000),
    ADD COLUMN logo_url            text CHECK (length(logo_url) <= 2048),
    ADD COLUMN email               text CHECK (length(email) <= 254),
    ADD COLUMN phone_number        text CHECK (length(phone_number) <= 20),
    ADD COLUMN address             text CHECK (length(address) <= 500),
    ADD COLUMN currency            text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN tax_rate_bp         int NOT NULL DEFAULT 0 CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    ADD COLUMN shipping_fee_minor  bigint NOT NULL DEFAULT 0
                                   CHECK (shipping_fee_minor BETWEEN 0 AND 10000000000),
    ADD COLUMN low_stock_threshold int NOT NULL DEFAULT 10
                                   CHECK (low_stock_threshold BETWEEN 0 AND 1000000000);
CREATE INDEX suppliers_name_idx ON suppliers (lower(name), id);

-- Minor units → the JSON decimal (12.50); basis points → percent (7.25).  Both inlined.
CREATE FUNCTION scp_amount(p_minor bigint) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT round(p_minor / 100.0, 2)
$$;

-- The price of one unit after the discount: the discount is rounded half up per unit,
-- so what the catalog shows is exactly what a line of n units costs divided by n.
CREATE FUNCTION scp_net_unit(p_price bigint, p_discount_bp int) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_price - round(p_price::numeric * p_discount_bp / 10000)::bigint
$$;

-- ---- products -----------------------------------------------------------------------------

CREATE TABLE products (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id         uuid NOT NULL REFERENCES suppliers(id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description         text CHECK (length(description) <= 5000),
    image_url           text CHECK (length(image_url) <= 2048),
    unit                text NOT NULL DEFAULT 'unit' CHECK (length(unit) BETWEEN 1 AND 32),
    -- Bounded so that price × quantity × lines stays far inside bigint.
    price_minor         bigint NOT NULL CHECK (price_minor BETWEEN 1 AND 10000000000),
    discount_bp         int NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
    stock_level         int NOT NULL DEFAULT 0 CHECK (stock_level >= 0),
    min_order_quantity  int NOT NULL DEFAULT 1 CHECK (min_order_quantity >= 1),
    category            text CHECK (length(category) <= 100),
    sku                 text CHECK (length(sku) BETWEEN 1 AND 64),
    is_active           boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- Deleted products stay for the order lines that name them, out of every list.
    deleted_at          timestamptz,
    -- The product as the API shows it, kept by the products_view trigger: a catalog
    -- page then reads ready documents instead of formatting amounts and dates per row.
    api_view            json NOT NULL
);
-- The name ends in _key so that a duplicate answers 409 naming the field "sku".
CREATE UNIQUE INDEX products_sku_key ON products (supplier_id, sku) WHERE deleted_at IS NULL;
CREATE INDEX products_supplier_idx ON products (supplier_id, created_at DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX products_low_stock_idx ON products (supplier_id, stock_level)
    WHERE deleted_at IS NULL AND is_active;
-- The catalog's default order: a page is read off the index, however long the catalog.
CREATE INDEX products_catalog_idx ON products (supplier_id, lower(name), id)
    WHERE deleted_at IS NULL AND is_active;

-- The supplier as everybody may see it; link_* describe the calling consumer's link.
CREATE TYPE scp_supplier_view AS (
    id uuid, name text, description text, logo_url text, email text, phone_number text,
    address text, currency text, tax_rate numeric, shipping_fee numeric,
    product_count bigint, link_id uuid, link_status text, created_at timestamptz
);
CREATE FUNCTION scp_supplier_json(s suppliers, p_link_id uuid, p_link_status text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(s.id, s.name, s.description, s.logo_url, s.email, s.phone_number,
        s.address, s.currency, scp_amount(s.tax_rate_bp), scp_amount(s.shipping_fee_minor),
        (SELECT count(*) FROM products p
          WHERE p.supplier_id = s.id AND p.is_active AND p.deleted_at IS NULL),
        p_link_id, p_link_status, s.created_at)::scp_supplier_view)
$$;

-- The profile as its own staff see it: the public view plus what only they manage.
CREATE FUNCTION scp_supplier_profile_json(s suppliers) RETURNS json LANGUAGE sql STABLE AS $$
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
CREATE FUNCTION scp_supplier_update(p_supplier uuid, d jsonb) RETURNS json
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

CREATE TYPE scp_product_view AS (
    id uuid, supplier_id uuid, supplier_name text, name text, description text,
    image_url text, unit text, price numeric, currency text, discount numeric,
    discounted_price numeric, stock_level int, min_order_quantity int, category text,
    sku text, is_active boolean, in_stock boolean, created_at timestamptz,
    updated_at timestamptz
);
CREATE FUNCTION scp_product_json(p products, p_supplier_name text, p_currency text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(p.id, p.supplier_id, p_supplier_name, p.name, p.description,
        p.image_url, p.unit, scp_amount(p.price_minor), p_currency,
        scp_amount(p.discount_bp), scp_amount(scp_net_unit(p.price_minor, p.discount_bp)),
        p.stock_level, p.min_order_quantity, p.category, p.sku, p.is_active,
        p.stock_level > 0, p.created_at, p.updated_at)::scp_product_view)
$$;

CREATE FUNCTION scp_products_view() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s suppliers;
BEGIN
    SELECT * INTO STRICT s FROM suppliers WHERE id = NEW.supplier_id;
    NEW.api_view := scp_product_json(NEW, s.name, s.currency);
    RETURN NEW;
END $$;
CREATE TRIGGER products_view BEFORE INSERT OR UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION scp_products_view();

-- A supplier's new name or currency shows on each of its products.  The rows are
-- locked in id order, as an order accept locks them, so the two cannot deadlock.
CREATE FUNCTION scp_suppliers_products_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET api_view = NULL	-- products_view writes it again
        WHERE id IN (SELECT id FROM products WHERE supplier_id = NEW.id
                     ORDER BY id FOR UPDATE);
    RETURN NULL;
END $$;
CREATE TRIGGER suppliers_products_view AFTER UPDATE OF name, currency ON suppliers
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
                       OR OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION scp_suppliers_products_view();

-- Escape LIKE's wildcards so a search for "50%" means those three characters.
CREATE FUNCTION scp_like(p_text text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT '%' || replace(replace(replace(p_text, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- Create a product from validated fields (d: name, description, image_url, unit,
-- price_minor, discount_bp, stock_level, min_order_quantity, category, sku, is_active).
CREATE FUNCTION scp_product_create(p_supplier uuid, d jsonb) RETURNS json
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
CREATE FUNCTION scp_product_update(p_supplier uuid, p_id uuid, d jsonb) RETURNS json
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
CREATE FUNCTION scp_products_bulk_update(p_supplier uuid, p_ids uuid[], p_price bigint,
                                         p_stock int, p_discount int)
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

-- ---- consumer links ---------------------------------------------------------------------

-- One row per (consumer, supplier): a new request after a rejection moves the same row
-- back to pending (DESIGN §6), so the pair can never hold two live links.
CREATE TABLE consumer_links (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    consumer_id   uuid NOT NULL REFERENCES users(id),
    supplier_id   uuid NOT NULL REFERENCES suppliers(id),
    status        text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'accepted', 'rejected', 'blocked')),
    message       text CHECK (length(message) <= 1000),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    approved_at   timestamptz,
    decided_at    timestamptz,
    decided_by    uuid REFERENCES users(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer_id, supplier_id)
);
CREATE INDEX consumer_links_supplier_idx ON consumer_links (supplier_id, status, requested_at DESC);

CREATE TABLE consumer_link_events (
    id           bigserial PRIMARY KEY,
    link_id      uuid NOT NULL REFERENCES consumer_links(id),
    from_status  text,
    to_status    text NOT NULL,
    actor_id     uuid NOT NULL REFERENCES users(id),
    actor_role   text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consumer_link_events_link_idx ON consumer_link_events (link_id, id);

CREATE FUNCTION scp_link_json(l consumer_links) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', l.id, 'consumer_id', l.consumer_id,
        'supplier_id', l.supplier_id, 'status', l.status, 'message', l.message,
        'requested_at', l.requested_at, 'approved_at', l.approved_at,
        'decided_at', l.decided_at, 'created_at', l.created_at, 'updated_at', l.updated_at,
        'supplier', (SELECT json_build_object('id', s.id, 'name', s.name,
                                              'logo_url', s.logo_url, 'currency', s.currency)
                     FROM suppliers s WHERE s.id = l.supplier_id),
        'consumer', (SELECT json_build_object('id', u.id, 'email', u.email,
                         'name', nullif(concat_ws(' ', u.first_name, u.last_name), ''),
                         'company_name', u.company_name, 'phone_number', u.phone_number)
                     FROM users u WHERE u.id = l.consumer_id))
$$;

-- A consumer asks a supplier for a link.  New, or rejected → pending: created is true.
-- Pending: 409 CONFLICT.  Accepted: 409 INVALID_STATE.  Blocked: the supplier is not
-- found, exactly as if it did not exist.
CREATE FUNCTION scp_link_request(p_consumer uuid, p_supplier uuid, p_message text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l consumer_links;
BEGIN
    PERFORM 1 FROM suppliers WHERE id = p_supplier;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
    END IF;
    INSERT INTO consumer_links (consumer_id, supplier_id, message)
        VALUES (p_consumer, p_supplier, p_message)
        ON CONFLICT (consumer_id, supplier_id) DO NOTHING RETURNING * INTO l;
    IF NOT FOUND THEN
        SELECT * INTO STRICT l FROM consumer_links
            WHERE consumer_id = p_consumer AND supplier_id = p_supplier FOR UPDATE;
        IF l.status = 'blocked' THEN
            RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
        ELSIF l.status = 'pending' THEN
            RAISE EXCEPTION USING ERRCODE = 'SC410',
                MESSAGE = 'a link request to this supplier is already pending';
        ELSIF l.status = 'accepted' THEN
            RAISE EXCEPTION USING ERRCODE = 'SC409',
                MESSAGE = 'cannot move from accepted to pending: already linked';
        END IF;
        UPDATE consumer_links SET status = 'pending', message = p_message,
               requested_at = now(), approved_at = NULL, decided_at = NULL,
               decided_by = NULL, updated_at = now()
            WHERE id = l.id RETURNING * INTO l;
        INSERT INTO consumer_link_events (link_id, from_status, to_status, actor_id, actor_role)
            VALUES (l.id, 'rejected', 'pending', p_consumer, 'consumer');
    ELSE
        INSERT INTO consumer_link_events (link_id, from_status, to_status, actor_id, actor_role)
            VALUES (l.id, NULL, 'pending', p_consumer, 'consumer');
    END IF;
    RETURN scp_link_json(l);
END $$;

-- A supplier moves a link of its own from one of p_from to p_to (the action decides
-- which states it starts from: approve pending, unblock blocked...).  Another
-- supplier's link is not found; any other state is 409 INVALID_STATE.
CREATE FUNCTION scp_link_move(p_link uuid, p_supplier uuid, p_actor uuid, p_role text,
                              p_from text[], p_to text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l consumer_links;
    prev text;
BEGIN
    SELECT * INTO l FROM consumer_links WHERE id = p_link AND supplier_id = p_supplier
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'link not found';
    END IF;
    IF NOT l.status = ANY (p_from) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot move from %s to %s', l.status, p_to);
    END IF;
    prev := l.status;
    UPDATE consumer_links SET status = p_to, decided_at = now(), decided_by = p_actor,
           approved_at = CASE WHEN p_to = 'accepted' AND prev = 'pending' THEN now()
                              ELSE approved_at END,
           updated_at = now()
        WHERE id = p_link RETURNING * INTO l;
    INSERT INTO consumer_link_events (link_id, from_status, to_status, actor_id, actor_role)
        VALUES (l.id, prev, p_to, p_actor, p_role);
    RETURN scp_link_json(l);
END $$;

-- ---- catalog orders -----------------------------------------------------------------------

-- "catalog_" tells these from the auction orders of the marketplace (DESIGN §6).
CREATE TABLE catalog_orders (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    consumer_id          uuid NOT NULL REFERENCES users(id),
    supplier_id          uuid NOT NULL REFERENCES suppliers(id),
    status               text NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled',
                                                'in_progress', 'completed')),
    currency             text NOT NULL,
    subtotal_minor       bigint NOT NULL CHECK (subtotal_minor >= 0),
    discount_minor       bigint NOT NULL CHECK (discount_minor >= 0),
    tax_rate_bp          int NOT NULL,
    tax_minor            bigint NOT NULL CHECK (tax_minor >= 0),
    shipping_minor       bigint NOT NULL CHECK (shipping_minor >= 0),
    total_minor          bigint NOT NULL,
    notes                text CHECK (length(notes) <= 1000),
    rejection_reason     text,
    cancellation_reason  text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- The order as lists show it, kept by the catalog_orders_view trigger (the parties'
    -- names in it are as they were when the order was placed or last moved).
    api_view             json NOT NULL,
    CHECK (total_minor = subtotal_minor + tax_minor + shipping_minor)
);
CREATE INDEX catalog_orders_supplier_idx ON catalog_orders (supplier_id, created_at DESC, id DESC);
CREATE INDEX catalog_orders_supplier_status_idx ON catalog_orders (supplier_id, status);
CREATE INDEX catalog_orders_consumer_idx ON catalog_orders (consumer_id, created_at DESC, id DESC);

-- Lines snapshot the product as it was ordered: a later price change alters nothing.
CREATE TABLE catalog_order_items (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id           uuid NOT NULL REFERENCES catalog_orders(id),
    line_no            int NOT NULL,
    product_id         uuid NOT NULL REFERENCES products(id),
    product_name       text NOT NULL,
    sku                text,
    unit               text NOT NULL,
    quantity           int NOT NULL CHECK (quantity > 0),
    unit_price_minor   bigint NOT NULL CHECK (unit_price_minor > 0),
    discount_bp        int NOT NULL,
    net_unit_minor     bigint NOT NULL CHECK (net_unit_minor >= 0),
    subtotal_minor     bigint NOT NULL CHECK (subtotal_minor = net_unit_minor * quantity),
    UNIQUE (order_id, product_id),
    UNIQUE (order_id, line_no)
);

CREATE TABLE catalog_order_events (
    id           bigserial PRIMARY KEY,
    order_id     uuid NOT NULL REFERENCES catalog_orders(id),
    from_status  text,
    to_status    text NOT NULL,
    actor_id     uuid NOT NULL REFERENCES users(id),
    actor_role   text NOT NULL,
    reason       text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_order_events_order_idx ON catalog_order_events (order_id, id);

-- The order as lists show it (single-order answers add status_history).
CREATE FUNCTION scp_catalog_order_json(o catalog_orders) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', o.id, 'consumer_id', o.consumer_id,
        'supplier_id', o.supplier_id, 'status', o.status, 'currency', o.currency,
        'subtotal', scp_amount(o.subtotal_minor),
        'discount_total', scp_amount(o.discount_minor),
        'tax_rate', scp_amount(o.tax_rate_bp), 'tax', scp_amount(o.tax_minor),
        'shipping_fee', scp_amount(o.shipping_minor), 'total', scp_amount(o.total_minor),
        'notes', o.notes, 'rejection_reason', o.rejection_reason,
        'cancellation_reason', o.cancellation_reason,
        'supplier', (SELECT json_build_object('id', s.id, 'name', s.name,
                                              'logo_url', s.logo_url)
                     FROM suppliers s WHERE s.id = o.supplier_id),
        'consumer', (SELECT json_build_object('id', u.id, 'email', u.email,
                         'name', nullif(concat_ws(' ', u.first_name, u.last_name), ''),
                         'company_name', u.company_name, 'phone_number', u.phone_number)
                     FROM users u WHERE u.id = o.consumer_id),
        'items', (SELECT json_agg(json_build_object('id', i.id, 'product_id', i.product_id,
                          'product_name', i.product_name, 'sku', i.sku, 'unit', i.unit,
                          'quantity', i.quantity, 'unit_price', scp_amount(i.unit_price_minor),
                          'discount', scp_amount(i.discount_bp),
                          'discounted_unit_price', scp_amount(i.net_unit_minor),
                          'discount_amount',
                              scp_amount((i.unit_price_minor - i.net_unit_minor) * i.quantity),
                          'subtotal', scp_amount(i.subtotal_minor)) ORDER BY i.line_no)
                  FROM catalog_order_items i WHERE i.order_id = o.id),
        'item_count', (SELECT count(*) FROM catalog_order_items i WHERE i.order_id = o.id),
        'created_at', o.created_at, 'updated_at', o.updated_at)
$$;

CREATE FUNCTION scp_catalog_orders_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.api_view := scp_catalog_order_json(NEW);
    RETURN NEW;
END $$;
-- An insert that brings its own placeholder view is completed by an update once its
-- lines exist (scp_catalog_order_create): building the view twice would be wasted.
CREATE TRIGGER catalog_orders_view_insert BEFORE INSERT ON catalog_orders
    FOR EACH ROW WHEN (NEW.api_view IS NULL) EXECUTE FUNCTION scp_catalog_orders_view();
CREATE TRIGGER catalog_orders_view BEFORE UPDATE ON catalog_orders
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_orders_view();

-- An object with one more key: the text of j with its closing brace replaced.  j is a
-- stored view, never empty, and json_build_object writes no space before the brace.
CREATE FUNCTION scp_json_with(j json, p_key text, p_value json) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT (left(j::text, -1) || ', ' || to_json(p_key)::text || ' : '
            || coalesce(p_value::text, 'null') || '}')::json
$$;

-- The order with who moved it when: the answer for one order.
CREATE FUNCTION scp_catalog_order_full(o catalog_orders) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT scp_json_with(o.api_view, 'status_history',
        (SELECT json_agg(json_build_object('previous_status', e.from_status,
                    'status', e.to_status, 'changed_by', e.actor_id,
                    'changed_by_role', e.actor_role, 'reason', e.reason,
                    'changed_at', e.at) ORDER BY e.id)
         FROM catalog_order_events e WHERE e.order_id = o.id))
$$;

-- A consumer orders from one supplier.  Checks the link (none/pending/rejected: 403;
-- blocked or no such supplier: 404), then every line (the supplier's active product,
-- quantity within minimum and stock).  Line problems come back together as errors
-- ([{field, message}], a 422) and nothing is written.
--
-- Rounding (docs/b2b.md): unit net = price − round_half_up(price × discount); line =
-- unit net × quantity; subtotal = Σ lines; tax = round_half_up(subtotal × tax rate);
-- total = subtotal + tax + the supplier's flat shipping fee.  Shipping is not taxed.
CREATE FUNCTION scp_catalog_order_create(p_consumer uuid, p_supplier uuid,
                                         p_products uuid[], p_qty int[], p_notes text)
RETURNS TABLE (order_json json, errors json) LANGUAGE plpgsql AS $$
DECLARE
    sup uuid := p_supplier;
    s suppliers;
    link text;
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
    IF s.id IS NULL OR link = 'blocked' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
    END IF;
    IF link IS DISTINCT FROM 'accepted' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'ordering needs an accepted link with this supplier';
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
    INSERT INTO catalog_orders (consumer_id, supplier_id, currency, subtotal_minor,
                                discount_minor, tax_rate_bp, tax_minor, shipping_minor,
                                total_minor, notes, api_view)
        VALUES (p_consumer, sup, s.currency, sub, disc, s.tax_rate_bp, tax,
                s.shipping_fee_minor, sub + tax + s.shipping_fee_minor, p_notes, '{}')
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

-- Lock an order for a move and check it may leave its state for p_to.  The order is
-- found by supplier (staff) or by consumer (the consumer's own); anything else is 404.
CREATE FUNCTION scp_catalog_order_lock(p_order uuid, p_supplier uuid, p_consumer uuid,
                                       p_from text[], p_to text)
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
    IF NOT o.status = ANY (p_from) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot move from %s to %s', o.status, p_to);
    END IF;
    RETURN o;
END $$;

-- Record a move: the order's new status and the event, in the caller's transaction.
CREATE FUNCTION scp_catalog_order_set(o catalog_orders, p_to text, p_actor uuid,
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
CREATE FUNCTION scp_catalog_order_move(p_order uuid, p_supplier uuid, p_consumer uuid,
                                       p_actor uuid, p_role text, p_from text[],
                                       p_to text, p_reason text)
RETURNS json LANGUAGE sql AS $$
    SELECT scp_catalog_order_set(scp_catalog_order_lock(p_order, p_supplier, p_consumer,
                                                        p_from, p_to),
                                 p_to, p_actor, p_role, p_reason)
$$;

-- Accept: take the stock of every line, all or nothing.  The product rows are locked in
-- id order (so concurrent accepts sharing products queue up instead of deadlocking),
-- then checked; if any line falls short, ok is false, body lists the short lines
-- ({product_id, name, sku, requested, available}), message names them, and nothing was
-- taken.  Otherwise each
-- line's guarded decrement runs (the CHECK on stock_level backs it up).
CREATE FUNCTION scp_catalog_order_accept(p_order uuid, p_supplier uuid, p_actor uuid,
                                         p_role text)
RETURNS TABLE (ok boolean, body json, message text) LANGUAGE plpgsql AS $$
DECLARE
    o catalog_orders;
    short json;
    why text;
    want int;
    took int;
BEGIN
    o := scp_catalog_order_lock(p_order, p_supplier, NULL, '{pending}', 'accepted');
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

-- ---- supplier staff (auth family) -------------------------------------------------------

-- The owner changes a staff member of its supplier: d may hold first_name, last_name,
-- phone_number, role (manager | sales_rep), status (active | deactivated) and
-- password_hash.  Deactivating or a new password revokes every session at once (the
-- router checks the session and the user's status on each request).  Owners are not
-- changed here (their own profile is /users/me).
CREATE FUNCTION scp_staff_update(p_supplier uuid, p_id uuid, d jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_id AND supplier_id = p_supplier FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'user not found';
    END IF;
    IF u.role = 'owner' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'the owner is not managed here; use /users/me';
    END IF;
    UPDATE users x SET
        first_name = CASE WHEN d ? 'first_name' THEN d->>'first_name' ELSE x.first_name END,
        last_name = CASE WHEN d ? 'last_name' THEN d->>'last_name' ELSE x.last_name END,
        phone_number = CASE WHEN d ? 'phone_number' THEN d->>'phone_number'
                            ELSE x.phone_number END,
        role = coalesce(d->>'role', x.role),
        status = coalesce(d->>'status', x.status),
        password_hash = coalesce(d->>'password_hash', x.password_hash),
        updated_at = now()
    WHERE x.id = p_id RETURNING * INTO u;
    IF d->>'status' = 'deactivated' OR d ? 'password_hash' THEN
        UPDATE sessions SET revoked_at = now(),
               revoked_reason = CASE WHEN d ? 'password_hash' THEN 'password reset by owner'
                                     ELSE 'deactivated' END
            WHERE user_id = p_id AND revoked_at IS NULL;
    END IF;
    RETURN scp_user_json(u);
END $$;
