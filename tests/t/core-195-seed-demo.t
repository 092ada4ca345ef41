# `scpctl seed-demo` (run by the stack on first start with STACK_SEED=1): the demo supplier
# has a profile, staff, products, a linked consumer with a pending order and a second
# consumer asking to be linked; the demo logins walk the whole flow; seeding again adds
# nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start(env => { STACK_SEED => 1 });
my $login = sub {
    my $r = $s->post('/api/v1/auth/login', { email => $_[0], password => 'Password123' });
    is $r->{status}, 200, "demo login $_[0]";
    return $r->{json}{access_token};
};
my $owner = $login->('supplier.owner@example.com');
my $manager = $login->('supplier.manager@example.com');
my $sales = $login->('supplier.sales@example.com');
my $con = $login->('consumer@example.com');
my $con2 = $login->('restaurant2@example.com');

my $me = $s->get('/api/v1/supplier/me', token => $owner)->{json};
is $me->{name}, 'Fresh Farms Wholesale', 'the demo supplier';
ok $me->{description}, 'with a profile';
is scalar @{ $s->get('/api/v1/supplier/users', token => $owner)->{json} }, 3, 'owner, manager, sales rep';
my $cat = $s->get("/api/v1/consumer/suppliers/$me->{id}/products?page_size=100", token => $con);
is $cat->{status}, 200, 'the demo consumer is linked';
is $cat->{json}{pagination}{total}, 8, 'eight products';
my $orders = $s->get('/api/v1/consumer/orders', token => $con)->{json}{results};
is scalar @$orders, 1, 'one order';
is_deeply [ $orders->[0]{status}, scalar @{ $orders->[0]{items} }, 0 + $orders->[0]{total} ],
    [ 'pending', 2, 358.33 ], 'pending, two lines, 358.33 with tax and shipping';
my $dash = $s->get('/api/v1/supplier/dashboard/stats', token => $manager)->{json};
is_deeply [ @$dash{qw(total_orders pending_orders pending_link_requests)} ], [ 1, 1, 1 ],
    'the dashboard shows them';
ok $dash->{low_stock_items} >= 1, 'and some low stock';
is $s->get('/api/v1/consumer/links?status=pending', token => $con2)->{json}{pagination}{total}, 1,
    'the second restaurant waits for approval';

# The whole flow with the demo logins.
my $pending = $s->get('/api/v1/supplier/consumer-links?status=pending', token => $sales)->{json}{results}[0];
is $s->post("/api/v1/supplier/consumer-links/$pending->{id}/approve", undef, token => $manager)->{status},
    200, 'the manager approves the second restaurant';
my $tom = (grep { $_->{sku} eq 'FF-TOM-01' } @{ $cat->{json}{results} })[0];
my $r = $s->post('/api/v1/consumer/orders', { supplier_id => $me->{id},
    items => [ { product_id => $tom->{id}, quantity => 2 } ] }, token => $con2);
is $r->{status}, 201, 'which orders';
my $id = $r->{json}{id};
for my $step (qw(accept start complete)) {
    is $s->post("/api/v1/supplier/orders/$id/$step", undef, token => $owner)->{json}{status},
        { accept => 'accepted', start => 'in_progress', complete => 'completed' }->{$step}, "owner: $step";
}
is $s->get("/api/v1/consumer/orders/$id", token => $con2)->{json}{status}, 'completed',
    'the restaurant sees it completed';

# Seeding twice adds nothing.
my $before = $s->sql('SELECT (SELECT count(*) FROM products) || \' \' || (SELECT count(*) FROM catalog_orders)'
                     . " || ' ' || (SELECT count(*) FROM consumer_links)");
my $out = `SCP_CONFIG=@{[ $s->dir ]}/scp.conf $SCPTest::TOP/build/bin/scpctl seed-demo -d $SCPTest::TOP/sql 2>&1`;
is $?, 0, 'seed-demo again succeeds' or diag $out;
is $s->sql('SELECT (SELECT count(*) FROM products) || \' \' || (SELECT count(*) FROM catalog_orders)'
           . " || ' ' || (SELECT count(*) FROM consumer_links)"), $before, 'and adds nothing';

done_testing;
