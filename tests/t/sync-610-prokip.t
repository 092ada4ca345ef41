# Prokip (cgi-bin/sync/prokip.c, bin/worker_prokip.c, seed 004): PUT /connections/prokip
# with a token or a username and password (the OAuth password grant), sealed at rest; each
# paid store sale sent once to POST /connector/api/sell, whether its job runs twice or the
# order arrives by a webhook and by POST /sync/pull-orders; failures kept as sync errors
# and retried; returns; the token refreshed when it expires.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPB2B;
use SCPStores;

my ($s, $sup, $mgr, $rep, $other, $consumer) = sync_cast(20);
my $P = '/api/v1/connections/prokip';

# No periodic pass in this file: the sales are what is tested.
is $s->post('/api/v1/sync/pause', {}, token => $sup->{token})->{status}, 200, 'paused';

my $r = $s->get($P, token => $sup->{token});
is $r->{status}, 200, 'GET before any account: 200';
is $r->{json}{connected}, JSON::PP::false, '... not connected';

# validation
for my $case (
    [ {}, ['location_id', 'token'], 'nothing' ],
    [ { location_id => '4' }, ['token'], 'no credentials' ],
    [ { location_id => '4', username => 'a@b.c' }, ['password'], 'a username alone' ],
    [ { location_id => '4', password => 'x' }, ['username'], 'a password alone' ],
    [ { location_id => '4', token => 'tok_a', username => 'a', password => 'b' }, ['token'],
      'a token and a password' ],
    [ { location_id => 'a b', token => 'tok_a' }, ['location_id'], 'a location id with a space' ],
    [ { location_id => 0, token => 'tok_a' }, ['location_id'], 'location 0' ],
    [ { location_id => [1], token => 'tok_a' }, ['location_id'], 'a location that is a list' ],
    [ { location_id => '4', token => 'tok a' }, ['token'], 'a token with a space' ],
    [ { location_id => '4', token => 'Bearer ' }, ['token'], 'an empty bearer token' ],
    [ { location_id => '4', token => 'x' x 4097 }, ['token'], 'a token too long' ],
  ) {
    my ($body, $fields, $what) = @$case;
    my $v = $s->req('PUT', $P, $body, token => $sup->{token});
    is $v->{status}, 422, "$what: 422";
    is_deeply [sort map { $_->{field} } @{ $v->{json}{error}{details}{fields} || [] }], $fields,
        "... on @$fields";
}
is $s->req('PUT', $P, '{"location_id":', token => $sup->{token})->{status}, 400, 'malformed JSON: 400';
is $s->req('PUT', $P, 'location_id=4', token => $sup->{token},
           type => 'application/x-www-form-urlencoded')->{status}, 415, 'a form: 415';
is $s->req('PUT', $P, { location_id => '4', token => 'x' x 2_000_000 },
           token => $sup->{token})->{status}, 413, 'an oversized body: 413';

# roles
is $s->req('PUT', $P, { location_id => '4', token => 'tok_a' })->{status}, 401, 'no token: 401';
is $s->req('PUT', $P, { location_id => '4', token => 'tok_a' }, token => 'nope')->{status}, 401,
    'a bad token: 401';
is $s->req('PUT', $P, { location_id => '4', token => 'tok_a' }, token => $rep->{token})->{status},
    403, 'a sales rep: 403';
is $s->get($P, token => $rep->{token})->{status}, 403, '... nor reads it';
is $s->req('PUT', $P, { location_id => '4', token => 'tok_a' },
           token => $consumer->{access_token})->{status}, 403, 'a consumer: 403';

# a token, as seed 004's dashboard sends it (POST, "Bearer …", camelCase)
$r = $s->post($P, { token => 'Bearer tok_manager', locationId => '4' }, token => $mgr->{token});
is $r->{status}, 200, 'a manager connects with a token (seed 004\'s POST): 200';
is $r->{json}{auth}, 'token', '... by token';
is $r->{json}{location_id}, '4', '... location 4';
unlike $r->{content}, qr/tok_manager/, '... the token is not answered';

# the password grant
$r = $s->req('PUT', $P, { username => 'owner@prokip.test', password => 'wrong', location_id => 4 },
             token => $sup->{token});
is $r->{status}, 422, 'a wrong Prokip password: 422';
is $r->{json}{error}{details}{fields}[0]{field}, 'password', '... on password';
$r = $s->req('PUT', $P, { username => 'owner@prokip.test', password => 'prokip-pass', location_id => 4 },
             token => $sup->{token});
