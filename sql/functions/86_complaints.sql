-- Complaints (DESIGN §6: open → escalated → resolved → closed; open → resolved) and the
-- supplier staff's canned replies (sql/040_messages.sql).
--
-- A consumer files a complaint about one of its orders, one of its conversations or a
-- linked supplier; a staff member logs one from a conversation.  Staff of the
-- complaint's supplier move it; escalating is the sales rep's (seed 000) and queues a
-- complaint_escalated event for the supplier's channel in the same transaction.

CREATE OR REPLACE FUNCTION scp_complaint_json(k complaints)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', k.id, 'supplier_id', k.supplier_id,
        'conversation_id', k.conversation_id, 'consumer_id', k.consumer_id,
        'order_id', k.order_id, 'title', k.title, 'description', k.description,
        'priority', k.priority, 'status', k.status, 'attachments', to_json(k.attachments),
        'filed_by', k.filed_by, 'filed_by_role', k.filed_by_role,
        'escalated_by', k.escalated_by, 'escalated_at', k.escalated_at,
        'resolved_by', k.resolved_by, 'resolved_at', k.resolved_at,
        'resolution', k.resolution, 'resolution_notes', k.resolution,
        'closed_at', k.closed_at, 'created_at', k.created_at, 'updated_at', k.updated_at,
        'supplier', (SELECT json_build_object('id', s.id, 'name', s.name)
                     FROM suppliers s WHERE s.id = k.supplier_id),
        'consumer', (SELECT json_build_object('id', u.id, 'name', scp_person_name(u),
                         'company_name', u.company_name, 'first_name', u.first_name,
                         'last_name', u.last_name, 'email', u.email,
                         'phone_number', u.phone_number)
                     FROM users u WHERE u.id = k.consumer_id))
$$;

-- One complaint with its moves: the answer of a read or a move, complete, so that a
-- client can replace what it shows with it.
CREATE OR REPLACE FUNCTION scp_complaint_full(k complaints)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT scp_json_with(scp_complaint_json(k), 'status_history',
        (SELECT json_agg(json_build_object('previous_status', e.from_status,
                    'status', e.to_status, 'changed_by', e.actor_id,
                    'changed_by_role', e.actor_role, 'note', e.note, 'changed_at', e.at)
                    ORDER BY e.id)
         FROM complaint_events e WHERE e.complaint_id = k.id))
$$;

