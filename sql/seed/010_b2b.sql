-- Demo data for the B2B flows (seeds 000 and 003), run by `scpctl seed-demo` after it
-- created the demo users: the supplier "Fresh Farms Wholesale" gets a profile and
-- products, consumer@example.com an accepted link and a pending order of two lines,
-- and restaurant2@example.com (same password as the other demo users) a pending link
-- request for the owner to approve.  Idempotent: running it again adds nothing.
DO $$
DECLARE
    sup uuid;
    owner uuid;
    con uuid;
    con2 uuid;
    lnk uuid;
BEGIN
    SELECT id INTO sup FROM suppliers WHERE name = 'Fresh Farms Wholesale'
        ORDER BY created_at LIMIT 1;
    SELECT id INTO owner FROM users WHERE lower(email) = 'supplier.owner@example.com';
    SELECT id INTO con FROM users WHERE lower(email) = 'consumer@example.com';
    IF sup IS NULL OR owner IS NULL OR con IS NULL THEN
        RAISE NOTICE 'demo users missing; B2B demo data skipped';
        RETURN;
    END IF;

    UPDATE suppliers SET
        description = 'Farm-fresh vegetables, fruit and dairy for restaurants and hotels, '
                      || 'delivered six days a week.',
        email = 'orders@freshfarms.example', phone_number = '+15550000100',
        address = '12 Market Road, Springfield', currency = 'USD', tax_rate_bp = 825,
        shipping_fee_minor = 1500, low_stock_threshold = 10, updated_at = now()
    WHERE id = sup AND description IS NULL;

    INSERT INTO products (supplier_id, sku, name, description, unit, category, price_minor,
                          discount_bp, stock_level, min_order_quantity)
    VALUES
        (sup, 'FF-TOM-01', 'Roma Tomatoes', 'Vine-ripened, 10 kg crate', 'crate',
         'Vegetables', 2450, 0, 120, 2),
        (sup, 'FF-LET-01', 'Iceberg Lettuce', 'Case of 24 heads', 'case', 'Vegetables',
         1899, 500, 60, 1),
        (sup, 'FF-ONI-01', 'Yellow Onions', '25 kg sack', 'sack', 'Vegetables', 1575, 0,
         200, 1),
        (sup, 'FF-POT-01', 'Russet Potatoes', '25 kg sack', 'sack', 'Vegetables', 1399,
         1000, 8, 1),
        (sup, 'FF-APL-01', 'Gala Apples', 'Case of 80', 'case', 'Fruit', 3200, 0, 45, 1),
        (sup, 'FF-LEM-01', 'Lemons', 'Case of 115', 'case', 'Fruit', 2875, 0, 5, 1),
        (sup, 'FF-MLK-01', 'Whole Milk', '4 × 1 gal', 'case', 'Dairy', 1650, 0, 90, 3),
        (sup, 'FF-BUT-01', 'Unsalted Butter', '36 × 1 lb', 'case', 'Dairy', 9900, 250, 30, 1)
    ON CONFLICT (supplier_id, sku) WHERE deleted_at IS NULL DO NOTHING;

    INSERT INTO consumer_links (consumer_id, supplier_id, status, message, approved_at,
                                decided_at, decided_by)
    VALUES (con, sup, 'accepted', 'We run two restaurants downtown.', now(), now(), owner)
    ON CONFLICT (consumer_id, supplier_id) DO NOTHING
    RETURNING id INTO lnk;
    IF lnk IS NOT NULL THEN
        INSERT INTO consumer_link_events (link_id, from_status, to_status, actor_id, actor_role)
        VALUES (lnk, NULL, 'pending', con, 'consumer'),
               (lnk, 'pending', 'accepted', owner, 'owner');
    END IF;

    -- A second restaurant asks to be linked; it signs in with the demo password.
    INSERT INTO users (email, password_hash, role, first_name, last_name, company_name)
    SELECT 'restaurant2@example.com', password_hash, 'consumer', 'Rita', 'Demo',
           'Rita''s Bistro'
      FROM users WHERE id = con
    ON CONFLICT DO NOTHING;
    SELECT id INTO con2 FROM users WHERE lower(email) = 'restaurant2@example.com';
    IF con2 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM consumer_links
                                         WHERE consumer_id = con2 AND supplier_id = sup) THEN
        PERFORM scp_link_request(con2, sup, 'New bistro opening next month.');
    END IF;

    -- One pending order of two lines, priced and recorded as the API would.
    IF NOT EXISTS (SELECT 1 FROM catalog_orders WHERE consumer_id = con AND supplier_id = sup) THEN
        PERFORM scp_catalog_order_create(con, sup,
            ARRAY(SELECT id FROM products WHERE supplier_id = sup AND deleted_at IS NULL
                     AND sku IN ('FF-TOM-01', 'FF-LET-01') ORDER BY sku DESC),
            ARRAY[10, 4], 'Please deliver before 10 am.');
    END IF;
END $$;
