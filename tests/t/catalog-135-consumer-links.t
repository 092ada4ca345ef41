# The consumer app's link and catalog paths: GET /consumer/link-requests, DELETE
# /consumer/link-requests/:id (withdraw a pending request), GET /consumer/linked-suppliers,
# GET /consumer/products/categories, and is_linked on supplier objects.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $R = '/api/v1/consumer/link-requests';
my $L = '/api/v1/supplier/consumer-links';
my @sup = map { new_supplier($s, name => "Farm $_") } qw(A B C D E);
my $con = new_consumer($s);
my $c2 = new_consumer($s);
my $mgr = add_staff($s, $sup[0], 'manager');
sub ask { $s->post("/api/v1/consumer/suppliers/$_[0]{id}/link-request", $_[2] // {}, token => $_[1]{token})->{json} }
sub act { $s->post("$L/$_[1]{id}/$_[2]", undef, token => $_[0]{token}) }

# A accepted, B pending (with a message), C rejected, D blocked, E untouched.
my $la = ask($sup[0], $con);
act($sup[0], $la, 'approve');
my $lb = ask($sup[1], $con, { message => 'Hello B' });
my $lc = ask($sup[2], $con);
act($sup[2], $lc, 'reject');
my $ld = ask($sup[3], $con);
act($sup[3], $ld, 'approve');
act($sup[3], $ld, 'block');

# --- GET /consumer/link-requests ---------------------------------------------------------------
my $r = $s->get($R, token => $con->{token});
is $r->{status}, 200, 'GET /consumer/link-requests';
is_deeply [ map { $_->{supplier_name} } @{ $r->{json}{results} } ], [ 'Farm C', 'Farm B', 'Farm A' ],
    'the consumer\'s requests, newest first, the blocked one left out';
is $r->{json}{pagination}{total}, 3, 'paginated';
my ($b) = grep { $_->{id} eq $lb->{id} } @{ $r->{json}{results} };
is_deeply [ @$b{qw(supplier_id supplier_name status message)} ],
    [ $sup[1]{id}, 'Farm B', 'pending', 'Hello B' ], 'the fields the app reads';
ok exists $b->{$_}, "  $_ is there" for qw(supplier_logo_url requested_at responded_at approved_at rejected_at);
my ($a) = grep { $_->{id} eq $la->{id} } @{ $r->{json}{results} };
ok $a->{approved_at} && $a->{responded_at}, 'an accepted one has approved_at and responded_at';
my ($c) = grep { $_->{id} eq $lc->{id} } @{ $r->{json}{results} };
ok $c->{rejected_at} && !$c->{approved_at}, 'a rejected one has rejected_at';
is_deeply [ map { $_->{id} } @{ $s->get("$R?status=pending", token => $con->{token})->{json}{results} } ],
    [ $lb->{id} ], '?status=pending';
is $s->get("$R?status=blocked", token => $con->{token})->{json}{pagination}{total}, 0,
    '?status=blocked: none (a blocked consumer sees nothing of the supplier)';
is $s->get("$R?status=approved", token => $con->{token})->{json}{results}[0]{id}, $la->{id},
    '?status=approved is accepted';
is api_error($s->get("$R?status=maybe", token => $con->{token})), '400 BAD_REQUEST', '?status=maybe: 400';
is $s->get("$R?page_size=1&page=2", token => $con->{token})->{json}{results}[0]{id}, $lb->{id},
    'page 2 of size 1';
is $s->get($R, token => $c2->{token})->{json}{pagination}{total}, 0, 'another consumer sees none of them';
is api_error($s->get($R, token => $sup[0]{token})), '403 FORBIDDEN', 'staff: 403';
is api_error($s->get($R)), '401 UNAUTHORIZED', 'no token: 401';

# --- DELETE /consumer/link-requests/:id ----------------------------------------------------------
is api_error($s->del("$R/$lb->{id}", token => $c2->{token})), '404 NOT_FOUND', 'another consumer\'s: 404';
is api_error($s->del("$R/$lb->{id}", token => $sup[1]{token})), '403 FORBIDDEN', 'the supplier: 403';
is api_error($s->del("$R/not-a-uuid", token => $con->{token})), '404 NOT_FOUND', 'a malformed id: 404';
for my $case ([ $la, 'accepted' ], [ $lc, 'rejected' ]) {
    my ($l, $st) = @$case;
    $r = $s->del("$R/$l->{id}", token => $con->{token});
    is api_error($r), '409 INVALID_STATE', "withdraw a $st request: 409";
    like $r->{json}{error}{message}, qr/pending/, '  only a pending one';
}
is api_error($s->del("$R/$ld->{id}", token => $con->{token})), '404 NOT_FOUND', 'a blocked one: 404';
$r = $s->del("$R/$lb->{id}", token => $con->{token});
is_deeply [ $r->{status}, $r->{json}{success} ], [ 200, JSON::PP::true ], 'withdraw a pending request: 200';
is $s->sql("SELECT count(*) FROM consumer_links WHERE id = :'p1'", $lb->{id}), 0, 'the link is gone';
is $s->get("$L?status=pending", token => $sup[1]{token})->{json}{pagination}{total}, 0,
    'the supplier no longer sees it';
is api_error($s->del("$R/$lb->{id}", token => $con->{token})), '404 NOT_FOUND', 'withdrawing again: 404';
$r = $s->post("/api/v1/consumer/suppliers/$sup[1]{id}/link-request", {}, token => $con->{token});
is_deeply [ $r->{status}, $r->{json}{status} ], [ 201, 'pending' ], 'asking again afterwards: a new request';
is_deeply [ map { $s->get("$L/$_->{id}", token => $sup[$_->{n}]{token})->{json}{status} }
            { %$la, n => 0 }, { %$lc, n => 2 }, { %$ld, n => 3 } ],
    [ 'accepted', 'rejected', 'blocked' ], 'the refused withdrawals changed nothing';

# --- GET /consumer/linked-suppliers and is_linked -----------------------------------------------------
$r = $s->get('/api/v1/consumer/linked-suppliers', token => $con->{token});
is $r->{status}, 200, 'GET /consumer/linked-suppliers';
is_deeply [ map { $_->{id} } @{ $r->{json}{results} } ], [ $sup[0]{id} ], 'the accepted link only';
is_deeply [ @{ $r->{json}{results}[0] }{qw(name is_linked link_status)} ],
    [ 'Farm A', JSON::PP::true, 'accepted' ], 'supplier objects, is_linked';
is $r->{json}{pagination}{total}, 1, 'paginated';
is $s->get('/api/v1/consumer/linked-suppliers', token => $c2->{token})->{json}{pagination}{total}, 0,
    'none for a consumer without links';
is api_error($s->get('/api/v1/consumer/linked-suppliers', token => $mgr->{token})), '403 FORBIDDEN',
    'staff: 403';
my %disc = map { $_->{id} => $_ } @{ $s->get('/api/v1/consumer/suppliers?page_size=100',
                                             token => $con->{token})->{json}{results} };
is_deeply [ map { $disc{$_->{id}} ? $disc{$_->{id}}{is_linked} : 'hidden' } @sup ],
    [ JSON::PP::true, JSON::PP::false, JSON::PP::false, 'hidden', JSON::PP::false ],
    'discovery: is_linked for accepted only (the blocked supplier is not listed)';
is $s->get("/api/v1/suppliers/$sup[0]{id}", token => $con->{token})->{json}{is_linked}, JSON::PP::true,
    'a profile: is_linked';
is $s->get("/api/v1/suppliers/$sup[0]{id}")->{json}{is_linked}, JSON::PP::false, 'anonymous: false';
is $s->get("/api/v1/suppliers/$sup[0]{id}", token => $c2->{token})->{json}{is_linked}, JSON::PP::false,
    'another consumer: false';

# --- GET /consumer/products/categories ------------------------------------------------------------------
new_product($s, $sup[0], category => 'Vegetables');
new_product($s, $sup[0], category => 'dairy');
new_product($s, $sup[0], category => 'Dairy');
new_product($s, $sup[0]);
new_product($s, $sup[0], category => 'Hidden', is_active => JSON::PP::false);
my $gone = new_product($s, $sup[0], category => 'Deleted');
$s->del("/api/v1/supplier/products/$gone->{id}", token => $sup[0]{token});
new_product($s, $sup[2], category => 'Rejected supplier');
new_product($s, $sup[3], category => 'Blocked supplier');
my $e = new_product($s, $sup[4], category => 'Fruit');
$r = $s->get('/api/v1/consumer/products/categories', token => $con->{token});
is $r->{status}, 200, 'GET /consumer/products/categories (before /consumer/products/:id)';
is scalar(@{ $r->{json}{categories} }), 2, 'distinct, whatever the case';
is_deeply [ map { lc } @{ $r->{json}{categories} } ], [ 'dairy', 'vegetables' ],
    'sorted; the accepted suppliers\' listed products only';
my $ce = new_consumer($s);
link_up($s, $sup[4], $ce);
link_up($s, $sup[0], $ce);
is_deeply [ map { lc } @{ $s->get('/api/v1/consumer/products/categories', token => $ce->{token})
    ->{json}{categories} } ], [ 'dairy', 'fruit', 'vegetables' ], 'over every accepted supplier';
is_deeply $s->get("/api/v1/consumer/products/categories?supplier_id=$sup[4]{id}", token => $ce->{token})
    ->{json}{categories}, [ 'Fruit' ], '?supplier_id= narrows to one';
is_deeply $s->get('/api/v1/consumer/products/categories', token => $c2->{token})->{json},
    { categories => [] }, 'no links: an empty list';
is api_error($s->get('/api/v1/consumer/products/categories?supplier_id=x', token => $con->{token})),
    '400 BAD_REQUEST', 'a malformed supplier_id: 400';
is api_error($s->get('/api/v1/consumer/products/categories', token => $mgr->{token})), '403 FORBIDDEN',
    'staff: 403';
is $s->get("/api/v1/consumer/products/$e->{id}", token => $ce->{token})->{status}, 200,
    '/consumer/products/:id still answers';

done_testing;
