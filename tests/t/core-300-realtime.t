# Real-time channels through nginx's nchan (/ws/…): who may subscribe (scp-auth answers
# nginx's auth_request), and what arrives: a catalog order's moves reach its supplier's
# staff and its consumer, a refused move sends nothing, bids reach a listing's
# followers; over EventSource and WebSocket, with the token in a header or the query.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;
use SCPAuction qw(live_listing submit user_of_role);
use SCPEvents qw(subscribe);

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $other = new_supplier($s);
my $rep = add_staff($s, $sup, 'sales_rep');
my $con = new_consumer($s);
my $con2 = new_consumer($s);
link_up($s, $sup, $con);
my $admin = user_of_role($s, 'admin');
my $prod = new_product($s, $sup, stock_level => 5);

my $U = "/ws/users/$con->{id}";
my $S = "/ws/suppliers/$sup->{id}";

# --- who may subscribe -------------------------------------------------------------------------
my @refused = (
    [ 'no token',                         $U, {},                                      401 ],
    [ 'a malformed token',                $U, { token => 'x.y.z' },                    401 ],
    [ 'a malformed query token',          $U, { query_token => 'x.y.z' },              401 ],
    [ 'another user\'s channel',          "/ws/users/$con2->{id}", { token => $con->{token} }, 403 ],
    [ 'a consumer on a supplier channel', $S, { token => $con->{token} },              403 ],
    [ 'staff on another supplier',        "/ws/suppliers/$other->{id}", { token => $rep->{token} }, 403 ],
    [ 'the admin channel, not an admin',  '/ws/admin', { token => $sup->{token} },     403 ],
    [ 'a listing that does not exist',    '/ws/listings/00000000-0000-4000-8000-000000000000',
                                          { token => $con->{token} },                  403 ],
);
for my $c (@refused) {
    my ($name, $path, $o, $want) = @$c;
    my $sub = subscribe($s, $path, %$o);
    is $sub->status, $want, "$name: $want";
    is $sub->body->{success}, JSON::PP::false, "$name: the error envelope";
}
for my $c ([ 'the caller\'s own channel', $U, { token => $con->{token} } ],
           [ 'the token in the query (a browser\'s EventSource)', $U, { query_token => $con->{token} } ],
           [ 'a sales rep on its supplier', $S, { token => $rep->{token} } ],
           [ 'an admin on a user', $U, { token => $admin->{access_token} } ],
           [ 'an admin on the admin channel', '/ws/admin', { token => $admin->{access_token} } ],
           [ 'a WebSocket', $U, { token => $con->{token}, websocket => 1 } ]) {
    my ($name, $path, $o) = @$c;
    my $sub = subscribe($s, $path, %$o);
    is $sub->status, $o->{websocket} ? 101 : 200, "$name: subscribed";
    $sub->hangup;
}
my $l = $s->post('/api/v1/auth/login', { email => $con2->{user}{email}, password => 'password123' })->{json};
$s->post('/api/v1/auth/logout', {}, token => $l->{access_token});
is subscribe($s, "/ws/users/$con2->{id}", token => $l->{access_token})->status, 401,
    'a logged-out session\'s token: 401';

# --- an order's moves reach both sides ----------------------------------------------------------
# (the consumer's notifications of them share its channel: switched off, tests/t/messages-350-*)
$s->req('PUT', '/api/v1/notifications/preferences', { order_update => { in_app => JSON::PP::false } },
        token => $con->{token});
my $cs = subscribe($s, $U, query_token => $con->{token});
my $ss = subscribe($s, $S, token => $rep->{token});
my $ws = subscribe($s, $U, token => $con->{token}, websocket => 1);
my $o = new_order($s, $con, $sup, $prod, 2);
is $o->{status}, 201, 'an order is placed';
my $oid = $o->{json}{id};
for my $side ([ 'the consumer', $cs ], [ 'the supplier\'s staff', $ss ], [ 'a WebSocket', $ws ]) {
    my ($name, $sub) = @$side;
    my ($e) = $sub->events(1, 10);
    is $e->{type}, 'order_updated', "$name hears order_updated";
    is $e->{data}{order_id}, $oid, "$name: the order";
    is $e->{data}{status}, 'pending', "$name: placed, pending";
    is $e->{data}{order}{total}, $o->{json}{total}, "$name: the order as lists show it";
    like $e->{id}, qr/^[0-9a-f-]{36}$/, "$name: an id to drop repeats by";
}
is $s->post("/api/v1/supplier/orders/$oid/accept", undef, token => $sup->{token})->{status}, 200,
    'the owner accepts';
