# Catalog orders as the SCP portal and the mobile apps read and send them: the parties'
# names, the order number, the lines' product, the delivery a consumer asks for, the
# 403 of an unapproved link, the current orders and an order's tracking.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use POSIX qw(strftime);
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $O = '/api/v1/consumer/orders';
my $SO = '/api/v1/supplier/orders';
my $png = "\x89PNG\r\n\x1a\n" . ("\x02" x 200);
my $upload = sub {
    my $r = $s->req('POST', '/api/v1/uploads', $png, type => 'image/png', token => $_[0]);
    die "upload: $r->{status} $r->{content}" unless $r->{status} == 201;
    return $r->{json}{url};
};

my $sup = new_supplier($s, name => 'Valley Farms');
my $T = $sup->{token};
my $logo = $upload->($T);
is $s->req('PUT', '/api/v1/supplier/me', { logo_url => $logo, shipping_fee => 5 }, token => $T)->{status},
    200, 'the supplier has a logo';
my $rep = add_staff($s, $sup, 'sales_rep');
my $other = new_supplier($s, name => 'Other Farms');
my $con = new_consumer($s, company_name => 'Chez Olga', first_name => 'Olga', last_name => 'K');
my $named = new_consumer($s, company_name => undef, first_name => 'Ivan', last_name => 'Petrov');
my $bare = new_consumer($s, company_name => undef, first_name => undef);
link_up($s, $sup, $_) for $con, $named, $bare;
link_up($s, $other, $con);
my $img = $upload->($T);
my $tom = new_product($s, $sup, name => 'Tomato', price => '3.33', unit => 'kg', image_url => $img);
my $oni = new_product($s, $sup, name => 'Onion', price => '1.00');
my $theirs = new_product($s, $other, name => 'Theirs');

# --- what every order view carries -------------------------------------------------------------
my $r = new_order($s, $con, $sup, $tom, 3, $oni, 2);
is $r->{status}, 201, 'an order';
my $o = $r->{json};
is $o->{consumer_name}, 'Chez Olga', 'consumer_name: the company';
is $o->{supplier_name}, 'Valley Farms', 'supplier_name';
is $o->{supplier_logo_url}, $s->get('/api/v1/supplier/me', token => $T)->{json}{logo_url},
    'supplier_logo_url: the supplier\'s logo as its profile shows it';
like $o->{order_number}, qr/^[0-9]+$/, 'order_number: a short number, as a string';
my $i0 = $o->{items}[0];
is $i0->{order_id}, $o->{id}, 'items[].order_id';
is $i0->{created_at}, $o->{created_at}, 'items[].created_at: the order\'s';
is_deeply $i0->{product}, { id => $tom->{id}, name => 'Tomato', unit => 'kg',
                            image_url => $s->get("/api/v1/supplier/products/$tom->{id}", token => $T)->{json}{image_url} },
    'items[].product {id, name, unit, image_url}: the product\'s';
is $o->{items}[1]{product}{image_url}, undef, 'a product without an image: null';
is raw($r, 'unit_price'), '3.33', 'unit_price exact';
like $r->{content}, qr/"quantity"\s*:\s*3\s*[,}]/, 'quantity a JSON integer';
is_deeply [ @$i0{qw(product_id product_name unit)} ], [ $tom->{id}, 'Tomato', 'kg' ], 'the flat fields stay';
is raw($r, 'subtotal'), '11.99', 'subtotal exact (the order\'s comes first)';
is 0 + $i0->{subtotal}, 9.99, 'the line\'s subtotal';
is $o->{item_count}, 2, 'item_count';
is_deeply [ map { $o->{$_} } qw(shipping_address delivery_date delivery_start_time delivery_end_time
                                preferred_settlement notes) ], [ (undef) x 6 ], 'absent fields stay null';
for my $k (qw(shipping_address delivery_date delivery_start_time delivery_end_time preferred_settlement)) {
    ok exists $o->{$k}, "  $k is there, null";
}

