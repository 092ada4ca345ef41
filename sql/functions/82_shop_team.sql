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
