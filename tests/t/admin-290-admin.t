# The SELLIKO admin: GET /admin/dashboard (metrics and recent activity), GET /admin/users,
# POST /admin/users (agent, vendor, admin…), PATCH /admin/users/:id (role, ban — effective
# on the very next request).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction qw(submit user_of_role live_listing fields_of);

my $s = SCPTest->start;
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $A = $admin->{access_token};

# --- dashboard ----------------------------------------------------------------------------
my $r = $s->get('/api/v1/admin/dashboard', token => $A);
is $r->{status}, 200, 'dashboard';
my $m = $r->{json}{metrics};
is $m->{$_}, 0, "$_ 0 on an empty marketplace"
    for qw(pending_reviews active_listings pending_assignments available_agents);
is $m->{total_revenue}, 0, 'no revenue';
is_deeply $r->{json}{recent_activity}, [], 'no activity';

submit($s, $client->{access_token}, fields => { model => 'Queue One' });
my $l = live_listing($s, $client, $admin, instant_win_price => 20000, fields => { model => 'Sold One' });
live_listing($s, $client, $admin, fields => { model => 'Live One' });
$s->post('/api/v1/bids', { listing_id => $l->{id}, amount => 20000 }, token => $vendor->{access_token});
my $newagent = $s->post('/api/v1/admin/users', { email => 'field.agent@example.com',
    password => 'Password123', role => 'agent', first_name => 'Fiona' }, token => $A);
is $newagent->{status}, 201, 'an agent created';
$m = $s->get('/api/v1/admin/dashboard', token => $A)->{json};
my $act = $m->{recent_activity};
$m = $m->{metrics};
is $m->{pending_reviews}, 1, 'pending_reviews';
is $m->{active_listings}, 1, 'active_listings';
is $m->{sold_listings}, 1, 'sold_listings';
is $m->{pending_assignments}, 1, 'pending_assignments: the sold one needs an agent';
is $m->{available_agents}, 1, 'available_agents';
is $m->{total_revenue}, 20000, 'total_revenue';
is $m->{platform_fees}, 2049, 'platform_fees: 10% commission + the 49.00 fee';
ok @$act >= 5, 'recent activity';
is $act->[0]{type}, 'order_pending_pickup', 'newest first: the order';
ok $act->[0]{message} && $act->[0]{timestamp}, 'with a message and a timestamp';
ok((grep { $_->{type} eq 'instant_win' } @$act), 'the instant win');
ok((grep { $_->{type} eq 'listing_submitted' && $_->{message} =~ /Queue One/ } @$act), 'a submission');
is $s->get('/api/v1/admin/dashboard', token => $client->{access_token})->{status}, 403, 'a client: 403';
is $s->get('/api/v1/admin/dashboard')->{status}, 401, 'anonymous: 401';

# --- create users -----------------------------------------------------------------------------
my $ag = $newagent->{json};
is $ag->{role}, 'agent', 'role agent';
is $ag->{first_name}, 'Fiona', 'first_name';
ok !exists $ag->{password_hash}, 'no hash shown';
my $login = $s->post('/api/v1/auth/login', { email => 'field.agent@example.com', password => 'Password123' });
is $login->{status}, 200, 'the new agent signs in';
is $s->get('/api/v1/agent/tasks', token => $login->{json}{access_token})->{status}, 200,
    'and reads its tasks';
for my $role (qw(vendor admin client)) {
    my $r = $s->post('/api/v1/admin/users', { email => "new.$role\@example.com",
        password => 'Password123', role => $role }, token => $A);
    is $r->{status}, 201, "create a $role";
    is $r->{json}{role}, $role, "as $role";
}
$r = $s->post('/api/v1/admin/users', { phone_number => '+919812345678', role => 'agent' }, token => $A);
is $r->{status}, 201, 'an agent with only a phone (signs in by WhatsApp OTP)';
my %bad = (
    'no role'        => [{ email => 'a1@example.com' }, 'role'],
    'staff role'     => [{ email => 'a2@example.com', role => 'owner' }, 'role'],
    'bad role'       => [{ email => 'a3@example.com', role => 'root' }, 'role'],
    'no contact'     => [{ role => 'agent' }, 'email'],
    'bad email'      => [{ email => 'nope', role => 'agent' }, 'email'],
    'bad phone'      => [{ phone_number => '12345', role => 'agent' }, 'phone_number'],
    'short password' => [{ email => 'a4@example.com', role => 'agent', password => 'short' }, 'password'],
);
for my $name (sort keys %bad) {
    my ($body, $field) = @{ $bad{$name} };
    my $r = $s->post('/api/v1/admin/users', $body, token => $A);
    is $r->{status}, 422, "$name: 422";
    ok exists fields_of($r)->{$field}, "$name: names $field" or diag $r->{content};
}
$r = $s->post('/api/v1/admin/users', { email => 'FIELD.agent@example.com', role => 'agent' }, token => $A);
is $r->{status}, 409, 'a taken email: 409';
is $r->{json}{error}{code}, 'CONFLICT', 'CONFLICT';
is $s->post('/api/v1/admin/users', { email => 'z@example.com', role => 'agent' },
            token => $vendor->{access_token})->{status}, 403, 'a vendor cannot create users';

