-- Auctions (SELLIKO): helpers of the listings, bids, auction orders, agents and admin
-- files.  Money is BIGINT minor units (paise); scp_au_money() turns it into the API's
-- 2-decimal number.  Every rule a race could break lives in these functions and in the
-- constraints of 003_auctions.sql.

-- Minor units as the API's decimal number with two places (25000.00).
CREATE OR REPLACE FUNCTION scp_au_money(bigint) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT ($1::numeric / 100)::numeric(20, 2)
$$;

-- The same for sums (sum(bigint) is numeric).
CREATE OR REPLACE FUNCTION scp_au_money(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT ($1 / 100)::numeric(20, 2)
$$;

-- j with the members of the object extra appended (json keeps its key order; jsonb's ||
-- would sort them).  Each argument is named once, so PostgreSQL inlines the call even
-- when its arguments are costly (a bid's answer, made of scp_bid_json): named twice,
-- it ran as a function of its own, parsed and planned again on every bid.
CREATE OR REPLACE FUNCTION scp_au_extend(j json, extra json)
RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT (left(j::text, -1) || coalesce(',' || nullif(substr(extra::text, 2), '}'), '}'))::json
$$;

-- The smallest bid a live listing accepts now.  The instant-win price is always
-- reachable: a bid at it wins even when it is less than a full increment above the
-- current highest.
CREATE OR REPLACE FUNCTION scp_au_min_next(l listings, p_increment bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN l.current_bid IS NULL THEN least(l.starting_price, l.instant_win_price)
                ELSE least(l.current_bid + p_increment, l.instant_win_price) END
$$;
