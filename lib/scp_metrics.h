/*
 * scp_metrics: counters of every SCP process, served as one Prometheus text page.
 *
 * Each family's master (and scp-worker) owns a small segment: a fixed-size file,
 * <socket_dir>/metrics/scp-<family>.metrics, mapped shared before the first fork so that the
 * master and all its workers add to the same counters with relaxed atomic adds (no lock
 * on the request path).  GET /metrics (nginx sends it to scp-auth, loopback only) maps
 * every segment there read-only and merges them into one page, plus the job
 * queue read from the jobs table at scrape time.  docs/decisions.md says why.
 *
 * Requests are counted per route *pattern* (/api/v1/orders/:id, never the raw path),
 * by status code, with a fixed-bucket duration histogram per route.
 */
#ifndef SCP_METRICS_H
#define SCP_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct scp_buf;
struct pg_conn;

/*
 * Create (or replace) this process family's segment and map it; call in the master
 * before forking, then name its routes.  Without a writable socket_dir/metrics the counters
 * still work, privately, and the page simply lacks this family.
 */
void scp_metrics_init(const char *family);
/*
 * Count requests of this route (METHOD and pattern) apart; call in the master, in a fixed
 * order, before forking.  Returns the route's number for scp_metrics_request: 0, 1, …
 * in the order of the calls (-1 when the segment is full: counted as "unmatched").
 */
int scp_metrics_route(const char *method, const char *pattern);
/* The worker count the master runs now (a gauge; SIGHUP may change it). */
void scp_metrics_set_workers(int n);
/* One finished request: its route's number (-1: no route matched), status, duration. */
void scp_metrics_request(int route, int status, long long micros);
void scp_metrics_worker_restart(void);
/* A request refused with 503 because the database could not be reached. */
void scp_metrics_db_down(void);
/* A lost database connection opened again (by scp_db). */
void scp_metrics_db_reconnect(void);
/*
 * A webhook delivery or handshake whose verification failed (bad or missing signature,
 * wrong verify token, no secret configured).  provider: "whatsapp", "stripe",
 * "shopify", "woocommerce", "prokip"; any other name is counted as "other".
 */
void scp_metrics_webhook_failed(const char *provider);
/* scp-worker: the job kinds counted one by one (others: "other"). */
void scp_metrics_set_job_kinds(const char *const *kinds, size_t n);
/* scp-worker: one job run, done or failed (to be retried or dead). */
void scp_metrics_job(const char *kind, int ok);
/*
 * The whole page: every live segment in socket_dir/metrics, then the job queue read on conn (an
 * open connection; NULL when the database is down: the queue is left out).
 */
void scp_metrics_render(struct scp_buf *out, struct pg_conn *conn);

/* Pure helpers, exposed for the unit tests. */
/* Index of the duration bucket of micros (SCP_METRICS_NBUCKETS: above the last bound). */
int scp_metrics_bucket(long long micros);
#define SCP_METRICS_NBUCKETS 13
extern const double scp_metrics_bounds[SCP_METRICS_NBUCKETS];
/* Index of status in the table of codes counted one by one, or -1 (counted by class). */
int scp_metrics_code_index(int status);
/* Append s to out escaped as a Prometheus label value (\\, \", \n). */
void scp_metrics_label(struct scp_buf *out, const char *s);

#endif
