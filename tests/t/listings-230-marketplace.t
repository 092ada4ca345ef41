# GET /marketplace (anonymous: live auctions, filters, sorts, pagination),
# GET /listings/:id (who sees what, bids, views counted), watching, GET /listings scopes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction qw(submit user_of_role live_listing);

my $s = SCPTest->start;
my $client = user_of_role($s, 'client');
my $client2 = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $vendor2 = user_of_role($s, 'vendor');
my $V = $vendor->{access_token};

# Five live auctions, one pending, one ended.
my @spec = (
    [Apple => 'iPhone 13', Excellent => 40000, 10],
    [Samsung => 'Galaxy S22', Good => 30000, 20],
    [Apple => 'iPhone 11', Fair => 15000, 30],
    [OnePlus => 'Nord 3', Good => 22000, 5],
    [Xiaomi => 'Redmi 12', Poor => 8000, 40],
);
my %id;
for my $sp (@spec) {
    my ($brand, $model, $cond, $price, $hours) = @$sp;
    my $l = live_listing($s, $client, $admin, auction_duration_hours => $hours,
        fields => { brand => $brand, model => $model, condition => $cond, asking_price => $price });
    $id{$model} = $l->{id};
}
my $pending = submit($s, $client->{access_token}, fields => { model => 'Pending One' })->{json}{id};
my $ended = live_listing($s, $client2, $admin)->{id};
$s->sql("UPDATE listings SET auction_end_time = now() - interval '1 second',"
      . " status = 'expired', closed_at = now() WHERE id = :'p1'", $ended);

sub market {
    my ($q) = @_;
    my $r = $s->get("/api/v1/marketplace$q");
    die "$q: $r->{status} $r->{content}" unless $r->{status} == 200;
    return $r->{json};
}
sub models { [map { $_->{model} } @{ $_[0]{results} }] }

my $m = market('');
is $m->{pagination}{total}, 5, 'anonymous sees the 5 live auctions';
is_deeply models($m), ['Redmi 12', 'Nord 3', 'iPhone 11', 'Galaxy S22', 'iPhone 13'],
    'newest first by default';
my $first = $m->{results}[0];
is $first->{imei1}, undef, 'no IMEI in public';
is $first->{pickup_address}{street_address}, undef, 'no street address in public';
is $first->{pickup_address}{city}, 'Kochi', 'but the city';
is $first->{bill_photo}, undef, 'no bill';
is $first->{current_bid}, undef, 'current_bid (none yet)';
is $first->{bid_count}, 0, 'bid_count';
ok $first->{time_left} > 0, 'time_left';
ok $first->{min_next_bid} > 0, 'min_next_bid';

is_deeply models(market('?sort_by=ending-soon')),
    ['Nord 3', 'iPhone 13', 'Galaxy S22', 'iPhone 11', 'Redmi 12'], 'ending-soon';
is_deeply models(market('?sortBy=lowest-price')),
    ['Redmi 12', 'iPhone 11', 'Nord 3', 'Galaxy S22', 'iPhone 13'], 'lowest-price (sortBy alias)';
is_deeply models(market('?sort_by=highest_price')),
    ['iPhone 13', 'Galaxy S22', 'Nord 3', 'iPhone 11', 'Redmi 12'], 'highest_price spelled with _';
is_deeply [sort @{ models(market('?brand=apple')) }], ['iPhone 11', 'iPhone 13'], 'brand, any case';
is_deeply models(market('?condition=good&sort_by=lowest-price')), ['Nord 3', 'Galaxy S22'],
    'condition';
is_deeply models(market('?search=GALAXY')), ['Galaxy S22'], 'search';
is_deeply models(market('?search=kept%20box')), [], 'search matches a phrase, not words apart';
is_deeply models(market('?min_price=7500&max_price=11000&sort_by=lowest-price')),
    ['iPhone 11', 'Nord 3'], 'price range on the current price (starting price here)';
is_deeply models(market('?minPrice=16000')), ['iPhone 13'], 'minPrice alias';
$m = market('?page=2&page_size=2');
is_deeply models($m), ['iPhone 11', 'Galaxy S22'], 'page 2 of 2 per page';
is $m->{pagination}{total_pages}, 3, 'total_pages';
is_deeply market('?page=9')->{results}, [], 'past the end: empty, total kept';
is market('?page=9')->{pagination}{total}, 5, 'total right past the end';
is market('?limit=1')->{pagination}{page_size}, 1, 'limit alias';
for my $q ('?sort_by=cheapest', '?condition=Mint', '?min_price=abc', '?page=0',
           '?page_size=101') {
    is $s->get("/api/v1/marketplace$q")->{status}, 400, "$q: 400";
}

# --- bids move the current price -----------------------------------------------------------
my $r = $s->post('/api/v1/bids', { listing_id => $id{'Redmi 12'}, amount => 6000 }, token => $V);
is $r->{status}, 201, 'a bid';
my ($redmi) = grep { $_->{model} eq 'Redmi 12' } @{ market('')->{results} };
is $redmi->{current_bid}, 6000, 'current_bid in the marketplace';
is $redmi->{bid_count}, 1, 'bid_count';
is $redmi->{min_next_bid}, 6100, 'min_next_bid = current + increment (100.00)';
is_deeply models(market('?sort_by=highest-price&max_price=6000')), ['Redmi 12'],
    'price filters use the current bid';