is new_order($s, $named, $sup, $oni, 1)->{json}{consumer_name}, 'Ivan Petrov',
    'consumer_name: else first and last name';
is new_order($s, $bare, $sup, $oni, 1)->{json}{consumer_name}, $bare->{user}{email},
    'consumer_name: else the email';

# The number counts per supplier, in order, and is stored.
my $n1 = new_order($s, $con, $sup, $oni, 1)->{json}{order_number};
my $n2 = new_order($s, $con, $sup, $oni, 1)->{json}{order_number};
is $n2, $n1 + 1, 'the next number';
ok new_order($s, $con, $other, $theirs, 1)->{json}{order_number} > $n2,
    'one sequence for every supplier (no supplier waits for another\'s order)';
is $s->sql("SELECT order_no FROM catalog_orders WHERE id = :'p1'", $o->{id}), $o->{order_number},
    'stored with the order';
my $before = $s->sql('SELECT last_value FROM catalog_order_no_seq');
is new_order($s, $con, $sup, $oni, 100000)->{status}, 422, 'a refused order…';
is $s->sql('SELECT last_value FROM catalog_order_no_seq'), $before,
    '… uses up no number';

# Every reader sees the same view: lists, reads (both sides), the dashboard, the event.
my %portal = (consumer_name => 'Chez Olga', supplier_name => 'Valley Farms',
              order_number => $o->{order_number});
my $check = sub {
    my ($v, $what) = @_;
    is_deeply { map { $_ => $v->{$_} } keys %portal }, \%portal, "$what: the names and the number";
    is $v->{items}[0]{product}{name}, 'Tomato', "$what: items[0].product.name";
    is $v->{items}[0]{product}{unit}, 'kg', "$what: items[0].product.unit";
};
my ($in) = grep { $_->{id} eq $o->{id} } @{ $s->get("$SO?page_size=100", token => $rep->{token})->{json}{results} };
$check->($in, 'GET /supplier/orders');
($in) = grep { $_->{id} eq $o->{id} } @{ $s->get("$O?page_size=100", token => $con->{token})->{json}{results} };
$check->($in, 'GET /consumer/orders');
$check->($s->get("$SO/$o->{id}", token => $T)->{json}, 'GET /supplier/orders/:id');
$check->($s->get("$O/$o->{id}", token => $con->{token})->{json}, 'GET /consumer/orders/:id');
my $dash = $s->get('/api/v1/supplier/dashboard/stats', token => $T)->{json}{recent_orders}[0];
ok $dash->{consumer_name} && $dash->{order_number} && $dash->{items}[0]{product}{name},
    'dashboard recent_orders: the same view';
my $ev = $s->json->decode(scalar $s->sql(
    "SELECT payload->'order' FROM jobs WHERE kind = 'order_updated' AND payload->>'order_id' = :'p1'",
    $o->{id}));
$check->($ev, 'the order_updated event');

# --- delivery fields ---------------------------------------------------------------------------------
my $today = strftime('%Y-%m-%d', gmtime);
my $tomorrow = strftime('%Y-%m-%d', gmtime(time + 86400));
my $addr = { street => '1 Main St', city => 'Almaty', state => '', postal_code => '050000',
             country => 'KZ', contact_name => 'Olga', contact_phone => undef };
$r = $s->post($O, { supplier_id => $sup->{id}, items => [ { product_id => $oni->{id}, quantity => 1 } ],
    shipping_address => $addr, deliveryDate => $tomorrow, delivery_start_time => '09:00',
    delivery_end_time => '11:30', preferred_settlement => 'bank_transfer', notes => 'Back door' },
    token => $con->{token});
is $r->{status}, 201, 'an order with its delivery';
is_deeply $r->{json}{shipping_address}, $addr, 'shipping_address stored and returned';
is_deeply [ map { $r->{json}{$_} } qw(delivery_date delivery_start_time delivery_end_time preferred_settlement notes) ],
    [ $tomorrow, '09:00', '11:30', 'bank_transfer', 'Back door' ], 'delivery day, window, settlement, notes';
