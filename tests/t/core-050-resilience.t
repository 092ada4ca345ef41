# Failures: a worker killed under load is replaced and no request after it fails; a
# PostgreSQL restart gives 503 with Retry-After, then full recovery; SIGHUP replaces
# the workers without a failed request.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use SCPTest qw(parallel);

my $s = SCPTest->start(env => { SCP_WORKERS => 3 });
my $u = $s->signup;
my $me = sub { $s->get('/api/v1/auth/me', token => $u->{access_token}) };

# --- SIGKILL a worker under load -------------------------------------------------------
my @before = $s->workers('auth');
is scalar @before, 3, 'three workers';
my $stamp = $s->dir . '/killed';
my @load = parallel(5, sub {
    my ($i) = @_;
    my (@after_kill, $before_kill);
    my $end = time + 4;
    while (time < $end) {
        my $st = $me->()->{status};
        if (-e $stamp) { push @after_kill, $st } else { $before_kill++ }
        if ($i == 0 && !-e $stamp && time > $end - 3) {
            kill 'KILL', $before[0];
            # From here on, nothing may fail: the master replaces the worker and the
            # others keep serving the queue.
            sleep 0.05;
            open my $fh, '>', $stamp; close $fh;
        }
    }
    return { after => \@after_kill, before => $before_kill };
});
my @after = map { @{ $_->{after} } } @load;
ok @after > 20, scalar(@after) . ' requests after the kill';
is scalar(grep { $_ != 200 } @after), 0, 'none of them failed';
my @now = $s->workers('auth');
is scalar @now, 3, 'three workers again';
ok !(grep { $_ == $before[0] } @now), 'the killed worker was replaced';
like $s->get('/metrics')->{content}, qr/scp_worker_restarts_total\{family="auth"\} 1/,
    'the restart is counted';

# --- PostgreSQL restart ---------------------------------------------------------------
is $me->()->{status}, 200, 'before the restart';
$s->stack('pg-stop');
is $s->get('/ping')->{status}, 200, '/ping needs no database';
is $s->get('/metrics')->{status}, 200, '/metrics needs no database';
my $r = $me->();
is $r->{status}, 503, 'database down: 503';
is $r->{json}{error}{code}, 'UNAVAILABLE', 'UNAVAILABLE';
is $r->{headers}{'retry-after'}, 1, 'Retry-After: 1';
$r = $s->post('/api/v1/auth/login', { email => $u->{user}{email}, password => 'password123' });
is $r->{status}, 503, 'login while down: 503';
is $s->get('/health')->{status}, 503, 'health: 503';
my @down = map { $me->()->{status} } 1 .. 10;
is scalar(grep { $_ == 503 } @down), 10, 'every request while down is a clean 503';
is scalar $s->workers('auth'), 3, 'no worker died';
$s->stack('pg-start');
my $ok = $s->wait_until(5, sub { $me->()->{status} == 200 });
ok $ok, 'recovered after the restart';
my @up = map { $me->()->{status} } 1 .. 20;
is scalar(grep { $_ == 200 } @up), 20, 'every request after recovery succeeds';
is $s->signup->{user}{role}, 'consumer', 'writes work again';

# --- SIGHUP: graceful replacement -----------------------------------------------------
my @old = $s->workers('auth');
my @hup = parallel(4, sub {
    my ($i) = @_;
    my @st;
    my $end = time + 2.5;
    kill 'HUP', $s->pid_of('scp-auth') if $i == 0 && sleep 0.5;
    my @bad;
    while (time < $end) {
        my $x = $me->();
        push @st, $x->{status};
        push @bad, "$x->{status} " . substr($x->{content} // '', 0, 200) if $x->{status} != 200;
    }
    return { st => \@st, bad => \@bad };
});
my @all = map { @{ $_->{st} } } @hup;
is scalar(grep { $_ != 200 } @all), 0, 'no failed request across SIGHUP (' . scalar(@all) . ' requests)'
    or diag join "\n", map { @{ $_->{bad} } } @hup;
$s->wait_until(5, sub { my @w = $s->workers('auth'); @w == 3 && !grep { my $o = $_; grep { $_ == $o } @old } @w });
my @new = $s->workers('auth');
is scalar @new, 3, 'three workers after SIGHUP';
is scalar(grep { my $o = $_; grep { $_ == $o } @old } @new), 0, 'all of them new';

# --- a SIGHUP with a broken configuration keeps the running one ------------------------
{
    my $conf = $s->dir . '/scp.conf';
    open my $in, '<', $conf or die;
    my $good = do { local $/; <$in> };
    open my $out, '>', $conf or die;
    print $out $good =~ s/^jwt_secret = .*$/jwt_secret = short/mr;
    close $out;
    kill 'HUP', $s->pid_of('scp-auth');
    sleep 1;
    kill 'KILL', ($s->workers('auth'))[0];   # a replacement is forked after the bad reload
    $s->wait_until(5, sub { scalar($s->workers('auth')) == 3 });
    my @st = map { $s->post('/api/v1/auth/login', { email => $u->{user}{email},
                                                   password => 'password123' })->{status} } 1 .. 6;
    is scalar(grep { $_ == 200 } @st), 6, 'a rejected reload leaves every worker on the good configuration';
    open $out, '>', $conf or die;
    print $out $good;
    close $out;
}

# --- a malformed request never takes a worker down ------------------------------------
my @pids = $s->workers('auth');
for my $body ("\0\0\0", "{\"email\":\"\0\"}", '{"a":' x 5000, "\xc0\xaf", '9' x 100000) {
    $s->post('/api/v1/auth/login', $body);
}
$s->req('POST', '/api/v1/auth/login', undef, headers => { 'Content-Length' => 'abc' });
is_deeply [sort $s->workers('auth')], [sort @pids], 'hostile bodies leave every worker alive';

done_testing;
