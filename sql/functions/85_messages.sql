-- Conversations and their messages (the messages family, sql/040_messages.sql).
--
-- A caller is a consumer (p_consumer set, p_supplier NULL) or a staff member of a
-- supplier (p_supplier set, p_consumer NULL); the C side passes exactly one.  Anyone
-- who is not a participant finds nothing (404), and so does a consumer its supplier
-- has blocked, as everywhere else.  Each write is one function: it checks, writes, and
-- queues its message_new event in the same transaction, so a change that rolls back
-- notifies nobody; edits and reads lock the conversation first, a message updates it
-- last (scp_chat_send).

CREATE OR REPLACE FUNCTION scp_person_name(u users) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(concat_ws(' ', u.first_name, u.last_name), ''), u.company_name,
                    u.email, u.phone_number)
$$;

-- May this caller see the conversation?  Never NULL (one of the ids is): a NULL would
-- pass an IF NOT … test.
CREATE OR REPLACE FUNCTION scp_conversation_visible(c conversations, p_consumer uuid,
                                                    p_supplier uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT c.supplier_id IS NOT DISTINCT FROM p_supplier AND p_supplier IS NOT NULL
        OR (c.consumer_id IS NOT DISTINCT FROM p_consumer AND p_consumer IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM consumer_links l
                             WHERE l.consumer_id = c.consumer_id
                               AND l.supplier_id = c.supplier_id AND l.status = 'blocked'))
$$;

-- The conversation as the caller's side sees it: its last message, and the messages of
-- the other side the caller's has not read (sql/102: read from the messages, not kept in
-- the row); assignee, tags and notes are the staff's and left out for the consumer.
CREATE OR REPLACE FUNCTION scp_conversation_json(c conversations, p_side text)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
    s suppliers;
    u users;
    j jsonb;
    last record;
BEGIN
    SELECT * INTO s FROM suppliers WHERE id = c.supplier_id;
    SELECT * INTO u FROM users WHERE id = c.consumer_id;
    -- The newest message (the history's order), as the list shows it.
    SELECT coalesce(left(nullif(m.content, ''), 200), '[' || m.type || ']') AS preview,
           m.created_at INTO last
      FROM chat_messages m WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1;
    j := jsonb_build_object('id', c.id, 'supplier_id', c.supplier_id,
        'consumer_id', c.consumer_id, 'order_id', c.order_id,
        'order_number', upper(left(c.order_id::text, 8)), 'status', c.status,
        'sales_rep_id', c.sales_rep_id,
        'supplier_name', s.name, 'supplier_logo_url', s.logo_url,
        'supplier', jsonb_build_object('id', s.id, 'name', s.name, 'logo_url', s.logo_url),
        'consumer_name', scp_person_name(u), 'consumer_company_name', u.company_name,
        'consumer_avatar_url', u.profile_image_url,
        'consumer', jsonb_build_object('id', u.id, 'name', scp_person_name(u),
            'first_name', u.first_name, 'last_name', u.last_name,
            'company_name', u.company_name, 'email', u.email,
            'phone_number', u.phone_number, 'avatar_url', u.profile_image_url),
        'last_message', last.preview, 'last_message_time', last.created_at,
        'unread_count', (SELECT count(*) FROM chat_messages m
                          WHERE m.conversation_id = c.id AND NOT m.is_read
                            AND m.sender_side <> p_side),
        'has_active_complaint', EXISTS (SELECT 1 FROM complaints k
                                         WHERE k.conversation_id = c.id
                                           AND k.status IN ('open', 'escalated')),
        'created_at', c.created_at, 'updated_at', c.updated_at);
    IF p_side = 'supplier' THEN
        j := j || jsonb_build_object('assignee_id', c.assignee_id,
            'assignee', (SELECT jsonb_build_object('id', a.id, 'name', scp_person_name(a),
                                                   'role', a.role)
                         FROM users a WHERE a.id = c.assignee_id),
            'tags', to_jsonb(c.tags), 'notes', c.notes);
    END IF;
    RETURN j::json;
END $$;

CREATE OR REPLACE FUNCTION scp_chat_message_json(m chat_messages)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', m.id, 'conversation_id', m.conversation_id,
        'sender_id', m.sender_id, 'sender_role', m.sender_role,
        'sender_side', m.sender_side,
        'sender_name', (SELECT scp_person_name(u) FROM users u WHERE u.id = m.sender_id),
        'type', m.type, 'content', m.content, 'attachment_url', m.attachment_url,
        'file_url', m.attachment_url, 'order_id', m.order_id, 'is_read', m.is_read,
        'read_at', m.read_at, 'created_at', m.created_at, 'timestamp', m.created_at)
$$;

