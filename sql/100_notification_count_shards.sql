-- notification_counts is kept in shards: a (user, type) has up to 8 rows, one per
-- database backend modulo 8, and its counts are their sums.  One row per (user, type)
-- was the hot row of every write that notifies that user: a seller is told of each bid
-- on every one of its listings, a supplier's owner of each message in every
-- conversation, and each such commit waited for the one before it to end.  A shard's
-- row is touched only by the backends that map to it (a family's workers keep one
-- connection each), so concurrent writes rarely meet on one.  A read or a delete
-- subtracts in its own backend's shard, which may hold less than it subtracts: a shard
-- alone may go negative, the sums cannot (sql/functions/87_notifications.sql).
ALTER TABLE notification_counts
    DROP CONSTRAINT notification_counts_check,
    DROP CONSTRAINT notification_counts_total_check,
    ADD COLUMN shard smallint NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 7),
    DROP CONSTRAINT notification_counts_pkey,
    ADD PRIMARY KEY (user_id, type, shard);
