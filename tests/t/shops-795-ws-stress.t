# Cliick.io's WebSocket (scp-ws) under load and abuse: 10 rounds of 20 connections each
# sending ping and shop:join at once, half of them hanging up without reading, with no
# nginx worker and no scp-ws process dying and every staying client answered (the load
# that crashed nchan's upstream request, docs/decisions.md "Cliick.io's WebSocket");
# refusals with their close codes (a frame over 16 KiB 1009, from its header alone;
# an unmasked frame 1002; binary 1003; bad UTF-8 1007); random bytes; 200 connections
# open at once; a reader too slow for its answers dropped (ws_output_max), a quiet
# connection pinged (ws_ping_interval); and events still delivered across an nginx
# reload (the subscription resumes with Last-Event-ID).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use SCPTest;
use SCPEvents qw(subscribe);
use SCPWs qw(client_bytes send_raw next_frame close_code);

use Errno qw(EAGAIN EWOULDBLOCK);
use IO::Select;

# Small bounds, so that they are reached in a test: 64 KiB queued, a ping after 2 s.
my $s = SCPTest->start(env => { SCP_WS_OUTPUT_MAX => 65536, SCP_WS_PING_INTERVAL => 2 });

my $r = $s->post('/api/auth/register', { email => "stress.$$\@example.com",
                                         password => 'password123', username => "stress$$" });
die "register: $r->{status}" unless $r->{status} == 201;
my ($token, $user) = ($r->{json}{data}{token}, $r->{json}{data}{user}{id});
$r = $s->post('/api/shops', { name => 'Stress Teak', currency => 'MMK' }, token => $token);
die "shop: $r->{status}" unless $r->{status} == 201;
my $shop = $r->{json}{data}{id};

sub frame { JSON::PP->new->encode({ type => 'client', event => $_[0], data => $_[1] // {},
                                    timestamp => int(time * 1000) }) }
sub ws { subscribe($s, "/ws?token=$token", websocket => 1) }
sub slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; <$fh> }

my $dir = $s->{dir};
my $ws_master = slurp("$dir/run/scp-ws.pid") =~ s/\s+//gr;

# --- 10 rounds of 20 connections, half hanging up without reading ------------------------
my ($answered, $wanted) = (0, 0);
for my $round (1 .. 10) {
    my @c = map { ws() } 1 .. 20;
    my @open = grep { $_->status == 101 } @c;
    is scalar(@open), 20, "round $round: 20 connections upgraded" unless @open == 20;
    for my $ws (@open) {
        $ws->send(frame('ping'));
        $ws->send(frame('shop:join', { shopId => $shop }));
    }
    my $i = 0;
    for my $ws (@open) {
        if ($i++ % 2) { $ws->hangup; next }
        $wanted++;
        my %got = map { $_->{event} => 1 } $ws->events(2, 3);
        $answered++ if $got{pong} && $got{'shop:joined'};
    }
    $_->hangup for @open;
}
is $answered, $wanted, "every staying client got its pong and shop:joined ($answered of $wanted)";

# --- refusals -----------------------------------------------------------------------------
my $ws = ws();
send_raw($ws, client_bytes(op => 1, len => 20000));	# the header alone, no payload
is close_code($ws, 2), 1009, 'a frame announcing 20 000 bytes: close 1009 before its payload';
$ws->hangup;
$ws = ws();
send_raw($ws, client_bytes(op => 1, len => 1 << 40));
is close_code($ws, 2), 1009, 'a frame announcing 1 TiB: close 1009';
$ws->hangup;
$ws = ws();
send_raw($ws, client_bytes(op => 1, payload => frame('ping'), masked => 0));
is close_code($ws, 2), 1002, 'an unmasked client frame: close 1002';
$ws->hangup;
$ws = ws();
send_raw($ws, client_bytes(op => 2, payload => join('', map { chr rand 256 } 1 .. 300)));
is close_code($ws, 2), 1003, 'a binary frame of garbage: close 1003 (text only)';
$ws->hangup;
$ws = ws();
send_raw($ws, client_bytes(op => 1, payload => "\xff\xfe{}"));
is close_code($ws, 2), 1007, 'text that is not UTF-8: close 1007';
$ws->hangup;
$ws = ws();
send_raw($ws, client_bytes(op => 5, payload => 'x'));
is close_code($ws, 2), 1002, 'a reserved opcode: close 1002';
$ws->hangup;
# Fragments and a ping between them, as RFC 6455 allows: one message, one answer.
$ws = ws();
my $msg = frame('ping');
send_raw($ws, client_bytes(op => 1, fin => 0, payload => substr($msg, 0, 5))
            . client_bytes(op => 9, payload => 'hb')
            . client_bytes(op => 0, payload => substr($msg, 5)));
my ($op, $p) = next_frame($ws, 2);
is "$op/$p", '10/hb', 'a ping between fragments: its pong first';
my ($m) = $ws->events(1, 2);
is $m && $m->{event}, 'pong', 'then the fragmented message\'s answer';
send_raw($ws, client_bytes(op => 8, payload => pack('n', 1000) . 'bye'));
is close_code($ws, 2), 1000, 'a close 1000 is answered with 1000';
$ws->hangup;

