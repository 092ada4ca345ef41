# Complaints (cgi-bin/messages/complaints.c, sql/functions/86_complaints.sql): a
# consumer files one (seed 003), a sales rep logs one from a conversation (seed 000);
# both sides read them; staff move them along open → escalated → resolved → closed
# (open → resolved), escalating is the sales rep's and reaches the supplier's channel;
# illegal moves are 409 INVALID_STATE; other tenants 404.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;
use SCPEvents qw(subscribe);

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $other = new_supplier($s);
my $rep = add_staff($s, $sup, 'sales_rep');
my $mgr = add_staff($s, $sup, 'manager');
my $orep = add_staff($s, $other, 'sales_rep');
my $con = new_consumer($s, company_name => 'Harbour Grill', first_name => 'Lea',
                       last_name => 'Moss', phone_number => '+15551230001');
my $con2 = new_consumer($s);
link_up($s, $sup, $con);
link_up($s, $sup, $con2);
my $vendor = $s->signup(role => 'vendor');
my $prod = new_product($s, $sup);
my $order = new_order($s, $con, $sup, $prod, 1)->{json};
my $order2 = new_order($s, $con2, $sup, $prod, 1)->{json};
my $conv = $s->post('/api/v1/consumer/conversations', { supplier_id => $sup->{id} },
                    token => $con->{token})->{json};
my $conv2 = $s->post('/api/v1/consumer/conversations', { supplier_id => $sup->{id} },
                     token => $con2->{token})->{json};
my $nil = '00000000-0000-4000-8000-000000000000';
my $SC = '/api/v1/supplier/complaints';

# --- a consumer files one ------------------------------------------------------------------------
my $r = $s->post('/api/v1/complaints', { order_id => $order->{id}, title => 'Wrong fish',
                                         description => 'We got cod instead of hake.',
                                         priority => 'high' }, token => $con->{token});
is $r->{status}, 201, 'a consumer files a complaint about its order: 201';
my $k1 = $r->{json};
is $k1->{supplier_id}, $sup->{id}, 'against the order\'s supplier';
is $k1->{order_id}, $order->{id}, 'the order';
is $k1->{status}, 'open', 'open';
is $k1->{priority}, 'high', 'high';
is $k1->{consumer}{company_name}, 'Harbour Grill', 'consumer.company_name';
is $k1->{consumer}{phone_number}, '+15551230001', 'consumer.phone_number';
is $k1->{status_history}[0]{status}, 'open', 'its history';
$r = $s->post('/api/v1/complaints', { supplier_id => $sup->{id}, title => 'Late', description => 'Always late.' },
              token => $con->{token});
is $r->{status}, 201, 'about the supplier in general: 201';
is $r->{json}{priority}, 'medium', 'priority defaults to medium';

