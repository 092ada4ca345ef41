# The supplier's products: create, read, update, delete, list, bulk update; SKU unique per
# supplier; sales reps read only; another supplier's ids are not found and stay unchanged.
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
my $other = new_supplier($s);
my $con = new_consumer($s);
my $T = $sup->{token};
my $P = '/api/v1/supplier/products';

# --- create -------------------------------------------------------------------------------
my $r = $s->post($P, { name => 'Roma Tomatoes', description => '10 kg crate', unit => 'crate',
    price => '24.50', discount => 10, stock_level => 120, min_order_quantity => 2,
    category => 'Vegetables', sku => 'TOM-1', is_active => JSON::PP::true,
    supplier_id => $other->{id}, id => '00000000-0000-4000-8000-000000000000',
    created_at => '2000-01-01T00:00:00Z' }, token => $T);
is $r->{status}, 201, 'POST /supplier/products: 201';
my $tom = $r->{json};
is $tom->{supplier_id}, $sup->{id}, 'belongs to the caller\'s supplier, whatever the body says';
isnt $tom->{id}, '00000000-0000-4000-8000-000000000000', 'the id is not the body\'s';
like $tom->{created_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, 'RFC 3339 timestamps';
isnt substr($tom->{created_at}, 0, 4), '2000', 'created_at is not the body\'s';
is raw($r, 'price'), '24.50', 'price with two decimals';
is raw($r, 'discount'), '10.00', 'discount as a percentage';
is raw($r, 'discounted_price'), '22.05', 'discounted price: 24.50 - 2.45';
is $tom->{currency}, 'USD', 'in the supplier\'s currency';
is_deeply [ @$tom{qw(name unit stock_level min_order_quantity category sku is_active)} ],
    [ 'Roma Tomatoes', 'crate', 120, 2, 'Vegetables', 'TOM-1', JSON::PP::true ], 'fields kept';
is $s->sql("SELECT price_minor || ' ' || discount_bp FROM products WHERE id = :'p1'", $tom->{id}),
    '2450 1000', 'stored as minor units and basis points';

$r = $s->post($P, { name => 'Plain', price => 3 }, token => $mgr->{token});
is $r->{status}, 201, 'a manager may create; only name and price are required';
my $plain = $r->{json};
is_deeply [ @$plain{qw(unit stock_level min_order_quantity is_active sku category)} ],
    [ 'unit', 0, 1, JSON::PP::true, undef, undef ], 'defaults';
is raw($r, 'price'), '3.00', 'an integer price';
is raw($r, 'discount'), '0.00', 'no discount';
for my $price ('0.01', '99999999.99', '100000000') {
    is $s->post($P, { name => "p $price", price => $price }, token => $T)->{status}, 201,
        "price $price accepted";
}
$r = $s->req('POST', $P, '{"name": "exact", "price": 19.99}', token => $T);
is raw($r, 'price'), '19.99', 'a JSON number is read from its text, never through a double';

my @bad = (
    [ { price => 1 }, 'name' ],
    [ { name => 'x' }, 'price' ],
    [ { name => '', price => 1 }, 'name' ],
    [ { name => 'x' x 201, price => 1 }, 'name' ],
    [ { name => 5, price => 1 }, 'name' ],
    [ { name => 'x', price => 0 }, 'price' ],
    [ { name => 'x', price => -1 }, 'price' ],
    [ { name => 'x', price => '1.005' }, 'price' ],
    [ { name => 'x', price => 'ten' }, 'price' ],
    [ { name => 'x', price => '100000000.01' }, 'price' ],
    [ { name => 'x', price => undef }, 'price' ],
    [ { name => 'x', price => 1, discount => -1 }, 'discount' ],
    [ { name => 'x', price => 1, discount => 100.01 }, 'discount' ],
    [ { name => 'x', price => 1, discount => '5.555' }, 'discount' ],
    [ { name => 'x', price => 1, stock_level => -1 }, 'stock_level' ],
    [ { name => 'x', price => 1, stock_level => 1.5 }, 'stock_level' ],
    [ { name => 'x', price => 1, stock_level => '5' }, 'stock_level' ],
    [ { name => 'x', price => 1, stock_level => undef }, 'stock_level' ],
    [ { name => 'x', price => 1, min_order_quantity => 0 }, 'min_order_quantity' ],
    [ { name => 'x', price => 1, unit => '' }, 'unit' ],
    [ { name => 'x', price => 1, unit => 'x' x 33 }, 'unit' ],
    [ { name => 'x', price => 1, sku => '' }, 'sku' ],
    [ { name => 'x', price => 1, sku => 'x' x 65 }, 'sku' ],
    [ { name => 'x', price => 1, category => 'x' x 101 }, 'category' ],
    [ { name => 'x', price => 1, description => 'x' x 5001 }, 'description' ],
    [ { name => 'x', price => 1, image_url => 'http://evil.example/a.png' }, 'image_url' ],
    [ { name => 'x', price => 1, image_url => '/media/images/../../x.png' }, 'image_url' ],
    [ { name => 'x', price => 1, is_active => 'yes' }, 'is_active' ],
);
for my $case (@bad) {
    my ($body, $field) = @$case;
    $r = $s->post($P, $body, token => $T);
    is api_error($r), '422 VALIDATION_ERROR', "create with bad $field: 422";
    is_deeply field_errors($r), [$field], "  names $field";
}
$r = $s->req('POST', $P, '{"name": "x", "price": 1, "stock_level": 99999999999999999999}',
             token => $T);
is_deeply field_errors($r), ['stock_level'], 'an out-of-range integer literal is refused';
$r = $s->post($P, { name => '', price => 0, discount => 200 }, token => $T);
is_deeply field_errors($r), [qw(discount name price)], 'every bad field at once';
is api_error($s->req('POST', $P, '{"name":', token => $T)), '400 BAD_REQUEST', 'malformed JSON';
is api_error($s->req('POST', $P, 'name=x', token => $T, type => 'text/plain')),
    '415 UNSUPPORTED_MEDIA_TYPE', 'not JSON';

# --- SKU: unique per supplier ----------------------------------------------------------------
$r = $s->post($P, { name => 'Dup', price => 1, sku => 'TOM-1' }, token => $T);
is api_error($r), '409 CONFLICT', 'a second TOM-1 in the same supplier: 409';
is $r->{json}{error}{details}{field}, 'sku', 'naming the sku';
is $s->post($P, { name => 'Theirs', price => 1, sku => 'TOM-1' }, token => $other->{token})->{status},
    201, 'another supplier may use the same SKU';
is api_error($s->req('PUT', "$P/$plain->{id}", { sku => 'TOM-1' }, token => $T)), '409 CONFLICT',
    'renaming onto a taken SKU: 409';

# --- read, update --------------------------------------------------------------------------
$r = $s->get("$P/$tom->{id}", token => $rep->{token});
is $r->{status}, 200, 'a sales rep may read a product';
is $r->{json}{name}, 'Roma Tomatoes', 'the product';
$r = $s->req('PUT', "$P/$tom->{id}", { price => '25', description => undef, stock_level => 90,
    supplier_id => $other->{id} }, token => $T);
is $r->{status}, 200, 'PUT /supplier/products/:id';
is raw($r, 'price'), '25.00', 'price changed';
is $r->{json}{description}, undef, 'null cleared the description';
is $r->{json}{name}, 'Roma Tomatoes', 'absent fields stay';
is $r->{json}{supplier_id}, $sup->{id}, 'supplier_id cannot be moved';
$r = $s->req('PATCH', "$P/$tom->{id}", { is_active => JSON::PP::false }, token => $mgr->{token});
is $r->{json}{is_active}, JSON::PP::false, 'PATCH by a manager: deactivated';
$r = $s->req('PATCH', "$P/$tom->{id}", { active => JSON::PP::true }, token => $T);
is $r->{json}{is_active}, JSON::PP::true, '"active" is read as is_active';
$r = $s->req('PUT', "$P/$tom->{id}", { name => undef, price => 0, unit => undef }, token => $T);
is_deeply field_errors($r), [qw(name price unit)], 'update validation: 422 with every field';
is $s->get("$P/$tom->{id}", token => $T)->{json}{stock_level}, 90, 'nothing changed';
$r = $s->req('PUT', "$P/$tom->{id}", { discount => undef }, token => $T);
is raw($r, 'discount'), '0.00', 'a null discount is no discount';

# --- another supplier's ids: 404, nothing changed ----------------------------------------------
my $theirs = new_product($s, $other, name => 'Their Fish', stock_level => 7);
is api_error($s->get("$P/$theirs->{id}", token => $T)), '404 NOT_FOUND', 'read: 404';
is api_error($s->req('PUT', "$P/$theirs->{id}", { stock_level => 0 }, token => $T)),
    '404 NOT_FOUND', 'update: 404';
is api_error($s->del("$P/$theirs->{id}", token => $T)), '404 NOT_FOUND', 'delete: 404';
$r = $s->post("$P/bulk-update", { product_ids => [ $tom->{id}, $theirs->{id} ],
    updates => { stock_level => 0 } }, token => $T);
is api_error($r), '404 NOT_FOUND', 'bulk update naming it: 404';
like $r->{json}{error}{message}, qr/\Q$theirs->{id}\E/, 'saying which id';
is $s->sql("SELECT stock_level || ' ' || (deleted_at IS NULL) FROM products WHERE id = :'p1'",
    $theirs->{id}), '7 true', 'their product is untouched';
is $s->get("$P/$tom->{id}", token => $T)->{json}{stock_level}, 90,
    'and the bulk update changed nothing of ours either';
is api_error($s->get("$P/not-a-uuid", token => $T)), '404 NOT_FOUND', 'malformed id: 404';

# --- roles --------------------------------------------------------------------------------------
for my $who ([ 'sales rep', $rep->{token} ], [ 'consumer', $con->{token} ]) {
    my ($name, $tok) = @$who;
    is api_error($s->post($P, { name => 'x', price => 1 }, token => $tok)), '403 FORBIDDEN',
        "$name may not create";
    is api_error($s->req('PUT', "$P/$tom->{id}", { price => 1 }, token => $tok)),
        '403 FORBIDDEN', "$name may not update";
    is api_error($s->del("$P/$tom->{id}", token => $tok)), '403 FORBIDDEN', "$name may not delete";
    is api_error($s->post("$P/bulk-update", { product_ids => [ $tom->{id} ],
        updates => { price => 1 } }, token => $tok)), '403 FORBIDDEN', "$name may not bulk update";
}
is api_error($s->get($P, token => $con->{token})), '403 FORBIDDEN', 'a consumer may not list them';
is $s->get($P, token => $rep->{token})->{status}, 200, 'a sales rep may list them';
is api_error($s->get($P)), '401 UNAUTHORIZED', 'no token: 401';
is api_error($s->req('PATCH', $P, {}, token => $T)), '405 METHOD_NOT_ALLOWED', 'PATCH on the list: 405';

# --- list ----------------------------------------------------------------------------------------
my $lsup = new_supplier($s);
my %p;
for my $spec ([ 'Apple', '3.00', 50, 'Fruit', 'A-1' ], [ 'banana', '1.20', 5, 'Fruit', 'B-1' ],
              [ 'Cabbage', '2.10', 0, 'Vegetables', 'C-1' ],
              [ 'Dill 50% off', '0.99', 12, 'Herbs', 'D-1' ]) {
    my ($name, $price, $stock, $cat, $sku) = @$spec;
    $p{$name} = new_product($s, $lsup, name => $name, price => $price, stock_level => $stock,
                            category => $cat, sku => $sku, description => "fresh $name");
}
new_product($s, $lsup, name => 'Eggplant', price => 4, is_active => JSON::PP::false,
            category => 'Vegetables');
my $list = sub { $s->get("$P?$_[0]", token => $lsup->{token}) };
my $names = sub { [ map { $_->{name} } @{ $_[0]{json}{results} } ] };
$r = $list->('');
is $r->{json}{pagination}{total}, 5, 'all five, inactive included';
is_deeply $names->($r), [ 'Eggplant', 'Dill 50% off', 'Cabbage', 'banana', 'Apple' ],
    'newest first by default';
is_deeply $names->($list->('sort_by=name')), [ 'Apple', 'banana', 'Cabbage', 'Dill 50% off',
    'Eggplant' ], 'sort_by=name, case-insensitive';
is_deeply $names->($list->('sort_by=price&sort_order=desc')),
    [ 'Eggplant', 'Apple', 'Cabbage', 'banana', 'Dill 50% off' ], 'sort_by=price&sort_order=desc';
is_deeply $names->($list->('sort_by=-stock_level&is_active=true')),
    [ 'Apple', 'Dill 50% off', 'banana', 'Cabbage' ], 'sort_by=-stock_level, active only';
is_deeply $names->($list->('is_active=false')), ['Eggplant'], 'is_active=false';
is_deeply $names->($list->('category=fruit&sort_by=name')), [ 'Apple', 'banana' ],
    'category (case-insensitive)';
is_deeply $names->($list->('search=BAN')), ['banana'], 'search by name';
is_deeply $names->($list->('q=C-1')), ['Cabbage'], 'q= by SKU';
is_deeply $names->($list->('search=50%25')), ['Dill 50% off'], 'a % is literal';
is_deeply $names->($list->('search=fresh%20apple')), ['Apple'], 'search in descriptions';
is_deeply $names->($list->('low_stock=true&sort_by=name')), [ 'banana', 'Cabbage' ],
    'low_stock: at or under the threshold (10), active';
is_deeply $names->($list->('in_stock=false')), ['Cabbage'], 'in_stock=false';
is_deeply $names->($list->('min_price=1&max_price=3&sort_by=price')),
    [ 'banana', 'Cabbage', 'Apple' ], 'price range, inclusive';
$r = $list->('sort_by=name&page=2&page_size=2');
is_deeply $names->($r), [ 'Cabbage', 'Dill 50% off' ], 'page 2 of 2';
is_deeply $r->{json}{pagination}, { page => 2, page_size => 2, total => 5, total_pages => 3 },
    'pagination';
$r = $list->('page=9');
is_deeply [ $r->{json}{results}, $r->{json}{pagination}{total} ], [ [], 5 ],
    'past the last page: empty, total still right';
is api_error($list->('sort_by=colour')), '400 BAD_REQUEST', 'unknown sort key: 400';
is api_error($list->('sort_order=up')), '400 BAD_REQUEST', 'bad sort order: 400';
is api_error($list->('is_active=maybe')), '400 BAD_REQUEST', 'bad boolean: 400';
is api_error($list->('min_price=abc')), '400 BAD_REQUEST', 'bad amount: 400';
$r = $s->get($P, token => $T);
ok !(grep { $_->{supplier_id} ne $sup->{id} } @{ $r->{json}{results} }),
    'a supplier lists only its own products';

# --- bulk update ----------------------------------------------------------------------------------
my @ids = map { $p{$_}{id} } 'Apple', 'banana';
$r = $s->post("$P/bulk-update", { product_ids => \@ids,
    updates => { price => '5.55', stock_level => 40, discount => 5 } }, token => $lsup->{token});
is $r->{status}, 200, 'bulk update';
is $r->{json}{updated}, 2, 'two updated';
is_deeply [ map { [ $_->{name}, $_->{stock_level}, 0 + $_->{price}, 0 + $_->{discount} ] }
            @{ $r->{json}{results} } ],
    [ [ 'Apple', 40, 5.55, 5 ], [ 'banana', 40, 5.55, 5 ] ], 'both changed, returned';
$r = $s->post("$P/bulk-update", { ids => [ $p{Cabbage}{id} ], stock_level => 3 },
              token => $lsup->{token});
is_deeply [ $r->{status}, $r->{json}{results}[0]{stock_level}, 0 + $r->{json}{results}[0]{price} ],
    [ 200, 3, 2.1 ], 'the fields at the top level, ids alias; other fields unchanged';
my $missing = '00000000-0000-4000-8000-000000000000';
$r = $s->post("$P/bulk-update", { product_ids => [ @ids, $missing ], updates => { stock_level => 1 } },
              token => $lsup->{token});
is api_error($r), '404 NOT_FOUND', 'an unknown id: 404';
is $s->get("$P/$ids[0]", token => $lsup->{token})->{json}{stock_level}, 40, 'all or nothing';
for my $case ([ {}, 'product_ids' ], [ { product_ids => [] }, 'product_ids' ],
              [ { product_ids => 'x' }, 'product_ids' ],
              [ { product_ids => ['nope'], updates => { price => 1 } }, 'product_ids[0]' ],
              [ { product_ids => \@ids, updates => {} }, 'updates' ],
              [ { product_ids => \@ids, updates => { price => 0 } }, 'price' ],
              [ { product_ids => \@ids, updates => { stock_level => -5 } }, 'stock_level' ],
              [ { product_ids => \@ids, updates => { discount => 101 } }, 'discount' ],
              [ { product_ids => [ ($ids[0]) x 1001 ], updates => { price => 1 } }, 'product_ids' ]) {
    my ($body, $field) = @$case;
    $r = $s->post("$P/bulk-update", $body, token => $lsup->{token});
    ok grep({ $_ eq $field } @{ field_errors($r) }), "bulk: bad $field → 422 naming it";
}

is api_error($s->req('POST', "$P/bulk-update", '{"product_ids": [', token => $lsup->{token})),
    '400 BAD_REQUEST', 'bulk: malformed JSON';

# --- delete ---------------------------------------------------------------------------------------
$r = $s->del("$P/$p{Apple}{id}", token => $lsup->{token});
is $r->{status}, 200, 'DELETE: 200';
is api_error($s->get("$P/$p{Apple}{id}", token => $lsup->{token})), '404 NOT_FOUND', 'gone';
is api_error($s->del("$P/$p{Apple}{id}", token => $lsup->{token})), '404 NOT_FOUND', 'twice: 404';
is $list->('')->{json}{pagination}{total}, 4, 'no longer listed';
is $s->post($P, { name => 'Apple again', price => 1, sku => 'A-1' }, token => $lsup->{token})->{status},
    201, 'its SKU is free again';

# --- seed 003's paths -----------------------------------------------------------------------------
$r = $s->post('/api/v1/products', { name => 'Via /products', price => 2 }, token => $T);
is $r->{status}, 201, 'POST /products';
is $s->get("/api/v1/products/$r->{json}{id}", token => $T)->{status}, 200, 'GET /products/:id';
is $s->req('PUT', "/api/v1/products/$r->{json}{id}", { price => 3 }, token => $T)->{status}, 200,
    'PUT /products/:id';
ok scalar @{ $s->get('/api/v1/products', token => $T)->{json}{results} }, 'GET /products (staff)';
is $s->del("/api/v1/products/$r->{json}{id}", token => $T)->{status}, 200, 'DELETE /products/:id';

done_testing;
