#include "scp_idem.h"
#include "scp_hmac.h"
#include "scp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDEM_KEY_MAX 255
/*
 * The largest body nginx lets through anywhere (client_max_body_size of /listings).  The
 * body is read here, before the handler, to be hashed; each location's own limit is
 * nginx's, and each handler still bounds what it parses (JSON, multipart parts).
 */
#define IDEM_BODY_MAX (40u << 20)

const struct scp_stmt scp_idem_stmts[] = {
	{ "scp_idem_claim",
	  "SELECT outcome, claim, status, headers, response FROM scp_idem_claim($1, $2, $3)" },
	/* Only the claim's holder records or releases: another may have taken it over. */
	{ "scp_idem_record",
	  "UPDATE idempotency_keys SET status = $4, headers = $5, response = $6,"
	  " completed_at = now() WHERE caller = $1 AND key = $2 AND claim = $3::xid8" },
	{ "scp_idem_release",
	  "DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2 AND claim = $3::xid8" },
	SCP_STMT_END,
};

static bool valid_key(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
			return false;
	return n >= 1 && n <= IDEM_KEY_MAX;
}

/* "METHOD path[?query] sha256(body)": what makes two requests the same request. */
static const char *fingerprint(struct scp_req *r)
{
	char hex[SCP_SHA256_HEX];

	scp_sha256_hex(hex, r->body, r->body_len);
	return scp_arena_printf(r->arena, "%s %s%s%s %s", r->method, r->path,
				*r->query ? "?" : "", r->query, hex);
}

/* The first response again, as it was: status, extra headers, body. */
static void replay(struct scp_req *r, const PGresult *res)
{
	if (!PQgetisnull(res, 0, 3))
		scp_buf_add(r->headers, PQgetvalue(res, 0, 3), (size_t)PQgetlength(res, 0, 3));
	scp_add_header(r, "Idempotent-Replayed: true");
	scp_send(r, atoi(PQgetvalue(res, 0, 2)), PQgetvalue(res, 0, 4),
		 (size_t)PQgetlength(res, 0, 4));
}

bool scp_idem_begin_for(struct scp_req *r, struct scp_idem *k, const char *owner)
{
	const char *key = scp_req_param(r, "HTTP_IDEMPOTENCY_KEY"), *outcome;
	PGresult *res;
	bool run = false;

	*k = (struct scp_idem){ .owner = owner };
	if (!key || !owner)
		return true;
	if (!valid_key(key)) {
		scp_bad_request(r, "Idempotency-Key must be 1 to 255 printable ASCII characters");
		return false;
	}
	if (!scp_req_read_body(r, IDEM_BODY_MAX))
		return false;
	res = scp_q(r, "scp_idem_claim", owner, key, fingerprint(r));
	if (!res)
		return false;
	outcome = PQgetvalue(res, 0, 0);
	if (!strcmp(outcome, "claimed")) {
		k->key = key;
		k->claim = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 1));
		r->keep_body = true;
		run = true;
	} else if (!strcmp(outcome, "replay")) {
		replay(r, res);
	} else if (!strcmp(outcome, "mismatch")) {
		scp_field_error(r, "Idempotency-Key",
				"was already used with another request; use a new key");
		scp_fields_send(r);
	} else {
		scp_add_header(r, "Retry-After: 1");
		scp_send_error(r, 409, "CONFLICT",
			       "a request with this Idempotency-Key is in progress", NULL);
	}
	return run;
}

bool scp_idem_begin(struct scp_req *r, struct scp_idem *k)
{
	return scp_idem_begin_for(r, k, r->auth.user_id);
}

static bool run_stmt(struct scp_req *r, const char *stmt, int n, const char *const *params)
{
	PGresult *res;
	enum scp_db_status st = scp_db_exec(r->db, stmt, n, params, &res);

	if (st == SCP_DB_ERROR)
		scp_error("libpq: %s: %s", stmt, PQresultErrorMessage(res));
	else if (st == SCP_DB_DOWN)
		scp_warn("%s: the database is down; the key stays claimed", stmt);
	PQclear(res);
	return st == SCP_DB_OK;
}

void scp_idem_end(struct scp_req *r, const struct scp_idem *k)
{
	const char *const id[] = { k->owner, k->key, k->claim };
	const struct scp_buf *b = r->out;
	char status[16];

	if (!k->claim)
		return;
	/* The handler's statements ran in their own transactions; none may be left open. */
	if (!scp_db_ready(r->db)) {
		scp_warn("idempotency: the database is down; the key stays claimed");
		return;
	}
	/* A server error or a rate limit says "try again": the retry must run. */
	if (r->status >= 500 || r->status == 429 || memchr(b->ptr, '\0', b->len)) {
		run_stmt(r, "scp_idem_release", 3, id);
		return;
	}
	snprintf(status, sizeof(status), "%d", r->status);
	if (!run_stmt(r, "scp_idem_record", 6,
		      SCP_ARGS(id[0], id[1], id[2], status, r->headers->len ? r->headers->ptr : NULL,
			       b->ptr)))
		run_stmt(r, "scp_idem_release", 3, id);
}
