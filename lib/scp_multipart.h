/*
 * scp_multipart: multipart/form-data bodies (RFC 7578), parsed in place.
 *
 * Parts point into the request body (no copies); names and filenames are arena strings.
 * Names are folded to snake_case, as JSON keys and query names are (scp_http.h).
 * Only what a browser or mobile client sends is accepted: a boundary from the
 * Content-Type, parts with a Content-Disposition of form-data and a name.
 */
#ifndef SCP_MULTIPART_H
#define SCP_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

struct scp_arena;

#define SCP_MULTIPART_MAX_PARTS 64

struct scp_part {
	const char *name;
	const char *filename;	/* NULL for plain fields */
	const char *content_type;	/* NULL when absent */
	const char *data;	/* into the body; not NUL-terminated for files */
	size_t len;
};

struct scp_multipart {
	struct scp_part parts[SCP_MULTIPART_MAX_PARTS];
	int nparts;
};

/*
 * Parse body (len bytes) with the boundary of content_type.  Returns NULL on success, or
 * a message for a 400 answer.
 */
const char *scp_multipart_parse(struct scp_arena *a, const char *content_type,
				const char *body, size_t len, struct scp_multipart *out);
/* The first part of that name, or NULL. */
const struct scp_part *scp_multipart_get(const struct scp_multipart *m, const char *name);
/* A plain field's value as an arena string (NULL when absent or a file). */
const char *scp_multipart_field(struct scp_arena *a, const struct scp_multipart *m,
				const char *name);

#endif
