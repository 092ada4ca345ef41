# A shop's social connections (issue 13 item 6) at /api/shops/:id/integrations/:platform:
# connect exchanges the code at the platform's token endpoint (tests/fakes/social.pl speaks
# Graph, TikTok, Telegram and Viber), keeps the token sealed and reports the connection;
# disconnect deletes it and queues the revocation; owner and admins only; every refusal
# changes nothing and spends no code; the log transport connects without a network call.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use SCPTest qw(parallel);
use SCPShops qw(shop_account fields_of);

my $s = SCPTest->start(fakes => ['social']);

sub shop_of {
    my ($st, $who) = @_;
    my $r = $st->post('/api/shops', { name => "Shop of $who->{id}" }, token => $who->{token});
    die "shop: $r->{status}" unless $r->{status} == 201;
    return $r->{json}{data}{id};
}

my ($owner, $admin, $agent, $manager, $stranger) = map { shop_account($s, 'int') } 1 .. 5;
my $shop = shop_of($s, $owner);
my $other = shop_of($s, $stranger);
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop', '$admin->{id}', 'admin'), ('$shop', '$agent->{id}', 'support_agent'),"
        . " ('$shop', '$manager->{id}', 'order_manager')");
my $base = "/api/shops/$shop/integrations";
sub connect_ { my ($p, $body, $who) = @_; $s->post("$base/$p/connect", $body, token => $who->{token}) }
sub rows { $s->sql("SELECT count(*) FROM shop_integrations WHERE shop_id = '$shop'") }
# The requests that spend a code or check a token (revocations, which jobs make, aside).
sub fake_count { scalar grep { $_->{path} =~ m{oauth/access_token|/v2/oauth/token/|/getMe$|get_account_info|/me/accounts} }
                 $s->fake_requests('social') }

# --- a shop reports its platforms, none connected -----------------------------------------
my $r = $s->get("/api/shops/$shop", token => $owner->{token});
is_deeply $r->{json}{data}{integrations},
    { map { $_ => { isConnected => JSON::PP::false } } qw(facebook instagram tiktok telegram viber) },
    'a new shop: every platform isConnected false';

# --- Facebook ------------------------------------------------------------------------------
$r = connect_('facebook', { code => 'fb-code-1' }, $owner);
is $r->{status}, 200, 'facebook connect: 200' or diag $r->{content};
my $d = $r->{json}{data};
is $d->{platform}, 'facebook', 'platform';
is $d->{status}, 'active', 'status active (as integrations.ts answers)';
is $d->{isConnected}, JSON::PP::true, 'isConnected';
like $d->{externalId}, qr/^10\d+$/, 'externalId is the page id';
is $d->{name}, 'Golden Teak Page', 'the page name';
ok $d->{expiresAt}, 'expiry recorded';
unlike $r->{content}, qr/EAAG/, 'no token in the answer';
my @req = $s->fake_requests('social');
is scalar @req, 2, 'two calls: the exchange and the page list';
my ($path, $qs) = split /\?/, $req[0]{path}, 2;
is "$req[0]{method} $path", 'GET /v19.0/oauth/access_token', 'Graph token endpoint';
my %q = map { my ($k, $v) = split /=/, $_, 2; $v =~ s/%([0-9A-F]{2})/chr hex $1/ge; ($k => $v) } split /&/, $qs;
is_deeply \%q, { client_id => 'test-fb-app', client_secret => 'test-fb-secret', code => 'fb-code-1',
                 redirect_uri => $s->url . '/oauth/facebook/callback' }, 'the exchange parameters';
like $req[1]{path}, qr{^/v19\.0/me/accounts\?fields=id%2Cname%2Caccess_token&access_token=EAAGuser},
    'the pages of the user token';
my $user_h = substr(sha256_hex('user:fb-code-1'), 0, 40);
my $page_token = 'EAAGpage' . substr(sha256_hex("page:$user_h"), 0, 40);
my $sealed = $s->sql("SELECT token_sealed FROM shop_integrations WHERE shop_id = '$shop' AND platform = 'facebook'");
ok $sealed && index($sealed, 'EAAG') < 0, 'the page token is kept sealed, not in clear';
is $s->sql("SELECT count(*) FROM shop_integrations WHERE token_sealed LIKE '%EAAG%'"), 0, 'no clear token anywhere';
$r = $s->get("/api/shops/$shop", token => $owner->{token});
is $r->{json}{data}{integrations}{facebook}{isConnected}, JSON::PP::true, 'shop JSON: facebook connected';
is $r->{json}{data}{integrations}{viber}{isConnected}, JSON::PP::false, 'the others not';

