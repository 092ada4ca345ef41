# Cliick.io's shop document through PUT /api/shops/:shopId (the cliick profile), as the
# frontend's saveShop / updateShop send it: paymentMethods and knowledgeBase (kept,
# answered, checked entry by entry, bounded); the whole `team` array (its difference from
# the current team applied with the rights of /team, 403 and nothing changed for any
# refused change, 422 for an unknown account, a no-op when equal; concurrent rewrites keep
# the owner and make no duplicate); the subscription (a platform administrator approves,
# rejects and changes plans, through the machine shop_subscription, 409 for an illegal
# move; an owner only asks); an administrator lists and reads every shop; and a page of
# shops with their integrations, as one shop answers them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPShops qw(shop_account fields_of);

my $s = SCPTest->start();

sub has_field {
    my ($r, $re) = @_;
    return scalar grep { /$re/ } keys %{ fields_of($r) };
}

my ($owner, $admin, $manager, $agent, $stranger, $x, $y, $z) = map { shop_account($s, 'doc') } 1 .. 8;
my $r = $s->post('/api/shops', { name => 'Documents' }, token => $owner->{token});
die "shop: $r->{status}" unless $r->{status} == 201;
my $shop = $r->{json}{data};
my $id = $shop->{id};
my $put = sub { $s->req('PUT', "/api/shops/$id", $_[0], token => $_[1]{token}) };

# --- a new shop's documents -------------------------------------------------------------
is_deeply $shop->{paymentMethods}, [], 'a new shop has no payment methods';
is_deeply $shop->{knowledgeBase}, { userDefined => [], productData => '' },
    'and an empty knowledge base';
is_deeply $shop->{team}, [ { userId => $owner->{id}, role => 'owner',
                             joinedAt => $shop->{team}[0]{joinedAt} } ],
    'its team is its owner';
like $shop->{team}[0]{joinedAt}, qr/^\d{4}-\d\d-\d\dT/, 'joinedAt, a time';

$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$id', '$admin->{id}', 'admin'),"
        . " ('$id', '$manager->{id}', 'order_manager'),"
        . " ('$id', '$agent->{id}', 'support_agent')");

# --- payment methods --------------------------------------------------------------------
my $pm = sub {
    $s->sql("SELECT payment_methods::text || '|' || knowledge_base::text FROM shops"
            . " WHERE id = '$id'");
};
my $empty = $pm->();
my @methods = (
    { id => 'kbz', name => 'KBZPay', instructions => 'Pay 09 123 456 and send the slip.',
      qrCodeUrl => '/uploads/shops/kbz.png', requiresProof => JSON::PP::true,
      enabled => JSON::PP::true },
    { id => 'cod', name => 'Cash on delivery', instructions => '',
      requiresProof => JSON::PP::false, enabled => JSON::PP::false },
    { id => 'wave', name => 'Wave Money', instructions => 'Scan the code.',
      qrCodeUrl => 'https://cdn.example/wave.png', requiresProof => JSON::PP::true,
      enabled => JSON::PP::true },
    { id => 'aya', name => 'AYA Pay', instructions => 'x', qrCodeUrl => undef,
      requiresProof => JSON::PP::false, enabled => JSON::PP::true },
);
$r = $put->({ paymentMethods => \@methods }, $owner);
is $r->{status}, 200, 'the owner stores four payment methods: 200';
is_deeply $r->{json}{data}{paymentMethods}, \@methods, 'answered as sent, camelCase inside';
is $s->sql("SELECT payment_methods->0->>'qr_code_url' FROM shops WHERE id = '$id'"),
    '/uploads/shops/kbz.png', 'stored';
$r = $s->get("/api/shops/$id", token => $agent->{token});
is_deeply $r->{json}{data}{paymentMethods}, \@methods, 'every member sees them';
$r = $s->get('/api/shops', token => $manager->{token});
is_deeply $r->{json}{data}[0]{paymentMethods}, \@methods, 'and in the list';
my $stored = $pm->();

