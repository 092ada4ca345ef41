/*
 * The events of Cliick's WebSocket: scp-worker publishes each one once, to the nchan
 * channel "cliick" (POST /ws/cliick on nginx's publishing socket, nchan_socket), as
 *
 *   {"users": [<member ids>], "shop": "<shop id>" | null, "frame": {<Cliick's frame>}}
 *
 * and every scp-ws process follows that channel with one EventSource subscription
 * (GET /ws/cliick/feed on the same socket).  EventSource rather than a WebSocket or
 * long-poll subscriber: long-poll crashed Debian's nchan 1.3.6 before (decisions.md,
 * "Real-time channels"), and EventSource carries nchan's message id in each event's
 * "id:" line, which a reconnect sends back as Last-Event-ID, so that nothing published
 * while the subscription was down (an nginx reload or restart) is lost, as long as
 * nchan still holds it (its buffer on the publishing location).
 *
 * Routing, socket.io's rooms as Cliick's own backend has them: a shop's event goes to
 * the connections of the listed users that joined that shop (shop:join), a user's
 * notification (shop null) to every connection of that user.  The frame is sent as it
 * came (re-serialized by json-c, the same JSON).
 */
#include "ws.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FEED_PATH "/ws/cliick/feed"
/* The bytes of one event we wait for at most; past it the subscription starts afresh. */
#define FEED_MAX (4 * 1024 * 1024)

enum feed_state { FEED_DOWN, FEED_HEAD, FEED_BODY };

static struct {
	int fd;
	enum feed_state state;
	long long next_try_ms;
	long backoff_ms;
	bool chunked;
	long long chunk_left;	/* bytes of the current chunk; -1: a size line is next */
	bool chunk_crlf;	/* the CRLF after a chunk's data is next */
	struct scp_buf raw;	/* bytes read, not decoded yet */
	struct scp_buf sse;	/* decoded body, not parsed into events yet */
	struct scp_buf data;	/* the event being read: its data lines */
	char last_id[128];	/* nchan's id of the last event: Last-Event-ID */
	char id[128];		/* the id line of the event being read */
	bool warned;
} feed = { .fd = -1 };

static void schedule(void)
{
	feed.state = FEED_DOWN;
	feed.next_try_ms = ws_now_ms() + feed.backoff_ms;
	feed.backoff_ms = feed.backoff_ms < 100 ? 100 : feed.backoff_ms * 2;
	if (feed.backoff_ms > 2000)
		feed.backoff_ms = 2000;
}

static void drop(const char *why)
{
	if (feed.fd >= 0) {
		epoll_ctl(ws_epoll, EPOLL_CTL_DEL, feed.fd, NULL);
		close(feed.fd);
		feed.fd = -1;
	}
	if (why && !feed.warned)
		scp_warn("nchan: cliick feed: %s; subscribing again", why);
	feed.warned = why != NULL;
	scp_buf_reset(&feed.raw);
	scp_buf_reset(&feed.sse);
	scp_buf_reset(&feed.data);
	schedule();
}

static void connect_feed(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &ws_feed_tag };
	struct scp_buf req = SCP_BUF_INIT;
	ssize_t n;
	bool sent;

	if (strlen(scp_cfg.nchan_socket) >= sizeof(sa.sun_path)) {
		scp_error("nchan: nchan_socket is too long a path");
		feed.next_try_ms = ws_now_ms() + 60000;
		return;
	}
	strcpy(sa.sun_path, scp_cfg.nchan_socket);
	feed.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (feed.fd < 0 || connect(feed.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		drop(feed.fd < 0 ? "no socket" : "nginx's publishing socket does not answer");
		return;
	}
	scp_buf_adds(&req, "GET " FEED_PATH " HTTP/1.1\r\nHost: localhost\r\n"
			   "Accept: text/event-stream\r\n");
	if (feed.last_id[0])
		scp_buf_addf(&req, "Last-Event-ID: %s\r\n", feed.last_id);
	scp_buf_adds(&req, "\r\n");
	/* A fresh unix socket takes these few hundred bytes at once. */
	n = send(feed.fd, req.ptr, req.len, MSG_NOSIGNAL);
	sent = n >= 0 && (size_t)n == req.len;
	scp_buf_release(&req);
	if (!sent) {
		drop("the request could not be sent");
		return;
	}
	epoll_ctl(ws_epoll, EPOLL_CTL_ADD, feed.fd, &ev);
	feed.state = FEED_HEAD;
	feed.chunked = false;
	feed.chunk_left = -1;
	feed.chunk_crlf = false;
}

