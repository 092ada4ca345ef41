# refresh_rotation = reuse: a session's refresh token stays valid until the session
# ends (or expires); refreshing answers the same token, and concurrent refreshes of one
# token all succeed.  Ending the session (logout, password change, deactivation, ban)
# ends the token.  An invalid value is refused at start-up (scpctl check-config).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPB2B;

my $top = $SCPTest::TOP;
my $out = `SCP_CONFIG=/dev/null SCP_JWT_SECRET=${\('x' x 32)} SCP_REFRESH_ROTATION=sometimes $top/build/bin/scpctl check-config 2>&1`;
isnt $? >> 8, 0, 'check-config refuses refresh_rotation = sometimes';
like $out, qr/refresh_rotation must be one of rotate, reuse, not "sometimes"/, '  and says why';
$out = `SCP_CONFIG=/dev/null SCP_JWT_SECRET=${\('x' x 32)} SCP_REFRESH_ROTATION=reuse $top/build/bin/scpctl check-config 2>&1`;
like $out, qr/^refresh_rotation\s+= reuse\s+#/m, 'check-config shows the value';

my $s = SCPTest->start(env => { SCP_REFRESH_ROTATION => 'reuse' });
my $refresh = sub { $s->post('/api/v1/auth/refresh', { refresh_token => $_[0] }) };
my $me = sub { $s->get('/api/v1/auth/me', token => $_[0])->{status} };

my $u = $s->signup;
my $r = $refresh->($u->{refresh_token});
is $r->{status}, 200, 'refresh: 200';
is_deeply [ sort keys %{ $r->{json} } ],
    [ sort qw(access_token refresh_token token_type expires_in user) ], 'the usual body';
is $r->{json}{refresh_token}, $u->{refresh_token}, 'the same refresh token';
is $r->{json}{user}{id}, $u->{user}{id}, 'the user';
is $me->($r->{json}{access_token}), 200, 'the new access token works';
sleep 3;    # past rotate's race grace: with rotation this would revoke the session
for my $i (1 .. 3) {
    is $refresh->($u->{refresh_token})->{status}, 200, "the first token again ($i): 200";
}
is $me->($u->{access_token}), 200, 'and nothing was revoked';
is $s->sql("SELECT count(*) FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
         . " WHERE s.user_id = :'p1'", $u->{user}{id}), 1, 'no token was added';

# WEB refreshes in parallel with one token: all succeed.
my @res = parallel(20, sub { { status => $refresh->($u->{refresh_token})->{status} } });
is scalar(grep { $_->{status} == 200 } @res), 20, '20 concurrent refreshes of one token: all 200';

# The session's end ends the token.
my $l = $s->post('/api/v1/auth/login', { email => $u->{user}{email}, password => 'password123' })->{json};
is $s->post('/api/v1/auth/logout', {}, token => $l->{access_token})->{status}, 200, 'logout';
is $refresh->($l->{refresh_token})->{status}, 401, 'after logout: 401';
is $refresh->($u->{refresh_token})->{status}, 200, 'another session of the user lives on';

my $p = $s->post('/api/v1/auth/login', { email => $u->{user}{email}, password => 'password123' })->{json};
is $s->patch('/api/v1/users/me', { new_password => 'newpassword1', current_password => 'password123' },
             token => $u->{access_token})->{status}, 200, 'password changed';
is $refresh->($p->{refresh_token})->{status}, 401, 'the other sessions\' tokens: 401';
is $refresh->($u->{refresh_token})->{status}, 200, 'the session that changed it goes on';

my $v = $s->signup;
$s->sql("UPDATE users SET status = 'banned' WHERE id = :'p1'", $v->{user}{id});
is $refresh->($v->{refresh_token})->{status}, 401, 'a banned user: 401';

my $sup = new_supplier($s);
my $rep = add_staff($s, $sup, 'sales_rep');
is $s->del("/api/v1/supplier/users/$rep->{id}", token => $sup->{token})->{status}, 200, 'deactivated';
is $refresh->($rep->{refresh_token})->{status}, 401, 'a deactivated member: 401';

my $e = $s->signup;
$s->sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'"
      . " WHERE session_id IN (SELECT id FROM sessions WHERE user_id = :'p1')", $e->{user}{id});
is $refresh->($e->{refresh_token})->{status}, 401, 'an expired token: 401';
is $refresh->('0' x 64)->{status}, 401, 'an unknown token: 401';
is $refresh->($u->{access_token})->{status}, 401, 'an access token: 401';
is $s->post('/api/v1/auth/refresh', {})->{status}, 422, 'no refresh_token: 422';

# A token that rotation spent before the switch stays spent, without revoking anything.
my $w = $s->signup;
$s->sql("UPDATE refresh_tokens SET used_at = now() - interval '1 hour'"
      . " WHERE session_id IN (SELECT id FROM sessions WHERE user_id = :'p1')", $w->{user}{id});
is $refresh->($w->{refresh_token})->{status}, 401, 'a rotated token: 401';
is $s->sql("SELECT count(*) FROM sessions WHERE user_id = :'p1' AND revoked_at IS NULL",
           $w->{user}{id}), 1, '  and the session is not revoked (no reuse detection)';

done_testing;
