/*
 * Prokip's API for scp-worker (seed 004; the shapes assumed are in docs/decisions.md):
 * the account's bearer token, refreshed by the OAuth refresh grant when it has expired,
 *   POST {prokip_api_base}/oauth/token   (form: grant_type=refresh_token, …)
 * and the store sales, each sent once:
 *   job prokip_sell {sales_log_id}        POST {base}/connector/api/sell
 *   job prokip_sell_return {sales_log_id} POST {base}/connector/api/sell-return
 * A sale is sent inside a transaction that holds its sales_log row (FOR UPDATE), so two
 * jobs for one sale send it once: the second finds it sent.  Its invoice_no is the
 * platform and the store's order id, the same on every retry, so that Prokip can
 * recognise a sell it already has after an answer that was lost.  A failure is kept as a
 * sync error with its cause (one per sale, its attempts counted) and the job is retried
 * with the queue's backoff; the error is resolved by the attempt that succeeds.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_prokip.h"
#include "scp_secret.h"
#include "scp_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/*
 * The account's columns as account_from reads them, of prokip_accounts A: the location,
 * the sealed tokens, whether the access token is (nearly) expired.
 */
#define ACCOUNT_COLUMNS(A) \
	A "location_id, " A "access_token, " A "refresh_token," \
	" coalesce(" A "token_expires_at < now() + interval '60 seconds', false)"

const struct scp_stmt worker_prokip_stmts[] = {
	/* $1 supplier: the account */
	{ "prokip_account",
	  "SELECT " ACCOUNT_COLUMNS("") " FROM prokip_accounts WHERE supplier_id = $1" },
	{ "prokip_tokens", "SELECT scp_prokip_tokens($1, $2, $3, $4::int)" },
	{ "prokip_failed", "SELECT scp_prokip_failed($1, $2)" },
	/* $1 sale: its state, its supplier and the supplier's account, as prokip_account */
	{ "sale_get",
	  "SELECT s.status, c.supplier_id, " ACCOUNT_COLUMNS("a.") " FROM sales_log s JOIN store_connections c ON c.id = s.connection_id"
	  " LEFT JOIN prokip_accounts a ON a.supplier_id = c.supplier_id WHERE s.id = $1" },
	/* $1 sale, $2 location: its state and the sell to send, the row held */
	{ "sale_lock_sell",
	  "SELECT s.status, scp_prokip_sell_body(s.id, $2)::text FROM sales_log s"
	  " WHERE s.id = $1 FOR UPDATE" },
	{ "sale_lock_return",
	  "SELECT s.status, scp_prokip_return_body(s.id)::text FROM sales_log s"
	  " WHERE s.id = $1 FOR UPDATE" },
	/* $1 sale, $2 sell id (NULL: the log transport), $3 supplier */
	{ "sale_sent",
	  "WITH u AS (UPDATE sales_log SET status = 'sent', prokip_sell_id = $2, sent_at = now(),"
	  " updated_at = now() WHERE id = $1::uuid RETURNING connection_id)"
	  " SELECT scp_sync_error_clear($3, u.connection_id, 'prokip_sell', $1::uuid::text) FROM u" },
	{ "sale_returned",
	  "WITH u AS (UPDATE sales_log SET status = 'returned', prokip_return_id = $2,"
	  " updated_at = now() WHERE id = $1::uuid RETURNING connection_id)"
	  " SELECT scp_sync_error_clear($3, u.connection_id, 'prokip_sell_return', $1::uuid::text)"
	  " FROM u" },
	{ "sale_failed",
	  "UPDATE sales_log SET status = 'failed', updated_at = now()"
	  " WHERE id = $1 AND status = 'pending'" },
	/* $1 sale, $2 kind, $3 cause, $4 seconds to the next attempt */
	{ "sale_error",
	  "SELECT scp_sync_error_note(c.supplier_id, c.id, $2, $1::uuid::text, $3, $4::int)"
	  " FROM sales_log s JOIN store_connections c ON c.id = s.connection_id"
	  " WHERE s.id = $1::uuid" },
	SCP_STMT_END,
};


