/*
 * scp_password: password hashing with crypt_r (libxcrypt).
 *
 * New hashes are yescrypt ("$y$"); any hash libxcrypt knows still verifies (bcrypt
 * "$2b$" from imported accounts).  Unknown accounts are checked against a dummy hash of
 * the same cost, so a wrong email takes as long as a wrong password.
 */
#ifndef SCP_PASSWORD_H
#define SCP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define SCP_PASSWORD_MIN 8
#define SCP_PASSWORD_MAX 128
#define SCP_HASH_MAX 128

/* Policy check: NULL if acceptable, else the message for the client. */
const char *scp_password_policy(const char *pw);
bool scp_password_hash(const char *pw, long cost, char out[SCP_HASH_MAX]);
bool scp_password_verify(const char *pw, const char *hash);
/* Spend the time of one verification, for accounts that do not exist. */
void scp_password_waste(const char *pw, long cost);

#endif
