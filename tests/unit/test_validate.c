/*
 * test_validate: the field shapes every family shares (e-mail, E.164 phone, UUID) and
 * character counting for length limits.
 */
#include "scp_validate.h"
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

int main(void)
{
	test_email();
	test_phone();
	test_uuid();
	test_utf8_len();
	return done_testing();
}
