-- WhatsApp: template messages queued for a user, messages sent, status webhooks
-- (sql/050_whatsapp.sql; cgi-bin/hooks/whatsapp.c, bin/worker_whatsapp.c).

-- The order of a message's statuses.  A status never moves back (Meta does not promise
-- the order of its webhooks), and failed, the highest, is final.
CREATE OR REPLACE FUNCTION scp_whatsapp_rank(p_status text)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_status WHEN 'accepted' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2
                         WHEN 'read' THEN 3 WHEN 'failed' THEN 4 END
$$;

-- Queue template p_template with body parameters p_params for user p_user's WhatsApp
-- (job whatsapp_template, sent by scp-worker).  Only to a phone the user has proven
-- (OTP, or entered by an administrator); a user without one gets nothing: NULL, else
-- the job's id.  Called in the transaction of the event it tells of.
CREATE OR REPLACE FUNCTION scp_whatsapp_template(p_user uuid, p_template text,
                                                 p_params text[])
RETURNS uuid LANGUAGE sql AS $$
    SELECT scp_job_enqueue('whatsapp_template', jsonb_build_object(
               'to', u.phone_number, 'template', p_template, 'language', 'en',
               'parameters', to_jsonb(coalesce(p_params, '{}'::text[])), 'user_id', u.id))
      FROM users u
     WHERE u.id = p_user AND u.phone_number IS NOT NULL AND u.phone_verified
$$;

-- scp-worker: the Cloud API accepted a message and answered its id.  A status update
-- that came first (the webhook can beat the worker's commit) sets its status at once.
CREATE OR REPLACE FUNCTION scp_whatsapp_sent(p_job uuid, p_kind text, p_to text,
                                             p_template text, p_user uuid, p_wamid text)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO whatsapp_messages (kind, to_phone, template, user_id, job_id, wamid, status,
                                   errors)
    SELECT p_kind, p_to, p_template, p_user, p_job, p_wamid,
           coalesce(s.status, 'accepted'), s.errors
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT status, errors FROM whatsapp_statuses
                          WHERE wamid = p_wamid
                          ORDER BY scp_whatsapp_rank(status) DESC LIMIT 1) s ON true
    ON CONFLICT (wamid) DO NOTHING
$$;

-- A verified webhook delivery: record each status update of its
-- entry[].changes[field = messages].value.statuses[] once per (message id, status), and
-- move the message's current status forward.  One statement, so the dedupe key and its
-- effect commit together; concurrent replays insert the key once, and only the
-- inserting one updates.  Anything else in the body (inbound messages, other fields,
-- unknown keys, malformed items) is skipped.  Returns how many updates were new.
CREATE OR REPLACE FUNCTION scp_whatsapp_statuses(p_body jsonb)
RETURNS int LANGUAGE sql AS $$
    WITH s AS (
        -- lax mode, silent: a missing or mistyped member yields nothing, never an error
        SELECT DISTINCT ON (st->>'id', st->>'status')
               st->>'id' AS wamid, st->>'status' AS status,
               left(st->>'recipient_id', 32) AS recipient_id,
               CASE WHEN st->>'timestamp' ~ '^[0-9]{1,12}$'
                    THEN to_timestamp((st->>'timestamp')::bigint) END AS at,
               CASE WHEN jsonb_typeof(st->'errors') = 'array' THEN st->'errors' END AS errors
          FROM jsonb_path_query(p_body,
                   '$.entry[*].changes[*] ? (@.field == "messages").value.statuses[*]',
                   '{}', true) st
         WHERE p_body->>'object' = 'whatsapp_business_account'
           AND jsonb_typeof(st) = 'object'
           AND st->>'status' IN ('sent', 'delivered', 'read', 'failed')
           AND length(st->>'id') BETWEEN 1 AND 256
    ), ins AS (
        INSERT INTO whatsapp_statuses (wamid, status, recipient_id, at, errors)
        SELECT wamid, status, recipient_id, at, errors FROM s
        ON CONFLICT DO NOTHING
        RETURNING wamid, status, errors
    ), best AS (
        SELECT DISTINCT ON (wamid) wamid, status, errors
          FROM ins ORDER BY wamid, scp_whatsapp_rank(status) DESC
    ), moved AS (
        UPDATE whatsapp_messages m
           SET status = b.status, errors = coalesce(b.errors, m.errors), updated_at = now()
          FROM best b
         WHERE m.wamid = b.wamid AND scp_whatsapp_rank(b.status) > scp_whatsapp_rank(m.status)
        RETURNING m.id
    )
    SELECT count(*)::int FROM ins
$$;
