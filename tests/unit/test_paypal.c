/* PayPal's amount values and ids (lib/scp_paypal.c): exact, hostile text refused. */
#include "tap.h"
#include "scp_paypal.h"

#include <string.h>

int main(void)
{
	int64_t m = -1;
	char v[32];

	plan(16);
	ok(scp_paypal_minor("10.50", &m) && m == 1050, "10.50 is 1050");
	ok(scp_paypal_minor("7", &m) && m == 700, "7 is 700");
	ok(scp_paypal_minor("0.01", &m) && m == 1, "0.01 is 1");
	ok(!scp_paypal_minor("-1.00", &m), "a negative value is refused");
	ok(!scp_paypal_minor("1.005", &m), "three decimals are refused");
	ok(!scp_paypal_minor("1e3", &m), "an exponent is refused");
	ok(!scp_paypal_minor("", &m), "empty is refused");
	ok(!scp_paypal_minor(NULL, &m), "NULL is refused");
	ok(!scp_paypal_minor("1.", &m), "an empty fraction is refused");
	scp_paypal_value(1050, v);
	ok(!strcmp(v, "10.50"), "1050 is 10.50 (%s)", v);
	scp_paypal_value(5, v);
	ok(!strcmp(v, "0.05"), "5 is 0.05 (%s)", v);
	ok(scp_paypal_id("5O190127TN364715T"), "an order id");
	ok(scp_paypal_id("DEV-1"), "a hyphen is PayPal's");
	ok(!scp_paypal_id(""), "empty is no id");
	ok(!scp_paypal_id("ab/../c"), "a slash is no id");
	ok(!scp_paypal_id("0123456789012345678901234567890123456789012345678901234567890123X"),
	   "65 characters are too long");
	return done_testing();
}
