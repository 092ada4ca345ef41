/*
 * POST /uploads: one image (JPEG, PNG or WebP by its magic bytes, at most 5 MiB), as a
 * multipart/form-data part (field "file", or the only file part) or as the raw body
 * with an image Content-Type.  It is written under a random name, atomically (see
 * scp_upload.h), and served by nginx from /media/ with nosniff and a year of caching:
 * the name never changes meaning, so the cache never goes stale.
 */
#include "catalog.h"
#include "scp_config.h"
#include "scp_multipart.h"
#include "scp_upload.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Room for the multipart framing around the largest image. */
#define CAT_BODY_MAX (CAT_IMAGE_MAX + 64 * 1024)

/* The file part: "file", else "image", else the first part that carries a file name. */
static const struct scp_part *file_part(const struct scp_multipart *m)
{
	static const char *const names[] = { "file", "image", "photo", "upload" };
	const struct scp_part *p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((p = scp_multipart_get(m, names[i])) && p->filename)
			return p;
	for (int i = 0; i < m->nparts; i++)
		if (m->parts[i].filename)
			return &m->parts[i];
	return NULL;
}

/* The uploaded bytes of the request; false when an answer was sent. */
static bool upload_data(struct scp_req *r, const char **data, size_t *len)
{
	const char *ct = r->content_type ? r->content_type : "";
	struct scp_multipart *m;
	const struct scp_part *p;
	const char *err;

	if (!scp_req_read_body(r, CAT_BODY_MAX))
		return false;
	if (!strncasecmp(ct, "multipart/form-data", 19)) {
		m = scp_arena_alloc(r->arena, sizeof(*m));
		if ((err = scp_multipart_parse(r->arena, ct, r->body, r->body_len, m))) {
			scp_bad_request(r, err);
			return false;
		}
		if (!(p = file_part(m))) {
			scp_field_error(r, "file", "is required: send the image as a file part");
			scp_fields_send(r);
			return false;
		}
		*data = p->data;
		*len = p->len;
		return true;
	}
	if (!strncasecmp(ct, "image/", 6) || !strncasecmp(ct, "application/octet-stream", 24)) {
		*data = r->body;
		*len = r->body_len;
		return true;
	}
	scp_send_error(r, 415, "UNSUPPORTED_MEDIA_TYPE",
		       "send multipart/form-data with a file part, or the image itself", NULL);
	return false;
}

/*
 * 201 {success, data: {url}, url, absolute_url, content_type, size}: url is the form
 * that is stored (/media/…, what other requests may send back); data.url and
 * absolute_url are under public_url, as every other answer shows uploaded files (the
 * supplier portal reads data.url), or relative while public_url is empty.
 */
static void upload_answer(struct scp_req *r, const char *rel, enum scp_file_type t, size_t len)
{
	const char *abs = scp_arena_printf(r->arena, "%s/media/%s",
					   scp_cfg.public_url ? scp_cfg.public_url : "", rel);

	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"success\":true,\"data\":{\"url\":");
	scp_buf_add_json_str(r->out, abs);
	scp_buf_addf(r->out, "},\"url\":\"/media/%s\",\"absolute_url\":", rel);
	scp_buf_add_json_str(r->out, abs);
	scp_buf_addf(r->out, ",\"content_type\":\"%s\",\"size\":%zu}", scp_upload_mime(t), len);
	scp_send_out(r, 201);
}

void cat_upload(struct scp_req *r)
{
	const char *data;
	size_t len;
	enum scp_file_type t;
	char rel[256];

	if (!upload_data(r, &data, &len))
		return;
	if (!len) {
		scp_field_error(r, "file", "is empty");
		scp_fields_send(r);
		return;
	}
	if (len > CAT_IMAGE_MAX) {
		scp_send_error(r, 413, "PAYLOAD_TOO_LARGE", "images are limited to 5 MB", NULL);
		return;
	}
	t = scp_upload_detect(data, len);
	if (!(t & SCP_FILE_IMAGES)) {
		scp_send_error(r, 415, "UNSUPPORTED_MEDIA_TYPE",
			       "only JPEG, PNG or WebP images are accepted", NULL);
		return;
	}
	if (!scp_upload_store(scp_cfg.media_dir, CAT_IMAGE_DIR, data, len, t, rel, sizeof(rel))) {
		scp_send_internal(r);
		return;
	}
	upload_answer(r, rel, t, len);
}

/* Is name "<32 lowercase hex>.<jpg|png|webp>", the shape scp_upload_store writes? */
const char *cat_image_url(struct scp_req *r, const char *url)
{
	return scp_upload_own_url(r->arena, url, CAT_IMAGE_DIR);
}