my @bad = (
    [ { title => 'x', description => 'y' }, ['supplier_id'], 'no supplier, order or conversation' ],
    [ { supplier_id => $sup->{id} }, ['description', 'title'], 'no title or description' ],
    [ { supplier_id => $sup->{id}, title => 'x' x 201, description => 'y' }, ['title'], 'a long title' ],
    [ { supplier_id => $sup->{id}, title => 'x', description => 'y' x 5001 }, ['description'],
      'a long description' ],
    [ { supplier_id => $sup->{id}, title => 'x', description => 'y', priority => 'asap' },
      ['priority'], 'an unknown priority' ],
    [ { order_id => $order2->{id}, title => 'x', description => 'y' }, ['order_id'],
      'another consumer\'s order' ],
    [ { conversation_id => $conv2->{id}, title => 'x', description => 'y' }, ['conversation_id'],
      'another consumer\'s conversation' ],
    [ { supplier_id => $other->{id}, order_id => $order->{id}, title => 'x', description => 'y' },
      ['order_id'], 'an order with another supplier' ],
    [ { supplier_id => $sup->{id}, title => 'x', description => 'y', attachments => ['https://x.example/a.png'] },
      ['attachments[0]'], 'an attachment elsewhere' ],
    [ { supplier_id => $sup->{id}, title => 'x', description => 'y', attachments => 'a' },
      ['attachments'], 'attachments not an array' ],
);
for my $c (@bad) {
    my ($body, $fields, $name) = @$c;
    $r = $s->post('/api/v1/complaints', $body, token => $con->{token});
    is api_error($r), '422 VALIDATION_ERROR', "$name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
is api_error($s->post('/api/v1/complaints', { supplier_id => $other->{id}, title => 'x', description => 'y' },
                      token => $con->{token})), '403 FORBIDDEN', 'a supplier it is not linked to: 403';
is api_error($s->post('/api/v1/complaints', { supplier_id => $nil, title => 'x', description => 'y' },
                      token => $con->{token})), '404 NOT_FOUND', 'an unknown supplier: 404';
is api_error($s->post('/api/v1/complaints', { supplier_id => $sup->{id}, title => 'x', description => 'y' },
                      token => $rep->{token})), '403 FORBIDDEN', 'staff use /supplier/complaints: 403';
is $s->sql('SELECT count(*) FROM complaints'), 2, 'refusals wrote nothing';

# --- a sales rep logs one ----------------------------------------------------------------------
$r = $s->post($SC, { conversation_id => $conv->{id}, consumer_id => $con->{id}, title => 'Broken crate',
                     description => 'Two bottles broken on delivery.', priority => 'urgent',
                     order_id => $order->{id} }, token => $rep->{token});
is $r->{status}, 201, 'a sales rep logs a complaint from a conversation: 201';
my $k3 = $r->{json};
is $k3->{conversation_id}, $conv->{id}, 'the conversation';
is $k3->{filed_by}, $rep->{id}, 'filed by the rep';
is $s->get("/api/v1/supplier/conversations/$conv->{id}", token => $rep->{token})->{json}{has_active_complaint},
    JSON::PP::true, 'the conversation has an active complaint';
my @badl = (
    [ { consumer_id => $con->{id}, title => 'x', description => 'y' }, ['conversation_id'], 'no conversation' ],
    [ { conversation_id => $conv->{id}, title => 'x', description => 'y' }, ['consumer_id'], 'no consumer' ],
    [ { conversation_id => $conv->{id}, consumer_id => $con2->{id}, title => 'x', description => 'y' },
      ['consumer_id'], 'not the conversation\'s consumer' ],
    [ { conversation_id => $nil, consumer_id => $con->{id}, title => 'x', description => 'y' },
      ['conversation_id'], 'an unknown conversation' ],
    [ { conversation_id => $conv->{id}, consumer_id => $con->{id}, title => 'x', description => 'y',
        order_id => $order2->{id} }, ['order_id'], 'another consumer\'s order' ],
);
for my $c (@badl) {
    my ($body, $fields, $name) = @$c;
    $r = $s->post($SC, $body, token => $rep->{token});
    is api_error($r), '422 VALIDATION_ERROR', "$name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
is api_error($s->post($SC, { conversation_id => $conv->{id}, consumer_id => $con->{id}, title => 'x',
                             description => 'y' }, token => $orep->{token})),
    '422 VALIDATION_ERROR', 'another supplier\'s conversation: 422';
is api_error($s->post($SC, {}, token => $con->{token})), '403 FORBIDDEN', 'a consumer on supplier paths: 403';
is api_error($s->get($SC, token => $vendor->{access_token})), '403 FORBIDDEN', 'a vendor: 403';
is api_error($s->get('/api/v1/complaints', token => $vendor->{access_token})), '403 FORBIDDEN',
    '... on /complaints too';

# --- reading ----------------------------------------------------------------------------------
$r = $s->get("$SC?page=1&page_size=100", token => $mgr->{token});
is $r->{status}, 200, 'a manager lists the supplier\'s complaints';
is $r->{json}{pagination}{total}, 3, 'all three';
is $r->{json}{results}[0]{id}, $k3->{id}, 'newest first';
is $r->{json}{results}[0]{consumer}{first_name}, 'Lea', 'with the consumer';
is $s->get("$SC?status=escalated", token => $mgr->{token})->{json}{pagination}{total}, 0, '?status=';
is $s->get("$SC?priority=urgent", token => $mgr->{token})->{json}{pagination}{total}, 1, '?priority=';
is api_error($s->get("$SC?status=lost", token => $mgr->{token})), '400 BAD_REQUEST', 'an unknown status: 400';
is $s->get('/api/v1/complaints', token => $con->{token})->{json}{pagination}{total}, 3,
    'the consumer lists its own';
is $s->get('/api/v1/complaints', token => $con2->{token})->{json}{pagination}{total}, 0,
    'another consumer: none';
is $s->get('/api/v1/complaints', token => $rep->{token})->{json}{pagination}{total}, 3,
    'staff on /complaints: the supplier\'s';
is $s->get($SC, token => $orep->{token})->{json}{pagination}{total}, 0, 'another supplier: none';
is $s->get("/api/v1/complaints/$k1->{id}", token => $con->{token})->{json}{id}, $k1->{id},
    'the consumer reads one';
is $s->get("$SC/$k1->{id}", token => $rep->{token})->{json}{title}, 'Wrong fish', 'staff read one';
is api_error($s->get("/api/v1/complaints/$k1->{id}", token => $con2->{token})), '404 NOT_FOUND',
    'another consumer: 404';
is api_error($s->get("$SC/$k1->{id}", token => $orep->{token})), '404 NOT_FOUND', 'another supplier: 404';

# --- moves ------------------------------------------------------------------------------------
my $ss = subscribe($s, "/ws/suppliers/$sup->{id}", token => $sup->{token});
is api_error($s->post("$SC/$k1->{id}/escalate", undef, token => $sup->{token})), '403 FORBIDDEN',
    'an owner does not escalate: 403';
is api_error($s->post("$SC/$k1->{id}/escalate", undef, token => $mgr->{token})), '403 FORBIDDEN',
    'nor a manager';
is api_error($s->req("PUT", "$SC/$k1->{id}", { status => 'escalated' }, token => $mgr->{token})), '403 FORBIDDEN',
    '... not even by PUT';
is api_error($s->post("$SC/$k1->{id}/escalate", undef, token => $orep->{token})), '404 NOT_FOUND',
    'another supplier\'s rep: 404';
$r = $s->post("$SC/$k1->{id}/escalate", undef, token => $rep->{token});
is $r->{status}, 200, 'the sales rep escalates';
is $r->{json}{status}, 'escalated', 'escalated';
is $r->{json}{escalated_by}, $rep->{id}, 'escalated_by';
ok $r->{json}{escalated_at}, 'escalated_at';
my ($e) = $ss->events(1, 5);
is $e->{type}, 'complaint_escalated', 'the supplier\'s channel hears complaint_escalated';
is $e->{data}{complaint_id}, $k1->{id}, 'the complaint';
is $e->{data}{priority}, 'high', 'its priority';
$r = $s->post("$SC/$k1->{id}/escalate", undef, token => $rep->{token});
is api_error($r), '409 INVALID_STATE', 'escalating again: 409';
is $r->{json}{error}{message}, 'cannot move from escalated to escalated', 'saying so';
my @none = $ss->events(1, 1);
is scalar @none, 0, 'a refused escalation notifies nobody';

is_deeply field_errors($s->post("$SC/$k1->{id}/resolve", { resolution => 'ok' }, token => $mgr->{token})),
    ['resolution'], 'a resolution of 2 characters: 422';
is_deeply field_errors($s->post("$SC/$k1->{id}/resolve", undef, token => $mgr->{token})),
    ['resolution'], 'no resolution: 422';
$r = $s->post("$SC/$k1->{id}/resolve", { resolution => 'Replaced with hake, credited.' }, token => $mgr->{token});
is $r->{status}, 200, 'a manager resolves';
is $r->{json}{status}, 'resolved', 'resolved';
is $r->{json}{resolution}, 'Replaced with hake, credited.', 'the resolution';
ok $r->{json}{resolved_at}, 'resolved_at';
is $r->{json}{consumer}{email}, $con->{user}{email}, 'the whole complaint, consumer included';
is_deeply [ map { $_->{status} } @{ $r->{json}{status_history} } ], [qw(open escalated resolved)],
    'its history';
is api_error($s->post("$SC/$k1->{id}/resolve", { resolution => 'Resolved once more.' }, token => $mgr->{token})),
    '409 INVALID_STATE', 'resolving again: 409';
is api_error($s->post("$SC/$k1->{id}/escalate", undef, token => $rep->{token})), '409 INVALID_STATE',
    'escalating a resolved one: 409';
$r = $s->patch("/api/v1/complaints/$k1->{id}/status", { status => 'closed' }, token => $rep->{token});
is $r->{status}, 200, 'PATCH /complaints/:id/status closes';
ok $r->{json}{closed_at}, 'closed_at';
is api_error($s->patch("/api/v1/complaints/$k1->{id}/status", { status => 'open' }, token => $rep->{token})),
    '409 INVALID_STATE', 'closed → open: 409';
is api_error($s->patch("/api/v1/complaints/$k1->{id}/status", { status => 'closed' }, token => $con->{token})),
    '403 FORBIDDEN', 'a consumer moves nothing: 403';

# open → resolved by PUT with resolution_notes; open → closed is refused
my $k2 = $s->get('/api/v1/complaints?status=open', token => $con->{token})->{json}{results}[-1];
is api_error($s->req("PUT", "$SC/$k2->{id}", { status => 'closed' }, token => $mgr->{token})), '409 INVALID_STATE',
    'open → closed: 409';
is_deeply field_errors($s->req("PUT", "$SC/$k2->{id}", { status => 'resolved' }, token => $mgr->{token})),
    ['resolution'], 'PUT resolved without a resolution: 422';
is_deeply field_errors($s->req("PUT", "$SC/$k2->{id}", { status => 'gone' }, token => $mgr->{token})),
    ['status'], 'an unknown status: 422';
$r = $s->req("PUT", "$SC/$k2->{id}", { status => 'resolved', resolution_notes => 'Driver briefed on times.' },
             token => $mgr->{token});
is $r->{json}{status}, 'resolved', 'PUT {status: resolved, resolution_notes}: open → resolved';
is $r->{json}{resolution_notes}, 'Driver briefed on times.', 'resolution_notes';
is $s->post("$SC/$k2->{id}/close", undef, token => $rep->{token})->{json}{status}, 'closed',
    'POST …/close';
is api_error($s->post("$SC/$nil/resolve", { resolution => 'long enough text' }, token => $mgr->{token})),
    '404 NOT_FOUND', 'an unknown complaint: 404';

done_testing;
