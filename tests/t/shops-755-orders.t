# Orders placed through a shop's form (POST /api/shops/:shopId/forms/:formId/submissions,
# no account) and the shop's orders (GET /api/shops/:shopId/orders[/:orderId],
# PUT .../status): values checked against the form's fields, exact totals at the
# current prices, the status machine (each illegal move 409), stock taken on
# confirmation and given back on cancel/return as movement rows, one shop_order_updated
# event per change, rights (support agents read only, strangers 404, another shop 404).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPShops qw(shop_account fields_of member_list_checks);

my $s = SCPTest->start();

my ($owner, $stranger, $agent, $manager) = map { shop_account($s, 'ord') } 1 .. 4;
my $shop = $s->post('/api/shops', { name => 'Teak', currency => 'USD' }, token => $owner->{token})->{json}{data};
my $other = $s->post('/api/shops', { name => 'Other' }, token => $stranger->{token})->{json}{data};
$s->sql("UPDATE shops SET currency = 'USD' WHERE id = '$shop->{id}'");
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop->{id}', '$agent->{id}', 'support_agent'),"
        . " ('$shop->{id}', '$manager->{id}', 'order_manager')");
my $T = $owner->{token};
my $P = "/api/shops/$shop->{id}/products";
my $chair = $s->post($P, { name => 'Chair', retailPrice => 19.99, stock => 5 }, token => $T)->{json}{data};
my $lamp = $s->post($P, { name => 'Lamp', retailPrice => 0.1, promoPrice => 0.07, stock => 2 },
                    token => $T)->{json}{data};
my $gone = $s->post($P, { name => 'Gone', retailPrice => 1, stock => 1 }, token => $T)->{json}{data};
$s->del("$P/$gone->{id}", token => $T);
my $foreign = $s->post("/api/shops/$other->{id}/products", { name => 'Theirs', retailPrice => 1 },
                       token => $stranger->{token})->{json}{data};
my $form = $s->post("/api/shops/$shop->{id}/forms", { name => 'Order', fields => [
    { id => 'name', type => 'Short Text', label => 'Name', required => JSON::PP::true },
    { id => 'note', type => 'Text Area', label => 'Note' },
    { id => 'people_2', type => 'Number', label => 'People' },
    { id => 'email', type => 'Email', label => 'Email' },
    { id => 'phone', type => 'Phone', label => 'Phone', required => JSON::PP::true },
    { id => 'day', type => 'Date', label => 'Day' },
    { id => 'city', type => 'Dropdown', label => 'City', options => ['Yangon', 'Mandalay'] },
    { id => 'extras', type => 'Checkbox', label => 'Extras', options => ['Wrap', 'Card'] },
    { id => 'agree', type => 'Checkbox', label => 'I agree', required => JSON::PP::true },
    { id => 'items', type => 'Item Selector', label => 'Items', required => JSON::PP::true },
    { id => 'pay', type => 'Payment Selector', label => 'Pay', paymentMethodIds => ['cod', 'kbzpay'] },
] }, token => $T)->{json}{data};
my $sub = "/api/shops/$shop->{id}/forms/$form->{id}/submissions";
my $O = "/api/shops/$shop->{id}/orders";

my %good = (customFields => { name => 'Aung', phone => '+95 9 123 4567', agree => JSON::PP::true,
                        email => 'a@example.com', people_2 => 3, day => '2027-02-01',
                        city => 'Yangon', extras => ['Card'], note => "Leave at door" },
            orderedProducts => [ { productId => $chair->{id}, quantity => 3 },
                                 { productId => $lamp->{id}, quantity => 2 } ],
            paymentMethod => 'cod');

