-- Store connections and their webhooks (cgi-bin/sync, cgi-bin/hooks/{shopify,woocommerce}.c;
-- DESIGN §5 and §7; seed 004).  Secrets arrive here already sealed by scp_secret: SQL
-- never sees a token or a key in clear.

-- A connection as the API shows it: never any secret, sealed or not.
CREATE OR REPLACE FUNCTION scp_store_connection_json(c store_connections)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'platform', c.platform, 'store_url', c.store_url,
        'status', c.status, 'sync_enabled', c.sync_enabled, 'last_sync_at', c.last_sync_at,
        'last_error', c.last_error, 'created_at', c.created_at)
$$;

-- A new Shopify authorization: keep the hash of its state for 10 minutes, bound to the
-- supplier, the user and the shop.  States left by abandoned authorizations go here.
-- p_return: the page to send the browser back to (sql/099_shopify_return.sql), or NULL.
-- The fifth argument is new: the four-argument function goes (remove this DROP once
-- every database has migrated past 099).
DROP FUNCTION IF EXISTS scp_shopify_state_create(uuid, uuid, text, text);
CREATE OR REPLACE FUNCTION scp_shopify_state_create(p_supplier uuid, p_user uuid, p_shop text,
                                                    p_hash text, p_return text)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM shopify_oauth_states WHERE expires_at < now();
    INSERT INTO shopify_oauth_states (state_hash, supplier_id, user_id, shop, expires_at,
                                      return_to)
        VALUES (p_hash, p_supplier, p_user, p_shop, now() + interval '10 minutes', p_return);
    RETURN json_build_object('expires_at', now() + interval '10 minutes');
END $$;

-- The callback takes its state: whatever the outcome, the state is gone (single use,
-- so a state seen by anyone is spent).  {ok, reason} rather than an error, so that the
-- deletion commits even when the state is refused.
CREATE OR REPLACE FUNCTION scp_shopify_state_take(p_hash text, p_shop text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    s shopify_oauth_states;
BEGIN
    DELETE FROM shopify_oauth_states WHERE state_hash = p_hash RETURNING * INTO s;
    IF NOT FOUND THEN
        RETURN json_build_object('ok', false, 'reason', 'unknown or already used state');
    ELSIF s.expires_at < now() THEN
        RETURN json_build_object('ok', false, 'reason', 'the authorization has expired',
                                 'return_to', s.return_to);
    ELSIF s.shop <> p_shop THEN
        -- a state for another shop says nothing of where its browser should go
        RETURN json_build_object('ok', false, 'reason', 'the state was issued for another shop');
    END IF;
    -- The user who asked must still be an active owner or manager of the supplier.
    PERFORM FROM users WHERE id = s.user_id AND supplier_id = s.supplier_id
        AND role IN ('owner', 'manager') AND status = 'active';
    IF NOT FOUND THEN
        RETURN json_build_object('ok', false,
            'reason', 'the user who started the authorization may no longer connect stores',
            'return_to', s.return_to);
    END IF;
    RETURN json_build_object('ok', true, 'supplier_id', s.supplier_id, 'user_id', s.user_id,
                             'return_to', s.return_to);
END $$;

-- The supplier's connection to a store, made if new: its id is what seals its secrets
-- (the aad).  A store connected to another supplier (not disconnected) is refused: a
-- webhook names its store, and must reach exactly one supplier.
CREATE OR REPLACE FUNCTION scp_store_claim(p_supplier uuid, p_user uuid, p_platform text,
                                           p_store_url text)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    cid uuid;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('scp_store:' || p_platform || ':' || p_store_url));
    PERFORM FROM store_connections WHERE platform = p_platform AND store_url = p_store_url
        AND supplier_id <> p_supplier AND status <> 'disconnected';
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC410',
            MESSAGE = 'this store is connected to another supplier';
    END IF;
    INSERT INTO store_connections (supplier_id, platform, store_url, created_by)
        VALUES (p_supplier, p_platform, p_store_url, p_user)
        ON CONFLICT (supplier_id, platform, store_url) DO UPDATE SET updated_at = now()
        RETURNING id INTO cid;
    RETURN cid;
END $$;

