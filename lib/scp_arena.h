/*
 * scp_arena: per-request memory.
 *
 * Everything a handler allocates comes from the request's arena and is released at
 * once when the accept loop resets it (nginx's request pool, PostgreSQL's
 * MessageContext).  Chunks are kept across resets, so a steady worker stops calling
 * malloc after its first few requests.
 */
#ifndef SCP_ARENA_H
#define SCP_ARENA_H

#include <stddef.h>

struct scp_arena_chunk;
struct scp_arena_cleanup;

struct scp_arena {
	struct scp_arena_chunk *head;	/* chunk being filled */
	struct scp_arena_chunk *first;	/* first chunk; the list is kept across resets */
	struct scp_arena_cleanup *cleanups;	/* run by reset, newest first */
	size_t chunk_size;
};

void scp_arena_init(struct scp_arena *a, size_t chunk_size);
/* Never returns NULL: aborts when memory is exhausted (a worker is replaced by its master). */
void *scp_arena_alloc(struct scp_arena *a, size_t n);
char *scp_arena_strdup(struct scp_arena *a, const char *s);
char *scp_arena_strndup(struct scp_arena *a, const char *s, size_t n);
char *scp_arena_printf(struct scp_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Call fn(data) when the arena is next reset (or freed), as nginx's
 * ngx_pool_cleanup_add: what a request holds outside the arena (a PGresult) is then
 * released with the request, and no handler frees it by hand.
 */
void scp_arena_cleanup_add(struct scp_arena *a, void (*fn)(void *), void *data);
/* Run the cleanups, forget every allocation; keep the first chunk, free oversized ones. */
void scp_arena_reset(struct scp_arena *a);
void scp_arena_free(struct scp_arena *a);

#endif
