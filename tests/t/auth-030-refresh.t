# Refresh tokens: single use, rotated each time, reuse revokes the family, and of 20
# concurrent refreshes of one token exactly one wins.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);

my $s = SCPTest->start;
my $refresh = sub { $s->post('/api/v1/auth/refresh', { refresh_token => $_[0] }) };
my $me = sub { $s->get('/api/v1/auth/me', token => $_[0])->{status} };

my $u = $s->signup;
my $r = $refresh->($u->{refresh_token});
is $r->{status}, 200, 'refresh: 200';
isnt $r->{json}{refresh_token}, $u->{refresh_token}, 'rotated';
is $r->{json}{user}{id}, $u->{user}{id}, 'same user';
is $me->($r->{json}{access_token}), 200, 'new access token works';
my $r2 = $s->post('/api/v1/auth/refresh-token', { refresh_token => $r->{json}{refresh_token} });
is $r2->{status}, 200, '/auth/refresh-token alias, and the rotated token works once';

# Reuse of a rotated token (after the race grace) revokes the whole family.
sleep 3;
$r = $refresh->($u->{refresh_token});
is $r->{status}, 401, 'reusing a rotated token: 401';
is $refresh->($r2->{json}{refresh_token})->{status}, 401, 'the newest token of the family is dead';
is $me->($r2->{json}{access_token}), 401, 'and so is its access token, at once';
is $s->sql("SELECT revoked_reason FROM sessions WHERE user_id = :'p1'", $u->{user}{id}),
    'refresh token reuse', 'the session records why';

# Other sessions of the same user are another family: untouched.
my $a = $s->signup;
my $b = $s->post('/api/v1/auth/login', { email => $a->{user}{email}, password => 'password123' })->{json};
my $a2 = $refresh->($a->{refresh_token})->{json};
sleep 3;
$refresh->($a->{refresh_token});
is $me->($a2->{access_token}), 401, 'family A revoked';
is $me->($b->{access_token}), 200, 'family B of the same user lives';

# Validation and junk.
is $refresh->('0' x 64)->{status}, 401, 'unknown token: 401';
$r = $s->post('/api/v1/auth/refresh', {});
is $r->{status}, 422, 'missing refresh_token: 422';
$r = $s->post('/api/v1/auth/refresh', { refresh_token => 12 });
is $r->{status}, 422, 'not a string: 422';
$r = $s->post('/api/v1/auth/refresh', 'refresh_token=abc', type => 'application/x-www-form-urlencoded');
is $r->{status}, 415, 'a form body: 415';
$r = $refresh->($u->{access_token});
is $r->{status}, 401, 'an access token is not a refresh token';

# Expired refresh tokens.
my $e = $s->signup;
$s->sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'"
      . " WHERE session_id IN (SELECT id FROM sessions WHERE user_id = :'p1')", $e->{user}{id});
is $refresh->($e->{refresh_token})->{status}, 401, 'an expired refresh token: 401';

# 20 concurrent refreshes of one token: exactly one wins, and the winner's tokens live.
for my $round (1 .. 3) {
    my $c = $s->signup;
    my @res = parallel(20, sub {
        my $x = $refresh->($c->{refresh_token});
        return { status => $x->{status}, refresh => $x->{json}{refresh_token},
                 access => $x->{json}{access_token} };
    });
    my @won = grep { $_->{status} == 200 } @res;
    is scalar @won, 1, "round $round: exactly one of 20 concurrent refreshes wins";
    is scalar(grep { $_->{status} == 401 } @res), 19, "round $round: the other 19 get 401";
    is $s->sql("SELECT count(*) FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
             . " WHERE s.user_id = :'p1'", $c->{user}{id}), 2,
        "round $round: one rotation recorded";
    is $me->($won[0]{access}), 200, "round $round: the winner's access token works";
    is $refresh->($won[0]{refresh})->{status}, 200, "round $round: the winner's refresh token works";
}

done_testing;
