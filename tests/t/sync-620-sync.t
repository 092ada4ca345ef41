# The sync's routes (cgi-bin/sync/status.c, seed 004): POST /sync, /sync/pause,
# /sync/resume, /sync/pull-orders, GET /sync/status, GET /sync/errors, PATCH
# /sync/errors/:id/resolve — roles, validation, other suppliers; a first pass that finds
# the stores' ids by SKU (Shopify's variants, WooCommerce's ?sku=); a store down during
# a pass leaves a sync error that the next pass retries and clears; the prokip profile.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPB2B;
use SCPStores;

my ($s, $sup, $mgr, $rep, $other, $consumer) = sync_cast(20);

# pause and resume
my $r = $s->post('/api/v1/sync/pause', {}, token => $sup->{token});
is $r->{status}, 200, 'POST /sync/pause: 200';
is $r->{json}{paused}, JSON::PP::true, '... paused';
is $s->get('/api/v1/sync/status', token => $mgr->{token})->{json}{paused}, JSON::PP::true,
    'the status says so';
$r = $s->req('POST', '/api/v1/sync/resume', '', token => $mgr->{token});
is $r->{status}, 200, 'POST /sync/resume by a manager, without a body: 200';
is $r->{json}{paused}, JSON::PP::false, '... resumed';
is $s->post('/api/v1/sync/pause', {}, token => $sup->{token})->{json}{paused}, JSON::PP::true,
    'paused again for the rest (no periodic pass)';
is $s->get('/api/v1/sync/status', token => $other->{token})->{json}{paused}, JSON::PP::false,
    'another supplier is not paused';

# roles and bodies, on every route
my @routes = (['POST', '/api/v1/sync'], ['POST', '/api/v1/sync/pause'],
              ['POST', '/api/v1/sync/resume'], ['POST', '/api/v1/sync/pull-orders'],
              ['GET', '/api/v1/sync/status'], ['GET', '/api/v1/sync/errors'],
              ['PATCH', '/api/v1/sync/errors/00000000-0000-4000-8000-000000000001/resolve']);
for my $rt (@routes) {
    my ($m, $p) = @$rt;
    my $body = $m eq 'GET' ? undef : {};
    is $s->req($m, $p, $body)->{status}, 401, "$m $p without a token: 401";
    is $s->req($m, $p, $body, token => $rep->{token})->{status}, 403, "... a sales rep: 403";
    is $s->req($m, $p, $body, token => $consumer->{access_token})->{status}, 403, "... a consumer: 403";
    next if $m eq 'GET';
    is $s->req($m, $p, '{"x":', token => $sup->{token})->{status}, 400, "... malformed JSON: 400";
    is $s->req($m, $p, '[1]', token => $sup->{token})->{status}, 400, "... not an object: 400";
}

# no Prokip account: no pass
$r = $s->post('/api/v1/sync', {}, token => $sup->{token});
is $r->{status}, 409, 'POST /sync without a Prokip account: 409';
is $r->{json}{error}{code}, 'INVALID_STATE', '... INVALID_STATE';
is $s->req('PUT', '/api/v1/connections/prokip', { token => 'tok_sync', location_id => 'LOC-1' },
           token => $sup->{token})->{status}, 200, 'Prokip connected (a location id that is text)';

# stores
sub store { store_connection($s, @_) }
my $shop = store($sup, 'shopify', 'sync-shop.myshopify.com', access_token => 'shpat_sync');
my $woo = store($sup, 'woocommerce', $s->fake_url('storepush') . '/', consumer_key => 'ck_sync',
                consumer_secret => 'cs_sync');
store($other, 'shopify', 'other-shop.myshopify.com', access_token => 'shpat_other');

