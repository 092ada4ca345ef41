-- The sync engine (seed 004): Prokip accounts, sync state, sales sent to Prokip, the
-- inventory cache and sync errors (sql/070_sync.sql, sql/072_prokip.sql;
-- cgi-bin/sync/prokip.c and status.c, bin/worker_prokip.c and worker_sync.c).

-- A Prokip account as GET /connections/prokip shows it: never a token.
CREATE OR REPLACE FUNCTION scp_prokip_json(a prokip_accounts)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('connected', true, 'location_id', a.location_id,
                             'auth', a.auth_kind, 'username', a.username,
                             'status', a.status, 'last_error', a.last_error,
                             'token_expires_at', a.token_expires_at,
                             'refreshable', a.refresh_token IS NOT NULL,
                             'created_at', a.created_at, 'updated_at', a.updated_at)
$$;

CREATE OR REPLACE FUNCTION scp_sync_error_json(e sync_errors)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', e.id, 'connection_id', e.connection_id,
                             'platform', (SELECT platform FROM store_connections
                                           WHERE id = e.connection_id),
                             'kind', e.kind, 'ref', e.ref, 'cause', e.cause,
                             'attempts', e.attempts, 'next_attempt_at', e.next_attempt_at,
                             'resolved', e.resolved_at IS NOT NULL,
                             'resolved_at', e.resolved_at, 'resolved_by', e.resolved_by,
                             'created_at', e.created_at, 'updated_at', e.updated_at)
$$;

-- Save a supplier's Prokip account (PUT /connections/prokip), the tokens already sealed.
CREATE OR REPLACE FUNCTION scp_prokip_connect(p_supplier uuid, p_user uuid, p_location text,
                                              p_kind text, p_username text, p_access text,
                                              p_refresh text, p_expires_in int)
RETURNS json LANGUAGE sql AS $$
    INSERT INTO prokip_accounts AS a (supplier_id, location_id, auth_kind, username,
                                      access_token, refresh_token, token_expires_at,
                                      created_by)
    VALUES (p_supplier, p_location, p_kind, p_username, p_access, p_refresh,
            now() + make_interval(secs => p_expires_in), p_user)
    ON CONFLICT (supplier_id) DO UPDATE
       SET location_id = EXCLUDED.location_id, auth_kind = EXCLUDED.auth_kind,
           username = EXCLUDED.username, access_token = EXCLUDED.access_token,
           refresh_token = EXCLUDED.refresh_token,
           token_expires_at = EXCLUDED.token_expires_at, status = 'active',
           last_error = NULL, updated_at = now()
    RETURNING scp_prokip_json(a)
$$;

-- The owner of a Prokip business location's supplier (sql/098_prokip_sign_ins.sql),
-- made at the location's first sign-in: a supplier named as the location, its owner
-- with a username of its own and no password (it signs in through Prokip only).  The
-- location's lock makes two first sign-ins at once make one.  A deactivated or banned
-- owner is refused (403), as a password sign-in is.
CREATE OR REPLACE FUNCTION scp_prokip_location_owner(p_location text, p_name text)
RETURNS TABLE (user_id uuid, role text, supplier_id uuid) LANGUAGE plpgsql AS $$
DECLARE
    u users;
    sup uuid;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('prokip_location:' || p_location, 0));
    SELECT x.* INTO u FROM prokip_sign_ins s JOIN users x ON x.id = s.user_id
     WHERE s.location_id = p_location;
    IF NOT FOUND THEN
        INSERT INTO suppliers (name)
            VALUES (coalesce(nullif(left(btrim(p_name), 200), ''), 'Prokip ' || p_location))
            RETURNING id INTO sup;
        INSERT INTO users (role, first_name, supplier_id, username)
            VALUES ('owner', coalesce(nullif(left(btrim(p_name), 100), ''), 'Prokip'), sup,
                    'prokip-' || replace(gen_random_uuid()::text, '-', ''))
            RETURNING * INTO u;
        INSERT INTO prokip_sign_ins (location_id, user_id) VALUES (p_location, u.id);
    ELSIF u.status <> 'active' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403', MESSAGE = 'this account is ' || u.status;
    ELSE
        UPDATE prokip_sign_ins SET last_sign_in_at = now() WHERE location_id = p_location;
    END IF;
    RETURN QUERY SELECT u.id, u.role, u.supplier_id;
