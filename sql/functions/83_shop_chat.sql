-- Cliick.io's live chat (sql/083_shop_chat.sql; cgi-bin/shops/conversations.c).
-- Rights: every member of a shop reads its conversations; its owner, admins and
-- support agents answer and change them; an order manager reads only (403); a shop the
-- caller is no member of, and another shop's conversation, are not found (404).  Each
-- write is one function that locks the conversation, checks, writes and queues its
-- events (shop_message_new, shop_conversation_updated; social_send for a seller's
-- message to a social channel) in the same transaction: a change that rolls back
-- notifies nobody and sends nothing.


-- The caller's role in the shop, or 404.
CREATE OR REPLACE FUNCTION scp_shop_chat_role(p_shop uuid, p_user uuid)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_role text;
BEGIN
    SELECT role INTO v_role FROM shop_members WHERE shop_id = p_shop AND user_id = p_user;
    IF v_role IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'shop not found';
    END IF;
    RETURN v_role;
END $$;

-- May the caller answer and change the shop's chats?  404 no member, 403 order manager.
CREATE OR REPLACE FUNCTION scp_shop_chat_writer(p_shop uuid, p_user uuid)
RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF scp_shop_chat_role(p_shop, p_user) NOT IN ('owner', 'admin', 'support_agent') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'only the shop''s owner, admins and support agents may answer its chats';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION scp_shop_message_json(m shop_messages)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id,
        'sender', m.sender, 'sender_id', m.sender_id, 'text', m.text,
        'attachment', CASE WHEN m.attachment_url IS NOT NULL THEN
            jsonb_strip_nulls(jsonb_build_object('type', m.attachment_type,
                'url', m.attachment_url, 'name', m.attachment_name)) END,
        'is_note', m.is_note, 'timestamp', scp_epoch_ms(m.created_at),
        'created_at', m.created_at)
$$;

-- A conversation; with p_messages > 0 also its newest p_messages messages, oldest first
-- (the order a chat window shows them in; older ones: GET …/messages?before=).
CREATE OR REPLACE FUNCTION scp_shop_conversation_json(c shop_conversations, p_messages int)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'shop_id', c.shop_id, 'channel', c.channel,
        'customer_name', c.customer_name, 'customer_id', c.customer_external_id,
        'status', c.status, 'assignee_id', c.assignee_id, 'tags', to_jsonb(c.tags),
        'notes', c.notes, 'is_ai_active', c.is_ai_active, 'is_read', c.is_read,
        'last_message', c.last_message, 'last_message_at', scp_epoch_ms(c.last_message_at),
        'created_at', c.created_at, 'updated_at', c.updated_at)
     || CASE WHEN p_messages > 0 THEN jsonb_build_object('messages',
            (SELECT coalesce(jsonb_agg(scp_shop_message_json(x) ORDER BY x.seq), '[]')
               FROM (SELECT * FROM shop_messages m WHERE m.conversation_id = c.id
                      ORDER BY m.seq DESC LIMIT p_messages) x))
        ELSE '{}'::jsonb END
$$;

CREATE OR REPLACE FUNCTION scp_shop_conversation_updated(c shop_conversations)
RETURNS void LANGUAGE sql AS $$
    SELECT scp_job_enqueue('shop_conversation_updated', jsonb_build_object(
        'shop_id', c.shop_id, 'conversation', scp_shop_conversation_json(c, 0),
        'topic', '/ws/shops/' || c.shop_id));
$$;

-- Lock one of the shop's conversations, or 404.
CREATE OR REPLACE FUNCTION scp_shop_conversation_lock(p_shop uuid, p_id uuid)
RETURNS shop_conversations LANGUAGE plpgsql AS $$
DECLARE
    c shop_conversations;
BEGIN
    SELECT * INTO c FROM shop_conversations WHERE id = p_id AND shop_id = p_shop FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'conversation not found';
    END IF;
    RETURN c;
END $$;

-- A member opens a conversation: d = {channel, customer_name, customer_id?} checked by
-- the caller.  A social channel needs the customer's id there (a reply goes to it);
-- one that exists for that customer is found again (created false).
CREATE OR REPLACE FUNCTION scp_shop_conversation_open(p_shop uuid, p_user uuid, d jsonb)
RETURNS TABLE (created boolean, body json) LANGUAGE plpgsql AS $$
DECLARE
    c shop_conversations;
