# A shop's live chat at /api/shops/:shopId/conversations[/:id[/messages]] (the cliick
# profile): open, list, read, update (status machine, assignee from the team, tags,
# notes, AI flag), send (text, attachments from /uploads only, notes), the history
# newest first with ?before=; each validation error; team rights (order managers read
# only, strangers 404, another shop's conversation 404); the event jobs and, for a
# social channel, the social_send job, written with the change and never without it;
# the widget's routes open to any origin (CORS "*", no credentials).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP;
use SCPTest qw(parallel);
use SCPShops qw(shop_account fields_of member_list_checks);

my $s = SCPTest->start;

sub jobs {
    my ($kind) = @_;
    return $s->sql("SELECT count(*) FROM jobs WHERE kind = '$kind'");
}

my ($owner, $stranger, $agent, $manager, $admin) = map { shop_account($s, 'chat') } 1 .. 5;
my $shop = $s->post('/api/shops', { name => 'Teak' }, token => $owner->{token})->{json}{data};
my $other = $s->post('/api/shops', { name => 'Other' }, token => $stranger->{token})->{json}{data};
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop->{id}', '$agent->{id}', 'support_agent'),"
        . " ('$shop->{id}', '$manager->{id}', 'order_manager'),"
        . " ('$shop->{id}', '$admin->{id}', 'admin')");
my $base = "/api/shops/$shop->{id}/conversations";
my $T = $owner->{token};

# --- open -------------------------------------------------------------------------------
my $r = $s->post($base, { channel => 'web', customerName => 'Ma Hla' }, token => $T);
is $r->{status}, 201, 'a web conversation opened: 201';
my $web = $r->{json}{data};
like $web->{id}, qr/^[0-9a-f-]{36}$/, 'id';
is $web->{channel}, 'web', 'channel';
is $web->{customerName}, 'Ma Hla', 'customerName';
is $web->{status}, 'open', 'status open';
is $web->{assigneeId}, undef, 'no assignee';
is_deeply $web->{tags}, [], 'no tags';
is $web->{notes}, '', 'notes empty';
is $web->{isAiActive}, JSON::PP::true, 'the AI answers at first';
is_deeply $web->{messages}, [], 'no messages';
like $web->{lastMessageAt}, qr/^\d{13}$/, 'lastMessageAt in epoch milliseconds';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_conversation_updated'"
           . " AND payload->>'topic' = '/ws/shops/$shop->{id}'"
           . " AND payload->'conversation'->>'id' = '$web->{id}'"), 1,
    'a shop_conversation_updated job on the shop\'s topic';

$r = $s->post($base, { channel => 'facebook', customerName => 'Ko Aung', customerId => 'psid-1' },
              token => $agent->{token});
is $r->{status}, 201, 'a support agent opens a facebook conversation: 201';
my $fb = $r->{json}{data};
is $fb->{customerId}, 'psid-1', 'customerId, the id on the platform';
$r = $s->post($base, { channel => 'facebook', customerName => 'Ko Aung', customerId => 'psid-1' },
              token => $T);
is $r->{status}, 200, 'the same customer again: 200';
is $r->{json}{data}{id}, $fb->{id}, '  the same conversation';