# --- place (no account) --------------------------------------------------------------------
my $jobs = $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'");
my $r = $s->post($sub, \%good);
is $r->{status}, 201, 'placed with no token: 201';
my $o = $r->{json}{data};
like $o->{submissionId}, qr/^[0-9a-f-]{36}$/, 'submissionId';
is $o->{orderId}, $o->{submissionId}, 'orderId';
is $o->{formId}, $form->{id}, 'formId';
is $o->{formName}, 'Order', 'formName';
is $o->{status}, 'Pending', 'status Pending';
like $o->{submittedAt}, qr/^\d{13}$/, 'submittedAt in milliseconds';
is $o->{paymentMethod}, 'cod', 'paymentMethod';
is $o->{currency}, 'USD', 'the shop currency';
like $r->{content}, qr/"total":60\.11[,}]/, 'total 3 x 19.99 + 2 x 0.07 = 60.11 exactly';
is $s->sql("SELECT total_minor FROM shop_orders WHERE id = '$o->{orderId}'"), 6011, 'stored as 6011 minor units';
my %items = map { $_->{productId} => $_ } @{ $o->{orderedProducts} };
is $items{$chair->{id}}{quantity}, 3, 'chair quantity';
is $items{$chair->{id}}{productName}, 'Chair', 'productName';
like $r->{content}, qr/"unitPrice":0\.07[,}]/, 'the lamp at its promo price';
is $o->{customFields}{name}, 'Aung', 'custom_fields.name';
is_deeply $o->{customFields}{extras}, ['Card'], 'custom_fields.extras';
is $o->{customFields}{people_2}, 3, 'custom_fields.people';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'"), $jobs + 1, 'one event queued';
is $s->sql("SELECT payload->>'topic' || ' ' || (payload->>'shop_id') || ' ' || (payload->'order'->>'status')"
           . " FROM jobs WHERE kind = 'shop_order_updated' ORDER BY created_at DESC LIMIT 1"),
    "/ws/shops/$shop->{id} $shop->{id} Pending", 'the event: topic, shop_id, order';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$chair->{id}'"), 5, 'placing takes no stock';
