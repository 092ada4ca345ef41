# The root payment paths of Cliick's services/paymentService.ts with provider paypal
# (cgi-bin/shops/payments_root.c on the PayPal core of payments_paypal.c and
# sql/functions/98_paypal.sql), against tests/fakes/paypal.pl:
# POST /api/payments/intent {orderId, amount (major), currency, provider: paypal} creates
# the PayPal order (paymentIntent.id is its id, approveUrl its approve link);
# POST /api/payments/confirm {paymentIntentId, provider: paypal} captures it;
# GET /api/payments/:paypalOrderId; POST .../refund refunds the capture at PayPal;
# POST .../cancel voids an uncaptured attempt here (PayPal has nothing to cancel).
# Cookie-authenticated as the frontend calls them (the CSRF Origin check applies).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPShops;

our $s = SCPTest->start(env => { SCP_CORS_ORIGINS => ORIGIN }, fakes => ['paypal']);
my $w = shop_staff($s, 'rpp');
my ($owner, $stranger, $agent, $manager, $admin, $shop, $other) =
    @$w{qw(owner stranger agent manager admin shop other)};

sub call { shop_call($s, @_) }
# The same call from a foreign Origin (a cross-site request riding the cookie).
sub foreign {
    my ($who, $m, $path, $body) = @_;
    return $s->req($m, $path, $body, headers => { Cookie => "scp_session=$who->{token}",
                                                  Origin => 'http://evil.example' });
}
sub got { grep { $_->{path} ne '/v1/oauth2/token' } $s->fake_requests('paypal') }
sub attempts { $s->sql("SELECT count(*) FROM payments WHERE shop_order_id = :'p1'", $_[0]) }
sub intent {
    my ($who, $oid, $amount, %more) = @_;
    return call($who, 'POST', '/api/payments/intent',
                { orderId => $oid, amount => $amount, provider => 'paypal', %more });
}
my $I = '/api/payments/intent';
my $CF = '/api/payments/confirm';

# --- intent ----------------------------------------------------------------------------------
my $oid = shop_order($s, $shop, $owner->{token}, 3);
my $r = intent($owner, $oid, 59.97, currency => 'USD', metadata => { cart => 'x' });
is $r->{status}, 201, 'a PayPal intent in major units: 201';
my $pi = $r->{json}{paymentIntent};
ok $pi, 'paymentIntent at the top level';
like $pi->{id}, qr/^[A-Z0-9]{17}$/, 'its id is the PayPal order';
is $pi->{provider}, 'paypal', 'provider paypal';
is $pi->{approveUrl}, "https://www.sandbox.paypal.com/checkoutnow?token=$pi->{id}",
    'approveUrl: the approve link of that order';
ok exists $pi->{clientSecret} && !defined $pi->{clientSecret}, 'clientSecret null: PayPal has none';
like $r->{content}, qr/"paymentIntent":\{[^}]*"amount":59\.97[,}]/, 'amount 59.97, major units';
is $pi->{currency}, 'USD', 'currency';
is $pi->{status}, 'pending', 'status pending';
is_deeply $r->{json}{data}{paymentIntent}, $pi, 'the same in data';
is $r->{json}{data}{provider}, 'paypal', 'data is the PayPal payment';
is pstatus($s, $oid), 'processing', 'the order: processing';
my $q = (got())[-1];
is $q->{path}, '/v2/checkout/orders', 'PayPal: POST /v2/checkout/orders';
is $q->{headers}{'paypal-request-id'}, "scp-order-$oid-attempt-1", 'the shop path\'s request id';
is_deeply $q->{json}{purchase_units}[0]{amount}, { currency_code => 'USD', value => '59.97' },
    'the order total as PayPal value';
ok !grep({ /cart/ } $q->{body}), 'the client metadata is not forwarded';
my $PP = $pi->{id};

$r = intent($manager, $oid, 59.97);
is $r->{status}, 201, 'an order manager: 201, resumed';
is $r->{json}{paymentIntent}{id}, $PP, 'the same PayPal order';
is attempts($oid), 1, 'one attempt';

