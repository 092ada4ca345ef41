/*
 * test_log: a message made one line, JSON string escaping (cut at a character, never
 * inside one), and the timestamp with exactly three fraction digits.
 */
#include "scp_log.h"
#include "tap.h"

#include <string.h>
#include <time.h>

int main(void)
{
	char b[128];
	struct timespec t = { .tv_sec = 1795000000, .tv_nsec = 5000000 };

	scp_log_one_line(b, sizeof(b), "ERROR:  x\nDETAIL:  y\n");
	is_str(b, "ERROR:  x | DETAIL:  y", "inner newline → \" | \", the last dropped");
	scp_log_one_line(b, sizeof(b), "failed: no file\n\tIs the server running?\n\n");
	is_str(b, "failed: no file | Is the server running?", "the indent after it too");
	scp_log_one_line(b, sizeof(b), "a\r\nb");
	is_str(b, "a | b", "CRLF");
	scp_log_one_line(b, sizeof(b), "plain");
	is_str(b, "plain", "a plain message unchanged");
	scp_log_one_line(b, 4, "abcdef");
	is_str(b, "abc", "cut to the room");

	scp_log_json_escape(b, sizeof(b), "say \"hi\"\\\n\x01");
	is_str(b, "say \\\"hi\\\"\\\\\\u000a\\u0001", "quotes, backslash, controls");
	scp_log_json_escape(b, 5, "ab\xc3\xa9z");
	is_str(b, "ab\xc3\xa9", "a whole two-byte character fits");
	scp_log_json_escape(b, 4, "ab\xc3\xa9z");
	is_str(b, "ab", "a character that does not fit is left out whole");
	scp_log_json_escape(b, 5, "a\xe2\x82\xac");
	is_str(b, "a\xe2\x82\xac", "three bytes that fit");
	scp_log_json_escape(b, 4, "a\xe2\x82\xac");
	is_str(b, "a", "three bytes that do not");

	scp_log_stamp(b, sizeof(b), &t);
	is_str(b, "2026-11-18T11:06:40.005Z", "UTC, three fraction digits (005, not 5)");
	t.tv_nsec = 999999999;
	scp_log_stamp(b, sizeof(b), &t);
	is_str(b, "2026-11-18T11:06:40.999Z", "truncated, never rounded up to 1000");
	t.tv_nsec = 0;
	scp_log_stamp(b, sizeof(b), &t);
	ok(strlen(b) == 24 && !strcmp(b + 19, ".000Z"), "always the same length");
	return done_testing();
}
