# A store's pages in seed 004's dashboard (cgi-bin/sync/stores.c): GET /stores/products,
# /stores/orders, /stores/analytics (?connection_id, else the supplier's first store),
# POST /sync/inventory and /sync/pull-sales ({connection_id}) — roles, validation,
# another supplier's and a disconnected store, a store with nothing yet, the pages after
# a real pass against the fakes and recorded sales, and the prokip profile's
# /stores/my-store/… paths and names as the dashboard reads them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;
use SCPStores;

my ($s, $sup, $mgr, $rep, $other, $consumer) = sync_cast(20);
is $s->post('/api/v1/sync/pause', {}, token => $sup->{token})->{status}, 200,
    'paused (no periodic pass: the test asks for each)';

# roles and bodies, on every route
my $Z = '00000000-0000-4000-8000-000000000001';
my @routes = (['GET', '/api/v1/stores/products'], ['GET', '/api/v1/stores/orders'],
              ['GET', '/api/v1/stores/analytics'], ['POST', '/api/v1/sync/inventory'],
              ['POST', '/api/v1/sync/pull-sales']);
for my $rt (@routes) {
    my ($m, $p) = @$rt;
    my $body = $m eq 'GET' ? undef : {};
    is $s->req($m, $p, $body)->{status}, 401, "$m $p without a token: 401";
    is $s->req($m, $p, $body, token => 'not-a-token')->{status}, 401, '... a bad token: 401';
    is $s->req($m, $p, $body, token => $rep->{token})->{status}, 403, '... a sales rep: 403';
    is $s->req($m, $p, $body, token => $consumer->{access_token})->{status}, 403, '... a consumer: 403';
    if ($m eq 'GET') {
        is $s->get("$p?connection_id=abc", token => $sup->{token})->{status}, 400,
            '... ?connection_id=abc: 400';
        my $none = $s->get($p, token => $sup->{token});
        is $none->{status}, 404, '... no store connected: 404';
        is $none->{json}{error}{message}, 'no store is connected', '... saying so';
        next;
    }
    is $s->req($m, $p, '{"x":', token => $sup->{token})->{status}, 400, '... malformed JSON: 400';
    is $s->req($m, $p, '[1]', token => $sup->{token})->{status}, 400, '... not an object: 400';
    for my $bad ('abc', 5, [$Z]) {
        my $r = $s->post($p, { connection_id => $bad }, token => $sup->{token});
        is $r->{status}, 422, '... connection_id ' . (ref $bad ? 'a list' : $bad) . ': 422';
        is $r->{json}{error}{details}{fields}[0]{field}, 'connection_id', '... on connection_id';
    }
    is $s->post($p, { connection_id => $Z }, token => $sup->{token})->{status}, 404,
        '... an unknown store: 404';
    is $s->req($m, $p, { connection_id => 'x' x 2_000_000 }, token => $sup->{token})->{status},
        413, '... an oversized body: 413';
}
is $s->sql("SELECT count(*) FROM jobs WHERE kind LIKE 'sync%'"), 0, 'none of that queued a job';

# without a Prokip account there is no pass to ask for
is $s->post('/api/v1/sync/inventory', {}, token => $sup->{token})->{status}, 409,
    'POST /sync/inventory without a Prokip account: 409';
is $s->req('PUT', '/api/v1/connections/prokip', { token => 'tok_pages', location_id => '4' },
           token => $sup->{token})->{status}, 200, 'Prokip connected';

sub store { store_connection($s, @_) }
my $shop = store($sup, 'shopify', 'pages-shop.myshopify.com', access_token => 'shpat_pages');
my $woo = store($sup, 'woocommerce', $s->fake_url('storepush') . '/', consumer_key => 'ck_pages',
                consumer_secret => 'cs_pages');
my $theirs = store($other, 'shopify', 'their-shop.myshopify.com', access_token => 'shpat_theirs');
$s->sql("UPDATE store_connections SET created_at = now() - interval '1 day' WHERE id = :'p1'", $shop);

# a store before any pass: nothing yet
my $r = $s->get("/api/v1/stores/products?connection_id=$shop", token => $sup->{token});
is $r->{status}, 200, 'GET /stores/products before a pass: 200';
is_deeply $r->{json}{results}, [], '... no products yet';
is $r->{json}{pagination}{total}, 0, '... a total of 0';
is_deeply $s->get("/api/v1/stores/orders?connection_id=$woo", token => $mgr->{token})->{json}{results},
    [], 'GET /stores/orders by a manager, before any order: none';