CREATE OR REPLACE FUNCTION scp_complaint_insert(p_supplier uuid, p_consumer uuid,
                                                p_conv uuid, p_order uuid, p_title text,
                                                p_description text, p_priority text,
                                                p_attachments text[], p_actor uuid,
                                                p_role text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    k complaints;
BEGIN
    IF p_order IS NOT NULL AND NOT EXISTS (SELECT 1 FROM catalog_orders o
            WHERE o.id = p_order AND o.consumer_id = p_consumer
              AND o.supplier_id = p_supplier) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'order_id',
            MESSAGE = 'is not an order between this consumer and supplier';
    END IF;
    INSERT INTO complaints (supplier_id, consumer_id, conversation_id, order_id, title,
                            description, priority, attachments, filed_by, filed_by_role)
        VALUES (p_supplier, p_consumer, p_conv, p_order, p_title, p_description,
                coalesce(p_priority, 'medium'), coalesce(p_attachments, '{}'), p_actor, p_role)
        RETURNING * INTO k;
    INSERT INTO complaint_events (complaint_id, from_status, to_status, actor_id, actor_role)
        VALUES (k.id, NULL, 'open', p_actor, p_role);
    RETURN scp_complaint_full(k);
END $$;

-- A staff member logs a complaint from one of its supplier's conversations; consumer_id
-- must be that conversation's consumer (seed 000 sends both).
CREATE OR REPLACE FUNCTION scp_complaint_log(p_supplier uuid, p_actor uuid, p_role text,
                                             p_conv uuid, p_consumer uuid, p_order uuid,
                                             p_title text, p_description text,
                                             p_priority text, p_attachments text[])
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c conversations;
BEGIN
    SELECT * INTO c FROM conversations WHERE id = p_conv AND supplier_id = p_supplier;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'conversation_id',
            MESSAGE = 'no such conversation of this supplier';
    END IF;
    IF c.consumer_id <> p_consumer THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'consumer_id',
            MESSAGE = 'is not the consumer of this conversation';
    END IF;
    RETURN scp_complaint_insert(p_supplier, p_consumer, p_conv,
                                coalesce(p_order, c.order_id), p_title, p_description,
                                p_priority, p_attachments, p_actor, p_role);
END $$;

-- A consumer files a complaint.  The supplier is the order's, the conversation's, or the
-- one named (which must agree with them); without an order or conversation it needs an
-- accepted link, as a conversation does.
CREATE OR REPLACE FUNCTION scp_complaint_file(p_consumer uuid, p_supplier uuid,
                                              p_conv uuid, p_order uuid, p_title text,
                                              p_description text, p_priority text,
                                              p_attachments text[])
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    sup uuid := p_supplier;
    other uuid;
    link text;
BEGIN
    IF p_order IS NOT NULL THEN
        SELECT o.supplier_id INTO other FROM catalog_orders o
            WHERE o.id = p_order AND o.consumer_id = p_consumer;
        IF NOT FOUND OR other <> coalesce(sup, other) THEN
            RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'order_id',
                MESSAGE = 'no such order of yours with this supplier';
        END IF;
        sup := other;
    END IF;
    IF p_conv IS NOT NULL THEN
        SELECT c.supplier_id INTO other FROM conversations c
            WHERE c.id = p_conv AND c.consumer_id = p_consumer;
        IF NOT FOUND OR other <> coalesce(sup, other) THEN
            RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'conversation_id',
                MESSAGE = 'no such conversation of yours with this supplier';
        END IF;
        sup := other;
    END IF;
    SELECT l.status INTO link FROM consumer_links l
        WHERE l.consumer_id = p_consumer AND l.supplier_id = sup;
    IF NOT EXISTS (SELECT 1 FROM suppliers WHERE id = sup) OR link = 'blocked' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'supplier not found';
    END IF;
    IF p_order IS NULL AND p_conv IS NULL AND link IS DISTINCT FROM 'accepted' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'a complaint needs an order, a conversation or an accepted link';
    END IF;
    RETURN scp_complaint_insert(sup, p_consumer, p_conv, p_order, p_title, p_description,
                                p_priority, p_attachments, p_consumer, 'consumer');
END $$;

-- Move a complaint of the caller's supplier to p_to (state_moves decides which moves
-- exist).  Escalating is a sales rep's; resolving needs a resolution of at least 10
-- characters.
CREATE OR REPLACE FUNCTION scp_complaint_move(p_id uuid, p_supplier uuid, p_actor uuid,
                                              p_role text, p_to text, p_resolution text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    k complaints;
BEGIN
    SELECT * INTO k FROM complaints WHERE id = p_id AND supplier_id = p_supplier FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'complaint not found';
    END IF;
    IF p_to = 'escalated' AND p_role <> 'sales_rep' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'only a sales rep escalates a complaint';
    END IF;
    PERFORM scp_state_check('complaint', k.status, p_to);
    IF p_to = 'resolved' AND coalesce(length(btrim(p_resolution)), 0) < 10 THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'resolution',
            MESSAGE = 'must be at least 10 characters';
    END IF;
    INSERT INTO complaint_events (complaint_id, from_status, to_status, actor_id, actor_role,
                                  note)
        VALUES (k.id, k.status, p_to, p_actor, p_role,
                CASE WHEN p_to = 'resolved' THEN p_resolution END);
    UPDATE complaints SET status = p_to, updated_at = now(),
           escalated_by = CASE WHEN p_to = 'escalated' THEN p_actor ELSE escalated_by END,
           escalated_at = CASE WHEN p_to = 'escalated' THEN now() ELSE escalated_at END,
           resolved_by = CASE WHEN p_to = 'resolved' THEN p_actor ELSE resolved_by END,
           resolved_at = CASE WHEN p_to = 'resolved' THEN now() ELSE resolved_at END,
           resolution = CASE WHEN p_to = 'resolved' THEN p_resolution ELSE resolution END,
           closed_at = CASE WHEN p_to = 'closed' THEN now() ELSE closed_at END
        WHERE id = k.id RETURNING * INTO k;
    IF p_to = 'escalated' THEN
        -- The owner and managers listen on the supplier's channel (so do sales reps:
        -- the event names who escalated, and clients show it to whom they choose).
        PERFORM scp_job_enqueue('complaint_escalated', jsonb_build_object(
            'complaint_id', k.id, 'supplier_id', k.supplier_id, 'consumer_id', k.consumer_id,
            'conversation_id', k.conversation_id, 'priority', k.priority, 'title', k.title,
            'escalated_by', p_actor, 'escalated_at', k.escalated_at,
            'notify_roles', jsonb_build_array('owner', 'manager'),
            'topic', '/ws/suppliers/' || k.supplier_id));
    END IF;
    RETURN scp_complaint_full(k);
END $$;

-- ---- canned replies ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION scp_canned_json(c canned_replies)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'supplier_id', c.supplier_id, 'title', c.title,
        'content', c.content, 'category', c.category, 'created_by', c.created_by,
        'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

-- Owners and managers delete any of their supplier's replies, a sales rep its own.
CREATE OR REPLACE FUNCTION scp_canned_delete(p_id uuid, p_supplier uuid, p_actor uuid,
                                             p_role text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c canned_replies;
BEGIN
    SELECT * INTO c FROM canned_replies WHERE id = p_id AND supplier_id = p_supplier
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'canned reply not found';
    END IF;
    IF p_role = 'sales_rep' AND c.created_by <> p_actor THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'a sales rep deletes only its own canned replies';
    END IF;
    DELETE FROM canned_replies WHERE id = c.id;
    RETURN scp_canned_json(c);
END $$;
