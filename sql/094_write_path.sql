-- The bidder the current bid beat (NULL before the second bid), kept by scp_bid_place's
-- guarded update (sql/functions/65_bids.sql): the SET reads the row as the lock leaves
-- it, where a RETURNING sees only the new one, so the statement that places a bid knows
-- whom it outbid and writes that notification itself, with no later lookup.
ALTER TABLE listings ADD COLUMN IF NOT EXISTS previous_bidder_id uuid;
