/*
 * scp_auth: who is calling, from the bearer token, confirmed by the database.
 *
 * The token is verified in the worker (signature, claims, clocks: no I/O).  Its
 * session must also be alive and its user active with the role and supplier the token
 * names; that takes the database.  The check is deferred rather than skipped: the
 * request's first statement carries it in the same round trip (scp_req_exec pipelines
 * "scp_auth" before it, in one transaction, so a refused session runs nothing), and a
 * response sent before any statement first runs it alone (scp_send, through
 * scp_req_confirm_caller).  No response
 * leaves a worker before the session is confirmed.
 */
#ifndef SCP_AUTH_H
#define SCP_AUTH_H

#include "scp_db.h"
#include "scp_http.h"

/* The statements the check needs; every family prepares them. */
extern const struct scp_stmt scp_auth_stmts[];

/*
 * Read and verify the bearer token into r->auth, leaving the session check pending
 * as the request's guard (scp_http.h).
 * Without a token: 401 when required, else true with no caller.  A bad token: 401.
 * Returns false when a response was sent.
 */
bool scp_auth_begin(struct scp_req *r, bool required);
/* The caller as JSON (GET /auth/me), confirming the session first; NULL when refused. */
const char *scp_auth_user_json(struct scp_req *r);

#endif
