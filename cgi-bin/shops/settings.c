/*
 * A shop's settings documents: the frontend's assistantConfig, persistentMenu,
 * keywordReplies and savedReplies, kept as the JSON it sends (their shapes are the
 * frontend's to evolve) but checked where a wrong type would break the frontend that
 * reads them back: the document's own type, each list entry an object with a string id,
 * the assistant's known fields of their types, and each document at most
 * SHOP_SETTINGS_MAX bytes as JSON (422 beyond: the whole body's 413 is max_body's).
 *
 * The shop's documents of sql/090_shop_documents.sql go the same way: paymentMethods (a
 * list whose entries are checked field by field, as the checkout shows them to
 * customers) and knowledgeBase ({userDefined: a list of sections, productData: text}).
 */
#include "shops.h"
#include "scp_validate.h"

#include <string.h>

#define SHOP_SETTINGS_MAX 65536	/* bytes of one document, as JSON */
#define SHOP_KNOWLEDGE_MAX 262144	/* bytes of the knowledge base, as JSON */
#define SHOP_LIST_MAX 1000	/* entries of one list */

/* The list documents: arrays of objects, each with an id. */
static const char *const lists[] = { "persistent_menu", "keyword_replies", "saved_replies",
				     NULL };

/* A known field of a document: its name and its json-c type. */
struct known_field {
	const char *name;
	json_type type;
};

static const struct known_field assistant_fields[] = {
	{ "selected_model", json_type_string },
	{ "system_prompt", json_type_string },
	{ "language", json_type_string },
	{ "tone", json_type_string },
	{ "response_delay", json_type_int },
	{ "custom_quick_replies", json_type_array },
	{ "mimic_language", json_type_boolean },
	{ NULL, json_type_null },
};

/* A knowledge base's section (the frontend's KnowledgeSection). */
static const struct known_field section_fields[] = {
	{ "title", json_type_string },
	{ "content", json_type_string },
	{ "is_custom", json_type_boolean },
	{ "is_deletable", json_type_boolean },
	{ "is_title_editable", json_type_boolean },
	{ "include_in_quick_replies", json_type_boolean },
	{ "type", json_type_string },
	{ "locations", json_type_array },
	{ NULL, json_type_null },
};

static bool too_large(struct scp_req *r, const char *field, json_object *v, size_t max)
{
	size_t n;

	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &n);
	if (n <= max)
		return false;
	scp_field_error(r, field, max == SHOP_SETTINGS_MAX ? "must be at most 65536 bytes as JSON"
			: "must be at most 262144 bytes as JSON");
	return true;
}

/* Do the known fields of object v that are there (and not null) have their types? */
static bool known_ok(json_object *v, const struct known_field *known)
{
	json_object *f;

	for (size_t i = 0; known[i].name; i++)
		if (json_object_object_get_ex(v, known[i].name, &f) && f &&
		    !json_object_is_type(f, known[i].type))
			return false;
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
	if (!known_ok(v, assistant_fields)) {
		scp_field_error(r, "assistant_config", "a known field has the wrong type"
				" (selected_model, system_prompt, language, tone: strings;"
				" response_delay: an integer; custom_quick_replies: an array;"
				" mimic_language: a boolean)");
		return false;
	}
	if (json_object_object_get_ex(v, "response_delay", &f) && f &&
	    (json_object_get_int64(f) < 0 || json_object_get_int64(f) > 3600)) {
		scp_field_error(r, "assistant_config", "response_delay must be 0 to 3600 seconds");
		return false;
	}
	return true;
}

/* Is u a QR code's address: one of our uploads (/uploads/..., not climbing) or https? */
static bool qr_url_ok(const char *u)
{
	if (!strncmp(u, "/uploads/", 9))
		return u[9] && !strstr(u, "..") && !strpbrk(u, " \t\r\n\\");
	return !strncmp(u, "https://", 8) && u[8];
}

/* Is v a string of min to max characters? */
static bool str_ok(json_object *v, size_t min, size_t max)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return false;
	n = scp_utf8_len(json_object_get_string(v));
	return n >= min && n <= max;
}

/*
 * One payment method (the frontend's ShopPaymentMethod): its name (1 to 200 characters),
 * its instructions (a string of at most 4000), its QR code (absent, null, an /uploads/
 * path or an https URL of at most 2048 characters) and the booleans requires_proof and
 * enabled.  The first fault is reported as payment_methods[i].<field>.
 */
