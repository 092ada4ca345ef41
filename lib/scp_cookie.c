#include "scp_cookie.h"
#include "scp_config.h"
#include "scp_hmac.h"

#include <string.h>

const char *scp_cookie_get(struct scp_req *r, const char *name)
{
	const char *h = scp_req_param(r, "HTTP_COOKIE"), *end;
	size_t n = strlen(name);

	if (!h)
		return NULL;
	/* RFC 6265 §4.2.1: "name=value" pairs separated by "; ". */
	while (*h) {
		while (*h == ' ' || *h == ';')
			h++;
		end = strchr(h, ';');
		if (!end)
			end = h + strlen(h);
		if ((size_t)(end - h) > n && !strncmp(h, name, n) && h[n] == '=')
			return scp_arena_strndup(r->arena, h + n + 1, (size_t)(end - h) - n - 1);
		h = end;
	}
	return NULL;
}

const char *scp_csrf_token(struct scp_req *r, const char *sid)
{
	char *out = scp_arena_alloc(r->arena, SCP_SHA256_HEX);
	char *msg = scp_arena_printf(r->arena, "csrf:%s", sid);

	scp_hmac_sha256_hex(out, scp_cfg.jwt_secret, strlen(scp_cfg.jwt_secret), msg,
			    strlen(msg));
	return out;
}

/*
 * The dialects whose frontends keep the session in cookies (Cliick.io's sends
 * credentials: 'include' and some calls with the cookie alone).  A list here rather than
 * a field of struct scp_profile: the profile table's rows are read by
 * tools/node/profile-spec.mjs as they are.
 */
static const char *const cookie_profiles[] = { "cliick", NULL };

bool scp_cookie_enabled(const struct scp_req *r)
{
	if (!r->profile)
		return false;
	for (size_t i = 0; cookie_profiles[i]; i++)
		if (!strcmp(r->profile->name, cookie_profiles[i]))
			return true;
	return false;
}

static const char *attrs(void)
{
	return strncmp(scp_cfg.public_url, "https://", 8) ? "; Path=/; SameSite=Lax"
							  : "; Path=/; SameSite=Lax; Secure";
}

void scp_cookie_set_session(struct scp_req *r, const char *access, const char *sid)
{
	scp_add_header(r, "Set-Cookie: " SCP_SESSION_COOKIE "=%s; Max-Age=%ld; HttpOnly%s",
		       access, scp_cfg.access_ttl, attrs());
	scp_add_header(r, "Set-Cookie: " SCP_CSRF_COOKIE "=%s; Max-Age=%ld%s",
		       scp_csrf_token(r, sid), scp_cfg.access_ttl, attrs());
}

void scp_cookie_clear_session(struct scp_req *r)
{
	scp_add_header(r, "Set-Cookie: " SCP_SESSION_COOKIE "=; Max-Age=0; HttpOnly%s", attrs());
	scp_add_header(r, "Set-Cookie: " SCP_CSRF_COOKIE "=; Max-Age=0%s", attrs());
}

/* Is origin (scheme://host[:port]) in the space-separated list? */
static bool listed(const char *list, const char *origin)
{
	size_t n = strlen(origin);

	for (const char *p = list; *p;) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len && len == n && !strncmp(p, origin, n))
			return true;
		p += len;
	}
	return false;
}

/* public_url's origin: the site's own pages are allowed without being listed. */
static bool own_origin(const char *origin)
{
	const char *u = scp_cfg.public_url, *host = strstr(u, "://");
	size_t len;

	if (!*u || !host)
		return false;
	len = (size_t)(host + 3 - u) + strcspn(host + 3, "/");
	return strlen(origin) == len && !strncmp(u, origin, len);
}

/*
 * The origins nginx allows on the request's profile's mount beside cors_origins
 * (CORS_ORIGINS_<PROFILE>): a page allowed to call the mount may write with its cookie.
 */
static const char *profile_origins(const struct scp_req *r)
{
	static const struct { const char *profile; char *const *list; } mounts[] = {
		{ "selliko", &scp_cfg.cors_origins_selliko },
		{ "cliick", &scp_cfg.cors_origins_cliick },
		{ "prokip", &scp_cfg.cors_origins_prokip },
	};

	if (r->profile)
		for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
			if (!strcmp(r->profile->name, mounts[i].profile))
				return *mounts[i].list ? *mounts[i].list : "";
	return "";
}

bool scp_origin_allowed(const struct scp_req *r, const char *origin)
{
	return origin && *origin &&
	       (listed(scp_cfg.cors_origins, origin) || listed(profile_origins(r), origin) ||
		own_origin(origin));
}

bool scp_csrf_allowed(struct scp_req *r, const char *sid, const char **why)
{
	const char *m = r->method, *origin, *sent, *want;

	if (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS"))
		return true;
	origin = scp_req_param(r, "HTTP_ORIGIN");
	if (!scp_origin_allowed(r, origin)) {
		*why = "cross-site request refused: Origin is not an allowed origin";
		return false;
	}
	sent = scp_req_param(r, "HTTP_X_CSRF_TOKEN");
	if (sent) {
		want = scp_csrf_token(r, sid);
		if (!scp_ct_equal(sent, strlen(sent), want, strlen(want))) {
			*why = "cross-site request refused: X-CSRF-Token does not match the session";
			return false;
		}
	}
	return true;
}