# scp-worker delivers the event (log transport: the outbox log) on the shop's topic.
sub outbox { open my $fh, '<', $s->dir . '/log/outbox.log' or return (); map { SCPTest::json()->decode($_) } <$fh> }
my $delivered = sub { grep { ($_->{event} // '') eq 'shop_order_updated'
                             && ($_->{data}{order}{order_id} // '') eq $o->{orderId} } outbox() };
ok $s->wait_until(10, $delivered), 'the worker delivered shop_order_updated';
my ($ev) = $delivered->();
is $ev->{data}{topic}, "/ws/shops/$shop->{id}", 'on /ws/shops/<shop id>';
is $ev->{data}{order}{total}, 60.11, 'with the order';
ok $s->wait_until(10, sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'"
                                    . " AND payload->'order'->>'order_id' = '$o->{orderId}' AND status = 'done'") }),
    'the job done' or diag $s->sql("SELECT string_agg(status || ' ' || attempts || ' ' || coalesce(last_error, ''), '; ') FROM jobs WHERE kind = 'shop_order_updated'");

# --- every validation error: 422, nothing placed -------------------------------------------
my $count = $s->sql("SELECT count(*) FROM shop_orders");
sub with { my %b = (%good, customFields => { %{ $good{customFields} } }); my $f = shift; $f->(\%b); \%b }
my @bad = (
    [ with(sub { delete $_[0]{customFields}{name} }), 'custom_fields.name', 'a required text missing' ],
    [ with(sub { $_[0]{customFields}{name} = '' }), 'custom_fields.name', 'a required text empty' ],
    [ with(sub { $_[0]{customFields}{name} = 5 }), 'custom_fields.name', 'a number for a text' ],
    [ with(sub { $_[0]{customFields}{name} = 'x' x 501 }), 'custom_fields.name', 'a text of 501' ],
    [ with(sub { $_[0]{customFields}{note} = 'x' x 5001 }), 'custom_fields.note', 'a text area of 5001' ],
    [ with(sub { $_[0]{customFields}{people_2} = 'three' }), 'custom_fields.people_2', 'a text for a number' ],
    [ with(sub { $_[0]{customFields}{email} = 'nope' }), 'custom_fields.email', 'a bad email' ],
    [ with(sub { $_[0]{customFields}{phone} = 'call me' }), 'custom_fields.phone', 'a bad phone' ],
    [ with(sub { $_[0]{customFields}{day} = '2027-02-30' }), 'custom_fields.day', 'no such date' ],
    [ with(sub { $_[0]{customFields}{day} = 'tomorrow' }), 'custom_fields.day', 'a date not a date' ],
    [ with(sub { $_[0]{customFields}{city} = 'Paris' }), 'custom_fields.city', 'not an option' ],
    [ with(sub { $_[0]{customFields}{extras} = ['Wrap', 'Gold'] }), 'custom_fields.extras', 'a box not offered' ],
    [ with(sub { $_[0]{customFields}{extras} = 'Wrap' }), 'custom_fields.extras', 'boxes not a list' ],
    [ with(sub { $_[0]{customFields}{agree} = JSON::PP::false }), 'custom_fields.agree', 'a required box unticked' ],
    [ with(sub { $_[0]{customFields}{agree} = 'yes' }), 'custom_fields.agree', 'a box not a boolean' ],
    [ with(sub { $_[0]{customFields}{hacker} = 'x' }), 'custom_fields.hacker', 'an unknown field' ],
    [ with(sub { $_[0]{customFields}{items} = 'x' }), 'custom_fields.items', 'a value for the item selector' ],
    [ with(sub { $_[0]{customFields} = [1] }), 'custom_fields', 'customFields not an object' ],
    [ with(sub { $_[0]{orderedProducts} = [] }), 'ordered_products', 'no products for a required selector' ],
    [ with(sub { $_[0]{orderedProducts} = 'chair' }), 'ordered_products', 'products not a list' ],
    [ with(sub { $_[0]{orderedProducts} = [ map { { productId => $chair->{id}, quantity => 1 } } 1 .. 101 ] }),
      'ordered_products', '101 products' ],
    [ with(sub { $_[0]{orderedProducts} = [ 'x' ] }), 'ordered_products[0]', 'a product not an object' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => 'nope', quantity => 1 } ] }),
      'ordered_products[0].product_id', 'a product id that is no uuid' ],
    [ with(sub { $_[0]{orderedProducts} = [ { quantity => 1 } ] }),
      'ordered_products[0].product_id', 'no product id' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $chair->{id}, quantity => 0 } ] }),
      'ordered_products[0].quantity', 'quantity 0' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $chair->{id}, quantity => -2 } ] }),
      'ordered_products[0].quantity', 'a negative quantity' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $chair->{id}, quantity => 1.5 } ] }),
      'ordered_products[0].quantity', 'a fractional quantity' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $chair->{id}, quantity => 10001 } ] }),
      'ordered_products[0].quantity', 'quantity 10001' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $chair->{id}, quantity => '2' } ] }),
      'ordered_products[0].quantity', 'a quantity as text' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $chair->{id}, quantity => 1 },
                                            { productId => $chair->{id}, quantity => 1 } ] }),
      'ordered_products[1].product_id', 'one product twice' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $foreign->{id}, quantity => 1 } ] }),
      'ordered_products', 'another shop\'s product' ],
    [ with(sub { $_[0]{orderedProducts} = [ { productId => $gone->{id}, quantity => 1 } ] }),
      'ordered_products', 'a deleted product' ],
    [ with(sub { $_[0]{paymentMethod} = 'bitcoin' }), 'payment_method', 'a payment method not offered' ],
    [ with(sub { $_[0]{paymentMethod} = 5 }), 'payment_method', 'a payment method not a text' ],
);
for my $b (@bad) {
    my ($body, $field, $what) = @$b;
    $r = $s->post($sub, $body);
    is $r->{status}, 422, "$what: 422";
    ok exists fields_of($r)->{$field}, "$what: error on $field" or diag $r->{content};
}
$r = $s->post($sub, '{"customFields":');
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post($sub, '[1]');
is $r->{status}, 400, 'not an object: 400';
$r = $s->req('POST', $sub, '{"customFields":{}}', type => 'text/plain');
is $r->{status}, 415, 'not JSON: 415';
$r = $s->post($sub, \%good, token => 'not-a-token');
is $r->{status}, 201, 'a bad token on the no-account route is no account: 201';
$s->sql("DELETE FROM shop_order_items WHERE order_id = '$r->{json}{data}{orderId}'");
$s->sql("DELETE FROM jobs WHERE payload->'order'->>'order_id' = '$r->{json}{data}{orderId}'");
$s->sql("DELETE FROM shop_orders WHERE id = '$r->{json}{data}{orderId}'");
$r = $s->post($sub, { %good, customFields => { %{ $good{customFields} }, note => 'x' x (2 * 1024 * 1024) } });
is $r->{status}, 413, 'a 2 MiB body: 413';
$r = $s->post("/api/shops/$other->{id}/forms/$form->{id}/submissions", \%good);
is $r->{status}, 404, 'this form through another shop: 404';
$r = $s->post("/api/shops/$shop->{id}/forms/00000000-0000-0000-0000-000000000000/submissions", \%good);
is $r->{status}, 404, 'no such form: 404';
is $s->sql("SELECT count(*) FROM shop_orders"), $count, 'no invalid order placed';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'"), $jobs + 1, 'and no event';

# A form with no item selector takes no products; an order with none totals 0.
my $contact = $s->post("/api/shops/$shop->{id}/forms", { name => 'Contact', fields => [
    { id => 'msg', type => 'Text Area', label => 'Message', required => JSON::PP::true } ] },
    token => $T)->{json}{data};
