/*
 * A worker's rendered anonymous marketplace pages (read.c's hot path).
 *
 * A page is kept with the marketplace version it was read at (the sum of
 * market_versions, raised in the transaction of every change a page can show: a bid, an
 * approval, a closing, a watcher) and the second it was rendered in.  It is served again
 * only after the request's own statement has read that the version is still the
 * current one, and only within that second: the page's time_left and views are then at
 * most a second old, while a committed change is seen by the next request on every
 * worker (docs/decisions.md, "The marketplace").
 *
 * Direct-mapped, MARKET_PAGE_SLOTS slots per worker; a slot's buffer is reused.
 */
#ifndef LISTINGS_MARKET_CACHE_H
#define LISTINGS_MARKET_CACHE_H

#include <stddef.h>
#include <time.h>

#define MARKET_PAGE_SLOTS 32

struct market_page {
	char sort[16];
	long page, size;
	char version[24];
	time_t second;
	char *body;
	size_t len, cap;
};

/* The page (sort, page, size) kept in this second, or NULL. */
const struct market_page *market_page_find(const char *sort, long page, long size,
					   time_t now);
/* Keep body as the page (sort, page, size) rendered at version in second now. */
void market_page_keep(const char *sort, long page, long size, const char *version,
		      time_t now, const char *body, size_t len);

#endif
