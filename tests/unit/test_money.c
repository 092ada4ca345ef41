/*
 * test_money: amounts are parsed from their decimal text and formatted back exactly
 * (DESIGN §3: money never passes through a double).
 */
#include "scp_money.h"
#include "tap.h"

#include <inttypes.h>
#include <stdio.h>

static void parses(const char *text, int64_t want)
{
	int64_t got = INT64_MIN;

	if (ok(scp_money_parse(text, &got), "\"%s\" accepted", text))
		is_int(got, want, "\"%s\" is %" PRId64 " minor units", text, want);
}

static void refuses(const char *text, const char *why)
{
	int64_t got = 42;

	ok(!scp_money_parse(text, &got), "\"%s\" refused (%s)", text, why);
}

static void test_parse_ok(void)
{
	parses("12", 1200);
	parses("12.5", 1250);
	parses("12.50", 1250);
	parses("0.01", 1);
	parses("0", 0);
	parses("0.00", 0);
	parses("-3.10", -310);
	parses("-0.05", -5);
	parses("1.500", 150);
	parses("10000000000000", SCP_MONEY_MAX);	/* exactly the ceiling */
	parses("-10000000000000", -SCP_MONEY_MAX);
	parses("9999999999999.99", SCP_MONEY_MAX - 1);
}

static void test_parse_refused(void)
{
	refuses("1.234", "three significant decimals");
	refuses("1.001", "non-zero third decimal");
	refuses("1e3", "exponent");
	refuses("1E3", "exponent");
	refuses("+1", "leading plus");
	refuses("01", "leading zero");
	refuses("-01", "leading zero after minus");
	refuses("00.5", "leading zeros");
	refuses(".5", "empty integer part");
	refuses("1.", "empty fraction");
	refuses("", "empty");
	refuses("-", "minus alone");
	refuses("--1", "double minus");
	refuses("abc", "not a number");
	refuses("1,5", "comma decimal separator");
	refuses(" 1", "leading space");
	refuses("1 ", "trailing space");
	refuses("1.5x", "trailing garbage");
	refuses("0x10", "hexadecimal");
	refuses("NaN", "not a number");
	refuses("10000000000000.01", "just above SCP_MONEY_MAX");
	refuses("10000000000001", "above SCP_MONEY_MAX");
	refuses("-10000000000001", "below -SCP_MONEY_MAX");
	refuses("9223372036854775807", "INT64_MAX major units");
	refuses("99999999999999999999999999999999", "far beyond int64");
}

/* format → parse gives the same amount back, and the text is what a client expects. */
static void formats(int64_t minor, const char *want)
{
	char out[32];
	int64_t back = INT64_MIN;

	scp_money_format(minor, out);
	is_str(out, want, "%" PRId64 " formats as %s", minor, want);
	ok(scp_money_parse(out, &back) && back == minor, "\"%s\" parses back to %" PRId64,
	   out, minor);
}

static void test_format(void)
{
	char out[32];

	formats(0, "0.00");
	formats(1, "0.01");
	formats(-5, "-0.05");
	formats(-310, "-3.10");
	formats(1250, "12.50");
	formats(100, "1.00");
	formats(SCP_MONEY_MAX, "10000000000000.00");
	formats(-SCP_MONEY_MAX, "-10000000000000.00");
	/* Not a valid amount, but the 32-byte buffer must hold any int64 without UB. */
	scp_money_format(INT64_MIN, out);
	is_str(out, "-92233720368547758.08", "INT64_MIN formats without overflow");
}

int main(void)
{
	test_parse_ok();
	test_parse_refused();
	test_format();
	return done_testing();
}
