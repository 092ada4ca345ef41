/*
 * scp_token: HS256 access tokens (JWT) with every check of DESIGN §7.
 *
 * Tokens are signed with libjwt.  libjwt 1.10 would verify with whatever algorithm a
 * token names and checks no claim, so verification is done here: the header must say
 * exactly HS256, the MAC is checked in constant time before anything else is parsed,
 * then typ, iss, aud, iat, nbf, exp, sub and sid.  Whether the session is still alive
 * is the session check's business (scp_auth.h), which rides with the first statement.
 */
#ifndef SCP_TOKEN_H
#define SCP_TOKEN_H

#include <stdbool.h>
#include <time.h>

struct scp_arena;

#define SCP_TOKEN_MAX_LEN 4096
#define SCP_TOKEN_LEEWAY 30	/* seconds of clock skew tolerated on iat/nbf/exp */

struct scp_claims {
	const char *sub;	/* user id */
	const char *role;
	const char *supplier_id;	/* NULL when the user belongs to no supplier */
	const char *sid;	/* session (refresh family) id */
	long iat, exp;
};

/* Is the secret acceptable (at least 32 bytes)? */
bool scp_token_secret_ok(const char *secret);
/* Sign claims into a compact JWT allocated in arena; NULL on failure. */
char *scp_token_issue(struct scp_arena *a, const struct scp_claims *c, time_t now,
		      long ttl);
/*
 * Verify a compact JWT.  On success fills c (strings in arena) and returns NULL; else
 * returns a short reason for the log (never shown to clients).
 */
const char *scp_token_verify(struct scp_arena *a, const char *token, time_t now,
			     struct scp_claims *c);

#endif
