/*
 * scp-messages: conversations between consumers and supplier staff, their messages,
 * complaints, canned replies and notifications (DESIGN §5, seeds 000, 001 and 003).
 *
 * Roles: a consumer takes part in its own conversations, every staff member of a
 * supplier in that supplier's; anyone else finds nothing (404).  One handler serves
 * each resource under all its paths: the caller's role picks its side.
 */
#include "messages.h"
#include "scp_app.h"

#define CONSUMER SCP_R_CONSUMER
#define STAFF SCP_ROLES_STAFF
#define BOTH (SCP_R_CONSUMER | SCP_ROLES_STAFF)

static const struct scp_route routes[] = {
	/* Conversations, the consumer's side (conversations.c, messages.c). */
	{ "GET", "/api/v1/consumer/conversations", msg_conv_list, CONSUMER },
	{ "POST", "/api/v1/consumer/conversations", msg_conv_open, CONSUMER | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/consumer/conversations/:id", msg_conv_get, CONSUMER },
	{ "PATCH", "/api/v1/consumer/conversations/:id", msg_conv_update, CONSUMER },
	{ "GET", "/api/v1/consumer/conversations/:id/messages", msg_list, CONSUMER },
	{ "POST", "/api/v1/consumer/conversations/:id/messages", msg_send,
	  CONSUMER | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/consumer/conversations/:id/messages/read", msg_read, CONSUMER },

	/* Conversations, the supplier's side: every staff member. */
	{ "GET", "/api/v1/supplier/conversations", msg_conv_list, STAFF },
	{ "GET", "/api/v1/supplier/conversations/:id", msg_conv_get, STAFF },
	{ "PATCH", "/api/v1/supplier/conversations/:id", msg_conv_update, STAFF },
	{ "GET", "/api/v1/supplier/conversations/:id/messages", msg_list, STAFF },
	{ "POST", "/api/v1/supplier/conversations/:id/messages", msg_send,
	  STAFF | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/supplier/conversations/:id/messages/read", msg_read, STAFF },

	/* Seed 003's chat sessions: the same conversations. */
	{ "GET", "/api/v1/chats/sessions", msg_conv_list, BOTH },
	{ "POST", "/api/v1/chats/sessions", msg_conv_open, CONSUMER | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/chats/sessions/:id", msg_conv_get, BOTH },
	{ "GET", "/api/v1/chats/sessions/:id/messages", msg_list, BOTH },
	{ "POST", "/api/v1/chats/sessions/:id/messages", msg_send, BOTH | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/chats/sessions/:id/messages/read", msg_read, BOTH },

	/* Complaints (complaints.c): seed 003's paths for both sides. */
	{ "POST", "/api/v1/complaints", cmp_file, CONSUMER | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/complaints", cmp_list, BOTH },
	{ "GET", "/api/v1/complaints/:id", cmp_get, BOTH },
	{ "PATCH", "/api/v1/complaints/:id/status", cmp_update, STAFF },

	/* Complaints, the supplier portal's paths; escalating is the sales rep's. */
	{ "POST", "/api/v1/supplier/complaints", cmp_log, STAFF | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/supplier/complaints", cmp_list, STAFF },
	{ "GET", "/api/v1/supplier/complaints/:id", cmp_get, STAFF },
	{ "PUT", "/api/v1/supplier/complaints/:id", cmp_update, STAFF },
	{ "PATCH", "/api/v1/supplier/complaints/:id", cmp_update, STAFF },
	{ "POST", "/api/v1/supplier/complaints/:id/escalate", cmp_escalate, SCP_R_SALES_REP },
	{ "POST", "/api/v1/supplier/complaints/:id/resolve", cmp_resolve, STAFF },
	{ "POST", "/api/v1/supplier/complaints/:id/close", cmp_close, STAFF },

	/* Canned replies (canned.c). */
	{ "GET", "/api/v1/supplier/canned-replies", canned_list, STAFF },
	{ "POST", "/api/v1/supplier/canned-replies", canned_create, STAFF | SCP_IDEMPOTENT },
	{ "DELETE", "/api/v1/supplier/canned-replies/:id", canned_delete, STAFF },

	/*
	 * Notifications (notifications.c): every signed-in user's own, under three
	 * prefixes (the supplier portal's, the consumer apps'); PATCH …/read is seed 003's.
	 */
#define NOTIFICATIONS(PREFIX, ROLES) \
	{ "GET", PREFIX, notif_list, ROLES }, \
	{ "PUT", PREFIX "/:id/read", notif_read, ROLES }, \
	{ "POST", PREFIX "/:id/read", notif_read, ROLES }, \
	{ "PATCH", PREFIX "/:id/read", notif_read, ROLES }, \
	{ "PUT", PREFIX "/mark-all-read", notif_read_all, ROLES }, \
	{ "POST", PREFIX "/mark-all-read", notif_read_all, ROLES }, \
	{ "GET", PREFIX "/preferences", notif_prefs_get, ROLES }, \
	{ "PUT", PREFIX "/preferences", notif_prefs_set, ROLES }
	NOTIFICATIONS("/api/v1/notifications", SCP_AUTH),
	NOTIFICATIONS("/api/v1/consumer/notifications", CONSUMER),
	NOTIFICATIONS("/api/v1/supplier/notifications", STAFF),
#undef NOTIFICATIONS
	/* Web push (push.c): a browser's PushSubscription, Cliick's paths. */
	{ "POST", "/api/v1/notifications/subscribe", push_subscribe, SCP_AUTH },
	{ "POST", "/api/v1/notifications/unsubscribe", push_unsubscribe, SCP_AUTH },
	{ "GET", "/api/v1/notifications/vapid-public-key", push_vapid_key, SCP_AUTH },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "messages",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(msg_conversations_stmts, msg_messages_stmts,
				 msg_complaints_stmts, msg_canned_stmts,
				 msg_notifications_stmts, msg_push_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
