/*
 * scp_ws: the server side of RFC 6455 WebSocket, without any I/O.
 *
 * The opening handshake (the upgrade request's headers, the Sec-WebSocket-Accept key),
 * a frame parser for what a client sends, and a frame writer for what a server sends.
 * bin/scp-ws.c does the sockets; these only look at bytes, so the unit tests
 * (tests/unit/test_ws.c) can feed them anything.
 *
 * The parser is strict where the RFC says MUST: client frames are masked, RSV bits are
 * zero (no extension is negotiated), opcodes are known, control frames are final and
 * at most 125 bytes, continuations follow a started message, text is UTF-8, a close
 * code is one a peer may send.  A message (all its fragments) is at most
 * SCP_WS_MAX_MESSAGE bytes: a frame that announces more is refused from its header,
 * before its payload is read, so a connection never holds more than
 * SCP_WS_MAX_MESSAGE + SCP_WS_MAX_HEADER bytes of input.
 */
#ifndef SCP_WS_H
#define SCP_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scp_buf;

#define SCP_WS_MAX_MESSAGE 16384
#define SCP_WS_MAX_HEADER 14		/* 2 + 8 (length) + 4 (mask) */
#define SCP_WS_MAX_HANDSHAKE 8192	/* the upgrade request's head, bytes */

enum scp_ws_opcode {
	SCP_WS_CONT = 0x0,
	SCP_WS_TEXT = 0x1,
	SCP_WS_BINARY = 0x2,
	SCP_WS_CLOSE = 0x8,
	SCP_WS_PING = 0x9,
	SCP_WS_PONG = 0xA,
};

/* Close codes (RFC 6455 §7.4.1) the server sends. */
enum {
	SCP_WS_CLOSE_NORMAL = 1000,
	SCP_WS_CLOSE_GOING_AWAY = 1001,
	SCP_WS_CLOSE_PROTOCOL = 1002,
	SCP_WS_CLOSE_UNSUPPORTED = 1003,
	SCP_WS_CLOSE_BAD_DATA = 1007,	/* text that is not UTF-8 */
	SCP_WS_CLOSE_POLICY = 1008,
	SCP_WS_CLOSE_TOO_BIG = 1009,
	SCP_WS_CLOSE_ERROR = 1011,
};

/* ---- the opening handshake -------------------------------------------------------- */

enum scp_ws_hs_status {
	SCP_WS_HS_MORE,		/* the head is not complete yet */
	SCP_WS_HS_OK,
	SCP_WS_HS_BAD,		/* answer 400 */
	SCP_WS_HS_TOO_BIG,	/* answer 431 */
	SCP_WS_HS_METHOD,	/* not a GET: answer 405 */
	SCP_WS_HS_VERSION,	/* not version 13: answer 426 with Sec-WebSocket-Version */
};

struct scp_ws_handshake {
	size_t head_len;	/* bytes of the head, its blank line included */
	char key[25];		/* Sec-WebSocket-Key: 24 base64 characters of 16 bytes */
	char user[40];		/* X-Scp-User-Id, "" when absent or too long */
};

/*
 * Look at the first len bytes a connection sent: once its head (up to the blank line)
 * is there, check that it is a GET upgrade to websocket, version 13, with a valid key,
 * and fill h.  Bytes after the head are not looked at.
 */
enum scp_ws_hs_status scp_ws_handshake_parse(const char *buf, size_t len,
					     struct scp_ws_handshake *h);
/* Sec-WebSocket-Accept for key: base64(SHA-1(key + the RFC's GUID)), 28 chars + NUL. */
void scp_ws_accept_key(const char *key, char out[29]);
/* The 101 answer to h, appended to out. */
void scp_ws_handshake_answer(const struct scp_ws_handshake *h, struct scp_buf *out);

/* ---- frames ------------------------------------------------------------------------ */

enum scp_ws_event {
	SCP_WS_EV_MORE,		/* nothing complete yet: read more */
	SCP_WS_EV_FRAGMENT,	/* a data fragment was kept; go on parsing */
	SCP_WS_EV_TEXT,		/* a whole text message: payload, len */
	SCP_WS_EV_BINARY,	/* a whole binary message */
	SCP_WS_EV_PING,		/* payload, len: answer a pong with it */
	SCP_WS_EV_PONG,
	SCP_WS_EV_CLOSE,	/* close_code (1005 when none was given) */
	SCP_WS_EV_ERROR,	/* close the connection with close_code */
};

struct scp_ws_parser {
	/* The message being assembled from fragments, or the last control frame's payload. */
	uint8_t msg[SCP_WS_MAX_MESSAGE];
	size_t msg_len;
	uint8_t ctl[125];
	bool fragmented;	/* a data message was started and is not finished */
	int msg_opcode;		/* its opcode (TEXT or BINARY) */
	/* Out: the event's payload and the close code of CLOSE or ERROR. */
	const uint8_t *payload;
	size_t len;
	int close_code;
};

void scp_ws_parser_init(struct scp_ws_parser *p);
/*
 * Parse at most one frame from buf (len bytes): returns what it was, with *used set to
 * the bytes it took (0 for MORE and ERROR).  The payload of TEXT, BINARY, PING, PONG
 * points into the parser, valid until the next call.  After ERROR (or CLOSE) the
 * connection is over: send a close frame with close_code, parse nothing more.
 */
enum scp_ws_event scp_ws_parse(struct scp_ws_parser *p, const uint8_t *buf, size_t len,
			       size_t *used);

/* Append a server frame (final, unmasked) of opcode with len bytes of data to out. */
void scp_ws_frame(struct scp_buf *out, int opcode, const void *data, size_t len);
/* Append a close frame with code and a short reason. */
void scp_ws_close_frame(struct scp_buf *out, int code, const char *reason);

#endif
