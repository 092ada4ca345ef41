/*
 * The outbox log (outbox_log): one JSON line per message, event or provider request
 * that a `log` transport delivers instead of sending it (development), {"time": …,
 * <fields>}.  scp-worker's transports and the request-time Stripe and PayPal calls
 * write the same lines through this one function.
 */
#ifndef SCP_OUTBOX_H
#define SCP_OUTBOX_H

#include <stdbool.h>

/*
 * Append {"time":"<UTC now>",<fields>} and a newline to outbox_log; fields is the
 * inside of a JSON object ("\"channel\":\"…\",…").  One write(2) of an O_APPEND
 * file, so lines of concurrent writers never interleave.  False if it cannot be
 * written.
 */
bool scp_outbox_append(const char *fields);

#endif
