-- WhatsApp messages and their delivery statuses (the hooks family, DESIGN §5 and §7).
-- Functions: sql/functions/88_whatsapp.sql.

-- One row per message the Cloud API accepted, written by scp-worker with the id the API
-- answered (wamid).  status is the furthest status Meta has reported for it: accepted
-- (the API took it) < sent < delivered < read, and failed, which nothing follows.
CREATE TABLE whatsapp_messages (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind IN ('otp', 'template')),
    to_phone    text NOT NULL,
    template    text NOT NULL,
    user_id     uuid REFERENCES users(id) ON DELETE SET NULL,
    -- the job that sent it (jobs are purged after a week, so no foreign key)
    job_id      uuid,
    wamid       text NOT NULL UNIQUE,
    status      text NOT NULL DEFAULT 'accepted'
                     CHECK (status IN ('accepted', 'sent', 'delivered', 'read', 'failed')),
    -- errors[] of a failed status, as Meta sent it
    errors      jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX whatsapp_messages_job_idx ON whatsapp_messages (job_id);
CREATE INDEX whatsapp_messages_user_idx ON whatsapp_messages (user_id, created_at);

-- Every status update received, once per (message, status): the dedupe key of the
-- webhook.  Kept apart from whatsapp_messages, as an update may arrive before the
-- worker has written the message's row (or for a message this system did not send).
CREATE TABLE whatsapp_statuses (
    wamid         text NOT NULL,
    status        text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
    recipient_id  text,
    -- when Meta says it happened (the update's timestamp)
    at            timestamptz,
    errors        jsonb,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (wamid, status)
);
