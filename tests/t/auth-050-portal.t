# What the supplier portal and the mobile apps send to the auth family: the login "role"
# loop (403 ROLE_MISMATCH, not counted by the sign-in throttle), logout without a token
# (idempotent revocation), and POST /supplier/register.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
sub login { $s->post('/api/v1/auth/login', { @_ }) }
sub failures {
    return $s->sql("SELECT failures FROM signin_throttle WHERE purpose = 'login'"
                   . " AND subject = lower(:'p1')", $_[0]) // 0;
}
sub sessions { $s->sql("SELECT count(*) FROM sessions WHERE user_id = :'p1'", $_[0]) }

# --- ROLE_MISMATCH ---------------------------------------------------------------------
my $sup = new_supplier($s);
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $con = new_consumer($s);
my $memail = $mgr->{email};
my $before = sessions($mgr->{id});

my $r = login(email => $memail, password => 'password123', role => 'owner');
is_deeply [ $r->{status}, $r->{json}{success}, $r->{json}{error} ],
    [ 403, JSON::PP::false, { code => 'ROLE_MISMATCH', message => 'this account is a manager',
                              details => { role => 'manager' } } ],
    'a manager signing in as owner: 403 ROLE_MISMATCH naming the role';
is login(email => $rep->{email}, password => 'password123', role => 'owner')->{json}{error}{message},
    'this account is a sales_rep', 'a sales rep: named too';
is login(email => $sup->{owner}{user}{email}, password => 'password123', role => 'consumer')
    ->{json}{error}{message}, 'this account is an owner', 'an owner: "an owner"';
is_deeply login(email => $con->{user}{email}, password => 'password123', role => 'owner')
    ->{json}{error}{details}, { role => 'consumer' }, 'a consumer at the portal: its role';
is sessions($mgr->{id}), $before, 'a mismatch opens no session';
is login(email => $memail, password => 'password123', role => 'supplier')->{status}, 200,
    '"supplier" still stands for any staff role';
is login(email => $memail, password => 'password123', role => 'manager')->{status}, 200,
    'the exact role signs in';

# The portal's loop: owner, then manager, then sales_rep, on any error.  Right password:
# the mismatches never count, however often.
for my $i (1 .. 8) {
    login(email => $memail, password => 'password123', role => 'owner');
    login(email => $memail, password => 'password123', role => 'sales_rep');
}
is failures($memail), 0, '16 mismatches with the right password count nothing';
is login(email => $memail, password => 'password123', role => 'manager')->{status}, 200,
    'and the account is not locked';

