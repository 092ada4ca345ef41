#include "scp_metrics.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Bump when the layout changes: a reader skips segments of another layout. */
#define MAGIC 0x5343504d45540002ULL	/* "SCPMET" 2 */
#define MAX_ROUTES 192
#define MAX_JOBS 48
#define MAX_SEGMENTS 64

const double scp_metrics_bounds[SCP_METRICS_NBUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

/* The codes counted one by one; any other is counted under its class ("4xx"). */
static const int codes[] = {
	200, 201, 202, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406,
	409, 410, 411, 412, 413, 415, 416, 422, 429, 500, 501, 502, 503, 504,
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static const char *const providers[] = {
	"whatsapp", "stripe", "shopify", "woocommerce", "prokip", "other",
};
#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

struct route_slot {
	char method[8];
	char pattern[120];
	uint64_t by_code[NCODES];
	uint64_t by_class[6];	/* codes outside the table, by status / 100 (0: out of range) */
	uint64_t buckets[SCP_METRICS_NBUCKETS];	/* not cumulative; the page sums them */
	uint64_t count;
	uint64_t micros;
};

struct job_slot {
	char kind[40];
	uint64_t done, failed;
};

struct segment {
	uint64_t magic;
	int32_t pid;		/* the master's: a segment whose owner is gone is skipped */
	int32_t workers;
	int64_t started;	/* unix seconds */
	char family[32];
	uint32_t nroutes, njobs;
	uint64_t restarts, db_down, reconnects;
	uint64_t hooks_failed[NPROVIDERS];
	struct job_slot jobs[MAX_JOBS];
	struct route_slot routes[MAX_ROUTES];	/* routes[0] is "unmatched" */
};

/* Before init (scpctl, unit tests) and when no file can be made: a private segment. */
static struct segment local;
static struct segment *seg = &local;
static char seg_path[600];
static pid_t owner;
static ino_t seg_ino;	/* the file made, so that exit never removes a successor's */

static void add(uint64_t *v, uint64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

int scp_metrics_bucket(long long micros)
{
	for (int i = 0; i < SCP_METRICS_NBUCKETS; i++)
		if ((double)micros <= scp_metrics_bounds[i] * 1e6)
			return i;
	return SCP_METRICS_NBUCKETS;
}

int scp_metrics_code_index(int status)
{
	for (size_t i = 0; i < NCODES; i++)
		if (codes[i] == status)
			return (int)i;
	return -1;
}

void scp_metrics_label(struct scp_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			scp_buf_addc(out, '\\');
		if (*s == '\n')
			scp_buf_adds(out, "\\n");
		else
			scp_buf_addc(out, *s);
	}
}

static void unlink_segment(void)
{
	struct stat st;

	/* Only the master that made it (workers leave with _exit), and only its own file. */
	if (owner == getpid() && seg_path[0] && stat(seg_path, &st) == 0 && st.st_ino == seg_ino)
		unlink(seg_path);
}

/*
 * socket_dir/metrics: beside the sockets (one place per installation, tmpfs under /run),
 * but a directory of its own, which the services may write while the sockets' one is
 * the socket units' (systemd/scp.tmpfiles makes it, the units list it in ReadWritePaths).
 */
static void segment_dir(char *dst, size_t cap)
{
	snprintf(dst, cap, "%s/metrics", scp_cfg.socket_dir);
}

/* A fresh file of the segment's size, mapped shared, renamed into place when filled. */
static struct segment *map_file(const char *family)
{
	char tmp[640], dir[520];
	struct segment *m;
	struct stat st;
	int fd;

	segment_dir(dir, sizeof(dir));
	/* Made by the first master to start when nothing made it before (development). */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return NULL;
	snprintf(seg_path, sizeof(seg_path), "%s/scp-%s.metrics", dir, family);
	snprintf(tmp, sizeof(tmp), "%s.%d", seg_path, (int)getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, sizeof(struct segment)) < 0 || fstat(fd, &st) < 0) {
		close(fd);
		unlink(tmp);
		return NULL;
	}
	seg_ino = st.st_ino;
	m = mmap(NULL, sizeof(struct segment), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		unlink(tmp);
		return NULL;
	}
	*m = local;
	if (rename(tmp, seg_path) < 0) {
		munmap(m, sizeof(*m));
		unlink(tmp);
		return NULL;
	}
	return m;
}

static int add_route(struct segment *s, const char *method, const char *pattern)
{
	struct route_slot *rs;

	if (s->nroutes == MAX_ROUTES)
		return -1;
	rs = &s->routes[s->nroutes++];
	snprintf(rs->method, sizeof(rs->method), "%s", method);
	snprintf(rs->pattern, sizeof(rs->pattern), "%s", pattern);
	return (int)s->nroutes - 2;	/* slot 0 is "unmatched": route n is slot n + 1 */
}

int scp_metrics_route(const char *method, const char *pattern)
{
	return add_route(seg, method, pattern);
}

void scp_metrics_init(const char *family)
{
	struct segment *m;

	memset(&local, 0, sizeof(local));
	local.magic = MAGIC;
	local.pid = (int32_t)getpid();
	local.started = (int64_t)time(NULL);
	snprintf(local.family, sizeof(local.family), "%s", family);
	add_route(&local, "", "unmatched");
	m = map_file(family);
	if (!m) {
		scp_warn("metrics: cannot make %s (%s); this process is missing from /metrics",
			 seg_path, strerror(errno));
		seg = &local;
		return;
	}
	seg = m;
	owner = getpid();
	atexit(unlink_segment);
}

void scp_metrics_set_workers(int n)
{
	__atomic_store_n(&seg->workers, n, __ATOMIC_RELAXED);
}

void scp_metrics_request(int route, int status, long long micros)
{
	/* Unknown numbers (and a segment never initialised) count as "unmatched". */
	struct route_slot *rs = &seg->routes[route >= 0 && route + 1 < (int)seg->nroutes
					     ? route + 1 : 0];
	int c = scp_metrics_code_index(status), b;

	if (micros < 0)
		micros = 0;
	if (c >= 0)
		add(&rs->by_code[c], 1);
	else
		add(&rs->by_class[status >= 100 && status < 600 ? status / 100 : 0], 1);
	b = scp_metrics_bucket(micros);
	/* Above the last bound: only in the count (+Inf). */
	if (b < SCP_METRICS_NBUCKETS)
		add(&rs->buckets[b], 1);
	add(&rs->count, 1);
	add(&rs->micros, (uint64_t)micros);
}

void scp_metrics_worker_restart(void)
{
	add(&seg->restarts, 1);
}

void scp_metrics_db_down(void)
{
	add(&seg->db_down, 1);
}

void scp_metrics_db_reconnect(void)
{
	add(&seg->reconnects, 1);
}

void scp_metrics_webhook_failed(const char *provider)
{
	size_t i = 0;

	while (i < NPROVIDERS - 1 && (!provider || strcmp(provider, providers[i])))
		i++;
	add(&seg->hooks_failed[i], 1);
}

void scp_metrics_set_job_kinds(const char *const *kinds, size_t n)
{
	size_t k = 0;

	for (; k < n && k < MAX_JOBS - 1; k++)
		snprintf(seg->jobs[k].kind, sizeof(seg->jobs[k].kind), "%s", kinds[k]);
	snprintf(seg->jobs[k].kind, sizeof(seg->jobs[k].kind), "other");
	seg->njobs = (uint32_t)k + 1;
}

void scp_metrics_job(const char *kind, int ok)
{
	uint32_t i = 0;

	if (!seg->njobs)
		return;
	while (i < seg->njobs - 1 && strcmp(kind, seg->jobs[i].kind))
		i++;
	add(ok ? &seg->jobs[i].done : &seg->jobs[i].failed, 1);
}

/* ---- the page ------------------------------------------------------------------------ */

struct view {
	const struct segment *s[MAX_SEGMENTS];
	int n;
};

static bool owner_alive(const struct segment *s)
{
	return s->pid > 0 && (kill(s->pid, 0) == 0 || errno == EPERM);
}

static const struct segment *map_segment(const char *dir, const char *name)
{
	char path[700];
	struct stat st;
	const struct segment *m;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size != (off_t)sizeof(struct segment)) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, sizeof(struct segment), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	if (m->magic != MAGIC || !owner_alive(m) || m->nroutes > MAX_ROUTES ||
	    m->njobs > MAX_JOBS) {
		munmap((void *)m, sizeof(*m));
		return NULL;
	}
	return m;
}

