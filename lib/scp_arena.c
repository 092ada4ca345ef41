#include "scp_arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scp_arena_chunk {
	struct scp_arena_chunk *next;
	size_t size;
	size_t used;
	_Alignas(max_align_t) unsigned char data[];
};

struct scp_arena_cleanup {
	struct scp_arena_cleanup *next;
	void (*fn)(void *);
	void *data;
};

static struct scp_arena_chunk *chunk_new(size_t size)
{
	struct scp_arena_chunk *c = malloc(sizeof(*c) + size);

	if (!c)
		abort();
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void scp_arena_init(struct scp_arena *a, size_t chunk_size)
{
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	a->first = a->head = chunk_new(a->chunk_size);
	a->cleanups = NULL;
}

void scp_arena_cleanup_add(struct scp_arena *a, void (*fn)(void *), void *data)
{
	struct scp_arena_cleanup *c = scp_arena_alloc(a, sizeof(*c));

	*c = (struct scp_arena_cleanup){ a->cleanups, fn, data };
	a->cleanups = c;
}

static void run_cleanups(struct scp_arena *a)
{
	/* The records live in the arena itself: run them all before its memory goes. */
	for (struct scp_arena_cleanup *c = a->cleanups; c; c = c->next)
		c->fn(c->data);
	a->cleanups = NULL;
}

void *scp_arena_alloc(struct scp_arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	struct scp_arena_chunk *c = a->head;
	size_t off;

	n = (n + align - 1) & ~(align - 1);
	for (;;) {
		off = c->used;
		if (n <= c->size - off) {
			c->used = off + n;
			a->head = c;
			return c->data + off;
		}
		if (!c->next)
			break;
		c = c->next;
		c->used = 0;
	}
	/* Oversized requests get a chunk of their own; reset frees it. */
	c->next = chunk_new(n > a->chunk_size ? n : a->chunk_size);
	c = c->next;
	c->used = n;
	a->head = c;
	return c->data;
}

char *scp_arena_strndup(struct scp_arena *a, const char *s, size_t n)
{
	char *p = scp_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *scp_arena_strdup(struct scp_arena *a, const char *s)
{
	return scp_arena_strndup(a, s, strlen(s));
}

char *scp_arena_printf(struct scp_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	p = scp_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void scp_arena_reset(struct scp_arena *a)
{
	struct scp_arena_chunk *c = a->first, *prev = NULL, *next;

	run_cleanups(a);
	/* Keep chunks of the standard size, drop the oversized ones. */
	while (c) {
		next = c->next;
		c->used = 0;
		if (c != a->first && c->size > a->chunk_size) {
			prev->next = next;
			free(c);
		} else {
			prev = c;
		}
		c = next;
	}
	a->head = a->first;
}

void scp_arena_free(struct scp_arena *a)
{
	struct scp_arena_chunk *c = a->first, *next;

	run_cleanups(a);
	while (c) {
		next = c->next;
		free(c);
		c = next;
	}
	a->first = a->head = NULL;
}
