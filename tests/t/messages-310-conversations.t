# Conversations (cgi-bin/messages/conversations.c, sql/functions/85_messages.sql): a
# consumer opens one with a linked supplier (optionally about an order, with a named
# sales rep), both sides list and read it, staff set status, assignee, tags and notes,
# a consumer may close; roles, other tenants and non-participants; seed 003's chat
# sessions are the same conversations.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $other = new_supplier($s);
my $rep = add_staff($s, $sup, 'sales_rep');
my $mgr = add_staff($s, $sup, 'manager');
my $orep = add_staff($s, $other, 'sales_rep');
my $con = new_consumer($s, company_name => 'Bistro One');
my $con2 = new_consumer($s);
my $lonely = new_consumer($s);
link_up($s, $sup, $con);
link_up($s, $sup, $con2);
link_up($s, $other, $con);
my $vendor = $s->signup(role => 'vendor');
my $prod = new_product($s, $sup);
my $order = new_order($s, $con, $sup, $prod, 1)->{json};
my $order2 = new_order($s, $con2, $sup, $prod, 1)->{json};
my $nil = '00000000-0000-4000-8000-000000000000';

my $C = '/api/v1/consumer/conversations';
my $S = '/api/v1/supplier/conversations';

# --- opening ---------------------------------------------------------------------------------
my $r = $s->post($C, { supplier_id => $sup->{id} }, token => $con->{token});
is $r->{status}, 201, 'a consumer opens a conversation with a linked supplier: 201';
my $conv = $r->{json};
is $conv->{supplier_id}, $sup->{id}, 'with that supplier';
is $conv->{supplier_name}, $sup->{user}{supplier_name} // $conv->{supplier}{name}, 'its name';
is $conv->{supplier}{name}, $conv->{supplier_name}, 'also as supplier.name';
is $conv->{status}, 'open', 'open';
is $conv->{unread_count}, 0, 'nothing unread';
ok !exists $conv->{notes}, 'staff notes are not the consumer\'s';
ok $conv->{created_at}, 'created_at';
$r = $s->post($C, { supplier_id => $sup->{id} }, token => $con->{token});
is $r->{status}, 200, 'opening it again: 200';
is $r->{json}{id}, $conv->{id}, '... the same conversation';

$r = $s->post($C, { order_id => $order->{id}, sales_rep_id => $rep->{id} }, token => $con->{token});
is $r->{status}, 201, 'about an order, with a named sales rep: 201';
my $oconv = $r->{json};
is $oconv->{order_id}, $order->{id}, 'the order';
is $oconv->{supplier_id}, $sup->{id}, 'the supplier comes from the order';
is $oconv->{sales_rep_id}, $rep->{id}, 'the sales rep';
is $oconv->{order_number}, uc substr($order->{id}, 0, 8), 'an order number to show';
isnt $oconv->{id}, $conv->{id}, 'another conversation than the general one';