# validation: nothing written, PayPal not called
my $before = scalar got();
my $o2 = shop_order($s, $shop, $owner->{token}, 1);
for my $case (
    [ { amount => 1999 }, ['amount'], 'minor units sent: not the total' ],
    [ { amount => 19.98 }, ['amount'], 'another amount' ],
    [ { amount => 0 }, ['amount'], 'amount 0' ],
    [ { amount => '19.99' }, ['amount'], 'amount a string' ],
    [ { amount => 19.99, currency => 'EUR' }, ['currency'], 'another currency' ],
    [ { amount => 19.99, metadata => 'x' }, ['metadata'], 'metadata not an object' ],
    [ { amount => 19.99, orderId => 'nope' }, ['order_id'], 'orderId not a uuid' ],
) {
    my ($body, $want, $name) = @$case;
    $r = call($owner, 'POST', $I, { orderId => $o2, provider => 'paypal', %$body });
    is $r->{status}, 422, "$name: 422";
    is_deeply [sort keys %{ fields_of($r) }], [sort @$want], "$name: fields @$want";
}
is err(call($owner, 'POST', $I, { orderId => $o2, amount => 19.99, provider => 'PayPal' })),
    '422 VALIDATION_ERROR', 'provider is case-sensitive: 422';
is err($s->post($I, { orderId => $o2, amount => 19.99, provider => 'paypal' })), '401 UNAUTHORIZED',
    'no session: 401';
is err(foreign($owner, 'POST', $I, { orderId => $o2, amount => 19.99, provider => 'paypal' })),
    '403 FORBIDDEN', 'the cookie from a foreign Origin: 403';
is err(intent($agent, $o2, 19.99)), '403 FORBIDDEN', 'a support agent: 403';
is err(intent($stranger, $o2, 19.99)), '404 NOT_FOUND', "another shop's owner, this shop's order: 404";
my $oo = shop_order($s, $other, $stranger->{token}, 1);
is err(intent($owner, $oo, 19.99)), '404 NOT_FOUND', "an order of another shop: 404";
is $s->req('POST', $I, '{"orderId":', headers => { Cookie => "scp_session=$owner->{token}",
           Origin => ORIGIN })->{status}, 400, 'malformed JSON: 400';
is $s->req('POST', $I, '{"orderId":"' . ('x' x (2 * 1024 * 1024)) . '"}', headers => {
           Cookie => "scp_session=$owner->{token}", Origin => ORIGIN })->{status}, 413, 'an oversized body: 413';
is attempts($o2), 0, 'no attempt written by a refused intent';
is attempts($oo), 0, "nothing written for another shop's order";
is scalar got(), $before, 'PayPal not called';

# a replayed Idempotency-Key: the first answer, PayPal not called again
my $k = "root-paypal-$$";
my $o3 = shop_order($s, $shop, $owner->{token}, 1);
my $r1 = call($owner, "POST", $I, { orderId => $o3, amount => 19.99, provider => 'paypal' },
           'Idempotency-Key' => $k);
$before = scalar got();
my $r2 = call($owner, 'POST', $I, { orderId => $o3, amount => 19.99, provider => 'paypal' },
              'Idempotency-Key' => $k);
is $r2->{status}, 201, 'the same Idempotency-Key again: 201';
is $r2->{content}, $r1->{content}, '... the first answer, approveUrl included';
is scalar got(), $before, '... PayPal not called again';

# PayPal refusing the order: 402, the attempt over; PayPal down: 503, retried as it was
my $o4 = shop_order($s, $shop, $owner->{token}, 1);
$s->fake_control('paypal', '422 1');
$r = intent($owner, $o4, 19.99);
is err($r), '402 PAYMENT_FAILED', 'PayPal refuses (422): 402';
is pstatus($s, $o4), 'failed', 'the order: failed';
$s->fake_control('paypal', '500 1');
is err(intent($owner, $o4, 19.99)), '503 UNAVAILABLE', 'PayPal answers 500: 503';
$r = intent($owner, $o4, 19.99);
is $r->{status}, 201, 'then 201';
is $s->sql("SELECT max(attempt) FROM payments WHERE shop_order_id = :'p1'", $o4), 2,
    'attempt 2 after the refusal, resumed after the 500';

