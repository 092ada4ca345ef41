/*
 * scp_idem: the Idempotency-Key header of creating POSTs (DESIGN §7, Stripe's model).
 *
 * A route flagged SCP_IDEMPOTENT runs between scp_idem_begin and scp_idem_end (the
 * dispatcher does it).  A key (1–255 printable ASCII characters, else 400) is the
 * caller's: it is claimed, before the handler, with a fingerprint of the request (method,
 * path and query, SHA-256 of the body), and the handler's response (status, extra
 * headers, body) is kept for 24 h.  Then the same request gets that response again, byte
 * for byte, with "Idempotent-Replayed: true", and runs nothing; another request with the
 * key gets 422; a duplicate while the first is still running gets 409 with Retry-After.
 *
 * Responses of 5xx and 429 are not kept: the key is released, so that a retry runs.
 * Every other answer of the handler is kept, 4xx included (the handler ran and decided).
 * Anonymous callers have nobody to scope a key to: their header is ignored.
 * Table: sql/009_idempotency.sql; the claim and its rules: sql/functions/15_idempotency.sql.
 */
#ifndef SCP_IDEM_H
#define SCP_IDEM_H

#include "scp_db.h"
#include "scp_http.h"

/* One request's key; the dispatcher keeps it between begin and end. */
struct scp_idem {
	const char *key;	/* NULL: no key (or an anonymous caller): nothing to do */
	const char *claim;	/* the claim this request holds, once claimed */
	const char *owner;	/* whom the key belongs to: the caller, or a scope's id */
};

/* The statements of the claim and of the record; every family prepares them. */
extern const struct scp_stmt scp_idem_stmts[];

/*
 * Before the handler: read the key, the body (for its hash) and claim the key, which
 * also confirms the caller's session (the claim is the request's first statement).
 * Returns true when the handler is to run; false when a response was sent (a bad key,
 * a replay, a mismatch, a duplicate in flight, or an error reading the body).
 */
bool scp_idem_begin(struct scp_req *r, struct scp_idem *k);
/*
 * The same for a route with no account behind it: the key belongs to owner, a uuid the
 * handler makes for what scopes the key (no account's id may ever be one); NULL: none.
 */
bool scp_idem_begin_for(struct scp_req *r, struct scp_idem *k, const char *owner);
/* After the handler: keep its response for replays, or release the key. */
void scp_idem_end(struct scp_req *r, const struct scp_idem *k);

#endif
