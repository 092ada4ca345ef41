# systemd socket activation: the master takes its listening socket from LISTEN_FDS
# (systemd-socket-activate stands in for systemd) and serves FastCGI on it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use POSIX ();
use SCPTest;

plan skip_all => 'systemd-socket-activate or cgi-fcgi missing'
    unless `which systemd-socket-activate cgi-fcgi 2>/dev/null` =~ /cgi-fcgi/;

my $s = SCPTest->start;
my $top = $SCPTest::TOP;
my $bin = -x "$top/build/cgi-bin/auth/scp-auth" ? "$top/build/cgi-bin/auth/scp-auth"
                                                 : "$top/cgi-bin/auth/scp-auth";
my $sock = $s->dir . '/run/activated.sock';
my $log = $s->dir . '/log/activated.log';
my $pid = fork;
if (!$pid) {
    open STDOUT, '>>', $log;
    open STDERR, '>>', $log;
    POSIX::setsid();
    exec 'systemd-socket-activate', '-l', $sock, $bin, '-c', $s->dir . '/scp.conf', '-n', '2';
    exit 127;
}
$s->wait_until(5, sub { -S $sock });
ok -S $sock, 'the socket is held by the activator';

sub fcgi {
    my ($path) = @_;
    local %ENV = (%ENV, REQUEST_METHOD => 'GET', DOCUMENT_URI => $path, REQUEST_URI => $path,
                  QUERY_STRING => '', SERVER_PROTOCOL => 'HTTP/1.1');
    return scalar `cgi-fcgi -bind -connect $sock 2>&1`;
}
my $out = fcgi('/health');
like $out, qr/^Status: 200/m, 'the first connection starts scp-auth, which answers on fd 3';
like $out, qr/"database":"ok"/, 'with its database';
like fcgi('/api/v1/auth/me'), qr/^Status: 401/m, 'and routes as usual';
open my $fh, '<', $log or die;
my $text = do { local $/; <$fh> };
like $text, qr/listening on the socket from systemd with 2 workers/, "the master started its workers on systemd's socket";
unlike $text, qr/cannot listen/, 'without opening a socket of its own';

kill 'TERM', -$pid;
kill 'TERM', $pid;
waitpid $pid, 0;
done_testing;
