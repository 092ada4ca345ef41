# The root payment paths of Cliick's services/paymentService.ts
# (cgi-bin/shops/payments_root.c on sql/functions/96_shop_payments.sql):
# POST /api/payments/intent {orderId, amount (major units), currency, provider, metadata},
# POST /api/payments/confirm {paymentIntentId, paymentMethodId, provider},
# GET /api/payments/:pi, POST /api/payments/:pi/refund {amount?, reason?},
# POST /api/payments/:pi/cancel.  Cookie-authenticated as the frontend calls them (the
# CSRF Origin check applies); every answer has paymentIntent at the top level beside data.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPShops;

my $allowed = ORIGIN;
our $s = SCPTest->start(env => { SCP_CORS_ORIGINS => $allowed }, fakes => ['stripe']);
sub call { shop_call($s, @_) }
sub last_stripe { my @r = $s->fake_requests('stripe'); return $r[-1] }
sub nstripe { scalar(my @r = $s->fake_requests('stripe')) }

my $w = shop_staff($s, 'rp');
my ($owner, $stranger, $agent, $manager, $admin, $shop, $other) =
    @$w{qw(owner stranger agent manager admin shop other)};

sub attempts { $s->sql("SELECT count(*) FROM payments WHERE shop_order_id = :'p1'", $_[0]) }

# --- intent --------------------------------------------------------------------------------
my $oid = shop_order($s, $shop, $owner->{token}, 3);
my $r = call($owner, 'POST', '/api/payments/intent', { orderId => $oid, amount => 59.97,
             currency => 'USD', provider => 'stripe', metadata => { cart => 'x' } });
is $r->{status}, 201, 'intent in major units (3 x 19.99 = 59.97): 201';
my $pi = $r->{json}{paymentIntent};
ok $pi, 'paymentIntent at the top level' or like $pi->{id}, qr/^pi_\w+$/, 'its id is the Stripe intent';
like $pi->{clientSecret}, qr/^\Q$pi->{id}\E_secret_\w+$/, 'its clientSecret';
like $r->{content}, qr/"paymentIntent":\{[^}]*"amount":59\.97[,}]/, 'amount 59.97, major units';
is $pi->{currency}, 'USD', 'the order currency';
is $pi->{status}, 'pending', 'status pending';
is_deeply $r->{json}{data}{paymentIntent}, $pi, 'the same in data';
is $r->{json}{data}{orderKind}, 'shop', 'data is the shop payment';
my $f = stripe_form(last_stripe());
is $f->{amount}, '5997', 'Stripe got minor units';
is $f->{'metadata[shop_id]'}, $shop->{id}, 'the order shop in the metadata';
ok !exists $f->{'metadata[cart]'}, 'the client metadata is not forwarded';
my $PI = $pi->{id};

# validation: nothing written, Stripe not called
my $calls = nstripe();
my $oid2 = shop_order($s, $shop, $owner->{token}, 1);
for my $case (
    [ {}, [qw(order_id amount)], 'empty body' ],
    [ { orderId => 'nope', amount => 19.99 }, ['order_id'], 'orderId not a uuid' ],
    [ { orderId => $oid2, amount => '19.99' }, ['amount'], 'amount as a string' ],
    [ { orderId => $oid2, amount => 19.999 }, ['amount'], 'three decimals' ],
    [ { orderId => $oid2, amount => 0 }, ['amount'], 'amount 0' ],
    [ { orderId => $oid2, amount => -19.99 }, ['amount'], 'negative amount' ],
    [ { orderId => $oid2, amount => 1999 }, ['amount'], 'minor units sent: not the total' ],
    [ { orderId => $oid2, amount => 19.99, currency => 'EUR' }, ['currency'], 'another currency' ],
    [ { orderId => $oid2, amount => 19.99, currency => 'US' }, ['currency'], 'currency of 2' ],
    [ { orderId => $oid2, amount => 19.99, provider => 'bitcoin' }, ['provider'], 'provider unknown' ],
    [ { orderId => $oid2, amount => 0, provider => 'paypal' }, ['amount'], 'paypal and a bad amount' ],
    [ { orderId => $oid2, amount => 19.99, metadata => 'x' }, ['metadata'], 'metadata not an object' ],
) {
    my ($body, $want, $name) = @$case;
    $r = call($owner, 'POST', '/api/payments/intent', $body);
    is $r->{status}, 422, "$name: 422";
    is_deeply [sort keys %{ fields_of($r) }], [sort @$want], "$name: fields @$want";
}
is attempts($oid2), 0, 'no attempt written by a refused intent';
is nstripe(), $calls, 'Stripe not called';

