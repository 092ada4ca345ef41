-- Consumer links (B2B): a consumer asks a supplier for access to its catalog; the
-- supplier approves, rejects, blocks or unblocks.  One row per pair (002_b2b.sql).

-- supplier_name and supplier_logo_url repeat supplier.* at the top level, where the
-- consumer app reads them; responded_at is decided_at under the app's name.
CREATE OR REPLACE FUNCTION scp_link_json(l consumer_links)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', l.id, 'consumer_id', l.consumer_id,
        'supplier_id', l.supplier_id, 'status', l.status, 'message', l.message,
        'requested_at', l.requested_at, 'approved_at', l.approved_at,
        'rejected_at', l.rejected_at, 'blocked_at', l.blocked_at,
        'decided_at', l.decided_at, 'responded_at', l.decided_at,
        'created_at', l.created_at, 'updated_at', l.updated_at,
        'supplier_name', (SELECT s.name FROM suppliers s WHERE s.id = l.supplier_id),
        'supplier_logo_url', (SELECT s.logo_url FROM suppliers s WHERE s.id = l.supplier_id),
        'supplier', (SELECT json_build_object('id', s.id, 'name', s.name,
                                              'logo_url', s.logo_url, 'currency', s.currency)
                     FROM suppliers s WHERE s.id = l.supplier_id),
        'consumer', (SELECT json_build_object('id', u.id, 'email', u.email,
                         'name', nullif(concat_ws(' ', u.first_name, u.last_name), ''),
                         'company_name', u.company_name, 'phone_number', u.phone_number)
                     FROM users u WHERE u.id = l.consumer_id))
$$;

-- A consumer asks a supplier for a link.  New, or rejected → pending: created is true.
-- Pending: 409 CONFLICT.  Accepted: 409 INVALID_STATE.  Blocked: the supplier is not
-- found, exactly as if it did not exist.
CREATE OR REPLACE FUNCTION scp_link_request(p_consumer uuid, p_supplier uuid, p_message text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l consumer_links;
    prev text;
BEGIN
    PERFORM 1 FROM suppliers WHERE id = p_supplier;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
    END IF;
    INSERT INTO consumer_links (consumer_id, supplier_id, message)
        VALUES (p_consumer, p_supplier, p_message)
        ON CONFLICT (consumer_id, supplier_id) DO NOTHING RETURNING * INTO l;
    IF NOT FOUND THEN
        SELECT * INTO STRICT l FROM consumer_links
            WHERE consumer_id = p_consumer AND supplier_id = p_supplier FOR UPDATE;
        IF l.status = 'blocked' THEN
            RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
        ELSIF l.status = 'pending' THEN
            RAISE EXCEPTION USING ERRCODE = 'SC410',
                MESSAGE = 'a link request to this supplier is already pending';
        END IF;
        PERFORM scp_state_check('consumer_link', l.status, 'pending',
                                CASE WHEN l.status = 'accepted' THEN 'already linked' END);
        prev := l.status;
        UPDATE consumer_links SET status = 'pending', message = p_message,
               requested_at = now(), approved_at = NULL, rejected_at = NULL,
               blocked_at = NULL, decided_at = NULL, decided_by = NULL, updated_at = now()
            WHERE id = l.id RETURNING * INTO l;
        INSERT INTO consumer_link_events (link_id, from_status, to_status, actor_id, actor_role)
            VALUES (l.id, prev, 'pending', p_consumer, 'consumer');
    ELSE
        INSERT INTO consumer_link_events (link_id, from_status, to_status, actor_id, actor_role)
            VALUES (l.id, NULL, 'pending', p_consumer, 'consumer');
    END IF;
    RETURN scp_link_json(l);
END $$;

-- A supplier moves a link of its own to p_to.  Another supplier's link is not found; a
-- move the machine (state_moves) forbids is 409 INVALID_STATE.  Only the target is
-- sent: approve and unblock are both "to accepted", from wherever the machine allows
-- (pending, rejected, blocked).  approved_at, rejected_at and blocked_at are the times
-- of the latest such decision.
-- The action's own from-states (p_from text[]) are gone: drop that signature (remove
-- this line once every database has migrated past it, docs/operations.md §3.1).
DROP FUNCTION IF EXISTS scp_link_move(uuid, uuid, uuid, text, text[], text);
CREATE OR REPLACE FUNCTION scp_link_move(p_link uuid, p_supplier uuid, p_actor uuid,
                                         p_role text, p_to text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l consumer_links;
    prev text;
BEGIN
    SELECT * INTO l FROM consumer_links WHERE id = p_link AND supplier_id = p_supplier
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'link not found';
    END IF;
    PERFORM scp_state_check('consumer_link', l.status, p_to);
    prev := l.status;
    UPDATE consumer_links SET status = p_to, decided_at = now(), decided_by = p_actor,
           approved_at = CASE WHEN p_to = 'accepted' THEN now() ELSE approved_at END,
           rejected_at = CASE WHEN p_to = 'rejected' THEN now() ELSE rejected_at END,
           blocked_at = CASE WHEN p_to = 'blocked' THEN now() ELSE blocked_at END,
           updated_at = now()
        WHERE id = p_link RETURNING * INTO l;
    INSERT INTO consumer_link_events (link_id, from_status, to_status, actor_id, actor_role)
        VALUES (l.id, prev, p_to, p_actor, p_role);
    RETURN scp_link_json(l);
END $$;

-- A consumer withdraws its pending request: the link is gone (with its events, which
-- only record the request), as if never asked; asking again starts afresh.  Another
-- consumer's link, or a blocked one (the consumer sees nothing of that supplier), is
-- not found; a decided one is 409 INVALID_STATE.  Returns the link's id.
CREATE OR REPLACE FUNCTION scp_link_withdraw(p_link uuid, p_consumer uuid)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    l consumer_links;
BEGIN
    SELECT * INTO l FROM consumer_links
        WHERE id = p_link AND consumer_id = p_consumer AND status <> 'blocked' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'link request not found';
    END IF;
    IF l.status <> 'pending' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('only a pending request can be withdrawn; this one is %s',
                             l.status);
    END IF;
    DELETE FROM consumer_link_events WHERE link_id = l.id;
    DELETE FROM consumer_links WHERE id = l.id;
    RETURN l.id;
END $$;
