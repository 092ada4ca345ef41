# 100 vendors bid on one auction at the same instant, some at the instant-win price:
# exactly one winner, the highest valid bid recorded, every 2xx bid a row and every row
# a 2xx bid, one order, refusals only 409/422.  Several rounds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SCPTest qw(parallel);
use SCPAuction qw(user_of_role live_listing);

my $N = 100;
my $s = SCPTest->start(env => { SCP_WORKERS => 4 });
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my @vendors = map { user_of_role($s, 'vendor') } 1 .. $N;

# Every vendor bids once, all released at the same moment; returns the responses.
sub race {
    my ($id, $amount_of) = @_;
    my $go = time + 1.5;
    return parallel($N, sub {
        my ($i) = @_;
        my $amount = $amount_of->($i);
        my $http = HTTP::Tiny->new(timeout => 60);
        sleep 0.001 while time < $go;
        my $r = $http->request('POST', $s->url . '/api/v1/bids', {
            headers => { Authorization => "Bearer $vendors[$i]{access_token}",
                         'Content-Type' => 'application/json' },
            content => SCPTest::json()->encode({ listing_id => $id, amount => $amount }) });
        my $j = eval { SCPTest::json()->decode($r->{content}) } || {};
        return { status => $r->{status}, id => $j->{id}, amount => $amount,
                 instant => $j->{is_instant_win} ? 1 : 0, code => $j->{error}{code} // '' };
    });
}

sub check_round {
    my ($name, $id, $res, $expect_sold) = @_;
    my @ok = grep { $_->{status} == 201 } @$res;
    my @bad = grep { $_->{status} != 201 } @$res;
    ok !(grep { $_->{status} != 409 && $_->{status} != 422 } @bad),
        "$name: refusals are 409 or 422 only"
        or diag join ' ', map { $_->{status} } @bad;
    my @rows = $s->sql("SELECT id, amount, is_instant_win FROM bids WHERE listing_id = :'p1'"
                     . " ORDER BY created_at, amount", $id);
    is scalar @rows, scalar @ok, "$name: " . scalar(@ok) . " bids accepted, each one a row";
    my %row_ids = map { (split /\t/)[0] => 1 } @rows;
    is_deeply [sort keys %row_ids], [sort map { $_->{id} } @ok], "$name: the same bids";
    my @amounts = map { (split /\t/)[1] } @rows;
    my $increasing = 1;
    $increasing &&= $amounts[$_] > $amounts[$_ - 1] for 1 .. $#amounts;
    ok $increasing, "$name: each accepted bid beat the one before it";
    my ($status, $current, $winner, $count) = split /\t/, $s->sql(
        "SELECT status, current_bid, coalesce(winning_bid_id::text, ''), bid_count"
      . " FROM listings WHERE id = :'p1'", $id);
    my $max = (sort { $b <=> $a } @amounts)[0];
    is $current, $max, "$name: the highest valid bid is the current bid";
    is $count, scalar @rows, "$name: bid_count matches";
    my $instants = grep { (split /\t/)[2] eq 't' } @rows;
    my $orders = $s->sql("SELECT count(*) FROM auction_orders WHERE listing_id = :'p1'", $id);
    if ($expect_sold) {
        is $status, 'sold', "$name: sold";
        is $instants, 1, "$name: exactly one instant winner";
        is scalar(grep { $_->{instant} } @ok), 1, "$name: one response said it won";
        is $s->sql("SELECT amount FROM bids WHERE id = :'p1'", $winner), $max,
            "$name: the winner is the highest bid";
        is $orders, 1, "$name: one order";
        is $s->sql("SELECT final_price FROM auction_orders WHERE listing_id = :'p1'", $id), $max,
            "$name: the order's final price is the winning bid";
        ok !(grep { $_->{status} == 201 && $_->{instant} == 0 && $_->{amount} * 100 > $max } @$res),
            "$name: no accepted bid above the winner";
    } else {
        is $status, 'live', "$name: still live";
        is $instants, 0, "$name: no instant win";
        is $orders, 0, "$name: no order";
    }
}

for my $round (1 .. 3) {
    my $l = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 20000,
                         fields => { model => "Race $round" });
    # Amounts 10000..19900 in random order; one vendor in ten at or above the instant price.
    my @amount = map { 10000 + 100 * int(rand 100) } 1 .. $N;
    $amount[$_ * 10 + $round] = 20000 + $_ for 0 .. 9;
    check_round("round $round", $l->{id}, [race($l->{id}, sub { $amount[$_[0]] })], 1);
}

my $l = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 90000,
                     fields => { model => 'Race open' });
check_round('no instant price reached', $l->{id},
            [race($l->{id}, sub { 10000 + 100 * $_[0] })], 0);

done_testing;
