/*
 * scp_webpush: the cryptography of Web Push, for scp-worker's web_push jobs.
 *
 * Payloads are encrypted as RFC 8291 asks (the aes128gcm content coding of RFC 8188,
 * one record, keyed by ECDH P-256 between a fresh key of ours and the browser's p256dh
 * key, mixed with the browser's auth secret), and every request carries an RFC 8292
 * VAPID Authorization header (an ES256 JWT for the push service's origin, with our
 * public key), so the push service knows which application server speaks.
 *
 * Keys travel as base64url without padding, the way browsers hand them out: a public
 * key is the 65-byte uncompressed point, a private key the 32-byte scalar.
 */
#ifndef SCP_WEBPUSH_H
#define SCP_WEBPUSH_H

#include <stdbool.h>
#include <stddef.h>

struct scp_buf;

#define SCP_WEBPUSH_PUBLIC_LEN 65	/* uncompressed P-256 point: 0x04 || x || y */
#define SCP_WEBPUSH_PRIVATE_LEN 32
#define SCP_WEBPUSH_AUTH_LEN 16
#define SCP_WEBPUSH_SALT_LEN 16
#define SCP_WEBPUSH_RS 4096		/* the record size written in the header */
#define SCP_WEBPUSH_HEADER_LEN (16 + 4 + 1 + SCP_WEBPUSH_PUBLIC_LEN)
/*
 * The largest plaintext: push services must accept bodies of 4096 bytes (RFC 8030
 * section 7.2), and a body is the header, the plaintext, the 0x02 delimiter and the tag.
 */
#define SCP_WEBPUSH_MAX_PLAIN (4096 - SCP_WEBPUSH_HEADER_LEN - 1 - 16)

/* Append n bytes as base64url without padding. */
void scp_webpush_b64url(struct scp_buf *out, const unsigned char *in, size_t n);
/* Whether a 65-byte public key is an uncompressed point on P-256 (a usable p256dh). */
bool scp_webpush_public_ok(const unsigned char pub[SCP_WEBPUSH_PUBLIC_LEN]);
/* Decode base64url (padding tolerated, as some browsers add it) of exactly want bytes. */
bool scp_webpush_b64url_exact(unsigned char *out, size_t want, const char *in);

/*
 * Encrypt plain (at most SCP_WEBPUSH_MAX_PLAIN bytes) for a subscription's keys with a
 * fresh ephemeral key and salt; the whole aes128gcm body is appended to out.
 */
bool scp_webpush_encrypt(const unsigned char ua_public[SCP_WEBPUSH_PUBLIC_LEN],
			 const unsigned char auth[SCP_WEBPUSH_AUTH_LEN],
			 const void *plain, size_t n, struct scp_buf *out);
/* The same with a given application server key and salt: deterministic, for tests. */
bool scp_webpush_encrypt_with(const unsigned char ua_public[SCP_WEBPUSH_PUBLIC_LEN],
			      const unsigned char auth[SCP_WEBPUSH_AUTH_LEN],
			      const unsigned char as_private[SCP_WEBPUSH_PRIVATE_LEN],
			      const unsigned char salt[SCP_WEBPUSH_SALT_LEN],
			      const void *plain, size_t n, struct scp_buf *out);

/*
 * The origin (scheme://host[:port]) of an https endpoint into out; false when endpoint
 * is not an https URL with a host and a path.  The JWT's aud is this origin.
 */
bool scp_webpush_origin(const char *endpoint, char *out, size_t size);
/*
 * The Authorization header value "vapid t=<JWT>, k=<public key>" for endpoint, signed
 * with the base64url private key (whose public key must be public_b64), expiring at
 * exp (Unix seconds; RFC 8292 allows at most 24 hours ahead), sub = subject.
 */
bool scp_webpush_vapid(const char *endpoint, const char *subject, const char *public_b64,
		       const char *private_b64, long exp, struct scp_buf *out);
/* Whether a base64url key pair is a usable VAPID pair (the private key's public key). */
bool scp_webpush_vapid_pair_ok(const char *public_b64, const char *private_b64);
/* A new P-256 key pair as base64url (scpctl vapid-keys). */
bool scp_webpush_keygen(struct scp_buf *public_b64, struct scp_buf *private_b64);

#endif
