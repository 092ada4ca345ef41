/*
 * The catalog family: supplier profiles and discovery, products, consumer links, the
 * consumers' catalog, image uploads.  Every handler validates in C, then runs one
 * prepared statement that does the work and builds the answer as JSON.
 */
#ifndef SCP_CATALOG_H
#define SCP_CATALOG_H

#include <json-c/json.h>
#include <stdbool.h>

#include "scp_http.h"

/* Largest uploaded image (DESIGN §7: size limits in nginx and in code). */
#define CAT_IMAGE_MAX (5 * 1024 * 1024)
/* Uploaded images live in media_dir/CAT_IMAGE_DIR, served as /media/CAT_IMAGE_DIR/… */
#define CAT_IMAGE_DIR "images"

/* suppliers.c */
void cat_suppliers_list(struct scp_req *r);
void cat_supplier_get(struct scp_req *r);
void cat_profile_get(struct scp_req *r);
void cat_profile_update(struct scp_req *r);

/* products.c */
void cat_products_list(struct scp_req *r);
void cat_product_create(struct scp_req *r);
void cat_product_get(struct scp_req *r);
void cat_product_update(struct scp_req *r);
void cat_product_delete(struct scp_req *r);
void cat_products_bulk_update(struct scp_req *r);
/* GET /products (seed 003): the catalog for a consumer, the supplier's list for staff. */
void cat_products_any(struct scp_req *r);

/* browse.c: the catalog of linked suppliers, for consumers */
void cat_catalog_supplier(struct scp_req *r);
void cat_catalog(struct scp_req *r);
void cat_catalog_product(struct scp_req *r);

/* links.c */
void cat_link_request(struct scp_req *r);
void cat_link_request_body(struct scp_req *r);
void cat_links_consumer(struct scp_req *r);
void cat_links_supplier(struct scp_req *r);
void cat_links_any(struct scp_req *r);
void cat_link_get(struct scp_req *r);
void cat_link_approve(struct scp_req *r);
void cat_link_reject(struct scp_req *r);
void cat_link_block(struct scp_req *r);
void cat_link_unblock(struct scp_req *r);
void cat_link_set_status(struct scp_req *r);

/* uploads.c */
void cat_upload(struct scp_req *r);
/*
 * Is url an image this server stored through POST /uploads ("/media/images/<hex>.png",
 * or the same under public_url)?  Returns the relative form to store, or NULL.
 */
const char *cat_image_url(struct scp_req *r, const char *url);

/* util.c */
/* Path capture i as a UUID; otherwise answers 404 and returns NULL. */
const char *cat_id(struct scp_req *r, int i);
/* ?name= as text; NULL when absent or empty. */
const char *cat_query_text(struct scp_req *r, const char *name);
/*
 * ?name= as a boolean ("true"/"1"/"false"/"0") → "t"/"f" in *out, NULL when absent.
 * Answers 400 and returns false on any other value.
 */
bool cat_query_bool(struct scp_req *r, const char *name, const char **out);
/*
 * ?sort_by= (one of keys, default def; a leading '-' means descending) and ?sort_order=
 * / ?order= (asc | desc).  Answers 400 on an unknown key.
 */
bool cat_query_sort(struct scp_req *r, const char *const *keys, const char *def,
		    bool def_desc, const char **key, const char **desc);
/* ?name= as an amount in minor units (text for a parameter); NULL when absent. */
bool cat_query_money(struct scp_req *r, const char *name, const char **out);
/* ?search= (or ?q=), at most 200 characters; NULL when absent or empty. */
bool cat_query_search(struct scp_req *r, const char **out);
/* A JSON body that may be absent: *b is NULL then.  False when an answer was sent. */
bool cat_optional_json(struct scp_req *r, json_object **b);
/* The JSON text of o (a fresh object) in the arena; releases o. */
const char *cat_json_text(struct scp_req *r, json_object *o);
/* Is the field present in b, and is it JSON null?  0 absent, 1 null, 2 a value. */
int cat_field_state(json_object *b, const char *field, json_object **v);
/*
 * An optional string field copied into set: absent → nothing, null → null when
 * nullable (else an error), a string of min..max characters → itself.
 */
void cat_copy_str(struct scp_req *r, json_object *b, json_object *set, const char *field,
		  bool nullable, size_t min, size_t max);
/* A check of a string value: the value to store (possibly normalized), or NULL. */
typedef const char *(*cat_check)(struct scp_req *r, const char *s);
/* cat_copy_str, and then check must accept the value (else the error why). */
void cat_copy_checked(struct scp_req *r, json_object *b, json_object *set, const char *field,
		      bool nullable, size_t min, size_t max, cat_check check, const char *why);
/* An amount or percentage within [min, max] minor units, copied into set as `as`. */
bool cat_copy_money(struct scp_req *r, json_object *b, json_object *set, const char *field,
		    const char *as, int64_t min, int64_t max, const char *what);
/* An integer field within [min, max] copied into set. */
void cat_copy_int(struct scp_req *r, json_object *b, json_object *set, const char *field,
		  int64_t min, int64_t max);

#endif
