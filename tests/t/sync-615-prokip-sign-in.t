# Signing in with a Prokip account, as seed 004's dashboard does (cgi-bin/auth/prokip.c):
# POST /prokip/auth/prokip-login (Prokip's password grant and the account's business
# locations), GET /prokip/auth/prokip-locations with the sign-in handle, POST
# /prokip/auth/prokip-location (the location's own supplier and owner, its Prokip
# account connected for the sync, an SCP session), POST /prokip/auth/prokip-logout.
# Prokip's own token never reaches the browser or the database in clear; a location is
# taken only if Prokip lists it for the token; one location is one account, however
# many sign in at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);

my $s = SCPTest->start(fakes => ['prokip', 'shopify', 'woocommerce']);
my $L = '/prokip/auth/prokip-login';
my %good = (username => 'owner@prokip.test', password => 'prokip-pass');

# --- prokip-login ---------------------------------------------------------------------
for my $case (
    [ {}, ['username', 'password'], 'nothing' ],
    [ { username => 'owner@prokip.test' }, ['password'], 'no password' ],
    [ { username => '', password => 'x' }, ['username'], 'an empty username' ],
    [ { username => 7, password => 'x' }, ['username'], 'a number for a username' ],
    [ { username => 'owner@prokip.test', password => 'x' x 201 }, ['password'], 'a password too long' ],
) {
    my ($body, $fields, $what) = @$case;
    my $r = $s->post($L, $body);
    is $r->{status}, 422, "prokip-login, $what: 422";
    is_deeply [sort map { $_->{field} } @{ $r->{json}{error}{details}{fields} // [] }], [sort @$fields],
        "... naming @$fields";
}
is $s->post($L, '{"username":')->{status}, 400, 'prokip-login, malformed JSON: 400';
my $r = $s->post($L, { username => 'owner@prokip.test', password => 'wrong' });
is $r->{status}, 422, 'prokip-login, a wrong password: 422';
like $r->{json}{error}{details}{fields}[0]{message}, qr/Prokip refused/, '... Prokip refused it';
is $s->sql('SELECT count(*) FROM prokip_sign_ins'), 0, '... nothing kept';

$r = $s->post($L, \%good);
is $r->{status}, 200, 'prokip-login: 200';
my $login = $r->{json};
is $login->{success}, JSON::PP::true, '... success';
ok length($login->{access_token} // '') > 20, '... a sign-in handle as access_token';
ok length($login->{refresh_token} // '') > 20, '... and as refresh_token';
is $login->{expires_in}, 31536000, "... Prokip's expires_in";
is_deeply [map { $_->{name} } @{ $login->{locations} }], ['Main Store', 'Westlands Branch'],
    "... the account's business locations as Prokip gives them";
is $login->{locations}[0]{city}, 'Nairobi', '... whole';

# Prokip's token, as Prokip issued it (the fake saw it on the locations call).
my ($call) = grep { $_->{path} =~ m{^/connector/api/business-location} } $s->fake_requests('prokip');
my ($prokip_token) = ($call->{headers}{authorization} // '') =~ /^Bearer (pk_at_\w+)$/;
ok $prokip_token, "Prokip's token was used for the locations";
unlike $r->{content}, qr/\Q$prokip_token\E|pk_at_|pk_rt_/, "... and is not in the answer";

# --- prokip-locations -------------------------------------------------------------------
my $LL = '/prokip/auth/prokip-locations';
$r = $s->get($LL, token => $login->{access_token});
is $r->{status}, 200, 'prokip-locations with the handle: 200';
is $r->{json}{success}, JSON::PP::true, '... success';
is scalar @{ $r->{json}{locations} }, 2, '... both locations';
is $s->get($LL)->{status}, 401, '... without a token: 401';
is $s->get($LL, token => $prokip_token)->{status}, 401, "... with Prokip's own token: 401";
is $s->get($LL, token => 'garbage')->{status}, 401, '... with garbage: 401';
is $s->get($LL, token => $login->{refresh_token})->{status}, 401,
    '... with the refresh handle: 401';
my $signup = $s->signup;
is $s->get($LL, token => $signup->{access_token})->{status}, 401, "... with an SCP token: 401";

# --- prokip-location --------------------------------------------------------------------
my $PL = '/prokip/auth/prokip-location';
my %sel = (locationId => 1, access_token => $login->{access_token},
           refresh_token => $login->{refresh_token}, expires_in => $login->{expires_in},
           username => 'owner@prokip.test');
for my $case (
    [ { %sel, locationId => undef }, ['location_id'], 'no location' ],
    [ { %sel, locationId => 'a b' }, ['location_id'], 'a location id with a space' ],
    [ { %sel, locationId => 0 }, ['location_id'], 'location 0' ],
    [ { %sel, access_token => undef }, ['access_token'], 'no handle' ],
    [ { %sel, access_token => 'forged' }, ['access_token'], 'a forged handle' ],
    [ { %sel, access_token => $prokip_token }, ['access_token'], "Prokip's own token" ],
    [ { %sel, access_token => $login->{refresh_token} }, ['access_token'], 'the refresh handle' ],
    [ { %sel, refresh_token => $login->{access_token} }, ['refresh_token'],
      'the access handle as refresh_token' ],
    [ { %sel, expires_in => 'soon' }, ['expires_in'], 'expires_in a word' ],
    [ { %sel, locationId => 99 }, ['location_id'], 'a location Prokip does not list' ],
) {
    my ($body, $fields, $what) = @$case;
    delete $body->{$_} for grep { !defined $body->{$_} } keys %$body;
    $r = $s->post($PL, $body);
    is $r->{status}, 422, "prokip-location, $what: 422";
    is_deeply [sort map { $_->{field} } @{ $r->{json}{error}{details}{fields} // [] }], [sort @$fields],
        "... naming @$fields";
}
is $s->sql('SELECT count(*) FROM prokip_sign_ins'), 0, 'no location taken by a refused sign-in';

$r = $s->post($PL, \%sel);
is $r->{status}, 200, 'prokip-location 1: 200';
my $first = $r->{json};
ok $first->{token}, '... the dashboard\'s bearer token as token';
ok $first->{refresh_token}, '... a refresh token';
is $first->{user}{role}, 'owner', '... the owner';
ok $first->{user}{supplierId}, '... of a supplier';
unlike $r->{content}, qr/pk_at_|pk_rt_/, "... and no Prokip token";
is $s->sql("SELECT s.name FROM suppliers s JOIN users u ON u.supplier_id = s.id
             WHERE u.id = :'p1'", $first->{user}{id}), 'Main Store', "the supplier is the location's";

# The session works on the dashboard's next calls; its Prokip account is connected.
$r = $s->get('/prokip/connections/prokip', token => $first->{token});
is $r->{status}, 200, 'GET /prokip/connections/prokip with it: 200';
is $r->{json}{connected}, JSON::PP::true, '... connected';
is $r->{json}{locationId}, '1', '... to location 1';
is $s->get('/prokip/sync/status', token => $first->{token})->{status}, 200, 'GET /prokip/sync/status: 200';
# The dashboard's next step: a Shopify store, {storeUrl} → {authUrl} (seed 004's guide).
$r = $s->post('/prokip/connections/shopify/initiate', { storeUrl => 'dash-shop' },
              token => $first->{token});
is $r->{status}, 200, 'POST /prokip/connections/shopify/initiate: 200';
like $r->{json}{authUrl}, qr{^https://dash-shop\.myshopify\.com/admin/oauth/authorize\?client_id=},
    '... authUrl, where the dashboard sends the browser';
# Its WooCommerce form: /woo-connections/test tries the keys, /woo-connections/connect
# connects (as POST /connections/woocommerce), with the shapes the dashboard reads.
my ($ck, $cs) = ('ck_' . ('1' x 40), 'cs_' . ('2' x 40));
my %woo = (storeUrl => $s->woo_url, consumerKey => $ck, consumerSecret => $cs);
$r = $s->post('/prokip/woo-connections/test', \%woo, token => $first->{token});
is $r->{status}, 200, 'POST /prokip/woo-connections/test: 200';
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{storeInfo}{url}, $s->woo_url, '... storeInfo.url';
is $r->{json}{testResults}{productsFetched}, 1, '... testResults.productsFetched';
is $s->sql("SELECT count(*) FROM store_connections WHERE platform = 'woocommerce'"), 0,
    '... nothing connected by a test';
$r = $s->post('/prokip/woo-connections/test', { %woo, consumerSecret => 'cs_' . ('9' x 40) },
              token => $first->{token});
is $r->{status}, 422, 'a test with keys the store refuses: 422';
is $r->{json}{error}{details}{fields}[0]{field}, 'consumer_key', '... naming consumer_key';
is $s->post('/prokip/woo-connections/test', { storeUrl => 'ftp://x' }, token => $first->{token})
    ->{status}, 422, 'a test without keys: 422';
is $s->post('/prokip/woo-connections/test', \%woo)->{status}, 401, 'a test without a token: 401';
$r = $s->post('/prokip/woo-connections/connect', { %woo, storeName => 'Nairobi Web Shop' },
              token => $first->{token});
is $r->{status}, 201, 'POST /prokip/woo-connections/connect: 201';
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{connection}{storeName}, 'Nairobi Web Shop', '... connection.storeName';
is $r->{json}{connection}{status}, 'active', '... an active connection';
unlike $r->{content}, qr/\Q$cs\E|\Q$ck\E/, '... with no key in it';
is $s->sql("SELECT count(*) FROM store_connections WHERE platform = 'woocommerce'
              AND status = 'active'"), 1, '... kept';
is $s->sql("SELECT count(*) FROM prokip_accounts WHERE access_token LIKE '%pk_at_%'
               OR refresh_token LIKE '%pk_rt_%'"), 0, 'the stored tokens are sealed';

# Again: the same account; another location: another.
$r = $s->post($PL, \%sel);
is $r->{status}, 200, 'location 1 again: 200';
is $r->{json}{user}{id}, $first->{user}{id}, '... the same owner';
my @again = parallel(5, sub {
    my $x = $s->post($PL, { %sel, locationId => '2' });
    return { status => $x->{status}, user => $x->{json}{user}{id} };
});
is_deeply [map { $_->{status} } @again], [(200) x 5], 'five first sign-ins at once to location 2: 200 each';
my %users = map { ($_->{user} // '') => 1 } @again;
is scalar keys %users, 1, '... one owner for all five';
isnt((keys %users)[0], $first->{user}{id}, "... not location 1's");
is $s->sql("SELECT count(*) FROM prokip_sign_ins WHERE location_id = '2'"), 1, '... one location row';
is $s->sql("SELECT count(*) FROM suppliers WHERE name = 'Westlands Branch'"), 1, '... one supplier';

# Nobody registers into a location's account: its username is not a name to guess.
like $s->sql("SELECT username FROM users WHERE id = :'p1'", $first->{user}{id}),
    qr/^prokip-[0-9a-f]{32}$/, "the owner's username is its own";

# A banned owner is refused, as at a password sign-in.
$s->sql("UPDATE users SET status = 'banned' WHERE id = :'p1'", $first->{user}{id});
$r = $s->post($PL, \%sel);
is $r->{status}, 403, 'a banned location owner: 403';
is $s->get('/prokip/sync/status', token => $first->{token})->{status}, 401,
    "... and the banned owner's session no longer works";

# Prokip down: 503, nothing kept.
$s->fake_control('prokip', '503 1');
$r = $s->post($PL, { %sel, locationId => 1 });
is $r->{status}, 503, 'Prokip answering 503 at the locations call: 503';

is $s->post('/prokip/auth/prokip-logout', {})->{status}, 200, 'prokip-logout: 200';

done_testing;