-- Keep a connection's sealed secrets and make it active, and register its webhooks with
-- the store (jobs shopify_register_webhooks, woocommerce_register_webhooks,
-- bin/worker_stores.c).
CREATE OR REPLACE FUNCTION scp_store_activate(p_id uuid, p_token text, p_key text,
                                              p_secret text, p_scopes text, p_hook_secret text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c store_connections;
BEGIN
    UPDATE store_connections SET access_token = p_token, consumer_key = p_key,
            consumer_secret = p_secret, scopes = p_scopes,
            webhook_secret = coalesce(webhook_secret, p_hook_secret),
            status = 'active',
            sync_enabled = true, last_error = NULL, updated_at = now()
        WHERE id = p_id RETURNING * INTO c;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'connection not found';
    END IF;
    PERFORM scp_job_enqueue(c.platform || '_register_webhooks',
                            jsonb_build_object('connection_id', c.id));
    RETURN scp_store_connection_json(c);
END $$;

-- Disconnect: the row stays (its sales log is history) but its secrets are dropped, so
-- nothing can call the store any more.  Disconnecting twice is an illegal move.
CREATE OR REPLACE FUNCTION scp_store_disconnect(p_id uuid, p_supplier uuid)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    c store_connections;
BEGIN
    SELECT * INTO c FROM store_connections WHERE id = p_id AND supplier_id = p_supplier
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'connection not found';
    END IF;
    IF c.status = 'disconnected' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409', MESSAGE = 'the connection is already disconnected';
    END IF;
    UPDATE store_connections SET status = 'disconnected', access_token = NULL,
            consumer_key = NULL, consumer_secret = NULL, scopes = NULL, webhook_secret = NULL,
            sync_enabled = false,
            updated_at = now()
        WHERE id = c.id RETURNING * INTO c;
    RETURN scp_store_connection_json(c);
END $$;

-- The decimals of a currency's minor unit (ISO 4217): most have 2.
CREATE OR REPLACE FUNCTION scp_currency_exponent(p_currency text)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN upper(p_currency) IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW',
                                   'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF',
                                   'XPF') THEN 0
        WHEN upper(p_currency) IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 3
        ELSE 2 END
$$;

-- A store's amount ("199.00" as Shopify sends it, 29.35 as WooCommerce's numbers) in
-- minor units of its currency, exactly: numeric is decimal, never binary floating
-- point.  A value with more decimals than the currency has is rounded half up (a
-- WooCommerce unit price is a line total divided by the quantity); NULL when it is no
-- plain non-negative decimal.
-- Minor units back to the currency's major unit (1999 USD -> 19.99, 500 JPY -> 500).
CREATE OR REPLACE FUNCTION scp_store_major(p_minor bigint, p_currency text)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT round(p_minor / power(10::numeric, scp_currency_exponent(coalesce(p_currency, ''))),
                 scp_currency_exponent(coalesce(p_currency, '')))
$$;

CREATE OR REPLACE FUNCTION scp_store_minor(p_amount text, p_currency text)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_amount ~ '^[0-9]{1,15}(\.[0-9]{1,12})?$'
        THEN round(p_amount::numeric
                   * power(10::numeric, scp_currency_exponent(coalesce(p_currency, ''))))::bigint
        END
$$;

-- A store order's line items as sales_log keeps them (070_sync.sql), the same for a
-- webhook's order and a pulled one: {sku, quantity, unit_price in minor units of the
-- order's currency, name, product_id, variant_id (Shopify) or variation_id (WooCommerce)}.
-- Items that are not objects or have no whole quantity are left out.  One row, NULL
-- when no item is kept.  A set-returning SQL function, so that PostgreSQL inlines it
-- into the plan of the statement that names it in its FROM (scp_store_hook_apply): no
-- call, no parse, no plan of its own per webhook (docs/decisions.md, the store
-- webhook's cost).
CREATE OR REPLACE FUNCTION scp_store_lines_of(p_items jsonb, p_currency text)
RETURNS TABLE (lines jsonb) LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('sku', nullif(li->>'sku', ''),
               'quantity', (li->>'quantity')::numeric::bigint,
               'unit_price', scp_store_minor(li->>'price', p_currency),
               'name', coalesce(li->>'title', li->>'name'), 'product_id', li->'product_id',
               'variant_id', li->'variant_id', 'variation_id', li->'variation_id'))
               ORDER BY ord)
      FROM jsonb_array_elements(CASE jsonb_typeof(p_items) WHEN 'array' THEN p_items
                                ELSE '[]' END) WITH ORDINALITY AS t(li, ord)
     WHERE jsonb_typeof(li) = 'object' AND coalesce(li->>'quantity', '') ~ '^[0-9]{1,9}$'
