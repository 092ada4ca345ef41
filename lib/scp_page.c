#include "scp_page.h"
#include "scp_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool scp_page_parse(struct scp_req *r, struct scp_page *p)
{
	const char *page = scp_req_query_param(r, "page");
	const char *size = scp_req_query_param(r, "page_size");

	if (!size)
		size = scp_req_query_param(r, "limit");
	p->page = 1;
	p->size = 20;
	if (page && !number(page, 1, 1000000, &p->page)) {
		scp_bad_request(r, "page must be an integer >= 1");
		return false;
	}
	if (size && !number(size, 1, 100, &p->size)) {
		scp_bad_request(r, "page_size must be an integer from 1 to 100");
		return false;
	}
	snprintf(p->page_text, sizeof(p->page_text), "%ld", p->page);
	snprintf(p->size_text, sizeof(p->size_text), "%ld", p->size);
	return true;
}

bool scp_page_sort(struct scp_req *r, const char *const *names, const char *def,
		   const char **key)
{
	const char *k = scp_req_query(r, "sort_by", NULL);
	const char *o = scp_req_query(r, "sort_order", "order");
	bool desc = false;

	if (!k)
		k = def;
	if (*k == '-') {
		k++;
		desc = true;
	}
	if (o && !strcmp(o, "desc"))
		desc = true;
	else if (o && !strcmp(o, "asc"))
		desc = false;
	else if (o) {
		scp_bad_request(r, "sort_order must be asc or desc");
		return false;
	}
	/* "-key" when the table has it; else a key whose direction is its own. */
	for (int pass = desc ? 0 : 1; pass < 2; pass++) {
		for (const char *const *n = names; *n; n++) {
			if ((pass == 0 && **n == '-' && !strcmp(*n + 1, k)) ||
			    (pass == 1 && !strcmp(*n, k))) {
				*key = *n;
				return true;
			}
		}
	}
	scp_bad_request(r, scp_arena_printf(r->arena, "cannot sort by %s", k));
	return false;
}
