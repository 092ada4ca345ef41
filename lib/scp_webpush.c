#include "scp_webpush.h"
#include "scp_buf.h"
#include "scp_hmac.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <stdio.h>
#include <string.h>

static const char B64URL[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void scp_webpush_b64url(struct scp_buf *out, const unsigned char *in, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		char q[4] = { B64URL[v >> 18], B64URL[v >> 12 & 63], B64URL[v >> 6 & 63],
			      B64URL[v & 63] };
		scp_buf_add(out, q, 4);
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		char q[2] = { B64URL[v >> 18], B64URL[v >> 12 & 63] };
		scp_buf_add(out, q, 2);
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		char q[3] = { B64URL[v >> 18], B64URL[v >> 12 & 63], B64URL[v >> 6 & 63] };
		scp_buf_add(out, q, 3);
	}
}

bool scp_webpush_b64url_exact(unsigned char *out, size_t want, const char *in)
{
	size_t n = strlen(in);
	unsigned char tmp[128];
	long got;

	while (n && in[n - 1] == '=')
		n--;
	if (n > (sizeof(tmp) - 3) * 4 / 3)
		return false;
	got = scp_base64url_decode(tmp, in, n);
	if (got < 0 || (size_t)got != want)
		return false;
	memcpy(out, tmp, want);
	return true;
}

/*
 * An EVP_PKEY for P-256 from a public point and, when priv is given, its scalar.  The
 * point is checked to be on the curve (OpenSSL refuses one that is not), so a hostile
 * p256dh key cannot drive the ECDH into an invalid-curve attack.
 */
static EVP_PKEY *p256_key(const unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN],
			  const unsigned char *priv)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *d = priv ? BN_bin2bn(priv, SCP_WEBPUSH_PRIVATE_LEN, NULL) : NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	if (pub[0] != 0x04 || !bld || !ctx || (priv && !d))
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
					      SCP_WEBPUSH_PUBLIC_LEN) ||
	    (d && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) != 1)
		key = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

bool scp_webpush_public_ok(const unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN])
{
	EVP_PKEY *key = p256_key(pub, NULL);

	EVP_PKEY_free(key);
	return key != NULL;
}

/* The public point of a private scalar (d * G), false for a scalar out of range. */
static bool p256_public_of(const unsigned char priv[SCP_WEBPUSH_PRIVATE_LEN],
			   unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *d = BN_bin2bn(priv, SCP_WEBPUSH_PRIVATE_LEN, NULL);
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	bool ok = g && d && p && !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(g)) < 0 &&
		  EC_POINT_mul(g, p, d, NULL, NULL, NULL) == 1 &&
		  EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pub,
				     SCP_WEBPUSH_PUBLIC_LEN, NULL) == SCP_WEBPUSH_PUBLIC_LEN;

	EC_POINT_free(p);
	BN_clear_free(d);
	EC_GROUP_free(g);
	return ok;
}

/* ECDH: the 32-byte x coordinate of our scalar times their point. */
static bool ecdh(EVP_PKEY *ours, EVP_PKEY *theirs, unsigned char secret[32])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
	size_t len = 32;
	bool ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
		  EVP_PKEY_derive_set_peer(ctx, theirs) == 1 &&
		  EVP_PKEY_derive(ctx, secret, &len) == 1 && len == 32;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/*
 * HKDF-SHA256 (RFC 5869) for outputs of one block (at most 32 bytes), which is all RFC
 * 8291 takes: extract PRK = HMAC(salt, ikm), expand T(1) = HMAC(PRK, info || 0x01).
 */
static void hkdf(unsigned char *out, size_t len, const unsigned char *salt, size_t saltlen,
		 const unsigned char *ikm, size_t ikmlen, const unsigned char *info,
		 size_t infolen)
{
	unsigned char prk[SCP_SHA256_LEN], t[SCP_SHA256_LEN], msg[160];

	scp_hmac_sha256(prk, salt, saltlen, ikm, ikmlen);
	memcpy(msg, info, infolen);
	msg[infolen] = 0x01;
	scp_hmac_sha256(t, prk, sizeof(prk), msg, infolen + 1);
	memcpy(out, t, len);
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(t, sizeof(t));
}