bool worker_prokip_call(const char *method, const char *path, const char *token,
			const char *body, struct scp_buf *out, struct scp_httpc_resp *resp)
{
	struct scp_buf url = SCP_BUF_INIT, auth = SCP_BUF_INIT;
	const char *headers[] = { NULL, "Accept: application/json",
				  "Content-Type: application/json", NULL };
	struct scp_httpc_req req = { .method = method, .headers = headers, .body = body,
				     .timeout_ms = scp_cfg.http_timeout_ms };
	bool ok;

	scp_buf_addf(&url, "%s%s", scp_cfg.prokip_api_base, path);
	scp_buf_addf(&auth, "Authorization: Bearer %s", token);
	headers[0] = auth.ptr;
	if (!body)
		headers[2] = NULL;
	req.url = url.ptr;
	ok = scp_httpc_request(&req, out, resp);
	scp_buf_release(&url);
	/* the token must not outlive the call in memory that is reused */
	memset(auth.ptr, 0, auth.len);
	scp_buf_release(&auth);
	return ok;
}

static const char *doc_text(json_object *o, const char *key)
{
	json_object *v = scp_json_get(o, key);

	return v && scp_json_is(v, json_type_string) && json_object_get_string_len(v)
		       ? json_object_get_string(v)
		       : NULL;
}

/* The refresh grant; new tokens sealed and kept.  err: why not. */
static bool refresh(const char *supplier, const char *refresh_token, struct scp_buf *tok,
		    char *err, size_t errn)
{
	const char *const fields[] = { "grant_type", "refresh_token", "refresh_token",
				       refresh_token, NULL };
	struct scp_buf out = SCP_BUF_INIT, sa = SCP_BUF_INIT, sr = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	json_object *doc = NULL, *exp;
	char aad[80], expires[24] = "3600";
	bool ok = false;

	if (!scp_prokip_token_call(fields, &out, &resp)) {
		snprintf(err, errn, "Prokip unreachable refreshing the token: %s", resp.error);
	} else if (resp.status != 200 ||
		   scp_json_parse(out.ptr, out.len, out.len + 1, &doc) != SCP_JSON_OK ||
		   !doc_text(doc, "access_token")) {
		snprintf(err, errn, "Prokip refused to refresh the token (%ld): sign in again with"
			 " PUT /connections/prokip", resp.status);
		if (resp.status == 400 || resp.status == 401)
			WORKER_EXEC("prokip_failed", NULL, supplier, err);
	} else {
		exp = scp_json_get(doc, "expires_in");
		if (exp && scp_json_is(exp, json_type_int))
			snprintf(expires, sizeof(expires), "%lld",
				 (long long)json_object_get_int64(exp));
		snprintf(aad, sizeof(aad), "%s:prokip_access_token", supplier);
		ok = scp_secret_seal(doc_text(doc, "access_token"),
				     strlen(doc_text(doc, "access_token")), aad, &sa);
		snprintf(aad, sizeof(aad), "%s:prokip_refresh_token", supplier);
		if (ok && doc_text(doc, "refresh_token"))
			ok = scp_secret_seal(doc_text(doc, "refresh_token"),
					     strlen(doc_text(doc, "refresh_token")), aad, &sr);
		if (ok)
			ok = WORKER_EXEC("prokip_tokens", NULL, supplier, sa.ptr, sr.len ? sr.ptr : NULL,
				  expires);
		if (ok)
			scp_buf_adds(tok, doc_text(doc, "access_token"));
		else
			snprintf(err, errn, "cannot keep Prokip's new token");
	}
	json_object_put(doc);
	if (out.ptr)
		memset(out.ptr, 0, out.len);
	scp_buf_release(&out);
	scp_buf_release(&sa);
	scp_buf_release(&sr);
	return ok;
}

/*
 * The account from columns col.. of res's first row (ACCOUNT_COLUMNS), its token opened
 * or refreshed.  A NULL location_id is no account.
 */
static bool account_from(const char *supplier, PGresult *res, int col,
			 struct worker_prokip *acct, char *err, size_t errn)
{
	char aad[80];
	bool ok = false;

	acct->token = (struct scp_buf)SCP_BUF_INIT;
	acct->location[0] = 0;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, col)) {
		snprintf(err, errn, "no Prokip account: connect one with PUT /connections/prokip");
		return false;
	}
	snprintf(acct->location, sizeof(acct->location), "%s", PQgetvalue(res, 0, col));
	if (!strcmp(PQgetvalue(res, 0, col + 3), "t") && !PQgetisnull(res, 0, col + 2)) {
		struct scp_buf rt = SCP_BUF_INIT;

		snprintf(aad, sizeof(aad), "%s:prokip_refresh_token", supplier);
		if (!scp_secret_open(PQgetvalue(res, 0, col + 2), aad, &rt))
			snprintf(err, errn, "the Prokip refresh token does not open (secrets_key?)");
		else
			ok = refresh(supplier, rt.ptr, &acct->token, err, errn);
		memset(rt.ptr, 0, rt.len);
		scp_buf_release(&rt);
	} else {
		snprintf(aad, sizeof(aad), "%s:prokip_access_token", supplier);
		ok = scp_secret_open(PQgetvalue(res, 0, col + 1), aad, &acct->token);
		if (!ok)
			snprintf(err, errn, "the Prokip token does not open (secrets_key?)");
	}
	if (!ok)
		worker_prokip_release(acct);
	return ok;
}

