/*
 * test_webpush: RFC 8291's own example (Appendix A) reproduced byte for byte, the
 * limits of the encryption (plaintext size, keys off the curve), fresh keys and salts
 * per message, and RFC 8292 VAPID headers whose ES256 signature verifies with the
 * public key they carry.
 */
#include "scp_buf.h"
#include "scp_webpush.h"
#include "tap.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

/* RFC 8291 Appendix A */
#define PLAIN "When I grow up, I want to be a watermelon"
#define AS_PRIVATE "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
#define AS_PUBLIC "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
#define UA_PUBLIC "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
#define AUTH "BTBZMqHH6r4Tts7J_aSIgg"
#define SALT "DGv6ra1nlYgDCS1FRnbzlw"
#define BODY "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" \
	"mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" \
	"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"

static char *b64(const unsigned char *p, size_t n)
{
	struct scp_buf b = SCP_BUF_INIT;
	char *s;

	scp_webpush_b64url(&b, p, n);
	s = strdup(b.ptr);
	scp_buf_release(&b);
	return s;
}

/* Decode one base64url JWS part into out (NUL-terminated); its length. */
static long part(const char *s, size_t n, unsigned char *out)
{
	char tmp[1024];

	memcpy(tmp, s, n);
	tmp[n] = '\0';
	for (size_t want = 0; want < 700; want++)
		if (scp_webpush_b64url_exact(out, want, tmp)) {
			out[want] = '\0';
			return (long)want;
		}
	return -1;
}

/* Verify an ES256 signature (r || s) over msg with a raw public point. */
static bool verify(const unsigned char *pub, const char *msg, size_t n,
		   const unsigned char rs[64])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM *params;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *sig = ECDSA_SIG_new();
	unsigned char *der = NULL;
	int derlen;
	bool ok;

	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 65);
	params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_fromdata_init(kctx);
	EVP_PKEY_fromdata(kctx, &key, EVP_PKEY_PUBLIC_KEY, params);
	ECDSA_SIG_set0(sig, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
	derlen = i2d_ECDSA_SIG(sig, &der);
	ok = key && derlen > 0 &&
	     EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)derlen, (const unsigned char *)msg, n) == 1;
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(kctx);
	return ok;
}

static void test_rfc8291(void)
{
	unsigned char ua[65], auth[16], as[32], salt[16];
	struct scp_buf out = SCP_BUF_INIT;
	char *got;

	ok(scp_webpush_b64url_exact(ua, 65, UA_PUBLIC) && scp_webpush_b64url_exact(auth, 16, AUTH) &&
	   scp_webpush_b64url_exact(as, 32, AS_PRIVATE) && scp_webpush_b64url_exact(salt, 16, SALT),
	   "the example's keys decode");
	ok(scp_webpush_encrypt_with(ua, auth, as, salt, PLAIN, strlen(PLAIN), &out),
	   "the example encrypts");
	got = b64((const unsigned char *)out.ptr, out.len);
	is_str(got, BODY, "RFC 8291 Appendix A: the body, byte for byte");
	is_int((long)out.len, 86 + 41 + 1 + 16, "header 86, plaintext, delimiter, tag");
	free(got);
	scp_buf_release(&out);

	{
		unsigned char off[65];

		memcpy(off, ua, 65);
		off[64] ^= 1;	/* y no longer on the curve */
		ok(!scp_webpush_encrypt_with(off, auth, as, salt, PLAIN, 5, &out) && !out.len,
		   "a p256dh point off the curve is refused, nothing written");
		off[0] = 0x02;
		ok(!scp_webpush_encrypt_with(off, auth, as, salt, PLAIN, 5, &out) && !out.len,
		   "a compressed-point prefix is refused");
	}
}

static void test_fresh(void)
{
	unsigned char ua[65], auth[16];
	struct scp_buf a = SCP_BUF_INIT, b = SCP_BUF_INIT;
	char *big = calloc(1, SCP_WEBPUSH_MAX_PLAIN + 2);

	scp_webpush_b64url_exact(ua, 65, UA_PUBLIC);
	scp_webpush_b64url_exact(auth, 16, AUTH);
	ok(scp_webpush_encrypt(ua, auth, PLAIN, strlen(PLAIN), &a) &&
	   scp_webpush_encrypt(ua, auth, PLAIN, strlen(PLAIN), &b), "ephemeral encryptions");
	ok(a.len == b.len && memcmp(a.ptr, b.ptr, 16) && memcmp(a.ptr + 21, b.ptr + 21, 65),
	   "each message has its own salt and its own key");
	ok(!memcmp(a.ptr + 16, "\0\0\x10\0\x41\x04", 6), "rs 4096, idlen 65, an uncompressed key");
	scp_buf_reset(&a);
	memset(big, 'x', SCP_WEBPUSH_MAX_PLAIN + 1);
	ok(scp_webpush_encrypt(ua, auth, big, SCP_WEBPUSH_MAX_PLAIN, &a) && a.len == 4096,
	   "the largest plaintext makes a 4096-byte body");
	scp_buf_reset(&a);
	ok(!scp_webpush_encrypt(ua, auth, big, SCP_WEBPUSH_MAX_PLAIN + 1, &a) && !a.len,
	   "one byte more is refused");
	free(big);
	scp_buf_release(&a);
	scp_buf_release(&b);
}

