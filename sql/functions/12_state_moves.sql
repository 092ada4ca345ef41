-- The state machines (DESIGN §6) as data, and the one check of a move.
--
-- state_moves (sql/010_state_moves.sql) holds one row per allowed move; this file is
-- its only source: every `scpctl migrate` inserts the rows listed below and deletes any
-- other, so the table always equals this list and a changed machine is an edit here.
-- Each machine's move function locks its row within the caller's scope (404 when it
-- is not there), calls scp_state_check(), then writes: which moves are legal is
-- decided here and nowhere else.  Who may make a move (roles, tenants, an agent's open
-- task) stays with each machine's function.
--
-- States are spelled as the rows' status columns spell them (Cliick's are capitalized,
-- as its API shows them).

WITH moves (machine, from_state, to_state) AS (VALUES
    -- consumer link: a consumer asks, the supplier decides (40_b2b_links.sql)
    ('consumer_link', 'pending', 'accepted'),
    ('consumer_link', 'pending', 'rejected'),
    ('consumer_link', 'accepted', 'blocked'),
    ('consumer_link', 'blocked', 'accepted'),
    ('consumer_link', 'rejected', 'pending'),       -- the consumer asks again
    ('consumer_link', 'rejected', 'accepted'),      -- the supplier changes its mind
    -- catalog order (45_b2b_orders.sql); cancelled by its consumer
    ('catalog_order', 'pending', 'accepted'),
    ('catalog_order', 'pending', 'rejected'),
    ('catalog_order', 'pending', 'cancelled'),
    ('catalog_order', 'accepted', 'in_progress'),
    ('catalog_order', 'in_progress', 'completed'),
    -- listing: admin review (55_listings.sql), then bids and closing (65_bids.sql)
    ('listing', 'pending', 'live'),
    ('listing', 'pending', 'rejected'),
    ('listing', 'live', 'sold'),
    ('listing', 'live', 'expired'),
    -- auction order (60_auction_orders.sql); cancelled by an admin before delivery
    ('auction_order', 'pending_pickup', 'picked_up'),
    ('auction_order', 'picked_up', 'in_transit'),
    ('auction_order', 'in_transit', 'delivered'),
    ('auction_order', 'delivered', 'completed'),
    ('auction_order', 'pending_pickup', 'cancelled'),
    ('auction_order', 'picked_up', 'cancelled'),
    ('auction_order', 'in_transit', 'cancelled'),
    -- agent task (70_agents.sql)
    ('agent_task', 'assigned', 'accepted'),
    ('agent_task', 'accepted', 'in_progress'),
    ('agent_task', 'in_progress', 'completed'),
    ('agent_task', 'in_progress', 'failed'),
    -- complaint: resolving needs a resolution of 10 characters or more
    ('complaint', 'open', 'escalated'),
    ('complaint', 'escalated', 'resolved'),
    ('complaint', 'open', 'resolved'),
    ('complaint', 'resolved', 'closed'),
    -- conversation: a new message reopens a closed one
    ('conversation', 'open', 'pending'),
    ('conversation', 'pending', 'open'),
    ('conversation', 'open', 'closed'),
    ('conversation', 'pending', 'closed'),
    ('conversation', 'closed', 'open'),
    -- Cliick order (a form submission): confirming takes the stock
    ('cliick_order', 'Pending', 'Confirmed'),
    ('cliick_order', 'Confirmed', 'Completed'),
    ('cliick_order', 'Pending', 'Cancelled'),
    ('cliick_order', 'Confirmed', 'Cancelled'),
    ('cliick_order', 'Completed', 'Return'),
    -- payment (an attempt to pay an order, 90_payments.sql): moved by Stripe's answers
    -- and webhooks, never backwards; a declined attempt may still succeed on its intent
    ('payment', 'pending', 'requires_payment'),
    ('payment', 'pending', 'succeeded'),
    ('payment', 'pending', 'failed'),
    ('payment', 'requires_payment', 'succeeded'),
    ('payment', 'requires_payment', 'failed'),
    ('payment', 'failed', 'succeeded'),
    ('payment', 'succeeded', 'partially_refunded'),
    ('payment', 'succeeded', 'refunded'),
    ('payment', 'partially_refunded', 'refunded'),
    -- a Cliick shop's subscription (82_shop_team.sql): its owner asks for a plan, from
    -- any status; approving (active) and expiring are the platform's, not the owner's:
    -- a platform administrator approves or rejects what was asked, grants a plan, or
    -- ends one; a trial is never given again
    ('shop_subscription', 'trialing', 'pending_approval'),
    ('shop_subscription', 'active', 'pending_approval'),
    ('shop_subscription', 'expired', 'pending_approval'),
    ('shop_subscription', 'pending_approval', 'active'),
    ('shop_subscription', 'pending_approval', 'expired'),
    ('shop_subscription', 'trialing', 'active'),
    ('shop_subscription', 'expired', 'active'),
    ('shop_subscription', 'trialing', 'expired'),
    ('shop_subscription', 'active', 'expired')),
gone AS (DELETE FROM state_moves s
          WHERE (s.machine, s.from_state, s.to_state) NOT IN (SELECT * FROM moves))
INSERT INTO state_moves (machine, from_state, to_state)
    SELECT * FROM moves ON CONFLICT DO NOTHING;

-- Is p_from → p_to a move of p_machine?  If not, 409 INVALID_STATE "cannot move from X
-- to Y" (with ": p_why" when given).  One probe of state_moves' primary key, its plan
-- cached for the session.  A machine with no moves at all is a caller's typo, not a
-- client's mistake: that fails loudly (500), checked only on the refusing path.
CREATE OR REPLACE FUNCTION scp_state_check(p_machine text, p_from text, p_to text,
                                           p_why text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM FROM state_moves
        WHERE machine = p_machine AND from_state = p_from AND to_state = p_to;
    IF FOUND THEN
        RETURN;
    END IF;
    PERFORM FROM state_moves WHERE machine = p_machine;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scp_state_check: no state machine named "%"', p_machine;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'SC409',
        MESSAGE = format('cannot move from %s to %s', p_from, p_to)
                  || coalesce(': ' || p_why, '');
END $$;