bool worker_prokip_account(const char *supplier, struct worker_prokip *acct, char *err,
			   size_t errn)
{
	PGresult *res = NULL;
	bool ok;

	if (!WORKER_EXEC("prokip_account", &res, supplier)) {
		acct->token = (struct scp_buf)SCP_BUF_INIT;
		acct->location[0] = 0;
		snprintf(err, errn, "database unavailable");
		return false;
	}
	ok = account_from(supplier, res, 0, acct, err, errn);
	PQclear(res);
	return ok;
}

void worker_prokip_release(struct worker_prokip *acct)
{
	if (acct->token.ptr && acct->token.len)
		memset(acct->token.ptr, 0, acct->token.len);
	scp_buf_release(&acct->token);
}

/* Prokip's id of what it created: [ {id} ], {id}, {data: {id}} or {data: [ {id} ]}. */
static bool answered_id(const struct scp_buf *out, char *id, size_t n)
{
	json_object *doc = NULL, *v = NULL, *o;
	bool ok = false;

	if (scp_json_parse(out->ptr, out->len, out->len + 1, &doc) != SCP_JSON_OK)
		return false;
	o = doc;
	for (int i = 0; i < 3 && o; i++) {
		if (scp_json_is(o, json_type_array))
			o = json_object_array_get_idx(o, 0);
		else if (scp_json_is(o, json_type_object) && (v = scp_json_get(o, "id")))
			break;
		else if (scp_json_is(o, json_type_object))
			o = scp_json_get(o, "data");
		else
			o = NULL;
	}
	if (v && (scp_json_is(v, json_type_int) ||
		  (scp_json_is(v, json_type_string) && json_object_get_string_len(v)))) {
		snprintf(id, n, "%s", json_object_get_string(v));
		ok = true;
	}
	json_object_put(doc);
	return ok;
}

static const char *payload_sale(struct scp_job *job)
{
	json_object *v = job->payload ? scp_json_get(job->payload, "sales_log_id") : NULL;
	const char *s = v && scp_json_is(v, json_type_string) ? json_object_get_string(v) : NULL;

	return s && scp_valid_uuid(s) ? s : NULL;
}

struct send_kind {
	const char *kind;	/* the job's and the sync error's */
	const char *lock;	/* statement: state and body */
	const char *path;	/* Prokip's endpoint */
	const char *done;	/* statement: record the id */
	const char *sendable;	/* the sale's status from which it is sent */
};

static const struct send_kind sell = { "prokip_sell", "sale_lock_sell", "/connector/api/sell",
				       "sale_sent", "pending failed" };
static const struct send_kind sell_return = { "prokip_sell_return", "sale_lock_return",
					      "/connector/api/sell-return", "sale_returned",
					      "sent" };

