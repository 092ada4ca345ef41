/*
 * Calls to Prokip's API made by a request (seed 004): the OAuth password grant that
 * turns a Prokip username and password into tokens, and the business locations a
 * token may use.  Both answer the request themselves when they fail.
 *   POST {prokip_api_base}/oauth/token  (form: grant_type=password, client_id,
 *        client_secret, username, password, scope)
 *   GET  {prokip_api_base}/connector/api/business-location  → {data: [{id, name, …}]}
 */
#ifndef SCP_PROKIP_H
#define SCP_PROKIP_H

#include "scp_http.h"

#include <json-c/json.h>
#include <stdbool.h>

struct scp_prokip_grant {
	const char *access, *refresh;	/* in r's arena; refresh NULL when none came */
	const char *expires_in;		/* seconds as text, NULL when Prokip gave none */
};

/*
 * The body's location_id: Prokip's business location, a positive number or an id text
 * ([A-Za-z0-9_-], 1 to 40), as text in r's arena; NULL with its field error recorded.
 */
const char *scp_prokip_location(struct scp_req *r, json_object *b);

/*
 * Prokip's token endpoint, for a request or for scp-worker: POST
 * {prokip_api_base}/oauth/token with the grant's fields (name, value pairs ending with
 * NULL) beside client_id, client_secret and an empty scope; the answer's body appended
 * to out.  The form, which holds a password or a refresh token, is wiped.  True when
 * any response came (resp->status is its status).
 */
struct scp_buf;
struct scp_httpc_resp;
bool scp_prokip_token_call(const char *const *fields, struct scp_buf *out,
			   struct scp_httpc_resp *resp);

/*
 * The password grant.  False when a response was sent: 422 (field password) when
 * Prokip refuses the credentials, 503 when it cannot be reached, answers nonsense, or
 * prokip_transport is not http.
 */
bool scp_prokip_password_grant(struct scp_req *r, const char *user, const char *pass,
			       struct scp_prokip_grant *g);

/*
 * The token's business locations: Prokip's array as it came (kept until the request
 * ends).  False when a response was sent: 401 when Prokip refuses the token, 503 when
 * it cannot be reached or answers nonsense.
 */
bool scp_prokip_locations(struct scp_req *r, const char *token, json_object **locations);

#endif
