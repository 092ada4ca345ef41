/*
 * test_route: the static route table (DESIGN §3): captures, trailing slash, HEAD as
 * GET, and the 404 / 405 distinction; role names to bits.
 */
#include "scp_arena.h"
#include "scp_http.h"
#include "scp_route.h"
#include "tap.h"

#include <string.h>

static void h_list(struct scp_req *r) { (void)r; }
static void h_get(struct scp_req *r) { (void)r; }
static void h_put(struct scp_req *r) { (void)r; }
static void h_me(struct scp_req *r) { (void)r; }
static void h_nested(struct scp_req *r) { (void)r; }
static void h_many(struct scp_req *r) { (void)r; }
static void h_five(struct scp_req *r) { (void)r; }
static void h_line(struct scp_req *r) { (void)r; }
static void h_store(struct scp_req *r) { (void)r; }

static const struct scp_route routes[] = {
	{ "GET", "/auth/me", h_me, SCP_AUTH },
	{ "GET", "/products", h_list, SCP_PUBLIC },
	{ "GET", "/products/:id", h_get, SCP_PUBLIC },
	{ "PUT", "/products/:id", h_put, SCP_ROLES_STAFF },
	{ "GET", "/shops/:shop/orders/:order", h_nested, SCP_AUTH },
	{ "GET", "/a/:p1/:p2/:p3/:p4", h_many, SCP_AUTH },
	{ "GET", "/b/:p1/:p2/:p3/:p4/:p5", h_five, SCP_AUTH },
	{ "GET", "/orders/:orderId/lines/:n", h_line, SCP_AUTH },
	{ "GET", "/stores/:platform/:store_id", h_store, SCP_AUTH },
	SCP_ROUTES_END,
};

static struct scp_arena arena;

#define ID "9b2f6c1e-0d4a-4c7b-8e21-5a3f0c9d7e10"

/* A request with only what the router reads; no FastCGI behind it. */
static struct scp_req req(const char *method, const char *path)
{
	struct scp_req r;

	memset(&r, 0, sizeof(r));
	r.arena = &arena;
	r.method = method;
	r.path = path;
	return r;
}

/* Route method+path; returns the handler found (NULL if none) and the match kind. */
static enum scp_match find(struct scp_req *r, scp_handler *h)
{
	const struct scp_route *found = NULL;
	enum scp_match m = scp_route_find(routes, r, &found);

	*h = found ? found->handler : NULL;
	return m;
}

static void test_exact(void)
{
	struct scp_req r = req("GET", "/products");
	scp_handler h;

	is_int(find(&r, &h), SCP_MATCH_OK, "GET /products matches");
	ok(h == h_list, "... the list handler, not /products/:id");
	is_int(r.nparams, 0, "... with no captures");
	r = req("GET", "/auth/me");
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_me, "GET /auth/me matches");
}

static void test_captures(void)
{
	struct scp_req r = req("GET", "/products/" ID);
	scp_handler h;

	ok(find(&r, &h) == SCP_MATCH_OK && h == h_get, "GET /products/<uuid> matches :id");
	is_int(r.nparams, 1, "... one capture");
	is_str(r.params[0], ID, "... :id is the uuid");

	r = req("PUT", "/products/" ID);
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_put, "PUT picks the PUT route");
	is_str(r.params[0], ID, "... :id captured");

	r = req("GET", "/products/42");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, ":id that is not a uuid is 404");
	r = req("PUT", "/products/abc-def");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "... for every method (404, not 405)");
	r = req("GET", "/products/" ID "0");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "... a uuid with a tail is not one");
	r = req("GET", "/orders/" ID "/lines/7");
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_line, ":orderId must be a uuid, :n need not");
	is_str(r.params[1], "7", "... the free capture is kept as sent");
	r = req("GET", "/orders/7/lines/7");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "... a camelCase id name is checked");
	r = req("GET", "/stores/x/" ID);
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_store, ":store_id checked, :platform free");
	r = req("GET", "/stores/x/y");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "... a snake_case id name is checked");

	r = req("GET", "/shops/s1/orders/o2");
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_nested, "two captures match");
	is_int(r.nparams, 2, "... two captures");
	is_str(r.params[0], "s1", "... first is the shop");
	is_str(r.params[1], "o2", "... second is the order");

	r = req("GET", "/a/1/2/3/4");
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_many, "SCP_MAX_PARAMS captures match");
	is_str(r.params[3], "4", "... the last one captured");

	r = req("GET", "/products/");
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_list,
	   "/products/ is /products, not an empty :id");
	r = req("GET", "/products//");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "an empty capture does not match");
}

