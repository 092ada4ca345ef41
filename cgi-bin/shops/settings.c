/*
 * A shop's settings documents: the frontend's assistantConfig, persistentMenu,
 * keywordReplies and savedReplies, kept as the JSON it sends (their shapes are the
 * frontend's to evolve) but checked where a wrong type would break the frontend that
 * reads them back: the document's own type, each list entry an object with a string id,
 * the assistant's known fields of their types, and each document at most
 * SHOP_SETTINGS_MAX bytes as JSON (422 beyond: the whole body's 413 is max_body's).
 */
#include "shops.h"

#include <string.h>

#define SHOP_SETTINGS_MAX 65536	/* bytes of one document, as JSON */
#define SHOP_LIST_MAX 1000	/* entries of one list */

/* The list documents: arrays of objects, each with an id. */
static const char *const lists[] = { "persistent_menu", "keyword_replies", "saved_replies",
				     NULL };

/* An assistant_config field of a known type: its name and its json-c type. */
static const struct { const char *name; json_type type; } assistant_fields[] = {
	{ "selected_model", json_type_string },
	{ "system_prompt", json_type_string },
	{ "language", json_type_string },
	{ "tone", json_type_string },
	{ "response_delay", json_type_int },
	{ "custom_quick_replies", json_type_array },
	{ "mimic_language", json_type_boolean },
};

static bool too_large(struct scp_req *r, const char *field, json_object *v)
{
	size_t n;

	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &n);
	if (n <= SHOP_SETTINGS_MAX)
		return false;
	scp_field_error(r, field, "must be at most 65536 bytes as JSON");
	return true;
}

/* A list document: an array of at most SHOP_LIST_MAX objects with a string id. */
static bool list_ok(struct scp_req *r, const char *field, json_object *v)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array)) {
		scp_field_error(r, field, "must be an array");
		return false;
	}
	n = json_object_array_length(v);
	if (n > SHOP_LIST_MAX) {
		scp_field_error(r, field, "must have at most 1000 entries");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i), *id;

		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "id", &id) ||
		    !json_object_is_type(id, json_type_string) ||
		    json_object_get_string_len(id) < 1 || json_object_get_string_len(id) > 200) {
			scp_field_error(r, field, "each entry must be an object with an id"
					" (a string of 1 to 200 characters)");
			return false;
		}
	}
	return true;
}

/* The assistant's document: an object whose known fields have their types. */
static bool assistant_ok(struct scp_req *r, json_object *v)
{
	json_object *f;

	if (!json_object_is_type(v, json_type_object)) {
		scp_field_error(r, "assistant_config", "must be an object");
		return false;
	}
	for (size_t i = 0; i < sizeof(assistant_fields) / sizeof(assistant_fields[0]); i++) {
		if (!json_object_object_get_ex(v, assistant_fields[i].name, &f) || !f)
			continue;
		if (!json_object_is_type(f, assistant_fields[i].type)) {
			scp_field_error(r, "assistant_config", "a known field has the wrong type"
					" (selected_model, system_prompt, language, tone: strings;"
					" response_delay: an integer; custom_quick_replies: an array;"
					" mimic_language: a boolean)");
			return false;
		}
	}
	if (json_object_object_get_ex(v, "response_delay", &f) && f &&
	    (json_object_get_int64(f) < 0 || json_object_get_int64(f) > 3600)) {
		scp_field_error(r, "assistant_config", "response_delay must be 0 to 3600 seconds");
		return false;
	}
	return true;
}

/* Check one document and add it to set when it is good. */
static void take(struct scp_req *r, json_object *set, const char *field, json_object *v,
		 bool ok)
{
	if (ok && !too_large(r, field, v))
		json_object_object_add(set, field, json_object_get(v));
}

const char *shop_settings_fields(struct scp_req *r, json_object *b)
{
	json_object *set = json_object_new_object(), *v;
	const char *out = NULL;

	if (json_object_object_get_ex(b, "assistant_config", &v)) {
		if (!v)
			scp_field_error(r, "assistant_config", "must be an object");
		else
			take(r, set, "assistant_config", v, assistant_ok(r, v));
	}
	for (size_t i = 0; lists[i]; i++) {
		if (!json_object_object_get_ex(b, lists[i], &v))
			continue;
		if (!v)
			scp_field_error(r, lists[i], "must be an array");
		else
			take(r, set, lists[i], v, list_ok(r, lists[i], v));
	}
	if (json_object_object_length(set) > 0)
		out = scp_arena_strdup(r->arena, json_object_to_json_string_ext(set,
						JSON_C_TO_STRING_PLAIN));
	json_object_put(set);
	return out;
}
