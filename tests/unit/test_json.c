/*
 * test_json: the request-body limits of DESIGN §7 (size, depth ≤ 16, strict UTF-8, one
 * value, no duplicate keys) and the typed accessors that keep integers and money exact.
 */
#include "scp_json.h"
#include "scp_money.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LEN 1024

/* Parse exactly len bytes (they may contain NUL) and drop the result. */
static enum scp_json_err parse_n(const char *text, size_t len)
{
	json_object *o = NULL;
	enum scp_json_err e = scp_json_parse(text, len, MAX_LEN, &o);

	/* The contract: *out is set on success and only then. */
	if ((e == SCP_JSON_OK) != (o != NULL))
		diag("scp_json_parse returned %d with out=%p", (int)e, (void *)o);
	json_object_put(o);
	return e;
}

static enum scp_json_err parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* depth arrays nested inside each other: "[[...]]". */
static char *nested(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);

	if (!s)
		abort();
	memset(s, '[', (size_t)depth);
	memset(s + depth, ']', (size_t)depth);
	s[depth * 2] = '\0';
	return s;
}

static void test_depth(void)
{
	char *ok16 = nested(SCP_JSON_MAX_DEPTH), *bad17 = nested(SCP_JSON_MAX_DEPTH + 1);

	is_int(parse(ok16), SCP_JSON_OK, "%d nested arrays accepted", SCP_JSON_MAX_DEPTH);
	is_int(parse(bad17), SCP_JSON_TOO_DEEP, "%d nested arrays are too deep",
	       SCP_JSON_MAX_DEPTH + 1);
	free(ok16);
	free(bad17);
	is_int(parse("{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}}}"), SCP_JSON_OK,
	       "mixed objects and arrays a few levels deep accepted");
}

