# Catalog orders: creation (link, products, quantities, snapshotted prices, integer
# totals), lists and reads scoped to the caller, and the state machine of DESIGN §6:
#   pending → accepted (stock taken, all or nothing) | rejected | cancelled;
#   accepted → in_progress → completed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s, name => 'Valley Farms');
my $T = $sup->{token};
$s->req('PUT', '/api/v1/supplier/me', { tax_rate => '8.25', shipping_fee => 15 }, token => $T);
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $other = new_supplier($s);
my $con = new_consumer($s, first_name => 'Olga');
my $c2 = new_consumer($s);
link_up($s, $sup, $con);
link_up($s, $sup, $c2);
link_up($s, $other, $con);
my $tom = new_product($s, $sup, name => 'Tomato', price => '3.33', discount => 10, stock_level => 50,
                      sku => 'TOM', unit => 'kg');
my $oni = new_product($s, $sup, name => 'Onion', price => '1.00', stock_level => 100,
                      min_order_quantity => 2);
my $off = new_product($s, $sup, name => 'Off', is_active => JSON::PP::false);
my $gone = new_product($s, $sup, name => 'Gone');
$s->del("/api/v1/supplier/products/$gone->{id}", token => $T);
my $theirs = new_product($s, $other, name => 'Theirs');
my $O = '/api/v1/consumer/orders';
my $SO = '/api/v1/supplier/orders';
my $stock = sub { $s->sql("SELECT stock_level FROM products WHERE id = :'p1'", $_[0]{id}) };

# --- create ----------------------------------------------------------------------------------
my $r = $s->post($O, { supplier_id => $sup->{id}, notes => 'Back door, before 10',
    items => [ { product_id => $tom->{id}, quantity => 3, unit_price => '0.01', price => '0.01',
                 subtotal => '0.01' },
               { product_id => $oni->{id}, quantity => 2, stock => 0 } ],
    status => 'completed', total => '0.01', subtotal => '0.01', consumer_id => $c2->{id},
    tax => 0, shipping_fee => 0 }, token => $con->{token});
is $r->{status}, 201, 'POST /consumer/orders: 201';
my $o = $r->{json};
is $o->{status}, 'pending', 'pending, whatever the body says';
is $o->{consumer_id}, $con->{id}, 'the caller\'s order, whatever the body says';
is $o->{supplier_id}, $sup->{id}, 'for the supplier';
is $o->{currency}, 'USD', 'in the supplier\'s currency';
# Tomato: 3.33 - round(0.333) = 3.00 a unit, × 3 = 9.00; Onion 1.00 × 2 = 2.00.
# Subtotal 11.00, discount 0.99, tax round(0.9075) = 0.91, shipping 15.00, total 26.91.
is_deeply { map { $_ => raw($r, $_) } qw(subtotal discount_total tax_rate tax shipping_fee total) },
    { subtotal => '11.00', discount_total => '0.99', tax_rate => '8.25', tax => '0.91',
      shipping_fee => '15.00', total => '26.91' }, 'totals in integer minor units, as decimals';
is scalar @{ $o->{items} }, 2, 'two lines';
my ($l1, $l2) = @{ $o->{items} };
is_deeply [ @$l1{qw(product_id product_name sku unit quantity)} ], [ $tom->{id}, 'Tomato', 'TOM', 'kg', 3 ],
    'line 1 snapshots the product';
is_deeply [ map { 0 + $l1->{$_} } qw(unit_price discount discounted_unit_price discount_amount subtotal) ],
    [ 3.33, 10, 3, 0.99, 9 ], 'line 1 prices: the catalog\'s, not the body\'s';
is_deeply [ $l2->{quantity}, 0 + $l2->{subtotal} ], [ 2, 2 ], 'line 2';
is $o->{notes}, 'Back door, before 10', 'notes kept';
is_deeply [ map { $_->{status} } @{ $o->{status_history} } ], ['pending'], 'history starts';
is $o->{status_history}[0]{changed_by}, $con->{id}, 'with who';
is $stock->($tom), 50, 'ordering takes no stock';
is $s->sql("SELECT total_minor || ' ' || tax_minor FROM catalog_orders WHERE id = :'p1'", $o->{id}),
    '2691 91', 'stored in minor units';

