#include "scp_route.h"
#include "scp_http.h"
#include "scp_text.h"

#include <string.h>

static const char *const role_names[] = {
	"consumer", "owner", "manager", "sales_rep", "client", "vendor", "agent", "admin",
};

unsigned scp_role_bit(const char *role)
{
	for (unsigned i = 0; role && i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (!strcmp(role, role_names[i]))
			return 1u << i;
	return 0;
}

bool scp_role_is_staff(const char *role)
{
	return (scp_role_bit(role) & SCP_ROLES_STAFF) != 0;
}

/* Does the capture ":name" (pat at its ':') hold an id: "id", "…Id" or "…_id"? */
static bool names_id(const char *pat)
{
	const char *end = strchrnul(pat, '/');
	size_t n = (size_t)(end - pat);

	return (n == 3 && !strncmp(pat, ":id", 3)) ||
	       (n > 3 && (!strncmp(end - 2, "Id", 2) || !strncmp(end - 3, "_id", 3)));
}

/*
 * Match one pattern against the path, capturing ":name" segments.  A capture that
 * names an id must be a UUID: anything else names nothing, so the path is not this
 * route's and answers 404 (as Kore's validators do), and handlers get only UUIDs.
 */
static bool match(const char *pat, const char *path, struct scp_req *r)
{
	int np = 0;

	while (*pat && *path) {
		if (*pat == ':') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			char *v;

			if (!len || np == SCP_MAX_PARAMS)
				return false;
			v = scp_arena_strndup(r->arena, path, len);
			if (names_id(pat) && !scp_valid_uuid(v))
				return false;
			r->params[np++] = v;
			path += len;
			while (*pat && *pat != '/')
				pat++;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	/* A single trailing slash is tolerated: "/auth/me/" is "/auth/me". */
	if (!*pat && path[0] == '/' && !path[1])
		path++;
	if (*pat || *path)
		return false;
	r->nparams = np;
	return true;
}

enum scp_match scp_route_find(const struct scp_route *routes, struct scp_req *r,
			      const struct scp_route **found)
{
	const char *method = strcmp(r->method, "HEAD") ? r->method : "GET";
	bool path_seen = false;

	*found = NULL;
	for (const struct scp_route *rt = routes; rt->method; rt++) {
		if (!match(rt->pattern, r->path, r))
			continue;
		if (!strcmp(rt->method, method)) {
			*found = rt;
			return SCP_MATCH_OK;
		}
		path_seen = true;
	}
	return path_seen ? SCP_MATCH_NO_METHOD : SCP_MATCH_NO_PATH;
}