END $$;

-- The rest of a location's sign-in, in one transaction: its Prokip account saved with
-- the tokens (sealed to the supplier scp_prokip_location_owner answered) and the
-- owner's session opened; neither without the other.
CREATE OR REPLACE FUNCTION scp_prokip_sign_in(p_supplier uuid, p_user uuid, p_location text,
                                              p_username text, p_access text, p_refresh text,
                                              p_expires_in int, p_refresh_hash text)
RETURNS TABLE (session_id uuid, user_json json) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scp_prokip_connect(p_supplier, p_user, p_location, 'password', p_username,
                               p_access, p_refresh, p_expires_in);
    RETURN QUERY SELECT l.session_id, l.user_json FROM scp_login(p_user, p_refresh_hash) l;
END $$;

-- scp-worker refreshed the tokens (both sealed; p_refresh NULL keeps the old one).
CREATE OR REPLACE FUNCTION scp_prokip_tokens(p_supplier uuid, p_access text, p_refresh text,
                                             p_expires_in int)
RETURNS void LANGUAGE sql AS $$
    UPDATE prokip_accounts
       SET access_token = p_access, refresh_token = coalesce(p_refresh, refresh_token),
           token_expires_at = now() + make_interval(secs => p_expires_in),
           status = 'active', last_error = NULL, updated_at = now()
     WHERE supplier_id = p_supplier
$$;

-- Prokip refused the account's credentials (or answered nothing usable).
CREATE OR REPLACE FUNCTION scp_prokip_failed(p_supplier uuid, p_cause text)
RETURNS void LANGUAGE sql AS $$
    UPDATE prokip_accounts SET status = 'error', last_error = left(p_cause, 500),
                               updated_at = now()
     WHERE supplier_id = p_supplier
$$;

-- Keep a failure: one open error per supplier, connection, kind and subject, whose
-- attempts count up and whose next attempt is p_retry_in seconds away.  A store's
-- failure is also its connection's last error.
CREATE OR REPLACE FUNCTION scp_sync_error_note(p_supplier uuid, p_conn uuid, p_kind text,
                                               p_ref text, p_cause text, p_retry_in int)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    eid uuid;
BEGIN
    INSERT INTO sync_errors AS e (supplier_id, connection_id, kind, ref, cause,
                                  next_attempt_at)
    VALUES (p_supplier, p_conn, p_kind, p_ref, left(p_cause, 1000),
            now() + make_interval(secs => coalesce(p_retry_in, 0)))
    ON CONFLICT (supplier_id, (coalesce(connection_id::text, '')), kind, (coalesce(ref, '')))
       WHERE resolved_at IS NULL
    DO UPDATE SET attempts = e.attempts + 1, cause = EXCLUDED.cause,
                  next_attempt_at = EXCLUDED.next_attempt_at, updated_at = now()
    RETURNING id INTO eid;
    IF p_conn IS NOT NULL THEN
        UPDATE store_connections SET last_error = left(p_cause, 500), updated_at = now()
         WHERE id = p_conn;
    END IF;
    RETURN eid;
END $$;

