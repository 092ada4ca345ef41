package SCPB2B;
# Helpers for the B2B tests (tests/t/{catalog,orders}-1NN-*.t): suppliers with staff, products, consumers
# linked to them, orders.  Everything goes through the HTTP API, as a client would.
use strict;
use warnings;
use Exporter 'import';

our @EXPORT = qw(new_supplier add_staff new_consumer link_up new_product new_order
                 api_error field_errors raw);

my $seq = 0;

# An owner who signed up with a new supplier: {owner, token, id, user}.
sub new_supplier {
    my ($s, %f) = @_;
    $seq++;
    my $o = $s->signup(role => 'owner', supplier_name => $f{name} // "Supplier $seq.$$",
                       first_name => 'Owner');
    return { owner => $o, token => $o->{access_token}, id => $o->{user}{supplier_id},
             user => $o->{user} };
}

# A manager or sales rep of the supplier, created by its owner and signed in.
sub add_staff {
    my ($s, $sup, $role) = @_;
    $seq++;
    my $email = "$role$seq.$$\@example.com";
    my $r = $s->post('/api/v1/supplier/users',
        { email => $email, password => 'password123', role => $role,
          first_name => ucfirst $role },
        token => $sup->{token});
    die "staff create: $r->{status} $r->{content}" unless $r->{status} == 201;
    my $l = $s->post('/api/v1/auth/login', { email => $email, password => 'password123' });
    die "staff login: $l->{status} $l->{content}" unless $l->{status} == 200;
    return { %{ $l->{json} }, token => $l->{json}{access_token}, id => $r->{json}{id},
             email => $email };
}

# A consumer (restaurant): {token, id, user}.
sub new_consumer {
    my ($s, %f) = @_;
    my $c = $s->signup(company_name => 'Bistro', %f);
    return { %$c, token => $c->{access_token}, id => $c->{user}{id} };
}

# Request a link and have the supplier's owner approve it; returns the link.
sub link_up {
    my ($s, $sup, $con) = @_;
    my $r = $s->post("/api/v1/suppliers/$sup->{id}/link-request", {}, token => $con->{token});
    die "link request: $r->{status} $r->{content}" unless $r->{status} == 201;
    my $a = $s->post("/api/v1/supplier/consumer-links/$r->{json}{id}/approve", undef,
                     token => $sup->{token});
    die "approve: $a->{status} $a->{content}" unless $a->{status} == 200;
    return $a->{json};
}

sub new_product {
    my ($s, $sup, %f) = @_;
    $seq++;
    my $r = $s->post('/api/v1/supplier/products',
        { name => "Product $seq", price => '10.00', stock_level => 100, %f },
        token => $sup->{token});
    die "product: $r->{status} $r->{content}" unless $r->{status} == 201;
    return $r->{json};
}

# An order of (product, quantity) pairs; returns the whole response.
sub new_order {
    my ($s, $con, $sup, @lines) = @_;
    my @items;
    while (my ($p, $q) = splice @lines, 0, 2) {
        push @items, { product_id => ref $p ? $p->{id} : $p, quantity => $q };
    }
    return $s->post('/api/v1/consumer/orders', { supplier_id => $sup->{id}, items => \@items },
                    token => $con->{token});
}

# "STATUS CODE" of an error response, for compact assertions.
sub api_error {
    my ($r) = @_;
    return "$r->{status} " . ($r->{json} && ref $r->{json} eq 'HASH' && $r->{json}{error}
                              ? $r->{json}{error}{code} : '-');
}

# The fields named by a 422 answer, sorted.
sub field_errors {
    my ($r) = @_;
    return [] unless $r->{json} && ref $r->{json} eq 'HASH' && $r->{json}{error}
                     && $r->{json}{error}{details};
    return [ sort map { $_->{field} } @{ $r->{json}{error}{details}{fields} || [] } ];
}

# The literal text of the first number named key in a response: amounts must read
# "12.50", which a JSON decoder would turn into 12.5.
sub raw {
    my ($r, $key) = @_;
    return $r->{content} =~ /"\Q$key\E"\s*:\s*(-?[0-9][0-9.]*)/ ? $1 : undef;
}

1;