my %good = %{ $methods[0] };
my @bad = (
    [ 'not an array', { %good }, qr/^payment_?[mM]ethods$/, 1 ],
    [ 'an entry without an id', [ { %good, id => undef } ], qr/^payment_?[mM]ethods$/ ],
    [ 'an id of 201 characters', [ { %good, id => 'i' x 201 } ], qr/^payment_?[mM]ethods$/ ],
    [ 'an empty name', [ { %good, name => '' } ], qr/name$/ ],
    [ 'a name of 201 characters', [ { %good, name => 'n' x 201 } ], qr/name$/ ],
    [ 'no name', [ { map { $_ => $good{$_} } grep { $_ ne 'name' } keys %good } ], qr/name$/ ],
    [ 'instructions not a string', [ { %good, instructions => 5 } ], qr/instructions$/ ],
    [ 'instructions of 4001 characters', [ { %good, instructions => 'i' x 4001 } ],
      qr/instructions$/ ],
    [ 'a QR code over http', [ { %good, qrCodeUrl => 'http://cdn.example/q.png' } ],
      qr/qr_?[cC]ode_?[uU]rl$/ ],
    [ 'a QR code of another scheme', [ { %good, qrCodeUrl => 'javascript:alert(1)' } ],
      qr/qr_?[cC]ode_?[uU]rl$/ ],
    [ 'a QR code climbing out of uploads', [ { %good, qrCodeUrl => '/uploads/../etc/passwd' } ],
      qr/qr_?[cC]ode_?[uU]rl$/ ],
    [ 'a QR code of 2049 characters',
      [ { %good, qrCodeUrl => 'https://cdn.example/' . ('q' x 2029) } ], qr/qr_?[cC]ode_?[uU]rl$/ ],
    [ 'requiresProof not a boolean', [ { %good, requiresProof => 'yes' } ],
      qr/requires_?[pP]roof$/ ],
    [ 'no enabled', [ { map { $_ => $good{$_} } grep { $_ ne 'enabled' } keys %good } ],
      qr/enabled$/ ],
    [ 'null', undef, qr/^payment_?[mM]ethods$/ ],
    [ '1001 entries', [ map { { %good, id => "m$_" } } 1 .. 1001 ], qr/^payment_?[mM]ethods$/ ],
    [ 'over 64 KiB', [ map { { %good, id => "m$_", instructions => 'i' x 3000 } } 1 .. 30 ],
      qr/^payment_?[mM]ethods$/ ],
);
for my $b (@bad) {
    my ($what, $v, $re) = @$b;
    $r = $put->({ paymentMethods => $v, name => 'Renamed' }, $owner);
    is $r->{status}, 422, "payment methods, $what: 422";
    ok has_field($r, $re), "  reported on its field" or diag $r->{content};
}
is $pm->(), $stored, 'no bad request changed the documents';
is $s->sql("SELECT name FROM shops WHERE id = '$id'"), 'Documents', 'nor the name';
$r = $put->({ paymentMethods => [] }, $manager);
is $r->{status}, 403, 'an order manager: 403';
$r = $put->({ paymentMethods => [] }, $agent);
is $r->{status}, 403, 'a support agent: 403';
$r = $put->({ paymentMethods => [] }, $stranger);
is $r->{status}, 404, 'a stranger: 404';
$r = $put->({ paymentMethods => [] });
is $r->{status}, 401, 'no session: 401';
is $pm->(), $stored, 'none of them changed anything';
$r = $put->({ paymentMethods => [ $methods[1] ] }, $admin);
is $r->{status}, 200, 'an admin replaces the list: 200';
is_deeply $r->{json}{data}{paymentMethods}, [ $methods[1] ], 'replaced whole';

$r = $s->post('/api/shops', { name => 'With methods', paymentMethods => [ $methods[0] ] },
              token => $stranger->{token});
is $r->{status}, 201, 'a new shop with its payment methods: 201';
is_deeply $r->{json}{data}{paymentMethods}, [ $methods[0] ], 'kept';
my $strangers_shop = $r->{json}{data};
$r = $s->post('/api/shops', { name => 'Bad methods', paymentMethods => [ { id => 'x' } ] },
              token => $stranger->{token});