$r = call($owner, 'POST', '/api/payments/intent', { orderId => $oid2, amount => 19.99 });
is $r->{status}, 201, 'currency and provider default (USD, stripe)';
my $PI2 = $r->{json}{paymentIntent}{id};

# a replayed Idempotency-Key: the first answer, Stripe not called again
my $o3 = shop_order($s, $shop, $owner->{token}, 1);
my $k = "root-intent-$$";
my $r1 = call($owner, 'POST', '/api/payments/intent', { orderId => $o3, amount => 19.99 },
              'Idempotency-Key' => $k);
$calls = nstripe();
my $r2 = call($owner, 'POST', '/api/payments/intent', { orderId => $o3, amount => 19.99 },
              'Idempotency-Key' => $k);
is $r2->{status}, 201, 'the same Idempotency-Key again: 201';
is $r2->{content}, $r1->{content}, '... the first answer, clientSecret included';
is nstripe(), $calls, '... Stripe not called again';

# auth, CSRF, roles, another shop
$r = $s->post('/api/payments/intent', { orderId => $oid2, amount => 19.99 });
is $r->{status}, 401, 'no session: 401';
$r = $s->post('/api/payments/intent', { orderId => $oid2, amount => 19.99 },
              headers => { Cookie => 'scp_session=not.a.token', Origin => $allowed });
is $r->{status}, 401, 'a bad session cookie: 401';
$r = $s->post('/api/payments/intent', { orderId => $oid2, amount => 19.99 },
              headers => { Cookie => "scp_session=$owner->{token}", Origin => 'http://evil.example' });
is $r->{status}, 403, 'the cookie from a foreign Origin: 403';
$r = call($agent, 'POST', '/api/payments/intent', { orderId => $oid2, amount => 19.99 });
is $r->{status}, 403, 'a support agent: 403';
$r = call($stranger, 'POST', '/api/payments/intent', { orderId => $oid2, amount => 19.99 });
is $r->{status}, 404, 'another shop owner, this shop order: 404';
my $ooid = shop_order($s, $other, $stranger->{token}, 1);
$r = call($owner, 'POST', '/api/payments/intent', { orderId => $ooid, amount => 19.99 });
is $r->{status}, 404, 'an order of another shop: 404';
$r = call($owner, 'POST', '/api/payments/intent', { orderId => '00000000-0000-4000-8000-000000000000',
             amount => 19.99 });
is $r->{status}, 404, 'an unknown order: 404';
$r = call($manager, 'POST', '/api/payments/intent', { orderId => $oid2, amount => 19.99 });
is $r->{status}, 201, 'an order manager pays';
is $r->{json}{paymentIntent}{id}, $PI2, 'the same attempt, the same intent';

# malformed, oversized
$r = $s->req('POST', '/api/payments/intent', '{"orderId":', headers => {
    Cookie => "scp_session=$owner->{token}", Origin => $allowed });
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->req('POST', '/api/payments/intent', '{"orderId":"' . ('x' x (2 * 1024 * 1024)) . '"}',
             headers => { Cookie => "scp_session=$owner->{token}", Origin => $allowed });
is $r->{status}, 413, 'oversized body: 413';
$r = call($owner, 'POST', '/api/payments/intent', [1, 2]);
ok $r->{status} == 400 || $r->{status} == 422, 'an array body: refused';

