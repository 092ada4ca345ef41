/*
 * test_page_cache: the catalog family's kept pages (cgi-bin/catalog/page_cache.c) are
 * found only under their exact key, carry the version they were kept at, and reuse or
 * grow their slot's buffer.
 */
#include "../../cgi-bin/catalog/page_cache.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define SUP_A "0cb0d351-4065-4e41-ac0e-9b2722778784"
#define SUP_B "7c523087-53df-450f-a675-0b4d11dd5b39"

int main(void)
{
	static char big[20000];
	const struct cat_page *p;

	ok(!cat_page_find(SUP_A, 1, 20), "nothing kept at first");
	cat_page_keep(SUP_A, 1, 20, "7", "{\"a\":1}", 7);
	p = cat_page_find(SUP_A, 1, 20);
	if (ok(p != NULL, "kept page found")) {
		is_str(p->version, "7", "with its version");
		ok(p->len == 7 && !memcmp(p->body, "{\"a\":1}", 7), "and its body");
	}
	ok(!cat_page_find(SUP_A, 2, 20), "another page is not it");
	ok(!cat_page_find(SUP_A, 1, 10), "another size is not it");
	ok(!cat_page_find(SUP_B, 1, 20), "another supplier is not it");

	memset(big, 'x', sizeof(big));
	cat_page_keep(SUP_A, 1, 20, "8", big, sizeof(big));
	p = cat_page_find(SUP_A, 1, 20);
	ok(p && p->len == sizeof(big) && p->body[sizeof(big) - 1] == 'x', "a larger page grows the slot");
	is_str(p ? p->version : NULL, "8", "the newer version replaces the older");
	cat_page_keep(SUP_A, 1, 20, "9", "[]", 2);
	p = cat_page_find(SUP_A, 1, 20);
	ok(p && p->len == 2 && p->cap >= sizeof(big), "a smaller one reuses the buffer");

	/* Many keys: each found as kept, or evicted by a later one in its slot, never wrong. */
	char sup[40], body[32];
	int wrong = 0;

	for (int i = 0; i < 500; i++) {
		snprintf(sup, sizeof(sup), "00000000-0000-4000-8000-%012d", i);
		snprintf(body, sizeof(body), "{\"i\":%d}", i);
		cat_page_keep(sup, i % 7 + 1, 20, "1", body, strlen(body));
	}
	for (int i = 0; i < 500; i++) {
		snprintf(sup, sizeof(sup), "00000000-0000-4000-8000-%012d", i);
		snprintf(body, sizeof(body), "{\"i\":%d}", i);
		p = cat_page_find(sup, i % 7 + 1, 20);
		if (p && (p->len != strlen(body) || memcmp(p->body, body, p->len)))
			wrong++;
	}
	is_int(wrong, 0, "no key ever finds another key's page");
	cat_page_keep("x", 1, 1, "123456789012345678901234567890", "{}", 2);
	ok(!cat_page_find("x", 1, 1), "a version too long to keep is not kept");
	return done_testing();
}
