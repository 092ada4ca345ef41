# POST /bids and GET /bids: the minimum (starting price, then the highest bid plus the
# configured increment), the instant win (sold at once, one order), refusals of every
# kind, and the vendor's list by listing and by status active/won/lost.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction qw(submit user_of_role live_listing fields_of);

my $s = SCPTest->start(env => { SCP_BID_MIN_INCREMENT => 50000 });   # 500.00
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my ($v1, $v2) = map { user_of_role($s, 'vendor') } 1 .. 2;

sub bid {
    my ($v, $listing, $amount) = @_;
    return $s->post('/api/v1/bids', { listing_id => $listing, amount => $amount },
                    token => $v->{access_token});
}

my $l = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 20000);
my $id = $l->{id};

# --- the minimum ---------------------------------------------------------------------------
my $r = bid($v1, $id, 9999.99);
is $r->{status}, 422, 'below the starting price: 422';
is fields_of($r)->{amount}, 'must be at least 10000.00', 'the minimum is named';
$r = bid($v1, $id, 10000);
is $r->{status}, 201, 'at the starting price: 201';
is $r->{json}{amount}, 10000, 'amount';
is $r->{json}{vendor_id}, $v1->{user}{id}, 'vendor_id';
is $r->{json}{is_instant_win}, JSON::PP::false, 'not an instant win';
is $r->{json}{is_winning}, JSON::PP::true, 'the highest bid';
is $r->{json}{status}, 'active', 'active';
is $r->{json}{listing}{current_bid}, 10000, 'listing current_bid';
is $r->{json}{listing}{min_next_bid}, 10500, 'next minimum = 10000 + 500';
like $r->{json}{message}, qr/highest bidder/, 'a message';
my $first = $r->{json}{id};
$r = bid($v2, $id, 10499.99);
is $r->{status}, 422, 'less than the increment above: 422';
is fields_of($r)->{amount}, 'must be at least 10500.00', 'minimum 10500.00';
$r = bid($v2, $id, 10000);
is $r->{status}, 422, 'equal to the highest: 422';
is bid($v2, $id, '10500.00')->{status}, 201, 'exactly the increment above: 201';
is bid($v1, $id, 11000)->{status}, 201, 'a vendor may raise again';

# --- validation ----------------------------------------------------------------------------
my %bad = (
    'no amount'         => [{ listing_id => $id }, 'amount'],
    'amount 0'          => [{ listing_id => $id, amount => 0 }, 'amount'],
    'negative amount'   => [{ listing_id => $id, amount => -100 }, 'amount'],
    '3 decimals'        => [{ listing_id => $id, amount => 12000.001 }, 'amount'],
    'amount as text'    => [{ listing_id => $id, amount => 'lots' }, 'amount'],
    'amount exponent'   => [{ listing_id => $id, amount => '1e5' }, 'amount'],
    'no listing'        => [{ amount => 12000 }, 'listing_id'],
    'listing not uuid'  => [{ listing_id => 'abc', amount => 12000 }, 'listing_id'],
);
for my $name (sort keys %bad) {
    my ($body, $field) = @{ $bad{$name} };
    my $r = $s->post('/api/v1/bids', $body, token => $v1->{access_token});
    is $r->{status}, 422, "$name: 422";
    ok exists fields_of($r)->{$field}, "$name: names $field" or diag $r->{content};
}
$r = $s->post('/api/v1/bids', { listingId => $id, amount => '12000.50' }, token => $v2->{access_token});
is $r->{status}, 201, 'listingId (camelCase) and an amount as a string';
is $r->{json}{amount}, 12000.5, 'exact decimal amount';
is $s->post('/api/v1/bids', '{"amount":', token => $v1->{access_token})->{status}, 400,
    'broken JSON: 400';
is $s->req('POST', '/api/v1/bids', 'amount=1', token => $v1->{access_token},
           type => 'application/x-www-form-urlencoded')->{status}, 415, 'not JSON: 415';
is bid($client, $id, 13000)->{status}, 403, 'a client cannot bid';
is bid($admin, $id, 13000)->{status}, 403, 'an admin cannot bid';
is $s->post('/api/v1/bids', { listing_id => $id, amount => 13000 })->{status}, 401,
    'anonymous: 401';

