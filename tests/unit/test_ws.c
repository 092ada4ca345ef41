/*
 * test_ws: the WebSocket protocol of lib/scp_ws.c: the handshake (RFC 6455's own
 * example key), masked frames, fragments with control frames between them, the
 * refusals with their close codes (unmasked 1002, too big 1009, bad UTF-8 1007, unknown
 * opcodes, RSV bits, non-minimal lengths), the writer, and random bytes that must never
 * read outside the input.
 */
#include "scp_buf.h"
#include "scp_ws.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static struct scp_ws_parser P;

/* A client frame: fin, opcode, masked with a fixed key, into out; returns its length. */
static size_t cframe(uint8_t *out, bool fin, int op, const void *data, size_t n)
{
	static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t hl = 2;

	out[0] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (n < 126) {
		out[1] = (uint8_t)(0x80 | n);
	} else if (n < 65536) {
		out[1] = 0x80 | 126;
		out[2] = (uint8_t)(n >> 8);
		out[3] = (uint8_t)n;
		hl = 4;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	memcpy(out + hl, mask, 4);
	for (size_t i = 0; i < n; i++)
		out[hl + 4 + i] = ((const uint8_t *)data)[i] ^ mask[i & 3];
	return hl + 4 + n;
}

static enum scp_ws_event parse1(const uint8_t *b, size_t n, size_t *used)
{
	return scp_ws_parse(&P, b, n, used);
}

static void handshake(void)
{
	static const char good[] = "GET /ws?token=x HTTP/1.1\r\nHost: localhost\r\n"
				   "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
				   "Sec-WebSocket-Version: 13\r\n"
				   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				   "X-Scp-User-Id: 0cb0d351-4065-4e41-ac0e-9b2722778784\r\n\r\nrest";
	struct scp_ws_handshake h;
	struct scp_buf out = SCP_BUF_INIT;
	char acc[29];
	char *big;

	scp_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", acc);
	is_str(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "the RFC's example accept key");
	is_int(scp_ws_handshake_parse(good, 20, &h), SCP_WS_HS_MORE, "half a head: more");
	is_int(scp_ws_handshake_parse(good, sizeof(good) - 1, &h), SCP_WS_HS_OK, "a good upgrade");
	is_int((int)h.head_len, (int)(sizeof(good) - 5), "the head ends at the blank line");
	is_str(h.key, "dGhlIHNhbXBsZSBub25jZQ==", "the key");
	is_str(h.user, "0cb0d351-4065-4e41-ac0e-9b2722778784", "the user nginx named");
	scp_ws_handshake_answer(&h, &out);
	ok(strstr(out.ptr, "101 Switching Protocols\r\n") &&
	   strstr(out.ptr, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
	   "the 101 answer carries the accept key");
	scp_buf_release(&out);

#define HS(s) scp_ws_handshake_parse(s, sizeof(s) - 1, &h)
	is_int(HS("POST /ws HTTP/1.1\r\nHost: x\r\n\r\n"), SCP_WS_HS_METHOD, "POST: method");
	is_int(HS("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"), SCP_WS_HS_BAD, "no upgrade: bad");
	is_int(HS("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
	       SCP_WS_HS_VERSION, "version 8: version");
	is_int(HS("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short==\r\n\r\n"),
	       SCP_WS_HS_BAD, "a key of the wrong length: bad");
	is_int(HS("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\n\r\n"),
	       SCP_WS_HS_BAD, "a key whose last character has stray bits: bad");
	is_int(HS("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\nno colon here\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
	       SCP_WS_HS_BAD, "a header line without a colon: bad");
	is_int(HS("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		  "X-Scp-User-Id: 0123456789012345678901234567890123456789xx\r\n\r\n"),
	       SCP_WS_HS_OK, "an overlong user header is ignored...");
	is_str(h.user, "", "...and names nobody");
	is_int(HS("GET\r\n\r\n"), SCP_WS_HS_BAD, "a request line without a target: bad");
	big = malloc(SCP_WS_MAX_HANDSHAKE + 10);
	memset(big, 'a', SCP_WS_MAX_HANDSHAKE + 10);
	is_int(scp_ws_handshake_parse(big, SCP_WS_MAX_HANDSHAKE + 10, &h), SCP_WS_HS_TOO_BIG,
	       "a head with no end within 8 KiB: too big");
	free(big);
#undef HS
}

static void frames(void)
{
	static uint8_t buf[70000], data[70000];
	size_t n, used, off;

	scp_ws_parser_init(&P);
	n = cframe(buf, true, SCP_WS_TEXT, "Hello", 5);
	is_int(parse1(buf, 1, &used), SCP_WS_EV_MORE, "one byte: more");
	is_int(parse1(buf, n - 1, &used), SCP_WS_EV_MORE, "all but one byte: more");
	is_int(parse1(buf, n, &used), SCP_WS_EV_TEXT, "a masked text frame");
	ok(used == n && P.len == 5 && !memcmp(P.payload, "Hello", 5), "unmasked, all of it used");

	/* Fragments with a ping between them (§5.4: control frames may be interleaved). */
	off = cframe(buf, false, SCP_WS_TEXT, "Hel", 3);
	off += cframe(buf + off, true, SCP_WS_PING, "p!", 2);
	off += cframe(buf + off, true, SCP_WS_CONT, "lo", 2);
	is_int(parse1(buf, off, &used), SCP_WS_EV_FRAGMENT, "the first fragment is kept");
	n = used;
	is_int(parse1(buf + n, off - n, &used), SCP_WS_EV_PING, "a ping between fragments");
	ok(P.len == 2 && !memcmp(P.payload, "p!", 2), "with its payload");
	n += used;
	is_int(parse1(buf + n, off - n, &used), SCP_WS_EV_TEXT, "the last fragment ends it");
	ok(P.len == 5 && !memcmp(P.payload, "Hello", 5) && n + used == off, "the whole message");

	/* A 16-bit length, exactly the limit. */
	memset(data, 'x', SCP_WS_MAX_MESSAGE);
	n = cframe(buf, true, SCP_WS_TEXT, data, SCP_WS_MAX_MESSAGE);
	is_int(parse1(buf, n, &used), SCP_WS_EV_TEXT, "16 KiB exactly: taken");
	is_int((int)P.len, SCP_WS_MAX_MESSAGE, "all of it");
	/* One more: refused from the header alone, before the payload came. */
	n = cframe(buf, true, SCP_WS_TEXT, data, SCP_WS_MAX_MESSAGE + 1);
	is_int(parse1(buf, 4, &used), SCP_WS_EV_ERROR, "16 KiB + 1: refused from the header");
	is_int(P.close_code, 1009, "with 1009");
	n = cframe(buf, true, SCP_WS_BINARY, data, 65536);
	scp_ws_parser_init(&P);
	is_int(parse1(buf, 10, &used), SCP_WS_EV_ERROR, "a 64-bit length: refused");
	is_int(P.close_code, 1009, "with 1009");
	/* Fragments that add up past the limit. */
	scp_ws_parser_init(&P);
	off = cframe(buf, false, SCP_WS_TEXT, data, 10000);
	off += cframe(buf + off, false, SCP_WS_CONT, data, 10000);
	is_int(parse1(buf, off, &used), SCP_WS_EV_FRAGMENT, "10 000 bytes kept");
	is_int(parse1(buf + used, off - used, &used), SCP_WS_EV_ERROR, "10 000 more: refused");
	is_int(P.close_code, 1009, "with 1009");

	/* Refusals. */
	scp_ws_parser_init(&P);
	n = cframe(buf, true, SCP_WS_TEXT, "hi", 2);
	buf[1] &= 0x7f;
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "an unmasked client frame");
	is_int(P.close_code, 1002, "with 1002");
	n = cframe(buf, true, SCP_WS_TEXT, "hi", 2);
	buf[0] |= 0x40;
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "RSV1 set");
	is_int(P.close_code, 1002, "with 1002");
	for (int op = 3; op < 16; op++) {
		if (op >= 8 && op <= 10)
			continue;
		n = cframe(buf, true, op, "hi", 2);
		if (parse1(buf, n, &used) != SCP_WS_EV_ERROR || P.close_code != 1002)
			break;
		if (op == 15)
			ok(true, "every reserved opcode: 1002");
	}
	n = cframe(buf, true, SCP_WS_CONT, "hi", 2);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "a continuation with nothing started");
	off = cframe(buf, false, SCP_WS_TEXT, "a", 1);
	off += cframe(buf + off, true, SCP_WS_TEXT, "b", 1);
	parse1(buf, off, &used);
	is_int(parse1(buf + used, off - used, &used), SCP_WS_EV_ERROR,
	       "a new message inside a fragmented one");
	is_int(P.close_code, 1002, "with 1002");
	scp_ws_parser_init(&P);
	n = cframe(buf, false, SCP_WS_PING, "a", 1);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "a fragmented ping");
	n = cframe(buf, true, SCP_WS_PING, data, 126);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "a ping of 126 bytes");
	is_int(P.close_code, 1002, "with 1002");
	n = cframe(buf, true, SCP_WS_TEXT, "\xc3\x28", 2);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "text that is not UTF-8");
	is_int(P.close_code, 1007, "with 1007");
	n = cframe(buf, true, SCP_WS_TEXT, "\xed\xa0\x80", 3);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "a surrogate in text");
	n = cframe(buf, true, SCP_WS_BINARY, "\xc3\x28", 2);
	is_int(parse1(buf, n, &used), SCP_WS_EV_BINARY, "the same bytes as binary: taken");
	/* Non-minimal 16-bit length. */
	buf[0] = 0x81;
	buf[1] = 0x80 | 126;
	buf[2] = 0;
	buf[3] = 5;
	is_int(parse1(buf, 14, &used), SCP_WS_EV_ERROR, "a 16-bit length under 126");

	/* Close frames. */
	n = cframe(buf, true, SCP_WS_CLOSE, "", 0);
	is_int(parse1(buf, n, &used), SCP_WS_EV_CLOSE, "an empty close");
	is_int(P.close_code, 1005, "no code: 1005");
	n = cframe(buf, true, SCP_WS_CLOSE, "\x03\xe8" "bye", 5);
	is_int(parse1(buf, n, &used), SCP_WS_EV_CLOSE, "a close with 1000");
	is_int(P.close_code, 1000, "its code");
	n = cframe(buf, true, SCP_WS_CLOSE, "\x03", 1);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "a close of one byte");
	n = cframe(buf, true, SCP_WS_CLOSE, "\x03\xed", 2);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "a close with 1005 (not to be sent)");
	is_int(P.close_code, 1002, "with 1002");
	n = cframe(buf, true, SCP_WS_CLOSE, "\x03\xe8\xff", 3);
	is_int(parse1(buf, n, &used), SCP_WS_EV_ERROR, "a close reason that is not UTF-8");
	is_int(P.close_code, 1007, "with 1007");
}

