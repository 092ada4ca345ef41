/*
 * scp_profile: one canonical API, rendered in each product's own dialect (DESIGN §4a).
 *
 * The families answer the canonical contract only (snake_case, the resource itself as
 * the body, {results, pagination} for lists).  A profile, chosen by nginx per location
 * or server block (the FastCGI param SCP_PROFILE), is data applied at one output stage
 * (scp_send): the envelope, the key spelling, the name of each route's resource, the
 * pagination shape and the spelling of roles.  The input stage is shared by every
 * profile: camelCase names are folded to snake_case when a request is parsed
 * (scp_http.h), and a profile with upper-case roles has role values folded to lower
 * case there too.  Errors keep {success: false, error: {code, message, details}} in
 * every profile.  The canonical profile is the NULL pointer: it costs nothing.
 *
 * The rewrite is one pass over the canonical JSON text, which the families produce
 * (valid, compact or not), into a worker-lifetime buffer: no tree is built.  Like
 * Stripe's version-change modules, each transformation is small and local:
 *   - every object key is spelt in camelCase ("total_pages" → "totalPages"), but those
 *     the profile keeps as they are;
 *   - the value of a "role" key is spelt in upper case ("vendor" → "VENDOR");
 *   - inside the top-level "pagination", "page_size" is spelt as the profile says;
 *   - the route's rule renames top-level keys ("results" → "listings",
 *     "access_token" → "token") and may nest the resource under a key, keeping some
 *     members beside it: {"listing": {…}, "bids": […], "currentHighestBid": …}, or in
 *     it and beside it: {"bid": {…, "isInstantWin": true}, "isInstantWin": true};
 *   - the envelope adds "success": true to the top-level object, or wraps the whole
 *     document as {"success": true, "data": …}.
 */
#ifndef SCP_PROFILE_H
#define SCP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "scp_buf.h"

enum scp_envelope {
	SCP_ENVELOPE_NONE,	/* the resource as it is, in the profile's spelling */
	SCP_ENVELOPE_SUCCESS,	/* {"success": true, …the resource's members…} */
	SCP_ENVELOPE_DATA,	/* {"success": true, "data": …the resource…} */
};

/* A top-level key and the name it goes by in a profile. */
struct scp_rename {
	const char *from;
	const char *to;
};

/* How one route's answer is shaped in a profile. */
struct scp_profile_route {
	const char *method;
	const char *pattern;	/* exactly as in the family's route table */
	const char *nest;	/* NULL, or the key the resource goes under */
	const char *const *beside;	/* with nest: top-level keys kept beside it */
	const char *const *both;	/* with nest: top-level keys kept in it and beside it;
					 * without, in a DATA envelope: copied beside data */
	const struct scp_rename *renames;	/* top-level keys renamed, NULL-terminated */
};

struct scp_profile {
	const char *name;	/* the value of SCP_PROFILE */
	enum scp_envelope envelope;
	bool camel;	/* keys in camelCase */
	bool upper_roles;	/* role values in upper case, in and out */
	const char *page_size_key;	/* the name of pagination.page_size */
	/*
	 * The dialect has no "start" move for agent tasks: completing an accepted task
	 * passes through in_progress, both moves recorded (cgi-bin/agents/tasks.c).
	 */
	bool task_start_on_complete;
	const struct scp_profile_route *routes;	/* ends with a NULL method */
	/*
	 * Keys spelt as they are at any depth, although camel: the snake_case names a
	 * product's client reads (seed 004's dashboard, a product's stock_quantity).
	 * NULL-terminated, or NULL.
	 */
	const char *const *keep_keys;
};

/* The profile named name; NULL (canonical) for "scp", NULL or "". */
const struct scp_profile *scp_profile_find(const char *name);
/* Is name a known profile (the canonical one included)? */
bool scp_profile_known(const char *name);
/* The rule of a route in profile p, or NULL. */
const struct scp_profile_route *scp_profile_route(const struct scp_profile *p,
						  const char *method, const char *pattern);
/*
 * Render the canonical JSON document json[0..len) in profile p for route rule rt (may
 * be NULL) into out (reset first).  Returns false, leaving out unspecified, when json
 * is not a JSON object or array (the canonical text is then sent as it is).
 */
bool scp_profile_render(const struct scp_profile *p, const struct scp_profile_route *rt,
			const char *json, size_t len, struct scp_buf *out);

/* The profiles there are (scp_profiles.c). */
extern const struct scp_profile scp_profiles[];

#endif