$$;

-- The same as a value, for a caller that has one order at hand.  PL/pgSQL, not SQL: a
-- scalar SQL function with a FROM is never inlined, so each call parsed and planned its
-- body again; here the plan is made once per session.
CREATE OR REPLACE FUNCTION scp_store_lines(p_items jsonb, p_currency text)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (SELECT lines FROM scp_store_lines_of(p_items, p_currency));
END $$;

-- A paid store order, once per connection: its sales-log row and the job that sends it
-- to Prokip as a sell (prokip_sell, handled by the Prokip sync).  NULL when the order
-- was already recorded.  For pulled orders (scp_sync_record_orders); a webhook's sale
-- is the same row and job, written by scp_store_hook_apply.
CREATE OR REPLACE FUNCTION scp_store_record_sale(p_conn uuid, p_order text, p_currency text,
                                                 p_total bigint, p_lines jsonb)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    sid uuid;
BEGIN
    INSERT INTO sales_log (connection_id, store_order_id, currency, total, lines)
        VALUES (p_conn, p_order, upper(p_currency), p_total, coalesce(p_lines, '[]'))
        ON CONFLICT (connection_id, store_order_id) DO NOTHING
        RETURNING id INTO sid;
    IF sid IS NOT NULL THEN
        PERFORM scp_job_enqueue('prokip_sell', jsonb_build_object('sales_log_id', sid));
    END IF;
    RETURN sid;
END $$;

-- Webhooks return a sale and record their delivery's key in scp_store_hook_apply's one
-- statement; these were their steps.
DROP FUNCTION IF EXISTS scp_store_record_return(uuid, text);
DROP FUNCTION IF EXISTS scp_webhook_first(text, text, text);

-- The connection a webhook names: an active (or failing) one, never a disconnected one.
-- PL/pgSQL for its plan, made once per session (a SQL function with a LIMIT is never
-- inlined, and was parsed and planned on every call).
CREATE OR REPLACE FUNCTION scp_store_for_hook(p_platform text, p_store_url text)
RETURNS uuid LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT id FROM store_connections
             WHERE platform = p_platform AND store_url = p_store_url
               AND status IN ('active', 'error')
             ORDER BY updated_at DESC LIMIT 1);
END $$;

