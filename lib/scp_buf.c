#include "scp_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char scp_buf_empty[1];

void scp_buf_init(struct scp_buf *b, size_t hint)
{
	b->ptr = scp_buf_empty;
	b->len = b->cap = 0;
	if (hint)
		scp_buf_grow(b, hint);
}

void scp_buf_grow(struct scp_buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	char *p;

	if (want <= b->cap)
		return;
	if (want < b->cap * 2)
		want = b->cap * 2;
	p = realloc(b->cap ? b->ptr : NULL, want);
	if (!p)
		abort();
	if (!b->cap)
		p[0] = '\0';
	b->ptr = p;
	b->cap = want;
}

void scp_buf_add(struct scp_buf *b, const void *data, size_t n)
{
	scp_buf_grow(b, n);
	memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void scp_buf_adds(struct scp_buf *b, const char *s)
{
	scp_buf_add(b, s, strlen(s));
}

void scp_buf_addc(struct scp_buf *b, char c)
{
	scp_buf_add(b, &c, 1);
}

void scp_buf_addf(struct scp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->ptr + b->len, b->cap ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (b->len + (size_t)n + 1 > b->cap) {
		scp_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void scp_buf_add_json_str(struct scp_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	scp_buf_addc(b, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"': scp_buf_add(b, "\\\"", 2); break;
		case '\\': scp_buf_add(b, "\\\\", 2); break;
		case '\n': scp_buf_add(b, "\\n", 2); break;
		case '\r': scp_buf_add(b, "\\r", 2); break;
		case '\t': scp_buf_add(b, "\\t", 2); break;
		default:
			if (*p < 0x20) {
				char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
				scp_buf_add(b, u, 6);
			} else {
				scp_buf_addc(b, (char)*p);
			}
		}
	}
	scp_buf_addc(b, '"');
}

void scp_buf_reset(struct scp_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->ptr[0] = '\0';
}

void scp_buf_trim(struct scp_buf *b, size_t keep)
{
	if (b->cap > keep) {
		scp_buf_release(b);
		scp_buf_grow(b, keep ? keep - 1 : 0);
	}
}

void scp_buf_release(struct scp_buf *b)
{
	if (b->cap)
		free(b->ptr);
	b->ptr = scp_buf_empty;
	b->len = b->cap = 0;
}