# --- get -----------------------------------------------------------------------------------
$r = call($owner, 'GET', "/api/payments/$PI");
is $r->{status}, 200, 'GET by intent id: 200';
is $r->{json}{paymentIntent}{id}, $PI, 'paymentIntent.id';
is $r->{json}{paymentIntent}{status}, 'pending', 'pending';
ok exists $r->{json}{paymentIntent}{clientSecret}, 'clientSecret member there';
ok !defined $r->{json}{paymentIntent}{clientSecret}, 'not kept: null';
is call($agent, 'GET', "/api/payments/$PI")->{status}, 403, 'GET as support agent: 403';
is call($stranger, 'GET', "/api/payments/$PI")->{status}, 404, 'GET as a stranger: 404';
is call($owner, 'GET', '/api/payments/pi_unknown123')->{status}, 404, 'an unknown intent: 404';
is call($owner, 'GET', '/api/payments/not-an-intent')->{status}, 404, 'no intent id: 404';
is $s->get("/api/payments/$PI")->{status}, 401, 'GET without a session: 401';

# --- confirm -------------------------------------------------------------------------------
for my $case (
    [ {}, [qw(payment_intent_id payment_method_id)], 'empty' ],
    [ { paymentIntentId => 'ch_1', paymentMethodId => 'pm_card_visa' }, ['payment_intent_id'], 'not pi_' ],
    [ { paymentIntentId => $PI, paymentMethodId => 'card' }, ['payment_method_id'], 'not pm_' ],
    [ { paymentIntentId => $PI, paymentMethodId => 'pm_card_visa', provider => 'paypal' }, ['provider'],
      'paypal for a Stripe intent' ],
) {
    my ($body, $want, $name) = @$case;
    $r = call($owner, 'POST', '/api/payments/confirm', $body);
    is $r->{status}, 422, "confirm $name: 422";
    is_deeply [sort keys %{ fields_of($r) }], [sort @$want], "confirm $name: fields";
}
$r = call($agent, 'POST', '/api/payments/confirm', { paymentIntentId => $PI, paymentMethodId => 'pm_card_visa' });
is $r->{status}, 403, 'confirm as support agent: 403';
$r = call($stranger, 'POST', '/api/payments/confirm', { paymentIntentId => $PI, paymentMethodId => 'pm_card_visa' });
is $r->{status}, 404, 'confirm as a stranger: 404';
$r = $s->post('/api/payments/confirm', { paymentIntentId => $PI, paymentMethodId => 'pm_card_visa' },
              headers => { Cookie => "scp_session=$owner->{token}", Origin => 'http://evil.example' });
is $r->{status}, 403, 'confirm from a foreign Origin: 403';
is pstatus($s, $oid), 'processing', 'refused confirms changed nothing';

$r = call($owner, 'POST', '/api/payments/confirm', { paymentIntentId => $PI,
          paymentMethodId => 'pm_card_chargeDeclined', provider => 'stripe' });
is $r->{status}, 200, 'a declined card: 200';
is $r->{json}{paymentIntent}{status}, 'failed', 'declined: failed';
$r = call($owner, 'POST', '/api/payments/confirm', { paymentIntentId => $PI, paymentMethodId => 'pm_card_visa' });
is $r->{status}, 409, 'confirm a failed attempt: 409 (it never moves back)';

# a new attempt for the order, confirmed
$r = call($owner, 'POST', '/api/payments/intent', { orderId => $oid, amount => 59.97 });
is $r->{status}, 201, 'a new attempt after the failure';
my $PI3 = $r->{json}{paymentIntent}{id};
isnt $PI3, $PI, 'another intent';
$r = call($owner, 'POST', '/api/payments/confirm', { paymentIntentId => $PI3, paymentMethodId => 'pm_card_visa' });
is $r->{status}, 200, 'confirm with pm_card_visa: 200';
is $r->{json}{paymentIntent}{status}, 'succeeded', 'succeeded';
is $r->{json}{data}{orderPaymentStatus}, 'paid', 'the order is paid';
my $q = last_stripe();
is $q->{path}, "/v1/payment_intents/$PI3/confirm", 'Stripe confirm called';
is stripe_form($q)->{payment_method}, 'pm_card_visa', 'with the payment method';
$r = call($owner, 'POST', '/api/payments/confirm', { paymentIntentId => $PI3, paymentMethodId => 'pm_card_visa' });
is $r->{status}, 409, 'confirm a paid one again: 409';
$r = call($owner, 'POST', '/api/payments/intent', { orderId => $oid, amount => 59.97 });
is $r->{status}, 409, 'an intent for a paid order: 409';