-- Lock a conversation the caller takes part in, or 404.  FOR NO KEY UPDATE, as an
-- update locks: a message's insert (its foreign key's KEY SHARE) never waits for it.
CREATE OR REPLACE FUNCTION scp_conversation_lock(p_conv uuid, p_consumer uuid,
                                                 p_supplier uuid)
RETURNS conversations LANGUAGE plpgsql AS $$
DECLARE
    c conversations;
BEGIN
    SELECT * INTO c FROM conversations WHERE id = p_conv FOR NO KEY UPDATE;
    IF NOT FOUND OR NOT scp_conversation_visible(c, p_consumer, p_supplier) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'conversation not found';
    END IF;
    RETURN c;
END $$;

-- A message moves its conversation up the lists (last_activity_at, at most forward) and
-- opens it again if it was pending or closed before the message.  Without p_wait the row
-- is skipped when another transaction holds it (another message's, a read's, an edit's)
-- and false is answered: the message's job then moves it (jobs_conversation_touch), a
-- few milliseconds later, so that messages never queue on their conversation's row.  A
-- status changed after the message was sent stays as it was set.
CREATE OR REPLACE FUNCTION scp_conversation_touch(p_conv uuid, p_at timestamptz,
                                                  p_wait boolean)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations x
       SET status = CASE WHEN x.status <> 'open' AND x.updated_at <= p_at THEN 'open'
                         ELSE x.status END,
           last_activity_at = greatest(x.last_activity_at, p_at),
           updated_at = greatest(x.updated_at, p_at)
     WHERE x.id = p_conv
       AND (p_wait OR x.id = (SELECT y.id FROM conversations y WHERE y.id = p_conv
                               FOR NO KEY UPDATE SKIP LOCKED));
    RETURN FOUND;
END $$;

CREATE OR REPLACE FUNCTION scp_conversation_touch_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scp_conversation_touch((NEW.payload->>'conversation_id')::uuid,
                                   (NEW.payload->'message'->>'created_at')::timestamptz, true);
    RETURN NULL;
END $$;
-- When scp-worker first takes a message_new job whose message could not move its
-- conversation without waiting.
CREATE OR REPLACE TRIGGER jobs_conversation_touch AFTER UPDATE OF status ON jobs
    FOR EACH ROW
    WHEN (NEW.kind = 'message_new' AND OLD.status = 'queued' AND NEW.status = 'running'
          AND NEW.attempts = 1 AND NEW.payload ? 'touch')
    EXECUTE FUNCTION scp_conversation_touch_job();

-- A consumer opens (or finds again) its conversation with a supplier, optionally about
-- one of its orders with it and with a named sales rep of it.  The supplier comes from
-- the order when not named.  Needs an accepted link (none, pending, rejected: 403;
-- blocked or unknown supplier: 404).  created is false when the conversation existed.
CREATE OR REPLACE FUNCTION scp_conversation_open(p_consumer uuid, p_supplier uuid,
                                                 p_order uuid, p_rep uuid)
RETURNS TABLE (created boolean, body json) LANGUAGE plpgsql AS $$
DECLARE
    sup uuid := p_supplier;
    o_sup uuid;
    link text;
    c conversations;
BEGIN
    IF p_order IS NOT NULL THEN
        SELECT o.supplier_id INTO o_sup FROM catalog_orders o
            WHERE o.id = p_order AND o.consumer_id = p_consumer;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'order_id',
                MESSAGE = 'no such order of yours';
        END IF;
        IF sup IS NULL THEN
            sup := o_sup;
        ELSIF sup <> o_sup THEN
            RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'order_id',
                MESSAGE = 'is an order with another supplier';
        END IF;
    END IF;
    SELECT l.status INTO link FROM consumer_links l
        WHERE l.consumer_id = p_consumer AND l.supplier_id = sup;
    IF NOT EXISTS (SELECT 1 FROM suppliers WHERE id = sup) OR link = 'blocked' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
    END IF;
    IF link IS DISTINCT FROM 'accepted' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'a conversation needs an accepted link with this supplier';
    END IF;
    IF p_rep IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u
            WHERE u.id = p_rep AND u.supplier_id = sup AND u.role = 'sales_rep'
              AND u.status = 'active') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'sales_rep_id',
            MESSAGE = 'is not a sales rep of this supplier';
    END IF;
    INSERT INTO conversations (consumer_id, supplier_id, order_id, sales_rep_id, assignee_id)
        VALUES (p_consumer, sup, p_order, p_rep, p_rep)
        ON CONFLICT DO NOTHING RETURNING * INTO c;
    IF FOUND THEN
        RETURN QUERY SELECT true, scp_conversation_json(c, 'consumer');
        RETURN;
    END IF;
    SELECT * INTO STRICT c FROM conversations
        WHERE consumer_id = p_consumer AND supplier_id = sup
          AND order_id IS NOT DISTINCT FROM p_order;
    RETURN QUERY SELECT false, scp_conversation_json(c, 'consumer');
