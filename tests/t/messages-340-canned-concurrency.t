# Canned replies (cgi-bin/messages/canned.c) and concurrent sending: 20 messages sent at
# once, each twice under its own Idempotency-Key, are stored once each, with the unread
# count to match; 20 requests under one key store one message.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use Time::HiRes qw(time);
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $other = new_supplier($s);
my $rep = add_staff($s, $sup, 'sales_rep');
my $rep2 = add_staff($s, $sup, 'sales_rep');
my $mgr = add_staff($s, $sup, 'manager');
my $orep = add_staff($s, $other, 'sales_rep');
my $con = new_consumer($s);
link_up($s, $sup, $con);
my $vendor = $s->signup(role => 'vendor');
my $nil = '00000000-0000-4000-8000-000000000000';
my $CR = '/api/v1/supplier/canned-replies';

# --- canned replies ---------------------------------------------------------------------------
my $r = $s->post($CR, { title => 'Delivery times', content => 'We deliver 6–10 am.', category => 'delivery' },
                 token => $rep->{token});
is $r->{status}, 201, 'a sales rep adds a canned reply: 201';
my $c1 = $r->{json};
is_deeply [ @$c1{qw(title content category)} ], [ 'Delivery times', 'We deliver 6–10 am.', 'delivery' ],
    'title, content, category';
ok $c1->{created_at} && $c1->{updated_at}, 'created_at, updated_at';
$r = $s->post($CR, { title => 'Thanks', content => 'Thank you for your order!' }, token => $mgr->{token});
is $r->{json}{category}, 'general', 'category defaults to general';
my $c2 = $r->{json};
is api_error($s->post($CR, { title => 'delivery TIMES', content => 'x' }, token => $mgr->{token})),
    '409 CONFLICT', 'a title already taken (any case): 409';
is $s->post($CR, { title => 'Delivery times', content => 'x' }, token => $orep->{token})->{status}, 201,
    'another supplier may use it';
for my $c ([ {}, ['content', 'title'], 'nothing' ],
           [ { title => 'x' x 201, content => 'y' }, ['title'], 'a long title' ],
           [ { title => 'x', content => 'y' x 5001 }, ['content'], 'a long content' ],
           [ { title => 'x', content => 'y', category => '' }, ['category'], 'an empty category' ],
           [ { title => 'x', content => 'y', category => ['a'] }, ['category'], 'a category not a string' ]) {
    my ($body, $fields, $name) = @$c;
    $r = $s->post($CR, $body, token => $mgr->{token});
    is api_error($r), '422 VALIDATION_ERROR', "$name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
$r = $s->get($CR, token => $rep2->{token});
is $r->{status}, 200, 'staff list them';
is_deeply [ map { $_->{title} } @{ $r->{json}{results} } ], [ 'Delivery times', 'Thanks' ], 'by title';
is $s->get("$CR?category=DELIVERY", token => $rep2->{token})->{json}{pagination}{total}, 1,
    '?category= (any case)';
is $s->get($CR, token => $orep->{token})->{json}{pagination}{total}, 1, 'another supplier sees its own';
is api_error($s->get($CR, token => $con->{token})), '403 FORBIDDEN', 'a consumer: 403';
is api_error($s->get($CR, token => $vendor->{access_token})), '403 FORBIDDEN', 'a vendor: 403';
is api_error($s->del("$CR/$c2->{id}", token => $rep->{token})), '403 FORBIDDEN',
    'a sales rep deletes another\'s: 403';
is api_error($s->del("$CR/$c1->{id}", token => $orep->{token})), '404 NOT_FOUND',
    'another supplier deletes: 404';
$r = $s->del("$CR/$c1->{id}", token => $rep->{token});
is $r->{status}, 200, 'a sales rep deletes its own';
is $r->{json}{id}, $c1->{id}, '... answering the reply it was';
is $s->del("$CR/$c2->{id}", token => $mgr->{token})->{status}, 200, 'a manager deletes any';
is api_error($s->del("$CR/$c2->{id}", token => $mgr->{token})), '404 NOT_FOUND', 'gone: 404';
is api_error($s->del("$CR/$nil", token => $mgr->{token})), '404 NOT_FOUND', 'unknown: 404';

# --- 20 concurrent messages, each sent twice under its key ----------------------------------------
my $conv = $s->post('/api/v1/consumer/conversations', { supplier_id => $sup->{id} },
                    token => $con->{token})->{json};
my $M = "/api/v1/consumer/conversations/$conv->{id}/messages";
my $run = $$;    # the children of parallel() have pids of their own
my @res = SCPTest::parallel(40, sub {
    my $i = shift;
    my $n = $i % 20;
    my $x = $s->post($M, { content => "burst $n" }, token => $con->{token},
                     headers => { 'Idempotency-Key' => "burst-$run-$n" });
    return { status => $x->{status}, n => $n, id => $x->{json} ? $x->{json}{id} // '' : '' };
});
my %ids;
for my $x (grep { $_->{status} == 201 } @res) { $ids{ $x->{n} }{ $x->{id} }++ }
my @busy = grep { $_->{status} == 409 } @res;
is @busy + grep({ $_->{status} == 201 } @res), 40, 'every request answered 201 or 409 (in flight)'
    or diag explain \@res;
ok !(grep { keys %{ $ids{$_} } != 1 } keys %ids), 'each key answered one message';
is $s->sql("SELECT count(*) FROM chat_messages WHERE conversation_id = :'p1'", $conv->{id}), 20,
    '20 messages stored';
is $s->sql("SELECT count(DISTINCT content) FROM chat_messages WHERE conversation_id = :'p1'", $conv->{id}),
    20, 'each once';
is $s->get("/api/v1/supplier/conversations/$conv->{id}", token => $mgr->{token})->{json}{unread_count},
    20, 'the unread count matches';
# No message waits for its conversation's row (sql/102): one that finds it held leaves
# the list order to its job, which scp-worker takes within moments.  Once the jobs are
# taken, the order is the newest message's.
ok $s->wait_until(10, sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'message_new'"
                                    . " AND status = 'queued'") == 0 }), 'the events taken';
