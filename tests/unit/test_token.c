/*
 * test_token: scp_token_issue / scp_token_verify against the checks of DESIGN §7.
 *
 * libjwt itself checks no claim and accepts any algorithm the token names, so every
 * attack here is forged with libjwt (or by hand, for "alg": "none") and must be refused
 * by scp_token_verify alone.
 */
#include "scp_arena.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_token.h"
#include "tap.h"

#include <jwt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000L
#define NO_TIME LONG_MIN	/* a numeric claim left out of a forged token */

static char secret[] = "0123456789abcdef0123456789abcdef-unit-test";
static char other_secret[] = "fedcba9876543210fedcba9876543210-attacker";
static char issuer[] = "scp";
static char audience[] = "scp-api";

static struct scp_arena arena;

/* The claims of a forged token; a NULL string or NO_TIME leaves the claim out. */
struct forged {
	const char *sub, *sid, *role, *supplier_id, *iss, *aud, *typ;
	long iat, exp, nbf;
};

/* What scp_token_issue would put in a token issued at NOW. */
static struct forged good_claims(void)
{
	return (struct forged){
		.sub = "11111111-1111-1111-1111-111111111111",
		.sid = "22222222-2222-2222-2222-222222222222",
		.role = "owner",
		.supplier_id = "33333333-3333-3333-3333-333333333333",
		.iss = issuer, .aud = audience, .typ = "access",
		.iat = NOW, .exp = NOW + 900, .nbf = NO_TIME,
	};
}

static int add_str(jwt_t *jwt, const char *name, const char *v)
{
	return v ? jwt_add_grant(jwt, name, v) : 0;
}

static int add_int(jwt_t *jwt, const char *name, long v)
{
	return v != NO_TIME ? jwt_add_grant_int(jwt, name, v) : 0;
}

/* Sign f with libjwt using alg and key; the token is copied into the arena. */
static const char *forge(const struct forged *f, jwt_alg_t alg, const char *key)
{
	jwt_t *jwt = NULL;
	char *enc = NULL;
	const char *out = NULL;

	if (jwt_new(&jwt))
		return NULL;
	if (add_str(jwt, "sub", f->sub) || add_str(jwt, "sid", f->sid) ||
	    add_str(jwt, "role", f->role) || add_str(jwt, "supplier_id", f->supplier_id) ||
	    add_str(jwt, "iss", f->iss) || add_str(jwt, "aud", f->aud) ||
	    add_str(jwt, "typ", f->typ) || add_int(jwt, "iat", f->iat) ||
	    add_int(jwt, "exp", f->exp) || add_int(jwt, "nbf", f->nbf) ||
	    jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key)))
		goto done;
	enc = jwt_encode_str(jwt);
	if (enc)
		out = scp_arena_strdup(&arena, enc);
done:
	free(enc);
	jwt_free(jwt);
	return out;
}

/* base64url without padding, as JWS wants it. */
static char *b64url(const void *data, size_t n)
{
	char *out = scp_arena_alloc(&arena, 4 * ((n + 2) / 3) + 1);
	char *p;

	scp_base64(out, data, n);
	for (p = out; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			break;
	}
	*p = '\0';
	return out;
}

/* The payload of a valid token, for tokens assembled by hand. */
static const char *good_payload_json(void)
{
	return scp_arena_printf(&arena,
		"{\"sub\":\"11111111-1111-1111-1111-111111111111\","
		"\"sid\":\"22222222-2222-2222-2222-222222222222\",\"role\":\"owner\","
		"\"iss\":\"scp\",\"aud\":\"scp-api\",\"typ\":\"access\","
		"\"iat\":%ld,\"exp\":%ld}", NOW, NOW + 900);
}

/*
 * "alg": "none" by hand.  With sign set, append the HMAC-SHA256 of the signing input
 * under the real key: a verifier that trusted the header's alg loosely would take it.
 */
static const char *forge_none(bool sign)
{
	const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	const char *pl = good_payload_json();
	char *input = scp_arena_printf(&arena, "%s.%s", b64url(hdr, strlen(hdr)),
				       b64url(pl, strlen(pl)));
	unsigned char mac[SCP_SHA256_LEN];

	if (!sign)
		return scp_arena_printf(&arena, "%s.", input);
	scp_hmac_sha256(mac, secret, strlen(secret), input, strlen(input));
	return scp_arena_printf(&arena, "%s.%s", input, b64url(mac, sizeof(mac)));
}

