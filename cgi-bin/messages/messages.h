/*
 * The messages family: conversations between a consumer and a supplier's staff, their
 * messages, complaints (DESIGN §6: open → escalated → resolved → closed, open →
 * resolved), the staff's canned replies and every user's notifications.  The rules live in
 * sql/functions/85_messages.sql and 86_complaints.sql; each handler checks the request
 * in C and runs one statement.
 *
 * One handler serves a resource under every path that names it (/consumer/…,
 * /supplier/…, seed 003's /chats/sessions…): the caller's role decides its side.
 * Each resource file holds its handlers and the statements they run, in a table named
 * msg_<resource>_stmts that main.c lists in the family.
 */
#ifndef SCP_MESSAGES_H
#define SCP_MESSAGES_H

#include <stdbool.h>

#include "scp_db.h"
#include "scp_http.h"

/* Text of a message, of a complaint's description, of a canned reply. */
#define MSG_TEXT_MAX 5000
/* Uploaded attachments are stored under media_dir/MSG_FILE_DIR. */
#define MSG_FILE_DIR "chat"
/* The largest attachment sent with a message (as the catalog's images). */
#define MSG_FILE_MAX (5 * 1024 * 1024)

/*
 * The caller's side of a conversation, as the SQL functions take it: a consumer passes
 * its own id and no supplier, staff their supplier and no consumer.
 */
struct msg_scope {
	const char *consumer;
	const char *supplier;
	const char *side;	/* "consumer" or "supplier" */
};
struct msg_scope msg_scope(const struct scp_req *r);
/*
 * Is url an attachment this system issued (an upload's /media/ path, see
 * scp_upload_own_url)?  Returns its stored form, or NULL.
 */
const char *msg_own_url(struct scp_req *r, const char *url);
/* An optional UUID field of the body; false (and a field error) when malformed. */
bool msg_field_uuid(struct scp_req *r, json_object *b, const char *field, bool required,
		    const char **out);

/* conversations.c */
void msg_conv_list(struct scp_req *r);
void msg_conv_open(struct scp_req *r);
void msg_conv_get(struct scp_req *r);
void msg_conv_update(struct scp_req *r);
extern const struct scp_stmt msg_conversations_stmts[];

/* messages.c: a conversation's history, sending, marking read */
void msg_list(struct scp_req *r);
void msg_send(struct scp_req *r);
void msg_read(struct scp_req *r);
extern const struct scp_stmt msg_messages_stmts[];

/* complaints.c */
void cmp_file(struct scp_req *r);
void cmp_log(struct scp_req *r);
void cmp_list(struct scp_req *r);
void cmp_get(struct scp_req *r);
void cmp_update(struct scp_req *r);
void cmp_escalate(struct scp_req *r);
void cmp_resolve(struct scp_req *r);
void cmp_close(struct scp_req *r);
extern const struct scp_stmt msg_complaints_stmts[];

/* canned.c */
void canned_list(struct scp_req *r);
void canned_create(struct scp_req *r);
void canned_delete(struct scp_req *r);
extern const struct scp_stmt msg_canned_stmts[];

/* notifications.c: the caller's notifications and its preferences */
void notif_list(struct scp_req *r);
void notif_read(struct scp_req *r);
void notif_read_all(struct scp_req *r);
void notif_prefs_get(struct scp_req *r);
void notif_prefs_set(struct scp_req *r);
extern const struct scp_stmt msg_notifications_stmts[];

/* push.c: web push subscriptions (Cliick's /notifications/subscribe, unsubscribe) */
void push_subscribe(struct scp_req *r);
void push_unsubscribe(struct scp_req *r);
void push_vapid_key(struct scp_req *r);
extern const struct scp_stmt msg_push_stmts[];

#endif
