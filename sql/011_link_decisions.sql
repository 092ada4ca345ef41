-- Consumer links show when each kind of decision was last taken (the supplier portal
-- reads approved_at and rejected_at, the apps approved_at): approved_at becomes the
-- latest move to accepted (it was only the first approval of a pending request), and
-- rejected_at and blocked_at are new.  Backfilled from the links' events, else from
-- decided_at for the link's current state; only the decisions on the current request
-- (a new request clears them).  Supplier documents gain is_linked.

ALTER TABLE consumer_links ADD COLUMN rejected_at timestamptz,
                           ADD COLUMN blocked_at timestamptz;

UPDATE consumer_links l SET
    approved_at = coalesce(e.accepted, l.approved_at,
                           CASE WHEN l.status = 'accepted' THEN l.decided_at END),
    rejected_at = coalesce(e.rejected, CASE WHEN l.status = 'rejected' THEN l.decided_at END),
    blocked_at = coalesce(e.blocked, CASE WHEN l.status = 'blocked' THEN l.decided_at END)
FROM (SELECT k.id,
             (SELECT max(v.at) FROM consumer_link_events v
               WHERE v.link_id = k.id AND v.to_status = 'accepted' AND v.at >= k.requested_at) AS accepted,
             (SELECT max(v.at) FROM consumer_link_events v
               WHERE v.link_id = k.id AND v.to_status = 'rejected' AND v.at >= k.requested_at) AS rejected,
             (SELECT max(v.at) FROM consumer_link_events v
               WHERE v.link_id = k.id AND v.to_status = 'blocked' AND v.at >= k.requested_at) AS blocked
        FROM consumer_links k) e
WHERE e.id = l.id AND l.status <> 'pending';

-- A supplier as a consumer sees it: is the caller's link accepted?  Appended, so the
-- documents keep their key order.
ALTER TYPE scp_supplier_view ADD ATTRIBUTE is_linked boolean;
