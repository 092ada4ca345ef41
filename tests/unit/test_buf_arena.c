/*
 * test_buf_arena: the two memory primitives every handler leans on.
 *
 * scp_buf keeps git's strbuf invariants (ptr never NULL, always NUL-terminated);
 * scp_arena hands out max_align_t-aligned memory and reuses its chunks after a reset.
 * Run under ASan, these also catch overruns and leaks in the growth paths.
 */
#include "scp_arena.h"
#include "scp_buf.h"
#include "tap.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The invariants hold: ptr set, NUL at len, len within capacity. */
static bool sane(const struct scp_buf *b)
{
	return b->ptr && b->ptr[b->len] == '\0' && (b->cap == 0 ? b->len == 0 : b->len < b->cap);
}

static void test_buf_basics(void)
{
	struct scp_buf b = SCP_BUF_INIT;

	ok(sane(&b) && b.ptr == scp_buf_empty, "SCP_BUF_INIT is an empty string, not NULL");
	scp_buf_reset(&b);
	ok(sane(&b) && scp_buf_empty[0] == '\0', "reset of an unallocated buffer writes nothing");
	scp_buf_adds(&b, "abc");
	scp_buf_addc(&b, 'd');
	scp_buf_add(&b, "efgh", 2);
	ok(sane(&b), "adds/addc/add keep the invariants");
	is_str(b.ptr, "abcdef", "... and append in order");
	is_int((long long)b.len, 6, "... len counts the bytes");
	scp_buf_add(&b, "x\0y", 3);
	is_int((long long)b.len, 9, "add copies embedded NULs and counts them");
	ok(b.ptr[9] == '\0' && b.ptr[8] == 'y', "... still NUL-terminated after them");

	size_t cap = b.cap;

	scp_buf_reset(&b);
	ok(sane(&b) && b.len == 0 && b.ptr[0] == '\0', "reset empties the string");
	is_int((long long)b.cap, (long long)cap, "... and keeps the capacity");
	scp_buf_release(&b);
	ok(sane(&b) && b.ptr == scp_buf_empty && b.cap == 0, "release goes back to empty");

	scp_buf_init(&b, 0);
	ok(sane(&b) && b.cap == 0, "init with no hint allocates nothing");
	scp_buf_init(&b, 100);
	ok(sane(&b) && b.cap >= 101, "init with a hint has room for it and the NUL");
	scp_buf_release(&b);
}

static void test_buf_addf(void)
{
	struct scp_buf b = SCP_BUF_INIT;
	char big[5000];

	scp_buf_addf(&b, "%d-%s", 42, "x");
	ok(sane(&b), "addf on an unallocated buffer keeps the invariants");
	is_str(b.ptr, "42-x", "... and formats");

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	scp_buf_addf(&b, "[%s]", big);
	ok(sane(&b) && b.len == 4 + 2 + sizeof(big) - 1, "addf grows for a long result");
	ok(b.ptr[4] == '[' && b.ptr[5] == 'z' && b.ptr[b.len - 1] == ']',
	   "... keeping what was there and writing all of it");
	for (int i = 0; i < 1000; i++)
		scp_buf_addf(&b, "%04d", i);
	ok(sane(&b) && b.len == 4 + 2 + sizeof(big) - 1 + 4000, "1000 appends add up");
	ok(!memcmp(b.ptr + b.len - 8, "09980999", 8), "... the last ones at the end");
	scp_buf_release(&b);

	/* Exactly filling the capacity must not lose the NUL or the last byte. */
	scp_buf_init(&b, 10);
	scp_buf_addf(&b, "%s", "0123456789");
	ok(sane(&b) && !strcmp(b.ptr, "0123456789"), "addf filling the capacity exactly");
	scp_buf_addf(&b, "%s", "!");
	ok(sane(&b) && !strcmp(b.ptr, "0123456789!"), "addf one past it grows");
	scp_buf_addf(&b, "%s", "");
	ok(sane(&b) && b.len == 11, "addf of nothing changes nothing");
	scp_buf_release(&b);
}

static void json_str(const char *in, const char *want, const char *what)
{
	struct scp_buf b = SCP_BUF_INIT;

	scp_buf_add_json_str(&b, in);
	ok(sane(&b), "%s: invariants", what);
	is_str(b.ptr, want, "%s", what);
	scp_buf_release(&b);
}

static void test_buf_json(void)
{
	json_str("", "\"\"", "empty string is two quotes");
	json_str("plain", "\"plain\"", "plain text is quoted");
	json_str("say \"hi\"", "\"say \\\"hi\\\"\"", "quotes escaped");
	json_str("C:\\dir", "\"C:\\\\dir\"", "backslash escaped");
	json_str("a\nb\rc\td", "\"a\\nb\\rc\\td\"", "newline, return, tab escaped");
	json_str("\x01\x1f\b\f", "\"\\u0001\\u001f\\u0008\\u000c\"",
		 "other control characters as \\u00XX");
	json_str("caf\xc3\xa9 </script>", "\"caf\xc3\xa9 </script>\"",
		 "UTF-8 and '/' pass through");

	struct scp_buf b = SCP_BUF_INIT;

	scp_buf_adds(&b, "{\"k\":");
	scp_buf_add_json_str(&b, "v");
	scp_buf_addc(&b, '}');
	is_str(b.ptr, "{\"k\":\"v\"}", "json_str appends to what is there");
	scp_buf_release(&b);
}

