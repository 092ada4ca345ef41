#include "scp_token.h"
#include "scp_arena.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_json.h"

#include <errno.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdint.h>
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

/*
 * Verification does not go through libjwt: it accepts any algorithm the token names
 * and costs ~10 us per call (jansson, and an OpenSSL fetch per HMAC).  Here the header
 * must say exactly HS256, the MAC context is fetched once per process, and the claims
 * are read with json-c.
 */
#define SCP_HS256_B64_LEN 43	/* 32 bytes in base64url without padding */

static EVP_MAC_CTX *mac_base;
static char mac_key[256];

static bool hs256(const char *data, size_t n, unsigned char out[SCP_SHA256_LEN])
{
	const char *key = scp_cfg.jwt_secret;
	EVP_MAC_CTX *c;
	size_t outlen = 0;
	bool ok;

	if (!mac_base || strcmp(mac_key, key)) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
			OSSL_PARAM_construct_end(),
		};

		EVP_MAC_CTX_free(mac_base);
		mac_base = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac);
		if (!mac_base || strlen(key) >= sizeof(mac_key) ||
		    !EVP_MAC_init(mac_base, (const unsigned char *)key, strlen(key), params)) {
			EVP_MAC_CTX_free(mac_base);
			mac_base = NULL;
			return false;
		}
		strcpy(mac_key, key);
	}
	c = EVP_MAC_CTX_dup(mac_base);
	ok = c && EVP_MAC_update(c, (const unsigned char *)data, n) &&
	     EVP_MAC_final(c, out, &outlen, SCP_SHA256_LEN) && outlen == SCP_SHA256_LEN;
	EVP_MAC_CTX_free(c);
	return ok;
}

/* Decode one base64url part into a NUL-terminated arena string. */
static char *part(struct scp_arena *a, const char *s, size_t n, size_t *outlen)
{
	char *out = scp_arena_alloc(a, n + 1);
	long len = scp_base64url_decode((unsigned char *)out, s, n);

	if (len < 0)
		return NULL;
	out[len] = '\0';
	*outlen = (size_t)len;
	return out;
}

static json_object *parse_part(struct scp_arena *a, const char *s, size_t n)
{
	size_t len;
	char *text = part(a, s, n, &len);
	json_object *o = NULL;

	if (!text || scp_json_parse(text, len, SCP_TOKEN_MAX_LEN, &o) != SCP_JSON_OK)
		return NULL;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *str_claim(struct scp_arena *a, json_object *o, const char *name)
{
	json_object *v = scp_json_get(o, name);

	if (!scp_json_is(v, json_type_string) || !json_object_get_string_len(v))
		return NULL;
	return scp_arena_strdup(a, json_object_get_string(v));
}

static bool int_claim(json_object *o, const char *name, long *out)
{
	int64_t v;

	if (!scp_json_int(scp_json_get(o, name), 0, INT64_C(1) << 40, &v))
		return false;
	*out = (long)v;
	return true;
}

static bool str_is(json_object *o, const char *name, const char *want)
{
	json_object *v = scp_json_get(o, name);

	return scp_json_is(v, json_type_string) && !strcmp(json_object_get_string(v), want);
}

static const char *check_header(json_object *h)
{
	if (!str_is(h, "alg", "HS256"))
		return "alg is not HS256";
	if (scp_json_get(h, "typ") && !str_is(h, "typ", "JWT"))
		return "typ header is not JWT";
	if (scp_json_get(h, "crit"))
		return "crit header not supported";
	return NULL;
}

/* The checks that depend on the clock, run on every use of a token. */
static const char *check_times(const struct scp_claims *c, bool has_nbf, long nbf, time_t now)
{
	if (c->exp <= now - SCP_TOKEN_LEEWAY)
		return "expired";
	if (c->iat > now + SCP_TOKEN_LEEWAY)
		return "issued in the future";
	if (has_nbf && nbf > now + SCP_TOKEN_LEEWAY)
		return "not yet valid";
	return NULL;
}

static const char *check_claims(struct scp_arena *a, json_object *p, struct scp_claims *c,
				bool *has_nbf, long *nbf)
{
	if (!str_is(p, "typ", "access"))
		return "typ is not access";
	if (!str_is(p, "iss", scp_cfg.jwt_issuer))
		return "wrong iss";
	if (!str_is(p, "aud", scp_cfg.jwt_audience))
		return "wrong aud";
	if (!int_claim(p, "exp", &c->exp))
		return "no exp";
	if (!int_claim(p, "iat", &c->iat))
		return "no iat";
	*has_nbf = scp_json_get(p, "nbf") != NULL;
	if (*has_nbf && !int_claim(p, "nbf", nbf))
		return "not yet valid";
	c->sub = str_claim(a, p, "sub");
	c->sid = str_claim(a, p, "sid");
	c->role = str_claim(a, p, "role");
	c->supplier_id = str_claim(a, p, "supplier_id");
	if (!c->sub)
		return "no sub";
	if (!c->sid)
		return "no sid";
	if (!c->role)
		return "no role";
	return NULL;
}

/*
 * Tokens verified before, per process: a client sends the same access token for its
 * whole 15 minutes, and a byte-identical token under the same key needs neither the MAC
 * nor the JSON again; only the clock checks are repeated.  Direct-mapped by a hash of
 * the signature, which is random.
 */
#define CACHE_SLOTS 256

struct cached {
	char *token;	/* malloc'd copy; NULL when the slot is empty */
	size_t len;
	unsigned gen;	/* key generation it was verified under */
	long iat, exp, nbf;
	bool has_nbf;
	char sub[64], sid[64], role[32], supplier_id[64];
	bool has_supplier;
};

static struct cached cache[CACHE_SLOTS];
static unsigned key_gen;

static struct cached *slot_for(const char *sig)
{
	unsigned h = 2166136261u;

	for (int i = 0; i < 8; i++)
		h = (h ^ (unsigned char)sig[i]) * 16777619u;
	return &cache[h % CACHE_SLOTS];
}

static bool fits(const char *s, size_t size)
{
	return s && strlen(s) < size;
}

static void cache_put(struct cached *e, const char *token, size_t len,
		      const struct scp_claims *c, bool has_nbf, long nbf)
{
	if (!fits(c->sub, sizeof(e->sub)) || !fits(c->sid, sizeof(e->sid)) ||
	    !fits(c->role, sizeof(e->role)) ||
	    (c->supplier_id && !fits(c->supplier_id, sizeof(e->supplier_id))))
		return;
	free(e->token);
	e->token = malloc(len + 1);
	if (!e->token)
		return;
	memcpy(e->token, token, len + 1);
	e->len = len;
	e->gen = key_gen;
	e->iat = c->iat;
	e->exp = c->exp;
	e->nbf = nbf;
	e->has_nbf = has_nbf;
	strcpy(e->sub, c->sub);
	strcpy(e->sid, c->sid);
	strcpy(e->role, c->role);
	e->has_supplier = c->supplier_id != NULL;
	strcpy(e->supplier_id, c->supplier_id ? c->supplier_id : "");
}

static const char *cache_hit(struct scp_arena *a, const struct cached *e, time_t now,
			     struct scp_claims *c)
{
	c->sub = scp_arena_strdup(a, e->sub);
	c->sid = scp_arena_strdup(a, e->sid);
	c->role = scp_arena_strdup(a, e->role);
	c->supplier_id = e->has_supplier ? scp_arena_strdup(a, e->supplier_id) : NULL;
	c->iat = e->iat;
	c->exp = e->exp;
	return check_times(c, e->has_nbf, e->nbf, now);
}

/* The compact form: three base64url parts. */
static bool well_formed(const char *token, size_t len, const char **dot1, const char **dot2)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
	static bool ok_char[256], init;
	int dots = 0;

	if (!init) {
		for (const char *p = alphabet; *p; p++)
			ok_char[(unsigned char)*p] = true;
		init = true;
	}
	for (size_t i = 0; i < len; i++) {
		if (!ok_char[(unsigned char)token[i]])
			return false;
		if (token[i] == '.') {
			if (dots == 2)
				return false;
			*(dots++ ? dot2 : dot1) = token + i;
		}
	}
	return dots == 2;
}

