#include "scp_metrics.h"
#include "scp_buf.h"

#include <stdint.h>
#include <sys/mman.h>

struct counters {
	uint64_t by_class[6];	/* index status / 100 */
	uint64_t micros;
	uint64_t restarts;
	uint64_t db_down;
};

static struct counters local, *c = &local;

void scp_metrics_init(void)
{
	void *m = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	if (m != MAP_FAILED)
		c = m;
}

void scp_metrics_request(int status, long long micros)
{
	int k = status / 100;

	if (k < 1 || k > 5)
		k = 5;
	__atomic_fetch_add(&c->by_class[k], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->micros, (uint64_t)micros, __ATOMIC_RELAXED);
}

void scp_metrics_worker_restart(void)
{
	__atomic_fetch_add(&c->restarts, 1, __ATOMIC_RELAXED);
}

void scp_metrics_db_down(void)
{
	__atomic_fetch_add(&c->db_down, 1, __ATOMIC_RELAXED);
}

void scp_metrics_render(struct scp_buf *out, const char *family)
{
	scp_buf_adds(out, "# TYPE scp_requests_total counter\n");
	for (int k = 1; k <= 5; k++) {
		uint64_t v = __atomic_load_n(&c->by_class[k], __ATOMIC_RELAXED);

		scp_buf_addf(out, "scp_requests_total{family=\"%s\",class=\"%dxx\"} %llu\n",
			     family, k, (unsigned long long)v);
	}
	scp_buf_addf(out, "# TYPE scp_request_seconds_sum counter\n"
		     "scp_request_seconds_sum{family=\"%s\"} %.6f\n"
		     "# TYPE scp_worker_restarts_total counter\n"
		     "scp_worker_restarts_total{family=\"%s\"} %llu\n"
		     "# TYPE scp_db_unavailable_total counter\n"
		     "scp_db_unavailable_total{family=\"%s\"} %llu\n",
		     family, (double)__atomic_load_n(&c->micros, __ATOMIC_RELAXED) / 1e6,
		     family, (unsigned long long)__atomic_load_n(&c->restarts, __ATOMIC_RELAXED),
		     family, (unsigned long long)__atomic_load_n(&c->db_down, __ATOMIC_RELAXED));
}
