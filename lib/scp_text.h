/*
 * scp_text: checks and conversions of plain text (ids, addresses, dates, UTF-8, field
 * names).  The bottom of libscp: it includes nothing of it, so every layer may use it
 * (as git's strbuf stands below everything that handles text).
 */
#ifndef SCP_TEXT_H
#define SCP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* 8-4-4-4-12 hexadecimal digits. */
bool scp_valid_uuid(const char *s);
/* Is s one of the NULL-terminated choices? */
bool scp_str_in(const char *s, const char *const *choices);
bool scp_valid_email(const char *s);
/* E.164: '+', a non-zero digit, 8 to 15 digits in all. */
bool scp_valid_phone(const char *s);
/* YYYY-MM-DD naming a real day from 1970 on, so that a ::date cast cannot fail. */
bool scp_valid_date(const char *s);
/* Number of UTF-8 characters in s. */
size_t scp_utf8_len(const char *s);
/* Is text strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF)? */
bool scp_utf8_valid(const char *text, size_t len);
/* The value of a hexadecimal digit (either case), or -1 for any other character. */
int scp_hex_digit(int c);
/* Does the name have an upper-case letter (a camelCase spelling)? */
bool scp_is_camel(const char *name, size_t len);
/*
 * camelCase to snake_case ("minOrderQuantity" → "min_order_quantity") into out, NUL
 * terminated.  Returns the length, or 0 when out (cap bytes) is too small.
 */
size_t scp_snake_fold(const char *name, size_t len, char *out, size_t cap);

#endif
