/*
 * test_profile: the output stage of profiles (scp_profile.h) on canonical documents:
 * key spelling, roles, pagination, renames, nesting, envelopes; and what it leaves be.
 */
#include "scp_profile.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static struct scp_buf out = SCP_BUF_INIT;

static const char *render(const char *profile, const char *method, const char *pattern,
			  const char *json)
{
	const struct scp_profile *p = scp_profile_find(profile);

	if (!scp_profile_render(p, scp_profile_route(p, method, pattern), json, strlen(json),
				&out))
		return NULL;
	return out.ptr;
}

static void test_find(void)
{
	ok(scp_profile_find("scp") == NULL && scp_profile_find(NULL) == NULL &&
	   scp_profile_find("") == NULL, "scp, none and empty are the canonical profile");
	ok(scp_profile_find("selliko") && scp_profile_find("cliick") && scp_profile_find("prokip"),
	   "the three dialects are known");
	ok(!scp_profile_find("nope") && !scp_profile_known("nope") && scp_profile_known("scp"),
	   "an unknown name is not a profile");
}

static void test_selliko(void)
{
	is_str(render("selliko", "POST", "/api/v1/auth/send-otp",
		      "{\"otp_id\":\"o1\",\"expires_in\":300,\"message\":\"sent\"}"),
	       "{\"success\":true,\"otpId\":\"o1\",\"expiresIn\":300,\"message\":\"sent\"}",
	       "success added, keys in camelCase");
	is_str(render("selliko", "GET", "/api/v1/listings",
		      "{\"results\": [{\"asking_price\": 10.50, \"client_id\": \"c\"}],\n"
		      " \"pagination\": {\"page\": 2, \"page_size\": 20, \"total\": 21,"
		      " \"total_pages\": 2}}"),
	       "{\"success\":true,\"listings\":[{\"askingPrice\":10.50,\"clientId\":\"c\"}],"
	       "\"pagination\":{\"page\":2,\"limit\":20,\"total\":21,\"totalPages\":2}}",
	       "a list under its name, SELLIKO's pagination, numbers kept as written");
	is_str(render("selliko", "GET", "/api/v1/listings/:id",
		      "{\"id\":\"l\",\"status\":\"live\",\"bids\":[{\"amount\":1}],"
		      "\"current_highest_bid\":null}"),
	       "{\"success\":true,\"listing\":{\"id\":\"l\",\"status\":\"live\"},"
	       "\"bids\":[{\"amount\":1}],\"currentHighestBid\":null}",
	       "the listing nested, its bids beside it");
	is_str(render("selliko", "POST", "/api/v1/bids",
		      "{\"id\":\"b\",\"is_instant_win\":true,\"message\":\"won\","
		      "\"listing\":{\"id\":\"l\"}}"),
	       "{\"success\":true,\"bid\":{\"id\":\"b\",\"isInstantWin\":true},"
	       "\"isInstantWin\":true,\"message\":\"won\",\"listing\":{\"id\":\"l\"}}",
	       "a bid nested, isInstantWin in it and beside it");
	is_str(render("selliko", "GET", "/api/v1/auth/me",
		      "{\"id\":\"u\",\"role\":\"vendor\",\"roles\":\"x\",\"note\":\"role\"}"),
	       "{\"success\":true,\"user\":{\"id\":\"u\",\"role\":\"VENDOR\",\"roles\":\"x\","
	       "\"note\":\"role\"}}",
	       "role values in upper case, nothing else");
	is_str(render("selliko", "GET", "/api/v1/nowhere", "[1,2]"),
	       "{\"success\":true,\"data\":[1,2]}", "a bare array goes under data");
	is_str(render("selliko", "GET", "/api/v1/nowhere", "{\"success\":false,\"a_b\":\"x_y\"}"),
	       "{\"success\":true,\"aB\":\"x_y\"}", "values are never respelt; one success");
	is_str(render("selliko", "GET", "/api/v1/nowhere", "{}"), "{\"success\":true}",
	       "an empty object");
	is_str(render("selliko", "GET", "/api/v1/nowhere",
		      "{\"s\":\"a\\\"b\\\\\",\"k\":[{\"x_y\":{\"z_w\":[true,false,null]}}]}"),
	       "{\"success\":true,\"s\":\"a\\\"b\\\\\",\"k\":[{\"xY\":{\"zW\":[true,false,null]}}]}",
	       "escapes and nesting survive");
	is_str(render("selliko", "GET", "/api/v1/nowhere", "{\"_x\":1,\"a__b\":2,\"c_\":3,\"d_1\":4}"),
	       "{\"success\":true,\"_x\":1,\"a_B\":2,\"c_\":3,\"d_1\":4}",
	       "odd underscores are left as they are");
	is_str(render("selliko", "PUT", "/api/v1/agent/tasks/:id/complete",
		      "{\"id\":\"t\",\"status\":\"completed\",\"commission_earned\":200.00}"),
	       "{\"success\":true,\"task\":{\"id\":\"t\",\"status\":\"completed\"},"
	       "\"commissionEarned\":200.00}", "a completed task, commissionEarned beside it");
	is_str(render("selliko", "GET", "/api/v1/agent/tasks",
		      "{\"results\":[],\"pagination\":{\"page_size\":20},\"total_commission\":0.00,"
		      "\"completed_today\":0}"),
	       "{\"success\":true,\"tasks\":[],\"pagination\":{\"limit\":20},"
	       "\"totalCommission\":0.00,\"completedToday\":0}", "tasks with their summary");
	is_str(render("selliko", "PUT", "/api/v1/listings/:id/assign-agent", "{\"id\":\"t\"}"),
	       "{\"success\":true,\"assignment\":{\"id\":\"t\"}}", "an assignment");
	ok(scp_profile_find("selliko")->task_start_on_complete &&
	   !scp_profile_find("cliick")->task_start_on_complete &&
	   !scp_profile_find("prokip")->task_start_on_complete,
	   "only SELLIKO completes an accepted task through in_progress");
	ok(render("selliko", "GET", "/x", "\"text\"") == NULL, "a bare string is not rendered");
	ok(render("selliko", "GET", "/x", "{\"a\":1") == NULL, "nor a truncated object");
	ok(render("selliko", "GET", "/x", "{\"a\":\"b") == NULL &&
	   render("selliko", "GET", "/x", "{\"") == NULL &&
	   render("selliko", "GET", "/x", "[\"a\\\"]") == NULL, "nor an unterminated string");
	is_str(render("selliko", "GET", "/api/v1/nowhere", "{\"a\\u005fb\":1,\"c_d\":\"\\\\\"}"),
	       "{\"success\":true,\"a\\u005fb\":1,\"cD\":\"\\\\\"}",
	       "an escaped key is left as it is; an escaped backslash leaves the quote closing");
}

