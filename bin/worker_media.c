/*
 * listing_thumbnails: for every device photo of a listing, a 320 px JPEG thumbnail
 * (<name>_thumb.jpg) and an 800 px WebP (<name>_800.webp) beside it, made with libvips;
 * then the listing's thumbnails_at is set, and its JSON shows the URLs.
 *
 * Each variant is written to a temporary name and renamed, so nginx never serves half a
 * file; a job retried after a crash simply makes them again.  Images are never scaled
 * up, and one of more than SCP_MAX_PIXELS pixels is refused before it is decoded (a
 * decompression bomb must not take the worker's memory).
 */
#include "worker.h"
#include "scp_config.h"
#include "scp_log.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

#define SCP_MAX_PIXELS (50L * 1000 * 1000)

static bool vips_ready(void)
{
	static bool ready;

	if (!ready && VIPS_INIT("scp-worker") == 0) {
		/* Files change under the same names between jobs: cache nothing. */
		vips_cache_set_max(0);
		vips_concurrency_set(2);
		ready = true;
	}
	return ready;
}

static bool too_large(const char *src)
{
	VipsImage *h = vips_image_new_from_file(src, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	bool big;

	if (!h)
		return true;
	big = (long)vips_image_get_width(h) * vips_image_get_height(h) > SCP_MAX_PIXELS;
	g_object_unref(h);
	return big;
}

/* One variant of src at dst, fitting a width × width box. */
static bool variant(const char *src, const char *dst, int width, bool webp)
{
	char tmp[PATH_MAX];
	VipsImage *img = NULL;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", dst) >= sizeof(tmp))
		return false;
	if (vips_thumbnail(src, &img, width, "size", VIPS_SIZE_DOWN, NULL))
		return false;
	rc = webp ? vips_webpsave(img, tmp, "Q", 80, "strip", TRUE, NULL)
		  : vips_jpegsave(img, tmp, "Q", 82, "strip", TRUE, "interlace", TRUE, NULL);
	g_object_unref(img);
	if (rc || rename(tmp, dst)) {
		unlink(tmp);
		return false;
	}
	return true;
}

/* "listings/ab12.png" → media/listings/ab12_thumb.jpg and media/listings/ab12_800.webp */
static const char *photo_variants(const char *rel)
{
	char src[PATH_MAX], base[PATH_MAX], dst[PATH_MAX + 16];
	const char *dot = strrchr(rel, '.');

	if (!dot || strstr(rel, "..") || strlen(rel) > 200)
		return "bad photo path";
	snprintf(src, sizeof(src), "%s/%s", scp_cfg.media_dir, rel);
	snprintf(base, sizeof(base), "%s/%.*s", scp_cfg.media_dir, (int)(dot - rel), rel);
	if (access(src, R_OK))
		return "photo file missing";
	if (too_large(src))
		return "photo cannot be read or has too many pixels";
	snprintf(dst, sizeof(dst), "%s_thumb.jpg", base);
	if (!variant(src, dst, 320, false))
		return "thumbnail failed";
	snprintf(dst, sizeof(dst), "%s_800.webp", base);
	if (!variant(src, dst, 800, true))
		return "webp failed";
	return NULL;
}

struct worker_result worker_listing_thumbnails(struct scp_job *job)
{
	json_object *id = NULL, *photos = NULL;
	static char err[256];
	PGresult *res;

	if (!job->payload || !json_object_object_get_ex(job->payload, "listing_id", &id) ||
	    !json_object_object_get_ex(job->payload, "photos", &photos) ||
	    !json_object_is_type(photos, json_type_array))
		return (struct worker_result){ "payload lacks listing_id or photos", true };
	if (!vips_ready())
		return (struct worker_result){ "libvips did not initialise", false };
	for (size_t i = 0; i < json_object_array_length(photos); i++) {
		const char *rel = json_object_get_string(json_object_array_get_idx(photos, i));
		const char *why = rel ? photo_variants(rel) : "photo is not a string";

		if (why) {
			snprintf(err, sizeof(err), "%s: %s (%s)", rel ? rel : "?", why,
				 vips_error_buffer());
			vips_error_clear();
			/* A file that does not decode now never will: no retry. */
			return (struct worker_result){ err, true };
		}
	}
	if (scp_db_exec(worker_db, "listing_thumbnails_done", 1,
			(const char *const[]){ json_object_get_string(id) }, &res) != SCP_DB_OK) {
		PQclear(res);
		return (struct worker_result){ "database unavailable", false };
	}
	PQclear(res);
	return (struct worker_result){ 0 };
}
