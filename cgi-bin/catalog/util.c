/* Small helpers the catalog handlers share: copies of checked fields into a JSON object. */
#include "catalog.h"
#include "scp_json.h"
#include "scp_validate.h"

const char *cat_json_text(struct scp_req *r, json_object *o)
{
	const char *s = scp_arena_strdup(r->arena,
					 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	json_object_put(o);
	return s;
}

int cat_field_state(json_object *b, const char *field, json_object **v)
{
	json_object *x = NULL;

	if (!json_object_object_get_ex(b, field, &x))
		return 0;
	*v = x;
	return x && !json_object_is_type(x, json_type_null) ? 2 : 1;
}

void cat_copy_checked(struct scp_req *r, json_object *b, json_object *set, const char *field,
		      bool nullable, size_t min, size_t max, cat_check check, const char *why)
{
	json_object *v;
	const char *s;

	switch (cat_field_state(b, field, &v)) {
	case 0:
		return;
	case 1:
		if (nullable)
			json_object_object_add(set, field, NULL);
		else
			scp_field_error(r, field, "must not be null");
		return;
	}
	s = scp_field_str(r, b, field, false, min, max);
	if (s && check && !(s = check(r, s)))
		scp_field_error(r, field, why);
	else if (s)
		json_object_object_add(set, field, json_object_new_string(s));
}

void cat_copy_str(struct scp_req *r, json_object *b, json_object *set, const char *field,
		  bool nullable, size_t min, size_t max)
{
	cat_copy_checked(r, b, set, field, nullable, min, max, NULL, NULL);
}

bool cat_copy_money(struct scp_req *r, json_object *b, json_object *set, const char *field,
		    const char *as, int64_t min, int64_t max, const char *what)
{
	json_object *v;
	int64_t minor;
	int st = cat_field_state(b, field, &v);

	if (!st)
		return false;
	if (st == 1 || !scp_json_money(v, &minor) || minor < min || minor > max) {
		scp_field_error(r, field, what);
		return false;
	}
	json_object_object_add(set, as, json_object_new_int64(minor));
	return true;
}

void cat_copy_int(struct scp_req *r, json_object *b, json_object *set, const char *field,
		  int64_t min, int64_t max)
{
	int64_t n;
	json_object *v;

	if (cat_field_state(b, field, &v) == 1) {
		scp_field_error(r, field, "must not be null");
		return;
	}
	if (scp_field_int(r, b, field, false, min, max, &n))
		json_object_object_add(set, field, json_object_new_int64(n));
}