# --- list ---------------------------------------------------------------------------------------
$r = $s->get('/api/v1/admin/users', token => $A);
is $r->{status}, 200, 'GET /admin/users';
is $r->{json}{pagination}{total}, 8, 'every user';
is $s->get('/api/v1/admin/users?role=agent', token => $A)->{json}{pagination}{total}, 2, 'by role';
is $s->get('/api/v1/admin/users?search=fiona', token => $A)->{json}{pagination}{total}, 1, 'search';
is $s->get('/api/v1/admin/users?role=king', token => $A)->{status}, 400, 'unknown role: 400';
is $s->get('/api/v1/admin/users?page_size=2', token => $A)->{json}{pagination}{total_pages}, 4,
    'paginated';

# --- change role, ban ---------------------------------------------------------------------------
my $vid = $vendor->{user}{id};
my $V = $vendor->{access_token};
is $s->get('/api/v1/bids', token => $V)->{status}, 200, 'the vendor works';
$r = $s->patch("/api/v1/admin/users/$vid", { role => 'agent' }, token => $A);
is $r->{status}, 200, 'role changed';
is $r->{json}{role}, 'agent', 'to agent';
# A token names its role: the old one is refused at once, a refreshed one has the new role.
$r = $s->get('/api/v1/bids', token => $V);
is $r->{status}, 401, 'the next request with the old token: 401';
like $r->{json}{error}{message}, qr/role has changed/, 'saying why';
$r = $s->post('/api/v1/auth/refresh', { refresh_token => $vendor->{refresh_token} });
is $r->{json}{user}{role}, 'agent', 'a refreshed token is an agent\'s';
is $s->get('/api/v1/bids', token => $r->{json}{access_token})->{status}, 403,
    'which may not list bids';
is $s->get('/api/v1/agent/tasks', token => $r->{json}{access_token})->{status}, 200,
    'and has an agent\'s rights';
$s->patch("/api/v1/admin/users/$vid", { role => 'vendor' }, token => $A);
$r = $s->post('/api/v1/auth/refresh', { refresh_token => $r->{json}{refresh_token} });
$V = $r->{json}{access_token};

$r = $s->patch("/api/v1/admin/users/$vid", { status => 'banned' }, token => $A);
is $r->{status}, 200, 'banned';
is $r->{json}{status}, 'banned', 'status banned';
is $r->{json}{is_active}, JSON::PP::false, 'not active';
$r = $s->get('/api/v1/bids', token => $V);
is $r->{status}, 401, 'the banned user\'s token is refused on the next request';
is $s->post('/api/v1/auth/refresh', { refresh_token => $vendor->{refresh_token} })->{status} == 200
    ? 0 : 1, 1, 'and cannot be refreshed';
isnt $s->post('/api/v1/auth/login', { email => $vendor->{user}{email}, password => 'password123' })
    ->{status}, 200, 'nor sign in again';
is $s->sql("SELECT count(*) FROM sessions WHERE user_id = :'p1' AND revoked_at IS NULL", $vid), 0,
    'every session revoked';
$r = $s->patch("/api/v1/admin/users/$vid", { banned => JSON::PP::false }, token => $A);
is $r->{json}{status}, 'active', 'unbanned (banned: false)';
is $s->post('/api/v1/auth/login', { email => $vendor->{user}{email}, password => 'password123' })
    ->{status}, 200, 'signs in again';
is $s->patch("/api/v1/admin/users/$vid", { is_active => JSON::PP::false }, token => $A)->{json}{status},
    'deactivated', 'is_active: false deactivates';

my $aid = $admin->{user}{id};
$r = $s->patch("/api/v1/admin/users/$aid", { status => 'banned' }, token => $A);
is $r->{status}, 422, 'an admin cannot ban itself';
is $s->patch("/api/v1/admin/users/$aid", { role => 'client' }, token => $A)->{status}, 422,
    'nor demote itself';
is $s->patch("/api/v1/admin/users/$vid", {}, token => $A)->{status}, 422, 'nothing to change: 422';
is $s->patch("/api/v1/admin/users/$vid", { role => 'owner' }, token => $A)->{status}, 422,
    'no supplier staff role';
is $s->patch("/api/v1/admin/users/$vid", { status => 'gone' }, token => $A)->{status}, 422,
    'unknown status';
is $s->patch('/api/v1/admin/users/00000000-0000-4000-8000-000000000000', { status => 'banned' },
             token => $A)->{status}, 404, 'unknown user: 404';
is $s->patch("/api/v1/admin/users/$aid", { status => 'banned' },
             token => $client->{access_token})->{status}, 403, 'a client: 403';

done_testing;
