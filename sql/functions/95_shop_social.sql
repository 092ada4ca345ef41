-- Cliick.io's social connections (sql/086_shop_social.sql).

-- A shop's JSON reports its connections itself (scp_shop_json, 82_shop_team.sql), a
-- page of shops by one grouped join: this per-shop query is gone.
DROP FUNCTION IF EXISTS scp_shop_integrations_json(uuid);

-- May p_user change p_shop's connections?  Raises SC404 (no member: the shop is not
-- theirs to see) or SC403 (a member below admin).
CREATE OR REPLACE FUNCTION scp_shop_integration_check(p_shop uuid, p_user uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    SELECT role INTO r FROM shop_members WHERE shop_id = p_shop AND user_id = p_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resource not found' USING ERRCODE = 'SC404';
    ELSIF r NOT IN ('owner', 'admin') THEN
        RAISE EXCEPTION 'only the shop''s owner and admins may connect or disconnect it'
            USING ERRCODE = 'SC403';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION scp_shop_integration_view(i shop_integrations)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('platform', i.platform, 'status', 'active',
                             'is_connected', true, 'external_id', i.external_id,
                             'name', i.name, 'expires_at', i.expires_at,
                             'connected_at', i.created_at, 'updated_at', i.updated_at)
$$;

-- Keep a connection (a new token replaces the old one; the old one is revoked at the
-- platform when it named another page or account).  The caller is checked again: a
-- role may have changed during the exchange.
CREATE OR REPLACE FUNCTION scp_shop_integration_save(p_shop uuid, p_user uuid,
        p_platform text, p_external text, p_name text, p_sealed text, p_expires_in int)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    old shop_integrations;
    i shop_integrations;
BEGIN
    PERFORM scp_shop_integration_check(p_shop, p_user);
    -- Two connects at once: the second waits, sees the first's row and revokes its token.
    PERFORM 1 FROM shops WHERE id = p_shop FOR UPDATE;
    SELECT * INTO old FROM shop_integrations WHERE shop_id = p_shop AND platform = p_platform
        FOR UPDATE;
    IF FOUND AND old.external_id <> p_external THEN
        PERFORM scp_job_enqueue('social_revoke', jsonb_build_object('shop_id', p_shop,
            'platform', p_platform, 'external_id', old.external_id,
            'token_sealed', old.token_sealed));
    END IF;
    INSERT INTO shop_integrations (shop_id, platform, external_id, name, token_sealed,
                                   expires_at, connected_by)
        VALUES (p_shop, p_platform, p_external, p_name, p_sealed,
                now() + make_interval(secs => p_expires_in), p_user)
        ON CONFLICT (shop_id, platform) DO UPDATE SET external_id = EXCLUDED.external_id,
            name = EXCLUDED.name, token_sealed = EXCLUDED.token_sealed,
            expires_at = EXCLUDED.expires_at, connected_by = EXCLUDED.connected_by,
            updated_at = now()
        RETURNING * INTO i;
    RETURN scp_shop_integration_view(i);
END $$;

-- Disconnect: the row goes and a job revokes the token at the platform (the sealed
-- token travels in the job; only scp-worker, holding secrets_key, opens it).
CREATE OR REPLACE FUNCTION scp_shop_integration_remove(p_shop uuid, p_user uuid,
                                                       p_platform text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    i shop_integrations;
BEGIN
    PERFORM scp_shop_integration_check(p_shop, p_user);
    DELETE FROM shop_integrations WHERE shop_id = p_shop AND platform = p_platform
        RETURNING * INTO i;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not connected to this shop', p_platform USING ERRCODE = 'SC410';
    END IF;
    PERFORM scp_job_enqueue('social_revoke', jsonb_build_object('shop_id', p_shop,
        'platform', p_platform, 'external_id', i.external_id,
        'token_sealed', i.token_sealed));
    RETURN json_build_object('platform', p_platform, 'status', 'inactive',
                             'is_connected', false);
END $$;

-- A state for an authorization redirect (owner and admins), as Shopify's initiate keeps
-- its own: expired states are swept on the way.
CREATE OR REPLACE FUNCTION scp_shop_oauth_state_create(p_shop uuid, p_user uuid,
                                                       p_platform text, p_hash text)
RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scp_shop_integration_check(p_shop, p_user);
    DELETE FROM shop_oauth_states WHERE expires_at < now();
    INSERT INTO shop_oauth_states (state_hash, shop_id, user_id, platform, expires_at)
        VALUES (p_hash, p_shop, p_user, p_platform, now() + interval '10 minutes');
    RETURN json_build_object('expires_in', 600);
END $$;

-- Take a state: gone whatever the outcome (single use).  {ok, reason, shop_id, user_id}
-- rather than an error, so that the deletion commits when the state is refused.
-- p_shop and p_user, when given, must be the ones it was issued for.
CREATE OR REPLACE FUNCTION scp_shop_oauth_state_take(p_hash text, p_platform text,
                                                     p_shop uuid, p_user uuid)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    s shop_oauth_states;
BEGIN
    DELETE FROM shop_oauth_states WHERE state_hash = p_hash RETURNING * INTO s;
    IF NOT FOUND THEN
        RETURN json_build_object('ok', false, 'reason', 'unknown or already used state');
    ELSIF s.expires_at < now() THEN
        RETURN json_build_object('ok', false, 'reason', 'the authorization has expired');
    ELSIF s.platform <> p_platform OR s.shop_id <> coalesce(p_shop, s.shop_id)
          OR s.user_id <> coalesce(p_user, s.user_id) THEN
        RETURN json_build_object('ok', false, 'reason',
                                 'the state was issued for another shop, user or platform');
    END IF;
    RETURN json_build_object('ok', true, 'shop_id', s.shop_id, 'user_id', s.user_id);
END $$;