# Prices are snapshotted.
$s->req('PUT', "/api/v1/supplier/products/$tom->{id}", { price => 99 }, token => $T);
is 0 + $s->get("$O/$o->{id}", token => $con->{token})->{json}{items}[0]{unit_price}, 3.33,
    'a later price change alters nothing';
$s->req('PUT', "/api/v1/supplier/products/$tom->{id}", { price => '3.33' }, token => $T);

# Rounding: half up, per unit for the discount and once on the subtotal for the tax.
my $rsup = new_supplier($s);
$s->req('PUT', '/api/v1/supplier/me', { tax_rate => 5 }, token => $rsup->{token});
link_up($s, $rsup, $con);
my $nick = new_product($s, $rsup, price => '0.05', discount => 50);
$r = new_order($s, $con, $rsup, $nick, 2);
is_deeply [ map { raw($r, $_) } qw(discounted_unit_price subtotal tax total) ],
    [ '0.02', '0.04', '0.00', '0.04' ], '0.05 at 50 %: 0.025 off rounds to 0.03; 5 % of 0.04 rounds to 0.00';
$r = new_order($s, $con, $rsup, $nick, 5);
is_deeply [ map { raw($r, $_) } qw(subtotal tax total) ], [ '0.10', '0.01', '0.11' ],
    '5 % of 0.10 is 0.005: rounds half up to 0.01';

# Without supplier_id: the products' supplier.
$r = $s->post($O, { items => [ { product_id => $oni->{id}, quantity => 4 } ] }, token => $con->{token});
is_deeply [ $r->{status}, $r->{json}{supplier_id} ], [ 201, $sup->{id} ], 'supplier_id inferred';

# --- creation refused -------------------------------------------------------------------------------
my @bad = (
    [ {}, ['items'] ],
    [ { items => [] }, ['items'] ],
    [ { items => 'x' }, ['items'] ],
    [ { items => [ (map { { product_id => $tom->{id}, quantity => 1 } } 1 .. 101) ] }, ['items'] ],
    [ { items => [ 5 ] }, ['items[0]'] ],
    [ { items => [ { quantity => 1 } ] }, ['items[0].product_id'] ],
    [ { items => [ { product_id => 'x', quantity => 1 } ] }, ['items[0].product_id'] ],
    [ { items => [ { product_id => $tom->{id} } ] }, ['items[0].quantity'] ],
    [ { items => [ { product_id => $tom->{id}, quantity => 0 } ] }, ['items[0].quantity'] ],
    [ { items => [ { product_id => $tom->{id}, quantity => -1 } ] }, ['items[0].quantity'] ],
    [ { items => [ { product_id => $tom->{id}, quantity => 1.5 } ] }, ['items[0].quantity'] ],
    [ { items => [ { product_id => $tom->{id}, quantity => '2' } ] }, ['items[0].quantity'] ],
    [ { items => [ { product_id => $tom->{id}, quantity => 100001 } ] }, ['items[0].quantity'] ],
    [ { items => [ { product_id => $tom->{id}, quantity => 1 }, { product_id => uc $tom->{id}, quantity => 1 } ] },
      ['items[1].product_id'] ],
    [ { supplier_id => 'x', items => [ { product_id => $tom->{id}, quantity => 1 } ] }, ['supplier_id'] ],
    [ { notes => 'x' x 1001, items => [ { product_id => $tom->{id}, quantity => 1 } ] }, ['notes'] ],
    [ { items => [ { product_id => $theirs->{id}, quantity => 1 } ] }, ['items[0].product_id'] ],
    [ { items => [ { product_id => $off->{id}, quantity => 1 } ] }, ['items[0].product_id'] ],
    [ { items => [ { product_id => $gone->{id}, quantity => 1 } ] }, ['items[0].product_id'] ],
    [ { items => [ { product_id => '00000000-0000-4000-8000-000000000000', quantity => 1 } ] },
      ['items[0].product_id'] ],
    [ { items => [ { product_id => $oni->{id}, quantity => 1 } ] }, ['items[0].quantity'] ],
    [ { items => [ { product_id => $tom->{id}, quantity => 51 }, { product_id => $oni->{id}, quantity => 1 } ] },
      [ 'items[0].quantity', 'items[1].quantity' ] ],
);
my $count = $s->sql('SELECT count(*) FROM catalog_orders');
for my $case (@bad) {
    my ($body, $fields) = @$case;
    $body->{supplier_id} //= $sup->{id} if $body->{items} && ref $body->{items} && @{ $body->{items} }
        && !exists $body->{supplier_id};
    $r = $s->post($O, $body, token => $con->{token});
    is api_error($r), '422 VALIDATION_ERROR', "422 for @$fields";
    is_deeply field_errors($r), $fields, '  naming ' . join(', ', @$fields);
}
like $s->post($O, { supplier_id => $sup->{id}, items => [ { product_id => $oni->{id}, quantity => 1 } ] },
    token => $con->{token})->{json}{error}{details}{fields}[0]{message}, qr/at least 2/,
    'the minimum is explained';