static bool payment_method_ok(struct scp_req *r, json_object *e, size_t i)
{
	static const char *const bools[] = { "requires_proof", "enabled" };
	char f[64];
	json_object *v;
	const char *u;

	snprintf(f, sizeof(f), "payment_methods[%zu].name", i);
	if (!json_object_object_get_ex(e, "name", &v) || !str_ok(v, 1, 200)) {
		scp_field_error(r, f, "must be a string of 1 to 200 characters");
		return false;
	}
	snprintf(f, sizeof(f), "payment_methods[%zu].instructions", i);
	if (!json_object_object_get_ex(e, "instructions", &v) || !str_ok(v, 0, 4000)) {
		scp_field_error(r, f, "must be a string of at most 4000 characters");
		return false;
	}
	if (json_object_object_get_ex(e, "qr_code_url", &v) && v) {
		snprintf(f, sizeof(f), "payment_methods[%zu].qr_code_url", i);
		u = json_object_get_string(v);
		if (!str_ok(v, 1, 2048) || !qr_url_ok(u)) {
			scp_field_error(r, f, "must be null, an /uploads/ path or an https URL"
					" of at most 2048 characters");
			return false;
		}
	}
	for (size_t k = 0; k < 2; k++) {
		snprintf(f, sizeof(f), "payment_methods[%zu].%s", i, bools[k]);
		if (!json_object_object_get_ex(e, bools[k], &v) ||
		    !json_object_is_type(v, json_type_boolean)) {
			scp_field_error(r, f, "must be a boolean");
			return false;
		}
	}
	return true;
}

/* The payment methods: a list document whose every entry is a good payment method. */
static bool payment_methods_ok(struct scp_req *r, json_object *v)
{
	if (!list_ok(r, "payment_methods", v))
		return false;
	for (size_t i = 0; i < json_object_array_length(v); i++)
		if (!payment_method_ok(r, json_object_array_get_idx(v, i), i))
			return false;
	return true;
}

/*
 * The knowledge base: an object with user_defined (a list document of sections whose
 * known fields have their types) and product_data (a string), both required: the
 * frontend reads both without a check.
 */
static bool knowledge_base_ok(struct scp_req *r, json_object *v)
{
	json_object *sections, *data;

	if (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "user_defined", &sections) || !sections ||
	    !json_object_object_get_ex(v, "product_data", &data) ||
	    !json_object_is_type(data, json_type_string)) {
		scp_field_error(r, "knowledge_base", "must be an object with user_defined (an array)"
				" and product_data (a string)");
		return false;
	}
	if (!list_ok(r, "knowledge_base.user_defined", sections))
		return false;
	for (size_t i = 0; i < json_object_array_length(sections); i++)
		if (!known_ok(json_object_array_get_idx(sections, i), section_fields)) {
			scp_field_error(r, "knowledge_base.user_defined", "a section's known field has"
					" the wrong type (title, content, type: strings; is_custom,"
					" is_deletable, is_title_editable, include_in_quick_replies:"
					" booleans; locations: an array)");
			return false;
		}
	return true;
}

/* Check one document and add it to set when it is good. */
static void take(struct scp_req *r, json_object *set, const char *field, json_object *v,
		 bool ok, size_t max)
{
	if (ok && !too_large(r, field, v, max))
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
			take(r, set, "assistant_config", v, assistant_ok(r, v), SHOP_SETTINGS_MAX);
	}
	for (size_t i = 0; lists[i]; i++) {
		if (!json_object_object_get_ex(b, lists[i], &v))
			continue;
		if (!v)
			scp_field_error(r, lists[i], "must be an array");
		else
			take(r, set, lists[i], v, list_ok(r, lists[i], v), SHOP_SETTINGS_MAX);
	}
	if (json_object_object_get_ex(b, "payment_methods", &v)) {
		if (!v)
			scp_field_error(r, "payment_methods", "must be an array");
		else
			take(r, set, "payment_methods", v, payment_methods_ok(r, v),
			     SHOP_SETTINGS_MAX);
	}
	if (json_object_object_get_ex(b, "knowledge_base", &v)) {
		if (!v)
			scp_field_error(r, "knowledge_base", "must be an object");
		else	/* product_data is the whole catalogue as text: a larger bound */
			take(r, set, "knowledge_base", v, knowledge_base_ok(r, v),
			     SHOP_KNOWLEDGE_MAX);
	}
	if (json_object_object_length(set) > 0)
		out = scp_arena_strdup(r->arena, json_object_to_json_string_ext(set,
						JSON_C_TO_STRING_PLAIN));
	json_object_put(set);
	return out;
}