static void test_origin(void)
{
	char o[64];

	ok(scp_webpush_origin("https://fcm.googleapis.com/fcm/send/abc", o, sizeof(o)) &&
	   !strcmp(o, "https://fcm.googleapis.com"), "origin of an FCM endpoint");
	ok(scp_webpush_origin("https://push.example.net:8443/p/1", o, sizeof(o)) &&
	   !strcmp(o, "https://push.example.net:8443"), "the port stays in the origin");
	ok(!scp_webpush_origin("http://push.example.net/p/1", o, sizeof(o)), "http refused");
	ok(!scp_webpush_origin("https://push.example.net", o, sizeof(o)), "no path refused");
	ok(!scp_webpush_origin("https:///p", o, sizeof(o)), "no host refused");
	ok(!scp_webpush_origin("https://u@evil.example/p", o, sizeof(o)), "userinfo refused");
	ok(!scp_webpush_origin("https://a b/p", o, sizeof(o)), "a space refused");
}

static void test_vapid(void)
{
	struct scp_buf pub = SCP_BUF_INIT, priv = SCP_BUF_INIT, h = SCP_BUF_INIT;
	unsigned char raw[65], claims[700], jose[700], sig[80];
	const char *t, *dot1, *dot2, *k;

	ok(scp_webpush_keygen(&pub, &priv) && pub.len == 87 && priv.len == 43,
	   "a generated pair: 87 and 43 base64url characters");
	ok(scp_webpush_vapid_pair_ok(pub.ptr, priv.ptr), "the pair matches");
	ok(!scp_webpush_vapid_pair_ok(AS_PUBLIC, priv.ptr), "another public key does not");
	ok(scp_webpush_vapid_pair_ok(AS_PUBLIC, AS_PRIVATE), "the RFC's pair matches");
	ok(!scp_webpush_vapid("https://push.example.net/p/1", "mail@example.com", pub.ptr,
			      priv.ptr, 1700000000, &h), "a subject without mailto:/https: refused");
	ok(!scp_webpush_vapid("http://push.example.net/p/1", "mailto:a@example.com", pub.ptr,
			      priv.ptr, 1700000000, &h), "an http endpoint refused");
	ok(scp_webpush_vapid("https://push.example.net/p/1", "mailto:ops@example.com", pub.ptr,
			     priv.ptr, 1700000000, &h), "a VAPID header");
	t = h.ptr + 8;
	ok(!strncmp(h.ptr, "vapid t=", 8), "vapid scheme");
	dot1 = strchr(t, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	k = strstr(t, ", k=");
	if (!ok(dot1 && dot2 && k, "t has three parts and k follows"))
		goto out;
	is_str(k + 4, pub.ptr, "k is the public key");
	part(t, (size_t)(dot1 - t), jose);
	is_str((char *)jose, "{\"typ\":\"JWT\",\"alg\":\"ES256\"}", "the JOSE header");
	part(dot1 + 1, (size_t)(dot2 - dot1 - 1), claims);
	is_str((char *)claims, "{\"aud\":\"https://push.example.net\",\"exp\":1700000000,"
	       "\"sub\":\"mailto:ops@example.com\"}", "the claims: aud is the origin");
	is_int(part(dot2 + 1, (size_t)(k - dot2 - 1), sig), 64, "a 64-byte r || s signature");
	scp_webpush_b64url_exact(raw, 65, pub.ptr);
	ok(verify(raw, t, (size_t)(dot2 - t), sig), "the signature verifies with k");
	sig[10] ^= 1;
	ok(!verify(raw, t, (size_t)(dot2 - t), sig), "an altered signature does not");
out:
	scp_buf_release(&pub);
	scp_buf_release(&priv);
	scp_buf_release(&h);
}

int main(void)
{
	test_rfc8291();
	test_fresh();
	test_origin();
	test_vapid();
	return done_testing();
}