my $csub = "/api/shops/$shop->{id}/forms/$contact->{id}/submissions";
$r = $s->post($csub, { customFields => { msg => 'hi' }, orderedProducts => [ { productId => $chair->{id}, quantity => 1 } ] });
is $r->{status}, 422, 'products on a form with no item selector: 422';
$r = $s->post($csub, { customFields => { msg => 'hi' } });
is $r->{status}, 201, 'a contact submission: 201';
like $r->{content}, qr/"total":0(\.00?)?[,}]/, 'total 0';
my $c = $r->{json}{data};

# --- list, get: members only ----------------------------------------------------------------
$r = $s->get($O, token => $agent->{token});
is $r->{status}, 200, 'a support agent lists: 200';
is ref $r->{json}{data}, 'ARRAY', 'data is the array';
is scalar @{ $r->{json}{data} }, 2, 'two orders';
is $r->{json}{data}[0]{orderId}, $c->{orderId}, 'the newest first';
is $r->{json}{pagination}{total}, 2, 'pagination.total';
$r = $s->get("$O/$o->{orderId}", token => $agent->{token});
is $r->{status}, 200, 'get: 200';
is $r->{json}{data}{total}, $o->{total}, 'the same order';
$r = $s->get($O);
is $r->{status}, 401, 'list with no token: 401';
$r = $s->get($O, token => 'bad');
is $r->{status}, 401, 'list with a bad token: 401';
$r = $s->get($O, token => $stranger->{token});
is $r->{status}, 404, 'a stranger lists: 404';
member_list_checks($s, 'orders', $other, $stranger, $T);
$r = $s->get("$O/$o->{orderId}", token => $stranger->{token});
is $r->{status}, 404, 'a stranger reads: 404';
$r = $s->get("/api/shops/$other->{id}/orders/$o->{orderId}", token => $stranger->{token});
is $r->{status}, 404, 'through another shop: 404';