# --- get -------------------------------------------------------------------------------------
$r = call($owner, 'GET', "/api/payments/$PP");
is $r->{status}, 200, 'GET by the PayPal order id: 200';
is $r->{json}{paymentIntent}{id}, $PP, 'paymentIntent.id';
is $r->{json}{paymentIntent}{provider}, 'paypal', 'provider';
is $r->{json}{paymentIntent}{status}, 'pending', 'pending';
ok exists $r->{json}{paymentIntent}{approveUrl} && !defined $r->{json}{paymentIntent}{approveUrl},
    'approveUrl null: not kept';
is err(call($agent, 'GET', "/api/payments/$PP")), '403 FORBIDDEN', 'GET as a support agent: 403';
is err(call($stranger, 'GET', "/api/payments/$PP")), '404 NOT_FOUND', 'GET as a stranger: 404';
is err(call($owner, 'GET', '/api/payments/NOPE0000000000000')), '404 NOT_FOUND', 'an unknown order: 404';
is err(call($owner, 'GET', '/api/payments/' . ('A' x 65))), '404 NOT_FOUND', 'an overlong id: 404';
is err(call($owner, 'GET', '/api/payments/a.b')), '404 NOT_FOUND', 'an id that is neither: 404';
is $s->get("/api/payments/$PP")->{status}, 401, 'GET without a session: 401';

# --- confirm: the capture ----------------------------------------------------------------------
for my $case (
    [ { provider => 'paypal' }, ['payment_intent_id'], 'no id' ],
    [ { paymentIntentId => 'pi_123', provider => 'paypal' }, ['provider'], 'a Stripe intent id' ],
    [ { paymentIntentId => 'a.b', provider => 'paypal' }, ['payment_intent_id'], 'no PayPal id' ],
    [ { paymentIntentId => $PP }, [qw(payment_intent_id payment_method_id)], 'provider stripe (the default)' ],
) {
    my ($body, $want, $name) = @$case;
    $r = call($owner, 'POST', $CF, $body);
    is $r->{status}, 422, "confirm, $name: 422";
    is_deeply [sort keys %{ fields_of($r) }], [sort @$want], "confirm, $name: fields";
}
is $s->req('POST', $CF, '{"paymentIntentId":', headers => { Cookie => "scp_session=$owner->{token}",
           Origin => ORIGIN })->{status}, 400, 'confirm, malformed JSON: 400';
my $CB = { paymentIntentId => $PP, paymentMethodId => 'paypal', provider => 'paypal' };
is err(call($agent, 'POST', $CF, $CB)), '403 FORBIDDEN', 'confirm as a support agent: 403';
is err(call($stranger, 'POST', $CF, $CB)), '404 NOT_FOUND', 'confirm as a stranger: 404';
is err(foreign($owner, 'POST', $CF, $CB)), '403 FORBIDDEN', 'confirm from a foreign Origin: 403';
is err($s->post($CF, $CB)), '401 UNAUTHORIZED', 'confirm without a session: 401';
is err(call($owner, 'POST', $CF, { %$CB, paymentIntentId => 'NOPE0000000000000' })), '404 NOT_FOUND',
    'confirm an unknown order: 404';
my $theirs = intent($stranger, $oo, 19.99)->{json}{paymentIntent}{id};
is err(call($owner, 'POST', $CF, { %$CB, paymentIntentId => $theirs })), '404 NOT_FOUND',
    "confirm another shop's PayPal order: 404";
is scalar(grep { $_->{path} =~ /capture/ } got()), 0, 'no refused confirm reached PayPal';
is pstatus($s, $oid), 'processing', 'refused confirms changed nothing';

$r = call($owner, 'POST', $CF, $CB);
is $r->{status}, 200, 'confirm: 200';
is $r->{json}{paymentIntent}{status}, 'succeeded', 'succeeded';
is $r->{json}{paymentIntent}{id}, $PP, 'the same id';
is $r->{json}{data}{orderPaymentStatus}, 'paid', 'the order is paid';
is pstatus($s, $oid), 'paid', 'paid';
$q = (got())[-1];
is $q->{path}, "/v2/checkout/orders/$PP/capture", 'PayPal: the capture';
is $q->{headers}{'paypal-request-id'}, "scp-capture-$PP", 'with the capture request id';
my $cap = $s->sql("SELECT paypal_capture_id FROM payments WHERE paypal_order_id = :'p1'", $PP);
like $cap, qr/^[A-Z0-9]{17}$/, 'the capture recorded';
is err(call($owner, 'POST', $CF, $CB)), '409 INVALID_STATE', 'confirm again: 409';
is err(intent($owner, $oid, 59.97)), '409 CONFLICT', 'an intent for a paid order: 409';
is err(call($owner, 'POST', "/api/payments/$PP/cancel")), '409 INVALID_STATE', 'cancel a paid one: 409';

