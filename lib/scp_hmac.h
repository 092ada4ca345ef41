/*
 * scp_hmac: the small cryptographic helpers everything else needs: random bytes,
 * SHA-256 and HMAC-SHA256, hex and base64 encodings, constant-time comparison.
 * All of it is OpenSSL underneath.
 */
#ifndef SCP_HMAC_H
#define SCP_HMAC_H

#include <stdbool.h>
#include <stddef.h>

#define SCP_SHA256_LEN 32
#define SCP_SHA256_HEX (SCP_SHA256_LEN * 2 + 1)

/* Cryptographically strong bytes; aborts if the system cannot supply them. */
void scp_random_bytes(void *buf, size_t n);
/* n random bytes as lower-case hex into out (2n + 1 bytes). */
void scp_random_hex(char *out, size_t n);
/* A uniformly random decimal string of `digits` digits (OTP codes). */
void scp_random_digits(char *out, size_t digits);

void scp_hex(char *out, const unsigned char *in, size_t n);
void scp_sha256_hex(char out[SCP_SHA256_HEX], const void *data, size_t n);
void scp_hmac_sha256(unsigned char out[SCP_SHA256_LEN], const void *key, size_t keylen,
		     const void *data, size_t n);
void scp_hmac_sha256_hex(char out[SCP_SHA256_HEX], const void *key, size_t keylen,
			 const void *data, size_t n);
/* Standard base64 with padding; out must hold 4 * ((n + 2) / 3) + 1 bytes. */
void scp_base64(char *out, const unsigned char *in, size_t n);
/*
 * Decode base64url without padding (RFC 7515) into out (at least n * 3 / 4 + 3 bytes).
 * Returns the decoded length, or -1 on a character outside the alphabet or a bad length.
 */
long scp_base64url_decode(unsigned char *out, const char *in, size_t n);
/* Constant-time equality of two byte strings of possibly different length. */
bool scp_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