-- A verified store webhook, deduped and applied in one statement (docs/decisions.md, the
-- store webhook's cost): the delivery's key is inserted; only when it is new is the
-- connection looked up, and then p_effect done: 'sale' records the paid order once
-- (sales_log, ON CONFLICT on the order) with its prokip_sell job, 'return' marks a
-- recorded sale returned once with its prokip_sell_return job; NULL (a topic of no
-- interest) nothing.  A concurrent replay waits on the key's insert until the first
-- commits, then finds it and changes nothing; so does a second delivery of one order
-- on the order's key.  The job rows are the ones scp_job_enqueue writes (kind,
-- payload, run_at now()), inserted here so that the whole delivery is one executor run
-- of one cached plan.
CREATE OR REPLACE FUNCTION scp_store_hook_apply(p_platform text, p_store text, p_key text,
                                                p_topic text, p_effect text, p_order text,
                                                p_currency text, p_total text,
                                                p_items jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    r json;
BEGIN
    WITH d AS (
        INSERT INTO webhook_deliveries (provider, delivery_key, topic)
        VALUES (p_platform, p_key, left(p_topic, 100))
        ON CONFLICT DO NOTHING
        RETURNING 1),
    c AS (
        SELECT id FROM store_connections
         WHERE platform = p_platform AND store_url = p_store
           AND status IN ('active', 'error')
           AND p_effect IS NOT NULL AND EXISTS (SELECT FROM d)
         ORDER BY updated_at DESC LIMIT 1),
    sale AS (
        INSERT INTO sales_log (connection_id, store_order_id, currency, total, lines)
        SELECT c.id, p_order, upper(p_currency), scp_store_minor(p_total, p_currency),
               coalesce(l.lines, '[]')
          FROM c, scp_store_lines_of(p_items, p_currency) l WHERE p_effect = 'sale'
        ON CONFLICT (connection_id, store_order_id) DO NOTHING
        RETURNING id),
    ret AS (
        UPDATE sales_log SET status = 'returned', updated_at = now()
         WHERE p_effect = 'return' AND connection_id = (SELECT id FROM c)
           AND store_order_id = p_order AND status <> 'returned'
        RETURNING id),
    j AS (
        INSERT INTO jobs (kind, payload)
        SELECT 'prokip_sell', jsonb_build_object('sales_log_id', id) FROM sale
        UNION ALL
        SELECT 'prokip_sell_return', jsonb_build_object('sales_log_id', id) FROM ret
        RETURNING 1)
    SELECT json_build_object('received', true, 'duplicate', NOT EXISTS (SELECT FROM d),
                             'applied', EXISTS (SELECT FROM j))
      INTO r;
    RETURN r;
END $$;

-- One Shopify webhook delivery (already verified): orders/create and orders/updated of
-- a paid order record the sale; orders/cancelled, a cancelled order or a refunded or
-- voided one record the return.  Any other topic (products/update…) or an unknown shop:
-- delivered, no effect.  Only plain expressions here; the statement is
-- scp_store_hook_apply's.
CREATE OR REPLACE FUNCTION scp_shopify_webhook(p_shop text, p_topic text, p_id text,
                                               p_body jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    fin text := p_body->>'financial_status';
    oid text := p_body->>'id';
BEGIN
    RETURN scp_store_hook_apply('shopify', p_shop, p_id, p_topic,
        CASE WHEN p_topic NOT IN ('orders/create', 'orders/updated', 'orders/cancelled')
                  OR oid IS NULL OR length(oid) > 100 THEN NULL
             WHEN p_topic = 'orders/cancelled' OR p_body->>'cancelled_at' IS NOT NULL
                  OR fin IN ('refunded', 'voided') THEN 'return'
             WHEN fin IN ('paid', 'partially_refunded') THEN 'sale' END,
        oid, p_body->>'currency', p_body->>'total_price', p_body->'line_items');
END $$;

-- One WooCommerce webhook delivery (already verified), as scp_shopify_webhook.
-- p_key is the dedupe key the handler made (source and delivery id, or source,
-- resource id and modification time).  order.created and order.updated in status
-- processing or completed record the sale; cancelled or refunded the return.
CREATE OR REPLACE FUNCTION scp_woo_webhook(p_source text, p_topic text, p_key text,
                                           p_body jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    st text := p_body->>'status';
    oid text := p_body->>'id';
BEGIN
    RETURN scp_store_hook_apply('woocommerce', p_source, p_key, p_topic,
        CASE WHEN p_topic NOT IN ('order.created', 'order.updated')
                  OR oid IS NULL OR length(oid) > 100 THEN NULL
             WHEN st IN ('cancelled', 'refunded') THEN 'return'
             WHEN st IN ('processing', 'completed') THEN 'sale' END,
        oid, p_body->>'currency', p_body->>'total', p_body->'line_items');
END $$;

-- The WooCommerce connection a delivery names and its sealed webhook secret, to verify
-- the delivery with (cgi-bin/hooks/woocommerce.c): read before the signature is
-- checked, so it writes nothing.
CREATE OR REPLACE FUNCTION scp_woo_hook_secret(p_store_url text)
RETURNS TABLE (id uuid, webhook_secret text) LANGUAGE sql STABLE AS $$
    SELECT c.id, c.webhook_secret FROM store_connections c
     WHERE c.id = scp_store_for_hook('woocommerce', p_store_url)
$$;

-- What the webhook-registration job needs of a connection (bin/worker_stores.c).
CREATE OR REPLACE FUNCTION scp_store_for_job(p_id uuid)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'platform', c.platform, 'store_url', c.store_url,
        'status', c.status, 'access_token', c.access_token, 'consumer_key', c.consumer_key,
        'consumer_secret', c.consumer_secret, 'webhook_secret', c.webhook_secret)
      FROM store_connections c WHERE c.id = p_id
$$;

-- A store call failed for good: the connection says why, and a sync error keeps it.
CREATE OR REPLACE FUNCTION scp_store_job_failed(p_id uuid, p_kind text, p_cause text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c store_connections;
BEGIN
    UPDATE store_connections SET last_error = left(p_cause, 500), updated_at = now()
        WHERE id = p_id RETURNING * INTO c;
    IF FOUND THEN
        INSERT INTO sync_errors (supplier_id, connection_id, kind, cause)
            VALUES (c.supplier_id, c.id, p_kind, left(p_cause, 2000));
    END IF;
END $$;