static void test_cliick_prokip(void)
{
	is_str(render("cliick", "POST", "/api/v1/auth/login",
		      "{\"access_token\":\"t\",\"refresh_token\":\"r\",\"user\":{\"first_name\":\"A\"}}"),
	       "{\"success\":true,\"data\":{\"token\":\"t\",\"refreshToken\":\"r\","
	       "\"user\":{\"firstName\":\"A\"}}}", "Cliick: data.token and data.user");
	is_str(render("cliick", "GET", "/api/v1/x", "[{\"shop_id\":1}]"),
	       "{\"success\":true,\"data\":[{\"shopId\":1}]}", "Cliick: arrays under data");
	is_str(render("cliick", "POST", "/api/v1/auth/logout", "{\"success\":true}"),
	       "{\"success\":true,\"data\":{}}", "Cliick: a canonical success is the envelope's");
	is_str(render("cliick", "GET", "/api/v1/x", "{\"a_b\":1,\"success\":true,\"c\":[2]}"),
	       "{\"success\":true,\"data\":{\"aB\":1,\"c\":[2]}}",
	       "... the other members kept, in order");
	is_str(render("cliick", "GET", "/api/v1/x",
		      "{\"results\":[{\"shop_id\":1},{\"a\":[]}],"
		      "\"pagination\":{\"page_size\":20},\"unread_count\":3}"),
	       "{\"success\":true,\"data\":[{\"shopId\":1},{\"a\":[]}],"
	       "\"pagination\":{\"pageSize\":20},\"unreadCount\":3}",
	       "Cliick: a page's results are data, its other members beside it");
	is_str(render("cliick", "GET", "/api/v1/x", "{\"results\":[]}"),
	       "{\"success\":true,\"data\":{\"results\":[]}}",
	       "... only a page: results without pagination stay an object");
	is_str(render("cliick", "POST", "/api/v1/auth/login", "{\"results\":[],\"pagination\":{}}"),
	       "{\"success\":true,\"data\":{\"results\":[],\"pagination\":{}}}",
	       "... and only where the route has no rule of its own");
	is_str(render("prokip", "POST", "/api/v1/auth/logout", "{\"success\":true}"),
	       "{\"success\":true}", "Prokip: the document as it is");
	is_str(render("prokip", "GET", "/api/v1/x", "[{\"store_url\":\"s\"}]"),
	       "[{\"storeUrl\":\"s\"}]", "Prokip: the document itself, in camelCase");
	is_str(render("prokip", "GET", "/api/v1/stores/products",
		      "{\"results\":[{\"stock_quantity\":3,\"in_store\":true,"
		      "\"x\":{\"stock_quantity\":1}}],\"pagination\":{\"total_pages\":1}}"),
	       "{\"products\":[{\"stock_quantity\":3,\"inStore\":true,"
	       "\"x\":{\"stock_quantity\":1}}],\"pagination\":{\"totalPages\":1}}",
	       "Prokip: a kept key (stock_quantity) spelt as it is at any depth, the rest camelCase");
	is_str(render("cliick", "GET", "/api/v1/x", "{\"stock_quantity\":3}"),
	       "{\"success\":true,\"data\":{\"stockQuantity\":3}}",
	       "... kept by its profile only");
}