BEGIN
    PERFORM scp_shop_chat_writer(p_shop, p_user);
    IF d->>'channel' <> 'web' AND d->>'customer_id' IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'customer_id',
            MESSAGE = 'is required for a social channel';
    END IF;
    INSERT INTO shop_conversations (shop_id, channel, customer_name, customer_external_id)
        VALUES (p_shop, d->>'channel', d->>'customer_name', d->>'customer_id')
        ON CONFLICT DO NOTHING RETURNING * INTO c;
    IF FOUND THEN
        PERFORM scp_shop_conversation_updated(c);
        RETURN QUERY SELECT true, scp_shop_conversation_json(c, 50)::json;
        RETURN;
    END IF;
    SELECT * INTO STRICT c FROM shop_conversations
     WHERE shop_id = p_shop AND channel = d->>'channel'
       AND customer_external_id = d->>'customer_id';
    RETURN QUERY SELECT false, scp_shop_conversation_json(c, 50)::json;
END $$;

-- PUT: the keys present in d change; status through the machine 'conversation' (the
-- same status again changes nothing, 409 for an illegal move); assignee_id a member of
-- the shop (null clears it).
CREATE OR REPLACE FUNCTION scp_shop_conversation_update(p_shop uuid, p_user uuid, p_id uuid,
                                                        d jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c shop_conversations;
    st text := d->>'status';
BEGIN
    PERFORM scp_shop_chat_writer(p_shop, p_user);
    c := scp_shop_conversation_lock(p_shop, p_id);
    IF st IS NOT NULL AND st <> c.status THEN
        PERFORM scp_state_check('conversation', c.status, st);
        c.status := st;
    END IF;
    IF d ? 'assignee_id' THEN
        IF d->>'assignee_id' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM shop_members
                WHERE shop_id = p_shop AND user_id = (d->>'assignee_id')::uuid) THEN
            RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'assignee_id',
                MESSAGE = 'is not a member of this shop''s team';
        END IF;
        c.assignee_id := (d->>'assignee_id')::uuid;
    END IF;
    IF d ? 'tags' THEN
        c.tags := ARRAY(SELECT DISTINCT jsonb_array_elements_text(d->'tags'));
    END IF;
    IF d ? 'notes' THEN c.notes := d->>'notes'; END IF;
    IF d ? 'is_ai_active' THEN c.is_ai_active := (d->>'is_ai_active')::boolean; END IF;
    IF d ? 'is_read' THEN c.is_read := (d->>'is_read')::boolean; END IF;
    UPDATE shop_conversations SET status = c.status, assignee_id = c.assignee_id,
           tags = c.tags, notes = c.notes, is_ai_active = c.is_ai_active,
           is_read = c.is_read, updated_at = now()
     WHERE id = c.id RETURNING * INTO c;
    PERFORM scp_shop_conversation_updated(c);
    RETURN scp_shop_conversation_json(c, 50)::json;
END $$;

