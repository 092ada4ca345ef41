-- Device listings: their photos and API document, submission, admin review.

-- The photos as the API shows them, kept on the row so that rendering a listing needs no
-- subquery (scp_listing_json stays inlinable): the URLs, and with each its thumbnail and
-- 800 px WebP once scp-worker made them.
CREATE OR REPLACE FUNCTION scp_listing_photos() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE TRIGGER listings_photos
    BEFORE INSERT OR UPDATE OF device_photos, thumbnails_at ON listings
    FOR EACH ROW EXECUTE FUNCTION scp_listing_photos();

-- The listing as the API shows it.  p_private: the owner, an admin or the agent of its
-- pickup also see the IMEIs, the full pickup address and the bill.  The counters come
-- from the caller, so that the body has no subquery and PostgreSQL inlines it into the
-- lists (a SQL function with a subquery is run call by call, 2-3 times slower).
-- min_next_bid takes the setting bid_min_increment.  json_build_object takes at most
-- 100 arguments: this one has 46 keys; to add more than four, build a second object and
-- join them with scp_au_extend().
-- The signature lost p_increment (the setting bid_min_increment is read instead).
DROP FUNCTION IF EXISTS scp_listing_json(listings, boolean, bigint, bigint, bigint, boolean);
CREATE OR REPLACE FUNCTION scp_listing_json(l listings, p_private boolean, p_views bigint,
                                            p_watchers bigint, p_watching boolean)
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
                             THEN scp_au_money(scp_au_min_next(l,
                                      scp_setting_int('bid_min_increment'))) END,
        'time_left', CASE WHEN l.status = 'live' THEN greatest(0,
            floor(extract(epoch FROM l.auction_end_time - now()) / 60))::int END,
        'time_left_seconds', CASE WHEN l.status = 'live' THEN greatest(0,
            floor(extract(epoch FROM l.auction_end_time - now())))::int END,
        'winning_bid_id', l.winning_bid_id, 'closed_at', l.closed_at,
        'views', p_views, 'watcher_count', p_watchers, 'is_watching', p_watching,
        'updated_at', l.updated_at)
$$;

-- Its views, watchers and whether p_viewer watches it.
CREATE OR REPLACE FUNCTION scp_listing_views(p_id uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(n), 0)::bigint FROM listing_views WHERE listing_id = p_id
$$;

CREATE OR REPLACE FUNCTION scp_listing_watchers(p_id uuid)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM listing_watchers WHERE listing_id = p_id
$$;

CREATE OR REPLACE FUNCTION scp_listing_watching(p_id uuid, p_viewer uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_viewer IS NOT NULL AND EXISTS (SELECT 1 FROM listing_watchers
                                            WHERE listing_id = p_id AND user_id = p_viewer)
$$;

-- The same for one listing, counters included (single-row answers).  The signature lost
-- p_increment.
DROP FUNCTION IF EXISTS scp_listing_json(listings, boolean, uuid, bigint);
CREATE OR REPLACE FUNCTION scp_listing_json(l listings, p_private boolean, p_viewer uuid)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT scp_listing_json(l, p_private, scp_listing_views(l.id),
                            scp_listing_watchers(l.id), scp_listing_watching(l.id, p_viewer))
$$;

-- Insert a listing from the checked fields of a submission (one JSON document) and, in
-- the same transaction, queue the thumbnails and the listing_submitted event.
-- The signature lost p_increment (the setting bid_min_increment is read instead).
DROP FUNCTION IF EXISTS scp_listing_submit(uuid, jsonb, bigint);
CREATE OR REPLACE FUNCTION scp_listing_submit(p_client uuid, p jsonb)
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
    RETURN scp_listing_json(l, true, p_client);
END $$;

-- A listing about to move to p_to: locked, 404 when there is none, 409 when the move
-- is not one of state_moves' (the admin's decisions share this).
CREATE OR REPLACE FUNCTION scp_listing_for_move(p_id uuid, p_to text) RETURNS listings
LANGUAGE plpgsql AS $$
DECLARE
    l listings;
BEGIN
    SELECT * INTO l FROM listings WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'listing not found';
    END IF;
    PERFORM scp_state_check('listing', l.status, p_to);
    RETURN l;
END $$;