# --- status moves ---------------------------------------------------------------------------
my $st = "$O/$o->{orderId}/status";
my $moves = $s->sql("SELECT count(*) FROM shop_stock_movements");
$r = $s->req('PUT', $st, { status => 'Confirmed' }, token => $agent->{token});
is $r->{status}, 403, 'a support agent may not move: 403';
$r = $s->req('PUT', $st, { status => 'Confirmed' });
is $r->{status}, 401, 'no token: 401';
$r = $s->req('PUT', $st, { status => 'Confirmed' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->req('PUT', "/api/shops/$other->{id}/orders/$o->{orderId}/status", { status => 'Confirmed' },
             token => $stranger->{token});
is $r->{status}, 404, 'through another shop: 404';
$r = $s->req('PUT', $st, { status => 'confirmed' }, token => $T);
is $r->{status}, 422, 'a status in the wrong case: 422';
ok exists fields_of($r)->{status}, 'on status';
$r = $s->req('PUT', $st, {}, token => $T);
is $r->{status}, 422, 'no status: 422';
$r = $s->req('PUT', $st, '{', token => $T);
is $r->{status}, 400, 'malformed: 400';
for my $to ('Completed', 'Return', 'Pending') {
    $r = $s->req('PUT', $st, { status => $to }, token => $T);
    is $r->{status}, 409, "Pending to $to: 409";
}
is $s->sql("SELECT status FROM shop_orders WHERE id = '$o->{orderId}'"), 'Pending', 'refused moves changed nothing';
is $s->sql("SELECT count(*) FROM shop_stock_movements"), $moves, 'and moved no stock';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'"), $jobs + 2, 'nor queued events';

$r = $s->req('PUT', $st, { status => 'Confirmed' }, token => $manager->{token});
is $r->{status}, 200, 'an order manager confirms: 200';
is $r->{json}{data}{status}, 'Confirmed', 'Confirmed';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$chair->{id}'"), 2, 'chair stock 5 - 3';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$lamp->{id}'"), 0, 'lamp stock 2 - 2';
is $s->sql("SELECT string_agg(delta || ' ' || stock_after || ' ' || user_id, ',' ORDER BY product_id)"
           . " FROM shop_stock_movements WHERE reason = 'order $o->{orderId} confirmed'"),
    join(',', map { $_->[0] } sort { $a->[1] cmp $b->[1] }
         ["-3 2 $manager->{id}", $chair->{id}], ["-2 0 $manager->{id}", $lamp->{id}]),
    'a movement per product, by the confirming member';
is $s->sql("SELECT payload->'order'->>'status' FROM jobs WHERE kind = 'shop_order_updated'"
           . " ORDER BY created_at DESC LIMIT 1"), 'Confirmed', 'an event for the move';
for my $to ('Pending', 'Return', 'Confirmed') {
    $r = $s->req('PUT', $st, { status => $to }, token => $T);
    is $r->{status}, 409, "Confirmed to $to: 409";
}

# A second order for the lamps now out of stock: confirming it is 409, nothing taken.
my $o2 = $s->post($sub, { %good, orderedProducts => [ { productId => $chair->{id}, quantity => 1 },
                                                      { productId => $lamp->{id}, quantity => 1 } ] })->{json}{data};
$r = $s->req('PUT', "$O/$o2->{orderId}/status", { status => 'Confirmed' }, token => $T);
is $r->{status}, 409, 'confirming with too little stock: 409';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$chair->{id}'"), 2, 'the chair not taken either';
is $s->sql("SELECT status FROM shop_orders WHERE id = '$o2->{orderId}'"), 'Pending', 'still Pending';
$r = $s->req('PUT', "$O/$o2->{orderId}/status", { status => 'Cancelled' }, token => $T);
is $r->{status}, 200, 'a pending order cancelled: 200';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$chair->{id}'"), 2, 'no stock given back: none was taken';
$r = $s->req('PUT', "$O/$o2->{orderId}/status", { status => 'Confirmed' }, token => $T);
is $r->{status}, 409, 'Cancelled to Confirmed: 409';

$r = $s->req('PUT', $st, { status => 'Completed' }, token => $T);
is $r->{status}, 200, 'Confirmed to Completed: 200';
$r = $s->req('PUT', $st, { status => 'Cancelled' }, token => $T);
is $r->{status}, 409, 'Completed to Cancelled: 409';
$r = $s->req('PUT', $st, { status => 'Return' }, token => $T);
is $r->{status}, 200, 'Completed to Return: 200';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$chair->{id}'"), 5, 'the chairs given back';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$lamp->{id}'"), 2, 'the lamps given back';
is $s->sql("SELECT count(*) || ' ' || sum(delta) FROM shop_stock_movements WHERE reason = 'order $o->{orderId} return'"),
    '2 5', 'a movement per product given back';
for my $to ('Pending', 'Confirmed', 'Completed', 'Cancelled') {
    $r = $s->req('PUT', $st, { status => $to }, token => $T);
    is $r->{status}, 409, "Return to $to: 409";
}

# Giving back past the stock's bound is 409, not a 500: the order stays as it was.
my $o4 = $s->post($sub, { %good, orderedProducts => [ { productId => $chair->{id}, quantity => 1 } ] })->{json}{data};
is $s->req('PUT', "$O/$o4->{orderId}/status", { status => 'Confirmed' }, token => $T)->{status}, 200, 'confirmed one';
$s->sql("UPDATE shop_products SET stock = 1000000000 WHERE id = '$chair->{id}'");
$r = $s->req('PUT', "$O/$o4->{orderId}/status", { status => 'Cancelled' }, token => $T);
is $r->{status}, 409, 'giving back above 1000000000: 409';
is $s->sql("SELECT status FROM shop_orders WHERE id = '$o4->{orderId}'"), 'Confirmed', 'still Confirmed';
$s->sql("UPDATE shop_products SET stock = 4 WHERE id = '$chair->{id}'");
is $s->req('PUT', "$O/$o4->{orderId}/status", { status => 'Cancelled' }, token => $T)->{status}, 200, 'then cancelled';
$s->sql("DELETE FROM shop_stock_movements WHERE reason LIKE 'order $o4->{orderId} %'");

# Confirmed then cancelled: stock given back.
my $o3 = $s->post($sub, { %good, orderedProducts => [ { productId => $chair->{id}, quantity => 4 } ] })->{json}{data};
is $s->req('PUT', "$O/$o3->{orderId}/status", { status => 'Confirmed' }, token => $T)->{status}, 200, 'confirmed';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$chair->{id}'"), 1, 'four chairs taken';
is $s->req('PUT', "$O/$o3->{orderId}/status", { status => 'Cancelled' }, token => $T)->{status}, 200, 'cancelled';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$chair->{id}'"), 5, 'four chairs given back';
is $s->sql("SELECT count(*) FROM shop_stock_movements m WHERE product_id = '$chair->{id}' AND"
           . " stock_after <> (SELECT sum(delta) FROM shop_stock_movements"
           . " WHERE product_id = m.product_id AND id <= m.id)"), 0,
    'every movement\'s stock_after is the sum of the deltas so far';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'"), $jobs + 13,
    'one event per placed order and per move';

done_testing;
