# Cliick.io's auth at /api/auth/… (the cliick profile): register, login with the token and
# the session cookie, me on the cookie alone, refresh, logout, ensure-profile, and CSRF on
# cookie-authenticated writes (Origin against cors_origins, X-CSRF-Token when sent).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $allowed = 'http://shop.example';
my $s = SCPTest->start(env => { SCP_CORS_ORIGINS => "http://other.example $allowed",
                                SCP_CORS_ORIGINS_CLIICK => 'http://cliick.example',
                                SCP_CORS_ORIGINS_SELLIKO => 'http://selliko.example' });
my $own = $s->url;

# The Set-Cookie lines of a response, by cookie name.
sub cookies_of {
    my ($r) = @_;
    my $h = $r->{headers}{'set-cookie'} // [];
    my %c;
    for my $line (ref $h ? @$h : ($h)) {
        my ($name, $value) = $line =~ /^([^=;]+)=([^;]*)/ or next;
        $c{$name} = { value => $value, line => $line };
    }
    return \%c;
}

sub fields_of {
    my ($r) = @_;
    return { map { $_->{field} => $_->{message} } @{ $r->{json}{error}{details}{fields} || [] } };
}

# --- register -------------------------------------------------------------------------
my $email = "shop.owner.$$\@example.com";
my $r = $s->post('/api/auth/register', { email => $email, password => 'password123',
                                         username => 'thiri' });
