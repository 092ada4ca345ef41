#include "market_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct market_page slots[MARKET_PAGE_SLOTS];

static struct market_page *slot_of(const char *sort, long page, long size)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the key */

	for (const char *c = sort; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	h = (h ^ (uint32_t)page) * 16777619u;
	h = (h ^ (uint32_t)size) * 16777619u;
	return &slots[h % MARKET_PAGE_SLOTS];
}

const struct market_page *market_page_find(const char *sort, long page, long size,
					   time_t now)
{
	const struct market_page *s = slot_of(sort, page, size);

	return s->body && s->second == now && s->page == page && s->size == size &&
	       !strcmp(s->sort, sort) ? s : NULL;
}

void market_page_keep(const char *sort, long page, long size, const char *version,
		      time_t now, const char *body, size_t len)
{
	struct market_page *s = slot_of(sort, page, size);

	if (strlen(sort) >= sizeof(s->sort) || strlen(version) >= sizeof(s->version))
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
	s->second = now;
	snprintf(s->sort, sizeof(s->sort), "%s", sort);
	snprintf(s->version, sizeof(s->version), "%s", version);
}
