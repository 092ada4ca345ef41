#include "scp_token.h"
#include "scp_arena.h"
#include "scp_config.h"

#include <errno.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

bool scp_token_secret_ok(const char *secret)
{
	return secret && strlen(secret) >= 32;
}

char *scp_token_issue(struct scp_arena *a, const struct scp_claims *c, time_t now, long ttl)
{
	jwt_t *jwt = NULL;
	char *enc = NULL, *out = NULL;
	const char *key = scp_cfg.jwt_secret;

	if (!scp_token_secret_ok(key) || jwt_new(&jwt))
		return NULL;
	if (jwt_add_grant(jwt, "sub", c->sub) || jwt_add_grant(jwt, "role", c->role) ||
	    jwt_add_grant(jwt, "sid", c->sid) ||
	    (c->supplier_id && jwt_add_grant(jwt, "supplier_id", c->supplier_id)) ||
	    jwt_add_grant(jwt, "iss", scp_cfg.jwt_issuer) ||
	    jwt_add_grant(jwt, "aud", scp_cfg.jwt_audience) ||
	    jwt_add_grant(jwt, "typ", "access") ||
	    jwt_add_grant_int(jwt, "iat", (long)now) ||
	    jwt_add_grant_int(jwt, "exp", (long)now + ttl) ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)key, (int)strlen(key)))
		goto done;
	enc = jwt_encode_str(jwt);
	if (enc)
		out = scp_arena_strdup(a, enc);
done:
	free(enc);
	jwt_free(jwt);
	return out;
}

static const char *grant(struct scp_arena *a, jwt_t *jwt, const char *name)
{
	const char *v = jwt_get_grant(jwt, name);

	return v && *v ? scp_arena_strdup(a, v) : NULL;
}

/* A numeric claim; false when missing or not a number. */
static bool grant_int(jwt_t *jwt, const char *name, long *out)
{
	errno = 0;
	*out = jwt_get_grant_int(jwt, name);
	return errno == 0;
}

static const char *check_claims(struct scp_arena *a, jwt_t *jwt, time_t now,
				struct scp_claims *c)
{
	const char *typ = jwt_get_grant(jwt, "typ");
	const char *iss = jwt_get_grant(jwt, "iss");
	const char *aud = jwt_get_grant(jwt, "aud");
	long nbf;

	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		return "alg is not HS256";
	if (!typ || strcmp(typ, "access"))
		return "typ is not access";
	if (!iss || strcmp(iss, scp_cfg.jwt_issuer))
		return "wrong iss";
	if (!aud || strcmp(aud, scp_cfg.jwt_audience))
		return "wrong aud";
	if (!grant_int(jwt, "exp", &c->exp))
		return "no exp";
	if (!grant_int(jwt, "iat", &c->iat))
		return "no iat";
	if (c->exp <= now - SCP_TOKEN_LEEWAY)
		return "expired";
	if (c->iat > now + SCP_TOKEN_LEEWAY)
		return "issued in the future";
	if (grant_int(jwt, "nbf", &nbf) && nbf > now + SCP_TOKEN_LEEWAY)
		return "not yet valid";
	c->sub = grant(a, jwt, "sub");
	c->sid = grant(a, jwt, "sid");
	c->role = grant(a, jwt, "role");
	c->supplier_id = grant(a, jwt, "supplier_id");
	if (!c->sub)
		return "no sub";
	if (!c->sid)
		return "no sid";
	if (!c->role)
		return "no role";
	return NULL;
}

const char *scp_token_verify(struct scp_arena *a, const char *token, time_t now,
			     struct scp_claims *c)
{
	const char *key = scp_cfg.jwt_secret, *why;
	jwt_t *jwt = NULL;
	const char *p;
	int dots = 0;

	memset(c, 0, sizeof(*c));
	if (!token || !*token)
		return "empty";
	if (strlen(token) > SCP_TOKEN_MAX_LEN)
		return "too long";
	for (p = token; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') &&
			 !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_')
			return "malformed";
	}
	/* Three parts with a signature: an unsigned ("alg": "none") token ends in '.'. */
	if (dots != 2 || p[-1] == '.')
		return "malformed";
	if (jwt_decode(&jwt, token, (const unsigned char *)key, (int)strlen(key)))
		return "bad signature or encoding";
	why = check_claims(a, jwt, now, c);
	jwt_free(jwt);
	return why;
}