static int by_family(const void *a, const void *b)
{
	return strcmp((*(const struct segment *const *)a)->family,
		      (*(const struct segment *const *)b)->family);
}

/* Every live segment in socket_dir/metrics; this process's own when it has no file. */
static void open_view(struct view *v)
{
	char dir[520];
	DIR *d;
	struct dirent *e;
	size_t len;

	segment_dir(dir, sizeof(dir));
	d = opendir(dir);
	v->n = 0;
	while (d && (e = readdir(d)) && v->n < MAX_SEGMENTS) {
		const struct segment *m;

		len = strlen(e->d_name);
		if (len < 12 || strncmp(e->d_name, "scp-", 4) ||
		    strcmp(e->d_name + len - 8, ".metrics"))
			continue;
		if ((m = map_segment(dir, e->d_name)))
			v->s[v->n++] = m;
	}
	if (d)
		closedir(d);
	if (seg == &local && v->n < MAX_SEGMENTS)
		v->s[v->n++] = &local;
	qsort(v->s, (size_t)v->n, sizeof(v->s[0]), by_family);
}

static void close_view(struct view *v)
{
	for (int i = 0; i < v->n; i++)
		if (v->s[i] != &local)
			munmap((void *)v->s[i], sizeof(struct segment));
}

static void head(struct scp_buf *out, const char *name, const char *type, const char *help)
{
	scp_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void route_labels(struct scp_buf *out, const struct segment *s, const struct route_slot *r)
{
	scp_buf_adds(out, "family=\"");
	scp_metrics_label(out, s->family);
	scp_buf_adds(out, "\",method=\"");
	scp_metrics_label(out, r->method);
	scp_buf_adds(out, "\",route=\"");
	scp_metrics_label(out, r->pattern);
	scp_buf_addc(out, '"');
}

static void render_requests(struct scp_buf *out, const struct view *v)
{
	head(out, "scp_http_requests_total", "counter",
	     "Requests answered, by family, route pattern and status code");
	for (int i = 0; i < v->n; i++) {
		const struct segment *s = v->s[i];

		for (uint32_t k = 0; k < s->nroutes; k++) {
			const struct route_slot *r = &s->routes[k];

			for (size_t c = 0; c < NCODES + 6; c++) {
				uint64_t n = c < NCODES ? get(&r->by_code[c]) : get(&r->by_class[c - NCODES]);

				if (!n)
					continue;
				scp_buf_adds(out, "scp_http_requests_total{");
				route_labels(out, s, r);
				if (c < NCODES)
					scp_buf_addf(out, ",code=\"%d\"} %llu\n", codes[c],
						     (unsigned long long)n);
				else
					scp_buf_addf(out, ",code=\"%dxx\"} %llu\n", (int)(c - NCODES),
						     (unsigned long long)n);
			}
		}
	}
	head(out, "scp_requests_total", "counter", "Requests answered, by family and status class");
	for (int i = 0; i < v->n; i++) {
		const struct segment *s = v->s[i];
		uint64_t cls[6] = { 0 };

		if (!strcmp(s->family, "worker"))
			continue;
		for (uint32_t k = 0; k < s->nroutes; k++) {
			for (size_t c = 0; c < NCODES; c++)
				cls[codes[c] / 100] += get(&s->routes[k].by_code[c]);
			for (int c = 0; c < 6; c++)
				cls[c] += get(&s->routes[k].by_class[c]);
		}
		for (int c = 1; c <= 5; c++)
			scp_buf_addf(out, "scp_requests_total{family=\"%s\",class=\"%dxx\"} %llu\n",
				     s->family, c, (unsigned long long)cls[c]);
	}
}

static void render_durations(struct scp_buf *out, const struct view *v)
{
	head(out, "scp_http_request_duration_seconds", "histogram",
	     "Time a worker spent on a request, by family and route pattern");
	for (int i = 0; i < v->n; i++) {
		const struct segment *s = v->s[i];

		for (uint32_t k = 0; k < s->nroutes; k++) {
			const struct route_slot *r = &s->routes[k];
			uint64_t count = get(&r->count), cum = 0;

			if (!count)
				continue;
			for (int b = 0; b < SCP_METRICS_NBUCKETS; b++) {
				cum += get(&r->buckets[b]);
				scp_buf_adds(out, "scp_http_request_duration_seconds_bucket{");
				route_labels(out, s, r);
				scp_buf_addf(out, ",le=\"%g\"} %llu\n", scp_metrics_bounds[b],
					     (unsigned long long)cum);
			}
			/* Read apart from the buckets: +Inf is the count, never below them. */
			if (count < cum)
				count = cum;
			scp_buf_adds(out, "scp_http_request_duration_seconds_bucket{");
			route_labels(out, s, r);
			scp_buf_addf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)count);
			scp_buf_adds(out, "scp_http_request_duration_seconds_sum{");
			route_labels(out, s, r);
			scp_buf_addf(out, "} %.6f\n", (double)get(&r->micros) / 1e6);
			scp_buf_adds(out, "scp_http_request_duration_seconds_count{");
			route_labels(out, s, r);
			scp_buf_addf(out, "} %llu\n", (unsigned long long)count);
		}
	}
}