# another supplier's store is not found, on every route
for my $p ('/api/v1/stores/products', '/api/v1/stores/orders', '/api/v1/stores/analytics') {
    is $s->get("$p?connection_id=$theirs", token => $sup->{token})->{status}, 404,
        "GET $p of another supplier's store: 404";
    is $s->get("$p?connection_id=$Z", token => $sup->{token})->{status}, 404, '... an unknown one: 404';
}
for my $p ('/api/v1/sync/inventory', '/api/v1/sync/pull-sales') {
    is $s->post($p, { connection_id => $theirs }, token => $sup->{token})->{status}, 404,
        "POST $p for another supplier's store: 404";
}
is $s->sql("SELECT count(*) FROM jobs WHERE kind LIKE 'sync%'"), 0, '... and no job queued';

# a pass asked for from the store's page
sub passes { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'sync_pass' AND status = 'done'") }
$r = $s->post('/api/v1/sync/inventory', { connection_id => $shop }, token => $mgr->{token});
is $r->{status}, 202, 'POST /sync/inventory by a manager: 202';
is $r->{json}{success}, JSON::PP::true, '... success, as the dashboard checks';
is $r->{json}{kind}, 'sync_pass', '... a sync pass';
is $r->{json}{connection_id}, $shop, '... for the store that asked';
is $r->{json}{message}, 'Inventory sync initiated', '... saying so';
ok $r->{json}{job_id}, '... with its job';
ok $s->wait_until(30, sub { passes() >= 1 }), 'the pass ran';

$r = $s->get("/api/v1/stores/products?connection_id=$shop", token => $sup->{token});
is $r->{status}, 200, 'GET /stores/products after the pass: 200';
is $r->{json}{pagination}{total}, 20, '... the 20 SKUs of Prokip\'s report';
is scalar @{ $r->{json}{results} }, 20, '... on one page of 20';
is_deeply [map { $_->{sku} } @{ $r->{json}{results} }], [map { sprintf 'SKU-%05d', $_ } 1 .. 20],
    '... in SKU order';
my %p = map { $_->{sku} => $_ } @{ $r->{json}{results} };
is_deeply $p{'SKU-00001'}, {
    sku => 'SKU-00001', name => 'Product 1', price => 11, stock_quantity => 37, in_store => JSON::PP::true,
    store_quantity => 37, synced => JSON::PP::true, prokip_product_id => '1',
    prokip_variation_id => '100001', updated_at => $p{'SKU-00001'}{updated_at} },
    '... a SKU: Prokip\'s name, unit price and level, set in the store';
is $p{'SKU-00013'}{in_store}, JSON::PP::false, '... one the shop does not sell: not in the store';
is $p{'SKU-00013'}{synced}, JSON::PP::false, '... nor synced';
is $p{'SKU-00013'}{store_quantity}, undef, '... with no level there';
$r = $s->get("/api/v1/stores/products?connection_id=$shop&page=2&page_size=5", token => $sup->{token});
is_deeply [map { $_->{sku} } @{ $r->{json}{results} }], [map { sprintf 'SKU-%05d', $_ } 6 .. 10],
    '?page=2&page_size=5: the next five';
is $r->{json}{pagination}{total_pages}, 4, '... of four pages';
is $s->get("/api/v1/stores/products?connection_id=$shop&page=0", token => $sup->{token})->{status}, 400,
    '?page=0: 400';
$r = $s->get('/api/v1/stores/products', token => $other->{token});
is $r->{status}, 200, 'another supplier\'s first store: its own page';
is $r->{json}{pagination}{total}, 0, '... with none of these products';

# Prokip's level moves: the page shows the store behind until the next pass sets it
open my $fh, '>', "$s->{fakes}{prokip}{ctl}.stock" or die $!;
print $fh '{"SKU-00001": 3}';
close $fh;
$s->fake_control('storepush', '503 1000');
my $before = passes();
$s->post('/api/v1/sync/inventory', {}, token => $sup->{token});
ok $s->wait_until(30, sub { passes() > $before }), 'a pass while the stores are down';
%p = map { $_->{sku} => $_ }
    @{ $s->get("/api/v1/stores/products?connection_id=$woo", token => $sup->{token})->{json}{results} };
is $p{'SKU-00001'}{stock_quantity}, 3, 'Prokip\'s new level';
is $p{'SKU-00001'}{store_quantity}, 37, '... the store still at the old one';
is $p{'SKU-00001'}{synced}, JSON::PP::false, '... so not synced';
$s->fake_control('storepush', '503 0');
$before = passes();
$s->post('/api/v1/sync/inventory', { connection_id => $woo }, token => $sup->{token});
ok $s->wait_until(30, sub { passes() > $before }), 'a pass with the stores back';
%p = map { $_->{sku} => $_ }
    @{ $s->get("/api/v1/stores/products?connection_id=$woo", token => $sup->{token})->{json}{results} };
is $p{'SKU-00001'}{store_quantity}, 3, '... sets it';
is $p{'SKU-00001'}{synced}, JSON::PP::true, '... synced again';

# a unit price Prokip writes in a form SCP does not read: the SKU is kept, with no price
open $fh, '>', "$s->{fakes}{prokip}{ctl}.prices" or die $!;
print $fh '{"SKU-00002": "12,50", "SKU-00004": null, "SKU-00005": {"amount": 3}}';
close $fh;
$before = passes();
$s->post('/api/v1/sync/inventory', { connection_id => $woo }, token => $sup->{token});
ok $s->wait_until(30, sub { passes() > $before }), 'a pass over malformed unit prices';
unlink "$s->{fakes}{prokip}{ctl}.prices";
%p = map { $_->{sku} => $_ }
    @{ $s->get("/api/v1/stores/products?connection_id=$woo", token => $sup->{token})->{json}{results} };
for my $sku ('SKU-00002', 'SKU-00004', 'SKU-00005') {
    ok exists $p{$sku}, "$sku with a malformed unit price is still listed";
    is $p{$sku}{price}, undef, '... with no price';
}
is $p{'SKU-00002'}{stock_quantity}, 74, '... and its level';
is $p{'SKU-00003'}{price}, 13, 'a well-formed price beside them is read';
$before = passes();
$s->post('/api/v1/sync/inventory', { connection_id => $woo }, token => $sup->{token});
ok $s->wait_until(30, sub { passes() > $before }), 'the next pass';
is $s->get("/api/v1/stores/products?connection_id=$woo", token => $sup->{token})->{json}{results}[1]{price},
    12, '... reads the price Prokip writes again';

# orders: the sales SCP recorded for the store, newest first
record_sale($s, $shop, '1001', 'USD', 2500, '[{"sku":"SKU-00001","quantity":2,"unit_price":1250,"name":"Product 1"}]');
$s->sql("UPDATE sales_log SET created_at = now() - interval '1 minute' WHERE store_order_id = '1001'");
record_sale($s, $shop, '1002', 'USD', 999, '[{"sku":"SKU-00002","quantity":1,"unit_price":999}]');
record_sale($s, $woo, '727', 'KES', 30000, '[{"sku":"SKU-00003","quantity":3,"unit_price":10000}]');
$r = $s->get("/api/v1/stores/orders?connection_id=$shop", token => $sup->{token});
is $r->{status}, 200, 'GET /stores/orders: 200';
is $r->{json}{pagination}{total}, 2, '... the shop\'s two orders, not the other store\'s';
is_deeply [map { $_->{order_id} } @{ $r->{json}{results} }], ['1002', '1001'], '... newest first';
my ($o) = grep { $_->{order_id} eq '1001' } @{ $r->{json}{results} };
is $o->{total}, 25, '... its total in the currency\'s units';
is $o->{currency}, 'USD', '... and currency';
is_deeply $o->{items}, [{ sku => 'SKU-00001', name => 'Product 1', quantity => 2, unit_price => 12.5 }],
    '... its lines';
like $o->{status}, qr/^(pending|sent)$/, '... its state in Prokip';
is $o->{date}, $o->{created_at}, '... and its date';
$r = $s->get("/api/v1/stores/orders?connection_id=$shop&page_size=101", token => $sup->{token});
is $r->{status}, 400, '?page_size=101: 400';
is $r->{json}{error}{code}, 'BAD_REQUEST', '... in the envelope';
is $s->get("/api/v1/stores/orders?connection_id=$shop&page_size=1&page=2", token => $sup->{token})
    ->{json}{results}[0]{order_id}, '1001', '?page_size=1&page=2: the older';
is $s->get("/api/v1/stores/orders?connection_id=$woo", token => $sup->{token})->{json}{results}[0]{total},
    300, 'the WooCommerce store\'s order, in KES';

# the figures: the first store without ?connection_id
$r = $s->get('/api/v1/stores/analytics', token => $sup->{token});
is $r->{status}, 200, 'GET /stores/analytics: 200';
is $r->{json}{connection_id}, $shop, '... of the supplier\'s first store';
is $r->{json}{store_url}, 'https://pages-shop.myshopify.com', '... the shop\'s web address';
is $r->{json}{synced_products}, 19, '... the products it sells of Prokip\'s';
is $r->{json}{products}, 20, '... of Prokip\'s 20';
is $r->{json}{orders_processed}, 2, '... its orders';
ok $r->{json}{last_sync}, '... and its last sync';
$r = $s->get("/api/v1/stores/analytics?connection_id=$woo", token => $mgr->{token});
is $r->{json}{platform}, 'woocommerce', '?connection_id: that store';
is $r->{json}{store_url}, $s->fake_url('storepush') . '/', '... its address as connected';
is $r->{json}{orders_processed}, 1, '... its order';

# the pull asked for from the sales page
$r = $s->post('/api/v1/sync/pull-sales', { connection_id => $woo }, token => $sup->{token});
is $r->{status}, 202, 'POST /sync/pull-sales: 202';
is $r->{json}{kind}, 'sync_pull_orders', '... the pull of the stores\' orders';
is $r->{json}{message}, 'Sales pull initiated', '... saying so';
is $r->{json}{success}, JSON::PP::true, '... success';
my $again = $s->post('/api/v1/sync/pull-sales', {}, token => $sup->{token});
is $again->{json}{job_id}, $r->{json}{job_id}, '... asked again while it waits: the same job'
    unless $again->{json}{new};
ok $s->wait_until(30, sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'sync_pull_orders'"
                                    . " AND status IN ('queued', 'running')") == 0 }), '... and it ran';

