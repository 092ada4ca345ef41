# GET /supplier/dashboard/stats: order counts, pending link requests, low stock, recent
# orders, the lowest-stock products; consistent while orders are placed and moved.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use List::Util qw(sum0);
use SCPTest qw(parallel);
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $T = $sup->{token};
my $D = '/api/v1/supplier/dashboard/stats';
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');

my $r = $s->get($D, token => $T);
is $r->{status}, 200, 'GET /supplier/dashboard/stats';
is_deeply [ @{ $r->{json} }{qw(total_orders pending_orders pending_link_requests low_stock_items)} ],
    [ 0, 0, 0, 0 ], 'a new supplier: all zero';
is_deeply [ $r->{json}{recent_orders}, $r->{json}{low_stock_products} ], [ [], [] ], 'empty lists';
is raw($r, 'revenue'), '0.00', 'no revenue';

# Products around the threshold (10): at it or under is low, inactive or deleted are not.
my %p;
$p{$_->[0]} = new_product($s, $sup, name => $_->[0], stock_level => $_->[1], price => '2.50')
    for [ 'Zero', 0 ], [ 'Ten', 10 ], [ 'Eleven', 11 ], [ 'Three', 3 ], [ 'Plenty', 500 ];
new_product($s, $sup, name => 'Inactive', stock_level => 1, is_active => JSON::PP::false);
$s->del('/api/v1/supplier/products/' . new_product($s, $sup, name => 'Deleted', stock_level => 1)->{id},
        token => $T);
my @cons = map { new_consumer($s) } 1 .. 3;
link_up($s, $sup, $_) for @cons[0, 1];
$s->post("/api/v1/suppliers/$sup->{id}/link-request", undef, token => $cons[2]{token});
my @o = map { new_order($s, $cons[$_ % 2], $sup, $p{Plenty}, $_ + 1)->{json} } 0 .. 6;
$s->post("/api/v1/supplier/orders/$o[0]{id}/accept", undef, token => $T);
$s->post("/api/v1/supplier/orders/$o[1]{id}/accept", undef, token => $T);
$s->post("/api/v1/supplier/orders/$o[1]{id}/start", undef, token => $T);
$s->post("/api/v1/supplier/orders/$o[2]{id}/reject", undef, token => $T);
$s->post("/api/v1/consumer/orders/$o[3]{id}/cancel", undef, token => $cons[1]{token});

$r = $s->get($D, token => $mgr->{token});
my $d = $r->{json};
is $d->{total_orders}, 7, 'total_orders';
is $d->{pending_orders}, 3, 'pending_orders';
is_deeply $d->{orders_by_status}, { pending => 3, accepted => 1, in_progress => 1, rejected => 1,
    cancelled => 1, completed => 0 }, 'orders_by_status';
is $d->{pending_link_requests}, 1, 'pending_link_requests';
is $d->{linked_consumers}, 2, 'linked_consumers';
is $d->{low_stock_items}, 3, 'low_stock_items: active products at or under the threshold';
is $d->{low_stock_threshold}, 10, 'the threshold used';
is_deeply [ map { $_->{name} } @{ $d->{low_stock_products} } ], [ 'Zero', 'Three', 'Ten' ],
    'low_stock_products, lowest first';
is scalar @{ $d->{recent_orders} }, 5, 'five recent orders';
is_deeply [ map { $_->{id} } @{ $d->{recent_orders} } ], [ map { $_->{id} } reverse @o[2 .. 6] ],
    'newest first';
# Revenue: accepted and in-progress orders (2.50 × 1 and 2.50 × 2), no tax or shipping.
is raw($r, 'revenue'), '7.50', 'revenue of accepted, in-progress and completed orders';
is $d->{currency}, 'USD', 'in the supplier\'s currency';
is $d->{total_products}, 6, 'total_products (deleted ones excluded)';

$s->req('PUT', '/api/v1/supplier/me', { low_stock_threshold => 3 }, token => $T);
is $s->get($D, token => $T)->{json}{low_stock_items}, 2, 'a lower threshold: fewer low-stock items';
is $s->get('/api/v1/supplier/dashboard', token => $rep->{token})->{status}, 200,
    '/supplier/dashboard alias; sales reps may read it';
is api_error($s->get($D, token => $cons[0]{token})), '403 FORBIDDEN', 'consumers may not';
is api_error($s->get($D)), '401 UNAUTHORIZED', 'no token: 401';
is $s->get($D, token => new_supplier($s)->{token})->{json}{total_orders}, 0,
    'another supplier sees its own figures only';

# Under load: orders placed, accepted and cancelled while the dashboard is read; every
# answer is one consistent snapshot, and the last one agrees with the database.
my @res = parallel(40, sub {
    my $i = shift;
    if ($i % 4 == 0) {
        my @snaps;
        for (1 .. 10) {
            my $x = $s->get($D, token => $T);
            return { error => "$x->{status}" } unless $x->{status} == 200;
            push @snaps, $x->{json};
        }
        return { snaps => \@snaps };
    }
    my $c = $cons[$i % 2];
    my $r = new_order($s, $c, $sup, $p{Plenty}, 1);
    return { error => "order $r->{status}" } unless $r->{status} == 201;
    my $id = $r->{json}{id};
    $r = $i % 4 == 1 ? $s->post("/api/v1/supplier/orders/$id/accept", undef, token => $T)
       : $i % 4 == 2 ? $s->post("/api/v1/consumer/orders/$id/cancel", undef, token => $c->{token})
       : { status => 200 };
    return { moved => $r->{status} };
});
ok !(grep { $_->{error} } @res), 'no errors under load';
my $consistent = 1;
for my $snap (map { @{ $_->{snaps} || [] } } @res) {
    my $bs = $snap->{orders_by_status};
    $consistent &&= $snap->{total_orders} == sum0(values %$bs)
                 && $snap->{pending_orders} == $bs->{pending}
                 && @{ $snap->{recent_orders} } == ($snap->{total_orders} < 5 ? $snap->{total_orders} : 5);
}
ok $consistent, 'every snapshot is consistent (totals = sum by status, pending, recent)';
$d = $s->get($D, token => $T)->{json};
my %db = map { split /\t/ } $s->sql("SELECT status, count(*) FROM catalog_orders WHERE supplier_id = :'p1'"
                                    . ' GROUP BY status', $sup->{id});
is $d->{total_orders}, sum0(values %db), 'total agrees with the database';
is_deeply { map { $_ => $d->{orders_by_status}{$_} } grep { $d->{orders_by_status}{$_} } keys %{ $d->{orders_by_status} } },
    \%db, 'and so does every status';
is $d->{total_orders}, 7 + 30, 'all 30 new orders counted';

done_testing;