static bool status_in(const char *status, const char *list)
{
	size_t n = strlen(status);

	for (const char *p = strstr(list, status); p; p = strstr(p + 1, status))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* Keep why the attempt failed, and mark the sale failed when no attempt is left. */
static struct worker_result failed(struct scp_job *job, const struct send_kind *k,
				   const char *sale, const char *cause, bool permanent)
{
	static char err[600];
	char retry[24];
	bool last = permanent || job->attempts >= scp_cfg.job_max_attempts;

	snprintf(retry, sizeof(retry), "%ld", last ? 0 : scp_jobs_backoff(job->attempts));
	WORKER_EXEC("sale_error", NULL, sale, k->kind, cause, retry);
	if (last && k == &sell)
		WORKER_EXEC("sale_failed", NULL, sale);
	snprintf(err, sizeof(err), "%s", cause);
	return (struct worker_result){ err, permanent };
}

/* Send the sale (k: sell or return) once, inside the transaction holding its row. */
static struct worker_result send_locked(struct scp_job *job, const struct send_kind *k,
					const char *sale, const char *supplier,
					struct worker_prokip *acct)
{
	struct scp_buf out = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	PGresult *res = NULL;
	char cause[400], id[64] = "";
	const char *status;
	bool sent = false, permanent = false;

	if (scp_db_simple(worker_db, "BEGIN") != SCP_DB_OK)
		return (struct worker_result){ "database unavailable", false };
	/* a sell names the location; a return, the sell */
	if (!worker_exec(k->lock, k == &sell ? 2 : 1, WORKER_ARGS(sale, acct->location), &res) ||
	    PQntuples(res) != 1) {
		PQclear(res);
		scp_db_simple(worker_db, "ROLLBACK");
		return (struct worker_result){ "the sale cannot be read", false };
	}
	status = PQgetvalue(res, 0, 0);
	if (!status_in(status, k->sendable)) {
		/* sent already (a second job for it), or a return of a sale never sent */
		if (k == &sell_return && strcmp(status, "returned"))
			WORKER_EXEC("sale_returned", NULL, sale, NULL, supplier);
		PQclear(res);
		scp_db_simple(worker_db, "COMMIT");
		scp_info("job %s: sale %s is %s: nothing to send", job->id, sale, status);
		return (struct worker_result){ 0 };
	}
	if (strcmp(scp_cfg.prokip_transport, "http")) {
		struct scp_buf f = SCP_BUF_INIT;

		scp_buf_addf(&f, "\"channel\":\"prokip\",\"path\":\"%s\",\"body\":%s", k->path,
			     PQgetvalue(res, 0, 1));
		sent = !worker_outbox_append(f.ptr).error;
		scp_buf_release(&f);
		snprintf(cause, sizeof(cause), "cannot write outbox_log");
	} else if (!worker_prokip_call("POST", k->path, acct->token.ptr, PQgetvalue(res, 0, 1),
				       &out, &resp)) {
		snprintf(cause, sizeof(cause), "Prokip unreachable: %s", resp.error);
	} else if (resp.status < 200 || resp.status > 299) {
		snprintf(cause, sizeof(cause), "Prokip answered %ld: %.200s", resp.status, out.ptr);
		permanent = resp.status >= 400 && resp.status < 500 && resp.status != 401 &&
			    resp.status != 408 && resp.status != 429;
	} else if (!answered_id(&out, id, sizeof(id))) {
		snprintf(cause, sizeof(cause), "Prokip answered %ld without an id: %.200s",
			 resp.status, out.ptr);
	} else {
		sent = true;
	}
	PQclear(res);
	scp_buf_release(&out);
	if (sent && WORKER_EXEC(k->done, NULL, sale, *id ? id : NULL, supplier) &&
	    scp_db_simple(worker_db, "COMMIT") == SCP_DB_OK) {
		scp_info("job %s: sale %s sent to Prokip (%s)", job->id, sale, *id ? id : "log");
		return (struct worker_result){ 0 };
	}
	scp_db_simple(worker_db, "ROLLBACK");
	if (sent)
		snprintf(cause, sizeof(cause), "Prokip took the sale (%s) but it cannot be recorded",
			 id);
	return failed(job, k, sale, cause, permanent);
}

static struct worker_result send_sale(struct scp_job *job, const struct send_kind *k)
{
	const char *sale = payload_sale(job);
	struct worker_prokip acct;
	struct worker_result out;
	PGresult *res = NULL;
	char supplier[40], cause[400];

	if (!sale)
		return (struct worker_result){ "payload: sales_log_id must be a uuid", true };
	if (!WORKER_EXEC("sale_get", &res, sale))
		return (struct worker_result){ "database unavailable", false };
	if (PQntuples(res) != 1) {
		PQclear(res);
		return (struct worker_result){ "no such sale", true };
	}
	snprintf(supplier, sizeof(supplier), "%s", PQgetvalue(res, 0, 1));
	if (!status_in(PQgetvalue(res, 0, 0), k->sendable) && k == &sell) {
		PQclear(res);
		return (struct worker_result){ 0 };	/* sent before: once is enough */
	}
	/* Before the transaction: a refreshed token is kept whatever the sale does. */
	if (!account_from(supplier, res, 2, &acct, cause, sizeof(cause))) {
		PQclear(res);
		return failed(job, k, sale, cause, false);
	}
	PQclear(res);
	out = send_locked(job, k, sale, supplier, &acct);
	worker_prokip_release(&acct);
	return out;
}

struct worker_result worker_prokip_sell(struct scp_job *job)
{
	return send_sale(job, &sell);
}

struct worker_result worker_prokip_sell_return(struct scp_job *job)
{
	return send_sale(job, &sell_return);
}