static void test_utf8(void)
{
	is_int(parse("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), SCP_JSON_OK,
	       "2-, 3- and 4-byte UTF-8 accepted");
	ok(parse("\"\xff\"") != SCP_JSON_OK, "0xff byte refused");
	ok(parse("\"\xc3\"") != SCP_JSON_OK, "truncated 2-byte sequence refused");
	ok(parse("\"\x80\"") != SCP_JSON_OK, "lone continuation byte refused");
	ok(parse("\"\xc0\xaf\"") != SCP_JSON_OK, "overlong encoding of '/' refused");
	ok(parse("\"\xe0\x80\xaf\"") != SCP_JSON_OK, "3-byte overlong refused");
	ok(parse("\"\xed\xa0\x80\"") != SCP_JSON_OK, "UTF-16 surrogate D800 as UTF-8 refused");
	ok(parse("\"\xf4\x90\x80\x80\"") != SCP_JSON_OK, "code point above U+10FFFF refused");
	ok(parse("{\"\xff\":1}") != SCP_JSON_OK, "invalid UTF-8 in a key refused");
	is_int(parse("\"\xff\""), SCP_JSON_BAD_UTF8, "0xff reported as bad UTF-8");
}

static void test_syntax(void)
{
	static const char nul_inside[] = "{\"a\":\"b\0c\"}";

	is_int(parse("{\"a\":1}"), SCP_JSON_OK, "plain object accepted");
	is_int(parse("{\"a\":1} \t\r\n"), SCP_JSON_OK, "trailing whitespace accepted");
	is_int(parse(" \n{\"a\":1}"), SCP_JSON_OK, "leading whitespace accepted");
	is_int(parse("42"), SCP_JSON_OK, "bare integer accepted");
	is_int(parse("-1.5"), SCP_JSON_OK, "bare decimal accepted");
	is_int(parse("42 "), SCP_JSON_OK, "bare number with trailing space accepted");
	is_int(parse("\"s\""), SCP_JSON_OK, "bare string accepted");
	is_int(parse("true"), SCP_JSON_OK, "bare true accepted");
	ok(parse("{\"a\":1} x") != SCP_JSON_OK, "trailing garbage refused");
	ok(parse("{}{}") != SCP_JSON_OK, "two values refused");
	ok(parse("1 2") != SCP_JSON_OK, "two numbers refused");
	ok(parse("[1,2,]") != SCP_JSON_OK, "trailing comma refused (strict)");
	ok(parse("{'a':1}") != SCP_JSON_OK, "single quotes refused (strict)");
	ok(parse("{\"a\":01}") != SCP_JSON_OK, "leading zero refused (strict)");
	ok(parse("") != SCP_JSON_OK, "empty body refused");
	ok(parse("   ") != SCP_JSON_OK, "whitespace-only body refused");
	ok(parse("{\"a\":1") != SCP_JSON_OK, "truncated object refused");
	ok(parse("[1,2") != SCP_JSON_OK, "truncated array refused");
	ok(parse("\"abc") != SCP_JSON_OK, "unterminated string refused");
	ok(parse("tru") != SCP_JSON_OK, "truncated literal refused");
	ok(parse("{\"a\":") != SCP_JSON_OK, "missing value refused");
	is_int(parse_n(nul_inside, sizeof(nul_inside) - 1), SCP_JSON_SYNTAX,
	       "embedded NUL refused");
	is_int(parse_n("{}\0", 3), SCP_JSON_SYNTAX, "NUL after the value refused");
}

static void test_size(void)
{
	char *big = malloc(MAX_LEN + 2);
	json_object *o = (json_object *)&o;	/* must be reset to NULL on failure */

	if (!big)
		abort();
	/* A valid string literal of exactly MAX_LEN bytes, then one more byte. */
	big[0] = '"';
	memset(big + 1, 'a', MAX_LEN - 2);
	big[MAX_LEN - 1] = '"';
	big[MAX_LEN] = '\0';
	is_int(parse_n(big, MAX_LEN), SCP_JSON_OK, "body of exactly max_len accepted");
	big[MAX_LEN] = ' ';
	big[MAX_LEN + 1] = '\0';
	is_int(scp_json_parse(big, MAX_LEN + 1, MAX_LEN, &o), SCP_JSON_TOO_LARGE,
	       "body of max_len + 1 refused as too large");
	ok(o == NULL, "out is NULL after a failure");
	free(big);
	ok(strcmp(scp_json_strerror(SCP_JSON_TOO_DEEP), scp_json_strerror(SCP_JSON_SYNTAX)),
	   "strerror tells the errors apart");
}

/* The value of field "v" in the one-field object text. */
static json_object *field(json_object **root, const char *text)
{
	*root = NULL;
	if (scp_json_parse(text, strlen(text), MAX_LEN, root) != SCP_JSON_OK)
		return NULL;
	return scp_json_get(*root, "v");
}

static bool int_ok(const char *text, int64_t min, int64_t max, int64_t *out)
{
	json_object *root;
	bool r = scp_json_int(field(&root, text), min, max, out);

	json_object_put(root);
	return r;
}

static void test_int(void)
{
	int64_t n = -7;

	ok(int_ok("{\"v\":1}", 1, 100, &n) && n == 1, "lower bound accepted");
	ok(int_ok("{\"v\":100}", 1, 100, &n) && n == 100, "upper bound accepted");
	ok(int_ok("{\"v\":-5}", -5, 5, &n) && n == -5, "negative lower bound accepted");
	ok(!int_ok("{\"v\":0}", 1, 100, &n), "below the range refused");
	ok(!int_ok("{\"v\":101}", 1, 100, &n), "above the range refused");
	ok(int_ok("{\"v\":9223372036854775806}", INT64_MIN, INT64_MAX, &n) &&
	   n == INT64_MAX - 1, "INT64_MAX - 1 read exactly");
	ok(int_ok("{\"v\":-9223372036854775807}", INT64_MIN, INT64_MAX, &n) &&
	   n == INT64_MIN + 1, "INT64_MIN + 1 read exactly");
	n = -7;
	ok(!int_ok("{\"v\":99999999999999999999}", INT64_MIN, INT64_MAX, &n),
	   "99999999999999999999 (clamped by json-c) refused");
	ok(!int_ok("{\"v\":-99999999999999999999}", INT64_MIN, INT64_MAX, &n),
	   "-99999999999999999999 (clamped by json-c) refused");
	ok(!int_ok("{\"v\":18446744073709551615}", INT64_MIN, INT64_MAX, &n),
	   "UINT64_MAX refused");
	ok(!int_ok("{\"v\":9223372036854775808}", INT64_MIN, INT64_MAX, &n),
	   "INT64_MAX + 1 refused");
	is_int(n, -7, "out untouched by refusals");
	ok(!int_ok("{\"v\":1.0}", INT64_MIN, INT64_MAX, &n), "1.0 is not an integer");
	ok(!int_ok("{\"v\":1e2}", INT64_MIN, INT64_MAX, &n), "1e2 is not an integer");
	ok(!int_ok("{\"v\":\"5\"}", INT64_MIN, INT64_MAX, &n), "\"5\" is not an integer");
	ok(!int_ok("{\"v\":true}", INT64_MIN, INT64_MAX, &n), "true is not an integer");
	ok(!int_ok("{\"v\":null}", INT64_MIN, INT64_MAX, &n), "null is absent");
	ok(!int_ok("{\"w\":1}", INT64_MIN, INT64_MAX, &n), "missing field is absent");
}

static bool money_ok(const char *text, int64_t *minor)
{
	json_object *root;
	bool r = scp_json_money(field(&root, text), minor);

	json_object_put(root);
	return r;
}

static void test_money(void)
{
	int64_t m = 0;

	ok(money_ok("{\"v\":19.99}", &m) && m == 1999, "19.99 is exactly 1999 minor units");
	ok(money_ok("{\"v\":0.1}", &m) && m == 10, "0.1 is exactly 10");
	ok(money_ok("{\"v\":1.10}", &m) && m == 110, "1.10 keeps its text");
	ok(money_ok("{\"v\":-0.5}", &m) && m == -50, "-0.5 is -50");
	ok(money_ok("{\"v\":12}", &m) && m == 1200, "integer 12 is 1200");
	ok(money_ok("{\"v\":\"19.99\"}", &m) && m == 1999, "numeric string accepted");
	ok(money_ok("{\"v\":10000000000000}", &m) && m == SCP_MONEY_MAX,
	   "integer at SCP_MONEY_MAX accepted");
	ok(!money_ok("{\"v\":10000000000001}", &m), "integer above SCP_MONEY_MAX refused");
	ok(!money_ok("{\"v\":99999999999999999999}", &m), "clamped integer refused");
	ok(!money_ok("{\"v\":1.999}", &m), "1.999 refused (three decimals)");
	ok(!money_ok("{\"v\":1e2}", &m), "1e2 refused (exponent)");
	ok(!money_ok("{\"v\":1.5E1}", &m), "1.5E1 refused (exponent)");
	ok(!money_ok("{\"v\":\"abc\"}", &m), "non-numeric string refused");
	ok(!money_ok("{\"v\":true}", &m), "boolean refused");
	ok(!money_ok("{\"v\":[1]}", &m), "array refused");
	ok(!money_ok("{\"v\":null}", &m), "null refused");
}

/* {"k0":0,"k1":1,...} with n keys, key i named with prefix; the caller frees it. */
static char *many_keys(int n, const char *prefix, size_t *len)
{
	size_t cap = (size_t)n * (strlen(prefix) + 24) + 3, used = 0;
	char *s = malloc(cap);

	if (!s)
		abort();
	s[used++] = '{';
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s\"%s%d\":%d",
					 i ? "," : "", prefix, i, i);
	s[used++] = '}';
	s[used] = '\0';
	*len = used;
	return s;
}

