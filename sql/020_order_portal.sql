-- What the SCP portal and the mobile apps read and send with a catalog order
-- (docs/decisions.md, B2B, "Orders as the portal reads them"): a short number, the
-- delivery the consumer asks for, and how it prefers to settle.

-- ---- order numbers ------------------------------------------------------------------------

-- Orders are numbered from one sequence, 1, 2, 3… in the order placed: nextval takes no
-- lock, so two orders for one supplier never wait for each other (a per-supplier counter
-- row, locked from an order's creation to its commit, made them queue: order creation
-- fell to a third).
CREATE SEQUENCE catalog_order_no_seq AS bigint;

ALTER TABLE catalog_orders
    ADD COLUMN order_no             bigint,
    ADD COLUMN shipping_address     json CHECK (json_typeof(shipping_address) = 'object'),
    ADD COLUMN delivery_date        date,
    ADD COLUMN delivery_start_time  time,
    ADD COLUMN delivery_end_time    time,
    ADD COLUMN preferred_settlement text CHECK (length(preferred_settlement) BETWEEN 1 AND 100),
    ADD CONSTRAINT catalog_orders_delivery_window_check
        CHECK (delivery_start_time < delivery_end_time);

-- The orders placed so far, numbered in the order they were placed.
UPDATE catalog_orders o SET order_no = n.no
  FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS no FROM catalog_orders) n
 WHERE n.id = o.id;
SELECT setval('catalog_order_no_seq', max(order_no)) FROM catalog_orders HAVING count(*) > 0;

ALTER TABLE catalog_orders ALTER COLUMN order_no SET NOT NULL;
-- The name ends in _key: a duplicate would answer 409 naming order_no (it cannot happen
-- while the numbers come from the sequence; the index makes sure).
CREATE UNIQUE INDEX catalog_orders_order_no_key ON catalog_orders (order_no);

-- ---- kept documents to write again ---------------------------------------------------------

-- A migration that changes what a kept API document (a table's api_view) holds names the
-- table here; the functions file that defines the document writes every row's again
-- after the new definition is in and deletes the name (sql/functions/45_b2b_orders.sql).
-- A migration cannot do it itself: it runs before the new definitions exist.
CREATE TABLE stale_api_views (
    table_name  text PRIMARY KEY
);
INSERT INTO stale_api_views VALUES ('catalog_orders');
