# Auction orders: GET /orders, GET /orders/:id, PUT /orders/:id/status — the figures from
# configuration in minor units, who sees which order, the state machine
# (pending_pickup → picked_up → in_transit → delivered → completed; cancelled before
# delivery by an admin) moved by the roles allowed, each move in status_history.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction qw(user_of_role live_listing fields_of);

my $s = SCPTest->start(env => { SCP_AUCTION_COMMISSION_BP => 750, SCP_AGENT_COMMISSION => 25000,
                                SCP_PLATFORM_FEE => 9900 });
my $client = user_of_role($s, 'client');
my $client2 = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $vendor2 = user_of_role($s, 'vendor');
my $agent = user_of_role($s, 'agent');
my $agent2 = user_of_role($s, 'agent');
my ($C, $A, $V, $G) = map { $_->{access_token} } $client, $admin, $vendor, $agent;

# A listing of $client won by $vendor at $price; returns (listing id, order id).
sub won {
    my ($price) = @_;
    my $l = live_listing($s, $client, $admin, instant_win_price => $price);
    my $r = $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => $price }, token => $V);
    die $r->{content} unless $r->{status} == 201;
    return ($l->{id}, $s->sql("SELECT id FROM auction_orders WHERE listing_id = :'p1'", $l->{id}));
}
sub move {
    my ($id, $tok, $status, %more) = @_;
    $s->req('PUT', "/api/v1/orders/$id/status", { status => $status, %more }, token => $tok);
}

my ($lid, $oid) = won('24999.99');

# --- reading ------------------------------------------------------------------------------
my $r = $s->get("/api/v1/orders/$oid", token => $C);
is $r->{status}, 200, 'the client reads its order';
my $o = $r->{json};
is $o->{status}, 'pending_pickup', 'pending_pickup';
is $o->{final_price}, 24999.99, 'final_price';
is $o->{commission_rate}, 7.5, 'commission_rate (percent, from configuration)';
is $o->{commission_amount}, 1875, 'commission 7.5% of 24999.99, rounded half up';
is $o->{agent_commission}, 250, 'agent_commission from configuration';
is $o->{platform_fee}, 99, 'platform_fee from configuration';
is $o->{seller_payout}, 23124.99, 'seller payout';
is $o->{buyer_total}, 25098.99, 'buyer total';
like $r->{content}, qr/"final_price" : 24999\.99,/, 'exact decimals';
is $s->sql("SELECT final_price || ' ' || commission_amount FROM auction_orders WHERE id = :'p1'", $oid),
    '2499999 187500', 'stored in minor units';
is $o->{listing}{id}, $lid, 'with its listing';
is $o->{client}{id}, $client->{user}{id}, 'its client';
is $o->{vendor}{id}, $vendor->{user}{id}, 'its vendor';
is $o->{agent}, undef, 'no agent yet';
is scalar @{ $o->{status_history} }, 1, 'one history entry';
is $o->{status_history}[0]{status}, 'pending_pickup', 'the first';
is $o->{status_history}[0]{notes}, 'instant win', 'noting how it was won';
is $s->get("/api/v1/orders/$oid", token => $V)->{status}, 200, 'the vendor reads it';
is $s->get("/api/v1/orders/$oid", token => $V)->{json}{listing}{imei1}, undef,
    'the vendor does not get the pickup details';
is $s->get("/api/v1/orders/$oid", token => $A)->{status}, 200, 'an admin reads it';
is $s->get("/api/v1/orders/$oid", token => $client2->{access_token})->{status}, 404,
    'another client: 404';
is $s->get("/api/v1/orders/$oid", token => $vendor2->{access_token})->{status}, 404,
    'another vendor: 404';
is $s->get("/api/v1/orders/$oid", token => $G)->{status}, 404, 'an agent without a task: 404';
is $s->get('/api/v1/orders/nope', token => $A)->{status}, 404, 'malformed id: 404';
is $s->get("/api/v1/orders/$oid")->{status}, 401, 'anonymous: 401';

my ($lid2, $oid2) = won(30000);
$r = $s->get('/api/v1/orders', token => $C);
is $r->{json}{pagination}{total}, 2, "the client's 2 orders";
is $r->{json}{results}[0]{id}, $oid2, 'newest first';
is $r->{json}{results}[0]{listing}{brand}, 'Apple', 'with a listing summary';
is $s->get('/api/v1/orders', token => $client2->{access_token})->{json}{pagination}{total}, 0,
    'another client: none';
is $s->get('/api/v1/orders', token => $vendor2->{access_token})->{json}{pagination}{total}, 0,
    'another vendor: none';
is $s->get("/api/v1/orders?listing_id=$lid", token => $V)->{json}{pagination}{total}, 1,
    'by listing';
is $s->get('/api/v1/orders?status=pending_pickup', token => $A)->{json}{pagination}{total}, 2,
    'admin by status';
is $s->get("/api/v1/orders?vendor_id=$vendor2->{user}{id}", token => $A)->{json}{pagination}{total},
    0, 'admin by vendor';
is $s->get('/api/v1/orders?status=lost', token => $A)->{status}, 400, 'unknown status: 400';

