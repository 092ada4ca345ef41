-- The order's API document, rebuilt by the catalog_orders_view trigger on every insert
-- and update of an order.  As a SQL-language function called from that PL/pgSQL trigger,
-- PostgreSQL parsed and planned its body on every call (about a fifth of the database's
-- time when placing an order); as PL/pgSQL the query is planned once per session.  It
-- has no other caller, so no inlining is lost.
CREATE OR REPLACE FUNCTION scp_catalog_order_json(o catalog_orders) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT json_build_object('id', o.id, 'consumer_id', o.consumer_id,
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
            'created_at', o.created_at, 'updated_at', o.updated_at));
END $$;
