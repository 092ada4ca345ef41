/*
 * scp_http: one FastCGI request, from parameters to the response.
 *
 * A struct scp_req lives for one request; everything hanging off it is in its arena or
 * in worker-lifetime buffers reset per request.  Exactly one response is sent per
 * request: the first scp_send_* wins and later ones are ignored, so a handler can
 * always `return` right after a helper that may have answered.
 */
#ifndef SCP_HTTP_H
#define SCP_HTTP_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "scp_arena.h"
#include "scp_buf.h"
#include "scp_db.h"
#include "scp_profile.h"

struct FCGX_Request;
struct scp_req;

#define SCP_MAX_PARAMS 4
#define SCP_MAX_QUERY_PARAMS 64

/* One ?name=value: decoded, strict UTF-8 without NUL; name in snake_case. */
struct scp_qparam {
	const char *name;	/* as sent */
	const char *snake;	/* folded (the same pointer when name has no capitals) */
	const char *value;
};

/* The authenticated caller, filled in (by scp_auth) for routes that need one. */
struct scp_auth {
	const char *user_id;
	const char *role;
	const char *supplier_id;	/* NULL unless supplier staff */
	const char *sid;
	const char *user_json;	/* the caller as the API shows a user, once confirmed */
	unsigned role_bit;
};

/*
 * A check that must pass before anything of the request is answered or run, installed
 * by a layer above this one (the session check of scp_auth).  It costs no round trip of
 * its own: scp_req_exec sends it in one pipeline in front of the request's first
 * statement, in one implicit transaction, so a refusal (an SCxxx error) also keeps that
 * statement from running.  A response sent before any statement runs it alone first.
 */
struct scp_guard {
	/* The statement to run; params has room for SCP_GUARD_MAX_PARAMS. */
	void (*call)(const struct scp_req *r, struct scp_db_call *call, const char **params);
	/* It passed: keep what its first row says. */
	void (*passed)(struct scp_req *r, const PGresult *res);
};
#define SCP_GUARD_MAX_PARAMS 8

struct scp_req {
	struct FCGX_Request *fcgi;
	struct scp_arena *arena;
	struct scp_db *db;
	const char *method;
	const char *path;	/* without the query string */
	const char *query;
	struct scp_qparam *qp;	/* the query's parameters, decoded, names folded */
	int nqp;
	const char *query_error;	/* why the query string is refused (400), or NULL */
	const char *request_id;
	const char *remote_addr;
	const char *content_type;
	char *body;		/* NUL-terminated; NULL until read */
	size_t body_len;
	const char *params[SCP_MAX_PARAMS];	/* ":id" captures of the route */
	int nparams;
	struct scp_auth auth;
	const struct scp_guard *guard;	/* pending until it has run */
	json_object *json;	/* parsed body, released after the request */
	struct scp_buf *out;	/* response body */
	struct scp_buf *headers;	/* extra response header lines */
	struct scp_buf *fields;	/* validation errors being collected */
	int nfields;
	int status;		/* 0 until a response was sent */
	const char *conflict_message;	/* message for a unique violation, if set */
	bool keep_body;		/* leave the body sent in out, for scp_idem to keep */
	const struct scp_profile *profile;	/* the dialect of the answer; NULL: canonical */
	const struct scp_profile_route *profile_route;	/* the route's rule in it, if any */
};

/*
 * Fill r from the FastCGI request (method, path, query, headers).  The query string is
 * parsed here, once: a value that is not strict UTF-8 or holds a NUL sets
 * r->query_error, which the dispatcher answers with 400 before any handler runs.
 */
void scp_req_init(struct scp_req *r, struct FCGX_Request *fcgi, struct scp_arena *a,
		  struct scp_db *db, struct scp_buf *out, struct scp_buf *headers,
		  struct scp_buf *fields);
