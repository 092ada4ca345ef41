#include "scp_ws.h"
#include "scp_buf.h"
#include "scp_text.h"

#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- the opening handshake -------------------------------------------------------- */

/* Does the comma-separated header value hold token (any case)? */
static bool has_token(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);

	while (n) {
		size_t len;

		while (n && (*v == ' ' || *v == '\t' || *v == ',')) {
			v++;
			n--;
		}
		for (len = 0; len < n && v[len] != ','; len++)
			;
		size_t end = len;

		while (end && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end == tl && !strncasecmp(v, token, tl))
			return true;
		v += len;
		n -= len;
	}
	return false;
}

/* 16 bytes in base64: 22 characters of the alphabet (the last with 4 bits), then "==". */
static bool key_ok(const char *v, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (n != 24 || v[22] != '=' || v[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++)
		if (!v[i] || !strchr(b64, v[i]))
			return false;
	return strchr("AQgw", v[21]) != NULL;
}

static const char *find_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return buf + i + 4;
	return NULL;
}

enum scp_ws_hs_status scp_ws_handshake_parse(const char *buf, size_t len,
					     struct scp_ws_handshake *h)
{
	size_t scan = len < SCP_WS_MAX_HANDSHAKE ? len : SCP_WS_MAX_HANDSHAKE;
	const char *end = find_head_end(buf, scan), *line, *eol;
	bool upgrade = false, connection = false, version = false, key = false;

	memset(h, 0, sizeof(*h));
	if (!end)
		return len >= SCP_WS_MAX_HANDSHAKE ? SCP_WS_HS_TOO_BIG : SCP_WS_HS_MORE;
	h->head_len = (size_t)(end - buf);
	eol = memchr(buf, '\r', h->head_len);
	if (memchr(buf, '\0', h->head_len))
		return SCP_WS_HS_BAD;
	/* "GET <target> HTTP/1.1": a WebSocket upgrade is a GET of HTTP/1.1 or later. */
	if ((size_t)(eol - buf) < 4 || memcmp(buf, "GET ", 4)) {
		const char *sp = memchr(buf, ' ', (size_t)(eol - buf));

		return sp && sp > buf ? SCP_WS_HS_METHOD : SCP_WS_HS_BAD;
	}
	if ((size_t)(eol - buf) < 14 || memcmp(eol - 9, " HTTP/1.", 8) || eol[-1] < '1' ||
	    eol[-1] > '9')
		return SCP_WS_HS_BAD;
	for (line = eol + 2; line < end - 2; line = eol + 2) {
		const char *colon, *v;
		size_t n, vn;

		eol = memchr(line, '\r', (size_t)(end - line));
		if (!eol || eol[1] != '\n')
			return SCP_WS_HS_BAD;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon || colon == line)
			return SCP_WS_HS_BAD;
		n = (size_t)(colon - line);
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		vn = (size_t)(eol - v);
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
#define IS(name) (n == sizeof(name) - 1 && !strncasecmp(line, name, n))
		if (IS("Upgrade"))
			upgrade = upgrade || has_token(v, vn, "websocket");
		else if (IS("Connection"))
			connection = connection || has_token(v, vn, "upgrade");
		else if (IS("Sec-WebSocket-Version"))
			version = vn == 2 && !memcmp(v, "13", 2);
		else if (IS("Sec-WebSocket-Key")) {
			if (key || !key_ok(v, vn))
				return SCP_WS_HS_BAD;
			memcpy(h->key, v, 24);
			key = true;
		} else if (IS("X-Scp-User-Id") && vn < sizeof(h->user)) {
			memcpy(h->user, v, vn);
			h->user[vn] = '\0';
		}
#undef IS
	}
	if (!upgrade || !connection || !key)
		return SCP_WS_HS_BAD;
	return version ? SCP_WS_HS_OK : SCP_WS_HS_VERSION;
}

void scp_ws_accept_key(const char *key, char out[29])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char in[24 + sizeof(WS_GUID)];
	size_t kl = strnlen(key, 24);

	memcpy(in, key, kl);
	memcpy(in + kl, WS_GUID, sizeof(WS_GUID) - 1);
	EVP_Digest(in, kl + sizeof(WS_GUID) - 1, md, &mdlen, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);	/* 20 bytes: 28 chars + NUL */
}

void scp_ws_handshake_answer(const struct scp_ws_handshake *h, struct scp_buf *out)
{
	char accept[29];

	scp_ws_accept_key(h->key, accept);
	scp_buf_adds(out, "HTTP/1.1 101 Switching Protocols\r\n"
			  "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
	scp_buf_adds(out, accept);
	scp_buf_adds(out, "\r\n\r\n");
}

/* ---- frames ------------------------------------------------------------------------ */

void scp_ws_parser_init(struct scp_ws_parser *p)
{
	p->msg_len = 0;
	p->fragmented = false;
	p->msg_opcode = 0;
	p->payload = NULL;
	p->len = 0;
	p->close_code = 0;
}

static enum scp_ws_event fail(struct scp_ws_parser *p, int code, size_t *used)
{
	*used = 0;
	p->close_code = code;
	p->payload = NULL;
	p->len = 0;
	return SCP_WS_EV_ERROR;
}

/* A close code a peer may send (RFC 6455 §7.4): 1000-1003, 1007-1014, 3000-4999. */
static bool close_code_ok(int c)
{
	return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

static void unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4])
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] ^ mask[i & 3];
}