is $r->{status}, 201, 'register: 201';
is $r->{json}{success}, JSON::PP::true, 'success true';
my $d = $r->{json}{data};
ok length($d->{token} // '') > 50, 'data.token';
like $d->{refreshToken}, qr/^[0-9a-f]{64}$/, 'data.refreshToken';
is $d->{user}{email}, $email, 'data.user.email';
is $d->{user}{firstName}, 'thiri', 'the username is the display name';
is $d->{user}{role}, 'consumer', 'a shop owner is a plain account (shops are owned per shop)';
like $d->{csrfToken}, qr/^[0-9a-f]{64}$/, 'data.csrfToken';
my $c = cookies_of($r);
is $c->{scp_session}{value}, $d->{token}, 'the session cookie carries the same token';
like $c->{scp_session}{line}, qr/; HttpOnly/, 'session cookie is HttpOnly';
like $c->{scp_session}{line}, qr/; SameSite=Lax/, 'session cookie is SameSite=Lax';
like $c->{scp_session}{line}, qr/; Path=\//, 'session cookie is Path=/';
like $c->{scp_session}{line}, qr/; Max-Age=900/, 'it lasts as the access token';
unlike $c->{scp_session}{line}, qr/Secure/, 'not Secure when public_url is http';
is $c->{csrf_token}{value}, $d->{csrfToken}, 'the csrf cookie is the body\'s csrfToken';
unlike $c->{csrf_token}{line}, qr/HttpOnly/, 'the csrf cookie is readable by the page';

$r = $s->post('/api/auth/register', { email => uc $email, password => 'password123',
                                      username => 'again' });
is $r->{status}, 409, 'duplicate email: 409';
is $r->{json}{success}, JSON::PP::false, 'duplicate: success false';

$r = $s->post('/api/auth/register', { email => 'not-an-email', password => 'short',
                                      username => 'x' x 101 });
is $r->{status}, 422, 'invalid fields: 422';
my $f = fields_of($r);
ok $f->{email}, 'email reported';
ok $f->{password}, 'password reported';
ok $f->{username}, 'username too long reported';
$r = $s->post('/api/auth/register', {});
is $r->{status}, 422, 'empty body: 422';
$r = $s->post('/api/auth/register', '{"email":', type => 'application/json');
is $r->{status}, 400, 'malformed JSON: 400';

# --- login ----------------------------------------------------------------------------
$r = $s->post('/api/auth/login', { email => $email, password => 'wrong-password' });
is $r->{status}, 401, 'wrong password: 401';
ok !cookies_of($r)->{scp_session}, 'no cookie on a failed login';
$r = $s->post('/api/auth/login', { email => $email });
is $r->{status}, 422, 'login without password: 422';

$r = $s->post('/api/auth/login', { email => $email, password => 'password123' });
is $r->{status}, 200, 'login: 200';
$d = $r->{json}{data};
ok length($d->{token} // '') > 50, 'login: data.token';
is $d->{user}{email}, $email, 'login: data.user';
$c = cookies_of($r);
is $c->{scp_session}{value}, $d->{token}, 'login sets the session cookie';
my $token = $d->{token};
my $cookie = "scp_session=$c->{scp_session}{value}; csrf_token=$c->{csrf_token}{value}";
my $csrf = $c->{csrf_token}{value};
my $refresh = $d->{refreshToken};

# --- me: cookie only, and refusals ----------------------------------------------------
$r = $s->get('/api/auth/me', headers => { Cookie => $cookie });
is $r->{status}, 200, 'me with the cookie only: 200';
is $r->{json}{data}{email}, $email, 'me: the caller';
$r = $s->get('/api/auth/me', headers => { Cookie => "theme=dark; $cookie; lang=my" });
is $r->{status}, 200, 'the cookie among others';
$r = $s->get('/api/auth/me');
is $r->{status}, 401, 'me with neither: 401';
$r = $s->get('/api/auth/me', headers => { Cookie => 'scp_session=not.a.token' });
is $r->{status}, 401, 'a forged cookie: 401';
$r = $s->get('/api/auth/me', token => $token);
is $r->{status}, 200, 'me with the Bearer token: 200';
$r = $s->get('/api/auth/me', headers => { Cookie => $cookie, Origin => 'http://evil.example' });
is $r->{status}, 200, 'a cross-site GET is not a write: 200';

# --- ensure-profile: idempotent -------------------------------------------------------
my @seen;
for my $i (1, 2) {
    $r = $s->post('/api/auth/ensure-profile', undef, token => $token);
    is $r->{status}, 200, "ensure-profile #$i: 200";
    push @seen, $r->{json}{data};
}
is $seen[0]{id}, $seen[1]{id}, 'ensure-profile twice: the same user';
is $seen[1]{email}, $email, 'ensure-profile: the caller';
is $s->sql("SELECT count(*) FROM users WHERE lower(email) = lower('$email')"), 1,
    'one account after both';
$r = $s->post('/api/auth/ensure-profile');
is $r->{status}, 401, 'ensure-profile without a session: 401';
$r = $s->post('/api/auth/ensure-profile', undef, headers => { Cookie => $cookie, Origin => $allowed });
is $r->{status}, 200, 'ensure-profile with the cookie from an allowed origin: 200';

# --- CSRF on cookie-authenticated writes ----------------------------------------------
sub name_now { $s->get('/api/auth/me', token => $token)->{json}{data}{firstName} }

$r = $s->patch('/api/users/me', { firstName => 'Evil' },
               headers => { Cookie => $cookie, Origin => 'http://evil.example' });
is $r->{status}, 403, 'cookie write from a foreign Origin: 403';
is $r->{json}{error}{code}, 'FORBIDDEN', 'FORBIDDEN';
like $r->{json}{error}{message}, qr/Origin/, 'the reason names the Origin';
is name_now(), 'thiri', 'nothing changed';

$r = $s->patch('/api/users/me', { firstName => 'Evil' }, headers => { Cookie => $cookie });
is $r->{status}, 403, 'cookie write without Origin: 403';
is name_now(), 'thiri', 'nothing changed';

$r = $s->patch('/api/users/me', { firstName => 'Evil' },
               headers => { Cookie => $cookie, Origin => "$allowed.evil" });
is $r->{status}, 403, 'an origin that only starts like an allowed one: 403';

$r = $s->patch('/api/users/me', { firstName => 'Evil' },
               headers => { Cookie => $cookie, Origin => $allowed, 'X-CSRF-Token' => 'f' x 64 });
is $r->{status}, 403, 'allowed Origin but a wrong X-CSRF-Token: 403';
like $r->{json}{error}{message}, qr/X-CSRF-Token/, 'the reason names the token';
is name_now(), 'thiri', 'nothing changed';

$r = $s->patch('/api/users/me', { firstName => 'Thiri' },
               headers => { Cookie => $cookie, Origin => $allowed });
is $r->{status}, 200, 'cookie write from an allowed Origin without a CSRF token: 200';
is name_now(), 'Thiri', 'it changed';

$r = $s->patch('/api/users/me', { firstName => 'Thiri Aung' },
               headers => { Cookie => $cookie, Origin => 'http://other.example',
                            'X-CSRF-Token' => $csrf });
is $r->{status}, 200, 'allowed Origin and the session\'s X-CSRF-Token: 200';
is name_now(), 'Thiri Aung', 'it changed';

# An origin allowed on Cliick's mount only (CORS_ORIGINS_CLIICK) may write with the cookie
# there, as nginx lets it call the mount; another profile's origin may not.
$r = $s->patch('/api/users/me', { firstName => 'Mount' },
               headers => { Cookie => $cookie, Origin => 'http://cliick.example' });
is $r->{status}, 200, 'an origin of the cliick mount\'s own list: 200';
is name_now(), 'Mount', 'it changed';
$r = $s->patch('/api/users/me', { firstName => 'Other mount' },
               headers => { Cookie => $cookie, Origin => 'http://selliko.example' });
is $r->{status}, 403, 'an origin listed for another profile only: 403';
is name_now(), 'Mount', 'nothing changed';

$r = $s->patch('/api/users/me', { firstName => 'Own' },
               headers => { Cookie => $cookie, Origin => $own });
is $r->{status}, 200, 'the site\'s own origin (public_url) is allowed';

$r = $s->patch('/api/users/me', { firstName => 'Bearer' },
               token => $token, headers => { Origin => 'http://evil.example',
                                             'X-CSRF-Token' => 'nonsense' });
is $r->{status}, 200, 'a Bearer write is not subject to CSRF checks';
is name_now(), 'Bearer', 'it changed';

$r = $s->patch('/api/users/me', { firstName => 'Evil' },
               headers => { Cookie => 'scp_session=not.a.token', Origin => 'http://evil.example' });
is $r->{status}, 401, 'a forged cookie is 401 before any CSRF check';

# Another session's CSRF token does not pass.
my $other = $s->post('/api/auth/login', { email => $email, password => 'password123' });
$r = $s->patch('/api/users/me', { firstName => 'Evil' },
               headers => { Cookie => $cookie, Origin => $allowed,
                            'X-CSRF-Token' => $other->{json}{data}{csrfToken} });
is $r->{status}, 403, 'another session\'s X-CSRF-Token: 403';

# --- refresh --------------------------------------------------------------------------
$r = $s->post('/api/auth/refresh', { refreshToken => $refresh });
is $r->{status}, 200, 'refresh: 200';
ok length($r->{json}{data}{token} // '') > 50, 'refresh: data.token';
isnt $r->{json}{data}{refreshToken}, $refresh, 'refresh: rotated';
$c = cookies_of($r);
is $c->{scp_session}{value}, $r->{json}{data}{token}, 'refresh sets the new session cookie';
is $c->{csrf_token}{value}, $csrf, 'the same session keeps its CSRF token';
$r = $s->post('/api/auth/refresh', { refreshToken => 'f' x 64 });
is $r->{status}, 401, 'refresh with an unknown token: 401';

# --- logout ---------------------------------------------------------------------------
$r = $s->post('/api/auth/logout', undef, headers => { Cookie => $cookie });
is $r->{status}, 200, 'logout with the cookie: 200';
is_deeply $r->{json}{data}, {}, 'logout: {success: true, data: {}}';
$c = cookies_of($r);
like $c->{scp_session}{line}, qr/^scp_session=; Max-Age=0/, 'logout clears the session cookie';
like $c->{csrf_token}{line}, qr/^csrf_token=; Max-Age=0/, 'and the csrf cookie';
$r = $s->get('/api/auth/me', headers => { Cookie => $cookie });
is $r->{status}, 401, 'the old cookie is refused at once';
$r = $s->get('/api/auth/me', token => $token);
is $r->{status}, 401, 'so is the session\'s Bearer token';
$r = $s->get('/api/auth/me', token => $other->{json}{data}{token});
is $r->{status}, 200, 'another session stays';
$r = $s->post('/api/auth/logout');
is $r->{status}, 200, 'logout without a session: 200 all the same';

done_testing;