END $$;

-- PATCH: the keys present in p_set change (status through the conversation machine;
-- the same status again changes nothing).  Staff may set everything; C lets a consumer
-- send only {status: closed}.  assignee_id must be an active staff member of the
-- supplier (null clears it); tags and notes were checked by the caller.
CREATE OR REPLACE FUNCTION scp_conversation_update(p_conv uuid, p_consumer uuid,
                                                   p_supplier uuid, p_set jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c conversations;
    st text;
    who uuid;
BEGIN
    c := scp_conversation_lock(p_conv, p_consumer, p_supplier);
    st := p_set->>'status';
    IF st IS NOT NULL AND st <> c.status THEN
        PERFORM scp_state_check('conversation', c.status, st);
        c.status := st;
    END IF;
    IF p_set ? 'assignee_id' THEN
        who := (p_set->>'assignee_id')::uuid;
        IF who IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u
                WHERE u.id = who AND u.supplier_id = c.supplier_id AND u.status = 'active') THEN
            RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'assignee_id',
                MESSAGE = 'is not a staff member of this supplier';
        END IF;
        c.assignee_id := who;
    END IF;
    IF p_set ? 'tags' THEN
        c.tags := ARRAY(SELECT jsonb_array_elements_text(p_set->'tags'));
    END IF;
    IF p_set ? 'notes' THEN
        c.notes := p_set->>'notes';
    END IF;
    UPDATE conversations SET status = c.status, assignee_id = c.assignee_id, tags = c.tags,
           notes = c.notes, updated_at = now()
        WHERE id = c.id RETURNING * INTO c;
    RETURN scp_conversation_json(c, CASE WHEN p_consumer IS NULL THEN 'supplier'
                                         ELSE 'consumer' END);
END $$;

-- The seq below which a page of history starts: ?before=<message id> of this
-- conversation (400 if it names none), or past the newest.  Also the participant check
-- of a history read (404), so that the read is one statement.
CREATE OR REPLACE FUNCTION scp_chat_cursor(p_conv uuid, p_consumer uuid, p_supplier uuid,
                                           p_before uuid)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    c conversations;
    s bigint;
BEGIN
    SELECT * INTO c FROM conversations WHERE id = p_conv;
    IF NOT FOUND OR NOT scp_conversation_visible(c, p_consumer, p_supplier) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'conversation not found';
    END IF;
    IF p_before IS NULL THEN
        RETURN 9223372036854775807;
    END IF;
    SELECT m.seq INTO s FROM chat_messages m WHERE m.id = p_before AND m.conversation_id = p_conv;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC400',
            MESSAGE = 'before names no message of this conversation';
    END IF;
    RETURN s;
END $$;

-- Send a message.  A closed conversation opens again (the machine's closed → open); an
-- order named must be one between the two parties.  One message_new job goes to the
-- other participants: the supplier's channel for a consumer's message, the consumer's
-- and the supplier's (the other staff) for a staff member's.
--
-- The conversation's row would be the hot one (every message of a busy thread touches
-- it): it is read without a lock, and a message waits for nobody on it.  What the
-- checks read does not change under them: the participants are fixed at opening, the
-- order check is the order's; a block that commits meanwhile is no different from one
-- that commits just after.  The last message and the unread counts are the messages'
-- own (scp_conversation_json); the list order moves by scp_conversation_touch, at once
-- or, when another transaction holds the row, by the message's job ("touch").  The
-- message JSON is built once, for the answer and the event; the notifications are
-- written by one statement and ride in the job's payload as it is inserted
-- (scp_notify_set), so the jobs trigger has nothing to add.
CREATE OR REPLACE FUNCTION scp_chat_send(p_conv uuid, p_consumer uuid, p_supplier uuid,
                                         p_sender uuid, p_role text, p_type text,
                                         p_content text, p_attachment text, p_order uuid)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    side text := CASE WHEN p_consumer IS NULL THEN 'supplier' ELSE 'consumer' END;
    c conversations;
    blocked boolean;
    m chat_messages;
    who text;
    j json;
    notified jsonb;
    preview text;
    touched boolean;
