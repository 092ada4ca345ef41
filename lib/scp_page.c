#include "scp_page.h"
#include "scp_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