my @bad = (
    [ {}, [ 'channel', 'customer_name' ], 'nothing' ],
    [ { channel => 'email', customerName => 'x' }, [ 'channel' ], 'an unknown channel' ],
    [ { channel => 'web', customerName => '' }, [ 'customer_name' ], 'an empty name' ],
    [ { channel => 'web', customerName => 'x' x 201 }, [ 'customer_name' ], 'a name too long' ],
    [ { channel => 'web', customerName => 7 }, [ 'customer_name' ], 'a name not a string' ],
    [ { channel => 'telegram', customerName => 'x' }, [ 'customer_id' ],
      'a social channel without the customer\'s id' ],
    [ { channel => 'viber', customerName => 'x', customerId => '' }, [ 'customer_id' ],
      'an empty customer id' ],
);
for my $case (@bad) {
    my ($body, $want, $what) = @$case;
    $r = $s->post($base, $body, token => $T);
    is $r->{status}, 422, "open, $what: 422";
    my $f = fields_of($r);
    for my $field (@$want) {
        (my $camel = $field) =~ s/_(\w)/\u$1/g;
        ok $f->{$field} || $f->{$camel}, "  $field named";
    }
}
$r = $s->post($base, '{"channel":', token => $T);
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post($base, '[1]', token => $T);
is $r->{status}, 400, 'not an object: 400';
$r = $s->post($base, { channel => 'web', customerName => 'x' x (2 * 1024 * 1024) }, token => $T);
is $r->{status}, 413, 'a 2 MiB body: 413';
$r = $s->post($base, { channel => 'web', customerName => 'x' });
is $r->{status}, 401, 'no session: 401';
$r = $s->post($base, { channel => 'web', customerName => 'x' }, token => 'not.a.token');
is $r->{status}, 401, 'a bad token: 401';
$r = $s->post($base, { channel => 'web', customerName => 'x' }, token => $manager->{token});
is $r->{status}, 403, 'an order manager may not open: 403';
$r = $s->post($base, { channel => 'web', customerName => 'x' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
# The same new customer opened by six members at once: one conversation.
my @res = parallel(6, sub {
    my $x = $s->post($base, { channel => 'viber', customerName => 'Daw Mya', customerId => 'vb-9' },
                     token => $_[0] % 2 ? $agent->{token} : $T);
    return { status => $x->{status}, id => $x->{json}{data}{id} };
});
is join(',', sort map { $_->{status} } @res), '200,200,200,200,200,201',
    'six concurrent opens: one 201, five 200';
is scalar(keys %{ { map { $_->{id} => 1 } @res } }), 1, '  all the same conversation';
$s->sql("DELETE FROM jobs WHERE kind = 'shop_conversation_updated'"
        . " AND payload->'conversation'->>'customer_id' = 'vb-9'");
$s->sql("DELETE FROM shop_conversations WHERE customer_external_id = 'vb-9'");
is $s->sql("SELECT count(*) FROM shop_conversations"), 2, 'no invalid conversation made';
is jobs('shop_conversation_updated'), 2, 'and no event for any';

# --- send -------------------------------------------------------------------------------
my $up = $s->req('POST', '/api/v1/uploads', "\x89PNG\r\n\x1a\n" . ("\x02" x 64),
                 type => 'image/png', token => $T);
is $up->{status}, 201, 'an image uploaded';
my $image = $s->path($up->{json}{url});

my $mbase = "$base/$web->{id}/messages";
$r = $s->post($mbase, { sender => 'seller', text => 'Mingalaba!' }, token => $agent->{token});
is $r->{status}, 201, 'a support agent answers: 201';
my $m1 = $r->{json}{data};
is $m1->{sender}, 'seller', 'sender seller';
is $m1->{senderId}, $agent->{id}, 'senderId the agent';
is $m1->{text}, 'Mingalaba!', 'text';
is $m1->{attachment}, undef, 'no attachment';
like $m1->{timestamp}, qr/^\d{13}$/, 'timestamp in epoch milliseconds';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_message_new'"
           . " AND payload->>'topic' = '/ws/shops/$shop->{id}'"
           . " AND payload->>'shop_id' = '$shop->{id}'"
           . " AND payload->>'conversation_id' = '$web->{id}'"
           . " AND payload->'message'->>'id' = '$m1->{id}'"), 1, 'a shop_message_new job';
is jobs('social_send'), 0, 'the web widget: no social_send';
# The worker takes the topic /ws/shops/<id> (not a dead letter for its topic); nchan's
# publisher location for it is the websocket part's.
my $tried = $s->wait_until(15, sub {
    $s->sql("SELECT status || ' ' || coalesce(last_error, '') FROM jobs WHERE kind = 'shop_message_new'"
            . " AND payload->'message'->>'id' = '$m1->{id}' AND (attempts > 0 OR status = 'done')") });
ok $tried && $tried !~ /without a valid topic/, "the worker accepts the event's topic ($tried)";

$r = $s->post($mbase, { text => 'A photo', attachment => { type => 'image', url => $image,
                                                           name => 'chair.png' } }, token => $T);
is $r->{status}, 201, 'with an attachment: 201';
my $m2 = $r->{json}{data};
is $m2->{attachment}{type}, 'image', 'attachment.type';
is $s->path($m2->{attachment}{url}), $image, 'attachment.url, the stored file';
is $m2->{attachment}{name}, 'chair.png', 'attachment.name';
$r = $s->post($mbase, { text => 'VIP, asks for delivery', isNote => JSON::PP::true }, token => $T);
is $r->{status}, 201, 'a note: 201';
my $m3 = $r->{json}{data};
is $m3->{isNote}, JSON::PP::true, 'isNote';

@bad = (
    [ {}, [ 'text' ], 'nothing' ],
    [ { text => '' }, [ 'text' ], 'empty text' ],
    [ { text => 'x' x 5001 }, [ 'text' ], 'text too long' ],
    [ { text => 5 }, [ 'text' ], 'text not a string' ],
    [ { text => 'x', sender => 'user' }, [ 'sender' ], 'as the customer' ],
    [ { text => 'x', sender => 'ai' }, [ 'sender' ], 'as the AI' ],
    [ { text => 'x', attachment => 'img.png' }, [ 'attachment' ], 'an attachment not an object' ],
    [ { attachment => { type => 'image', url => 'https://elsewhere.example/a.png' } },
      [ 'attachment.url' ], 'an attachment from elsewhere' ],
    [ { attachment => { type => 'image', url => '/media/images/' . ('0' x 32) . '.png' } },
      [ 'attachment.url' ], 'an attachment never stored' ],
    [ { attachment => { type => 'pdf', url => $image } }, [ 'attachment.type' ], 'an unknown attachment type' ],
    [ { attachment => { url => $image } }, [ 'attachment.type' ], 'an attachment without a type' ],
    [ { attachment => { type => 'image' } }, [ 'attachment.url' ], 'an attachment without a url' ],
    [ { attachment => { type => 'image', url => $image, name => 'n' x 201 } }, [ 'attachment.name' ],
      'an attachment name too long' ],
    [ { text => 'x', isNote => 'yes' }, [ 'is_note' ], 'isNote not a boolean' ],
);
for my $case (@bad) {
    my ($body, $want, $what) = @$case;
    $r = $s->post($mbase, $body, token => $T);
    is $r->{status}, 422, "send, $what: 422";
    my $f = fields_of($r);
    for my $field (@$want) {
        (my $camel = $field) =~ s/_(\w)/\u$1/g;
        ok $f->{$field} || $f->{$camel}, "  $field named" or diag $r->{content};
    }
}
$r = $s->post($mbase, '{"text":', token => $T);
is $r->{status}, 400, 'send, malformed JSON: 400';
$r = $s->post($mbase, { text => 'x' x (2 * 1024 * 1024) }, token => $T);
is $r->{status}, 413, 'send, a 2 MiB body: 413';
$r = $s->post($mbase, { text => 'x' });
is $r->{status}, 401, 'send without a session: 401';
$r = $s->post($mbase, { text => 'x' }, token => $manager->{token});
is $r->{status}, 403, 'an order manager may not answer: 403';
$r = $s->post($mbase, { text => 'x' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->post("/api/shops/$other->{id}/conversations/$web->{id}/messages", { text => 'x' },
              token => $stranger->{token});
is $r->{status}, 404, 'through another shop: 404';
$r = $s->post("$base/00000000-0000-0000-0000-000000000000/messages", { text => 'x' }, token => $T);
is $r->{status}, 404, 'no such conversation: 404';
is $s->sql("SELECT count(*) FROM shop_messages"), 3, 'no invalid message stored';
is jobs('shop_message_new'), 3, 'and no event for any';

# --- social_send ------------------------------------------------------------------------
$r = $s->post("$base/$fb->{id}/messages", { text => 'Your order ships today' }, token => $T);
is $r->{status}, 201, 'an answer on facebook: 201';
my $fm = $r->{json}{data};
my $job = $s->sql("SELECT payload FROM jobs WHERE kind = 'social_send'");
is_deeply decode_json($job), { shop_id => $shop->{id}, platform => 'facebook',
                               recipient_id => 'psid-1', text => 'Your order ships today',
                               message_id => $fm->{id} }, 'one social_send job with its payload';
$r = $s->post("$base/$fb->{id}/messages", { text => 'internal', isNote => JSON::PP::true }, token => $T);
is $r->{status}, 201, 'a note on facebook: 201';
is jobs('social_send'), 1, '  a note is never sent to the customer';

# --- read -------------------------------------------------------------------------------
$r = $s->get($base, token => $manager->{token});
is $r->{status}, 200, 'an order manager lists: 200';
is ref $r->{json}{data}, 'ARRAY', 'data is the array';
is $r->{json}{pagination}{total}, 2, 'two conversations';
is_deeply [ map { $_->{id} } @{ $r->{json}{data} } ], [ $fb->{id}, $web->{id} ],
    'the latest message first';
is $r->{json}{data}[1]{lastMessage}, 'A photo', 'lastMessage (a note is not one)';
$r = $s->get("$base?status=closed", token => $T);
is $r->{json}{pagination}{total}, 0, '?status=closed: none';
$r = $s->get("$base?status=done", token => $T);
is $r->{status}, 400, '?status unknown: 400';
$r = $s->get($base, token => $stranger->{token});
is $r->{status}, 404, 'a stranger lists: 404';
member_list_checks($s, 'conversations', $other, $stranger, $T);
$r = $s->get($base);
is $r->{status}, 401, 'list without a session: 401';

$r = $s->get("$base/$web->{id}", token => $agent->{token});
is $r->{status}, 200, 'one conversation: 200';
is_deeply [ map { $_->{id} } @{ $r->{json}{data}{messages} } ], [ $m1->{id}, $m2->{id}, $m3->{id} ],
    'its messages, oldest first';
$r = $s->get("$base/$web->{id}", token => $stranger->{token});
is $r->{status}, 404, 'a stranger reads it: 404';
$r = $s->get("/api/shops/$other->{id}/conversations/$web->{id}", token => $stranger->{token});
is $r->{status}, 404, 'through another shop: 404';
$r = $s->get("$base/not-a-uuid", token => $T);
is $r->{status}, 404, 'not an id: 404';

$r = $s->get("$mbase?limit=2", token => $T);
is $r->{status}, 200, 'history: 200';
is_deeply [ map { $_->{id} } @{ $r->{json}{data} } ], [ $m3->{id}, $m2->{id} ], 'newest first';
$r = $s->get("$mbase?before=$m2->{id}", token => $T);
is_deeply [ map { $_->{id} } @{ $r->{json}{data} } ], [ $m1->{id} ], '?before= the older ones';
$r = $s->get("$mbase?before=$fm->{id}", token => $T);
is $r->{status}, 400, '?before= a message of another conversation: 400';
$r = $s->get("$mbase?before=nope", token => $T);
is $r->{status}, 400, '?before= not an id: 400';
$r = $s->get($mbase, token => $stranger->{token});
is $r->{status}, 404, 'a stranger reads the history: 404';

# --- update -----------------------------------------------------------------------------
my $cbase = "$base/$web->{id}";
my $before = jobs('shop_conversation_updated');
$r = $s->req('PUT', $cbase, { status => 'pending', assigneeId => $agent->{id},
                              tags => [ 'vip', 'delivery' ], notes => 'Calls after 6',
                              isAiActive => JSON::PP::false }, token => $agent->{token});
is $r->{status}, 200, 'update: 200';
my $c = $r->{json}{data};
is $c->{status}, 'pending', 'status pending';
is $c->{assigneeId}, $agent->{id}, 'assigned to the agent';
is_deeply [ sort @{ $c->{tags} } ], [ 'delivery', 'vip' ], 'tags';
is $c->{notes}, 'Calls after 6', 'notes';
is $c->{isAiActive}, JSON::PP::false, 'the AI off';
is jobs('shop_conversation_updated'), $before + 1, 'a shop_conversation_updated job';
$r = $s->req('PUT', $cbase, { status => 'closed', assigneeId => undef, notes => undef }, token => $T);
is $r->{status}, 200, 'closed, unassigned: 200';
is $r->{json}{data}{assigneeId}, undef, 'no assignee';
is $r->{json}{data}{notes}, '', 'notes cleared';
$r = $s->req('PUT', $cbase, { status => 'pending' }, token => $T);
is $r->{status}, 409, 'closed to pending: 409';
$r = $s->req('PUT', $cbase, { status => 'closed' }, token => $T);
is $r->{status}, 200, 'closed again: no change, 200';
$r = $s->post($mbase, { text => 'We are back' }, token => $T);
is $r->{status}, 201, 'an answer to a closed one: 201';
is $s->sql("SELECT status FROM shop_conversations WHERE id = '$web->{id}'"), 'open',
    '  it opens again';

my $snap = $s->sql("SELECT row_to_json(c)::text FROM shop_conversations c WHERE id = '$web->{id}'");
$before = jobs('shop_conversation_updated');
@bad = (
    [ { status => 'done' }, [ 'status' ], 'an unknown status' ],
    [ { assigneeId => 'x' }, [ 'assignee_id' ], 'an assignee not an id' ],
    [ { assigneeId => $stranger->{id} }, [ 'assignee_id' ], 'an assignee out of the team' ],
    [ { tags => 'vip' }, [ 'tags' ], 'tags not an array' ],
    [ { tags => [ ('t') x 21 ] }, [ 'tags' ], '21 tags' ],
    [ { tags => [ '' ] }, [ 'tags[0]' ], 'an empty tag' ],
    [ { tags => [ 'ok', 'x' x 51 ] }, [ 'tags[1]' ], 'a tag too long' ],
    [ { tags => [ 5 ] }, [ 'tags[0]' ], 'a tag not a string' ],
    [ { tags => [ 'vip', 'vip' ] }, [ 'tags[1]' ], 'a tag twice' ],
    [ { notes => 'n' x 5001 }, [ 'notes' ], 'notes too long' ],
    [ { isAiActive => 'no' }, [ 'is_ai_active' ], 'isAiActive not a boolean' ],
    [ { isRead => undef }, [ 'is_read' ], 'isRead null' ],
);
for my $case (@bad) {
    my ($body, $want, $what) = @$case;
    $r = $s->req('PUT', $cbase, $body, token => $T);
    is $r->{status}, 422, "update, $what: 422";
    my $f = fields_of($r);
    for my $field (@$want) {
        (my $camel = $field) =~ s/_(\w)/\u$1/g;
        ok $f->{$field} || $f->{$camel}, "  $field named" or diag $r->{content};
    }
}
$r = $s->req('PUT', $cbase, '{', token => $T);
is $r->{status}, 400, 'update, malformed JSON: 400';
$r = $s->req('PUT', $cbase, { status => 'closed' });
is $r->{status}, 401, 'update without a session: 401';
$r = $s->req('PUT', $cbase, { status => 'closed' }, token => $manager->{token});
is $r->{status}, 403, 'an order manager may not update: 403';
$r = $s->req('PUT', $cbase, { status => 'closed' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->req('PUT', "/api/shops/$other->{id}/conversations/$web->{id}", { status => 'closed' },
             token => $stranger->{token});
is $r->{status}, 404, 'through another shop: 404';
is $s->sql("SELECT row_to_json(c)::text FROM shop_conversations c WHERE id = '$web->{id}'"), $snap,
    'no bad update changed anything';
is jobs('shop_conversation_updated'), $before, 'and no event for any';

# --- the web widget: a customer without an account ------------------------------------
my $wbase = "/api/shops/$shop->{id}/widget/conversations";
$r = $s->post($wbase, { customerName => 'Visitor' });
is $r->{status}, 201, 'the widget opens a conversation without an account: 201';
my $wc = $r->{json}{data}{conversation};
my $wt = $r->{json}{data}{widgetToken};
like $wt, qr/^[0-9a-f]{64}$/, 'a widget token, once';
is $wc->{channel}, 'web', 'on the web channel';
is $wc->{customerName}, 'Visitor', 'customerName';
ok !exists $wc->{notes} && !exists $wc->{assigneeId}, 'without the team\'s fields';
isnt $s->sql("SELECT widget_token_hash FROM shop_conversations WHERE id = '$wc->{id}'"), $wt,
    'only the token\'s hash is stored';
my $W = { 'X-Widget-Token' => $wt };
$r = $s->req('POST', "$wbase/$wc->{id}/messages", { text => 'Do you deliver to Mandalay?' },
             headers => $W);
is $r->{status}, 201, 'the customer writes: 201';
is $r->{json}{data}{sender}, 'user', 'sender user';
ok !exists $r->{json}{data}{isNote}, 'no team fields in the customer\'s view';
is $s->sql("SELECT is_read FROM shop_conversations WHERE id = '$wc->{id}'"), 'f', 'unread by the team';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_message_new'"
           . " AND payload->>'conversation_id' = '$wc->{id}'"), 1, 'a shop_message_new job';
$s->post("$base/$wc->{id}/messages", { text => 'Yes we do' }, token => $agent->{token});
$s->post("$base/$wc->{id}/messages", { text => 'internal', isNote => JSON::PP::true }, token => $T);
$r = $s->get("$wbase/$wc->{id}/messages", headers => $W);
is $r->{status}, 200, 'the widget reads its history: 200';
is_deeply [ map { $_->{text} } @{ $r->{json}{data} } ], [ 'Yes we do', 'Do you deliver to Mandalay?' ],
    'newest first, without the team\'s note';
$r = $s->get($base, token => $agent->{token});
ok scalar(grep { $_->{id} eq $wc->{id} } @{ $r->{json}{data} }), 'the team lists it';

$r = $s->post($wbase, {});
is $r->{status}, 422, 'widget open without a name: 422';
ok fields_of($r)->{customerName} || fields_of($r)->{customer_name}, '  customer_name named';
$r = $s->post($wbase, { customerName => 'x' x 201 });
is $r->{status}, 422, 'a name too long: 422';
$r = $s->post("/api/shops/00000000-0000-0000-0000-000000000000/widget/conversations",
              { customerName => 'x' });
is $r->{status}, 404, 'no such shop: 404';
$r = $s->req('POST', "$wbase/$wc->{id}/messages", { text => 'x' });
is $r->{status}, 401, 'no widget token: 401';
$r = $s->req('POST', "$wbase/$wc->{id}/messages", { text => 'x' }, headers => { 'X-Widget-Token' => 'abc' });
is $r->{status}, 401, 'a malformed widget token: 401';
$r = $s->req('POST', "$wbase/$wc->{id}/messages", { text => 'x' },
             headers => { 'X-Widget-Token' => 'f' x 64 });
is $r->{status}, 404, 'another token: 404';
$r = $s->req('POST', "$wbase/$web->{id}/messages", { text => 'x' }, headers => $W);
is $r->{status}, 404, 'the token on another conversation: 404';
$r = $s->req('POST', "/api/shops/$other->{id}/widget/conversations/$wc->{id}/messages",
             { text => 'x' }, headers => $W);
is $r->{status}, 404, 'through another shop: 404';
$r = $s->get("$wbase/$wc->{id}/messages", headers => { 'X-Widget-Token' => 'f' x 64 });
is $r->{status}, 404, 'reading with another token: 404';
$r = $s->req('POST', "$wbase/$wc->{id}/messages", { text => '' }, headers => $W);
is $r->{status}, 422, 'an empty text: 422';
$r = $s->req('POST', "$wbase/$wc->{id}/messages", { text => 'x' x 5001 }, headers => $W);
is $r->{status}, 422, 'a text too long: 422';
$r = $s->req('POST', "$wbase/$wc->{id}/messages", '{"text":', headers => $W);
is $r->{status}, 400, 'malformed JSON: 400';
is $s->sql("SELECT count(*) FROM shop_messages WHERE conversation_id = '$wc->{id}'"), 3,
    'no refused widget message stored';

# The widget runs on the shop's own site: any origin may call its routes, without
# credentials (it sends X-Widget-Token, never a cookie); the team's routes stay closed
# to such an origin.  (This stack lists no CORS origin at all.)
my $site = 'https://teak-furniture.example';
$r = $s->req('OPTIONS', "$wbase/$wc->{id}/messages", undef, headers => { Origin => $site,
    'Access-Control-Request-Method' => 'POST',
    'Access-Control-Request-Headers' => 'content-type, x-widget-token' });
is $r->{status}, 204, "the widget's preflight from the shop's site: 204";
is $r->{headers}{'access-control-allow-origin'}, '*', '... any origin';
ok !exists $r->{headers}{'access-control-allow-credentials'}, '... without credentials';
like $r->{headers}{'access-control-allow-headers'} // '', qr/\bX-Widget-Token\b/, '... X-Widget-Token allowed';
like $r->{headers}{'access-control-allow-headers'} // '', qr/\bContent-Type\b/, '... and Content-Type';
$r = $s->req('OPTIONS', $wbase, undef, headers => { Origin => $site,
    'Access-Control-Request-Method' => 'POST' });
is $r->{status}, 204, '... and the opening\'s: 204';
$r = $s->get("$wbase/$wc->{id}/messages", headers => { %$W, Origin => $site });
is $r->{status}, 200, 'the widget reads from that site: 200';
is $r->{headers}{'access-control-allow-origin'}, '*', '... readable there';
$r = $s->req('POST', "$wbase/$wc->{id}/messages", { text => 'x' }, headers => { Origin => $site });
is $r->{status}, 401, 'an error (no token): 401';
is $r->{headers}{'access-control-allow-origin'}, '*', '... readable too';
for my $path ($base, "$base/$wc->{id}/messages", "/api/shops/$shop->{id}") {
    $r = $s->req('OPTIONS', $path, undef, headers => { Origin => $site,
        'Access-Control-Request-Method' => 'GET' });
    my @cors = grep { /^access-control-/ } keys %{ $r->{headers} };
    ok $r->{status} != 204 && !@cors, "the team's $path: no preflight, no CORS header";
}

# The widget's routes are limited per client address (a burst of 30 at 60 a minute).
my $limited = 0;
for (1 .. 40) {
    $limited++ if $s->get("$wbase/$wc->{id}/messages", headers => $W)->{status} == 429;
}
ok $limited >= 5, "the widget is rate limited ($limited of 40 answered 429)";
is $s->get($base, token => $T)->{status}, 200, 'the team\'s routes are not';

done_testing;
