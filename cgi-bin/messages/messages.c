/*
 * A conversation's messages: the history (newest first, by page or by the stable
 * cursor ?before=<message id>), sending, and marking the other side's messages read.
 *
 * A message is text (at most 5 000 characters), an attachment, or both.  JSON names
 * the attachment by a URL this system issued (POST /uploads: /media/images/…); a
 * multipart/form-data message carries the file itself (part "file"), stored here under
 * /media/chat/ like an upload: JPEG, PNG or WebP for images, also PDF for files, at
 * most 5 MB, the type by magic bytes.  Audio has no type check yet: 415.
 */
#include "messages.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_multipart.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_upload.h"
#include "scp_validate.h"

#include <string.h>
#include <strings.h>

static const char *const types[] = { "text", "image", "file", "audio", NULL };

/* Newest first: seq is the conversation's order (ids are random). */
#define MSG_NEWEST(X) X "seq DESC"

const struct scp_stmt msg_messages_stmts[] = {
	/*
	 * $1 conversation, $2 consumer, $3 supplier, $4 before, $5 page, $6 size.  The
	 * cursor function is also the participant check (404), called once more outside
	 * the page so that it runs even when the conversation has no messages.
	 */
	{ "msg_page",
	  SCP_PAGE_WITH("SELECT m.id, m.seq FROM chat_messages m WHERE m.conversation_id = $1"
			" AND m.seq < (SELECT scp_chat_cursor($1, $2, $3, $4))",
			MSG_NEWEST, "$5", "$6")
	  " SELECT CASE WHEN scp_chat_cursor($1, $2, $3, $4) IS NOT NULL THEN"
	  SCP_PAGE_JSON_WITH("$5", "$6", "'next_before'",
			     "(SELECT to_json(p.id) FROM p ORDER BY p.seq LIMIT 1)") " END"
	  SCP_PAGE_FROM("p JOIN chat_messages m ON m.id = p.id", "scp_chat_message_json(m)",
			MSG_NEWEST) },
	{ "msg_send",
	  "SELECT scp_chat_send($1, $2, $3, $4, $5, $6, $7, $8, $9)" },
	{ "msg_read", "SELECT scp_chat_read($1, $2, $3)" },
	SCP_STMT_END,
};

void msg_list(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	struct scp_page pg;
	const char *before;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_uuid(r, "before", &before))
		return;
	res = scp_q(r, "msg_page", r->params[0], sc.consumer, sc.supplier, before,
		    pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* What a message carries, checked, before it is stored. */
struct draft {
	const char *type;
	const char *content;
	const char *attachment;	/* "/media/…" */
	const char *order;
	char stored[256];	/* an attachment written by this request, to undo */
};

/* The checks shared by both encodings. */
static void check_draft(struct scp_req *r, struct draft *d, const char *file_field)
{
	if (!d->type)
		d->type = d->attachment ? "file" : "text";
	if (!d->attachment && (!d->content || !*d->content)) {
		if (strcmp(d->type, "text"))
			scp_field_error(r, file_field, "is required for a message of this type");
		else
			scp_field_error(r, "content", "is required");
	}
}

/* {content, type?, attachment_url? (or file_url), order_id?} */
static bool json_draft(struct scp_req *r, struct draft *d)
{
	json_object *b = scp_req_json(r);
	const char *url, *field = "attachment_url";

	if (!b)
		return false;
	d->content = scp_field_str(r, b, "content", false, 0, MSG_TEXT_MAX);
	d->type = scp_field_enum(r, b, "type", false, types);
	msg_field_uuid(r, b, "order_id", false, &d->order);
	if (!scp_json_get(b, field) && scp_json_get(b, "file_url"))
		field = "file_url";
	url = scp_field_str(r, b, field, false, 1, 2048);
	if (url && !(d->attachment = msg_own_url(r, url)))
		scp_field_error(r, field, "must be a URL issued by POST /uploads");
	if (!r->nfields)
		check_draft(r, d, "attachment_url");
	return !scp_fields_send(r);
}

/* Strict UTF-8 without control characters other than tab and line breaks. */
static bool text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return false;
	return scp_utf8_valid(s, strlen(s));
}

