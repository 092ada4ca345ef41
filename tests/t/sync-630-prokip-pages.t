# The Prokip pages of seed 004's dashboard (cgi-bin/sync/stores.c): GET /prokip/products
# (the location's SKUs as the last pass read Prokip's stock report) and GET /prokip/sales
# (the store sales SCP recorded and sends to Prokip) — roles, pages, no Prokip account,
# another supplier's, the pages after a real pass against the fakes and sales the worker
# sent, and the prokip profile's /prokip/prokip/… paths and names as the dashboard reads
# them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;
use SCPStores;

my ($s, $sup, $mgr, $rep, $other, $consumer) = sync_cast(12);
is $s->post('/api/v1/sync/pause', {}, token => $sup->{token})->{status}, 200,
    'paused (no periodic pass: the test asks for each)';

my @paths = ('/api/v1/prokip/products', '/api/v1/prokip/sales');
for my $p (@paths) {
    is $s->get($p)->{status}, 401, "GET $p without a token: 401";
    is $s->get($p, token => 'not-a-token')->{status}, 401, '... a bad token: 401';
    is $s->get($p, token => $rep->{token})->{status}, 403, '... a sales rep: 403';
    is $s->get($p, token => $consumer->{access_token})->{status}, 403, '... a consumer: 403';
    is $s->req('POST', $p, {}, token => $sup->{token})->{status}, 405, '... POST: 405';
    my $r = $s->get($p, token => $sup->{token});
    is $r->{status}, 404, '... no Prokip account: 404';
    is $r->{json}{error}{message}, 'no Prokip account is connected', '... saying so';
    for my $q ('page=0', 'page_size=101', 'page=x') {
        $r = $s->get("$p?$q", token => $sup->{token});
        is $r->{status}, 400, "... ?$q: 400";
        is $r->{json}{error}{code}, 'BAD_REQUEST', '... in the envelope';
    }
}

is $s->req('PUT', '/api/v1/connections/prokip', { token => 'tok_pages', location_id => '4' },
           token => $sup->{token})->{status}, 200, 'Prokip connected, at location 4';
my $r = $s->get('/api/v1/prokip/products', token => $mgr->{token});
is $r->{status}, 200, 'GET /prokip/products by a manager before any pass: 200';
is_deeply $r->{json}{results}, [], '... no product yet';
is $r->{json}{location_id}, '4', '... the location beside the page';
is $r->{json}{pagination}{total}, 0, '... a total of 0';
$r = $s->get('/api/v1/prokip/sales', token => $sup->{token});
is_deeply [$r->{status}, $r->{json}{results}, $r->{json}{location_id}], [200, [], '4'],
    'GET /prokip/sales before any sale: none, and the location';
is $s->get('/api/v1/prokip/products', token => $other->{token})->{status}, 404,
    'another supplier, with no Prokip account: 404';

# a real pass: Prokip's report of 12 SKUs read into what SCP holds
my $woo = store_connection($s, $sup, 'woocommerce', $s->fake_url('storepush') . '/',
                           consumer_key => 'ck_pp', consumer_secret => 'cs_pp');
