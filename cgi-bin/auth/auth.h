/* The auth family: sign-up, sign-in, sessions, OTP, the caller's own profile. */
#ifndef SCP_AUTH_FAMILY_H
#define SCP_AUTH_FAMILY_H

#include "scp_db.h"
#include "scp_http.h"

/* Each file's prepared statements, for the family's tables. */
extern const struct scp_stmt auth_session_stmts[], auth_otp_stmts[], auth_me_stmts[],
	auth_staff_stmts[], auth_realtime_stmts[], auth_prokip_stmts[];

/* session.c */
void auth_signup(struct scp_req *r);
void auth_login(struct scp_req *r);
void auth_refresh(struct scp_req *r);
void auth_logout(struct scp_req *r);
/* POST /supplier/register: an owner and its new supplier, as sign-up. */
void auth_supplier_register(struct scp_req *r);
/* A fresh opaque refresh token (hex) and its stored hash. */
void auth_new_refresh(struct scp_req *r, char **token, char **hash);
/*
 * Answer status with {access_token, refresh_token, token_type, expires_in, user} for
 * the session sid of the user.
 */
void auth_send_tokens(struct scp_req *r, int status, const char *user_id, const char *role,
		      const char *supplier_id, const char *sid, const char *refresh,
		      const char *user_json);

/* otp.c */
void auth_send_otp(struct scp_req *r);
void auth_verify_otp(struct scp_req *r);

/* me.c */
void auth_me(struct scp_req *r);
void auth_ensure_profile(struct scp_req *r);
void auth_update_me(struct scp_req *r);

/* staff.c: the owner manages its supplier's managers and sales reps */
void auth_staff_list(struct scp_req *r);
void auth_staff_get(struct scp_req *r);
void auth_staff_create(struct scp_req *r);
void auth_staff_update(struct scp_req *r);
void auth_staff_delete(struct scp_req *r);

/* prokip.c: signing in with a Prokip account (seed 004's dashboard) */
void auth_prokip_login(struct scp_req *r);
void auth_prokip_locations(struct scp_req *r);
void auth_prokip_location(struct scp_req *r);
void auth_prokip_logout(struct scp_req *r);

/* realtime.c: may the caller follow a real-time channel? (nchan asks) */
void auth_ws_authorize(struct scp_req *r);
void auth_ws_cliick_authorize(struct scp_req *r);

#endif