# --- refund: PayPal's, through the root path ---------------------------------------------------
my $RF = "/api/payments/$PP/refund";
for my $case (
    [ { amount => 'x' }, ['amount'], 'amount not a number' ],
    [ { amount => 0.001 }, ['amount'], 'three decimals' ],
    [ { reason => '' }, ['reason'], 'empty reason' ],
    [ { amount => 60 }, ['amount'], 'more than captured' ],
) {
    my ($body, $want, $name) = @$case;
    $r = call($owner, 'POST', $RF, $body);
    is $r->{status}, 422, "refund, $name: 422";
    is_deeply [sort keys %{ fields_of($r) }], [sort @$want], "refund, $name: fields";
}
is err(call($manager, 'POST', $RF, { amount => 1 })), '403 FORBIDDEN', 'refund as an order manager: 403';
is err(call($stranger, 'POST', $RF, { amount => 1 })), '404 NOT_FOUND', 'refund as a stranger: 404';
is err(foreign($owner, 'POST', $RF, {})), '403 FORBIDDEN', 'refund from a foreign Origin: 403';
is err($s->post($RF, {})), '401 UNAUTHORIZED', 'refund without a session: 401';
is scalar(grep { $_->{path} =~ /refund/ } got()), 0, 'no refused refund reached PayPal';
$r = call($admin, 'POST', $RF, { amount => 9.97, reason => 'damaged' });
is $r->{status}, 201, 'an admin refunds 9.97: 201';
is $r->{json}{paymentIntent}{status}, 'succeeded', 'the intent stays succeeded';
is $r->{json}{data}{refund}{reason}, 'damaged', 'the refund with its reason';
like $r->{json}{data}{refund}{paypalRefundId}, qr/^[A-Z0-9]{17}$/, "PayPal's refund id";
is $r->{json}{data}{orderPaymentStatus}, 'partially_refunded', 'partially refunded';
$q = (got())[-1];
is $q->{path}, "/v2/payments/captures/$cap/refund", 'PayPal: the refund of the capture';
is_deeply $q->{json}{amount}, { value => '9.97', currency_code => 'USD' }, 'of 9.97';
$r = call($owner, 'POST', $RF, {});
is $r->{status}, 201, 'the rest, no amount nor reason: 201';
is $r->{json}{data}{refund}{reason}, 'requested_by_customer', 'the default reason';
is_deeply +(got())[-1]{json}{amount}, { value => '50.00', currency_code => 'USD' }, 'the rest: 50.00';
is pstatus($s, $oid), 'refunded', 'the order is refunded';
is err(call($owner, 'POST', $RF, {})), '409 INVALID_STATE', 'nothing left: 409';

# --- cancel: voided here -------------------------------------------------------------------------
my $oc = shop_order($s, $shop, $owner->{token}, 1);
my $PC = intent($owner, $oc, 19.99)->{json}{paymentIntent}{id};
my $CC = "/api/payments/$PC/cancel";
is err(call($agent, 'POST', $CC)), '403 FORBIDDEN', 'cancel as a support agent: 403';
is err(call($stranger, 'POST', $CC)), '404 NOT_FOUND', 'cancel as a stranger: 404';
is err(foreign($owner, 'POST', $CC)), '403 FORBIDDEN', 'cancel from a foreign Origin: 403';
is err($s->post($CC)), '401 UNAUTHORIZED', 'cancel without a session: 401';
is err(call($owner, 'POST', "/api/payments/$theirs/cancel")), '404 NOT_FOUND',
    "cancel another shop's PayPal order: 404";
is pstatus($s, $oc), 'processing', 'refused cancels changed nothing';
$before = scalar got();
$r = call($manager, 'POST', $CC);
is $r->{status}, 200, 'cancel: 200';
is $r->{json}{paymentIntent}{status}, 'canceled', 'canceled';
is $r->{json}{data}{lastError}{type}, 'canceled', 'last_error canceled';
is scalar got(), $before, 'PayPal not called (nothing to cancel there)';
is pstatus($s, $oc), 'failed', 'the order: failed';
is err(call($owner, 'POST', $CC)), '409 INVALID_STATE', 'cancel twice: 409';
is err(call($owner, 'POST', $CF, { %$CB, paymentIntentId => $PC })), '409 INVALID_STATE',
    'confirm a cancelled one: 409';
