-- A conversation's last message and unread counts are read from its messages
-- (scp_conversation_json: the history index gives the newest, the unread index the
-- counts), no longer kept in its row: the row was every message's hot row, each sender
-- waiting for the one before it to commit (one busy conversation took a third fewer
-- messages a second than eight quiet ones).  A message moves the list order
-- (last_activity_at) without waiting for the row (scp_conversation_touch).
ALTER TABLE conversations
    DROP COLUMN last_message,
    DROP COLUMN last_message_at,
    DROP COLUMN consumer_unread,
    DROP COLUMN supplier_unread;
