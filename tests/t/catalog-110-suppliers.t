# Supplier profiles (GET·PUT /supplier/me, /supplier/profile), discovery (GET /suppliers)
# and public profiles (GET /suppliers/:id).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s, name => 'Green Valley Produce');
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $con = new_consumer($s);

# --- the profile -------------------------------------------------------------------------
my $r = $s->get('/api/v1/supplier/me', token => $sup->{token});
is $r->{status}, 200, 'GET /supplier/me';
is $r->{json}{id}, $sup->{id}, 'the caller\'s supplier';
is $r->{json}{name}, 'Green Valley Produce', 'named at sign-up';
is $r->{json}{currency}, 'USD', 'USD by default';
is raw($r, 'tax_rate'), '0.00', 'no tax by default';
is $r->{json}{low_stock_threshold}, 10, 'threshold 10 by default';
is $s->get('/api/v1/supplier/profile', token => $rep->{token})->{status}, 200,
    'the /supplier/profile alias, and a sales rep may read it';

$r = $s->req('PUT', '/api/v1/supplier/me', {
    name => 'Green Valley', description => 'Organic vegetables', currency => 'EUR',
    tax_rate => 7.5, shipping_fee => '12.5', low_stock_threshold => 3,
    email => 'sales@greenvalley.example', phone_number => '+14155550123',
    address => '1 Farm Lane', id => '00000000-0000-4000-8000-000000000000',
    created_at => '2000-01-01T00:00:00Z' }, token => $sup->{token});
is $r->{status}, 200, 'PUT /supplier/me';
is $r->{json}{name}, 'Green Valley', 'name changed';
is $r->{json}{currency}, 'EUR', 'currency changed';
is raw($r, 'tax_rate'), '7.50', 'tax rate as a percentage with 2 decimals';
is raw($r, 'shipping_fee'), '12.50', 'shipping fee as an amount';
is $r->{json}{low_stock_threshold}, 3, 'threshold changed';
is $r->{json}{id}, $sup->{id}, 'the id is not the body\'s';
isnt substr($r->{json}{created_at}, 0, 4), '2000', 'created_at is not the body\'s';
is $s->sql("SELECT tax_rate_bp || ' ' || shipping_fee_minor FROM suppliers WHERE id = :'p1'",
    $sup->{id}), '750 1250', 'stored exactly: basis points and minor units';

$r = $s->req('PATCH', '/api/v1/supplier/profile', { description => undef }, token => $mgr->{token});
is $r->{status}, 200, 'a manager may update it (PATCH, alias)';
is $r->{json}{description}, undef, 'null clears a field';
is $r->{json}{name}, 'Green Valley', 'absent fields stay';

my @bad = (
    [ { name => '' }, 'name' ],
    [ { name => undef }, 'name' ],
    [ { name => 'x' x 201 }, 'name' ],
    [ { currency => 'euro' }, 'currency' ],
    [ { currency => 'eur' }, 'currency' ],
    [ { tax_rate => 100.01 }, 'tax_rate' ],
    [ { tax_rate => -1 }, 'tax_rate' ],
    [ { tax_rate => 7.125 }, 'tax_rate' ],
    [ { tax_rate => 'seven' }, 'tax_rate' ],
    [ { shipping_fee => -0.01 }, 'shipping_fee' ],
    [ '{"shipping_fee": 1e3}', 'shipping_fee' ],
    [ '{"shipping_fee": 99999999999}', 'shipping_fee' ],
    [ { low_stock_threshold => -1 }, 'low_stock_threshold' ],
    [ { low_stock_threshold => 1.5 }, 'low_stock_threshold' ],
    [ { email => 'not-an-email' }, 'email' ],
    [ { phone_number => '12345' }, 'phone_number' ],
    [ { logo_url => 'https://evil.example/x.png' }, 'logo_url' ],
    [ { logo_url => '/media/images/' . ('a' x 32) . '.png' }, 'logo_url' ],
    [ { logo_url => '/media/../../etc/passwd' }, 'logo_url' ],
    [ { description => 'x' x 2001 }, 'description' ],
);
for my $case (@bad) {
    my ($body, $field) = @$case;
    $r = $s->req('PUT', '/api/v1/supplier/me', $body, token => $sup->{token});
    is api_error($r), '422 VALIDATION_ERROR', "bad $field: 422";
    is_deeply field_errors($r), [$field], "names $field";
}
$r = $s->req('PUT', '/api/v1/supplier/me', { name => '', tax_rate => 200 }, token => $sup->{token});
is_deeply field_errors($r), [qw(name tax_rate)], 'every bad field is reported at once';
is $s->get('/api/v1/supplier/me', token => $sup->{token})->{json}{currency}, 'EUR',
    'nothing changed by refused updates';