static enum scp_json_err parse_big(const char *text, size_t len)
{
	json_object *o = NULL;
	enum scp_json_err e = scp_json_parse(text, len, len, &o);

	json_object_put(o);
	return e;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_duplicate_keys(void)
{
	char *s, *longkey;
	size_t len, klen = 600;
	double t0, dt;
	json_object *o = (json_object *)&o;

	is_int(parse("{\"name\":\"a\",\"name\":\"b\"}"), SCP_JSON_DUPLICATE_KEY,
	       "duplicate key at top level refused");
	is_int(scp_json_parse("{\"a\":1,\"a\":1}", 13, MAX_LEN, &o), SCP_JSON_DUPLICATE_KEY,
	       "duplicate key refused even with equal values");
	ok(o == NULL, "out is NULL after a duplicate key");
	is_int(parse("{\"a\":1,\"b\":2,\"c\":3,\"b\":4}"), SCP_JSON_DUPLICATE_KEY,
	       "duplicate key not adjacent refused");
	is_int(parse("{\"a\":{\"x\":1,\"y\":2,\"x\":3}}"), SCP_JSON_DUPLICATE_KEY,
	       "duplicate key in a nested object refused");
	is_int(parse("{\"a\":{\"b\":{\"c\":{\"d\":1,\"d\":2}}}}"), SCP_JSON_DUPLICATE_KEY,
	       "duplicate key four objects deep refused");
	is_int(parse("{\"items\":[{\"q\":1},{\"q\":2,\"q\":3}]}"), SCP_JSON_DUPLICATE_KEY,
	       "duplicate key in an array of objects refused");
	is_int(parse("[[{\"a\":1,\"a\":2}]]"), SCP_JSON_DUPLICATE_KEY,
	       "duplicate key in an object inside arrays refused");
	/* The first value and everything under it are dropped by json-c: still seen. */
	is_int(parse("{\"a\":{\"p\":1,\"q\":2},\"a\":{\"p\":1,\"q\":2}}"),
	       SCP_JSON_DUPLICATE_KEY, "duplicate key whose values are objects refused");
	is_int(parse("{\"a\":1,\"\\u0061\":2}"), SCP_JSON_DUPLICATE_KEY,
	       "\"a\" and \"\\u0061\" are the same key");
	is_int(parse("{\"\\u00e9\":1,\"\xc3\xa9\":2}"), SCP_JSON_DUPLICATE_KEY,
	       "escaped and raw UTF-8 spellings of one key are the same key");
	is_int(parse("{\"a\\/b\":1,\"a/b\":2}"), SCP_JSON_DUPLICATE_KEY,
	       "\"a\\/b\" and \"a/b\" are the same key");
	is_int(parse("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}"), SCP_JSON_DUPLICATE_KEY,
	       "a surrogate pair and its UTF-8 are the same key");
	is_int(parse("{\"a\\u0000x\":1,\"a\\u0000y\":2}"), SCP_JSON_NUL,
	       "keys with an escaped NUL are refused, before they could collide");
	is_int(parse("{\"name\":\"a\\u0000b\"}"), SCP_JSON_NUL,
	       "a value with an escaped NUL is refused (jsonb and C strings cannot hold it)");
	is_int(parse("{\"name\":\"a\\\\u0000b\"}"), SCP_JSON_OK,
	       "an escaped backslash before u0000 is plain text");

	is_int(parse("{\"a\":{\"x\":1},\"b\":{\"x\":2}}"), SCP_JSON_OK,
	       "same key in sibling objects accepted");
	is_int(parse("[{\"q\":1},{\"q\":2},{\"q\":3}]"), SCP_JSON_OK,
	       "same key in each object of an array accepted");
	is_int(parse("{\"a\":{\"a\":{\"a\":1}}}"), SCP_JSON_OK,
	       "same key at each level of nesting accepted");
	is_int(parse("{\"a\":1,\"A\":2,\"a \":3,\"\\u0062\":4}"), SCP_JSON_OK,
	       "keys differing in case, by a space, or escaped but distinct accepted");
	is_int(parse("{\"a:b\":\"c:d\",\"e\":\"\\\":\\\"\"}"), SCP_JSON_OK,
	       "colons and escaped quotes inside strings are not members");
	is_int(parse("{\"a\":\"x\\\\\",\"b\":\":\"}"), SCP_JSON_OK,
	       "a string ending in an escaped backslash ends where it should");
	is_int(parse("{}"), SCP_JSON_OK, "empty object accepted");
	is_int(parse("[\"a:\",\"a:\"]"), SCP_JSON_OK, "equal strings in an array accepted");

	longkey = malloc(2 * klen + 16);
	if (!longkey)
		abort();
	/* {"aaa…a":1,"aaa…b":2}: long keys that differ only in their last byte. */
	len = 0;
	longkey[len++] = '{';
	longkey[len++] = '"';
	memset(longkey + len, 'a', klen);
	len += klen;
	memcpy(longkey + len, "\":1,\"", 5);
	len += 5;
	memset(longkey + len, 'a', klen - 1);
	len += klen - 1;
	memcpy(longkey + len, "b\":2}", 6);
	len += 5;
	is_int(parse_big(longkey, len), SCP_JSON_OK, "%zu-byte keys differing at the end accepted",
	       klen);
	longkey[len - 5] = 'a';
	is_int(parse_big(longkey, len), SCP_JSON_DUPLICATE_KEY,
	       "%zu-byte duplicate keys refused", klen);
	free(longkey);

	s = many_keys(1000, "k", &len);
	t0 = seconds();
	for (int i = 0; i < 100; i++)
		if (parse_big(s, len) != SCP_JSON_OK)
			break;
	dt = (seconds() - t0) / 100;
	is_int(parse_big(s, len), SCP_JSON_OK, "1000 distinct keys accepted");
	/* Generous: json-c alone takes well under a millisecond here, sanitizers included. */
	ok(dt < 0.05, "1000 distinct keys parse in %.3f ms", dt * 1e3);
	/* The last key repeats the first: "k0" again instead of "k999". */
	memcpy(strstr(s, "\"k999\""), "\"k0\"  ", 6);
	is_int(parse_big(s, len), SCP_JSON_DUPLICATE_KEY,
	       "1000 keys with the last repeating the first refused");
	free(s);

	ok(strcmp(scp_json_strerror(SCP_JSON_DUPLICATE_KEY), scp_json_strerror(SCP_JSON_SYNTAX)),
	   "strerror names the duplicate key error");
}

int main(void)
{
	test_depth();
	test_utf8();
	test_syntax();
	test_size();
	test_int();
	test_money();
	test_duplicate_keys();
	return done_testing();
}
