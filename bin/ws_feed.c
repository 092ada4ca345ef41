/*
 * The events of Cliick's WebSocket: scp-worker writes each one once to the table
 * cliick_ws_events (sql/093_cliick_ws_events.sql) as
 *
 *   {"users": [<member ids>], "shop": "<shop id>" | null, "frame": {<Cliick's frame>}}
 *
 * and NOTIFYs scp_ws.  Every scp-ws process holds one database connection of its own
 * for them: LISTEN scp_ws, and on each notification the rows past the last id it
 * routed.  After a lost connection it reads on from that id, so nothing written in
 * between is lost (scp-worker keeps rows ten minutes).  A process starts at the newest
 * row: it has no connections yet to send older ones to.
 *
 * Not an nchan channel, as first designed: each process following one nchan channel
 * with an EventSource subscription, resumed with Last-Event-ID after an nginx reload,
 * crashed Debian's nchan 1.3.6 workers on reloads (an assertion in its spool,
 * spool_fetch_msg), and a subscription without the id loses what is published during
 * the reload.  docs/decisions.md, "Cliick.io's WebSocket".
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

/* The largest message routed; scp-worker's are far smaller. */
#define FEED_MAX (4 * 1024 * 1024)
/* Rows read per query while catching up. */
#define FEED_BATCH "500"

static const struct scp_stmt feed_stmts[] = {
	{ "ws_events_newest", "SELECT coalesce(max(id), 0) FROM cliick_ws_events" },
	/* $1 the last id routed: the next rows, in order. */
	{ "ws_events_since",
	  "SELECT id, message FROM cliick_ws_events WHERE id > $1::bigint ORDER BY id"
	  " LIMIT " FEED_BATCH },
	SCP_STMT_END,
};

static struct {
	struct scp_db db;
	PGconn *listening;	/* the connection LISTEN ran on, NULL: none */
	long long last_id;	/* -1: not known yet (the newest row at the first connect) */
	long long next_try_ms;
	long backoff_ms;	/* the next wait before a reconnect: 0.5 s, doubling to 5 s */
	bool warned;
} feed = { .last_id = -1 };

static void feed_down(const char *why)
{
	if (!feed.warned)
		scp_warn("ws feed: %s; reconnecting", why);
	feed.warned = true;
	if (feed.listening && feed.db.conn == feed.listening)
		epoll_ctl(ws_epoll, EPOLL_CTL_DEL, PQsocket(feed.listening), NULL);
	feed.listening = NULL;
	scp_db_close(&feed.db);
	/* libpq logs each failed attempt: a database down for long is tried less often. */
	feed.backoff_ms = feed.backoff_ms < 500 ? 500 : feed.backoff_ms * 2 > 5000 ? 5000
											 : feed.backoff_ms * 2;
	feed.next_try_ms = ws_now_ms() + feed.backoff_ms;
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
		scp_warn("ws feed: an event that is not {users, shop, frame}: dropped");
		json_object_put(msg);
		return;
	}
	if (json_object_object_get_ex(msg, "shop", &shop) && json_object_is_type(shop, json_type_string))
		sid = json_object_get_string(shop);
	text = json_object_to_json_string_ext(frame, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	tlen = strlen(text);
	for (struct ws_conn *c = ws_conns; c; c = c->next)
		if (c->state == WS_OPEN && !c->dead && in_users(users, c->user) &&
		    (!sid || ws_conn_joined(c, sid)))
			ws_conn_send_text(c, text, tlen);
	json_object_put(msg);
}

/*
 * Notifications libpq holds, dropped: were there any?  A NOTIFY that reached the
 * connection while a query ran is read with that query's answer and kept inside libpq,
 * where epoll never sees it: after each catch-up, this tells whether to read again.
 */
static bool take_notifies(void)
{
	PGnotify *n;
	bool any = false;

	while ((n = PQnotifies(feed.listening))) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

/* The rows past last_id, routed in order; false when the connection failed. */
static bool catch_up(void)
{
	for (;;) {
		char since[24];
		const char *params[] = { since };
		PGresult *res = NULL;
		int n;

		snprintf(since, sizeof(since), "%lld", feed.last_id);
		if (scp_db_exec(&feed.db, "ws_events_since", 1, params, &res) != SCP_DB_OK) {
			if (res)
				scp_error("libpq: ws_events_since: %s", PQresultErrorMessage(res));
			PQclear(res);
			return false;
		}
		n = PQntuples(res);
		for (int i = 0; i < n; i++) {
			feed.last_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
			ws_feed_route(PQgetvalue(res, i, 1), (size_t)PQgetlength(res, i, 1));
		}
		PQclear(res);
		if (n < atoi(FEED_BATCH))
			return true;
	}
}

/* Open the connection, LISTEN, and read what came while there was none. */
static void feed_connect(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &ws_feed_tag };
	PGresult *res = NULL;

	if (!scp_db_ready(&feed.db)) {
		feed_down("the database cannot be reached");
		return;
	}
	if (scp_db_simple(&feed.db, "LISTEN scp_ws") != SCP_DB_OK) {
		feed_down("LISTEN failed");
		return;
	}
	if (feed.last_id < 0) {
		if (scp_db_exec(&feed.db, "ws_events_newest", 0, NULL, &res) != SCP_DB_OK) {
			PQclear(res);
			feed_down("the newest event could not be read");
			return;
		}
		feed.last_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	feed.listening = feed.db.conn;
	if (epoll_ctl(ws_epoll, EPOLL_CTL_ADD, PQsocket(feed.listening), &ev) < 0) {
		feed_down(strerror(errno));
		return;
	}
	do {
		if (!catch_up() || feed.db.conn != feed.listening) {
			feed_down("the events could not be read");
			return;
		}
	} while (take_notifies());
	if (feed.warned)
		scp_info("ws feed: listening again, from event %lld", feed.last_id);
	feed.warned = false;
	feed.backoff_ms = 0;
}

void ws_feed_start(void)
{
	scp_db_init(&feed.db, scp_cfg.database_url);
	scp_db_add_statements(&feed.db, feed_stmts);
	feed_connect();
}

long ws_feed_timeout(void)
{
	long long left;

	if (feed.listening)
		return -1;
	left = feed.next_try_ms - ws_now_ms();
	return left < 0 ? 0 : (long)left;
}

void ws_feed_tick(void)
{
	if (!feed.listening && ws_now_ms() >= feed.next_try_ms)
		feed_connect();
}

/*
 * The connection is readable: notifications (their payload, an id, is not needed), and
 * rows read until no notification came in while they were read.
 */
void ws_feed_event(uint32_t events)
{
	if (!feed.listening)
		return;
	if ((events & (EPOLLERR | EPOLLHUP)) || !PQconsumeInput(feed.listening) ||
	    PQstatus(feed.listening) != CONNECTION_OK) {
		feed_down("the database connection was lost");
		return;
	}
	while (take_notifies()) {
		/* A reconnect inside scp_db_exec would have dropped the LISTEN: start over. */
		if (!catch_up() || feed.db.conn != feed.listening) {
			feed_down("the events could not be read");
			return;
		}
	}
}
