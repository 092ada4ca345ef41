#include "scp_profile.h"

#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_MEMBERS 128

/* A member of the top-level object: its canonical key and where it stands in pass 1. */
struct member {
	const char *key;
	size_t key_len;
	size_t start, end;	/* [start, end) of `"key":value` in the pass-1 buffer */
};

/* Pass 1's state: the canonical text is walked once, tokens rewritten into b. */
struct pass {
	const struct scp_profile *p;
	const struct scp_profile_route *rt;
	struct scp_buf *b;
	uint64_t in_object;	/* bit d: the container at depth d + 1 is an object */
	int depth;
	bool want_key;	/* in an object, before a key */
	bool role_value;	/* the value being read is a "role" */
	const char *top_key;	/* the top-level member being read */
	size_t top_key_len;
	struct member m[MAX_MEMBERS];
	int nm;
	bool top_object;
};

static struct scp_buf pass1 = SCP_BUF_INIT;

/* Byte classes of the scanner: a table, as every byte between strings is looked at. */
#define C_SPACE 1	/* whitespace between tokens */
#define C_END 2	/* ends a number or literal */
static const unsigned char cls[256] = {
	[' '] = C_SPACE | C_END, ['\t'] = C_SPACE | C_END, ['\r'] = C_SPACE | C_END,
	['\n'] = C_SPACE | C_END, [','] = C_END, [':'] = C_END, [']'] = C_END, ['}'] = C_END,
};

/* One byte of pass 1's output; capacity is reserved up front, renames may take it. */
static inline void put(struct scp_buf *b, char c)
{
	if (b->len + 1 >= b->cap)
		scp_buf_grow(b, 1);
	b->ptr[b->len++] = c;
}

