# The session check that travels with a request's first statement (lib/scp_auth.h):
# whatever a handler does first (a read, a write, a validation error, a role refusal),
# a token whose session ended, whose account is disabled or whose role changed is
# answered 401, nothing it asked for is written, and no header meant for a confirmed
# caller (a private file's X-Accel-Redirect) goes out.  Then a race: writes in flight
# while the session is revoked; every 201 is a row and every refusal wrote nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPB2B;
use SCPAuction qw(pdf_bytes submit user_of_role);

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $con = new_consumer($s);
link_up($s, $sup, $con);
my $prod = new_product($s, $sup, stock_level => 100);

my $count = sub { $s->sql("SELECT count(*) FROM $_[0]") };
my $login = sub {
    my ($email, $password) = @_;
    my $r = $s->post('/api/v1/auth/login', { email => $email, password => $password // 'password123' });
    die "login: $r->{status} $r->{content}" unless $r->{status} == 200;
    return $r->{json};
};

# --- a consumer whose session ended -----------------------------------------------------------
my $c2 = $login->($con->{user}{email}, $con->{password});
my $T = $c2->{access_token};
my $order = { supplier_id => $sup->{id}, items => [ { product_id => $prod->{id}, quantity => 1 } ] };
is $s->post('/api/v1/consumer/orders', $order, token => $T)->{status}, 201, 'control: an order';
is $s->post('/api/v1/auth/logout', {}, token => $T)->{status}, 200, 'logout';
my $orders = $count->('catalog_orders');

my @cases = (
    [ 'a read',                                 GET  => "/api/v1/consumer/suppliers/$sup->{id}/products" ],
    [ 'a read refused by its validation first', GET  => "/api/v1/consumer/suppliers/$sup->{id}/products?page_size=x" ],
    [ 'a route of another role (would be 403)', GET  => '/api/v1/supplier/products' ],
    [ 'a route with no statement (/auth/me)',   GET  => '/api/v1/auth/me' ],
    [ 'a write',                                POST => '/api/v1/consumer/orders', $order ],
    [ 'a write refused by its validation',      POST => '/api/v1/consumer/orders', { items => 'x' } ],
    [ 'a write with a malformed body',          POST => '/api/v1/consumer/orders', '{"items":' ],
);
for my $c (@cases) {
    my ($name, $method, $path, $body) = @$c;
    my $r = $s->req($method, $path, $body, token => $T);
    is $r->{status}, 401, "ended session, $name: 401";
    is $r->{json}{error}{code}, 'UNAUTHORIZED', "ended session, $name: the envelope";
    like $r->{json}{error}{message}, qr/session ended/, "ended session, $name: says why";
}
is $count->('catalog_orders'), $orders, 'no order was written for the ended session';

# --- a deactivated sales rep and manager -------------------------------------------------------
my $mgr = add_staff($s, $sup, 'manager');
my $products = $count->('products');
is $s->del("/api/v1/supplier/users/$mgr->{id}", token => $sup->{token})->{status}, 200,
    'the owner deactivates the manager';
for my $c ([ 'create a product', POST => '/api/v1/supplier/products', { name => 'Ghost', price => 1 } ],
           [ 'bulk update', POST => '/api/v1/supplier/products/bulk-update',
             { ids => [ $prod->{id} ], stock_level => 0 } ],
           [ 'list products', GET => '/api/v1/supplier/products' ]) {
    my ($name, $method, $path, $body) = @$c;
    my $r = $s->req($method, $path, $body, token => $mgr->{token});
    is $r->{status}, 401, "deactivated, $name: 401";
    like $r->{json}{error}{message}, qr/account disabled/, "deactivated, $name: says why";
}
is $count->('products'), $products, 'no product was created';
is $s->sql("SELECT stock_level FROM products WHERE id = :'p1'", $prod->{id}), 100,
    'no stock was changed';

# --- a private file: its X-Accel-Redirect never goes out with a refusal ------------------------
my $client = user_of_role($s, 'client');
my $sub = submit($s, $client->{access_token}, bill => pdf_bytes());
is $sub->{status}, 201, 'a listing with a bill';
my $bill = $sub->{json}{bill_photo};
is $s->get($bill, token => $client->{access_token})->{status}, 200, 'control: the owner reads the bill';
is $s->post('/api/v1/auth/logout', {}, token => $client->{access_token})->{status}, 200, 'the owner logs out';
my $r = $s->get($bill, token => $client->{access_token});
is $r->{status}, 401, 'the bill with the ended session: 401';
isnt $r->{content}, pdf_bytes(), 'not the file';
ok !defined $r->{headers}{'content-disposition'}, 'none of the file\'s headers';

# --- the race: writes in flight while the session is revoked -----------------------------------
for my $round (1 .. 3) {
    my $l = $login->($con->{user}{email}, $con->{password});
    my $before = $count->('catalog_orders');
    my @res = parallel(40, sub {
        my $i = shift;
        return $s->post('/api/v1/auth/logout', {}, token => $l->{access_token}) if $i == 20;
        return $s->post('/api/v1/consumer/orders', $order, token => $l->{access_token});
    });
    my @orders = @res[ 0 .. 19, 21 .. 39 ];
    my $created = grep { $_->{status} == 201 } @orders;
    my $refused = grep { $_->{status} == 401 } @orders;
    is $res[20]{status}, 200, "round $round: the logout went through";
    is $created + $refused, 39, "round $round: every order is a 201 or a 401 ($created, $refused)";
    is $count->('catalog_orders') - $before, $created, "round $round: every 201 is a row, no 401 is";
    is $s->post('/api/v1/consumer/orders', $order, token => $l->{access_token})->{status}, 401,
        "round $round: after the logout, refused";
}

done_testing;
