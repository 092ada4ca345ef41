#include "scp_password.h"
#include "scp_hmac.h"

#include <crypt.h>
#include <stdio.h>
#include <string.h>

/* crypt_r's state is large (tens of KiB); one per process, reused. */
static struct crypt_data cdata;

const char *scp_password_policy(const char *pw)
{
	size_t chars = 0;

	/* Count characters, not bytes (continuation bytes are 10xxxxxx). */
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
		if ((*p & 0xC0) != 0x80)
			chars++;
	if (chars < SCP_PASSWORD_MIN)
		return "must be at least 8 characters";
	if (chars > SCP_PASSWORD_MAX)
		return "must be at most 128 characters";
	return NULL;
}

bool scp_password_hash(const char *pw, long cost, char out[SCP_HASH_MAX])
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	if (!crypt_gensalt_rn("$y$", (unsigned long)cost, NULL, 0, setting, sizeof(setting)))
		return false;
	h = crypt_r(pw, setting, &cdata);
	if (!h || h[0] == '*' || strlen(h) >= SCP_HASH_MAX)
		return false;
	strcpy(out, h);
	return true;
}

bool scp_password_verify(const char *pw, const char *hash)
{
	const char *h;

	if (!hash || !*hash || hash[0] == '*')
		return false;
	h = crypt_r(pw, hash, &cdata);
	if (!h || h[0] == '*')
		return false;
	return scp_ct_equal(h, strlen(h), hash, strlen(hash));
}

void scp_password_waste(const char *pw, long cost)
{
	static char dummy[SCP_HASH_MAX];
	static long dummy_cost;

	if (!dummy[0] || dummy_cost != cost) {
		if (!scp_password_hash("scp-dummy-password", cost, dummy))
			return;
		dummy_cost = cost;
	}
	(void)scp_password_verify(pw, dummy);
}