BEGIN
    /*
     * scp_conversation_visible's test, written out: that SQL function, called from
     * PL/pgSQL over a row, is planned again on every call; and the block is read once,
     * for the check and for whom a staff member's message notifies.
     */
    SELECT x.id, x.consumer_id, x.supplier_id, x.status,
           EXISTS (SELECT 1 FROM consumer_links k WHERE k.consumer_id = x.consumer_id
                      AND k.supplier_id = x.supplier_id AND k.status = 'blocked')
      INTO c.id, c.consumer_id, c.supplier_id, c.status, blocked
      FROM conversations x WHERE x.id = p_conv;
    IF c.id IS NULL OR NOT (c.supplier_id IS NOT DISTINCT FROM p_supplier AND p_supplier IS NOT NULL
                            OR c.consumer_id IS NOT DISTINCT FROM p_consumer
                               AND p_consumer IS NOT NULL AND NOT blocked) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'conversation not found';
    END IF;
    IF p_order IS NOT NULL AND NOT EXISTS (SELECT 1 FROM catalog_orders o
            WHERE o.id = p_order AND o.consumer_id = c.consumer_id
              AND o.supplier_id = c.supplier_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'order_id',
            MESSAGE = 'is not an order between this consumer and supplier';
    END IF;
    IF c.status = 'closed' THEN
        PERFORM scp_state_check('conversation', 'closed', 'open');
    END IF;
    INSERT INTO chat_messages (conversation_id, sender_id, sender_role, sender_side, type,
                               content, attachment_url, order_id)
        VALUES (c.id, p_sender, p_role, side, p_type, coalesce(p_content, ''), p_attachment,
                p_order)
        RETURNING * INTO m;
    SELECT scp_person_name(u) INTO who FROM users u WHERE u.id = p_sender;
    j := json_build_object('id', m.id, 'conversation_id', m.conversation_id,
        'sender_id', m.sender_id, 'sender_role', m.sender_role, 'sender_side', m.sender_side,
        'sender_name', who, 'type', m.type, 'content', m.content,
        'attachment_url', m.attachment_url, 'file_url', m.attachment_url,
        'order_id', m.order_id, 'is_read', m.is_read, 'read_at', m.read_at,
        'created_at', m.created_at, 'timestamp', m.created_at);
    /*
     * Who is told: a consumer's message, the supplier's staff; a staff member's, the
     * consumer, unless the supplier blocks it (it no longer sees the conversation).
     * Only here: the jobs trigger does not handle message_new.
     */
    preview := coalesce(nullif(left(m.content, 200), ''), 'sent an attachment');
    IF side = 'consumer' THEN
        notified := scp_notify_set(ARRAY(SELECT u.id FROM users u
                WHERE u.supplier_id = c.supplier_id
                  AND u.role = ANY (ARRAY['owner', 'manager', 'sales_rep'])
                  AND u.status = 'active' AND u.id IS DISTINCT FROM p_sender
                ORDER BY u.created_at, u.id),
            'message', 'New message from ' || coalesce(who, 'a customer'), preview,
            jsonb_build_object('conversation_id', c.id, 'message_id', m.id,
                               'supplier_id', c.supplier_id, 'consumer_id', c.consumer_id),
            'normal', c.id);
    ELSIF NOT blocked THEN
        notified := scp_notify_set(ARRAY[c.consumer_id],
            'message', 'New message from ' || coalesce(who, 'your supplier'), preview,
            jsonb_build_object('conversation_id', c.id, 'message_id', m.id,
                               'supplier_id', c.supplier_id),
            'normal', c.id);
    END IF;
    touched := scp_conversation_touch(c.id, m.created_at, false);
    INSERT INTO jobs (kind, payload) VALUES ('message_new', jsonb_build_object(
        'conversation_id', c.id, 'supplier_id', c.supplier_id, 'consumer_id', c.consumer_id,
        'message', j::jsonb,
        'topics', CASE WHEN side = 'consumer'
                       THEN jsonb_build_array('/ws/suppliers/' || c.supplier_id)
                       ELSE jsonb_build_array('/ws/users/' || c.consumer_id,
                                              '/ws/suppliers/' || c.supplier_id) END,
        'notifications', coalesce(notified, '[]'))
        || CASE WHEN touched THEN '{}' ELSE '{"touch": true}' END::jsonb);
    RETURN j;
END $$;

-- Mark the other side's messages read: the caller's side's unread count is then 0.
CREATE OR REPLACE FUNCTION scp_chat_read(p_conv uuid, p_consumer uuid, p_supplier uuid)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    side text := CASE WHEN p_consumer IS NULL THEN 'supplier' ELSE 'consumer' END;
    n int;
BEGIN
    -- the participant check (404), without a lock: the count is the messages' own
    PERFORM scp_chat_cursor(p_conv, p_consumer, p_supplier, NULL);
    UPDATE chat_messages SET is_read = true, read_at = now()
        WHERE conversation_id = p_conv AND sender_side <> side AND NOT is_read;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN json_build_object('conversation_id', p_conv, 'marked_read', n, 'unread_count', 0);
END $$;
