#include "scp_json.h"
#include "scp_arena.h"
#include "scp_money.h"
#include "scp_text.h"

#include <errno.h>
#include <string.h>

/*
 * One pass over the raw text, outside string literals: json-c 0.16 takes 'single-quoted'
 * strings even in STRICT mode (JSON has none), and in a body that parses every ':' outside
 * a string separates one member's key from its value, so counting them counts the members
 * of every object as written.
 */
static enum scp_json_err scan_outside_strings(const char *s, size_t len, size_t *colons)
{
	bool in_str = false;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_str) {
			/* An escaped NUL would be cut by every C string and refused by jsonb. */
			if (s[i] == '\\' && len - i >= 6 && !memcmp(s + i + 1, "u0000", 5))
				return SCP_JSON_NUL;
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = false;
		} else if (s[i] == '"') {
			in_str = true;
		} else if (s[i] == ':') {
			n++;
		} else if (s[i] == '\'') {
			return SCP_JSON_SYNTAX;
		}
	}
	*colons = n;
	return SCP_JSON_OK;
}

/*
 * Members of every object in the parsed tree.  json-c keeps the last of two equal keys
 * (compared after decoding escapes) and drops the first with its whole value, so the
 * tree holds fewer members than the text exactly when some object repeats a key.  Keys
 * json-c cuts at an escaped NUL ("a\u0000b") collide the same way and are refused too,
 * rather than losing a member silently.  Recursion is bounded by SCP_JSON_MAX_DEPTH.
 */
static size_t count_members(json_object *o)
{
	size_t n = 0;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val) {
			(void)key;
			n += 1 + count_members(val);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		size_t len = json_object_array_length(o);

		for (size_t i = 0; i < len; i++)
			n += count_members(json_object_array_get_idx(o, i));
	}
	return n;
}

enum scp_json_err scp_json_parse(const char *text, size_t len, size_t max_len,
				 json_object **out)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *obj;
	size_t end, colons;
	enum scp_json_err e;

	*out = NULL;
	if (len > max_len)
		return SCP_JSON_TOO_LARGE;
	/* json-c stops at a NUL byte inside the text; such a body is not JSON. */
	if (memchr(text, '\0', len))
		return SCP_JSON_SYNTAX;
	/* json-c's VALIDATE_UTF8 lets overlong forms and surrogates through. */
	if (!scp_utf8_valid(text, len))
		return SCP_JSON_BAD_UTF8;
	if ((e = scan_outside_strings(text, len, &colons)) != SCP_JSON_OK)
		return e;
	tok = json_tokener_new_ex(SCP_JSON_MAX_DEPTH);
	if (!tok)
		return SCP_JSON_SYNTAX;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* Truncated input (or a bare number): ask json-c to finish with what it has. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		/* All of text was consumed; parse_end now counts in the "" buffer. */
		end = len;
	}
	if (jerr == json_tokener_success && end < len) {
		/* Whitespace may follow the value; nothing else. */
		for (size_t i = end; i < len; i++) {
			if (!strchr(" \t\r\n", text[i])) {
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
		}
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		if (jerr == json_tokener_error_depth)
			return SCP_JSON_TOO_DEEP;
		if (jerr == json_tokener_error_parse_utf8_string)
			return SCP_JSON_BAD_UTF8;
		return SCP_JSON_SYNTAX;
	}
	if (colons && count_members(obj) != colons) {
		json_object_put(obj);
		return SCP_JSON_DUPLICATE_KEY;
	}
	*out = obj;
	return SCP_JSON_OK;
}

const char *scp_json_strerror(enum scp_json_err e)
{
	switch (e) {
	case SCP_JSON_OK: return "ok";
	case SCP_JSON_TOO_LARGE: return "request body too large";
	case SCP_JSON_TOO_DEEP: return "JSON nested too deeply";
	case SCP_JSON_BAD_UTF8: return "request body is not valid UTF-8";
	case SCP_JSON_DUPLICATE_KEY: return "duplicate key in a JSON object";
	case SCP_JSON_NUL: return "JSON strings may not contain \\u0000";
	case SCP_JSON_SYNTAX: break;
	}
	return "request body is not valid JSON";
}

static void kept_release(void *doc)
{
	json_object_put(doc);
}

json_object *scp_json_kept(struct scp_arena *a, const char *text, size_t len)
{
	json_object *doc = NULL;

	if (!text || scp_json_parse(text, len, len + 1, &doc) != SCP_JSON_OK ||
	    !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return NULL;
	}
	scp_arena_cleanup_add(a, kept_release, doc);
	return doc;
}

const char *scp_json_str(json_object *obj, const char *key)
{
	json_object *v = scp_json_get(obj, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

json_object *scp_json_get(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return json_object_is_type(v, json_type_null) ? NULL : v;
}

bool scp_json_is(json_object *v, enum json_type t)
{
	return v && json_object_is_type(v, t);
}

bool scp_json_int(json_object *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t n;

	if (!scp_json_is(v, json_type_int))
		return false;
	errno = 0;
	n = json_object_get_int64(v);
	if (n == INT64_MAX || n == INT64_MIN) {
		/* Clamped or uint64: only trust it if the literal says exactly that. */
		return false;
	}
	if (n < min || n > max)
		return false;
	*out = n;
	return true;
}

bool scp_json_money(json_object *v, int64_t *minor)
{
	const char *text;

	if (scp_json_is(v, json_type_int)) {
		int64_t n;

		if (!scp_json_int(v, -SCP_MONEY_MAX / 100, SCP_MONEY_MAX / 100, &n))
			return false;
		*minor = n * 100;
		return true;
	}
	if (!scp_json_is(v, json_type_double) && !scp_json_is(v, json_type_string))
		return false;
	/* For doubles json-c keeps the literal's text, so no binary rounding happens. */
	text = json_object_get_string(v);
	return text && scp_money_parse(text, minor);
}
