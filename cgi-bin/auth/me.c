/* The caller's own profile: GET /auth/me, GET·PATCH /users/me. */
#include "auth.h"
#include "scp_auth.h"
#include "scp_config.h"
#include "scp_password.h"
#include "scp_upload.h"
#include "scp_validate.h"

#include <string.h>

const struct scp_stmt auth_me_stmts[] = {
	/* Profile and password in one statement: a new password ends the other sessions. */
	{ "me_update",
	  "WITH u AS (UPDATE users u SET"
	  " first_name = CASE WHEN $2 THEN $3 ELSE first_name END,"
	  " last_name = CASE WHEN $4 THEN $5 ELSE last_name END,"
	  " company_name = CASE WHEN $6 THEN $7 ELSE company_name END,"
	  " phone_verified = phone_verified AND NOT ($8 AND $9 IS DISTINCT FROM phone_number),"
	  " phone_number = CASE WHEN $8 THEN $9 ELSE phone_number END,"
	  " profile_image_url = CASE WHEN $10 THEN $11 ELSE profile_image_url END,"
	  " password_hash = coalesce($12, password_hash),"
	  " updated_at = now()"
	  " WHERE id = $1 AND CASE WHEN $12::text IS NULL THEN true"
	  "  ELSE scp_signin_passed('password', $1::text) END"
	  " RETURNING scp_user_json(u) AS j),"
	  " r AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'password changed'"
	  "  WHERE $12::text IS NOT NULL AND user_id = $1 AND id <> $13 AND revoked_at IS NULL)"
	  " SELECT j FROM u" },
	/* The current_password check is throttled per user, like sign-in. */
	{ "me_password",
	  "SELECT u.password_hash FROM users u, scp_signin_check('password', u.id::text)"
	  " WHERE u.id = $1" },
	{ "me_password_failed", "SELECT scp_signin_failed('password', $1)" },
	SCP_STMT_END,
};

void auth_me(struct scp_req *r)
{
	/* The session check fetches the caller as JSON: no statement of our own. */
	const char *me = scp_auth_user_json(r);

	if (me)
		scp_send(r, 200, me, strlen(me));
}

/*
 * POST /auth/ensure-profile: Cliick's frontend calls it after every sign-in so that its
 * profile exists.  Sign-up makes the whole profile in one transaction, so there is
 * nothing to create: the caller, as GET /auth/me answers it (idempotent).
 */
void auth_ensure_profile(struct scp_req *r)
{
	auth_me(r);
}

/* For an optional nullable text field: "t"/"f" whether it was sent, and its value. */
static const char *opt(struct scp_req *r, json_object *b, const char *field, size_t max,
		       const char **val)
{
	json_object *v;

	if (!json_object_object_get_ex(b, field, &v))
		return "f";
	*val = v ? scp_field_str(r, b, field, false, 1, max) : NULL;
	return "t";
}

/*
 * Does cur prove the caller's password?  An account made by OTP has none yet: it may set
 * one without.  Otherwise the answer is sent: 422, or 429 while the user is locked out by
 * wrong passwords (sql/functions/25_signin_throttle.sql), checked before any hashing.
 */
static bool current_password_ok(struct scp_req *r, const char *cur)
{
	PGresult *res = scp_q(r, "me_password", r->auth.user_id);
	bool ok;

	if (!res)
		return false;
	ok = PQntuples(res) == 1 && (PQgetisnull(res, 0, 0) ||
	     (cur && scp_password_verify(cur, PQgetvalue(res, 0, 0))));
	if (ok)
		return true;
	/* A wrong password counts; a missing one was not a guess. */
	if (cur && !scp_q(r, "me_password_failed", r->auth.user_id))
		return false;
	scp_field_error(r, "current_password", cur ? "is not correct" : "is required");
	scp_fields_send(r);
	return false;
}

void auth_update_me(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *first = NULL, *last = NULL, *company = NULL, *phone = NULL, *image = NULL;
	const char *sf, *sl, *sc, *sp, *si, *cur, *npw;
	char hash[SCP_HASH_MAX];
	const char *newhash = NULL;
	PGresult *res;

	if (!b)
		return;
	sf = opt(r, b, "first_name", 100, &first);
	sl = opt(r, b, "last_name", 100, &last);
	sc = opt(r, b, "company_name", 200, &company);
	sp = opt(r, b, "phone_number", 20, &phone);
	si = opt(r, b, "profile_image_url", 2048, &image);
	npw = scp_field_password(r, b, "new_password", false);
	cur = scp_field_str(r, b, "current_password", false, 1, 1024);
	if (phone && !scp_valid_phone(phone))
		scp_field_error(r, "phone_number", "must be in E.164 format, e.g. +919876543210");
	/* Profile pictures come from POST /uploads (scp-catalog), like product images. */
	if (image && !(image = scp_upload_own_url(r->arena, image, "images")))
		scp_field_error(r, "profile_image_url", "must be the URL of an uploaded image");
	if (scp_fields_send(r))
		return;
	if (npw) {
		if (!current_password_ok(r, cur))
			return;
		if (!scp_password_hash(npw, scp_cfg.password_cost, hash)) {
			scp_send_internal(r);
			return;
		}
		newhash = hash;
	}
	res = scp_q(r, "me_update", r->auth.user_id, sf, first, sl, last, sc, company, sp, phone,
		    si, image, newhash, r->auth.sid);
	if (!res)
		return;
	scp_send_row_json(r, 200, res);
}
