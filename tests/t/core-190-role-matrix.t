# The role × route matrix of the B2B routes: every route, called by every role (and by
# nobody), is refused with 401 / 403 exactly where it should be, and reached elsewhere.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $con = new_consumer($s);
link_up($s, $sup, $con);
my $prod = new_product($s, $sup);
my $order = new_order($s, $con, $sup, $prod, 1)->{json};
my $link = $s->get('/api/v1/supplier/consumer-links', token => $sup->{token})->{json}{results}[0];
my $target = add_staff($s, $sup, 'sales_rep');

# Roles that cannot sign up by themselves get a row copying a known password hash.
my %tok = (owner => $sup->{token}, manager => $mgr->{token}, sales_rep => $rep->{token},
           consumer => $con->{token});
for my $role (qw(client vendor)) {
    $tok{$role} = $s->signup(role => $role)->{access_token};
}
for my $role (qw(agent admin)) {
    my $email = "$role.$$\@example.com";
    $s->sql("INSERT INTO users (email, password_hash, role) SELECT :'p1', password_hash, :'p2'"
            . " FROM users WHERE id = :'p3'", $email, $role, $con->{id});
    $tok{$role} = $s->post('/api/v1/auth/login', { email => $email, password => 'password123' })
        ->{json}{access_token} or die "no $role token";
}

my ($sid, $pid, $oid, $lid, $uid) = ($sup->{id}, $prod->{id}, $order->{id}, $link->{id}, $target->{id});
my @C = ('consumer');
my @STAFF = qw(owner manager sales_rep);
my @W = qw(owner manager);
my @ANY = qw(consumer owner manager sales_rep client vendor agent admin);
my @routes = (
    [ GET => '/suppliers', 'public' ],
    [ GET => '/consumer/suppliers', 'public' ],
    [ GET => "/suppliers/$sid", 'public' ],
    [ GET => "/consumer/suppliers/$sid", 'public' ],
    [ POST => "/suppliers/$sid/link-request", @C ],
    [ POST => "/consumer/suppliers/$sid/link-request", @C ],
    [ GET => "/suppliers/$sid/products", @C ],
    [ GET => "/consumer/suppliers/$sid/products", @C ],
    [ GET => '/consumer/products', @C ],
    [ GET => "/consumer/products/$pid", @C ],
    [ GET => '/catalog', @C ],
    [ GET => "/catalog/$pid", @C ],
    [ GET => '/consumer/links', @C ],
    [ GET => '/consumer/supplier-links', @C ],
    [ GET => '/consumer/link-requests', @C ],
    [ DELETE => "/consumer/link-requests/$lid", @C ],
    [ GET => '/consumer/linked-suppliers', @C ],
    [ GET => '/consumer/products/categories', @C ],
    [ GET => '/supplier/me', @STAFF ],
    [ PUT => '/supplier/me', @W ],
    [ PATCH => '/supplier/me', @W ],
    [ GET => '/supplier/profile', @STAFF ],
    [ PUT => '/supplier/profile', @W ],
    [ PATCH => '/supplier/profile', @W ],
    [ GET => '/supplier/consumer-links', @STAFF ],
    [ GET => "/supplier/consumer-links/$lid", @STAFF ],
    (map { [ POST => "/supplier/consumer-links/$lid/$_", @W ] } qw(approve reject block unblock)),
    [ GET => '/supplier/products', @STAFF ],
    [ POST => '/supplier/products', @W ],
    [ GET => "/supplier/products/$pid", @STAFF ],
    [ PUT => "/supplier/products/$pid", @W ],
    [ PATCH => "/supplier/products/$pid", @W ],
    [ POST => '/supplier/products/bulk-update', @W ],
    [ GET => '/products', @C, @STAFF ],
    [ POST => '/products', @W ],
    [ GET => "/products/$pid", @STAFF ],
    [ PUT => "/products/$pid", @W ],
    [ PATCH => "/products/$pid", @W ],
    [ POST => '/products/bulk-update', @W ],
    [ POST => '/links/requests', @C ],
    [ GET => '/links', @C, @STAFF ],
    [ GET => '/links/incoming', @STAFF ],
    [ GET => "/links/$lid", @C, @STAFF ],
    [ PATCH => "/links/$lid/status", @W ],
    [ POST => '/uploads', @ANY ],
    [ POST => '/upload', @ANY ],
    [ POST => '/consumer/orders', @C ],
    [ GET => '/consumer/orders', @C ],
    [ GET => '/consumer/orders/current', @C ],
    [ GET => "/consumer/orders/$oid", @C ],
    [ GET => "/consumer/orders/$oid/track", @C ],
    [ POST => "/consumer/orders/$oid/cancel", @C ],
    [ GET => '/supplier/orders', @STAFF ],
    [ GET => "/supplier/orders/$oid", @STAFF ],
    (map { [ POST => "/supplier/orders/$oid/$_", @W ] } qw(accept reject start complete)),
    [ GET => '/supplier/dashboard/stats', @STAFF ],
    [ GET => '/supplier/dashboard', @STAFF ],
    [ GET => '/supplier/users', 'owner' ],
    [ POST => '/supplier/users', 'owner' ],
    [ GET => "/supplier/users/$uid", 'owner' ],
    [ PATCH => "/supplier/users/$uid", 'owner' ],
    [ PUT => "/supplier/users/$uid", 'owner' ],
    [ DELETE => "/supplier/users/$uid", 'owner' ],
    [ DELETE => "/supplier/products/$pid", @W ],
    [ DELETE => "/products/$pid", @W ],
);

my $calls = 0;
for my $route (@routes) {
    my ($method, $path, @allowed) = @$route;
    my %ok = map { $_ => 1 } @allowed;
    my $public = $ok{public};
    my $call = sub {
        my %o = @_;
        $calls++;
        return $s->req($method, "/api/v1$path", $method =~ /^(POST|PUT|PATCH)$/ ? {} : undef, %o);
    };
    my $r = $call->();
    if ($public) {
        is $r->{status}, 200, "$method $path: public";
    } else {
        is api_error($r), '401 UNAUTHORIZED', "$method $path: no token, 401";
    }
    # Refused roles first: they must change nothing the allowed calls then rely on.
    for my $role (grep { !$ok{$_} && !$public } @ANY) {
        is api_error($call->(token => $tok{$role})), '403 FORBIDDEN', "$method $path: $role, 403";
    }
    for my $role ($public ? @ANY : @allowed) {
        my $st = $call->(token => $tok{$role})->{status};
        ok $st != 401 && $st != 403 && $st != 405 && $st < 500, "$method $path: $role reaches it ($st)";
    }
}
note "$calls calls";

done_testing;
