# The anonymous marketplace pages a worker keeps (lib/scp_kept.h, cgi-bin/listings/read.c) are
# never staler than the database: under a vendor bidding while anonymous readers race
# it, no read that began after a bid returned shows an older current bid; an approval
# and a closing show in the very next read.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use SCPTest qw(parallel);
use SCPAuction qw(user_of_role live_listing);

my $s = SCPTest->start;
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $l = live_listing($s, $client, $admin, starting_price => 1000, instant_win_price => 900000);
my $reads = sub { map { $s->get('/api/v1/marketplace') } 1 .. 12 };
my $bid_of = sub {
    my ($r) = @_;
    my ($x) = grep { $_->{id} eq $l->{id} } @{ $r->{json}{results} || [] };
    return $x ? $x->{current_bid} // 0 : -1;
};

is scalar(grep { $_->{json}{pagination}{total} == 1 } $reads->()), 12, 'one listing, kept everywhere';
my $l2 = live_listing($s, $client, $admin);
is scalar(grep { $_->{json}{pagination}{total} == 2 } $reads->()), 12, 'an approval shows at once';

my $N = 25;
my @res = parallel(9, sub {
    my $i = shift;
    my @log;
    if ($i == 0) {
        for my $n (1 .. $N) {
            my $r = $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => 1000 + 100 * $n },
                             token => $vendor->{access_token});
            push @log, [ time, 1000 + 100 * $n, $r->{status} ];
        }
        return { writes => \@log };
    }
    my $end = time + 4;
    while (time < $end) {
        my $t = time;
        push @log, [ $t, $bid_of->($s->get('/api/v1/marketplace')) ];
    }
    return { reads => \@log };
});
my @writes = @{ $res[0]{writes} };
is scalar(grep { $_->[2] == 201 } @writes), $N, "the $N bids went through";
my ($nreads, $stale) = (0, 0);
for my $r (map { @{ $_->{reads} } } @res[ 1 .. 8 ]) {
    $nreads++;
    my $floor = 0;
    $_->[0] < $r->[0] and $floor = $_->[1] for @writes;
    $stale++ if $r->[1] < $floor;
}
cmp_ok $nreads, '>', 100, "$nreads reads raced the bids";
is $stale, 0, 'no read showed a bid older than the last bid that returned before it began';

$s->sql("UPDATE listings SET auction_end_time = now() - interval '1 second' WHERE id = :'p1'", $l2->{id});
sleep 1 until $s->sql("SELECT status FROM listings WHERE id = :'p1'", $l2->{id}) ne 'live' || time - $^T > 60;
is scalar(grep { $_->{json}{pagination}{total} == 1 && @{ $_->{json}{results} } == 1 } $reads->()), 12,
    'a closing shows at once';

# Filtered pages are kept too, each named by its sort and filters: a bid and an approval
# show at once in a brand's page and a condition's, whatever case the brand is asked in,
# and one brand's kept page never answers for another.
my $live_brand = $s->sql("SELECT brand FROM listings WHERE id = :'p1'", $l->{id});
my $live_cond = $s->sql("SELECT condition FROM listings WHERE id = :'p1'", $l->{id});
my $page = sub { $s->get("/api/v1/marketplace?$_[0]") };
my $ids = sub { join ',', map { $_->{id} } @{ $_[0]{json}{results} || [] } };
for my $q ("brand=$live_brand&sort_by=lowest-price", 'brand=' . uc($live_brand) . '&sort_by=lowest-price',
           "condition=$live_cond&sort_by=ending-soon") {
    my @before = map { $page->($q) } 1 .. 6;
    is scalar(grep { $ids->($_) eq $l->{id} } @before), 6, "$q: the live listing, on every worker";
}
my $top = $bid_of->($page->("brand=$live_brand&sort_by=lowest-price"));
my $amount = 1000 + 100 * ($N + 1);
my $b = $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => $amount },
                 token => $vendor->{access_token});
is $b->{status}, 201, 'one more bid';
for my $q ("brand=$live_brand&sort_by=lowest-price", 'brand=' . lc($live_brand),
           "condition=$live_cond&sort_by=ending-soon") {
    is scalar(grep { $bid_of->($_) == $amount } map { $page->($q) } 1 .. 6), 6,
        "$q: the new bid at once";
}
cmp_ok $bid_of->($page->("brand=$live_brand")), '>', $top, 'the kept page moved on';
is scalar(grep { @{ $_->{json}{results} } == 0 } map { $page->('brand=NoSuchBrand') } 1 .. 6), 6,
    "another brand's page is its own";
my $l3 = live_listing($s, $client, $admin);
is scalar(grep { $_->{json}{pagination}{total} == 2 } map { $page->("brand=$live_brand") } 1 .. 6), 6,
    'an approval shows at once in a brand page';

done_testing;