is $r->{status}, 200, 'the owner connects with a username and password: 200';
is $r->{json}{auth}, 'password', '... by password';
is $r->{json}{username}, 'owner@prokip.test', '... the username shown';
ok $r->{json}{refreshable}, '... with a refresh token';
ok $r->{json}{token_expires_at}, '... and its expiry';
unlike $r->{content}, qr/pk_at_|pk_rt_|prokip-pass/, '... no token or password answered';
my ($grant) = grep { $_->{path} eq '/oauth/token' && $_->{body} =~ /prokip-pass/ }
    $s->fake_requests('prokip');
like $grant->{body}, qr/(^|&)grant_type=password(&|$)/, 'the grant: grant_type=password';
like $grant->{body}, qr/(^|&)client_id=7(&|$)/, '... the configured client id';
like $grant->{body}, qr/(^|&)client_secret=fake-prokip-client-secret(&|$)/, '... and secret';
like $grant->{body}, qr/(^|&)username=owner%40prokip.test(&|$)/, '... the username, form-encoded';
is $grant->{headers}{'content-type'}, 'application/x-www-form-urlencoded', '... as a form';
$r = $s->get($P, token => $mgr->{token});
is $r->{json}{auth}, 'password', 'GET shows the account to the manager';
unlike $r->{content}, qr/pk_at_|pk_rt_|v1:/, '... without a secret, sealed or not';
is $s->get($P, token => $other->{token})->{json}{connected}, JSON::PP::false,
    'another supplier sees its own (none)';

# credentials are not readable in the database
my $row = $s->sql("SELECT row_to_json(a)::text FROM prokip_accounts a WHERE supplier_id = :'p1'",
                  $sup->{id});
unlike $row, qr/pk_at_|pk_rt_|prokip-pass|tok_manager/, 'no Prokip secret in clear in the database';
like $s->sql("SELECT access_token FROM prokip_accounts WHERE supplier_id = :'p1'", $sup->{id}),
    qr/^v1:[0-9a-f]+$/, '... the token is sealed';

# stores, as the stores' connection routes leave them (secrets sealed to their row)
sub store { store_connection($s, @_) }
my $shop = store($sup, 'shopify', 'fake-shop.myshopify.com', access_token => 'shpat_fake1');
my $woo = store($sup, 'woocommerce', $s->fake_url('storepush'), consumer_key => 'ck_fake',
                consumer_secret => 'cs_fake');

sub idle {
    $s->wait_until(30, sub {
        $s->sql("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
                . " AND (kind LIKE 'prokip%' OR kind LIKE 'sync%')") == 0;
    });
}
sub sells { grep { $_->{path} eq '/connector/api/sell' } $s->fake_requests('prokip') }
sub record_sale {
    my ($conn, $order, $lines) = @_;
    return $s->sql("SELECT scp_store_record_sale(:'p1', :'p2', 'USD', 2500, :'p3'::jsonb)",
                   $conn, $order, $lines);
}

# a sale, sent once
my $lines = '[{"sku":"SKU-00001","quantity":2,"unit_price":1250}]';
my $sale = record_sale($shop, '450789469', $lines);
ok $sale, 'a paid Shopify order recorded (as its webhook does)';
idle();
my @sells = sells();
is scalar @sells, 1, 'one sell sent to Prokip';
my $sell = $sells[0]{json}{sells}[0];
is $sell->{invoice_no}, 'SHOPIFY-450789469', '... invoice_no from the platform and order id';
is $sell->{location_id}, 4, '... at the account\'s location';
is $sell->{final_total}, 25, '... its total';
is $sell->{products}[0]{sku}, 'SKU-00001', '... lines by SKU';
is $sell->{products}[0]{quantity}, 2, '... with their quantity';
is $sell->{products}[0]{unit_price}, 12.5, '... and unit price';
is $sell->{payments}[0]{amount}, 25, '... paid';
like $sells[0]{headers}{authorization}, qr/^Bearer pk_at_\w+$/, '... with the account\'s bearer token';
my ($st, $sid) = split /\t/, $s->sql("SELECT status, prokip_sell_id FROM sales_log WHERE id = :'p1'", $sale);
is $st, 'sent', 'the sale is sent';
like $sid, qr/^\d+$/, '... and keeps Prokip\'s sell id';

