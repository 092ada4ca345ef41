/*
 * test_secret: AES-256-GCM sealing of third-party secrets: a round trip, a fresh nonce
 * each time, and every way a sealed value must fail to open (no key, another key,
 * another aad, an altered byte, a truncated or malformed value).
 */
#include "scp_arena.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_secret.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static bool opens(const char *sealed, const char *aad, const char *want)
{
	struct scp_buf out = SCP_BUF_INIT;
	bool ok = scp_secret_open(sealed, aad, &out) && !strcmp(out.ptr, want);

	scp_buf_release(&out);
	return ok;
}

int main(void)
{
	struct scp_buf a = SCP_BUF_INIT, b = SCP_BUF_INIT, e = SCP_BUF_INIT;
	const char *token = "shpat_0123456789abcdef";
	char *altered;

	scp_cfg.secrets_key = "";
	ok(!scp_secret_ready(), "no key: not ready");
	ok(!scp_secret_seal(token, strlen(token), "c1:token", &a), "no key: nothing sealed");
	scp_cfg.secrets_key = "0011";
	ok(!scp_secret_ready(), "a short key: not ready");
	scp_cfg.secrets_key = KEY_A "0";
	ok(!scp_secret_ready(), "a long key: not ready");

	scp_cfg.secrets_key = KEY_A;
	ok(scp_secret_ready(), "64 hex digits: ready");
	ok(scp_secret_seal(token, strlen(token), "c1:token", &a), "sealed");
	ok(!strncmp(a.ptr, "v1:", 3), "versioned text");
	ok(!strstr(a.ptr, "shpat"), "the clear text does not show");
	is_int((long)a.len, (long)(3 + 2 * (12 + strlen(token) + 16)), "nonce, body and tag");
	ok(opens(a.ptr, "c1:token", token), "opens with its key and aad");
	ok(scp_secret_seal(token, strlen(token), "c1:token", &b), "sealed again");
	ok(strcmp(a.ptr, b.ptr) != 0, "a fresh nonce each time");
	ok(!opens(a.ptr, "c2:token", token), "another aad: refused");
	ok(!opens(a.ptr, NULL, token), "no aad: refused");

	altered = strdup(a.ptr);
	altered[10] = altered[10] == '0' ? '1' : '0';
	ok(!opens(altered, "c1:token", token), "an altered nonce byte: refused");
	strcpy(altered, a.ptr);
	altered[strlen(altered) - 1] = altered[strlen(altered) - 1] == '0' ? '1' : '0';
	ok(!opens(altered, "c1:token", token), "an altered tag byte: refused");
	altered[strlen(altered) - 2] = '\0';
	ok(!opens(altered, "c1:token", token), "a truncated value: refused");
	ok(!opens("v1:zz", "c1:token", token), "not hex: refused");
	ok(!opens("v2:00", "c1:token", token), "an unknown version: refused");
	ok(!opens(token, "c1:token", token), "clear text: refused");
	free(altered);

	ok(scp_secret_seal("", 0, "c1:empty", &e), "an empty secret seals");
	ok(opens(e.ptr, "c1:empty", ""), "and opens empty");

	/* The text helpers, in an arena. */
	{
		struct scp_arena ar;
		const char *t;

		scp_arena_init(&ar, 4096);
		t = scp_secret_seal_text(&ar, token, "c1:token");
		ok(t && !strncmp(t, "v1:", 3), "seal_text: a sealed text");
		ok(opens(t, "c1:token", token), "seal_text: opens as scp_secret_seal's");
		t = scp_secret_open_text(&ar, a.ptr, "c1:token");
		ok(t && !strcmp(t, token), "open_text: the clear text");
		ok(!scp_secret_open_text(&ar, a.ptr, "c2:token"), "open_text, another aad: NULL");
		ok(!scp_secret_open_text(&ar, e.ptr, "c1:empty"), "open_text of an empty secret: NULL");
		ok(!scp_secret_open_text(&ar, NULL, "c1:token"), "open_text of NULL: NULL");
		ok(!scp_secret_seal_text(&ar, NULL, "c1:token"), "seal_text of NULL: NULL");
		scp_arena_free(&ar);
	}

	scp_cfg.secrets_key = KEY_B;
	ok(!opens(a.ptr, "c1:token", token), "another key: refused");

	scp_buf_release(&a);
	scp_buf_release(&b);
	scp_buf_release(&e);
	return done_testing();
}
