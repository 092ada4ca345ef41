# Notifications (cgi-bin/messages/notifications.c, sql/functions/87_notifications.sql):
# every event that concerns a user writes exactly its recipients' notifications in the
# transaction of the change (bids, outbid, approval, rejection, auction ending, won,
# catalog and auction orders, tasks, messages, link requests and answers, complaints);
# a refused action writes none; the list (unread_only, type, pages, unread_count),
# read, mark-all-read, preferences (off: not written), other users' ids, the live
# `notification` event on /ws/users/<id>, and the prune of old read ones.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(time);
use SCPTest;
use SCPB2B;
use SCPAuction qw(submit user_of_role live_listing);
use SCPEvents qw(subscribe);

my $s = SCPTest->start;
my $top = $SCPTest::TOP;
my $nil = '00000000-0000-4000-8000-000000000000';
my $N = '/api/v1/notifications';

# ---- the cast -----------------------------------------------------------------------------------
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my ($v1, $v2, $v3) = map { user_of_role($s, 'vendor') } 1 .. 3;
my $agent = user_of_role($s, 'agent');
my $sup = new_supplier($s);
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $other = new_supplier($s);
my $con = new_consumer($s, company_name => 'Harbour Grill');
my $con2 = new_consumer($s);
my %who = ($client->{user}{id} => 'client', $admin->{user}{id} => 'admin',
           $v1->{user}{id} => 'v1', $v2->{user}{id} => 'v2', $v3->{user}{id} => 'v3',
           $agent->{user}{id} => 'agent', $sup->{user}{id} => 'owner', $mgr->{id} => 'manager',
           $rep->{id} => 'rep', $other->{user}{id} => 'other', $con->{id} => 'con',
           $con2->{id} => 'con2');

