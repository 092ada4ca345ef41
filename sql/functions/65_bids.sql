-- Bids and the closing of ended auctions.  A bid is one function call that locks the
-- listing row, so bids on one auction are serialized and exactly one can win; the
-- closing sweep takes ended auctions with FOR UPDATE SKIP LOCKED.

-- A bid as the API shows it.  The bidder's id is shown to admins and to the bidder.
CREATE OR REPLACE FUNCTION scp_bid_json(b bids, l listings, p_viewer uuid, p_admin boolean)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', b.id, 'listing_id', b.listing_id,
        'vendor_id', CASE WHEN p_admin OR b.vendor_id = p_viewer THEN b.vendor_id END,
        'amount', scp_au_money(b.amount), 'is_instant_win', b.is_instant_win,
        'is_winning', b.id = l.current_bid_id,
        'is_mine', coalesce(b.vendor_id = p_viewer, false),
        'status', CASE WHEN l.status = 'live' THEN 'active'
                       WHEN b.id = l.winning_bid_id THEN 'won' ELSE 'lost' END,
        'timestamp', b.created_at, 'created_at', b.created_at)
$$;

-- Place a bid.  The listing row is locked, so the bids of one auction run one after
-- the other: each sees the last one's result, and only one can win.  The deadline is
-- checked with the clock after the lock is held: a bid that waited on the lock past
-- the end, or on the closing sweep, is refused.  The increment and an order's money
-- are the settings bid_min_increment, auction_commission_bp, agent_commission and
-- platform_fee.
CREATE OR REPLACE FUNCTION scp_bid_place(p_listing uuid, p_vendor uuid, p_amount bigint,
                                         p_increment bigint, p_rate_bp int, p_agent bigint,
                                         p_fee bigint)
    -- unused: p_increment, p_rate_bp, p_agent, p_fee (the settings above), removed with
    -- their C caller
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
    b bids;
    minimum bigint;
    win boolean;
    increment bigint := scp_setting_int('bid_min_increment');
BEGIN
    SELECT * INTO l FROM listings WHERE id = p_listing FOR UPDATE;
    IF NOT FOUND OR l.status IN ('pending', 'rejected') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'listing not found';
    END IF;
    IF l.status <> 'live' OR l.auction_end_time <= clock_timestamp() THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('the auction has ended (listing is %s)',
                             CASE WHEN l.status = 'live' THEN 'closing' ELSE l.status END);
    END IF;
    minimum := scp_au_min_next(l, increment);
    IF p_amount < minimum THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'amount',
            MESSAGE = format('must be at least %s', scp_au_money(minimum));
    END IF;
    win := p_amount >= l.instant_win_price;
    INSERT INTO bids (listing_id, vendor_id, amount, is_instant_win)
        VALUES (p_listing, p_vendor, p_amount, win) RETURNING * INTO b;
    UPDATE listings SET current_bid = p_amount, current_bid_id = b.id,
           current_bidder_id = p_vendor, bid_count = bid_count + 1, updated_at = now(),
           status = CASE WHEN win THEN 'sold' ELSE 'live' END,
           winning_bid_id = CASE WHEN win THEN b.id END,
           closed_at = CASE WHEN win THEN now() END
     WHERE id = p_listing RETURNING * INTO l;
    IF win THEN
        PERFORM scp_auction_order_create(l, b, scp_setting_int('auction_commission_bp')::int,
                                         scp_setting_int('agent_commission'),
                                         scp_setting_int('platform_fee'), 'instant win');
    ELSE
        PERFORM scp_job_enqueue('new_bid',
            jsonb_build_object('listing_id', l.id, 'bid_id', b.id,
                               'amount', scp_au_money(b.amount),
                               'new_highest_bid', scp_au_money(l.current_bid),
                               'total_bids', l.bid_count, 'topic', '/ws/listings/' || l.id));
    END IF;
    RETURN scp_au_extend(scp_bid_json(b, l, p_vendor, false), json_build_object(
        'message', CASE WHEN win THEN 'instant win: the auction is yours'
                        ELSE 'bid placed; you are the highest bidder' END,
        'listing', json_build_object('id', l.id, 'status', l.status,
            'current_bid', scp_au_money(l.current_bid), 'bid_count', l.bid_count,
            'min_next_bid', CASE WHEN l.status = 'live'
                                 THEN scp_au_money(scp_au_min_next(l, increment)) END,
            'auction_end_time', l.auction_end_time)));
END $$;

-- Close ended auctions (scp-worker, every second or so): sold to the highest bid, with
-- its order, or expired without bids.  Rows a bid holds are skipped and taken on the
-- next pass.  Returns how many were closed.  An order's money: the settings
-- auction_commission_bp, agent_commission, platform_fee.
CREATE OR REPLACE FUNCTION scp_auction_close_due(p_rate_bp int, p_agent bigint, p_fee bigint,
                                                 p_limit int)
    -- unused: p_rate_bp, p_agent, p_fee (the settings above), removed with their C caller
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    l listings;
    b bids;
    n int := 0;
BEGIN
    FOR l IN SELECT * FROM listings
              WHERE status = 'live' AND auction_end_time <= clock_timestamp()
              ORDER BY auction_end_time LIMIT p_limit
              FOR UPDATE SKIP LOCKED
    LOOP
        IF l.current_bid_id IS NULL THEN
            UPDATE listings SET status = 'expired', closed_at = now(), updated_at = now()
             WHERE id = l.id;
            PERFORM scp_job_enqueue('auction_expired',
                jsonb_build_object('listing_id', l.id, 'user_id', l.client_id,
                                   'topic', '/ws/listings/' || l.id));
        ELSE
            SELECT * INTO b FROM bids WHERE id = l.current_bid_id;
            UPDATE listings SET status = 'sold', winning_bid_id = b.id, closed_at = now(),
                   updated_at = now()
             WHERE id = l.id RETURNING * INTO l;
            PERFORM scp_auction_order_create(l, b,
                scp_setting_int('auction_commission_bp')::int, scp_setting_int('agent_commission'),
                scp_setting_int('platform_fee'), 'auction closed');
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
