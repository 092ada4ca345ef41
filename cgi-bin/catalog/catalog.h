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

/* Largest uploaded image (DESIGN §7: size limits in nginx and in code). */
#define CAT_IMAGE_MAX (5 * 1024 * 1024)
/* Uploaded images live in media_dir/CAT_IMAGE_DIR, served as /media/CAT_IMAGE_DIR/… */
#define CAT_IMAGE_DIR "images"

/*
 * A product list reads the stored view (api_view) and the sort keys only; the rows of
 * one page are then ordered by ?sort_by= K (a text parameter), descending when D.  One
 * CASE per key and direction keeps it a single prepared statement; the id breaks ties
 * so pages never overlap.  (products.c and browse.c)
 */
#define CAT_PRODUCT_COLUMNS \
	" p.api_view AS j, p.id, lower(p.name) AS name_k, p.price_minor, p.stock_level," \
	" p.created_at, p.updated_at"
#define CAT_PRODUCT_ORDER(K, D) \
	" CASE WHEN " K " = 'name' AND NOT " D " THEN name_k END," \
	" CASE WHEN " K " = 'name' AND " D " THEN name_k END DESC," \
	" CASE WHEN " K " = 'price' AND NOT " D " THEN price_minor END," \
	" CASE WHEN " K " = 'price' AND " D " THEN price_minor END DESC," \
	" CASE WHEN " K " = 'stock_level' AND NOT " D " THEN stock_level END," \
	" CASE WHEN " K " = 'stock_level' AND " D " THEN stock_level END DESC," \
	" CASE WHEN " K " = 'created_at' AND NOT " D " THEN created_at END," \
	" CASE WHEN " K " = 'created_at' AND " D " THEN created_at END DESC," \
	" CASE WHEN " K " = 'updated_at' AND NOT " D " THEN updated_at END," \
	" CASE WHEN " K " = 'updated_at' AND " D " THEN updated_at END DESC," \
	" id"

/* Filters every product list shares: search, category, price range, in stock. */
#define CAT_PRODUCT_FILTERS(Q, CAT, MIN, MAX, INSTOCK) \
	" AND (" Q "::text IS NULL OR p.name ILIKE scp_like(" Q ") OR p.sku ILIKE scp_like(" Q ")" \
	"      OR p.description ILIKE scp_like(" Q "))" \
	" AND (" CAT "::text IS NULL OR lower(p.category) = lower(" CAT "))" \
	" AND (" MIN "::bigint IS NULL OR p.price_minor >= " MIN ")" \
	" AND (" MAX "::bigint IS NULL OR p.price_minor <= " MAX ")" \
	" AND (" INSTOCK "::boolean IS NULL OR (p.stock_level > 0) = " INSTOCK ")"

/* The rows of page P of size S of f, ordered as ORDER, as a JSON array (or NULL). */
#define CAT_PAGE_JSON(ORDER, P, S) \
	"(SELECT json_agg(j ORDER BY rn) FROM" \
	" (SELECT j, row_number() OVER (ORDER BY" ORDER ") AS rn FROM f" \
	"   ORDER BY" ORDER " LIMIT " S "::int OFFSET (" P "::int - 1) * " S "::int) x)"

/*
 * The list answer of page P of size S from the results R (a JSON array) and the total
 * N, both SQL expressions, usually subqueries.  They are computed in a subquery that
 * OFFSET 0 keeps from being flattened, so that scp_page_json receives plain columns
 * and is inlined: given subqueries, PostgreSQL would parse and plan its body on every
 * call, a third of the time of a catalog page.
 */
#define CAT_PAGE_OF(R, N, P, S) \
	" scp_page_json(pg.r, pg.n, " P "::int, " S "::int)" \
	" FROM (SELECT " R " AS r, " N " AS n OFFSET 0) pg"

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
/*
 * ?sort_by= (one of keys, default def; a leading '-' means descending) and ?sort_order=
 * / ?order= (asc | desc).  Answers 400 on an unknown key.
 */
bool cat_query_sort(struct scp_req *r, const char *const *keys, const char *def,
		    bool def_desc, const char **key, const char **desc);
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