void ws_feed_start(void)
{
	scp_buf_init(&feed.raw, 65536);
	scp_buf_init(&feed.sse, 65536);
	feed.backoff_ms = 0;
	if (!*scp_cfg.nchan_socket) {
		scp_warn("nchan_socket is not set: no events reach Cliick's WebSocket");
		feed.state = FEED_DOWN;
		feed.next_try_ms = -1;
		return;
	}
	connect_feed();
}

long ws_feed_timeout(void)
{
	long long left;

	if (feed.state != FEED_DOWN || feed.next_try_ms < 0)
		return -1;
	left = feed.next_try_ms - ws_now_ms();
	return left < 0 ? 0 : (long)left;
}

void ws_feed_tick(void)
{
	if (feed.state == FEED_DOWN && feed.next_try_ms >= 0 && ws_now_ms() >= feed.next_try_ms)
		connect_feed();
}

static bool in_users(json_object *users, const char *user)
{
	size_t n = json_object_array_length(users);

	for (size_t i = 0; i < n; i++) {
		json_object *u = json_object_array_get_idx(users, i);

		if (json_object_is_type(u, json_type_string) && !strcmp(json_object_get_string(u), user))
			return true;
	}
	return false;
}

void ws_feed_route(const char *json, size_t len)
{
	json_object *msg = NULL, *users, *shop, *frame;
	const char *sid = NULL, *text;
	size_t tlen;

	if (scp_json_parse(json, len, FEED_MAX, &msg) != SCP_JSON_OK ||
	    !json_object_object_get_ex(msg, "users", &users) ||
	    !json_object_is_type(users, json_type_array) ||
	    !json_object_object_get_ex(msg, "frame", &frame) ||
	    !json_object_is_type(frame, json_type_object)) {
		scp_warn("nchan: cliick feed: a message that is not {users, shop, frame}: dropped");
		json_object_put(msg);
		return;
	}
	if (json_object_object_get_ex(msg, "shop", &shop) && json_object_is_type(shop, json_type_string))
		sid = json_object_get_string(shop);
	text = json_object_to_json_string_ext(frame, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	tlen = strlen(text);
	for (struct ws_conn *c = ws_conns, *next; c; c = next) {
		next = c->next;
		if (c->state == WS_OPEN && in_users(users, c->user) && (!sid || ws_conn_joined(c, sid)))
			ws_conn_send_text(c, text, tlen);
	}
	json_object_put(msg);
}

/* One line of the stream (its end of line cut off): SSE's fields (WHATWG §9.2.6). */
static void sse_line(const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n), *v;
	size_t fl = colon ? (size_t)(colon - line) : n, vn;

	if (n == 0) {	/* the end of an event */
		if (feed.data.len) {
			feed.data.len--;	/* the last data line's newline */
			feed.data.ptr[feed.data.len] = '\0';
			if (feed.id[0])
				memcpy(feed.last_id, feed.id, sizeof(feed.id));
			ws_feed_route(feed.data.ptr, feed.data.len);
		}
		scp_buf_reset(&feed.data);
		feed.id[0] = '\0';
		return;
	}
	if (fl == 0)	/* a comment (nchan's ": hi") */
		return;
	v = colon ? colon + 1 : line + n;
	if (colon && v < line + n && *v == ' ')
		v++;
	vn = (size_t)(line + n - v);
	if (fl == 4 && !memcmp(line, "data", 4)) {
		scp_buf_add(&feed.data, v, vn);
		scp_buf_addc(&feed.data, '\n');
	} else if (fl == 2 && !memcmp(line, "id", 2) && vn < sizeof(feed.id) &&
		   !memchr(v, '\0', vn)) {
		memcpy(feed.id, v, vn);
		feed.id[vn] = '\0';
	}
}

/* The complete lines of the decoded body. */
static void sse_parse(void)
{
	size_t off = 0;

	for (;;) {
		char *nl = memchr(feed.sse.ptr + off, '\n', feed.sse.len - off);
		size_t n;

		if (!nl)
			break;
		n = (size_t)(nl - (feed.sse.ptr + off));
		if (n && feed.sse.ptr[off + n - 1] == '\r')
			n--;
		sse_line(feed.sse.ptr + off, n);
		off = (size_t)(nl - feed.sse.ptr) + 1;
	}
	memmove(feed.sse.ptr, feed.sse.ptr + off, feed.sse.len - off);
	feed.sse.len -= off;
	feed.sse.ptr[feed.sse.len] = '\0';
}