# What was written since the last call: "who:type" of each new notification, sorted.
my $since = $s->sql('SELECT clock_timestamp()');
sub written {
    my @rows = $s->sql("SELECT user_id, type FROM notifications WHERE created_at > :'p1'", $since);
    $since = $s->sql('SELECT clock_timestamp()');
    return [ sort map { my ($u, $t) = split /\t/; ($who{$u} // $u) . ":$t" } @rows ];
}
# The same for what scp-worker writes: from the same mark until there are $n (then a
# moment more, for any extra), as its transactions commit when they do.
sub written_by_worker {
    my ($n) = @_;
    my $mark = $since;
    my @rows;
    $s->wait_until(10, sub {
        @rows = $s->sql("SELECT user_id, type FROM notifications WHERE created_at > :'p1'", $mark);
        @rows >= $n });
    select undef, undef, undef, 0.3;
    $since = $mark;
    return written();
}
sub tok { $_[0]{access_token} // $_[0]{token} }
sub bid { $s->post('/api/v1/bids', { listing_id => $_[1], amount => $_[2] }, token => tok($_[0])) }

# ---- auctions ---------------------------------------------------------------------------------------
my $l = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 20000);
is_deeply written(), ['client:listing_approved'], 'approval: the client';
my $n = $s->get($N, token => tok($client))->{json}{results}[0];
is $n->{type}, 'listing_approved', 'listed';
is $n->{data}{listing_id}, $l->{id}, 'data.listing_id';
is $n->{target_id}, $l->{id}, 'target_id: the listing';
is $n->{body}, $n->{message}, 'body is the message';
ok length $n->{title}, 'a title';
is $n->{is_read}, JSON::PP::false, 'unread';
is $n->{read_at}, undef, 'read_at null';
is $n->{user_id}, $client->{user}{id}, 'user_id';
is $n->{priority}, 'normal', 'priority';

is bid($v1, $l->{id}, 10000)->{status}, 201, 'v1 bids';
is_deeply written(), ['client:bid_placed'], 'the first bid: only the client';
is bid($v2, $l->{id}, 11000)->{status}, 201, 'v2 bids higher';
is_deeply written(), ['client:bid_placed', 'v1:outbid'], 'a higher bid: the client and the outbid v1';
is bid($v2, $l->{id}, 12000)->{status}, 201, 'v2 raises its own bid';
is_deeply written(), ['client:bid_placed'], 'raising one\'s own bid outbids nobody';
is bid($v1, $l->{id}, 11500)->{status}, 422, 'a bid too low: 422';
is_deeply written(), [], '... notifies nobody';
$n = $s->get("$N?type=outbid", token => tok($v1))->{json}{results}[0];
is $n->{priority}, 'high', 'outbid is high priority';
is $n->{data}{listing_id}, $l->{id}, 'outbid names the listing';

# One bid's two notifications are one statement, each user with its own type and its own
# preferences: the seller without bid_placed in-app, v1 with outbid on WhatsApp.
my $wa_q = "SELECT count(*) FROM jobs WHERE kind = 'whatsapp_template' AND payload->>'user_id' = :'p1'";
my $wa_before = $s->sql($wa_q, $v1->{user}{id});
is $s->req('PUT', "$N/preferences", { bid_placed => { in_app => JSON::PP::false } },
           token => tok($client))->{status}, 200, 'the client switches bid_placed off';
is $s->req('PUT', "$N/preferences", { outbid => { whatsapp => JSON::PP::true } },
           token => tok($v1))->{status}, 200, 'v1 takes outbid on WhatsApp too';
$s->sql("UPDATE users SET phone_number = '+14155550101', phone_verified = true WHERE id = :'p1'",
        $v1->{user}{id});
is bid($v1, $l->{id}, 13000)->{status}, 201, 'v1 bids again';
written();
is bid($v2, $l->{id}, 14000)->{status}, 201, 'v2 beats it';
is_deeply written(), ['v1:outbid'], 'the seller\'s bid_placed is not written, v1\'s outbid is';
is $s->sql($wa_q, $v1->{user}{id}), $wa_before + 1, '... and sent to v1 on WhatsApp, once';
is $s->sql("SELECT payload->>'template' FROM jobs WHERE kind = 'whatsapp_template'"
           . " AND payload->>'user_id' = :'p1' ORDER BY created_at DESC LIMIT 1", $v1->{user}{id}),
   'outbid', '... as the outbid template';
$n = $s->get("$N?type=outbid", token => tok($v1))->{json}{results}[0];
is_deeply [ @{$n}{qw(priority title)}, $n->{data}{amount}, $n->{data}{status} ],
          [ 'high', 'You have been outbid', 14000, 'live' ], '... with its own priority, text and data';
$s->req('PUT', "$N/preferences", { bid_placed => { in_app => JSON::PP::true } }, token => tok($client));
$s->req('PUT', "$N/preferences", { outbid => { whatsapp => JSON::PP::false } }, token => tok($v1));

# auction_ending: bidders and watchers, once scp-worker has published it
is $s->post("/api/v1/listings/$l->{id}/watch", undef, token => tok($v3))->{status} < 300, 1,
    'v3 watches';
$s->sql("UPDATE jobs SET run_at = now() WHERE kind = 'auction_ending' AND payload->>'listing_id' = :'p1'",
        $l->{id});
is_deeply written_by_worker(3), ['v1:auction_ending', 'v2:auction_ending', 'v3:auction_ending'],
    'auction ending: every bidder and watcher, not the seller';

# closing: the winner and the seller
$s->sql("UPDATE listings SET auction_end_time = now() - interval '1 second' WHERE id = :'p1'", $l->{id});
is_deeply written_by_worker(2), ['client:order_update', 'v2:auction_won'], 'closing: the winner and the seller';
$n = $s->get("$N?type=auction_won", token => tok($v2))->{json}{results}[0];
ok $n->{data}{order_id}, 'auction_won names the order';

# instant win: the winner, the seller, and the bidder it beat
my $l2 = live_listing($s, $client, $admin, starting_price => 10000, instant_win_price => 20000);
written();
bid($v1, $l2->{id}, 10000);
written();
is bid($v2, $l2->{id}, 20000)->{status}, 201, 'v2 wins at once';
is_deeply written(), ['client:order_update', 'v1:outbid', 'v2:auction_won'],
    'instant win: the winner, the seller, the bidder it beat';

# rejection
my $sub = submit($s, tok($client));
is $s->req('PUT', "/api/v1/listings/$sub->{json}{id}/reject", { reason => 'Blurry photos' },
           token => tok($admin))->{status}, 200, 'a listing rejected';
is_deeply written(), ['client:listing_rejected'], 'rejection: the client';
like $s->get("$N?type=listing_rejected", token => tok($client))->{json}{results}[0]{message},
    qr/Blurry photos/, 'with the reason';
is $s->req('PUT', "/api/v1/listings/$sub->{json}{id}/reject", { reason => 'again' },
           token => tok($admin))->{status}, 409, 'rejected again: 409';
is_deeply written(), [], '... notifies nobody';

# tasks and auction order moves
my $oid = $s->sql("SELECT id FROM auction_orders WHERE listing_id = :'p1'", $l2->{id});
my $r = $s->req('PUT', "/api/v1/listings/$l2->{id}/assign-agent", { agent_id => $agent->{user}{id} },
                token => tok($admin));
is $r->{status}, 200, 'an agent assigned';
my $task = $r->{json}{id};
is_deeply written(), ['agent:task_assigned'], 'task assigned: the agent';
$n = $s->get($N, token => tok($agent))->{json}{results}[0];
is $n->{data}{task_id}, $task, 'names the task';
is $s->req('PUT', "/api/v1/orders/$oid/status", { status => 'picked_up' }, token => tok($agent))->{status},
    409, 'a move before the task is accepted: 409';
is_deeply written(), [], '... notifies nobody';
$s->req('PUT', "/api/v1/agent/tasks/$task/accept", undef, token => tok($agent));
written();
is $s->req('PUT', "/api/v1/orders/$oid/status", { status => 'picked_up' }, token => tok($agent))->{status},
    200, 'the agent picks it up';
is_deeply written(), ['client:order_update', 'v2:order_update'],
    'an auction order move: client and vendor, not the agent who made it';
is $s->req('PUT', "/api/v1/orders/$oid/status", { status => 'cancelled' }, token => tok($admin))->{status},
    200, 'an admin cancels it';
is_deeply written(), ['agent:order_update', 'client:order_update', 'v2:order_update'],
    '... client, vendor and agent';

# ---- B2B ----------------------------------------------------------------------------------------------
$r = $s->post("/api/v1/suppliers/$sup->{id}/link-request", { message => 'Hello' }, token => $con->{token});
is $r->{status}, 201, 'a link request';
my $link = $r->{json}{id};
is_deeply written(), ['manager:link_request', 'owner:link_request'],
    'link request: the owner and managers';
is $s->post("/api/v1/suppliers/$sup->{id}/link-request", {}, token => $con->{token})->{status}, 409,
    'asked again while pending: 409';
is_deeply written(), [], '... notifies nobody';
is $s->post("/api/v1/supplier/consumer-links/$link/approve", undef, token => $sup->{token})->{status},
    200, 'approved';
is_deeply written(), ['con:link_response'], 'its answer: the consumer';
$n = $s->get($N, token => $con->{token})->{json}{results}[0];
is_deeply [ $n->{type}, $n->{data}{link_id}, $n->{data}{status} ], ['link_response', $link, 'accepted'],
    'link_response names the link and its status';
$r = $s->post("/api/v1/suppliers/$sup->{id}/link-request", {}, token => $con2->{token});
written();
is $s->post("/api/v1/supplier/consumer-links/$r->{json}{id}/reject", undef, token => $mgr->{token})->{status},
    200, 'another rejected';
is_deeply written(), ['con2:link_response'], 'a rejection: that consumer';

my $prod = new_product($s, $sup);
written();
my $o = new_order($s, $con, $sup, $prod, 2)->{json};
is_deeply written(), ['manager:order_update', 'owner:order_update', 'rep:order_update'],
    'a catalog order placed: the supplier\'s staff';
is $s->post("/api/v1/supplier/orders/$o->{id}/accept", undef, token => $mgr->{token})->{status}, 200,
    'accepted';
is_deeply written(), ['con:order_update'], 'accepted: the consumer';
$n = $s->get("$N?type=order_update", token => $con->{token})->{json}{results}[0];
is_deeply [ $n->{data}{order_id}, $n->{data}{status} ], [ $o->{id}, 'accepted' ], 'names the order and status';
is $s->post("/api/v1/supplier/orders/$o->{id}/accept", undef, token => $mgr->{token})->{status}, 409,
    'accepted again: 409';
is_deeply written(), [], '... notifies nobody';
is new_order($s, $con, $sup, $prod, 100000)->{status}, 422, 'an order beyond the stock: 422';
is_deeply written(), [], '... notifies nobody';

my $conv = $s->post('/api/v1/consumer/conversations', { supplier_id => $sup->{id} },
                    token => $con->{token})->{json};
written();
is $s->post("/api/v1/consumer/conversations/$conv->{id}/messages", { content => 'Is the hake fresh?' },
            token => $con->{token})->{status}, 201, 'the consumer writes';
is_deeply written(), ['manager:message', 'owner:message', 'rep:message'], 'a message: the staff';
is $s->post("/api/v1/supplier/conversations/$conv->{id}/messages", { content => 'Caught today.' },
            token => $rep->{token})->{status}, 201, 'a rep answers';
is_deeply written(), ['con:message'], 'the answer: the consumer';
$n = $s->get("$N?type=message", token => $con->{token})->{json}{results}[0];
is $n->{data}{conversation_id}, $conv->{id}, 'names the conversation';
is $n->{message}, 'Caught today.', 'the text';
is $s->post("/api/v1/consumer/conversations/$conv->{id}/messages", { content => '' },
            token => $con->{token})->{status}, 422, 'an empty message: 422';
is_deeply written(), [], '... notifies nobody';

$r = $s->post('/api/v1/complaints', { supplier_id => $sup->{id}, title => 'Late again',
                                      description => 'Two hours late.' }, token => $con->{token});
is $r->{status}, 201, 'a complaint filed';
is_deeply written(), ['manager:complaint_logged', 'owner:complaint_logged'],
    'a complaint filed: the owner and managers';
$r = $s->post('/api/v1/supplier/complaints', { conversation_id => $conv->{id}, consumer_id => $con->{id},
              title => 'Wrong cut', description => 'Fillets, not steaks.', priority => 'urgent' },
              token => $rep->{token});
is $r->{status}, 201, 'a rep logs one';
my $k = $r->{json}{id};
is_deeply written(), ['manager:complaint_logged', 'owner:complaint_logged'], '... the owner and managers';
is $s->post("/api/v1/supplier/complaints/$k/escalate", undef, token => $rep->{token})->{status}, 200,
    'escalated';
is_deeply written(), ['manager:complaint_escalated', 'owner:complaint_escalated'],
    'escalated: the owner and managers';
is $s->post("/api/v1/supplier/complaints/$k/escalate", undef, token => $rep->{token})->{status}, 409,
    'escalated again: 409';
is_deeply written(), [], '... notifies nobody';
is $s->get("$N?type=complaint_escalated", token => $sup->{token})->{json}{results}[0]{priority}, 'high',
    'escalation is high priority';

# ---- the list ---------------------------------------------------------------------------------------
$r = $s->get($N, token => tok($client));
is $r->{status}, 200, 'GET /notifications';
my $all = $r->{json}{pagination}{total};
is $all, 11, 'the client has 11 (2 approvals, 4 bids, a rejection, 4 order updates)';
is $r->{json}{unread_count}, 11, 'unread_count';
is $r->{json}{results}[0]{type}, 'order_update', 'newest first: the cancellation';
ok $r->{json}{results}[0]{created_at} ge $r->{json}{results}[-1]{created_at}, 'newest first';
$r = $s->get("$N?page_size=2&page=2", token => tok($client));
is scalar @{ $r->{json}{results} }, 2, 'pages';
is_deeply [ @{ $r->{json}{pagination} }{qw(page page_size total total_pages)} ], [ 2, 2, $all, 6 ],
    'pagination';
is $s->get("$N?type=bid_placed", token => tok($client))->{json}{pagination}{total}, 4, '?type=';
is $s->get("$N?type=nope", token => tok($client))->{status}, 400, 'an unknown type: 400';
is $s->get("$N?unread_only=maybe", token => tok($client))->{status}, 400, 'a bad unread_only: 400';

my $first = $s->get($N, token => tok($client))->{json}{results}[0];
$r = $s->req('PUT', "$N/$first->{id}/read", undef, token => tok($client));
is $r->{status}, 200, 'PUT …/read';
is $r->{json}{is_read}, JSON::PP::true, 'is_read';
ok $r->{json}{read_at}, 'read_at';
my $read_at = $r->{json}{read_at};
is $s->post("$N/$first->{id}/read", undef, token => tok($client))->{json}{read_at}, $read_at,
    'POST …/read again: the first read_at stays';
is $s->patch("$N/$first->{id}/read", undef, token => tok($client))->{status}, 200, 'PATCH (seed 003)';
$r = $s->get("$N?unread_only=true", token => tok($client));
is $r->{json}{pagination}{total}, $all - 1, '?unread_only=true';
is $r->{json}{unread_count}, $all - 1, 'unread_count drops';
ok !(grep { $_->{id} eq $first->{id} } @{ $r->{json}{results} }), 'without the read one';

is api_error($s->req('PUT', "$N/$first->{id}/read", undef, token => tok($v1))), '404 NOT_FOUND',
    'another user\'s notification: 404';
is api_error($s->req('PUT', "$N/$nil/read", undef, token => tok($client))), '404 NOT_FOUND', 'an unknown id: 404';
is $s->req('PUT', "$N/not-a-uuid/read", undef, token => tok($client))->{status}, 404, 'a malformed id: 404';
is $s->get("$N/$first->{id}/read", token => tok($client))->{status}, 405, 'GET …/read: 405';
is $s->del($N, token => tok($client))->{status}, 405, 'DELETE /notifications: 405';
is $s->get("$N/mark-all-read", token => tok($client))->{status}, 405, 'GET mark-all-read: 405';
is $s->post("$N/preferences", {}, token => tok($client))->{status}, 405, 'POST preferences: 405';
is $s->get($N)->{status}, 401, 'without a token: 401';

$r = $s->req('PUT', "$N/mark-all-read", undef, token => tok($client));
is $r->{status}, 200, 'mark-all-read';
is_deeply $r->{json}, { success => JSON::PP::true, marked_count => $all - 1 }, '{success, marked_count}';
is $s->post("$N/mark-all-read", undef, token => tok($client))->{json}{marked_count}, 0, 'again: 0';
is $s->get($N, token => tok($client))->{json}{unread_count}, 0, 'none unread';
is $s->get($N, token => tok($v1))->{json}{unread_count} > 0, 1, 'another user\'s untouched';

# the aliases
is $s->get('/api/v1/consumer/notifications', token => $con->{token})->{json}{pagination}{total},
    $s->get($N, token => $con->{token})->{json}{pagination}{total}, '/consumer/notifications';
is $s->get('/api/v1/supplier/notifications', token => $sup->{token})->{status}, 200, '/supplier/notifications';
my $cn = $s->get($N, token => $con->{token})->{json}{results}[0];
is $s->post("/api/v1/consumer/notifications/$cn->{id}/read", undef, token => $con->{token})->{status}, 200,
    '/consumer/notifications/:id/read';
is $s->post("/api/v1/supplier/notifications/$cn->{id}/read", undef, token => $sup->{token})->{status}, 404,
    'the consumer\'s through /supplier/…: 404';
is $s->get('/api/v1/consumer/notifications', token => $sup->{token})->{status}, 403,
    '/consumer/notifications is the consumers\'';
is $s->post('/api/v1/supplier/notifications/mark-all-read', undef, token => $rep->{token})->{status}, 200,
    '/supplier/notifications/mark-all-read';

# ---- preferences -----------------------------------------------------------------------------------
$r = $s->get("$N/preferences", token => $con->{token});
is $r->{status}, 200, 'GET preferences';
my @types = sort keys %{ $r->{json}{preferences} };
is scalar @types, 13, 'every type';
is_deeply [ grep { !$r->{json}{preferences}{$_}{in_app} || $r->{json}{preferences}{$_}{whatsapp} } @types ],
    [], 'in-app on by default, WhatsApp off (opt-in)';
is_deeply [ grep { $s->get("$N?type=$_", token => $con->{token})->{status} != 200 } @types ], [],
    'every type of the preferences is a ?type= of the list';
$r = $s->req('PUT', "$N/preferences", { message => { in_app => JSON::PP::false } }, token => $con->{token});
is $r->{status}, 200, 'PUT a partial map';
is_deeply $r->{json}{preferences}{message}, { in_app => JSON::PP::false, whatsapp => JSON::PP::false },
    'message: in_app off, whatsapp still off';
is $r->{json}{preferences}{order_update}{in_app}, JSON::PP::true, 'the others unchanged';
$r = $s->req('PUT', "$N/preferences", { preferences => { message => { whatsapp => JSON::PP::true } } },
             token => $con->{token});
is_deeply $r->{json}{preferences}{message}, { in_app => JSON::PP::false, whatsapp => JSON::PP::true },
    'wrapped in preferences; a channel not named keeps its value';
is_deeply $s->get('/api/v1/consumer/notifications/preferences', token => $con->{token})->{json}{preferences}{message},
    { in_app => JSON::PP::false, whatsapp => JSON::PP::true }, 'kept';
$r = $s->req('PUT', "$N/preferences", { message => { whatsapp => JSON::PP::false } }, token => $con->{token});
is $r->{json}{preferences}{message}{whatsapp}, JSON::PP::false, 'and switched off again';
written();
$s->post("/api/v1/supplier/conversations/$conv->{id}/messages", { content => 'Anything else?' },
         token => $rep->{token});
is_deeply written(), [], 'a type switched off: not written';
for my $c ([ { sms_blast => { in_app => JSON::PP::false } }, ['sms_blast'], 'an unknown type' ],
           [ { message => { sms => JSON::PP::true } }, ['message.sms'], 'an unknown channel' ],
           [ { message => { in_app => 'no' } }, ['message.in_app'], 'not a boolean' ],
           [ { message => JSON::PP::true }, ['message'], 'not an object of channels' ],
           [ { preferences => 'all' }, ['preferences'], 'preferences not an object' ],
           [ { outbid => { in_app => JSON::PP::false }, bogus => {} }, ['bogus'], 'one bad among good' ]) {
    my ($body, $fields, $name) = @$c;
    $r = $s->req('PUT', "$N/preferences", $body, token => $con->{token});
    is api_error($r), '422 VALIDATION_ERROR', "$name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
$r = $s->req('PUT', "$N/preferences", '{"message":{"in_app":"\\u0000"}}', token => $con->{token},
             type => 'application/json');
is api_error($r), '400 BAD_REQUEST',
    'an escaped NUL: 400 when the body is parsed (no JSON body may hold one), not a database error';
is api_error($s->req('PUT', "$N/preferences", [], token => $con->{token})), '400 BAD_REQUEST',
    'an array is not a JSON object body: 400';
is $s->get("$N/preferences", token => $con->{token})->{json}{preferences}{outbid}{in_app}, JSON::PP::true,
    'a refused PUT changes nothing';
$r = $s->req('PUT', "$N/preferences", { message => { inApp => JSON::PP::true } }, token => $con->{token});
is $r->{json}{preferences}{message}{in_app}, JSON::PP::true, 'camelCase inApp is in_app';

# ---- live: a subscriber of /ws/users/<id> -------------------------------------------------------
my $sse = subscribe($s, "/ws/users/$con->{id}", token => $con->{token});
is $sse->status, 200, 'the consumer subscribes';
my $t0 = time;
$s->post("/api/v1/supplier/conversations/$conv->{id}/messages", { content => 'Live one' },
         token => $rep->{token});
my @live = $sse->events(2, 1);
my ($e) = grep { $_->{type} eq 'notification' } @live;
my ($mn) = grep { $_->{type} eq 'message_new' } @live;
my $lag = time - $t0;
ok $e, 'the notification event arrives' or diag $s->logs;
ok $lag <= 1, sprintf('within a second (%.2f s)', $lag);
is $e->{data}{notification}{type}, 'message', 'its notification';
is $e->{data}{notification}{message}, 'Live one', 'the text';
is $e->{data}{notification}{id}, $s->get("$N?type=message", token => $con->{token})->{json}{results}[0]{id},
    'the notification listed';
is $e->{id}, $e->{data}{notification}{id}, "the event's id is the notification's";
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'notification'"
           . " AND payload->'notification'->>'id' = :'p1'", $e->{data}{notification}{id}), 0,
    'it rode with the message_new job: no job of its own';
ok $mn && !exists $mn->{data}{notifications}, 'message_new does not carry the notifications';
ok !exists $e->{data}{member}, '... nor the notification its user\'s shop membership';
ok $s->wait_until(5, sub { !$s->sql("SELECT count(*) FROM jobs WHERE kind = 'message_new'"
                                    . " AND status <> 'done'") }), 'the message_new jobs are done';
is $s->sql("SELECT count(*) FROM cliick_ws_events WHERE message::text LIKE :'p1'", "%$e->{id}%"), 0,
    'a user in no shop: nothing written for Cliick\'s WebSocket';
# once the consumer is a Cliick shop's member, its notifications reach scp-ws too
my $shop = $s->post('/api/shops', { name => 'Harbour Grill Shop', currency => 'MMK' },
                    token => $con->{token});
is $shop->{status}, 201, 'the consumer opens a Cliick shop';
$s->post("/api/v1/supplier/conversations/$conv->{id}/messages", { content => 'Live two' },
         token => $rep->{token});
($e) = grep { $_->{type} eq 'notification' } $sse->events(2, 1);
ok $e, '... its next notification arrives on its channel';
ok !exists $e->{data}{member}, '... without the flag';
ok $s->wait_until(5, sub {
        $s->sql("SELECT count(*) FROM cliick_ws_events WHERE message::text LIKE :'p1'", "%$e->{id}%") }),
    '... and is written for Cliick\'s WebSocket';

# ---- the prune ----------------------------------------------------------------------------------------
my @ids = map { $_->{id} } @{ $s->get("$N?page_size=3", token => tok($v1))->{json}{results} };
is scalar @ids, 3, 'three of v1\'s';
$s->sql("UPDATE notifications SET is_read = true, read_at = now() - interval '100 days' WHERE id = :'p1'", $ids[0]);
$s->sql("UPDATE notifications SET is_read = true, read_at = now() - interval '40 days' WHERE id = :'p1'", $ids[1]);
$s->sql("UPDATE notifications SET is_read = true, read_at = now() - interval '20 days' WHERE id = :'p1'", $ids[2]);
my $v2_unread = $s->sql("SELECT count(*) FROM notifications WHERE user_id = :'p1' AND NOT is_read",
                        $v2->{user}{id});
ok $v2_unread > 0, 'v2 has unread ones';
$s->sql("UPDATE notifications SET created_at = now() - interval '200 days' WHERE user_id = :'p1'",
        $v2->{user}{id});
{
    local $ENV{SCP_CONFIG} = "$s->{dir}/scp.conf";
    local $ENV{SCP_NOTIFICATION_RETENTION_DAYS} = 30;
    system("$top/build/bin/scp-worker", '-1') == 0 or diag 'scp-worker -1 failed';
}
my %left = map { $_ => 1 } $s->sql("SELECT id FROM notifications WHERE user_id = :'p1'", $v1->{user}{id});
ok !$left{$ids[0]} && !$left{$ids[1]}, 'read more than notification_retention_days ago: pruned';
ok $left{$ids[2]}, 'read more recently: kept';
is $s->sql("SELECT count(*) FROM notifications WHERE user_id = :'p1'", $v2->{user}{id}), $v2_unread,
    'unread ones are kept, however old';

# WhatsApp: an opted-in user with a proven phone gets the notification as a template
# message (a whatsapp_template job named as the type), the others none.
{
    my $wsup = new_supplier($s);
    my ($wa, $plain) = (new_consumer($s), new_consumer($s));
    $s->sql("UPDATE users SET phone_number = :'p1', phone_verified = true WHERE id = :'p2'",
            '+919812300001', $wa->{id});
    $s->sql("UPDATE users SET phone_number = :'p1', phone_verified = true WHERE id = :'p2'",
            '+919812300002', $plain->{id});
    is $s->req('PUT', "$N/preferences", { link_response => { whatsapp => JSON::PP::true } },
               token => $wa->{token})->{status}, 200, 'a consumer opts in to link answers by WhatsApp';
    link_up($s, $wsup, $_) for $wa, $plain;
    my $q = "SELECT count(*) FROM jobs WHERE kind = 'whatsapp_template' AND payload->>'user_id' = :'p1'";
    is $s->sql($q, $wa->{id}), 1, '... its answer queues one template message';
    is $s->sql("SELECT concat_ws(' ', payload->>'template', payload->>'to',"
               . " jsonb_array_length(payload->'parameters')) FROM jobs"
               . " WHERE kind = 'whatsapp_template' AND payload->>'user_id' = :'p1'", $wa->{id}),
        'link_response +919812300001 2', '... the template named as the type, to its phone, title and message';
    is $s->sql($q, $plain->{id}), 0, 'a consumer who did not opt in: none';
    is $s->sql("SELECT count(*) FROM notifications WHERE user_id = :'p1' AND type = 'link_response'",
               $wa->{id}), 1, 'the in-app notification is written as well';
}

# The kept counts (sql/055_notification_counts.sql, in shards: sql/100) agree with a
# recount for every user and type, after all of the above: inserts, reads one by one
# and all at once, the prune.
is $s->sql("SELECT count(*) FROM (SELECT user_id, type, count(*) AS total,"
           . " count(*) FILTER (WHERE NOT is_read) AS unread FROM notifications GROUP BY 1, 2) r"
           . " FULL JOIN (SELECT user_id, type, sum(total) AS total, sum(unread) AS unread"
           . "  FROM notification_counts GROUP BY 1, 2 HAVING sum(total) > 0) c USING (user_id, type)"
           . " WHERE r.total IS DISTINCT FROM c.total OR r.unread IS DISTINCT FROM c.unread"), 0,
    'notification_counts agrees with a recount of every user and type';
is $s->sql("SELECT count(*) FROM notifications n JOIN notifications_api v USING (id)"
           . " WHERE scp_notification_json(n)::jsonb IS DISTINCT FROM to_jsonb(v)"), 0,
    'a listed notification (notifications_api) is scp_notification_json of its row';
{
    my $u = $v2->{user}{id};
    my $page = $s->get("$N?type=outbid&page_size=1", token => tok($v2))->{json};
    is $page->{pagination}{total}, $s->sql("SELECT count(*) FROM notifications WHERE user_id = :'p1'"
                                           . " AND type = 'outbid'", $u), 'a type\'s total';
    $page = $s->get("$N?unread_only=true&page_size=1", token => tok($v2))->{json};
    is $page->{pagination}{total}, $s->sql("SELECT count(*) FROM notifications WHERE user_id = :'p1'"
                                           . " AND NOT is_read", $u), 'the unread total';
    is $page->{unread_count}, $page->{pagination}{total}, 'unread_count is the same';
}

# The counts are kept in shards, one per backend modulo 8 (sql/100): concurrent writers
# that notify one user add to different rows, reads and deletes subtract in their own
# shard, and only the sums mean anything.  8 backends at once, 25 notifications each to
# one user, then reads and a delete by other backends: the sums are a recount.
{
    my $u = $s->sql("INSERT INTO users (email, password_hash, role, first_name)"
                    . " VALUES ('shards\@example.com', 'x', 'vendor', 'Shards') RETURNING id");
    my @kids;
    for my $k (1 .. 8) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            $s->sql("SELECT scp_notify_set(ARRAY[:'p1'::uuid], 'outbid', 'Outbid', 'n ' || g,"
                    . " '{}', 'high', NULL) FROM generate_series(1, 25) g", $u);
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    waitpid $_, 0 for @kids;
    my $recount = "SELECT count(*) || ' ' || count(*) FILTER (WHERE NOT is_read)"
                . " FROM notifications WHERE user_id = :'p1'";
    my $kept = "SELECT coalesce(sum(total), 0) || ' ' || coalesce(sum(unread), 0)"
             . " FROM notification_counts WHERE user_id = :'p1'";
    is $s->sql($kept, $u), '200 200', '200 notifications from 8 concurrent backends, all counted';
    is $s->sql($kept, $u), $s->sql($recount, $u), '... as a recount says';
    cmp_ok $s->sql("SELECT count(*) FROM notification_counts WHERE user_id = :'p1'", $u), '>', 1,
        '... in more than one shard';
    $s->sql("UPDATE notifications SET is_read = true, read_at = now() WHERE id IN"
            . " (SELECT id FROM notifications WHERE user_id = :'p1' ORDER BY id LIMIT 30)", $u);
    $s->sql("DELETE FROM notifications WHERE id IN (SELECT id FROM notifications"
            . " WHERE user_id = :'p1' AND is_read ORDER BY id LIMIT 10)", $u);
    $s->sql("DELETE FROM notifications WHERE id IN (SELECT id FROM notifications"
            . " WHERE user_id = :'p1' AND NOT is_read ORDER BY id LIMIT 5)", $u);
    is $s->sql($kept, $u), '185 165', 'reads and deletes in other backends: the sums follow';
    is $s->sql($kept, $u), $s->sql($recount, $u), '... as a recount says';
    is $s->sql("SELECT sum(changes) FROM notification_counts WHERE user_id = :'p1'", $u), 203,
        'the version rose once for each insert and once for each statement that read or deleted';
    $s->sql("DELETE FROM users WHERE id = :'p1'", $u);
    is $s->sql("SELECT count(*) FROM notification_counts WHERE user_id = :'p1'", $u), 0,
        'a deleted user\'s notifications and counts go with it';
}

done_testing;