-- What failed works again: its open errors are resolved (by nobody: by the retry).
-- p_ref NULL: every subject of that kind.
-- PL/pgSQL: scp-worker calls it after every sale it sends, and a SQL function that writes
-- is never inlined, so its body was parsed and planned on each call.
CREATE OR REPLACE FUNCTION scp_sync_error_clear(p_supplier uuid, p_conn uuid, p_kind text,
                                                p_ref text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    WITH u AS (
        UPDATE sync_errors SET resolved_at = now(), next_attempt_at = NULL, updated_at = now()
         WHERE supplier_id = p_supplier AND resolved_at IS NULL AND kind = p_kind
           AND connection_id IS NOT DISTINCT FROM p_conn
           AND (p_ref IS NULL OR ref = p_ref)
        RETURNING 1)
    SELECT count(*)::int INTO n FROM u;
    RETURN n;
END $$;

-- PATCH /sync/errors/:id/resolve: another supplier's error is not found; a resolved one
-- cannot be resolved again (409).
CREATE OR REPLACE FUNCTION scp_sync_error_resolve(p_id uuid, p_supplier uuid, p_user uuid)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    e sync_errors;
BEGIN
    SELECT * INTO e FROM sync_errors WHERE id = p_id AND supplier_id = p_supplier FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'sync error not found';
    END IF;
    IF e.resolved_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409', MESSAGE = 'the sync error is already resolved';
    END IF;
    UPDATE sync_errors SET resolved_at = now(), resolved_by = p_user, next_attempt_at = NULL,
                           updated_at = now()
     WHERE id = p_id RETURNING * INTO e;
    RETURN scp_sync_error_json(e);
END $$;

-- GET /sync/status: the supplier's stores (seed 004's list, under "stores"), whether its
-- sync is paused, its Prokip account and its last pass.
CREATE OR REPLACE FUNCTION scp_sync_status(p_supplier uuid)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'paused', coalesce(st.paused, false),
        'prokip', coalesce((SELECT scp_prokip_json(a) FROM prokip_accounts a
                             WHERE a.supplier_id = p_supplier),
                           json_build_object('connected', false)),
        'last_pass', json_build_object('at', st.last_pass_at, 'duration_ms', st.last_pass_ms,
                                       'skus', st.last_pass_skus,
                                       'pushed', st.last_pass_pushed),
        'last_pull_at', st.last_pull_at,
        'open_errors', (SELECT count(*) FROM sync_errors e
                         WHERE e.supplier_id = p_supplier AND e.resolved_at IS NULL),
        'stores', coalesce((
            SELECT json_agg(json_build_object(
                       'id', c.id, 'platform', c.platform, 'store_url', c.store_url,
                       'status', c.status, 'sync_enabled', c.sync_enabled,
                       'last_sync', c.last_sync_at, 'last_error', c.last_error,
                       'product_count', (SELECT count(*) FROM inventory_cache i
                                          WHERE i.connection_id = c.id
                                            AND NOT i.external_ref ? 'missing'),
                       'order_count', (SELECT count(*) FROM sales_log l
                                        WHERE l.connection_id = c.id),
                       'orders_sent', (SELECT count(*) FROM sales_log l
                                        WHERE l.connection_id = c.id
                                          AND l.status IN ('sent', 'returned')),
                       'open_errors', (SELECT count(*) FROM sync_errors e
                                        WHERE e.connection_id = c.id
                                          AND e.resolved_at IS NULL),
                       'created_at', c.created_at)
                   ORDER BY c.created_at, c.id)
              FROM store_connections c
             WHERE c.supplier_id = p_supplier AND c.status <> 'disconnected'), '[]'))
      FROM (SELECT 1) one
      LEFT JOIN sync_state st ON st.supplier_id = p_supplier
$$;

-- POST /sync/pause, /sync/resume.
CREATE OR REPLACE FUNCTION scp_sync_pause(p_supplier uuid, p_paused boolean)
RETURNS json LANGUAGE sql AS $$
    WITH u AS (
        INSERT INTO sync_state AS s (supplier_id, paused) VALUES (p_supplier, p_paused)
        ON CONFLICT (supplier_id) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
        RETURNING s.paused)
    SELECT json_build_object('paused', u.paused) FROM u
$$;