# A wrong password stays 401, whatever the role, and counts.
for my $role ('owner', 'manager', 'nonsense', undef) {
    $r = login(email => $memail, password => 'wrong-password', defined $role ? (role => $role) : ());
    is_deeply [ $r->{status}, $r->{json}{error}{message} ], [ 401, 'invalid email or password' ],
        'wrong password, role ' . ($role // 'none') . ': 401';
}
is failures($memail), 4, 'each wrong password counted';
login(email => $memail, password => 'wrong-password');
$r = login(email => $memail, password => 'password123', role => 'owner');
is_deeply [ $r->{status}, $r->{json}{error}{code} ], [ 429, 'RATE_LIMITED' ],
    'locked after 5 failures: a mismatch is 429 too, not 403';
$s->sql("DELETE FROM signin_throttle");

# Disabled accounts: 403 "disabled" first, whatever the role.
$s->sql("UPDATE users SET status = 'banned' WHERE id = :'p1'", $rep->{id});
$r = login(email => $rep->{email}, password => 'password123', role => 'owner');
is_deeply [ $r->{status}, $r->{json}{error}{code}, $r->{json}{error}{message} ],
    [ 403, 'FORBIDDEN', 'this account is disabled' ], 'a banned account: 403 disabled, not a mismatch';
is failures($rep->{email}), 0, 'not counted either';
is login(email => $rep->{email}, password => 'nope', role => 'owner')->{status}, 401,
    'a banned account with a wrong password: 401';

# --- logout --------------------------------------------------------------------------------
my $l = login(email => $memail, password => 'password123')->{json};
$r = $s->post('/api/v1/auth/logout', undef);
is_deeply [ $r->{status}, $r->{json} ], [ 200, { success => JSON::PP::true } ],
    'logout without a token or a body (the portal): 200';
is $s->get('/api/v1/auth/me', token => $l->{access_token})->{status}, 200,
    'it ended nothing';
# A token signed with another key: refused by the signature, answered 200, nothing revoked.
(my $forged = $l->{access_token}) =~ s/.{4}$/AAAA/;
is $s->post('/api/v1/auth/logout', undef, token => $forged)->{status}, 200,
    'logout with a bad signature: 200';
is $s->get('/api/v1/auth/me', token => $l->{access_token})->{status}, 200, 'still signed in';
is $s->post('/api/v1/auth/logout', undef, token => $l->{access_token})->{status}, 200,
    'logout with the token (mobile): 200';
is $s->get('/api/v1/auth/me', token => $l->{access_token})->{status}, 401, 'that session ended';
is $s->post('/api/v1/auth/refresh', { refresh_token => $l->{refresh_token} })->{status}, 401,
    'its refresh token too';
is $s->post('/api/v1/auth/logout', undef, token => $l->{access_token})->{status}, 200,
    'a revoked token: 200';

# --- POST /supplier/register -----------------------------------------------------------------
my $R = '/api/v1/supplier/register';
my %body = (company_name => 'Fresh Farms', company_email => 'hello@freshfarms.example',
            description => 'Greens', phone_number => '+14155550123', address => '1 Farm Rd',
            owner_email => 'olga@freshfarms.example', password => 'password123',
            owner_first_name => 'Olga', owner_last_name => 'Berg');
$r = $s->post($R, \%body);
is $r->{status}, 201, 'POST /supplier/register: 201';
my $o = $r->{json};
ok $o->{access_token} && $o->{refresh_token} && $o->{token_type} eq 'Bearer',
    'the sign-up body: tokens';
is_deeply [ @{ $o->{user} }{qw(email role first_name last_name company_name)} ],
    [ 'olga@freshfarms.example', 'owner', 'Olga', 'Berg', 'Fresh Farms' ], 'an owner';
ok $o->{user}{supplier_id}, 'of a new supplier';
$r = $s->get('/api/v1/supplier/me', token => $o->{access_token});
is_deeply [ @{ $r->{json} }{qw(id name email description phone_number address)} ],
    [ $o->{user}{supplier_id}, 'Fresh Farms', 'hello@freshfarms.example', 'Greens',
      '+14155550123', '1 Farm Rd' ], 'the supplier has the company details';
is login(email => 'olga@freshfarms.example', password => 'password123', role => 'owner')->{status},
    200, 'the owner signs in at the portal';
$r = $s->post($R, { company_name => 'Tiny', company_email => 't@tiny.example',
                    owner_email => 'tim@tiny.example', password => 'password123',
                    owner_first_name => 'Tim', owner_last_name => 'Tan' });
is $r->{status}, 201, 'the optional fields may be left out';
is $s->get('/api/v1/supplier/me', token => $r->{json}{access_token})->{json}{description}, undef,
    '  and stay empty';

$r = $s->post($R, { %body, company_name => 'Other' });
is_deeply [ $r->{status}, $r->{json}{error}{code} ], [ 409, 'CONFLICT' ], 'a taken owner_email: 409';
like $r->{json}{error}{message}, qr/owner_email/, '  naming owner_email';
is $s->sql("SELECT count(*) FROM suppliers WHERE name = 'Other'"), 0, '  and no supplier is left behind';

my %bad = (
    company_name => [ { %body, company_name => '' }, { %body, company_name => undef } ],
    company_email => [ { %body, company_email => 'nope' } ],
    owner_email => [ { %body, owner_email => 'x' } ],
    password => [ { %body, password => 'short' } ],
    owner_first_name => [ { %body, owner_first_name => '' } ],
    owner_last_name => [ { %body, owner_last_name => 42 } ],
    phone_number => [ { %body, phone_number => '555' } ],
    description => [ { %body, description => 'x' x 2001 } ],
);
for my $field (sort keys %bad) {
    for my $b (@{ $bad{$field} }) {
        my %b = %$b;
        delete $b{$_} for grep { !defined $b{$_} } keys %b;
        $b{owner_email} = "v$field\@x.example" unless $field eq 'owner_email';
        my $x = $s->post($R, \%b);
        is_deeply [ $x->{status}, [ map { $_->{field} } @{ $x->{json}{error}{details}{fields} || [] } ] ],
            [ 422, [ $field ] ], "$field invalid: 422 on $field";
    }
}
my %missing = %body;
delete @missing{qw(company_name company_email owner_email password owner_first_name owner_last_name)};
$r = $s->post($R, \%missing);
is_deeply [ $r->{status}, [ sort map { $_->{field} } @{ $r->{json}{error}{details}{fields} } ] ],
    [ 422, [ sort qw(company_name company_email owner_email password owner_first_name owner_last_name) ] ],
    'every missing field at once';
is $s->post($R, 'nope')->{status}, 400, 'not JSON: 400';
is $s->sql("SELECT count(*) FROM users WHERE email LIKE 'v%\@x.example'"), 0, 'no refusal created anything';
$r = $s->post($R, { %body, owner_email => 'sneaky@x.example', role => 'admin', supplier_id => $sup->{id} });
is_deeply [ $r->{status}, $r->{json}{user}{role} ], [ 201, 'owner' ], 'role in the body is ignored';
isnt $r->{json}{user}{supplier_id}, $sup->{id}, '  and so is supplier_id';

done_testing;