/* A plain multipart field; empty counts as absent (forms send every input). */
static const char *form_text(struct scp_req *r, const struct scp_multipart *m,
			     const char *name, size_t max)
{
	const char *v = scp_multipart_field(r->arena, m, name);

	if (!v || !*v)
		return NULL;
	if (!text_ok(v) || scp_utf8_len(v) > max) {
		scp_field_error(r, name, scp_arena_printf(r->arena,
			"must be UTF-8 text of at most %zu characters", max));
		return NULL;
	}
	return v;
}

/* Store the file part; false when an answer was sent. */
static bool store_file(struct scp_req *r, struct draft *d, const struct scp_part *p)
{
	unsigned ok = !strcmp(d->type, "image") ? SCP_FILE_IMAGES : SCP_FILE_IMAGES | SCP_FILE_PDF;
	enum scp_file_type t;

	if (!strcmp(d->type, "audio")) {
		scp_send_error(r, 415, "UNSUPPORTED_MEDIA_TYPE",
			       "audio attachments are not accepted", NULL);
		return false;
	}
	if (p->len > MSG_FILE_MAX) {
		scp_send_error(r, 413, "PAYLOAD_TOO_LARGE", "attachments are limited to 5 MB", NULL);
		return false;
	}
	t = scp_upload_detect(p->data, p->len);
	if (!(t & ok)) {
		scp_send_error(r, 415, "UNSUPPORTED_MEDIA_TYPE", !strcmp(d->type, "image")
			       ? "only JPEG, PNG or WebP images are accepted"
			       : "only JPEG, PNG, WebP or PDF files are accepted", NULL);
		return false;
	}
	if (!scp_upload_store(scp_cfg.media_dir, MSG_FILE_DIR, p->data, p->len, t, d->stored,
			      sizeof(d->stored))) {
		scp_send_internal(r);
		return false;
	}
	d->attachment = scp_arena_printf(r->arena, "/media/%s", d->stored);
	return true;
}

/* multipart/form-data: file, type, content?, order_id?. */
static bool form_draft(struct scp_req *r, struct draft *d)
{
	struct scp_multipart *m = scp_arena_alloc(r->arena, sizeof(*m));
	const struct scp_part *file;
	const char *err, *order;

	if (!scp_req_read_body(r, MSG_FILE_MAX + 64 * 1024))
		return false;
	if (r->body_len > MSG_FILE_MAX + 64 * 1024) {
		scp_send_error(r, 413, "PAYLOAD_TOO_LARGE", "request body too large", NULL);
		return false;
	}
	if ((err = scp_multipart_parse(r->arena, r->content_type, r->body, r->body_len, m))) {
		scp_bad_request(r, err);
		return false;
	}
	d->content = form_text(r, m, "content", MSG_TEXT_MAX);
	d->type = form_text(r, m, "type", 16);
	if (d->type && !scp_str_in(d->type, types))
		scp_field_error(r, "type", "must be one of text, image, file, audio");
	if ((order = form_text(r, m, "order_id", 64)) && !scp_valid_uuid(order))
		scp_field_error(r, "order_id", "must be a UUID");
	d->order = order;
	file = scp_multipart_get(m, "file");
	if (file && !file->filename)
		file = NULL;
	if (!file && !r->nfields && d->type && strcmp(d->type, "text"))
		scp_field_error(r, "file", "is required for a message of this type");
	if (file && !file->len)
		scp_field_error(r, "file", "is empty");
	if (file && !r->nfields && !d->type)
		d->type = "file";
	if (!r->nfields && !file)
		check_draft(r, d, "file");
	if (scp_fields_send(r))
		return false;
	return !file || store_file(r, d, file);
}

void msg_send(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	const char *ct = r->content_type ? r->content_type : "";
	struct draft d = { 0 };
	PGresult *res;

	if (!strncasecmp(ct, "multipart/form-data", 19) ? !form_draft(r, &d) : !json_draft(r, &d))
		return;
	res = scp_q(r, "msg_send", r->params[0], sc.consumer, sc.supplier, r->auth.user_id,
		    r->auth.role, d.type, d.content, d.attachment, d.order);
	if (!res) {
		/* Nothing names the file: the message was not stored. */
		if (*d.stored)
			scp_upload_remove(scp_cfg.media_dir, d.stored);
		return;
	}
	scp_send_row_json(r, 201, res);
}

void msg_read(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	PGresult *res;

	if (!scp_req_json_opt(r))
		return;
	res = scp_q(r, "msg_read", r->params[0], sc.consumer, sc.supplier);
	if (res)
		scp_send_row_json(r, 200, res);
}
