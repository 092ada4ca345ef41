#include "scp_prefork.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_log.h"
#include "scp_metrics.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 256

volatile sig_atomic_t scp_worker_stop;

static volatile sig_atomic_t got_term, got_hup, got_chld;
static bool activated;	/* the socket came from systemd */

static void on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT: got_term = 1; break;
	case SIGHUP: got_hup = 1; break;
	case SIGCHLD: got_chld = 1; break;
	}
}

static void on_worker_stop(int sig)
{
	(void)sig;
	scp_worker_stop = 1;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a worker blocked in accept() must return to see the flag. */
	sigaction(sig, &sa, NULL);
}

int scp_prefork_systemd_fd(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");

	if (!fds || !pid || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	activated = true;
	return 3;
}

/*
 * Workers wait for a connection with poll (scp_prefork_wait), then accept: several may
 * wake for one connection, and the ones that lose must not block in accept (where a
 * stop could not reach them).  Accepted sockets do not inherit the flag (Linux).
 */
static int nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fd;
}

static int open_listener(const char *path)
{
	int fd = scp_prefork_systemd_fd();

	if (fd >= 0)
		return nonblocking(fd);
	fd = FCGX_OpenSocket(path, 1024);
	if (fd < 0)
		return -1;
	nonblocking(fd);
	/* Access is governed by the socket directory's permissions. */
	if (path[0] != ':' && !strchr(path, ':'))
		chmod(path, 0666);
	return fd;
}

/* A worker's signal mask while it waits for a connection: the stop signals open. */
static sigset_t wait_mask;

bool scp_prefork_wait(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (!scp_worker_stop) {
		int n = ppoll(&pfd, 1, NULL, &wait_mask);

		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
	return false;
}

const sigset_t *scp_prefork_wait_mask(void)
{
	return &wait_mask;
}

static pid_t spawn(struct scp_prefork *p, int fd, sigset_t *oldmask)
{
	sigset_t run;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/*
	 * Child: die with the master, take the stop signals only while waiting for a
	 * connection (scp_prefork_wait), serve.
	 */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	handle(SIGTERM, on_worker_stop);
	handle(SIGINT, on_worker_stop);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	wait_mask = *oldmask;
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	run = wait_mask;
	sigaddset(&run, SIGTERM);
	sigaddset(&run, SIGINT);
	sigprocmask(SIG_SETMASK, &run, NULL);
	p->worker(fd, p->arg);
	_exit(0);
}

static void signal_all(pid_t *pids, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], sig);
}

static int live_count(pid_t *pids, int n)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += pids[i] > 0;
	return c;
}

/* Reap exited workers; one that died abnormally (not while stopping) is reported. */
static void reap(pid_t *pids, time_t *born, int n, bool stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < n; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			if (!stopping && (WIFSIGNALED(status) ||
					  (WIFEXITED(status) && WEXITSTATUS(status)))) {
				scp_warn("worker %d died (%s %d); replacing it", (int)pid,
					 WIFSIGNALED(status) ? "signal" : "exit",
					 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				scp_metrics_worker_restart();
				/* A worker dying at birth is not respawned in a tight loop. */
				if (time(NULL) - born[i] < 1)
					born[i] = -1;
			}
		}
	}
}

static int clamp_workers(int n)
{
	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : n;
}

static void stop_workers(pid_t *pids, time_t *born, int n)
{
	time_t deadline = time(NULL) + 15;

	signal_all(pids, n, SIGTERM);
	while (live_count(pids, n) && time(NULL) < deadline) {
		reap(pids, born, n, true);
		if (live_count(pids, n))
			usleep(20000);
	}
	signal_all(pids, n, SIGKILL);
	reap(pids, born, n, true);
}

int scp_prefork_run(struct scp_prefork *p)
{
	pid_t pids[MAX_WORKERS] = { 0 };
	time_t born[MAX_WORKERS] = { 0 };
	sigset_t block, oldmask;
	int fd, n = clamp_workers(p->workers);

	if (FCGX_Init()) {
		scp_error("FCGX_Init failed");
		return 1;
	}
	fd = open_listener(p->socket_path);
	if (fd < 0) {
		scp_error("cannot listen on %s: %s", p->socket_path, strerror(errno));
		return 1;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	handle(SIGTERM, on_signal);
	handle(SIGINT, on_signal);
	handle(SIGHUP, on_signal);
	handle(SIGCHLD, on_signal);
	scp_info("listening on %s with %d workers",
		 activated ? "the socket from systemd" : p->socket_path, n);
	scp_metrics_set_workers(n);

	while (!got_term) {
		for (int i = 0; i < n; i++) {
			if (pids[i] > 0)
				continue;
			if (born[i] < 0) {
				/* It died right after starting: wait a little before the next. */
				born[i] = 0;
				sigprocmask(SIG_SETMASK, &oldmask, NULL);
				sleep(1);
				sigprocmask(SIG_BLOCK, &block, NULL);
				if (got_term)
					break;
			}
			pids[i] = spawn(p, fd, &oldmask);
			born[i] = time(NULL);
			if (pids[i] < 0) {
				scp_error("fork: %s", strerror(errno));
				pids[i] = 0;
			}
		}
		if (got_term)
			break;
		sigsuspend(&oldmask);
		if (got_chld) {
			got_chld = 0;
			/* Every slot: after a SIGHUP that shrank the pool, old ones above n. */
			reap(pids, born, MAX_WORKERS, false);
		}
		if (got_hup) {
			got_hup = 0;
			scp_info("SIGHUP: reloading and replacing workers");
			if (!p->reload || p->reload(p->arg)) {
				/*
				 * Every worker finishes its request and exits; the loop above
				 * starts the new count of them.  A slot above it is not refilled.
				 */
				signal_all(pids, MAX_WORKERS, SIGTERM);
				if (p->worker_count) {
					int was = n;

					n = clamp_workers(p->worker_count(p->arg));
					if (n != was)
						scp_info("SIGHUP: workers %d -> %d", was, n);
					scp_metrics_set_workers(n);
				}
			}
		}
	}
	scp_info("stopping: waiting for workers to finish their requests");
	stop_workers(pids, born, MAX_WORKERS);
	return 0;
}

bool scp_prefork_config_load(const char *path)
{
	struct scp_buf errs = SCP_BUF_INIT;
	bool ok = scp_config_load(path, &errs) && scp_config_validate(&errs);

	if (!ok)
		fprintf(stderr, "configuration error:\n%s", errs.ptr);
	scp_buf_release(&errs);
	return ok;
}

bool scp_prefork_config_reload(const char *path)
{
	pid_t pid = fork();
	int status = 1;

	if (pid == 0)
		_exit(scp_prefork_config_load(path) ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		scp_error("SIGHUP: the configuration has errors; keeping the running one");
		return false;
	}
	return scp_prefork_config_load(path);
}
