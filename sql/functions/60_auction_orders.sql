-- Auction orders: the order of a won auction and its status machine.

-- The order as the API shows it, with its status history.
CREATE OR REPLACE FUNCTION scp_auction_order_json(o auction_orders) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', o.id, 'listing_id', o.listing_id, 'winning_bid_id', o.winning_bid_id,
        'client_id', o.client_id, 'vendor_id', o.vendor_id, 'agent_id', o.agent_id,
        'final_price', scp_au_money(o.final_price), 'currency', o.currency,
        'commission_rate', (o.commission_rate_bp::numeric / 100)::numeric(6, 2),
        'commission_amount', scp_au_money(o.commission_amount),
        'agent_commission', scp_au_money(o.agent_commission),
        'platform_fee', scp_au_money(o.platform_fee),
        'seller_payout', scp_au_money(o.final_price - o.commission_amount),
        'buyer_total', scp_au_money(o.final_price + o.platform_fee),
        'status', o.status, 'payment_status', o.payment_status,
        'status_history', (SELECT json_agg(json_build_object(
                'status', h.status, 'timestamp', h.at, 'updated_by', h.updated_by,
                'notes', h.notes,
                'location', CASE WHEN h.lat IS NOT NULL
                                 THEN json_build_object('lat', h.lat, 'lng', h.lng) END)
                ORDER BY h.id)
            FROM auction_order_history h WHERE h.order_id = o.id),
        'pickup_scheduled_at', o.pickup_scheduled_at, 'picked_up_at', o.picked_up_at,
        'in_transit_at', o.in_transit_at, 'delivered_at', o.delivered_at,
        'completed_at', o.completed_at, 'cancelled_at', o.cancelled_at,
        'created_at', o.created_at, 'updated_at', o.updated_at)
$$;

-- The order of a won auction, with its first status_history entry.
CREATE OR REPLACE FUNCTION scp_auction_order_create(l listings, p_bid bids, p_rate_bp int,
                                                    p_agent bigint, p_fee bigint, p_note text)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    oid uuid;
BEGIN
    INSERT INTO auction_orders (listing_id, winning_bid_id, client_id, vendor_id,
                                final_price, currency, commission_rate_bp,
                                commission_amount, agent_commission, platform_fee)
        VALUES (l.id, p_bid.id, l.client_id, p_bid.vendor_id, p_bid.amount, l.currency,
                p_rate_bp, (p_bid.amount * p_rate_bp + 5000) / 10000, p_agent, p_fee)
        RETURNING id INTO oid;
    INSERT INTO auction_order_history (order_id, status, notes)
        VALUES (oid, 'pending_pickup', p_note);
    PERFORM scp_job_enqueue('auction_won',
        jsonb_build_object('listing_id', l.id, 'order_id', oid, 'bid_id', p_bid.id,
                           'vendor_id', p_bid.vendor_id, 'client_id', l.client_id,
                           'amount', scp_au_money(p_bid.amount),
                           'topic', '/ws/listings/' || l.id));
    RETURN oid;
END $$;

-- Move an auction order.  p_role decides who may move it where (agent: pickup to
-- delivery, only with an open task on it; vendor: its own order, to completed; admin:
-- completed and cancelled); state_moves decides which moves exist.  Visibility failures
-- answer 404, a wrong role 403, a move the state machine forbids 409.
CREATE OR REPLACE FUNCTION scp_auction_order_move(p_id uuid, p_user uuid, p_role text,
                                                  p_status text, p_notes text, p_lat numeric,
                                                  p_lng numeric)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    o auction_orders;
    allowed boolean;
BEGIN
    SELECT * INTO o FROM auction_orders WHERE id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT (p_role = 'admin'
            OR (p_role = 'vendor' AND o.vendor_id = p_user)
            OR (p_role = 'client' AND o.client_id = p_user)
            OR (p_role = 'agent' AND EXISTS (SELECT 1 FROM agent_tasks t
                    WHERE t.order_id = o.id AND t.agent_id = p_user))) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'order not found';
    END IF;
    allowed := CASE p_status
        WHEN 'pending_pickup' THEN true     -- nobody can; the state check says why
        WHEN 'picked_up' THEN p_role = 'agent'
        WHEN 'in_transit' THEN p_role = 'agent'
        WHEN 'delivered' THEN p_role = 'agent'
        WHEN 'completed' THEN p_role IN ('vendor', 'admin')
        WHEN 'cancelled' THEN p_role = 'admin'
        ELSE false END;
    IF NOT allowed THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = format('the %s role may not move an order to %s', p_role, p_status);
    END IF;
    IF p_role = 'agent' AND NOT EXISTS (SELECT 1 FROM agent_tasks t
            WHERE t.order_id = o.id AND t.agent_id = p_user
              AND t.status IN ('accepted', 'in_progress')) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot move from %s to %s: accept the pickup task first',
                             o.status, p_status);
    END IF;
    PERFORM scp_state_check('auction_order', o.status, p_status);
    UPDATE auction_orders SET status = p_status, updated_at = now(),
           picked_up_at = CASE WHEN p_status = 'picked_up' THEN now() ELSE picked_up_at END,
           in_transit_at = CASE WHEN p_status = 'in_transit' THEN now() ELSE in_transit_at END,
           delivered_at = CASE WHEN p_status = 'delivered' THEN now() ELSE delivered_at END,
           completed_at = CASE WHEN p_status = 'completed' THEN now() ELSE completed_at END,
           cancelled_at = CASE WHEN p_status = 'cancelled' THEN now() ELSE cancelled_at END
     WHERE id = p_id RETURNING * INTO o;
    INSERT INTO auction_order_history (order_id, status, updated_by, notes, lat, lng)
        VALUES (o.id, p_status, p_user, p_notes, p_lat, p_lng);
    IF p_status = 'cancelled' THEN
        -- The field work of a cancelled order ends with it.
        UPDATE agent_tasks SET status = 'failed', failed_at = now(), updated_at = now(),
               failure_reason = 'order cancelled'
         WHERE order_id = o.id AND status IN ('assigned', 'accepted', 'in_progress');
    END IF;
    PERFORM scp_job_enqueue('order_updated',
        jsonb_build_object('order_id', o.id, 'status', o.status, 'listing_id', o.listing_id,
                           'client_id', o.client_id, 'vendor_id', o.vendor_id,
                           'topic', '/ws/users/' || o.vendor_id));
    RETURN scp_auction_order_json(o);
END $$;
