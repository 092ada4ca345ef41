-- How many products each supplier lists (active, not deleted), and a version of its
-- catalog, kept as products change.
--
-- A catalog page shows the total for its pagination, and discovery shows each supplier's
-- product count.  Counting them per request reads every listed product (index entries
-- and, until the visibility map says otherwise, heap pages): a page of 20 out of 5 000
-- would read 5 000.  The count is kept here instead, in its own table rather than on
-- suppliers: a product change locks its product row and then this row, while a supplier
-- rename locks the supplier row and then its products (scp_suppliers_products_view), so
-- the two orders never meet.  Nothing locks this row and then a product: the functions
-- that change several products (an order accept, bulk-update, a supplier rename) lock
-- them all first, in id order, and only then update them.  The triggers that keep it are
-- in sql/functions/30_catalog.sql.

-- version rises with every change of any of the supplier's products (a product's
-- document, stock included, or its place in the catalog): a worker that keeps a rendered
-- catalog page (lib/scp_kept.h, cgi-bin/catalog/browse.c) serves it only while the version it was
-- rendered at is still the current one.
CREATE TABLE catalog_sizes (
    supplier_id  uuid PRIMARY KEY REFERENCES suppliers(id) ON DELETE CASCADE,
    listed       int NOT NULL DEFAULT 0 CHECK (listed >= 0),
    version      bigint NOT NULL DEFAULT 0
);

-- The suppliers of today get their row here, in plain SQL (the functions of
-- sql/functions/ do not exist yet when a new database migrates); later ones get it from
-- the suppliers_catalog_size trigger.
INSERT INTO catalog_sizes (supplier_id, listed)
    SELECT s.id, (SELECT count(*) FROM products p
                   WHERE p.supplier_id = s.id AND p.is_active AND p.deleted_at IS NULL)
      FROM suppliers s;