like $s->post($O, { supplier_id => $sup->{id}, items => [ { product_id => $tom->{id}, quantity => 51 } ] },
    token => $con->{token})->{json}{error}{details}{fields}[0]{message}, qr/only 50 in stock/,
    'and the stock';
is $s->sql('SELECT count(*) FROM catalog_orders'), $count, 'no order was written by any of them';
is api_error($s->req('POST', $O, '{"items": [', token => $con->{token})), '400 BAD_REQUEST',
    'malformed JSON: 400';
is api_error($s->req('POST', $O, 'items=1', token => $con->{token}, type => 'text/plain')),
    '415 UNSUPPORTED_MEDIA_TYPE', 'not JSON: 415';

my $stranger = new_consumer($s);
is api_error(new_order($s, $stranger, $sup, $tom, 1)), '403 FORBIDDEN', 'no link: 403';
$s->post("/api/v1/suppliers/$sup->{id}/link-request", undef, token => $stranger->{token});
is api_error(new_order($s, $stranger, $sup, $tom, 1)), '403 FORBIDDEN', 'a pending link: 403';
is api_error(new_order($s, $con, { id => '00000000-0000-4000-8000-000000000000' }, $tom, 1)),
    '404 NOT_FOUND', 'an unknown supplier: 404';
is api_error(new_order($s, { token => $rep->{token} }, $sup, $tom, 1)), '403 FORBIDDEN',
    'staff may not order';
is api_error($s->post($O, { items => [] })), '401 UNAUTHORIZED', 'no token: 401';

# --- lists and reads ----------------------------------------------------------------------------------
my $o2 = new_order($s, $c2, $sup, $tom, 1)->{json};
my $o3 = new_order($s, $con, $other, $theirs, 1)->{json};
$r = $s->get($O, token => $con->{token});
is $r->{status}, 200, 'GET /consumer/orders';
ok !(grep { $_->{consumer_id} ne $con->{id} } @{ $r->{json}{results} }), 'only the caller\'s';
is $r->{json}{results}[0]{id}, $o3->{id}, 'newest first';
ok !exists $r->{json}{results}[0]{status_history}, 'lists leave the history out';
is $s->get("$O?supplier_id=$other->{id}", token => $con->{token})->{json}{pagination}{total}, 1,
    'supplier_id filter';
is $s->get("$O?status=cancelled", token => $con->{token})->{json}{pagination}{total}, 0,
    'status filter';
is api_error($s->get("$O?status=lost", token => $con->{token})), '400 BAD_REQUEST', 'unknown status: 400';
is api_error($s->get("$O?supplier_id=x", token => $con->{token})), '400 BAD_REQUEST', 'bad id filter: 400';
$r = $s->get("$SO?page_size=2", token => $rep->{token});
is $r->{status}, 200, 'GET /supplier/orders, by a sales rep';
is $r->{json}{pagination}{total}, 3, 'the supplier\'s orders only';
is scalar @{ $r->{json}{results} }, 2, 'paginated';
is $s->get("$SO?consumer_id=$c2->{id}", token => $T)->{json}{results}[0]{id}, $o2->{id},
    'consumer_id filter';