-- Queue a job of p_kind (sync_pass, sync_pull_orders) for the supplier, unless one is
-- already waiting: that one is the answer.  A pass needs a Prokip account (409).
CREATE OR REPLACE FUNCTION scp_sync_request(p_supplier uuid, p_kind text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    jid uuid;
    fresh boolean := false;
BEGIN
    IF p_kind = 'sync_pass'
       AND NOT EXISTS (SELECT 1 FROM prokip_accounts WHERE supplier_id = p_supplier) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = 'no Prokip account: connect one with PUT /connections/prokip';
    END IF;
    -- two requests at once queue one job
    PERFORM pg_advisory_xact_lock(hashtext(p_kind || ':' || p_supplier::text));
    SELECT id INTO jid FROM jobs
     WHERE kind = p_kind AND status = 'queued' AND payload->>'supplier_id' = p_supplier::text
     LIMIT 1;
    IF jid IS NULL THEN
        jid := scp_job_enqueue(p_kind, jsonb_build_object('supplier_id', p_supplier));
        fresh := true;
        PERFORM pg_notify('scp_jobs', p_kind);
    END IF;
    RETURN json_build_object('queued', true, 'job_id', jid, 'kind', p_kind, 'new', fresh,
                             'message', CASE p_kind WHEN 'sync_pass'
                                             THEN 'Sync initiated for all stores'
                                             ELSE 'Order pull initiated for all stores' END);
END $$;

-- scp-worker, every loop: queue a pass for each supplier whose last one is p_interval
-- seconds old, that has a Prokip account and is not paused.  Returns how many.
CREATE OR REPLACE FUNCTION scp_sync_schedule(p_interval int)
RETURNS int LANGUAGE sql AS $$
    WITH due AS (
        SELECT a.supplier_id FROM prokip_accounts a
          LEFT JOIN sync_state s ON s.supplier_id = a.supplier_id
         WHERE NOT coalesce(s.paused, false)
           AND (s.last_pass_at IS NULL
                OR s.last_pass_at < now() - make_interval(secs => p_interval))
           AND NOT EXISTS (SELECT 1 FROM jobs j
                            WHERE j.kind = 'sync_pass' AND j.status IN ('queued', 'running')
                              AND j.payload->>'supplier_id' = a.supplier_id::text)),
    q AS (SELECT scp_job_enqueue('sync_pass', jsonb_build_object('supplier_id', supplier_id))
            FROM due)
    SELECT count(*)::int FROM q
$$;

-- Pulled orders are recorded by scp_store_record_sale (92_stores.sql), the same row and
-- job as a webhook's sale; this was its copy.
DROP FUNCTION IF EXISTS scp_sync_record_sale(uuid, text, text, bigint, jsonb);

-- A sale's invoice number in Prokip: SHOPIFY-<order id>, WOO-<order id>.
CREATE OR REPLACE FUNCTION scp_prokip_invoice(p_platform text, p_order text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_platform WHEN 'woocommerce' THEN 'WOO' ELSE upper(p_platform) END
           || '-' || p_order
$$;

-- The sell Prokip's POST /connector/api/sell takes for a sale (docs/decisions.md): the
-- invoice number is the platform and the store's order id, so that a retry names the
-- same sale; lines by SKU, with Prokip's product and variation ids when its stock report
-- named them.  Amounts in the currency's major unit (scp_store_major).  Both bodies are
-- PL/pgSQL so that scp-worker's session plans them once (a SQL function with a FROM is
-- parsed and planned on every call).
CREATE OR REPLACE FUNCTION scp_prokip_sell_body(p_sale uuid, p_location text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT jsonb_build_object('sells', jsonb_build_array(jsonb_build_object(
               'location_id', CASE WHEN p_location ~ '^[0-9]{1,9}$' THEN to_jsonb(p_location::int)
                                   ELSE to_jsonb(p_location) END,
               'contact_id', 1,
               'transaction_date', to_char(s.created_at, 'YYYY-MM-DD HH24:MI:SS'),
               'invoice_no', scp_prokip_invoice(c.platform, s.store_order_id),
               'status', 'final', 'type', 'sell', 'payment_status', 'paid',
               'is_direct_sale', 1,
               'final_total', scp_store_major(coalesce(s.total, 0), s.currency),
               'discount_amount', 0, 'discount_type', 'fixed',
               'sale_note', c.platform || ' order ' || s.store_order_id || ' (' || c.store_url || ')',
               'products', coalesce((
                   SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                              'sku', l->>'sku',
                              'product_id', CASE WHEN ps.product_id ~ '^[0-9]{1,18}$'
                                                 THEN to_jsonb(ps.product_id::bigint) END,
                              'variation_id', CASE WHEN ps.variation_id ~ '^[0-9]{1,18}$'
                                                   THEN to_jsonb(ps.variation_id::bigint) END,
                              'quantity', (l->>'quantity')::numeric,
                              'unit_price', scp_store_major((l->>'unit_price')::bigint, s.currency),
                              'unit_price_inc_tax', scp_store_major((l->>'unit_price')::bigint, s.currency)))
                          ORDER BY ord)
                     FROM jsonb_array_elements(s.lines) WITH ORDINALITY AS x(l, ord)
                     LEFT JOIN prokip_stock ps ON ps.supplier_id = c.supplier_id
                                              AND ps.sku = l->>'sku'), '[]'),
               'payments', jsonb_build_array(jsonb_build_object(
                   'method', 'other', 'amount', scp_store_major(coalesce(s.total, 0), s.currency),
                   'paid_on', to_char(s.created_at, 'YYYY-MM-DD HH24:MI:SS'),
                   'note', 'paid on ' || c.platform))
           )))
      FROM sales_log s JOIN store_connections c ON c.id = s.connection_id
     WHERE s.id = p_sale);
