# Cliick.io's shops at /api/shops (the cliick profile): create (the creator owns it), list
# (only the caller's), get, update (owner and admins only), another account's shop (404),
# validation, malformed bodies, no session, and a cookie-authenticated write's CSRF check.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);

my $allowed = 'http://shop.example';
my $s = SCPTest->start(env => { SCP_CORS_ORIGINS => $allowed });
my $n = 0;

sub account {
    $n++;
    my $r = $s->post('/api/auth/register', { email => "seller$n.$$\@example.com",
                                             password => 'password123', username => "seller$n" });
    die "register: $r->{status} $r->{content}" unless $r->{status} == 201;
    my ($session) = grep { /^scp_session=/ } @{ ref $r->{headers}{'set-cookie'}
        ? $r->{headers}{'set-cookie'} : [ $r->{headers}{'set-cookie'} ] };
    $session =~ s/;.*//;
    return { token => $r->{json}{data}{token}, id => $r->{json}{data}{user}{id},
             cookie => $session };
}

sub fields_of {
    my ($r) = @_;
    return { map { $_->{field} => $_->{message} } @{ $r->{json}{error}{details}{fields} || [] } };
}

my ($owner, $stranger, $agent, $admin) = (account(), account(), account(), account());

# --- create ---------------------------------------------------------------------------
my $r = $s->post('/api/shops', { name => 'Golden Teak', logoUrl => 'https://cdn.example/l.png',
                                 currency => 'MMK' }, token => $owner->{token});
is $r->{status}, 201, 'create: 201';
is $r->{json}{success}, JSON::PP::true, 'success true';
my $shop = $r->{json}{data};
like $shop->{id}, qr/^[0-9a-f-]{36}$/, 'data.id';
is $shop->{name}, 'Golden Teak', 'name';
is $shop->{logoUrl}, 'https://cdn.example/l.png', 'logoUrl';
is $shop->{currency}, 'MMK', 'currency';
is $shop->{ownerId}, $owner->{id}, 'the creator is its owner';
is $shop->{role}, 'owner', 'and its member as owner';

$r = $s->post('/api/shops', { name => 'Second' }, token => $owner->{token});
is $r->{status}, 201, 'only a name: 201';
is $r->{json}{data}{currency}, 'MMK', 'the currency defaults to MMK';
is $r->{json}{data}{logoUrl}, undef, 'no logo';
my $second = $r->{json}{data};

$r = $s->post('/api/shops', { name => '', logoUrl => 'ftp://x', currency => 'usd' },
              token => $owner->{token});
is $r->{status}, 422, 'invalid fields: 422';
my $f = fields_of($r);
ok $f->{name}, 'empty name reported';
ok $f->{logo_url} || $f->{logoUrl}, 'a logo that is not http(s) reported';
ok $f->{currency}, 'a lower-case currency reported';
$r = $s->post('/api/shops', {}, token => $owner->{token});
is $r->{status}, 422, 'no name: 422';
$r = $s->post('/api/shops', { name => 'x' x 201 }, token => $owner->{token});
is $r->{status}, 422, 'a name too long: 422';
$r = $s->post('/api/shops', '{"name":', token => $owner->{token});
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post('/api/shops', '[1]', token => $owner->{token});
is $r->{status}, 400, 'not an object: 400';
$r = $s->post('/api/shops', { name => 'x' });
is $r->{status}, 401, 'no session: 401';
$r = $s->post('/api/shops', { name => 'x' }, token => 'not.a.token');
is $r->{status}, 401, 'a bad token: 401';

# --- cookie-authenticated create: CSRF ------------------------------------------------
my $count = sub { $s->sql("SELECT count(*) FROM shops WHERE owner_id = '$owner->{id}'") };
my $before = $count->();
$r = $s->post('/api/shops', { name => 'Forged' },
              headers => { Cookie => $owner->{cookie}, Origin => 'http://evil.example' });
is $r->{status}, 403, 'a cookie create from a foreign Origin: 403';
is $count->(), $before, 'no shop made';
$r = $s->post('/api/shops', { name => 'From the page' },
              headers => { Cookie => $owner->{cookie}, Origin => $allowed });
is $r->{status}, 201, 'a cookie create from the allowed Origin: 201';
is $count->(), $before + 1, 'one shop more';

# --- list and get: members only -------------------------------------------------------
$r = $s->get('/api/shops', token => $owner->{token});
is $r->{status}, 200, 'list: 200';
is $r->{json}{pagination}{total}, 3, 'the owner\'s three shops';
is_deeply [ sort map { $_->{name} } @{ $r->{json}{data} } ],
    [ sort 'Golden Teak', 'Second', 'From the page' ], 'by name';
