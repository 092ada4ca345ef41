/*
 * test_validate: the text checks every family shares (e-mail, E.164 phone, UUID, dates,
 * strict UTF-8), character counting for length limits, and camelCase folding.
 */
#include "scp_validate.h"
#include "scp_arena.h"
#include "scp_buf.h"
#include "scp_http.h"
#include "tap.h"

#include <string.h>

static void test_email(void)
{
	static const char *const good[] = {
		"a@b.co", "user.name+tag@example.com", "x@sub.domain.example.org",
		"UPPER@EXAMPLE.COM", "1@2.io",
	};
	static const char *const bad[] = {
		"", "plain", "@example.com", "user@", "user@example", "user@.com",
		"user@example.", "a@b@c.com", "us er@example.com", "user@exa mple.com",
		"<user>@example.com", "user,x@example.com", "user;x@example.com",
		"\"user\"@example.com", "us\\er@example.com", "user@example.com\n",
		"\tuser@example.com", "caf\xc3\xa9@example.com", "user@example.com\x7f",
	};
	char longest[300];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(scp_valid_email(good[i]), "email \"%s\" accepted", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!scp_valid_email(bad[i]), "email \"%s\" refused", bad[i]);

	/* 254 characters is the most a mailbox may have (RFC 5321 path limit). */
	memset(longest, 'a', sizeof(longest));
	memcpy(longest + 254 - 6, "@b.com", 7);
	ok(strlen(longest) == 254 && scp_valid_email(longest), "254-character email accepted");
	memset(longest, 'a', sizeof(longest));
	memcpy(longest + 255 - 6, "@b.com", 7);
	ok(strlen(longest) == 255 && !scp_valid_email(longest), "255-character email refused");
}