/* Verify tok at NOW and say whether it was refused (logging the reason). */
static bool refused(const char *tok)
{
	struct scp_claims c;
	const char *why = scp_token_verify(&arena, tok, NOW, &c);

	if (why)
		diag("refused: %s", why);
	return why != NULL;
}

/*
 * Refused by the intended check: the reason (log text) mentions part.  This keeps a
 * test from passing because some earlier check happened to fire.
 */
static bool refused_for(const char *tok, const char *part)
{
	struct scp_claims c;
	const char *why = scp_token_verify(&arena, tok, NOW, &c);

	if (!why || !strstr(why, part))
		diag("expected a refusal mentioning \"%s\", got %s", part, why ? why : "success");
	return why && strstr(why, part);
}

static bool refused_claims(const struct forged *f, const char *part)
{
	return refused_for(forge(f, JWT_ALG_HS256, secret), part);
}

static bool accepted_claims(const struct forged *f)
{
	return !refused(forge(f, JWT_ALG_HS256, secret));
}

static void test_round_trip(void)
{
	struct scp_claims in = {
		.sub = "u-1", .role = "manager", .supplier_id = "s-1", .sid = "f-1",
	}, out;
	const char *tok = scp_token_issue(&arena, &in, NOW, 900);

	if (!ok(tok != NULL, "issue succeeds with a 32+ byte secret"))
		return;
	is_str(scp_token_verify(&arena, tok, NOW, &out), NULL, "a fresh token verifies");
	is_str(out.sub, "u-1", "sub round-trips");
	is_str(out.role, "manager", "role round-trips");
	is_str(out.supplier_id, "s-1", "supplier_id round-trips");
	is_str(out.sid, "f-1", "sid round-trips");
	is_int(out.iat, NOW, "iat is the issue time");
	is_int(out.exp, NOW + 900, "exp is issue time + ttl");
	is_str(scp_token_verify(&arena, tok, NOW + 899, &out), NULL,
	       "still valid a second before exp");

	in.supplier_id = NULL;
	tok = scp_token_issue(&arena, &in, NOW, 900);
	ok(tok && !scp_token_verify(&arena, tok, NOW, &out) && !out.supplier_id,
	   "no supplier_id issued, none read back");
}

/* Verify a token issued by scp_token_issue at issued, checked at now. */
static const char *verify_issued_at(long issued, long now)
{
	struct scp_claims in = { .sub = "u", .role = "owner", .sid = "s" }, out;
	const char *tok = scp_token_issue(&arena, &in, issued, 900);

	return tok ? scp_token_verify(&arena, tok, now, &out) : "issue failed";
}

static void test_time(void)
{
	struct forged f;

	is_str(verify_issued_at(NOW - 2000, NOW), "expired", "expired token refused");
	is_str(verify_issued_at(NOW, NOW + 900 + SCP_TOKEN_LEEWAY), "expired",
	   "refused once exp + leeway is reached");
	is_str(verify_issued_at(NOW, NOW + 900 + SCP_TOKEN_LEEWAY - 1), NULL,
	       "accepted within the leeway after exp");

	f = good_claims();
	f.iat = NOW + 3600;
	f.exp = NOW + 4500;
	ok(refused_claims(&f, "future"), "iat an hour in the future refused");
	f.iat = NOW + SCP_TOKEN_LEEWAY;
	f.exp = NOW + SCP_TOKEN_LEEWAY + 900;
	ok(accepted_claims(&f), "iat within the clock-skew leeway accepted");

	f = good_claims();
	f.nbf = NOW + 3600;
	ok(refused_claims(&f, "not yet"), "nbf an hour in the future refused");
	f.nbf = NOW - 10;
	ok(accepted_claims(&f), "nbf in the past accepted");

	f = good_claims();
	f.exp = NO_TIME;
	ok(refused_claims(&f, "exp"), "token without exp refused");
	f = good_claims();
	f.iat = NO_TIME;
	ok(refused_claims(&f, "iat"), "token without iat refused");
}

/*
 * A claim of the wrong type: exp as a string must not pass for a far-away expiry.
 * (libjwt 1.10 reads a non-integer claim as 0, so this is refused as expired.)
 */
