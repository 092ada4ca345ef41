# Cliick.io's shop teams at /api/shops/:shopId/team (the cliick profile): the owner adds
# an existing account by email with a role (the frontend's spellings and snake_case),
# changes a role and removes a member; an admin manages order managers and support agents
# only; the owner is never removed nor demoted; members see the team, others get 404;
# validation, malformed bodies, no session, another shop's members, concurrent changes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPShops qw(shop_account fields_of);

my $allowed = 'http://shop.example';
my $s = SCPTest->start(env => { SCP_CORS_ORIGINS => $allowed });

my ($owner, $admin, $manager, $agent, $stranger, $extra, $other_owner)
    = map { shop_account($s, 'member') } 1 .. 7;
my $r = $s->post('/api/shops', { name => 'Teak Team' }, token => $owner->{token});
die "shop: $r->{status}" unless $r->{status} == 201;
my $shop = $r->{json}{data};
$r = $s->post('/api/shops', { name => 'Elsewhere' }, token => $other_owner->{token});
my $foreign = $r->{json}{data};
my $team = "/api/shops/$shop->{id}/team";
my $role_of = sub {
    $s->sql("SELECT coalesce((SELECT role FROM shop_members WHERE shop_id = '$shop->{id}'"
            . " AND user_id = '$_[0]'), 'none')");
};
my $members = sub { $s->sql("SELECT count(*) FROM shop_members WHERE shop_id = '$shop->{id}'") };

# --- add ---------------------------------------------------------------------------------
$r = $s->post($team, { email => uc $admin->{email}, role => 'Admin' }, token => $owner->{token});
is $r->{status}, 201, 'the owner adds an admin by email (any case, frontend spelling): 201';
is $r->{json}{data}{userId}, $admin->{id}, 'data.userId';
is $r->{json}{data}{email}, $admin->{email}, 'data.email';
is $r->{json}{data}{role}, 'admin', 'stored as admin';
like $r->{json}{data}{joinedAt}, qr/^\d{4}-/, 'joinedAt';
$r = $s->post($team, { email => $manager->{email}, role => 'order_manager' },
              token => $owner->{token});
is $r->{status}, 201, 'snake_case role: 201';
is $r->{json}{data}{role}, 'order_manager', 'order_manager';
$r = $s->post($team, { email => $agent->{email}, role => 'Support Agent' },
              token => $admin->{token});
is $r->{status}, 201, 'an admin adds a support agent: 201';
is $role_of->($agent->{id}), 'support_agent', 'stored';

my $before = $members->();
$r = $s->post($team, { email => $agent->{email}, role => 'Admin' }, token => $owner->{token});
is $r->{status}, 409, 'a member again: 409';
is $role_of->($agent->{id}), 'support_agent', 'role unchanged';
$r = $s->post($team, { email => $extra->{email}, role => 'Admin' }, token => $admin->{token});
is $r->{status}, 403, 'an admin may not add an admin: 403';
$r = $s->post($team, { email => $extra->{email}, role => 'Support Agent' },
              token => $manager->{token});
is $r->{status}, 403, 'an order manager may not add: 403';
$r = $s->post($team, { email => $extra->{email}, role => 'support_agent' },
              token => $agent->{token});
