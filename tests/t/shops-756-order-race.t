# Confirming orders on the last units: many members confirm at once, exactly as many
# orders as the stock allows succeed (200), the rest 409, the stock never below 0, one
# movement and one event per confirmed order; orders hold two products listed in either
# order, so the confirmations also show they never deadlock.  Then the per-address limit
# on placing orders with no account: beyond the burst, 429, and nothing placed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use Time::HiRes qw(time);

my $s = SCPTest->start(env => { SCP_AUTH_RATE => '1r/m', SCP_AUTH_BURST => 40 });
my $r = $s->post('/api/auth/register', { email => "race.$$\@example.com",
                                         password => 'password123', username => 'racer' });
my $T = $r->{json}{data}{token};
my $shop = $s->post('/api/shops', { name => 'Race' }, token => $T)->{json}{data};
my $P = "/api/shops/$shop->{id}/products";
my $a = $s->post($P, { name => 'Last', retailPrice => 3, stock => 5 }, token => $T)->{json}{data};
my $b = $s->post($P, { name => 'Plenty', retailPrice => 1, stock => 100 }, token => $T)->{json}{data};
my $form = $s->post("/api/shops/$shop->{id}/forms", { name => 'Order', fields => [
    { id => 'items', type => 'Item Selector', label => 'Items', required => JSON::PP::true } ] },
    token => $T)->{json}{data};
my $sub = "/api/shops/$shop->{id}/forms/$form->{id}/submissions";

my @orders;
my $t0 = time;
for my $i (1 .. 12) {
    my @items = ({ productId => $a->{id}, quantity => 1 }, { productId => $b->{id}, quantity => 2 });
    @items = reverse @items if $i % 2;
    $r = $s->post($sub, { orderedProducts => \@items });
    is $r->{status}, 201, "order $i placed";
    push @orders, $r->{json}{data}{orderId};
}
diag sprintf('12 orders placed one after another: %.1f ms each', (time - $t0) * 1000 / 12);
my $jobs = $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'");
$t0 = time;
my @res = parallel(12, sub {
    my ($i) = @_;
    my $r = $s->req('PUT', "/api/shops/$shop->{id}/orders/$orders[$i]/status",
                    { status => 'Confirmed' }, token => $T);
    return { status => $r->{status} };
});
diag sprintf('12 concurrent confirmations: %.0f ms in all', (time - $t0) * 1000);
my %by;
$by{ $_->{status} }++ for @res;
is $by{200}, 5, 'five of twelve concurrent confirmations on five units: 200';
is $by{409}, 7, 'the other seven: 409';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$a->{id}'"), 0, 'the last units gone, never below 0';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$b->{id}'"), 90, 'the other product: 2 each for five';
is $s->sql("SELECT count(*) FROM shop_orders WHERE status = 'Confirmed' AND stock_taken"), 5,
    'five orders confirmed, holding stock';
is $s->sql("SELECT count(*) FROM shop_stock_movements WHERE reason LIKE 'order % confirmed'"), 10,
    'a movement per product of each confirmed order';
is $s->sql("SELECT count(*) FROM shop_stock_movements m WHERE stock_after <>"
           . " (SELECT sum(delta) FROM shop_stock_movements WHERE product_id = m.product_id AND id <= m.id)"), 0,
    'every movement\'s stock_after is the sum of the deltas so far';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'"), $jobs + 5,
    'one event per confirmation, none for a refused one';

# --- the per-address limit on placing orders -----------------------------------------------
my $placed = $s->sql("SELECT count(*) FROM shop_orders");
my @st = map { $s->post($sub, { orderedProducts => [ { productId => $b->{id}, quantity => 1 } ] }) } 1 .. 40;
my @limited = grep { $_->{status} == 429 } @st;
my $ok = grep { $_->{status} == 201 } @st;
ok @limited >= 10, scalar(@limited) . ' of 40 rapid submissions limited';
is $limited[0]{json}{error}{code}, 'RATE_LIMITED', 'RATE_LIMITED envelope';
is $s->sql("SELECT count(*) FROM shop_orders"), $placed + $ok, 'a limited submission placed nothing';
is $s->get("/api/shops/$shop->{id}/orders", token => $T)->{status}, 200, 'the members\' routes are not limited';

done_testing;
