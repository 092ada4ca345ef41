/*
 * scp_metrics: counters shared by the master and its workers (one anonymous shared
 * mapping made before the first fork), exported as Prometheus text on GET /metrics.
 */
#ifndef SCP_METRICS_H
#define SCP_METRICS_H

struct scp_buf;

/* Map the counters; call in the master before forking. */
void scp_metrics_init(void);
void scp_metrics_request(int status, long long micros);
void scp_metrics_worker_restart(void);
void scp_metrics_db_down(void);
void scp_metrics_render(struct scp_buf *out, const char *family);

#endif
