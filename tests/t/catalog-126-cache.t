# The catalog pages a worker keeps (lib/scp_kept.h, cgi-bin/catalog/browse.c) are never staler than
# the database: every change to a product (price, stock through an accepted order,
# deactivation, a supplier rename) shows in the very next read, whichever worker serves
# it; a link blocked after a page was kept is 404 at once; and under a writer racing
# many readers, no read that began after a write returned shows an older value.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use SCPTest qw(parallel);
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s, name => 'Kept Farm');
my $con = new_consumer($s);
my $link = link_up($s, $sup, $con);
my @p = map { new_product($s, $sup, name => "Item $_", price => "$_.00", stock_level => 100) } 1 .. 3;
my $P = "/api/v1/consumer/suppliers/$sup->{id}/products";

# Enough reads that every worker of the family serves (and keeps) the page.
my $reads = sub {
    my ($path) = @_;
    return map { $s->get($path // $P, token => $con->{token}) } 1 .. 12;
};
my $all = sub {
    my ($name, $check, @r) = @_;
    my $bad = grep { !$check->($_) } @r;
    is $bad, 0, "$name: all " . scalar(@r) . " reads";
};
my $item = sub { my ($r, $id) = @_; (grep { $_->{id} eq $id } @{ $r->{json}{results} || [] })[0] };

$all->('first reads', sub { $_[0]{status} == 200 && @{ $_[0]{json}{results} } == 3 }, $reads->());

is $s->req('PATCH', "/api/v1/supplier/products/$p[0]{id}", { price => '7.50' }, token => $sup->{token})
    ->{status}, 200, 'a price change';
$all->('the new price at once', sub { $item->($_[0], $p[0]{id})->{price} == 7.5 }, $reads->());

my $o = new_order($s, $con, $sup, $p[1], 30);
is $s->post("/api/v1/supplier/orders/$o->{json}{id}/accept", undef, token => $sup->{token})->{status},
    200, 'an order takes 30 of item 2';
$all->('the stock taken at once', sub { $item->($_[0], $p[1]{id})->{stock_level} == 70 }, $reads->());

$s->req('PATCH', "/api/v1/supplier/products/$p[2]{id}", { is_active => JSON::PP::false }, token => $sup->{token});
$all->('a deactivated product gone at once',
       sub { !$item->($_[0], $p[2]{id}) && $_[0]{json}{pagination}{total} == 2 }, $reads->());

$s->req('PUT', '/api/v1/supplier/me', { name => 'Renamed Farm' }, token => $sup->{token});
$all->('the supplier\'s new name at once',
       sub { $item->($_[0], $p[0]{id})->{supplier_name} eq 'Renamed Farm' }, $reads->());

# Pages and sizes are kept apart.
my ($a) = $reads->("$P?page_size=1&page=1");
my ($b) = $reads->("$P?page_size=1&page=2");
isnt $a->{json}{results}[0]{id}, $b->{json}{results}[0]{id}, 'page 1 and page 2 differ';
$all->('page 2 of 1 each time', sub { $_[0]{json}{results}[0]{id} eq $b->{json}{results}[0]{id} },
       $reads->("$P?page_size=1&page=2"));

# What the caller may see is never kept.
is $s->post("/api/v1/supplier/consumer-links/$link->{id}/block", undef, token => $sup->{token})->{status},
    200, 'the supplier blocks the consumer';
$all->('blocked: 404 at once', sub { $_[0]{status} == 404 }, $reads->());
$s->post("/api/v1/supplier/consumer-links/$link->{id}/unblock", undef, token => $sup->{token});
$all->('unblocked: the page again', sub { $_[0]{status} == 200 }, $reads->());

# A writer racing readers: stock set to 1001, 1002, … 1025 (from 1000, kept by every
# worker first); a read that began after write n returned must show n or more.
my $N = 25;
$s->req('PATCH', "/api/v1/supplier/products/$p[0]{id}", { stock_level => 1000 }, token => $sup->{token});
$all->('stock 1000 kept everywhere', sub { $item->($_[0], $p[0]{id})->{stock_level} == 1000 }, $reads->());
my @res = parallel(9, sub {
    my $i = shift;
    my @log;
    if ($i == 0) {
        for my $n (1 .. $N) {
            my $r = $s->req('PATCH', "/api/v1/supplier/products/$p[0]{id}",
                            { stock_level => 1000 + $n }, token => $sup->{token});
            push @log, [ time, 1000 + $n, $r->{status} ];
        }
        return { writes => \@log };
    }
    my $end = time + 4;
    while (time < $end) {
        my $t = time;
        my $r = $s->get($P, token => $con->{token});
        push @log, [ $t, $r->{status} == 200 ? $item->($r, $p[0]{id})->{stock_level} : -1 ];
    }
    return { reads => \@log };
});
my @writes = @{ $res[0]{writes} };
is scalar(grep { $_->[2] == 200 } @writes), $N, "the $N writes went through";
my ($nreads, $stale) = (0, 0);
for my $r (map { @{ $_->{reads} } } @res[ 1 .. 8 ]) {
    $nreads++;
    my $floor = 0;
    $_->[0] < $r->[0] and $floor = $_->[1] for @writes;
    $stale++ if $r->[1] < $floor;
}
cmp_ok $nreads, '>', 100, "$nreads reads raced the writer";
is $stale, 0, 'no read showed a stock older than the last write that returned before it began';

done_testing;