static void test_trailing_slash(void)
{
	struct scp_req r = req("GET", "/auth/me/");
	scp_handler h;

	ok(find(&r, &h) == SCP_MATCH_OK && h == h_me, "/auth/me/ tolerated");
	r = req("GET", "/products/" ID "/");
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_get, "/products/<uuid>/ tolerated");
	is_str(r.params[0], ID, "... the slash is not part of :id");
	r = req("GET", "/auth/me//");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "two trailing slashes are not tolerated");
}

static void test_not_found(void)
{
	struct scp_req r = req("GET", "/nope");
	scp_handler h;

	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "unknown path is 404");
	ok(h == NULL, "... and nothing is found");
	r = req("GET", "/auth/meme");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "a longer path is not a prefix match");
	r = req("GET", "/auth/m");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "a shorter path does not match");
	r = req("GET", "/products/" ID "/extra");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "an extra segment does not match");
	r = req("GET", "/");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "/ is not routed");
	r = req("GET", "");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "empty path is not routed");
}

static void test_method(void)
{
	struct scp_req r = req("DELETE", "/products/" ID);
	scp_handler h;

	is_int(find(&r, &h), SCP_MATCH_NO_METHOD, "DELETE on a known path is 405");
	ok(h == NULL, "... and nothing is found");
	r = req("POST", "/auth/me");
	is_int(find(&r, &h), SCP_MATCH_NO_METHOD, "POST /auth/me is 405");
	r = req("get", "/auth/me");
	is_int(find(&r, &h), SCP_MATCH_NO_METHOD, "methods are case-sensitive");
	r = req("HEAD", "/products/" ID);
	ok(find(&r, &h) == SCP_MATCH_OK && h == h_get, "HEAD matches the GET route");
	is_str(r.params[0], ID, "... with its capture");
	r = req("HEAD", "/nope");
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "HEAD on an unknown path is 404");
}

static void test_too_many_captures(void)
{
	struct scp_req r = req("GET", "/b/1/2/3/4/5");
	scp_handler h;

	/* A pattern with more captures than SCP_MAX_PARAMS can never match. */
	is_int(find(&r, &h), SCP_MATCH_NO_PATH, "more than SCP_MAX_PARAMS captures refused");
	ok(r.nparams <= SCP_MAX_PARAMS, "nparams never exceeds SCP_MAX_PARAMS");
}

static void test_roles(void)
{
	static const struct { const char *name; unsigned bit; } roles[] = {
		{ "consumer", SCP_R_CONSUMER }, { "owner", SCP_R_OWNER },
		{ "manager", SCP_R_MANAGER }, { "sales_rep", SCP_R_SALES_REP },
		{ "client", SCP_R_CLIENT }, { "vendor", SCP_R_VENDOR },
		{ "agent", SCP_R_AGENT }, { "admin", SCP_R_ADMIN },
	};

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		bool staff = (roles[i].bit & SCP_ROLES_STAFF) != 0;

		is_int(scp_role_bit(roles[i].name), roles[i].bit, "role %s", roles[i].name);
		is_int(scp_role_is_staff(roles[i].name), staff, "role %s is %sstaff",
		       roles[i].name, staff ? "" : "not ");
	}
	is_int(scp_role_bit("root"), 0, "unknown role is 0");
	is_int(scp_role_bit("Admin"), 0, "role names are case-sensitive");
	is_int(scp_role_bit(""), 0, "empty role is 0");
	is_int(scp_role_bit(NULL), 0, "NULL role is 0");
	ok(!scp_role_is_staff(NULL), "NULL role is not staff");
}

int main(void)
{
	scp_arena_init(&arena, 0);
	test_exact();
	test_captures();
	test_trailing_slash();
	test_not_found();
	test_method();
	test_too_many_captures();
	test_roles();
	scp_arena_free(&arena);
	return done_testing();
}
