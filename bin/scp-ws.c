/*
 * scp-ws: Cliick.io's WebSocket (/ws), a server of SCP's own behind nginx.
 *
 *   scp-ws [-c CONFIG] [-s SOCKET] [-n PROCESSES]
 *
 * nginx authorizes the upgrade (auth_request to scp-auth, which names the user) and
 * proxies it here with X-Scp-User-Id; this answers the client's frames (ping,
 * shop:join, shop:leave) and sends it the events scp-worker writes to the table
 * cliick_ws_events, which each process follows with LISTEN scp_ws (ws_feed.c).  nchan
 * no longer handles anything of Cliick's WebSocket; it keeps the other channels
 * (docs/decisions.md, "Cliick.io's WebSocket").
 *
 * libscp's prefork master (scp_prefork.c) runs ws_workers processes that share the
 * listening socket and replaces one that dies.  Each is a single-threaded epoll loop:
 * connections, the feed's database connection, and a tick for pings and reconnects.  SIGTERM: every
 * connection gets a close 1001 (going away) and the process exits.  SIGHUP: the master
 * re-reads the configuration and replaces the processes, which closes their
 * connections with 1001 (the frontend reconnects).
 */
#include "ws.h"
#include "scp_config.h"
#include "scp_log.h"
#include "scp_prefork.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int ws_epoll = -1;
struct ws_conn *ws_conns;
int ws_nconns;
int ws_ndead;
struct scp_db ws_db;
int ws_listen_tag, ws_feed_tag;

static const char *config_path;
static bool workers_fixed;
static int nworkers;

long long ws_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Each connection holds a socket here and one in nginx: room for them all. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void going_away(void)
{
	while (ws_conns) {
		struct ws_conn *c = ws_conns;

		ws_conn_close(c, SCP_WS_CLOSE_GOING_AWAY, "server restarting");
		/* One try to hand the close frame over; nobody waits for a slow reader now. */
		if (c->out.len > c->out_off)
			(void)!write(c->fd, c->out.ptr + c->out_off, c->out.len - c->out_off);
		ws_conn_free(c);
	}
}

static int loop_timeout(void)
{
	long feed = ws_feed_timeout();

	/* The tick runs at least once a second (pings, closing connections). */
	return feed >= 0 && feed < 1000 ? (int)feed : 1000;
}

/* One process: the loop, until SIGTERM. */
static void serve(int listen_fd, void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE }, evs[64];
	long long last_tick = 0;

	(void)arg;
	fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
	ws_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (ws_epoll < 0) {
		scp_error("epoll_create1: %s", strerror(errno));
		return;
	}
	ev.data.ptr = &ws_listen_tag;
	if (epoll_ctl(ws_epoll, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		scp_error("epoll_ctl: %s", strerror(errno));
		return;
	}
	/*
	 * The membership check of shop:join blocks the loop for one indexed lookup
	 * (ws_frames.c); the connection is opened lazily, on the first join.
	 */
	scp_db_init(&ws_db, scp_cfg.database_url);
	scp_db_add_statements(&ws_db, ws_frames_stmts);
	ws_feed_start();
	while (!scp_worker_stop) {
		/* The stop signals are taken only while waiting (scp_prefork_wait_mask). */
		int n = epoll_pwait(ws_epoll, evs, 64, loop_timeout(), scp_prefork_wait_mask());

		if (n < 0 && errno != EINTR) {
			scp_error("epoll_pwait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;

			if (tag == &ws_listen_tag)
				ws_conn_accept(listen_fd);
			else if (tag == &ws_feed_tag)
				ws_feed_event(evs[i].events);
			else
				ws_conn_event(tag, evs[i].events);
		}
		if (ws_now_ms() - last_tick >= 200) {
			last_tick = ws_now_ms();
			ws_conn_tick();
		}
		ws_feed_tick();
		ws_conn_reap();
	}
	going_away();
	scp_db_close(&ws_db);
}

/* SIGHUP: the file tried in a child first, as the families do. */
static bool reload(void *arg)
{
	(void)arg;
	return scp_prefork_config_reload(config_path);
}

static int worker_count(void *arg)
{
	(void)arg;
	return workers_fixed ? nworkers : (int)scp_cfg.ws_workers;
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: scp-ws [-c CONFIG] [-s SOCKET] [-n PROCESSES]\n"
		"       scp-ws --version | --help\n"
		"Cliick.io's WebSocket server (/ws), behind nginx.\n"
		"  -c CONFIG     configuration file (default %s; $SCP_CONFIG overrides it,\n"
		"                SCP_<KEY> variables override its keys)\n"
		"  -s SOCKET     listen on this Unix socket (default socket_dir/scp-ws.sock; a\n"
		"                socket handed over by systemd, LISTEN_FDS, is used when there is one)\n"
		"  -n PROCESSES  processes (default: ws_workers in the configuration)\n"
		"  --version     print the version\n"
		"  --help, -h    print this help\n"
		"See scp-ws(8) and scp.conf(5).\n",
		scp_config_default_path());
}

int main(int argc, char **argv)
{
	struct scp_prefork pf;
	char sock[512];
	const char *sock_opt = NULL;
	int opt;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("scp-ws (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	while ((opt = getopt(argc, argv, "c:s:n:h")) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 's': sock_opt = optarg; break;
		case 'n': nworkers = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!scp_prefork_config_load(config_path))
		return 2;
	scp_log_init("scp-ws", scp_cfg.log_level);
	scp_log_set_format(scp_cfg.log_format);
	snprintf(sock, sizeof(sock), "%s", sock_opt ? sock_opt : "");
	if (!sock_opt)
		snprintf(sock, sizeof(sock), "%s/scp-ws.sock", scp_cfg.socket_dir);
	workers_fixed = nworkers > 0;
	if (!workers_fixed)
		nworkers = (int)scp_cfg.ws_workers;
	raise_fd_limit();
	/* A client gone mid-write is an EPIPE to handle, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	pf = (struct scp_prefork){ .socket_path = sock, .workers = nworkers, .worker = serve,
				   .reload = reload, .worker_count = worker_count };
	return scp_prefork_run(&pf);
}