sub passes { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'sync_pass' AND status = 'done'") }
my $seen = 0;    # store requests before these
sub store_reqs {
    my ($re) = @_;
    my @all = $s->fake_requests('storepush');
    return grep { "$_->{method} $_->{path}" =~ $re } @all[$seen .. $#all];
}

# the first pass: ids found by SKU, everything pushed once
my @q = parallel(3, sub { $s->post('/api/v1/sync', {}, token => $sup->{token}) });
is scalar(grep { $_->{status} == 202 } @q), 3, 'three POST /sync at once: 202 each';
ok $s->wait_until(30, sub { passes() >= 1 }), 'a pass ran';
sleep 2;
ok passes() <= 2, '... one pass for them, or one more queued while it ran';
is scalar(store_reqs(qr{^GET /admin/api/[\w-]+/locations\.json$})), 1, 'Shopify: its locations read once';
is scalar(store_reqs(qr{^GET /admin/api/[\w-]+/products\.json\?limit=250&fields=id,variants&since_id=0$})), 1,
    '... and its variants, one page';
my @sets = store_reqs(qr{inventory_levels/set\.json$});
is scalar @sets, 19, '... 19 levels set (the shop does not sell SKU-00013)';
my ($set1) = grep { $_->{json}{inventory_item_id} == 8000000001 } @sets;
is_deeply $set1->{json}, { location_id => 655441491, inventory_item_id => 8000000001, available => 37 },
    '... {location_id, inventory_item_id, available} at Prokip\'s level';
is scalar(store_reqs(qr{^GET /wp-json/wc/v3/products\?sku=SKU-\d{5}$})), 20,
    'WooCommerce: each SKU looked up by ?sku=';
my @puts = store_reqs(qr{^PUT /wp-json/wc/v3/products/\d+$});
is scalar @puts, 19, '... 19 products updated';
my ($put1) = grep { $_->{path} =~ m{/products/501$} } @puts;
is_deeply $put1->{json}, { stock_quantity => 37, manage_stock => JSON::PP::true },
    '... {stock_quantity, manage_stock: true}';
like $put1->{headers}{authorization}, qr/^Basic /, '... with Basic auth';
my $st = $s->get('/api/v1/sync/status', token => $sup->{token})->{json};
my %stores = map { $_->{platform} => $_ } @{ $st->{stores} };
is scalar @{ $st->{stores} }, 2, 'GET /sync/status: the supplier\'s two stores';
is $stores{shopify}{store_url}, 'sync-shop.myshopify.com', '... with the store';
is $stores{shopify}{product_count}, 19, '... its products';
is $stores{woocommerce}{product_count}, 19, '... on each store';
ok $stores{shopify}{last_sync}, '... the last sync';
is $stores{shopify}{order_count}, 0, '... its orders';
is $stores{shopify}{last_error}, undef, '... and no error';
is $st->{prokip}{connected}, JSON::PP::true, '... Prokip connected';
is $st->{prokip}{location_id}, 'LOC-1', '... at its location';
unlike SCPTest::json()->encode($st), qr/shpat_|tok_sync|v1:/, '... and not a secret';
is scalar @{ $s->get('/api/v1/sync/status', token => $other->{token})->{json}{stores} }, 1,
    'another supplier sees only its store';

# a store down: a sync error, retried by the next pass, cleared when it works
open my $fh, '>', "$s->{fakes}{prokip}{ctl}.stock" or die $!;
print $fh '{"SKU-00001": 3, "SKU-00002": 4}';
close $fh;
$s->fake_control('storepush', '503 1000');
sleep 1 while $s->sql("SELECT count(*) FROM jobs WHERE kind = 'sync_pass' AND status <> 'done'") > 0;
my $before = passes();
$s->post('/api/v1/sync', {}, token => $sup->{token});
ok $s->wait_until(30, sub { passes() > $before }), 'a pass while the stores are down';
my $errs = $s->get('/api/v1/sync/errors', token => $sup->{token});
is $errs->{status}, 200, 'GET /sync/errors: 200';
is $errs->{json}{pagination}{total}, 2, '... one error per store';
my %err = map { $_->{platform} => $_ } @{ $errs->{json}{results} };
is $err{shopify}{kind}, 'store_push', '... a failed push';
like $err{shopify}{cause}, qr/shopify answered 503/, '... with its cause';
is $err{woocommerce}{resolved}, JSON::PP::false, '... open';
$st = $s->get('/api/v1/sync/status', token => $sup->{token})->{json};
%stores = map { $_->{platform} => $_ } @{ $st->{stores} };
is $stores{shopify}{status}, 'error', 'the store is in error';
like $stores{shopify}{last_error}, qr/503/, '... its last error shown';
is $st->{open_errors}, 2, '... two open errors';
is $s->sql("SELECT count(*) FROM inventory_cache WHERE sku IN ('SKU-00001','SKU-00002') AND quantity IN (3, 4)"),
    0, 'nothing cached that did not reach the store';

# the errors list
$r = $s->get('/api/v1/sync/errors?page_size=1', token => $sup->{token});
is scalar @{ $r->{json}{results} }, 1, 'page_size=1: one error';
is $r->{json}{pagination}{total_pages}, 2, '... of two pages';
is $s->get("/api/v1/sync/errors?connection_id=$woo", token => $sup->{token})->{json}{pagination}{total},
    1, '?connection_id= narrows to one store';
is $s->get('/api/v1/sync/errors?status=bogus', token => $sup->{token})->{status}, 400, '?status=bogus: 400';
is $s->get('/api/v1/sync/errors?connection_id=abc', token => $sup->{token})->{status}, 400,
    '?connection_id=abc: 400';
is $s->get('/api/v1/sync/errors?page=0', token => $sup->{token})->{status}, 400, '?page=0: 400';
is $s->get('/api/v1/sync/errors', token => $other->{token})->{json}{pagination}{total}, 0,
    'another supplier sees none of them';

# resolving one by hand
my $E = "/api/v1/sync/errors/$err{shopify}{id}/resolve";
is $s->patch($E, {}, token => $other->{token})->{status}, 404, 'another supplier resolves it: 404';
is $s->patch('/api/v1/sync/errors/00000000-0000-4000-8000-000000000009/resolve', {},
             token => $sup->{token})->{status}, 404, 'an unknown error: 404';
$r = $s->patch($E, {}, token => $mgr->{token});
is $r->{status}, 200, 'a manager resolves it: 200';
is $r->{json}{resolved}, JSON::PP::true, '... resolved';
is $r->{json}{resolved_by}, $mgr->{user}{id}, '... by the manager';
$r = $s->patch($E, {}, token => $sup->{token});
is $r->{status}, 409, 'resolved again: 409';
is $r->{json}{error}{code}, 'INVALID_STATE', '... INVALID_STATE';
is $s->get('/api/v1/sync/errors?status=resolved', token => $sup->{token})->{json}{pagination}{total},
    1, '?status=resolved lists it';

# the stores are back: the next pass pushes what they missed and clears the errors
$s->fake_control('storepush', '503 0');
$seen = () = $s->fake_requests('storepush');
$before = passes();
$s->post('/api/v1/sync', {}, token => $sup->{token});
ok $s->wait_until(30, sub { passes() > $before }), 'a pass with the stores back';
my @late = grep { $_->{json}{inventory_item_id} =~ /^800000000[12]$/ && $_->{json}{available} < 5 }
    store_reqs(qr{inventory_levels/set\.json$});
is scalar @late, 2, 'Shopify gets the two changed levels';
is scalar(grep { $_->{json}{stock_quantity} < 5 && $_->{path} =~ m{/products/50[12]$} }
          store_reqs(qr{^PUT /wp-json/wc/v3/products/})), 2, '... and WooCommerce too';
is $s->get('/api/v1/sync/errors', token => $sup->{token})->{json}{pagination}{total}, 0,
    'no open error left';
is $s->sql("SELECT resolved_at IS NOT NULL AND resolved_by IS NULL FROM sync_errors WHERE id = :'p1'",
           $err{woocommerce}{id}), 't', '... the retry resolved the other';
$st = $s->get('/api/v1/sync/status', token => $sup->{token})->{json};
is_deeply [sort map { $_->{status} } @{ $st->{stores} }], ['active', 'active'], 'both stores active';
is_deeply [grep { defined } map { $_->{last_error} } @{ $st->{stores} }], [], '... without errors';

# the prokip profile: seed 004's shapes
$r = $s->get('/prokip/sync/status', token => $sup->{token});
is $r->{status}, 200, 'GET /prokip/sync/status: 200';
my ($ps) = grep { $_->{platform} eq 'shopify' } @{ $r->{json}{stores} };
is $ps->{storeUrl}, 'sync-shop.myshopify.com', '... storeUrl';
is $ps->{productCount}, 19, '... productCount';
is $ps->{orderCount}, 0, '... orderCount';
ok exists $ps->{lastSync} && exists $ps->{syncEnabled}, '... lastSync, syncEnabled';
$r = $s->post('/prokip/sync', {}, token => $sup->{token});
is $r->{status}, 202, 'POST /prokip/sync: 202';
is $r->{json}{message}, 'Sync initiated for all stores', '... seed 004\'s message';
$r = $s->post('/prokip/sync/pull-orders', {}, token => $sup->{token});
is $r->{status}, 202, 'POST /prokip/sync/pull-orders: 202';
ok $r->{json}{jobId}, '... with its jobId';
is $s->post('/prokip/connections/prokip', { token => 'tok_p', locationId => '9' },
            token => $sup->{token})->{json}{locationId}, '9', 'POST /prokip/connections/prokip';

done_testing;
