-- Cliick.io's shop teams (sql/082_shop_team.sql; cgi-bin/shops/team.c).
-- Rights: every member sees the team; the owner adds, re-roles and removes any other
-- member; an admin does so only for order managers and support agents (an admin neither
-- makes nor touches another admin); any member but the owner may leave.  The owner is
-- never removed nor re-roled, and no one is made owner here.  A shop the caller is no
-- member of is not found (404), and so is a user who is no member of it.  Each change
-- locks the member's row, so two concurrent changes of one member serialise.

-- A member as the API shows it.
CREATE OR REPLACE FUNCTION scp_shop_member_json(m shop_members)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('user_id', m.user_id, 'email', u.email,
        'username', u.username, 'first_name', u.first_name, 'last_name', u.last_name,
        'role', m.role, 'joined_at', m.created_at)
    FROM users u WHERE u.id = m.user_id
$$;

-- The caller's role in p_shop, or 404.
CREATE OR REPLACE FUNCTION scp_shop_team_caller(p_shop uuid, p_caller uuid)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_role text;
BEGIN
    SELECT role INTO v_role FROM shop_members WHERE shop_id = p_shop AND user_id = p_caller;
    IF v_role IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'shop not found';
    END IF;
    RETURN v_role;
END
$$;

-- May a caller of role p_caller give or take away the role p_role?  403 if not.
CREATE OR REPLACE FUNCTION scp_shop_team_may(p_caller text, p_role text)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_caller = 'owner' AND p_role <> 'owner' THEN
        RETURN;
    END IF;
    IF p_caller = 'admin' AND p_role IN ('order_manager', 'support_agent') THEN
        RETURN;
    END IF;
    IF p_role = 'owner' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'the shop''s owner cannot be removed or given another role';
    END IF;
    IF p_caller = 'admin' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'only the shop''s owner may add, change or remove an admin';
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'SC403',
        MESSAGE = 'only the shop''s owner and admins may manage its team';
END
$$;

-- The member p_user of p_shop, locked, or 404.
CREATE OR REPLACE FUNCTION scp_shop_team_member(p_shop uuid, p_user uuid)
RETURNS shop_members LANGUAGE plpgsql AS $$
DECLARE
    m shop_members;
BEGIN
    SELECT * INTO m FROM shop_members WHERE shop_id = p_shop AND user_id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'team member not found';
    END IF;
    RETURN m;
END
$$;

