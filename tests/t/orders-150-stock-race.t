# The stock race: 50 concurrent accepts of orders competing for too little stock.  Each
# round must end with stock >= 0, exactly the accepted orders' quantities taken, and a
# maximal feasible set accepted: every refused order really did not fit (one of its
# lines wants more than what is left), and got 409 naming its short lines.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use List::Util qw(sum0 any);
use SCPTest qw(parallel);
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $mgr = add_staff($s, $sup, 'manager');
my @consumers = map { new_consumer($s) } 1 .. 5;
link_up($s, $sup, $_) for @consumers;
my $ROUNDS = 4;
my $N = 50;

srand(20240611);
for my $round (1 .. $ROUNDS) {
    my %initial = (a => 20 + int rand 15, b => 10 + int rand 10, c => 5);
    my %prod = map { $_ => new_product($s, $sup, name => "R$round-$_", stock_level => $initial{$_}) }
               keys %initial;
    # Each order wants 1-3 of a, and maybe some b or c: together far more than there is.
    my @orders;
    for my $i (0 .. $N - 1) {
        my %want = (a => 1 + int rand 3);
        $want{b} = 1 + int rand 2 if rand() < 0.5;
        $want{c} = 1 if rand() < 0.2;
        my $r = new_order($s, $consumers[$i % @consumers], $sup,
                          map { ($prod{$_}, $want{$_}) } sort keys %want);
        die "order: $r->{status} $r->{content}" unless $r->{status} == 201;
        push @orders, { id => $r->{json}{id}, want => \%want };
    }
    my @res = parallel($N, sub {
        my $i = shift;
        my $tok = $i % 2 ? $sup->{token} : $mgr->{token};
        my $r = $s->post("/api/v1/supplier/orders/$orders[$i]{id}/accept", undef, token => $tok);
        return { status => $r->{status}, code => api_error($r),
                 lines => $r->{json}{error} ? $r->{json}{error}{details}{lines} : undef };
    });
    my %final = map { $_ => scalar $s->sql("SELECT stock_level FROM products WHERE id = :'p1'",
                                           $prod{$_}{id}) } keys %prod;
    my @ok = grep { $res[$_]{status} == 200 } 0 .. $N - 1;
    my @no = grep { $res[$_]{status} != 200 } 0 .. $N - 1;
    ok !(grep { $_->{status} != 200 && $_->{code} ne '409 CONFLICT' } @res),
        "round $round: every answer is 200 or 409 CONFLICT";
    ok !(any { $final{$_} < 0 } keys %final), "round $round: stock >= 0";
    my $exact = 1;
    for my $p (keys %initial) {
        my $taken = sum0 map { $orders[$_]{want}{$p} // 0 } @ok;
        $exact &&= $initial{$p} - $taken == $final{$p};
    }
    ok $exact, "round $round: exactly the accepted orders' stock was taken ("
        . scalar(@ok) . " accepted, " . scalar(@no) . " refused)";
    my $maximal = 1;
    for my $i (@no) {
        my $w = $orders[$i]{want};
        $maximal &&= any { $w->{$_} > $final{$_} } keys %$w;
    }
    ok $maximal, "round $round: every refused order truly did not fit what was left";
    my $named = 1;
    for my $i (@no) {
        my @lines = @{ $res[$i]{lines} || [] };
        $named &&= @lines && !(grep { $_->{requested} <= $_->{available} } @lines);
    }
    ok $named, "round $round: each 409 named its short lines";
    my %status = map { split /\t/ } $s->sql("SELECT status, count(*) FROM catalog_orders"
        . " WHERE id = ANY (:'p1'::uuid[]) GROUP BY status", '{' . join(',', map { $_->{id} } @orders) . '}');
    is_deeply \%status, { accepted => scalar @ok, (@no ? (pending => scalar @no) : ()) },
        "round $round: the database agrees";
    ok @ok > 0 && @no > 0, "round $round: the race was real (some won, some lost)";
}

# One order, 20 concurrent accepts: accepted once, its stock taken once.
my $p = new_product($s, $sup, stock_level => 10);
my $o = new_order($s, $consumers[0], $sup, $p, 3)->{json};
my @res = parallel(20, sub {
    $s->post("/api/v1/supplier/orders/$o->{id}/accept", undef, token => $sup->{token})->{status};
});
is_deeply [ sort @res ], [ 200, (409) x 19 ], 'one order, 20 accepts: one 200, nineteen 409';
is $s->sql("SELECT stock_level FROM products WHERE id = :'p1'", $p->{id}), 7, 'stock taken once';
is $s->sql("SELECT count(*) FROM catalog_order_events WHERE order_id = :'p1' AND to_status = 'accepted'",
    $o->{id}), 1, 'one accepted event';

# Accept, reject and cancel racing on the same orders: each ends in exactly one state.
my @race = map { new_order($s, $consumers[0], $sup, $p, 1)->{json}{id} } 1 .. 10;
@res = parallel(30, sub {
    my $i = shift;
    my $id = $race[$i % 10];
    my $act = (qw(accept reject cancel))[int($i / 10)];
    my $r = $act eq 'cancel'
        ? $s->post("/api/v1/consumer/orders/$id/cancel", undef, token => $consumers[0]{token})
        : $s->post("/api/v1/supplier/orders/$id/$act", undef, token => $sup->{token});
    return { id => $id, act => $act, status => $r->{status} };
});
my %won;
push @{ $won{$_->{id}} }, $_->{act} for grep { $_->{status} == 200 } @res;
ok !(grep { @{ $won{$_} || [] } != 1 } @race), 'accept/reject/cancel races: exactly one wins per order';
my $taken = grep { $won{$_}[0] eq 'accept' } @race;
is $s->sql("SELECT stock_level FROM products WHERE id = :'p1'", $p->{id}), 7 - $taken,
    'stock taken only for the accepted ones';

done_testing;