# --- cancel --------------------------------------------------------------------------------
is call($agent, 'POST', "/api/payments/$PI2/cancel")->{status}, 403, 'cancel as support agent: 403';
is call($stranger, 'POST', "/api/payments/$PI2/cancel")->{status}, 404, 'cancel as a stranger: 404';
is call($owner, 'POST', '/api/payments/xyz/cancel')->{status}, 404, 'cancel no intent: 404';
is $s->post("/api/payments/$PI2/cancel")->{status}, 401, 'cancel without a session: 401';
$r = $s->post("/api/payments/$PI2/cancel", undef,
              headers => { Cookie => "scp_session=$owner->{token}", Origin => 'http://evil.example' });
is $r->{status}, 403, 'cancel from a foreign Origin: 403';
is call($owner, 'POST', "/api/payments/$PI3/cancel")->{status}, 409, 'cancel a paid one: 409';
$r = call($manager, 'POST', "/api/payments/$PI2/cancel");
is $r->{status}, 200, 'cancel: 200';
is $r->{json}{paymentIntent}{status}, 'canceled', 'canceled';
is last_stripe()->{path}, "/v1/payment_intents/$PI2/cancel", 'Stripe cancel called';
is call($owner, 'POST', "/api/payments/$PI2/cancel")->{status}, 409, 'cancel twice: 409';
$r = call($owner, 'POST', '/api/payments/confirm', { paymentIntentId => $PI2, paymentMethodId => 'pm_card_visa' });
is $r->{status}, 409, 'confirm a cancelled one: 409';
is call($owner, 'GET', "/api/payments/$PI2")->{json}{paymentIntent}{status}, 'canceled',
    'it stays canceled';

# --- refund --------------------------------------------------------------------------------
for my $case (
    [ { amount => 'x' }, ['amount'], 'amount not a number' ],
    [ { amount => 0.001 }, ['amount'], 'amount three decimals' ],
    [ { reason => '' }, ['reason'], 'empty reason' ],
    [ { reason => 'r' x 501 }, ['reason'], 'reason too long' ],
    [ { amount => 60 }, ['amount'], 'more than captured' ],
) {
    my ($body, $want, $name) = @$case;
    $r = call($owner, 'POST', "/api/payments/$PI3/refund", $body);
    is $r->{status}, 422, "refund $name: 422";
    is_deeply [sort keys %{ fields_of($r) }], [sort @$want], "refund $name: fields";
}
is call($manager, 'POST', "/api/payments/$PI3/refund", { amount => 1 })->{status}, 403,
    'refund as order manager: 403';
is call($stranger, 'POST', "/api/payments/$PI3/refund", { amount => 1 })->{status}, 404,
    'refund as a stranger: 404';
is call($owner, 'POST', "/api/payments/$PI2/refund", {})->{status}, 409, 'refund a cancelled one: 409';
is $s->post("/api/payments/$PI3/refund", {})->{status}, 401, 'refund without a session: 401';
is $s->post("/api/payments/$PI3/refund", {}, headers => { Cookie => "scp_session=$owner->{token}",
    Origin => 'http://evil.example' })->{status}, 403, 'refund from a foreign Origin: 403';
is pstatus($s, $oid), 'paid', 'refused refunds changed nothing';

$r = call($admin, 'POST', "/api/payments/$PI3/refund", { amount => 9.97, reason => 'damaged' });
is $r->{status}, 201, 'partial refund of 9.97: 201';
is $r->{json}{paymentIntent}{status}, 'succeeded', 'the intent stays succeeded';
is stripe_form(last_stripe())->{amount}, '997', 'Stripe refund in minor units';
is $r->{json}{data}{refund}{reason}, 'damaged', 'the refund with its reason';
$r = call($owner, 'POST', "/api/payments/$PI3/refund", {});
is $r->{status}, 201, 'the rest, no amount nor reason: 201';
is stripe_form(last_stripe())->{amount}, '5000', 'the rest: 50.00';
is pstatus($s, $oid), 'refunded', 'the order is refunded';
is call($owner, 'POST', "/api/payments/$PI3/refund", {})->{status}, 409, 'nothing left: 409';