static void render_family_counter(struct scp_buf *out, const struct view *v, const char *name,
				   const char *help, size_t off)
{
	head(out, name, "counter", help);
	for (int i = 0; i < v->n; i++) {
		const uint64_t *p = (const uint64_t *)((const char *)v->s[i] + off);

		scp_buf_addf(out, "%s{family=\"%s\"} %llu\n", name, v->s[i]->family,
			     (unsigned long long)get(p));
	}
}

static void render_processes(struct scp_buf *out, const struct view *v)
{
	head(out, "scp_up", "gauge", "1 for every SCP process family whose master is running");
	for (int i = 0; i < v->n; i++)
		scp_buf_addf(out, "scp_up{family=\"%s\"} 1\n", v->s[i]->family);
	head(out, "scp_workers", "gauge", "Worker processes the family's master keeps running");
	for (int i = 0; i < v->n; i++)
		scp_buf_addf(out, "scp_workers{family=\"%s\"} %d\n", v->s[i]->family,
			     (int)__atomic_load_n(&v->s[i]->workers, __ATOMIC_RELAXED));
	head(out, "scp_process_start_time_seconds", "gauge",
	     "When the family's master started, unix seconds");
	for (int i = 0; i < v->n; i++)
		scp_buf_addf(out, "scp_process_start_time_seconds{family=\"%s\"} %lld\n",
			     v->s[i]->family, (long long)v->s[i]->started);
	render_family_counter(out, v, "scp_worker_restarts_total",
			      "Workers that died unexpectedly and were replaced",
			      offsetof(struct segment, restarts));
	render_family_counter(out, v, "scp_db_unavailable_total",
			      "Requests answered 503 because the database could not be reached",
			      offsetof(struct segment, db_down));
	render_family_counter(out, v, "scp_db_reconnects_total",
			      "Database connections opened again after one was lost",
			      offsetof(struct segment, reconnects));
}

