-- Auctions (SELLIKO): device listings with photos, admin review, live auctions, bids,
-- auction orders with their status history, field-agent tasks, watchers and views.
--
-- Every rule a race could break lives here: a bid is one function call that locks the
-- listing row, so bids on one auction are serialized and exactly one can win; the
-- closing sweep takes ended auctions with FOR UPDATE SKIP LOCKED; unique keys make a
-- second order or a second active task for the same thing impossible.  Money is BIGINT
-- minor units (paise); scp_au_money() turns it into the API's 2-decimal number.

CREATE TABLE listings (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id              uuid NOT NULL REFERENCES users(id),
    -- step 1: the device
    brand                  text NOT NULL,
    model                  text NOT NULL,
    storage                text NOT NULL,
    color                  text NOT NULL,
    condition              text NOT NULL CHECK (condition IN ('Excellent', 'Good', 'Fair', 'Poor')),
    -- step 2: technical details
    imei1                  text NOT NULL CHECK (imei1 ~ '^[0-9]{15}$'),
    imei2                  text CHECK (imei2 ~ '^[0-9]{15}$' AND imei2 <> imei1),
    battery_health         int NOT NULL CHECK (battery_health BETWEEN 1 AND 100),
    asking_price           bigint NOT NULL CHECK (asking_price > 0),
    currency               text NOT NULL DEFAULT 'INR',
    description            text NOT NULL,
    -- step 3: photos (paths under media_dir) and warranty
    device_photos          text[] NOT NULL CHECK (cardinality(device_photos) BETWEEN 4 AND 6),
    thumbnails_at          timestamptz,          -- set by scp-worker once variants exist
    photo_urls             json NOT NULL,        -- derived by scp_listing_photos()
    photos                 json NOT NULL,
    bill_photo             text,                 -- under media_dir/private: never public
    has_warranty           boolean NOT NULL DEFAULT false,
    warranty_type          text,
    warranty_expiry        date,
    -- step 4: pickup
    street_address         text NOT NULL,
    city                   text NOT NULL,
    state                  text NOT NULL,
    pincode                text NOT NULL CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    landmark               text,
    pickup_time            text NOT NULL CHECK (pickup_time IN ('morning', 'afternoon', 'evening')),
    -- review and auction
    status                 text NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'live', 'rejected', 'sold', 'expired')),
    submitted_at           timestamptz NOT NULL DEFAULT now(),
    approved_at            timestamptz,
    approved_by            uuid REFERENCES users(id),
    rejected_at            timestamptz,
    rejected_by            uuid REFERENCES users(id),
    rejection_reason       text,
    auction_duration_hours int CHECK (auction_duration_hours BETWEEN 1 AND 168),
    auction_start_time     timestamptz,
    auction_end_time       timestamptz,
    starting_price         bigint,
    instant_win_price      bigint,
    current_bid            bigint,
    current_bid_id         uuid,
    current_bidder_id      uuid REFERENCES users(id),
    bid_count              int NOT NULL DEFAULT 0,
    winning_bid_id         uuid,
    closed_at              timestamptz,
    metadata               jsonb NOT NULL DEFAULT '{}',
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (status IN ('pending', 'rejected') OR
           (auction_end_time IS NOT NULL AND starting_price > 0
            AND instant_win_price >= starting_price)),
    CHECK (status <> 'rejected' OR rejection_reason IS NOT NULL),
    CHECK (status <> 'sold' OR winning_bid_id IS NOT NULL),
    CHECK (status <> 'expired' OR bid_count = 0),
    CHECK ((bid_count = 0) = (current_bid_id IS NULL))
);
CREATE INDEX listings_client_idx ON listings (client_id, submitted_at DESC);
CREATE INDEX listings_pending_idx ON listings (submitted_at) WHERE status = 'pending';
CREATE INDEX listings_live_end_idx ON listings (auction_end_time) WHERE status = 'live';
CREATE INDEX listings_live_new_idx ON listings (approved_at DESC) WHERE status = 'live';
CREATE INDEX listings_status_idx ON listings (status, submitted_at DESC);

