-- Cliick.io's shop products (seed 002, the issue's item 3): a shop's items for sale, a
-- product or a service, and every change of an item's stock as a movement row.  Prices
-- are bigint minor units (scp_money.h); the API shows them as decimals.  An item is
-- deleted softly (deleted_at) so its stock movements keep naming it.

CREATE TABLE shop_products (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shop_id            uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    item_type          text NOT NULL DEFAULT 'product'
                       CHECK (item_type IN ('product', 'service')),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description        text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    retail_price_minor bigint NOT NULL
                       CHECK (retail_price_minor BETWEEN 1 AND 10000000000),
    stock              integer NOT NULL DEFAULT 0 CHECK (stock BETWEEN 0 AND 1000000000),
    image_url          text CHECK (length(image_url) BETWEEN 1 AND 2048),
    category           text CHECK (length(category) BETWEEN 1 AND 100),
    promo_price_minor  bigint CHECK (promo_price_minor >= 0),
    promo_start_date   timestamptz,
    promo_end_date     timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    CONSTRAINT shop_products_promo_price_check
        CHECK (promo_price_minor IS NULL OR promo_price_minor < retail_price_minor),
    CONSTRAINT shop_products_promo_end_date_check
        CHECK (promo_start_date IS NULL OR promo_end_date IS NULL
               OR promo_end_date > promo_start_date)
);
CREATE INDEX shop_products_shop_idx ON shop_products (shop_id, created_at, id)
    WHERE deleted_at IS NULL;

-- Who changed an item's stock, by how much, why, and when (the stock after the change).
CREATE TABLE shop_stock_movements (
    id          bigserial PRIMARY KEY,
    product_id  uuid NOT NULL REFERENCES shop_products(id) ON DELETE CASCADE,
    shop_id     uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users(id) ON DELETE SET NULL,
    delta       integer NOT NULL CHECK (delta <> 0),
    stock_after integer NOT NULL CHECK (stock_after >= 0),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shop_stock_movements_product_idx ON shop_stock_movements (product_id, id);