static enum scp_ws_event control(struct scp_ws_parser *p, int op, size_t n, size_t *used)
{
	p->payload = p->ctl;
	p->len = n;
	if (op == SCP_WS_PING)
		return SCP_WS_EV_PING;
	if (op == SCP_WS_PONG)
		return SCP_WS_EV_PONG;
	/* CLOSE: nothing, or a code and a UTF-8 reason. */
	if (n == 0) {
		p->close_code = 1005;
		return SCP_WS_EV_CLOSE;
	}
	if (n == 1)
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	p->close_code = (p->ctl[0] << 8) | p->ctl[1];
	if (!close_code_ok(p->close_code))
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	if (!scp_utf8_valid((const char *)p->ctl + 2, n - 2))
		return fail(p, SCP_WS_CLOSE_BAD_DATA, used);
	return SCP_WS_EV_CLOSE;
}

/* The frame's data into the message; the whole message when it is the final fragment. */
static enum scp_ws_event data(struct scp_ws_parser *p, int op, bool fin, const uint8_t *src,
			      size_t n, const uint8_t mask[4], size_t *used)
{
	if (op == SCP_WS_CONT && !p->fragmented)
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	if (op != SCP_WS_CONT && p->fragmented)
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	if (op != SCP_WS_CONT) {
		p->msg_opcode = op;
		p->msg_len = 0;
	}
	if (n > SCP_WS_MAX_MESSAGE - p->msg_len)
		return fail(p, SCP_WS_CLOSE_TOO_BIG, used);
	unmask(p->msg + p->msg_len, src, n, mask);
	p->msg_len += n;
	if (!fin) {
		p->fragmented = true;
		return SCP_WS_EV_FRAGMENT;
	}
	p->fragmented = false;
	p->payload = p->msg;
	p->len = p->msg_len;
	if (p->msg_opcode == SCP_WS_TEXT) {
		if (!scp_utf8_valid((const char *)p->msg, p->msg_len))
			return fail(p, SCP_WS_CLOSE_BAD_DATA, used);
		return SCP_WS_EV_TEXT;
	}
	return SCP_WS_EV_BINARY;
}

enum scp_ws_event scp_ws_parse(struct scp_ws_parser *p, const uint8_t *buf, size_t len,
			       size_t *used)
{
	size_t hl = 2, n;
	uint8_t mask[4];
	bool fin;
	int op;
	enum scp_ws_event ev;

	*used = 0;
	p->payload = NULL;
	p->len = 0;
	if (len < 2)
		return SCP_WS_EV_MORE;
	fin = buf[0] & 0x80;
	op = buf[0] & 0x0f;
	if (buf[0] & 0x70)	/* RSV1-3: no extension was agreed */
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	if (!(buf[1] & 0x80))	/* a client's frames are masked (§5.1) */
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	if (op != SCP_WS_CONT && op != SCP_WS_TEXT && op != SCP_WS_BINARY && op != SCP_WS_CLOSE &&
	    op != SCP_WS_PING && op != SCP_WS_PONG)
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	n = buf[1] & 0x7f;
	if (op >= SCP_WS_CLOSE && (!fin || n > 125))
		return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
	if (n == 126) {
		if (len < 4)
			return SCP_WS_EV_MORE;
		n = ((size_t)buf[2] << 8) | buf[3];
		if (n < 126)	/* not the minimal length encoding (§5.2) */
			return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
		hl = 4;
	} else if (n == 127) {
		uint64_t big = 0;

		if (len < 10)
			return SCP_WS_EV_MORE;
		for (int i = 0; i < 8; i++)
			big = (big << 8) | buf[2 + i];
		if (big >> 63 || big < 65536)
			return fail(p, SCP_WS_CLOSE_PROTOCOL, used);
		/* Refused from the header: the payload is never waited for. */
		if (big > SCP_WS_MAX_MESSAGE)
			return fail(p, SCP_WS_CLOSE_TOO_BIG, used);
		n = (size_t)big;
		hl = 10;
	}
	/* Too big from the header alone, or on top of the fragments so far. */
	if (op < SCP_WS_CLOSE &&
	    (n > SCP_WS_MAX_MESSAGE || (op == SCP_WS_CONT && n > SCP_WS_MAX_MESSAGE - p->msg_len)))
		return fail(p, SCP_WS_CLOSE_TOO_BIG, used);
	if (len < hl + 4 + n)
		return SCP_WS_EV_MORE;
	memcpy(mask, buf + hl, 4);
	hl += 4;
	if (op >= SCP_WS_CLOSE) {
		unmask(p->ctl, buf + hl, n, mask);
		ev = control(p, op, n, used);
	} else {
		ev = data(p, op, fin, buf + hl, n, mask, used);
	}
	if (ev != SCP_WS_EV_ERROR)
		*used = hl + n;
	return ev;
}

void scp_ws_frame(struct scp_buf *out, int opcode, const void *payload, size_t len)
{
	uint8_t h[10];
	size_t hl = 2;

	h[0] = 0x80 | (opcode & 0x0f);
	if (len < 126) {
		h[1] = (uint8_t)len;
	} else if (len < 65536) {
		h[1] = 126;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		hl = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		hl = 10;
	}
	scp_buf_add(out, h, hl);
	if (len)
		scp_buf_add(out, payload, len);
}

void scp_ws_close_frame(struct scp_buf *out, int code, const char *reason)
{
	uint8_t body[125];
	size_t rl = reason ? strlen(reason) : 0;

	if (rl > sizeof(body) - 2)
		rl = sizeof(body) - 2;
	body[0] = (uint8_t)(code >> 8);
	body[1] = (uint8_t)code;
	if (rl)
		memcpy(body + 2, reason, rl);
	scp_ws_frame(out, SCP_WS_CLOSE, body, rl + 2);
}