static void render_hooks(struct scp_buf *out, const struct view *v)
{
	head(out, "scp_webhook_verifications_failed_total", "counter",
	     "Webhook deliveries or handshakes refused: bad or missing signature or token");
	for (size_t p = 0; p < NPROVIDERS; p++) {
		uint64_t n = 0;

		for (int i = 0; i < v->n; i++)
			n += get(&v->s[i]->hooks_failed[p]);
		scp_buf_addf(out, "scp_webhook_verifications_failed_total{provider=\"%s\"} %llu\n",
			     providers[p], (unsigned long long)n);
	}
}

static void render_job_runs(struct scp_buf *out, const struct view *v)
{
	head(out, "scp_jobs_run_total", "counter",
	     "Jobs run by scp-worker, by kind and outcome (failed: retried later or dead)");
	for (int i = 0; i < v->n; i++) {
		const struct segment *s = v->s[i];

		for (uint32_t k = 0; k < s->njobs; k++) {
			scp_buf_addf(out, "scp_jobs_run_total{kind=\"%s\",outcome=\"done\"} %llu\n",
				     s->jobs[k].kind, (unsigned long long)get(&s->jobs[k].done));
			scp_buf_addf(out, "scp_jobs_run_total{kind=\"%s\",outcome=\"failed\"} %llu\n",
				     s->jobs[k].kind, (unsigned long long)get(&s->jobs[k].failed));
		}
	}
}

