/*
 * scp_kept: a worker's rendered pages, kept with the version they were read at.
 *
 * A hot list page (the catalog's default page, the anonymous marketplace) is kept as
 * the bytes it was answered with, together with the version of its data (a counter the
 * database raises in the transaction of every change the page can show) and a stamp of
 * the caller's (the second it was rendered in, or 0).  A family serves a kept page again
 * only after the request's own statement has read that the version is still current, so
 * a kept page is never older than the database was when the request asked.
 *
 * Direct-mapped: a page (name, page, size) has one slot, whose buffer is reused.  The
 * slots are per worker (SCP_KEPT_DEFINE), so nothing is shared between processes.
 */
#ifndef SCP_KEPT_H
#define SCP_KEPT_H

#include <stddef.h>

struct scp_kept_page {
	char name[40];		/* what the page is of: a supplier's id, a sort */
	long page, size;
	char version[24];
	long stamp;
	char *body;
	size_t len, cap;
};

struct scp_kept {
	struct scp_kept_page *slots;
	unsigned n;
};

#define SCP_KEPT_DEFINE(var, nslots) \
	static struct scp_kept_page var##_slots[nslots]; \
	static struct scp_kept var = { var##_slots, nslots }

/* The kept page (name, page, size), or NULL. */
const struct scp_kept_page *scp_kept_find(const struct scp_kept *k, const char *name,
					  long page, long size);
/*
 * Keep body as the page (name, page, size) read at version, with stamp.  A name or a
 * version too long for its slot is not kept.
 */
void scp_kept_keep(struct scp_kept *k, const char *name, long page, long size,
		   const char *version, long stamp, const char *body, size_t len);

#endif
