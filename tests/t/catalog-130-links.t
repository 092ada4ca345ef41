# Consumer ↔ supplier links (DESIGN §6) and the catalog they open:
#   pending → accepted | rejected; accepted → blocked; blocked → accepted; rejected → pending.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s, name => 'Harbor Fish');
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $other = new_supplier($s);
my $con = new_consumer($s, first_name => 'Carla', company_name => 'Carla\'s Kitchen');
my $T = $sup->{token};
my $L = '/api/v1/supplier/consumer-links';
my $cod = new_product($s, $sup, name => 'Cod', category => 'Fish', price => '12.00');
my $eel = new_product($s, $sup, name => 'Eel', category => 'Fish', is_active => JSON::PP::false);
my $crab = new_product($s, $sup, name => 'Crab', category => 'Shellfish', price => '30.00');
my $catalog = sub { $s->get("/api/v1/consumer/suppliers/$sup->{id}/products$_[1]", token => $_[0]) };
my $moves = sub { $s->sql("SELECT string_agg(coalesce(from_status, '-') || '>' || to_status"
    . " || ':' || actor_role, ' ' ORDER BY id) FROM consumer_link_events WHERE link_id = :'p1'", $_[0]) };

# --- before any link ----------------------------------------------------------------------------
is api_error($catalog->($con->{token}, '')), '403 FORBIDDEN', 'no link: the catalog is 403';
is api_error($s->get("/api/v1/consumer/products?supplier_id=$sup->{id}", token => $con->{token})),
    '403 FORBIDDEN', 'also through /consumer/products?supplier_id=';
is api_error($s->get("/api/v1/consumer/products/$cod->{id}", token => $con->{token})),
    '404 NOT_FOUND', 'a product of an unlinked supplier is not found';
is_deeply $s->get('/api/v1/consumer/products', token => $con->{token})->{json}{results}, [],
    'the catalog of all linked suppliers is empty';

# --- request ---------------------------------------------------------------------------------------
my $r = $s->post("/api/v1/suppliers/$sup->{id}/link-request",
                 { message => 'We run two restaurants', status => 'accepted' }, token => $con->{token});
is $r->{status}, 201, 'POST /suppliers/:id/link-request: 201';
my $link = $r->{json};
is $link->{status}, 'pending', 'pending, whatever the body says';
is $link->{message}, 'We run two restaurants', 'with its message';
is $link->{supplier}{name}, 'Harbor Fish', 'naming the supplier';
is $link->{consumer}{company_name}, 'Carla\'s Kitchen', 'and the consumer';
is api_error($s->post("/api/v1/suppliers/$sup->{id}/link-request", undef, token => $con->{token})),
    '409 CONFLICT', 'asking again while pending: 409 CONFLICT';
is api_error($catalog->($con->{token}, '')), '403 FORBIDDEN', 'pending: still 403';
is api_error($s->post("/api/v1/suppliers/$sup->{id}/link-request", { message => 'x' x 1001 },
    token => new_consumer($s)->{token})), '422 VALIDATION_ERROR', 'message too long: 422';
is api_error($s->req('POST', "/api/v1/suppliers/$sup->{id}/link-request", '{"message":',
    token => new_consumer($s)->{token})), '400 BAD_REQUEST', 'a malformed body: 400';
is api_error($s->req('POST', "/api/v1/suppliers/$sup->{id}/link-request", 'hello',
    token => new_consumer($s)->{token}, type => 'text/plain')), '415 UNSUPPORTED_MEDIA_TYPE',
    'a body that is not JSON: 415';
is api_error($s->post('/api/v1/suppliers/00000000-0000-4000-8000-000000000000/link-request', undef,
    token => $con->{token})), '404 NOT_FOUND', 'unknown supplier: 404';
is api_error($s->post("/api/v1/suppliers/$sup->{id}/link-request", undef, token => $rep->{token})),
    '403 FORBIDDEN', 'staff may not request links';
is api_error($s->post("/api/v1/suppliers/$sup->{id}/link-request", undef)), '401 UNAUTHORIZED',
    'no token: 401';

# --- lists --------------------------------------------------------------------------------------------
$r = $s->get("$L?status=pending", token => $rep->{token});
is $r->{status}, 200, 'GET /supplier/consumer-links: a sales rep may list';
is_deeply [ map { $_->{id} } @{ $r->{json}{results} } ], [ $link->{id} ], 'the pending request';
is $r->{json}{results}[0]{consumer}{name}, 'Carla', 'with who asked';
is $s->get("$L?status=accepted", token => $T)->{json}{pagination}{total}, 0, 'status filter';
is $s->get("$L?search=kitchen", token => $T)->{json}{pagination}{total}, 1, 'search by company';
is api_error($s->get("$L?status=nope", token => $T)), '400 BAD_REQUEST', 'unknown status: 400';
is $s->get($L, token => $other->{token})->{json}{pagination}{total}, 0,
    'another supplier sees none of it';
