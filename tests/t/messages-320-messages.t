# A conversation's messages (cgi-bin/messages/messages.c, scp_chat_* in
# sql/functions/85_messages.sql): sending as either side, in JSON or multipart with a
# file; the checks; the history newest first by page and by ?before=; unread counts and
# marking read; a new message reopens a closed conversation; only participants; the
# message_new event reaches the other side within a second, and a refused message
# sends nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use SCPTest;
use SCPB2B;
use SCPEvents qw(subscribe);

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $other = new_supplier($s);
my $rep = add_staff($s, $sup, 'sales_rep');
my $orep = add_staff($s, $other, 'sales_rep');
my $con = new_consumer($s, first_name => 'Ana', last_name => 'Cook');
my $con2 = new_consumer($s);
link_up($s, $sup, $con);
link_up($s, $sup, $con2);
my $vendor = $s->signup(role => 'vendor');
my $prod = new_product($s, $sup);
my $order = new_order($s, $con, $sup, $prod, 1)->{json};
my $order2 = new_order($s, $con2, $sup, $prod, 1)->{json};
my $nil = '00000000-0000-4000-8000-000000000000';

my $conv = $s->post('/api/v1/consumer/conversations', { supplier_id => $sup->{id} },
                    token => $con->{token})->{json};
my $C = "/api/v1/consumer/conversations/$conv->{id}/messages";
my $S = "/api/v1/supplier/conversations/$conv->{id}/messages";
my $jobs = sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'message_new'") };

# --- sending ----------------------------------------------------------------------------------
my $r = $s->post($C, { content => 'Hello, is the fish fresh?', type => 'text' }, token => $con->{token});
is $r->{status}, 201, 'the consumer sends a message: 201';
my $m1 = $r->{json};
is $m1->{conversation_id}, $conv->{id}, 'in the conversation';
is $m1->{sender_id}, $con->{id}, 'sender_id';
is $m1->{sender_role}, 'consumer', 'sender_role';
is $m1->{sender_name}, 'Ana Cook', 'sender_name';
is $m1->{content}, 'Hello, is the fish fresh?', 'content';
is $m1->{is_read}, JSON::PP::false, 'unread';
is $m1->{timestamp}, $m1->{created_at}, 'timestamp = created_at';
ok exists $m1->{attachment_url} && exists $m1->{file_url}, 'attachment_url and file_url';

$r = $s->post($S, { content => 'Caught this morning.', order_id => $order->{id} }, token => $rep->{token});
is $r->{status}, 201, 'a sales rep answers, about an order: 201';
is $r->{json}{sender_role}, 'sales_rep', 'as a sales rep';
is $r->{json}{order_id}, $order->{id}, 'the order';
is $r->{json}{type}, 'text', 'type defaults to text';

my $up = $s->req('POST', '/api/v1/uploads', "\x89PNG\r\n\x1a\n" . ("\x02" x 200),
                 type => 'image/png', token => $con->{token})->{json}{url};
$r = $s->post($C, { type => 'image', attachment_url => $up }, token => $con->{token});
is $r->{status}, 201, 'an image by the URL /uploads issued: 201';
is $r->{json}{attachment_url}, $up, 'attachment_url';
is $r->{json}{file_url}, $up, 'file_url';

my @bad = (
    [ {}, ['content'], 'nothing' ],
    [ { content => '' }, ['content'], 'empty content' ],
    [ { content => 'x' x 5001 }, ['content'], '5001 characters' ],
    [ { content => 5 }, ['content'], 'content not a string' ],
    [ { content => 'hi', type => 'video' }, ['type'], 'an unknown type' ],
    [ { type => 'image' }, ['attachment_url'], 'an image without its URL' ],
    [ { content => 'see', attachment_url => 'https://evil.example/x.png' }, ['attachment_url'],
      'a URL elsewhere' ],
    [ { content => 'see', attachment_url => '/media/images/' . ('a' x 32) . '.png' },
      ['attachment_url'], 'a stored-looking URL of no file' ],
    [ { content => 'see', file_url => '/etc/passwd' }, ['file_url'], 'file_url is checked too' ],
    [ { content => 'hi', order_id => 'x' }, ['order_id'], 'a malformed order' ],
    [ { content => 'hi', order_id => $order2->{id} }, ['order_id'], 'another consumer\'s order' ],
);
my $before = $jobs->();
for my $c (@bad) {
    my ($body, $fields, $name) = @$c;
    $r = $s->post($C, $body, token => $con->{token});
    is api_error($r), '422 VALIDATION_ERROR', "$name: 422";
    is_deeply field_errors($r), $fields, "... naming @$fields";
}
is $s->post($C, { content => 'x' x 5000 }, token => $con->{token})->{status}, 201,
    '5000 characters: 201';
is api_error($s->req('POST', $C, 'content=hi', type => 'application/x-www-form-urlencoded',
                     token => $con->{token})), '415 UNSUPPORTED_MEDIA_TYPE', 'a form: 415';
