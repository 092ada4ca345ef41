# WhatsApp OTP: send-otp queues a template message that scp-worker delivers to the
# (fake) Cloud API; verify-otp signs in, creating a client; expiry, attempts and rate
# limits per DESIGN §7.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $s = SCPTest->start(fakes => ['whatsapp']);
my $send = sub { $s->post('/api/v1/auth/send-otp', { phone => $_[0] }) };
my $verify = sub { $s->post('/api/v1/auth/verify-otp', { @_ }) };

# The code as the fake Cloud API received it, for a phone (without '+').
sub code_for {
    my ($phone, $nth) = @_;
    (my $to = $phone) =~ s/^\+//;
    my @got;
    $s->wait_until(10, sub {
        @got = grep { ($_->{json}{to} // '') eq $to } $s->fake_requests('whatsapp');
        @got >= ($nth // 1);
    });
    my $m = $got[($nth // 1) - 1] or return;
    return $m->{json}{template}{components}[0]{parameters}[0]{text};
}

my $phone = '+919876543210';
my $r = $send->($phone);
is $r->{status}, 200, 'send-otp: 200';
like $r->{json}{otp_id}, qr/^[0-9a-f-]{36}$/, 'otp_id';
is $r->{json}{expires_in}, 300, 'expires in 5 minutes';
my $code = code_for($phone);
like $code, qr/^\d{6}$/, 'the fake WhatsApp API received a 6-digit code';
my ($msg) = grep { $_->{json}{to} eq '919876543210' } $s->fake_requests('whatsapp');
is $msg->{path}, '/v17.0/1098765432/messages', 'POST /{version}/{phone_number_id}/messages';
is $msg->{headers}{authorization}, 'Bearer test-wa-token', 'with the access token';
is $msg->{json}{messaging_product}, 'whatsapp', 'messaging_product whatsapp';
is $msg->{json}{type}, 'template', 'a template message';
is $msg->{json}{template}{name}, 'otp_verification', 'template otp_verification';
is $msg->{json}{template}{language}{code}, 'en', 'language en';
is $msg->{json}{template}{components}[1]{type}, 'button', 'copy-code button parameter';
is $s->sql("SELECT count(*) FROM otps WHERE code_hash = :'p1'", $code), 0, 'the code is not stored in clear';
is $s->wait_until(5, sub { $s->sql("SELECT payload ? 'code' FROM jobs WHERE kind = 'whatsapp_otp'"
                                   . " AND status = 'done' LIMIT 1") eq 'f' }), 1,
    'the delivered job no longer holds the code';

$r = $verify->(phone => $phone, otp => ($code eq '000000' ? '111111' : '000000'));
is $r->{status}, 401, 'wrong code: 401';
$r = $verify->(phone => $phone, otp => $code, otp_id => $r->{json}{otp_id} // undef);
is $r->{status}, 200, 'right code: 200';
is $r->{json}{user}{role}, 'client', 'first sign-in creates a client';
is $r->{json}{user}{phone_number}, $phone, 'with the phone';
ok $r->{json}{access_token} && $r->{json}{refresh_token}, 'tokens';
is $s->get('/api/v1/auth/me', token => $r->{json}{access_token})->{status}, 200, 'token works';
my $uid = $r->{json}{user}{id};
$r = $verify->(phone => $phone, otp => $code);
is $r->{status}, 401, 'a code works once';

# Second sign-in: same user.
sleep 0;
$send->($phone);
my $code2 = code_for($phone, 2);
$r = $verify->(phone => $phone, otp => $code2);
is $r->{json}{user}{id}, $uid, 'the next sign-in finds the same user';

# Validation.
$r = $send->('9876543210');
is $r->{status}, 422, 'phone without + is not E.164: 422';
$r = $send->('+0123456789');
is $r->{status}, 422, 'leading zero: 422';
$r = $s->post('/api/v1/auth/send-otp', {});
is $r->{status}, 422, 'missing phone: 422';
$r = $verify->(phone => $phone, otp => '12ab56');
is $r->{status}, 422, 'non-digit code: 422';
$r = $verify->(phone => $phone, otp => '1234567');
is $r->{status}, 422, '7 digits: 422';
$r = $verify->(phone => $phone, otp => '123456', otp_id => 'nope');
is $r->{status}, 422, 'bad otp_id: 422';

# Expiry.
my $p2 = '+919812345678';
$send->($p2);
my $c2 = code_for($p2);
$s->sql("UPDATE otps SET expires_at = now() - interval '1 second' WHERE phone = :'p1'", $p2);
$r = $verify->(phone => $p2, otp => $c2);
is $r->{status}, 401, 'an expired code: 401';

# Attempts: 5 wrong codes spend the OTP, the right one is then refused too.
my $p3 = '+919800011111';
$send->($p3);
my $c3 = code_for($p3);
my $wrong = $c3 eq '999999' ? '999998' : '999999';
$verify->(phone => $p3, otp => $wrong) for 1 .. 4;
$s->sql("DELETE FROM otp_verifications WHERE phone = :'p1'", $p3);   # stay under the rate limit
$verify->(phone => $p3, otp => $wrong);
$r = $verify->(phone => $p3, otp => $c3);
is $r->{status}, 401, 'after 5 wrong attempts the right code is refused';
is $s->sql("SELECT attempts FROM otps WHERE phone = :'p1'", $p3), 5, 'five attempts recorded';

# Rate limits: 3 sends per phone per minute, 5 verifies per 5 minutes.
my $p4 = '+919800022222';
is $send->($p4)->{status}, 200, "send $_" for 1 .. 3;
$r = $send->($p4);
is $r->{status}, 429, 'the 4th send within a minute: 429';
is $r->{json}{error}{code}, 'RATE_LIMITED', 'RATE_LIMITED';
ok $r->{headers}{'retry-after'} > 0, 'with Retry-After';
is $s->sql("SELECT count(*) FROM otps WHERE phone = :'p1'", $p4), 3, 'no 4th code issued';
is $send->('+919800033333')->{status}, 200, 'another phone is not limited';
$s->sql("UPDATE otps SET created_at = created_at - interval '61 seconds' WHERE phone = :'p1'", $p4);
is $send->($p4)->{status}, 200, 'a minute later sending works again';

my $p5 = '+919800044444';
$send->($p5);
is $verify->(phone => $p5, otp => '000001')->{status}, 401, "verify $_: counted" for 1 .. 5;
$r = $verify->(phone => $p5, otp => code_for($p5));
is $r->{status}, 429, 'the 6th verify within 5 minutes: 429, even with the right code';

# Claiming a phone is not owning it: an account that typed in someone's number does not
# receive that person's OTP sign-in, and loses the number to the one who proves it.
my $p7 = '+919800066666';
my $claim = $s->signup(phone_number => $p7);
$send->($p7);
$r = $verify->(phone => $p7, otp => code_for($p7));
is $r->{status}, 200, 'the phone\'s owner signs in';
isnt $r->{json}{user}{id}, $claim->{user}{id}, 'into their own new account, not the claimant\'s';
is $r->{json}{user}{phone_verified}, JSON::PP::true, 'with the phone verified';
is $s->get('/api/v1/users/me', token => $claim->{access_token})->{json}{phone_number}, undef,
    'the claimant lost the unproven number';

# An OTP-only account can set a first password, and cannot drop its only contact.
my $tok = $r->{json}{access_token};
$r = $s->patch('/api/v1/users/me', { new_password => 'firstpassword1' }, token => $tok);
is $r->{status}, 200, 'an OTP account sets a password without a current one';
$r = $s->patch('/api/v1/users/me', { phone_number => undef }, token => $tok);
is $r->{status}, 422, 'removing the only contact of an account: 422';
is $r->{json}{error}{details}{fields}[0]{field}, 'phone_number', 'naming phone_number';

# A banned phone user is refused.
my $p6 = '+919800055555';
$send->($p6);
$r = $verify->(phone => $p6, otp => code_for($p6));
$s->sql("UPDATE users SET status = 'banned' WHERE phone_number = :'p1'", $p6);
$s->sql("DELETE FROM otps WHERE phone = :'p1'", $p6);
$send->($p6);
$r = $verify->(phone => $p6, otp => code_for($p6, 2));
is $r->{status}, 403, 'a banned user cannot sign in by OTP';

done_testing;
