#include "scp_validate.h"
#include "scp_text.h"
#include "scp_http.h"
#include "scp_json.h"
#include "scp_password.h"

#include <stdio.h>
#include <string.h>

const char *scp_field_str(struct scp_req *r, json_object *body, const char *field,
			  bool required, size_t min, size_t max)
{
	json_object *v = scp_json_get(body, field);
	const char *s;
	size_t n;
	char msg[96];

	if (!v) {
		if (required)
			scp_field_error(r, field, "is required");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		scp_field_error(r, field, "must be a string");
		return NULL;
	}
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		scp_field_error(r, field, "must not contain NUL characters");
		return NULL;
	}
	n = scp_utf8_len(s);
	if (n < min || n > max) {
		if (min == max)
			snprintf(msg, sizeof(msg), "must be %zu characters", min);
		else if (min <= 1 && n == 0)
			snprintf(msg, sizeof(msg), "must not be empty");
		else
			snprintf(msg, sizeof(msg), "must be %zu to %zu characters", min, max);
		scp_field_error(r, field, scp_arena_strdup(r->arena, msg));
		return NULL;
	}
	return s;
}

bool scp_field_int(struct scp_req *r, json_object *body, const char *field, bool required,
		   int64_t min, int64_t max, int64_t *out)
{
	json_object *v = scp_json_get(body, field);

	if (!v) {
		if (required)
			scp_field_error(r, field, "is required");
		return false;
	}
	if (!scp_json_int(v, min, max, out)) {
		scp_field_error(r, field, scp_arena_printf(r->arena,
				"must be an integer from %lld to %lld",
				(long long)min, (long long)max));
		return false;
	}
	return true;
}

const char *scp_field_email(struct scp_req *r, json_object *body, const char *field,
			    bool required)
{
	const char *s = scp_field_str(r, body, field, required, 3, 254);

	if (s && !scp_valid_email(s)) {
		scp_field_error(r, field, "must be a valid email address");
		return NULL;
	}
	return s;
}

const char *scp_field_phone(struct scp_req *r, json_object *body, const char *field,
			    bool required)
{
	const char *s = scp_field_str(r, body, field, required, 1, 20);

	if (s && !scp_valid_phone(s)) {
		scp_field_error(r, field, "must be in E.164 format, e.g. +919876543210");
		return NULL;
	}
	return s;
}

const char *scp_field_password(struct scp_req *r, json_object *body, const char *field,
			       bool required)
{
	const char *s = scp_field_str(r, body, field, required, 0, 1024), *why;

	if (s && (why = scp_password_policy(s))) {
		scp_field_error(r, field, why);
		return NULL;
	}
	return s;
}

const char *scp_field_enum(struct scp_req *r, json_object *body, const char *field,
			   bool required, const char *const *choices)
{
	const char *s = scp_field_str(r, body, field, required, 1, 64);
	char msg[256] = "must be one of:";

	if (!s)
		return NULL;
	for (const char *const *c = choices; *c; c++)
		if (!strcmp(s, *c))
			return s;
	for (const char *const *c = choices; *c; c++) {
		strncat(msg, " ", sizeof(msg) - strlen(msg) - 1);
		strncat(msg, *c, sizeof(msg) - strlen(msg) - 1);
	}
	scp_field_error(r, field, scp_arena_strdup(r->arena, msg));
	return NULL;
}

json_object *scp_field_tags(struct scp_req *r, json_object *v, const char *field,
			    size_t max_n, size_t max_len)
{
	json_object *out;
	size_t n;
	bool bad = false;

	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) > max_n) {
		scp_field_error(r, field, scp_arena_printf(r->arena,
			"must be an array of at most %zu strings", max_n));
		return NULL;
	}
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(v, i);
		const char *s = json_object_is_type(t, json_type_string) ?
				json_object_get_string(t) : NULL;
		size_t len = s ? scp_utf8_len(s) : 0;

		/* an embedded NUL would be cut by PostgreSQL: refused */
		if (!s || !len || len > max_len || strlen(s) != (size_t)json_object_get_string_len(t) ||
		    !scp_utf8_valid(s, strlen(s))) {
			scp_field_error(r, scp_arena_printf(r->arena, "%s[%zu]", field, i),
				scp_arena_printf(r->arena, "must be a string of 1 to %zu characters",
						 max_len));
			bad = true;
			continue;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(s, json_object_get_string(json_object_array_get_idx(v, k)))) {
				scp_field_error(r, scp_arena_printf(r->arena, "%s[%zu]", field, i),
						"appears twice");
				bad = true;
				break;
			}
		json_object_array_add(out, json_object_new_string(s));
	}
	if (bad) {
		json_object_put(out);
		return NULL;
	}
	return out;
}