const char *scp_token_verify(struct scp_arena *a, const char *token, time_t now,
			     struct scp_claims *c)
{
	const char *dot1 = NULL, *dot2 = NULL, *why;
	unsigned char want[SCP_SHA256_LEN], got[SCP_SHA256_LEN + 3];
	json_object *head, *body;
	struct cached *e;
	bool has_nbf = false;
	long nbf = 0;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (!token || !*token)
		return "empty";
	len = strlen(token);
	if (len > SCP_TOKEN_MAX_LEN)
		return "too long";
	if (!well_formed(token, len, &dot1, &dot2))
		return "malformed";
	/* An HS256 MAC is exactly 43 characters; that also bounds its decoding below. */
	if (len - (size_t)(dot2 + 1 - token) != SCP_HS256_B64_LEN)
		return "bad signature";
	if (!mac_base || strcmp(mac_key, scp_cfg.jwt_secret))
		key_gen++;	/* hs256() below re-keys; entries of the old key are void */
	e = slot_for(dot2 + 1);
	if (e->token && e->gen == key_gen && e->len == len && !memcmp(e->token, token, len))
		return cache_hit(a, e, now, c);
	/* Signature first: nothing of an unauthenticated token is parsed beyond this. */
	if (scp_base64url_decode(got, dot2 + 1, SCP_HS256_B64_LEN) != SCP_SHA256_LEN)
		return "bad signature";
	if (!hs256(token, (size_t)(dot2 - token), want))
		return "cannot compute HMAC";
	if (!scp_ct_equal(want, sizeof(want), got, SCP_SHA256_LEN))
		return "bad signature";
	head = parse_part(a, token, (size_t)(dot1 - token));
	body = parse_part(a, dot1 + 1, (size_t)(dot2 - dot1 - 1));
	why = !head || !body ? "malformed" : check_header(head);
	if (!why)
		why = check_claims(a, body, c, &has_nbf, &nbf);
	json_object_put(head);
	json_object_put(body);
	if (why)
		return why;
	cache_put(e, token, len, c, has_nbf, nbf);
	return check_times(c, has_nbf, nbf, now);
}
