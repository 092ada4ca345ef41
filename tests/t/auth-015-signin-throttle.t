# Per-account throttling of password checks, kept in PostgreSQL (sql/008_signin_throttle.sql):
# POST /auth/login and the current_password of PATCH /users/me.  Time is moved by
# moving the rows' timestamps back.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use HTTP::Tiny;
use SCPTest qw(parallel);

my $s = SCPTest->start;

sub login {
    my ($email, $password, %o) = @_;
    return $s->post('/api/v1/auth/login', { email => $email, password => $password }, %o);
}
sub fail_n {
    my ($n, $email) = @_;
    return map { login($email, 'wrong-password')->{status} } 1 .. $n;
}
sub retry_after { $_[0]{headers}{'retry-after'} }
sub failures {
    my ($purpose, $subject) = @_;
    return $s->sql("SELECT failures FROM signin_throttle WHERE purpose = :'p1' AND subject = :'p2'",
                   $purpose, $subject) // 0;
}
# Move a streak's last failure back by SECONDS, as if that much time had passed.
sub age {
    my ($purpose, $subject, $secs) = @_;
    $s->sql("UPDATE signin_throttle SET last_failure_at = last_failure_at - make_interval(secs => :'p3')"
            . " WHERE purpose = :'p1' AND subject = :'p2'", $purpose, $subject, $secs);
}
sub is_locked {
    my ($r, $name, $max) = @_;
    is $r->{status}, 429, "$name: 429";
    is $r->{json}{error}{code}, 'RATE_LIMITED', "$name: RATE_LIMITED";
    my $ra = retry_after($r) // '';
    ok $ra =~ /^\d+$/ && $ra >= 1 && $ra <= $max, "$name: Retry-After $ra (at most $max)";
}

# --- 5 failures lock the account; even the right password is refused ----------------
my $a = $s->signup;
my $ae = $a->{user}{email};
is_deeply [fail_n(5, $ae)], [(401) x 5], 'five wrong passwords: 401 each';
is failures('login', lc $ae), 5, 'five failures counted';
my $r = login($ae, 'wrong-password');
is_locked($r, 'the 6th attempt', 30);
ok retry_after($r) >= 25, 'Retry-After about 30 s after the 5th failure';
is $r->{json}{error}{message}, 'too many failed attempts; try again later', 'the message';
$r = login($ae, 'password123');
is_locked($r, 'the right password while locked', 30);
ok !$r->{json}{access_token}, 'no tokens';
$r = login(uc $ae, 'password123');
is $r->{status}, 429, 'the email in another case is the same account';
is failures('login', lc $ae), 5, 'refused attempts are not counted (no password was checked)';

# --- the lock expires; the next failure doubles it; a success resets ----------------
age('login', lc $ae, 31);
is login($ae, 'wrong-password')->{status}, 401, 'lock over: a 6th failure is checked (401)';
is_locked(login($ae, 'password123'), 'after the 6th failure', 60);
ok retry_after(login($ae, 'x')) > 30, 'Retry-After doubled to 60 s';
age('login', lc $ae, 61);
is login($ae, 'wrong-password')->{status}, 401, 'a 7th failure';
$r = login($ae, 'password123');
ok retry_after($r) > 60 && retry_after($r) <= 120, 'Retry-After 120 s after the 7th';
$s->sql("UPDATE signin_throttle SET failures = 40, last_failure_at = now()"
        . " WHERE purpose = 'login' AND subject = :'p1'", lc $ae);
$r = login($ae, 'password123');
ok retry_after($r) > 3500 && retry_after($r) <= 3600, 'capped at an hour (' . retry_after($r) . ')';
age('login', lc $ae, 3601);
$r = login($ae, 'password123');
is $r->{status}, 200, 'the lock expired: the right password signs in';
is failures('login', lc $ae), 0, 'and the streak is gone';
is_deeply [fail_n(4, $ae)], [(401) x 4], 'four failures after a success';
is login($ae, 'password123')->{status}, 200, 'a success before the 5th failure';
is_deeply [fail_n(4, $ae)], [(401) x 4], 'four more failures';
is login($ae, 'password123')->{status}, 200, 'not locked: the count had restarted';
is failures('login', lc $ae), 0, 'reset again';

# --- the window: failures 15 minutes old are forgotten -----------------------------
fail_n(4, $ae);
age('login', lc $ae, 15 * 60 + 1);
is login($ae, 'wrong-password')->{status}, 401, 'a failure after 15 quiet minutes';
is failures('login', lc $ae), 1, 'starts a new streak';
fail_n(3, $ae);
age('login', lc $ae, 14 * 60);
is login($ae, 'wrong-password')->{status}, 401, 'a 5th failure within 15 minutes of the 4th';
is login($ae, 'password123')->{status}, 429, 'locks';
age('login', lc $ae, 31 + 14 * 60);
is login($ae, 'wrong-password')->{status}, 401, '14 minutes after the lock ended';
is failures('login', lc $ae), 6, 'the streak goes on';
age('login', lc $ae, 3600);
is login($ae, 'password123')->{status}, 200, 'long after: signed in';

# --- accounts are independent; the source address is not part of the key ----------
my $b = $s->signup;
my $be = $b->{user}{email};
fail_n(5, $ae);
is login($ae, 'password123')->{status}, 429, 'A is locked';
is login($be, 'password123')->{status}, 200, 'B signs in';
is login($be, 'wrong-password')->{status}, 401, 'B\'s failure is B\'s own';
is failures('login', lc $be), 1, 'counted for B only';
age('login', lc $ae, 3600);
is login($ae, 'password123')->{status}, 200, 'A again';

