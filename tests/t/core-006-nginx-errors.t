# Errors nginx answers itself carry the API's envelope (DESIGN §7) with their own status:
# unknown paths, requests nginx cannot parse or will not take, a family that is down.
# A family's own errors pass through as the family wrote them.  Requests HTTP::Tiny cannot
# send go over a raw socket.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(time);
use SCPTest;

my $s = SCPTest->start;
my ($port) = $s->url =~ /:(\d+)$/;

# Send bytes as they are; read the answer until nginx closes (or 10 s).
sub raw {
    my ($bytes) = @_;
    my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 5)
        or die "connect: $!";
    binmode $c;
    # nginx may answer and close before it has read everything; that is fine.
    local $SIG{PIPE} = 'IGNORE';
    syswrite $c, $bytes;
    my ($buf, $sel, $end) = ('', IO::Select->new($c), time + 10);
    while (time < $end && $sel->can_read($end - time)) {
        my $n = sysread $c, $buf, 65536, length $buf;
        last unless $n;
        # A keep-alive answer is complete once Content-Length bytes of body are in.
        if ($buf =~ /\r\n\r\n/ && $buf =~ /^Content-Length: (\d+)\r$/mi) {
            my $head = index($buf, "\r\n\r\n") + 4;
            last if length($buf) - $head >= $1;
        }
    }
    close $c;
    my ($head, $body) = split /\r\n\r\n/, $buf, 2;
    $head //= '';
    my ($status) = $head =~ m{^HTTP/1\.[01] (\d{3})};
    my %h;
    for (split /\r\n/, $head) {
        $h{lc $1} = $2 if /^([^:]+):\s*(.*)$/;
    }
    my $json = eval { JSON::PP->new->decode($body // '') };
    return { status => $status // 0, headers => \%h, content => $body, json => $json };
}

# The envelope, as JSON, with a request id.
sub envelope_ok {
    my ($r, $status, $code, $what) = @_;
    is $r->{status}, $status, "$what: $status";
    like $r->{headers}{'content-type'} // '', qr{^application/json}, "$what: as JSON"
        or diag $r->{content};
    is $r->{json}{success}, JSON::PP::false, "$what: success false";
    is $r->{json}{error}{code}, $code, "$what: $code";
    ok length($r->{json}{error}{message} // ''), "$what: with a message";
    like $r->{headers}{'x-request-id'} // '', qr/^[0-9a-f]{32}$/, "$what: with X-Request-Id";
    unlike $r->{content} // '', qr/<html|nginx/i, "$what: no nginx page";
}

# Outside every location, and nginx's own file 404s.
envelope_ok($s->get('/no/such/thing'), 404, 'NOT_FOUND', 'a path outside every location');
envelope_ok($s->get('/logo.png'), 404, 'NOT_FOUND', 'a path with an image extension');
envelope_ok($s->get('/api/v2/x.png'), 404, 'NOT_FOUND', 'an /api/ path with an extension');
envelope_ok($s->get('/media/missing.jpg'), 404, 'NOT_FOUND', 'a missing media file');
envelope_ok($s->post('/media/missing.jpg', 'x', type => 'text/plain'), 403, 'FORBIDDEN',
            'POST on media');
envelope_ok(raw("TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 405,
            'METHOD_NOT_ALLOWED', 'TRACE');

# Requests nginx cannot parse.
envelope_ok(raw("GARBAGE\r\n\r\n"), 400, 'BAD_REQUEST', 'a bad request line');
envelope_ok(raw("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n"), 400, 'BAD_REQUEST',
            'a request target without a slash');
envelope_ok(raw("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"), 400, 'BAD_REQUEST',
            'a path above the root');
envelope_ok(raw("GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n"), 400, 'BAD_REQUEST',
            'a header name with a space');
envelope_ok(raw("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"), 400, 'BAD_REQUEST',
            'two Host headers');
my $r = raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " . ('a' x 20000) . "\r\n\r\n");
envelope_ok($r, 400, 'BAD_REQUEST', 'a header over large_client_header_buffers');
like $r->{json}{error}{message}, qr/header/, 'which says the headers are too large';
$r = raw("GET /" . ('a' x 20000) . " HTTP/1.1\r\nHost: x\r\n\r\n");
envelope_ok($r, 414, 'BAD_REQUEST', 'a request line over large_client_header_buffers');

# Bodies nginx will not take.
envelope_ok(raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n"
                . "Content-Type: application/json\r\nConnection: close\r\n\r\n{}"),
            501, 'NOT_IMPLEMENTED', 'Transfer-Encoding: foo');
envelope_ok(raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
                . "Content-Type: application/json\r\nConnection: close\r\n\r\n{}"),
            413, 'PAYLOAD_TOO_LARGE', 'a Content-Length over client_max_body_size');
my $big = '{"a":"' . ('x' x (1024 * 1024 + 100)) . '"}';
envelope_ok(raw("POST /api/v1/auth/signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                . "Content-Type: application/json\r\nConnection: close\r\n\r\n"
                . sprintf("%x\r\n%s\r\n0\r\n\r\n", length $big, $big)),
            413, 'PAYLOAD_TOO_LARGE', 'a chunked body over client_max_body_size');

# A family's own errors are not nginx's: they pass through with their own messages.
$r = $s->get('/api/v1/auth/nope');
is $r->{status}, 404, "a family's own 404";
is $r->{json}{error}{message}, 'resource not found', 'keeps the family\'s message';
is $r->{headers}{'cache-control'}, 'no-store', 'and the family\'s headers';
$r = $s->get('/api/v1/auth/login');
is $r->{status}, 405, "a family's own 405";
is $r->{json}{error}{code}, 'METHOD_NOT_ALLOWED', 'METHOD_NOT_ALLOWED';
is $r->{headers}{'cache-control'}, 'no-store', 'as the family sent it';
$r = $s->post('/api/v1/auth/login', '{"email":1,"email":2}');
is $r->{status}, 400, "a family's own 400";
is $r->{json}{error}{message}, 'duplicate key in a JSON object', 'with the family\'s message';

# The real-time locations: their refusals in the envelope, logged without the token.
envelope_ok($s->get('/ws/admin?access_token=not-a-token-42',
                    headers => { Accept => 'text/event-stream' }),
            401, 'UNAUTHORIZED', 'a subscription with a bad token');
envelope_ok($s->post('/ws/admin', {}), 405, 'METHOD_NOT_ALLOWED', 'POST on a channel');
my $log = do { open my $fh, '<', $s->dir . '/log/access.log' or die; local $/; <$fh> };
like $log, qr{"GET /ws/admin" 401}, 'the refused subscription is logged';
unlike $log, qr/not-a-token-42/, 'without its access token';

# A family that is not running: stop scp-bids (master and workers), socket left behind,
# then the socket gone too.
my $master = $s->pid_of('scp-bids');
my @workers = $s->workers('bids');
kill 'TERM', $master;
ok $s->wait_until(10, sub { !grep { kill 0, $_ } $master, @workers }), 'scp-bids stopped';
for my $case ('a stale socket', 'no socket') {
    unlink $s->dir . '/run/scp-bids.sock' if $case eq 'no socket';
    $r = $s->get('/api/v1/bids');
    envelope_ok($r, 503, 'UNAVAILABLE', "bids down, $case");
    is $r->{headers}{'retry-after'}, '1', "bids down, $case: Retry-After";
}
is $s->get('/health')->{status}, 200, 'the other families still answer';

# The real-time authorizer is scp-auth: with it down, auth_request's 500 is UNAVAILABLE.
$master = $s->pid_of('scp-auth');
@workers = $s->workers('auth');
kill 'TERM', $master;
ok $s->wait_until(10, sub { !grep { kill 0, $_ } $master, @workers }), 'scp-auth stopped';
envelope_ok($s->get('/ws/admin', headers => { Accept => 'text/event-stream' }), 503,
            'UNAVAILABLE', 'a subscription while scp-auth is down');
envelope_ok($s->get('/api/v1/auth/me'), 503, 'UNAVAILABLE', 'auth down');

done_testing;
