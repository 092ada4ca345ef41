/*
 * WhatsApp OTP sign-in (SELLIKO): send-otp queues a code for delivery by scp-worker;
 * verify-otp checks it and signs the phone's user in, creating a client the first time.
 * Limits (DESIGN §7) are enforced inside the SQL functions, under a per-phone lock.
 */
#include "auth.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

const struct scp_stmt auth_otp_stmts[] = {
	{ "otp_send", "SELECT otp_id, expires_at FROM scp_otp_send($1, $2, $3)" },
	{ "otp_verify", "SELECT * FROM scp_otp_verify($1, $2, $3, $4)" },
	SCP_STMT_END,
};

#define OTP_DIGITS 6

static char *code_hash(struct scp_req *r, const char *phone, const char *code)
{
	char *msg = scp_arena_printf(r->arena, "%s:%s", phone, code);
	char *out = scp_arena_alloc(r->arena, SCP_SHA256_HEX);

	scp_hmac_sha256_hex(out, scp_cfg.jwt_secret, strlen(scp_cfg.jwt_secret), msg,
			    strlen(msg));
	return out;
}


void auth_send_otp(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *phone;
	char code[OTP_DIGITS + 1];
	PGresult *res;

	if (!b)
		return;
	phone = scp_field_phone(r, b, "phone", true);
	if (scp_fields_send(r))
		return;
	scp_random_digits(code, OTP_DIGITS);
	res = scp_q(r, "otp_send", phone, code_hash(r, phone, code), code);
	if (!res)
		return;
	scp_buf_reset(r->out);
	scp_buf_addf(r->out, "{\"success\":true,\"message\":\"code sent via WhatsApp\","
		     "\"otp_id\":\"%s\",\"expires_in\":%ld}", PQgetvalue(res, 0, 0),
		     scp_cfg.otp_ttl);
	scp_send_out(r, 200);
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i == n;
}

void auth_verify_otp(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *phone, *otp, *otp_id, *outcome;
	char *refresh, *rhash;
	PGresult *res;

	if (!b)
		return;
	phone = scp_field_phone(r, b, "phone", true);
	otp = scp_field_str(r, b, "otp", true, 1, 16);
	otp_id = scp_field_str(r, b, "otp_id", false, 1, 64);
	if (otp && !all_digits(otp, OTP_DIGITS))
		scp_field_error(r, "otp", "must be 6 digits");
	if (otp_id && !scp_valid_uuid(otp_id))
		scp_field_error(r, "otp_id", "must be a UUID");
	if (scp_fields_send(r))
		return;
	auth_new_refresh(r, &refresh, &rhash);
	res = scp_q(r, "otp_verify", phone, otp_id, code_hash(r, phone, otp), rhash);
	if (!res)
		return;
	outcome = PQgetvalue(res, 0, 0);
	if (!strcmp(outcome, "ok"))
		auth_send_tokens(r, 200, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
				 PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3),
				 PQgetvalue(res, 0, 4), refresh, PQgetvalue(res, 0, 5));
	else if (!strcmp(outcome, "disabled"))
		scp_forbidden(r, "this account is disabled");
	else if (!strcmp(outcome, "invalid"))
		scp_unauthorized(r, "wrong code");
	else
		scp_unauthorized(r, "no valid code for this phone; request a new one");
}