is $r->{status}, 403, 'a support agent may not add: 403';
$r = $s->post($team, { email => $extra->{email}, role => 'support_agent' },
              token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->post("/api/shops/$foreign->{id}/team", { email => $extra->{email}, role => 'admin' },
              token => $owner->{token});
is $r->{status}, 404, 'another shop: 404';
$r = $s->post($team, { email => 'nobody.' . $$ . '@example.com', role => 'admin' },
              token => $owner->{token});
is $r->{status}, 422, 'no account with that email: 422';
ok fields_of($r)->{email}, 'email reported';
$r = $s->post($team, { email => 'not-an-email', role => 'Owner' }, token => $owner->{token});
is $r->{status}, 422, 'bad email and role owner: 422';
my $f = fields_of($r);
ok $f->{email}, 'email reported';
ok $f->{role}, 'role owner refused';
$r = $s->post($team, { email => $extra->{email}, role => 'superuser' }, token => $owner->{token});
is $r->{status}, 422, 'an unknown role: 422';
ok fields_of($r)->{role}, 'role reported';
$r = $s->post($team, { email => $extra->{email}, role => 7 }, token => $owner->{token});
is $r->{status}, 422, 'a role that is no string: 422';
$r = $s->post($team, {}, token => $owner->{token});
is $r->{status}, 422, 'nothing sent: 422';
$f = fields_of($r);
ok $f->{email} && $f->{role}, 'both reported';
$r = $s->post($team, { email => [ $extra->{email} ], role => 'admin' }, token => $owner->{token});
is $r->{status}, 422, 'an email that is an array: 422';
$r = $s->post($team, '{"email":', token => $owner->{token});
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post($team, '"admin"', token => $owner->{token});
is $r->{status}, 400, 'not an object: 400';
$r = $s->post($team, '{"email":"' . ('a' x 2_000_000) . '"}', token => $owner->{token});
ok $r->{status} == 413 || $r->{status} == 422, "an oversized body: $r->{status}";
$r = $s->post($team, { email => $extra->{email}, role => 'admin' });
is $r->{status}, 401, 'no session: 401';
$r = $s->post($team, { email => $extra->{email}, role => 'admin' }, token => 'not.a.token');
is $r->{status}, 401, 'a bad token: 401';
is $members->(), $before, 'no refused add changed the team';

# --- list --------------------------------------------------------------------------------
for my $who ($owner, $admin, $manager, $agent) {
    $r = $s->get($team, token => $who->{token});
    is $r->{status}, 200, 'a member sees the team: 200';
}
is $r->{json}{pagination}{total}, 4, 'four members';
is_deeply [ map { $_->{role} } @{ $r->{json}{data} } ],
    [ 'owner', 'admin', 'order_manager', 'support_agent' ], 'in the order they joined';
is $r->{json}{data}[0]{userId}, $owner->{id}, 'the owner first';
$r = $s->get("$team?limit=2&page=2", token => $agent->{token});
is scalar @{ $r->{json}{data} }, 2, 'a second page of 2';
is $r->{json}{data}[1]{role}, 'support_agent', 'the last member';
$r = $s->get("$team?page=0", token => $owner->{token});
is $r->{status}, 400, 'a bad page: 400';
$r = $s->get($team, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->get('/api/shops/not-a-uuid/team', token => $owner->{token});
is $r->{status}, 404, 'not an id: 404';
$r = $s->get($team);
is $r->{status}, 401, 'no session: 401';

# --- change a role -----------------------------------------------------------------------
$r = $s->req('PUT', "$team/$agent->{id}", { role => 'Order Manager' }, token => $admin->{token});
is $r->{status}, 200, 'an admin makes an agent an order manager: 200';
is $r->{json}{data}{role}, 'order_manager', 'data.role';
is $role_of->($agent->{id}), 'order_manager', 'stored';
$r = $s->req('PUT', "$team/$agent->{id}", { role => 'admin' }, token => $admin->{token});
is $r->{status}, 403, 'an admin may not make an admin: 403';
$r = $s->req('PUT', "$team/$admin->{id}", { role => 'support_agent' }, token => $admin->{token});
is $r->{status}, 403, 'an admin may not demote an admin (itself): 403';
$r = $s->req('PUT', "$team/$owner->{id}", { role => 'admin' }, token => $owner->{token});
is $r->{status}, 403, 'the owner may not be demoted, even by itself: 403';
$r = $s->req('PUT', "$team/$owner->{id}", { role => 'support_agent' }, token => $admin->{token});
is $r->{status}, 403, 'nor by an admin: 403';
is $role_of->($owner->{id}), 'owner', 'still owner';
$r = $s->req('PUT', "$team/$manager->{id}", { role => 'support_agent' },
             token => $agent->{token});
is $r->{status}, 403, 'an order manager may not change roles: 403';
$r = $s->req('PUT', "$team/$agent->{id}", { role => 'owner' }, token => $owner->{token});
is $r->{status}, 422, 'no one is made owner: 422';
$r = $s->req('PUT', "$team/$agent->{id}", {}, token => $owner->{token});
is $r->{status}, 422, 'no role: 422';
$r = $s->req('PUT', "$team/$agent->{id}", '{', token => $owner->{token});
is $r->{status}, 400, 'malformed: 400';
$r = $s->req('PUT', "$team/$stranger->{id}", { role => 'admin' }, token => $owner->{token});
is $r->{status}, 404, 'an account that is no member: 404';
$r = $s->req('PUT', "$team/not-a-uuid", { role => 'admin' }, token => $owner->{token});
is $r->{status}, 404, 'not an id: 404';
$r = $s->req('PUT', "/api/shops/$foreign->{id}/team/$other_owner->{id}", { role => 'admin' },
             token => $owner->{token});
is $r->{status}, 404, 'another shop\'s member: 404';
$r = $s->req('PUT', "$team/$agent->{id}", { role => 'admin' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->req('PUT', "$team/$agent->{id}", { role => 'admin' });
is $r->{status}, 401, 'no session: 401';
is $role_of->($agent->{id}), 'order_manager', 'no refused change took';
$r = $s->req('PUT', "$team/$admin->{id}", { role => 'Support Agent' }, token => $owner->{token});
is $r->{status}, 200, 'the owner demotes an admin: 200';
$r = $s->req('PUT', "$team/$admin->{id}", { role => 'Admin' }, token => $owner->{token});
is $r->{status}, 200, 'and promotes it back: 200';

# --- remove ------------------------------------------------------------------------------
$r = $s->req('DELETE', "$team/$owner->{id}", undef, token => $owner->{token});
is $r->{status}, 403, 'the owner cannot be removed (not even by itself): 403';
$r = $s->req('DELETE', "$team/$owner->{id}", undef, token => $admin->{token});
is $r->{status}, 403, 'nor by an admin: 403';
$r = $s->req('DELETE', "$team/$admin->{id}", undef, token => $manager->{token});
is $r->{status}, 403, 'an order manager may not remove an admin: 403';
$r = $s->req('DELETE', "$team/$agent->{id}", undef, token => $manager->{token});
is $r->{status}, 403, 'nor another order manager: 403';
$r = $s->req('DELETE', "$team/$agent->{id}", undef, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->req('DELETE', "$team/$stranger->{id}", undef, token => $owner->{token});
is $r->{status}, 404, 'no member: 404';
$r = $s->req('DELETE', "/api/shops/$foreign->{id}/team/$other_owner->{id}", undef,
             token => $owner->{token});
is $r->{status}, 404, 'another shop\'s member: 404';
$r = $s->req('DELETE', "$team/$agent->{id}");
is $r->{status}, 401, 'no session: 401';
is $members->(), 4, 'no refused removal took';
$r = $s->req('DELETE', "$team/$agent->{id}", undef, token => $admin->{token});
is $r->{status}, 200, 'an admin removes an order manager: 200';
is $r->{json}{success}, JSON::PP::true, 'success';
is $role_of->($agent->{id}), 'none', 'gone';
$r = $s->get("/api/shops/$shop->{id}", token => $agent->{token});
is $r->{status}, 404, 'the removed member no longer sees the shop';
$r = $s->req('DELETE', "$team/$manager->{id}", undef, token => $manager->{token});
is $r->{status}, 200, 'a member leaves: 200';
is $role_of->($manager->{id}), 'none', 'gone';
$r = $s->req('DELETE', "$team/$admin->{id}", undef, token => $owner->{token});
is $r->{status}, 200, 'the owner removes an admin: 200';
is $members->(), 1, 'the owner alone';

# --- concurrent: one add of one account wins; the rest are 409 ----------------------------
my @codes = map { $_->{status} } parallel(4, sub {
    my $r = $s->post($team, { email => $extra->{email}, role => 'support_agent' },
                     token => $owner->{token});
    return { status => $r->{status} };
});
is_deeply [ sort @codes ], [ 201, 409, 409, 409 ], 'four concurrent adds: one 201, three 409';
is $members->(), 2, 'one membership';

# --- concurrent re-roles and removals of one member: serialised, never a 500 ---------------
@codes = map { $_->{status} } parallel(6, sub {
    my $i = shift;
    my $r = $i % 2
        ? $s->req('DELETE', "$team/$extra->{id}", undef, token => $owner->{token})
        : $s->req('PUT', "$team/$extra->{id}", { role => 'order_manager' },
                  token => $owner->{token});
    return { status => $r->{status} };
});
ok !(grep { $_ != 200 && $_ != 404 } @codes), 'six concurrent changes: each 200 or 404';
ok +(grep { $_ == 200 } @codes) >= 1, 'some took';
is $role_of->($extra->{id}), 'none', 'and the member is gone';

# --- cookie-authenticated writes: CSRF ------------------------------------------------------
$r = $s->post($team, { email => $agent->{email}, role => 'admin' },
              headers => { Cookie => "scp_session=$owner->{token}", Origin => 'http://evil.example' });
is $r->{status}, 403, 'a cookie add from a foreign Origin: 403';
is $role_of->($agent->{id}), 'none', 'no one added';
$r = $s->post($team, { email => $agent->{email}, role => 'support_agent' },
              headers => { Cookie => "scp_session=$owner->{token}", Origin => $allowed });
is $r->{status}, 201, 'from the allowed Origin: 201';

done_testing;
