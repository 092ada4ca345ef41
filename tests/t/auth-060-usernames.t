# Usernames: seed 004's register and login at /prokip/ by username (an owner with its own
# supplier, who may then see the sync status), and the canonical sign-up and sign-in by
# username: with an email or without, neither, a bad pattern, a taken one whatever its
# case, a wrong password.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $s = SCPTest->start;

sub fields_of {
    my ($r) = @_;
    return { map { $_->{field} => $_->{message} } @{ $r->{json}{error}{details}{fields} || [] } };
}

# --- seed 004 at /prokip/ -------------------------------------------------------------
my $r = $s->post('/prokip/auth/register', { username => 'admin', password => 'password123' });
is $r->{status}, 201, 'prokip register by username: 201';
is $r->{json}{message}, 'User registered successfully', "... the seed's message";
is $r->{json}{user}{username}, 'admin', '... the username in the user';
is $r->{json}{user}{role}, 'owner', '... an owner';
ok $r->{json}{user}{supplierId}, '... with its own supplier';
ok !defined $r->{json}{user}{email}, '... and no email';

$r = $s->post('/prokip/auth/login', { username => 'admin', password => 'password123' });
is $r->{status}, 200, 'prokip login by username: 200';
ok length($r->{json}{token} // '') > 50, '... token';
is $r->{json}{user}{username}, 'admin', '... user.username';
ok $r->{json}{user}{id}, '... user.id';
my $tok = $r->{json}{token};

$r = $s->get('/prokip/sync/status', token => $tok);
is $r->{status}, 200, 'the new owner sees the sync status';

$r = $s->get('/api/v1/auth/me', token => $tok);
is $r->{json}{username}, 'admin', 'GET /auth/me shows the username';

$r = $s->post('/prokip/auth/login', { username => 'ADMIN', password => 'wrong-password' });
is $r->{status}, 401, 'login by username, wrong password: 401';
is $r->{json}{error}{message}, 'invalid username or password', '... named as a username';

$r = $s->post('/prokip/auth/login', { username => 'nobody-here', password => 'password123' });
is $r->{status}, 401, 'login by an unknown username: 401';

$r = $s->post('/api/v1/auth/login', { username => 'Admin', password => 'password123' });
is $r->{status}, 200, 'canonical login by username, any case: 200';
is $r->{json}{user}{username}, 'admin', '... the username as it was signed up';

# --- canonical sign-up ----------------------------------------------------------------
$r = $s->post('/api/v1/auth/signup', { username => 'ann.lee', password => 'password123' });
is $r->{status}, 201, 'signup with a username only: 201';
is $r->{json}{user}{username}, 'ann.lee', '... the username';
is $r->{json}{user}{role}, 'consumer', '... a consumer outside the prokip profile';
ok !defined $r->{json}{user}{email}, '... no email';

$r = $s->post('/api/v1/auth/signup', { username => 'bob_2', email => 'bob@example.com',
                                       password => 'password123' });
is $r->{status}, 201, 'signup with a username and an email: 201';
is $r->{json}{user}{username}, 'bob_2', '... the username';
is $r->{json}{user}{email}, 'bob@example.com', '... the email';
for my $id ('bob_2', 'bob@example.com') {
    $r = $s->post('/api/v1/auth/login', { ($id =~ /@/ ? 'email' : 'username') => $id,
                                          password => 'password123' });
    is $r->{status}, 200, "... signs in by $id";
}

$r = $s->post('/api/v1/auth/signup', { email => 'plain@example.com', password => 'password123' });
is $r->{status}, 201, 'signup with an email only still works';
ok !defined $r->{json}{user}{username}, '... username null';
ok exists $r->{json}{user}{username}, '... but present in the user';

$r = $s->post('/api/v1/auth/signup', { password => 'password123' });
is $r->{status}, 422, 'neither email nor username: 422';
my $f = fields_of($r);
ok $f->{email} && $f->{username}, '... both named';

for my $bad ('ab', '-abc', 'has space', 'a@b.example', 'x' x 51, 'ünï') {
    $r = $s->post('/api/v1/auth/signup', { username => $bad, password => 'password123' });
    is $r->{status}, 422, "username '$bad': 422";
    ok fields_of($r)->{username}, '... username named';
}
$r = $s->post('/api/v1/auth/signup', { username => 42, password => 'password123' });
is $r->{status}, 422, 'a username that is not a string: 422';

$r = $s->post('/api/v1/auth/signup', { username => 'ANN.LEE', password => 'password123' });
is $r->{status}, 409, 'a taken username, other case: 409';
is $r->{json}{error}{details}{field}, 'username', '... details.field username';
$r = $s->post('/prokip/auth/register', { username => 'Admin', password => 'password123' });
is $r->{status}, 409, 'a taken username at /prokip/: 409';

$r = $s->post('/api/v1/auth/login', { password => 'password123' });
is $r->{status}, 422, 'login with neither email nor username: 422';
$f = fields_of($r);
ok $f->{email} && $f->{username}, '... both named';

# --- Cliick's register: the username is the display name, and a username when it fits --
$r = $s->post('/api/auth/register', { email => 'thiri@example.com', password => 'password123',
                                      username => 'thiri' });
is $r->{status}, 201, 'cliick register: 201';
is $r->{json}{data}{user}{firstName}, 'thiri', '... the display name';
is $r->{json}{data}{user}{username}, 'thiri', '... and the username';
$r = $s->post('/api/auth/login', { username => 'thiri', password => 'password123' });
is $r->{status}, 200, '... who signs in by it';
$r = $s->post('/api/auth/register', { email => 'aung@example.com', password => 'password123',
                                      username => 'Aung Ko' });
is $r->{status}, 201, 'cliick register with a display name that is no username: 201';
is $r->{json}{data}{user}{firstName}, 'Aung Ko', '... the display name';
ok !defined $r->{json}{data}{user}{username}, '... no username';

$r = $s->post('/api/auth/register', { password => 'password123', username => 'Aung Ko' });
is $r->{status}, 422, 'cliick register with no email and a display name that is no username: 422';
is $r->{json}{success}, JSON::PP::false, '... success false';

done_testing;
