# Supplier staff: the owner adds managers and sales reps (GET·POST /supplier/users),
# changes and deactivates them (PATCH·DELETE /supplier/users/:id).  A deactivated
# member's tokens stop working on the very next request; managers may not manage users.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $T = $sup->{token};
my $U = '/api/v1/supplier/users';
my $other = new_supplier($s);
my $con = new_consumer($s);

my $r = $s->post($U, { email => 'maya@farm.example', password => 'password123', role => 'manager',
    first_name => 'Maya', last_name => 'Lee', phone_number => '+14155550111',
    supplier_id => $other->{id}, status => 'deactivated' }, token => $T);
is $r->{status}, 201, 'POST /supplier/users: 201';
my $maya = $r->{json};
is_deeply [ @$maya{qw(email role supplier_id status first_name name phone_number)} ],
    [ 'maya@farm.example', 'manager', $sup->{id}, 'active', 'Maya', 'Maya Lee', '+14155550111' ],
    'a manager of the owner\'s supplier, active, whatever the body says';
ok !exists $maya->{password_hash} && !exists $maya->{password}, 'no password in the answer';
$r = $s->post($U, { email => 'sam@farm.example', password => 'password123', role => 'sales_rep' },
              token => $T);
is_deeply [ $r->{status}, $r->{json}{role} ], [ 201, 'sales_rep' ], 'a sales rep';
my $sam = $r->{json};

my @bad = (
    [ { password => 'password123', role => 'manager' }, 'email' ],
    [ { email => 'bad', password => 'password123', role => 'manager' }, 'email' ],
    [ { email => 'x@y.example', role => 'manager' }, 'password' ],
    [ { email => 'x@y.example', password => 'short', role => 'manager' }, 'password' ],
    [ { email => 'x@y.example', password => 'password123' }, 'role' ],
    [ { email => 'x@y.example', password => 'password123', role => 'owner' }, 'role' ],
    [ { email => 'x@y.example', password => 'password123', role => 'admin' }, 'role' ],
    [ { email => 'x@y.example', password => 'password123', role => 'consumer' }, 'role' ],
    [ { email => 'x@y.example', password => 'password123', role => 'manager', phone_number => '555' },
      'phone_number' ],
    [ { email => 'x@y.example', password => 'password123', role => 'manager', first_name => '' },
      'first_name' ],
);
for my $case (@bad) {
    my ($body, $field) = @$case;
    $r = $s->post($U, $body, token => $T);
    is api_error($r), '422 VALIDATION_ERROR', "bad $field: 422";
    is_deeply field_errors($r), [$field], "  names $field";
}
$r = $s->post($U, { email => 'MAYA@farm.example', password => 'password123', role => 'sales_rep' },
              token => $T);
is api_error($r), '409 CONFLICT', 'a taken email (any case): 409';
is $r->{json}{error}{details}{field}, 'email', '  naming email';
is api_error($s->req('POST', $U, '{"email":', token => $T)), '400 BAD_REQUEST', 'malformed JSON: 400';

# --- the list --------------------------------------------------------------------------------------
$r = $s->get($U, token => $T);
is $r->{status}, 200, 'GET /supplier/users';
is ref $r->{json}, 'ARRAY', 'a bare array';
is_deeply [ map { $_->{role} } @{ $r->{json} } ], [ 'owner', 'manager', 'sales_rep' ],
    'the owner and its staff, oldest first';
is scalar @{ $s->get($U, token => $other->{token})->{json} }, 1, 'another supplier sees only its owner';
is $s->get("$U/$maya->{id}", token => $T)->{json}{email}, 'maya@farm.example', 'GET /supplier/users/:id';

# --- who may manage users ------------------------------------------------------------------------------
my $mgr = $s->post('/api/v1/auth/login', { email => 'maya@farm.example', password => 'password123' })->{json};
my $rep = $s->post('/api/v1/auth/login', { email => 'sam@farm.example', password => 'password123' })->{json};
ok $mgr->{access_token} && $rep->{access_token}, 'staff sign in with the password the owner set';
for my $who ([ 'manager', $mgr->{access_token} ], [ 'sales rep', $rep->{access_token} ],
             [ 'consumer', $con->{token} ]) {
    my ($name, $tok) = @$who;
    is api_error($s->get($U, token => $tok)), '403 FORBIDDEN', "$name may not list users";
    is api_error($s->post($U, { email => 'z@z.example', password => 'password123', role => 'sales_rep' },
        token => $tok)), '403 FORBIDDEN', "$name may not add users";
    is api_error($s->patch("$U/$sam->{id}", { first_name => 'X' }, token => $tok)), '403 FORBIDDEN',
        "$name may not change users";
    is api_error($s->del("$U/$sam->{id}", token => $tok)), '403 FORBIDDEN', "$name may not deactivate";
}
is api_error($s->get($U)), '401 UNAUTHORIZED', 'no token: 401';

# --- changes ------------------------------------------------------------------------------------------------
$r = $s->patch("$U/$sam->{id}", { first_name => 'Samuel', phone_number => '+14155550112',
    supplier_id => $other->{id}, email => 'new@x.example' }, token => $T);
is_deeply [ $r->{status}, $r->{json}{first_name}, $r->{json}{phone_number}, $r->{json}{supplier_id},
            $r->{json}{email} ],
    [ 200, 'Samuel', '+14155550112', $sup->{id}, 'sam@farm.example' ],
    'PATCH: names and phone change; supplier and email do not';
is_deeply field_errors($s->patch("$U/$sam->{id}", { role => 'owner' }, token => $T)), ['role'],
    'promoting to owner: 422';