-- Add the account whose email is p_email to p_shop as p_role (team.c checked the role).
CREATE OR REPLACE FUNCTION scp_shop_team_add(p_shop uuid, p_caller uuid, p_email text,
                                             p_role text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    v_user uuid;
    m shop_members;
BEGIN
    PERFORM scp_shop_team_may(scp_shop_team_caller(p_shop, p_caller), p_role);
    SELECT id INTO v_user FROM users WHERE lower(email) = lower(p_email) AND status = 'active';
    IF v_user IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'email',
            MESSAGE = 'no active account has this email';
    END IF;
    INSERT INTO shop_members (shop_id, user_id, role) VALUES (p_shop, v_user, p_role)
        ON CONFLICT DO NOTHING RETURNING * INTO m;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409', MESSAGE = 'this account is already a member';
    END IF;
    RETURN scp_shop_member_json(m);
END
$$;

-- Give the member p_user of p_shop the role p_role.
CREATE OR REPLACE FUNCTION scp_shop_team_set(p_shop uuid, p_caller uuid, p_user uuid,
                                             p_role text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    v_caller text := scp_shop_team_caller(p_shop, p_caller);
    m shop_members := scp_shop_team_member(p_shop, p_user);
BEGIN
    PERFORM scp_shop_team_may(v_caller, m.role);	-- the role taken away
    PERFORM scp_shop_team_may(v_caller, p_role);	-- and the role given
    UPDATE shop_members SET role = p_role WHERE shop_id = p_shop AND user_id = p_user
        RETURNING * INTO m;
    RETURN scp_shop_member_json(m);
END
$$;

-- Remove the member p_user from p_shop (a member but the owner may remove itself).
CREATE OR REPLACE FUNCTION scp_shop_team_remove(p_shop uuid, p_caller uuid, p_user uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_caller text := scp_shop_team_caller(p_shop, p_caller);
    m shop_members := scp_shop_team_member(p_shop, p_user);
BEGIN
    IF p_user <> p_caller OR m.role = 'owner' THEN
        PERFORM scp_shop_team_may(v_caller, m.role);
    END IF;
    DELETE FROM shop_members WHERE shop_id = p_shop AND user_id = p_user;
END
$$;

-- A shop's subscription: its owner asks for p_plan, the status moving to p_status
-- (pending_approval: shops.c accepts no other from the owner) through the machine
-- shop_subscription; asking again while pending changes the plan asked for.  The shop's
-- row is locked, so concurrent requests serialise.  The shop, changed.
CREATE OR REPLACE FUNCTION scp_shop_subscription_request(p_shop uuid, p_caller uuid,
                                                         p_plan text, p_status text)
RETURNS shops LANGUAGE plpgsql AS $$
DECLARE
    s shops;
BEGIN
    IF scp_shop_team_caller(p_shop, p_caller) <> 'owner' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'only the shop''s owner may change its subscription';
    END IF;
    SELECT * INTO s FROM shops WHERE id = p_shop FOR UPDATE;
    IF s.subscription_status <> p_status THEN
        PERFORM scp_state_check('shop_subscription', s.subscription_status, p_status);
    END IF;
    UPDATE shops SET subscription_status = p_status, subscription_pending_plan = p_plan,
        updated_at = now()
        WHERE id = p_shop RETURNING * INTO s;
    RETURN s;
END
$$;

-- ---- the shop's document (cgi-bin/shops/shops.c) ------------------------------------

-- One member in the shop's `team` (the frontend's TeamMember, with when it joined).
CREATE OR REPLACE FUNCTION scp_shop_team_entry(p_user uuid, p_role text, p_joined timestamptz)
RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('user_id', p_user, 'role', p_role, 'joined_at', p_joined)
$$;

-- A shop as the API shows it: s the shop, p_role the caller's role in its team (NULL for
-- a platform administrator who is no member), p_platforms its connected platforms and
-- p_team its members' entries, both aggregated by the caller's statement (one join for
-- a whole page, not a query per shop).  A plain expression: PostgreSQL inlines it.
CREATE OR REPLACE FUNCTION scp_shop_json(s shops, p_role text, p_platforms text[],
                                         p_team json)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', s.id, 'name', s.name, 'logo_url', s.logo_url,
        'currency', s.currency, 'owner_id', s.owner_id, 'role', p_role,
        'team', coalesce(p_team, '[]'::json),
        'subscription', json_build_object('plan', s.subscription_plan,
            'status', s.subscription_status, 'pending_plan', s.subscription_pending_plan,
            'trial_ends_at', scp_epoch_ms(s.subscription_trial_ends_at),
            'period_ends_at', scp_epoch_ms(s.subscription_period_ends_at)),
        'integrations', json_build_object(
            'facebook', json_build_object('is_connected', coalesce('facebook' = ANY(p_platforms), false)),
            'instagram', json_build_object('is_connected', coalesce('instagram' = ANY(p_platforms), false)),
            'tiktok', json_build_object('is_connected', coalesce('tiktok' = ANY(p_platforms), false)),
            'telegram', json_build_object('is_connected', coalesce('telegram' = ANY(p_platforms), false)),
            'viber', json_build_object('is_connected', coalesce('viber' = ANY(p_platforms), false))),
        'assistant_config', s.assistant_config, 'persistent_menu', s.persistent_menu,
        'keyword_replies', s.keyword_replies, 'saved_replies', s.saved_replies,
        'payment_methods', s.payment_methods, 'knowledge_base', s.knowledge_base,
        'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

-- The shop p_shop as p_caller sees it now (after the changes of the caller's function).
CREATE OR REPLACE FUNCTION scp_shop_json_now(p_shop uuid, p_caller uuid)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT scp_shop_json(s,
        (SELECT role FROM shop_members WHERE shop_id = p_shop AND user_id = p_caller),
        (SELECT array_agg(platform) FROM shop_integrations WHERE shop_id = p_shop),
        (SELECT json_agg(scp_shop_team_entry(user_id, role, created_at)
                         ORDER BY created_at, user_id)
           FROM shop_members WHERE shop_id = p_shop))
      FROM shops s WHERE s.id = p_shop
$$;

-- The team as the frontend rewrites it (shopService.addUserToShop, removeUserFromShop,
-- updateUserRoleInShop send the whole `team` through PUT /shops/:shopId): p_team is
-- [{user_id, role}] (shops.c checked each entry, folded the roles and refused
-- duplicates).  The difference from the current team is applied change by change with
-- the rights of /team (scp_shop_team_may): an account not in the team is added (422
-- `team` if no active account has that id), a member left out is removed, a member of
-- another role is re-roled.  The caller's statement holds the shop's row locked, so
-- concurrent rewrites serialise and each computes its difference from the team the one
-- before left; any refused change raises, and the whole request changes nothing.
CREATE OR REPLACE FUNCTION scp_shop_team_put(p_shop uuid, p_caller uuid, p_team jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_caller text := scp_shop_team_caller(p_shop, p_caller);
    v_missing int;
    c record;
BEGIN
    SELECT count(*) INTO v_missing
      FROM jsonb_to_recordset(p_team) AS t(user_id uuid, role text)
     WHERE NOT EXISTS (SELECT FROM shop_members m
                        WHERE m.shop_id = p_shop AND m.user_id = t.user_id)
       AND NOT EXISTS (SELECT FROM users u WHERE u.id = t.user_id AND u.status = 'active');
    IF v_missing > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'team',
            MESSAGE = 'no active account has this userId';
    END IF;
    -- Every change, the owner's row included: the owner is refused by scp_shop_team_may.
    FOR c IN
        SELECT coalesce(m.user_id, t.user_id) AS user_id, m.role AS old_role,
               t.role AS new_role
          FROM (SELECT * FROM shop_members WHERE shop_id = p_shop FOR UPDATE) m
          FULL JOIN jsonb_to_recordset(p_team) AS t(user_id uuid, role text)
            ON t.user_id = m.user_id
         WHERE m.role IS DISTINCT FROM t.role
         ORDER BY 1
    LOOP
        IF c.old_role IS NULL THEN
            PERFORM scp_shop_team_may(v_caller, c.new_role);
            INSERT INTO shop_members (shop_id, user_id, role)
                VALUES (p_shop, c.user_id, c.new_role);
        ELSIF c.new_role IS NULL THEN
            IF c.user_id <> p_caller OR c.old_role = 'owner' THEN
                PERFORM scp_shop_team_may(v_caller, c.old_role);
            END IF;
            DELETE FROM shop_members WHERE shop_id = p_shop AND user_id = c.user_id;
        ELSE
            PERFORM scp_shop_team_may(v_caller, c.old_role);
            PERFORM scp_shop_team_may(v_caller, c.new_role);
            UPDATE shop_members SET role = c.new_role
             WHERE shop_id = p_shop AND user_id = c.user_id;
        END IF;
    END LOOP;
END
$$;

-- The subscription as PUT /shops/:shopId sends it: p_sub holds the members sent of
-- plan, status, pending_plan, trial_ends_at, period_ends_at (the ends in epoch
-- milliseconds, as answered; shops.c checked their types).  What equals the shop's
-- (the frontend sends the whole shop on every save) is no change; no change at all is a
-- no-op for anyone who may PUT.  A platform administrator (p_platform_admin) may change
-- any of them, the status only through the machine shop_subscription (409 otherwise).
-- The owner may only ask for a plan, as POST /upgrade does (status pending_approval and
-- pending_plan, the plan in force and its ends untouched); anything else is 403, and so
-- is any change from another member.  The caller's statement holds the shop's row.
CREATE OR REPLACE FUNCTION scp_shop_subscription_put(p_shop uuid, p_role text,
                                                     p_platform_admin bool, p_sub jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s shops;
    v_plan text;
    v_status text;
    v_pending text;
    v_trial bigint;
    v_period bigint;
BEGIN
    SELECT * INTO s FROM shops WHERE id = p_shop;
    v_plan := coalesce(p_sub->>'plan', s.subscription_plan);
    v_status := coalesce(p_sub->>'status', s.subscription_status);
    v_pending := CASE WHEN p_sub ? 'pending_plan' THEN p_sub->>'pending_plan'
                      ELSE s.subscription_pending_plan END;
    v_trial := CASE WHEN p_sub ? 'trial_ends_at' THEN (p_sub->>'trial_ends_at')::bigint
                    ELSE scp_epoch_ms(s.subscription_trial_ends_at) END;
    v_period := CASE WHEN p_sub ? 'period_ends_at' THEN (p_sub->>'period_ends_at')::bigint
                     ELSE scp_epoch_ms(s.subscription_period_ends_at) END;
    IF v_plan = s.subscription_plan AND v_status = s.subscription_status
       AND v_pending IS NOT DISTINCT FROM s.subscription_pending_plan
       AND v_trial IS NOT DISTINCT FROM scp_epoch_ms(s.subscription_trial_ends_at)
       AND v_period IS NOT DISTINCT FROM scp_epoch_ms(s.subscription_period_ends_at) THEN
        RETURN;
    END IF;
    IF NOT p_platform_admin THEN
        IF p_role IS DISTINCT FROM 'owner' THEN
            RAISE EXCEPTION USING ERRCODE = 'SC403',
                MESSAGE = 'only the shop''s owner may change its subscription';
        END IF;
        IF v_status <> 'pending_approval' OR v_pending IS NULL
           OR v_plan <> s.subscription_plan
           OR v_trial IS DISTINCT FROM scp_epoch_ms(s.subscription_trial_ends_at)
           OR v_period IS DISTINCT FROM scp_epoch_ms(s.subscription_period_ends_at) THEN
            RAISE EXCEPTION USING ERRCODE = 'SC403',
                MESSAGE = 'an owner may only ask for a plan (status pending_approval and'
                          ' pendingPlan); the platform''s administrators approve it';
        END IF;
    END IF;
    IF v_status <> s.subscription_status THEN
        PERFORM scp_state_check('shop_subscription', s.subscription_status, v_status);
    END IF;
    UPDATE shops SET subscription_plan = v_plan, subscription_status = v_status,
        subscription_pending_plan = v_pending,
        subscription_trial_ends_at = CASE
            WHEN v_trial IS NOT DISTINCT FROM scp_epoch_ms(subscription_trial_ends_at)
            THEN subscription_trial_ends_at ELSE to_timestamp(v_trial / 1000.0) END,
        subscription_period_ends_at = CASE
            WHEN v_period IS NOT DISTINCT FROM scp_epoch_ms(subscription_period_ends_at)
            THEN subscription_period_ends_at ELSE to_timestamp(v_period / 1000.0) END,
        updated_at = now()
     WHERE id = p_shop;
END
$$;

-- PUT /shops/:shopId: the shop's own fields and documents (p_docs, settings.c's; NULL
-- each for not sent), its team (p_team, NULL: not sent) and its subscription (p_sub,
-- NULL: not sent), in one transaction, the shop's row locked first.  A member of the
-- shop's team sees it; so does a platform administrator (p_platform_admin), who may
-- change only its subscription: the rest of what it sends (the frontend's AdminDashboard
-- saves the whole shop) is left as it is.  No member (nor administrator): 404; a member
-- below admin: 403.  The shop as the caller sees it afterwards.
CREATE OR REPLACE FUNCTION scp_shop_put(p_shop uuid, p_caller uuid, p_platform_admin bool,
        p_name text, p_logo_sent bool, p_logo text, p_currency text, p_docs jsonb,
        p_team jsonb, p_sub jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    v_role text;
BEGIN
    -- NO KEY UPDATE: concurrent PUTs serialise, while a member's insert elsewhere (its
    -- foreign key takes KEY SHARE on this row) does not wait on us, nor we on it in turn.
    PERFORM FROM shops WHERE id = p_shop FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'shop not found';
    END IF;
    SELECT role INTO v_role FROM shop_members WHERE shop_id = p_shop AND user_id = p_caller;
    IF v_role IS NULL AND NOT p_platform_admin THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'shop not found';
    END IF;
    IF v_role IN ('owner', 'admin') THEN
        UPDATE shops s SET name = coalesce(p_name, s.name),
            logo_url = CASE WHEN p_logo_sent THEN p_logo ELSE s.logo_url END,
            currency = coalesce(p_currency, s.currency),
            assistant_config = coalesce(p_docs->'assistant_config', s.assistant_config),
            persistent_menu = coalesce(p_docs->'persistent_menu', s.persistent_menu),
            keyword_replies = coalesce(p_docs->'keyword_replies', s.keyword_replies),
            saved_replies = coalesce(p_docs->'saved_replies', s.saved_replies),
            payment_methods = coalesce(p_docs->'payment_methods', s.payment_methods),
            knowledge_base = coalesce(p_docs->'knowledge_base', s.knowledge_base),
            updated_at = now()
         WHERE s.id = p_shop;
        IF p_team IS NOT NULL THEN
            PERFORM scp_shop_team_put(p_shop, p_caller, p_team);
        END IF;
    ELSIF NOT p_platform_admin THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'only the shop''s owner and admins may change it';
    END IF;
    IF p_sub IS NOT NULL THEN
        PERFORM scp_shop_subscription_put(p_shop, v_role, p_platform_admin, p_sub);
    END IF;
    RETURN scp_shop_json_now(p_shop, p_caller);
END
$$;
