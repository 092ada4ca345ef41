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
-- them all first, in id order, and only then update them.

-- version rises with every change of any of the supplier's products (a product's
-- document, stock included, or its place in the catalog): a worker that keeps a rendered
-- catalog page (cgi-bin/catalog/page_cache.c) serves it only while the version it was
-- rendered at is still the current one.
CREATE TABLE catalog_sizes (
    supplier_id  uuid PRIMARY KEY REFERENCES suppliers(id) ON DELETE CASCADE,
    listed       int NOT NULL DEFAULT 0 CHECK (listed >= 0),
    version      bigint NOT NULL DEFAULT 0
);

INSERT INTO catalog_sizes (supplier_id, listed)
    SELECT s.id, (SELECT count(*) FROM products p
                   WHERE p.supplier_id = s.id AND p.is_active AND p.deleted_at IS NULL)
      FROM suppliers s;

-- Every supplier has its row from the start, so a catalog read can find the supplier and
-- its size in one probe.
CREATE FUNCTION scp_catalog_sizes_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_sizes (supplier_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER suppliers_catalog_size AFTER INSERT ON suppliers
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_sizes_open();

CREATE FUNCTION scp_product_listed(p products) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p.is_active AND p.deleted_at IS NULL THEN 1 ELSE 0 END
$$;

CREATE FUNCTION scp_catalog_sizes_count() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER products_catalog_size AFTER INSERT OR DELETE OR UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_sizes_count();

-- Discovery's product_count, from the kept count.
CREATE OR REPLACE FUNCTION scp_supplier_json(s suppliers, p_link_id uuid, p_link_status text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(s.id, s.name, s.description, s.logo_url, s.email, s.phone_number,
        s.address, s.currency, scp_amount(s.tax_rate_bp), scp_amount(s.shipping_fee_minor),
        (SELECT c.listed::bigint FROM catalog_sizes c WHERE c.supplier_id = s.id),
        p_link_id, p_link_status, s.created_at)::scp_supplier_view)
$$;