END $$;

-- The sell return of a sale Prokip has (POST /connector/api/sell-return).
CREATE OR REPLACE FUNCTION scp_prokip_return_body(p_sale uuid)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT jsonb_build_object(
               'transaction_id', CASE WHEN s.prokip_sell_id ~ '^[0-9]{1,18}$'
                                      THEN to_jsonb(s.prokip_sell_id::bigint)
                                      ELSE to_jsonb(s.prokip_sell_id) END,
               'transaction_date', to_char(now(), 'YYYY-MM-DD HH24:MI:SS'),
               'invoice_no', scp_prokip_invoice(c.platform, s.store_order_id) || '-R',
               'discount_amount', 0, 'discount_type', 'fixed',
               'products', coalesce((
                   SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                              'sku', l->>'sku',
                              'product_id', CASE WHEN ps.product_id ~ '^[0-9]{1,18}$'
                                                 THEN to_jsonb(ps.product_id::bigint) END,
                              'variation_id', CASE WHEN ps.variation_id ~ '^[0-9]{1,18}$'
                                                   THEN to_jsonb(ps.variation_id::bigint) END,
                              'quantity', (l->>'quantity')::numeric,
                              'unit_price_inc_tax', scp_store_major((l->>'unit_price')::bigint, s.currency)))
                          ORDER BY ord)
                     FROM jsonb_array_elements(s.lines) WITH ORDINALITY AS x(l, ord)
                     LEFT JOIN prokip_stock ps ON ps.supplier_id = c.supplier_id
                                              AND ps.sku = l->>'sku'), '[]'))
      FROM sales_log s JOIN store_connections c ON c.id = s.connection_id
     WHERE s.id = p_sale);
END $$;

-- A sync pass read Prokip's report (p_report: [{sku, quantity, product_id, variation_id,
-- name, unit_price}]):
-- keep it, and answer every (store, SKU) whose cached level differs from it, for the
-- supplier's enabled stores that are connected.
CREATE OR REPLACE FUNCTION scp_sync_diff(p_supplier uuid, p_report jsonb)
RETURNS TABLE (connection_id uuid, platform text, sku text, quantity int, external_ref jsonb)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    -- scp_sync_report, not scp_report: the table's shape changed (name, unit_price), and
    -- a session of a worker started before may hold one of the old shape.
    CREATE TEMP TABLE IF NOT EXISTS scp_sync_report (sku text PRIMARY KEY, quantity int,
                                                product_id text, variation_id text,
                                                name text, unit_price numeric(20, 4))
        ON COMMIT DELETE ROWS;
    DELETE FROM scp_sync_report;
    -- A name or a price that is not one is left out, not the SKU: its level still syncs.
    INSERT INTO scp_sync_report
    SELECT DISTINCT ON (r.sku) r.sku, r.quantity, r.product_id, r.variation_id,
           nullif(left(r.name, 300), ''),
           CASE WHEN r.unit_price ~ '^[0-9]{1,16}(\.[0-9]{1,4})?$'
                THEN r.unit_price::numeric(20, 4) END
      FROM jsonb_to_recordset(p_report) AS r(sku text, quantity int, product_id text,
                                            variation_id text, name text, unit_price text)
     WHERE r.sku IS NOT NULL AND length(r.sku) BETWEEN 1 AND 200 AND r.quantity IS NOT NULL;
    INSERT INTO prokip_stock AS ps (supplier_id, sku, quantity, product_id, variation_id,
                                    name, unit_price)
    SELECT p_supplier, r.sku, r.quantity, r.product_id, r.variation_id, r.name, r.unit_price
      FROM scp_sync_report r
    ON CONFLICT (supplier_id, sku) DO UPDATE
       SET quantity = EXCLUDED.quantity, product_id = EXCLUDED.product_id,
           variation_id = EXCLUDED.variation_id, name = EXCLUDED.name,
           unit_price = EXCLUDED.unit_price, updated_at = now()
     WHERE (ps.quantity, ps.product_id, ps.variation_id, ps.name, ps.unit_price)
           IS DISTINCT FROM (EXCLUDED.quantity, EXCLUDED.product_id, EXCLUDED.variation_id,
                             EXCLUDED.name, EXCLUDED.unit_price);
    RETURN QUERY
    SELECT c.id, c.platform, r.sku, r.quantity, coalesce(ic.external_ref, '{}'::jsonb)
      FROM store_connections c
     CROSS JOIN scp_sync_report r
      LEFT JOIN inventory_cache ic ON ic.connection_id = c.id AND ic.sku = r.sku
     WHERE c.supplier_id = p_supplier AND c.sync_enabled AND c.status IN ('active', 'error')
       AND ic.quantity IS DISTINCT FROM r.quantity
     ORDER BY c.id, r.sku;