# --- moves and who may make them -------------------------------------------------------------
$r = move($oid, $V, 'picked_up');
is $r->{status}, 403, 'a vendor cannot mark a pickup';
is $r->{json}{error}{code}, 'FORBIDDEN', 'FORBIDDEN';
is move($oid, $A, 'picked_up')->{status}, 403, 'nor can an admin (the agent does)';
is move($oid, $C, 'cancelled')->{status}, 403, 'a client cannot cancel';
is move($oid, $G, 'picked_up')->{status}, 404, 'an agent without a task: 404';
is move($oid, $vendor2->{access_token}, 'completed')->{status}, 404, 'another vendor: 404';
is move($oid, $V, 'completed')->{json}{error}{message}, 'cannot move from pending_pickup to completed',
    'completing before delivery: 409';

# validation
for my $case ([{}, 'status'], [{ status => 'lost' }, 'status'],
              [{ status => 'picked_up', location => { lat => 91, lng => 0 } }, 'location'],
              [{ status => 'picked_up', location => 'here' }, 'location'],
              [{ status => 'picked_up', notes => 'x' x 2001 }, 'notes']) {
    my $r = $s->req('PUT', "/api/v1/orders/$oid/status", $case->[0], token => $A);
    is $r->{status}, 422, "422 naming $case->[1]";
    ok exists fields_of($r)->{$case->[1]}, "names $case->[1]" or diag $r->{content};
}

# the agent of the pickup task moves it to delivery
$r = $s->req('PUT', "/api/v1/listings/$lid/assign-agent", { agent_id => $agent->{user}{id} },
             token => $A);
is $r->{status}, 200, 'agent assigned' or diag $r->{content};
my $task = $r->{json}{id};
$r = move($oid, $G, 'picked_up');
is $r->{status}, 409, 'before accepting the task: 409';
like $r->{json}{error}{message}, qr/accept the pickup task first/, 'accept first';
is $s->req('PUT', "/api/v1/agent/tasks/$task/accept", undef, token => $G)->{status}, 200,
    'task accepted';
$r = move($oid, $G, 'picked_up', notes => 'Collected from the client', location => { lat => 9.9312, lng => 76.2673 });
is $r->{status}, 200, 'agent: picked_up';
is $r->{json}{status}, 'picked_up', 'status';
ok $r->{json}{picked_up_at}, 'picked_up_at';
my $h = $r->{json}{status_history}[-1];
is $h->{status}, 'picked_up', 'history appended';
is $h->{updated_by}, $agent->{user}{id}, 'by whom';
is $h->{notes}, 'Collected from the client', 'notes';
is $h->{location}{lat}, 9.9312, 'location lat';
is $h->{location}{lng}, 76.2673, 'location lng';
ok $h->{timestamp}, 'when';
is move($oid, $G, 'delivered')->{json}{error}{message}, 'cannot move from picked_up to delivered',
    'no skipping: 409';
is move($oid, $G, 'picked_up')->{json}{error}{message}, 'cannot move from picked_up to picked_up',
    'no repeating: 409';
is move($oid, $agent2->{access_token}, 'in_transit')->{status}, 404, 'another agent: 404';
is move($oid, $G, 'in_transit')->{status}, 200, 'in_transit';
is move($oid, $G, 'delivered')->{status}, 200, 'delivered';
ok $s->get("/api/v1/orders/$oid", token => $G)->{json}{delivered_at}, 'the agent reads the order';
is move($oid, $A, 'cancelled')->{json}{error}{message}, 'cannot move from delivered to cancelled',
    'no cancelling once delivered';
is move($oid, $G, 'completed')->{status}, 403, 'the agent does not complete the order';
$r = move($oid, $V, 'completed', notes => 'Device as described');
is $r->{status}, 200, 'the vendor completes';
is $r->{json}{status}, 'completed', 'completed';
ok $r->{json}{completed_at}, 'completed_at';
is_deeply [map { $_->{status} } @{ $r->{json}{status_history} }],
    [qw(pending_pickup picked_up in_transit delivered completed)], 'the whole history, in order';
is move($oid, $A, 'completed')->{json}{error}{message}, 'cannot move from completed to completed',
    'completed is final';
is move($oid, $A, 'pending_pickup')->{status}, 409, 'never back to pending_pickup';

# admin cancels before delivery; the open task ends with it
$s->req('PUT', "/api/v1/listings/$lid2/assign-agent", { agent_id => $agent2->{user}{id} }, token => $A);
$r = move($oid2, $A, 'cancelled', notes => 'Buyer backed out');
is $r->{status}, 200, 'admin cancels';
is $r->{json}{status}, 'cancelled', 'cancelled';
is $r->{json}{status_history}[-1]{updated_by}, $admin->{user}{id}, 'by the admin';
is $s->sql("SELECT status || ':' || failure_reason FROM agent_tasks WHERE order_id = :'p1'", $oid2),
    'failed:order cancelled', 'the open pickup task failed with the order';
is move($oid2, $A, 'cancelled')->{json}{error}{message}, 'cannot move from cancelled to cancelled',
    'cancelled is final';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'order_updated' AND payload->>'order_id' = :'p1'", $oid),
    4, 'an order_updated event per move';

# an admin may also complete a delivered order
my ($lid3, $oid3) = won(15000);
my $t3 = $s->req('PUT', "/api/v1/listings/$lid3/assign-agent", { agent_id => $agent->{user}{id} },
                 token => $A)->{json}{id};
$s->req('PUT', "/api/v1/agent/tasks/$t3/accept", undef, token => $G);
move($oid3, $G, $_) for qw(picked_up in_transit delivered);
is move($oid3, $A, 'completed')->{status}, 200, 'an admin completes a delivered order';
is $s->get('/api/v1/orders?status=completed', token => $G)->{json}{pagination}{total}, 2,
    'the agent lists the orders of its tasks';

done_testing;