for my $side ([ 'the consumer', $cs ], [ 'the supplier\'s staff', $ss ]) {
    my ($name, $sub) = @$side;
    my ($e) = $sub->events(1, 10);
    is_deeply [ @{ $e->{data} }{qw(order_id from_status status)} ], [ $oid, 'pending', 'accepted' ],
        "$name hears the accept";
}

# A move that is refused sends nothing: two orders for the 3 units left, 3 and 2.
my $first = new_order($s, $con, $sup, $prod, 3);
my $big = new_order($s, $con, $sup, $prod, 2);
is scalar($_->events(2, 10)), 2, 'both placings are heard' for $cs, $ss;
is $s->post("/api/v1/supplier/orders/$first->{json}{id}/accept", undef, token => $sup->{token})->{status},
    200, 'the first is accepted';
is scalar($_->events(1, 10)), 1, 'and heard' for $cs, $ss;
is $s->post("/api/v1/supplier/orders/$big->{json}{id}/accept", undef, token => $sup->{token})->{status},
    409, 'the second is short of stock: 409';
is scalar($cs->events(1, 1.5)), 0, 'the consumer hears nothing of it';
is scalar($ss->events(1, 0.5)), 0, 'nor does the supplier';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'order_updated' AND payload->>'order_id' = :'p1'"
         . " AND payload->>'status' = 'accepted'", $big->{json}{id}), 0, 'and no event job was queued';

# Another consumer's order is not this consumer's business.
link_up($s, $sup, $con2);
is new_order($s, $con2, $sup, new_product($s, $sup), 1)->{status}, 201, 'another consumer orders';
my ($seen) = $ss->events(1, 10);
isnt $seen->{data}{consumer_id}, $con->{id}, 'the supplier hears it';
is scalar($cs->events(1, 1.5)), 0, 'the first consumer does not';
$_->hangup for $cs, $ss, $ws;

# --- a listing's followers hear its bids ---------------------------------------------------------
my $client = user_of_role($s, 'client');
my $vendor = user_of_role($s, 'vendor');
my $pending = submit($s, $client->{access_token});
is subscribe($s, "/ws/listings/$pending->{json}{id}", token => $vendor->{access_token})->status, 403,
    'a listing under review: not for others';
is subscribe($s, "/ws/listings/$pending->{json}{id}", token => $client->{access_token})->status, 200,
    'but for its owner';
is subscribe($s, "/ws/listings/$pending->{json}{id}", token => $admin->{access_token})->status, 200,
    'and for an administrator (who reviews it)';
my $live = live_listing($s, $client, $admin);
my $ls = subscribe($s, "/ws/listings/$live->{id}", token => $vendor->{access_token});
is $ls->status, 200, 'a vendor follows a live auction';
my $bid = $s->post('/api/v1/bids', { listing_id => $live->{id}, amount => $live->{min_next_bid} },
                   token => $vendor->{access_token});
is $bid->{status}, 201, 'a bid';
my ($nb) = $ls->events(1, 10);
is $nb->{type}, 'new_bid', 'the follower hears new_bid';
is $nb->{data}{listing_id}, $live->{id}, 'of this listing';
$ls->hangup;

# An event job naming a channel nginx does not publish is a dead letter at once, and the
# message goes nowhere.
for my $t ([ 'an id of 36 characters that is not a uuid', '"/ws/users/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"' ],
           [ 'an unknown kind', qq{"/ws/everyone/$con->{id}"} ],
           [ 'no topic at all', undef ]) {
    my ($name, $topic) = @$t;
    my $payload = defined $topic ? qq({"topic": $topic}) : '{}';
    my $id = $s->sql("INSERT INTO jobs (kind, payload) VALUES ('order_updated', :'p1'::jsonb)"
                   . " RETURNING id", $payload);
    my $st = $s->wait_until(10, sub {
        my $v = $s->sql("SELECT status || ' ' || coalesce(last_error, '') FROM jobs WHERE id = :'p1'", $id);
        $v =~ /^(dead|done)/ ? $v : undef });
    is $st, 'dead event without a valid topic', "$name: a dead letter, saying why";
}

done_testing;