my $od = $r->{json};
$r = $s->get("$SO/$od->{id}", token => $T);
is_deeply [ map { $r->{json}{$_} } qw(delivery_date delivery_start_time delivery_end_time preferred_settlement) ],
    [ $tomorrow, '09:00', '11:30', 'bank_transfer' ], 'the supplier reads them';
is_deeply $r->{json}{shipping_address}, $addr, '  and the address';
$r = $s->post($O, { supplier_id => $sup->{id}, items => [ { product_id => $oni->{id}, quantity => 1 } ],
    shipping_address => { %$addr, contact_name => undef }, delivery_date => $today },
    token => $con->{token});
is_deeply [ $r->{status}, $r->{json}{delivery_date}, $r->{json}{shipping_address}{contact_name},
            $r->{json}{delivery_start_time} ], [ 201, $today, undef, undef ],
    'today is allowed; the contact may be left out; one field without the others';

my $line = [ { product_id => $oni->{id}, quantity => 1 } ];
my $yesterday2 = strftime('%Y-%m-%d', gmtime(time - 2 * 86400));
my @bad = (
    [ { shipping_address => 'x' }, ['shipping_address'] ],
    [ { shipping_address => [] }, ['shipping_address'] ],
    [ { shipping_address => {} },
      [ map { "shipping_address.$_" } qw(city country postal_code state street) ] ],
    [ { shipping_address => { %$addr, street => '' } }, ['shipping_address.street'] ],
    [ { shipping_address => { %$addr, city => 5 } }, ['shipping_address.city'] ],
    [ { shipping_address => { %$addr, country => 'x' x 101 } }, ['shipping_address.country'] ],
    [ { shipping_address => { %$addr, postal_code => 'x' x 21 } }, ['shipping_address.postal_code'] ],
    [ { shipping_address => { %$addr, street => undef } }, ['shipping_address.street'] ],
    [ { shipping_address => { %$addr, contact_name => '' } }, ['shipping_address.contact_name'] ],
    [ { shipping_address => { %$addr, contact_phone => [] } }, ['shipping_address.contact_phone'] ],
    [ { shipping_address => { %$addr, contact_phone => '1' x 33 } }, ['shipping_address.contact_phone'] ],
    [ { delivery_date => 'tomorrow' }, ['delivery_date'] ],
    [ { delivery_date => '2030-02-30' }, ['delivery_date'] ],
    [ { delivery_date => 20300101 }, ['delivery_date'] ],
    [ { delivery_date => $yesterday2 }, ['delivery_date'] ],
    [ { delivery_start_time => '9:00' }, ['delivery_start_time'] ],
    [ { delivery_start_time => '24:00' }, ['delivery_start_time'] ],
    [ { delivery_end_time => '12:60' }, ['delivery_end_time'] ],
    [ { delivery_end_time => '12:00:00' }, ['delivery_end_time'] ],
    [ { delivery_start_time => '11:00', delivery_end_time => '11:00' }, ['delivery_end_time'] ],
    [ { delivery_start_time => '12:00', delivery_end_time => '08:00' }, ['delivery_end_time'] ],
    [ { preferred_settlement => '' }, ['preferred_settlement'] ],
    [ { preferred_settlement => 'x' x 101 }, ['preferred_settlement'] ],
    [ { preferred_settlement => 3 }, ['preferred_settlement'] ],
    [ { delivery_date => 'x', delivery_start_time => 'x', items => [] },
      [ 'delivery_date', 'delivery_start_time', 'items' ] ],
);
my $count = $s->sql('SELECT count(*) FROM catalog_orders');
for my $case (@bad) {
    my ($extra, $fields) = @$case;
    $r = $s->post($O, { supplier_id => $sup->{id}, items => $line, %$extra }, token => $con->{token});
    is api_error($r), '422 VALIDATION_ERROR', "422 for @$fields";
    is_deeply field_errors($r), $fields, '  naming ' . join(', ', @$fields);
}
is $s->sql('SELECT count(*) FROM catalog_orders'), $count, 'none of them wrote an order';

