# Store connections (cgi-bin/sync): Shopify's OAuth authorization (initiate, callback with
# its hmac, single-use state and code exchange, then the webhook registration job) and
# WooCommerce keys checked against the store, against the fakes; the list, disconnect,
# roles, other suppliers' ids, and secrets kept sealed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(encode_base64);
use SCPTest qw(free_port);
use SCPB2B;
use SCPStores;

my $s = SCPTest->start(fakes => ['shopify', 'woocommerce']);
my $sup = new_supplier($s);
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $other = new_supplier($s);
my $con = new_consumer($s);
my $C = '/api/v1/connections';
my $INIT = "$C/shopify/initiate";
my $CB = "$C/shopify/callback";
my $pub = $s->url;

# --- the list, roles --------------------------------------------------------------------------
my $r = $s->get($C, token => $sup->{token});
is $r->{status}, 200, 'GET /connections: 200';
is_deeply $r->{json}{results}, [], '... none yet';
is $r->{json}{pagination}{total}, 0, '... paginated';
is api_error($s->get($C)), '401 UNAUTHORIZED', 'no token: 401';
is api_error($s->get($C, token => 'garbage')), '401 UNAUTHORIZED', 'a bad token: 401';
is api_error($s->get($C, token => $rep->{token})), '403 FORBIDDEN', 'a sales rep: 403';
is api_error($s->get($C, token => $con->{token})), '403 FORBIDDEN', 'a consumer: 403';
is api_error($s->post($INIT, { shop => 'a.myshopify.com' }, token => $rep->{token})),
    '403 FORBIDDEN', 'a sales rep may not initiate: 403';
is api_error($s->post("$C/woocommerce", {}, token => $con->{token})), '403 FORBIDDEN',
    'a consumer may not connect WooCommerce: 403';

# --- Shopify: initiate ------------------------------------------------------------------------
for my $c ([ {}, 'no shop' ], [ { shop => '' }, 'an empty shop' ],
           [ { shop => 'evil.example.com' }, 'another domain' ],
           [ { shop => 'a.myshopify.com.evil.com' }, 'a suffix after myshopify.com' ],
           [ { shop => '-a.myshopify.com' }, 'a leading hyphen' ],
           [ { shop => 'a_b.myshopify.com' }, 'an underscore' ],
           [ { shop => 'a.b.myshopify.com' }, 'a dot in the name' ],
           [ { shop => '.myshopify.com' }, 'no name' ],
           [ { shop => 'a b' }, 'a space' ],
           [ { shop => 'https://a.myshopify.com' }, 'a URL' ],
           [ { shop => ['a.myshopify.com'] }, 'not a string' ],
           [ { shop => ('a' x 250) . '.myshopify.com' }, 'too long' ]) {
    my ($body, $name) = @$c;
    $r = $s->post($INIT, $body, token => $sup->{token});
    is api_error($r), '422 VALIDATION_ERROR', "initiate with $name: 422";
    is_deeply field_errors($r), ['shop'], '... naming shop';
}
is api_error($s->post($INIT, '{"shop":', token => $sup->{token})), '400 BAD_REQUEST',
    'a malformed body: 400';
is $s->post($INIT, 'shop=a', token => $sup->{token}, type => 'application/x-www-form-urlencoded')
    ->{status}, 415, 'not JSON: 415';

$r = $s->post($INIT, { shop => 'My-Shop.MyShopify.com' }, token => $sup->{token});
is $r->{status}, 200, 'initiate: 200';
my $state = $r->{json}{state};
like $state, qr/^[0-9a-f]{64}$/, '... a random state';
is $r->{json}{shop}, 'my-shop.myshopify.com', '... the shop lower-cased';
is $r->{json}{authorize_url},
    'https://my-shop.myshopify.com/admin/oauth/authorize?client_id=test-shopify-key'
    . '&scope=read_orders,read_products,write_inventory,read_inventory'
    . "&redirect_uri=$pub/api/v1/connections/shopify/callback&state=$state",
    '... the authorize URL with client id, scopes, redirect and state';
