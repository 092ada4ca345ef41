/*
 * Catalog orders.  A consumer orders from one supplier it is linked to; the lines'
 * prices are snapshotted and the totals computed in SQL (scp_catalog_order_create).
 * Each move is one call that locks the order, checks its state, and records who moved
 * it and when; accepting also takes the stock of every line, all or nothing.
 *
 * Only supplier_id, items[].product_id, items[].quantity, notes and the delivery the
 * consumer asks for (shipping_address, delivery_date, delivery_start_time,
 * delivery_end_time, preferred_settlement) are read from a new order: prices, totals,
 * status or stock sent by the client never take effect.
 */
#include "orders.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <string.h>
#include <time.h>

#define ITEMS_MAX 100
#define QUANTITY_MAX 100000

static const char *const statuses[] = {
	"pending", "accepted", "rejected", "cancelled", "in_progress", "completed", NULL,
};
/* The orders still under way, GET /consumer/orders/current. */
#define ACTIVE_STATUSES "{pending,accepted,in_progress}"

/* Newest first; the id keeps pages from overlapping. */
#define ORDER_NEWEST(X) X "created_at DESC, " X "id DESC"
/*
 * A page of the caller's orders: $1 its consumer or supplier id, $2 statuses (NULL:
 * all), $3 the other party's id (NULL: all), $4 page, $5 size.  The filter keeps only
 * (id, created_at), so counting stays on the index.
 */
#define ORDERS_PAGE(SCOPE, OTHER) \
	SCP_PAGED("SELECT o.id, o.created_at FROM catalog_orders o WHERE o." SCOPE " = $1" \
		  " AND ($2::text[] IS NULL OR o.status = ANY ($2::text[]))" \
		  " AND ($3::uuid IS NULL OR o." OTHER " = $3::uuid)", \
		  ORDER_NEWEST, "p JOIN catalog_orders o ON o.id = p.id", "o.api_view", \
		  "$4", "$5")

/* The functions are in sql/functions/45_b2b_orders.sql. */
const struct scp_stmt orders_catalog_stmts[] = {
	{ "order_create",
	  "SELECT order_json, errors"
	  " FROM scp_catalog_order_create($1, $2::uuid, $3::uuid[], $4::int[], $5, $6::json,"
	  " $7::date, $8::time, $9::time, $10)" },
	{ "orders_consumer", ORDERS_PAGE("consumer_id", "supplier_id") },
	{ "orders_supplier", ORDERS_PAGE("supplier_id", "consumer_id") },
	/* $1 consumer or NULL, $2 supplier or NULL, $3 order. */
	{ "order_get",
	  "SELECT scp_catalog_order_full(o) FROM catalog_orders o"
	  " WHERE o.id = $3 AND (o.consumer_id = $1::uuid OR o.supplier_id = $2::uuid)" },
	{ "order_move", "SELECT scp_catalog_order_move($1, $2, $3, $4, $5, $6, $7)" },
	{ "order_accept", "SELECT ok, body, message FROM scp_catalog_order_accept($1, $2, $3, $4)" },
	SCP_STMT_END,
};

