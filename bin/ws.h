/*
 * scp-ws: Cliick.io's WebSocket (/ws), one single-threaded epoll loop per process.
 *
 *   scp-ws.c     main, the prefork master, the loop and its timers
 *   ws_conn.c    a client connection: the upgrade, frames in and out, closing
 *   ws_frames.c  what a client's frames mean (ping, shop:join, shop:leave)
 *   ws_feed.c    the events: LISTEN scp_ws, cliick_ws_events read and routed to connections
 */
#ifndef SCP_WS_BIN_H
#define SCP_WS_BIN_H

#include "scp_buf.h"
#include "scp_db.h"
#include "scp_ws.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Shops one connection may have joined at once (the frontend joins its current one). */
#define WS_MAX_SHOPS 16

enum ws_state {
	WS_HANDSHAKE,	/* reading the upgrade request */
	WS_OPEN,
	WS_CLOSING,	/* a close frame (or an HTTP refusal) queued: flush, then hang up */
};

struct ws_conn {
	int fd;
	enum ws_state state;
	char user[37];
	char shops[WS_MAX_SHOPS][37];
	int nshops;
	/* Input not parsed yet: the handshake's head, then frames (bounded, scp_ws.h). */
	uint8_t in[SCP_WS_MAX_HANDSHAKE > SCP_WS_MAX_MESSAGE + SCP_WS_MAX_HEADER
			   ? SCP_WS_MAX_HANDSHAKE : SCP_WS_MAX_MESSAGE + SCP_WS_MAX_HEADER];
	size_t in_len;
	struct scp_buf out;	/* queued output, at most ws_output_max bytes */
	size_t out_off;		/* sent so far of out */
	bool want_write;	/* EPOLLOUT is armed */
	bool dead;		/* over: freed by ws_conn_reap after the batch */
	long long last_in_ms;	/* monotonic ms of the last byte received */
	long long last_ping_ms;
	struct scp_ws_parser parser;
	struct ws_conn *next, *prev;
};

/* The process's loop (scp-ws.c). */
extern int ws_epoll;
extern struct ws_conn *ws_conns;	/* every open connection */
extern int ws_nconns;
extern struct scp_db ws_db;
long long ws_now_ms(void);

/* ws_conn.c */
void ws_conn_accept(int listen_fd);
void ws_conn_event(struct ws_conn *c, uint32_t events);
/* Queue a text frame; a connection whose queue would pass ws_output_max is closed. */
void ws_conn_send_text(struct ws_conn *c, const char *text, size_t len);
/* Queue a close frame with code and stop reading; the connection ends once flushed. */
void ws_conn_close(struct ws_conn *c, int code, const char *reason);
void ws_conn_free(struct ws_conn *c);
/* Free the connections that ended during the last batch of events. */
void ws_conn_reap(void);
extern int ws_ndead;
/* Pings of idle connections, and the end of connections that never finished closing. */
void ws_conn_tick(void);
bool ws_conn_joined(const struct ws_conn *c, const char *shop);

/* ws_frames.c */
extern const struct scp_stmt ws_frames_stmts[];
/* A whole text message of a client. */
void ws_frames_handle(struct ws_conn *c, const char *text, size_t len);

/* ws_feed.c: the events, from the database. */
void ws_feed_start(void);
/* Its connection is readable (notifications) or failed. */
void ws_feed_event(uint32_t events);
void ws_feed_tick(void);
/* ms until the feed wants its tick (a reconnect), or -1. */
long ws_feed_timeout(void);
/* Route one event {"users": [...], "shop": id|null, "frame": {...}}. */
void ws_feed_route(const char *json, size_t len);

/* The epoll tags of the listening socket and the feed (connections carry a pointer). */
extern int ws_listen_tag, ws_feed_tag;

#endif
