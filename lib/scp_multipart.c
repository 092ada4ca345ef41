#include "scp_multipart.h"
#include "scp_arena.h"
#include "scp_text.h"

#include <string.h>
#include <strings.h>

static const char *memmem_str(const char *hay, size_t n, const char *needle, size_t nlen)
{
	return memmem(hay, n, needle, nlen);
}

/* The value of key="value" (or key=value) inside a header line, as an arena string. */
static const char *param(struct scp_arena *a, const char *line, size_t n, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen + 1 < n; i++) {
		const char *p = line + i, *end;

		if ((i && p[-1] != ' ' && p[-1] != ';') || strncasecmp(p, key, klen) ||
		    p[klen] != '=')
			continue;
		p += klen + 1;
		if (*p == '"') {
			end = memchr(p + 1, '"', (size_t)(line + n - p - 1));
			return end ? scp_arena_strndup(a, p + 1, (size_t)(end - p - 1)) : NULL;
		}
		end = p;
		while (end < line + n && *end != ';' && *end != ' ')
			end++;
		return scp_arena_strndup(a, p, (size_t)(end - p));
	}
	return NULL;
}

/* A part's name in snake_case ("devicePhoto0" → "device_photo0"), as for JSON keys. */
static const char *snake(struct scp_arena *a, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	char *out;

	if (!name || !scp_is_camel(name, n))
		return name;
	out = scp_arena_alloc(a, 2 * n + 1);
	scp_snake_fold(name, n, out, 2 * n + 1);
	return out;
}

static const char *parse_headers(struct scp_arena *a, const char *h, size_t n,
				 struct scp_part *part)
{
	while (n > 0) {
		const char *eol = memmem_str(h, n, "\r\n", 2);
		size_t len = eol ? (size_t)(eol - h) : n;

		if (len > 20 && !strncasecmp(h, "Content-Disposition:", 20)) {
			const char *v = h + 20;

			while (*v == ' ')
				v++;
			if (strncasecmp(v, "form-data", 9))
				return "part is not form-data";
			part->name = snake(a, param(a, h, len, "name"));
			part->filename = param(a, h, len, "filename");
		} else if (len > 13 && !strncasecmp(h, "Content-Type:", 13)) {
			const char *v = h + 13;

			while (*v == ' ')
				v++;
			part->content_type = scp_arena_strndup(a, v, (size_t)(h + len - v));
		}
		if (!eol)
			break;
		n -= len + 2;
		h = eol + 2;
	}
	return part->name ? NULL : "part without a name";
}

const char *scp_multipart_parse(struct scp_arena *a, const char *content_type,
				const char *body, size_t len, struct scp_multipart *out)
{
	const char *b, *p, *end = body + len;
	char *delim;
	size_t dlen;

	out->nparts = 0;
	if (!content_type || strncasecmp(content_type, "multipart/form-data", 19))
		return "Content-Type must be multipart/form-data";
	b = param(a, content_type, strlen(content_type), "boundary");
	if (!b || !*b || strlen(b) > 70)
		return "multipart boundary missing or too long";
	delim = scp_arena_printf(a, "\r\n--%s", b);
	dlen = strlen(delim);
	/* The first delimiter may start the body, without the leading CRLF. */
	if (len < dlen - 2 || memcmp(body, delim + 2, dlen - 2))
		return "body does not start with the boundary";
	p = body + dlen - 2;
	for (;;) {
		const char *hend, *next;
		struct scp_part *part;
		const char *err;

		if (end - p >= 2 && !memcmp(p, "--", 2))
			return NULL;	/* closing delimiter */
		if (end - p < 2 || memcmp(p, "\r\n", 2))
			return "malformed multipart delimiter";
		p += 2;
		hend = memmem_str(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hend)
			return "multipart part without headers";
		next = memmem_str(hend + 4, (size_t)(end - hend - 4), delim, dlen);
		if (!next)
			return "multipart body is truncated";
		if (out->nparts == SCP_MULTIPART_MAX_PARTS)
			return "too many multipart parts";
		part = &out->parts[out->nparts++];
		memset(part, 0, sizeof(*part));
		/* Header block plus its CRLF terminator, so every line ends with CRLF. */
		err = parse_headers(a, p, (size_t)(hend - p), part);
		if (err)
			return err;
		part->data = hend + 4;
		part->len = (size_t)(next - part->data);
		p = next + dlen;
	}
}

const struct scp_part *scp_multipart_get(const struct scp_multipart *m, const char *name)
{
	for (int i = 0; i < m->nparts; i++)
		if (!strcmp(m->parts[i].name, name))
			return &m->parts[i];
	return NULL;
}

const char *scp_multipart_field(struct scp_arena *a, const struct scp_multipart *m,
				const char *name)
{
	const struct scp_part *p = scp_multipart_get(m, name);

	if (!p || p->filename)
		return NULL;
	return scp_arena_strndup(a, p->data, p->len);
}
