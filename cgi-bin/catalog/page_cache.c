#include "page_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cat_page slots[CAT_PAGE_SLOTS];

static struct cat_page *slot_of(const char *supplier, long page, long size)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the key */

	for (const char *c = supplier; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	h = (h ^ (uint32_t)page) * 16777619u;
	h = (h ^ (uint32_t)size) * 16777619u;
	return &slots[h % CAT_PAGE_SLOTS];
}

const struct cat_page *cat_page_find(const char *supplier, long page, long size)
{
	const struct cat_page *s = slot_of(supplier, page, size);

	return s->body && s->page == page && s->size == size && !strcmp(s->supplier, supplier) ?
		s : NULL;
}

void cat_page_keep(const char *supplier, long page, long size, const char *version,
		   const char *body, size_t len)
{
	struct cat_page *s = slot_of(supplier, page, size);

	if (strlen(supplier) >= sizeof(s->supplier) || strlen(version) >= sizeof(s->version))
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
	snprintf(s->supplier, sizeof(s->supplier), "%s", supplier);
	snprintf(s->version, sizeof(s->version), "%s", version);
}
