-- Each user's notification counts per type, kept by the triggers of
-- sql/functions/87_notifications.sql in the transaction of every insert, read and
-- delete: a list's total and unread_count are a few rows' sums instead of a count of
-- every notification the user has (thousands for a busy supplier's owner).
CREATE TABLE notification_counts (
    user_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type     text NOT NULL REFERENCES notification_types(type),
    total    bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
    unread   bigint NOT NULL DEFAULT 0 CHECK (unread >= 0 AND unread <= total),
    PRIMARY KEY (user_id, type)
);
INSERT INTO notification_counts (user_id, type, total, unread)
    SELECT user_id, type, count(*), count(*) FILTER (WHERE NOT is_read)
      FROM notifications GROUP BY user_id, type;