is $s->sql("SELECT count(*) FROM shopify_oauth_states WHERE state_hash = :'p1'", sha256_hex($state)),
    1, '... kept hashed';
is $s->sql("SELECT count(*) FROM shopify_oauth_states WHERE state_hash = :'p1'", $state), 0,
    '... never in clear';
is $s->sql("SELECT expires_at - created_at FROM shopify_oauth_states WHERE state_hash = :'p1'",
           sha256_hex($state)), '00:10:00', '... for 10 minutes';
my $shop = 'my-shop.myshopify.com';
$r = $s->post($INIT, { storeUrl => 'seed-shop' }, token => $sup->{token});
is $r->{json}{shop}, 'seed-shop.myshopify.com', "seed 004's {storeUrl: name}: name.myshopify.com";
$r = $s->post($INIT, { store_url => 'evil.example.com' }, token => $sup->{token});
is_deeply field_errors($r), ['shop'], '... another domain as store_url: 422 on shop';

# --- Shopify: the callback refused --------------------------------------------------------------
is api_error($s->get($CB)), '400 BAD_REQUEST', 'callback without parameters: 400';
is api_error($s->get("$CB?code=x&shop=$shop&state=$state&timestamp=" . time)), '400 BAD_REQUEST',
    'callback without hmac: 400';
my $q = callback_query(code => 'c-forged', shop => $shop, state => $state, hmac => 'ab' x 32);
is api_error($s->get("$CB?$q")), '401 UNAUTHORIZED', 'a forged hmac: 401';
$q = callback_query(code => 'c-forged', shop => $shop, state => $state);
$q =~ s/code=c-forged/code=c-other/;
is api_error($s->get("$CB?$q")), '401 UNAUTHORIZED', 'a parameter changed after signing: 401';
$q = callback_query(code => 'c-forged', shop => $shop, state => $state, extra => 'x');
$q =~ s/&extra=x//;
is api_error($s->get("$CB?$q")), '401 UNAUTHORIZED', 'a signed parameter dropped: 401';
$q = callback_query(code => 'c-old', shop => $shop, state => $state, timestamp => time - 3600);
is api_error($s->get("$CB?$q")), '401 UNAUTHORIZED', 'a stale timestamp: 401';
$q = callback_query(code => 'c1', shop => $shop, state => 'f' x 64);
is api_error($s->get("$CB?$q")), '403 FORBIDDEN', 'a forged state: 403';
$q = callback_query(code => 'c1', shop => 'evil.example.com', state => $state);
is api_error($s->get("$CB?$q")), '400 BAD_REQUEST', 'a shop that is not a Shopify domain: 400';
is $s->sql("SELECT count(*) FROM store_connections"), 0, 'nothing connected by any of these';
is scalar(grep { $_->{path} =~ /access_token/ } $s->fake_requests('shopify')), 0,
    '... and no code exchanged';
is $s->sql("SELECT count(*) FROM shopify_oauth_states WHERE state_hash = :'p1'", sha256_hex($state)),
    1, 'a refused hmac leaves the state usable';

# A state issued for another shop, and an expired one: refused, and spent.
$r = $s->post($INIT, { shop => 'other-shop.myshopify.com' }, token => $sup->{token});
my $state2 = $r->{json}{state};
$q = callback_query(code => 'c2', shop => $shop, state => $state2);
is api_error($s->get("$CB?$q")), '403 FORBIDDEN', 'a state issued for another shop: 403';
$q = callback_query(code => 'c2', shop => 'other-shop.myshopify.com', state => $state2);
is api_error($s->get("$CB?$q")), '403 FORBIDDEN', '... and it is spent';
$r = $s->post($INIT, { shop => 'late-shop.myshopify.com' }, token => $sup->{token});
my $state3 = $r->{json}{state};
$s->sql("UPDATE shopify_oauth_states SET expires_at = now() - interval '1 second'"
        . " WHERE state_hash = :'p1'", sha256_hex($state3));
$q = callback_query(code => 'c3', shop => 'late-shop.myshopify.com', state => $state3);
$r = $s->get("$CB?$q");
is api_error($r), '403 FORBIDDEN', 'an expired state: 403';
like $r->{json}{error}{message}, qr/expired/, '... saying so';

