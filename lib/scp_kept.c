#include "scp_kept.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct scp_kept_page *slot_of(const struct scp_kept *k, const char *name, long page,
				     long size)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the key */

	for (const char *c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	h = (h ^ (uint32_t)page) * 16777619u;
	h = (h ^ (uint32_t)size) * 16777619u;
	return &k->slots[h % k->n];
}

const struct scp_kept_page *scp_kept_find(const struct scp_kept *k, const char *name,
					  long page, long size)
{
	const struct scp_kept_page *s = slot_of(k, name, page, size);

	return s->body && s->page == page && s->size == size && !strcmp(s->name, name) ?
		s : NULL;
}

void scp_kept_keep(struct scp_kept *k, const char *name, long page, long size,
		   const char *version, long stamp, const char *body, size_t len)
{
	struct scp_kept_page *s = slot_of(k, name, page, size);

	if (strlen(name) >= sizeof(s->name) || strlen(version) >= sizeof(s->version))
		return;
	if (len > s->cap) {
		char *b = realloc(s->body, len);

		if (!b)
			return;
		s->body = b;
		s->cap = len;
	}
	memcpy(s->body, body, len);
	s->len = len;
	s->page = page;
	s->size = size;
	s->stamp = stamp;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->version, sizeof(s->version), "%s", version);
}