# --- where bids are refused ----------------------------------------------------------------
my $pending = submit($s, $client->{access_token})->{json}{id};
is bid($v1, $pending, 20000)->{status}, 404, 'a pending listing: 404';
is bid($v1, '00000000-0000-4000-8000-000000000000', 20000)->{status}, 404, 'unknown: 404';
my $ended = live_listing($s, $client, $admin)->{id};
$s->sql("UPDATE listings SET auction_end_time = now() - interval '1 second' WHERE id = :'p1'", $ended);
$r = bid($v1, $ended, 20000);
is $r->{status}, 409, 'past the end, not yet swept: 409';
is $r->{json}{error}{code}, 'INVALID_STATE', 'INVALID_STATE';
like $r->{json}{error}{message}, qr/ended/, 'the auction has ended';

# --- instant win -------------------------------------------------------------------------
$r = bid($v2, $id, 25000);
is $r->{status}, 201, 'at or above the instant-win price: 201';
is $r->{json}{is_instant_win}, JSON::PP::true, 'is_instant_win';
is $r->{json}{status}, 'won', 'won at once';
is $r->{json}{listing}{status}, 'sold', 'the listing is sold';
is $r->{json}{listing}{min_next_bid}, undef, 'no next bid';
my $win = $r->{json}{id};
$r = bid($v1, $id, 30000);
is $r->{status}, 409, 'a bid after the instant win: 409';
like $r->{json}{error}{message}, qr/ended \(listing is sold\)/, 'the auction is sold';
is $s->sql("SELECT count(*) FROM auction_orders WHERE listing_id = :'p1'", $id), 1, 'one order';
is $s->sql("SELECT winning_bid_id = :'p2' AND status = 'sold' FROM listings WHERE id = :'p1'",
           $id, $win), 't', 'the winning bid is recorded';
is $s->sql("SELECT final_price FROM auction_orders WHERE listing_id = :'p1'", $id), 2500000,
    'final price in minor units';

# A bid at the instant price wins even when it is less than an increment above.
my $near = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 10300);
is bid($v1, $near->{id}, 10000)->{status}, 201, 'first bid';
$r = bid($v2, $near->{id}, 10300);
is $r->{status}, 201, 'the instant-win price is always reachable';
ok $r->{json}{is_instant_win}, 'and wins';

# --- GET /bids ---------------------------------------------------------------------------
my $other = live_listing($s, $client, $admin);
bid($v1, $other->{id}, 13000);
my $mine = $s->get('/api/v1/bids', token => $v1->{access_token});
is $mine->{status}, 200, 'GET /bids';
is $mine->{json}{pagination}{total}, 4, 'v1 placed 4 bids';
ok !(grep { $_->{vendor_id} ne $v1->{user}{id} } @{ $mine->{json}{results} }), 'only its own';
is $mine->{json}{results}[0]{listing}{id}, $other->{id}, 'newest first, with its listing';
is $s->get("/api/v1/bids?listing_id=$id", token => $v1->{access_token})->{json}{pagination}{total},
    2, 'by listing';
my $active = $s->get('/api/v1/bids?status=active', token => $v1->{access_token})->{json};
is $active->{pagination}{total}, 1, 'active: the live auction';
is $s->get('/api/v1/bids?status=lost', token => $v1->{access_token})->{json}{pagination}{total},
    3, 'lost: the sold ones it did not win';
my $won = $s->get('/api/v1/bids?status=won', token => $v2->{access_token})->{json};
is $won->{pagination}{total}, 2, 'won: v2 won two auctions';
ok((grep { $_->{id} eq $win } @{ $won->{results} }), 'including the instant win');
is $s->get("/api/v1/bids?vendor_id=$v2->{user}{id}", token => $v1->{access_token})
    ->{json}{pagination}{total}, 4, 'vendor_id cannot show another vendor\'s bids';
is $s->get("/api/v1/bids?vendor_id=$v2->{user}{id}", token => $admin->{access_token})
    ->{json}{pagination}{total}, 4, 'an admin filters by vendor';
is $s->get('/api/v1/bids', token => $admin->{access_token})->{json}{pagination}{total}, 8,
    'an admin sees all bids';
is $s->get('/api/v1/bids?status=maybe', token => $v1->{access_token})->{status}, 400,
    'unknown status: 400';
is $s->get('/api/v1/bids?listing_id=x', token => $v1->{access_token})->{status}, 400,
    'malformed listing_id: 400';
is $s->get('/api/v1/bids', token => $client->{access_token})->{status}, 403, 'a client: 403';

# events: every bid and the win were queued in their transactions
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'new_bid' AND payload->>'listing_id' = :'p1'",
           $id), 4, 'a new_bid event per bid that did not win';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'auction_won' AND payload->>'listing_id' = :'p1'",
           $id), 1, 'one auction_won event';

done_testing;