/* AES-128-GCM of one record: out gets n bytes of ciphertext and the 16-byte tag. */
static bool seal_record(const unsigned char cek[16], const unsigned char nonce[12],
			const unsigned char *in, size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;
	bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, cek, nonce) == 1 &&
		  EVP_EncryptUpdate(ctx, out, &len, in, (int)n) == 1 &&
		  EVP_EncryptFinal_ex(ctx, out + len, &fin) == 1 &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + n) == 1;

	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static bool encrypt_key(const unsigned char ua_public[SCP_WEBPUSH_PUBLIC_LEN],
			const unsigned char auth[SCP_WEBPUSH_AUTH_LEN], EVP_PKEY *as,
			const unsigned char as_public[SCP_WEBPUSH_PUBLIC_LEN],
			const unsigned char salt[SCP_WEBPUSH_SALT_LEN], const void *plain,
			size_t n, struct scp_buf *out)
{
	static const char key_label[] = "WebPush: info";	/* its NUL is part of info */
	static const char cek_label[] = "Content-Encoding: aes128gcm";
	static const char nonce_label[] = "Content-Encoding: nonce";
	unsigned char secret[32], ikm[32], cek[16], nonce[12];
	unsigned char info[sizeof(key_label) + 2 * SCP_WEBPUSH_PUBLIC_LEN];
	unsigned char header[SCP_WEBPUSH_HEADER_LEN];
	unsigned char *rec = NULL;
	EVP_PKEY *ua = NULL;
	bool ok = false;

	if (n > SCP_WEBPUSH_MAX_PLAIN || !(ua = p256_key(ua_public, NULL)) ||
	    !ecdh(as, ua, secret))
		goto out;
	/* IKM = HKDF(auth, ecdh_secret, "WebPush: info\0" || ua_public || as_public) */
	memcpy(info, key_label, sizeof(key_label));
	memcpy(info + sizeof(key_label), ua_public, SCP_WEBPUSH_PUBLIC_LEN);
	memcpy(info + sizeof(key_label) + SCP_WEBPUSH_PUBLIC_LEN, as_public,
	       SCP_WEBPUSH_PUBLIC_LEN);
	hkdf(ikm, 32, auth, SCP_WEBPUSH_AUTH_LEN, secret, 32, info, sizeof(info));
	/* RFC 8188: CEK and NONCE from the salt and IKM, labels with their NUL */
	hkdf(cek, 16, salt, SCP_WEBPUSH_SALT_LEN, ikm, 32, (const unsigned char *)cek_label,
	     sizeof(cek_label));
	hkdf(nonce, 12, salt, SCP_WEBPUSH_SALT_LEN, ikm, 32,
	     (const unsigned char *)nonce_label, sizeof(nonce_label));
	/* One record (sequence 0, so the nonce is used as derived), 0x02: the last one */
	rec = OPENSSL_malloc(n + 1 + 16);
	if (!rec)
		goto out;
	memcpy(rec, plain, n);
	rec[n] = 0x02;
	if (!seal_record(cek, nonce, rec, n + 1, rec))
		goto out;
	/* header: salt(16) | rs(4, big-endian) | idlen(1) | keyid = as_public(65) */
	memcpy(header, salt, SCP_WEBPUSH_SALT_LEN);
	header[16] = (unsigned char)(SCP_WEBPUSH_RS >> 24);
	header[17] = (unsigned char)(SCP_WEBPUSH_RS >> 16);
	header[18] = (unsigned char)(SCP_WEBPUSH_RS >> 8);
	header[19] = (unsigned char)SCP_WEBPUSH_RS;
	header[20] = SCP_WEBPUSH_PUBLIC_LEN;
	memcpy(header + 21, as_public, SCP_WEBPUSH_PUBLIC_LEN);
	scp_buf_add(out, header, sizeof(header));
	scp_buf_add(out, rec, n + 1 + 16);
	ok = true;
out:
	if (rec)
		OPENSSL_clear_free(rec, n + 1 + 16);
	EVP_PKEY_free(ua);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(ikm, sizeof(ikm));
	OPENSSL_cleanse(cek, sizeof(cek));
	return ok;
}

bool scp_webpush_encrypt_with(const unsigned char ua_public[SCP_WEBPUSH_PUBLIC_LEN],
			      const unsigned char auth[SCP_WEBPUSH_AUTH_LEN],
			      const unsigned char as_private[SCP_WEBPUSH_PRIVATE_LEN],
			      const unsigned char salt[SCP_WEBPUSH_SALT_LEN],
			      const void *plain, size_t n, struct scp_buf *out)
{
	unsigned char as_public[SCP_WEBPUSH_PUBLIC_LEN];
	EVP_PKEY *as;
	bool ok;

	if (!p256_public_of(as_private, as_public) || !(as = p256_key(as_public, as_private)))
		return false;
	ok = encrypt_key(ua_public, auth, as, as_public, salt, plain, n, out);
	EVP_PKEY_free(as);
	return ok;
}

bool scp_webpush_encrypt(const unsigned char ua_public[SCP_WEBPUSH_PUBLIC_LEN],
			 const unsigned char auth[SCP_WEBPUSH_AUTH_LEN],
			 const void *plain, size_t n, struct scp_buf *out)
{
	unsigned char as_public[SCP_WEBPUSH_PUBLIC_LEN], salt[SCP_WEBPUSH_SALT_LEN];
	EVP_PKEY *as = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	size_t len = 0;
	bool ok;

	/* a fresh key and salt per message, as RFC 8291 section 3.1 requires */
	ok = as && EVP_PKEY_get_octet_string_param(as, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						   as_public, sizeof(as_public), &len) == 1 &&
	     len == SCP_WEBPUSH_PUBLIC_LEN;
	if (ok) {
		scp_random_bytes(salt, sizeof(salt));
		ok = encrypt_key(ua_public, auth, as, as_public, salt, plain, n, out);
	}
	EVP_PKEY_free(as);
	return ok;
}