is $jobs->(), $before + 1, 'refused messages queued no event';

# multipart, as the portal sends a file
sub multipart {
    my (%parts) = @_;
    my $b = 'scpboundary' . int(rand 1e9);
    my $body = '';
    for my $name (sort keys %parts) {
        my ($data, $filename, $type) = @{ $parts{$name} };
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$name\""
            . (defined $filename ? "; filename=\"$filename\"" : '') . "\r\n"
            . (defined $type ? "Content-Type: $type\r\n" : '') . "\r\n$data\r\n";
    }
    return ("$body--$b--\r\n", "multipart/form-data; boundary=$b");
}
sub send_form {
    my ($token, %parts) = @_;
    my ($body, $type) = multipart(%parts);
    return $s->req('POST', $S, $body, type => $type, token => $token);
}
my $jpeg = "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00" . ("\x01" x 200) . "\xFF\xD9";
$r = send_form($rep->{token}, file => [ $jpeg, 'fish.jpg', 'image/jpeg' ], type => ['image'],
               content => ['the catch']);
is $r->{status}, 201, 'a multipart image: 201';
like $s->path($r->{json}{attachment_url}), qr{^/media/chat/[0-9a-f]{32}\.jpg$}, 'stored under /media/chat/';
is $r->{json}{content}, 'the catch', 'with its text';
is $s->get($s->path($r->{json}{attachment_url}))->{status}, 200, 'and served';
$r = send_form($rep->{token}, file => [ "%PDF-1.4\n" . ('x' x 100), 'invoice.pdf' ], type => ['file']);
is $r->{status}, 201, 'a PDF file: 201';
like $r->{json}{attachment_url}, qr{\.pdf$}, 'a .pdf';
is api_error(send_form($rep->{token}, file => [ "%PDF-1.4\n", 'x.pdf' ], type => ['image'])),
    '415 UNSUPPORTED_MEDIA_TYPE', 'a PDF as an image: 415';
is api_error(send_form($rep->{token}, file => [ 'ID3....', 'a.mp3' ], type => ['audio'])),
    '415 UNSUPPORTED_MEDIA_TYPE', 'audio: 415';
is api_error(send_form($rep->{token}, type => ['image'])), '422 VALIDATION_ERROR',
    'an image without a file: 422';
is api_error(send_form($rep->{token}, file => [ $jpeg, 'x.jpg' ], type => ['gif'])),
    '422 VALIDATION_ERROR', 'an unknown type: 422';
is api_error(send_form($rep->{token}, file => [ '', 'x.jpg' ])), '422 VALIDATION_ERROR',
    'an empty file: 422';
is api_error($s->req('POST', $S, "--x\r\njunk", type => 'multipart/form-data; boundary=x',
                     token => $rep->{token})), '400 BAD_REQUEST', 'a broken multipart body: 400';
my @chat = glob($s->dir . '/media/chat/*');
is scalar @chat, 2, 'refused files were not kept';

# --- who may --------------------------------------------------------------------------------
is api_error($s->post($C, { content => 'x' }, token => $con2->{token})), '404 NOT_FOUND',
    'another consumer writing: 404';
is api_error($s->get($C, token => $con2->{token})), '404 NOT_FOUND', '... reading: 404';
is api_error($s->post($S, { content => 'x' }, token => $orep->{token})), '404 NOT_FOUND',
    'another supplier\'s staff writing: 404';
is api_error($s->get($S, token => $orep->{token})), '404 NOT_FOUND', '... reading: 404';
is api_error($s->post("$S/read", undef, token => $orep->{token})), '404 NOT_FOUND',
    '... marking read: 404';
is api_error($s->get($S, token => $con->{token})), '403 FORBIDDEN', 'a consumer on the supplier path: 403';
is api_error($s->post($C, { content => 'x' }, token => $rep->{token})), '403 FORBIDDEN',
    'staff on the consumer path: 403';
is api_error($s->get($C, token => $vendor->{access_token})), '403 FORBIDDEN', 'a vendor: 403';
is api_error($s->get("/api/v1/consumer/conversations/$nil/messages", token => $con->{token})),
    '404 NOT_FOUND', 'an unknown conversation: 404';

# --- unread counts and reading ------------------------------------------------------------------
my $unread = sub {
    my ($path, $token) = @_;
    my ($c) = grep { $_->{id} eq $conv->{id} } @{ $s->get($path, token => $token)->{json}{results} };
    return $c->{unread_count};
};
is $unread->('/api/v1/supplier/conversations', $rep->{token}), 3, 'the supplier has 3 unread';
is $unread->('/api/v1/consumer/conversations', $con->{token}), 3, 'the consumer 3';
$r = $s->post("$S/read", undef, token => $rep->{token});
is $r->{status}, 200, 'staff mark read (no body)';
is $r->{json}{marked_read}, 3, 'the consumer\'s 3';
is $unread->('/api/v1/supplier/conversations', $rep->{token}), 0, 'the supplier has none unread';
is $unread->('/api/v1/consumer/conversations', $con->{token}), 3, 'the consumer still 3';
is $s->post("$C/read", {}, token => $con->{token})->{json}{marked_read}, 3, 'the consumer marks read ({})';
is $unread->('/api/v1/consumer/conversations', $con->{token}), 0, 'none unread';
is $s->get($C, token => $con->{token})->{json}{results}[-1]{is_read}, JSON::PP::true,
    'its messages read';

