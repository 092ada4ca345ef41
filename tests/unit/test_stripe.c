/*
 * test_stripe: libscp's Stripe calls (scp_stripe.c) with the log transport, which needs
 * no network: the development intent and refund are derived from the Idempotency-Key
 * (a retried attempt gets the same one), the request is one outbox_log line without the
 * secret key, and reading an intent back answers one nobody paid.  Also the id check
 * and which answers end an attempt.  Run under ASan: the answers are freed with the
 * request's arena.
 */
#include "scp_arena.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_stripe.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct scp_arena arena;

static struct scp_req req(void)
{
	struct scp_req r;

	memset(&r, 0, sizeof(r));
	r.arena = &arena;
	return r;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 8192);

	if (f) {
		size_t n = fread(s, 1, 8191, f);

		s[n] = '\0';
		fclose(f);
	}
	return s;
}

static void test_log_transport(const char *log)
{
	struct scp_req r = req();
	struct scp_stripe_answer a, b, c;
	char id1[64], secret1[128], *text;

	ok(scp_stripe_post(&r, "/v1/payment_intents", "amount=5997&currency=usd",
			   "scp-order-x-attempt-1", "pi", &a), "log: an intent is answered");
	is_int(a.status, 200, "... 200");
	snprintf(id1, sizeof(id1), "%s", scp_stripe_member(a.doc, "id"));
	snprintf(secret1, sizeof(secret1), "%s", scp_stripe_member(a.doc, "client_secret"));
	ok(!strncmp(id1, "pi_dev_", 7) && strlen(id1) == 31, "... a pi_dev_ id of 24 hex");
	ok(!strncmp(secret1, id1, strlen(id1)) && strstr(secret1, "_secret_"),
	   "... and that intent's secret");
	is_str(scp_stripe_member(a.doc, "status"), "requires_payment_method", "... not yet paid");
	scp_stripe_post(&r, "/v1/payment_intents", "amount=5997&currency=usd",
			"scp-order-x-attempt-1", "pi", &b);
	is_str(scp_stripe_member(b.doc, "id"), id1, "the same key: the same intent");
	is_str(scp_stripe_member(b.doc, "client_secret"), secret1, "... and secret");
	scp_stripe_post(&r, "/v1/payment_intents", "amount=5997&currency=usd",
			"scp-order-x-attempt-2", "pi", &c);
	ok(strcmp(scp_stripe_member(c.doc, "id"), id1) != 0, "another key: another intent");
	scp_stripe_post(&r, "/v1/refunds", "payment_intent=pi_x&amount=100", "scp-refund-1", "re",
			&c);
	ok(!strncmp(scp_stripe_member(c.doc, "id"), "re_dev_", 7), "a refund: re_dev_");
	is_str(scp_stripe_member(c.doc, "status"), "succeeded", "... succeeded");
	text = slurp(log);
	ok(strstr(text, "\"channel\":\"stripe\"") && strstr(text, "scp-order-x-attempt-1") &&
	   strstr(text, "amount=5997"), "each request is an outbox_log line with key and form");
	ok(!strstr(text, "sk_test_unit"), "... never the secret key");
	free(text);
	ok(scp_stripe_get(&r, "/v1/payment_intents/pi_dev_abc", &a), "log: an intent read back");
	is_str(scp_stripe_member(a.doc, "id"), "pi_dev_abc", "... of that id");
	is_str(scp_stripe_member(a.doc, "status"), "requires_payment_method", "... not paid");
	ok(scp_stripe_cancel(&r, "pi_dev_abc", "scp-cancel-x", &a), "log: an intent cancelled");
	is_str(scp_stripe_member(a.doc, "id"), "pi_dev_abc", "... that intent");
	is_str(scp_stripe_member(a.doc, "status"), "canceled", "... canceled");
	text = slurp(log);
	ok(strstr(text, "/v1/payment_intents/pi_dev_abc/cancel") && strstr(text, "scp-cancel-x"),
	   "... its request an outbox_log line with its key");
	free(text);
	scp_arena_reset(&arena);
}

static void test_unwritable_log(void)
{
	struct scp_req r = req();
	struct scp_stripe_answer a;

	scp_cfg.outbox_log = (char *)"/nonexistent-dir/outbox.log";
	ok(!scp_stripe_post(&r, "/v1/payment_intents", "amount=1", "k", "pi", &a),
	   "an outbox log that cannot be written: no intent");
	is_int(a.status, 0, "... and no answer (a 503, retried with the same key)");
	scp_arena_reset(&arena);
}

static void test_ids(void)
{
	char long_id[300];

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ok(scp_stripe_id("pi_3OqLhY2eZvKYlo2C0Yk1GxQ5"), "a Stripe id");
	ok(!scp_stripe_id(""), "empty is not");
	ok(!scp_stripe_id(NULL), "NULL is not");
	ok(!scp_stripe_id("pi_ x"), "a space is not");
	ok(!scp_stripe_id("pi_\xc3\xa9"), "a non-ASCII byte is not");
	ok(!scp_stripe_id(long_id), "299 characters are not");
	ok(scp_stripe_final(400) && scp_stripe_final(402) && scp_stripe_final(404),
	   "400, 402, 404 end the attempt");
	ok(!scp_stripe_final(500) && !scp_stripe_final(429) && !scp_stripe_final(401) &&
	   !scp_stripe_final(409) && !scp_stripe_final(0), "5xx, 429, 401, 409, no answer do not");
}

int main(void)
{
	char log[] = "/tmp/test_stripe.XXXXXX";
	int fd = mkstemp(log);

	if (fd >= 0)
		close(fd);
	scp_arena_init(&arena, 4096);
	scp_cfg.stripe_transport = (char *)"log";
	scp_cfg.stripe_secret_key = (char *)"sk_test_unit";
	scp_cfg.outbox_log = log;
	test_log_transport(log);
	test_unwritable_log();
	test_ids();
	unlink(log);
	scp_arena_free(&arena);
	return done_testing();
}
