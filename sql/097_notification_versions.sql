-- A version of each user's notifications: notification_counts.changes rises in the
-- transaction of every insert, read and delete of them (the triggers of
-- sql/functions/87_notifications.sql), so the sum of a user's rows changes whenever
-- anything a list of them shows changes.  A family keeps a user's rendered first pages
-- and serves one again while the sum is unchanged (cgi-bin/messages/notifications.c).
ALTER TABLE notification_counts ADD COLUMN IF NOT EXISTS changes bigint NOT NULL DEFAULT 0;