$r = $s->get('/api/v1/consumer/links', token => $con->{token});
is_deeply [ map { $_->{status} } @{ $r->{json}{results} } ], ['pending'], 'GET /consumer/links';
is $s->get('/api/v1/consumer/supplier-links?status=accepted', token => $con->{token})
    ->{json}{pagination}{total}, 0, '/consumer/supplier-links alias with a status filter';
is api_error($s->get('/api/v1/consumer/links', token => $T)), '403 FORBIDDEN',
    'staff have no consumer links';
is api_error($s->get($L, token => $con->{token})), '403 FORBIDDEN', 'consumers may not list a supplier\'s';

# --- decisions ---------------------------------------------------------------------------------------
is api_error($s->post("$L/$link->{id}/approve", undef, token => $rep->{token})), '403 FORBIDDEN',
    'a sales rep may not approve';
is api_error($s->post("$L/$link->{id}/approve", undef, token => $con->{token})), '403 FORBIDDEN',
    'nor the consumer';
is api_error($s->post("$L/$link->{id}/approve", undef, token => $other->{token})), '404 NOT_FOUND',
    'another supplier\'s link: 404';
is $s->get("$L/$link->{id}", token => $T)->{json}{status}, 'pending', 'and it did not change';
# (unblock a pending link is allowed: actions name only their target, and unblock, like
# approve, leads to accepted; see the third consumer below.)
for my $bad ([ 'block', 'pending', 'blocked' ]) {
    my ($action, $from, $to) = @$bad;
    $r = $s->post("$L/$link->{id}/$action", undef, token => $T);
    is api_error($r), '409 INVALID_STATE', "$action a $from link: 409";
    like $r->{json}{error}{message}, qr/^cannot move from $from to $to/, '  cannot move from X to Y';
}
$r = $s->post("$L/$link->{id}/approve", undef, token => $mgr->{token});
is $r->{status}, 200, 'a manager approves';
is $r->{json}{status}, 'accepted', 'accepted';
ok $r->{json}{approved_at}, 'approved_at set';
is_deeply [ @{ $r->{json} }{qw(rejected_at blocked_at)} ], [ undef, undef ], 'no rejection, no block';
is $r->{json}{responded_at}, $r->{json}{decided_at}, 'responded_at is the decision\'s time';
for my $bad ([ 'approve', 'accepted', 'accepted' ], [ 'reject', 'accepted', 'rejected' ],
             [ 'unblock', 'accepted', 'accepted' ]) {
    my ($action, $from, $to) = @$bad;
    $r = $s->post("$L/$link->{id}/$action", undef, token => $T);
    is api_error($r), '409 INVALID_STATE', "$action an $from link: 409";
    like $r->{json}{error}{message}, qr/^cannot move from $from to $to/, '  cannot move from X to Y';
}
$r = $s->post("/api/v1/suppliers/$sup->{id}/link-request", undef, token => $con->{token});
is api_error($r), '409 INVALID_STATE', 'asking again once accepted: 409 INVALID_STATE';

# --- the catalog ---------------------------------------------------------------------------------------
$r = $catalog->($con->{token}, '');
is $r->{status}, 200, 'accepted: the catalog opens';
is_deeply [ map { $_->{name} } @{ $r->{json}{results} } ], [ 'Cod', 'Crab' ],
    'active products only, by name';
is raw($r, 'price'), '12.00', 'prices as decimals';
is $s->get("/api/v1/suppliers/$sup->{id}/products?category=shellfish", token => $con->{token})
    ->{json}{results}[0]{name}, 'Crab', '/suppliers/:id/products alias with a category filter';
$r = $s->get("/api/v1/consumer/products?supplier_id=$sup->{id}&sort_by=price&sort_order=desc",
             token => $con->{token});
is_deeply [ map { $_->{name} } @{ $r->{json}{results} } ], [ 'Crab', 'Cod' ], 'sorted by price';
is $s->get("/api/v1/catalog?supplier_id=$sup->{id}&search=cod", token => $con->{token})
    ->{json}{pagination}{total}, 1, '/catalog (seed 003) with a search';
is $s->get('/api/v1/products?page_size=1', token => $con->{token})->{json}{pagination}{total}, 2,
    'GET /products for a consumer is the catalog';
is api_error($s->get('/api/v1/consumer/products?supplier_id=nope', token => $con->{token})),
    '400 BAD_REQUEST', 'a malformed supplier_id: 400';
$r = $s->get("/api/v1/consumer/products/$cod->{id}", token => $con->{token});
is_deeply [ $r->{status}, $r->{json}{name} ], [ 200, 'Cod' ], 'GET /consumer/products/:id';
is api_error($s->get("/api/v1/consumer/products/$eel->{id}", token => $con->{token})),
    '404 NOT_FOUND', 'an inactive product is not found';