const struct scp_profile *scp_profile_find(const char *name)
{
	if (!name || !*name || !strcmp(name, "scp"))
		return NULL;
	for (const struct scp_profile *p = scp_profiles; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

bool scp_profile_known(const char *name)
{
	return !name || !*name || !strcmp(name, "scp") || scp_profile_find(name);
}

const struct scp_profile_route *scp_profile_route(const struct scp_profile *p,
						  const char *method, const char *pattern)
{
	if (!p || !p->routes || !pattern)
		return NULL;
	for (const struct scp_profile_route *rt = p->routes; rt->method; rt++)
		if (!strcmp(rt->pattern, pattern) && !strcmp(rt->method, method))
			return rt;
	return NULL;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(k, want, n);
}

/*
 * A key in the profile's spelling: snake_case → camelCase ("total_pages" → "totalPages").
 * Written through a local pointer (the hottest loop of a render); an escaped key is
 * left as it is.
 */
static void add_key(struct pass *s, const char *k, size_t n)
{
	struct scp_buf *b = s->b;
	char *o;

	if (b->len + n + 3 > b->cap)
		scp_buf_grow(b, n + 2);
	o = b->ptr + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		char c = k[i];

		if (c == '\\') {
			scp_buf_add(b, k - 1, n + 2);
			return;
		}
		if (c == '_' && s->p->camel && i > 0 && i + 1 < n && k[i + 1] >= 'a' &&
		    k[i + 1] <= 'z')
			c = (char)(k[++i] - 'a' + 'A');
		*o++ = c;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->ptr);
}

/*
 * The name a key goes by: a rename of the route's rule, a key the profile keeps,
 * pagination's page size, or its own.
 */
static void write_key(struct pass *s, const char *k, size_t n)
{
	if (s->depth == 1 && s->rt && s->rt->renames) {
		for (const struct scp_rename *rn = s->rt->renames; rn->from; rn++) {
			if (key_is(k, n, rn->from)) {
				scp_buf_add_json_str(s->b, rn->to);
				return;
			}
		}
	}
	if (s->p->keep_keys) {
		for (const char *const *kk = s->p->keep_keys; *kk; kk++) {
			if (key_is(k, n, *kk)) {
				scp_buf_add(s->b, k - 1, n + 2);
				return;
			}
		}
	}
	if (s->depth == 2 && s->p->page_size_key && s->top_key &&
	    key_is(s->top_key, s->top_key_len, "pagination") && key_is(k, n, "page_size")) {
		scp_buf_add_json_str(s->b, s->p->page_size_key);
		return;
	}
	add_key(s, k, n);
}

/*
 * The end of the string starting at text[i] (its opening quote); 0 when unterminated.
 * memchr finds each quote; an odd run of backslashes before one escapes it.
 */
static size_t string_end(const char *text, size_t i, size_t len)
{
	const char *start = text + i + 1, *p = start, *end = text + len, *q;

	while ((q = memchr(p, '"', (size_t)(end - p)))) {
		const char *k = q;

		while (k > start && k[-1] == '\\')
			k--;
		if (!((q - k) & 1))
			return (size_t)(q - text) + 1;
		p = q + 1;
	}
	return 0;
}

static void string_token(struct pass *s, const char *text, size_t i, size_t e)
{
	bool key = s->depth > 0 && (s->in_object >> (s->depth - 1) & 1) && s->want_key;

	if (!key) {
		size_t at = s->b->len;

		scp_buf_add(s->b, text + i, e - i);
		if (s->role_value && s->p->upper_roles)
			for (size_t k = at; k < s->b->len; k++)
				if (s->b->ptr[k] >= 'a' && s->b->ptr[k] <= 'z')
					s->b->ptr[k] = (char)(s->b->ptr[k] - 'a' + 'A');
		s->role_value = false;
		return;
	}
	if (s->depth == 1) {
		if (s->nm == MAX_MEMBERS)
			s->nm = MAX_MEMBERS + 1;	/* too many to restructure */
		else if (s->nm < MAX_MEMBERS)
			s->m[s->nm++] = (struct member){ text + i + 1, e - i - 2, s->b->len, 0 };
		s->top_key = text + i + 1;
		s->top_key_len = e - i - 2;
	}
	write_key(s, text + i + 1, e - i - 2);
	s->role_value = key_is(text + i + 1, e - i - 2, "role");
	s->want_key = false;
}

/* The top-level member being read ends here. */
static void member_end(struct pass *s)
{
	if (s->depth == 1 && s->nm > 0 && s->nm <= MAX_MEMBERS)
		s->m[s->nm - 1].end = s->b->len;
}

static bool open_container(struct pass *s, bool object)
{
	if (s->depth == MAX_DEPTH)
		return false;
	if (s->depth == 0)
		s->top_object = object;
	if (object)
		s->in_object |= UINT64_C(1) << s->depth;
	else
		s->in_object &= ~(UINT64_C(1) << s->depth);
	s->depth++;
	s->want_key = object;
	return true;
}

/* Pass 1: every token once, in the profile's spelling, compact. */
static bool rewrite(struct pass *s, const char *text, size_t len)
{
	struct scp_buf *b = s->b;
	size_t i = 0;

	while (i < len && cls[(unsigned char)text[i]] & C_SPACE)
		i++;
	if (i == len || (text[i] != '{' && text[i] != '['))
		return false;	/* only objects and arrays are rendered */
	scp_buf_grow(b, len);	/* the output is no longer, but for renames */
	while (i < len) {
		char c = text[i];
		size_t e;

		if (cls[(unsigned char)c] & C_SPACE) {
			i++;
			continue;
		}
		switch (c) {
		case '{': case '[':
			if (!open_container(s, c == '{'))
				return false;
			put(b, c);
			i++;
			continue;
		case '}': case ']':
			if (s->depth == 0)
				return false;
			if (s->depth == 1)
				member_end(s);
			s->depth--;
			put(b, c);
			s->role_value = false;
			i++;
			continue;
		case ',':
			member_end(s);
			put(b, c);
			s->want_key = s->depth > 0 && (s->in_object >> (s->depth - 1) & 1);
			i++;
			continue;
		case ':':
			put(b, c);
			i++;
			continue;
		case '"':
			e = string_end(text, i, len);
			if (!e)
				return false;	/* a truncated document */
			string_token(s, text, i, e);
			i = e;
			continue;
		default:
			/* A number, true, false or null: up to the next delimiter. */
			for (e = i; e < len && !(cls[(unsigned char)text[e]] & C_END); e++)
				;
			scp_buf_add(b, text + i, e - i);
			s->role_value = false;
			i = e;
			continue;
		}
	}
	b->ptr[b->len] = '\0';
	return s->depth == 0 && b->len > 0;
}

static bool listed(const char *const *keys, const struct member *m)
{
	for (; keys && *keys; keys++)
		if (key_is(m->key, m->key_len, *keys))
			return true;
	return false;
}

/* Where a member goes: in the nest, beside it, or both. */
static bool goes(const struct scp_profile_route *rt, const struct member *m, bool beside)
{
	if (!rt || !rt->nest)
		return !beside;
	if (listed(rt->both, m))
		return true;
	return listed(rt->beside, m) == beside;
}

/* The members of pass 1's object (its braces left out), in or beside the nest. */
static void add_members(struct scp_buf *out, const struct pass *s, bool beside, bool *first)
{
	for (int i = 0; i < s->nm; i++) {
		const struct member *m = &s->m[i];

		if (key_is(m->key, m->key_len, "success") || !goes(s->rt, m, beside))
			continue;
		if (!*first)
			scp_buf_addc(out, ',');
		*first = false;
		scp_buf_add(out, s->b->ptr + m->start, m->end - m->start);
	}
}

/* The resource, nested under the rule's key with its beside members next to it. */
static void add_nested(struct scp_buf *out, const struct pass *s, bool *first)
{
	bool inner = true;

	if (!*first)
		scp_buf_addc(out, ',');
	*first = false;
	scp_buf_add_json_str(out, s->rt->nest);
	scp_buf_adds(out, ":{");
	add_members(out, s, false, &inner);
	scp_buf_addc(out, '}');
	add_members(out, s, true, first);
}

/* Does the top-level object have a "success" member (pass 1 saw all its members)? */
static bool has_success(const struct pass *s)
{
	if (!s->top_object || s->nm >= MAX_MEMBERS)
		return false;
	for (int i = 0; i < s->nm; i++)
		if (key_is(s->m[i].key, s->m[i].key_len, "success"))
			return true;
	return false;
}

/*
 * The data of a DATA envelope, or the named array of a SUCCESS one.  In a DATA
 * envelope a canonical {"success": true} (logout) is the envelope's own: the data
 * leaves it out, as the profile's document says (tools/node/profile-spec.mjs).
 */
static void add_document(struct scp_buf *out, const struct pass *s, bool nest, bool data)
{
	bool first = true;

	if (!nest && data && has_success(s)) {
		scp_buf_addc(out, '{');
		add_members(out, s, false, &first);
		scp_buf_addc(out, '}');
		return;
	}
	if (!s->top_object || !nest) {
		scp_buf_add(out, s->b->ptr, s->b->len);
		return;
	}
	scp_buf_addc(out, '{');
	add_nested(out, s, &first);
	scp_buf_addc(out, '}');
}

/* The top-level member named key, or NULL (pass 1 must have seen every member). */
static const struct member *member_named(const struct pass *s, const char *key)
{
	if (!s->top_object || s->nm > MAX_MEMBERS)
		return NULL;
	for (int i = 0; i < s->nm; i++)
		if (key_is(s->m[i].key, s->m[i].key_len, key))
			return &s->m[i];
	return NULL;
}

/*
 * A page in a DATA envelope: {"success": true, "data": […the results…], "pagination": …,
 * …its other members…}.  The frontends of such a dialect read data as the list itself
 * (Cliick's apiClient.ts: getShops → Shop[]); the page's other members stay beside it.
 * Only a route with no rule of its own, and only a canonical page: results and pagination.
 */
static bool add_page_data(struct scp_buf *out, const struct pass *s)
{
	const struct member *res = member_named(s, "results");
	size_t colon;

	if (!res || !member_named(s, "pagination") || s->rt)
		return false;
	colon = res->start + res->key_len + 3;	/* past `"results":` (key as written) */
	if (colon >= res->end || s->b->ptr[colon - 1] != ':' || s->b->ptr[colon] != '[')
		return false;
	scp_buf_adds(out, "\"data\":");
	scp_buf_add(out, s->b->ptr + colon, res->end - colon);
	for (int i = 0; i < s->nm; i++) {
		const struct member *m = &s->m[i];

		if (m == res || key_is(m->key, m->key_len, "success"))
			continue;
		scp_buf_addc(out, ',');
		scp_buf_add(out, s->b->ptr + m->start, m->end - m->start);
	}
	scp_buf_addc(out, '}');
	return true;
}

/*
 * A DATA envelope's rule without a nest: its `both` members, kept in data, are copied
 * beside it too (Cliick's paymentService.ts reads paymentIntent at the top level).
 */
static void add_both_beside(struct scp_buf *out, const struct pass *s)
{
	if (!s->rt || s->rt->nest || !s->rt->both || !s->top_object || s->nm > MAX_MEMBERS)
		return;
	for (int i = 0; i < s->nm; i++) {
		const struct member *m = &s->m[i];

		if (key_is(m->key, m->key_len, "success") || !listed(s->rt->both, m))
			continue;
		scp_buf_addc(out, ',');
		scp_buf_add(out, s->b->ptr + m->start, m->end - m->start);
	}
}

bool scp_profile_render(const struct scp_profile *p, const struct scp_profile_route *rt,
			const char *json, size_t len, struct scp_buf *out)
{
	struct pass s = { .p = p, .rt = rt, .b = &pass1 };
	bool first = false;	/* "success" comes first */
	bool nest;

	scp_buf_reset(&pass1);
	if (!rewrite(&s, json, len))
		return false;
	nest = rt && rt->nest && s.nm <= MAX_MEMBERS;
	scp_buf_reset(out);
	if (p->envelope == SCP_ENVELOPE_NONE) {
		add_document(out, &s, nest, false);
		return true;
	}
	scp_buf_adds(out, "{\"success\":true,");
	if (p->envelope == SCP_ENVELOPE_DATA && add_page_data(out, &s))
		return true;
	if (p->envelope == SCP_ENVELOPE_DATA || !s.top_object) {
		scp_buf_add_json_str(out, p->envelope == SCP_ENVELOPE_SUCCESS && rt && rt->nest ?
					  rt->nest : "data");
		scp_buf_addc(out, ':');
		add_document(out, &s, nest, p->envelope == SCP_ENVELOPE_DATA);
		if (p->envelope == SCP_ENVELOPE_DATA)
			add_both_beside(out, &s);
		scp_buf_addc(out, '}');
		return true;
	}
	if (s.nm > MAX_MEMBERS) {
		/* Too many members to restructure: the object as it is, "success" in front. */
		scp_buf_add(out, pass1.ptr + 1, pass1.len - 1);
		return true;
	}
	out->ptr[--out->len] = '\0';	/* the comma goes before each member */
	if (nest)
		add_nested(out, &s, &first);
	else
		add_members(out, &s, false, &first);
	scp_buf_addc(out, '}');
	return true;
}