/*
 * The queue, from the jobs table: one grouped count (both statuses have a partial index
 * or are few).  Kinds scp-worker knows are shown at 0 so that every series exists.
 */
static void render_queue(struct scp_buf *out, const struct view *v, PGconn *conn)
{
	static const char sql[] =
		"SELECT kind, count(*) FILTER (WHERE status = 'queued'),"
		" count(*) FILTER (WHERE status = 'running'),"
		" count(*) FILTER (WHERE status = 'dead') FROM jobs"
		" WHERE status IN ('queued', 'running', 'dead') GROUP BY kind ORDER BY kind";
	static const char *const what[] = { "queued", "running" };
	PGresult *r = NULL;
	bool up = conn != NULL;
	int rows = 0;

	if (up) {
		r = PQexec(conn, sql);
		up = PQresultStatus(r) == PGRES_TUPLES_OK;
		rows = up ? PQntuples(r) : 0;
	}
	head(out, "scp_metrics_database_up", "gauge",
	     "1 when this scrape could read the job queue from the database");
	scp_buf_addf(out, "scp_metrics_database_up %d\n", up ? 1 : 0);
	if (up) {
		head(out, "scp_jobs", "gauge", "Jobs waiting (queued) or in hand (running), by kind");
		for (int w = 0; w < 2; w++) {
			for (int i = 0; i < rows; i++) {
				scp_buf_adds(out, "scp_jobs{kind=\"");
				scp_metrics_label(out, PQgetvalue(r, i, 0));
				scp_buf_addf(out, "\",status=\"%s\"} %s\n", what[w], PQgetvalue(r, i, 1 + w));
			}
		}
		head(out, "scp_jobs_dead", "gauge",
		     "Dead letters: jobs that failed job_max_attempts times, by kind");
		for (int i = 0; i < rows; i++) {
			scp_buf_adds(out, "scp_jobs_dead{kind=\"");
			scp_metrics_label(out, PQgetvalue(r, i, 0));
			scp_buf_addf(out, "\"} %s\n", PQgetvalue(r, i, 3));
		}
		/* Known kinds absent from the table: 0, so that dashboards see every series. */
		for (int s = 0; s < v->n; s++) {
			for (uint32_t k = 0; k + 1 < v->s[s]->njobs; k++) {
				bool seen = false;

				for (int i = 0; i < rows && !seen; i++)
					seen = !strcmp(PQgetvalue(r, i, 0), v->s[s]->jobs[k].kind);
				if (!seen)
					scp_buf_addf(out, "scp_jobs_dead{kind=\"%s\"} 0\n",
						     v->s[s]->jobs[k].kind);
			}
		}
	} else if (r) {
		scp_warn("libpq: metrics job queue: %s", PQresultErrorMessage(r));
	}
	PQclear(r);
}

void scp_metrics_render(struct scp_buf *out, PGconn *conn)
{
	struct view v;

	open_view(&v);
	render_processes(out, &v);
	render_requests(out, &v);
	render_durations(out, &v);
	render_hooks(out, &v);
	render_job_runs(out, &v);
	render_queue(out, &v, conn);
	close_view(&v);
}