# A state whose user lost the right to connect stores in the meantime.
my $mgr2 = add_staff($s, $sup, 'manager');
$r = $s->post($INIT, { shop => 'demoted.myshopify.com' }, token => $mgr2->{token});
$s->sql("UPDATE users SET role = 'sales_rep' WHERE id = :'p1'", $mgr2->{id});
$q = callback_query(code => 'c-demoted', shop => 'demoted.myshopify.com', state => $r->{json}{state});
is api_error($s->get("$CB?$q")), '403 FORBIDDEN', 'a state of a manager made a sales rep since: 403';

# A code Shopify refuses: 400, nothing connected, the state spent; Shopify down: 503.
$r = $s->post($INIT, { shop => 'refused.myshopify.com' }, token => $sup->{token});
$q = callback_query(code => 'bad-code', shop => 'refused.myshopify.com', state => $r->{json}{state});
is api_error($s->get("$CB?$q")), '400 BAD_REQUEST', 'a code Shopify refuses: 400';
is $s->sql("SELECT count(*) FROM store_connections"), 0, '... nothing connected';
is api_error($s->get("$CB?$q")), '403 FORBIDDEN', '... and its state is spent';
$r = $s->post($INIT, { shop => 'down.myshopify.com' }, token => $sup->{token});
$q = callback_query(code => 'code-down', shop => 'down.myshopify.com', state => $r->{json}{state});
$s->fake_control('shopify', '503 1');
is api_error($s->get("$CB?$q")), '503 UNAVAILABLE', 'Shopify failing during the exchange: 503';
is $s->sql("SELECT count(*) FROM store_connections"), 0, '... nothing connected';

# --- Shopify: the callback ---------------------------------------------------------------------
$q = callback_query(code => 'good-code-1', shop => $shop, state => $state);
$r = $s->get("$CB?$q");
is $r->{status}, 200, 'a signed callback with its state: 200';
my $conn = $r->{json};
is_deeply [ @$conn{qw(platform store_url status sync_enabled)} ],
    [ 'shopify', $shop, 'active', JSON::PP::true ], '... an active Shopify connection';
is_deeply [ sort keys %$conn ],
    [ sort qw(id platform store_url status sync_enabled last_sync_at last_error created_at) ],
    '... with no secret in it';
my ($ex) = grep { $_->{path} eq '/admin/oauth/access_token' } reverse $s->fake_requests('shopify');
is_deeply [ @{ $ex->{json} }{qw(client_id client_secret code)} ],
    [ 'test-shopify-key', SHOPIFY_SECRET, 'good-code-1' ], '... the code exchanged as Shopify wants';
my $token = shopify_token('good-code-1');
my $row = $s->sql("SELECT row_to_json(c)::text FROM store_connections c WHERE id = :'p1'", $conn->{id});
unlike $row, qr/\Q$token\E/, 'the token is in no column in clear';
like $s->sql("SELECT access_token FROM store_connections WHERE id = :'p1'", $conn->{id}),
    qr/^v1:[0-9a-f]+$/, '... it is sealed';
is $s->sql("SELECT scopes FROM store_connections WHERE id = :'p1'", $conn->{id}),
    'read_orders,read_products,write_inventory,read_inventory', '... with its scopes';
is api_error($s->get("$CB?$q")), '403 FORBIDDEN', 'the same callback again (state reused): 403';


# The webhook registration job.
my @hooks = ();
$s->wait_until(10, sub {
    @hooks = grep { $_->{path} =~ m{^/admin/api/[^/]+/webhooks\.json$} && $_->{method} eq 'POST' }
        $s->fake_requests('shopify');
    @hooks >= 4;
});
is_deeply [ sort map { $_->{json}{webhook}{topic} } @hooks ],
    [ sort qw(orders/create orders/updated orders/cancelled products/update) ],
    'a job registers the four webhooks';
is_deeply [ map { $_->{json}{webhook}{address} } @hooks ], [ ("$pub/webhooks/shopify") x 4 ],
    '... at /webhooks/shopify of public_url';
