#include "scp_hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

void scp_random_bytes(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1)
		abort();
}

void scp_hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void scp_random_hex(char *out, size_t n)
{
	unsigned char raw[64];

	if (n > sizeof(raw))
		abort();
	scp_random_bytes(raw, n);
	scp_hex(out, raw, n);
}

void scp_random_digits(char *out, size_t digits)
{
	for (size_t i = 0; i < digits; i++) {
		unsigned char b;

		/* Rejection sampling: 250 is the largest multiple of 10 below 256. */
		do
			scp_random_bytes(&b, 1);
		while (b >= 250);
		out[i] = (char)('0' + b % 10);
	}
	out[digits] = '\0';
}

void scp_sha256_hex(char out[SCP_SHA256_HEX], const void *data, size_t n)
{
	unsigned char md[SCP_SHA256_LEN];

	if (!EVP_Digest(data, n, md, NULL, EVP_sha256(), NULL))
		abort();
	scp_hex(out, md, sizeof(md));
}

void scp_hmac_sha256(unsigned char out[SCP_SHA256_LEN], const void *key, size_t keylen,
		     const void *data, size_t n)
{
	unsigned int len = SCP_SHA256_LEN;

	if (!HMAC(EVP_sha256(), key, (int)keylen, data, n, out, &len))
		abort();
}

void scp_hmac_sha256_hex(char out[SCP_SHA256_HEX], const void *key, size_t keylen,
			 const void *data, size_t n)
{
	unsigned char md[SCP_SHA256_LEN];

	scp_hmac_sha256(md, key, keylen, data, n);
	scp_hex(out, md, sizeof(md));
}

void scp_base64(char *out, const unsigned char *in, size_t n)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static int b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

long scp_base64url_decode(unsigned char *out, const char *in, size_t n)
{
	unsigned long acc = 0;
	long len = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_val(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(acc >> bits);
			acc &= (1ul << bits) - 1;
		}
	}
	/* Leftover bits must be zero: one encoding per value. */
	return acc ? -1 : len;
}

bool scp_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	/* The length is not secret; the contents are. */
	if (alen != blen)
		return false;
	return CRYPTO_memcmp(a, b, alen) == 0;
}
