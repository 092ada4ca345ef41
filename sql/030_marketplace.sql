-- The marketplace's kept counts and version, and the indexes of its filtered pages.
--
-- A marketplace page shows the total of its matches.  Counting them per request reads
-- every live listing (4 000 index entries and heap visits for a page of 20); the counts
-- are kept here instead, per (brand, condition), so that the default page (the sum of
-- every row), a brand (the sum of its conditions), a condition (the sum over brands) or
-- both (one row) read a handful of small rows.  Triggers keep them as listings go live,
-- leave live or change brand or condition (sql/functions/55_listings.sql), in the
-- transaction of the change.  "Live" for the page also means auction_end_time > now():
-- a listing past its end stays status 'live' until the closing sweep takes it (within
-- auction_sweep_ms), and the page subtracts those few from the kept count with a range
-- scan of listings_live_end_idx (docs/decisions.md, "The marketplace").
CREATE TABLE market_counts (
    brand_key  text NOT NULL,          -- lower(brand): ?brand= matches any case
    condition  text NOT NULL,
    live       int NOT NULL DEFAULT 0 CHECK (live >= 0),
    PRIMARY KEY (brand_key, condition)
);

-- The marketplace version: the sum of n over the shards rises in the transaction of
-- every change a page can show (a live listing's row, its watchers).  A worker keeps
-- rendered anonymous pages with the version they were read at
-- (lib/scp_kept.h) and serves one only while the sum is unchanged.  Sharded by database
-- backend, so that bids on different auctions do not queue on one row: each commit adds
-- one to some shard, so an unchanged sum means no change committed in between.
CREATE TABLE market_versions (
    shard  smallint PRIMARY KEY,
    n      bigint NOT NULL DEFAULT 0
);
INSERT INTO market_versions (shard) SELECT g FROM generate_series(0, 31) g;

INSERT INTO market_counts (brand_key, condition, live)
    SELECT lower(brand), condition, count(*) FROM listings WHERE status = 'live'
     GROUP BY 1, 2;

-- Filtered pages: the live listings of a brand, or of a condition in end-time order,
-- without reading the others.  Neither column changes while a listing is live, and
-- status only when it closes, so bids stay HOT updates.
CREATE INDEX listings_live_brand_idx ON listings (lower(brand)) WHERE status = 'live';
CREATE INDEX listings_live_condition_idx ON listings (condition, auction_end_time)
    WHERE status = 'live';
