# Cliick.io's WebSocket at /ws (scp-ws behind nginx): the upgrade authorized by ?token=
# or the session cookie alone (a bad token refused at the upgrade, the cookie only from
# an allowed page, a client's own X-Scp-User-Id ignored), ping → pong, shop:join for a
# member's shop only (bad and unknown frames answered with an error frame, a frame over
# 16 KiB closed with 1009), answers only on the connection that asked, and a shop's
# events (event jobs, as the chat and order parts write them) reaching the connections
# of the shop's current members that joined it (socket.io's rooms), within 1 s, in
# Cliick's frame {event, data, timestamp}, and nobody else; shop:leave ending them; a
# user's notification reaching every connection of the user.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use SCPTest;
use IO::Socket::INET;
use SCPEvents qw(subscribe);
use SCPWs qw(close_code);

my $allowed = 'http://shop.example';
my $s = SCPTest->start(env => { SCP_CORS_ORIGINS_CLIICK => $allowed });
my $n = 0;

sub account {
    $n++;
    my $r = $s->post('/api/auth/register', { email => "ws$n.$$\@example.com",
                                             password => 'password123', username => "wsuser$n" });
    die "register: $r->{status} $r->{content}" unless $r->{status} == 201;
    my ($session) = grep { /^scp_session=/ } @{ ref $r->{headers}{'set-cookie'}
        ? $r->{headers}{'set-cookie'} : [ $r->{headers}{'set-cookie'} ] };
    $session =~ s/;.*//;
    return { token => $r->{json}{data}{token}, id => $r->{json}{data}{user}{id},
             cookie => $session };
}

sub new_shop {
    my ($owner, $name) = @_;
    my $r = $s->post('/api/shops', { name => $name, currency => 'MMK' }, token => $owner->{token});
    die "shop: $r->{status}" unless $r->{status} == 201;
    return $r->{json}{data}{id};
}

# A client frame as websocketService.ts sends it.
sub client_frame {
    my ($event, $data) = @_;
    return { type => 'client', event => $event, data => $data, timestamp => int(time * 1000) };
}

sub connect_ws {
    my (%o) = @_;
    my $path = '/ws';
    $path .= "?token=$o{token}" if defined $o{token};
    return subscribe($s, $path, websocket => 1, $o{cookie} ? (cookie => $o{cookie}) : (),
                     $o{origin} ? (origin => $o{origin}) : ());
}

sub join_shop {
    my ($ws, $shop) = @_;
    $ws->send(client_frame('shop:join', { shopId => $shop }));
    my ($m) = $ws->events(1, 2);
    return $m && $m->{event} eq 'shop:joined';
}

my ($owner, $agent, $stranger, $other_owner) = (account(), account(), account(), account());
my $shop = new_shop($owner, 'Golden Teak');
my $other = new_shop($other_owner, 'Silver Reed');
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES (:'p1', :'p2', 'support_agent')",
        $shop, $agent->{id});

# --- the upgrade -------------------------------------------------------------------------
for my $c ([ 'no token, no cookie', {}, 401 ],
           [ 'a malformed token', { token => 'x.y.z' }, 401 ],
           [ 'a forged token', { token => 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }, 401 ],
           [ 'a bad session cookie', { cookie => 'scp_session=x.y.z' }, 401 ]) {
    my ($name, $o, $want) = @$c;
    my $ws = connect_ws(%$o);
    is $ws->status, $want, "$name: $want at the upgrade";
    is $ws->body && $ws->body->{success}, JSON::PP::false, "$name: the error envelope";
}

my $plain = $s->get("/ws?token=$owner->{token}");
is $plain->{status}, 403, 'a plain GET (no WebSocket upgrade) with a good token: 403';
is $plain->{json}{error}{code}, 'FORBIDDEN', 'FORBIDDEN, in the error envelope';
is $s->post("/ws?token=$owner->{token}", {})->{status}, 405, 'POST /ws: 405';

my $ows = connect_ws(token => $owner->{token});
is $ows->status, 101, 'the owner with ?token=: 101';

