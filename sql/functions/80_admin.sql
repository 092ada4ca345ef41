-- Administration: users' roles and bans, the dashboard.

-- Change a user's role or status.  Banning (any status but active) revokes every
-- session in the same transaction; the router's per-request session check then refuses
-- the user's tokens at once.  Admins cannot ban or demote themselves, and supplier
-- staff roles stay with their supplier.
CREATE OR REPLACE FUNCTION scp_admin_user_update(p_id uuid, p_admin uuid, p_role text,
                                                 p_status text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'user not found';
    END IF;
    IF p_id = p_admin AND coalesce(p_status, 'active') <> 'active' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'status',
            MESSAGE = 'you cannot ban or deactivate yourself';
    END IF;
    IF p_id = p_admin AND coalesce(p_role, 'admin') <> 'admin' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'role',
            MESSAGE = 'you cannot change your own role';
    END IF;
    IF p_role IS NOT NULL AND p_role <> u.role AND u.supplier_id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'role',
            MESSAGE = 'supplier staff roles are managed by their supplier';
    END IF;
    UPDATE users SET role = coalesce(p_role, role), status = coalesce(p_status, status),
           updated_at = now()
     WHERE id = p_id RETURNING * INTO u;
    IF u.status <> 'active' THEN
        UPDATE sessions SET revoked_at = now(), revoked_reason = 'account ' || u.status
         WHERE user_id = p_id AND revoked_at IS NULL;
    END IF;
    RETURN scp_user_json(u);
END $$;

-- The admin dashboard: the seed's metrics and the 20 latest events.
CREATE OR REPLACE FUNCTION scp_admin_dashboard() RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'metrics', json_build_object(
            'pending_reviews', (SELECT count(*) FROM listings WHERE status = 'pending'),
            'available_agents', (SELECT count(*) FROM users u
                WHERE u.role = 'agent' AND u.status = 'active' AND NOT EXISTS (
                    SELECT 1 FROM agent_tasks t WHERE t.agent_id = u.id
                       AND t.status IN ('assigned', 'accepted', 'in_progress'))),
            'total_agents', (SELECT count(*) FROM users WHERE role = 'agent' AND status = 'active'),
            'active_listings', (SELECT count(*) FROM listings WHERE status = 'live'),
            'sold_listings', (SELECT count(*) FROM listings WHERE status = 'sold'),
            'expired_listings', (SELECT count(*) FROM listings WHERE status = 'expired'),
            'pending_assignments', (SELECT count(*) FROM auction_orders o
                WHERE o.status IN ('pending_pickup', 'picked_up', 'in_transit') AND NOT EXISTS (
                    SELECT 1 FROM agent_tasks t WHERE t.order_id = o.id
                       AND t.status IN ('assigned', 'accepted', 'in_progress'))),
            'open_orders', (SELECT count(*) FROM auction_orders
                WHERE status NOT IN ('completed', 'cancelled')),
            'completed_orders', (SELECT count(*) FROM auction_orders WHERE status = 'completed'),
            'total_revenue', scp_au_money((SELECT coalesce(sum(final_price), 0)
                FROM auction_orders WHERE status <> 'cancelled')),
            'platform_fees', scp_au_money((SELECT coalesce(sum(commission_amount + platform_fee), 0)
                FROM auction_orders WHERE status <> 'cancelled')),
            'total_users', (SELECT count(*) FROM users),
            'banned_users', (SELECT count(*) FROM users WHERE status = 'banned')),
        'recent_activity', coalesce((SELECT json_agg(json_build_object('type', a.type,
                'message', a.message, 'timestamp', a.ts) ORDER BY a.ts DESC) FROM (
            (SELECT 'listing_submitted' AS type, format('%s %s submitted for review in %s',
                    brand, model, city) AS message, submitted_at AS ts
               FROM listings ORDER BY submitted_at DESC LIMIT 20)
            UNION ALL
            (SELECT 'listing_approved', format('%s %s approved: auction until %s', brand,
                    model, to_char(auction_end_time, 'YYYY-MM-DD HH24:MI TZ')), approved_at
               FROM listings WHERE approved_at IS NOT NULL ORDER BY approved_at DESC LIMIT 20)
            UNION ALL
            (SELECT 'listing_rejected', format('%s %s rejected: %s', brand, model,
                    rejection_reason), rejected_at
               FROM listings WHERE rejected_at IS NOT NULL ORDER BY rejected_at DESC LIMIT 20)
            UNION ALL
            (SELECT CASE WHEN b.is_instant_win THEN 'instant_win' ELSE 'bid_placed' END,
                    format('bid of %s on %s %s', scp_au_money(b.amount), l.brand, l.model),
                    b.created_at
               FROM bids b JOIN listings l ON l.id = b.listing_id
              ORDER BY b.created_at DESC LIMIT 20)
            UNION ALL
            (SELECT 'order_' || h.status, format('order %s for %s %s: %s',
                    left(o.id::text, 8), l.brand, l.model, replace(h.status, '_', ' ')), h.at
               FROM auction_order_history h JOIN auction_orders o ON o.id = h.order_id
               JOIN listings l ON l.id = o.listing_id ORDER BY h.id DESC LIMIT 20)
            UNION ALL
            (SELECT 'task_' || t.status, format('pickup task for %s %s %s', l.brand, l.model,
                    replace(t.status, '_', ' ')), t.updated_at
               FROM agent_tasks t JOIN listings l ON l.id = t.listing_id
              ORDER BY t.updated_at DESC LIMIT 20)
            ORDER BY ts DESC LIMIT 20) a), '[]'::json))
$$;
