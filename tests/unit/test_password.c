/*
 * test_password: the 8–128 character policy, yescrypt hashing, and verification of
 * imported bcrypt hashes (DESIGN §7).  Cost 1 keeps the run fast.
 */
#include "scp_password.h"
#include "tap.h"

#include <crypt.h>
#include <string.h>

/* n copies of the UTF-8 sequence unit into out (which must be large enough). */
static char *repeat(char *out, const char *unit, int n)
{
	size_t u = strlen(unit);

	for (int i = 0; i < n; i++)
		memcpy(out + (size_t)i * u, unit, u);
	out[(size_t)n * u] = '\0';
	return out;
}

static void test_policy(void)
{
	char buf[129 * 4 + 1];

	ok(scp_password_policy("") != NULL, "empty password refused");
	ok(scp_password_policy(repeat(buf, "a", 7)) != NULL, "7 characters refused");
	is_str(scp_password_policy(repeat(buf, "a", 8)), NULL, "8 characters accepted");
	is_str(scp_password_policy(repeat(buf, "a", 128)), NULL, "128 characters accepted");
	ok(scp_password_policy(repeat(buf, "a", 129)) != NULL, "129 characters refused");

	/* Characters, not bytes: 7 two-byte letters are 14 bytes but still too short. */
	ok(scp_password_policy(repeat(buf, "\xc3\xa9", 7)) != NULL, "7 x 'é' refused");
	is_str(scp_password_policy(repeat(buf, "\xc3\xa9", 8)), NULL, "8 x 'é' accepted");
	is_str(scp_password_policy(repeat(buf, "\xf0\x9f\x94\x91", 128)), NULL,
	       "128 four-byte characters (512 bytes) accepted");
	ok(scp_password_policy(repeat(buf, "\xe2\x82\xac", 129)) != NULL,
	   "129 x '€' refused");
}

static void test_hash(void)
{
	char h1[SCP_HASH_MAX], h2[SCP_HASH_MAX];

	if (!ok(scp_password_hash("correct horse", 1, h1), "hash with cost 1"))
		return;
	ok(!strncmp(h1, "$y$", 3), "new hashes are yescrypt ($y$): %s", h1);
	ok(scp_password_verify("correct horse", h1), "the right password verifies");
	ok(!scp_password_verify("correct horsE", h1), "a wrong password does not");
	ok(!scp_password_verify("", h1), "the empty password does not");
	ok(scp_password_hash("correct horse", 1, h2) && strcmp(h1, h2),
	   "the same password hashes differently (random salt)");
	ok(scp_password_verify("correct horse", h2), "... and both verify");
	/* Only spends time; run it so the sanitizers see its code path too. */
	scp_password_waste("whatever", 1);
	ok(true, "scp_password_waste returns");
}

static void test_bcrypt(void)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	if (!crypt_gensalt_rn("$2b$", 4, NULL, 0, setting, sizeof(setting))) {
		ok(false, "crypt_gensalt $2b$");
		return;
	}
	h = crypt_r("imported pw", setting, &cd);
	if (!ok(h && !strncmp(h, "$2b$04$", 7), "bcrypt hash made with crypt_gensalt"))
		return;
	ok(scp_password_verify("imported pw", h), "a bcrypt hash verifies");
	ok(!scp_password_verify("imported pW", h), "... not with a wrong password");

	/* Published crypt_blowfish test vectors: the hash is fixed, so no generator bias. */
	ok(scp_password_verify("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
	   "known $2a$ vector verifies");
	ok(scp_password_verify("U*U", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
	   "known vector as $2b$ verifies");
	ok(!scp_password_verify("U*U*", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
	   "... not with another password");
}

static void test_bad_hashes(void)
{
	ok(!scp_password_verify("anything", ""), "empty hash never verifies");
	ok(!scp_password_verify("", ""), "... not even for the empty password");
	ok(!scp_password_verify("anything", "*"), "\"*\" (locked) never verifies");
	ok(!scp_password_verify("anything", "*0"), "\"*0\" (crypt failure) never verifies");
	ok(!scp_password_verify("anything", NULL), "NULL hash never verifies");
	ok(!scp_password_verify("anything", "$zz$garbage"), "unknown scheme never verifies");
	ok(!scp_password_verify("anything", "$y$"), "truncated yescrypt setting never verifies");
}

int main(void)
{
	test_policy();
	test_hash();
	test_bcrypt();
	test_bad_hashes();
	return done_testing();
}