-- Approve a pending listing: it goes live for p_hours, and an auction_ending job is
-- queued auction_ending_notice seconds before its end.
-- The signature lost p_start_percent, p_increment and p_notice (the settings
-- auction_start_percent, bid_min_increment, auction_ending_notice are read instead).
DROP FUNCTION IF EXISTS scp_listing_approve(uuid, uuid, int, bigint, bigint, int, bigint, int);
CREATE OR REPLACE FUNCTION scp_listing_approve(p_id uuid, p_admin uuid, p_hours int,
                                               p_start bigint, p_instant bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
BEGIN
    l := scp_listing_for_move(p_id, 'live');
    -- By default the seller's asking price wins at once, and bidding opens at
    -- auction_start_percent of it.
    p_instant := coalesce(p_instant, l.asking_price);
    p_start := coalesce(p_start, least(p_instant, greatest(1,
                        (l.asking_price * scp_setting_int('auction_start_percent') + 50) / 100)));
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
        greatest(now(), l.auction_end_time
                        - make_interval(secs => scp_setting_int('auction_ending_notice'))));
    PERFORM scp_job_enqueue('listing_approved',
        jsonb_build_object('listing_id', l.id, 'user_id', l.client_id,
                           'topic', '/ws/users/' || l.client_id,
                           'auction_end_time', l.auction_end_time));
    RETURN scp_listing_json(l, true, p_admin);
END $$;

-- The signature lost p_increment.
DROP FUNCTION IF EXISTS scp_listing_reject(uuid, uuid, text, bigint);
CREATE OR REPLACE FUNCTION scp_listing_reject(p_id uuid, p_admin uuid, p_reason text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
BEGIN
    l := scp_listing_for_move(p_id, 'rejected');
    UPDATE listings SET status = 'rejected', rejected_at = now(), rejected_by = p_admin,
           rejection_reason = p_reason, updated_at = now()
     WHERE id = p_id RETURNING * INTO l;
    PERFORM scp_job_enqueue('listing_rejected',
        jsonb_build_object('listing_id', l.id, 'user_id', l.client_id,
                           'topic', '/ws/users/' || l.client_id, 'reason', p_reason));
    RETURN scp_listing_json(l, true, p_admin);
END $$;

-- The marketplace's kept counts and version (030_marketplace.sql says why).  A live
-- listing counts in its (brand, condition) row; the version rises with every change of a
-- listing that is or was live, and of its watchers.  Lock order: the listing row (held
-- by the statement that changed it), then its count row, then the version shard, so no
-- two writers wait on each other in a circle (the closing sweep, which closes several
-- listings in one transaction, takes their count rows first, in key order).
CREATE OR REPLACE FUNCTION scp_market_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE market_versions SET n = n + 1 WHERE shard = pg_backend_pid() % 32;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION scp_market_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_live boolean := false;
    now_live boolean := false;
    moved boolean := false;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        was_live := OLD.status = 'live';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        now_live := NEW.status = 'live';
    END IF;
    IF was_live AND now_live THEN
        moved := lower(OLD.brand) <> lower(NEW.brand) OR OLD.condition <> NEW.condition;
    END IF;
    IF was_live AND (NOT now_live OR moved) THEN
        UPDATE market_counts SET live = live - 1
         WHERE brand_key = lower(OLD.brand) AND condition = OLD.condition;
    END IF;
    IF now_live AND (NOT was_live OR moved) THEN
        INSERT INTO market_counts AS c (brand_key, condition, live)
            VALUES (lower(NEW.brand), NEW.condition, 1)
            ON CONFLICT (brand_key, condition) DO UPDATE SET live = c.live + 1;
    END IF;
    UPDATE market_versions SET n = n + 1 WHERE shard = pg_backend_pid() % 32;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER listings_market_insert AFTER INSERT ON listings
    FOR EACH ROW WHEN (NEW.status = 'live') EXECUTE FUNCTION scp_market_count();
CREATE OR REPLACE TRIGGER listings_market_update AFTER UPDATE ON listings
    FOR EACH ROW WHEN (OLD.status = 'live' OR NEW.status = 'live')
    EXECUTE FUNCTION scp_market_count();
CREATE OR REPLACE TRIGGER listings_market_delete AFTER DELETE ON listings
    FOR EACH ROW WHEN (OLD.status = 'live') EXECUTE FUNCTION scp_market_count();
CREATE OR REPLACE TRIGGER listing_watchers_market AFTER INSERT OR DELETE ON listing_watchers
    FOR EACH ROW EXECUTE FUNCTION scp_market_version_bump();
