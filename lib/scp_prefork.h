/*
 * scp_prefork: the master process of every family binary.
 *
 * The master owns the listening socket (its own, or fd 3 from systemd socket
 * activation), forks N workers and keeps N alive: a worker that dies is replaced.
 * SIGTERM/SIGINT: workers finish the request in hand and exit, then the master exits
 * (a worker takes the signals only while it waits for a connection: scp_prefork_wait).
 * SIGHUP: the reload callback runs in the master (re-read the configuration), then every
 * worker is asked to finish and is replaced by a fresh one; with worker_count set, the
 * pool takes the count it answers then (grows or shrinks).
 */
#ifndef SCP_PREFORK_H
#define SCP_PREFORK_H

#include <signal.h>
#include <stdbool.h>

struct scp_prefork {
	const char *socket_path;	/* unix socket path or ":port"; ignored with LISTEN_FDS */
	int workers;
	void (*worker)(int listen_fd, void *arg);	/* runs in each child; returns to exit */
	bool (*reload)(void *arg);	/* may be NULL */
	int (*worker_count)(void *arg);	/* after a reload: the new count; may be NULL */
	void *arg;
};

/* Set in a worker once it was asked to stop; its accept loop checks it. */
extern volatile sig_atomic_t scp_worker_stop;

/*
 * In a worker: wait until the listening socket fd has a connection to accept (true) or
 * the worker was asked to stop (false).  A worker runs with SIGTERM and SIGINT blocked
 * and takes them only here, so that a stop never interrupts a request's reads and
 * writes: an accepted request is always answered.  The socket is non-blocking: when
 * another worker took the connection first, FCGX_Accept_r answers -EAGAIN at once.
 */
bool scp_prefork_wait(int fd);
/* The same mask for a worker with a wait loop of its own (scp-ws's epoll_pwait). */
const sigset_t *scp_prefork_wait_mask(void);

/* Run the master until asked to stop; returns the process exit status. */
int scp_prefork_run(struct scp_prefork *p);
/* The listening socket from systemd (LISTEN_FDS/LISTEN_PID), or -1. */
int scp_prefork_systemd_fd(void);
/*
 * The configuration of a pool's master: defaults, the file at path, the environment,
 * then its checks; the problems printed on stderr.  False when there was any.
 */
bool scp_prefork_config_load(const char *path);
/*
 * A reload callback's work on SIGHUP: the file is tried in a child first, since loading
 * replaces the master's values and a rejected file must not reach the workers forked
 * later; then loaded.  False, and the running configuration kept, when it has errors.
 */
bool scp_prefork_config_reload(const char *path);

#endif