END $$;

-- What a pass pushed to a store (or found the store does not sell): p_rows
-- [{sku, quantity, external_ref}].
CREATE OR REPLACE FUNCTION scp_sync_cache_put(p_conn uuid, p_rows jsonb)
RETURNS int LANGUAGE sql AS $$
    WITH u AS (
        INSERT INTO inventory_cache AS ic (connection_id, sku, quantity, external_ref)
        SELECT p_conn, r.sku, r.quantity, coalesce(r.external_ref, '{}')
          FROM jsonb_to_recordset(p_rows) AS r(sku text, quantity int, external_ref jsonb)
        ON CONFLICT (connection_id, sku) DO UPDATE
           SET quantity = EXCLUDED.quantity, external_ref = EXCLUDED.external_ref,
               updated_at = now()
        RETURNING 1)
    SELECT count(*)::int FROM u
$$;

-- A store took everything a pass had for it: its failures are over.
CREATE OR REPLACE FUNCTION scp_sync_store_ok(p_conn uuid)
RETURNS void LANGUAGE sql AS $$
    SELECT scp_sync_error_clear(c.supplier_id, c.id, 'store_push', NULL)
      FROM store_connections c WHERE c.id = p_conn;
    UPDATE store_connections
       SET last_sync_at = now(), last_error = NULL,
           status = CASE WHEN status = 'error' THEN 'active' ELSE status END,
           updated_at = now()
     WHERE id = p_conn
$$;

-- A store failed during a pass: an error, retried by the next pass.
CREATE OR REPLACE FUNCTION scp_sync_store_failed(p_conn uuid, p_cause text, p_retry_in int)
RETURNS uuid LANGUAGE sql AS $$
    UPDATE store_connections SET status = 'error', updated_at = now()
     WHERE id = p_conn AND status = 'active';
    SELECT scp_sync_error_note(c.supplier_id, c.id, 'store_push', NULL, p_cause, p_retry_in)
      FROM store_connections c WHERE c.id = p_conn
$$;

CREATE OR REPLACE FUNCTION scp_sync_pass_done(p_supplier uuid, p_ms int, p_skus int,
                                              p_pushed int)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO sync_state AS s (supplier_id, last_pass_at, last_pass_ms, last_pass_skus,
                                 last_pass_pushed)
    VALUES (p_supplier, now(), p_ms, p_skus, p_pushed)
    ON CONFLICT (supplier_id) DO UPDATE
       SET last_pass_at = now(), last_pass_ms = p_ms, last_pass_skus = p_skus,
           last_pass_pushed = p_pushed, updated_at = now()
$$;