my $shop = store_connection($s, $sup, 'shopify', 'pp-shop.myshopify.com', access_token => 'shpat_pp');
sub passes { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'sync_pass' AND status = 'done'") }
is $s->post('/api/v1/sync', {}, token => $sup->{token})->{status}, 202, 'a pass asked for';
ok $s->wait_until(30, sub { passes() >= 1 }), 'the pass ran';
my @asked = grep { $_->{path} =~ m{^/connector/api/product-stock-report} } $s->fake_requests('prokip');
like $asked[-1]{path}, qr/[?&]location_id=4(&|$)/, "it read Prokip's report for location 4";

$r = $s->get('/api/v1/prokip/products', token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/products after the pass: 200';
is $r->{json}{pagination}{total}, 12, '... the 12 SKUs of the report';
is_deeply [map { $_->{sku} } @{ $r->{json}{results} }], [map { sprintf 'SKU-%05d', $_ } 1 .. 12],
    '... in SKU order';
my ($p3) = grep { $_->{sku} eq 'SKU-00003' } @{ $r->{json}{results} };
is_deeply $p3, { sku => 'SKU-00003', name => 'Product 3', price => 13, quantity => 111,
                 sell_price_inc_tax => 13, qty_available => 111, product_id => '3',
                 variation_id => '100003', updated_at => $p3->{updated_at} },
    "... a SKU: Prokip's name, unit price, level and ids, also as Prokip's product list names them";
like $p3->{updated_at}, qr/^\d{4}-\d\d-\d\dT/, '... and when it was read';
$r = $s->get('/api/v1/prokip/products?page=3&page_size=5', token => $sup->{token});
is_deeply [map { $_->{sku} } @{ $r->{json}{results} }], ['SKU-00011', 'SKU-00012'],
    '?page=3&page_size=5: the last two';
is $r->{json}{pagination}{total_pages}, 3, '... of three pages';
is $r->{json}{location_id}, '4', '... with the location on every page';

# another supplier's location holds nothing of these
is $s->req('PUT', '/api/v1/connections/prokip', { token => 'tok_theirs', location_id => '9' },
           token => $other->{token})->{status}, 200, 'the other supplier connects its Prokip';
$r = $s->get('/api/v1/prokip/products', token => $other->{token});
is_deeply [$r->{status}, $r->{json}{pagination}{total}, $r->{json}{location_id}], [200, 0, '9'],
    '... and sees none of these products, at its own location';

# sales: recorded from the stores, sent to Prokip by scp-worker
record_sale($s, $shop, '5001', 'USD', 2500, '[{"sku":"SKU-00001","quantity":2,"unit_price":1250,"name":"Product 1"}]');
$s->sql("UPDATE sales_log SET created_at = now() - interval '1 minute' WHERE store_order_id = '5001'");
record_sale($s, $woo, '88', 'KES', 30000,
            '[{"sku":"SKU-00002","quantity":1,"unit_price":10000},{"sku":"SKU-00003","quantity":2,"unit_price":10000}]');
ok $s->wait_until(30, sub { $s->sql("SELECT count(*) FROM sales_log WHERE status = 'sent'") == 2 }),
    'scp-worker sent both sales to Prokip';
my %sent = map { (SCPTest::json()->decode($_->{body})->{sells}[0]{invoice_no} // "") => $_ }
           grep { $_->{path} eq '/connector/api/sell' } $s->fake_requests('prokip');

$r = $s->get('/api/v1/prokip/sales', token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/sales: 200';
is $r->{json}{pagination}{total}, 2, '... the two sales, of both stores';
is_deeply [map { $_->{invoice_no} } @{ $r->{json}{results} }], ['WOO-88', 'SHOPIFY-5001'],
    '... newest first, by the invoice number they were sent with';
ok $sent{$_}, "... $_ is the invoice number Prokip received" for 'WOO-88', 'SHOPIFY-5001';
my ($w) = @{ $r->{json}{results} };
is $w->{added_by}, 'WooCommerce', '... the store it came from';
is $w->{platform}, 'woocommerce', '... its platform';
is $w->{connection_id}, $woo, '... and connection';
is $w->{order_id}, '88', "... the store's order id";
is $w->{final_total}, 300, '... the total in KES';
is $w->{currency}, 'KES', '... and currency';
is_deeply $w->{sell_lines}, [{ sku => 'SKU-00002', name => undef, quantity => 1, unit_price => 100 },
                             { sku => 'SKU-00003', name => undef, quantity => 2, unit_price => 100 }],
    '... its lines, in order';
is $w->{status}, 'sent', '... sent';
ok defined $w->{prokip_sell_id}, "... with Prokip's sell id";
like $w->{sent_at}, qr/^\d{4}-/, '... and when';
is $w->{transaction_date}, $w->{created_at}, '... dated when it was recorded';
is $r->{json}{results}[1]{added_by}, 'Shopify', 'the Shopify sale';
is $s->get('/api/v1/prokip/sales?page_size=1&page=2', token => $sup->{token})->{json}{results}[0]{invoice_no},
    'SHOPIFY-5001', '?page_size=1&page=2: the older';
is $s->get('/api/v1/prokip/sales', token => $other->{token})->{json}{pagination}{total}, 0,
    "another supplier sees none of these sales";

# the prokip profile: the dashboard's /prokip/products and /prokip/sales under /prokip/
$r = $s->get('/prokip/prokip/products?page_size=3', token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/prokip/products (the dashboard under the prokip mount): 200';
is $r->{json}{locationId}, '4', '... response.locationId';
is scalar @{ $r->{json}{products} }, 3, '... response.products';
is $r->{json}{products}[0]{sell_price_inc_tax}, 11, "... each with Prokip's sell_price_inc_tax";
is $r->{json}{products}[0]{qty_available}, 37, '... and qty_available';
is $r->{json}{products}[0]{variationId}, '100001', '... other keys in camelCase';
ok !exists $r->{json}{results}, '... and no results beside it';
$r = $s->get('/prokip/prokip/sales', token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/prokip/sales: 200';
is $r->{json}{sales}[0]{invoice_no}, 'WOO-88', '... response.sales, with invoice_no';
is $r->{json}{sales}[0]{final_total}, 300, '... final_total';
is scalar @{ $r->{json}{sales}[0]{sell_lines} }, 2, '... sell_lines';
is $r->{json}{sales}[0]{added_by}, 'WooCommerce', '... added_by';
like $r->{json}{sales}[0]{transaction_date}, qr/^\d{4}-/, '... transaction_date';
is $r->{json}{sales}[0]{status}, 'sent', '... and status, as the dashboard reads them';
is $s->get('/prokip/prokip/sales', token => $rep->{token})->{status}, 403, '... a sales rep: 403 there too';

# a sale of a supplier with no Prokip account is kept, not sent, and says why
my $third = SCPB2B::new_supplier($s);
my $lone = store_connection($s, $third, 'shopify', 'lone-shop.myshopify.com', access_token => 'shpat_lone');
my $sells = () = grep { $_->{path} eq '/connector/api/sell' } $s->fake_requests('prokip');
record_sale($s, $lone, '9001', 'USD', 500, '[{"sku":"SKU-00001","quantity":1,"unit_price":500}]');
ok $s->wait_until(30, sub { $s->sql("SELECT count(*) FROM sync_errors WHERE connection_id = :'p1'"
                                    . " AND kind = 'prokip_sell'", $lone) }),
    'a sale of a supplier with no Prokip account: a sync error';
like $s->sql("SELECT cause FROM sync_errors WHERE connection_id = :'p1'", $lone), qr/no Prokip account/,
    '... saying why';
is $s->sql("SELECT status FROM sales_log WHERE connection_id = :'p1'", $lone), 'pending', '... the sale kept';
is scalar(() = grep { $_->{path} eq '/connector/api/sell' } $s->fake_requests('prokip')), $sells,
    '... and nothing sent to Prokip';

done_testing;