/* The response's head: 200 and its transfer coding; false when it is not a stream. */
static bool head(void)
{
	char *end = strstr(feed.raw.ptr, "\r\n\r\n");
	size_t hl;

	if (!end)
		return feed.raw.len < 16384 || (drop("an answer head over 16 KiB"), false);
	hl = (size_t)(end - feed.raw.ptr) + 4;
	*end = '\0';
	if (strncmp(feed.raw.ptr, "HTTP/1.1 200", 12) && strncmp(feed.raw.ptr, "HTTP/1.0 200", 12)) {
		drop("nchan refused the subscription");
		return false;
	}
	for (char *h = strstr(feed.raw.ptr, "\r\n"); h; h = strstr(h + 2, "\r\n"))
		if (!strncasecmp(h + 2, "Transfer-Encoding:", 18) && strcasestr(h + 2, "chunked"))
			feed.chunked = true;
	memmove(feed.raw.ptr, feed.raw.ptr + hl, feed.raw.len - hl);
	feed.raw.len -= hl;
	feed.raw.ptr[feed.raw.len] = '\0';
	feed.state = FEED_BODY;
	feed.backoff_ms = 0;
	if (feed.warned)
		scp_info("nchan: cliick feed: subscribed again%s%s",
			 feed.last_id[0] ? " after " : "", feed.last_id);
	feed.warned = false;
	return true;
}

/* raw into sse, undoing the chunked coding; false when the stream ended or is broken. */
static bool dechunk(void)
{
	size_t off = 0;

	if (!feed.chunked) {
		scp_buf_add(&feed.sse, feed.raw.ptr, feed.raw.len);
		scp_buf_reset(&feed.raw);
		return true;
	}
	while (off < feed.raw.len) {
		if (feed.chunk_crlf) {
			char *nl = memchr(feed.raw.ptr + off, '\n', feed.raw.len - off);

			if (!nl)
				break;
			off = (size_t)(nl - feed.raw.ptr) + 1;
			feed.chunk_crlf = false;
		} else if (feed.chunk_left < 0) {
			char *nl = memchr(feed.raw.ptr + off, '\n', feed.raw.len - off), *e;
			long long size;

			if (!nl)
				break;
			errno = 0;
			size = strtoll(feed.raw.ptr + off, &e, 16);
			if (e == feed.raw.ptr + off || errno || size < 0 || size > FEED_MAX) {
				drop("a broken chunked stream");
				return false;
			}
			off = (size_t)(nl - feed.raw.ptr) + 1;
			if (size == 0) {
				drop("the stream ended");
				return false;
			}
			feed.chunk_left = size;
		} else {
			size_t take = feed.raw.len - off;

			if ((long long)take > feed.chunk_left)
				take = (size_t)feed.chunk_left;
			scp_buf_add(&feed.sse, feed.raw.ptr + off, take);
			off += take;
			feed.chunk_left -= (long long)take;
			if (!feed.chunk_left) {
				feed.chunk_left = -1;
				feed.chunk_crlf = true;
			}
		}
	}
	memmove(feed.raw.ptr, feed.raw.ptr + off, feed.raw.len - off);
	feed.raw.len -= off;
	feed.raw.ptr[feed.raw.len] = '\0';
	return true;
}

void ws_feed_event(uint32_t events)
{
	char buf[65536];

	for (;;) {
		ssize_t n = recv(feed.fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			drop(n == 0 ? "nginx closed the subscription" : strerror(errno));
			return;
		}
		scp_buf_add(&feed.raw, buf, (size_t)n);
		if (feed.state == FEED_HEAD && !head())
			return;
		if (feed.state == FEED_BODY) {
			if (!dechunk())
				return;
			sse_parse();
		}
		if (feed.raw.len + feed.sse.len + feed.data.len > FEED_MAX) {
			/* Resuming from the same id would meet the same event: start afresh. */
			scp_error("nchan: cliick feed: an event over %d bytes; skipping it", FEED_MAX);
			feed.last_id[0] = '\0';
			drop("an oversized event");
			return;
		}
	}
	(void)events;
}
