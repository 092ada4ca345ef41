-- What the SCP portal and the mobile apps read and send with a catalog order
-- (docs/decisions.md, B2B, "Orders as the portal reads them"): a short number per
-- supplier, the delivery the consumer asks for, and how it prefers to settle.

-- ---- order numbers ------------------------------------------------------------------------

-- Each supplier numbers its orders 1, 2, 3…: the last number given, one row per supplier
-- (scp_catalog_order_create takes the next one with one upsert).  Its own table rather
-- than a column of suppliers: the row is locked from an order's creation to its commit,
-- and a profile edit must not wait for that (nor an order for a rename of 5 000 products).
CREATE TABLE supplier_order_numbers (
    supplier_id  uuid PRIMARY KEY REFERENCES suppliers(id),
    last_no      int NOT NULL CHECK (last_no >= 1)
);

ALTER TABLE catalog_orders
    ADD COLUMN order_no             int,
    ADD COLUMN shipping_address     json CHECK (json_typeof(shipping_address) = 'object'),
    ADD COLUMN delivery_date        date,
    ADD COLUMN delivery_start_time  time,
    ADD COLUMN delivery_end_time    time,
    ADD COLUMN preferred_settlement text CHECK (length(preferred_settlement) BETWEEN 1 AND 100),
    ADD CONSTRAINT catalog_orders_delivery_window_check
        CHECK (delivery_start_time < delivery_end_time);

-- The orders placed so far, numbered in the order they were placed.
UPDATE catalog_orders o SET order_no = n.no
  FROM (SELECT id, row_number() OVER (PARTITION BY supplier_id ORDER BY created_at, id) AS no
          FROM catalog_orders) n
 WHERE n.id = o.id;
INSERT INTO supplier_order_numbers (supplier_id, last_no)
    SELECT supplier_id, max(order_no) FROM catalog_orders GROUP BY supplier_id;

ALTER TABLE catalog_orders ALTER COLUMN order_no SET NOT NULL;
-- The name ends in _key: a duplicate would answer 409 naming order_no (it cannot happen
-- while the numbers come from supplier_order_numbers; the index makes sure).
CREATE UNIQUE INDEX catalog_orders_order_no_key ON catalog_orders (supplier_id, order_no);

-- ---- kept documents to write again ---------------------------------------------------------

-- A migration that changes what a kept API document (a table's api_view) holds names the
-- table here; the functions file that defines the document writes every row's again
-- after the new definition is in and deletes the name (sql/functions/45_b2b_orders.sql).
-- A migration cannot do it itself: it runs before the new definitions exist.
CREATE TABLE stale_api_views (
    table_name  text PRIMARY KEY
);
INSERT INTO stale_api_views VALUES ('catalog_orders');
