/*
 * A client connection of scp-ws: the upgrade nginx proxies (with the user scp-auth
 * named in X-Scp-User-Id), then frames.  Everything is bounded: the head (8 KiB), a
 * message (16 KiB, scp_ws.h), the output queued for a slow reader (ws_output_max: past
 * it the connection is dropped, not buffered forever), and the connections a process
 * holds (ws_max_connections: more are answered 503).
 */
#include "ws.h"
#include "scp_config.h"
#include "scp_log.h"
#include "scp_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* A connection that queued its close waits this long for the peer to read it. */
#define CLOSING_MS 2000
/* A connection still in its handshake after this long is dropped. */
#define HANDSHAKE_MS 10000

static void set_events(struct ws_conn *c, bool want_write)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0),
				  .data.ptr = c };

	if (c->want_write == want_write)
		return;
	c->want_write = want_write;
	epoll_ctl(ws_epoll, EPOLL_CTL_MOD, c->fd, &ev);
}

void ws_conn_free(struct ws_conn *c)
{
	epoll_ctl(ws_epoll, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		ws_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ws_nconns--;
	if (c->dead)
		ws_ndead--;
	scp_buf_release(&c->out);
	free(c);
}

/*
 * The connection is over: it is freed after the loop's batch of events (ws_conn_reap),
 * never on the spot, since the caller, or a later event of the same batch, may still
 * hold it.
 */
static void hang_up(struct ws_conn *c)
{
	if (!c->dead) {
		c->dead = true;
		ws_ndead++;
	}
}

void ws_conn_reap(void)
{
	struct ws_conn *c, *next;

	if (!ws_ndead)
		return;
	for (c = ws_conns; c; c = next) {
		next = c->next;
		if (c->dead)
			ws_conn_free(c);
	}
	ws_ndead = 0;
}

/* Write what is queued; false when the connection is gone (and freed). */
static bool flush(struct ws_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.ptr + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_events(c, true);
			return true;
		}
		if (n <= 0) {
			hang_up(c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	c->out.len = c->out_off = 0;
	/* A buffer a burst grew goes back to a small one. */
	scp_buf_trim(&c->out, 16384);
	set_events(c, false);
	if (c->state == WS_CLOSING) {
		/* Our close is out: no more from us (the peer's close or EOF may follow). */
		shutdown(c->fd, SHUT_WR);
	}
	return true;
}

/* Room for n more bytes of output? A reader that far behind is given up. */
static bool room(struct ws_conn *c, size_t n)
{
	if (c->out.len - c->out_off + n <= (size_t)scp_cfg.ws_output_max)
		return true;
	scp_warn("ws: user %s reads too slowly (%zu bytes queued): closing", c->user,
		 c->out.len - c->out_off);
	return false;
}

static void queue_frame(struct ws_conn *c, int opcode, const void *data, size_t len)
{
	scp_ws_frame(&c->out, opcode, data, len);
}

void ws_conn_send_text(struct ws_conn *c, const char *text, size_t len)
{
	if (c->state != WS_OPEN || c->dead)
		return;
	if (!room(c, len + 10)) {
		/* No close frame: it would only wait behind what the reader does not take. */
		hang_up(c);
		return;
	}
	queue_frame(c, SCP_WS_TEXT, text, len);
	if (!c->want_write)
		flush(c);
}

void ws_conn_close(struct ws_conn *c, int code, const char *reason)
{
	if (c->state == WS_OPEN) {
		scp_ws_close_frame(&c->out, code, reason);
		c->state = WS_CLOSING;
		c->last_in_ms = ws_now_ms();
	} else if (c->state == WS_HANDSHAKE) {
		c->state = WS_CLOSING;
		c->last_in_ms = ws_now_ms();
	}
}

bool ws_conn_joined(const struct ws_conn *c, const char *shop)
{
	for (int i = 0; i < c->nshops; i++)
		if (!strcmp(c->shops[i], shop))
			return true;
	return false;
}

/* An HTTP refusal of the upgrade (nginx has checked it already: this is a safety net). */
static void refuse(struct ws_conn *c, int status, const char *reason, const char *extra)
{
	scp_buf_addf(&c->out,
		     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nConnection: close\r\n%s"
		     "Content-Length: %zu\r\n\r\n",
		     status, reason, extra ? extra : "",
		     strlen("{\"success\":false,\"error\":{\"code\":\"\",\"message\":\"\"}}") +
			     strlen(reason) * 2);
	scp_buf_addf(&c->out, "{\"success\":false,\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
		     reason, reason);
	c->state = WS_CLOSING;
	c->last_in_ms = ws_now_ms();
}

/* The head of the upgrade: answer 101 (or refuse), keep what follows it. */
static void handshake(struct ws_conn *c)
{
	struct scp_ws_handshake h;

	switch (scp_ws_handshake_parse((const char *)c->in, c->in_len, &h)) {
	case SCP_WS_HS_MORE: return;
	case SCP_WS_HS_TOO_BIG: refuse(c, 431, "HEADERS_TOO_LARGE", NULL); return;
	case SCP_WS_HS_METHOD: refuse(c, 405, "METHOD_NOT_ALLOWED", NULL); return;
	case SCP_WS_HS_VERSION:
		refuse(c, 426, "UPGRADE_REQUIRED", "Sec-WebSocket-Version: 13\r\n");
		return;
	case SCP_WS_HS_BAD: refuse(c, 400, "BAD_REQUEST", NULL); return;
	case SCP_WS_HS_OK: break;
	}
	/* Only nginx reaches the socket, and it always names the user it authorized. */
	if (!scp_valid_uuid(h.user)) {
		refuse(c, 403, "FORBIDDEN", NULL);
		return;
	}
	memcpy(c->user, h.user, 37);
	scp_ws_handshake_answer(&h, &c->out);
	c->state = WS_OPEN;
	memmove(c->in, c->in + h.head_len, c->in_len - h.head_len);
	c->in_len -= h.head_len;
	scp_ws_parser_init(&c->parser);
}

/* The frames read so far; false when the connection stopped reading. */
static bool frames(struct ws_conn *c)
{
	size_t off = 0, used;

	while (c->state == WS_OPEN && !c->dead) {
		enum scp_ws_event ev = scp_ws_parse(&c->parser, c->in + off, c->in_len - off, &used);

		off += used;
		switch (ev) {
		case SCP_WS_EV_MORE:
			goto done;
		case SCP_WS_EV_FRAGMENT:
		case SCP_WS_EV_PONG:
			break;
		case SCP_WS_EV_TEXT:
			ws_frames_handle(c, (const char *)c->parser.payload, c->parser.len);
			break;
		case SCP_WS_EV_BINARY:
			ws_conn_close(c, SCP_WS_CLOSE_UNSUPPORTED, "text frames only");
			break;
		case SCP_WS_EV_PING:
			if (!room(c, c->parser.len + 2)) {
				hang_up(c);
				goto done;
			}
			queue_frame(c, SCP_WS_PONG, c->parser.payload, c->parser.len);
			break;
		case SCP_WS_EV_CLOSE:
			/* Echo the code (§5.5.1); 1005 means none was given, so none is sent back. */
			if (c->parser.close_code == 1005) {
				queue_frame(c, SCP_WS_CLOSE, "", 0);
				c->state = WS_CLOSING;
				c->last_in_ms = ws_now_ms();
			} else {
				ws_conn_close(c, c->parser.close_code, "");
			}
			break;
		case SCP_WS_EV_ERROR:
			ws_conn_close(c, c->parser.close_code,
				      c->parser.close_code == SCP_WS_CLOSE_TOO_BIG ? "frame too large"
				      : c->parser.close_code == SCP_WS_CLOSE_BAD_DATA ? "text is not UTF-8"
										      : "protocol error");
			break;
		}
	}
done:
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return c->state == WS_OPEN;
}

static void readable(struct ws_conn *c)
{
	while (!c->dead) {
		ssize_t n;

		if (c->state == WS_CLOSING) {
			/* Nothing more is parsed: read and drop until the peer hangs up. */
			char sink[4096];

			if (c->out.len > c->out_off && !c->want_write && !flush(c))
				return;
			n = recv(c->fd, sink, sizeof(sink), 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				hang_up(c);
				return;
			}
			if (n < 0)
				break;
			continue;
		}
		if (c->in_len == sizeof(c->in)) {
			/* Cannot happen (a whole frame fits and is parsed): never read 0 bytes. */
			ws_conn_close(c, SCP_WS_CLOSE_TOO_BIG, "frame too large");
			continue;
		}
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			hang_up(c);
			return;
		}
		c->in_len += (size_t)n;
		c->last_in_ms = ws_now_ms();
		if (c->state == WS_HANDSHAKE)
			handshake(c);
		if (c->state == WS_OPEN)
			frames(c);
		/* The buffer holds a whole frame at most (scp_ws.h), so a full one was parsed. */
	}
	if (!c->dead)
		flush(c);
}

void ws_conn_event(struct ws_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		hang_up(c);
		return;
	}
	if ((events & EPOLLOUT) && !flush(c))
		return;
	if (events & (EPOLLIN | EPOLLRDHUP))
		readable(c);
}