static void test_buf_trim(void)
{
	struct scp_buf b = SCP_BUF_INIT;

	scp_buf_grow(&b, 1 << 20);
	scp_buf_adds(&b, "data");
	ok(b.cap > (1 << 20), "grow reserves what was asked");
	scp_buf_trim(&b, 1024);
	ok(sane(&b) && b.cap <= 1024 && b.cap > 0, "trim shrinks to the limit");
	scp_buf_adds(&b, "again");
	ok(sane(&b), "... and the buffer is usable after");
	scp_buf_release(&b);
}

static bool aligned(const void *p)
{
	return (uintptr_t)p % alignof(max_align_t) == 0;
}

static void test_arena_alignment(void)
{
	struct scp_arena a;
	static const size_t sizes[] = { 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 0, 1 };
	bool all = true, disjoint = true;
	unsigned char *p[sizeof(sizes) / sizeof(sizes[0])];
	size_t n = sizeof(sizes) / sizeof(sizes[0]);

	scp_arena_init(&a, 0);
	for (size_t i = 0; i < n; i++) {
		p[i] = scp_arena_alloc(&a, sizes[i]);
		all &= p[i] != NULL && aligned(p[i]);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	ok(all, "every allocation is non-NULL and aligned for max_align_t");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			disjoint &= p[i][j] == (unsigned char)(i + 1);
	ok(disjoint, "allocations do not overlap");
	scp_arena_free(&a);
}

static void test_arena_big(void)
{
	struct scp_arena a;
	unsigned char *small, *big, *after;

	scp_arena_init(&a, 256);
	small = scp_arena_alloc(&a, 16);
	big = scp_arena_alloc(&a, 100000);
	ok(big && aligned(big), "an allocation far larger than a chunk succeeds");
	memset(big, 0xab, 100000);
	after = scp_arena_alloc(&a, 16);
	memset(after, 0xcd, 16);
	ok(big[0] == 0xab && big[99999] == 0xab, "... all of it is usable");
	ok((uintptr_t)after + 16 <= (uintptr_t)big || (uintptr_t)after >= (uintptr_t)big + 100000,
	   "the next allocation is outside it");

	/* Many small allocations spill over several chunks. */
	bool all = true;

	for (int i = 0; i < 1000; i++) {
		char *s = scp_arena_alloc(&a, 40);

		all &= s && aligned(s);
		memset(s, 'q', 40);
	}
	ok(all, "1000 allocations across chunks");

	scp_arena_reset(&a);
	ok(scp_arena_alloc(&a, 16) == small, "after reset the first allocation is reused");
	big = scp_arena_alloc(&a, 100000);
	memset(big, 0, 100000);
	ok(big != NULL, "a big allocation after reset succeeds");
	scp_arena_free(&a);
}

static void test_arena_reuse(void)
{
	struct scp_arena a;
	void *first[50];
	bool same = true;

	scp_arena_init(&a, 512);
	for (int i = 0; i < 50; i++)
		first[i] = scp_arena_alloc(&a, 100);
	scp_arena_reset(&a);
	for (int i = 0; i < 50; i++)
		same &= scp_arena_alloc(&a, 100) == first[i];
	ok(same, "after reset the same sequence reuses the same memory (chunks kept)");
	scp_arena_reset(&a);
	scp_arena_reset(&a);
	ok(scp_arena_alloc(&a, 1) == first[0], "reset twice is harmless");
	scp_arena_free(&a);
	ok(a.first == NULL && a.head == NULL, "free forgets the chunks");
}

static void test_arena_strings(void)
{
	struct scp_arena a;
	char big[3000];
	char *s;

	scp_arena_init(&a, 1024);
	is_str(scp_arena_strdup(&a, "hello"), "hello", "strdup copies");
	is_str(scp_arena_strdup(&a, ""), "", "strdup of empty");
	is_str(scp_arena_strndup(&a, "hello world", 5), "hello", "strndup stops at n");
	s = scp_arena_strndup(&a, "abc", 0);
	is_str(s, "", "strndup of 0 bytes is empty");
	is_str(scp_arena_printf(&a, "%s=%d", "n", 7), "n=7", "printf formats");
	is_str(scp_arena_printf(&a, "%s", ""), "", "printf of nothing");
	memset(big, 'w', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = scp_arena_printf(&a, "<%s>", big);
	ok(s && strlen(s) == sizeof(big) + 1 && s[0] == '<' && s[sizeof(big)] == '>',
	   "printf longer than a chunk");
	scp_arena_free(&a);
}

int main(void)
{
	test_buf_basics();
	test_buf_addf();
	test_buf_json();
	test_buf_trim();
	test_arena_alignment();
	test_arena_big();
	test_arena_reuse();
	test_arena_strings();
	return done_testing();
}