is $r->{json}{results}[0]{consumer}{email}, $c2->{user}{email}, 'orders name their consumer';
is $s->get($SO, token => $other->{token})->{json}{pagination}{total}, 1, 'another supplier: its own';
is $s->get("$O/$o->{id}", token => $con->{token})->{json}{id}, $o->{id}, 'GET /consumer/orders/:id';
is api_error($s->get("$O/$o->{id}", token => $c2->{token})), '404 NOT_FOUND', 'another consumer\'s: 404';
is $s->get("$SO/$o->{id}", token => $rep->{token})->{status}, 200, 'GET /supplier/orders/:id';
is api_error($s->get("$SO/$o->{id}", token => $other->{token})), '404 NOT_FOUND',
    'another supplier\'s: 404';
is api_error($s->get("$SO/nope", token => $T)), '404 NOT_FOUND', 'malformed id: 404';
is api_error($s->get($SO, token => $con->{token})), '403 FORBIDDEN', 'consumers may not list a supplier\'s';
is api_error($s->get($O, token => $T)), '403 FORBIDDEN', 'staff may not list a consumer\'s';

# --- moves -------------------------------------------------------------------------------------------------
my $mv = sub { my ($who, $id, $act, $body) = @_;
    $s->post(($who =~ /^c/ ? $O : $SO) . "/$id/$act", $body,
             token => { c => $con->{token}, o => $T, m => $mgr->{token}, r => $rep->{token},
                        x => $other->{token}, c2 => $c2->{token} }->{$who}) };
for my $bad ([ 'o', 'start', 'in_progress' ], [ 'o', 'complete', 'completed' ]) {
    $r = $mv->($bad->[0], $o->{id}, $bad->[1]);
    is api_error($r), '409 INVALID_STATE', "$bad->[1] a pending order: 409";
    is $r->{json}{error}{message}, "cannot move from pending to $bad->[2]", '  cannot move from X to Y';
}
is api_error($mv->('r', $o->{id}, 'accept')), '403 FORBIDDEN', 'a sales rep may not accept';
is api_error($mv->('c', $o->{id}, 'accept')), '404 NOT_FOUND', 'consumers have no accept route';
is api_error($mv->('x', $o->{id}, 'accept')), '404 NOT_FOUND', 'another supplier: 404';
is api_error($mv->('c2', $o->{id}, 'cancel')), '404 NOT_FOUND', 'another consumer cannot cancel it';
is $s->get("$O/$o->{id}", token => $con->{token})->{json}{status}, 'pending', 'nothing changed';
is $stock->($tom), 50, 'no stock taken';

$r = $mv->('m', $o->{id}, 'accept');
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'accepted' ], 'a manager accepts';
is_deeply [ $stock->($tom), $stock->($oni) ], [ 47, 98 ], 'the stock of every line is taken';
for my $bad ([ 'o', 'accept', 'accepted' ], [ 'o', 'reject', 'rejected' ], [ 'c', 'cancel', 'cancelled' ],
             [ 'o', 'complete', 'completed' ]) {
    $r = $mv->($bad->[0], $o->{id}, $bad->[1]);
    is api_error($r), '409 INVALID_STATE', "$bad->[1] an accepted order: 409";
    is $r->{json}{error}{message}, "cannot move from accepted to $bad->[2]", '  the message';
}
is_deeply [ $stock->($tom), $stock->($oni) ], [ 47, 98 ], 'accepting twice took nothing more';
is $mv->('o', $o->{id}, 'start')->{json}{status}, 'in_progress', 'start: in_progress';
is api_error($mv->('o', $o->{id}, 'start')), '409 INVALID_STATE', 'start twice: 409';
$r = $mv->('o', $o->{id}, 'complete');
is $r->{json}{status}, 'completed', 'complete: completed';
is_deeply [ map { "$_->{previous_status}>$_->{status}:$_->{changed_by_role}" }
            @{ $r->{json}{status_history} }[1 .. 3] ],
    [ 'pending>accepted:manager', 'accepted>in_progress:owner', 'in_progress>completed:owner' ],
    'every move recorded: who (role and id) and when';