/* A CGI parameter (HTTP_AUTHORIZATION, CONTENT_LENGTH…) or NULL. */
const char *scp_req_param(struct scp_req *r, const char *name);
/*
 * A query-string parameter by its snake_case name, or NULL.  The seeds' camelCase
 * spelling of the name answers too (?sortBy= is ?sort_by=); the snake_case one wins
 * when both are sent.  Typed readers are in scp_query.h.
 */
const char *scp_req_query_param(struct scp_req *r, const char *name);
/*
 * A query parameter that is really there: the non-empty value of ?name, else of ?alias
 * (another name for it, may be NULL), else NULL.
 */
const char *scp_req_query(struct scp_req *r, const char *name, const char *alias);
/*
 * Read the body, at most max bytes.  Answers 413 and returns false when it is larger,
 * or 400 when it is shorter than CONTENT_LENGTH announced.
 */
bool scp_req_read_body(struct scp_req *r, size_t max);
/*
 * The body as a JSON object (415 unless application/json, 400 unless an object,
 * 413 when too large).  NULL when a response was sent.  Every object's camelCase keys
 * are folded to snake_case here, once ("minOrderQuantity" → "min_order_quantity"; a
 * key sent in both spellings keeps the snake_case value).
 */
json_object *scp_req_json(struct scp_req *r);
/* The same, where an empty body counts as {} (a bare PUT …/approve). */
json_object *scp_req_json_opt(struct scp_req *r);

/* Add a header line ("Retry-After: 1") to the response. */
void scp_add_header(struct scp_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Send status with body (JSON) of len bytes. */
void scp_send(struct scp_req *r, int status, const char *body, size_t len);
/* Send status with r->out as the body. */
void scp_send_out(struct scp_req *r, int status);
/* The standard error envelope; details_json may be NULL. */
void scp_send_error(struct scp_req *r, int status, const char *code, const char *message,
		    const char *details_json);
#define scp_bad_request(r, m) scp_send_error(r, 400, "BAD_REQUEST", m, NULL)
#define scp_unauthorized(r, m) scp_send_error(r, 401, "UNAUTHORIZED", m, NULL)
#define scp_forbidden(r, m) scp_send_error(r, 403, "FORBIDDEN", m, NULL)
#define scp_not_found(r) scp_send_error(r, 404, "NOT_FOUND", "resource not found", NULL)
void scp_send_unavailable(struct scp_req *r);
void scp_send_internal(struct scp_req *r);

/* Collect a validation error on field; see scp_fields_send. */
void scp_field_error(struct scp_req *r, const char *field, const char *message);
/* If any field error was collected, answer 422 with all of them and return true. */
bool scp_fields_send(struct scp_req *r);

/*
 * Run a prepared statement for this request.  On success returns the result, which
 * the request owns: it is cleared with the request's arena, never by the handler.  On failure answers (503 while the database is down; 409 for a
 * unique violation; the status an SCxxx SQLSTATE names; 500 otherwise) and returns NULL.
 */
PGresult *scp_req_exec(struct scp_req *r, const char *stmt, int n, const char *const *params);
/*
 * Run the request's pending guard now, if it has not run.  Returns false when it
 * refused the request (its error was sent) or could not run (503).
 */
bool scp_req_confirm_caller(struct scp_req *r);
#define SCP_ARGS(...) (const char *const[]){ __VA_ARGS__ }
#define SCP_NARGS(...) ((int)(sizeof(SCP_ARGS(__VA_ARGS__)) / sizeof(const char *)))
#define scp_q(r, stmt, ...) scp_req_exec(r, stmt, SCP_NARGS(__VA_ARGS__), SCP_ARGS(__VA_ARGS__))
#define scp_q0(r, stmt) scp_req_exec(r, stmt, 0, NULL)
/* Send the single text cell (a JSON document) of res with status; 404 if no row. */
void scp_send_row_json(struct scp_req *r, int status, PGresult *res);

/* The reason phrase of an HTTP status ("Not Found"). */
const char *scp_status_text(int status);

#endif
