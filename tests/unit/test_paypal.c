/*
 * test_paypal: libscp's PayPal calls (scp_paypal.c) with the log transport, which needs
 * no network: the development order, capture and refund are derived from the
 * PayPal-Request-Id (a retried attempt gets the same ones), the request is one
 * outbox_log line without the credentials, and the webhook is never vouched for.  Also
 * PayPal's amount values (exact, hostile text refused) and ids.  Run under ASan: the
 * answers are freed with the request's arena.
 */
#include "scp_arena.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_paypal.h"
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

static const char *str(json_object *o, const char *k)
{
	json_object *v = scp_json_get(o, k);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 16384);

	if (f) {
		size_t n = fread(s, 1, 16383, f);

		s[n] = '\0';
		fclose(f);
	}
	return s;
}

static void test_log_transport(const char *log)
{
	struct scp_req r = req();
	struct scp_paypal_answer a, b, c, d;
	const char *const hdr[5] = { "t", "2026-12-02T15:00:00Z", "sig", "https://x", "SHA256withRSA" };
	json_object *links, *cap;
	char id1[64], *text;

	ok(scp_paypal_post(&r, "/v2/checkout/orders", "{\"intent\":\"CAPTURE\"}",
			   "scp-order-x-attempt-1", "USD", "59.97", &a), "log: an order is answered");
	is_int(a.status, 200, "... 200");
	snprintf(id1, sizeof(id1), "%s", str(a.doc, "id"));
	ok(!strncmp(id1, "DEV", 3) && strlen(id1) == 20 && scp_paypal_id(id1), "... a DEV id");
	is_str(str(a.doc, "status"), "CREATED", "... CREATED");
	links = scp_json_get(a.doc, "links");
	ok(json_object_array_length(links) == 2 &&
	   strstr(str(json_object_array_get_idx(links, 1), "href"), id1) &&
	   !strcmp(str(json_object_array_get_idx(links, 1), "rel"), "approve"),
	   "... with its approve link");
	scp_paypal_post(&r, "/v2/checkout/orders", "{}", "scp-order-x-attempt-1", "USD", "59.97", &b);
	is_str(str(b.doc, "id"), id1, "the same request id: the same order");
	scp_paypal_post(&r, "/v2/checkout/orders", "{}", "scp-order-x-attempt-2", "USD", "59.97", &b);
	ok(strcmp(str(b.doc, "id"), id1), "the next attempt: another order");
	ok(scp_paypal_post(&r, "/v2/checkout/orders/DEVX/capture", "{}", "scp-capture-DEVX", "USD",
			   "59.97", &c), "log: a capture");
	cap = json_object_array_get_idx(scp_json_get(scp_json_get(json_object_array_get_idx(
		scp_json_get(c.doc, "purchase_units"), 0), "payments"), "captures"), 0);
	is_str(str(cap, "status"), "COMPLETED", "... COMPLETED");
	is_str(str(scp_json_get(cap, "amount"), "value"), "59.97", "... of the attempt's amount");
	ok(scp_paypal_post(&r, "/v2/payments/captures/C1/refund", "{}", "scp-refund-1", NULL,
			   "1.00", &d), "log: a refund");
	is_str(str(d.doc, "status"), "COMPLETED", "... COMPLETED");
	ok(!scp_paypal_verify_webhook(&r, hdr, "{\"id\":\"x\"}"), "log: no webhook is vouched for");
	text = slurp(log);
	ok(strstr(text, "\"channel\":\"paypal\"") && strstr(text, "scp-order-x-attempt-1") &&
	   strstr(text, "/v2/checkout/orders/DEVX/capture"), "the requests are in outbox_log");
	ok(!strstr(text, "unit-secret") && !strstr(text, "unit-client"),
	   "... without the credentials");
	free(text);
}

static void test_unwritable_log(void)
{
	struct scp_req r = req();
	struct scp_paypal_answer a;
	char *saved = scp_cfg.outbox_log;

	scp_cfg.outbox_log = (char *)"/nonexistent/dir/outbox.log";
	ok(!scp_paypal_post(&r, "/v2/checkout/orders", "{}", "k", "USD", "1.00", &a),
	   "an unwritable outbox_log: no answer");
	is_int(a.status, 0, "... status 0 (503 to the client)");
	scp_cfg.outbox_log = saved;
}

static void test_values(void)
{
	int64_t m = -1;
	char v[32];

	ok(scp_paypal_minor("10.50", &m) && m == 1050, "10.50 is 1050");
	ok(scp_paypal_minor("7", &m) && m == 700, "7 is 700");
	ok(scp_paypal_minor("0.01", &m) && m == 1, "0.01 is 1");
	ok(!scp_paypal_minor("-1.00", &m), "a negative value is refused");
	ok(!scp_paypal_minor("1.005", &m), "three decimals are refused");
	ok(!scp_paypal_minor("1e3", &m), "an exponent is refused");
	ok(!scp_paypal_minor("", &m), "empty is refused");
	ok(!scp_paypal_minor(NULL, &m), "NULL is refused");
	ok(!scp_paypal_minor("1.", &m), "an empty fraction is refused");
	ok(!scp_paypal_minor("99999999999999999999", &m), "beyond the money bound is refused");
	scp_paypal_value(1050, v);
	is_str(v, "10.50", "1050 is 10.50");
	scp_paypal_value(5, v);
	is_str(v, "0.05", "5 is 0.05");
	ok(scp_paypal_id("5O190127TN364715T"), "an order id");
	ok(scp_paypal_id("DEV-1"), "a hyphen is PayPal's");
	ok(!scp_paypal_id(""), "empty is no id");
	ok(!scp_paypal_id(NULL), "NULL is no id");
	ok(!scp_paypal_id("ab/../c"), "a slash is no id");
	ok(!scp_paypal_id("0123456789012345678901234567890123456789012345678901234567890123X"),
	   "65 characters are too long");
}

int main(void)
{
	char log[] = "/tmp/test_paypal.XXXXXX";
	int fd = mkstemp(log);

	if (fd >= 0)
		close(fd);
	scp_arena_init(&arena, 4096);
	scp_cfg.paypal_transport = (char *)"log";
	scp_cfg.paypal_api_base = (char *)"https://api-m.sandbox.paypal.com";
	scp_cfg.paypal_client_id = (char *)"unit-client";
	scp_cfg.paypal_client_secret = (char *)"unit-secret";
	scp_cfg.paypal_webhook_id = (char *)"WH-1";
	scp_cfg.outbox_log = log;
	test_log_transport(log);
	test_unwritable_log();
	test_values();
	unlink(log);
	scp_arena_free(&arena);
	return done_testing();
}