-- POST /sync/pull-orders, as scp-worker read it: the store's answer (Shopify's
-- {"orders": […]}, WooCommerce's […]) recorded as sales, each once, only the paid ones
-- (Shopify: financial_status paid and not cancelled; WooCommerce: processing or
-- completed).  Returns how many were new.
CREATE OR REPLACE FUNCTION scp_sync_record_orders(p_conn uuid, p_platform text, p_body jsonb)
RETURNS int LANGUAGE sql AS $$
    WITH o AS (
        SELECT x AS o
          FROM jsonb_array_elements(
                   CASE WHEN p_platform = 'shopify' THEN
                            CASE WHEN jsonb_typeof(p_body->'orders') = 'array'
                                 THEN p_body->'orders' ELSE '[]' END
                        WHEN jsonb_typeof(p_body) = 'array' THEN p_body
                        ELSE '[]' END) x
         WHERE jsonb_typeof(x) = 'object'),
    paid AS (
        SELECT o->>'id' AS order_id, left(o->>'currency', 3) AS currency,
               scp_store_minor(coalesce(o->>'total_price', o->>'total'), o->>'currency')
                   AS total,
               coalesce(scp_store_lines(o->'line_items', o->>'currency'), '[]') AS lines
          FROM o
         WHERE o->>'id' ~ '^[0-9A-Za-z_-]{1,100}$'
           AND CASE p_platform
                   WHEN 'shopify' THEN o->>'financial_status' = 'paid'
                                       AND coalesce(jsonb_typeof(o->'cancelled_at'), 'null') = 'null'
                   ELSE o->>'status' IN ('processing', 'completed') END)
    SELECT count(scp_store_record_sale(p_conn, order_id, currency, total, lines))::int FROM paid
$$;

-- ---- the dashboard's store pages (cgi-bin/sync/stores.c) ------------------------------

-- The store a page is about: p_conn, or without one the supplier's first connected store
-- (the dashboard's figures page names none).  Another supplier's, a disconnected one, or
-- none at all: not found.
CREATE OR REPLACE FUNCTION scp_store_pick(p_supplier uuid, p_conn uuid)
RETURNS uuid LANGUAGE plpgsql STABLE AS $$
DECLARE
    id uuid;
BEGIN
    SELECT c.id INTO id FROM store_connections c
     WHERE c.supplier_id = p_supplier AND c.status <> 'disconnected'
       AND (p_conn IS NULL OR c.id = p_conn)
     ORDER BY c.created_at, c.id LIMIT 1;
    IF id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = CASE WHEN p_conn IS NULL
            THEN 'no store is connected' ELSE 'store connection not found' END;
    END IF;
    RETURN id;
END $$;

-- A SKU as a store's products page shows it: Prokip's product (its name, unit price and
-- level, which the sync keeps in the store) and what the store holds of it, from the
-- inventory cache: in_store unless the store does not sell the SKU, synced when the level
-- last set in the store is Prokip's.
CREATE OR REPLACE FUNCTION scp_store_product_json(ps prokip_stock, ic inventory_cache)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'sku', ps.sku, 'name', ps.name, 'price', trim_scale(ps.unit_price),
        'stock_quantity', ps.quantity,
        'in_store', ic.sku IS NOT NULL AND NOT ic.external_ref ? 'missing',
        'store_quantity', CASE WHEN NOT ic.external_ref ? 'missing' THEN ic.quantity END,
        'synced', coalesce(NOT ic.external_ref ? 'missing' AND ic.quantity = ps.quantity, false),
        'prokip_product_id', ps.product_id, 'prokip_variation_id', ps.variation_id,
        'updated_at', greatest(ps.updated_at, ic.updated_at))
$$;

-- A sale's lines as the pages show them, in their order: [{sku, name, quantity,
-- unit_price}], the price in the currency's units.
CREATE OR REPLACE FUNCTION scp_store_lines_json(p_lines jsonb, p_currency text)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'sku', i->>'sku', 'name', i->>'name', 'quantity', (i->>'quantity')::int,
               'unit_price', scp_store_major((i->>'unit_price')::bigint, p_currency))
           ORDER BY n), '[]')
      FROM jsonb_array_elements(p_lines) WITH ORDINALITY x(i, n)
$$;

-- A store order as SCP recorded it (the sales log): paid once, sent to Prokip, returned.
CREATE OR REPLACE FUNCTION scp_store_order_json(l sales_log)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', l.id, 'order_id', l.store_order_id, 'status', l.status,
        'currency', l.currency, 'total', scp_store_major(l.total, l.currency),
        'items', scp_store_lines_json(l.lines, l.currency),
        'prokip_sell_id', l.prokip_sell_id, 'sent_at', l.sent_at,
        'created_at', l.created_at, 'date', l.created_at)
$$;

