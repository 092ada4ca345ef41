/*
 * scp_json: request bodies in, with the limits of DESIGN §7, and typed field access.
 *
 * Parsing is strict JSON (json-c's STRICT mode), valid UTF-8 only, nesting at most
 * SCP_JSON_MAX_DEPTH, size bounded by the caller, one value with nothing after it, no
 * object with the same key twice (keys compared as decoded, so "a" and "\u0061" are equal;
 * json-c would silently keep the last).
 * Responses are mostly produced by PostgreSQL (json_build_object) and copied through;
 * the few built in C use scp_buf_add_json_str.
 */
#ifndef SCP_JSON_H
#define SCP_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCP_JSON_MAX_DEPTH 16

enum scp_json_err {
	SCP_JSON_OK,
	SCP_JSON_TOO_LARGE,
	SCP_JSON_TOO_DEEP,
	SCP_JSON_BAD_UTF8,
	SCP_JSON_SYNTAX,
	SCP_JSON_DUPLICATE_KEY,
	SCP_JSON_NUL,		/* a string holds \u0000: no C string or PostgreSQL text can */
};

/* Parse len bytes; on success *out owns a new reference (json_object_put it). */
enum scp_json_err scp_json_parse(const char *text, size_t len, size_t max_len,
				 json_object **out);
const char *scp_json_strerror(enum scp_json_err e);

struct scp_arena;
/*
 * len bytes of text as a JSON object (scp_json_parse's rules) that lives as long as
 * arena a and is freed with it; NULL for anything else.  A provider's answer (Stripe,
 * PayPal), read member by member while the request runs.
 */
json_object *scp_json_kept(struct scp_arena *a, const char *text, size_t len);

/* Field lookups: NULL / false when absent or JSON null. */
json_object *scp_json_get(json_object *obj, const char *key);
/* A string member of obj, or NULL (absent, another type, obj no object). */
const char *scp_json_str(json_object *obj, const char *key);
/* Is the field present with the given type? */
bool scp_json_is(json_object *v, enum json_type t);
/*
 * An integer field that is a true JSON integer within [min, max].  json-c clamps out of
 * range literals to INT64_MIN/MAX, so those are checked against the text too.
 */
bool scp_json_int(json_object *v, int64_t min, int64_t max, int64_t *out);
/* An amount: a JSON number (or numeric string) with at most two decimals, in minor units. */
bool scp_json_money(json_object *v, int64_t *minor);

#endif
