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

-- Why a bid was refused: the listing as it is now says it (404, 409, or 422 naming the
-- minimum).  Only called once the guarded update matched nothing; the minimum only
-- rises, so what refused the bid still refuses it.
CREATE OR REPLACE FUNCTION scp_bid_refused(p_listing uuid, p_amount bigint, p_increment bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
BEGIN
    SELECT * INTO l FROM listings WHERE id = p_listing;
    IF NOT FOUND OR l.status IN ('pending', 'rejected') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'listing not found';
    END IF;
    IF l.status <> 'live' OR l.auction_end_time <= clock_timestamp() THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('the auction has ended (listing is %s)',
                             CASE WHEN l.status = 'live' THEN 'closing' ELSE l.status END);
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'amount',
        MESSAGE = format('must be at least %s', scp_au_money(scp_au_min_next(l, p_increment)));
END $$;

-- Place a bid: one statement.  The guarded update of the listing decides it (live, not
-- past its end by the clock, at least the minimum): concurrent bids on one auction queue
-- on that row only, and each re-checks the guard against the row its predecessor left
-- (READ COMMITTED's re-evaluation of the WHERE), so exactly one of two equal bids wins
-- and an instant win closes the auction for everyone behind it.  The bid row, its
-- new_bid job (whose insert notifies scp-worker) or, for an instant win, the order and
-- auction_won, are written by the same statement; nothing runs between taking the lock
-- and the end of the statement but those inserts.  A refusal matched no row and wrote
-- nothing; scp_bid_refused() then says why.  The increment and an order's money are the
-- settings bid_min_increment, auction_commission_bp, agent_commission and platform_fee.
-- The signature lost p_increment, p_rate_bp, p_agent, p_fee (read as settings instead).
DROP FUNCTION IF EXISTS scp_bid_place(uuid, uuid, bigint, bigint, int, bigint, bigint);
CREATE OR REPLACE FUNCTION scp_bid_place(p_listing uuid, p_vendor uuid, p_amount bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    increment bigint := scp_setting_int('bid_min_increment');
    bid uuid := gen_random_uuid();
    answer json;
BEGIN
    WITH u AS (
        UPDATE listings x SET current_bid = p_amount, current_bid_id = bid,
               current_bidder_id = p_vendor, bid_count = x.bid_count + 1, updated_at = now(),
               status = CASE WHEN p_amount >= x.instant_win_price THEN 'sold' ELSE 'live' END,
               winning_bid_id = CASE WHEN p_amount >= x.instant_win_price THEN bid END,
               closed_at = CASE WHEN p_amount >= x.instant_win_price THEN now() END,
               last_bid_at = greatest(t.at, x.last_bid_at + interval '1 microsecond'),
               previous_bidder_id = x.current_bidder_id
          FROM (SELECT clock_timestamp() AS at) t
         WHERE x.id = p_listing AND x.status = 'live'
           AND x.auction_end_time > t.at
           AND p_amount >= scp_au_min_next(x, increment)
        RETURNING x AS l, x.last_bid_at AS at),
    -- The guard compares the bid's arrival with the end: a bid that arrived before the
    -- end is accepted, even when it waited for the row's lock.  Its row's time is that
    -- arrival, or just after the bid it had to beat if that one was recorded later (it
    -- took the lock first): an auction's bids in time order are its bids in amount order.
    i AS (
        INSERT INTO bids AS y (id, listing_id, vendor_id, amount, is_instant_win, created_at)
        SELECT bid, p_listing, p_vendor, p_amount, (u.l).status = 'sold', u.at FROM u
        RETURNING y AS b),
    -- The notifications of a bid that leaves the auction live, in one statement: the
    -- seller's bid_placed, and outbid to the bidder it beat unless that is the same
    -- vendor raising its own bid.  They ride in the job's payload from its insert; the
    -- jobs trigger does not handle new_bid.
    n AS (
        SELECT coalesce(scp_notify_each(
                   ARRAY[(u.l).client_id, nullif((u.l).previous_bidder_id, p_vendor)],
                   ARRAY['bid_placed', 'outbid'],
                   ARRAY['New bid on your listing', 'You have been outbid'],
                   ARRAY[format('A bid of %s was placed on your %s.', m.money, m.device),
                         format('A bid of %s beat yours on %s.', m.money, m.device)],
                   ARRAY[jsonb_build_object('listing_id', p_listing, 'bid_id', bid,
                                            'amount', scp_au_money(p_amount),
                                            'total_bids', (u.l).bid_count),
                         jsonb_build_object('listing_id', p_listing, 'bid_id', bid,
                                            'amount', scp_au_money(p_amount),
                                            'status', (u.l).status)],
                   ARRAY['normal', 'high'], p_listing), '[]') AS items
          FROM u, LATERAL (SELECT scp_notification_money((u.l).currency, p_amount) AS money,
                                  scp_notification_device(u.l) AS device) m
         WHERE (u.l).status = 'live'),
    e AS (
        INSERT INTO jobs (kind, payload)
        SELECT 'new_bid', jsonb_build_object('listing_id', p_listing, 'bid_id', bid,
                   'amount', scp_au_money(p_amount), 'new_highest_bid', scp_au_money(p_amount),
                   'total_bids', (u.l).bid_count, 'topic', '/ws/listings/' || p_listing,
                   'notifications', n.items)
          FROM u, n
        RETURNING 1),
    o AS (
        SELECT scp_auction_order_create(u.l, i.b,
                   scp_setting_int('auction_commission_bp')::int,
                   scp_setting_int('agent_commission'), scp_setting_int('platform_fee'),
                   'instant win') AS id
          FROM u, i WHERE (u.l).status = 'sold')
    SELECT scp_au_extend(scp_bid_json(i.b, u.l, p_vendor, false), json_build_object(
        'message', CASE WHEN (u.l).status = 'sold' THEN 'instant win: the auction is yours'
                        ELSE 'bid placed; you are the highest bidder' END,
        'listing', json_build_object('id', p_listing, 'status', (u.l).status,
            'current_bid', scp_au_money(p_amount), 'bid_count', (u.l).bid_count,
            'min_next_bid', CASE WHEN (u.l).status = 'live'
                                 THEN scp_au_money(scp_au_min_next(u.l, increment)) END,
            'auction_end_time', (u.l).auction_end_time)))
      INTO answer
      FROM u, i
     WHERE (SELECT count(*) FROM e) + (SELECT count(*) FROM o) = 1;
    RETURN coalesce(answer, scp_bid_refused(p_listing, p_amount, increment));
END $$;

-- Close ended auctions (scp-worker, every second or so): sold to the highest bid, with
-- its order, or expired without bids.  Rows a bid holds are skipped and taken on the
-- next pass.  Returns how many were closed.  The marketplace count rows of the batch are
-- locked first, in key order, so that two sweeps (several scp-workers) never wait on
-- each other's.  An order's money: the settings auction_commission_bp,
-- agent_commission, platform_fee.  The signature lost p_rate_bp, p_agent, p_fee.
DROP FUNCTION IF EXISTS scp_auction_close_due(int, bigint, bigint, int);
CREATE OR REPLACE FUNCTION scp_auction_close_due(p_limit int)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    due listings[];
    l listings;
    b bids;
    -- A value, not clock_timestamp() in the condition: a volatile function cannot bound
    -- an index scan, and the sweep read every live listing (8 ms at 4 000) each second.
    cutoff timestamptz := clock_timestamp();
BEGIN
    SELECT array_agg(x ORDER BY x.auction_end_time) INTO due
      FROM (SELECT * FROM listings
             WHERE status = 'live' AND auction_end_time <= cutoff
             ORDER BY auction_end_time LIMIT p_limit
             FOR UPDATE SKIP LOCKED) x;
    IF due IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM 1 FROM market_counts c
      WHERE (c.brand_key, c.condition) IN (SELECT lower(d.brand), d.condition
                                             FROM unnest(due) d)
      ORDER BY c.brand_key, c.condition FOR UPDATE;
    FOREACH l IN ARRAY due LOOP
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
    END LOOP;
    RETURN cardinality(due);
END $$;