static void test_phone(void)
{
	static const char *const good[] = {
		"+14155552671", "+447911123456", "+919876543210",
		"+12345678",		/* 8 digits: the shortest */
		"+123456789012345",	/* 15 digits: the longest E.164 allows */
	};
	static const char *const bad[] = {
		"", "+", "14155552671", "+04155552671", "+1234567", "+1234567890123456",
		"+1 415 555 2671", "+1-415-555-2671", "+1415555267a", "++14155552671",
		"+14155552671 ", "00447911123456", "+１２３４５６７８９",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(scp_valid_phone(good[i]), "phone \"%s\" accepted", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!scp_valid_phone(bad[i]), "phone \"%s\" refused", bad[i]);
}

static void test_uuid(void)
{
	static const char *const good[] = {
		"123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000",
		"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "aBcDeF01-2345-6789-abcd-ef0123456789",
	};
	static const char *const bad[] = {
		"", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400",
		"123e4567-e89b-12d3-a456-4266141740000", "123e4567-e89b-12d3-a456_426614174000",
		"g23e4567-e89b-12d3-a456-426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
		" 123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174000 ",
		"123e456-7e89b-12d3-a456-426614174000", "1; DROP TABLE users",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(scp_valid_uuid(good[i]), "uuid \"%s\" accepted", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!scp_valid_uuid(bad[i]), "uuid \"%s\" refused", bad[i]);
	ok(!scp_valid_uuid(NULL), "uuid NULL refused");
}

static void test_utf8_len(void)
{
	is_int((long long)scp_utf8_len(""), 0, "empty string has 0 characters");
	is_int((long long)scp_utf8_len("abc"), 3, "ASCII counts bytes");
	is_int((long long)scp_utf8_len("caf\xc3\xa9"), 4, "2-byte character counts once");
	is_int((long long)scp_utf8_len("\xe2\x82\xac" "5"), 2, "3-byte character counts once");
	is_int((long long)scp_utf8_len("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 2,
	       "4-byte characters count once each");
	is_int((long long)scp_utf8_len("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"), 6,
	       "Cyrillic word of 6 letters");
}

static void test_date(void)
{
	static const char *const good[] = { "2026-12-02", "2024-02-29", "1970-01-01",
					    "9999-12-31", NULL };
	static const char *const bad[] = { "2025-02-29", "2026-13-01", "2026-00-10",
					   "2026-04-31", "1969-12-31", "2026-1-01",
					   "2026-01-01T00:00:00Z", "20260101", "2026-01-0a", "",
					   "1900-02-29", NULL };

	for (const char *const *s = good; *s; s++)
		ok(scp_valid_date(*s), "date %s is valid", *s);
	for (const char *const *s = bad; *s; s++)
		ok(!scp_valid_date(*s), "date \"%s\" is refused", *s);
}

static void test_snake_fold(void)
{
	static const char *const pairs[][2] = {
		{ "minOrderQuantity", "min_order_quantity" }, { "id", "id" },
		{ "supplierId", "supplier_id" }, { "ID", "id" }, { "imageURL", "image_url" }, { "URLValue", "url_value" },
		{ "supplierID", "supplier_id" }, { "photo2Url", "photo2_url" }, { "already_snake", "already_snake" },
		{ "device_Photo0", "device_photo0" }, { "X", "x" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t n = scp_snake_fold(pairs[i][0], strlen(pairs[i][0]), out, sizeof(out));

		is_str(out, pairs[i][1], "%s folds to %s", pairs[i][0], pairs[i][1]);
		is_int((long)n, (long)strlen(pairs[i][1]), "... and its length is returned");
	}
	ok(scp_snake_fold("aBcDeFgH", 8, out, 10) == 0, "a buffer too small gives 0");
	ok(scp_is_camel("pageSize", 8) && !scp_is_camel("page_size", 9), "camelCase is seen");
}

static void test_utf8_valid(void)
{
	ok(scp_utf8_valid("caf\xc3\xa9", 5), "é is UTF-8");
	ok(!scp_utf8_valid("\xff\xfe", 2), "ff fe is not");
	ok(!scp_utf8_valid("\xc0\xaf", 2), "an overlong slash is not");
	ok(!scp_utf8_valid("\xed\xa0\x80", 3), "a surrogate is not");
	ok(!scp_utf8_valid("\xc3", 1), "a truncated sequence is not");
}

/* Tags: the accepted copy, or NULL and one error per bad element. */
static void test_tags(void)
{
	static const struct { const char *json; bool ok; int errors; } cases[] = {
		{ "[]", true, 0 },
		{ "[\"vip\",\"home\"]", true, 0 },
		{ "[\"caf\\u00e9\"]", true, 0 },
		{ "\"vip\"", false, 1 },
		{ "[\"a\",\"b\",\"c\",\"d\"]", false, 1 },	/* more than 3 */
		{ "[\"\"]", false, 1 },
		{ "[\"ok\",\"123456\"]", false, 1 },			/* longer than 5 */
		{ "[5,null]", false, 2 },
		{ "[\"vip\",\"vip\"]", false, 1 },
		{ "[\"a\\u0000b\"]", false, 1 },
	};
	struct scp_arena arena;

	scp_arena_init(&arena, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scp_buf fields = SCP_BUF_INIT;
		struct scp_req r;
		json_object *v = json_tokener_parse(cases[i].json), *out;

		memset(&r, 0, sizeof(r));
		r.arena = &arena;
		r.fields = &fields;
		out = scp_field_tags(&r, v, "tags", 3, 5);
		ok((out != NULL) == cases[i].ok && r.nfields == cases[i].errors,
		   "tags %s: %s, %d error(s)", cases[i].json, cases[i].ok ? "kept" : "refused",
		   cases[i].errors);
		json_object_put(out);
		json_object_put(v);
		scp_buf_release(&fields);
	}
	scp_arena_free(&arena);
}

int main(void)
{
	test_tags();
	test_email();
	test_phone();
	test_uuid();
	test_utf8_len();
	test_date();
	test_snake_fold();
	test_utf8_valid();
	return done_testing();
}
