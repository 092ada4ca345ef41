# Closing: scp-worker closes each auction within 5 s of its end — sold to the highest
# bid (with its order) or expired without bids; late bids racing the close lose cleanly;
# auction_ending fires before the end (and not for an auction that is over).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SCPTest qw(parallel);
use SCPAuction qw(user_of_role live_listing);

my $s = SCPTest->start(env => { SCP_WORKERS => 3 });
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my @vendors = map { user_of_role($s, 'vendor') } 1 .. 8;

sub ends_in {
    my ($id, $secs) = @_;
    $s->sql("UPDATE listings SET auction_end_time = now() + make_interval(secs => :'p2')"
          . " WHERE id = :'p1'", $id, $secs);
}
sub bid {
    my ($v, $id, $amount) = @_;
    $s->post('/api/v1/bids', { listing_id => $id, amount => $amount }, token => $v->{access_token});
}
sub status_of { $s->sql("SELECT status FROM listings WHERE id = :'p1'", $_[0]) }
sub outbox { open my $fh, '<', $s->dir . '/log/outbox.log' or return (); map { SCPTest::json()->decode($_) } <$fh> }

# --- sold and expired, within 5 s --------------------------------------------------------
my $sold = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 50000)->{id};
my $none = live_listing($s, $client, $admin)->{id};
is bid($vendors[0], $sold, 10000)->{status}, 201, 'bid 1';
is bid($vendors[1], $sold, 12000)->{status}, 201, 'bid 2 (the highest)';
ends_in($_, 2) for $sold, $none;
ok $s->wait_until(8, sub { status_of($sold) eq 'sold' }), 'the auction with bids is sold';
ok $s->wait_until(8, sub { status_of($none) eq 'expired' }), 'the auction without bids expired';
for ([$sold, 'sold'], [$none, 'expired']) {
    my ($id, $what) = @$_;
    my $lag = $s->sql("SELECT extract(epoch FROM closed_at - auction_end_time) FROM listings"
                    . " WHERE id = :'p1'", $id);
    ok $lag >= 0 && $lag < 5, "$what within 5 s of the end (${lag}s)";
}
my ($price, $vendor, $hist) = split /\t/, $s->sql(
    "SELECT o.final_price, o.vendor_id, (SELECT string_agg(status || ':' || coalesce(notes, ''), ',')"
  . " FROM auction_order_history h WHERE h.order_id = o.id) FROM auction_orders o"
  . " WHERE o.listing_id = :'p1'", $sold);
is $price, 1200000, 'the order is at the highest bid';
is $vendor, $vendors[1]{user}{id}, 'for its bidder';
is $hist, 'pending_pickup:auction closed', 'history starts with pending_pickup';
is $s->sql("SELECT winning_bid_id = current_bid_id FROM listings WHERE id = :'p1'", $sold), 't',
    'winning bid recorded';
is $s->sql("SELECT count(*) FROM auction_orders WHERE listing_id = :'p1'", $none), 0,
    'no order without bids';
my $g = $s->get("/api/v1/bids?listing_id=$sold&status=won", token => $vendors[1]{access_token});
is $g->{json}{pagination}{total}, 1, 'the winner sees its bid won';
is $s->get("/api/v1/bids?status=lost", token => $vendors[0]{access_token})->{json}{pagination}{total},
    1, 'the other bidder lost';
my $r = bid($vendors[2], $sold, 20000);
is $r->{status}, 409, 'a bid after closing: 409';
like $r->{json}{error}{message}, qr/sold/, 'the auction is sold';
is bid($vendors[2], $none, 20000)->{status}, 409, 'on an expired auction: 409';
ok $s->wait_until(5, sub { grep { $_->{event} eq 'auction_won' && $_->{data}{listing_id} eq $sold } outbox() }),
    'auction_won event published';
ok $s->wait_until(5, sub { grep { $_->{event} eq 'auction_expired' && $_->{data}{listing_id} eq $none } outbox() }),
    'auction_expired event published';
my $m = $s->get('/api/v1/marketplace')->{json}{results};
ok !(grep { $_->{id} eq $sold || $_->{id} eq $none } @$m), 'closed auctions leave the marketplace';