my @bad = (
    [ {}, ['supplier_id'], 'nothing' ],
    [ { supplier_id => 'x' }, ['supplier_id'], 'a malformed supplier' ],
    [ { order_id => 7 }, ['order_id'], 'an order id that is not a string' ],
    [ { supplier_id => $sup->{id}, sales_rep_id => $mgr->{id} }, ['sales_rep_id'],
      'a manager named as the sales rep' ],
    [ { supplier_id => $sup->{id}, sales_rep_id => $orep->{id} }, ['sales_rep_id'],
      'another supplier\'s sales rep' ],
    [ { order_id => $order2->{id} }, ['order_id'], 'another consumer\'s order' ],
    [ { supplier_id => $other->{id}, order_id => $order->{id} }, ['order_id'],
      'an order with another supplier' ],
);
for my $c (@bad) {
    my ($body, $fields, $name) = @$c;
    $r = $s->post($C, $body, token => $con->{token});
    is api_error($r), '422 VALIDATION_ERROR', "$name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
is api_error($s->post($C, { supplier_id => $sup->{id} }, token => $lonely->{token})),
    '403 FORBIDDEN', 'without an accepted link: 403';
is api_error($s->post($C, { supplier_id => $nil }, token => $con->{token})),
    '404 NOT_FOUND', 'an unknown supplier: 404';
is api_error($s->post($C, '{"supplier_id":', token => $con->{token})), '400 BAD_REQUEST',
    'a body that does not parse: 400';
is $s->sql("SELECT count(*) FROM conversations"), 2, 'refusals wrote nothing';

# --- reading --------------------------------------------------------------------------------
$r = $s->get($C, token => $con->{token});
is $r->{status}, 200, 'the consumer lists its conversations';
is $r->{json}{pagination}{total}, 2, 'both';
is $r->{json}{results}[0]{unread_count}, 0, 'with unread counts';
$r = $s->get($S, token => $rep->{token});
is $r->{status}, 200, 'a sales rep lists its supplier\'s';
is $r->{json}{pagination}{total}, 2, 'both';
my ($row) = grep { $_->{id} eq $oconv->{id} } @{ $r->{json}{results} };
is $row->{consumer_id}, $con->{id}, 'consumer_id';
is $row->{consumer_company_name}, 'Bistro One', 'consumer_company_name';
ok $row->{consumer_name}, 'consumer_name';
is $row->{has_active_complaint}, JSON::PP::false, 'has_active_complaint';
is_deeply $row->{tags}, [], 'tags';
is $s->get($S, token => $orep->{token})->{json}{pagination}{total}, 0,
    'another supplier sees none of them';
is $s->get("$S?status=closed", token => $sup->{token})->{json}{pagination}{total}, 0,
    '?status= filters';
is api_error($s->get("$S?status=lost", token => $sup->{token})), '400 BAD_REQUEST',
    'an unknown status: 400';
is $s->get("$S?consumer_id=$con2->{id}", token => $sup->{token})->{json}{pagination}{total}, 0,
    '?consumer_id= filters';
is $s->get("$C/$conv->{id}", token => $con->{token})->{json}{id}, $conv->{id},
    'the consumer reads one';
is $s->get("$S/$conv->{id}", token => $mgr->{token})->{json}{id}, $conv->{id},
    'a manager reads one';
is api_error($s->get("$C/$conv->{id}", token => $con2->{token})), '404 NOT_FOUND',
    'another consumer: 404';
is api_error($s->get("$S/$conv->{id}", token => $orep->{token})), '404 NOT_FOUND',
    'another supplier\'s staff: 404';
is api_error($s->get("$C/$nil", token => $con->{token})), '404 NOT_FOUND', 'an unknown id: 404';
is $s->get("$C/not-a-uuid", token => $con->{token})->{status}, 404, 'a malformed id: 404';

# --- roles ------------------------------------------------------------------------------------
is api_error($s->get($S, token => $con->{token})), '403 FORBIDDEN', 'a consumer on supplier paths: 403';
is api_error($s->get("$S/$conv->{id}", token => $con->{token})), '403 FORBIDDEN', '... one of them: 403';
is api_error($s->get($C, token => $rep->{token})), '403 FORBIDDEN', 'staff on consumer paths: 403';
is api_error($s->post($C, { supplier_id => $sup->{id} }, token => $sup->{token})), '403 FORBIDDEN',
    'staff do not open conversations: 403';
is api_error($s->get($C, token => $vendor->{access_token})), '403 FORBIDDEN', 'a vendor: 403';
is api_error($s->get($S, token => $vendor->{access_token})), '403 FORBIDDEN', '... on supplier paths too';
is api_error($s->get('/api/v1/chats/sessions', token => $vendor->{access_token})), '403 FORBIDDEN',
    '... and on chat sessions';
is api_error($s->get($C)), '401 UNAUTHORIZED', 'no token: 401';

# --- changing ---------------------------------------------------------------------------------
$r = $s->patch("$S/$conv->{id}", { status => 'pending', assignee_id => $rep->{id},
                                   tags => ['vip', 'late delivery'], notes => 'calls mornings' },
               token => $mgr->{token});
is $r->{status}, 200, 'a manager sets status, assignee, tags, notes';
is $r->{json}{status}, 'pending', 'pending';
is $r->{json}{assignee_id}, $rep->{id}, 'assigned';
is $r->{json}{assignee}{role}, 'sales_rep', 'the assignee shown';
is_deeply $r->{json}{tags}, ['vip', 'late delivery'], 'tagged';
is $r->{json}{notes}, 'calls mornings', 'noted';
$r = $s->patch("$S/$conv->{id}", { assignee_id => undef, notes => undef }, token => $rep->{token});
is $r->{json}{assignee_id}, undef, 'null clears the assignee';
is $r->{json}{notes}, undef, '... and the notes';
is_deeply $r->{json}{tags}, ['vip', 'late delivery'], 'what was not sent stays';
$r = $s->patch("$S/$conv->{id}", { status => 'pending' }, token => $rep->{token});
is $r->{status}, 200, 'the same status again changes nothing: 200';

my @badp = (
    [ { status => 'archived' }, ['status'], 'an unknown status' ],
    [ { assignee_id => 'bob' }, ['assignee_id'], 'a malformed assignee' ],
    [ { assignee_id => $orep->{id} }, ['assignee_id'], 'another supplier\'s staff as assignee' ],
    [ { assignee_id => $con->{id} }, ['assignee_id'], 'a consumer as assignee' ],
    [ { tags => [ map { "t$_" } 1 .. 21 ] }, ['tags'], '21 tags' ],
    [ { tags => 'vip' }, ['tags'], 'tags not an array' ],
    [ { tags => ['x' x 51] }, ['tags[0]'], 'a tag of 51 characters' ],
    [ { tags => ['a', 'a'] }, ['tags[1]'], 'the same tag twice' ],
    [ { tags => [''] }, ['tags[0]'], 'an empty tag' ],
    [ { notes => 'n' x 5001 }, ['notes'], 'notes of 5001 characters' ],
    [ {}, ['body'], 'nothing to change' ],
);
for my $c (@badp) {
    my ($body, $fields, $name) = @$c;
    $r = $s->patch("$S/$conv->{id}", $body, token => $sup->{token});
    is api_error($r), '422 VALIDATION_ERROR', "$name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
is $s->sql("SELECT array_length(tags, 1) FROM conversations WHERE id = :'p1'", $conv->{id}), 2,
    'refusals changed nothing';

is $s->patch("$S/$conv->{id}", { status => 'closed' }, token => $rep->{token})->{json}{status},
    'closed', 'staff close it';
$r = $s->patch("$S/$conv->{id}", { status => 'pending' }, token => $rep->{token});
is api_error($r), '409 INVALID_STATE', 'closed → pending: 409';
is $r->{json}{error}{message}, 'cannot move from closed to pending', 'saying so';
is $s->patch("$S/$conv->{id}", { status => 'open' }, token => $rep->{token})->{json}{status},
    'open', 'closed → open';

is api_error($s->patch("$C/$conv->{id}", { tags => ['x'] }, token => $con->{token})),
    '403 FORBIDDEN', 'a consumer may not tag: 403';
is api_error($s->patch("$C/$conv->{id}", { status => 'pending' }, token => $con->{token})),
    '403 FORBIDDEN', 'a consumer may not set pending: 403';
$r = $s->patch("$C/$conv->{id}", { status => 'closed' }, token => $con->{token});
is $r->{status}, 200, 'a consumer closes';
is $r->{json}{status}, 'closed', 'closed';
ok !exists $r->{json}{tags}, 'the consumer\'s view';
is api_error($s->patch("$C/$conv->{id}", { status => 'closed' }, token => $con2->{token})),
    '404 NOT_FOUND', 'another consumer closing: 404';
is api_error($s->patch("$S/$conv->{id}", { status => 'open' }, token => $orep->{token})),
    '404 NOT_FOUND', 'another supplier\'s staff: 404';

# --- seed 003's chat sessions -----------------------------------------------------------------
$r = $s->post('/api/v1/chats/sessions', { supplier_id => $sup->{id} }, token => $con2->{token});
is $r->{status}, 201, 'POST /chats/sessions opens a conversation';
my $sess = $r->{json};
$r = $s->get('/api/v1/chats/sessions', token => $con2->{token});
is_deeply [ map { $_->{id} } @{ $r->{json}{results} } ], [ $sess->{id} ],
    'GET /chats/sessions: the consumer\'s';
$r = $s->get('/api/v1/chats/sessions', token => $rep->{token});
is $r->{json}{pagination}{total}, 3, '... the staff\'s: the supplier\'s';
is $s->get("/api/v1/chats/sessions/$sess->{id}", token => $sup->{token})->{json}{id}, $sess->{id},
    'GET /chats/sessions/:id';
is api_error($s->get("/api/v1/chats/sessions/$sess->{id}", token => $con->{token})),
    '404 NOT_FOUND', '... another consumer: 404';

# --- a blocked consumer sees nothing of the supplier ------------------------------------------
my $link = $s->sql("SELECT id FROM consumer_links WHERE consumer_id = :'p1' AND supplier_id = :'p2'",
                   $con2->{id}, $sup->{id});
is $s->post("/api/v1/supplier/consumer-links/$link/block", undef, token => $sup->{token})->{status},
    200, 'the supplier blocks a consumer';
is api_error($s->get("$C/$sess->{id}", token => $con2->{token})), '404 NOT_FOUND',
    'its conversation is 404 to it';
is $s->get($C, token => $con2->{token})->{json}{pagination}{total}, 0, 'and out of its list';
is api_error($s->post($C, { supplier_id => $sup->{id} }, token => $con2->{token})), '404 NOT_FOUND',
    'opening one: 404';
is $s->get("$S/$sess->{id}", token => $rep->{token})->{status}, 200, 'the staff still read it';

done_testing;
