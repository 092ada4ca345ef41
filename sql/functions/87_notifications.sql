-- Notifications (issue 11): who is told what, derived centrally from the outbox.
--
-- Every real-time event is a job written in the transaction of its change (DESIGN §1);
-- an AFTER INSERT trigger on jobs turns the event kinds that concern users into
-- notification rows for the users concerned, computed from the payload and the tables
-- (the previous highest bidder, a supplier's owner and managers…), in that same
-- transaction: a change that rolls back notifies nobody, and no family's function
-- changes.  Three things have no event job, and get a trigger on their own table
-- instead: a link request and its answer (consumer_links), a complaint logged
-- (complaints).  auction_ending is queued when a listing is approved, to run later: it
-- is noted when scp-worker has published it (the job's move to done), under the
-- worker's own check that the auction still ends then.
--
-- Each notification row queues a `notification` job to /ws/users/<id> (scp-worker
-- publishes it after the commit).  A type the user switched off for in_app is not
-- written at all.  Rules of who gets what: docs/decisions.md, "Notifications".

-- The types, as state_moves is written (12_state_moves.sql): this list is their source.
-- Rows are only added: a notification of a type once written keeps its type.
INSERT INTO notification_types (type) VALUES
    ('bid_placed'), ('outbid'), ('listing_approved'), ('listing_rejected'),
    ('auction_ending'), ('auction_won'), ('order_update'), ('task_assigned'),
    ('message'), ('link_request'), ('link_response'), ('complaint_logged'),
    ('complaint_escalated')
    ON CONFLICT DO NOTHING;

-- The API's notification, {id, user_id, type, title, message, body (= message), data,
-- priority, target_id, is_read, read_at, created_at}: the view's columns in that order.
-- A list aggregates the view's rows as they are (json_agg of plain rows costs half of a
-- json_build_object a row); scp_notification_json makes one from a row in hand (a
-- RETURNING's new row, which a lookup would not see yet).  The two name the same
-- columns; tests/t/messages-350-notifications.t compares them over every notification.
CREATE OR REPLACE VIEW notifications_api AS
    SELECT id, user_id, type, title, message, message AS body, data, priority, target_id,
           is_read, read_at, created_at
      FROM notifications;

CREATE OR REPLACE FUNCTION scp_notification_json(n notifications)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT to_json(v) FROM (SELECT n.id, n.user_id, n.type, n.title, n.message,
        n.message AS body, n.data, n.priority, n.target_id, n.is_read, n.read_at,
        n.created_at) v
$$;

-- Write one notification, unless the user is not active or switched the type off, and
-- queue its live event.
CREATE OR REPLACE FUNCTION scp_notify(p_user uuid, p_type text, p_title text,
                                      p_message text, p_data jsonb, p_priority text,
                                      p_target uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n notifications;
    pref notification_preferences;
    item jsonb;
BEGIN
    SELECT * INTO pref FROM notification_preferences WHERE user_id = p_user AND type = p_type;
    IF p_user IS NULL OR NOT EXISTS (SELECT 1 FROM users WHERE id = p_user AND status = 'active')
    THEN
        RETURN;
    END IF;
    /*
     * Opted in to WhatsApp: the Cloud API template named as the type (an approved
     * template per type, seed 001's bid_placed, order_update…), with the title and the
     * message as its two body parameters; sent by scp-worker (whatsapp_template jobs).
     */
    IF pref.whatsapp THEN
        PERFORM scp_whatsapp_template(p_user, p_type, ARRAY[p_title, coalesce(p_message, '')]);
    END IF;
    IF NOT coalesce(pref.in_app, true) THEN
        RETURN;
    END IF;
    INSERT INTO notifications (user_id, type, title, message, data, priority, target_id)
        VALUES (p_user, p_type, p_title, coalesce(p_message, ''),
                jsonb_strip_nulls(coalesce(p_data, '{}')), coalesce(p_priority, 'normal'),
                p_target)
        RETURNING * INTO n;
    item := jsonb_build_object('user_id', p_user, 'notification', scp_notification_json(n)::jsonb,
                               'topic', '/ws/users/' || p_user);
    /*
     * Inside an event job's trigger (scp_notifications_from_job) the live notification
     * rides with that job: scp-worker publishes it after the event, and the transaction
     * writes one job, not one more per notification.  Elsewhere it is its own job.
     */
    IF current_setting('scp.notify_collect', true) = 'on' THEN
        PERFORM set_config('scp.notified',
            (coalesce(nullif(current_setting('scp.notified', true), ''), '[]')::jsonb
             || jsonb_build_array(item))::text, true);
    ELSE
        PERFORM scp_job_enqueue('notification', item);
    END IF;
END $$;

-- Several notifications in one statement, one per user of p_users, returning the live
-- items ([{user_id, notification, topic, member}], in p_users' order) for the caller to
-- put in the payload of the one event job it writes: no notify_collect ride (an UPDATE
-- of the job just inserted) and no PL/pgSQL call per user.  The i-th type, title,
-- message, data and priority are the i-th user's; an array of one element is every
-- user's (a message to a supplier's staff: one text for all).  A bid's bid_placed and
-- outbid are one call: two calls cost a third more of the bid's CPU than one (pgbench,
-- 8 clients, the statement and its triggers each run once, not twice).  The same rules
-- as scp_notify: only active users (a NULL user is nobody), WhatsApp templates for
-- those who opted in, nothing in-app for those who switched the type off.  NULL when
-- nobody is notified in-app.  The notification is scp_notification_json's, written
-- out: a call of that SQL function per row is planned again each time (it is not
-- inlined over a RETURNING's row), as jsonb its keys' order is no matter.  Its
-- statement is planned once per session (plan_cache_mode): left to choose, PostgreSQL
-- planned it again on every call, since a custom plan knows how many users the array
-- holds and so always looks cheaper than the generic one; planning was more than half
-- of its time (pg_stat_statements: 0.52 ms of planning to 0.41 ms of run).
CREATE OR REPLACE FUNCTION scp_notify_each(p_users uuid[], p_types text[], p_titles text[],
                                           p_messages text[], p_data jsonb[],
                                           p_priorities text[], p_target uuid)
RETURNS jsonb LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    items jsonb;
BEGIN
    WITH x AS (
        SELECT x.id, x.ord,
               CASE WHEN cardinality(p_types) = 1 THEN p_types[1] ELSE p_types[x.ord] END AS type,
               CASE WHEN cardinality(p_titles) = 1 THEN p_titles[1] ELSE p_titles[x.ord] END AS title,
               coalesce(CASE WHEN cardinality(p_messages) = 1 THEN p_messages[1]
                             ELSE p_messages[x.ord] END, '') AS message,
               jsonb_strip_nulls(coalesce(CASE WHEN cardinality(p_data) = 1 THEN p_data[1]
                                               ELSE p_data[x.ord] END, '{}')) AS data,
               coalesce(CASE WHEN cardinality(p_priorities) = 1 THEN p_priorities[1]
                             ELSE p_priorities[x.ord] END, 'normal') AS priority
          FROM unnest(p_users) WITH ORDINALITY x(id, ord)),
    r AS (
        SELECT x.*, coalesce(p.in_app, true) AS in_app, coalesce(p.whatsapp, false) AS wa
          FROM x
          JOIN users u ON u.id = x.id AND u.status = 'active'
          LEFT JOIN notification_preferences p ON p.user_id = x.id AND p.type = x.type),
    w AS (SELECT count(scp_whatsapp_template(r.id, r.type, ARRAY[r.title, r.message])) AS k
            FROM r WHERE r.wa),
    n AS (
        INSERT INTO notifications AS y (user_id, type, title, message, data, priority, target_id)
        SELECT r.id, r.type, r.title, r.message, r.data, r.priority, p_target
          FROM r WHERE r.in_app ORDER BY r.ord
        RETURNING y)
    SELECT jsonb_agg(jsonb_build_object('user_id', (n.y).user_id,
                         'notification', jsonb_build_object('id', (n.y).id,
                             'user_id', (n.y).user_id, 'type', (n.y).type,
                             'title', (n.y).title, 'message', (n.y).message,
                             'body', (n.y).message, 'data', (n.y).data,
                             'priority', (n.y).priority, 'target_id', (n.y).target_id,
                             'is_read', (n.y).is_read, 'read_at', (n.y).read_at,
                             'created_at', (n.y).created_at),
                         'topic', '/ws/users/' || (n.y).user_id,
                         -- in some shop: Cliick's WebSocket is told too (bin/worker_events.c)
                         'member', EXISTS (SELECT 1 FROM shop_members m
                                            WHERE m.user_id = (n.y).user_id))
                     ORDER BY array_position(p_users, (n.y).user_id))
      INTO items
      FROM n, w;
    RETURN items;
END $$;

-- The same notification for several users (a message to a supplier's staff): inlined
-- into its caller's statement, so it costs no call of its own.
CREATE OR REPLACE FUNCTION scp_notify_set(p_users uuid[], p_type text, p_title text,
                                          p_message text, p_data jsonb, p_priority text,
                                          p_target uuid)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT scp_notify_each(p_users, ARRAY[p_type], ARRAY[p_title], ARRAY[p_message],
                           ARRAY[p_data], ARRAY[p_priority], p_target)
$$;

-- The same notification for a supplier's active staff of the given roles, but p_except.
CREATE OR REPLACE FUNCTION scp_notify_staff(p_supplier uuid, p_roles text[], p_except uuid,
                                            p_type text, p_title text, p_message text,
                                            p_data jsonb, p_priority text, p_target uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    u uuid;
BEGIN
    FOR u IN SELECT id FROM users WHERE supplier_id = p_supplier AND role = ANY (p_roles)
                AND status = 'active' AND id IS DISTINCT FROM p_except ORDER BY created_at, id
    LOOP
        PERFORM scp_notify(u, p_type, p_title, p_message, p_data, p_priority, p_target);
    END LOOP;
END $$;

-- "Samsung Galaxy S21", "INR 12500.00": how the texts name a device and an amount.
CREATE OR REPLACE FUNCTION scp_notification_device(l listings) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT l.brand || ' ' || l.model
$$;
-- STABLE, as to_char is: declared IMMUTABLE over it, it was never inlined, and was
-- planned again on every bid's notification.
CREATE OR REPLACE FUNCTION scp_notification_money(p_currency text, p_minor bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT p_currency || ' ' || to_char(p_minor / 100.0, 'FM999999999999990.00')
$$;
-- A catalog order's number as the apps show it (85_messages.sql: the first 8 of its id).
CREATE OR REPLACE FUNCTION scp_notification_order_no(p_order uuid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT upper(left(p_order::text, 8))
$$;

-- ---- from the outbox -------------------------------------------------------------------

-- An instant win (auction_won) outbids the previous highest bidder, unless that is the
-- same vendor.  A bid that leaves the auction live writes its bid_placed and outbid in
-- its own statement (scp_bid_place, 65_bids.sql), and a chat message its own (scp_chat_send),
-- each into its event job's payload: the jobs trigger below never sees those kinds.
CREATE OR REPLACE FUNCTION scp_notify_outbid(l listings, b bids) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    prev uuid;
BEGIN
    SELECT vendor_id INTO prev FROM bids
     WHERE listing_id = l.id AND amount < b.amount ORDER BY amount DESC LIMIT 1;
    IF prev IS NOT NULL AND prev <> b.vendor_id THEN
        PERFORM scp_notify(prev, 'outbid', 'You have been outbid',
            format('A bid of %s beat yours on %s.',
                   scp_notification_money(l.currency, b.amount), scp_notification_device(l)),
            jsonb_build_object('listing_id', l.id, 'bid_id', b.id,
                               'amount', scp_au_money(b.amount), 'status', l.status),
            'high', l.id);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION scp_notifications_from_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('scp.notify_collect', 'on', true);
    PERFORM set_config('scp.notified', '', true);
    PERFORM scp_notifications_of_job(NEW);
    PERFORM set_config('scp.notify_collect', '', true);
    /*
     * After the row, not before: a bid's statement writes the bid and its job in one
     * statement, whose other rows a BEFORE trigger could not see yet.  Updating the
     * job's payload costs less than a job and a NOTIFY per notification.
     */
    IF current_setting('scp.notified', true) <> '' THEN
        UPDATE jobs SET payload = payload || jsonb_build_object('notifications',
                                                current_setting('scp.notified')::jsonb)
         WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

-- The notifications an event job's change means (the job carries their live events:
-- scp_notify above).
CREATE OR REPLACE FUNCTION scp_notifications_of_job(j jobs) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    p jsonb := j.payload;
    l listings;
    b bids;
    o auction_orders;
    c catalog_orders;
    m jsonb;
    actor uuid;
    who text;
    u uuid;
BEGIN
    CASE j.kind
    WHEN 'auction_won' THEN
        -- The winner; the seller, whose device is sold and has an order now; on an
        -- instant win, the bidder it beat.
        SELECT * INTO b FROM bids WHERE id = (p->>'bid_id')::uuid;
        SELECT * INTO l FROM listings WHERE id = b.listing_id;
        IF FOUND THEN
            PERFORM scp_notify(b.vendor_id, 'auction_won', 'You won the auction',
                format('You won %s for %s.', scp_notification_device(l),
                       scp_notification_money(l.currency, b.amount)),
                jsonb_build_object('listing_id', l.id, 'order_id', p->>'order_id',
                                   'bid_id', b.id, 'amount', scp_au_money(b.amount)),
                'high', l.id);
            PERFORM scp_notify(l.client_id, 'order_update', 'Your device is sold',
                format('%s sold for %s; a pickup will be arranged.',
                       scp_notification_device(l), scp_notification_money(l.currency, b.amount)),
                jsonb_build_object('listing_id', l.id, 'order_id', p->>'order_id',
                                   'status', 'pending_pickup', 'amount', scp_au_money(b.amount)),
                'high', (p->>'order_id')::uuid);
            IF b.is_instant_win THEN
                PERFORM scp_notify_outbid(l, b);
            END IF;
        END IF;

    WHEN 'listing_approved' THEN
        SELECT * INTO l FROM listings WHERE id = (p->>'listing_id')::uuid;
        IF FOUND THEN
            PERFORM scp_notify(l.client_id, 'listing_approved', 'Your listing is live',
                format('%s was approved; its auction ends at %s.', scp_notification_device(l),
                       to_char(l.auction_end_time AT TIME ZONE 'UTC',
                               'YYYY-MM-DD HH24:MI "UTC"')),
                jsonb_build_object('listing_id', l.id, 'auction_end_time', l.auction_end_time),
                'normal', l.id);
        END IF;

    WHEN 'listing_rejected' THEN
        SELECT * INTO l FROM listings WHERE id = (p->>'listing_id')::uuid;
        IF FOUND THEN
            PERFORM scp_notify(l.client_id, 'listing_rejected', 'Your listing was not approved',
                format('%s was rejected: %s', scp_notification_device(l),
                       coalesce(l.rejection_reason, p->>'reason', '')),
                jsonb_build_object('listing_id', l.id, 'reason', l.rejection_reason),
                'normal', l.id);
        END IF;

    WHEN 'task_assigned' THEN
        SELECT * INTO l FROM listings WHERE id = (p->>'listing_id')::uuid;
        PERFORM scp_notify((p->>'agent_id')::uuid, 'task_assigned', 'New pickup task',
            format('Pick up %s in %s.', coalesce(scp_notification_device(l), 'a device'),
                   coalesce(l.city, 'the seller''s city')),
            jsonb_build_object('task_id', p->>'task_id', 'listing_id', p->>'listing_id',
                               'order_id', p->>'order_id'),
            CASE WHEN p->>'priority' IN ('high', 'normal', 'low') THEN p->>'priority'
                 ELSE 'normal' END,
            (p->>'task_id')::uuid);

    WHEN 'order_updated' THEN
        IF p ? 'vendor_id' THEN
            -- An auction order: its client, vendor and agent, but whoever moved it.
            SELECT * INTO o FROM auction_orders WHERE id = (p->>'order_id')::uuid;
            IF NOT FOUND THEN
                RETURN;
            END IF;
            SELECT * INTO l FROM listings WHERE id = o.listing_id;
            SELECT h.updated_by INTO actor FROM auction_order_history h
             WHERE h.order_id = o.id ORDER BY h.id DESC LIMIT 1;
            FOR u IN SELECT DISTINCT x FROM unnest(ARRAY[o.client_id, o.vendor_id, o.agent_id]) x
                      WHERE x IS NOT NULL AND x IS DISTINCT FROM actor
            LOOP
                PERFORM scp_notify(u, 'order_update', 'Order update',
                    format('The order for %s is now %s.', scp_notification_device(l),
                           replace(o.status, '_', ' ')),
                    jsonb_build_object('order_id', o.id, 'listing_id', o.listing_id,
                                       'status', o.status),
                    CASE WHEN o.status = 'cancelled' THEN 'high' ELSE 'normal' END, o.id);
            END LOOP;
        ELSE
            -- A catalog order: the other side of whoever moved it.  The consumer places
            -- and cancels (the supplier's staff are told), the staff decide and fulfil
            -- (the consumer is told).
            SELECT * INTO c FROM catalog_orders WHERE id = (p->>'order_id')::uuid;
            IF NOT FOUND THEN
                RETURN;
            END IF;
            m := jsonb_build_object('order_id', c.id, 'supplier_id', c.supplier_id,
                                    'consumer_id', c.consumer_id, 'status', p->>'status',
                                    'from_status', p->>'from_status');
            IF p->>'from_status' IS NULL OR p->>'status' = 'cancelled' THEN
                SELECT scp_person_name(x) INTO who FROM users x WHERE x.id = c.consumer_id;
                PERFORM scp_notify_staff(c.supplier_id, ARRAY['owner', 'manager', 'sales_rep'],
                    NULL, 'order_update',
                    CASE WHEN p->>'from_status' IS NULL THEN 'New order' ELSE 'Order cancelled' END,
                    format(CASE WHEN p->>'from_status' IS NULL
                                THEN '%s placed order %s (%s %s).'
                                ELSE '%s cancelled order %s (%s %s).' END,
                           who, scp_notification_order_no(c.id), c.currency,
                           to_char(c.total_minor / 100.0, 'FM999999999999990.00')),
                    m, CASE WHEN p->>'from_status' IS NULL THEN 'high' ELSE 'normal' END, c.id);
            ELSE
                SELECT s.name INTO who FROM suppliers s WHERE s.id = c.supplier_id;
                PERFORM scp_notify(c.consumer_id, 'order_update',
                    format('Order %s %s', scp_notification_order_no(c.id),
                           replace(p->>'status', '_', ' ')),
                    format(CASE p->>'status'
                               WHEN 'accepted' THEN '%s accepted your order %s.'
                               WHEN 'rejected' THEN '%s rejected your order %s.'
                               WHEN 'in_progress' THEN '%s is preparing your order %s.'
                               WHEN 'completed' THEN '%s completed your order %s.'
                               ELSE '%s updated your order %s.' END,
                           who, scp_notification_order_no(c.id))
                        || coalesce(' ' || (p->>'reason'), ''),
                    m, CASE WHEN p->>'status' = 'rejected' THEN 'high' ELSE 'normal' END, c.id);
            END IF;
        END IF;

    WHEN 'complaint_escalated' THEN
        PERFORM scp_notify_staff((p->>'supplier_id')::uuid, ARRAY['owner', 'manager'],
            (p->>'escalated_by')::uuid, 'complaint_escalated', 'Complaint escalated',
            coalesce(p->>'title', 'A complaint was escalated.'),
            jsonb_build_object('complaint_id', p->>'complaint_id',
                               'conversation_id', p->>'conversation_id',
                               'consumer_id', p->>'consumer_id', 'priority', p->>'priority'),
            'high', (p->>'complaint_id')::uuid);
    ELSE
        NULL;
    END CASE;
    RETURN;
END $$;
CREATE OR REPLACE TRIGGER jobs_notifications AFTER INSERT ON jobs
    FOR EACH ROW
    WHEN (NEW.kind IN ('auction_won', 'listing_approved', 'listing_rejected',
                       'task_assigned', 'order_updated', 'complaint_escalated')
          AND NOT NEW.payload ? 'notifications')
    EXECUTE FUNCTION scp_notifications_from_job();

-- auction_ending, once scp-worker has published it (it publishes only while the auction
-- is live and still ends when the job said): every vendor who bid and every watcher,
-- but the seller.
CREATE OR REPLACE FUNCTION scp_notifications_auction_ending() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    l listings;
    u uuid;
BEGIN
    SELECT * INTO l FROM listings WHERE id = (NEW.payload->>'listing_id')::uuid
       AND status = 'live' AND auction_end_time = (NEW.payload->>'auction_end_time')::timestamptz;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    FOR u IN SELECT x FROM (SELECT vendor_id FROM bids WHERE listing_id = l.id
                            UNION SELECT user_id FROM listing_watchers WHERE listing_id = l.id) s(x)
              WHERE x <> l.client_id ORDER BY x
    LOOP
        PERFORM scp_notify(u, 'auction_ending', 'Auction ending soon',
            format('The auction for %s ends at %s.', scp_notification_device(l),
                   to_char(l.auction_end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')),
            jsonb_build_object('listing_id', l.id, 'auction_end_time', l.auction_end_time,
                               'current_bid', scp_au_money(l.current_bid),
                               'is_highest_bidder', l.current_bidder_id = u),
            'high', l.id);
    END LOOP;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER jobs_notifications_ending AFTER UPDATE OF status ON jobs
    FOR EACH ROW
    WHEN (NEW.kind = 'auction_ending' AND NEW.status = 'done' AND OLD.status <> 'done')
    EXECUTE FUNCTION scp_notifications_auction_ending();

-- ---- from tables without an event ---------------------------------------------------------

-- A link request (new, or again after a rejection): the supplier's owner and managers.
-- A decision to accepted or rejected (approve, reject, unblock, a change of mind): the
-- consumer.  Blocking tells nobody.
CREATE OR REPLACE FUNCTION scp_notifications_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who text;
BEGIN
    IF NEW.status = 'pending' AND (TG_OP = 'INSERT' OR OLD.status <> 'pending') THEN
        SELECT coalesce(u.company_name, scp_person_name(u)) INTO who
          FROM users u WHERE u.id = NEW.consumer_id;
        PERFORM scp_notify_staff(NEW.supplier_id, ARRAY['owner', 'manager'], NULL,
            'link_request', 'New link request',
            format('%s asks to link with you.', who)
                || coalesce(' "' || left(NEW.message, 200) || '"', ''),
            jsonb_build_object('link_id', NEW.id, 'consumer_id', NEW.consumer_id,
                               'supplier_id', NEW.supplier_id),
            'normal', NEW.id);
    ELSIF TG_OP = 'UPDATE' AND NEW.status IN ('accepted', 'rejected')
          AND OLD.status <> NEW.status THEN
        SELECT s.name INTO who FROM suppliers s WHERE s.id = NEW.supplier_id;
        PERFORM scp_notify(NEW.consumer_id, 'link_response',
            CASE NEW.status WHEN 'accepted' THEN 'Link accepted' ELSE 'Link request declined' END,
            format(CASE NEW.status WHEN 'accepted' THEN '%s accepted your link: its catalog is open to you.'
                                   ELSE '%s declined your link request.' END, who),
            jsonb_build_object('link_id', NEW.id, 'supplier_id', NEW.supplier_id,
                               'status', NEW.status),
            'normal', NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER consumer_links_notifications AFTER INSERT OR UPDATE OF status
    ON consumer_links FOR EACH ROW EXECUTE FUNCTION scp_notifications_link();

-- A complaint filed by a consumer or logged by staff: the owner and managers, but the
-- one who logged it.
CREATE OR REPLACE FUNCTION scp_notifications_complaint() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who text;
BEGIN
    SELECT coalesce(u.company_name, scp_person_name(u)) INTO who
      FROM users u WHERE u.id = NEW.consumer_id;
    PERFORM scp_notify_staff(NEW.supplier_id, ARRAY['owner', 'manager'], NEW.filed_by,
        'complaint_logged', 'New complaint',
        format('%s: %s', who, NEW.title),
        jsonb_build_object('complaint_id', NEW.id, 'conversation_id', NEW.conversation_id,
                           'order_id', NEW.order_id, 'consumer_id', NEW.consumer_id,
                           'priority', NEW.priority),
        CASE WHEN NEW.priority IN ('high', 'urgent') THEN 'high' ELSE 'normal' END, NEW.id);
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER complaints_notifications AFTER INSERT ON complaints
    FOR EACH ROW EXECUTE FUNCTION scp_notifications_complaint();

-- ---- the API's reads and writes ----------------------------------------------------------------

-- Every type with its channels, {type: {in_app, whatsapp}}: in-app on unless switched
-- off, WhatsApp off unless switched on.
CREATE OR REPLACE FUNCTION scp_notification_prefs(p_user uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('preferences', json_object_agg(t.type,
        json_build_object('in_app', coalesce(p.in_app, true),
                          'whatsapp', coalesce(p.whatsapp, false)) ORDER BY t.type))
      FROM notification_types t
      LEFT JOIN notification_preferences p ON p.user_id = p_user AND p.type = t.type
$$;

-- Change some of them: p_set is {type: {channel: boolean}}.  Unknown types and
-- channels, and values that are not booleans, come back as errors ([{field, message}])
-- and nothing is written.
CREATE OR REPLACE FUNCTION scp_notification_prefs_set(p_user uuid, p_set jsonb)
RETURNS TABLE (prefs json, errors json) LANGUAGE plpgsql AS $$
DECLARE
    errs jsonb := '[]';
    t text;
    v jsonb;
    ch text;
    cv jsonb;
BEGIN
    IF jsonb_typeof(p_set) <> 'object' THEN
        RETURN QUERY SELECT NULL::json, json_build_array(json_build_object(
            'field', 'body', 'message', 'must be an object of types'));
        RETURN;
    END IF;
    FOR t, v IN SELECT * FROM jsonb_each(p_set) LOOP
        IF NOT EXISTS (SELECT 1 FROM notification_types WHERE type = t) THEN
            errs := errs || jsonb_build_object('field', t, 'message', 'unknown notification type');
        ELSIF jsonb_typeof(v) <> 'object' THEN
            errs := errs || jsonb_build_object('field', t,
                'message', 'must be an object of channels (in_app, whatsapp)');
        ELSE
            FOR ch, cv IN SELECT * FROM jsonb_each(v) LOOP
                IF ch NOT IN ('in_app', 'whatsapp') THEN
                    errs := errs || jsonb_build_object('field', t || '.' || ch,
                        'message', 'unknown channel');
                ELSIF jsonb_typeof(cv) <> 'boolean' THEN
                    errs := errs || jsonb_build_object('field', t || '.' || ch,
                        'message', 'must be true or false');
                END IF;
            END LOOP;
        END IF;
    END LOOP;
    IF jsonb_array_length(errs) > 0 THEN
        RETURN QUERY SELECT NULL::json, errs::json;
        RETURN;
    END IF;
    INSERT INTO notification_preferences AS p (user_id, type, in_app, whatsapp)
        SELECT p_user, e.key, coalesce((e.value->>'in_app')::boolean, true),
               coalesce((e.value->>'whatsapp')::boolean, false)
          FROM jsonb_each(p_set) e
        ON CONFLICT (user_id, type) DO UPDATE
           SET in_app = CASE WHEN p_set->EXCLUDED.type ? 'in_app'
                             THEN EXCLUDED.in_app ELSE p.in_app END,
               whatsapp = CASE WHEN p_set->EXCLUDED.type ? 'whatsapp'
                               THEN EXCLUDED.whatsapp ELSE p.whatsapp END,
               updated_at = now();
    RETURN QUERY SELECT scp_notification_prefs(p_user), NULL::json;
END $$;

-- scp-worker's sweep: read notifications older than notification_retention_days go,
-- at most 10 000 a pass (the sweep runs every minute).
CREATE OR REPLACE FUNCTION scp_notifications_prune() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    DELETE FROM notifications WHERE id IN (
        SELECT id FROM notifications WHERE is_read
           AND read_at < now() - make_interval(days => scp_setting_int('notification_retention_days')::int)
         LIMIT 10000);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- notification_counts (sql/055_notification_counts.sql) follows every insert, read and
-- delete, a statement at a time: marking 5 000 read is one update per type, not 5 000.
-- A notification's user and type never change (nothing updates them).  Each also
-- raises the row's changes, the version of the user's lists (sql/097).  Every change
-- is added to the shard of the backend that makes it (sql/100): concurrent writes that
-- notify one user (a seller on each bid of every one of its listings, a supplier's
-- owner on each message of every conversation) add to different rows.
-- An insert's count is also added at commit (a deferred row trigger), not by the
-- statement: the lock of the shard's row is held for the commit only, and a write
-- sharing a shard with another waits for that commit, not for its whole transaction.
CREATE OR REPLACE FUNCTION scp_notification_count_shard() RETURNS smallint
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT (pg_backend_pid() % 8)::smallint
$$;

CREATE OR REPLACE FUNCTION scp_notification_counts_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_counts AS c (user_id, type, shard, total, unread, changes)
        VALUES (NEW.user_id, NEW.type, scp_notification_count_shard(), 1,
                (NOT NEW.is_read)::int, 1)
        ON CONFLICT (user_id, type, shard) DO UPDATE
           SET total = c.total + 1, unread = c.unread + EXCLUDED.unread,
               changes = c.changes + 1;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION scp_notification_counts_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_counts AS c (user_id, type, shard, total, unread, changes)
        SELECT n.user_id, n.type, scp_notification_count_shard(), 0,
               sum(o.is_read::int - n.is_read::int), 1
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE o.is_read <> n.is_read
         GROUP BY n.user_id, n.type
        ON CONFLICT (user_id, type, shard) DO UPDATE
           SET unread = c.unread + EXCLUDED.unread, changes = c.changes + 1;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION scp_notification_counts_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_counts AS c (user_id, type, shard, total, unread, changes)
        SELECT user_id, type, scp_notification_count_shard(), -count(*),
               -count(*) FILTER (WHERE NOT is_read), 1
          FROM old_rows o
         -- A deleted user's notifications go with it, and so do its counts.
         WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)
         GROUP BY user_id, type
        ON CONFLICT (user_id, type, shard) DO UPDATE
           SET total = c.total + EXCLUDED.total, unread = c.unread + EXCLUDED.unread,
               changes = c.changes + 1;
    RETURN NULL;
END $$;

-- A constraint trigger has no OR REPLACE: dropped and made again each time this file runs.
DROP TRIGGER IF EXISTS notifications_counts_insert ON notifications;
CREATE CONSTRAINT TRIGGER notifications_counts_insert AFTER INSERT ON notifications
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION scp_notification_counts_insert();
CREATE OR REPLACE TRIGGER notifications_counts_update AFTER UPDATE ON notifications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scp_notification_counts_update();
CREATE OR REPLACE TRIGGER notifications_counts_delete AFTER DELETE ON notifications
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scp_notification_counts_delete();