is $s->sql("SELECT c.last_activity_at = (SELECT max(created_at) FROM chat_messages m"
           . " WHERE m.conversation_id = c.id) FROM conversations c WHERE c.id = :'p1'", $conv->{id}),
    't', '... and the conversation\'s place in the lists is its newest message\'s';
my $latest = $s->get("/api/v1/supplier/conversations/$conv->{id}", token => $mgr->{token})->{json};
is $latest->{last_message}, $s->sql("SELECT content FROM chat_messages WHERE conversation_id = :'p1'"
                                    . " ORDER BY seq DESC LIMIT 1", $conv->{id}),
    '... its last message the newest in its history';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'message_new' AND payload->>'conversation_id' = :'p1'",
           $conv->{id}), 20, 'one message_new each';
$r = $s->post($M, { content => 'burst 3' }, token => $con->{token},
              headers => { 'Idempotency-Key' => "burst-$run-3" });
is $r->{headers}{'idempotent-replayed'}, 'true', 'a retry afterwards is the replay';
is $r->{json}{id}, (keys %{ $ids{3} })[0], '... of the same message';

@res = SCPTest::parallel(20, sub {
    my $x = $s->post("/api/v1/supplier/conversations/$conv->{id}/messages", { content => 'once' },
                     token => $rep->{token}, headers => { 'Idempotency-Key' => "one-$run" });
    return { status => $x->{status} };
});
is $s->sql("SELECT count(*) FROM chat_messages WHERE content = 'once'"), 1,
    '20 concurrent requests under one key: one message';
is scalar(grep { $_->{status} == 201 || $_->{status} == 409 } @res), 20, '... the others replayed or 409';

# A message does not wait for its conversation's row: held by another transaction (as an
# edit or another message holds it, FOR NO KEY UPDATE), the message is answered at once, its job
# says so ("touch"), and scp-worker moves the conversation once the row is free.
{
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        $s->sql("BEGIN; SELECT 1 FROM conversations WHERE id = :'p1' FOR NO KEY UPDATE;"
                . " SELECT pg_sleep(3); COMMIT", $conv->{id});
        POSIX::_exit(0);
    }
    ok $s->wait_until(5, sub { $s->sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                                      . " WHERE c.relname = 'conversations' AND l.mode = 'RowShareLock'"
                                      . " AND l.pid <> pg_backend_pid()") > 0 }),
        'another transaction holds the conversation\'s row';
    my $t0 = time;
    my $held = $s->post($M, { content => 'while held' }, token => $con->{token});
    is $held->{status}, 201, 'a message meanwhile: 201';
    cmp_ok time - $t0, '<', 2, '... answered without waiting for the row';
    is $s->sql("SELECT payload->>'touch' FROM jobs WHERE kind = 'message_new'"
               . " AND payload->'message'->>'id' = :'p1'", $held->{json}{id}), 'true',
        '... its job moves the conversation';
    waitpid $pid, 0;
    ok $s->wait_until(10, sub {
        $s->sql("SELECT c.last_activity_at = m.created_at FROM conversations c, chat_messages m"
                . " WHERE c.id = :'p1' AND m.id = :'p2'", $conv->{id}, $held->{json}{id}) eq 't' }),
        '... once the row is free: the conversation\'s place is that message\'s';
    is $s->get("/api/v1/supplier/conversations/$conv->{id}", token => $mgr->{token})->{json}{last_message},
        'while held', '... and it is the last message';
}

done_testing;