is $r->{status}, 422, 'a new shop with a bad payment method: 422';

# --- knowledge base ---------------------------------------------------------------------
my %kb = (
    userDefined => [
        { id => 'about', title => 'About us', content => 'Teak since 1990.', isCustom => JSON::PP::false,
          isDeletable => JSON::PP::false, includeInQuickReplies => JSON::PP::true, type => 'text' },
        { id => 'shops', title => 'Our shops', content => '', isCustom => JSON::PP::true,
          includeInQuickReplies => JSON::PP::false, type => 'location_list',
          locations => [ { id => 'l1', name => 'Yangon', address => '1 Main St' } ] },
    ],
    productData => "Teak chair: 100 USD\nTeak table: 300 USD",
);
$r = $put->({ knowledgeBase => \%kb }, $owner);
is $r->{status}, 200, 'the owner stores the knowledge base: 200';
is_deeply $r->{json}{data}{knowledgeBase}, \%kb, 'answered as sent';
$r = $s->get("/api/shops/$id", token => $agent->{token});
is_deeply $r->{json}{data}{knowledgeBase}, \%kb, 'every member sees it';
$stored = $pm->();
my @kbad = (
    [ 'not an object', [ 1 ], qr/^knowledge_?[bB]ase$/ ],
    [ 'null', undef, qr/^knowledge_?[bB]ase$/ ],
    [ 'no productData', { userDefined => [] }, qr/^knowledge_?[bB]ase$/ ],
    [ 'productData not a string', { userDefined => [], productData => 5 }, qr/^knowledge_?[bB]ase$/ ],
    [ 'userDefined not an array', { userDefined => {}, productData => '' }, qr/user_?[dD]efined$/ ],
    [ 'a section without an id', { userDefined => [ { title => 't' } ], productData => '' },
      qr/user_?[dD]efined$/ ],
    [ 'a section whose title is a number',
      { userDefined => [ { id => 's', title => 5 } ], productData => '' }, qr/user_?[dD]efined$/ ],
    [ 'a section whose isCustom is a string',
      { userDefined => [ { id => 's', isCustom => 'no' } ], productData => '' },
      qr/user_?[dD]efined$/ ],
    [ 'over 256 KiB', { userDefined => [], productData => 'p' x 262200 }, qr/^knowledge_?[bB]ase$/ ],
);
for my $b (@kbad) {
    my ($what, $v, $re) = @$b;
    $r = $put->({ knowledgeBase => $v }, $owner);
    is $r->{status}, 422, "knowledge base, $what: 422";
    ok has_field($r, $re), "  reported on its field" or diag $r->{content};
}
$r = $put->({ knowledgeBase => { userDefined => [], productData => 'p' x 200000 } }, $owner);
is $r->{status}, 200, 'a catalogue of 200000 characters is within the bound: 200';
$r = $put->({ knowledgeBase => \%kb }, $owner);
is $pm->(), $stored, 'no bad request changed it';
$r = $put->({ knowledgeBase => \%kb }, $manager);
is $r->{status}, 403, 'an order manager: 403';
$r = $s->req('PUT', "/api/shops/$id", '{"knowledgeBase":', token => $owner->{token});
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->req('PUT', "/api/shops/$id", '{"knowledgeBase":"' . ('k' x (1100 * 1024)) . '"}',
             token => $owner->{token});
is $r->{status}, 413, 'a body over 1 MiB: 413';
is $pm->(), $stored, 'neither changed anything';

# --- the team through PUT ---------------------------------------------------------------
my $team_of = sub {
    join ' ', map { s/\t/:/r } $s->sql("SELECT user_id, role FROM shop_members"
                                       . " WHERE shop_id = '$id' ORDER BY user_id");
};
my $current = sub {    # the team as the frontend has it: the shop's, fetched
    my $g = $s->get("/api/shops/$id", token => $owner->{token});
    return $g->{json}{data}{team};
};
my $name_of = {};
my $t0 = $current->();
is scalar @$t0, 4, 'the shop answers its team of four';
is_deeply [ sort map { $_->{role} } @$t0 ], [ qw(admin order_manager owner support_agent) ],
    'with their roles';
