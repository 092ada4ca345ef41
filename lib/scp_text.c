/* scp_text: checks of plain text; nothing here knows of requests, JSON or the database. */
#include "scp_text.h"

#include <stdio.h>
#include <string.h>

bool scp_valid_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!s)
		return false;
	for (size_t i = 0; i < sizeof(shape) - 1; i++, s++) {
		bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
			   (*s >= 'A' && *s <= 'F');

		if (shape[i] == '-' ? *s != '-' : !hex)
			return false;
	}
	return *s == '\0';
}

bool scp_str_in(const char *s, const char *const *choices)
{
	for (; s && *choices; choices++)
		if (!strcmp(s, *choices))
			return true;
	return false;
}

bool scp_valid_email(const char *s)
{
	const char *at = strchr(s, '@'), *dot;
	size_t len = strlen(s);

	if (!at || at == s || strchr(at + 1, '@') || len > 254)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',' ||
		    *p == ';' || *p == '"' || *p == '\\' || (unsigned char)*p >= 0x7f)
			return false;
	dot = strrchr(at, '.');
	return dot && dot > at + 1 && dot[1] != '\0';
}

bool scp_valid_phone(const char *s)
{
	size_t n = 0;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	for (s++; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= 8 && n <= 15;
}

size_t scp_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Unicode table 3-7, byte by byte. */
bool scp_utf8_valid(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i], lo = 0x80, hi = 0xBF;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;	/* no overlong 3-byte forms */
			hi = c == 0xED ? 0x9F : 0xBF;	/* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;	/* no overlong 4-byte forms */
			hi = c == 0xF4 ? 0x8F : 0xBF;	/* nothing past U+10FFFF */
		} else {
			return false;
		}
		if (len - i - 1 < n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

bool scp_valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] &&
	       (m != 2 || d < 29 || (y % 4 == 0 && (y % 100 || y % 400 == 0)));
}

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

size_t scp_snake_fold(const char *name, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		/* A word starts at a capital after a small letter, or ends a run of capitals. */
		bool word = is_upper(c) && i > 0 &&
			    (is_lower_or_digit(name[i - 1]) ||
			     (is_upper(name[i - 1]) && i + 1 < len && is_lower_or_digit(name[i + 1])));

		if (n + 2 >= cap)
			return 0;
		if (word)
			out[n++] = '_';
		out[n++] = is_upper(c) ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return n;
}

bool scp_is_camel(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			return true;
	return false;
}

int scp_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
