/*
 * The catalog family: supplier profiles and discovery, products, consumer links, the
 * consumers' catalog, image uploads.  Every handler validates in C, then runs one
 * prepared statement that does the work and builds the answer as JSON.
 */
#ifndef SCP_CATALOG_H
#define SCP_CATALOG_H

#include <json-c/json.h>
#include <stdbool.h>

#include "scp_db.h"
#include "scp_http.h"
#include "scp_page.h"

/* Largest uploaded image (DESIGN §7: size limits in nginx and in code). */
#define CAT_IMAGE_MAX (5 * 1024 * 1024)
/* Uploaded images live in media_dir/CAT_IMAGE_DIR, served as /media/CAT_IMAGE_DIR/… */
#define CAT_IMAGE_DIR "images"

/*
 * A product list (products.c, browse.c) filters products p down to their ids and sort
 * keys (CAT_PRODUCT_KEYS); the page's rows then answer their stored view (api_view).
 */
#define CAT_PRODUCT_KEYS \
	" p.id, lower(p.name) AS name_k, p.price_minor, p.stock_level, p.created_at," \
	" p.updated_at"
#define CAT_PRODUCT_FROM "p JOIN products x ON x.id = p.id"
#define CAT_PRODUCT_ROW "x.api_view"

/* Filters every product list shares: search, category, price range, in stock. */
#define CAT_PRODUCT_FILTERS(Q, CAT, MIN, MAX, INSTOCK) \
	" AND (" Q "::text IS NULL OR p.name ILIKE scp_like(" Q ") OR p.sku ILIKE scp_like(" Q ")" \
	"      OR p.description ILIKE scp_like(" Q "))" \
	" AND (" CAT "::text IS NULL OR lower(p.category) = lower(" CAT "))" \
	" AND (" MIN "::bigint IS NULL OR p.price_minor >= " MIN ")" \
	" AND (" MAX "::bigint IS NULL OR p.price_minor <= " MAX ")" \
	" AND (" INSTOCK "::boolean IS NULL OR (p.stock_level > 0) = " INSTOCK ")"

/*
 * The ?sort_by= keys of every product list (a sort table, see scp_page.h), each
 * ascending or, with '-', descending; cat_product_sorts holds their names.
 */
#define CAT_PRODUCT_SORTS(S, K, X) \
	S(K, X, "name", "name_k", "") S(K, X, "-name", "name_k", " DESC") \
	S(K, X, "price", "price_minor", "") S(K, X, "-price", "price_minor", " DESC") \
	S(K, X, "stock_level", "stock_level", "") \
	S(K, X, "-stock_level", "stock_level", " DESC") \
	S(K, X, "created_at", "created_at", "") S(K, X, "-created_at", "created_at", " DESC") \
	S(K, X, "updated_at", "updated_at", "") S(K, X, "-updated_at", "updated_at", " DESC")
/*
 * The ORDER BY of a product list sorted by the key in text parameter K: one CASE per
 * key keeps it one prepared statement; the id breaks ties, so pages never overlap.
 */
#define CAT_PRODUCT_ORDER_BY(K, X) SCP_ORDER_BY(CAT_PRODUCT_SORTS, K "::text", X) " " X "id"
extern const char *const cat_product_sorts[];

/*
 * Each resource file owns the statements its handlers run, in one table ending with
 * SCP_STMT_END; main.c lists the tables.
 */
extern const struct scp_stmt cat_suppliers_stmts[];
extern const struct scp_stmt cat_products_stmts[];
extern const struct scp_stmt cat_browse_stmts[];
extern const struct scp_stmt cat_links_stmts[];

/* suppliers.c */
void cat_suppliers_list(struct scp_req *r);
void cat_supplier_get(struct scp_req *r);
void cat_suppliers_linked(struct scp_req *r);
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
void cat_catalog_categories(struct scp_req *r);

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
void cat_link_withdraw(struct scp_req *r);

/* uploads.c */
void cat_upload(struct scp_req *r);
/*
 * Is url an image this server stored through POST /uploads ("/media/images/<hex>.png",
 * or the same under public_url)?  Returns the relative form to store, or NULL.
 */
const char *cat_image_url(struct scp_req *r, const char *url);

/* util.c */
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