$r = $s->get('/api/shops', token => $stranger->{token});
is $r->{status}, 200, 'a stranger\'s list: 200';
is $r->{json}{pagination}{total}, 0, 'none of the owner\'s shops';
$r = $s->get('/api/shops?page=0', token => $owner->{token});
is $r->{status}, 400, 'a bad page: 400';
$r = $s->get('/api/shops');
is $r->{status}, 401, 'list without a session: 401';

$r = $s->get("/api/shops/$shop->{id}", token => $owner->{token});
is $r->{status}, 200, 'get: 200';
is $r->{json}{data}{name}, 'Golden Teak', 'the shop';
$r = $s->get("/api/shops/$shop->{id}", token => $stranger->{token});
is $r->{status}, 404, 'another account\'s shop: 404';
$r = $s->get('/api/shops/00000000-0000-4000-8000-000000000000', token => $owner->{token});
is $r->{status}, 404, 'an unknown shop: 404';
$r = $s->get('/api/shops/not-a-uuid', token => $owner->{token});
is $r->{status}, 404, 'not an id: 404';

# --- team members' rights -------------------------------------------------------------
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop->{id}', '$agent->{id}', 'support_agent'),"
        . " ('$shop->{id}', '$admin->{id}', 'admin')");
$r = $s->get("/api/shops/$shop->{id}", token => $agent->{token});
is $r->{status}, 200, 'a support agent sees the shop';
is $r->{json}{data}{role}, 'support_agent', 'with the agent\'s role';
$r = $s->get('/api/shops', token => $agent->{token});
is $r->{json}{pagination}{total}, 1, 'the agent lists only that shop';
$r = $s->get("/api/shops/$second->{id}", token => $agent->{token});
is $r->{status}, 404, 'the agent does not see the owner\'s other shop';

# --- update ---------------------------------------------------------------------------
$r = $s->req('PUT', "/api/shops/$shop->{id}", { name => 'Golden Teak House', currency => 'USD' },
             token => $owner->{token});
is $r->{status}, 200, 'the owner updates: 200';
is $r->{json}{data}{name}, 'Golden Teak House', 'name changed';
is $r->{json}{data}{currency}, 'USD', 'currency changed';
is $r->{json}{data}{logoUrl}, 'https://cdn.example/l.png', 'logo kept';

$r = $s->req('PUT', "/api/shops/$shop->{id}", { logoUrl => undef }, token => $admin->{token});
is $r->{status}, 200, 'an admin updates: 200';
is $r->{json}{data}{logoUrl}, undef, 'null clears the logo';
is $r->{json}{data}{name}, 'Golden Teak House', 'the rest kept';

$r = $s->req('PUT', "/api/shops/$shop->{id}", { name => 'Agent Shop' }, token => $agent->{token});
is $r->{status}, 403, 'a support agent may not update: 403';
is $s->sql("SELECT name FROM shops WHERE id = '$shop->{id}'"), 'Golden Teak House',
    'nothing changed';
$r = $s->req('PUT', "/api/shops/$shop->{id}", { name => 'Mine now' }, token => $stranger->{token});
is $r->{status}, 404, 'another account\'s shop: 404';
$r = $s->req('PUT', "/api/shops/$shop->{id}", { currency => 'EURO', name => undef },
             token => $owner->{token});
is $r->{status}, 422, 'invalid update: 422';
$f = fields_of($r);
ok $f->{currency}, 'currency reported';
ok $f->{name}, 'a null name reported';
$r = $s->req('PUT', "/api/shops/$shop->{id}", '{', token => $owner->{token});
is $r->{status}, 400, 'malformed update: 400';
$r = $s->req('PUT', "/api/shops/$shop->{id}", { name => 'x' });
is $r->{status}, 401, 'update without a session: 401';
$r = $s->req('PUT', "/api/shops/$shop->{id}", { name => 'Forged' },
             headers => { Cookie => $owner->{cookie}, Origin => 'http://evil.example' });
is $r->{status}, 403, 'a cookie update from a foreign Origin: 403';
is $s->sql("SELECT name FROM shops WHERE id = '$shop->{id}'"), 'Golden Teak House',
    'nothing changed';

# --- concurrent creates: each its own shop and membership ---------------------------------
my @codes = map { $_->{status} } parallel(4, sub {
    my $r = $s->post('/api/shops', { name => "Race $_[0]" }, token => $stranger->{token});
    return { status => $r->{status} };
});
is_deeply [ sort @codes ], [ (201) x 4 ], 'four concurrent creates: 201 each';
is $s->sql("SELECT count(*) FROM shops s JOIN shop_members m ON m.shop_id = s.id"
           . " AND m.user_id = s.owner_id AND m.role = 'owner' WHERE s.owner_id = '$stranger->{id}'"),
    4, 'each with its owner as member';

done_testing;
