/* scp-worker's job handlers: each returns NULL when done, or why it failed. */
#ifndef SCP_WORKER_H
#define SCP_WORKER_H

#include <stdbool.h>

#include "scp_jobs.h"

struct worker_result {
	const char *error;	/* NULL on success */
	bool permanent;		/* retrying cannot help (4xx from the provider) */
};

struct worker_result worker_whatsapp_otp(struct scp_job *job);

#endif