# the job twice, and three at once: still one sell
$s->sql("SELECT scp_job_enqueue('prokip_sell', jsonb_build_object('sales_log_id', :'p1'::text))", $sale);
my $sale2 = record_sale($shop, '450789470', $lines);
$s->sql("SELECT scp_job_enqueue('prokip_sell', jsonb_build_object('sales_log_id', :'p1'::text))"
        . " FROM generate_series(1, 3)", $sale2);
idle();
is scalar(grep { $_->{json}{sells}[0]{invoice_no} eq 'SHOPIFY-450789469' } sells()), 1,
    'the job run again sends nothing more';
is scalar(grep { $_->{json}{sells}[0]{invoice_no} eq 'SHOPIFY-450789470' } sells()), 1,
    'four jobs of one sale send it once';

# the same order by a webhook and by a pull: once
sub put_file { my ($f, $c) = @_; open my $fh, '>', $f or die $!; print $fh $c; close $fh }
my $ctl = $s->{fakes}{storepush}{ctl};
put_file("$ctl.shopify-orders", SCPTest::json()->encode([
    { id => 450789470, financial_status => 'paid', cancelled_at => undef, currency => 'USD',
      total_price => '25.00', line_items => [{ sku => 'SKU-00001', quantity => 2, price => '12.50' }] },
    { id => 450789471, financial_status => 'paid', cancelled_at => undef, currency => 'USD',
      total_price => '9.99', line_items => [{ sku => 'SKU-00002', quantity => 1, price => '9.99' },
                                             { sku => '', quantity => 1, price => '1.00' }] },
    { id => 450789472, financial_status => 'pending', cancelled_at => undef, currency => 'USD',
      total_price => '5.00', line_items => [] },
    { id => 450789473, financial_status => 'paid', cancelled_at => '2026-01-01T00:00:00Z',
      currency => 'USD', total_price => '5.00', line_items => [] },
]));
put_file("$ctl.woo-orders", SCPTest::json()->encode([
    { id => 727, status => 'processing', currency => 'KES', total => '300.00',
      line_items => [{ sku => 'SKU-00003', quantity => 3, price => 100 }] },
]));
is $s->post('/api/v1/sync/pull-orders', {}, token => $sup->{token})->{status}, 202,
    'POST /sync/pull-orders: 202';
idle();
my %by = map { $_ => 0 } qw(SHOPIFY-450789470 SHOPIFY-450789471 SHOPIFY-450789472
                              SHOPIFY-450789473 WOO-727);
$by{ $_->{json}{sells}[0]{invoice_no} }++ for sells();
is $by{'SHOPIFY-450789470'}, 1, 'an order the webhook recorded is not sent again';
is $by{'SHOPIFY-450789471'}, 1, 'a paid order the webhooks missed is sent';
is $by{'SHOPIFY-450789472'} + $by{'SHOPIFY-450789473'}, 0, 'unpaid and cancelled orders are not';
is $by{'WOO-727'}, 1, 'a processing WooCommerce order is sent';
is $s->sql("SELECT count(*) FROM sales_log WHERE connection_id = :'p1'", $shop), 3,
    'three Shopify sales in the log';
my ($pull) = grep { $_->{path} =~ m{/orders\.json} } $s->fake_requests('storepush');
like $pull->{path}, qr{^/admin/api/[\w-]+/orders\.json\?status=any&financial_status=paid&updated_at_min=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ},
    'Shopify is asked for its paid orders since the last pull';
is $pull->{headers}{'x-shopify-access-token'}, 'shpat_fake1', '... with the shop\'s token, opened';
my ($wpull) = grep { $_->{path} =~ m{^/wp-json/wc/v3/orders} } $s->fake_requests('storepush');
like $wpull->{path}, qr{after=\d{4}-\d\d-\d\dT[\d:]+&status=processing,completed},
    'WooCommerce is asked for processing and completed orders';
like $wpull->{headers}{authorization}, qr/^Basic /, '... with Basic auth';
# many orders: every page
put_file("$ctl.woo-orders", SCPTest::json()->encode([
    map { { id => 1000 + $_, status => 'completed', currency => 'KES', total => '10.00',
            line_items => [{ sku => 'SKU-00004', quantity => 1, price => '10.00' }] } } 1 .. 120 ]));
my $before = () = $s->fake_requests('storepush');
is $s->post('/api/v1/sync/pull-orders', {}, token => $sup->{token})->{status}, 202, 'a pull of 120 orders';
idle();
is $s->sql("SELECT count(*) FROM sales_log WHERE connection_id = :'p1' AND store_order_id::int > 1000", $woo),
    120, '... records all of them';
