# Access tokens: every class of bad token is refused; logout ends a session at once;
# GET /auth/me, GET·PATCH /users/me.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256 hmac_sha512);
use MIME::Base64 qw(encode_base64url);
use SCPTest;

my $s = SCPTest->start;
my $J = SCPTest::json();
my $secret = do { open my $fh, '<', $s->dir . '/jwt_secret' or die; local $/; <$fh> };
chomp $secret;

my $u = $s->signup(first_name => 'Tia');
my ($sub, $sid) = ($u->{user}{id}, undef);
{
    my (undef, $payload) = split /\./, $u->{access_token};
    $payload =~ tr/-_/+\//;
    my $claims = $J->decode(MIME::Base64::decode_base64($payload));
    $sid = $claims->{sid};
    is_deeply [sort keys %$claims], [sort qw(aud exp iat iss role sid sub typ)],
        'claims: sub, role, sid, iat, exp, iss, aud, typ';
    is $claims->{typ}, 'access', 'typ access';
    is $claims->{exp} - $claims->{iat}, 900, '15 minutes';
}

sub forge {
    my (%o) = @_;
    my $now = time;
    my %claims = (sub => $sub, sid => $sid, role => 'consumer', iss => 'scp', aud => 'scp-api',
                  typ => 'access', iat => $now, exp => $now + 600, %{ $o{claims} || {} });
    delete @claims{ @{ $o{drop} || [] } };
    my $head = encode_base64url($J->encode({ alg => $o{alg} // 'HS256', typ => 'JWT' }));
    my $body = encode_base64url($J->encode(\%claims));
    my $key = $o{key} // $secret;
    my $alg = $o{alg} // 'HS256';
    my $sig = $alg eq 'HS256' ? encode_base64url(hmac_sha256("$head.$body", $key))
            : $alg eq 'HS512' ? encode_base64url(hmac_sha512("$head.$body", $key))
            : '';
    return "$head.$body.$sig";
}

my $me = sub { $s->get('/api/v1/auth/me', @_) };
is $me->(token => forge())->{status}, 200, 'a well-formed forged token with the key works (control)';

my @bad = (
    [ 'no Authorization header',  undef ],
    [ 'empty bearer',             { headers => { Authorization => 'Bearer ' } } ],
    [ 'Basic scheme',             { headers => { Authorization => 'Basic dXNlcjpwYXNz' } } ],
    [ 'malformed (two parts)',    'abc.def' ],
    [ 'malformed (junk)',         'not a token at all!' ],
    [ 'expired',                  forge(claims => { exp => time - 120, iat => time - 1000 }) ],
    [ 'not yet valid (nbf)',      forge(claims => { nbf => time + 3600 }) ],
    [ 'issued in the future',     forge(claims => { iat => time + 3600, exp => time + 7200 }) ],
    [ 'alg none, no signature',   forge(alg => 'none') ],
    [ 'alg none, with signature', forge(alg => 'none') . 'c2ln' ],
    [ 'alg HS512',                forge(alg => 'HS512') ],
    [ 'bad signature',            do { my $t = forge(); $t =~ s/.$/$& eq 'A' ? 'B' : 'A'/e; $t } ],
    [ 'other secret',             forge(key => 'x' x 40) ],
    [ 'wrong iss',                forge(claims => { iss => 'evil' }) ],
    [ 'wrong aud',                forge(claims => { aud => 'other-api' }) ],
    [ 'wrong typ',                forge(claims => { typ => 'refresh' }) ],
    [ 'missing sub',              forge(drop => ['sub']) ],
    [ 'missing sid',              forge(drop => ['sid']) ],
    [ 'missing exp',              forge(drop => ['exp']) ],
    [ 'sub not a uuid',           forge(claims => { sub => 'admin' }) ],
    [ 'sid of another user',      forge(claims => { sub => $s->signup->{user}{id} }) ],
    [ 'unknown session',          forge(claims => { sid => '00000000-0000-4000-8000-000000000000' }) ],
    [ 'oversized token',          'a' x 5000 . '.b.c' ],
);
for my $case (@bad) {
    my ($name, $t) = @$case;
    my %opt = !defined $t ? () : ref $t ? %$t : (token => $t);
    my $r = $me->(%opt);
    is $r->{status}, 401, "$name: 401";
    is $r->{json}{error}{code}, 'UNAUTHORIZED', "$name: UNAUTHORIZED";
}

# The role in the token must still be the account's (a role change takes a new token).
my $r = $me->(token => forge(claims => { role => 'admin' }));
is $r->{status}, 401, 'a token naming another role than the account\'s: 401';
like $r->{json}{error}{message}, qr/role has changed/, 'saying why';
$r = $me->(token => forge(claims => { supplier_id => '00000000-0000-4000-8000-000000000000' }));
is $r->{status}, 401, 'a token naming a supplier the account is not staff of: 401';

# --- /users/me ------------------------------------------------------------------------
$r = $s->get('/api/v1/users/me', token => $u->{access_token});
is $r->{status}, 200, 'GET /users/me';
is $r->{json}{id}, $sub, 'is the caller';
$r = $s->patch('/api/v1/users/me', { first_name => 'Tina', last_name => 'Lee',
    phone_number => '+14155550100', role => 'admin', email => 'x@y.z', status => 'banned' },
    token => $u->{access_token});
is $r->{status}, 200, 'PATCH /users/me';
is $r->{json}{first_name}, 'Tina', 'first name changed';
is $r->{json}{name}, 'Tina Lee', 'name follows';
is $r->{json}{phone_number}, '+14155550100', 'phone changed';
is $r->{json}{role}, 'consumer', 'role not changed by the body';
is $r->{json}{email}, $u->{user}{email}, 'email not changed by the body';
is $r->{json}{status}, 'active', 'status not changed by the body';
$r = $s->patch('/api/v1/users/me', { last_name => undef }, token => $u->{access_token});
is $r->{json}{last_name}, undef, 'null clears a field';
is $r->{json}{first_name}, 'Tina', 'absent fields stay';
$r = $s->patch('/api/v1/users/me', { phone_number => '555', first_name => '' },
               token => $u->{access_token});
is $r->{status}, 422, 'bad phone and empty name: 422';
is scalar @{ $r->{json}{error}{details}{fields} }, 2, 'both reported';
$r = $s->patch('/api/v1/users/me', { profile_image_url => 'javascript:alert(1)' },
               token => $u->{access_token});
is $r->{status}, 422, 'image URL must be an upload';
$r = $s->patch('/api/v1/users/me', { profile_image_url => 'https://evil.example/x.png' },
               token => $u->{access_token});
is $r->{status}, 422, 'a link elsewhere is refused';
$r = $s->patch('/api/v1/users/me', { profile_image_url => '/media/images/' . ('a' x 32) . '.png' },
               token => $u->{access_token});
is $r->{status}, 422, 'a well-formed name of a file never uploaded is refused';
$r = $s->req('POST', '/api/v1/upload', "\x89PNG\r\n\x1a\n" . ("\x02" x 64), type => 'image/png',
             token => $u->{access_token});
is $r->{status}, 201, 'an upload';
my $pic = $r->{json}{url};
$r = $s->patch('/api/v1/users/me', { profile_image_url => $pic }, token => $u->{access_token});
is $r->{status}, 200, 'the uploaded image becomes the profile picture';
is $r->{json}{profile_image_url}, $pic, 'stored as its /media/ URL';
$r = $s->patch('/api/v1/users/me', { first_name => 'X' });
is $r->{status}, 401, 'PATCH without a token: 401';
my $other = $s->signup(phone_number => '+14155550199');
$r = $s->patch('/api/v1/users/me', { phone_number => '+14155550199' }, token => $u->{access_token});
is $r->{status}, 409, 'another user\'s phone number: 409';
is $r->{json}{error}{details}{field}, 'phone_number', 'naming the request field';
$r = $s->get('/api/v1/users/me', token => $u->{access_token});
is $r->{json}{phone_verified}, JSON::PP::false, 'a typed-in phone is not verified';

# Password change: needs the current one, revokes the other sessions.
my $second = $s->post('/api/v1/auth/login', { email => $u->{user}{email}, password => 'password123' })->{json};
$r = $s->patch('/api/v1/users/me', { new_password => 'newpassword1' }, token => $u->{access_token});
is $r->{status}, 422, 'new_password without current_password: 422';
$r = $s->patch('/api/v1/users/me', { new_password => 'newpassword1', current_password => 'wrong-one' },
               token => $u->{access_token});
is $r->{status}, 422, 'wrong current_password: 422';
$r = $s->patch('/api/v1/users/me', { new_password => 'newpassword1', current_password => 'password123' },
               token => $u->{access_token});
is $r->{status}, 200, 'password changed';
is $me->(token => $second->{access_token})->{status}, 401, 'the other session ended';
is $me->(token => $u->{access_token})->{status}, 200, 'this session goes on';
is $s->post('/api/v1/auth/login', { email => $u->{user}{email}, password => 'newpassword1' })->{status},
    200, 'the new password logs in';

# --- logout ---------------------------------------------------------------------------
my $l = $s->signup;
is $me->(token => $l->{access_token})->{status}, 200, 'before logout';
$r = $s->post('/api/v1/auth/logout', {}, token => $l->{access_token});
is $r->{status}, 200, 'logout';
is $me->(token => $l->{access_token})->{status}, 401, 'the access token stops on the next request';
is $s->post('/api/v1/auth/refresh', { refresh_token => $l->{refresh_token} })->{status}, 401,
    'and its refresh token too';
# Revocation is idempotent (RFC 7009): whatever the token, the answer is 200.
for my $case ([ 'logging out twice', token => $l->{access_token} ],
              [ 'without a token' ],
              [ 'with a junk token', token => 'junk' ],
              [ 'with a malformed header', headers => { Authorization => 'Basic abc' } ],
              [ 'with an empty bearer', headers => { Authorization => 'Bearer ' } ]) {
    my ($name, %o) = @$case;
    $r = $s->post('/api/v1/auth/logout', {}, %o);
    is_deeply [ $r->{status}, $r->{json} ], [ 200, { success => JSON::PP::true } ],
        "logout $name: 200 {success: true}";
}

done_testing;