my $theirs = new_product($s, $other);
is api_error($s->get("/api/v1/consumer/products/$theirs->{id}", token => $con->{token})),
    '404 NOT_FOUND', 'nor one of an unlinked supplier';
is api_error($catalog->($rep->{token}, '')), '403 FORBIDDEN', 'staff do not browse catalogs';
is api_error($s->get('/api/v1/consumer/suppliers/00000000-0000-4000-8000-000000000000/products',
    token => $con->{token})), '404 NOT_FOUND', 'an unknown supplier\'s catalog: 404';

# A second linked supplier shows up in the all-suppliers catalog.
link_up($s, $other, $con);
$r = $s->get('/api/v1/consumer/products?sort_by=name&page_size=100', token => $con->{token});
is $r->{json}{pagination}{total}, 3, 'without supplier_id: every linked supplier';
ok((grep { $_->{supplier_id} eq $other->{id} } @{ $r->{json}{results} }), 'theirs included');

# --- block and unblock ------------------------------------------------------------------------------------
$r = $s->post("$L/$link->{id}/block", undef, token => $T);
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'blocked' ], 'block';
is api_error($s->post("$L/$link->{id}/block", undef, token => $T)), '409 INVALID_STATE',
    'block twice: 409';
ok $r->{json}{blocked_at}, 'blocked_at set';
is api_error($catalog->($con->{token}, '')), '404 NOT_FOUND', 'blocked: the catalog is not found';
is api_error($s->get("/api/v1/consumer/products/$cod->{id}", token => $con->{token})),
    '404 NOT_FOUND', 'nor its products';
is api_error($s->get("/api/v1/suppliers/$sup->{id}", token => $con->{token})), '404 NOT_FOUND',
    'nor the supplier';
is api_error($s->post("/api/v1/suppliers/$sup->{id}/link-request", undef, token => $con->{token})),
    '404 NOT_FOUND', 'asking again finds no supplier';
is api_error(new_order($s, $con, $sup, $cod, 1)), '403 FORBIDDEN',
    'ordering: 403 "supplier link not approved" (seed 000), nothing more said';
$r = $s->get('/api/v1/consumer/products?page_size=100', token => $con->{token});
ok !(grep { $_->{supplier_id} eq $sup->{id} } @{ $r->{json}{results} }),
    'its products left the all-suppliers catalog';
ok !(grep { $_->{supplier_id} eq $sup->{id} }
     @{ $s->get('/api/v1/consumer/links', token => $con->{token})->{json}{results} }),
    'the link is not in the consumer\'s list';
is api_error($s->get("/api/v1/links/$link->{id}", token => $con->{token})), '404 NOT_FOUND',
    'nor readable by id';
is $s->get("$L?status=blocked", token => $T)->{json}{pagination}{total}, 1,
    'the supplier sees it blocked';
is $s->get("$L?status=approved", token => $T)->{json}{pagination}{total},
   $s->get("$L?status=accepted", token => $T)->{json}{pagination}{total},
   'status=approved (seed 003) is status=accepted';
$r = $s->post("$L/$link->{id}/unblock", undef, token => $T);
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'accepted' ], 'unblock: accepted again';
is $catalog->($con->{token}, '')->{status}, 200, 'and the catalog is back';
is $moves->($link->{id}),
    '->pending:consumer pending>accepted:manager accepted>blocked:owner blocked>accepted:owner',
    'every move recorded with who';
is $s->sql("SELECT count(*) FROM consumer_link_events WHERE link_id = :'p1' AND actor_id IS NOT NULL"
    . " AND at IS NOT NULL", $link->{id}), 4, 'and when';
# Approve is "to accepted" too, from wherever the machine allows: a blocked link as well.
$s->post("$L/$link->{id}/block", undef, token => $T);
$r = $s->post("$L/$link->{id}/approve", undef, token => $T);
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'accepted' ], 'approve a blocked link: accepted';
ok $r->{json}{approved_at} gt $r->{json}{requested_at} && $r->{json}{blocked_at},
    '  approved_at is the latest approval; blocked_at stays the latest block';

# --- reject, and ask again ------------------------------------------------------------------------------------
my $c2 = new_consumer($s);
my $l2 = $s->post("/api/v1/consumer/suppliers/$sup->{id}/link-request", undef, token => $c2->{token})->{json};
$r = $s->post("$L/$l2->{id}/reject", undef, token => $T);
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'rejected' ], 'reject';
ok $r->{json}{rejected_at}, 'rejected_at set';
is api_error($s->post("$L/$l2->{id}/block", undef, token => $T)), '409 INVALID_STATE',
    'block a rejected link: 409';
