# nginx limit_req on the routes that take credentials: beyond the burst, 429 in the API's
# envelope; other routes, /auth/me included, are not limited.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $s = SCPTest->start(env => { SCP_AUTH_RATE => '1r/s', SCP_AUTH_BURST => 3 });
my $u = $s->signup;
sleep 4;    # let the signup's token bucket refill
my @st = map { $s->post('/api/v1/auth/login', { email => 'a@b.co', password => 'password123' }) } 1 .. 8;
my @limited = grep { $_->{status} == 429 } @st;
ok @limited >= 3, scalar(@limited) . ' of 8 rapid logins were limited';
is $limited[0]{json}{error}{code}, 'RATE_LIMITED', 'RATE_LIMITED envelope';
ok $limited[0]{headers}{'retry-after'}, 'with Retry-After';
ok $limited[0]{headers}{'x-request-id'}, 'with a request id';
is $s->post('/api/v1/auth/send-otp', { phone => '+919800000099' })->{status}, 429,
    'send-otp shares the limit';
is $s->get('/health')->{status}, 200, 'health is not limited';
my @me = map { $s->get('/api/v1/auth/me', token => $u->{access_token})->{status} } 1 .. 20;
is scalar(grep { $_ == 200 } @me), 20, '/auth/me is not limited';

done_testing;