my $before = $team_of->();
my $joined = $s->sql("SELECT string_agg(created_at::text, ',' ORDER BY user_id) FROM shop_members"
                     . " WHERE shop_id = '$id'");

$r = $put->({ team => $t0, name => 'Documents' }, $owner);
is $r->{status}, 200, 'the team as it is (the frontend\'s every saveShop): 200';
is $team_of->(), $before, 'nothing changed';
is $s->sql("SELECT string_agg(created_at::text, ',' ORDER BY user_id) FROM shop_members"
           . " WHERE shop_id = '$id'"), $joined, 'not even when they joined';
$r = $put->({ team => [ reverse @$t0 ] }, $admin);
is $r->{status}, 200, 'the same team in another order, from an admin: 200';
is $team_of->(), $before, 'nothing changed';

# addUserToShop: [...team, {userId, role, joinedAt}]
$r = $put->({ team => [ @$t0, { userId => $x->{id}, role => 'Support Agent',
                                joinedAt => time * 1000 } ] }, $owner);
is $r->{status}, 200, 'addUserToShop (the frontend\'s spelling of the role): 200';
is scalar @{ $r->{json}{data}{team} }, 5, 'the answer has the new member';
is $s->sql("SELECT role FROM shop_members WHERE shop_id = '$id' AND user_id = '$x->{id}'"),
    'support_agent', 'stored, folded';
# updateUserRoleInShop
$r = $put->({ team => [ map { $_->{userId} eq $x->{id} ? { %$_, role => 'Admin' } : $_ }
                        @{ $current->() } ] }, $owner);
is $r->{status}, 200, 'updateUserRoleInShop by the owner, to admin: 200';
is $s->sql("SELECT role FROM shop_members WHERE shop_id = '$id' AND user_id = '$x->{id}'"),
    'admin', 're-roled';
# removeUserFromShop
$r = $put->({ team => [ grep { $_->{userId} ne $x->{id} } @{ $current->() } ] }, $owner);
is $r->{status}, 200, 'removeUserFromShop by the owner, an admin: 200';
is $team_of->(), $before, 'removed';

# an admin: order managers and support agents only
my $with = sub { my ($who, $role) = @_; [ @{ $current->() }, { userId => $who->{id}, role => $role } ] };
my $with_role = sub {
    my ($who, $role) = @_;
    [ map { $_->{userId} eq $who->{id} ? { %$_, role => $role } : $_ } @{ $current->() } ];
};
my $without = sub { my ($who) = @_; [ grep { $_->{userId} ne $who->{id} } @{ $current->() } ] };
$r = $put->({ team => $with->($x, 'order_manager') }, $admin);
is $r->{status}, 200, 'an admin adds an order manager: 200';
$r = $put->({ team => $with_role->($x, 'support_agent') }, $admin);
is $r->{status}, 200, 'an admin re-roles it: 200';
$r = $put->({ team => $without->($x) }, $admin);
is $r->{status}, 200, 'an admin removes it: 200';
is $team_of->(), $before, 'the team as before';