-- Seed 004's dashboard's Prokip pages (GET /prokip/products and /prokip/sales,
-- cgi-bin/sync/stores.c), answered from what SCP holds of the supplier's Prokip
-- location, as the store pages are.  The location of the supplier's Prokip account;
-- 404 without one.
CREATE OR REPLACE FUNCTION scp_prokip_location_of(p_supplier uuid)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    loc text;
BEGIN
    SELECT a.location_id INTO loc FROM prokip_accounts a WHERE a.supplier_id = p_supplier;
    IF loc IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'no Prokip account is connected';
    END IF;
    RETURN loc;
END $$;

-- A product of the location as the last pass read Prokip's stock report: its name, unit
-- price and level, the price and level also under the names Prokip's product list gives
-- them (sell_price_inc_tax, qty_available), which the dashboard reads.
CREATE OR REPLACE FUNCTION scp_prokip_product_json(ps prokip_stock)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('sku', ps.sku, 'name', ps.name,
        'price', trim_scale(ps.unit_price), 'quantity', ps.quantity,
        'sell_price_inc_tax', trim_scale(ps.unit_price), 'qty_available', ps.quantity,
        'product_id', ps.product_id, 'variation_id', ps.variation_id,
        'updated_at', ps.updated_at)
$$;

-- A sale SCP recorded from a store and sends to Prokip, as Prokip's sells are named: the
-- invoice number it is sent with (scp_prokip_invoice), the store's platform as added_by,
-- the total as final_total, the lines as sell_lines; status is SCP's (pending, sent,
-- failed, returned).
CREATE OR REPLACE FUNCTION scp_prokip_sale_json(l sales_log, c store_connections)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', l.id,
        'invoice_no', scp_prokip_invoice(c.platform, l.store_order_id),
        'order_id', l.store_order_id, 'connection_id', c.id, 'platform', c.platform,
        'added_by', CASE c.platform WHEN 'woocommerce' THEN 'WooCommerce' ELSE 'Shopify' END,
        'status', l.status, 'currency', l.currency,
        'final_total', scp_store_major(l.total, l.currency),
        'sell_lines', scp_store_lines_json(l.lines, l.currency),
        'prokip_sell_id', l.prokip_sell_id, 'sent_at', l.sent_at,
        'transaction_date', l.created_at, 'created_at', l.created_at)
$$;

-- GET /stores/analytics: a store's figures.  store_url is the store's web address (a
-- Shopify connection keeps its shop's domain: https:// is added), as the dashboard
-- opens it as a URL.
CREATE OR REPLACE FUNCTION scp_store_analytics(p_supplier uuid, p_conn uuid)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'connection_id', c.id, 'platform', c.platform,
        'store_url', CASE WHEN c.platform = 'shopify' THEN 'https://' || c.store_url
                          ELSE c.store_url END,
        'status', c.status, 'sync_enabled', c.sync_enabled,
        'synced_products', (SELECT count(*) FROM inventory_cache i
                             WHERE i.connection_id = c.id AND NOT i.external_ref ? 'missing'),
        'products', (SELECT count(*) FROM prokip_stock ps WHERE ps.supplier_id = c.supplier_id),
        'orders_processed', (SELECT count(*) FROM sales_log l WHERE l.connection_id = c.id),
        'orders_sent', (SELECT count(*) FROM sales_log l
                         WHERE l.connection_id = c.id AND l.status IN ('sent', 'returned')),
        'open_errors', (SELECT count(*) FROM sync_errors e
                         WHERE e.connection_id = c.id AND e.resolved_at IS NULL),
        'last_sync', c.last_sync_at)
      FROM store_connections c WHERE c.id = scp_store_pick(p_supplier, p_conn)
$$;

-- POST /sync/inventory and /sync/pull-sales (seed 004's dashboard, from one store's
-- page): a pass or a pull, which cover every store of the supplier, once the store named
-- is found to be the supplier's.
CREATE OR REPLACE FUNCTION scp_sync_request_store(p_supplier uuid, p_conn uuid, p_kind text)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    IF p_conn IS NOT NULL THEN
        PERFORM scp_store_pick(p_supplier, p_conn);
    END IF;
    RETURN (scp_sync_request(p_supplier, p_kind)::jsonb
            || jsonb_build_object('success', true, 'connection_id', p_conn,
                                  'message', CASE p_kind WHEN 'sync_pass'
                                                 THEN 'Inventory sync initiated'
                                                 ELSE 'Sales pull initiated' END))::json;
END $$;