# --- late bids race the close -------------------------------------------------------------
for my $round (1 .. 2) {
    my $id = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 900000)->{id};
    ends_in($id, 1.5);
    my $stop = time + 3.5;
    my @res = parallel(scalar @vendors, sub {
        my ($i) = @_;
        my $http = HTTP::Tiny->new(timeout => 30);
        my (@mine, $n);
        while (time < $stop) {
            $n++;
            my $amount = 10000 + 100 * int((time - $stop + 10) * 1000) + $i;   # rises with time
            my $r = $http->request('POST', $s->url . '/api/v1/bids', {
                headers => { Authorization => "Bearer $vendors[$i]{access_token}",
                             'Content-Type' => 'application/json' },
                content => SCPTest::json()->encode({ listing_id => $id, amount => $amount / 100 * 100 }) });
            my $j = eval { SCPTest::json()->decode($r->{content}) } || {};
            push @mine, { status => $r->{status}, id => $j->{id}, at => time,
                          msg => $j->{error}{message} // '' };
        }
        return { bids => \@mine };
    });
    my @all = map { @{ $_->{bids} } } @res;
    my @ok = grep { $_->{status} == 201 } @all;
    my @late = grep { $_->{status} == 409 } @all;
    ok !(grep { $_->{status} != 201 && $_->{status} != 409 && $_->{status} != 422 } @all),
        "round $round: " . scalar(@all) . " bids, refusals only 409/422";
    ok @late > 0, "round $round: " . scalar(@late) . ' late bids refused with 409';
    ok $s->wait_until(6, sub { status_of($id) eq 'sold' }), "round $round: sold";
    my @rows = $s->sql("SELECT id FROM bids WHERE listing_id = :'p1'", $id);
    is_deeply [sort @rows], [sort map { $_->{id} } @ok],
        "round $round: every accepted bid is a row, and only those (" . scalar(@ok) . ')';
    is $s->sql("SELECT count(*) FROM bids b JOIN listings l ON l.id = b.listing_id"
             . " WHERE l.id = :'p1' AND b.created_at >= l.auction_end_time", $id), 0,
        "round $round: no bid accepted at or after the end";
    is $s->sql("SELECT o.final_price = l.current_bid AND l.current_bid = (SELECT max(amount)"
             . " FROM bids WHERE listing_id = l.id) FROM auction_orders o JOIN listings l"
             . " ON l.id = o.listing_id WHERE l.id = :'p1'", $id), 't',
        "round $round: the order is at the highest accepted bid";
}

# --- auction_ending ------------------------------------------------------------------------
my $soon = live_listing($s, $client, $admin)->{id};
$s->sql("UPDATE jobs SET run_at = now() WHERE kind = 'auction_ending'"
      . " AND payload->>'listing_id' = :'p1'", $soon);
my $is_ending = sub { $_->{event} eq 'auction_ending' && $_->{data}{listing_id} eq $soon };
ok $s->wait_until(5, sub { grep { $is_ending->() } outbox() }), 'auction_ending published when due';
my ($ev) = grep { $is_ending->() } outbox();
is $ev->{topic}, "/ws/listings/$soon", 'on the listing\'s channel';
ok $ev->{data}{time_left} > 3500, "with the time left ($ev->{data}{time_left} s)";
my $gone = live_listing($s, $client, $admin, instant_win_price => 20000)->{id};
bid($vendors[0], $gone, 20000);
$s->sql("UPDATE jobs SET run_at = now() WHERE kind = 'auction_ending'"
      . " AND payload->>'listing_id' = :'p1'", $gone);
ok $s->wait_until(5, sub { $s->sql("SELECT status FROM jobs WHERE kind = 'auction_ending'"
                                 . " AND payload->>'listing_id' = :'p1'", $gone) eq 'done' }),
    'the notice of a sold auction is done';
ok !(grep { $_->{event} eq 'auction_ending' && $_->{data}{listing_id} eq $gone } outbox()),
    'without publishing anything';

done_testing;