# --- a link that is not accepted: 403, and nothing written ---------------------------------------
my $L = '/api/v1/supplier/consumer-links';
my $ask = sub { $s->post("/api/v1/suppliers/$sup->{id}/link-request", {}, token => $_[0]{token})->{json} };
my %links = map { $_ => new_consumer($s) } qw(none pending rejected blocked);
$ask->($links{pending});
$s->post("$L/" . $ask->($links{rejected})->{id} . '/reject', undef, token => $T);
my $bl = link_up($s, $sup, $links{blocked});
$s->post("$L/$bl->{id}/block", undef, token => $T);
my $jobs = $s->sql("SELECT count(*) FROM jobs");
my $nums = $s->sql('SELECT last_value FROM catalog_order_no_seq');
$count = $s->sql('SELECT count(*) FROM catalog_orders');
for my $st (qw(none pending rejected blocked)) {
    $r = new_order($s, $links{$st}, $sup, $oni, 1);
    is api_error($r), '403 FORBIDDEN', "a consumer whose link is $st: 403";
    is $r->{json}{error}{message}, 'supplier link not approved', '  supplier link not approved';
}
is api_error($s->get("/api/v1/suppliers/$sup->{id}", token => $links{blocked}{token})), '404 NOT_FOUND',
    'a blocked consumer still finds no profile (its order says only "not approved")';
is api_error(new_order($s, $con, { id => '00000000-0000-4000-8000-000000000000' }, $oni, 1)),
    '404 NOT_FOUND', 'an unknown supplier: 404';
is api_error($s->post($O, { items => $line }, token => $links{pending}{token})), '403 FORBIDDEN',
    'the supplier found from the product: 403 too';
is_deeply [ $s->sql('SELECT count(*) FROM catalog_orders'), $s->sql('SELECT count(*) FROM jobs'),
            $s->sql('SELECT last_value FROM catalog_order_no_seq') ],
    [ $count, $jobs, $nums ], 'nothing written: no order, no event, no number';

# --- current orders ------------------------------------------------------------------------------------
my $c3 = new_consumer($s);
link_up($s, $sup, $c3);
my @mine = map { new_order($s, $c3, $sup, $oni, 1)->{json} } 1 .. 5;
my $mv = sub { $s->post("$SO/$_[0]{id}/$_[1]", undef, token => $T)->{status} };
$mv->($mine[0], 'accept');
$mv->($mine[1], 'accept'); $mv->($mine[1], 'start');
$mv->($mine[2], 'reject');
is $s->post("$O/$mine[3]{id}/cancel", undef, token => $c3->{token})->{status}, 200, 'one cancelled';
my $done = new_order($s, $c3, $sup, $oni, 1)->{json};
$mv->($done, 'accept'); $mv->($done, 'start'); $mv->($done, 'complete');
$r = $s->get("$O/current", token => $c3->{token});
is $r->{status}, 200, 'GET /consumer/orders/current';
is_deeply [ map { $_->{id} } @{ $r->{json}{results} } ], [ map { $_->{id} } @mine[4, 1, 0] ],
    'the pending, accepted and in-progress ones, newest first';
is_deeply [ map { $_->{status} } @{ $r->{json}{results} } ], [ 'pending', 'in_progress', 'accepted' ],
    '  with their statuses';
is_deeply $r->{json}{pagination}, { page => 1, page_size => 20, total => 3, total_pages => 1 }, 'paginated';
ok $r->{json}{results}[0]{order_number} && !exists $r->{json}{results}[0]{status_history},
    'the list view';
$r = $s->get("$O/current?page_size=2&page=2", token => $c3->{token});
is_deeply [ (map { $_->{id} } @{ $r->{json}{results} }), $r->{json}{pagination}{total_pages} ],
    [ $mine[0]{id}, 2 ], 'page 2 of 2';
