/*
 * Stray listing files.  POST /listings writes the photos before the row's transaction
 * and removes them when that fails; a worker killed between the two leaves files that
 * no row names.  Every ten minutes, originals older than an hour in media/listings and
 * media/private that no listing refers to are removed, with their renditions.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_db.h"
#include "scp_log.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIN_AGE 3600
#define EVERY 600
#define BATCH 500

const struct scp_stmt worker_files_stmts[] = {
	/* Of the candidates ($1, a text[] of paths under media_dir), those no row names. */
	{ "files_unreferenced",
	  "SELECT f FROM unnest($1::text[]) f WHERE NOT EXISTS"
	  " (SELECT 1 FROM listings l WHERE f = ANY (l.device_photos) OR l.bill_photo = f)" },
	SCP_STMT_END,
};

/* An original as scp_upload_store names it: 32 hex digits, a dot, no '_' rendition tag. */
static bool original(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");

	return n == 32 && name[32] == '.' && !strchr(name, '_');
}

/* Append `"subdir/name"` of old originals to the array literal in list. */
static int collect(const char *subdir, struct scp_buf *list, time_t now)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", scp_cfg.media_dir, subdir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) && n < BATCH) {
		if (!original(e->d_name) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
		    stat(path, &st) || !S_ISREG(st.st_mode) || now - st.st_mtime < MIN_AGE)
			continue;
		scp_buf_addf(list, "%s\"%s/%s\"", list->len > 1 ? "," : "", subdir, e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* Remove media_dir/rel and the renditions scp-worker made of it. */
static void remove_with_renditions(const char *rel)
{
	static const char *const tags[] = { "", "_thumb.jpg", "_800.webp" };
	char path[PATH_MAX];
	const char *dot = strrchr(rel, '.');
	int stem = dot ? (int)(dot - rel) : (int)strlen(rel);

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/%s", scp_cfg.media_dir, rel);
		else
			snprintf(path, sizeof(path), "%s/%.*s%s", scp_cfg.media_dir, stem, rel, tags[i]);
		unlink(path);
	}
}

void worker_files_sweep(struct scp_db *db)
{
	static time_t last;
	struct scp_buf list = SCP_BUF_INIT;
	time_t now = time(NULL);
	PGresult *r;

	if (now - last < EVERY)
		return;
	last = now;
	scp_buf_addc(&list, '{');
	if (collect("listings", &list, now) + collect("private", &list, now) == 0) {
		scp_buf_release(&list);
		return;
	}
	scp_buf_addc(&list, '}');
	if (scp_db_exec(db, "files_unreferenced", 1, (const char *const[]){ list.ptr }, &r) ==
	    SCP_DB_OK) {
		for (int i = 0; i < PQntuples(r); i++) {
			scp_warn("removing %s: no listing refers to it", PQgetvalue(r, i, 0));
			remove_with_renditions(PQgetvalue(r, i, 0));
		}
	} else if (r) {
		scp_error("libpq: files_unreferenced: %s", PQresultErrorMessage(r));
	}
	PQclear(r);
	scp_buf_release(&list);
}