void ws_conn_accept(int listen_fd)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct ws_conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				scp_warn("ws: accept: %s", strerror(errno));
			return;
		}
		if (ws_nconns >= scp_cfg.ws_max_connections) {
			static const char busy[] =
				"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
				"Retry-After: 1\r\nConnection: close\r\nContent-Length: 69\r\n\r\n"
				"{\"success\":false,\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"too busy\"}}";

			(void)!write(fd, busy, sizeof(busy) - 1);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = WS_HANDSHAKE;
		c->out = (struct scp_buf)SCP_BUF_INIT;
		c->last_in_ms = c->last_ping_ms = ws_now_ms();
		ev.data.ptr = c;
		if (epoll_ctl(ws_epoll, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = ws_conns;
		if (ws_conns)
			ws_conns->prev = c;
		ws_conns = c;
		ws_nconns++;
	}
}

void ws_conn_tick(void)
{
	long long now = ws_now_ms(), ping_ms = scp_cfg.ws_ping_interval * 1000;
	struct ws_conn *c = ws_conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->dead)
			continue;
		if ((c->state == WS_CLOSING && now - c->last_in_ms >= CLOSING_MS) ||
		    (c->state == WS_HANDSHAKE && now - c->last_in_ms >= HANDSHAKE_MS)) {
			hang_up(c);
			continue;
		}
		if (c->state == WS_OPEN && ping_ms > 0 && now - c->last_in_ms >= ping_ms &&
		    now - c->last_ping_ms >= ping_ms) {
			if (!room(c, 2)) {
				hang_up(c);
				continue;
			}
			c->last_ping_ms = now;
			queue_frame(c, SCP_WS_PING, "", 0);
			flush(c);
		}
	}
}
