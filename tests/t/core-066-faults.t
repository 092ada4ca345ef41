# Fault drills: after PostgreSQL restarts, the very first request on every worker of
# every family answers 200 (the lost connection is reopened and the request run; no
# 503 once the database answers), the reconnects are counted; libpq's messages are
# prefixed and one line; log_format = json gives one JSON object a line; a SIGHUP with a
# changed `workers` grows and shrinks the pool.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);
use SCPTest qw(parallel);

my $W = 3;
my $s = SCPTest->start(env => { SCP_WORKERS => $W, SCP_LOG_FORMAT => 'json' });
my $u = $s->signup;
my $tok = $u->{access_token};
# One database-backed request per family (the session check is a pipeline: auth).
my %probe = (
    auth     => ['/api/v1/auth/me', $tok],
    catalog  => ['/api/v1/catalog', $tok],
    listings => ['/api/v1/marketplace', undef],
    messages => ['/api/v1/notifications', $tok],
    health   => ['/health', undef],
);
for my $f (sort keys %probe) {
    my ($p, $t) = @{ $probe{$f} };
    is $s->get($p, defined $t ? (token => $t) : ())->{status}, 200, "$f: $p answers 200";
}

sub reconnects {
    my %n;
    my $page = $s->get('/metrics')->{content};
    $n{$1} = $2 while $page =~ /^scp_db_reconnects_total\{family="(\w+)"\} (\d+)$/mg;
    return \%n;
}
my $r0 = reconnects();

# ---- PostgreSQL restarts; then every request is 200, the first one on each worker too ---
for my $round (1, 2) {
    $s->stack('pg-stop');
    $s->stack('pg-start');
    my (@st, %bad);
    # Sequential requests go round the workers (each waits in accept() in turn): 3 × W of
    # them per path reach every worker more than once.
    for my $i (1 .. 3 * $W) {
        for my $f (sort keys %probe) {
            my ($p, $t) = @{ $probe{$f} };
            my $c = $s->get($p, defined $t ? (token => $t) : ())->{status};
            push @st, $c;
            $bad{"$p $c"}++ if $c != 200;
        }
    }
    is scalar(grep { $_ != 200 } @st), 0,
        "restart $round: all " . scalar(@st) . ' requests after it answer 200'
        or diag explain \%bad;
}
# Requests while it is down are 503; the first ones once it is back are 200 (a refused
# attempt a moment ago does not hold the next one back).
$s->stack('pg-stop');
my @down = map { $s->get('/api/v1/auth/me', token => $tok)->{status} } 1 .. 2 * $W;
is scalar(grep { $_ == 503 } @down), 2 * $W, 'while down: 503';
$s->stack('pg-start');
my @back = map { $s->get('/api/v1/auth/me', token => $tok)->{status} } 1 .. 3 * $W;
is scalar(grep { $_ != 200 } @back), 0, 'right after it is back: every request 200 ('
    . join(' ', @back) . ')';
# Concurrent first requests after a restart: no worker is idle in between.
$s->stack('pg-stop');
$s->stack('pg-start');
my @par = parallel($W * 2, sub {
    my @c = map { $s->get('/api/v1/auth/me', token => $tok)->{status} } 1 .. 5;
    return { c => \@c };
});
my @all = map { @{ $_->{c} } } @par;
is scalar(grep { $_ != 200 } @all), 0, 'concurrent requests right after a restart: all 200';
is $s->post('/api/v1/auth/login', { email => $u->{user}{email}, password => 'password123' })
    ->{status}, 200, 'a write after the restart';

# The race the idle check cannot see (the session ends between the check and the first
# statement), made on purpose by a probe linked with libscp (tests/unit/test_db_retry.c).
{
    my $build = $ENV{SCP_BUILD} || "$SCPTest::TOP/build";
    my $probe = "$build/tests/unit/test_db_retry";
    # A check program: `make check` builds it, scripts/build does not.
    system("make -C $build tests/unit/test_db_retry >/dev/null 2>&1") unless -x $probe;
    local $ENV{SCP_TEST_DATABASE_URL} = 'host=' . $s->dir . '/pgsock user=scp dbname=scp';
    my @tap = `$probe 2>&1`;
    is $?, 0, 'the first statement after a lost session is run again; a later one is not'
        or diag @tap;
    ok((grep { /^ok \d+ - the first statement is run again/ } @tap), 'the probe ran')
        or diag @tap;
}