static const char *lower(struct scp_req *r, const char *s)
{
	char *c = scp_arena_strdup(r->arena, s);

	for (char *p = c; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return c;
}

/* One line: its product id into ids (an array literal being built), quantity into qty. */
static void order_line(struct scp_req *r, json_object *it, size_t i, struct scp_buf *ids,
		       struct scp_buf *qty)
{
	const char *f = scp_arena_printf(r->arena, "items[%zu]", i), *pid;
	int64_t q;
	bool ok;

	if (!scp_json_is(it, json_type_object)) {
		scp_field_error(r, f, "must be an object with product_id and quantity");
		return;
	}
	pid = scp_field_str(r, it, "product_id", false, 1, 64);
	if (!pid && !scp_json_get(it, "product_id"))
		scp_field_error(r, scp_arena_printf(r->arena, "%s.product_id", f), "is required");
	else if (pid && !scp_valid_uuid(pid))
		scp_field_error(r, scp_arena_printf(r->arena, "%s.product_id", f),
				"must be a product id");
	ok = scp_json_int(scp_json_get(it, "quantity"), 1, QUANTITY_MAX, &q);
	if (!ok)
		scp_field_error(r, scp_arena_printf(r->arena, "%s.quantity", f),
				"must be an integer from 1 to 100000");
	if (!pid || !scp_valid_uuid(pid) || !ok)
		return;
	pid = lower(r, pid);
	/* The same product twice is a client mistake, not two lines to merge silently. */
	if (ids->len && strstr(ids->ptr, pid)) {
		scp_field_error(r, scp_arena_printf(r->arena, "%s.product_id", f),
				"appears twice; put the whole quantity on one line");
		return;
	}
	scp_buf_addf(ids, "%s%s", ids->len ? "," : "", pid);
	scp_buf_addf(qty, "%s%lld", qty->len ? "," : "", (long long)q);
}

/* items as the array literals "{id,…}" and "{q,…}"; NULL when invalid (errors on r). */
static bool order_lines(struct scp_req *r, json_object *b, const char **ids, const char **qty)
{
	json_object *items = scp_json_get(b, "items");
	struct scp_buf bi = SCP_BUF_INIT, bq = SCP_BUF_INIT;
	size_t n;

	if (!items) {
		scp_field_error(r, "items", "is required");
		return false;
	}
	n = scp_json_is(items, json_type_array) ? json_object_array_length(items) : 0;
	if (n < 1 || n > ITEMS_MAX) {
		scp_field_error(r, "items", "must be an array of 1 to 100 lines");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		order_line(r, json_object_array_get_idx(items, i), i, &bi, &bq);
	*ids = scp_arena_printf(r->arena, "{%s}", bi.ptr);
	*qty = scp_arena_printf(r->arena, "{%s}", bq.ptr);
	scp_buf_release(&bi);
	scp_buf_release(&bq);
	return !r->nfields;
}

/*
 * The string member key of the object at prefix ("shipping_address.city" in errors):
 * min..max characters.  NULL when absent or JSON null (an error if required) or invalid.
 */
static const char *member_str(struct scp_req *r, json_object *o, const char *prefix,
			      const char *key, bool required, size_t min, size_t max)
{
	const char *f = scp_arena_printf(r->arena, "%s.%s", prefix, key);
	json_object *v = scp_json_get(o, key);
	const char *s;
	size_t n;

	if (!v) {
		if (required)
			scp_field_error(r, f, "is required");
		return NULL;
	}
	s = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(s) != (size_t)json_object_get_string_len(v)) {
		scp_field_error(r, f, "must be a string");
		return NULL;
	}
	n = scp_utf8_len(s);
	if (n < min || n > max) {
		scp_field_error(r, f, scp_arena_printf(r->arena, "must be %zu to %zu characters",
						       min, max));
		return NULL;
	}
	return s;
}

/*
 * shipping_address as the JSON object to store, its members in a fixed order: the five
 * parts of the address are strings the apps read as non-null (state and postal_code may
 * be empty: not every country has them), the contact may be left out.  NULL when absent
 * or invalid (errors on r).
 */
static const char *shipping_address(struct scp_req *r, json_object *b)
{
	static const struct {
		const char *key;
		bool required;
		size_t min, max;
	} parts[] = {
		{ "street", true, 1, 200 }, { "city", true, 1, 100 }, { "state", true, 0, 100 },
		{ "postal_code", true, 0, 20 }, { "country", true, 1, 100 },
		{ "contact_name", false, 1, 100 }, { "contact_phone", false, 1, 32 },
	};
	json_object *a = scp_json_get(b, "shipping_address");
	struct scp_buf out = SCP_BUF_INIT;
	const char *json;
	int before = r->nfields;

	if (!a)
		return NULL;
	if (!scp_json_is(a, json_type_object)) {
		scp_field_error(r, "shipping_address",
				"must be an object with street, city, state, postal_code and country");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *v = member_str(r, a, "shipping_address", parts[i].key,
					   parts[i].required, parts[i].min, parts[i].max);

		scp_buf_adds(&out, i ? "," : "{");
		scp_buf_add_json_str(&out, parts[i].key);
		scp_buf_addc(&out, ':');
		if (v)
			scp_buf_add_json_str(&out, v);
		else
			scp_buf_adds(&out, "null");
	}
	scp_buf_addc(&out, '}');
	json = r->nfields == before ? scp_arena_strdup(r->arena, out.ptr) : NULL;
	scp_buf_release(&out);
	return json;
}

/*
 * delivery_date: YYYY-MM-DD, today or later.  "Today" is the consumer's, whose time zone
 * we do not know: a date is refused once it is over everywhere, that is once it is
 * before today at UTC−12, the last zone to leave a day.
 */
static const char *delivery_date(struct scp_req *r, json_object *b)
{
	const char *d = scp_field_str(r, b, "delivery_date", false, 1, 10);
	time_t t = time(NULL) - 12 * 3600;
	struct tm tm;
	char earliest[16];

	if (!d)
		return NULL;
	if (!scp_valid_date(d)) {
		scp_field_error(r, "delivery_date", "must be a date, YYYY-MM-DD");
		return NULL;
	}
	gmtime_r(&t, &tm);
	strftime(earliest, sizeof(earliest), "%Y-%m-%d", &tm);
	if (strcmp(d, earliest) < 0) {
		scp_field_error(r, "delivery_date", "must be today or a later day");
		return NULL;
	}
	return d;
}

/* A time of day, HH:MM (00:00 to 23:59); NULL when absent or invalid. */
static const char *time_of_day(struct scp_req *r, json_object *b, const char *field)
{
	const char *t = scp_field_str(r, b, field, false, 0, 16);

	if (!t)
		return NULL;
	if (strlen(t) != 5 || t[2] != ':' || t[0] < '0' || t[0] > '2' || t[1] < '0' ||
	    t[1] > '9' || (t[0] == '2' && t[1] > '3') || t[3] < '0' || t[3] > '5' ||
	    t[4] < '0' || t[4] > '9') {
		scp_field_error(r, field, "must be a time of day, HH:MM");
		return NULL;
	}
	return t;
}

/* What a new order carries besides its lines; each absent field stays NULL. */
struct delivery {
	const char *notes, *address, *date, *start, *end, *settlement;
};

static void delivery(struct scp_req *r, json_object *b, struct delivery *d)
{
	d->notes = scp_field_str(r, b, "notes", false, 0, 1000);
	d->address = shipping_address(r, b);
	d->date = delivery_date(r, b);
	d->start = time_of_day(r, b, "delivery_start_time");
	d->end = time_of_day(r, b, "delivery_end_time");
	/* HH:MM compare as text. */
	if (d->start && d->end && strcmp(d->start, d->end) >= 0)
		scp_field_error(r, "delivery_end_time", "must be later than delivery_start_time");
	d->settlement = scp_field_str(r, b, "preferred_settlement", false, 1, 100);
}

void ord_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *sup, *ids = NULL, *qty = NULL;
	struct delivery d;
	PGresult *res;

	if (!b)
		return;
	sup = scp_field_str(r, b, "supplier_id", false, 1, 64);
	if (sup && !scp_valid_uuid(sup))
		scp_field_error(r, "supplier_id", "must be a UUID");
	delivery(r, b, &d);
	order_lines(r, b, &ids, &qty);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "order_create", r->auth.user_id, sup, ids, qty, d.notes, d.address,
		    d.date, d.start, d.end, d.settlement);
	if (!res)
		return;
	if (!PQgetisnull(res, 0, 1))
		scp_send_error(r, 422, "VALIDATION_ERROR", "the request has invalid fields",
			       scp_arena_printf(r->arena, "{\"fields\":%s}", PQgetvalue(res, 0, 1)));
	else
		scp_send(r, 201, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

/* ?status=a,b as the array literal "{a,b}"; NULL when absent; 400 on an unknown one. */
static bool status_filter(struct scp_req *r, const char **out)
{
	const char *s = scp_req_query_param(r, "status");
	char *copy, *tok, *save = NULL;

	*out = NULL;
	if (!s || !*s)
		return true;
	/* The array is made of the checked names only: "a,,b" or ",a" is no array literal. */
	copy = scp_arena_strdup(r->arena, s);
	*out = "{";
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!scp_str_in(tok, statuses)) {
			scp_bad_request(r, scp_arena_printf(r->arena, "unknown status %s", tok));
			return false;
		}
		*out = scp_arena_printf(r->arena, "%s%s%s", *out, (*out)[1] ? "," : "", tok);
	}
	*out = (*out)[1] ? scp_arena_printf(r->arena, "%s}", *out) : NULL;
	return true;
}

