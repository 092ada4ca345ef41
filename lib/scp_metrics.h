/*
 * scp_metrics: counters of every SCP process, served as one Prometheus text page.
 *
 * Each family's master (and scp-worker) owns a small segment: a fixed-size file,
 * <socket_dir>/scp-<family>.metrics, mapped shared before the first fork so that the
 * master and all its workers add to the same counters with relaxed atomic adds (no lock
 * on the request path).  GET /metrics (nginx sends it to scp-auth, loopback only) maps
 * every segment in socket_dir read-only and merges them into one page, plus the job
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
struct scp_db;
struct scp_route;

/*
 * Create (or replace) this process family's segment and map it; call in the master
 * before forking.  tables: the route tables whose entries are counted one by one
 * (NULL-terminated; NULL for none); a request whose route is in none of them is counted
 * under the pattern "unmatched".  Without a writable socket_dir the counters still
 * work, privately, and the page simply lacks this family.
 */
void scp_metrics_init(const char *family, const struct scp_route *const *tables);
/* The worker count the master runs now (a gauge; SIGHUP may change it). */
void scp_metrics_set_workers(int n);
/* One finished request: its route (NULL: none matched), status and duration. */
void scp_metrics_request(const struct scp_route *route, int status, long long micros);
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
 * The whole page: every live segment in socket_dir, then the job queue (when db is not
 * NULL and the database answers).
 */
void scp_metrics_render(struct scp_buf *out, struct scp_db *db);

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
