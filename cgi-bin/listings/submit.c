/*
 * POST /listings: the four steps of the SELLIKO wizard in one multipart/form-data
 * request (device, technical details, photos and warranty, pickup).
 *
 * Everything is checked before anything is written: a refused request leaves no row
 * and no file.  Files are stored under random names, each written atomically; the row
 * (with the thumbnail job) is inserted in one transaction after them, and the files are
 * removed again if that insert fails.
 */
#include "listings.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_money.h"
#include "scp_multipart.h"
#include "scp_upload.h"
#include "scp_validate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct scp_stmt listings_submit_stmts[] = {
	{ "listing_submit", "SELECT scp_listing_submit($1, $2::jsonb)" },
	SCP_STMT_END,
};

#define SUBMIT_MAX_BODY (40u << 20)	/* nginx's client_max_body_size of /listings */
#define PHOTO_MAX_BYTES (5u << 20)
#define PHOTOS_MIN 4
#define PHOTOS_MAX 6

struct submission {
	struct scp_buf doc;		/* the checked fields, as JSON for scp_listing_submit */
	const struct scp_part *photos[PHOTOS_MAX];
	enum scp_file_type photo_types[PHOTOS_MAX];
	int nphotos;
	const struct scp_part *bill;
	enum scp_file_type bill_type;
	char stored[PHOTOS_MAX + 1][128];	/* relative paths written so far */
	int nstored;
};

/* Strict UTF-8 without NUL or other control characters but tab and newlines. */
static bool text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return false;
	return scp_utf8_valid(s, strlen(s));
}

/*
 * A plain field by its snake_case name (DESIGN §4; libscp folds the seed's camelCase
 * names).  An empty value is absent: HTML forms send every optional input.
 */
static const char *raw(struct scp_req *r, const struct scp_multipart *m, const char *snake)
{
	const char *v = scp_multipart_field(r->arena, m, snake);

	return v && *v ? v : NULL;
}

static const char *text(struct scp_req *r, const struct scp_multipart *m, const char *snake,
			bool required, size_t max)
{
	const char *v = raw(r, m, snake);

	if (!v) {
		if (required)
			scp_field_error(r, snake, "is required");
		return NULL;
	}
	if (!text_ok(v)) {
		scp_field_error(r, snake, "must be UTF-8 text without control characters");
		return NULL;
	}
	if (scp_utf8_len(v) > max) {
		scp_field_error(r, snake, scp_arena_printf(r->arena, "must be at most %zu characters",
							   max));
		return NULL;
	}
	return v;
}

