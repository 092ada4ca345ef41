-- Cliick.io's live chat (seed 002, issue 13 item 4): a shop's conversations with its
-- customers on a channel (its web widget or a social platform), and their messages.
-- A customer has no account here: it is a name and its id on the platform.  The
-- messaging core's conversations (sql/040_messages.sql) are between two accounts
-- (consumer_id and supplier_id NOT NULL); these are kept in tables of their own that
-- take over its columns (status, assignee, tags, notes) and its machine 'conversation'
-- (sql/functions/12_state_moves.sql).  Functions: sql/functions/83_shop_chat.sql.

CREATE TABLE shop_conversations (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shop_id               uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    channel               text NOT NULL
                          CHECK (channel IN ('web', 'facebook', 'instagram', 'telegram',
                                             'viber', 'tiktok')),
    customer_name         text NOT NULL CHECK (length(customer_name) BETWEEN 1 AND 200),
    -- the customer's id on the platform (a page-scoped id, a chat id, ...)
    customer_external_id  text CHECK (length(customer_external_id) BETWEEN 1 AND 200),
    status                text NOT NULL DEFAULT 'open'
                          CHECK (status IN ('open', 'pending', 'closed')),
    assignee_id           uuid REFERENCES users(id) ON DELETE SET NULL,
    tags                  text[] NOT NULL DEFAULT '{}'
                          CONSTRAINT shop_conversations_tags_check CHECK (cardinality(tags) <= 20),
    notes                 text NOT NULL DEFAULT ''
                          CONSTRAINT shop_conversations_notes_check CHECK (length(notes) <= 5000),
    is_ai_active          boolean NOT NULL DEFAULT true,
    -- read by the team: false when a customer's message came in since
    is_read               boolean NOT NULL DEFAULT true,
    -- a web widget's conversation: the SHA-256 of the secret its customer holds
    widget_token_hash     text CHECK (widget_token_hash ~ '^[0-9a-f]{64}$'),
    last_message          text,
    last_message_at       timestamptz NOT NULL DEFAULT now(),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
-- One conversation per customer of a social channel: a second message finds it again.
CREATE UNIQUE INDEX shop_conversations_customer_key
    ON shop_conversations (shop_id, channel, customer_external_id)
    WHERE customer_external_id IS NOT NULL;
CREATE INDEX shop_conversations_list_idx
    ON shop_conversations (shop_id, last_message_at DESC, id DESC);

-- seq orders the history (ids are random, timestamps may tie): ?before=<id> pages by it.
CREATE TABLE shop_messages (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    conversation_id  uuid NOT NULL REFERENCES shop_conversations(id) ON DELETE CASCADE,
    shop_id          uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    sender           text NOT NULL CHECK (sender IN ('user', 'ai', 'seller')),
    -- the member who wrote a seller's message
    sender_id        uuid REFERENCES users(id) ON DELETE SET NULL,
    text             text NOT NULL DEFAULT ''
                     CONSTRAINT shop_messages_text_check CHECK (length(text) <= 5000),
    attachment_type  text CHECK (attachment_type IN ('image', 'video', 'gif')),
    attachment_url   text CHECK (length(attachment_url) <= 2048),
    attachment_name  text CHECK (length(attachment_name) <= 200),
    -- a team's note: seen by the team only, never sent to the customer
    is_note          boolean NOT NULL DEFAULT false,
    -- the platform's message id (a Messenger mid): a webhook replayed stores it once
    external_id      text CHECK (length(external_id) <= 200),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (text <> '' OR attachment_url IS NOT NULL),
    CHECK ((attachment_url IS NULL) = (attachment_type IS NULL))
);
CREATE INDEX shop_messages_history_idx ON shop_messages (conversation_id, seq DESC);
CREATE UNIQUE INDEX shop_messages_external_key ON shop_messages (shop_id, external_id)
    WHERE external_id IS NOT NULL;

-- Which shop a Messenger page or an Instagram account belongs to is its social connection
-- (shop_integrations.external_id, sql/086_shop_social.sql): a webhook's entry names it.