# --- ping -------------------------------------------------------------------------------
$ows->send(client_frame('ping', {}));
my ($m) = $ows->events(1, 2);
is $m->{event}, 'pong', 'ping → pong';
is_deeply $m->{data}, {}, 'pong: data {}';
like $m->{timestamp}, qr/^\d{13}$/, 'timestamp in ms';

# --- shop:join ----------------------------------------------------------------------------
$ows->send(client_frame('shop:join', { shopId => $shop }));
($m) = $ows->events(1, 2);
is $m->{event}, 'shop:joined', 'the owner joins its shop';
is $m->{data}{shopId}, $shop, 'shop:joined names the shop';
is $m->{data}{role}, 'owner', 'and the member\'s role';

# The cookie alone, from a page that is not allowed: a cross-site WebSocket.
my $evil = connect_ws(cookie => $agent->{cookie}, origin => 'http://evil.example');
is $evil->status, 403, 'the session cookie from another site\'s page: 403 at the upgrade';
is $evil->body && $evil->body->{error}{code}, 'FORBIDDEN', 'FORBIDDEN';
my $tok = connect_ws(token => $agent->{token}, origin => 'http://evil.example');
is $tok->status, 101, 'a token in ?token= is no ambient credential: any page may use it';
$tok->hangup;

my $aws = connect_ws(cookie => $agent->{cookie}, origin => $allowed);
is $aws->status, 101, 'a team member with the session cookie alone (a reconnect) from an allowed page: 101';
my $own = connect_ws(cookie => $agent->{cookie}, origin => $s->url =~ s{/$}{}r);
is $own->status, 101, 'the cookie from the site\'s own page: 101';
$own->hangup;
$aws->send(client_frame('shop:join', { shopId => $shop }));
($m) = $aws->events(1, 2);
is $m->{event}, 'shop:joined', 'the agent joins the shop it is a member of';
is $m->{data}{role}, 'support_agent', 'as support_agent';

