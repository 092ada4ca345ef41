/*
 * test_kept: kept pages (lib/scp_kept.c) are found only under their exact key, carry the
 * version and stamp they were kept with, reuse or grow their slot's buffer, and two
 * caches never see each other's pages.
 */
#include "scp_kept.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define SUP_A "0cb0d351-4065-4e41-ac0e-9b2722778784"
#define SUP_B "7c523087-53df-450f-a675-0b4d11dd5b39"

SCP_KEPT_DEFINE(pages, 64);
SCP_KEPT_DEFINE(other, 8);

#define cat_page_find(name, page, size) scp_kept_find(&pages, name, page, size)
#define cat_page_keep(name, page, size, version, body, len) \
	scp_kept_keep(&pages, name, page, size, version, 0, body, len)

int main(void)
{
	static char big[20000];
	const struct scp_kept_page *p;

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
	scp_kept_keep(&pages, "0123456789012345678901234567890123456789", 1, 1, "1", 0, "{}", 2);
	ok(!cat_page_find("0123456789012345678901234567890123456789", 1, 1),
	   "nor a name too long");

	scp_kept_keep(&other, "newest", 1, 20, "5", 1700000000L, "{\"o\":1}", 7);
	p = scp_kept_find(&other, "newest", 1, 20);
	ok(p && p->stamp == 1700000000L, "a page keeps its stamp");
	ok(!scp_kept_find(&pages, "newest", 1, 20), "another cache does not see it");
	return done_testing();
}
