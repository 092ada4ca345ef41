/*
 * scp_buf: a growable, length-carrying byte buffer (git's strbuf invariants).
 *
 * ptr is never NULL and always NUL-terminated, so it can be handed to C string
 * functions at any time.  A buffer is reset by setting len to 0 (scp_buf_reset), which
 * keeps its capacity: response buffers live as long as the worker.
 */
#ifndef SCP_BUF_H
#define SCP_BUF_H

#include <stddef.h>

struct scp_buf {
	char *ptr;
	size_t len;
	size_t cap;
};

extern char scp_buf_empty[];
#define SCP_BUF_INIT { scp_buf_empty, 0, 0 }

void scp_buf_init(struct scp_buf *b, size_t hint);
void scp_buf_grow(struct scp_buf *b, size_t extra);
void scp_buf_add(struct scp_buf *b, const void *data, size_t n);
void scp_buf_adds(struct scp_buf *b, const char *s);
void scp_buf_addc(struct scp_buf *b, char c);
void scp_buf_addf(struct scp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s as the contents of a JSON string, with its quotes. */
void scp_buf_add_json_str(struct scp_buf *b, const char *s);
void scp_buf_reset(struct scp_buf *b);
/* Shrink back to at most keep bytes of capacity (for buffers a huge request grew). */
void scp_buf_trim(struct scp_buf *b, size_t keep);
void scp_buf_release(struct scp_buf *b);

#endif
