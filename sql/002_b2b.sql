-- B2B commerce (seeds 000 SCP and 003 Supplier-Wholesale Exchange): supplier profiles,
-- products, consumer links, catalog orders.
--
-- Money is BIGINT minor units; percentages (discount, tax rate) are INT basis points
-- (hundredths of a percent: 7.25 % = 725), so no amount or rate is ever a float.
-- Every state move happens in one function call (one statement, one transaction) under
-- a row lock and is recorded in an events table with who and when.  The functions and
-- triggers are in sql/functions/30_catalog.sql, 40_b2b_links.sql and 45_b2b_orders.sql;
-- rounding: scp_net_unit, scp_catalog_order_create and docs/decisions.md (B2B).

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

-- The row types of the supplier and product documents (scp_supplier_json,
-- scp_product_json): row_to_json of a typed row is compact and keeps this key order.
-- link_* describe the calling consumer's link.
CREATE TYPE scp_supplier_view AS (
    id uuid, name text, description text, logo_url text, email text, phone_number text,
    address text, currency text, tax_rate numeric, shipping_fee numeric,
    product_count bigint, link_id uuid, link_status text, created_at timestamptz
);

CREATE TYPE scp_product_view AS (
    id uuid, supplier_id uuid, supplier_name text, name text, description text,
    image_url text, unit text, price numeric, currency text, discount numeric,
    discounted_price numeric, stock_level int, min_order_quantity int, category text,
    sku text, is_active boolean, in_stock boolean, created_at timestamptz,
    updated_at timestamptz
);

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
