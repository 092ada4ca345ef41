# What every request meets before a handler: the query string is strict UTF-8 without
# NUL (400, checked once at parse time, whatever the route), camelCase names of query
# parameters and JSON keys are folded to snake_case, and an id in the path that is not
# a UUID names nothing (404).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction qw(user_of_role);

my $s = SCPTest->start;
my $admin = user_of_role($s, "admin");
my @lists = qw(/api/v1/suppliers /api/v1/marketplace /api/v1/listings /api/v1/supplier/products
               /api/v1/consumer/orders /api/v1/admin/users /api/v1/agent/tasks /api/v1/bids
               /api/v1/orders /api/v1/consumer/links);

for my $path (@lists) {
    for my $bad ('search=%ff%fe', 'search=%c0%af', 'q=%ed%a0%80', 'search=a%00b', 'x%00=1',
                 'status=%e2%82') {
        my $r = $s->get("$path?$bad");
        is $r->{status}, 400, "$path?$bad is 400";
        is $r->{json}{error}{code}, 'BAD_REQUEST', '... BAD_REQUEST';
    }
    my $r = $s->get("$path?search=%ff", token => $admin->{access_token});
    is $r->{status}, 400, "$path with a token too";
}
my $r = $s->get('/api/v1/marketplace?search=%ff');
like $r->{json}{error}{message}, qr/UTF-8/, 'the message says why';
$r = $s->get('/api/v1/marketplace?' . join '&', map { "k$_=1" } 1 .. 65);
is $r->{status}, 400, 'more than 64 query parameters is 400';
$r = $s->get('/api/v1/marketplace?' . join '&', map { "k$_=1" } 1 .. 64);
is $r->{status}, 200, '64 are fine';
$r = $s->get('/api/v1/marketplace?search=caf%C3%A9&&page=1&');
is $r->{status}, 200, 'UTF-8 and empty pairs are fine';

# camelCase query names answer for their snake_case spelling; snake_case wins.
$r = $s->get('/api/v1/marketplace?pageSize=3');
is $r->{json}{pagination}{page_size}, 3, '?pageSize= is ?page_size=';
$r = $s->get('/api/v1/marketplace?pageSize=3&page_size=5');
is $r->{json}{pagination}{page_size}, 5, 'the snake_case spelling wins when both are sent';
$r = $s->get('/api/v1/marketplace?page_size=5&pageSize=3');
is $r->{json}{pagination}{page_size}, 5, '... in either order';
$r = $s->get('/api/v1/marketplace?pageSize=500');
is $r->{status}, 400, 'a folded name is validated like its snake_case one';

# camelCase JSON keys are folded at parse time, nested ones too.
$r = $s->post('/api/v1/auth/signup', { email => "fold$$\@example.com", password => 'password123',
                                        firstName => 'Folded', lastName => 'Name',
                                        companyName => 'Fold Co' });
is $r->{status}, 201, 'signup with camelCase keys';
is $r->{json}{user}{first_name}, 'Folded', 'firstName is first_name';
is $r->{json}{user}{last_name}, 'Name', 'lastName is last_name';
$r = $s->post('/api/v1/auth/signup', { email => "fold2$$\@example.com", password => 'password123',
                                        firstName => 'Camel', first_name => 'Snake' });
is $r->{json}{user}{first_name}, 'Snake', 'a key sent both ways keeps its snake_case value';

# An escaped NUL in a JSON string: 400 at parse time on every route (jsonb and C strings
# cannot hold it; it used to reach PostgreSQL and answer 500), and nothing is written.
$r = $s->req('POST', '/api/v1/auth/signup', '{"email":"nul' . $$ . '@example.com","password":"password123",'
             . '"first_name":"a\\u0000b"}');
is $r->{status}, 400, 'an escaped NUL in a body: 400';
is $r->{json}{error}{code}, 'BAD_REQUEST', '... BAD_REQUEST';
like $r->{json}{error}{message}, qr/u0000/, '... saying why';
is $s->sql("SELECT count(*) FROM users WHERE email = :'p1'", "nul$$\@example.com"), 0, '... nothing created';
$r = $s->req('POST', '/api/v1/auth/signup', '{"email":"nul2' . $$ . '@example.com","password":"password123",'
             . '"first_name":"a\\\\u0000b"}');
is $r->{status}, 201, 'an escaped backslash before u0000 is plain text';

# Ids in the path.
for my $p ('/api/v1/listings/42', '/api/v1/listings/not-a-uuid/approve',
           '/api/v1/suppliers/123e4567-e89b-12d3-a456-42661417400', '/api/v1/admin/users/x') {
    $r = $s->req($p =~ /approve/ ? 'PUT' : 'GET', $p, undef, token => $admin->{access_token});
    is $r->{status}, 404, "$p: an id that is not a UUID is 404";
    is $r->{json}{error}{code}, 'NOT_FOUND', '... NOT_FOUND';
}
$r = $s->req('DELETE', '/api/v1/listings/42');
is $r->{status}, 404, 'for any method: 404, not 405';

done_testing;