bool scp_webpush_origin(const char *endpoint, char *out, size_t size)
{
	const char *host = endpoint + 8, *slash;
	size_t len;

	if (strncmp(endpoint, "https://", 8))
		return false;
	slash = strchr(host, '/');
	if (!slash || slash == host)
		return false;
	for (const char *c = host; c < slash; c++)
		if (*c == '@' || *c == '?' || *c == '#' || *c <= ' ' || *c == 0x7f)
			return false;	/* no userinfo, nothing a host cannot hold */
	len = (size_t)(slash - endpoint);
	if (len + 1 > size)
		return false;
	memcpy(out, endpoint, len);
	out[len] = '\0';
	return true;
}

/* The private key of a base64url pair, checked against its public half. */
static EVP_PKEY *vapid_key(const char *public_b64, const char *private_b64,
			   unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN])
{
	unsigned char priv[SCP_WEBPUSH_PRIVATE_LEN], derived[SCP_WEBPUSH_PUBLIC_LEN];
	EVP_PKEY *key = NULL;

	if (public_b64 && private_b64 &&
	    scp_webpush_b64url_exact(pub, SCP_WEBPUSH_PUBLIC_LEN, public_b64) &&
	    scp_webpush_b64url_exact(priv, sizeof(priv), private_b64) &&
	    p256_public_of(priv, derived) && !memcmp(derived, pub, sizeof(derived)))
		key = p256_key(pub, priv);
	OPENSSL_cleanse(priv, sizeof(priv));
	return key;
}

bool scp_webpush_vapid_pair_ok(const char *public_b64, const char *private_b64)
{
	unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN];
	EVP_PKEY *key = vapid_key(public_b64, private_b64, pub);

	EVP_PKEY_free(key);
	return key != NULL;
}

/* ES256: ECDSA P-256 over SHA-256, as JWS wants it, r || s of 32 bytes each. */
static bool es256(EVP_PKEY *key, const char *msg, size_t n, unsigned char rs[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t derlen = sizeof(der);
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	bool ok = md && EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
		  EVP_DigestSign(md, der, &derlen, (const unsigned char *)msg, n) == 1 &&
		  (sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) != NULL;

	if (ok) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, rs, 32) == 32 && BN_bn2binpad(s, rs + 32, 32) == 32;
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok;
}

bool scp_webpush_vapid(const char *endpoint, const char *subject, const char *public_b64,
		       const char *private_b64, long exp, struct scp_buf *out)
{
	static const char jose[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
	struct scp_buf claims = SCP_BUF_INIT, jwt = SCP_BUF_INIT;
	unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN], sig[64];
	char aud[512];
	EVP_PKEY *key = NULL;
	bool ok = false;

	if (!scp_webpush_origin(endpoint, aud, sizeof(aud)) || !subject ||
	    (strncmp(subject, "mailto:", 7) && strncmp(subject, "https://", 8)) ||
	    !(key = vapid_key(public_b64, private_b64, pub)))
		goto out;
	scp_buf_adds(&claims, "{\"aud\":");
	scp_buf_add_json_str(&claims, aud);
	scp_buf_addf(&claims, ",\"exp\":%ld,\"sub\":", exp);
	scp_buf_add_json_str(&claims, subject);
	scp_buf_addc(&claims, '}');
	scp_webpush_b64url(&jwt, (const unsigned char *)jose, sizeof(jose) - 1);
	scp_buf_addc(&jwt, '.');
	scp_webpush_b64url(&jwt, (const unsigned char *)claims.ptr, claims.len);
	if (!es256(key, jwt.ptr, jwt.len, sig))
		goto out;
	scp_buf_addc(&jwt, '.');
	scp_webpush_b64url(&jwt, sig, sizeof(sig));
	scp_buf_adds(out, "vapid t=");
	scp_buf_add(out, jwt.ptr, jwt.len);
	scp_buf_adds(out, ", k=");
	scp_webpush_b64url(out, pub, sizeof(pub));
	ok = true;
out:
	EVP_PKEY_free(key);
	scp_buf_release(&claims);
	scp_buf_release(&jwt);
	return ok;
}

bool scp_webpush_keygen(struct scp_buf *public_b64, struct scp_buf *private_b64)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN], priv[SCP_WEBPUSH_PRIVATE_LEN];
	BIGNUM *d = NULL;
	size_t len = 0;
	bool ok = key &&
		  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
						  sizeof(pub), &len) == 1 &&
		  len == sizeof(pub) &&
		  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
		  BN_bn2binpad(d, priv, sizeof(priv)) == sizeof(priv);

	if (ok) {
		scp_webpush_b64url(public_b64, pub, sizeof(pub));
		scp_webpush_b64url(private_b64, priv, sizeof(priv));
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	BN_clear_free(d);
	EVP_PKEY_free(key);
	return ok;
}