is err($s->post("/api/shops/$shop->{id}/payments/paypal/orders/$PC/capture", {},
                token => $owner->{token})), '409 INVALID_STATE',
    "the shop path's capture of a cancelled one: 409";
like err(call($owner, 'POST', "/api/payments/$PC/refund", {})), qr/^409 /, 'refund a cancelled one: 409';
is scalar got(), $before, 'none reached PayPal';
$r = intent($owner, $oc, 19.99);
is $r->{status}, 201, 'a new intent after the cancel: 201';
isnt $r->{json}{paymentIntent}{id}, $PC, 'another PayPal order';
is attempts($oc), 2, 'a second attempt';

# --- the other provider: a Stripe intent after a PayPal order, and back ------------------------
my $ox = shop_order($s, $shop, $owner->{token}, 1);
my $PX = intent($owner, $ox, 19.99)->{json}{paymentIntent}{id};
$r = call($owner, 'POST', $I, { orderId => $ox, amount => 19.99, provider => 'stripe' });
is $r->{status}, 201, 'a Stripe intent for an order with an open PayPal order: 201';
like $r->{json}{paymentIntent}{id}, qr/^pi_/, '... a Stripe intent (the log transport\'s)';
is $r->{json}{paymentIntent}{provider}, 'stripe', '... provider stripe';
is $s->sql("SELECT string_agg(concat_ws(':', attempt, provider, paypal_order_id IS NOT NULL,"
           . " intent_id IS NOT NULL), ' ' ORDER BY attempt) FROM payments WHERE shop_order_id = :'p1'", $ox),
    '1:paypal:t:f 2:stripe:f:t',
    "a new attempt of Stripe's: the PayPal one left as it is, each with its own id";
$r = intent($owner, $ox, 19.99);
isnt $r->{json}{paymentIntent}{id}, $PX, 'PayPal again: a new order (the latest attempt is Stripe\'s)';
is attempts($ox), 3, 'attempt 3';

# --- races ----------------------------------------------------------------------------------------
my $o5 = shop_order($s, $shop, $owner->{token}, 2);
my @res = parallel(5, sub { my $x = intent($owner, $o5, 39.98);
                            { status => $x->{status}, id => $x->{json}{paymentIntent}{id} } });
is_deeply [ map { $_->{status} } @res ], [ (201) x 5 ], 'five concurrent intents: 201 each';
is scalar(keys %{ { map { ($_->{id} // '') => 1 } @res } }), 1, 'all with one PayPal order';
is attempts($o5), 1, 'one attempt';
is_deeply [ sort keys %{ { map { $_->{headers}{'paypal-request-id'} => 1 }
                           grep { ($_->{json}{purchase_units}[0]{custom_id} // '') eq $o5 } got() } } ],
    [ "scp-order-$o5-attempt-1" ], 'every create with the one request id';
# a confirm and a cancel at once: one wins, the other 409, and they agree
my $P5 = $res[0]{id};
@res = parallel(2, sub {
    my $x = $_[0] ? call($owner, 'POST', "/api/payments/$P5/cancel")
                  : call($owner, 'POST', $CF, { paymentIntentId => $P5, provider => 'paypal' });
    { status => $x->{status}, st => $x->{json}{paymentIntent}{status} } });
my @won = grep { $_->{status} == 200 } @res;
ok scalar(@won) >= 1, 'confirm and cancel at once: one wins' or diag explain \@res;
my $final = call($owner, 'GET', "/api/payments/$P5")->{json}{paymentIntent}{status};
my $captured = $s->sql("SELECT count(*) FROM payments WHERE paypal_order_id = :'p1'"
                       . " AND paypal_capture_id IS NOT NULL", $P5);
is $final, $captured ? 'succeeded' : 'canceled',
    "a capture PayPal made is never lost ($final)";
is pstatus($s, $o5), $final eq 'succeeded' ? 'paid' : 'failed', 'the order agrees';

done_testing;