is_deeply [ map { $_->{headers}{'x-shopify-access-token'} } @hooks ], [ ($token) x 4 ],
    '... with the token in X-Shopify-Access-Token';
like $hooks[0]{path}, qr{^/admin/api/2024-01/webhooks\.json$}, '... of the configured API version';
ok $s->wait_until(5, sub {
    $s->sql("SELECT status FROM jobs WHERE kind = 'shopify_register_webhooks'") eq 'done' }),
    '... and is done';

# A manager connects another shop; a retry of the registration finds them taken, still done.
($r) = shopify_connect($s, $mgr, 'second.myshopify.com');
is $r->{status}, 200, 'a manager connects a shop';
my $conn2 = $r->{json};

# --- the list ----------------------------------------------------------------------------------
$r = $s->get($C, token => $mgr->{token});
is $r->{json}{pagination}{total}, 2, 'both listed';
is_deeply [ map { $_->{store_url} } @{ $r->{json}{results} } ],
    [ 'second.myshopify.com', $shop ], '... newest first';
unlike $r->{content}, qr/v1:|shpat_|access_token|consumer/, '... without any secret';
is $s->get($C, token => $other->{token})->{json}{pagination}{total}, 0,
    'another supplier sees none of them';
is $s->get("$C?page_size=1&page=2", token => $sup->{token})->{json}{results}[0]{id}, $conn->{id},
    'paginated';
is api_error($s->get("$C?page=0", token => $sup->{token})), '400 BAD_REQUEST', 'a bad page: 400';

# --- another supplier and the same shop ---------------------------------------------------------
($r) = shopify_connect($s, $other, $shop);
is api_error($r), '409 CONFLICT', 'a shop connected to another supplier: 409';

# Registration failing: a 5xx is retried with backoff; a 4xx is final, kept as the
# connection's last error and a sync error.
my $jobs_done = sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shopify_register_webhooks'"
                              . " AND status = :'p1'", $_[0]) };
# (the registrations queued before are done first, so that the failure is the new one's)
ok $s->wait_until(10, sub { $jobs_done->('done') == 2 }), 'the registrations before are done';
$s->fake_control('shopify', '500 1 /webhooks.json');
($r) = shopify_connect($s, $sup, 'flaky.myshopify.com');
my $flaky = $r->{json}{id};
ok $s->wait_until(15, sub { $jobs_done->('done') == 3 }), 'Shopify failing once: the job is retried and done';
is $s->sql("SELECT attempts FROM jobs WHERE kind = 'shopify_register_webhooks'"
           . " AND payload->>'connection_id' = :'p1'", $flaky), 2, '... on its second attempt';
$s->fake_control('shopify', '401 1 /webhooks.json');
($r) = shopify_connect($s, $sup, 'revoked.myshopify.com');
my $revoked = $r->{json}{id};
ok $s->wait_until(10, sub { $jobs_done->('dead') == 1 }), 'Shopify refusing the token: the job is dead at once';
like $s->sql("SELECT last_error FROM store_connections WHERE id = :'p1'", $revoked),
    qr/Shopify answered 401 registering webhook/, "... the connection's last_error says why";
is $s->sql("SELECT count(*) FROM sync_errors WHERE connection_id = :'p1'"
           . " AND kind = 'shopify_register_webhooks' AND resolved_at IS NULL", $revoked), 1,
    '... and a sync error keeps it';
$s->del("$C/$_", token => $sup->{token}) for $flaky, $revoked;