my @refused = (
    [ $admin, 'an admin adds an admin', sub { $with->($x, 'Admin') } ],
    [ $admin, 'an admin makes itself owner', sub { $with_role->($admin, 'Owner') } ],
    [ $admin, 'an admin makes an order manager admin', sub { $with_role->($manager, 'admin') } ],
    [ $admin, 'an admin demotes itself', sub { $with_role->($admin, 'support_agent') } ],
    [ $admin, 'an admin drops the owner', sub { $without->($owner) } ],
    [ $admin, 'an admin re-roles the owner', sub { $with_role->($owner, 'admin') } ],
    [ $owner, 'the owner makes someone owner', sub { $with->($x, 'Owner') } ],
    [ $owner, 'the owner gives itself another role', sub { $with_role->($owner, 'admin') } ],
    [ $owner, 'the owner leaves (is left out)', sub { $without->($owner) } ],
    [ $owner, 'an empty team', sub { [] } ],
    [ $admin, 'one allowed change (a support agent added) and one refused (the owner'
              . ' re-roled)', sub { [ @{ $with_role->($owner, 'admin') },
                                      { userId => $x->{id}, role => 'support_agent' } ] } ],
);
for my $c (@refused) {
    my ($who, $what, $team) = @$c;
    $r = $put->({ team => $team->(), name => 'Refused' }, $who);
    is $r->{status}, 403, "$what: 403";
    is $r->{json}{error}{code}, 'FORBIDDEN', '  the standard envelope' if $c == $refused[0];
}
is $team_of->(), $before, 'no refused request changed the team';
is $s->sql("SELECT name FROM shops WHERE id = '$id'"), 'Documents', 'nor the shop';
$r = $put->({ team => $without->($admin) }, $admin);
is $r->{status}, 200, 'an admin leaves (leaves itself out): 200';
is $r->{json}{data}{role}, undef, 'the answer no longer gives it a role';
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES ('$id', '$admin->{id}', 'admin')");
$before = $team_of->();

for my $who ([ $manager, 'an order manager' ], [ $agent, 'a support agent' ]) {
    $r = $put->({ team => $with->($x, 'support_agent') }, $who->[0]);
    is $r->{status}, 403, "$who->[1] sends a team: 403";
}
$r = $put->({ team => $with->($x, 'support_agent') }, $stranger);
is $r->{status}, 404, 'a stranger: 404';
$r = $put->({ team => $with->({ id => '00000000-0000-4000-8000-000000000000' }, 'support_agent') },
            $owner);
is $r->{status}, 422, 'an account that does not exist: 422';
ok has_field($r, qr/^team$/), '  reported on team';
$s->sql("UPDATE users SET status = 'banned' WHERE id = '$z->{id}'");
$r = $put->({ team => $with->($z, 'support_agent') }, $owner);
is $r->{status}, 422, 'a banned account: 422';
my @malformed = (
    [ 'not an array', { userId => $x->{id} } ],
    [ 'null', undef ],
    [ 'an entry without userId', [ @{ $current->() }, { role => 'admin' } ] ],
    [ 'a userId that is not an id', [ @{ $current->() }, { userId => 'u1', role => 'admin' } ] ],
    [ 'a role that is none', [ @{ $current->() }, { userId => $x->{id}, role => 'boss' } ] ],
    [ 'no role', [ @{ $current->() }, { userId => $x->{id} } ] ],
    [ 'an account twice', [ @{ $current->() }, { userId => $x->{id}, role => 'admin' },
                            { userId => $x->{id}, role => 'support_agent' } ] ],
    [ '1001 members', [ map { { userId => $x->{id}, role => 'admin' } } 1 .. 1001 ] ],
);
for my $m (@malformed) {
    $r = $put->({ team => $m->[1] }, $owner);
    is $r->{status}, 422, "team, $m->[0]: 422";
}
is $team_of->(), $before, 'no bad request changed the team';