static void test_exp_as_string(void)
{
	jwt_t *jwt = NULL;
	char *enc = NULL;
	struct forged f = good_claims();

	f.exp = NO_TIME;
	if (jwt_new(&jwt))
		return;
	if (!jwt_add_grant(jwt, "sub", f.sub) && !jwt_add_grant(jwt, "sid", f.sid) &&
	    !jwt_add_grant(jwt, "role", f.role) && !jwt_add_grant(jwt, "iss", f.iss) &&
	    !jwt_add_grant(jwt, "aud", f.aud) && !jwt_add_grant(jwt, "typ", f.typ) &&
	    !jwt_add_grant_int(jwt, "iat", f.iat) &&
	    !jwt_add_grant(jwt, "exp", "99999999999") &&
	    !jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret,
			 (int)strlen(secret)))
		enc = jwt_encode_str(jwt);
	ok(enc && refused(enc), "exp given as a string refused");
	free(enc);
	jwt_free(jwt);
}

static void test_algorithms(void)
{
	struct forged f = good_claims();
	const char *tok;

	ok(!refused(forge(&f, JWT_ALG_HS256, secret)), "forged HS256 baseline accepted");
	ok(refused(forge_none(false)), "alg none without a signature part refused");
	ok(refused(forge_none(true)), "alg none with an HS256 signature part refused");
	tok = forge(&f, JWT_ALG_HS512, secret);
	ok(tok && refused(tok), "HS512 signed with the real key refused");
	tok = forge(&f, JWT_ALG_HS384, secret);
	ok(tok && refused(tok), "HS384 signed with the real key refused");
	ok(refused_for(forge(&f, JWT_ALG_HS256, other_secret), "signature"),
	   "token signed with another secret refused");
}

/* Replace the character at i by another base64url character. */
static char *flip(const char *tok, size_t i)
{
	char *t = scp_arena_strdup(&arena, tok);

	t[i] = t[i] == 'A' ? 'B' : 'A';
	return t;
}

static void test_tampering(void)
{
	struct forged f = good_claims();
	const char *tok = forge(&f, JWT_ALG_HS256, secret);
	const char *sig = strrchr(tok, '.') + 1;
	const char *payload = strchr(tok, '.') + 1;

	/* The first signature character carries six full bits (the last may be padding). */
	ok(refused_for(flip(tok, (size_t)(sig - tok)), "signature"),
	   "flipped signature character refused");
	ok(refused_for(flip(tok, (size_t)(payload - tok) + 5), "signature"),
	   "flipped payload character refused");
	ok(refused_for(scp_arena_strndup(&arena, tok, strlen(tok) - 4), "signature"),
	   "truncated signature refused");
}

static void test_claims(void)
{
	struct forged f;

	f = good_claims();
	f.iss = "evil";
	ok(refused_claims(&f, "iss"), "wrong iss refused");
	f.iss = NULL;
	ok(refused_claims(&f, "iss"), "missing iss refused");

	f = good_claims();
	f.aud = "other-api";
	ok(refused_claims(&f, "aud"), "wrong aud refused");
	f.aud = NULL;
	ok(refused_claims(&f, "aud"), "missing aud refused");

	f = good_claims();
	f.typ = "refresh";
	ok(refused_claims(&f, "typ"), "typ refresh refused");
	f.typ = NULL;
	ok(refused_claims(&f, "typ"), "missing typ refused");

	f = good_claims();
	f.sub = NULL;
	ok(refused_claims(&f, "sub"), "missing sub refused");
	f.sub = "";
	ok(refused_claims(&f, "sub"), "empty sub refused");

	f = good_claims();
	f.sid = NULL;
	ok(refused_claims(&f, "sid"), "missing sid refused");

	f = good_claims();
	f.role = NULL;
	ok(refused_claims(&f, "role"), "missing role refused");
}

/* A syntactically valid token longer than SCP_TOKEN_MAX_LEN. */
static const char *oversized_token(void)
{
	struct forged f = good_claims();
	char *big = scp_arena_alloc(&arena, SCP_TOKEN_MAX_LEN + 1);

	memset(big, 'x', SCP_TOKEN_MAX_LEN);
	big[SCP_TOKEN_MAX_LEN] = '\0';
	f.role = big;
	return forge(&f, JWT_ALG_HS256, secret);
}

