/*
 * test_config: defaults, then the `key = value` file, then SCP_* environment variables
 * (DESIGN §9), and the mistakes scpctl check-config must be able to explain.
 */
#include "scp_buf.h"
#include "scp_config.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET32 "0123456789abcdef0123456789abcdef"

extern char **environ;

static char tmpdir[] = "/tmp/scp-test-config-XXXXXX";
static char path[sizeof(tmpdir) + 16];

/* The test must not depend on the caller's SCP_* variables (SCP_CONFIG above all). */
static void clear_scp_env(void)
{
	for (;;) {
		char name[128];
		const char *eq = NULL;

		for (char **e = environ; *e; e++) {
			if (!strncmp(*e, "SCP_", 4)) {
				eq = strchr(*e, '=');
				if (eq && (size_t)(eq - *e) < sizeof(name)) {
					memcpy(name, *e, (size_t)(eq - *e));
					name[eq - *e] = '\0';
					break;
				}
				eq = NULL;
			}
		}
		/* unsetenv changes environ, so start over after each removal. */
		if (!eq)
			return;
		unsetenv(name);
	}
}

static void write_conf(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* Load path after writing text to it; errs is reset first. */
static bool load(const char *text, struct scp_buf *errs)
{
	write_conf(text);
	scp_buf_reset(errs);
	return scp_config_load(path, errs);
}

static bool has(const struct scp_buf *errs, const char *needle)
{
	if (strstr(errs->ptr, needle))
		return true;
	diag("\"%s\" not in: %s", needle, errs->ptr);
	return false;
}

static void test_file(struct scp_buf *errs)
{
	bool r = load("# SCP configuration\n"
		      "\n"
		      "   \t\n"
		      "database_url = host=/tmp dbname=scp_test\n"
		      "jwt_secret=" SECRET32 "\n"
		      "  workers   =   8  \n"
		      "    # an indented comment\n"
		      "log_level = debug\n", errs);

	ok(r, "a file with comments and blank lines loads");
	is_str(errs->ptr, "", "... with no errors");
	is_str(scp_cfg.database_url, "host=/tmp dbname=scp_test",
	       "value keeps its own '=' signs, spaces trimmed around it");
	is_str(scp_cfg.jwt_secret, SECRET32, "key=value without spaces");
	is_int(scp_cfg.workers, 8, "integer read, surrounding spaces trimmed");
	is_str(scp_cfg.log_level, "debug", "string read");
	is_int(scp_cfg.access_ttl, 900, "unset integer keeps its default");
	is_str(scp_cfg.jwt_issuer, "scp", "unset string keeps its default");
	is_str(scp_cfg.jwt_audience, "scp-api", "audience default");
}

static void test_errors(struct scp_buf *errs)
{
	char where[sizeof(path) + 8];

	ok(!load("workers = 2\n# fine\nbogus_key = 1\n", errs), "unknown key fails");
	snprintf(where, sizeof(where), "%s:3:", path);
	ok(has(errs, where), "... reported at file:line (%s)", where);
	ok(has(errs, "bogus_key"), "... naming the key");
	is_int(scp_cfg.workers, 2, "... the good lines still apply");

	ok(!load("\nworkers = lots\n", errs), "non-integer fails");
	snprintf(where, sizeof(where), "%s:2:", path);
	ok(has(errs, where) && has(errs, "workers"), "... reported at file:line with the key");
	ok(!load("workers = 12abc\n", errs), "integer with trailing junk fails");
	ok(!load("workers = \n", errs), "empty integer fails");
	ok(!load("workers = 0\n", errs), "integer below its range fails");
	ok(!load("workers = 257\n", errs), "integer above its range fails");
	ok(!load("workers = 99999999999999999999999\n", errs), "integer overflow fails");
	ok(!load("just some words\n", errs), "line without '=' fails");
	ok(has(errs, ":1:"), "... reported with its line");
}

static void test_env(struct scp_buf *errs)
{
	static const char conf[] = "jwt_secret = " SECRET32 "\nworkers = 8\n";

	setenv("SCP_JWT_SECRET", "env-secret-env-secret-env-secret-env", 1);
	setenv("SCP_WORKERS", "16", 1);
	ok(load(conf, errs), "file plus environment loads");
	is_str(scp_cfg.jwt_secret, "env-secret-env-secret-env-secret-env",
	       "SCP_JWT_SECRET beats the file");
	is_int(scp_cfg.workers, 16, "SCP_WORKERS beats the file");

	setenv("SCP_WORKERS", "many", 1);
	ok(!load(conf, errs), "a bad integer in the environment fails");
	ok(has(errs, "SCP_WORKERS"), "... naming the variable");
	unsetenv("SCP_WORKERS");
	unsetenv("SCP_JWT_SECRET");
	ok(load(conf, errs) && scp_cfg.workers == 8, "without the variables the file counts");
}

static void test_validate(struct scp_buf *errs)
{
	char *secret31;

	ok(load("jwt_secret = " SECRET32 "\n", errs), "load a 32-byte secret");
	scp_buf_reset(errs);
	ok(scp_config_validate(errs), "a 32-byte secret validates");
	is_str(errs->ptr, "", "... with no complaint");

	secret31 = strndup(SECRET32, 31);
	if (!secret31)
		abort();
	free(scp_cfg.jwt_secret);
	scp_cfg.jwt_secret = secret31;
	scp_buf_reset(errs);
	ok(!scp_config_validate(errs), "a 31-byte secret is refused");
	ok(has(errs, "jwt_secret"), "... naming jwt_secret");

	ok(load("", errs), "an empty file loads (every default)");
	scp_buf_reset(errs);
	ok(!scp_config_validate(errs), "the default empty secret is refused");

	ok(load("jwt_secret = " SECRET32 "\nwhatsapp_transport = pigeon\n", errs),
	   "any transport string loads");
	scp_buf_reset(errs);
	ok(!scp_config_validate(errs) && has(errs, "whatsapp_transport"),
	   "an unknown transport is refused by validate");
}

static void test_dump(struct scp_buf *errs)
{
	struct scp_buf out = SCP_BUF_INIT;

	load("jwt_secret = " SECRET32 "\n", errs);
	scp_config_dump(&out);
	ok(strstr(out.ptr, "jwt_secret") && !strstr(out.ptr, SECRET32),
	   "dump names the secret but hides its value");
	scp_buf_release(&out);
}

static void test_missing(struct scp_buf *errs)
{
	char missing[sizeof(tmpdir) + 16];

	snprintf(missing, sizeof(missing), "%s/absent.conf", tmpdir);
	scp_buf_reset(errs);
	ok(!scp_config_load(missing, errs), "a missing explicit file is an error");
	ok(has(errs, missing), "... naming the file");

	setenv("SCP_CONFIG", missing, 1);
	is_str(scp_config_default_path(), missing, "SCP_CONFIG names the default path");
	scp_buf_reset(errs);
	ok(!scp_config_load(NULL, errs), "a missing file named by SCP_CONFIG is an error");
	unsetenv("SCP_CONFIG");

	/* configure's $(sysconfdir)/scp/scp.conf, the same define as libscp's (Makefile.am) */
	is_str(scp_config_default_path(), SCP_CONFIG_PATH, "built-in default path");
	if (access(SCP_CONFIG_PATH, F_OK) == 0) {
		skip(SCP_CONFIG_PATH " exists on this machine");
		return;
	}
	scp_buf_reset(errs);
	ok(scp_config_load(NULL, errs), "a missing default file is not an error");
}

int main(void)
{
	struct scp_buf errs = SCP_BUF_INIT;

	clear_scp_env();
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/scp.conf", tmpdir);

	test_file(&errs);
	test_errors(&errs);
	test_env(&errs);
	test_validate(&errs);
	test_dump(&errs);
	test_missing(&errs);

	scp_config_free();
	scp_buf_release(&errs);
	unlink(path);
	rmdir(tmpdir);
	return done_testing();
}
