-- Seed 004's dashboard shows a store's products, orders and figures
-- (GET /stores/products|orders|analytics, cgi-bin/sync/stores.c).  SCP answers them from
-- what the sync already holds, not by calling the store on every page: a store's
-- products are the SKUs of Prokip's report that the sync keeps in it, so a pass now
-- keeps each SKU's product name and unit price from that report beside its level.
ALTER TABLE prokip_stock
    ADD COLUMN name text CHECK (length(name) <= 300),
    ADD COLUMN unit_price numeric(20, 4) CHECK (unit_price >= 0);
