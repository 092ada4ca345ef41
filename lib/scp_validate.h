/*
 * scp_validate: field checks shared by every family (plain text checks: scp_text.h).
 *
 * The scp_field_* helpers read one field of a JSON body, check it, and on failure
 * record a validation error on the request (see scp_field_error); they return NULL /
 * false then, and the handler answers all errors at once with scp_fields_send().
 */
#ifndef SCP_VALIDATE_H
#define SCP_VALIDATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scp_text.h"

struct scp_req;

/*
 * A string field of min..max characters (after trimming nothing: what is sent is kept).
 * Absent: NULL, and an error only if required.  Not a string: an error.
 */
const char *scp_field_str(struct scp_req *r, json_object *body, const char *field,
			  bool required, size_t min, size_t max);
/* An integer field within [min, max]; absent → *out untouched, error if required. */
bool scp_field_int(struct scp_req *r, json_object *body, const char *field, bool required,
		   int64_t min, int64_t max, int64_t *out);
/* An email address field (3..254 characters, one '@', a dotted domain). */
const char *scp_field_email(struct scp_req *r, json_object *body, const char *field,
			    bool required);
/* A phone number field in E.164. */
const char *scp_field_phone(struct scp_req *r, json_object *body, const char *field,
			    bool required);
/* A new password field that meets the password policy (scp_password.h). */
const char *scp_field_password(struct scp_req *r, json_object *body, const char *field,
			       bool required);
/* A string field that must be one of the NULL-terminated choices. */
const char *scp_field_enum(struct scp_req *r, json_object *body, const char *field,
			   bool required, const char *const *choices);
/*
 * A tags field's value v: an array of at most max_n distinct strings of 1..max_len
 * characters (strict UTF-8, no NUL).  Returns a new array of them (the caller owns it),
 * or NULL with the errors recorded ("tags", or "tags[i]" for one element).
 */
json_object *scp_field_tags(struct scp_req *r, json_object *v, const char *field,
			    size_t max_n, size_t max_len);

#endif