/* A page of the caller's orders in the given statuses ("{a,b}"; NULL: ?status=). */
static void list(struct scp_req *r, const char *stmt, const char *scope, const char *other,
		 const char *only)
{
	struct scp_page pg;
	const char *st = only, *party;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || (!only && !status_filter(r, &st)) ||
	    !scp_query_uuid(r, other, &party))
		return;
	res = scp_q(r, stmt, scope, st, party, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void ord_list_consumer(struct scp_req *r)
{
	list(r, "orders_consumer", r->auth.user_id, "supplier_id", NULL);
}

void ord_list_current(struct scp_req *r)
{
	list(r, "orders_consumer", r->auth.user_id, "supplier_id", ACTIVE_STATUSES);
}

void ord_list_supplier(struct scp_req *r)
{
	list(r, "orders_supplier", r->auth.supplier_id, "consumer_id", NULL);
}

static void get(struct scp_req *r, const char *consumer, const char *supplier)
{
	PGresult *res = scp_q(r, "order_get", consumer, supplier, r->params[0]);

	if (res)
		scp_send_row_json(r, 200, res);
}

void ord_get_consumer(struct scp_req *r)
{
	get(r, r->auth.user_id, NULL);
}

/*
 * The consumer's order with its moves, oldest first: the single-order document, whose
 * status_history is built from catalog_order_events.  The mobile app's tracking screen
 * reads it as an order, so it is one.
 */
void ord_track(struct scp_req *r)
{
	get(r, r->auth.user_id, NULL);
}

void ord_get_supplier(struct scp_req *r)
{
	get(r, NULL, r->auth.supplier_id);
}

/* The optional reason of a reject or cancel ({"reason"}, or the seed's longer names). */
static bool reason(struct scp_req *r, const char *alias, const char **out)
{
	json_object *b = scp_req_json_opt(r);
	const char *field = "reason";

	*out = NULL;
	if (!b)
		return false;
	if (!scp_json_get(b, field) && scp_json_get(b, alias))
		field = alias;
	*out = scp_field_str(r, b, field, false, 0, 500);
	if (*out && !**out)
		*out = NULL;
	return !scp_fields_send(r);
}

/* Move order :id (supplier staff or its consumer) to; state_moves says from where. */
static void move(struct scp_req *r, bool staff, const char *to, const char *why)
{
	PGresult *res = scp_q(r, "order_move", r->params[0], staff ? r->auth.supplier_id : NULL,
			      staff ? NULL : r->auth.user_id, r->auth.user_id, r->auth.role,
			      to, why);

	if (res)
		scp_send_row_json(r, 200, res);
}

void ord_cancel(struct scp_req *r)
{
	const char *why;

	if (reason(r, "cancellation_reason", &why))
		move(r, false, "cancelled", why);
}

void ord_reject(struct scp_req *r)
{
	const char *why;

	if (reason(r, "rejection_reason", &why))
		move(r, true, "rejected", why);
}

void ord_start(struct scp_req *r)
{
	move(r, true, "in_progress", NULL);
}

void ord_complete(struct scp_req *r)
{
	move(r, true, "completed", NULL);
}

void ord_accept(struct scp_req *r)
{
	PGresult *res = scp_q(r, "order_accept", r->params[0], r->auth.supplier_id,
			      r->auth.user_id, r->auth.role);

	if (!res)
		return;
	if (!strcmp(PQgetvalue(res, 0, 0), "t"))
		scp_send(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
	else
		scp_send_error(r, 409, "CONFLICT", PQgetvalue(res, 0, 2),
			       scp_arena_printf(r->arena, "{\"lines\":%s}", PQgetvalue(res, 0, 1)));
}