my $sws = connect_ws(token => $stranger->{token});
is $sws->status, 101, 'a stranger connects';
$sws->send(client_frame('shop:join', { shopId => $shop }));
($m) = $sws->events(1, 2);
is $m->{event}, 'error', 'a non-member\'s shop:join: an error frame';
is $m->{data}{code}, 'FORBIDDEN', 'FORBIDDEN';
is $m->{data}{event}, 'shop:join', 'naming the refused frame';
for my $bad ([ 'no shopId', {} ], [ 'a shopId that is no uuid', { shopId => 'abc' } ],
             [ 'a shopId that is a number', { shopId => 7 } ]) {
    $sws->send(client_frame('shop:join', $bad->[1]));
    ($m) = $sws->events(1, 2);
    is $m->{event} . '/' . ($m->{data}{code} // ''), 'error/VALIDATION_ERROR',
        "shop:join with $bad->[0]: a validation error frame";
}
$sws->send('not json');
($m) = $sws->events(1, 2);
is $m->{data}{code}, 'BAD_FRAME', 'a frame that is not JSON: BAD_FRAME';
$sws->send(client_frame('shop:delete', { shopId => $shop }));
($m) = $sws->events(1, 2);
is $m->{data}{code}, 'UNKNOWN_EVENT', 'an unknown client event: UNKNOWN_EVENT';

$sws->send(client_frame('shop:leave', { shopId => $shop }));
$sws->send(client_frame('ping', {}));
($m) = $sws->events(1, 2);
is $m->{event}, 'pong', 'shop:leave answers nothing (the next answer is the ping\'s)';
# A frame over 16 KiB ends the connection with 1009 (message too big), on its own
# connection only.
my $big = connect_ws(token => $stranger->{token});
$big->send(client_frame('ping', { pad => 'x' x 20000 }));
is close_code($big, 2), 1009, 'a frame over 16 KiB: close 1009';
$big->hangup;
$sws->send(client_frame('ping', {}));
($m) = $sws->events(1, 2);
is $m->{event}, 'pong', 'the other connections go on';

# The user is nginx's, never the client's: an X-Scp-User-Id of its own is replaced.
{
    my ($host, $port) = $s->url =~ m{^http://([^:/]+):(\d+)};
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 5);
    print $sock "GET /ws?token=$stranger->{token} HTTP/1.1\r\nHost: $host:$port\r\n"
        . "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        . "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Scp-User-Id: $owner->{id}\r\n\r\n";
    my $fake = bless { sock => $sock, buf => '', ws => 1 }, 'SCPEvents';
    my $head = $fake->_read_until(qr/\r\n\r\n/, 5) // '';
    like $head, qr{^HTTP/1\.1 101}, 'a client sending X-Scp-User-Id of the owner: 101 for itself';
    $fake->send(client_frame('shop:join', { shopId => $shop }));
    ($m) = $fake->events(1, 2);
    is $m->{data}{code}, 'FORBIDDEN', 'and it is still the stranger: not the owner\'s shop';
    $fake->hangup;
}

# A client's frames answer only that connection: the owner saw none of the above.
is scalar($ows->events(1, 0.5)), 0, 'another connection\'s answers do not reach the owner';

# --- shop events --------------------------------------------------------------------------
# The agent has a second connection that never joined the shop: a shop's events reach
# only the connections that joined it.
my $aws2 = connect_ws(token => $agent->{token});
is $aws2->status, 101, 'the agent\'s second connection (not joined)';
my $conv = '11111111-2222-4333-8444-555555555555';
my $payload = JSON::PP->new->canonical->encode({
    topic => "/ws/shops/$shop", shop_id => $shop, conversation_id => $conv,
    message => { id => 'aaaaaaaa-2222-4333-8444-555555555555', sender_type => 'customer',
                 text => 'Is the teak chair in stock?' } });
my $t0 = time;
$s->sql("SELECT scp_job_enqueue('shop_message_new', :'p1'::jsonb)", $payload);
($m) = $ows->events(1, 3);
my $took = time - $t0;
is $m->{event}, 'message:new', 'the owner receives message:new';
ok $took < 1, sprintf('within 1 s of the job (%.3f s)', $took);
is $m->{data}{text}, 'Is the teak chair in stock?', 'data is the message';
is $m->{data}{senderType}, 'customer', 'in camelCase';
is $m->{data}{conversationId}, $conv, 'with its conversation';
is $m->{data}{shopId}, $shop, 'and its shop';
like $m->{timestamp}, qr/^\d{13}$/, 'timestamp in ms';
($m) = $aws->events(1, 3);
is $m->{event}, 'message:new', 'the team member (cookie connection) receives it too';
is scalar($sws->events(1, 0.5)), 0, 'the refused stranger receives nothing';
is scalar($aws2->events(1, 0.2)), 0, 'a member\'s connection that did not join the shop receives nothing';

$s->sql("SELECT scp_job_enqueue('shop_order_updated', :'p1'::jsonb)",
        JSON::PP->new->encode({ topic => "/ws/shops/$shop", shop_id => $shop,
                                order => { id => 'bbbbbbbb-2222-4333-8444-555555555555',
                                           status => 'confirmed' } }));
($m) = $ows->events(1, 3);
is $m->{event}, 'order:update', 'shop_order_updated: order:update';
is $m->{data}{status}, 'confirmed', 'data is the order';
($m) = $aws->events(1, 3);
is $m->{event}, 'order:update', 'and the team member';
$s->sql("SELECT scp_job_enqueue('shop_conversation_updated', :'p1'::jsonb)",
        JSON::PP->new->encode({ topic => "/ws/shops/$shop", shop_id => $shop,
                                conversation => { id => $conv, unread_count => 2 } }));
($m) = $ows->events(1, 3);
is $m->{event}, 'conversation:update', 'shop_conversation_updated: conversation:update';
is $m->{data}{unreadCount}, 2, 'data is the conversation';
($m) = $aws->events(1, 3);
is $m->{event}, 'conversation:update', 'and the team member';

# Another shop's event reaches its owner, and neither the owner nor the agent here.
my $ooth = connect_ws(token => $other_owner->{token});
ok join_shop($ooth, $other), 'the other owner joins its shop';
$s->sql("SELECT scp_job_enqueue('shop_message_new', :'p1'::jsonb)",
        JSON::PP->new->encode({ topic => "/ws/shops/$other", shop_id => $other,
                                message => { id => 'cccccccc-2222-4333-8444-555555555555',
                                             text => 'elsewhere' } }));
is scalar($ows->events(1, 1)), 0, 'another shop\'s event never reaches the owner';
is scalar($aws->events(1, 0.2)), 0, 'nor its member';
($m) = $ooth->events(1, 3);
is $m->{data}{text}, 'elsewhere', 'it reached the other shop\'s owner';

# --- notifications --------------------------------------------------------------------------
$s->sql("SELECT scp_job_enqueue('notification', :'p1'::jsonb)",
        JSON::PP->new->encode({ topic => "/ws/users/$agent->{id}",
                                notification => { id => 'dddddddd-2222-4333-8444-555555555555',
                                                  title => 'New order', is_read => JSON::PP::false } }));
($m) = $aws->events(1, 3);
is $m->{event}, 'notification', 'a user\'s notification reaches its connection';
is $m->{data}{title}, 'New order', 'data is the notification';
($m) = $aws2->events(1, 3);
is $m && $m->{event}, 'notification', 'and every other connection of the user, joined or not';
is scalar($ows->events(1, 0.5)), 0, 'and nobody else\'s';
# A user who is no shop's member has no Cliick page to open /ws: its notification is
# delivered on its own channel only, and no event is written for scp-ws.
{
    my $before = $s->sql('SELECT count(*) FROM cliick_ws_events');
    my $jid = $s->sql("SELECT scp_job_enqueue('notification', :'p1'::jsonb)",
        JSON::PP->new->encode({ topic => "/ws/users/$stranger->{id}",
                                notification => { id => 'eeeeeeee-2222-4333-8444-555555555555',
                                                  title => 'Outbid', is_read => JSON::PP::false } }));
    ok $s->wait_until(10, sub { $s->sql("SELECT status FROM jobs WHERE id = :'p1'", $jid) eq 'done' }),
        'a non-member\'s notification job is done';
    is $s->sql('SELECT count(*) FROM cliick_ws_events'), $before, '... with no event for scp-ws';
}

# shop:leave: the shop's events stop on that connection, and go on on the others.
my $ows2 = connect_ws(token => $owner->{token});
ok join_shop($ows2, $shop), 'the owner\'s second connection joins the shop';
$ows2->send(client_frame('shop:leave', { shopId => $shop }));
$ows2->send(client_frame('ping', {}));
($m) = $ows2->events(1, 2);
is $m->{event}, 'pong', 'shop:leave answers nothing';
$s->sql("SELECT scp_job_enqueue('shop_message_new', :'p1'::jsonb)",
        JSON::PP->new->encode({ topic => "/ws/shops/$shop", shop_id => $shop,
                                message => { id => 'ffffffff-2222-4333-8444-555555555555',
                                             text => 'after the leave' } }));
($m) = $ows->events(1, 3);
is $m->{data}{text}, 'after the leave', 'the joined connection still receives the shop\'s events';
is scalar($ows2->events(1, 0.5)), 0, 'the connection that left does not';
($m) = $aws->events(1, 3);
is $m->{data}{text}, 'after the leave', 'and another user\'s joined connection too';
$ows2->hangup;

# Membership is read when an event is sent: a member removed from the team receives
# no more of the shop's events on the connection it still holds.
$s->sql("DELETE FROM shop_members WHERE shop_id = :'p1' AND user_id = :'p2'", $shop, $agent->{id});
$s->sql("SELECT scp_job_enqueue('shop_message_new', :'p1'::jsonb)",
        JSON::PP->new->encode({ topic => "/ws/shops/$shop", shop_id => $shop,
                                message => { id => 'eeeeeeee-2222-4333-8444-555555555555',
                                             text => 'after the removal' } }));
($m) = $ows->events(1, 3);
is $m->{data}{text}, 'after the removal', 'the owner still receives the shop\'s events';
is scalar($aws->events(1, 0.5)), 0, 'a removed member no longer does';
$aws->send(client_frame('shop:join', { shopId => $shop }));
($m) = $aws->events(1, 2);
is $m->{data}{code}, 'FORBIDDEN', 'and its shop:join is refused now';

$_->hangup for $ows, $aws, $aws2, $sws, $ooth;
done_testing;