# the prokip profile: the dashboard's paths and names
$r = $s->get("/prokip/stores/my-store/products?connectionId=$shop", token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/stores/my-store/products?connectionId=: 200';
is scalar @{ $r->{json}{products} }, 20, '... response.products, the list';
my ($pp) = grep { $_->{sku} eq 'SKU-00002' } @{ $r->{json}{products} };
is $pp->{stock_quantity}, 74, '... product.stock_quantity, as the dashboard spells it';
is $pp->{name}, 'Product 2', '... product.name';
is $pp->{price}, 12, '... product.price';
is $pp->{synced}, JSON::PP::true, '... product.synced';
ok exists $pp->{storeQuantity} && exists $pp->{inStore}, '... the others in camelCase';
is $r->{json}{pagination}{totalPages}, 1, '... and the pagination';
$r = $s->get("/prokip/stores/my-store/orders?connectionId=$shop", token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/stores/my-store/orders: 200';
is_deeply [map { $_->{orderId} } @{ $r->{json}{orders} }], ['1002', '1001'], '... response.orders, order.orderId';
ok $r->{json}{orders}[0]{date} && defined $r->{json}{orders}[0]{total}, '... order.date, order.total';
$r = $s->get('/prokip/stores/my-store/analytics', token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/stores/my-store/analytics: 200';
is $r->{json}{syncedProducts}, 19, '... syncedProducts';
is $r->{json}{ordersProcessed}, 2, '... ordersProcessed';
ok $r->{json}{lastSync}, '... lastSync';
like $r->{json}{storeUrl}, qr{^https://}, '... storeUrl, a URL the dashboard can open';
is $s->get("/prokip/stores/my-store/products?connectionId=$theirs", token => $sup->{token})->{status},
    404, '... another supplier\'s store: 404';
$r = $s->post('/prokip/sync/inventory', { connectionId => $shop }, token => $sup->{token});
is $r->{status}, 202, 'POST /prokip/sync/inventory {connectionId}: 202';
is $r->{json}{success}, JSON::PP::true, '... success';
is $r->{json}{connectionId}, $shop, '... connectionId';
is $s->post('/prokip/sync/pull-sales', { connectionId => $woo }, token => $sup->{token})->{status},
    202, 'POST /prokip/sync/pull-sales {connectionId}: 202';
is $s->post('/prokip/sync/pull-sales', { connectionId => 'abc' }, token => $sup->{token})->{status},
    422, '... connectionId abc: 422';

# a disconnected store has no pages; the first store is then the next one
is $s->req('DELETE', "/api/v1/connections/$shop", undef, token => $sup->{token})->{status}, 200,
    'the shop disconnected';
is $s->get("/api/v1/stores/products?connection_id=$shop", token => $sup->{token})->{status}, 404,
    '... its products: 404';
is $s->get("/api/v1/stores/orders?connection_id=$shop", token => $sup->{token})->{status}, 404,
    '... its orders: 404';
is $s->get('/api/v1/stores/analytics', token => $sup->{token})->{json}{connection_id}, $woo,
    '... the figures without ?connection_id are the other store\'s';

done_testing;
