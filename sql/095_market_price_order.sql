-- The marketplace's price orders read from indexes, as its newest and ending-soon orders
-- do: the page of 20 is the first 20 entries of the filter's index, not a sort of every
-- live listing (or every one of a brand) on each request.  highest-price is the exact
-- reverse of lowest-price (price DESC, approved_at, id DESC), so one index serves both,
-- scanned backwards.  The brand index gains the price after the brand (a plain brand
-- match still uses its first column).  The price is the current bid, so a bid's update of
-- the listing is not HOT; the bid's other writes cost far more (docs/decisions.md, "The
-- marketplace").
DROP INDEX IF EXISTS listings_live_brand_idx;
CREATE INDEX IF NOT EXISTS listings_live_brand_idx
    ON listings (lower(brand), (coalesce(current_bid, starting_price)), approved_at DESC, id)
    WHERE status = 'live';
CREATE INDEX IF NOT EXISTS listings_live_price_idx
    ON listings ((coalesce(current_bid, starting_price)), approved_at DESC, id)
    WHERE status = 'live';
CREATE INDEX IF NOT EXISTS listings_live_condition_price_idx
    ON listings (condition, (coalesce(current_bid, starting_price)), approved_at DESC, id)
    WHERE status = 'live';