# --- concurrent rewrites: the owner stays, no one twice ---------------------------------
my $base = $current->();
for my $round (1 .. 5) {
    my @res = parallel(4, sub {
        my ($i) = @_;
        my $who = ($x, $y, $x, $y)[$i];
        my $role = $i < 2 ? 'support_agent' : 'order_manager';
        my $body = $i == 3 ? [ grep { $_->{userId} ne $manager->{id} } @$base ]
                 : [ @$base, { userId => $who->{id}, role => $role } ];
        my $q = $s->req('PUT', "/api/shops/$id", { team => $body },
                        token => ($i % 2 ? $admin : $owner)->{token});
        return { status => $q->{status} };
    });
    my @st = sort map { $_->{status} } @res;
    ok !(grep { $_ != 200 && $_ != 403 } @st), "round $round: each rewrite 200 or 403 (@st)";
    is $s->sql("SELECT count(*) FROM shop_members WHERE shop_id = '$id' AND role = 'owner'"
               . " AND user_id = '$owner->{id}'"), 1, "  the owner is still the owner";
    is $s->sql("SELECT count(*) FROM shop_members WHERE shop_id = '$id' AND role = 'owner'"),
        1, '  and the only one';
    is $s->sql("SELECT count(*) - count(DISTINCT user_id) FROM shop_members WHERE shop_id = '$id'"),
        0, '  no one twice';
    $s->sql("DELETE FROM shop_members WHERE shop_id = '$id' AND user_id IN ('$x->{id}', '$y->{id}')");
    $s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
            . " ('$id', '$manager->{id}', 'order_manager') ON CONFLICT DO NOTHING");
}
my @res = parallel(2, sub {
    my ($i) = @_;
    my $q = $s->req('PUT', "/api/shops/$id",
                    { team => [ @$base, { userId => ($x, $y)[$i]{id}, role => 'support_agent' } ] },
                    token => $owner->{token});
    return { status => $q->{status} };
});
is join(' ', map { $_->{status} } @res), '200 200', 'two owners\' rewrites from one team: both 200';
my $after = $s->sql("SELECT string_agg(user_id::text, ' ' ORDER BY user_id) FROM shop_members"
                    . " WHERE shop_id = '$id' AND user_id IN ('$x->{id}', '$y->{id}')");
ok $after eq $x->{id} || $after eq $y->{id}, 'the later one wins whole (its team as sent)';
is $s->sql("SELECT count(*) FROM shop_members WHERE shop_id = '$id'"), 5, 'five members';
$s->sql("DELETE FROM shop_members WHERE shop_id = '$id' AND user_id IN ('$x->{id}', '$y->{id}')");

for my $round (1 .. 5) {
    my @res = parallel(2, sub {
        my ($i) = @_;
        my $q = $i ? $s->post("/api/shops/$id/team", { email => $x->{email}, role => 'support_agent' },
                              token => $owner->{token})
                   : $s->req('PUT', "/api/shops/$id",
                             { team => [ @$base, { userId => $x->{id}, role => 'support_agent' } ] },
                             token => $owner->{token});
        return { status => $q->{status} };
    });
    my $st = join ' ', map { $_->{status} } @res;
    ok $st =~ /^(200 201|200 409|409 201)$/, "round $round: a PUT and a POST /team adding one account: $st";
    is $s->sql("SELECT count(*) FROM shop_members WHERE shop_id = '$id' AND user_id = '$x->{id}'"),
        1, '  a member once';
    $s->sql("DELETE FROM shop_members WHERE shop_id = '$id' AND user_id = '$x->{id}'");
}

