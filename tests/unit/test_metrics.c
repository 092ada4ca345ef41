/*
 * test_metrics: the duration buckets' edges, the status codes counted one by one,
 * label escaping, and a family's segment: made in socket_dir, counted under the route's
 * pattern, rendered as Prometheus text with HELP/TYPE and cumulative buckets.
 */
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_metrics.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool has(const struct scp_buf *b, const char *s)
{
	return b->ptr && strstr(b->ptr, s) != NULL;
}

int main(void)
{
	struct scp_buf out = SCP_BUF_INIT;
	char dir[] = "/tmp/scp-unit-metrics-XXXXXX", path[128];
	struct stat st;

	is_int(scp_metrics_bucket(0), 0, "0 µs: the first bucket");
	is_int(scp_metrics_bucket(1000), 0, "1 ms is <= 0.001 (le is inclusive)");
	is_int(scp_metrics_bucket(1001), 1, "1.001 ms: the next");
	is_int(scp_metrics_bucket(10000000), SCP_METRICS_NBUCKETS - 1, "10 s: the last bound");
	is_int(scp_metrics_bucket(10000001), SCP_METRICS_NBUCKETS, "above 10 s: only +Inf");
	ok(scp_metrics_code_index(200) >= 0 && scp_metrics_code_index(503) >= 0,
	   "200 and 503 are counted one by one");
	is_int(scp_metrics_code_index(418), -1, "418 is counted by class");

	scp_metrics_label(&out, "a\"b\\c\nd");
	is_str(out.ptr, "a\\\"b\\\\c\\nd", "label values escaped");
	scp_buf_reset(&out);

	if (!mkdtemp(dir))
		return 1;
	scp_cfg.socket_dir = dir;
	scp_metrics_init("unit");
	is_int(scp_metrics_route("GET", "/api/v1/orders"), 0, "the first route is 0");
	is_int(scp_metrics_route("GET", "/api/v1/orders/:id"), 1, "the next 1");
	snprintf(path, sizeof(path), "%s/metrics/scp-unit.metrics", dir);
	ok(stat(path, &st) == 0 && st.st_size > 0, "the segment file exists");
	scp_metrics_set_workers(3);
	scp_metrics_request(1, 200, 1500);
	scp_metrics_request(1, 200, 20000000);
	scp_metrics_request(1, 404, 10);
	scp_metrics_request(1, 418, 10);
	scp_metrics_request(-1, 404, 10);
	scp_metrics_request(99, 200, 10);
	scp_metrics_db_reconnect();
	scp_metrics_webhook_failed("stripe");
	scp_metrics_webhook_failed("nobody");
	scp_metrics_render(&out, NULL);
	ok(has(&out, "# HELP scp_http_requests_total "), "HELP");
	ok(has(&out, "# TYPE scp_http_request_duration_seconds histogram\n"), "TYPE histogram");
	ok(has(&out, "scp_http_requests_total{family=\"unit\",method=\"GET\","
		     "route=\"/api/v1/orders/:id\",code=\"200\"} 2\n"), "two 200s under the pattern");
	ok(has(&out, "route=\"/api/v1/orders/:id\",code=\"4xx\"} 1\n"), "418 under 4xx");
	ok(has(&out, "scp_http_requests_total{family=\"unit\",method=\"\",route=\"unmatched\","
		     "code=\"404\"} 1\n"), "no route: unmatched");
	ok(has(&out, "route=\"unmatched\",code=\"200\"} 1\n"), "an unknown number: unmatched");
	ok(!has(&out, "route=\"/api/v1/orders\","), "an unused route has no series");
	ok(has(&out, "route=\"/api/v1/orders/:id\",le=\"0.001\"} 2\n"), "two at or below 1 ms");
	ok(has(&out, "route=\"/api/v1/orders/:id\",le=\"0.0025\"} 3\n"), "cumulative: three by 2.5 ms");
	ok(has(&out, "route=\"/api/v1/orders/:id\",le=\"10\"} 3\n"), "20 s is above every bound");
	ok(has(&out, "route=\"/api/v1/orders/:id\",le=\"+Inf\"} 4\n"), "+Inf is the count");
	ok(has(&out, "scp_http_request_duration_seconds_sum{family=\"unit\",method=\"GET\","
		     "route=\"/api/v1/orders/:id\"} 20.001520\n"), "the sum in seconds");
	ok(has(&out, "scp_workers{family=\"unit\"} 3\n"), "the worker gauge");
	ok(has(&out, "scp_db_reconnects_total{family=\"unit\"} 1\n"), "a reconnect");
	ok(has(&out, "scp_webhook_verifications_failed_total{provider=\"stripe\"} 1\n"), "stripe");
	ok(has(&out, "scp_webhook_verifications_failed_total{provider=\"other\"} 1\n"),
	   "an unknown provider: other");
	ok(has(&out, "scp_metrics_database_up 0\n"), "no database: the queue is not read");
	ok(has(&out, "scp_requests_total{family=\"unit\",class=\"2xx\"} 3\n"), "per-family class");
	scp_buf_release(&out);
	unlink(path);
	snprintf(path, sizeof(path), "%s/metrics", dir);
	rmdir(path);
	rmdir(dir);
	return done_testing();
}
