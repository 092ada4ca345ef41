# Profiles through nginx's mounts (DESIGN §4a, docs/profiles.md): every call of SELLIKO's
# guide and web client made through /selliko/ as they send it (camelCase bodies and
# multipart names, upper-case roles), with the shapes and values they read; errors in
# the envelope; the mounts' 404s and rate limits; a profile at / of its own server; the
# cliick (/api/) and prokip (/prokip/) mounts; every route named in lib/scp_profiles.c
# exists; and the canonical /api/v1 answers stay byte for byte what the families send.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(free_port);
use SCPAuction qw(png pdf_bytes imei multipart user_of_role);

my $root_port = free_port();
# The credential routes' limit is kept (a small rate, a burst this file stays under
# until it means to go past it).
my $s = SCPTest->start(fakes => ['whatsapp'],
                       env => { SCP_ROOT_MOUNTS => "selliko,selliko.test,$root_port",
                                SCP_AUTH_RATE => '1r/m', SCP_AUTH_BURST => 60 });

sub sel { my ($m, $p, $b, %o) = @_; $s->req($m, "/selliko$p", $b, %o) }
sub snake_keys {    # the keys spelt with an underscore, at any depth
    my ($v) = @_;
    return map { (/_/ ? $_ : ()), snake_keys($v->{$_}) } keys %$v if ref $v eq 'HASH';
    return map { snake_keys($_) } @$v if ref $v eq 'ARRAY';
    return ();
}
sub camel_ok {
    my ($r, $name) = @_;
    my @bad = snake_keys($r->{json});
    ok !@bad, "$name: every key in camelCase" or diag "snake keys: @bad";
}
sub code_for {
    my ($phone, $nth) = @_;
    (my $to = $phone) =~ s/^\+//;
    my @got;
    $s->wait_until(10, sub {
        @got = grep { ($_->{json}{to} // '') eq $to } $s->fake_requests('whatsapp');
        @got >= $nth;
    });
    my $m = $got[$nth - 1] or return;
    return $m->{json}{template}{components}[0]{parameters}[0]{text};
}

# The canonical answers before any profiled request, to compare at the end.
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $agent = user_of_role($s, 'agent');
my ($A, $V, $G) = map { $_->{access_token} } $admin, $vendor, $agent;
my %canonical_before = map { $_->[0] => $s->get($_->[0], token => $_->[1])->{content} }
    ['/api/v1/users/me', $V], ['/api/v1/admin/listings?status=rejected', $A];

# --- auth: send-otp, verify-otp, refresh-token, logout ------------------------------------
my $phone = '+919812345670';
my $r = sel('POST', '/auth/send-otp', { phone => $phone });
is $r->{status}, 200, 'send-otp: 200';
is $r->{json}{success}, JSON::PP::true, '... success: true';
like $r->{json}{otpId}, qr/^[0-9a-f-]{36}$/, '... otpId';
ok length $r->{json}{message}, '... message';
camel_ok($r, 'send-otp');
like $r->{headers}{'x-request-id'}, qr/^[0-9a-f]{32}$/, '... with an X-Request-Id';

my $otp_id = $r->{json}{otpId};
$r = sel('POST', '/auth/verify-otp', { phone => $phone, otp => code_for($phone, 1), otpId => $otp_id });
is $r->{status}, 200, 'verify-otp {phone, otp, otpId}: 200';
is $r->{json}{success}, JSON::PP::true, '... success';
ok length $r->{json}{accessToken} && length $r->{json}{refreshToken}, '... accessToken, refreshToken';
is $r->{json}{user}{role}, 'CLIENT', '... user.role in upper case';
like $r->{json}{user}{id}, qr/^[0-9a-f-]{36}$/, '... user.id';
camel_ok($r, 'verify-otp');
my $client_id = $r->{json}{user}{id};

my $old_refresh = $r->{json}{refreshToken};
$r = sel('POST', '/auth/refresh-token', { refreshToken => $old_refresh });
is $r->{status}, 200, 'refresh-token {refreshToken}: 200';
ok length $r->{json}{accessToken}, '... accessToken';
ok length $r->{json}{refreshToken} && $r->{json}{refreshToken} ne $old_refresh,
    '... a new refreshToken';
my $C = $r->{json}{accessToken};

$r = sel('GET', '/users/me', undef, token => $C);
is $r->{status}, 200, 'GET /users/me: 200';
is $r->{json}{user}{id}, $client_id, '... {success, user}';
is $r->{json}{user}{role}, 'CLIENT', '... role CLIENT';

$r = sel('POST', '/auth/logout', undef, token => $C);
is $r->{status}, 200, 'logout: 200';
is_deeply $r->{json}, { success => JSON::PP::true }, '... {success: true}';
$r = sel('GET', '/users/me', undef, token => $C);
is $r->{status}, 401, 'the token is refused after logout';
is $r->{json}{success}, JSON::PP::false, '... in the error envelope';
is $r->{json}{error}{code}, 'UNAUTHORIZED', '... UNAUTHORIZED';

# Sign in again, as the web client does.
$r = sel('POST', '/auth/send-otp', { phone => $phone });
$r = sel('POST', '/auth/verify-otp', { phone => $phone, otp => code_for($phone, 2),
                                       otpId => $r->{json}{otpId} });
is $r->{status}, 200, 'signed in again';
$C = $r->{json}{accessToken};

# --- listings: submission, the client's list, review -----------------------------------
my @fields = (brand => 'Apple', model => 'iPhone 14', storage => '256GB', color => 'Purple',
              condition => 'Excellent', imei1 => imei(9101), batteryHealth => '100',
              askingPrice => '48000', description => 'Barely used, all accessories.',
              hasWarranty => 'true', warrantyType => 'Manufacturer',
              warrantyExpiry => '2027-05-01T00:00:00.000Z', contactName => 'Chitra K',
              streetAddress => '12 MG Road', city => 'Kochi', state => 'Kerala',
              pincode => '682016', landmark => 'Near the metro', pickupTime => 'morning');
my @files = ((map { ["devicePhoto$_", "p$_.png", png(40 + $_, 30, $_), 'image/png'] } 0 .. 3),
             ['billPhoto', 'bill.pdf', pdf_bytes(), 'application/pdf']);
my ($body, $ct) = multipart(\@fields, \@files);
$r = sel('POST', '/listings', $body, token => $C, type => $ct);
is $r->{status}, 201, 'POST /listings (multipart, the guide\'s names): 201' or diag $r->{content};
is $r->{json}{success}, JSON::PP::true, '... success';
my $l = $r->{json}{listing};
like $l->{id}, qr/^[0-9a-f-]{36}$/, '... listing.id';
is $l->{status}, 'pending', '... pending';
is $l->{askingPrice}, 48000, '... askingPrice';
is $l->{batteryHealth}, 100, '... batteryHealth';
is $l->{warrantyExpiry}, '2027-05-01', '... warrantyExpiry from a full ISO timestamp';
is $l->{warrantyType}, 'Manufacturer', '... warrantyType';
is scalar @{ $l->{devicePhotos} }, 4, '... devicePhotos';
is $l->{pickupAddress}{streetAddress}, '12 MG Road', '... pickupAddress.streetAddress';
is $l->{pickupTime}, 'morning', '... pickupTime';
camel_ok($r, 'POST /listings');
my $lid = $l->{id};

($body, $ct) = multipart([@fields[0 .. 21], warrantyExpiry => '2027-02-30T00:00:00Z',
                          @fields[24 .. $#fields]], \@files);
$r = sel('POST', '/listings', $body, token => $C, type => $ct);
is $r->{status}, 422, 'a timestamp naming no real day: 422';
is $r->{json}{error}{code}, 'VALIDATION_ERROR', '... VALIDATION_ERROR, through the mount';
ok((grep { $_->{field} eq 'warranty_expiry' } @{ $r->{json}{error}{details}{fields} }),
   '... on warranty_expiry');
# nginx takes the listings' body size (40m) through the mount, not the server's 1m.
($body, $ct) = multipart(\@fields, [['devicePhoto0', 'big.png', 'x' x (2 << 20), 'image/png']]);
$r = sel('POST', '/listings', $body, token => $C, type => $ct);
is $r->{status}, 422, 'a 2 MB submission through the mount reaches the family (422, not 413)';

$r = sel('GET', "/listings?clientId=$client_id&page=1&limit=10", undef, token => $C);
is $r->{status}, 200, 'GET /listings?clientId=: 200';
is_deeply [sort keys %{ $r->{json} }], [qw(listings pagination success)],
    '... {success, listings, pagination}';
is_deeply $r->{json}{pagination}, { page => 1, limit => 10, total => 1, totalPages => 1 },
    '... pagination {page, limit, total, totalPages}';
my $row = $r->{json}{listings}[0];
is $row->{id}, $lid, '... the listing';
ok exists $row->{$_}, "... listings[].$_"
    for qw(brand model storage color condition askingPrice status submittedAt views devicePhotos);
is ref $row->{devicePhotos}, 'ARRAY', '... devicePhotos[]';
is $row->{views}, 0, '... views';

$r = sel('GET', '/admin/listings/pending', undef, token => $A);
is $r->{status}, 200, 'GET /admin/listings/pending: 200';
ok((grep { $_->{id} eq $lid } @{ $r->{json}{listings} }), '... {listings} holds it');
camel_ok($r, 'pending');

$r = sel('PUT', "/listings/$lid/approve", { approved => JSON::PP::true, auctionDurationHours => 24 },
         token => $A);
is $r->{status}, 200, 'PUT /listings/:id/approve {approved, auctionDurationHours}: 200';
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{listing}{status}, 'live', '... listing.status live';
is $r->{json}{listing}{auctionDurationHours}, 24, '... auctionDurationHours';
ok $r->{json}{listing}{auctionEndTime}, '... auctionEndTime';
my $instant = $r->{json}{listing}{instantWinPrice};

# --- the marketplace and bids ------------------------------------------------------------
$r = sel('GET', '/marketplace?sortBy=ending-soon&limit=50');
is $r->{status}, 200, 'GET /marketplace (anonymous): 200';
my ($item) = grep { $_->{id} eq $lid } @{ $r->{json}{listings} };
ok $item, '... {listings} holds the live listing';
ok exists $item->{currentBid} && !defined $item->{currentBid}, '... currentBid (none yet)';
is $item->{totalBids}, 0, '... totalBids';
ok $item->{timeLeft} >= 1435 && $item->{timeLeft} <= 1440, '... timeLeft in minutes (24 h)'
    or diag "timeLeft $item->{timeLeft}";
is $r->{json}{pagination}{limit}, 50, '... pagination.limit';

$r = sel('POST', '/bids', { listingId => $lid, amount => 30000 }, token => $V);
is $r->{status}, 201, 'POST /bids {listingId, amount}: 201' or diag $r->{content};
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{bid}{listingId}, $lid, '... bid.listingId';
is $r->{json}{bid}{amount}, 30000, '... bid.amount';
is $r->{json}{isInstantWin}, JSON::PP::false, '... isInstantWin false';
ok length $r->{json}{message}, '... message';
camel_ok($r, 'POST /bids');

$r = sel('GET', "/listings/$lid");
is $r->{status}, 200, 'GET /listings/:id: 200';
is_deeply [sort keys %{ $r->{json} }], [qw(bids currentHighestBid listing success)],
    '... {success, listing, bids, currentHighestBid}';
is $r->{json}{listing}{id}, $lid, '... listing';
is $r->{json}{listing}{currentBid}, 30000, '... listing.currentBid';
is scalar @{ $r->{json}{bids} }, 1, '... bids';
is $r->{json}{currentHighestBid}{amount}, 30000, '... currentHighestBid';

$r = sel('GET', "/bids?listingId=$lid&status=active", undef, token => $V);
is $r->{status}, 200, 'GET /bids: 200';
is $r->{json}{bids}[0]{amount}, 30000, '... {bids}';
is $r->{json}{pagination}{total}, 1, '... pagination';

$r = sel('POST', '/bids', { listingId => $lid, amount => $instant }, token => $V);
is $r->{status}, 201, 'a bid at the instant-win price: 201';
is $r->{json}{isInstantWin}, JSON::PP::true, '... isInstantWin beside the bid';
is $r->{json}{bid}{isInstantWin}, JSON::PP::true, '... and in it';

$r = sel('POST', '/bids', {}, token => $V);
is $r->{status}, 422, 'POST /bids {}: 422';
is $r->{json}{success}, JSON::PP::false, '... success: false';
is $r->{json}{error}{code}, 'VALIDATION_ERROR', '... error.code';
ok ref $r->{json}{error}{details}{fields} eq 'ARRAY', '... error.details.fields';
$r = sel('GET', '/listings/00000000-0000-4000-8000-000000000000');
is $r->{status}, 404, 'an unknown listing: 404';
is $r->{json}{error}{code}, 'NOT_FOUND', '... NOT_FOUND in the envelope';
$r = sel('GET', '/bids');
is $r->{status}, 401, 'GET /bids without a token: 401';
is $r->{json}{error}{code}, 'UNAUTHORIZED', '... UNAUTHORIZED';

# --- orders and the agent's task ---------------------------------------------------------
$r = sel('GET', '/orders?limit=5', undef, token => $A);
is $r->{status}, 200, 'GET /orders: 200';
my ($order) = grep { $_->{listingId} eq $lid } @{ $r->{json}{orders} };
ok $order, '... {orders} holds the won listing\'s order';
is $r->{json}{pagination}{limit}, 5, '... pagination';
my $oid = $order->{id};

$r = sel('GET', "/orders/$oid", undef, token => $A);
is $r->{status}, 200, 'GET /orders/:id: 200';
is_deeply [sort keys %{ $r->{json} }], [qw(agent client listing order success vendor)],
    '... {success, order, listing, client, vendor, agent}';
is $r->{json}{order}{status}, 'pending_pickup', '... order.status';
is $r->{json}{order}{finalPrice}, $instant, '... order.finalPrice';
is ref $r->{json}{order}{statusHistory}, 'ARRAY', '... order.statusHistory';
is $r->{json}{listing}{id}, $lid, '... listing';
is $r->{json}{client}{id}, $client_id, '... client';
is $r->{json}{client}{role}, 'CLIENT', '... client.role CLIENT';
is $r->{json}{vendor}{role}, 'VENDOR', '... vendor.role VENDOR';
ok exists $r->{json}{agent} && !defined $r->{json}{agent}, '... agent: none yet';
camel_ok($r, 'GET /orders/:id');

$r = sel('PUT', "/listings/$lid/assign-agent", { agentId => $agent->{user}{id} }, token => $A);
is $r->{status}, 200, 'PUT /listings/:id/assign-agent {agentId}: 200';
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{assignment}{status}, 'assigned', '... assignment.status';
is $r->{json}{assignment}{agentId}, $agent->{user}{id}, '... assignment.agentId';
my $tid = $r->{json}{assignment}{id};

$r = sel('GET', '/agent/tasks', undef, token => $G);
is $r->{status}, 200, 'GET /agent/tasks: 200';
is $r->{json}{tasks}[0]{id}, $tid, '... {tasks}';
ok exists $r->{json}{totalCommission}, '... totalCommission';
is $r->{json}{completedToday}, 0, '... completedToday';
is $r->{json}{tasks}[0]{clientContact}{phone}, $phone, '... tasks[].clientContact';

$r = sel('PUT', "/agent/tasks/$tid/accept", undef, token => $G);
is $r->{status}, 200, 'PUT /agent/tasks/:id/accept: 200';
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{task}{status}, 'accepted', '... task.status accepted';

$r = sel('PUT', "/agent/tasks/$tid/complete", { notes => 'early' }, token => $G);
is $r->{status}, 409, 'complete before the order is delivered: 409';
is $r->{json}{error}{code}, 'INVALID_STATE', '... INVALID_STATE';
is $s->sql("SELECT status || ' ' || (started_at IS NULL) FROM agent_tasks WHERE id = :'p1'", $tid),
    'accepted true', '... and the start was undone with it';

for my $st (qw(picked_up in_transit delivered)) {
    $r = sel('PUT', "/orders/$oid/status", { status => $st, notes => "now $st",
                                             location => { lat => 9.98, lng => 76.28 } },
             token => $G);
    is $r->{status}, 200, "PUT /orders/:id/status {status: $st}: 200";
    is $r->{json}{order}{status}, $st, '... {success, order}';
}
is $r->{json}{success}, JSON::PP::true, '... success';

$r = $s->req('PUT', "/api/v1/agent/tasks/$tid/complete", {}, token => $G);
is $r->{status}, 409, 'the canonical contract still wants a start first';
$r = sel('PUT', "/agent/tasks/$tid/complete", { notes => 'Collected, IMEI checked.',
                                                 verificationPhotos => ['/media/x/v1.jpg'] },
         token => $G);
is $r->{status}, 200, 'PUT /agent/tasks/:id/complete from accepted: 200' or diag $r->{content};
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{task}{status}, 'completed', '... task.status completed';
ok $r->{json}{task}{startedAt} && $r->{json}{task}{completedAt}, '... through in_progress';
ok $r->{json}{commissionEarned} > 0, '... commissionEarned beside the task';
is_deeply $r->{json}{task}{verificationPhotos}, [$s->url . '/media/x/v1.jpg'],
    '... verificationPhotos, absolute under public_url';
is $s->sql("SELECT count(*) FROM agent_tasks WHERE id = :'p1' AND accepted_at <= started_at"
           . " AND started_at <= completed_at", $tid), 1, '... both moves recorded, in order';
$r = sel('GET', '/agent/tasks', undef, token => $G);
is $r->{json}{completedToday}, 1, 'completedToday counts it';
ok $r->{json}{totalCommission} > 0, '... totalCommission';

# --- admin ------------------------------------------------------------------------------
$r = sel('GET', '/admin/dashboard', undef, token => $A);
is $r->{status}, 200, 'GET /admin/dashboard: 200';
ok exists $r->{json}{metrics}{$_}, "... metrics.$_"
    for qw(pendingReviews availableAgents activeListings pendingAssignments totalRevenue platformFees);
my $act = $r->{json}{recentActivity}[0];
ok $act && $act->{type} && $act->{message} && $act->{timestamp},
   '... recentActivity[{type, message, timestamp}]';

$r = sel('GET', '/admin/agents/available', undef, token => $A);
is $r->{status}, 200, 'GET /admin/agents/available: 200';
my ($ag) = grep { $_->{id} eq $agent->{user}{id} } @{ $r->{json}{agents} };
ok $ag, '... {agents}';
is $ag->{role}, 'AGENT', '... role AGENT';
ok exists $ag->{$_}, "... agents[].$_" for qw(activeTasks completionRate totalEarnings rating);

my $other = user_of_role($s, 'client');
$r = sel('PATCH', "/admin/users/$other->{user}{id}", { role => 'VENDOR' }, token => $A);
is $r->{status}, 200, 'PATCH /admin/users/:id {role: "VENDOR"}: 200';
is $r->{json}{user}{role}, 'VENDOR', '... answered in upper case';
is $s->sql("SELECT role FROM users WHERE id = :'p1'", $other->{user}{id}), 'vendor',
   '... stored in lower case';

# --- mounts -------------------------------------------------------------------------------
for my $p ('/selliko/nowhere', '/selliko', '/nowhere', '/prokip/nowhere', '/api/v1/nowhere') {
    $r = $s->get($p);
    is $r->{status}, 404, "$p: 404";
    is $r->{json}{error}{code}, 'NOT_FOUND', '... JSON NOT_FOUND';
}

# A profile at / of its own server name (nginx-site ROOT=).
my $http = HTTP::Tiny->new(timeout => 10);
my $root = "http://127.0.0.1:$root_port";
$r = $http->post("$root/auth/send-otp", { headers => { 'Content-Type' => 'application/json' },
                                          content => '{"phone":"+919812345671"}' });
my $j = eval { SCPTest::json->decode($r->{content}) } || {};
is $r->{status}, 200, 'selliko at /: POST /auth/send-otp: 200';
ok $j->{success} && $j->{otpId}, '... {success, otpId}';
$r = $http->get("$root/marketplace?limit=2");
$j = eval { SCPTest::json->decode($r->{content}) } || {};
ok $j->{listings} && $j->{pagination}{limit} == 2, 'selliko at /: GET /marketplace {listings}';
$r = $http->get("$root/nowhere");
$j = eval { SCPTest::json->decode($r->{content}) } || {};
is $r->{status}, 404, 'selliko at /: an unknown path: 404';
is $j->{error}{code}, 'NOT_FOUND', '... JSON';
ok $r->{headers}{'x-request-id'}, '... with an X-Request-Id';
$r = $http->get("$root/api/v1/marketplace");
is $r->{content}, $s->get('/api/v1/marketplace')->{content},
   'selliko at /: /api/v1/ stays canonical';

# --- cliick and prokip ----------------------------------------------------------------------
my $email = "cliick.$$\@example.com";
$r = $s->post('/api/auth/register', { email => $email, password => 'password123',
                                      firstName => 'Cli', lastName => 'Ick' });
is $r->{status}, 201, 'cliick: POST /api/auth/register: 201' or diag $r->{content};
is $r->{json}{success}, JSON::PP::true, '... success';
ok $r->{json}{data}{token}, '... data.token';
is $r->{json}{data}{user}{firstName}, 'Cli', '... data.user, camelCase (firstName folded in)';
$r = $s->post('/api/auth/login', { email => $email, password => 'password123' });
is $r->{status}, 200, 'cliick: POST /api/auth/login: 200';
is_deeply [sort keys %{ $r->{json} }], [qw(data success)], '... {success, data}';
ok $r->{json}{data}{token} && !exists $r->{json}{data}{accessToken}, '... data.token';
is $r->{json}{data}{user}{email}, $email, '... data.user';
camel_ok($r, 'cliick login');
$r = $s->post('/api/auth/login', { email => $email, password => 'wrong-password' });
is $r->{status}, 401, 'cliick: a wrong password: 401';
is $r->{json}{error}{code}, 'UNAUTHORIZED', '... in the error envelope';

$r = $s->post('/prokip/auth/login', { email => $email, password => 'password123' });
is $r->{status}, 200, 'prokip: POST /prokip/auth/login: 200';
ok $r->{json}{token} && !exists $r->{json}{success}, '... bare {token, …}';
is $r->{json}{user}{firstName}, 'Cli', '... camelCase';
$r = $s->get('/prokip/marketplace?pageSize=3');
ok $r->{json}{results} && $r->{json}{pagination}{pageSize} == 3
       && exists $r->{json}{pagination}{totalPages} && !exists $r->{json}{success},
   'prokip: GET /prokip/marketplace bare {results, pagination{pageSize, totalPages}}';

# --- every route named in lib/scp_profiles.c exists --------------------------------------------
my $build = $ENV{SCP_BUILD} // "$SCPTest::TOP/build";
my %routes;
for my $bin (glob("$build/cgi-bin/*/scp-*")) {
    next unless -x $bin;
    chomp(my @l = `$bin --routes`);
    $routes{$_} = 1 for @l;
}
open my $fh, '<', "$SCPTest::TOP/lib/scp_profiles.c" or die $!;
my $src = do { local $/; <$fh> };
my @named = $src =~ /"(GET|POST|PUT|PATCH|DELETE)", V1 "([^"]+)"/g;
ok @named > 20, 'lib/scp_profiles.c names routes';
while (my ($m, $p) = splice @named, 0, 2) {
    ok $routes{"$m /api/v1$p"}, "$m /api/v1$p is a family's route";
}

# --- the canonical contract is what the families send --------------------------------------
for my $p (sort keys %canonical_before) {
    $r = $s->get($p, token => $p =~ /users/ ? $V : $A);
    ok $r->{content} !~ /"success"/, "$p: the family's own text";
    is $r->{content}, $canonical_before{$p}, "$p: byte for byte what it was before any profiled request";
}
# The workers that render profiled answers send canonical ones untouched right after.
my ($plain, $via) = ($s->get('/api/v1/users/me', token => $V)->{content},
                     sel('GET', '/users/me', undef, token => $V)->{content});
is $s->get('/api/v1/users/me', token => $V)->{content}, $plain,
   'a canonical answer right after a profiled one is the same bytes';
like $plain, qr/"role":"vendor"/, '... in its own spelling';
like $via, qr/^\{"success":true,"user":\{.*"role":"VENDOR"/, '... while the profiled one is re-spelt';
# Each GET counts a view: set views aside.
$via = sel('GET', "/listings/$lid")->{json};
my $canon = SCPTest::json->decode($s->get("/api/v1/listings/$lid")->{content});
is $via->{listing}{askingPrice}, $canon->{asking_price}, '... and holds what the profiled one does';
is $via->{currentHighestBid}{id}, $canon->{current_highest_bid}{id}, '... currentHighestBid too';

# Notifications as seed 001 reads them: {notifications, unreadCount}; mark-all-read
# {success, markedCount}.
my $nu = $s->signup;
$s->sql("INSERT INTO notifications (user_id, type, title, message) VALUES (:'p1', 'message', 'Hi', 'x')",
        $nu->{user}{id});
$r = sel('GET', '/notifications?unreadOnly=true', undef, token => $nu->{access_token});
is $r->{status}, 200, 'GET /selliko/notifications';
ok $r->{json}{success} && ref $r->{json}{notifications} eq 'ARRAY', '... {success, notifications}';
is $r->{json}{unreadCount}, 1, '... unreadCount';
is $r->{json}{notifications}[0]{isRead}, JSON::PP::false, '... each in camelCase';
$r = sel('PUT', '/notifications/mark-all-read', undef, token => $nu->{access_token});
is_deeply [ $r->{json}{success}, $r->{json}{markedCount} ], [ JSON::PP::true, 1 ],
    'PUT /selliko/notifications/mark-all-read: {success, markedCount}';

# --- the credential routes' rate limit applies through every mount ----------------------------
my $limited;
for my $n (1 .. 120) {
    # A phone each, so that the per-phone limit (DESIGN §7) is not the one met.
    $r = sel('POST', '/auth/verify-otp', { phone => sprintf('+9198120%05d', $n), otp => '000000' });
    if ($r->{status} == 429) { $limited = $r; last }
}
ok $limited, 'POST /selliko/auth/verify-otp is rate limited';
is $limited && $limited->{json}{error}{code}, 'RATE_LIMITED', '... RATE_LIMITED in JSON';
is $s->post('/api/auth/login', { email => $email, password => 'x' })->{status}, 429,
   '... and /api/auth/login (the same limit)';
is $s->post('/api/v1/auth/login', { email => $email, password => 'x' })->{status}, 429,
   '... as /api/v1/auth/login';
is sel('GET', '/marketplace')->{status}, 200, '... while other routes are not';

done_testing;