-- A seller's message (or the team's note): d = {text, attachment_type?, attachment_url?,
-- attachment_name?, is_note?} checked by the caller.  A closed conversation opens again
-- (closed → open).  A message, not a note, to a social channel queues social_send.
CREATE OR REPLACE FUNCTION scp_shop_message_send(p_shop uuid, p_user uuid, p_id uuid,
                                                 d jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c shop_conversations;
    m shop_messages;
    j jsonb;
BEGIN
    PERFORM scp_shop_chat_writer(p_shop, p_user);
    c := scp_shop_conversation_lock(p_shop, p_id);
    IF c.status = 'closed' THEN
        PERFORM scp_state_check('conversation', 'closed', 'open');
    END IF;
    INSERT INTO shop_messages (conversation_id, shop_id, sender, sender_id, text,
                               attachment_type, attachment_url, attachment_name, is_note)
        VALUES (c.id, p_shop, 'seller', p_user, coalesce(d->>'text', ''),
                d->>'attachment_type', d->>'attachment_url', d->>'attachment_name',
                coalesce((d->>'is_note')::boolean, false))
        RETURNING * INTO m;
    IF NOT m.is_note THEN
        UPDATE shop_conversations SET status = 'open',
               last_message = coalesce(left(nullif(m.text, ''), 200),
                                       '[' || m.attachment_type || ']'),
               last_message_at = m.created_at, updated_at = now()
         WHERE id = c.id RETURNING * INTO c;
    END IF;
    j := scp_shop_message_json(m);
    PERFORM scp_job_enqueue('shop_message_new', jsonb_build_object('shop_id', p_shop,
        'conversation_id', c.id, 'message', j, 'topic', '/ws/shops/' || p_shop));
    IF c.status <> 'closed' AND NOT m.is_note THEN
        PERFORM scp_shop_conversation_updated(c);
    END IF;
    IF c.channel <> 'web' AND NOT m.is_note THEN
        PERFORM scp_job_enqueue('social_send', jsonb_build_object('shop_id', p_shop,
            'platform', c.channel, 'recipient_id', c.customer_external_id,
            'text', m.text, 'message_id', m.id));
    END IF;
    RETURN j::json;
END $$;

-- The seq below which a page of history starts (?before=<message id> of this
-- conversation, 400 if it names none; past the newest without it), and the check that
-- the caller is a member and the conversation the shop's (404), in one statement.
CREATE OR REPLACE FUNCTION scp_shop_chat_cursor(p_shop uuid, p_user uuid, p_id uuid,
                                                p_before uuid)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    s bigint;
BEGIN
    PERFORM scp_shop_chat_role(p_shop, p_user);
    IF NOT EXISTS (SELECT 1 FROM shop_conversations WHERE id = p_id AND shop_id = p_shop) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'conversation not found';
    END IF;
    IF p_before IS NULL THEN
        RETURN 9223372036854775807;
    END IF;
    SELECT m.seq INTO s FROM shop_messages m WHERE m.id = p_before AND m.conversation_id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC400',
            MESSAGE = 'before names no message of this conversation';
    END IF;
    RETURN s;
END $$;

-- A verified Messenger / Instagram delivery (object page or instagram): each
-- entry[].messaging[] event with a message, not an echo of the page's own, becomes a
-- customer's message in the conversation of that shop, channel and sender (made when
-- new), once per message mid: a replayed delivery, or two at once, store it once (the
-- unique (shop_id, external_id) decides).  A page no shop is linked to is skipped, as
-- are other events (deliveries, reads, postbacks): Meta retries anything not answered
-- 200.  The platform's attachment URLs are not kept (they are not this system's
-- files): an attachment-only message reads "[image]".  Returns how many were stored.
CREATE OR REPLACE FUNCTION scp_shop_social_receive(p_body jsonb)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_platform text := CASE p_body->>'object' WHEN 'page' THEN 'facebook'
                                            WHEN 'instagram' THEN 'instagram' END;
    e jsonb;
    ev jsonb;
    v_shop uuid;
    mid text;
    txt text;
    c shop_conversations;
    m shop_messages;
    k int;
    n int := 0;