ok !(grep { !$_->{changed_at} || !$_->{changed_by} } @{ $r->{json}{status_history} }), 'with ids and times';
for my $act ('accept', 'reject', 'start', 'complete') {
    is api_error($mv->('o', $o->{id}, $act)), '409 INVALID_STATE', "$act a completed order: 409";
}

# Reject with a reason; cancel with one.
$r = $mv->('o', $o2->{id}, 'reject', { reason => 'Out of season' });
is_deeply [ $r->{status}, $r->{json}{status}, $r->{json}{rejection_reason} ],
    [ 200, 'rejected', 'Out of season' ], 'reject with a reason';
is $r->{json}{status_history}[-1]{reason}, 'Out of season', 'recorded in the history';
is api_error($mv->('c2', $o2->{id}, 'cancel')), '409 INVALID_STATE', 'cancel a rejected order: 409';
is api_error($mv->('o', $o2->{id}, 'accept')), '409 INVALID_STATE', 'accept a rejected order: 409';
my $o4 = new_order($s, $con, $sup, $oni, 2)->{json};
$r = $mv->('o', $o4->{id}, 'reject', { rejection_reason => 'x' x 501 });
is api_error($r), '422 VALIDATION_ERROR', 'a reason over 500 characters: 422';
$r = $mv->('c', $o4->{id}, 'cancel', { reason => 'Ordered twice' });
is_deeply [ $r->{status}, $r->{json}{status}, $r->{json}{cancellation_reason} ],
    [ 200, 'cancelled', 'Ordered twice' ], 'the consumer cancels a pending order';
is api_error($mv->('c', $o4->{id}, 'cancel')), '409 INVALID_STATE', 'cancel twice: 409';
is api_error($mv->('o', $o4->{id}, 'accept')), '409 INVALID_STATE', 'accept a cancelled order: 409';
is $mv->('o', new_order($s, $con, $sup, $oni, 2)->{json}{id}, 'reject')->{status}, 200,
    'reject without a body';
is api_error($mv->('o', $o4->{id}, 'reject', '{"reason":')), '400 BAD_REQUEST', 'malformed body: 400';

# --- accept with too little stock: 409 naming the lines, nothing taken -------------------------------------
my $a = new_order($s, $con, $sup, $tom, 40, $oni, 10)->{json};
my $b = new_order($s, $c2, $sup, $tom, 10, $oni, 10)->{json};
$s->req('PUT', "/api/v1/supplier/products/$tom->{id}", { stock_level => 45 }, token => $T);
is $mv->('o', $a->{id}, 'accept')->{status}, 200, 'the first fits';
is_deeply [ $stock->($tom), $stock->($oni) ], [ 5, 88 ], 'its stock taken';
$r = $mv->('o', $b->{id}, 'accept');
is api_error($r), '409 CONFLICT', 'the second does not: 409';
like $r->{json}{error}{message}, qr/Tomato \(requested 10, available 5\)/, 'the message names the line';
is_deeply [ map { [ $_->{product_id}, $_->{requested}, $_->{available} ] } @{ $r->{json}{error}{details}{lines} } ],
    [ [ $tom->{id}, 10, 5 ] ], 'details.lines lists the short lines only';
is_deeply [ $stock->($tom), $stock->($oni) ], [ 5, 88 ], 'nothing taken, not even the onions';
is $s->get("$SO/$b->{id}", token => $T)->{json}{status}, 'pending', 'the order stays pending';
$s->req('PUT', "/api/v1/supplier/products/$tom->{id}", { stock_level => 10 }, token => $T);
is $mv->('o', $b->{id}, 'accept')->{status}, 200, 'once restocked it is accepted';
is_deeply [ $stock->($tom), $stock->($oni) ], [ 0, 78 ], 'down to zero, never below';

done_testing;