# --- one listing --------------------------------------------------------------------------
my $path = "/api/v1/listings/$id{'Redmi 12'}";
$r = $s->get($path);
is $r->{status}, 200, 'anonymous reads a live listing';
is $r->{json}{imei1}, undef, 'without private fields';
is scalar @{ $r->{json}{bids} }, 1, 'with its bids';
is $r->{json}{current_highest_bid}{amount}, 6000, 'and the current highest bid';
is $r->{json}{bids}[0]{vendor_id}, undef, 'bidders are not named to the public';
$r = $s->get($path, token => $V);
is $r->{json}{bids}[0]{vendor_id}, $vendor->{user}{id}, 'a bidder sees its own id';
ok $r->{json}{bids}[0]{is_mine}, 'is_mine';
is $s->get($path, token => $vendor2->{access_token})->{json}{bids}[0]{vendor_id}, undef,
    'another vendor does not';
is $s->get($path, token => $admin->{access_token})->{json}{bids}[0]{vendor_id},
    $vendor->{user}{id}, 'an admin does';
$r = $s->get($path, token => $client->{access_token});
ok $r->{json}{imei1}, 'the owner sees the IMEI';
my $views = $r->{json}{views};
$s->get($path) for 1 .. 3;
$s->get($path, token => $client->{access_token});
is $s->get($path, token => $client->{access_token})->{json}{views}, $views + 3,
    'views counted for others, not for the owner' or diag $s->sql('SELECT * FROM listing_views');
is $s->get("/api/v1/listings/$pending")->{status}, 404, 'a pending listing is not public';
is $s->get("/api/v1/listings/$pending", token => $client2->{access_token})->{status}, 404,
    "another client's pending listing: 404";
is $s->get("/api/v1/listings/$ended")->{status}, 200, 'an ended auction stays readable';
is $s->get("/api/v1/listings/00000000-0000-4000-8000-000000000000")->{status}, 404, 'unknown: 404';
is $s->get("/api/v1/listings/123")->{status}, 404, 'malformed id: 404';

# --- watching -----------------------------------------------------------------------------
$r = $s->post("$path/watch", undef, token => $V);
is $r->{status}, 200, 'watch';
is $r->{json}{watching}, JSON::PP::true, 'watching';
is $r->{json}{watcher_count}, 1, 'one watcher';
is $s->post("$path/watch", undef, token => $V)->{json}{watcher_count}, 1, 'watching twice: once';
is $s->post("$path/watch", undef, token => $vendor2->{access_token})->{json}{watcher_count}, 2,
    'two watchers';
$r = $s->get($path, token => $V);
ok $r->{json}{is_watching}, 'is_watching for the watcher';
is $r->{json}{watcher_count}, 2, 'watcher_count on the listing';
ok !$s->get($path)->{json}{is_watching}, 'not for anonymous';
$r = $s->del("$path/watch", token => $V);
is $r->{json}{watching}, JSON::PP::false, 'unwatch';
is $r->{json}{watcher_count}, 1, 'one left';
is $s->post("$path/watch", undef, token => $client->{access_token})->{status}, 403,
    'a client cannot watch';
is $s->post("/api/v1/listings/$pending/watch", undef, token => $V)->{status}, 404,
    'a pending listing cannot be watched';

# --- GET /listings scopes -----------------------------------------------------------------
$r = $s->get('/api/v1/listings', token => $client->{access_token});
is $r->{json}{pagination}{total}, 6, "the client's own 6";
$r = $s->get('/api/v1/listings?status=live&sort_by=lowest-price', token => $client->{access_token});
is_deeply models($r->{json}), ['Redmi 12', 'iPhone 11', 'Nord 3', 'Galaxy S22', 'iPhone 13'],
    'status filter and sort';
is $s->get('/api/v1/listings?search=pending', token => $client->{access_token})
    ->{json}{pagination}{total}, 1, 'search';
is $s->get('/api/v1/listings', token => $client2->{access_token})->{json}{pagination}{total}, 1,
    'the other client: its own only';
is $s->get("/api/v1/listings?client_id=$client->{user}{id}", token => $client2->{access_token})
    ->{json}{pagination}{total}, 0, 'client_id cannot widen a client\'s scope';
is $s->get("/api/v1/listings?client_id=$client2->{user}{id}", token => $admin->{access_token})
    ->{json}{pagination}{total}, 1, 'admin filters by client_id';
is $s->get('/api/v1/listings', token => $admin->{access_token})->{json}{pagination}{total}, 7,
    'admin sees all';
is $s->get('/api/v1/listings', token => $V)->{status}, 403, 'vendors use the marketplace: 403';
is $s->get('/api/v1/listings')->{status}, 401, 'anonymous: 401';

done_testing;