# --- the subscription: a platform administrator approves --------------------------------
my $root = shop_account($s, 'doc');
$s->sql("UPDATE users SET role = 'admin' WHERE id = '$root->{id}'");
$r = $s->post('/api/auth/login', { email => $root->{email}, password => 'password123' });
die "login: $r->{status}" unless $r->{status} == 200;
$root->{token} = $r->{json}{data}{token};
my $sub = sub {
    my ($shop_id) = @_;
    $s->sql("SELECT subscription_plan || '|' || subscription_status || '|'"
            . " || coalesce(subscription_pending_plan, '-') FROM shops WHERE id = '"
            . ($shop_id // $id) . "'");
};

$r = $s->get('/api/shops', token => $root->{token});
is $r->{status}, 200, 'an administrator lists the shops: 200';
my %listed = map { $_->{id} => $_ } @{ $r->{json}{data} };
ok $listed{$id} && $listed{ $strangers_shop->{id} }, 'every shop, its own or not';
is $listed{$id}{role}, undef, 'with no role in one it is no member of';
is scalar(keys %listed), $s->sql("SELECT count(*) FROM shops"), 'all of them';
$r = $s->get('/api/shops', token => $stranger->{token});
is_deeply [ map { $_->{id} } @{ $r->{json}{data} } ], [ $strangers_shop->{id} ],
    'an account that is no administrator lists only its own';
$r = $s->get("/api/shops/$id", token => $root->{token});
is $r->{status}, 200, 'an administrator reads any shop: 200';
my $as_root = $r->{json}{data};
$r = $s->get("/api/shops/$id", token => $stranger->{token});
is $r->{status}, 404, 'a stranger still does not: 404';

$r = $s->post("/api/shops/$id/upgrade", { plan => 'Pro' }, token => $owner->{token});
is $r->{status}, 200, 'the owner asks for Pro';
$as_root = $s->get("/api/shops/$id", token => $root->{token})->{json}{data};
my $period = (time + 30 * 86400) * 1000;
my $team_before = $team_of->();
$r = $put->({ %$as_root, name => 'Renamed by the platform',
              team => [ { userId => $root->{id}, role => 'owner' } ],
              subscription => { %{ $as_root->{subscription} }, plan => 'Pro', status => 'active',
                                pendingPlan => undef, trialEndsAt => undef,
                                periodEndsAt => $period, paymentProof => undef } }, $root);
is $r->{status}, 200, 'the administrator approves (AdminDashboard\'s whole shop): 200';
is $sub->(), 'Pro|active|-', 'on Pro, active, nothing pending';
is $r->{json}{data}{subscription}{periodEndsAt}, $period, 'periodEndsAt as sent';
is $r->{json}{data}{subscription}{trialEndsAt}, undef, 'the trial cleared';
is $s->sql("SELECT name FROM shops WHERE id = '$id'"), 'Documents',
    'the rest of the shop is not the administrator\'s: the name kept';
is $team_of->(), $team_before, 'and the team';

my $again = $s->get("/api/shops/$id", token => $root->{token})->{json}{data};
$r = $put->($again, $root);
is $r->{status}, 200, 'the same subscription again: 200, nothing to move';
$r = $put->({ subscription => { plan => 'Growth', status => 'active' } }, $root);
is $r->{status}, 200, 'a plan change ({plan, status}): 200';
is $sub->(), 'Growth|active|-', 'on Growth';
$r = $put->({ subscription => { plan => 'Trial', status => 'trialing' } }, $root);
is $r->{status}, 409, 'back to a trial: 409 (no move active to trialing)';
is $r->{json}{error}{code}, 'INVALID_STATE', '  the standard envelope';
is $sub->(), 'Growth|active|-', 'nothing changed';
$r = $put->({ subscription => { status => 'expired' } }, $root);
is $r->{status}, 200, 'the administrator ends it: 200';
is $sub->(), 'Growth|expired|-', 'expired';

# rejecting: another shop asks, the administrator rejects
$r = $s->post("/api/shops/$strangers_shop->{id}/upgrade", { plan => 'Pro' },
              token => $stranger->{token});
is $r->{status}, 200, 'another shop asks for Pro';
my $other = $s->get("/api/shops/$strangers_shop->{id}", token => $root->{token})->{json}{data};
$r = $s->req('PUT', "/api/shops/$strangers_shop->{id}",
             { %$other, subscription => { %{ $other->{subscription} }, status => 'trialing',
                                          pendingPlan => undef } }, token => $root->{token});
is $r->{status}, 409, 'back to trialing from pending: 409';
$r = $s->req('PUT', "/api/shops/$strangers_shop->{id}",
             { %$other, subscription => { %{ $other->{subscription} }, status => 'expired',
                                          pendingPlan => undef, paymentProof => undef } },
             token => $root->{token});
is $r->{status}, 200, 'the administrator rejects: 200';
is $sub->($strangers_shop->{id}), 'Trial|expired|-', 'expired, nothing pending, the plan kept';
$r = $s->req('PUT', '/api/shops/00000000-0000-4000-8000-000000000000',
             { subscription => { status => 'active' } }, token => $root->{token});
is $r->{status}, 404, 'an unknown shop: 404';
$r = $s->req('PUT', '/api/shops/not-a-uuid', { subscription => { status => 'active' } },
             token => $root->{token});
is $r->{status}, 404, 'not an id: 404';
$r = $s->get('/api/shops/not-a-uuid', token => $root->{token});
is $r->{status}, 404, 'nor to read';
$r = $put->({ subscription => { status => 'active' } }, { token => 'not.a.token' });
is $r->{status}, 401, 'a bad token: 401';

# the owner: only asks
my $mine = $s->get("/api/shops/$id", token => $owner->{token})->{json}{data};
$r = $put->($mine, $owner);
is $r->{status}, 200, 'the owner saves its whole shop, subscription unchanged: 200';
for my $c ([ 'makes itself active', { status => 'active' } ],
           [ 'changes its plan', { plan => 'Enterprise' } ],
           [ 'sets its own period', { periodEndsAt => $period + 1000 } ],
           [ 'asks with no plan', { status => 'pending_approval' } ]) {
    $r = $put->({ subscription => { %{ $mine->{subscription} }, %{ $c->[1] } } }, $owner);
    is $r->{status}, 403, "the owner $c->[0]: 403";
}
is $sub->(), 'Growth|expired|-', 'none of it changed the subscription';
$r = $put->({ subscription => { %{ $mine->{subscription} }, status => 'pending_approval',
                                pendingPlan => 'Pro' } }, $owner);
is $r->{status}, 200, 'the owner asks for Pro through PUT (SubscriptionPanel): 200';
is $sub->(), 'Growth|pending_approval|Pro', 'pending';
$mine = $s->get("/api/shops/$id", token => $owner->{token})->{json}{data};
for my $who ([ $admin, 'a shop admin' ], [ $manager, 'an order manager' ]) {
    $r = $put->({ subscription => { %{ $mine->{subscription} }, status => 'active' } }, $who->[0]);
    is $r->{status}, 403, "$who->[1] approves: 403";
}
$r = $put->({ subscription => { status => 'active' } }, $stranger);
is $r->{status}, 404, 'a stranger: 404';
is $sub->(), 'Growth|pending_approval|Pro', 'still pending';
for my $c ([ 'not an object', 'active' ], [ 'a status that is none', { status => 'paid' } ],
           [ 'an empty plan', { plan => '' } ], [ 'a plan of 101 characters', { plan => 'p' x 101 } ],
           [ 'periodEndsAt a string', { periodEndsAt => 'soon' } ],
           [ 'trialEndsAt negative', { trialEndsAt => -1 } ],
           [ 'pendingPlan a number', { pendingPlan => 5 } ]) {
    $r = $put->({ subscription => $c->[1] }, $root);
    is $r->{status}, 422, "subscription, $c->[0]: 422";
}
is $sub->(), 'Growth|pending_approval|Pro', 'no bad request changed it';

# --- a page of shops: integrations and teams as each shop answers them -------------------
$s->sql("INSERT INTO shop_integrations (shop_id, platform, external_id, token_sealed) VALUES"
        . " ('$id', 'facebook', 'page1', 'sealed'), ('$id', 'viber', 'v1', 'sealed'),"
        . " ('$strangers_shop->{id}', 'telegram', 'bot1', 'sealed')");
$r = $s->get('/api/shops?limit=100', token => $root->{token});
for my $one (@{ $r->{json}{data} }) {
    my $g = $s->get("/api/shops/$one->{id}", token => $root->{token})->{json}{data};
    is_deeply $one, $g, "the list answers shop $one->{name} as the shop itself";
}
%listed = map { $_->{id} => $_ } @{ $r->{json}{data} };
is_deeply { map { $_ => $listed{$id}{integrations}{$_}{isConnected} ? 1 : 0 }
            keys %{ $listed{$id}{integrations} } },
    { facebook => 1, instagram => 0, tiktok => 0, telegram => 0, viber => 1 },
    'facebook and viber connected, the others not';
is $listed{ $strangers_shop->{id} }{integrations}{telegram}{isConnected}, JSON::PP::true,
    'the other shop\'s telegram';

done_testing;