# --- races ---------------------------------------------------------------------------------
my $o5 = shop_order($s, $shop, $owner->{token}, 2);
my @res = parallel(5, sub { my $x = call($owner, 'POST', '/api/payments/intent',
                                         { orderId => $o5, amount => 39.98 });
                            { status => $x->{status}, pi => $x->{json}{paymentIntent}{id} } });
is_deeply [ map { $_->{status} } @res ], [ (201) x 5 ], 'five concurrent intents: 201 each';
is scalar(keys %{ { map { ($_->{pi} // '') => 1 } @res } }), 1, 'all with one intent';
is attempts($o5), 1, 'one attempt';
# a confirm and a cancel of one open attempt at once: Stripe settles one, the other loses
my $P5 = $res[0]{pi};
@res = parallel(2, sub {
    my $x = $_[0] ? call($owner, 'POST', "/api/payments/$P5/cancel")
                  : call($owner, 'POST', '/api/payments/confirm',
                         { paymentIntentId => $P5, paymentMethodId => 'pm_card_visa' });
    { status => $x->{status}, st => $x->{json}{paymentIntent}{status} } });
my @won = grep { $_->{status} == 200 } @res;
is scalar(@won), 1, 'confirm and cancel at once: one wins'
    or diag explain \@res;
is_deeply [ sort map { $_->{status} } @res ], [200, 409], '... the other 409';
my $final = call($owner, 'GET', "/api/payments/$P5")->{json}{paymentIntent}{status};
is $final, $won[0]{st}, "the payment is what the winner answered ($final)";
is pstatus($s, $o5), $final eq 'succeeded' ? 'paid' : 'failed', 'the order agrees';

# --- the development transport (stripe_transport = log): tried with no Stripe account -------
# Confirming answers as Stripe's test mode does for its test payment methods: a decline's
# id is refused as a card error, any other succeeds; then the refund goes through.
{
    my $dev = SCPTest->start(env => { SCP_CORS_ORIGINS => $allowed });
    my $dw = shop_staff($dev, 'dv');
    my $dcall = sub { shop_call($dev, $dw->{owner}, @_) };
    my $do = shop_order($dev, $dw->{shop}, $dw->{owner}{token}, 1);
    my $i = $dcall->('POST', '/api/payments/intent', { orderId => $do, amount => 19.99,
                     currency => 'USD', provider => 'stripe' });
    is $i->{status}, 201, 'dev: intent 201';
    my $dpi = $i->{json}{paymentIntent}{id};
    like $dpi, qr/^pi_dev_[0-9a-f]{24}$/, 'dev: a pi_dev_ intent';
    my $c = $dcall->('POST', '/api/payments/confirm',
                     { paymentIntentId => $dpi, paymentMethodId => 'pm_card_chargeDeclined' });
    is $c->{status}, 200, 'dev: a declining test card answers 200';
    is $c->{json}{paymentIntent}{status}, 'failed', '... and the payment failed';
    is pstatus($dev, $do), 'failed', '... the order says so';
    $i = $dcall->('POST', '/api/payments/intent', { orderId => $do, amount => 19.99,
                  currency => 'USD', provider => 'stripe' });
    is $i->{status}, 201, 'dev: a new attempt';
    $dpi = $i->{json}{paymentIntent}{id};
    $c = $dcall->('POST', '/api/payments/confirm',
                  { paymentIntentId => $dpi, paymentMethodId => 'pm_card_visa' });
    is $c->{status}, 200, 'dev: pm_card_visa confirms';
    is $c->{json}{paymentIntent}{status}, 'succeeded', '... succeeded';
    is pstatus($dev, $do), 'paid', '... the order is paid';
    my $rf = $dcall->('POST', "/api/payments/$dpi/refund", { amount => 5, reason => 'dev' });
    is $rf->{status}, 201, 'dev: a partial refund (201, the refund made)';
    is $dcall->('GET', "/api/payments/$dpi")->{json}{paymentIntent}{status}, 'succeeded',
        '... the payment still succeeded (partly refunded)';
    my @lines = do { open my $fh, '<', $dev->dir . '/log/outbox.log' or die $!;
                     grep { /"channel":"stripe"/ } <$fh> };
    ok((grep { m{/v1/payment_intents/\Q$dpi\E/confirm} } @lines), 'dev: the confirm is in the outbox log');
}

done_testing;