# --- history ----------------------------------------------------------------------------------
$s->post($C, { content => "n$_" }, token => $con->{token}) for 1 .. 5;
$r = $s->get("$C?page=1&page_size=3", token => $con->{token});
is_deeply [ map { $_->{content} } @{ $r->{json}{results} } ], [ 'n5', 'n4', 'n3' ],
    'newest first, a page of 3';
is $r->{json}{pagination}{total}, 11, 'of 11';
my $cursor = $r->{json}{next_before};
is $cursor, $r->{json}{results}[-1]{id}, 'next_before: the oldest of the page';
$s->post($S, { content => 'new meanwhile' }, token => $rep->{token});
$r = $s->get("$C?before=$cursor&page_size=3", token => $con->{token});
is_deeply [ map { $_->{content} } @{ $r->{json}{results} } ], [ 'n2', 'n1', '' ],
    '?before= continues where the page ended, whatever arrived since';
like $r->{json}{results}[2]{attachment_url}, qr{\.pdf$}, '... down to the PDF sent without text';
is $s->get("$C?page=2&page_size=3", token => $con->{token})->{json}{results}[0]{content}, 'n3',
    'pages shift with new messages; the cursor does not';
is api_error($s->get("$C?before=$nil", token => $con->{token})), '400 BAD_REQUEST',
    'a cursor of no message here: 400';
is api_error($s->get("$C?before=zz", token => $con->{token})), '400 BAD_REQUEST',
    'a malformed cursor: 400';
is api_error($s->get("$C?page_size=101", token => $con->{token})), '400 BAD_REQUEST',
    'page_size 101: 400';
is $s->get("/api/v1/chats/sessions/$conv->{id}/messages?page_size=1", token => $rep->{token})
    ->{json}{results}[0]{content}, 'new meanwhile', 'GET /chats/sessions/:id/messages';
is $s->post("/api/v1/chats/sessions/$conv->{id}/messages", { content => 'via session' },
            token => $con->{token})->{status}, 201, 'POST /chats/sessions/:id/messages';

# --- a new message reopens a closed conversation ------------------------------------------------
$s->patch("/api/v1/supplier/conversations/$conv->{id}", { status => 'closed' }, token => $rep->{token});
$s->post($C, { content => 'one more thing' }, token => $con->{token});
is $s->get("/api/v1/consumer/conversations/$conv->{id}", token => $con->{token})->{json}{status},
    'open', 'a new message reopens a closed conversation';
is $s->get("/api/v1/consumer/conversations/$conv->{id}", token => $con->{token})->{json}{last_message},
    'one more thing', 'last_message';

# --- message_new ------------------------------------------------------------------------------
# The consumers' notifications of messages share their channel: switched off here
# (tests/t/messages-350-notifications.t hears them).
$s->req('PUT', '/api/v1/notifications/preferences', { message => { in_app => JSON::PP::false } },
        token => $_->{token}) for $con, $con2;
my $cs = subscribe($s, "/ws/users/$con->{id}", token => $con->{token});
my $ss = subscribe($s, "/ws/suppliers/$sup->{id}", token => $rep->{token});
my $t0 = time;
my $sent = $s->post($S, { content => 'live!' }, token => $rep->{token})->{json};
my ($e) = $cs->events(1, 1);
my $lag = time - $t0;
is $e->{type}, 'message_new', 'the consumer hears message_new';
ok $lag <= 1, sprintf('within a second (%.2f s)', $lag);
is $e->{data}{message}{id}, $sent->{id}, 'the message';
is $e->{data}{conversation_id}, $conv->{id}, 'its conversation';
($e) = $ss->events(1, 2);
is $e->{data}{message}{id}, $sent->{id}, 'the supplier\'s other staff hear it too';
$s->post($C, { content => 'from the consumer' }, token => $con->{token});
($e) = $ss->events(1, 2);
is $e->{data}{message}{content}, 'from the consumer', 'the supplier hears the consumer';
$before = $jobs->();
$s->post($S, { content => 'x', order_id => $order2->{id} }, token => $rep->{token});
is $jobs->(), $before, 'a refused message queues nothing';
my @none = $cs->events(1, 1);
is scalar @none, 0, '... and nobody hears of it';
my $other_con = subscribe($s, "/ws/users/$con2->{id}", token => $con2->{token});
$s->post($S, { content => 'private' }, token => $rep->{token});
@none = $other_con->events(1, 1);
is scalar @none, 0, 'another consumer hears nothing';

done_testing;