-- The photos as the API shows them, kept on the row so that rendering a listing needs no
-- subquery (scp_listing_json stays inlinable): the URLs, and with each its thumbnail and
-- 800 px WebP once scp-worker made them.
CREATE FUNCTION scp_listing_photos() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.photo_urls := (SELECT json_agg('/media/' || p ORDER BY i)
                         FROM unnest(NEW.device_photos) WITH ORDINALITY u(p, i));
    NEW.photos := (SELECT json_agg(json_build_object(
                        'url', '/media/' || p,
                        'thumbnail_url', CASE WHEN NEW.thumbnails_at IS NOT NULL
                            THEN '/media/' || regexp_replace(p, '\.[a-z]+$', '') || '_thumb.jpg' END,
                        'medium_url', CASE WHEN NEW.thumbnails_at IS NOT NULL
                            THEN '/media/' || regexp_replace(p, '\.[a-z]+$', '') || '_800.webp' END)
                        ORDER BY i)
                     FROM unnest(NEW.device_photos) WITH ORDINALITY u(p, i));
    RETURN NEW;
END $$;
CREATE TRIGGER listings_photos BEFORE INSERT OR UPDATE OF device_photos, thumbnails_at
    ON listings FOR EACH ROW EXECUTE FUNCTION scp_listing_photos();

CREATE TABLE bids (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    listing_id      uuid NOT NULL REFERENCES listings(id),
    vendor_id       uuid NOT NULL REFERENCES users(id),
    amount          bigint NOT NULL CHECK (amount > 0),
    is_instant_win  boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    metadata        jsonb NOT NULL DEFAULT '{}'
);
-- Every accepted bid beats the one before it, so amounts are unique per auction, and
-- at most one bid of an auction is an instant win: both hold even if code were wrong.
CREATE UNIQUE INDEX bids_listing_amount_idx ON bids (listing_id, amount DESC);
CREATE UNIQUE INDEX bids_one_instant_win_idx ON bids (listing_id) WHERE is_instant_win;
CREATE INDEX bids_vendor_idx ON bids (vendor_id, created_at DESC);
ALTER TABLE listings ADD FOREIGN KEY (current_bid_id) REFERENCES bids(id),
                     ADD FOREIGN KEY (winning_bid_id) REFERENCES bids(id);

CREATE TABLE listing_watchers (
    listing_id  uuid NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (listing_id, user_id)
);
CREATE INDEX listing_watchers_user_idx ON listing_watchers (user_id);

-- View counters, sharded by database backend so that readers of one hot listing do not
-- queue on a single row lock; the count is the sum of the shards.
CREATE TABLE listing_views (
    listing_id  uuid NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    shard       smallint NOT NULL,
    n           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (listing_id, shard)
);

