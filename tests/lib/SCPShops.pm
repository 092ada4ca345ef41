package SCPShops;
# Helpers for the shop tests (tests/t/shops-7*.t; the payment tests 770, 775, 776 and 780
# use the most): accounts, a shop with its staff in each role and another shop, orders
# placed through a form as a customer places them, the member lists' checks, and the
# error answer's parts the tests compare.
use strict;
use warnings;
use Exporter 'import';
use JSON::PP ();
use Test::More ();

our @EXPORT = qw(shop_account shop_staff shop_order shop_call fields_of err pstatus stripe_form
                 ORIGIN);
our @EXPORT_OK = qw(member_list_checks);

# The frontend's Origin, allowed by the tests that start with SCP_CORS_ORIGINS => ORIGIN.
use constant ORIGIN => 'http://shop.example';

my $n = 0;

# A registered account {token, id, email}; tag keeps the tests' users apart in the logs.
sub shop_account {
    my ($s, $tag) = @_;
    $n++;
    my $email = "$tag$n.$$\@example.com";
    my $r = $s->post('/api/auth/register', { email => $email, password => 'password123',
                                             username => "$tag$n" });
    die "register: $r->{status} $r->{content}" unless $r->{status} == 201;
    return { token => $r->{json}{data}{token}, id => $r->{json}{data}{user}{id},
             email => $email };
}

# The shop Teak (USD) of owner, with a support_agent, an order_manager and an admin, and
# the shop Other (USD) of stranger, who is no member of Teak:
# {owner, stranger, agent, manager, admin, shop, other}.
sub shop_staff {
    my ($s, $tag) = @_;
    my %w;
    @w{qw(owner stranger agent manager admin)} = map { shop_account($s, $tag) } 1 .. 5;
    $w{shop} = $s->post('/api/shops', { name => 'Teak' }, token => $w{owner}{token})->{json}{data};
    $w{other} = $s->post('/api/shops', { name => 'Other' }, token => $w{stranger}{token})->{json}{data};
    $s->sql("UPDATE shops SET currency = 'USD' WHERE id IN ('$w{shop}{id}', '$w{other}{id}')");
    $s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
            . " ('$w{shop}{id}', '$w{agent}{id}', 'support_agent'),"
            . " ('$w{shop}{id}', '$w{manager}{id}', 'order_manager'),"
            . " ('$w{shop}{id}', '$w{admin}{id}', 'admin')");
    return \%w;
}

# An order of shop sh (its member's token tok), placed through a form: qty chairs at
# 19.99.  Its id.
sub shop_order {
    my ($s, $sh, $tok, $qty) = @_;
    my $p = $s->post("/api/shops/$sh->{id}/products", { name => 'Chair', retailPrice => 19.99,
                     stock => 100 }, token => $tok)->{json}{data};
    my $f = $s->post("/api/shops/$sh->{id}/forms", { name => 'Order', fields => [
        { id => 'name', type => 'Short Text', label => 'Name', required => JSON::PP::true },
        { id => 'items', type => 'Item Selector', label => 'Items', required => JSON::PP::true },
    ] }, token => $tok)->{json}{data};
    my $r = $s->post("/api/shops/$sh->{id}/forms/$f->{id}/submissions",
                     { customFields => { name => 'Aung' },
                       orderedProducts => [ { productId => $p->{id}, quantity => $qty // 1 } ] });
    die "order: $r->{content}" unless $r->{status} == 201;
    return $r->{json}{data}{orderId};
}

# A call as the frontend makes it: who's session cookie, from the allowed Origin.
sub shop_call {
    my ($s, $who, $m, $path, $body, %h) = @_;
    return $s->req($m, $path, $body, headers => { Cookie => "scp_session=$who->{token}",
                                                  Origin => ORIGIN, %h });
}

# The fields of a 422 answer, {field => message}.
sub fields_of {
    my ($r) = @_;
    return { map { $_->{field} => $_->{message} } @{ $r->{json}{error}{details}{fields} || [] } };
}

# "status CODE" of an answer.
sub err { my ($r) = @_; "$r->{status} " . ($r->{json}{error}{code} // '-') }

# The form a request to the Stripe fake carried (its application/x-www-form-urlencoded
# body), {key => value}.
sub stripe_form {
    my ($q) = @_;
    my %f;
    for (split /&/, $q->{body} // '') {
        my ($k, $v) = map { my $x = $_ // ''; $x =~ tr/+/ /; $x =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; $x }
            split /=/, $_, 2;
        $f{$k} = $v;
    }
    return \%f;
}

# A shop order's payment status.
sub pstatus { $_[0]->sql("SELECT payment_status FROM shop_orders WHERE id = :'p1'", $_[1]) }

# A member list's checks (tests/t/shops-7{20,40,50,55}-*.t): the member check is in the
# list's one statement, so no member is 404, a member's empty list an empty page, and a
# shop that does not exist 404 like another's.  $what is the list ("products"…), $other a
# shop of $stranger's with none of them, $token a caller who is no member of $other.
sub member_list_checks {
    my ($s, $what, $other, $stranger, $token) = @_;
    my $r = $s->get("/api/shops/$other->{id}/$what", token => $stranger->{token});
    Test::More::is($r->{status}, 200, "the stranger's own shop without $what: 200");
    Test::More::is_deeply($r->{json}{data}, [], '... no rows');
    Test::More::is($r->{json}{pagination}{total}, 0, '... total 0');
    $r = $s->get("/api/shops/$other->{id}/$what", token => $token);
    Test::More::is($r->{status}, 404, "... and the same empty shop to a non-member: 404");
    $r = $s->get("/api/shops/00000000-0000-4000-8000-000000000000/$what", token => $token);
    Test::More::is($r->{status}, 404, 'a shop that does not exist: 404');
    Test::More::is($r->{json}{error}{code}, 'NOT_FOUND', '... the error envelope');
}

1;