BEGIN
    IF v_platform IS NULL OR jsonb_typeof(p_body->'entry') IS DISTINCT FROM 'array' THEN
        RETURN 0;
    END IF;
    FOR e IN SELECT * FROM jsonb_array_elements(p_body->'entry') LOOP
        CONTINUE WHEN jsonb_typeof(e) <> 'object'
                   OR jsonb_typeof(e->'messaging') IS DISTINCT FROM 'array';
        -- The shop that connected the page (or account) most recently, if several did.
        SELECT shop_id INTO v_shop FROM shop_integrations
         WHERE platform = v_platform AND external_id = e->>'id'
         ORDER BY updated_at DESC LIMIT 1;
        CONTINUE WHEN v_shop IS NULL;
        FOR ev IN SELECT * FROM jsonb_array_elements(e->'messaging') LOOP
            CONTINUE WHEN jsonb_typeof(ev) <> 'object'
                       OR jsonb_typeof(ev->'message') IS DISTINCT FROM 'object'
                       OR coalesce(ev->'message'->>'is_echo', 'false') = 'true'
                       OR coalesce(jsonb_typeof(ev->'sender'->'id'), '') NOT IN ('string', 'number');
            mid := ev->'message'->>'mid';
            CONTINUE WHEN mid IS NULL OR length(mid) NOT BETWEEN 1 AND 200
                       OR length(ev->'sender'->>'id') NOT BETWEEN 1 AND 200;
            CONTINUE WHEN EXISTS (SELECT 1 FROM shop_messages
                                   WHERE shop_id = v_shop AND external_id = mid);
            txt := left(coalesce(ev->'message'->>'text', ''), 5000);
            IF txt = '' THEN
                txt := coalesce('[' || left(ev->'message'->'attachments'->0->>'type', 20)
                                || ']', '[message]');
            END IF;
            -- The customer's conversation, locked (made on its first message).
            INSERT INTO shop_conversations (shop_id, channel, customer_name,
                                            customer_external_id, is_read)
                VALUES (v_shop, v_platform, ev->'sender'->>'id', ev->'sender'->>'id', false)
                ON CONFLICT (shop_id, channel, customer_external_id)
                    WHERE customer_external_id IS NOT NULL
                DO UPDATE SET updated_at = shop_conversations.updated_at
                RETURNING * INTO c;
            INSERT INTO shop_messages (conversation_id, shop_id, sender, text, external_id)
                VALUES (c.id, v_shop, 'user', txt, mid)
                ON CONFLICT (shop_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
                RETURNING * INTO m;
            GET DIAGNOSTICS k = ROW_COUNT;
            CONTINUE WHEN k = 0;
            IF c.status = 'closed' THEN
                PERFORM scp_state_check('conversation', 'closed', 'open');
            END IF;
            UPDATE shop_conversations SET status = 'open', is_read = false,
                   last_message = left(m.text, 200), last_message_at = m.created_at,
                   updated_at = now()
             WHERE id = c.id RETURNING * INTO c;
            PERFORM scp_job_enqueue('shop_message_new', jsonb_build_object('shop_id', v_shop,
                'conversation_id', c.id, 'message', scp_shop_message_json(m),
                'topic', '/ws/shops/' || v_shop));
            PERFORM scp_shop_conversation_updated(c);
            n := n + 1;
        END LOOP;
    END LOOP;
    RETURN n;
END $$;

-- ---- the web widget: a customer without an account ---------------------------------------
-- The widget opens a conversation and receives a secret once (only its SHA-256 is kept);
-- every later call names the conversation and that secret, and sees only that
-- conversation, never the team's notes, assignee or tags.

-- A web conversation a widget opens for its customer; p_token the widget's new secret.
CREATE OR REPLACE FUNCTION scp_shop_widget_open(p_shop uuid, p_name text, p_token text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c shop_conversations;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM shops WHERE id = p_shop) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'shop not found';
    END IF;
    INSERT INTO shop_conversations (shop_id, channel, customer_name, widget_token_hash, is_read)
        VALUES (p_shop, 'web', p_name, encode(sha256(convert_to(p_token, 'UTF8')), 'hex'), true)
        RETURNING * INTO c;
    PERFORM scp_shop_conversation_updated(c);
    RETURN json_build_object('conversation', json_build_object('id', c.id,
        'shop_id', c.shop_id, 'channel', c.channel, 'customer_name', c.customer_name,
        'status', c.status, 'created_at', c.created_at), 'widget_token', p_token);
END $$;

-- The widget's conversation, locked, when p_token is its secret; else 404 alike.
CREATE OR REPLACE FUNCTION scp_shop_widget_lock(p_shop uuid, p_id uuid, p_token text)
RETURNS shop_conversations LANGUAGE plpgsql AS $$
DECLARE
    c shop_conversations;
BEGIN
    SELECT * INTO c FROM shop_conversations
     WHERE id = p_id AND shop_id = p_shop AND channel = 'web'
       AND widget_token_hash = encode(sha256(convert_to(coalesce(p_token, ''), 'UTF8')), 'hex')
     FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'conversation not found';
    END IF;
    RETURN c;
END $$;

-- The customer's message: unread for the team, a closed conversation opens again.
CREATE OR REPLACE FUNCTION scp_shop_widget_send(p_shop uuid, p_id uuid, p_token text,
                                                p_text text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c shop_conversations;
    m shop_messages;
    j jsonb;
BEGIN
    c := scp_shop_widget_lock(p_shop, p_id, p_token);
    IF c.status = 'closed' THEN
        PERFORM scp_state_check('conversation', 'closed', 'open');
    END IF;
    INSERT INTO shop_messages (conversation_id, shop_id, sender, text)
        VALUES (c.id, p_shop, 'user', p_text) RETURNING * INTO m;
    UPDATE shop_conversations SET status = 'open', is_read = false,
           last_message = left(m.text, 200), last_message_at = m.created_at, updated_at = now()
     WHERE id = c.id RETURNING * INTO c;
    j := scp_shop_message_json(m);
    PERFORM scp_job_enqueue('shop_message_new', jsonb_build_object('shop_id', p_shop,
        'conversation_id', c.id, 'message', j, 'topic', '/ws/shops/' || p_shop));
    PERFORM scp_shop_conversation_updated(c);
    RETURN (j - 'sender_id' - 'is_note')::json;
END $$;

-- The seq a widget's history page starts below (the secret checked, 404 otherwise).
CREATE OR REPLACE FUNCTION scp_shop_widget_cursor(p_shop uuid, p_id uuid, p_token text,
                                                  p_before uuid)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    s bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM shop_conversations
                    WHERE id = p_id AND shop_id = p_shop AND channel = 'web'
                      AND widget_token_hash = encode(sha256(convert_to(coalesce(p_token, ''),
                                                                       'UTF8')), 'hex')) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'conversation not found';
    END IF;
    IF p_before IS NULL THEN
        RETURN 9223372036854775807;
    END IF;
    SELECT m.seq INTO s FROM shop_messages m
     WHERE m.id = p_before AND m.conversation_id = p_id AND NOT m.is_note;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC400',
            MESSAGE = 'before names no message of this conversation';
    END IF;
    RETURN s;
END $$;