CREATE TABLE auction_orders (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    listing_id           uuid NOT NULL UNIQUE REFERENCES listings(id),
    winning_bid_id       uuid NOT NULL UNIQUE REFERENCES bids(id),
    client_id            uuid NOT NULL REFERENCES users(id),
    vendor_id            uuid NOT NULL REFERENCES users(id),
    agent_id             uuid REFERENCES users(id),
    final_price          bigint NOT NULL CHECK (final_price > 0),
    currency             text NOT NULL DEFAULT 'INR',
    commission_rate_bp   int NOT NULL CHECK (commission_rate_bp BETWEEN 0 AND 10000),
    commission_amount    bigint NOT NULL CHECK (commission_amount >= 0),
    agent_commission     bigint NOT NULL CHECK (agent_commission >= 0),
    platform_fee         bigint NOT NULL CHECK (platform_fee >= 0),
    status               text NOT NULL DEFAULT 'pending_pickup'
                              CHECK (status IN ('pending_pickup', 'picked_up', 'in_transit',
                                                'delivered', 'completed', 'cancelled')),
    pickup_scheduled_at  timestamptz,
    picked_up_at         timestamptz,
    in_transit_at        timestamptz,
    delivered_at         timestamptz,
    completed_at         timestamptz,
    cancelled_at         timestamptz,
    metadata             jsonb NOT NULL DEFAULT '{}',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auction_orders_client_idx ON auction_orders (client_id, created_at DESC);
CREATE INDEX auction_orders_vendor_idx ON auction_orders (vendor_id, created_at DESC);
CREATE INDEX auction_orders_agent_idx ON auction_orders (agent_id, created_at DESC);
CREATE INDEX auction_orders_status_idx ON auction_orders (status, created_at DESC);

CREATE TABLE auction_order_history (
    id          bigserial PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES auction_orders(id),
    status      text NOT NULL,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by  uuid REFERENCES users(id),     -- NULL: the system (auction closing)
    notes       text,
    lat         numeric(9, 6) CHECK (lat BETWEEN -90 AND 90),
    lng         numeric(9, 6) CHECK (lng BETWEEN -180 AND 180)
);
CREATE INDEX auction_order_history_idx ON auction_order_history (order_id, id);

CREATE TABLE agent_tasks (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id             uuid NOT NULL REFERENCES users(id),
    listing_id           uuid NOT NULL REFERENCES listings(id),
    order_id             uuid REFERENCES auction_orders(id),
    type                 text NOT NULL DEFAULT 'pickup'
                              CHECK (type IN ('pickup', 'delivery', 'verification')),
    priority             text NOT NULL DEFAULT 'normal' CHECK (priority IN ('high', 'normal', 'low')),
    description          text,
    status               text NOT NULL DEFAULT 'assigned'
                              CHECK (status IN ('assigned', 'accepted', 'in_progress',
                                                'completed', 'failed')),
    assigned_by          uuid REFERENCES users(id),
    assigned_at          timestamptz NOT NULL DEFAULT now(),
    scheduled_at         timestamptz,
    accepted_at          timestamptz,
    started_at           timestamptz,
    completed_at         timestamptz,
    failed_at            timestamptz,
    failure_reason       text,
    notes                text,
    verification_photos  text[] NOT NULL DEFAULT '{}',
    commission_amount    bigint NOT NULL DEFAULT 0 CHECK (commission_amount >= 0),
    is_paid              boolean NOT NULL DEFAULT false,
    metadata             jsonb NOT NULL DEFAULT '{}',
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- One open task of a kind per listing: a concurrent second assignment loses.
CREATE UNIQUE INDEX agent_tasks_one_open_idx ON agent_tasks (listing_id, type)
    WHERE status IN ('assigned', 'accepted', 'in_progress');
CREATE INDEX agent_tasks_agent_idx ON agent_tasks (agent_id, assigned_at DESC);
CREATE INDEX agent_tasks_order_idx ON agent_tasks (order_id);

-- ---- JSON views --------------------------------------------------------------------

-- Minor units as the API's decimal number with two places (25000.00).
CREATE FUNCTION scp_au_money(bigint) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT ($1::numeric / 100)::numeric(20, 2)
$$;
-- The same for sums (sum(bigint) is numeric).
CREATE FUNCTION scp_au_money(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT ($1 / 100)::numeric(20, 2)
$$;

-- j with the members of the object extra appended (json keeps its key order; jsonb's ||
-- would sort them).
CREATE FUNCTION scp_au_extend(j json, extra json) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN extra::text = '{}' THEN j
                ELSE (left(j::text, -1) || ',' || substr(extra::text, 2))::json END
$$;

-- The smallest bid a live listing accepts now.  The instant-win price is always
-- reachable: a bid at it wins even when it is less than a full increment above the
-- current highest.
CREATE FUNCTION scp_au_min_next(l listings, p_increment bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN l.current_bid IS NULL THEN least(l.starting_price, l.instant_win_price)
                ELSE least(l.current_bid + p_increment, l.instant_win_price) END
$$;

-- The listing as the API shows it.  p_private: the owner, an admin or the agent of its
-- pickup also see the IMEIs, the full pickup address and the bill.  The counters come
-- from the caller, so that the body has no subquery and PostgreSQL inlines it into the
-- lists (a SQL function with a subquery is run call by call, 2-3 times slower).
-- json_build_object takes at most 100 arguments: this one has 46 keys; to add more than
-- four, build a second object and join them with scp_au_extend().
CREATE FUNCTION scp_listing_json(l listings, p_private boolean, p_increment bigint,
                                 p_views bigint, p_watchers bigint, p_watching boolean)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', l.id, 'client_id', l.client_id,
        'brand', l.brand, 'model', l.model, 'storage', l.storage, 'color', l.color,
        'condition', l.condition,
        'imei1', CASE WHEN p_private THEN l.imei1 END,
        'imei2', CASE WHEN p_private THEN l.imei2 END,
        'battery_health', l.battery_health,
        'asking_price', scp_au_money(l.asking_price), 'currency', l.currency,
        'description', l.description,
        'device_photos', l.photo_urls, 'photos', l.photos,
        'thumbnails_ready', l.thumbnails_at IS NOT NULL,
        'has_bill', l.bill_photo IS NOT NULL,
        'bill_photo', CASE WHEN p_private AND l.bill_photo IS NOT NULL
                           THEN '/api/v1/listings/' || l.id || '/bill' END,
        'has_warranty', l.has_warranty, 'warranty_type', l.warranty_type,
        'warranty_expiry', l.warranty_expiry,
        'pickup_address', CASE WHEN p_private THEN json_build_object(
            'street_address', l.street_address, 'city', l.city, 'state', l.state,
            'pincode', l.pincode, 'landmark', l.landmark)
            ELSE json_build_object('city', l.city, 'state', l.state) END,
        'pickup_time', CASE WHEN p_private THEN l.pickup_time END,
        'status', l.status, 'submitted_at', l.submitted_at,
        'approved_at', l.approved_at, 'approved_by', CASE WHEN p_private THEN l.approved_by END,
        'rejected_at', l.rejected_at,
        'rejection_reason', CASE WHEN p_private THEN l.rejection_reason END,
        'auction_duration_hours', l.auction_duration_hours,
        'auction_start_time', l.auction_start_time, 'auction_end_time', l.auction_end_time,
        'starting_price', scp_au_money(l.starting_price),
        'instant_win_price', scp_au_money(l.instant_win_price),
        'current_bid', scp_au_money(l.current_bid),
        'bid_count', l.bid_count, 'total_bids', l.bid_count,
        'min_next_bid', CASE WHEN l.status = 'live'
                             THEN scp_au_money(scp_au_min_next(l, p_increment)) END,
        'time_left', CASE WHEN l.status = 'live' THEN greatest(0,
            floor(extract(epoch FROM l.auction_end_time - now()) / 60))::int END,
        'time_left_seconds', CASE WHEN l.status = 'live' THEN greatest(0,
            floor(extract(epoch FROM l.auction_end_time - now())))::int END,
        'winning_bid_id', l.winning_bid_id, 'closed_at', l.closed_at,
        'views', p_views, 'watcher_count', p_watchers, 'is_watching', p_watching,
        'updated_at', l.updated_at)
$$;

-- Its views, watchers and whether p_viewer watches it.
CREATE FUNCTION scp_listing_views(p_id uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(n), 0)::bigint FROM listing_views WHERE listing_id = p_id
$$;
CREATE FUNCTION scp_listing_watchers(p_id uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM listing_watchers WHERE listing_id = p_id
$$;
CREATE FUNCTION scp_listing_watching(p_id uuid, p_viewer uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_viewer IS NOT NULL AND EXISTS (SELECT 1 FROM listing_watchers
                                            WHERE listing_id = p_id AND user_id = p_viewer)
$$;

-- The same for one listing, counters included (single-row answers).
CREATE FUNCTION scp_listing_json(l listings, p_private boolean, p_viewer uuid,
                                 p_increment bigint)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT scp_listing_json(l, p_private, p_increment, scp_listing_views(l.id),
                            scp_listing_watchers(l.id), scp_listing_watching(l.id, p_viewer))
$$;

-- A bid as the API shows it.  The bidder's id is shown to admins and to the bidder.
CREATE FUNCTION scp_bid_json(b bids, l listings, p_viewer uuid, p_admin boolean)
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

CREATE FUNCTION scp_task_json(t agent_tasks) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', t.id, 'agent_id', t.agent_id, 'listing_id', t.listing_id,
        'order_id', t.order_id, 'type', t.type, 'priority', t.priority,
        'description', t.description, 'status', t.status,
        'client_contact', (SELECT json_build_object(
            'name', nullif(concat_ws(' ', u.first_name, u.last_name), ''),
            'phone', u.phone_number,
            'address', concat_ws(', ', l.street_address, l.landmark, l.city, l.state, l.pincode))
            FROM listings l JOIN users u ON u.id = l.client_id WHERE l.id = t.listing_id),
        'pickup_time', (SELECT l.pickup_time FROM listings l WHERE l.id = t.listing_id),
        'device', (SELECT json_build_object('brand', l.brand, 'model', l.model,
                       'storage', l.storage, 'color', l.color, 'imei1', l.imei1)
                   FROM listings l WHERE l.id = t.listing_id),
        'order_status', (SELECT o.status FROM auction_orders o WHERE o.id = t.order_id),
        'assigned_at', t.assigned_at, 'scheduled_at', t.scheduled_at,
        'accepted_at', t.accepted_at, 'started_at', t.started_at,
        'completed_at', t.completed_at, 'failed_at', t.failed_at,
        'failure_reason', t.failure_reason, 'notes', t.notes,
        'verification_photos', to_json(t.verification_photos),
        'commission_amount', scp_au_money(t.commission_amount),
        'commission_earned', scp_au_money(CASE WHEN t.status = 'completed'
                                               THEN t.commission_amount ELSE 0 END),
        'is_paid', t.is_paid, 'updated_at', t.updated_at)
$$;

CREATE FUNCTION scp_auction_order_json(o auction_orders) RETURNS json
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
        'status', o.status,
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

-- ---- listing submission and review -------------------------------------------------

-- Insert a listing from the checked fields of a submission (one JSON document) and, in
-- the same transaction, queue the thumbnails and the listing_submitted event.
CREATE FUNCTION scp_listing_submit(p_client uuid, p jsonb, p_increment bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
BEGIN
    INSERT INTO listings (client_id, brand, model, storage, color, condition, imei1, imei2,
                          battery_health, asking_price, description, device_photos,
                          bill_photo, has_warranty, warranty_type, warranty_expiry,
                          street_address, city, state, pincode, landmark, pickup_time)
    SELECT p_client, x.brand, x.model, x.storage, x.color, x.condition, x.imei1, x.imei2,
           x.battery_health, x.asking_price, x.description,
           ARRAY(SELECT jsonb_array_elements_text(p->'device_photos')),
           x.bill_photo, x.has_warranty, x.warranty_type, x.warranty_expiry,
           x.street_address, x.city, x.state, x.pincode, x.landmark, x.pickup_time
      FROM jsonb_to_record(p) AS x(brand text, model text, storage text, color text,
           condition text, imei1 text, imei2 text, battery_health int, asking_price bigint,
           description text, bill_photo text, has_warranty boolean, warranty_type text,
           warranty_expiry date, street_address text, city text, state text, pincode text,
           landmark text, pickup_time text)
    RETURNING * INTO l;
    PERFORM scp_job_enqueue('listing_thumbnails',
        jsonb_build_object('listing_id', l.id, 'photos', to_jsonb(l.device_photos)));
    PERFORM scp_job_enqueue('listing_submitted',
        jsonb_build_object('listing_id', l.id, 'client_id', l.client_id,
                           'topic', '/ws/admin', 'brand', l.brand, 'model', l.model));
    RETURN scp_listing_json(l, true, p_client, p_increment);
END $$;

-- Approve a pending listing: it goes live for p_hours, and an auction_ending job is
-- queued p_notice seconds before its end.
CREATE FUNCTION scp_listing_approve(p_id uuid, p_admin uuid, p_hours int, p_start bigint,
                                    p_instant bigint, p_start_percent int,
                                    p_increment bigint, p_notice int)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
BEGIN
    SELECT * INTO l FROM listings WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'listing not found';
    END IF;
    IF l.status <> 'pending' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot move from %s to live', l.status);
    END IF;
    -- By default the seller's asking price wins at once, and bidding opens at
    -- auction_start_percent of it.
    p_instant := coalesce(p_instant, l.asking_price);
    p_start := coalesce(p_start, least(p_instant,
                        greatest(1, (l.asking_price * p_start_percent + 50) / 100)));
    IF p_start > p_instant THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'starting_price',
            MESSAGE = 'must not exceed the instant-win price';
    END IF;
    UPDATE listings SET status = 'live', approved_at = now(), approved_by = p_admin,
           auction_duration_hours = p_hours, auction_start_time = now(),
           auction_end_time = now() + make_interval(hours => p_hours),
           starting_price = p_start, instant_win_price = p_instant, updated_at = now()
     WHERE id = p_id RETURNING * INTO l;
    PERFORM scp_job_enqueue('auction_ending',
        jsonb_build_object('listing_id', l.id, 'auction_end_time', l.auction_end_time,
                           'topic', '/ws/listings/' || l.id),
        greatest(now(), l.auction_end_time - make_interval(secs => p_notice)));
    PERFORM scp_job_enqueue('listing_approved',
        jsonb_build_object('listing_id', l.id, 'user_id', l.client_id,
                           'topic', '/ws/users/' || l.client_id,
                           'auction_end_time', l.auction_end_time));
    RETURN scp_listing_json(l, true, p_admin, p_increment);
END $$;

CREATE FUNCTION scp_listing_reject(p_id uuid, p_admin uuid, p_reason text, p_increment bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
BEGIN
    SELECT * INTO l FROM listings WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'listing not found';
    END IF;
    IF l.status <> 'pending' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot move from %s to rejected', l.status);
    END IF;
    UPDATE listings SET status = 'rejected', rejected_at = now(), rejected_by = p_admin,
           rejection_reason = p_reason, updated_at = now()
     WHERE id = p_id RETURNING * INTO l;
    PERFORM scp_job_enqueue('listing_rejected',
        jsonb_build_object('listing_id', l.id, 'user_id', l.client_id,
                           'topic', '/ws/users/' || l.client_id, 'reason', p_reason));
    RETURN scp_listing_json(l, true, p_admin, p_increment);
END $$;

-- ---- bids, orders, closing ---------------------------------------------------------

-- The order of a won auction, with its first status_history entry.
CREATE FUNCTION scp_auction_order_create(l listings, p_bid bids, p_rate_bp int,
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

-- Place a bid.  The listing row is locked, so the bids of one auction run one after
-- the other: each sees the last one's result, and only one can win.  The deadline is
-- checked with the clock after the lock is held: a bid that waited on the lock past
-- the end, or on the closing sweep, is refused.
CREATE FUNCTION scp_bid_place(p_listing uuid, p_vendor uuid, p_amount bigint,
                              p_increment bigint, p_rate_bp int, p_agent bigint, p_fee bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
    b bids;
    minimum bigint;
    win boolean;
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
    minimum := scp_au_min_next(l, p_increment);
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
        PERFORM scp_auction_order_create(l, b, p_rate_bp, p_agent, p_fee, 'instant win');
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
                                 THEN scp_au_money(scp_au_min_next(l, p_increment)) END,
            'auction_end_time', l.auction_end_time)));
END $$;

-- Close ended auctions (scp-worker, every second or so): sold to the highest bid, with
-- its order, or expired without bids.  Rows a bid holds are skipped and taken on the
-- next pass.  Returns how many were closed.
CREATE FUNCTION scp_auction_close_due(p_rate_bp int, p_agent bigint, p_fee bigint,
                                      p_limit int)
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
            PERFORM scp_auction_order_create(l, b, p_rate_bp, p_agent, p_fee,
                                             'auction closed');
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- ---- auction orders and agent tasks ------------------------------------------------

-- Move an auction order.  p_role decides which moves are allowed (agent: pickup to
-- delivery, only with an open task on it; vendor: its own order, delivered → completed;
-- admin: completed and cancelled).  Visibility failures answer 404, a wrong role 403,
-- a move the state machine forbids 409.
CREATE FUNCTION scp_auction_order_move(p_id uuid, p_user uuid, p_role text, p_status text,
                                       p_notes text, p_lat numeric, p_lng numeric)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    o auction_orders;
    allowed boolean;
    nxt text;
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
    nxt := CASE o.status WHEN 'pending_pickup' THEN 'picked_up'
                         WHEN 'picked_up' THEN 'in_transit'
                         WHEN 'in_transit' THEN 'delivered'
                         WHEN 'delivered' THEN 'completed' END;
    -- nxt is NULL from a final state: IS DISTINCT FROM, never a NULL comparison.
    IF p_status IS DISTINCT FROM nxt AND NOT (p_status = 'cancelled'
            AND o.status IN ('pending_pickup', 'picked_up', 'in_transit')) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot move from %s to %s', o.status, p_status);
    END IF;
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

-- Assign a pickup agent to a sold listing's open order.
CREATE FUNCTION scp_agent_assign(p_listing uuid, p_agent uuid, p_admin uuid, p_priority text,
                                 p_notes text, p_scheduled timestamptz)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
    o auction_orders;
    t agent_tasks;
BEGIN
    SELECT * INTO l FROM listings WHERE id = p_listing;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'listing not found';
    END IF;
    PERFORM 1 FROM users WHERE id = p_agent AND role = 'agent' AND status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'agent_id',
            MESSAGE = 'must be an active agent';
    END IF;
    SELECT * INTO o FROM auction_orders WHERE listing_id = p_listing FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot assign a pickup to a %s listing: it has no order yet',
                             l.status);
    END IF;
    IF o.status NOT IN ('pending_pickup', 'picked_up', 'in_transit') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot assign a pickup to a %s order', o.status);
    END IF;
    INSERT INTO agent_tasks (agent_id, listing_id, order_id, type, priority, description,
                             assigned_by, scheduled_at, commission_amount)
        VALUES (p_agent, l.id, o.id, 'pickup', p_priority,
                coalesce(p_notes, format('Pick up %s %s (%s) in %s, %s slot', l.brand,
                         l.model, l.storage, l.city, l.pickup_time)),
                p_admin, p_scheduled, o.agent_commission)
        RETURNING * INTO t;
    UPDATE auction_orders SET agent_id = p_agent, updated_at = now(),
           pickup_scheduled_at = coalesce(p_scheduled, pickup_scheduled_at)
     WHERE id = o.id;
    PERFORM scp_job_enqueue('task_assigned',
        jsonb_build_object('task_id', t.id, 'agent_id', p_agent, 'priority', t.priority,
                           'listing_id', l.id, 'order_id', o.id,
                           'topic', '/ws/users/' || p_agent));
    RETURN scp_task_json(t);
END $$;

-- Move an agent's own task: accept, start, complete (only once its order is
-- delivered: the commission is earned for a finished pickup), fail (the order is free
-- to be assigned again).
CREATE FUNCTION scp_agent_task_move(p_id uuid, p_agent uuid, p_to text, p_notes text,
                                    p_photos text[], p_reason text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    t agent_tasks;
    ostatus text;
    frm text;
BEGIN
    SELECT * INTO t FROM agent_tasks WHERE id = p_id AND agent_id = p_agent FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'task not found';
    END IF;
    frm := CASE p_to WHEN 'accepted' THEN 'assigned' WHEN 'in_progress' THEN 'accepted'
                     ELSE 'in_progress' END;
    IF t.status <> frm THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot move from %s to %s', t.status, p_to);
    END IF;
    IF p_to = 'completed' AND t.order_id IS NOT NULL THEN
        SELECT status INTO ostatus FROM auction_orders WHERE id = t.order_id;
        IF ostatus NOT IN ('delivered', 'completed') THEN
            RAISE EXCEPTION USING ERRCODE = 'SC409',
                MESSAGE = format('cannot move from in_progress to completed: the order is %s, '
                                 'not delivered', ostatus);
        END IF;
    END IF;
    UPDATE agent_tasks SET status = p_to, updated_at = now(),
           accepted_at = CASE WHEN p_to = 'accepted' THEN now() ELSE accepted_at END,
           started_at = CASE WHEN p_to = 'in_progress' THEN now() ELSE started_at END,
           completed_at = CASE WHEN p_to = 'completed' THEN now() ELSE completed_at END,
           failed_at = CASE WHEN p_to = 'failed' THEN now() ELSE failed_at END,
           failure_reason = CASE WHEN p_to = 'failed' THEN p_reason ELSE failure_reason END,
           notes = coalesce(p_notes, notes),
           verification_photos = coalesce(p_photos, verification_photos)
     WHERE id = p_id RETURNING * INTO t;
    IF p_to = 'failed' THEN
        UPDATE auction_orders SET agent_id = NULL, updated_at = now()
         WHERE id = t.order_id AND agent_id = p_agent;
    END IF;
    RETURN scp_task_json(t);
END $$;

-- ---- administration ----------------------------------------------------------------

-- Change a user's role or status.  Banning (any status but active) revokes every
-- session in the same transaction; the router's per-request session check then refuses
-- the user's tokens at once.  Admins cannot ban or demote themselves, and supplier
-- staff roles stay with their supplier.
CREATE FUNCTION scp_admin_user_update(p_id uuid, p_admin uuid, p_role text, p_status text)
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
CREATE FUNCTION scp_admin_dashboard() RETURNS json LANGUAGE sql STABLE AS $$
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
CREATE INDEX bids_created_idx ON bids (created_at DESC);