$r = $s->req('PUT', '/api/v1/supplier/me', '{"name": ', token => $sup->{token});
is api_error($r), '400 BAD_REQUEST', 'malformed JSON: 400';
$r = $s->req('PUT', '/api/v1/supplier/me', '[1]', token => $sup->{token});
is api_error($r), '400 BAD_REQUEST', 'not an object: 400';
$r = $s->req('PUT', '/api/v1/supplier/me', 'name=x', token => $sup->{token},
             type => 'application/x-www-form-urlencoded');
is api_error($r), '415 UNSUPPORTED_MEDIA_TYPE', 'not JSON: 415';

is api_error($s->req('PUT', '/api/v1/supplier/me', { name => 'X' }, token => $rep->{token})),
    '403 FORBIDDEN', 'a sales rep may not update the profile';
is api_error($s->req('PUT', '/api/v1/supplier/me', { name => 'X' }, token => $con->{token})),
    '403 FORBIDDEN', 'a consumer may not';
is api_error($s->get('/api/v1/supplier/me', token => $con->{token})), '403 FORBIDDEN',
    'a consumer has no supplier profile';
is api_error($s->get('/api/v1/supplier/me')), '401 UNAUTHORIZED', 'no token: 401';
is api_error($s->get('/api/v1/supplier/me', token => 'garbage')), '401 UNAUTHORIZED',
    'bad token: 401';

# --- discovery -----------------------------------------------------------------------------
my $other = new_supplier($s, name => 'Blue Sea Fish 100%');
new_product($s, $sup, name => 'Carrots');
new_product($s, $sup, name => 'Beets', is_active => JSON::PP::false);

$r = $s->get('/api/v1/suppliers', token => $con->{token});
is $r->{status}, 200, 'GET /suppliers';
ok $r->{json}{pagination}{total} >= 2, 'paginated';
my ($gv) = grep { $_->{id} eq $sup->{id} } @{ $r->{json}{results} };
is $gv->{name}, 'Green Valley', 'lists the supplier';
is $gv->{product_count}, 1, 'counting active products only';
is $gv->{link_status}, undef, 'no link yet';
ok !exists $gv->{low_stock_threshold}, 'internal settings are not shown';

$r = $s->get('/api/v1/suppliers?q=blue%20sea', token => $con->{token});
is_deeply [ map { $_->{id} } @{ $r->{json}{results} } ], [ $other->{id} ], '?q= searches names';
$r = $s->get('/api/v1/suppliers?search=100%25', token => $con->{token});
is_deeply [ map { $_->{id} } @{ $r->{json}{results} } ], [ $other->{id} ],
    'a % in the search is a literal %';
$r = $s->get('/api/v1/suppliers?q=organic', token => $con->{token});
is $r->{json}{pagination}{total}, 0, 'description no longer matches after it was cleared';
$r = $s->get('/api/v1/consumer/suppliers?page_size=1&page=2', token => $con->{token});
is $r->{status}, 200, '/consumer/suppliers alias';
is $r->{json}{pagination}{page_size}, 1, 'page_size honoured';
is scalar @{ $r->{json}{results} }, 1, 'one per page';
is api_error($s->get('/api/v1/suppliers?page=0')), '400 BAD_REQUEST', 'page 0: 400';
is api_error($s->get('/api/v1/suppliers?page_size=101')), '400 BAD_REQUEST', 'page_size 101: 400';
is $s->get('/api/v1/suppliers')->{status}, 200, 'anonymous callers may discover suppliers';
is api_error($s->get('/api/v1/suppliers', token => 'junk')), '401 UNAUTHORIZED',
    'but a bad token is refused';

# --- public profile --------------------------------------------------------------------------
$r = $s->get("/api/v1/suppliers/$sup->{id}");
is $r->{status}, 200, 'GET /suppliers/:id, anonymously';
is raw($r, 'tax_rate'), '7.50', 'with its terms';
is $s->get("/api/v1/consumer/suppliers/$sup->{id}", token => $con->{token})->{status}, 200,
    '/consumer/suppliers/:id alias';
is api_error($s->get('/api/v1/suppliers/00000000-0000-4000-8000-000000000000')),
    '404 NOT_FOUND', 'unknown id: 404';
is api_error($s->get('/api/v1/suppliers/not-a-uuid')), '404 NOT_FOUND', 'malformed id: 404';

# The link status shows to the consumer; a blocked consumer finds nothing.
my $link = link_up($s, $sup, $con);
is $s->get("/api/v1/suppliers/$sup->{id}", token => $con->{token})->{json}{link_status},
    'accepted', 'the consumer sees its link status';
$s->post("/api/v1/supplier/consumer-links/$link->{id}/block", undef, token => $sup->{token});
is api_error($s->get("/api/v1/suppliers/$sup->{id}", token => $con->{token})), '404 NOT_FOUND',
    'blocked: the supplier is not found';
$r = $s->get('/api/v1/suppliers?page_size=100', token => $con->{token});
ok !(grep { $_->{id} eq $sup->{id} } @{ $r->{json}{results} }), 'nor listed';
is $s->get("/api/v1/suppliers/$sup->{id}", token => new_consumer($s)->{token})->{status}, 200,
    'other consumers still see it';

done_testing;
