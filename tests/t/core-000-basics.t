# The edges every request meets: health, nginx's JSON errors, routing, request ids, bodies
# with a duplicate key.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $s = SCPTest->start;

my $r = $s->get('/health');
is $r->{status}, 200, 'health answers 200';
is $r->{json}{database}, 'ok', 'health reports the database';
like $r->{headers}{'x-request-id'}, qr/^[0-9a-f]{32}$/, 'X-Request-Id on every response';

$r = $s->get('/api/v1/nothing/here');
is $r->{status}, 404, 'unknown /api/ path is 404';
is $r->{json}{success}, JSON::PP::false, 'in the error envelope';
is $r->{json}{error}{code}, 'NOT_FOUND', 'with NOT_FOUND';
like $r->{headers}{'content-type'}, qr{^application/json}, 'as JSON';
ok $r->{headers}{'x-request-id'}, 'with a request id';

$r = $s->get('/api/v1/auth/nope');
is $r->{status}, 404, 'unknown route inside a family is 404';
is $r->{json}{error}{code}, 'NOT_FOUND', 'NOT_FOUND from the family';

$r = $s->get('/api/v1/auth/login');
is $r->{status}, 405, 'GET on a POST route is 405';
is $r->{json}{error}{code}, 'METHOD_NOT_ALLOWED', 'METHOD_NOT_ALLOWED';

$r = $s->req('DELETE', '/api/v1/auth/me');
is $r->{status}, 405, 'DELETE /auth/me is 405';

$r = $s->post('/api/v1/auth/login', 'x' x (2 * 1024 * 1024));
is $r->{status}, 413, 'a 2 MiB body is refused by nginx';
is $r->{json}{error}{code}, 'PAYLOAD_TOO_LARGE', 'in the envelope';

# A body with a key twice is refused whole: json-c alone would keep the last one.
my $a = "dup-a.$$\@example.com";
my $b = "dup-b.$$\@example.com";
$r = $s->post('/api/v1/auth/signup', qq({"email":"$a","password":"password123",)
              . qq("first_name":"Dup","email":"$b"}));
is $r->{status}, 400, 'a body with a duplicate key is 400';
is $r->{json}{success}, JSON::PP::false, 'in the error envelope';
is $r->{json}{error}{code}, 'BAD_REQUEST', 'with BAD_REQUEST';
like $r->{json}{error}{message}, qr/duplicate key/, 'saying why';
is $s->sql(q{SELECT count(*) FROM users WHERE email IN (:'p1', :'p2')}, $a, $b), 0,
    'and no user was created';
$r = $s->post('/api/v1/auth/signup', qq({"email":"$a","password":"password123",)
              . qq("profile":{"x":1,"\\u0078":2},"first_name":"Dup"}));
is $r->{status}, 400, 'a duplicate key in a nested object, spelt with an escape, is 400';
like $r->{json}{error}{message}, qr/duplicate key/, 'for the same reason';
is $s->sql(q{SELECT count(*) FROM users WHERE email = :'p1'}, $a), 0, 'no user either';
is $s->post('/api/v1/auth/signup', { email => $a, password => 'password123',
                                     first_name => 'Dup' })->{status}, 201,
    'the same signup without the duplicate succeeds';

$r = $s->post('/health', {});
is $r->{status}, 405, 'POST /health is 405';
$r = $s->get('/ping');
is $r->{status}, 200, '/ping answers';
is $r->{json}{status}, 'ok', 'ok';

$r = $s->get('/metrics');
is $r->{status}, 200, 'metrics from loopback';
like $r->{content}, qr/^scp_requests_total\{family="auth",class="2xx"\} \d+/m,
    'Prometheus text with request counters';

$r = $s->get('/');
is $r->{status}, 404, 'the root is a JSON 404';
is $r->{json}{error}{code}, 'NOT_FOUND', 'in the envelope';

my @lines = grep { /GET \/health 200/ } split /\n/, do {
    open my $fh, '<', $s->dir . '/log/scp-auth.log' or die; local $/; <$fh>
};
like $lines[0], qr/rid=[0-9a-f]{32} GET \/health 200 [\d.]+ms user=-/,
    'one log line per request with time, request id, method, path, status, duration, user';

# Each program's database sessions carry its name (docs/operations.md §1.4).
my $apps = $s->sql("SELECT string_agg(DISTINCT application_name, ' ' ORDER BY application_name)"
    . " FROM pg_stat_activity WHERE application_name LIKE 'scp-%'");
like $apps, qr/\bscp-auth\b/, "a family's sessions are named after it ($apps)";
like $apps, qr/\bscp-worker\b/, "scp-worker's too";

done_testing;