# a used code, a refused one, a user with no page: 422 on code, the connection unchanged
for my $c (['fb-code-1', 'a used code'], ['bad-code', 'a refused code'], ['nopage-1', 'no page to connect']) {
    $r = connect_('facebook', { code => $c->[0] }, $owner);
    is $r->{status}, 422, "$c->[1]: 422";
    like fields_of($r)->{code}, qr/Facebook did not accept it/, "$c->[1]: reported on code";
}
is $s->sql("SELECT token_sealed FROM shop_integrations WHERE shop_id = '$shop' AND platform = 'facebook'"),
    $sealed, 'the refusals changed nothing';

# --- Instagram: the page's business account ---------------------------------------------------
$r = connect_('instagram', { code => 'ig-code-1' }, $admin);
is $r->{status}, 200, 'an admin connects instagram: 200' or diag $r->{content};
like $r->{json}{data}{externalId}, qr/^1784\d+$/, 'externalId is the Instagram business account';
@req = $s->fake_requests('social');
like $req[0 + $#req]{path}, qr/fields=id%2Cname%2Caccess_token%2Cinstagram_business_account/,
    'asks the pages with their business accounts';
like $req[$#req - 1]{path}, qr/redirect_uri=.*%2Foauth%2Finstagram%2Fcallback/, 'instagram redirect_uri';

# --- TikTok: form-encoded POST /v2/oauth/token/ ---------------------------------------------
my $before = fake_count();
$r = connect_('tiktok', { code => 'tt-code-1' }, $owner);
is $r->{status}, 200, 'tiktok connect: 200' or diag $r->{content};
like $r->{json}{data}{externalId}, qr/^_000[0-9a-f]{20}$/, 'externalId is the open_id';
@req = $s->fake_requests('social');
is $req[-1]{method} . ' ' . $req[-1]{path}, 'POST /v2/oauth/token/', 'TikTok token endpoint';
like $req[-1]{headers}{'content-type'}, qr{^application/x-www-form-urlencoded}, 'form-encoded';
is $req[-1]{body}, 'client_key=test-tt-key&client_secret=test-tt-secret&code=tt-code-1'
    . '&grant_type=authorization_code&redirect_uri='
    . join('', map { /[A-Za-z0-9._~-]/ ? $_ : sprintf '%%%02X', ord } split //, $s->url . '/oauth/tiktok/callback'),
    'the exact form';
$r = connect_('tiktok', { code => 'tt-code-1' }, $owner);
is $r->{status}, 422, 'tiktok: a used code 422';

# --- Telegram: a bot token, checked with getMe -------------------------------------------------
my $bot = '7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
$before = fake_count();
for my $c ('not-a-token', '123:short', "$bot extra", '') {
    $r = connect_('telegram', { code => $c }, $owner);
    is $r->{status}, 422, "telegram '$c': 422";
    ok fields_of($r)->{code}, 'on code';
}
is fake_count(), $before, 'a malformed bot token is not sent anywhere';
$r = connect_('telegram', { code => '7012345678:BADqTcvCH1vGWJxfSeofSAs0K5PALDsaw' }, $owner);
is $r->{status}, 422, 'a token getMe refuses: 422';
like fields_of($r)->{code}, qr/Telegram did not accept it/, 'reported';
$r = connect_('telegram', { code => $bot }, $owner);
is $r->{status}, 200, 'telegram connect: 200' or diag $r->{content};
is $r->{json}{data}{externalId}, '7012345678', 'externalId is the bot id';
is $r->{json}{data}{name}, 'goldenteak_bot', 'the bot username';
is $r->{json}{data}{expiresAt}, undef, 'a bot token does not expire';
is $s->fake_requests('social') ? ($s->fake_requests('social'))[-1]{path} : '', "/bot$bot/getMe", 'getMe with the token';
unlike $r->{content}, qr/AAHdq/, 'the token is not answered';

# --- Viber: an auth token, checked with get_account_info ---------------------------------------
$r = connect_('viber', { code => 'bad-viber-token' }, $owner);
is $r->{status}, 422, 'a refused Viber token (status 2): 422';
$r = connect_('viber', { code => '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f' }, $owner);
is $r->{status}, 200, 'viber connect: 200' or diag $r->{content};
like $r->{json}{data}{externalId}, qr/^pa:\d+$/, 'externalId is the account id';
@req = $s->fake_requests('social');
is $req[-1]{path}, '/pa/get_account_info', 'get_account_info';
is $req[-1]{headers}{'x-viber-auth-token'}, '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f',
    'with X-Viber-Auth-Token';

$r = $s->get("/api/shops/$shop", token => $owner->{token});
is_deeply $r->{json}{data}{integrations},
    { map { $_ => { isConnected => JSON::PP::true } } qw(facebook instagram tiktok telegram viber) },
    'all five connected';

# --- hostile input --------------------------------------------------------------------------
$before = fake_count();
my $rows = rows();
for my $c ([{}, 'no code'], [{ code => 42 }, 'a number'], [{ code => '' }, 'empty'],
           [{ code => 'x' x 2001 }, 'too long'], [{ code => "a b\n" }, 'spaces and newlines'],
           [{ code => undef }, 'null']) {
    $r = connect_('facebook', $c->[0], $owner);
    is $r->{status}, 422, "$c->[1]: 422";
    ok fields_of($r)->{code}, "$c->[1]: on code";
}
$r = $s->req('POST', "$base/facebook/connect", '{"code":', token => $owner->{token});
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->req('POST', "$base/facebook/connect", '["code"]', token => $owner->{token});
ok $r->{status} == 400 || $r->{status} == 422, 'an array body: refused';
$r = $s->req('POST', "$base/facebook/connect", '{"code":"' . ('a' x 2_000_000) . '"}', token => $owner->{token});
is $r->{status}, 413, 'an oversized body: 413';
$r = connect_('myspace', { code => 'x' }, $owner);
is $r->{status}, 404, 'an unknown platform: 404';
$r = $s->post("$base/facebook/connect", { code => 'fb-x' });
is $r->{status}, 401, 'no token: 401';
$r = $s->post("$base/facebook/connect", { code => 'fb-x' }, token => 'nonsense');
is $r->{status}, 401, 'a bad token: 401';
for my $who ([$agent, 'a support agent'], [$manager, 'an order manager']) {
    $r = connect_('facebook', { code => 'fb-agent' }, $who->[0]);
    is $r->{status}, 403, "$who->[1] connects: 403";
    $r = $s->post("$base/facebook/disconnect", undef, token => $who->[0]{token});
    is $r->{status}, 403, "$who->[1] disconnects: 403";
}
$r = connect_('facebook', { code => 'fb-stranger' }, $stranger);
is $r->{status}, 404, 'a non-member: 404';
$r = $s->post("$base/facebook/disconnect", undef, token => $stranger->{token});
is $r->{status}, 404, 'a non-member disconnects: 404';
$r = $s->post("/api/shops/$other/integrations/facebook/connect", { code => 'fb-o' }, token => $owner->{token});
is $r->{status}, 404, "another shop's id: 404";
$r = $s->post("/api/shops/not-a-uuid/integrations/facebook/connect", { code => 'fb-o' }, token => $owner->{token});
is $r->{status}, 404, 'a malformed shop id: 404';
is fake_count(), $before, 'no refused request reached a platform (no code spent)';
is rows(), $rows, 'and none changed a connection';

# the platform failing: 503, nothing kept
$s->fake_control('social', '500 1');
$r = connect_('facebook', { code => 'fb-code-500' }, $owner);
is $r->{status}, 503, 'the token endpoint failing: 503';
is $s->sql("SELECT token_sealed FROM shop_integrations WHERE shop_id = '$shop' AND platform = 'facebook'"),
    $sealed, 'the connection unchanged';

# --- connects at once: one connection, every replaced token revoked -------------------------
my $revokes = $s->sql("SELECT count(*) FROM jobs WHERE kind = 'social_revoke' AND payload->>'platform' = 'viber'");
my @par = parallel(6, sub {
    my $i = shift;
    my $x = connect_('viber', { code => "viber-race-token-$i-0123456789" }, $owner);
    return { status => $x->{status}, ext => $x->{json}{data}{externalId} };
});
is scalar(grep { $_->{status} == 200 } @par), 6, 'six connects at once: all 200';
is $s->sql("SELECT count(*) FROM shop_integrations WHERE shop_id = '$shop' AND platform = 'viber'"), 1,
    'one connection';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'social_revoke' AND payload->>'platform' = 'viber'") - $revokes, 6,
    'each replaced account revoked once (the first connection and five of the six)';

# --- a state issued by POST …/authorize: single use, hashed, bound, expiring --------------
sub authorize { my ($p, $who) = @_; $s->post("$base/$p/authorize", undef, token => $who->{token}) }
$r = authorize('facebook', $owner);
is $r->{status}, 200, 'authorize: 200' or diag $r->{content};
my $st = $r->{json}{data}{state};
like $st, qr/^[0-9a-f]{64}$/, 'a random state';
is $r->{json}{data}{expiresIn}, 600, 'for 10 minutes';
is $r->{json}{data}{redirectUri}, $s->url . '/oauth/facebook/callback', 'the redirect URI';
my $ru = join '', map { /[A-Za-z0-9._~-]/ ? $_ : sprintf '%%%02X', ord } split //, $s->url . '/oauth/facebook/callback';
is $r->{json}{data}{authorizeUrl}, "https://www.facebook.com/v19.0/dialog/oauth?client_id=test-fb-app"
    . "&redirect_uri=$ru&response_type=code&scope=pages_show_list%2Cpages_manage_metadata%2Cpages_messaging"
    . "%2Cpages_read_engagement&state=$st", 'the consent screen URL';
is $s->sql("SELECT count(*) FROM shop_oauth_states WHERE state_hash = :'p1'", sha256_hex($st)), 1, 'kept hashed';
is $s->sql("SELECT count(*) FROM shop_oauth_states WHERE state_hash = :'p1'", $st), 0, 'not in clear';
is authorize('facebook', $agent)->{status}, 403, 'authorize: a support agent 403';
is authorize('facebook', $stranger)->{status}, 404, 'authorize: a non-member 404';
is authorize('telegram', $owner)->{status}, 409, 'authorize: Telegram has no consent screen (409)';
is authorize('myspace', $owner)->{status}, 404, 'authorize: unknown platform 404';

$r = connect_('facebook', { code => 'fb-state-1', state => $st }, $owner);
is $r->{status}, 200, 'connect with the state: 200' or diag $r->{content};
$before = fake_count();
$r = connect_('facebook', { code => 'fb-state-2', state => $st }, $owner);
is $r->{status}, 422, 'the state again: 422';
like fields_of($r)->{state}, qr/unknown or already used/, 'on state';
my $st2 = authorize('facebook', $admin)->{json}{data}{state};
$r = connect_('facebook', { code => 'fb-state-3', state => $st2 }, $owner);
is $r->{status}, 422, "another user's state: 422";
like fields_of($r)->{state}, qr/another shop, user or platform/, 'reported';
my $st3 = authorize('tiktok', $owner)->{json}{data}{state};
$r = connect_('facebook', { code => 'fb-state-4', state => $st3 }, $owner);
is $r->{status}, 422, "another platform's state: 422";
$r = connect_('facebook', { code => 'fb-state-5', state => 'abc' }, $owner);
is $r->{status}, 422, 'a malformed state: 422';
is fake_count(), $before, 'no refused state spent a code';

# --- GET /oauth/:platform/callback: the redirect flow -----------------------------------------
$st = authorize('tiktok', $admin)->{json}{data}{state};
$r = $s->get("/api/oauth/tiktok/callback?code=tt-cb-1&state=$st");
is $r->{status}, 200, 'callback: 200 (no session: the state says who)' or diag $r->{content};
is $r->{json}{data}{platform}, 'tiktok', 'the connection';
is $s->sql("SELECT connected_by FROM shop_integrations WHERE shop_id = '$shop' AND platform = 'tiktok'"),
    $admin->{id}, "kept as the state's user's";
$r = $s->get("/api/oauth/tiktok/callback?code=tt-cb-2&state=$st");
is $r->{status}, 422, 'callback: the state again 422';
$st = authorize('instagram', $owner)->{json}{data}{state};
$s->sql("UPDATE shop_oauth_states SET expires_at = now() - interval '1 second' WHERE state_hash = :'p1'", sha256_hex($st));
$r = $s->get("/api/oauth/instagram/callback?code=ig-cb-1&state=$st");
is $r->{status}, 422, 'callback: an expired state 422';
like fields_of($r)->{state}, qr/expired/, 'reported';
is $s->get("/api/oauth/tiktok/callback?code=tt-cb-3")->{status}, 400, 'callback: no state 400';
is $s->get("/api/oauth/tiktok/callback?error=access_denied&state=" . ('a' x 64))->{status}, 400,
    'callback: declined 400';
is $s->get("/api/oauth/myspace/callback?code=x&state=" . ('a' x 64))->{status}, 404, 'callback: unknown platform 404';
is $s->get("/api/oauth/telegram/callback?code=x&state=" . ('a' x 64))->{status}, 404, 'callback: Telegram 404';
$st = authorize('facebook', $admin)->{json}{data}{state};
$s->sql("UPDATE shop_members SET role = 'support_agent' WHERE shop_id = '$shop' AND user_id = '$admin->{id}'");
$before = fake_count();
$r = $s->get("/api/oauth/facebook/callback?code=fb-cb-demoted&state=$st");
is $r->{status}, 403, 'callback: the user demoted since authorize 403';
is fake_count(), $before, 'and the code not spent';
$s->sql("UPDATE shop_members SET role = 'admin' WHERE shop_id = '$shop' AND user_id = '$admin->{id}'");
$page_token = 'EAAGpage' . substr(sha256_hex('page:' . substr(sha256_hex('user:fb-state-1'), 0, 40)), 0, 40);

# --- disconnect: deleted, and the token revoked by a job ------------------------------------
$r = $s->post("$base/facebook/disconnect", undef, token => $owner->{token});
is $r->{status}, 200, 'disconnect: 200' or diag $r->{content};
is_deeply $r->{json}{data}, { platform => 'facebook', status => 'inactive', isConnected => JSON::PP::false },
    'the answer';
is $s->sql("SELECT count(*) FROM shop_integrations WHERE shop_id = '$shop' AND platform = 'facebook'"), 0,
    'the connection is gone';
my $rev = $s->wait_until(10, sub {
    (grep { $_->{method} eq 'DELETE' && ($_->{headers}{authorization} // '') eq "Bearer $page_token" }
        $s->fake_requests('social'))[0] });
ok $rev, 'the revocation job ran with the page token';
is $rev->{path}, '/v19.0/me/subscribed_apps', 'Graph: the page unsubscribed';
ok $s->wait_until(10, sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'social_revoke' AND status <> 'done'") == 0 }),
    'every revocation done (the replaced pages too)';
$r = $s->post("$base/facebook/disconnect", undef, token => $owner->{token});
is $r->{status}, 409, 'disconnecting what is not connected: 409';
$r = $s->post("$base/telegram/disconnect", undef, token => $admin->{token});
is $r->{status}, 200, 'an admin disconnects telegram';
ok $s->wait_until(10, sub { grep { $_->{path} eq "/bot$bot/deleteWebhook" } $s->fake_requests('social') }),
    'Telegram: deleteWebhook with the bot token';
$r = $s->get("/api/shops/$shop", token => $owner->{token});
is $r->{json}{data}{integrations}{telegram}{isConnected}, JSON::PP::false, 'shop JSON: telegram no longer';
my $vrev = $s->wait_until(10, sub { (grep { $_->{path} eq '/pa/set_webhook' } $s->fake_requests('social'))[0] });
ok $vrev, 'Viber: the replaced accounts revoked with set_webhook';
is_deeply $vrev->{json}, { url => '' }, 'an empty url (removes the webhook)';
like $vrev->{headers}{'x-viber-auth-token'} // '', qr/^(viber-race-token-\d-0123456789|4453b6ac)/, 'with the replaced token';
$r = $s->post("$base/tiktok/disconnect", undef, token => $owner->{token});
is $r->{status}, 200, 'tiktok disconnect';
my $ttform = 'client_key=test-tt-key&client_secret=test-tt-secret&token=act.' . substr(sha256_hex('tt:tt-cb-1'), 0, 40);
my $ttrev = $s->wait_until(10, sub { (grep { $_->{path} eq '/v2/oauth/revoke/' && $_->{body} eq $ttform }
                                      $s->fake_requests('social'))[0] });
ok $ttrev, 'TikTok: POST /v2/oauth/revoke/, the exact form with the access token';
like $ttrev->{headers}{'content-type'}, qr{^application/x-www-form-urlencoded}, 'form-encoded';

# reconnecting another page revokes the old one
$r = connect_('instagram', { code => 'ig-code-2' }, $owner);
is $r->{status}, 200, 'instagram again with another account';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'social_revoke' AND payload->>'platform' = 'instagram'"), 1,
    'the replaced account is revoked';
$s->stop;

# --- the log transport (the development default): no network call ---------------------------
my $dev = SCPTest->start(env => { SCP_SECRETS_KEY => $SCPTest::SECRETS_KEY });
my $o = shop_account($dev, 'int');
my $ds = shop_of($dev, $o);
$r = $dev->post("/api/shops/$ds/integrations/facebook/connect", { code => 'dev-code' }, token => $o->{token});
is $r->{status}, 200, 'log transport: connect 200' or diag $r->{content};
like $r->{json}{data}{externalId}, qr/^dev-[0-9a-f]{16}$/, 'a development account';
is $r->{json}{data}{name}, 'Development Facebook account', 'named as such';
$r = $dev->get("/api/shops/$ds", token => $o->{token});
is $r->{json}{data}{integrations}{facebook}{isConnected}, JSON::PP::true, 'connected';
$r = $dev->post("/api/shops/$ds/integrations/facebook/disconnect", undef, token => $o->{token});
is $r->{status}, 200, 'log transport: disconnect 200';
$dev->stop;

done_testing;
