# CORS in nginx: only the configured origins (SCP_CORS_ORIGINS) get CORS headers, on
# every answer (a family's success and error, nginx's own error), credentials included;
# a preflight from one of them is answered 204 with the methods and headers; any other
# origin gets no CORS header at all.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $ok = 'http://localhost:3001';
my $cliick = 'https://app.cliick.example';
my $s = SCPTest->start(env => { SCP_CORS_ORIGINS => "$ok https://shop.example.com/",
                                SCP_CORS_ORIGINS_CLIICK => $cliick });
my $u = $s->signup;

my $r = $s->req('OPTIONS', '/api/v1/auth/me', undef, headers => {
    Origin => $ok, 'Access-Control-Request-Method' => 'GET',
    'Access-Control-Request-Headers' => 'authorization, idempotency-key' });
is $r->{status}, 204, 'a preflight from an allowed origin is 204';
is $r->{headers}{'access-control-allow-origin'}, $ok, '... allowing that origin';
is $r->{headers}{'access-control-allow-credentials'}, 'true', '... with credentials';
like $r->{headers}{'access-control-allow-methods'}, qr/\bPATCH\b.*\bDELETE\b/, '... the methods';
for my $h (qw(Authorization Content-Type Idempotency-Key X-CSRF-Token)) {
    like $r->{headers}{'access-control-allow-headers'}, qr/\b\Q$h\E\b/, "... and $h";
}
ok $r->{headers}{'access-control-max-age'}, '... for a while';
like $r->{headers}{vary} // '', qr/Origin/, '... Vary: Origin';
$r = $s->req('OPTIONS', '/api/v1/marketplace', undef, headers => {
    Origin => 'https://shop.example.com', 'Access-Control-Request-Method' => 'POST' });
is $r->{status}, 204, 'the second origin (written with a slash) is allowed too';

for my $case (['GET', '/api/v1/auth/me', $u->{access_token}, 200, 'a success'],
              ['GET', '/api/v1/auth/me', undef, 401, "a family's error"],
              ['GET', '/nowhere/at/all', undef, 404, "nginx's own error"],
              ['POST', '/api/v1/auth/login', undef, 400, 'a bad body']) {
    my ($m, $p, $t, $st, $what) = @$case;
    $r = $s->req($m, $p, $m eq 'POST' ? 'x' : undef, headers => { Origin => $ok },
                 defined $t ? (token => $t) : ());
    is $r->{status}, $st, "$what answers $st";
    is $r->{headers}{'access-control-allow-origin'}, $ok, '... with the origin allowed';
    is $r->{headers}{'access-control-allow-credentials'}, 'true', '... and credentials';
    like $r->{headers}{'access-control-expose-headers'} // '', qr/X-Request-Id/,
        '... exposing X-Request-Id';
    ok !$r->{headers}{'access-control-allow-methods'}, '... and no preflight headers';
}

for my $bad ('http://evil.example.com', 'http://localhost:30011', 'http://localhost:3001.evil',
             'null', 'HTTP://LOCALHOST:3001x') {
    $r = $s->req('GET', '/api/v1/auth/me', undef, headers => { Origin => $bad },
                 token => $u->{access_token});
    is $r->{status}, 200, "$bad: the request itself is answered";
    my @cors = grep { /^access-control-/ } keys %{ $r->{headers} };
    is "@cors", '', '... with no CORS header at all';
    $r = $s->req('OPTIONS', '/api/v1/auth/me', undef, headers => {
        Origin => $bad, 'Access-Control-Request-Method' => 'GET' });
    isnt $r->{status}, 204, '... and its preflight is not answered for it';
    @cors = grep { /^access-control-/ } keys %{ $r->{headers} };
    is "@cors", '', '... nor given CORS headers';
}
$r = $s->get('/api/v1/auth/me', token => $u->{access_token});
my @cors = grep { /^access-control-/ } keys %{ $r->{headers} };
is "@cors", '', 'no Origin: no CORS headers';
$r = $s->req('OPTIONS', '/api/v1/auth/me', undef, headers => { Origin => $ok });
isnt $r->{status}, 204, 'an OPTIONS without Access-Control-Request-Method is no preflight';

# A profile's own origins (SCP_CORS_ORIGINS_CLIICK): allowed on its mount (/api/…), not
# on the canonical paths nor on another profile's mount; the global ones on every mount.
{
    my $pre = sub {
        my ($path, $origin) = @_;
        $s->req('OPTIONS', $path, undef, headers => {
            Origin => $origin, 'Access-Control-Request-Method' => 'POST' });
    };
    $r = $pre->('/api/auth/login', $cliick);
    is $r->{status}, 204, "a profile's origin: its mount's preflight is 204";
    is $r->{headers}{'access-control-allow-origin'}, $cliick, '... allowing it';
    $r = $s->req('POST', '/api/auth/login', { email => 'x@example.com', password => 'wrong-password' },
                 headers => { Origin => $cliick });
    is $r->{headers}{'access-control-allow-origin'}, $cliick,
        '... and its answers through the mount (rewritten to /api/v1/) carry it';
    for my $path ('/api/v1/auth/login', '/selliko/auth/login', '/prokip/auth/login') {
        $r = $pre->($path, $cliick);
        isnt $r->{status}, 204, "... but not at $path";
        my @h = grep { /^access-control-/ } keys %{ $r->{headers} };
        is "@h", '', '... with no CORS header';
    }
    $r = $pre->('/selliko/auth/login', $ok);
    is $r->{status}, 204, 'a global origin is allowed on every mount';
}

# A stack with no origins configured sends no CORS header to anyone.
my $s2 = SCPTest->start;
$r = $s2->req('OPTIONS', '/api/v1/auth/me', undef, headers => {
    Origin => $ok, 'Access-Control-Request-Method' => 'GET' });
isnt $r->{status}, 204, 'no origins configured: no preflight answered';
@cors = grep { /^access-control-/ } keys %{ $r->{headers} };
is "@cors", '', '... and no CORS headers';

done_testing;