is $s->get("$O/current?supplier_id=$other->{id}", token => $c3->{token})->{json}{pagination}{total}, 0,
    'supplier_id filter';
is api_error($s->get("$O/current?page=0", token => $c3->{token})), '400 BAD_REQUEST', 'bad page: 400';
is $s->get("$O/current", token => $links{none}{token})->{json}{pagination}{total}, 0, 'no orders: empty';
is api_error($s->get("$O/current", token => $T)), '403 FORBIDDEN', 'staff: 403';
is api_error($s->get("$O/current")), '401 UNAUTHORIZED', 'no token: 401';

# --- tracking -----------------------------------------------------------------------------------------------
$r = $s->get("$O/$done->{id}/track", token => $c3->{token});
is $r->{status}, 200, 'GET /consumer/orders/:id/track';
is_deeply [ @{ $r->{json} }{qw(id status order_number supplier_name)} ],
    [ $done->{id}, 'completed', $done->{order_number}, 'Valley Farms' ], 'the order';
is_deeply [ map { [ $_->{previous_status}, $_->{status}, $_->{changed_by_role} ] } @{ $r->{json}{status_history} } ],
    [ [ undef, 'pending', 'consumer' ], [ 'pending', 'accepted', 'owner' ],
      [ 'accepted', 'in_progress', 'owner' ], [ 'in_progress', 'completed', 'owner' ] ],
    'its moves, oldest first: from, to, by role';
ok !(grep { !$_->{changed_at} || !$_->{changed_by} || !exists $_->{reason} } @{ $r->{json}{status_history} }),
    'each with when, who and the reason';
is $s->get("$O/$mine[2]{id}/track", token => $c3->{token})->{json}{status_history}[-1]{status}, 'rejected',
    'a rejected one';
is api_error($s->get("$O/$done->{id}/track", token => $con->{token})), '404 NOT_FOUND',
    'another consumer\'s order: 404';
is api_error($s->get("$O/00000000-0000-4000-8000-000000000000/track", token => $c3->{token})),
    '404 NOT_FOUND', 'an unknown order: 404';
is api_error($s->get("$O/nope/track", token => $c3->{token})), '404 NOT_FOUND', 'not an id: 404';
is api_error($s->get("$O/$done->{id}/track", token => $T)), '403 FORBIDDEN', 'staff: 403';

# --- an order view written before these fields existed is written again by migrate --------------------
$s->sql("UPDATE catalog_orders SET api_view = '{}' WHERE id = :'p1'", $done->{id});
$s->sql("ALTER TABLE catalog_orders DISABLE TRIGGER catalog_orders_view");
$s->sql("UPDATE catalog_orders SET api_view = '{\"id\":\"old\"}' WHERE id = :'p1'", $done->{id});
$s->sql("ALTER TABLE catalog_orders ENABLE TRIGGER catalog_orders_view");
$s->sql("INSERT INTO stale_api_views VALUES ('catalog_orders')");
my $top = $SCPTest::TOP;
my $bin = -x "$top/build/bin/scpctl" ? "$top/build" : $top;
local $ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
my $out = `$bin/bin/scpctl migrate -d $top/sql 2>&1`;
is $?, 0, 'migrate' or diag $out;
is $s->get("$O/$done->{id}", token => $c3->{token})->{json}{order_number}, $done->{order_number},
    'a stale view is written again';
is $s->sql('SELECT count(*) FROM stale_api_views'), 0, 'once';

# ?status= lists: empty names between commas are no status, never an SQL error.
for my $q ('pending,,accepted', ',pending', 'pending,', ',') {
    my $l = $s->get("$O?status=$q", token => $con->{token});
    is $l->{status}, 200, "?status=$q answers 200";
    ok !(grep { $_->{status} !~ /^(pending|accepted)$/ } @{ $l->{json}{results} || [] }),
        '... with only the statuses named' if $q ne ',';
}
is api_error($s->get("$O?status=pending,bogus", token => $con->{token})), '400 BAD_REQUEST',
    'an unknown status in the list: 400';

done_testing;
