#include "scp_http.h"
#include "scp_config.h"
#include "scp_db.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_text.h"

#include <fcgiapp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *scp_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status < 500 ? "Client Error" : "Internal Server Error";
	}
}

static const char *parse_query(struct scp_req *r);

void scp_req_init(struct scp_req *r, struct FCGX_Request *fcgi, struct scp_arena *a,
		  struct scp_db *db, struct scp_buf *out, struct scp_buf *headers,
		  struct scp_buf *fields)
{
	const char *uri, *q;

	memset(r, 0, sizeof(*r));
	r->fcgi = fcgi;
	r->arena = a;
	r->db = db;
	r->out = out;
	r->headers = headers;
	r->fields = fields;
	scp_buf_reset(out);
	scp_buf_reset(headers);
	scp_buf_reset(fields);
	r->method = scp_req_param(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = "GET";
	/* DOCUMENT_URI is nginx's normalized path; REQUEST_URI is the raw one. */
	uri = scp_req_param(r, "DOCUMENT_URI");
	if (!uri)
		uri = scp_req_param(r, "REQUEST_URI");
	if (!uri)
		uri = "/";
	q = strchr(uri, '?');
	r->path = q ? scp_arena_strndup(a, uri, (size_t)(q - uri)) : uri;
	r->query = scp_req_param(r, "QUERY_STRING");
	if (!r->query)
		r->query = "";
	r->query_error = parse_query(r);
	r->profile = scp_profile_find(scp_req_param(r, "SCP_PROFILE"));
	r->request_id = scp_req_param(r, "HTTP_X_REQUEST_ID");
	r->remote_addr = scp_req_param(r, "REMOTE_ADDR");
	r->content_type = scp_req_param(r, "CONTENT_TYPE");
}

const char *scp_req_param(struct scp_req *r, const char *name)
{
	return r->fcgi ? FCGX_GetParam(name, r->fcgi->envp) : NULL;
}

/* Percent-decode s[0..n) into the arena; *len is the decoded length (a NUL may be in it). */
static char *url_decode(struct scp_arena *a, const char *s, size_t n, size_t *len)
{
	char *out = scp_arena_alloc(a, n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n &&
			   scp_hex_digit(s[i + 1]) >= 0 && scp_hex_digit(s[i + 2]) >= 0) {
			*o++ = (char)(scp_hex_digit(s[i + 1]) * 16 + scp_hex_digit(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}


/* Fold a name to snake_case in the arena; the name itself when it has no capitals. */
static const char *snake_name(struct scp_arena *a, const char *name, size_t len)
{
	char *out;

	if (!scp_is_camel(name, len))
		return name;
	out = scp_arena_alloc(a, 2 * len + 1);
	scp_snake_fold(name, len, out, 2 * len + 1);
	return out;
}

/* Split the query string into r->qp; the reason when it is refused. */
static const char *parse_query(struct scp_req *r)
{
	const char *p = r->query;
	int n = 0;

	for (const char *s = p; *s; s++)
		n += *s == '&';
	n = n < SCP_MAX_QUERY_PARAMS ? n + 1 : SCP_MAX_QUERY_PARAMS;
	r->qp = scp_arena_alloc(r->arena, sizeof(*r->qp) * (size_t)n);
	while (*p) {
		const char *end = strchr(p, '&'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p), nlen, klen, vlen = 0;
		struct scp_qparam *q;

		if (len) {
			if (r->nqp == SCP_MAX_QUERY_PARAMS)
				return "too many query parameters";
			q = &r->qp[r->nqp];
			eq = memchr(p, '=', len);
			nlen = eq ? (size_t)(eq - p) : len;
			q->name = url_decode(r->arena, p, nlen, &klen);
			q->value = eq ? url_decode(r->arena, eq + 1, len - nlen - 1, &vlen) : "";
			if (memchr(q->name, '\0', klen) || memchr(q->value, '\0', vlen))
				return "query parameters may not contain NUL";
			if (!scp_utf8_valid(q->name, klen) || !scp_utf8_valid(q->value, vlen))
				return "query parameters must be UTF-8";
			q->snake = snake_name(r->arena, q->name, klen);
			r->nqp++;
		}
		p = end ? end + 1 : p + len;
	}
	return NULL;
}

const char *scp_req_query_param(struct scp_req *r, const char *name)
{
	const char *folded = NULL;

	for (int i = 0; i < r->nqp; i++) {
		if (!strcmp(r->qp[i].name, name))
			return r->qp[i].value;
		if (!folded && r->qp[i].snake != r->qp[i].name && !strcmp(r->qp[i].snake, name))
			folded = r->qp[i].value;
	}
	return folded;
}

const char *scp_req_query(struct scp_req *r, const char *name, const char *alias)
{
	const char *v = scp_req_query_param(r, name);

	if ((!v || !*v) && alias)
		v = scp_req_query_param(r, alias);
	return v && *v ? v : NULL;
}

bool scp_req_read_body(struct scp_req *r, size_t max)
{
	const char *cl = scp_req_param(r, "CONTENT_LENGTH");
	char *end;
	unsigned long long len = 0;
	int got;

	if (r->body)
		return true;
	if (cl && *cl) {
		len = strtoull(cl, &end, 10);
		if (*end || cl[0] == '-') {
			scp_bad_request(r, "invalid Content-Length");
			return false;
		}
	}
	if (len > max) {
		scp_send_error(r, 413, "PAYLOAD_TOO_LARGE", "request body too large", NULL);
		return false;
	}
	r->body = scp_arena_alloc(r->arena, (size_t)len + 1);
	got = len ? FCGX_GetStr(r->body, (int)len, r->fcgi->in) : 0;
	if (got < 0 || (unsigned long long)got != len) {
		scp_bad_request(r, "request body shorter than Content-Length");
		return false;
	}
	r->body[len] = '\0';
	r->body_len = (size_t)len;
	return true;
}

static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";

	if (!ct || strncasecmp(ct, want, sizeof(want) - 1))
		return false;
	ct += sizeof(want) - 1;
	return *ct == '\0' || *ct == ';' || *ct == ' ';
}

static void fold_keys(struct scp_req *r, json_object *v);

/*
 * Rename the camelCase keys of object o.  They are collected (copied: a deleted key's
 * text is freed) before any is renamed, as json-c's iterator does not survive changes.
 */
static void fold_object(struct scp_req *r, json_object *o)
{
	int n = json_object_object_length(o), k = 0;
	const char **camel = scp_arena_alloc(r->arena, sizeof(*camel) * (size_t)(n + 1));

	json_object_object_foreach(o, key, val) {
		fold_keys(r, val);
		if (scp_is_camel(key, strlen(key)))
			camel[k++] = scp_arena_strdup(r->arena, key);
	}
	for (int i = 0; i < k; i++) {
		const char *snake = snake_name(r->arena, camel[i], strlen(camel[i]));
		json_object *v;

		if (!json_object_object_get_ex(o, snake, NULL) &&
		    json_object_object_get_ex(o, camel[i], &v))
			json_object_object_add(o, snake, json_object_get(v));
		json_object_object_del(o, camel[i]);
	}
}

/* Fold the camelCase keys of every object in v, at any depth, to snake_case. */
static void fold_keys(struct scp_req *r, json_object *v)
{
	if (json_object_is_type(v, json_type_object)) {
		fold_object(r, v);
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++)
			fold_keys(r, json_object_array_get_idx(v, i));
	}
}

/* A profile that spells roles in upper case sends them so: "VENDOR" is "vendor". */
static void lower_role(json_object *body)
{
	json_object *v;
	char role[32];
	size_t n;

	if (!json_object_object_get_ex(body, "role", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (n = (size_t)json_object_get_string_len(v)) >= sizeof(role))
		return;
	for (size_t i = 0; i <= n; i++) {
		char c = json_object_get_string(v)[i];

		role[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	json_object_set_string(v, role);
}

json_object *scp_req_json(struct scp_req *r)
{
	enum scp_json_err e;

	if (r->json)
		return r->json;
	if (!is_json_type(r->content_type)) {
		scp_send_error(r, 415, "UNSUPPORTED_MEDIA_TYPE",
			       "Content-Type must be application/json", NULL);
		return NULL;
	}
	if (!scp_req_read_body(r, (size_t)scp_cfg.max_body))
		return NULL;
	e = scp_json_parse(r->body, r->body_len, (size_t)scp_cfg.max_body, &r->json);
	if (e == SCP_JSON_TOO_LARGE) {
		scp_send_error(r, 413, "PAYLOAD_TOO_LARGE", scp_json_strerror(e), NULL);
		return NULL;
	}
	if (e != SCP_JSON_OK) {
		scp_bad_request(r, scp_json_strerror(e));
		return NULL;
	}
	if (!json_object_is_type(r->json, json_type_object)) {
		scp_bad_request(r, "request body must be a JSON object");
		return NULL;
	}
	fold_keys(r, r->json);
	if (r->profile && r->profile->upper_roles)
		lower_role(r->json);
	return r->json;
}

json_object *scp_req_json_opt(struct scp_req *r)
{
	const char *cl = scp_req_param(r, "CONTENT_LENGTH");

	if (!r->json && (!cl || !*cl || !strcmp(cl, "0")))
		r->json = json_object_new_object();
	return r->json ? r->json : scp_req_json(r);
}

void scp_add_header(struct scp_req *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	scp_buf_adds(r->headers, line);
	scp_buf_add(r->headers, "\r\n", 2);
}

/* A profiled answer, and one with absolute media URLs; the worker keeps their capacity. */
static struct scp_buf profiled = SCP_BUF_INIT;
static struct scp_buf absolute = SCP_BUF_INIT;

/*
 * Uploaded files are stored and rendered relative ("/media/images/…"); they leave
 * absolute under public_url, which the portal's <img src> on its own origin and the
 * apps' image loaders need.  Every JSON string that starts with /media/ is rewritten
 * here, at the output stage, so no statement or stored document has to know the
 * public address (it may change without rewriting a row).  Returns false when the body
 * has no such string (the common case: one memmem over it).
 */
static bool absolute_media(const char *body, size_t len, struct scp_buf *out)
{
	static const char mark[] = "\"/media/";
	const char *base = scp_cfg.public_url, *p = body, *end = body + len, *hit;

	if (!base || !*base || !(hit = memmem(p, len, mark, sizeof(mark) - 1)))
		return false;
	scp_buf_reset(out);
	do {
		/* Not an escaped quote inside another string. */
		bool quoted = hit == body || hit[-1] != '\\';

		scp_buf_add(out, p, (size_t)(hit - p) + 1);
		if (quoted)
			scp_buf_adds(out, base);
		p = hit + 1;
	} while ((hit = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1)));
	scp_buf_add(out, p, (size_t)(end - p));
	return true;
}

void scp_send(struct scp_req *r, int status, const char *body, size_t len)
{
	char head[256];
	int n;

	if (r->status)
		return;
	/* Nothing leaves before the request's guard has passed. */
	if (!scp_req_confirm_caller(r))
		return;
	r->status = status;
	if (!r->fcgi)
		return;
	if (status == 204)
		len = 0;
	/* Handlers often send a result's text directly; a kept response must be in out. */
	if (r->keep_body && body != r->out->ptr) {
		scp_buf_reset(r->out);
		if (len)
			scp_buf_add(r->out, body, len);
		body = r->out->ptr;
	}
	if (len && absolute_media(body, len, &absolute)) {
		body = absolute.ptr;
		len = absolute.len;
	}
	/* The one output stage of profiles: successes only, errors keep their envelope. */
	if (r->profile && status < 400 && len &&
	    scp_profile_render(r->profile, r->profile_route, body, len, &profiled)) {
		body = profiled.ptr;
		len = profiled.len;
	}
	/* libfcgi's own printf lacks %zu; format here and write once. */
	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\n%sContent-Length: %lu\r\nCache-Control: no-store\r\n",
		     status, scp_status_text(status),
		     status == 204 ? "" : "Content-Type: application/json\r\n",
		     (unsigned long)len);
	FCGX_PutStr(head, n, r->fcgi->out);
	if (r->headers->len)
		FCGX_PutStr(r->headers->ptr, (int)r->headers->len, r->fcgi->out);
	FCGX_PutStr("\r\n", 2, r->fcgi->out);
	if (len)
		FCGX_PutStr(body, (int)len, r->fcgi->out);
}

void scp_send_out(struct scp_req *r, int status)
{
	scp_send(r, status, r->out->ptr, r->out->len);
}

void scp_send_error(struct scp_req *r, int status, const char *code, const char *message,
		    const char *details_json)
{
	if (r->status)
		return;
	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"success\":false,\"error\":{\"code\":");
	scp_buf_add_json_str(r->out, code);
	scp_buf_adds(r->out, ",\"message\":");
	scp_buf_add_json_str(r->out, message);
	if (details_json) {
		scp_buf_adds(r->out, ",\"details\":");
		scp_buf_adds(r->out, details_json);
	}
	scp_buf_adds(r->out, "}}");
	scp_send_out(r, status);
}

void scp_send_unavailable(struct scp_req *r)
{
	scp_add_header(r, "Retry-After: 1");
	scp_send_error(r, 503, "UNAVAILABLE", "the service is temporarily unavailable", NULL);
}

void scp_send_internal(struct scp_req *r)
{
	scp_send_error(r, 500, "INTERNAL", "internal error", NULL);
}

void scp_field_error(struct scp_req *r, const char *field, const char *message)
{
	scp_buf_adds(r->fields, r->nfields++ ? ",{\"field\":" : "{\"field\":");
	scp_buf_add_json_str(r->fields, field);
	scp_buf_adds(r->fields, ",\"message\":");
	scp_buf_add_json_str(r->fields, message);
	scp_buf_addc(r->fields, '}');
}

bool scp_fields_send(struct scp_req *r)
{
	char *details;

	if (!r->nfields)
		return false;
	details = scp_arena_printf(r->arena, "{\"fields\":[%s]}", r->fields->ptr);
	scp_send_error(r, 422, "VALIDATION_ERROR", "the request has invalid fields", details);
	return true;
}

/*
 * The field a constraint guards, from its name: "<table>_<field>_<key|check>" as
 * PostgreSQL names them by default ("users_email_key" → "email").  NULL if it does not
 * follow that shape.
 */
static const char *constraint_field(struct scp_req *r, const PGresult *res)
{
	const char *c = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	const char *t = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
	const char *end;
	size_t tlen;

	if (!c || !t)
		return NULL;
	tlen = strlen(t);
	if (strncmp(c, t, tlen) || c[tlen] != '_')
		return NULL;
	c += tlen + 1;
	end = strrchr(c, '_');
	if (!end || end == c || (strcmp(end, "_key") && strcmp(end, "_check")))
		return NULL;
	return scp_arena_strndup(r->arena, c, (size_t)(end - c));
}

/* Integrity errors the request caused: 409 for a duplicate, 422 for a broken rule. */
static bool send_integrity(struct scp_req *r, const char *state, const PGresult *res)
{
	const char *field = constraint_field(r, res);

	if (!strcmp(state, "23505")) {
		if (r->conflict_message || !field)
			scp_send_error(r, 409, "CONFLICT",
				       r->conflict_message ? r->conflict_message : "already exists",
				       NULL);
		else
			scp_send_error(r, 409, "CONFLICT",
				       scp_arena_printf(r->arena, "%s is already taken", field),
				       scp_arena_printf(r->arena, "{\"field\":\"%s\"}", field));
		return true;
	}
	if (!strcmp(state, "23514") && field) {
		scp_field_error(r, field, "is not allowed for this resource");
		scp_fields_send(r);
		return true;
	}
	return false;
}

/*
 * SQL functions signal API errors with SQLSTATE SCnnn where nnn is the HTTP status;
 * MESSAGE is the client message, HINT the field (422) or Retry-After seconds (429).
 */
static void send_sql_error(struct scp_req *r, const PGresult *res)
{
	const char *state = scp_db_sqlstate(res);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

	if (!msg)
		msg = "request failed";
	if (!strncmp(state, "SC", 2)) {
		int status = atoi(state + 2);

		switch (status) {
		case 400: scp_bad_request(r, msg); return;
		case 401: scp_unauthorized(r, msg); return;
		case 403: scp_forbidden(r, msg); return;
		case 404: scp_send_error(r, 404, "NOT_FOUND", msg, NULL); return;
		case 409: scp_send_error(r, 409, "INVALID_STATE", msg, NULL); return;
		case 410: scp_send_error(r, 409, "CONFLICT", msg, NULL); return;
		case 422:
			scp_field_error(r, hint ? hint : "body", msg);
			scp_fields_send(r);
			return;
		case 429:
			scp_add_header(r, "Retry-After: %s", hint ? hint : "60");
			scp_send_error(r, 429, "RATE_LIMITED", msg, NULL);
			return;
		}
	}
	if (!strncmp(state, "23", 2) && send_integrity(r, state, res))
		return;
	scp_error("libpq: sql %s: %s", state, PQresultErrorMessage(res));
	scp_send_internal(r);
}

static void clear_result(void *res)
{
	PQclear(res);
}

/* The result of one statement, or NULL with the answer sent. */
static PGresult *answer(struct scp_req *r, enum scp_db_status st, PGresult *res)
{
	switch (st) {
	case SCP_DB_OK:
		/* The request owns it: cleared when its arena is reset. */
		scp_arena_cleanup_add(r->arena, clear_result, res);
		return res;
	case SCP_DB_DOWN:
		scp_send_unavailable(r);
		return NULL;
	case SCP_DB_ERROR:
		send_sql_error(r, res);
		PQclear(res);
		return NULL;
	}
	return NULL;
}

/*
 * The request's guard, and stmt (if not NULL) behind it in the same round trip.  A
 * refusal answers with none of the headers the handler may have prepared (a Location,
 * an X-Accel-Redirect): they were meant for a request that passed.
 */
static PGresult *exec_guarded(struct scp_req *r, const char *stmt, int n,
			      const char *const *params)
{
	const struct scp_guard *guard = r->guard;
	const char *gp[SCP_GUARD_MAX_PARAMS];
	struct scp_db_call check, call = { stmt, n, params };
	PGresult *rc, *res = NULL;
	enum scp_db_status st;

	r->guard = NULL;
	guard->call(r, &check, gp);
	st = stmt ? scp_db_exec_pair(r->db, &check, &call, &rc, &res)
		  : scp_db_exec(r->db, check.name, check.n, check.params, &rc);
	if (st == SCP_DB_DOWN || !scp_db_result_ok(rc)) {
		PQclear(res);
		if (st != SCP_DB_DOWN)
			scp_buf_reset(r->headers);
		return answer(r, st == SCP_DB_DOWN ? st : SCP_DB_ERROR, rc);
	}
	guard->passed(r, rc);
	PQclear(rc);
	return stmt ? answer(r, st, res) : NULL;
}

PGresult *scp_req_exec(struct scp_req *r, const char *stmt, int n, const char *const *params)
{
	PGresult *res;
	enum scp_db_status st;

	if (r->guard)
		return exec_guarded(r, stmt, n, params);
	st = scp_db_exec(r->db, stmt, n, params, &res);
	return answer(r, st, res);
}

bool scp_req_confirm_caller(struct scp_req *r)
{
	if (r->guard)
		exec_guarded(r, NULL, 0, NULL);
	return !r->status;	/* a refusal (or a 503) was sent */
}

void scp_send_row_json(struct scp_req *r, int status, PGresult *res)
{
	if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
		scp_not_found(r);
	else
		scp_send(r, status, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}
