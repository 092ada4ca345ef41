-- Cliick.io's forms and orders (seed 002, the issue's item 5): a shop's order forms and
-- the orders customers place through them.  An order is a form submission: the values
-- of the form's fields keyed by field id (custom_fields, Cliick's name), and the ordered products with their unit
-- prices as they were when the order was placed.  Money is bigint minor units in the
-- shop's currency (scp_money.h).  The status machine is 'cliick_order' in
-- sql/functions/12_state_moves.sql; stock is taken when an order is confirmed
-- (stock_taken) and given back when a confirmed order is cancelled or returned.

CREATE TABLE shop_forms (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shop_id     uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    -- The checked field list (sql/functions/84_shop_orders.sql, scp_shop_form_fields).
    fields      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fields) = 'array'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shop_forms_shop_idx ON shop_forms (shop_id, created_at, id);

CREATE TABLE shop_orders (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shop_id         uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    form_id         uuid REFERENCES shop_forms(id) ON DELETE SET NULL,
    form_name       text NOT NULL,
    status          text NOT NULL DEFAULT 'Pending'
                    CHECK (status IN ('Pending', 'Confirmed', 'Completed', 'Cancelled',
                                      'Return')),
    custom_fields   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    payment_method  text CHECK (length(payment_method) BETWEEN 1 AND 200),
    total_minor     bigint NOT NULL CHECK (total_minor >= 0),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Whether the order holds its products' stock (taken on Confirmed).
    stock_taken     boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shop_orders_shop_idx ON shop_orders (shop_id, created_at, id);

CREATE TABLE shop_order_items (
    order_id          uuid NOT NULL REFERENCES shop_orders(id) ON DELETE CASCADE,
    product_id        uuid NOT NULL REFERENCES shop_products(id),
    product_name      text NOT NULL,
    quantity          integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (order_id, product_id)
);
