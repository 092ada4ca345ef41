/*
 * WhatsApp Cloud API delivery of OTP codes: an authentication template message,
 *   POST {api}/{version}/{phone_number_id}/messages
 * with the code as the body parameter and as the copy-code button parameter.  The
 * `log` transport writes the same message as one JSON line to outbox_log instead.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void build_message(struct scp_buf *b, const char *to, const char *code)
{
	scp_buf_adds(b, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
		     "\"to\":");
	scp_buf_add_json_str(b, to);
	scp_buf_adds(b, ",\"type\":\"template\",\"template\":{\"name\":");
	scp_buf_add_json_str(b, scp_cfg.whatsapp_otp_template);
	scp_buf_adds(b, ",\"language\":{\"code\":\"en\"},\"components\":["
		     "{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":");
	scp_buf_add_json_str(b, code);
	scp_buf_adds(b, "}]},{\"type\":\"button\",\"sub_type\":\"url\",\"index\":\"0\","
		     "\"parameters\":[{\"type\":\"text\",\"text\":");
	scp_buf_add_json_str(b, code);
	scp_buf_adds(b, "}]}]}}");
}

static struct worker_result write_log(const struct scp_buf *msg)
{
	struct scp_buf f = SCP_BUF_INIT;
	struct worker_result res;

	scp_buf_addf(&f, "\"channel\":\"whatsapp\",\"message\":%s", msg->ptr);
	res = worker_outbox_append(f.ptr);
	scp_buf_release(&f);
	return res;
}

static struct worker_result post(const struct scp_buf *msg)
{
	struct scp_buf url = SCP_BUF_INIT, body = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	struct worker_result res = { 0 };
	static char err[300];

	scp_buf_addf(&url, "%s/%s/%s/messages", scp_cfg.whatsapp_api_url,
		     scp_cfg.whatsapp_api_version, scp_cfg.whatsapp_phone_number_id);
	if (!scp_httpc_post(url.ptr, scp_cfg.whatsapp_access_token, "application/json",
			    msg->ptr, scp_cfg.http_timeout_ms, &body, &resp)) {
		snprintf(err, sizeof(err), "WhatsApp API unreachable: %s", resp.error);
		res.error = err;
	} else if (resp.status < 200 || resp.status > 299) {
		snprintf(err, sizeof(err), "WhatsApp API answered %ld: %.200s", resp.status,
			 body.ptr);
		res.error = err;
		/* 4xx other than 429 means the request itself is wrong: no retry helps. */
		res.permanent = resp.status >= 400 && resp.status < 500 && resp.status != 429;
	}
	scp_buf_release(&url);
	scp_buf_release(&body);
	return res;
}

struct worker_result worker_whatsapp_otp(struct scp_job *job)
{
	json_object *phone = NULL, *code = NULL;
	struct scp_buf msg = SCP_BUF_INIT;
	struct worker_result res;
	const char *to;

	if (!job->payload || !json_object_object_get_ex(job->payload, "phone", &phone) ||
	    !json_object_object_get_ex(job->payload, "code", &code))
		return (struct worker_result){ "payload lacks phone or code", true };
	/* The Cloud API takes the number without its '+'. */
	to = json_object_get_string(phone);
	if (*to == '+')
		to++;
	build_message(&msg, to, json_object_get_string(code));
	if (!strcmp(scp_cfg.whatsapp_transport, "http"))
		res = post(&msg);
	else
		res = write_log(&msg);
	scp_buf_release(&msg);
	return res;
}