is_deeply field_errors($s->patch("$U/$sam->{id}", { status => 'banned' }, token => $T)), ['status'],
    'an unknown status: 422';
is_deeply field_errors($s->patch("$U/$sam->{id}", { is_active => 'no' }, token => $T)), ['is_active'],
    'is_active must be a boolean';
is_deeply field_errors($s->patch("$U/$sam->{id}", { password => 'short' }, token => $T)), ['password'],
    'a short password: 422';

# A role change applies at once: a token names its role, and the old one is refused
# on the next request; a refreshed token carries the new role.
is $s->post('/api/v1/supplier/products', { name => 'x', price => 1 }, token => $mgr->{access_token})->{status},
    201, 'a manager may create products';
my $products_before = $s->sql("SELECT count(*) FROM products WHERE supplier_id = :'p1'", $sup->{id});
is $s->req('PUT', "$U/$maya->{id}", { role => 'sales_rep' }, token => $T)->{json}{role}, 'sales_rep',
    'PUT: demoted to sales rep';
$r = $s->post('/api/v1/supplier/products', { name => 'x', price => 1 }, token => $mgr->{access_token});
is api_error($r), '401 UNAUTHORIZED', 'the old token is refused at once';
like $r->{json}{error}{message}, qr/role has changed/, 'saying why';
is $s->sql("SELECT count(*) FROM products WHERE supplier_id = :'p1'", $sup->{id}), $products_before,
    'and nothing was created';
$r = $s->post('/api/v1/auth/refresh', { refresh_token => $mgr->{refresh_token} });
is $r->{status}, 200, 'refresh';
is $r->{json}{user}{role}, 'sales_rep', 'the new token is a sales rep\'s';
is api_error($s->post('/api/v1/supplier/products', { name => 'x', price => 1 },
    token => $r->{json}{access_token})), '403 FORBIDDEN', 'who may not create products';
is $s->get('/api/v1/supplier/products', token => $r->{json}{access_token})->{status}, 200,
    'but may read them';

# --- tenancy and the owner ---------------------------------------------------------------------------------
my $their_rep = add_staff($s, $other, 'sales_rep');
is api_error($s->patch("$U/$their_rep->{id}", { first_name => 'Hacked' }, token => $T)), '404 NOT_FOUND',
    'another supplier\'s user: 404';
is api_error($s->del("$U/$their_rep->{id}", token => $T)), '404 NOT_FOUND', 'deactivate: 404';
is api_error($s->get("$U/$their_rep->{id}", token => $T)), '404 NOT_FOUND', 'read: 404';
is $s->get('/api/v1/auth/me', token => $their_rep->{token})->{json}{first_name}, 'Sales_rep',
    'their user is unchanged and still signed in';
is api_error($s->patch("$U/$con->{id}", { first_name => 'x' }, token => $T)), '404 NOT_FOUND',
    'a consumer is nobody\'s staff: 404';
is api_error($s->del("$U/$sup->{user}{id}", token => $T)), '403 FORBIDDEN', 'the owner cannot deactivate itself';
is api_error($s->patch("$U/$sup->{user}{id}", { role => 'manager' }, token => $T)), '403 FORBIDDEN',
    'nor demote itself';
is api_error($s->del("$U/not-a-uuid", token => $T)), '404 NOT_FOUND', 'malformed id: 404';

# --- deactivation ------------------------------------------------------------------------------------------------
my $second = $s->post('/api/v1/auth/login', { email => 'sam@farm.example', password => 'password123' })->{json};
is $s->get('/api/v1/supplier/products', token => $rep->{access_token})->{status}, 200,
    'before: the sales rep works';
$r = $s->del("$U/$sam->{id}", token => $T);
is_deeply [ $r->{status}, $r->{json}{status}, $r->{json}{is_active} ], [ 200, 'deactivated', JSON::PP::false ],
    'DELETE deactivates';
for my $tok ($rep->{access_token}, $second->{access_token}) {
    is api_error($s->get('/api/v1/supplier/products', token => $tok)), '401 UNAUTHORIZED',
        'every token of theirs stops at once';
}
is $s->post('/api/v1/auth/refresh', { refresh_token => $rep->{refresh_token} })->{status}, 401,
    'their refresh token too';
is api_error($s->post('/api/v1/auth/login', { email => 'sam@farm.example', password => 'password123' })),
    '403 FORBIDDEN', 'and they cannot sign in';
is $s->sql("SELECT count(*) FROM sessions WHERE user_id = :'p1' AND revoked_at IS NULL", $sam->{id}), 0,
    'their sessions are revoked';
is scalar(grep { $_->{id} eq $sam->{id} } @{ $s->get($U, token => $T)->{json} }), 0,
    'the list leaves them out';
is scalar(grep { $_->{status} eq 'deactivated' }
          @{ $s->get("$U?include_inactive=true", token => $T)->{json} }), 1,
    '?include_inactive=true shows them deactivated';
is scalar(grep { $_->{id} eq $sam->{id} }
          @{ $s->get("$U?include_inactive=false", token => $T)->{json} }), 0,
    '?include_inactive=false leaves them out';
is api_error($s->get("$U?include_inactive=maybe", token => $T)), '400 BAD_REQUEST',
    '?include_inactive=maybe: 400';
$r = $s->patch("$U/$sam->{id}", { is_active => JSON::PP::true, password => 'brandnew123' }, token => $T);
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'active' ], 'reactivated with a new password';
is $s->post('/api/v1/auth/login', { email => 'sam@farm.example', password => 'brandnew123' })->{status},
    200, 'they sign in with it';
is api_error($s->get('/api/v1/supplier/products', token => $rep->{access_token})), '401 UNAUTHORIZED',
    'old tokens stay dead';

done_testing;
