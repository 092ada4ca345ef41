#include "scp_query.h"
#include "scp_http.h"
#include "scp_money.h"
#include "scp_text.h"

#include <string.h>

/* ?name's non-empty value, or NULL. */
static const char *value(struct scp_req *r, const char *name)
{
	const char *v = scp_req_query_param(r, name);

	return v && *v ? v : NULL;
}

static bool refuse(struct scp_req *r, const char *name, const char *what)
{
	scp_bad_request(r, scp_arena_printf(r->arena, "%s must be %s", name, what));
	return false;
}

bool scp_query_bool(struct scp_req *r, const char *name, const char **out)
{
	const char *v = value(r, name);

	*out = NULL;
	if (!v)
		return true;
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*out = "t";
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = "f";
	else
		return refuse(r, name, "true or false");
	return true;
}

bool scp_query_money(struct scp_req *r, const char *name, const char **out)
{
	const char *v = value(r, name);
	int64_t minor;

	*out = NULL;
	if (!v)
		return true;
	if (!scp_money_parse(v, &minor) || minor < 0)
		return refuse(r, name, "an amount like 12.50");
	*out = scp_arena_printf(r->arena, "%lld", (long long)minor);
	return true;
}

bool scp_query_date(struct scp_req *r, const char *name, const char **out)
{
	*out = value(r, name);
	return !*out || scp_valid_date(*out) || refuse(r, name, "a date, YYYY-MM-DD");
}

bool scp_query_uuid(struct scp_req *r, const char *name, const char **out)
{
	*out = value(r, name);
	return !*out || scp_valid_uuid(*out) || refuse(r, name, "a UUID");
}

bool scp_query_enum(struct scp_req *r, const char *name, const char *const *choices,
		    const char **out)
{
	const char *list = "one of ";

	*out = value(r, name);
	if (!*out || scp_str_in(*out, choices))
		return true;
	for (const char *const *c = choices; *c; c++)
		list = scp_arena_printf(r->arena, "%s%s%s", list,
					c == choices ? "" : c[1] ? ", " : " or ", *c);
	return refuse(r, name, list);
}

bool scp_query_search(struct scp_req *r, const char **out)
{
	*out = value(r, "search");
	if (!*out)
		*out = value(r, "q");
	return !*out || scp_utf8_len(*out) <= 200 ||
	       refuse(r, "search", "at most 200 characters");
}
