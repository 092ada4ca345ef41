#include "scp_secret.h"
#include "scp_arena.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_text.h"

#include <openssl/evp.h>
#include <string.h>

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define PREFIX "v1:"

/* Decode exactly n bytes of hex; false on any other character. */
static bool unhex(unsigned char *out, const char *hex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = scp_hex_digit(hex[2 * i]), lo = hi < 0 ? -1 : scp_hex_digit(hex[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static bool key(unsigned char k[KEY_LEN])
{
	const char *hex = scp_cfg.secrets_key;

	return hex && scp_config_secrets_key_valid(hex) && unhex(k, hex, KEY_LEN);
}

bool scp_secret_ready(void)
{
	unsigned char k[KEY_LEN];
	bool ok = key(k);

	OPENSSL_cleanse(k, sizeof(k));
	return ok;
}

/* One AES-256-GCM pass; enc selects sealing (tag written) or opening (tag checked). */
static bool gcm(bool enc, const unsigned char k[KEY_LEN], const unsigned char *nonce,
		const char *aad, const unsigned char *in, size_t n, unsigned char *out,
		unsigned char tag[TAG_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;
	bool ok = ctx && n <= 65536 &&
		EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
		EVP_CipherInit_ex(ctx, NULL, NULL, k, nonce, enc) == 1 &&
		(!aad || EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)aad,
					  (int)strlen(aad)) == 1) &&
		EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 &&
		(enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
		EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 &&
		(!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);

	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool scp_secret_seal(const void *plain, size_t n, const char *aad, struct scp_buf *out)
{
	unsigned char k[KEY_LEN], nonce[NONCE_LEN], tag[TAG_LEN];
	size_t raw_len = NONCE_LEN + n + TAG_LEN;
	unsigned char *raw;
	bool ok;

	if (!key(k) || n > 65536)
		return false;
	raw = OPENSSL_malloc(raw_len);
	scp_random_bytes(nonce, sizeof(nonce));
	memcpy(raw, nonce, NONCE_LEN);
	ok = gcm(true, k, nonce, aad, plain, n, raw + NONCE_LEN, tag);
	if (ok) {
		memcpy(raw + NONCE_LEN + n, tag, TAG_LEN);
		scp_buf_adds(out, PREFIX);
		scp_buf_grow(out, 2 * raw_len + 1);
		scp_hex(out->ptr + out->len, raw, raw_len);
		out->len += 2 * raw_len;
	}
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_clear_free(raw, raw_len);
	return ok;
}

bool scp_secret_open(const char *sealed, const char *aad, struct scp_buf *out)
{
	unsigned char k[KEY_LEN];
	size_t hex_len, raw_len, n;
	unsigned char *raw;
	bool ok;

	if (!sealed || strncmp(sealed, PREFIX, strlen(PREFIX)))
		return false;
	sealed += strlen(PREFIX);
	hex_len = strlen(sealed);
	if (hex_len % 2 || hex_len / 2 < NONCE_LEN + TAG_LEN || hex_len / 2 > 65536 + 28)
		return false;
	raw_len = hex_len / 2;
	n = raw_len - NONCE_LEN - TAG_LEN;
	if (!key(k))
		return false;
	raw = OPENSSL_malloc(raw_len);
	scp_buf_grow(out, n + 1);
	ok = unhex(raw, sealed, raw_len) &&
	     gcm(false, k, raw, aad, raw + NONCE_LEN, n, (unsigned char *)out->ptr + out->len,
		 raw + NONCE_LEN + n);
	if (ok)
		out->len += n;
	else
		OPENSSL_cleanse(out->ptr + out->len, n);
	out->ptr[out->len] = '\0';
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_clear_free(raw, raw_len);
	return ok;
}

const char *scp_secret_seal_text(struct scp_arena *a, const char *plain, const char *aad)
{
	struct scp_buf b = SCP_BUF_INIT;
	const char *s = NULL;

	if (plain && scp_secret_seal(plain, strlen(plain), aad, &b))
		s = scp_arena_strdup(a, b.ptr);
	scp_buf_release(&b);
	return s;
}

const char *scp_secret_open_text(struct scp_arena *a, const char *sealed, const char *aad)
{
	struct scp_buf b = SCP_BUF_INIT;
	const char *s = NULL;

	if (sealed && scp_secret_open(sealed, aad, &b) && b.len && !memchr(b.ptr, 0, b.len))
		s = scp_arena_strdup(a, b.ptr);
	if (b.ptr)
		memset(b.ptr, 0, b.len);
	scp_buf_release(&b);
	return s;
}
