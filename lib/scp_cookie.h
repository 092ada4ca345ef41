/*
 * scp_cookie: the browser session (docs/decisions.md, "Session cookie and CSRF").
 *
 * A profile that keeps the session in cookies (cliick) answers sign-in with two cookies as well as
 * the tokens: scp_session, httpOnly, the access token itself (so a cookie-only request
 * is checked exactly as a Bearer one, the same one pipelined session check), and
 * csrf_token, readable by the page, an HMAC of the session id under jwt_secret (bound
 * to the session, so it cannot be planted from a sibling site).  Both are Path=/,
 * SameSite=Lax, Secure when public_url is https, and last as long as the access token.
 */
#ifndef SCP_COOKIE_H
#define SCP_COOKIE_H

#include <stdbool.h>

#include "scp_http.h"

#define SCP_SESSION_COOKIE "scp_session"
#define SCP_CSRF_COOKIE "csrf_token"

/* The value of cookie name in the request's Cookie header (arena copy), or NULL. */
const char *scp_cookie_get(struct scp_req *r, const char *name);
/* The CSRF token of session sid (64 hex digits, arena). */
const char *scp_csrf_token(struct scp_req *r, const char *sid);
/* Does the profile of r carry the session in cookies? */
bool scp_cookie_enabled(const struct scp_req *r);
/* Add the Set-Cookie lines of a new session (access token, its session id). */
void scp_cookie_set_session(struct scp_req *r, const char *access, const char *sid);
/* Add the Set-Cookie lines that clear both cookies. */
void scp_cookie_clear_session(struct scp_req *r);
/*
 * Is origin (scheme://host[:port]) one this site's pages may come from: cors_origins,
 * the request profile's cors_origins_<profile>, or public_url's own?
 */
bool scp_origin_allowed(const struct scp_req *r, const char *origin);
/*
 * May a cookie-authenticated request of session sid go on?  Safe methods always; an
 * unsafe one when its Origin is an allowed origin (cors_origins, the request profile's
 * cors_origins_<profile>, or public_url's own)
 * and its X-CSRF-Token, if sent, is the session's.  False: the reason in *why.
 */
bool scp_csrf_allowed(struct scp_req *r, const char *sid, const char **why);

#endif
