# The sync pass (bin/worker_sync.c, seed 004): Prokip's product-stock-report over 5 000
# SKUs, 1 % of them changed since the inventory cache, pushes exactly those 50 to the
# store (Shopify inventory_levels/set), fast; a pass with nothing changed pushes
# nothing; the periodic pass runs every sync_interval unless the supplier is paused.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SCPTest;
use SCPB2B;

my $s = SCPTest->start(fakes => ['prokip', 'storepush']);
my $sup = new_supplier($s);
is $s->post('/api/v1/sync/pause', {}, token => $sup->{token})->{status}, 200, 'paused while set up';
is $s->req('PUT', '/api/v1/connections/prokip', { token => 'tok_pass', location_id => 4 },
           token => $sup->{token})->{status}, 200, 'Prokip connected';
my $shop = $s->sql('SELECT gen_random_uuid()');
$s->sql("INSERT INTO store_connections (id, supplier_id, platform, store_url, status, access_token)"
        . " VALUES (:'p1', :'p2', 'shopify', 'big-shop.myshopify.com', 'active', :'p3')",
        $shop, $sup->{id}, $s->seal("$shop:access_token", 'shpat_big'));
# what the last pass left: every SKU at Prokip's level, with the store's ids
$s->sql("INSERT INTO inventory_cache (connection_id, sku, quantity, external_ref)"
        . " SELECT :'p1', format('SKU-%s', lpad(i::text, 5, '0')), (i * 37) % 500,"
        . "  CASE WHEN i = 13 THEN '{\"missing\": true}'::jsonb ELSE jsonb_build_object("
        . "  'inventory_item_id', 8000000000 + i, 'variant_id', 4000000000 + i,"
        . "  'location_id', 655441491) END"
        . " FROM generate_series(1, 5000) i", $shop);

# 1 %: every hundredth SKU moved in Prokip
my %want;
for (my $i = 100; $i <= 5000; $i += 100) {
    $want{ 8000000000 + $i } = (($i * 37) % 500) + 7;
}
my %over = map { (sprintf('SKU-%05d', $_ - 8000000000) => $want{$_}) } keys %want;
open my $fh, '>', "$s->{fakes}{prokip}{ctl}.stock" or die $!;
print $fh SCPTest::json()->encode(\%over);
close $fh;

sub passes { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'sync_pass' AND status = 'done'") }
sub sets { grep { $_->{path} =~ m{/inventory_levels/set\.json$} } $s->fake_requests('storepush') }

my $t0 = time;
my $r = $s->post('/api/v1/sync', {}, token => $sup->{token});
is $r->{status}, 202, 'POST /sync: 202';
ok $r->{json}{job_id}, '... with the queued job';
ok $s->wait_until(60, sub { passes() == 1 }), 'the pass ran';
my $elapsed = time - $t0;
diag sprintf 'sync pass over 5000 SKUs, 1%% changed: %.2f s (worker: %s ms)', $elapsed,
    $s->sql("SELECT last_pass_ms FROM sync_state WHERE supplier_id = :'p1'", $sup->{id});

my @sets = sets();
is scalar @sets, 50, 'exactly 50 updates sent';
my %got = map { $_->{json}{inventory_item_id} => $_->{json}{available} } @sets;
is_deeply \%got, \%want, '... the changed SKUs, at Prokip\'s levels';
is scalar(grep { $_->{json}{location_id} == 655441491 } @sets), 50, '... at the cached location';
is scalar(grep { ($_->{headers}{'x-shopify-access-token'} // '') eq 'shpat_big' } @sets), 50,
    '... with the shop\'s token';
like $sets[0]{path}, qr{^/admin/api/[\w-]+/inventory_levels/set\.json$}, '... to the versioned API';
my @pages = grep { $_->{path} =~ m{^/connector/api/product-stock-report} } $s->fake_requests('prokip');
is scalar @pages, 10, 'the report read in 10 pages of 500';
like $pages[0]{path}, qr{location_id=4&per_page=500&page=1$}, '... of the account\'s location';
is $pages[0]{headers}{authorization}, 'Bearer tok_pass', '... with its token';
is scalar(grep { $_->{path} =~ /products\.json|locations\.json/ } $s->fake_requests('storepush')), 0,
    'no lookups: every id was cached';
is $s->sql("SELECT quantity FROM inventory_cache WHERE connection_id = :'p1' AND sku = 'SKU-00100'", $shop),
    $want{8000000100}, 'the cache keeps what was pushed';
is $s->sql("SELECT count(*) FROM prokip_stock WHERE supplier_id = :'p1'", $sup->{id}), 5000,
    'Prokip\'s report kept (5000 SKUs)';
my $st = $s->get('/api/v1/sync/status', token => $sup->{token})->{json};
is $st->{last_pass}{pushed}, 50, 'status: 50 pushed by the last pass';
is $st->{last_pass}{skus}, 5000, '... of 5000 SKUs';
is $st->{stores}[0]{product_count}, 4999, '... the store has 4999 of them';
ok $st->{stores}[0]{last_sync}, '... and synced';

# again, nothing changed: nothing pushed
$s->post('/api/v1/sync', {}, token => $sup->{token});
ok $s->wait_until(60, sub { passes() == 2 }), 'a second pass ran';
is scalar(sets()), 50, '... and pushed nothing';

# periodic: a supplier whose last pass is older than sync_interval gets one, unless paused
$s->sql("UPDATE sync_state SET last_pass_at = now() - interval '1 hour' WHERE supplier_id = :'p1'",
        $sup->{id});
sleep 7;
is passes(), 2, 'a paused supplier gets no periodic pass';
is $s->post('/api/v1/sync/resume', {}, token => $sup->{token})->{status}, 200, 'resumed';
ok $s->wait_until(20, sub { passes() == 3 }), 'the periodic pass runs when it is due';
sleep 6;
is passes(), 3, '... and not again before sync_interval';

done_testing;