my $r1 = reconnects();
for my $f (qw(auth catalog listings messages)) {
    ok $r1->{$f} - ($r0->{$f} // 0) >= $W, "$f: its $W workers' reconnects are counted ("
        . ($r1->{$f} - ($r0->{$f} // 0)) . ')';
}

# ---- logs: JSON lines; libpq's messages prefixed, one line ----------------------------------
open my $fh, '<', $s->dir . '/log/scp-auth.log' or die $!;
my @lines = <$fh>;
close $fh;
my (@notjson, @nofields, @libpq);
for (@lines) {
    my $j = eval { JSON::PP->new->decode($_) };
    if (!$j) { push @notjson, $_; next }
    push @nofields, $_ unless defined $j->{ts} && $j->{ts} =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
        && $j->{level} && ($j->{family} // '') eq 'auth' && $j->{pid} && defined $j->{msg};
    push @libpq, $j if $j->{msg} =~ /^libpq: /;
}
ok @lines > 20, scalar(@lines) . ' log lines';
is_deeply \@notjson, [], 'every line of scp-auth.log is a JSON object';
is_deeply \@nofields, [], 'each with ts (fixed fraction), level, family, pid, msg';
ok @libpq > 0, scalar(@libpq) . " libpq: lines (the reconnects)";
ok((grep { $_->{msg} =~ /reopened|reconnect|lost/ } @libpq), 'saying what happened');
my ($req) = grep { /"path":"\/api\/v1\/auth\/me"/ } @lines;
my $rj = JSON::PP->new->decode($req);
is $rj->{method}, 'GET', 'a request line has its method';
is $rj->{status}, 200, '... status (a number)';
ok $rj->{duration_ms} > 0, '... duration_ms';
is $rj->{user}, $u->{user}{id}, '... and user';

# ---- SIGHUP applies a changed worker count ---------------------------------------------------
# The stack starts the families with SCP_WORKERS in their environment, which overrides
# the file; start scp-auth again as a service would be, with the count in the file only.
my $dir = $s->dir;
my $build = $ENV{SCP_BUILD} || "$SCPTest::TOP/build";
kill 'TERM', $s->pid_of('scp-auth');
$s->wait_until(10, sub { !kill 0, $s->pid_of('scp-auth') });
sub set_workers {
    my ($n) = @_;
    open my $in, '<', "$dir/scp.conf" or die $!;
    my @c = grep { !/^workers\s*=/ } <$in>;
    close $in;
    open my $out, '>', "$dir/scp.conf" or die $!;
    print $out @c, "workers = $n\n";
    close $out;
}
set_workers(2);
my $pid = fork;
if (!$pid) {
    delete $ENV{SCP_WORKERS};
    $ENV{SCP_CONFIG} = "$dir/scp.conf";
    open STDERR, '>>', "$dir/log/scp-auth.log";
    exec "$build/cgi-bin/auth/scp-auth", '-s', "$dir/run/scp-auth.sock";
    die "exec: $!";
}
open my $pf, '>', "$dir/run/scp-auth.pid" or die $!;
print $pf "$pid\n";
close $pf;
ok $s->wait_until(10, sub { $s->workers('auth') == 2 }), 'scp-auth runs 2 workers from the file';
is $s->get('/api/v1/auth/me', token => $tok)->{status}, 200, 'and answers';

set_workers(5);
kill 'HUP', $pid;
ok $s->wait_until(10, sub { $s->workers('auth') == 5 }), 'SIGHUP with workers = 5: five workers';
like $s->get('/metrics')->{content}, qr/^scp_workers\{family="auth"\} 5$/m, 'scp_workers says 5';

# Shrinking while requests run: the extra workers finish theirs and exit.
set_workers(1);
my @load = parallel(3, sub {
    my ($i) = @_;
    my @c;
    my $end = time + 2;
    kill 'HUP', $pid if $i == 0 && sleep 0.3;
    push @c, $s->get('/api/v1/auth/me', token => $tok)->{status} while time < $end;
    return { c => \@c };
});
my @sh = map { @{ $_->{c} } } @load;
is scalar(grep { $_ != 200 } @sh), 0, 'no failed request while shrinking (' . scalar(@sh) . ')';
ok $s->wait_until(10, sub { $s->workers('auth') == 1 }), 'SIGHUP with workers = 1: one worker';
sleep 0.5;
is scalar($s->workers('auth')), 1, 'and it stays one (no slot above it refilled)';
like $s->get('/metrics')->{content}, qr/^scp_workers\{family="auth"\} 1$/m, 'scp_workers says 1';
is $s->get('/api/v1/auth/me', token => $tok)->{status}, 200, 'the one worker answers';

# A rejected file changes nothing.
open my $bad, '>>', "$dir/scp.conf" or die $!;
print $bad "workers = 0\n";
close $bad;
kill 'HUP', $pid;
sleep 1;
is scalar($s->workers('auth')), 1, 'an out-of-range workers value is refused: still one';
is $s->get('/api/v1/auth/me', token => $tok)->{status}, 200, 'and serving';

done_testing;