static bool digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* IMEI: 15 digits whose last is the Luhn check digit of the first 14. */
static bool imei_ok(const char *s)
{
	int sum = 0;

	if (!digits(s, 15))
		return false;
	for (int i = 0; i < 15; i++) {
		int d = s[14 - i] - '0';

		if (i % 2) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

static const char *imei(struct scp_req *r, const struct scp_multipart *m, const char *snake,
			bool required)
{
	const char *v = text(r, m, snake, required, 15);

	if (v && !imei_ok(v)) {
		scp_field_error(r, snake, "must be 15 digits with a valid check digit");
		return NULL;
	}
	return v;
}

/* "Excellent", "excellent", "EXCELLENT" → "Excellent". */
static const char *choice(struct scp_req *r, const struct scp_multipart *m, const char *snake,
			  const char *const *choices, const char *msg)
{
	const char *v = text(r, m, snake, true, 32);

	if (!v)
		return NULL;
	for (const char *const *c = choices; *c; c++)
		if (!strcasecmp(v, *c))
			return *c;
	scp_field_error(r, snake, msg);
	return NULL;
}

static bool boolean(struct scp_req *r, const struct scp_multipart *m, const char *snake)
{
	static const char *const yes[] = { "true", "1", "yes", "on", NULL };
	static const char *const no[] = { "false", "0", "no", "off", NULL };
	const char *v = raw(r, m, snake);

	if (!v)
		return false;
	for (int i = 0; yes[i]; i++) {
		if (!strcasecmp(v, yes[i]))
			return true;
		if (!strcasecmp(v, no[i]))
			return false;
	}
	scp_field_error(r, snake, "must be true or false");
	return false;
}

/* What may follow a date in an ISO 8601 timestamp: THH:MM[:SS[.fraction]] and Z or ±HH:MM. */
static bool time_tail_ok(const char *t)
{
	static const char shape[] = "T99:99";
	size_t i;

	for (i = 0; shape[i]; i++)
		if (shape[i] == '9' ? t[i] < '0' || t[i] > '9' : t[i] != shape[i])
			return false;
	if (t[i] == ':' && t[i + 1] >= '0' && t[i + 1] <= '9' && t[i + 2] >= '0' &&
	    t[i + 2] <= '9') {
		i += 3;
		if (t[i] == '.' && t[i + 1] >= '0' && t[i + 1] <= '9')
			for (i++; t[i] >= '0' && t[i] <= '9'; i++)
				;
	}
	if (t[i] == 'Z')
		return !t[i + 1];
	return (t[i] == '+' || t[i] == '-') && t[i + 1] >= '0' && t[i + 1] <= '9' &&
	       t[i + 2] >= '0' && t[i + 2] <= '9' && t[i + 3] == ':' && t[i + 4] >= '0' &&
	       t[i + 4] <= '9' && t[i + 5] >= '0' && t[i + 5] <= '9' && !t[i + 6];
}

/*
 * A calendar date YYYY-MM-DD, or a full ISO timestamp whose date it is: SELLIKO's web
 * client sends a date input's value as new Date(value).toISOString(), which is that
 * day's UTC midnight ("2026-05-01T00:00:00.000Z" is 2026-05-01).
 */
static const char *date(struct scp_req *r, const struct scp_multipart *m, const char *snake)
{
	const char *v = raw(r, m, snake);
	char *day;

	if (!v || scp_valid_date(v))
		return v;
	if (strlen(v) > 10 && strlen(v) <= 40 && time_tail_ok(v + 10)) {
		day = scp_arena_strndup(r->arena, v, 10);
		if (scp_valid_date(day))
			return day;
	}
	scp_field_error(r, snake, "must be a date YYYY-MM-DD or an ISO 8601 timestamp");
	return NULL;
}

static void doc_str(struct scp_buf *b, const char *key, const char *v)
{
	scp_buf_addf(b, "%s\"%s\":", b->len > 1 ? "," : "", key);
	if (v)
		scp_buf_add_json_str(b, v);
	else
		scp_buf_adds(b, "null");
}

/* Step 1: the device. */
static void step_device(struct scp_req *r, const struct scp_multipart *m, struct scp_buf *b)
{
	static const char *const conditions[] = { "Excellent", "Good", "Fair", "Poor", NULL };

	doc_str(b, "brand", text(r, m, "brand", true, 50));
	doc_str(b, "model", text(r, m, "model", true, 100));
	doc_str(b, "storage", text(r, m, "storage", true, 30));
	doc_str(b, "color", text(r, m, "color", true, 30));
	doc_str(b, "condition", choice(r, m, "condition", conditions,
				       "must be one of: Excellent Good Fair Poor"));
}

/* Step 2: IMEIs, battery health, asking price (in minor units), description. */
static void step_technical(struct scp_req *r, const struct scp_multipart *m,
			   struct scp_buf *b)
{
	const char *i1 = imei(r, m, "imei1", true), *i2 = imei(r, m, "imei2", false);
	const char *bh = text(r, m, "battery_health", true, 12);
	const char *price = text(r, m, "asking_price", true, 20);
	int64_t minor = 0;
	long health = 0;

	if (i1 && i2 && !strcmp(i1, i2)) {
		scp_field_error(r, "imei2", "must differ from imei1");
		i2 = NULL;
	}
	doc_str(b, "imei1", i1);
	doc_str(b, "imei2", i2);
	if (bh && (!digits(bh, strlen(bh)) || (health = strtol(bh, NULL, 10)) < 1 || health > 100))
		scp_field_error(r, "battery_health", "must be an integer from 1 to 100");
	scp_buf_addf(b, ",\"battery_health\":%ld", health);
	if (price && (!scp_money_parse(price, &minor) || minor < scp_cfg.listing_price_min ||
		      minor > scp_cfg.listing_price_max)) {
		char lo[32], hi[32];

		scp_money_format(scp_cfg.listing_price_min, lo);
		scp_money_format(scp_cfg.listing_price_max, hi);
		scp_field_error(r, "asking_price", scp_arena_printf(r->arena,
				"must be an amount from %s to %s with at most 2 decimals", lo, hi));
	}
	scp_buf_addf(b, ",\"asking_price\":%lld", (long long)minor);
	doc_str(b, "description", text(r, m, "description", true, 2000));
}

/* Step 3 without the files: the warranty, whose details count only when it is true. */
static void step_warranty(struct scp_req *r, const struct scp_multipart *m, struct scp_buf *b)
{
	bool warranty = boolean(r, m, "has_warranty");
	const char *type = text(r, m, "warranty_type", false, 100);
	const char *expiry = date(r, m, "warranty_expiry");

	scp_buf_addf(b, ",\"has_warranty\":%s", warranty ? "true" : "false");
	doc_str(b, "warranty_type", warranty ? type : NULL);
	doc_str(b, "warranty_expiry", warranty ? expiry : NULL);
}

/* Step 4: the pickup address and time slot. */
static void step_pickup(struct scp_req *r, const struct scp_multipart *m, struct scp_buf *b)
{
	static const char *const slots[] = { "morning", "afternoon", "evening", NULL };
	const char *pin;

	doc_str(b, "street_address", text(r, m, "street_address", true, 200));
	doc_str(b, "city", text(r, m, "city", true, 100));
	doc_str(b, "state", text(r, m, "state", true, 100));
	pin = text(r, m, "pincode", true, 6);
	if (pin && (!digits(pin, 6) || pin[0] == '0')) {
		scp_field_error(r, "pincode", "must be a 6-digit PIN code");
		pin = NULL;
	}
	doc_str(b, "pincode", pin);
	doc_str(b, "landmark", text(r, m, "landmark", false, 200));
	doc_str(b, "pickup_time", choice(r, m, "pickup_time", slots,
					 "must be one of: morning afternoon evening"));
}

/* device_photo0…5 (devicePhoto0…5 arrive folded), or repeated device_photos[]. */
static bool is_photo_name(const char *n)
{
	if (!strncmp(n, "device_photo", 12)) {
		const char *d = n + (n[6] == '_' ? 12 : 11);

		return (d[0] >= '0' && d[0] <= '9' && !d[1]) || !strcmp(d, "s") || !strcmp(d, "s[]");
	}
	return false;
}

/* The bill: JPEG, PNG or PDF of at most 5 MB; the first non-empty part counts. */
static void take_bill(struct scp_req *r, const struct scp_part *p, struct submission *s)
{
	enum scp_file_type t;

	if (s->bill || !p->len)
		return;
	t = scp_upload_detect(p->data, p->len);
	if (p->len > PHOTO_MAX_BYTES)
		scp_field_error(r, "bill_photo", "must be at most 5 MB");
	else if (!(t & (SCP_FILE_JPEG | SCP_FILE_PNG | SCP_FILE_PDF)))
		scp_field_error(r, "bill_photo", "must be a JPEG, PNG or PDF file");
	s->bill = p;
	s->bill_type = t;
}

/* A device photo: JPEG, PNG or WebP of at most 5 MB, by its magic bytes. */
static void take_photo(struct scp_req *r, const struct scp_part *p, struct submission *s)
{
	enum scp_file_type t = scp_upload_detect(p->data, p->len);

	if (p->len > PHOTO_MAX_BYTES)
		scp_field_error(r, p->name, "must be at most 5 MB");
	else if (!(t & SCP_FILE_IMAGES))
		scp_field_error(r, p->name, "must be a JPEG, PNG or WebP image");
	s->photos[s->nphotos] = p;
	s->photo_types[s->nphotos++] = t;
}

static void read_files(struct scp_req *r, const struct scp_multipart *m, struct submission *s)
{
	int seen = 0;

	for (int i = 0; i < m->nparts; i++) {
		const struct scp_part *p = &m->parts[i];

		if (!p->filename)
			continue;
		if (!strcmp(p->name, "bill_photo"))
			take_bill(r, p, s);
		else if (is_photo_name(p->name) && p->len && ++seen <= PHOTOS_MAX)
			take_photo(r, p, s);
	}
	if (seen < PHOTOS_MIN || seen > PHOTOS_MAX)
		scp_field_error(r, "device_photos", scp_arena_printf(r->arena,
				"4 to 6 device photos are needed (device_photo0 to device_photo5); "
				"%d sent", seen));
}

static void unstore(struct submission *s)
{
	for (int i = 0; i < s->nstored; i++)
		scp_upload_remove(scp_cfg.media_dir, s->stored[i]);
	s->nstored = 0;
}

static bool store(struct submission *s, const char *subdir, const struct scp_part *p,
		  enum scp_file_type t)
{
	char *rel = s->stored[s->nstored];

	if (!scp_upload_store(scp_cfg.media_dir, subdir, p->data, p->len, t, rel,
			      sizeof(s->stored[0])))
		return false;
	s->nstored++;
	return true;
}

/* Write every file; the paths go into the document.  All or none. */
static bool store_files(struct submission *s)
{
	struct scp_buf *b = &s->doc;

	for (int i = 0; i < s->nphotos; i++)
		if (!store(s, "listings", s->photos[i], s->photo_types[i]))
			goto fail;
	if (s->bill && !store(s, "private", s->bill, s->bill_type))
		goto fail;
	scp_buf_adds(b, ",\"device_photos\":[");
	for (int i = 0; i < s->nphotos; i++) {
		if (i)
			scp_buf_addc(b, ',');
		scp_buf_add_json_str(b, s->stored[i]);
	}
	scp_buf_addc(b, ']');
	doc_str(b, "bill_photo", s->bill ? s->stored[s->nphotos] : NULL);
	return true;
fail:
	unstore(s);
	return false;
}

static bool is_multipart(const char *ct)
{
	return ct && !strncasecmp(ct, "multipart/form-data", 19);
}

void listings_submit(struct scp_req *r)
{
	struct scp_multipart *m;
	struct submission s = { .doc = SCP_BUF_INIT };
	const char *err;
	PGresult *res;

	if (!is_multipart(r->content_type)) {
		scp_send_error(r, 415, "UNSUPPORTED_MEDIA_TYPE",
			       "Content-Type must be multipart/form-data", NULL);
		return;
	}
	if (!scp_req_read_body(r, SUBMIT_MAX_BODY))
		return;
	m = scp_arena_alloc(r->arena, sizeof(*m));
	err = scp_multipart_parse(r->arena, r->content_type, r->body, r->body_len, m);
	if (err) {
		scp_bad_request(r, err);
		return;
	}
	scp_buf_addc(&s.doc, '{');
	step_device(r, m, &s.doc);
	step_technical(r, m, &s.doc);
	step_warranty(r, m, &s.doc);
	step_pickup(r, m, &s.doc);
	read_files(r, m, &s);
	if (scp_fields_send(r))
		goto out;
	if (!store_files(&s)) {
		scp_send_internal(r);
		goto out;
	}
	scp_buf_addc(&s.doc, '}');
	res = scp_q(r, "listing_submit", r->auth.user_id, s.doc.ptr);
	if (!res) {
		unstore(&s);	/* the answer (503, 500…) is sent; nothing may stay */
		goto out;
	}
	scp_send_row_json(r, 201, res);
out:
	scp_buf_release(&s.doc);
}
