/*
 * WhatsApp Cloud API delivery: OTP codes and notification templates, each a template
 * message,
 *   POST {api}/{version}/{phone_number_id}/messages
 * with the bearer access token.  An OTP is the authentication template with the code as
 * the body parameter and as the copy-code button parameter; a notification
 * (job whatsapp_template, queued by scp_whatsapp_template() in
 * sql/functions/88_whatsapp.sql) names its template, language and body parameters.
 * The id the API answers for an accepted message (messages[0].id, the wamid) is
 * recorded in whatsapp_messages, where the status webhooks (cgi-bin/hooks) find it.
 * The `log` transport writes the same message as one JSON line to outbox_log instead.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* More body parameters than any approved template has: a payload that is wrong. */
#define TEMPLATE_MAX_PARAMS 20
/* Meta's limit of one text parameter. */
#define TEMPLATE_PARAM_MAX 1024

const struct scp_stmt worker_whatsapp_stmts[] = {
	/* $1 job, $2 kind, $3 to, $4 template, $5 user or NULL, $6 wamid. */
	{ "wa_sent", "SELECT scp_whatsapp_sent($1::uuid, $2, $3, $4, $5::uuid, $6)" },
	SCP_STMT_END,
};

/* The message of either kind; params are the body's text parameters. */
static void build_message(struct scp_buf *b, const char *to, const char *template,
			  const char *language, const char *const *params, size_t nparams,
			  const char *button)
{
	scp_buf_adds(b, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
		     "\"to\":");
	scp_buf_add_json_str(b, to);
	scp_buf_adds(b, ",\"type\":\"template\",\"template\":{\"name\":");
	scp_buf_add_json_str(b, template);
	scp_buf_adds(b, ",\"language\":{\"code\":");
	scp_buf_add_json_str(b, language);
	scp_buf_adds(b, "}");
	/* A template without variables takes no components at all. */
	if (nparams || button) {
		scp_buf_adds(b, ",\"components\":[{\"type\":\"body\",\"parameters\":[");
		for (size_t i = 0; i < nparams; i++) {
			scp_buf_adds(b, i ? ",{\"type\":\"text\",\"text\":"
					  : "{\"type\":\"text\",\"text\":");
			scp_buf_add_json_str(b, params[i]);
			scp_buf_adds(b, "}");
		}
		scp_buf_adds(b, "]}");
		if (button) {
			scp_buf_adds(b, ",{\"type\":\"button\",\"sub_type\":\"url\",\"index\":\"0\","
				     "\"parameters\":[{\"type\":\"text\",\"text\":");
			scp_buf_add_json_str(b, button);
			scp_buf_adds(b, "}]}");
		}
		scp_buf_adds(b, "]");
	}
	scp_buf_adds(b, "}}");
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

/* POST msg; the answer's body is left in answer. */
static struct worker_result post(const struct scp_buf *msg, struct scp_buf *answer)
{
	struct scp_buf url = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	struct worker_result res = { 0 };
	static char err[300];

	scp_buf_addf(&url, "%s/%s/%s/messages", scp_cfg.whatsapp_api_url,
		     scp_cfg.whatsapp_api_version, scp_cfg.whatsapp_phone_number_id);
	if (!scp_httpc_post(url.ptr, scp_cfg.whatsapp_access_token, "application/json",
			    msg->ptr, scp_cfg.http_timeout_ms, answer, &resp)) {
		snprintf(err, sizeof(err), "WhatsApp API unreachable: %s", resp.error);
		res.error = err;
	} else if (resp.status < 200 || resp.status > 299) {
		snprintf(err, sizeof(err), "WhatsApp API answered %ld: %.200s", resp.status,
			 answer->ptr);
		res.error = err;
		/* 4xx other than 429 means the request itself is wrong: no retry helps. */
		res.permanent = resp.status >= 400 && resp.status < 500 && resp.status != 429;
	}
	scp_buf_release(&url);
	return res;
}

/* messages[0].id of the API's answer, or NULL; *doc keeps it alive. */
static const char *answered_wamid(const struct scp_buf *answer, json_object **doc)
{
	json_object *msgs, *first, *id;

	*doc = NULL;
	if (scp_json_parse(answer->ptr, answer->len, answer->len + 1, doc) != SCP_JSON_OK ||
	    !json_object_object_get_ex(*doc, "messages", &msgs) ||
	    !json_object_is_type(msgs, json_type_array) ||
	    !(first = json_object_array_get_idx(msgs, 0)) ||
	    !json_object_object_get_ex(first, "id", &id) ||
	    !json_object_is_type(id, json_type_string) || !json_object_get_string_len(id))
		return NULL;
	return json_object_get_string(id);
}

/*
 * Keep the accepted message's id.  The message has left: a failure here is logged and
 * the job still done, as a retry would send it a second time.
 */
static void record(struct scp_job *job, const char *kind, const char *to,
		   const char *template, const char *user, const struct scp_buf *answer)
{
	json_object *doc;
	const char *wamid = answered_wamid(answer, &doc);
	PGresult *res = NULL;

	if (!wamid) {
		scp_warn("job %s: WhatsApp accepted the message without an id", job->id);
	} else if (scp_db_exec(worker_db, "wa_sent", 6,
			       (const char *const[]){ job->id, kind, to, template, user, wamid },
			       &res) != SCP_DB_OK) {
		scp_error("libpq: job %s: cannot record WhatsApp message %s: %s", job->id, wamid,
			  res ? PQresultErrorMessage(res) : "database unavailable");
	}
	PQclear(res);
	json_object_put(doc);
}

/* Send msg by the configured transport; over http, record what was accepted. */
static struct worker_result deliver(struct scp_job *job, const struct scp_buf *msg,
				    const char *kind, const char *to, const char *template,
				    const char *user)
{
	struct scp_buf answer = SCP_BUF_INIT;
	struct worker_result res;

	if (strcmp(scp_cfg.whatsapp_transport, "http"))
		return write_log(msg);
	res = post(msg, &answer);
	if (!res.error)
		record(job, kind, to, template, user, &answer);
	scp_buf_release(&answer);
	return res;
}

static const char *payload_str(struct scp_job *job, const char *key)
{
	json_object *v = NULL;

	if (!job->payload || !json_object_object_get_ex(job->payload, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* An E.164 number (scp_valid_phone); the Cloud API takes it without its "+". */
static const char *wa_number(const char *phone)
{
	return phone && scp_valid_phone(phone) ? phone + 1 : NULL;
}

/* Lower-case letters, digits and underscores, as Meta names templates. */
static bool template_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 512 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* "en", "pt_BR": a language code as Meta spells it. */
static bool language_code(const char *s)
{
	size_t n = s ? strspn(s, "abcdefghijklmnopqrstuvwxyz") : 0;

	if (n < 2 || n > 3)
		return false;
	if (!s[n])
		return true;
	return s[n] == '_' && isupper((unsigned char)s[n + 1]) &&
	       isupper((unsigned char)s[n + 2]) && !s[n + 3];
}

/* The body parameters: an array of non-empty strings; false when malformed. */
static bool template_params(struct scp_job *job, const char **params, size_t *n)
{
	json_object *arr = NULL;

	*n = 0;
	if (!json_object_object_get_ex(job->payload, "parameters", &arr) || !arr)
		return true;
	if (!json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) > TEMPLATE_MAX_PARAMS)
		return false;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(p, json_type_string) ||
		    json_object_get_string_len(p) < 1 ||
		    json_object_get_string_len(p) > TEMPLATE_PARAM_MAX)
			return false;
		params[(*n)++] = json_object_get_string(p);
	}
	return true;
}

struct worker_result worker_whatsapp_otp(struct scp_job *job)
{
	const char *phone = payload_str(job, "phone"), *code = payload_str(job, "code");
	const char *to = wa_number(phone);
	struct scp_buf msg = SCP_BUF_INIT;
	struct worker_result res;

	if (!to || !code)
		return (struct worker_result){ "payload lacks phone or code", true };
	build_message(&msg, to, scp_cfg.whatsapp_otp_template, "en", &code, 1, code);
	res = deliver(job, &msg, "otp", to, scp_cfg.whatsapp_otp_template, NULL);
	scp_buf_release(&msg);
	return res;
}

/* {to (E.164), template, language, parameters: [text…], user_id?} */
struct worker_result worker_whatsapp_template(struct scp_job *job)
{
	const char *to = wa_number(payload_str(job, "to"));
	const char *template = payload_str(job, "template");
	const char *language = payload_str(job, "language");
	const char *params[TEMPLATE_MAX_PARAMS];
	struct scp_buf msg = SCP_BUF_INIT;
	struct worker_result res;
	size_t n;

	if (!to)
		return (struct worker_result){ "payload: to must be an E.164 number", true };
	if (!template_name(template))
		return (struct worker_result){ "payload: template must be a template name", true };
	if (!language_code(language))
		return (struct worker_result){ "payload: language must be a code such as en", true };
	if (!template_params(job, params, &n))
		return (struct worker_result){ "payload: parameters must be up to 20 texts", true };
	build_message(&msg, to, template, language, params, n, NULL);
	res = deliver(job, &msg, "template", to, template, payload_str(job, "user_id"));
	scp_buf_release(&msg);
	return res;
}
