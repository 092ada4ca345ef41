-- Auctions (SELLIKO): device listings with photos, admin review, live auctions, bids,
-- auction orders with their status history, field-agent tasks, watchers and views.
--
-- Every rule a race could break lives here and in sql/functions/50_auctions.sql to
-- 80_admin.sql: a bid is one function call that locks the listing row, so bids on one
-- auction are serialized and exactly one can win; the closing sweep takes ended auctions
-- with FOR UPDATE SKIP LOCKED; unique keys make a second order or a second active task
-- for the same thing impossible.  Money is BIGINT minor units (paise); scp_au_money()
-- turns it into the API's 2-decimal number.

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
-- The admin dashboard's recent bids (scp_admin_dashboard).
CREATE INDEX bids_created_idx ON bids (created_at DESC);