my $c = $s->signup;
my $ce = $c->{user}{email};
my %from = map { $_ => HTTP::Tiny->new(timeout => 30, local_address => $_) } qw(127.0.0.1 127.0.0.2);
my @st;
for my $i (1 .. 6) {
    my $addr = $i % 2 ? '127.0.0.1' : '127.0.0.2';
    my $res = $from{$addr}->request('POST', $s->url . '/api/v1/auth/login', {
        headers => { 'Content-Type' => 'application/json', 'X-Forwarded-For' => "198.51.100.$i" },
        content => SCPTest::json()->encode({ email => $ce, password => 'wrong-password' }) });
    push @st, $res->{status};
}
is_deeply \@st, [401, 401, 401, 401, 401, 429],
    'failures from two addresses add up on the account';
is login($ce, 'password123', headers => { 'X-Forwarded-For' => '203.0.113.9' })->{status}, 429,
    'and a third address is refused as well';

# --- 20 concurrent wrong attempts: exactly five are checked and counted --------------
my $d = $s->signup;
my $de = $d->{user}{email};
my @par = parallel(20, sub {
    my $r = login($de, "wrong-$_[0]");
    return { status => $r->{status}, retry => retry_after($r) };
});
my @ok401 = grep { $_->{status} == 401 } @par;
my @ok429 = grep { $_->{status} == 429 } @par;
is scalar(@ok401), 5, 'five of 20 concurrent wrong passwords answer 401';
is scalar(@ok429), 15, 'the other 15 answer 429';
ok !(grep { !$_->{retry} } @ok429), 'each 429 with Retry-After';
is failures('login', lc $de), 5, 'the count is exact: 5';
is_deeply [map { login($de, $_)->{status} } 'wrong-again', 'password123'], [429, 429],
    'later attempts, right or wrong, are refused';
# An attempt whose check passed just before a concurrent failure locked the account: its
# outcome, right or wrong, is refused like the check would now refuse it.
for my $fn (qw(scp_signin_failed scp_signin_passed)) {
    ok eval { $s->sql("DO \$\$ BEGIN PERFORM $fn('login', :'p1'); RAISE 'not refused';"
                      . " EXCEPTION WHEN SQLSTATE 'SC429' THEN NULL; END \$\$", lc $de); 1 },
        "$fn on a locked account raises SC429";
}
is failures('login', lc $de), 5, 'and the streak stays as it was';

# --- unknown emails behave exactly like accounts ----------------------------------
sub trace {
    my ($email, $right) = @_;
    my @t;
    for my $pw (('nope-nope') x 5, 'nope-nope', $right) {
        my $r = login($email, $pw);
        push @t, join ' ', $r->{status}, $r->{json}{error}{code}, $r->{json}{error}{message},
            defined retry_after($r) ? 'retry-after' : 'no-retry-after';
    }
    return \@t;
}
my $known = $s->signup;
my $ghost = "ghost.$$\@example.com";
my $kt = trace($known->{user}{email}, 'password123');
my $gt = trace($ghost, 'password123');
is_deeply $gt, $kt, 'an unknown email answers as a locked account does, step by step';
like $kt->[5], qr/^429 RATE_LIMITED/, '(both locked after five failures)';
is failures('login', $ghost), 5, 'the unknown email has its streak, by normalized email';
is login(uc $ghost, 'x')->{status}, 429, 'in any case';
my ($kr, $gr) = map { retry_after(login($_, 'x')) } $known->{user}{email}, $ghost;
ok abs($kr - $gr) <= 2, "the same Retry-After ($kr, $gr)";

# --- PATCH /users/me: a wrong current_password ------------------------------------
my $e = $s->signup;
my $uid = $e->{user}{id};
my $tok = $e->{access_token};
sub change {
    my ($cur, $new) = @_;
    return $s->patch('/api/v1/users/me', { new_password => $new // 'newpassword1',
        defined $cur ? (current_password => $cur) : () }, token => $tok);
}
is_deeply [map { change(undef)->{status} } 1 .. 6], [(422) x 6],
    'a missing current_password: 422, and no count';
is failures('password', $uid), 0, 'nothing counted';
is_deeply [map { change('wrong-one')->{status} } 1 .. 4], [(422) x 4], 'four wrong: 422';
is change('password123')->{status}, 200, 'the right one before the 5th';
is failures('password', $uid), 0, 'resets';
is_deeply [map { change('wrong-one')->{status} } 1 .. 5], [(422) x 5], 'five wrong: 422';
is failures('password', $uid), 5, 'counted';
is_locked(change('wrong-one'), 'a 6th current_password', 30);
$r = change('newpassword1', 'newpassword2');
is_locked($r, 'the right current_password while locked', 30);
is login($e->{user}{email}, 'newpassword1')->{status}, 200,
    'the password is unchanged, and sign-in is throttled apart';
is $s->patch('/api/v1/users/me', { first_name => 'Kim' }, token => $tok)->{status}, 200,
    'a profile change without a password is not throttled';
is failures('password', $uid), 5, 'nor does it reset the count';
age('password', $uid, 31);
is change('wrong-one')->{status}, 422, 'lock over: a 6th failure is checked';
is_locked(change('newpassword1', 'newpassword2'), 'doubled', 60);
ok retry_after(change('newpassword1')) > 30, 'Retry-After 60 s';
age('password', $uid, 61);
is change('newpassword1', 'newpassword2')->{status}, 200, 'after the lock: changed';
is failures('password', $uid), 0, 'and the count reset';

# --- old rows are pruned ---------------------------------------------------------
$s->sql("UPDATE signin_throttle SET last_failure_at = now() - interval '2 hours'"
        . " WHERE purpose = 'login' AND subject = :'p1'", $ghost);
login("someone.else.$$\@example.com", 'x');
is failures('login', $ghost), 0, 'a row idle for 2 hours is pruned by a later failure';

done_testing;