my @after = $s->fake_requests('storepush');
splice @after, 0, $before;
is scalar(grep { $_->{path} =~ m{^/wp-json/wc/v3/orders\?.*&per_page=50&page=[123]$} } @after),
    3, '... read in three pages';
is scalar(grep { $_->{json}{sells}[0]{invoice_no} =~ /^WOO-1\d{3}$/ } sells()), 120, '... each sent once';
my @pulls = parallel(4, sub { $s->post('/api/v1/sync/pull-orders', {}, token => $sup->{token}) });
is scalar(grep { $_->{status} == 202 } @pulls), 4, 'four pulls at once: 202 each';
idle();
is scalar(sells()), 124, '... and still nothing sent twice';

# Prokip down: a sync error, retried with backoff, cleared by the attempt that works
$s->fake_control('prokip', '503 1');
my $sale3 = record_sale($shop, '450789480', $lines);
ok $s->wait_until(15, sub {
    $s->sql("SELECT count(*) FROM sync_errors WHERE kind = 'prokip_sell' AND ref = :'p1'", $sale3) == 1 }),
    'a failed sell leaves a sync error';
like $s->sql("SELECT cause FROM sync_errors WHERE ref = :'p1'", $sale3), qr/Prokip answered 503/,
    '... with its cause';
ok $s->wait_until(20, sub {
    $s->sql("SELECT status FROM sales_log WHERE id = :'p1'", $sale3) eq 'sent' }),
    'the retry sends it';
is $s->sql("SELECT resolved_at IS NOT NULL FROM sync_errors WHERE ref = :'p1'", $sale3), 't',
    '... and resolves the error';
is scalar(grep { $_->{json}{sells}[0]{invoice_no} eq 'SHOPIFY-450789480' } sells()), 2,
    '... two attempts, the same invoice_no';

# a sell return
$s->sql("SELECT scp_job_enqueue('prokip_sell_return', jsonb_build_object('sales_log_id', :'p1'::text))", $sale);
idle();
my @returns = grep { $_->{path} eq '/connector/api/sell-return' } $s->fake_requests('prokip');
is scalar @returns, 1, 'a return is sent to POST /connector/api/sell-return';
is $returns[0]{json}{transaction_id}, $sid, '... naming the sell';
is $returns[0]{json}{products}[0]{sku}, 'SKU-00001', '... and its lines';
is $s->sql("SELECT status FROM sales_log WHERE id = :'p1'", $sale), 'returned', 'the sale is returned';

# the token expires: refreshed, kept sealed
$s->sql("UPDATE prokip_accounts SET token_expires_at = now() - interval '1 hour' WHERE supplier_id = :'p1'",
        $sup->{id});
my $old = $s->sql("SELECT access_token FROM prokip_accounts WHERE supplier_id = :'p1'", $sup->{id});
record_sale($shop, '450789490', $lines);
idle();
my ($refresh) = grep { $_->{path} eq '/oauth/token' && $_->{body} =~ /grant_type=refresh_token/ }
    $s->fake_requests('prokip');
ok $refresh, 'an expired token is refreshed with the refresh grant';
my ($last) = grep { $_->{json}{sells}[0]{invoice_no} eq 'SHOPIFY-450789490' } sells();
ok $last, '... and the sale sent';
isnt $s->sql("SELECT access_token FROM prokip_accounts WHERE supplier_id = :'p1'", $sup->{id}), $old,
    '... the new token kept';
is $s->sql("SELECT token_expires_at > now() FROM prokip_accounts WHERE supplier_id = :'p1'", $sup->{id}),
    't', '... with its new expiry';
unlike $s->sql("SELECT row_to_json(a)::text FROM prokip_accounts a WHERE supplier_id = :'p1'", $sup->{id}),
    qr/pk_at_|pk_rt_/, '... sealed';
like $s->sql("SELECT access_token FROM store_connections WHERE id = :'p1'", $shop), qr/^v1:/,
    'store credentials are sealed too';

# nor in any log
my @leaks;
for my $f (glob($s->dir . '/log/*.log')) {
    open my $lf, '<', $f or next;
    while (<$lf>) {
        push @leaks, "$f: $_" if /pk_at_|pk_rt_|prokip-pass|tok_manager|shpat_fake1|cs_fake|ck_fake/;
    }
}
is_deeply \@leaks, [], 'no Prokip or store secret in any log';

done_testing;