static void test_malformed(void)
{
	struct forged f = good_claims();
	const char *tok = forge(&f, JWT_ALG_HS256, secret);
	const char *big = oversized_token();
	char *junk = scp_arena_alloc(&arena, 5001);
	struct scp_claims c;

	memset(junk, 'a', 5000);
	junk[5000] = '\0';
	ok(refused(""), "empty string refused");
	ok(scp_token_verify(&arena, NULL, NOW, &c) != NULL, "NULL refused");
	ok(refused(scp_arena_strndup(&arena, tok, (size_t)(strrchr(tok, '.') - tok))),
	   "two parts refused");
	ok(refused("abc"), "one part refused");
	ok(refused("a.b.c.d"), "four parts refused");
	ok(refused("..."), "only dots refused");
	ok(refused(scp_arena_printf(&arena, "%s!", tok)), "junk character refused");
	ok(refused(scp_arena_printf(&arena, " %s", tok)), "leading space refused");
	ok(refused(scp_arena_printf(&arena, "%s=", tok)), "base64 padding refused");
	ok(refused("eyJ+/.eyJ+/.abc+/"), "standard base64 alphabet refused");
	ok(refused("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln"), "payload that is not JSON refused");
	ok(refused_for(junk, "long"), "5000 characters refused");
	ok(big && strlen(big) > SCP_TOKEN_MAX_LEN && refused_for(big, "long"),
	   "validly signed token over %d chars refused", SCP_TOKEN_MAX_LEN);
}

static void test_secret_ok(void)
{
	ok(!scp_token_secret_ok(NULL), "NULL secret refused");
	ok(!scp_token_secret_ok(""), "empty secret refused");
	ok(!scp_token_secret_ok("0123456789abcdef0123456789abcde"), "31-byte secret refused");
	ok(scp_token_secret_ok("0123456789abcdef0123456789abcdef"), "32-byte secret accepted");
}

/* Issuing must refuse to sign with a weak key rather than hand out forgeable tokens. */
static void test_issue_weak_secret(void)
{
	static char weak[] = "short";
	struct scp_claims in = { .sub = "u", .role = "owner", .sid = "s" };

	scp_cfg.jwt_secret = weak;
	ok(scp_token_issue(&arena, &in, NOW, 900) == NULL, "issue refuses a short secret");
	scp_cfg.jwt_secret = secret;
}

/*
 * The per-process cache of verified tokens: a second use skips the MAC and the JSON,
 * but never the clock, and a new key voids what the old one verified.
 */
static void test_cache(void)
{
	struct scp_claims in = { .sub = "user-1", .role = "vendor", .sid = "sess-1",
				 .supplier_id = "sup-1" }, out;
	const char *tok = scp_token_issue(&arena, &in, NOW, 900);

	ok(tok && !scp_token_verify(&arena, tok, NOW, &out), "first use verifies");
	ok(tok && !scp_token_verify(&arena, tok, NOW + 10, &out), "second use (cached) verifies");
	is_str(out.sub, "user-1", "cached sub");
	is_str(out.sid, "sess-1", "cached sid");
	is_str(out.role, "vendor", "cached role");
	is_str(out.supplier_id, "sup-1", "cached supplier_id");
	is_int(out.exp, NOW + 900, "cached exp");
	is_str(scp_token_verify(&arena, tok, NOW + 2000, &out), "expired",
	       "a cached token still expires");
	scp_cfg.jwt_secret = other_secret;
	is_str(scp_token_verify(&arena, tok, NOW + 10, &out), "bad signature",
	       "a new key voids tokens the old one verified");
	scp_cfg.jwt_secret = secret;
	ok(!scp_token_verify(&arena, tok, NOW + 10, &out), "and the old key takes them back");
}

int main(void)
{
	scp_arena_init(&arena, 0);
	scp_cfg.jwt_secret = secret;
	scp_cfg.jwt_issuer = issuer;
	scp_cfg.jwt_audience = audience;

	test_round_trip();
	test_time();
	test_exp_as_string();
	test_algorithms();
	test_tampering();
	test_claims();
	test_malformed();
	test_secret_ok();
	test_issue_weak_secret();
	test_cache();
	scp_arena_free(&arena);
	return done_testing();
}
