# Field agents: PUT /listings/:id/assign-agent (task pickup), GET /agent/tasks with
# total_commission and completed_today, accept → start → complete (notes, verification
# photos, commission earned) | fail, every refusal, and GET /admin/agents/available.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction qw(submit user_of_role live_listing fields_of);

my $s = SCPTest->start;
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $agent = user_of_role($s, 'agent');
my $agent2 = user_of_role($s, 'agent');
my ($A, $G, $G2) = map { $_->{access_token} } $admin, $agent, $agent2;

sub won {
    my $l = live_listing($s, $client, $admin, instant_win_price => 20000);
    $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => 20000 }, token => $vendor->{access_token});
    return ($l->{id}, $s->sql("SELECT id FROM auction_orders WHERE listing_id = :'p1'", $l->{id}));
}
sub assign {
    my ($lid, $body, $tok) = @_;
    $s->req('PUT', "/api/v1/listings/$lid/assign-agent", $body, token => $tok // $A);
}
sub task { my ($id, $verb, $tok, $body) = @_; $s->req('PUT', "/api/v1/agent/tasks/$id/$verb", $body, token => $tok // $G) }
sub order_to {
    my ($oid, @steps) = @_;
    $s->req('PUT', "/api/v1/orders/$oid/status", { status => $_ }, token => $G) for @steps;
}

# --- assignment ------------------------------------------------------------------------
my ($lid, $oid) = won();
my $live = live_listing($s, $client, $admin)->{id};
my $r = assign($live, { agent_id => $agent->{user}{id} });
is $r->{status}, 409, 'a live listing has no order to pick up: 409';
like $r->{json}{error}{message}, qr/no order yet/, 'explained';
$r = assign($lid, {});
is $r->{status}, 422, 'agent_id required';
is assign($lid, { agent_id => 'x' })->{status}, 422, 'agent_id must be a uuid';
$r = assign($lid, { agent_id => $vendor->{user}{id} });
is $r->{status}, 422, 'a vendor is not an agent';
is fields_of($r)->{agent_id}, 'must be an active agent', 'must be an active agent';
is assign($lid, { agent_id => $agent->{user}{id}, priority => 'urgent' })->{status}, 422,
    'unknown priority';
is assign($lid, { agent_id => $agent->{user}{id} }, $agent->{access_token})->{status}, 403,
    'only admins assign';
is assign('00000000-0000-4000-8000-000000000000', { agent_id => $agent->{user}{id} })->{status},
    404, 'unknown listing: 404';

$r = assign($lid, { agentId => $agent->{user}{id}, priority => 'high' });
is $r->{status}, 200, 'assigned (agentId as in the seed)';
my $t = $r->{json};
is $t->{type}, 'pickup', 'a pickup task';
is $t->{status}, 'assigned', 'assigned';
is $t->{priority}, 'high', 'priority';
is $t->{order_id}, $oid, 'for the order';
is $t->{agent_id}, $agent->{user}{id}, 'to the agent';
is $t->{commission_amount}, 200, 'commission from configuration';
is $t->{commission_earned}, 0, 'not earned yet';
is $t->{client_contact}{phone}, $client->{user}{phone_number}, 'client contact phone';
like $t->{client_contact}{address}, qr/12 MG Road.*682016/, 'and address';
is $t->{pickup_time}, 'morning', 'pickup slot';
$r = assign($lid, { agent_id => $agent2->{user}{id} });
is $r->{status}, 409, 'a second open task: 409';
is $r->{json}{error}{code}, 'CONFLICT', 'CONFLICT';
is $s->get("/api/v1/orders/$oid", token => $A)->{json}{agent}{id}, $agent->{user}{id},
    'the order names its agent';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'task_assigned' AND payload->>'task_id' = :'p1'",
           $t->{id}), 1, 'task_assigned event queued';
ok $s->get("/api/v1/listings/$lid", token => $G)->{json}{imei1},
    'the agent reads the listing with its pickup details';

# --- the agent's list ---------------------------------------------------------------------
$r = $s->get('/api/v1/agent/tasks', token => $G);
is $r->{status}, 200, 'GET /agent/tasks';
is $r->{json}{pagination}{total}, 1, 'one task';
is $r->{json}{results}[0]{id}, $t->{id}, 'this one';
is $r->{json}{total_commission}, 0, 'total_commission 0';
is $r->{json}{completed_today}, 0, 'completed_today 0';
is $s->get('/api/v1/agent/tasks', token => $G2)->{json}{pagination}{total}, 0, 'the other agent: none';
is $s->get('/api/v1/agent/tasks?status=assigned&priority=high', token => $G)->{json}{pagination}{total},
    1, 'by status and priority';
is $s->get('/api/v1/agent/tasks?status=completed', token => $G)->{json}{pagination}{total}, 0,
    'none completed';
my $today = $s->sql("SELECT to_char(now() AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD')");
is $s->get("/api/v1/agent/tasks?date=$today", token => $G)->{json}{pagination}{total}, 1, 'by date';
is $s->get('/api/v1/agent/tasks?date=2020-01-01', token => $G)->{json}{pagination}{total}, 0,
    'another date';
is $s->get('/api/v1/agent/tasks?date=2020-02-30', token => $G)->{status}, 400, 'bad date: 400';
is $s->get('/api/v1/agent/tasks?status=done', token => $G)->{status}, 400, 'bad status: 400';
is $s->get('/api/v1/agent/tasks', token => $vendor->{access_token})->{status}, 403, 'a vendor: 403';
is $s->get("/api/v1/agent/tasks/$t->{id}", token => $G)->{json}{id}, $t->{id}, 'GET one task';
is $s->get("/api/v1/agent/tasks/$t->{id}", token => $G2)->{status}, 404, "another agent's: 404";

# --- the state machine -------------------------------------------------------------------
is task($t->{id}, 'start')->{json}{error}{message}, 'cannot move from assigned to in_progress',
    'start before accept: 409';
is task($t->{id}, 'complete')->{json}{error}{message}, 'cannot move from assigned to completed',
    'complete before accept: 409';
is task($t->{id}, 'accept', $G2)->{status}, 404, 'another agent cannot accept it';
$r = task($t->{id}, 'accept');
is $r->{status}, 200, 'accept';
is $r->{json}{status}, 'accepted', 'accepted';
ok $r->{json}{accepted_at}, 'accepted_at';
is task($t->{id}, 'accept')->{json}{error}{message}, 'cannot move from accepted to accepted',
    'accept twice: 409';
is task($t->{id}, 'complete')->{status}, 409, 'complete before start: 409';
$r = task($t->{id}, 'start');
is $r->{json}{status}, 'in_progress', 'start: in_progress';
ok $r->{json}{started_at}, 'started_at';
order_to($oid, 'picked_up');
$r = task($t->{id}, 'complete', undef, { notes => 'done' });
is $r->{status}, 409, 'complete before the order is delivered: 409';
like $r->{json}{error}{message}, qr/order is picked_up, not delivered/, 'explained';
order_to($oid, 'in_transit', 'delivered');
for my $bad ({ verification_photos => 'x.jpg' }, { verification_photos => ['file:///etc/passwd'] },
             { verification_photos => [('/media/a.jpg') x 11] }, { notes => 'n' x 2001 }) {
    is task($t->{id}, 'complete', undef, $bad)->{status}, 422, 'bad completion body: 422';
}
$r = task($t->{id}, 'complete', undef, { notes => 'Device checked, IMEI matches',
    verificationPhotos => ['/media/uploads/a.jpg', 'https://cdn.example.com/b.jpg'] });
is $r->{status}, 200, 'complete';
is $r->{json}{status}, 'completed', 'completed';
is $r->{json}{commission_earned}, 200, 'commission earned';
is $r->{json}{notes}, 'Device checked, IMEI matches', 'notes';
is_deeply $r->{json}{verification_photos},
    [$s->url . '/media/uploads/a.jpg', 'https://cdn.example.com/b.jpg'],
    'verification photos, ours answered absolute under public_url';
is task($t->{id}, 'fail')->{json}{error}{message}, 'cannot move from completed to failed',
    'completed is final';
$r = $s->get('/api/v1/agent/tasks', token => $G);
is $r->{json}{total_commission}, 200, 'total_commission';
is $r->{json}{completed_today}, 1, 'completed_today';

# --- failure and reassignment ---------------------------------------------------------------
my ($lid2, $oid2) = won();
my $t2 = assign($lid2, { agent_id => $agent->{user}{id} })->{json}{id};
is task($t2, 'fail')->{json}{error}{message}, 'cannot move from assigned to failed',
    'fail before accepting: 409';
task($t2, 'accept');
task($t2, 'start');
$r = task($t2, 'fail', undef, { reason => 'Client not reachable' });
is $r->{status}, 200, 'fail';
is $r->{json}{status}, 'failed', 'failed';
is $r->{json}{failure_reason}, 'Client not reachable', 'with the reason';
is $r->{json}{commission_earned}, 0, 'no commission';
is $s->get("/api/v1/orders/$oid2", token => $A)->{json}{agent_id}, undef, 'the order is free again';
$r = assign($lid2, { agent_id => $agent2->{user}{id} });
is $r->{status}, 200, 'reassigned to another agent';

# --- the admin's view of agents -----------------------------------------------------------------
$r = $s->get('/api/v1/admin/agents/available', token => $A);
is $r->{status}, 200, 'GET /admin/agents/available';
is $r->{json}{pagination}{total}, 2, 'two agents';
my %ag = map { $_->{id} => $_ } @{ $r->{json}{results} };
is $ag{$agent->{user}{id}}{active_tasks}, 0, 'agent 1: no open task';
is $ag{$agent->{user}{id}}{completion_rate}, 50, 'agent 1: 1 of 2 finished tasks completed';
is $ag{$agent->{user}{id}}{total_earnings}, 200, 'agent 1: earnings';
ok $ag{$agent->{user}{id}}{is_available}, 'agent 1 is available';
is $ag{$agent2->{user}{id}}{active_tasks}, 1, 'agent 2: one open task';
is $ag{$agent2->{user}{id}}{completion_rate}, 0, 'agent 2: none finished';
is $r->{json}{results}[0]{id}, $agent->{user}{id}, 'the least busy first';
is $ag{$agent->{user}{id}}{email}, $agent->{user}{email}, 'with the user fields';
is $s->get('/api/v1/admin/agents/available', token => $G)->{status}, 403, 'an agent: 403';

done_testing;
