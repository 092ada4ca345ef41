-- The time of an auction's latest accepted bid, so that the next one is recorded after
-- it (sql/functions/65_bids.sql): a bid that waited for the listing's lock keeps its
-- arrival time for the end-of-auction guard, but its row never sorts before the bid it
-- had to beat.
ALTER TABLE listings ADD COLUMN last_bid_at timestamptz;
UPDATE listings l SET last_bid_at = b.at
  FROM (SELECT listing_id, max(created_at) AS at FROM bids GROUP BY listing_id) b
 WHERE b.listing_id = l.id;
