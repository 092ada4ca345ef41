-- The messages family (DESIGN §5, §6): conversations between a consumer and a
-- supplier's staff, their messages, complaints, and the staff's canned replies.
-- Functions and triggers: sql/functions/85_messages.sql and 86_complaints.sql.

-- ---- conversations -------------------------------------------------------------------------

-- One conversation per consumer, supplier and order (NULL: not about an order).  The
-- participants are the consumer and every staff member of the supplier.  The counters
-- and the last message are kept by scp_chat_send()/scp_chat_read() under the row's lock,
-- so a list shows them without reading any message.
CREATE TABLE conversations (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    consumer_id       uuid NOT NULL REFERENCES users(id),
    supplier_id       uuid NOT NULL REFERENCES suppliers(id),
    order_id          uuid REFERENCES catalog_orders(id),
    -- the sales rep the consumer asked for when opening it, if any
    sales_rep_id      uuid REFERENCES users(id),
    status            text NOT NULL DEFAULT 'open'
                           CHECK (status IN ('open', 'pending', 'closed')),
    assignee_id       uuid REFERENCES users(id),
    tags              text[] NOT NULL DEFAULT '{}'
                           CONSTRAINT conversations_tags_check CHECK (cardinality(tags) <= 20),
    notes             text CONSTRAINT conversations_notes_check CHECK (length(notes) <= 5000),
    last_message      text,
    last_message_at   timestamptz,
    -- the list order: the last message, or the opening
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    consumer_unread   int NOT NULL DEFAULT 0 CHECK (consumer_unread >= 0),
    supplier_unread   int NOT NULL DEFAULT 0 CHECK (supplier_unread >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX conversations_thread_key
    ON conversations (consumer_id, supplier_id, order_id) NULLS NOT DISTINCT;
CREATE INDEX conversations_consumer_idx
    ON conversations (consumer_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_supplier_idx
    ON conversations (supplier_id, last_activity_at DESC, id DESC);

-- seq orders a conversation's history: ids are random, and two messages may share a
-- timestamp; ?before=<id> pages by it, so a page never shifts when new messages arrive.
CREATE TABLE chat_messages (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id),
    sender_id        uuid NOT NULL REFERENCES users(id),
    sender_role      text NOT NULL,
    sender_side      text NOT NULL CHECK (sender_side IN ('consumer', 'supplier')),
    type             text NOT NULL DEFAULT 'text'
                          CHECK (type IN ('text', 'image', 'file', 'audio')),
    content          text NOT NULL DEFAULT ''
                          CONSTRAINT chat_messages_content_check CHECK (length(content) <= 5000),
    attachment_url   text CHECK (length(attachment_url) <= 2048),
    order_id         uuid REFERENCES catalog_orders(id),
    is_read          boolean NOT NULL DEFAULT false,
    read_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (content <> '' OR attachment_url IS NOT NULL)
);
CREATE INDEX chat_messages_history_idx ON chat_messages (conversation_id, seq DESC);
CREATE INDEX chat_messages_unread_idx ON chat_messages (conversation_id, sender_side)
    WHERE NOT is_read;

-- ---- complaints ------------------------------------------------------------------------------

CREATE TABLE complaints (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id      uuid NOT NULL REFERENCES suppliers(id),
    consumer_id      uuid NOT NULL REFERENCES users(id),
    conversation_id  uuid REFERENCES conversations(id),
    order_id         uuid REFERENCES catalog_orders(id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
    priority         text NOT NULL DEFAULT 'medium'
                          CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    status           text NOT NULL DEFAULT 'open'
                          CHECK (status IN ('open', 'escalated', 'resolved', 'closed')),
    attachments      text[] NOT NULL DEFAULT '{}' CHECK (cardinality(attachments) <= 10),
    filed_by         uuid NOT NULL REFERENCES users(id),
    filed_by_role    text NOT NULL,
    escalated_by     uuid REFERENCES users(id),
    escalated_at     timestamptz,
    resolved_by      uuid REFERENCES users(id),
    resolved_at      timestamptz,
    resolution       text CHECK (length(resolution) BETWEEN 10 AND 5000),
    closed_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaints_supplier_idx ON complaints (supplier_id, created_at DESC, id DESC);
CREATE INDEX complaints_consumer_idx ON complaints (consumer_id, created_at DESC, id DESC);
-- has_active_complaint of a conversation
CREATE INDEX complaints_active_idx ON complaints (conversation_id)
    WHERE status IN ('open', 'escalated');

CREATE TABLE complaint_events (
    id            bigserial PRIMARY KEY,
    complaint_id  uuid NOT NULL REFERENCES complaints(id),
    from_status   text,
    to_status     text NOT NULL,
    actor_id      uuid NOT NULL REFERENCES users(id),
    actor_role    text NOT NULL,
    note          text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_events_complaint_idx ON complaint_events (complaint_id, id);

-- ---- canned replies --------------------------------------------------------------------------

CREATE TABLE canned_replies (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    supplier_id  uuid NOT NULL REFERENCES suppliers(id),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    content      text NOT NULL CHECK (length(content) BETWEEN 1 AND 5000),
    category     text NOT NULL DEFAULT 'general' CHECK (length(category) BETWEEN 1 AND 100),
    created_by   uuid NOT NULL REFERENCES users(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- Named for the field a duplicate names (409 "title is already taken").
CREATE UNIQUE INDEX canned_replies_title_key ON canned_replies (supplier_id, lower(title));
CREATE INDEX canned_replies_category_idx ON canned_replies (supplier_id, lower(category));