/* A rule's `both` members without a nest, in a DATA envelope: in data and beside it. */
static void test_cliick_beside_data(void)
{
	is_str(render("cliick", "POST", "/api/v1/payments/intent",
		      "{\"id\":\"u\",\"payment_intent\":{\"client_secret\":\"s\",\"amount\":1.5},"
		      "\"order_kind\":\"shop\"}"),
	       "{\"success\":true,\"data\":{\"id\":\"u\",\"paymentIntent\":{\"clientSecret\":\"s\","
	       "\"amount\":1.5},\"orderKind\":\"shop\"},\"paymentIntent\":{\"clientSecret\":\"s\","
	       "\"amount\":1.5}}", "Cliick: paymentIntent in data and beside it");
	is_str(render("cliick", "GET", "/api/v1/payments/:intent", "{\"id\":\"u\"}"),
	       "{\"success\":true,\"data\":{\"id\":\"u\"}}",
	       "... absent from the document: nothing beside data");
	is_str(render("cliick", "POST", "/api/v1/payments/:intent/cancel", "[{\"payment_intent\":1}]"),
	       "{\"success\":true,\"data\":[{\"paymentIntent\":1}]}",
	       "... an array document: nothing copied");
	is_str(render("cliick", "POST", "/api/v1/payments/confirm",
		      "{\"payment_intent\":null,\"success\":true}"),
	       "{\"success\":true,\"data\":{\"paymentIntent\":null},\"paymentIntent\":null}",
	       "... a null member copied; success stays the envelope's");
	is_str(render("cliick", "GET", "/api/v1/x", "{\"payment_intent\":1}"),
	       "{\"success\":true,\"data\":{\"paymentIntent\":1}}",
	       "... only on the routes with the rule");
}

static void test_many_members(void)
{
	char big[8192];
	size_t n = 0;

	n += (size_t)snprintf(big + n, sizeof(big) - n, "{");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"k_%d\":%d", i ? "," : "", i, i);
	snprintf(big + n, sizeof(big) - n, "}");
	ok(render("selliko", "GET", "/api/v1/auth/me", big) != NULL, "200 members render");
	ok(!strncmp(out.ptr, "{\"success\":true,\"k_0\":0,", 24), "... whole, success first");
}

int main(void)
{
	test_find();
	test_selliko();
	test_cliick_prokip();
	test_cliick_beside_data();
	test_many_members();
	scp_buf_release(&out);
	return done_testing();
}