static void writer(void)
{
	struct scp_buf out = SCP_BUF_INIT;
	static char big[70000];

	scp_ws_frame(&out, SCP_WS_TEXT, "hi", 2);
	ok(out.len == 4 && !memcmp(out.ptr, "\x81\x02hi", 4), "a short text frame");
	scp_buf_reset(&out);
	scp_ws_frame(&out, SCP_WS_TEXT, big, 300);
	ok(out.len == 304 && (uint8_t)out.ptr[1] == 126 && (uint8_t)out.ptr[2] == 1 &&
	   (uint8_t)out.ptr[3] == 44, "300 bytes: a 16-bit length");
	scp_buf_reset(&out);
	scp_ws_frame(&out, SCP_WS_BINARY, big, 70000);
	ok(out.len == 70010 && (uint8_t)out.ptr[1] == 127 && (uint8_t)out.ptr[7] == 0x01 &&
	   (uint8_t)out.ptr[8] == 0x11 && (uint8_t)out.ptr[9] == 0x70, "70 000 bytes: 64-bit");
	scp_buf_reset(&out);
	scp_ws_close_frame(&out, 1009, "too big");
	ok(out.len == 11 && !memcmp(out.ptr, "\x88\x09\x03\xf1too big", 11), "a close frame");
	scp_buf_release(&out);
}

/* Random bytes, in random cuts: whatever comes back, nothing is read past the input. */
static void fuzz(void)
{
	uint8_t *b;
	int events = 0;

	srand(6455);
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand() % 64) + 1, off = 0, used;

		b = malloc(len);
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rand();
		if ((round & 1) && len > 1)
			b[1] |= 0x80;	/* masked, so that more of the parser is reached */
		scp_ws_parser_init(&P);
		while (off < len) {
			enum scp_ws_event ev = parse1(b + off, len - off, &used);

			if (ev == SCP_WS_EV_MORE || ev == SCP_WS_EV_ERROR || ev == SCP_WS_EV_CLOSE)
				break;
			events++;
			if (!used)
				break;
			off += used;
		}
		free(b);
	}
	ok(events > 0, "20 000 random inputs parsed (%d frames taken)", events);
}

int main(void)
{
	handshake();
	frames();
	writer();
	fuzz();
	return done_testing();
}
