/*
 * A worker's rendered default catalog pages (browse.c's hot path).
 *
 * A page is kept with the catalog version it was rendered at (catalog_sizes.version,
 * raised in the transaction of every change to any of the supplier's products), and
 * served again only after the request's own statement has read that this version is
 * still the current one.  So a kept page is never older than the database was when the
 * request asked: a change is seen by the next request, whichever worker serves it.
 * What the caller may see (its link) is read on every request, never kept.
 *
 * Direct-mapped, CAT_PAGE_SLOTS slots per worker; a slot's buffer is reused.
 */
#ifndef CAT_PAGE_CACHE_H
#define CAT_PAGE_CACHE_H

#include <stddef.h>

#define CAT_PAGE_SLOTS 64

struct cat_page {
	char supplier[40];
	long page, size;
	char version[24];
	char *body;
	size_t len, cap;
};

/* The kept page (supplier, page, size), or NULL. */
const struct cat_page *cat_page_find(const char *supplier, long page, long size);
/* Keep body as the page (supplier, page, size) rendered at version. */
void cat_page_keep(const char *supplier, long page, long size, const char *version,
		   const char *body, size_t len);

#endif