is $s->get('/api/v1/consumer/links?status=rejected', token => $c2->{token})->{json}{pagination}{total},
    1, 'the consumer sees the rejection';
is api_error($catalog->($c2->{token}, '')), '403 FORBIDDEN', 'rejected: 403';
$r = $s->post("/api/v1/suppliers/$sup->{id}/link-request", { message => 'Please reconsider' },
              token => $c2->{token});
is_deeply [ $r->{status}, $r->{json}{status}, $r->{json}{id} ], [ 201, 'pending', $l2->{id} ],
    'asking again after a rejection: pending again, same link';
is $moves->($l2->{id}), '->pending:consumer pending>rejected:owner rejected>pending:consumer',
    'recorded';
is $r->{json}{rejected_at}, undef, 'a new request clears the old decision';
# The supplier changes its mind: a rejected link is approved directly (the portal's
# "Approve" button on a rejected request).
$s->post("$L/$l2->{id}/reject", undef, token => $T);
$r = $s->post("$L/$l2->{id}/approve", undef, token => $mgr->{token});
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'accepted' ], 'approve a rejected link: accepted';
ok $r->{json}{approved_at} && $r->{json}{rejected_at}, '  with approved_at and rejected_at';
is $catalog->($c2->{token}, '')->{status}, 200, '  and the catalog opens';
is $moves->($l2->{id}), '->pending:consumer pending>rejected:owner rejected>pending:consumer'
    . ' pending>rejected:owner rejected>accepted:manager', '  recorded';

# --- concurrent requests: exactly one link ---------------------------------------------------------------
my $c3 = new_consumer($s);
my @res = parallel(10, sub {
    $s->post("/api/v1/suppliers/$sup->{id}/link-request", undef, token => $c3->{token})->{status};
});
is_deeply [ sort @res ], [ 201, (409) x 9 ], '10 concurrent requests: one 201, nine 409';
is $s->sql("SELECT count(*) FROM consumer_links WHERE consumer_id = :'p1'", $c3->{id}), 1,
    'one link row';
my $l3 = $s->get('/api/v1/consumer/links', token => $c3->{token})->{json}{results}[0]{id};
$r = $s->post("$L/$l3/unblock", undef, token => $T);
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'accepted' ],
    'unblock a pending link: accepted (the same move as approve)';
is api_error($s->post("$L/$l3/reject", undef, token => $T)), '409 INVALID_STATE',
    'reject an accepted link: 409';

# --- seed 003's paths --------------------------------------------------------------------------------------
my $c4 = new_consumer($s);
$r = $s->post('/api/v1/links/requests', { supplier_id => $sup->{id} }, token => $c4->{token});
is $r->{status}, 201, 'POST /links/requests';
my $l4 = $r->{json}{id};
is api_error($s->post('/api/v1/links/requests', { supplier_id => 'x' }, token => $c4->{token})),
    '422 VALIDATION_ERROR', 'a bad supplier_id: 422';
is $s->get('/api/v1/links', token => $c4->{token})->{json}{results}[0]{id}, $l4,
    'GET /links for a consumer: its links';
ok scalar(grep { $_->{id} eq $l4 } @{ $s->get('/api/v1/links/incoming?status=pending',
    token => $T)->{json}{results} }), 'GET /links/incoming';
ok scalar(grep { $_->{id} eq $l4 } @{ $s->get('/api/v1/links?page_size=100',
    token => $T)->{json}{results} }), 'GET /links for staff: the supplier\'s';
is $s->get("/api/v1/links/$l4", token => $c4->{token})->{json}{status}, 'pending', 'GET /links/:id';
is api_error($s->get("/api/v1/links/$l4", token => $other->{token})), '404 NOT_FOUND',
    'not for another supplier';
is api_error($s->get("/api/v1/links/$l4", token => $con->{token})), '404 NOT_FOUND',
    'nor another consumer';
$r = $s->req('PATCH', "/api/v1/links/$l4/status", { status => 'accepted' }, token => $T);
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'accepted' ], 'PATCH /links/:id/status';
is api_error($s->req('PATCH', "/api/v1/links/$l4/status", { status => 'denied' }, token => $T)),
    '409 INVALID_STATE', 'denying an accepted link: 409';
is api_error($s->req('PATCH', "/api/v1/links/$l4/status", { status => 'maybe' }, token => $T)),
    '422 VALIDATION_ERROR', 'an unknown status: 422';
is $s->req('PATCH', "/api/v1/links/$l4/status", { status => 'blocked' }, token => $T)->{json}{status},
    'blocked', 'blocked';
is $s->req('PATCH', "/api/v1/links/$l4/status", { status => 'approved' }, token => $T)->{json}{status},
    'accepted', 'approved (= accepted) unblocks';

done_testing;
