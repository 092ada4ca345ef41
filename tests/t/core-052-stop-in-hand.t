# A stop never interrupts a request (lib/scp_prefork.c, scp_prefork_wait): a family's
# worker that has accepted a request and is still reading it when the family is asked
# to stop (SIGTERM) or to reload (SIGHUP) reads it whole and answers it.  Spoken to the
# worker's FastCGI socket directly, so that the request can stop half-way: nginx would
# send it all at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Socket::UNIX;
use Time::HiRes qw(sleep);
use SCPTest;

my $s = SCPTest->start(env => { SCP_WORKERS => 1 });
my $sock = $s->dir . '/run/scp-catalog.sock';

sub record {    # FastCGI record: version 1, type, request id 1, content, no padding
    my ($type, $content) = @_;
    return pack('CCnnCC', 1, $type, 1, length $content, 0, 0) . $content;
}
sub pair {
    my ($k, $v) = @_;
    my $len = sub { $_[0] < 128 ? pack('C', $_[0]) : pack('N', $_[0] | 0x80000000) };
    return $len->(length $k) . $len->(length $v) . $k . $v;
}
my $params = join '', map { pair(@$_) } ([REQUEST_METHOD => 'GET'], [DOCUMENT_URI => '/health'],
    [REQUEST_URI => '/health'], [QUERY_STRING => ''], [REMOTE_ADDR => '127.0.0.1'],
    [HTTP_X_REQUEST_ID => 'stop-in-hand']);

my $whole = record(1, pack('nCx5', 1, 0)) . record(4, $params) . record(4, '') . record(5, '');

# The request in two writes, the signal (if any) between them: the worker's answer.
sub half_then {
    my ($signal) = @_;
    my $c = IO::Socket::UNIX->new(Peer => $sock) or die "connect $sock: $!";
    my $cut = 8 + 8 + 10;    # the begin record and a little of the parameters
    syswrite $c, substr($whole, 0, $cut);
    if ($signal) {
        sleep 0.3;           # the worker has accepted and is waiting for the rest
        kill $signal, $s->pid_of('scp-catalog');
        sleep 0.3;
    }
    syswrite $c, substr($whole, $cut);
    my ($buf, $n) = ('', 0);
    local $SIG{ALRM} = sub { die "no answer\n" };
    alarm 10;
    while (($n = sysread $c, $buf, 65536, length $buf)) {}
    alarm 0;
    return $buf;
}

like half_then(undef), qr/Status: 200 /, 'the request spoken to the socket: 200';

my $answer = half_then('HUP');
like $answer, qr/Status: 200 /, 'SIGHUP while a request is half read: it is answered, 200';
like $answer, qr/\{"status":"ok","database":"ok"\}/, '... whole';
like half_then(undef), qr/Status: 200 /, 'the new worker serves after the reload';

$answer = half_then('TERM');
like $answer, qr/Status: 200 .*\{"status":"ok","database":"ok"\}/s,
    'SIGTERM while a request is half read: it is answered, 200';
ok $s->wait_until(10, sub { !kill 0, $s->pid_of('scp-catalog') }), '... and the family stops';

done_testing;