# Random bytes after the upgrade, on 30 connections: each is closed, nothing crashes.
for my $i (1 .. 30) {
    my $g = ws();
    send_raw($g, join('', map { chr rand 256 } 1 .. 1 + int rand 3000));
    $g->hangup;
}
# And a handshake that is not one, straight to scp-ws's socket (nginx never sends it).
{
    use IO::Socket::UNIX;
    my $u = IO::Socket::UNIX->new(Peer => "$dir/run/scp-ws.sock");
    print $u "GET / HTTP/1.1\r\n" . ("X: " . ('y' x 100) . "\r\n") x 200 . "\r\n";
    my $a = '';
    sysread $u, $a, 4096;
    like $a, qr{^HTTP/1\.1 431}, 'a head over 8 KiB: 431';
    close $u;
    $u = IO::Socket::UNIX->new(Peer => "$dir/run/scp-ws.sock");
    print $u "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        . "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    sysread $u, $a = '', 4096;
    like $a, qr{^HTTP/1\.1 403}, 'an upgrade without the user nginx names: 403';
    close $u;
}

# --- many connections ----------------------------------------------------------------------
my @many = map { ws() } 1 .. 200;
is scalar(grep { $_->status == 101 } @many), 200, '200 connections open at once';
$_->send(frame('ping')) for @many;
my $pongs = grep { my ($x) = $_->events(1, 3); $x && $x->{event} eq 'pong' } @many;
is $pongs, 200, 'each of them answered';
$_->hangup for @many;

# --- a reader too slow, a quiet connection --------------------------------------------------
# Frames whose answers are 16 KiB each (an unknown event's error frame names the event),
# sent by a client that never reads: once nginx's and the sockets' buffers are full,
# scp-ws's queue passes 64 KiB and it drops the connection instead of buffering more.
{
    my $slow = ws();
    my $sock = $slow->{sock};
    $sock->blocking(0);
    local $SIG{PIPE} = 'IGNORE';
    my $one = client_bytes(op => 1, payload => frame('x' x 16000));
    my ($pending, $frames, $deadline, $seen) = ('', 0, time + 30, 0);
    while (time < $deadline) {
        if ($pending eq '') { $pending = $one; $frames++ }
        my $n = syswrite $sock, $pending;
        if (defined $n) { substr $pending, 0, $n, ''; next if $frames % 50 }
        elsif ($! != EAGAIN && $! != EWOULDBLOCK) { last }
        else { IO::Select->new($sock)->can_write(0.05) }
        last if $seen = slurp("$dir/log/scp-ws.log") =~ /reads too slowly/;
    }
    $seen ||= $s->wait_until(5, sub { slurp("$dir/log/scp-ws.log") =~ /reads too slowly/ });
    ok $seen, "a client that sends but never reads is dropped (after $frames frames of 16 KiB)";
    close $sock;
}
{
    my $quiet = ws();
    my ($op) = next_frame($quiet, 4);
    is $op, 9, 'a connection quiet for ws_ping_interval gets a ping';
    $quiet->hangup;
}

# --- events across an nginx reload ---------------------------------------------------------
my $joined = ws();
$joined->send(frame('shop:join', { shopId => $shop }));
($m) = $joined->events(1, 2);
is $m->{event}, 'shop:joined', 'a connection joins the shop';
sub event {
    my ($text) = @_;
    $s->sql("SELECT scp_job_enqueue('shop_message_new', :'p1'::jsonb)",
            JSON::PP->new->encode({ topic => "/ws/shops/$shop", shop_id => $shop,
                                    message => { id => 'aaaaaaaa-2222-4333-8444-555555555555',
                                                 text => $text } }));
}
event('before the reload');
($m) = $joined->events(1, 3);
is $m && $m->{data}{text}, 'before the reload', 'an event arrives';
kill 'HUP', slurp("$dir/run/nginx.pid") =~ s/\s+//gr;
event('during the reload');
sleep 1;
my $after = ws();
$after->send(frame('shop:join', { shopId => $shop }));
($m) = $after->events(1, 2);
is $m->{event}, 'shop:joined', 'a new connection after the reload joins';
event('after the reload');
my @texts = map { $_->{data}{text} } $after->events(1, 5);
is_deeply \@texts, ['after the reload'], 'the new connection receives the next event';
@texts = map { $_->{data}{text} } $joined->events(2, 5);
is_deeply \@texts, [ 'during the reload', 'after the reload' ],
    'the connection held across the reload received both, none lost';
$_->hangup for $joined, $after;

# --- events across a lost database connection ----------------------------------------------
# scp-ws's feed connection is ended under it; an event written meanwhile still arrives:
# the process reconnects and reads on from the last event it routed.
my $held = ws();
$held->send(frame('shop:join', { shopId => $shop }));
($m) = $held->events(1, 2);
my $ended = $s->sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    . " WHERE query = 'LISTEN scp_ws' OR query LIKE 'SELECT id, message FROM cliick_ws_events%'"
    . " OR query LIKE 'SELECT coalesce(max(id), 0) FROM cliick_ws_events%'");
ok $ended, "scp-ws's feed connections ended ($ended)";
event('while the feed was down');
@texts = map { $_->{data}{text} } $held->events(1, 5);
is_deeply \@texts, ['while the feed was down'], 'the event written meanwhile arrives after the reconnect';
like slurp("$dir/log/scp-ws.log"), qr/ws feed: listening again, from event \d+/,
    'the feed says it resumed, and from where';
$held->hangup;

# --- nothing died ---------------------------------------------------------------------------
sleep 0.5;
my $errors = slurp("$dir/log/nginx-error.log");
unlike $errors, qr/exited on signal/, 'no nginx worker exited on a signal';
unlike $errors, qr/worker process \d+ exited/, 'no nginx worker exited';
my $wslog = slurp("$dir/log/scp-ws.log");
unlike $wslog, qr/died \(/, 'no scp-ws process died';
ok kill(0, $ws_master), 'the scp-ws master is still running';
my $ws2 = ws();
$ws2->send(frame('ping'));
($m) = $ws2->events(1, 2);
is $m && $m->{event}, 'pong', 'and a new connection is answered';
$ws2->hangup;

done_testing;
