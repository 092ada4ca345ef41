/*
 * scp_secret: third-party secrets at rest (Shopify access tokens, WooCommerce keys,
 * Prokip credentials), sealed with AES-256-GCM under the configured secrets_key.
 *
 * A sealed value is text, "v1:" followed by the hex of a random 12-byte nonce, the
 * ciphertext and the 16-byte tag, so it fits a text column and survives dumps.  The
 * additional data (aad) binds a value to its place, a connection's id and the field's
 * name: a sealed token copied into another row or field does not open.
 */
#ifndef SCP_SECRET_H
#define SCP_SECRET_H

#include <stdbool.h>
#include <stddef.h>

struct scp_arena;
struct scp_buf;

/* Whether secrets_key is set and usable; callers refuse to store a secret otherwise. */
bool scp_secret_ready(void);
/* Seal n bytes of plain into out (appended).  False when no key is configured. */
bool scp_secret_seal(const void *plain, size_t n, const char *aad, struct scp_buf *out);
/*
 * Open a sealed value into out (appended, NUL-terminated as every scp_buf).  False for
 * no key, a malformed value, or one that fails authentication (another key, another
 * aad, or altered bytes).
 */
bool scp_secret_open(const char *sealed, const char *aad, struct scp_buf *out);
/*
 * The same for a NUL-terminated text, the result kept in arena a: the sealed text, or
 * the opened one (NULL when it fails, or when plain/sealed is NULL).  An opened text
 * that is empty or holds a NUL is refused (a token is neither); the scratch copy is
 * wiped.
 */
const char *scp_secret_seal_text(struct scp_arena *a, const char *plain, const char *aad);
const char *scp_secret_open_text(struct scp_arena *a, const char *sealed, const char *aad);

#endif