# Shopify's own libraries form-encode the values they sign: a padded host shows it.
for my $form (0, 1) {
    my $sh = "padded$form.myshopify.com";
    $r = $s->post($INIT, { shop => $sh }, token => $sup->{token});
    $q = callback_query(code => "code-padded-$form", shop => $sh, state => $r->{json}{state},
                        host => 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvcGFkZGVk==', form_encoded => $form);
    my $x = $s->get("$CB?$q");
    is $x->{status}, 200, 'a callback with a padded host, signed ' . ($form ? 'form-encoded' : 'decoded') . ': 200';
    $s->del("$C/$x->{json}{id}", token => $sup->{token}) if $x->{json}{id};
}

# --- WooCommerce ---------------------------------------------------------------------------------
my $W = "$C/woocommerce";
my $woo = $s->woo_url;
my ($ck, $cs) = ('ck_' . ('1' x 40), 'cs_' . ('2' x 40));
for my $c ([ {}, [qw(consumer_key consumer_secret store_url)], 'nothing' ],
           [ { store_url => "$woo", consumer_key => $ck }, ['consumer_secret'], 'no secret' ],
           [ { store_url => 'http://shop.example.com', consumer_key => $ck, consumer_secret => $cs },
             ['store_url'], 'plain http to another host' ],
           [ { store_url => 'ftp://shop.example.com', consumer_key => $ck, consumer_secret => $cs },
             ['store_url'], 'not http(s)' ],
           [ { store_url => 'https://shop.example.com/?x=1', consumer_key => $ck, consumer_secret => $cs },
             ['store_url'], 'a query string' ],
           [ { store_url => 'https://user@shop.example.com', consumer_key => $ck, consumer_secret => $cs },
             ['store_url'], 'credentials in the URL' ],
           [ { store_url => 'https://', consumer_key => $ck, consumer_secret => $cs },
             ['store_url'], 'no host' ],
           [ { store_url => 'https://' . ('a' x 300) . '.com', consumer_key => $ck, consumer_secret => $cs },
             ['store_url'], 'a long URL' ],
           [ { store_url => $woo, consumer_key => 'key123', consumer_secret => $cs },
             ['consumer_key'], 'a key that is no consumer key' ],
           [ { store_url => $woo, consumer_key => $ck, consumer_secret => 'ck_' . ('2' x 40) },
             ['consumer_secret'], 'a secret that is no consumer secret' ],
           [ { store_url => $woo, consumer_key => 5, consumer_secret => $cs },
             ['consumer_key'], 'a key that is not a string' ]) {
    my ($body, $fields, $name) = @$c;
    $r = $s->post($W, $body, token => $sup->{token});
    is api_error($r), '422 VALIDATION_ERROR', "WooCommerce with $name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
my $before = () = $s->fake_requests('woocommerce');
is $before, 0, 'none of these called the store';

# The store refuses.
$r = $s->post($W, { store_url => $woo, consumer_key => 'ck_' . ('9' x 40), consumer_secret => $cs },
              token => $sup->{token});
is api_error($r), '422 VALIDATION_ERROR', 'an unknown key: 422';
is_deeply field_errors($r), ['consumer_key'], '... naming consumer_key';
like $r->{json}{error}{details}{fields}[0]{message}, qr/refused these credentials \(HTTP 401/,
    '... saying the store refused them';
$r = $s->post($W, { store_url => $woo, consumer_key => $ck, consumer_secret => 'cs_' . ('3' x 40) },
              token => $sup->{token});
is api_error($r), '422 VALIDATION_ERROR', 'the wrong secret: 422';
$r = $s->post($W, { store_url => "$woo/blog", consumer_key => $ck, consumer_secret => $cs },
              token => $sup->{token});
is api_error($r), '422 VALIDATION_ERROR', 'no REST API at the URL: 422';
like $r->{json}{error}{details}{fields}[0]{message}, qr/no WooCommerce REST API/, '... saying so';
my $dead = free_port();
$r = $s->post($W, { store_url => "http://127.0.0.1:$dead", consumer_key => $ck, consumer_secret => $cs },
              token => $sup->{token});
is api_error($r), '422 VALIDATION_ERROR', 'a store that cannot be reached: 422';
like $r->{json}{error}{details}{fields}[0]{message}, qr/could not be reached/, '... saying so';
$s->fake_control('woocommerce', '500 1');
is api_error($s->post($W, { store_url => $woo, consumer_key => $ck, consumer_secret => $cs },
                      token => $sup->{token})), '422 VALIDATION_ERROR', 'a store failing: 422';
is $s->sql("SELECT count(*) FROM store_connections WHERE platform = 'woocommerce'"), 0,
    'nothing kept from any refusal';

# Connected.
$r = $s->post($W, { store_url => "$woo/", consumer_key => $ck, consumer_secret => $cs },
              token => $sup->{token});
is $r->{status}, 201, 'WooCommerce keys the store takes: 201';
my $wc = $r->{json};
is_deeply [ @$wc{qw(platform store_url status)} ], [ 'woocommerce', $woo, 'active' ],
    '... active, the URL without its trailing slash';
my ($check) = grep { $_->{path} =~ m{^/wp-json/wc/v3/products} } reverse $s->fake_requests('woocommerce');
is $check->{path}, '/wp-json/wc/v3/products?per_page=1', '... checked against the REST API';
is $check->{headers}{authorization}, 'Basic ' . encode_base64("$ck:$cs", ''),
    '... with HTTP Basic consumer_key:consumer_secret';
$row = $s->sql("SELECT row_to_json(c)::text FROM store_connections c WHERE id = :'p1'", $wc->{id});
unlike $row, qr/\Q$ck\E|\Q$cs\E|1111111111|2222222222/, 'neither key is in any column in clear';
is $s->sql("SELECT count(*) FROM store_connections WHERE id = :'p1' AND consumer_key LIKE 'v1:%'"
           . " AND consumer_secret LIKE 'v1:%' AND consumer_key <> consumer_secret", $wc->{id}), 1,
    '... both sealed';
my @wh;
$s->wait_until(10, sub {
    @wh = grep { $_->{method} eq 'POST' && $_->{path} eq '/wp-json/wc/v3/webhooks' }
        $s->fake_requests('woocommerce');
    @wh >= 2;
});
is_deeply [ sort map { $_->{json}{topic} } @wh ], [ 'order.created', 'order.updated' ],
    'a job creates the order webhooks in the store';
is_deeply [ map { [ $_->{json}{delivery_url}, $_->{json}{status} ] } @wh ],
    [ ([ "$pub/webhooks/woocommerce", 'active' ]) x 2 ], '... delivered to /webhooks/woocommerce';
my $hook_secret = $wh[0]{json}{secret};
like $hook_secret, qr/^[0-9a-f]{64}$/, "... signed with the connection's own random secret";
is $wh[1]{json}{secret}, $hook_secret, '... the same for both';
isnt $hook_secret, WC_SECRET, '... not woocommerce_webhook_secret';
unlike $s->sql("SELECT row_to_json(c)::text FROM store_connections c WHERE id = :'p1'", $wc->{id}),
    qr/$hook_secret/, '... which is sealed too';
is $wh[0]{headers}{authorization}, 'Basic ' . encode_base64("$ck:$cs", ''), '... with the keys';
$r = $s->post($W, { store_url => uc($woo), consumer_key => $ck, consumer_secret => $cs },
              token => $mgr->{token});
is $r->{status}, 201, 'connecting the same store again: 201';
is $r->{json}{id}, $wc->{id}, '... the same connection';
ok $s->wait_until(10, sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'woocommerce_register_webhooks'"
                                    . " AND status = 'done'") == 2 }), 'connecting again registers again';
is scalar(grep { $_->{method} eq 'POST' && $_->{path} eq '/wp-json/wc/v3/webhooks' }
          $s->fake_requests('woocommerce')), 2, '... but makes no second webhook of a topic';
my @put = grep { $_->{method} eq 'PUT' } $s->fake_requests('woocommerce');
is_deeply [ sort map { $_->{path} } @put ], [ '/wp-json/wc/v3/webhooks/100', '/wp-json/wc/v3/webhooks/101' ],
    '... it updates the two there';
is_deeply [ map { $_->{json}{secret} } @put ], [ $hook_secret, $hook_secret ], '... keeping their secret';
is api_error($s->post($W, { store_url => $woo, consumer_key => $ck, consumer_secret => $cs },
                      token => $other->{token})), '409 CONFLICT',
    'the store connected to another supplier: 409';
$r = $s->post($W, { store_url => $woo, consumer_key => $ck, consumer_secret => $cs },
              token => $sup->{token}, headers => { 'Idempotency-Key' => 'wc-connect-1' });
my $r2 = $s->post($W, { store_url => $woo, consumer_key => $ck, consumer_secret => $cs },
                  token => $sup->{token}, headers => { 'Idempotency-Key' => 'wc-connect-1' });
is $r2->{headers}{'idempotent-replayed'}, 'true', 'an Idempotency-Key replays the first answer';

# --- disconnect ----------------------------------------------------------------------------------
my $nil = '00000000-0000-4000-8000-000000000000';
is api_error($s->del("$C/$wc->{id}", token => $other->{token})), '404 NOT_FOUND',
    "another supplier's connection: 404";
is api_error($s->del("$C/$nil", token => $sup->{token})), '404 NOT_FOUND', 'an unknown id: 404';
is api_error($s->del("$C/not-a-uuid", token => $sup->{token})), '404 NOT_FOUND', 'not an id: 404';
is api_error($s->del("$C/$wc->{id}", token => $rep->{token})), '403 FORBIDDEN', 'a sales rep: 403';
$r = $s->del("$C/$wc->{id}", token => $sup->{token});
is $r->{status}, 200, 'DELETE /connections/:id: 200';
is_deeply [ @{ $r->{json} }{qw(status sync_enabled)} ], [ 'disconnected', JSON::PP::false ],
    '... disconnected, sync off';
is $s->sql("SELECT count(*) FROM store_connections WHERE id = :'p1' AND consumer_key IS NULL"
           . " AND consumer_secret IS NULL", $wc->{id}), 1, '... its secrets dropped';
is api_error($s->del("$C/$wc->{id}", token => $sup->{token})), '409 INVALID_STATE',
    'disconnecting again: 409';
$r = $s->del("$C/$conn->{id}", token => $mgr->{token});
is $s->sql("SELECT count(*) FROM store_connections WHERE id = :'p1' AND access_token IS NULL",
           $conn->{id}), 1, 'a Shopify one drops its token';
is $s->post($W, { store_url => $woo, consumer_key => $ck, consumer_secret => $cs },
            token => $other->{token})->{status}, 201,
    'a store disconnected may be connected by another supplier';

# --- Shopify: back to the page the authorization began on (seed 004's redirect) -----------
# An initiate from an allowed origin (here public_url's own) keeps that page; the callback
# then sends the browser back to it, /?shopify_success=true&store=… or ?shopify_error=….
# An API client (no Origin, or one not allowed) keeps the JSON answers above.
my $nofollow = HTTP::Tiny->new(max_redirect => 0, timeout => 30);
my $cb = sub { $nofollow->get("$pub$CB?$_[0]") };
my $initiate_from = sub {
    my ($shop_name, $origin) = @_;
    my $x = $nofollow->post("$pub$INIT", { headers => { 'Content-Type' => 'application/json',
        Authorization => "Bearer $sup->{token}", $origin ? (Origin => $origin) : () },
        content => JSON::PP->new->encode({ shop => $shop_name }) });
    die "initiate: $x->{status} $x->{content}" unless $x->{status} == 200;
    return JSON::PP->new->decode($x->{content})->{state};
};
my $st = $initiate_from->('back-shop.myshopify.com', $pub);
is $s->sql("SELECT return_to FROM shopify_oauth_states WHERE state_hash = :'p1'", sha256_hex($st)),
    $pub, 'an initiate from an allowed origin keeps it as the page to return to';
$r = $cb->(callback_query(code => 'good-code-back', shop => 'back-shop.myshopify.com', state => $st));
is $r->{status}, 302, 'its callback: 302';
is $r->{headers}{location}, "$pub/?shopify_success=true&store=back-shop.myshopify.com",
    '... back to the page, shopify_success=true&store=<shop>';
is $s->sql("SELECT status FROM store_connections WHERE store_url = 'back-shop.myshopify.com'"),
    'active', '... the store connected';
$st = $initiate_from->('back-refused.myshopify.com', $pub);
$r = $cb->(callback_query(code => 'bad-code-back', shop => 'back-refused.myshopify.com', state => $st));
is $r->{status}, 302, 'a code Shopify refuses, begun from a page: 302';
like $r->{headers}{location}, qr{^\Q$pub\E/\?shopify_error=Shopify%20did%20not%20accept},
    '... back with shopify_error';
is $s->sql("SELECT count(*) FROM store_connections WHERE store_url = 'back-refused.myshopify.com'"),
    0, '... nothing connected';
$st = $initiate_from->('back-late.myshopify.com', $pub);
$s->sql("UPDATE shopify_oauth_states SET expires_at = now() - interval '1 s' WHERE state_hash = :'p1'",
        sha256_hex($st));
$r = $cb->(callback_query(code => 'good-code-late', shop => 'back-late.myshopify.com', state => $st));
is $r->{status}, 302, 'an expired state begun from a page: 302';
like $r->{headers}{location}, qr{\?shopify_error=the%20authorization%20has%20expired$}, '... saying so';
$r = $cb->(callback_query(code => 'good-code-x', shop => 'back-late.myshopify.com', state => 'e' x 64));
is $r->{status}, 403, 'an unknown state: 403, nowhere to send the browser';
for my $origin ('https://evil.example.com', "$pub/path", undef) {
    my $shop_name = 'api-' . (1 + ($origin // '') =~ tr/a-z//) . '.myshopify.com';
    $st = $initiate_from->($shop_name, $origin);
    is $s->sql("SELECT return_to IS NULL FROM shopify_oauth_states WHERE state_hash = :'p1'",
               sha256_hex($st)), 't', 'an initiate from ' . ($origin // 'no Origin') . ': no page kept';
    $r = $cb->(callback_query(code => "good-code-$shop_name", shop => $shop_name, state => $st));
    is $r->{status}, 200, '... its callback answers the connection in JSON';
}

# --- seed 004's dashboard's WooCommerce form: who may use it, what it refuses -------------
for my $path ('/api/v1/woo-connections/test', '/api/v1/woo-connections/connect') {
    my %keys = (store_url => $woo, consumer_key => $ck, consumer_secret => $cs);
    is api_error($s->post($path, \%keys, token => $rep->{token})), '403 FORBIDDEN',
        "$path by a sales rep: 403";
    is api_error($s->post($path, \%keys, token => $con->{token})), '403 FORBIDDEN',
        "$path by a consumer: 403";
    is api_error($s->post($path, '{"store_url":', token => $sup->{token})), '400 BAD_REQUEST',
        "$path, a malformed body: 400";
    is_deeply field_errors($s->post($path, { store_url => $woo }, token => $sup->{token})),
        ['consumer_key', 'consumer_secret'], "$path without keys: 422 naming them";
}
my $conns_before = $s->sql("SELECT count(*) FROM store_connections");
is api_error($s->post('/api/v1/woo-connections/connect',
                      { store_url => $woo, consumer_key => $ck, consumer_secret => $cs },
                      token => $sup->{token})), '409 CONFLICT',
    "connect through the dashboard's form a store another supplier holds: 409";
is $s->sql("SELECT count(*) FROM store_connections"), $conns_before, '... nothing changed';

# --- no secrets_key: nothing stored --------------------------------------------------------------
$s->stop;
my $t = SCPTest->start(fakes => ['shopify', 'woocommerce'], env => { SCP_SECRETS_KEY => '' });
my $sup2 = new_supplier($t);
$r = $t->post($W, { store_url => $t->woo_url, consumer_key => $ck, consumer_secret => $cs },
              token => $sup2->{token});
is api_error($r), '503 UNAVAILABLE', 'without secrets_key WooCommerce keys are refused: 503';
like $r->{json}{error}{message}, qr/secrets_key/, '... saying why';
is api_error($t->post($INIT, { shop => 'a.myshopify.com' }, token => $sup2->{token})),
    '503 UNAVAILABLE', '... and Shopify authorizations';
is api_error($t->post('/api/v1/woo-connections/connect',
                      { store_url => $t->woo_url, consumer_key => $ck, consumer_secret => $cs },
                      token => $sup2->{token})), '503 UNAVAILABLE',
    "... and the dashboard's WooCommerce form";
is $t->sql("SELECT count(*) FROM store_connections"), 0, '... nothing stored';


done_testing;
