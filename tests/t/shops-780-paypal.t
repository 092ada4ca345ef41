# PayPal payments of a shop's orders (cgi-bin/shops/payments_paypal.c, lib/scp_paypal.c,
# sql/functions/98_paypal.sql on the payments core), against tests/fakes/paypal.pl:
# POST /api/shops/:shopId/payments/paypal/orders {orderId} creates an Orders v2 order
# (OAuth client credentials, PayPal-Request-Id per order and attempt) and answers its id
# and approve link; POST .../paypal/orders/:paypalOrderId/capture captures it; POST
# .../paypal/:paymentId/refund refunds the capture, never more than captured.  Rights
# as the Stripe paths: owner, admin, order_manager pay; owner, admin refund; a support
# agent 403; a stranger and another shop's ids 404.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPShops;

our $s = SCPTest->start(fakes => ['paypal']);

my $w = shop_staff($s, 'pp');
my ($owner, $stranger, $agent, $manager, $admin, $shop, $other) =
    @$w{qw(owner stranger agent manager admin shop other)};
my $T = $owner->{token};

sub got { grep { $_->{path} ne '/v1/oauth2/token' } $s->fake_requests('paypal') }
sub npay { $s->sql("SELECT count(*) FROM payments WHERE order_id = :'p1'", $_[0]) }

my $B = "/api/shops/$shop->{id}/payments/paypal";
my $O = "$B/orders";

# --- create the PayPal order ----------------------------------------------------------------
my $oid = shop_order($s, $shop, $T, 3);
my $r = $s->post($O, { orderId => $oid }, token => $T);
is $r->{status}, 201, 'create: 201';
my $p = $r->{json}{data};
like $p->{paypalOrderId}, qr/^[A-Z0-9]{17}$/, 'paypalOrderId';
is $p->{approveUrl}, "https://www.sandbox.paypal.com/checkoutnow?token=$p->{paypalOrderId}",
    'the approve link of that order';
is $p->{provider}, 'paypal', 'provider paypal';
is $p->{status}, 'requires_payment', 'status requires_payment';
is $p->{currency}, 'USD', 'currency';
like $r->{content}, qr/"amount":59\.97[,}]/, 'amount 3 x 19.99';
is pstatus($s, $oid), 'processing', 'the order: processing';
my @tok = grep { $_->{path} eq '/v1/oauth2/token' } $s->fake_requests('paypal');
is scalar @tok, 1, 'one token request';
like $tok[0]{headers}{authorization}, qr/^Basic /, 'the token by basic auth';
is $tok[0]{body}, 'grant_type=client_credentials', 'grant_type=client_credentials';
my $q = (got())[-1];
is $q->{path}, '/v2/checkout/orders', 'POST /v2/checkout/orders';
like $q->{headers}{authorization}, qr/^Bearer A21AA\w+$/, 'with the bearer token';
is $q->{headers}{'paypal-request-id'}, "scp-order-$oid-attempt-1", 'PayPal-Request-Id per order and attempt';
is $q->{json}{intent}, 'CAPTURE', 'intent CAPTURE';
is_deeply $q->{json}{purchase_units}[0]{amount}, { currency_code => 'USD', value => '59.97' },
    'amount in major units, exact';
is $q->{json}{purchase_units}[0]{custom_id}, $oid, 'custom_id: the order';
is $q->{json}{purchase_units}[0]{reference_id}, $p->{id}, 'reference_id: the payment';

$r = $s->post($O, { orderId => $oid }, token => $manager->{token});
is $r->{status}, 201, 'an order_manager: 201, resumed';
is $r->{json}{data}{paypalOrderId}, $p->{paypalOrderId}, 'the same PayPal order (same request id)';
is npay($oid), 1, 'one payment row';
is scalar(grep { $_->{path} eq '/v1/oauth2/token' } $s->fake_requests('paypal')) <= 3, 1,
    'the token is cached (at most one per worker)';

# --- validation, auth, roles, other shops -----------------------------------------------------
my $before = scalar got();
is err($s->post($O, {}, token => $T)), '422 VALIDATION_ERROR', 'no orderId: 422';
ok fields_of($s->post($O, {}, token => $T))->{order_id}, 'the field named';
is err($s->post($O, { orderId => 'x' x 36 }, token => $T)), '422 VALIDATION_ERROR', 'not a uuid: 422';
is err($s->post($O, { orderId => 5 }, token => $T)), '422 VALIDATION_ERROR', 'a number: 422';
is err($s->req('POST', $O, '{"orderId":', token => $T)), '400 BAD_REQUEST', 'malformed JSON: 400';
is err($s->req('POST', $O, '[1]', token => $T)), '400 BAD_REQUEST', 'an array body: 400';
is $s->req('POST', $O, '{"orderId":"' . ('a' x 2_000_000) . '"}', token => $T)->{status}, 413,
    'an oversized body: 413';
is err($s->post($O, { orderId => $oid })), '401 UNAUTHORIZED', 'no token: 401';
is err($s->post($O, { orderId => $oid }, token => 'bogus')), '401 UNAUTHORIZED', 'a bad token: 401';
is err($s->post($O, { orderId => $oid }, token => $agent->{token})), '403 FORBIDDEN', 'a support agent: 403';
is err($s->post($O, { orderId => $oid }, token => $stranger->{token})), '404 NOT_FOUND', 'a stranger: 404';
my $ooid = shop_order($s, $other, $stranger->{token}, 1);
is err($s->post($O, { orderId => $ooid }, token => $T)), '404 NOT_FOUND', "another shop's order: 404";
is err($s->post("/api/shops/$other->{id}/payments/paypal/orders", { orderId => $oid }, token => $T)),
    '404 NOT_FOUND', "another shop's path: 404";
is err($s->post("/api/shops/nope/payments/paypal/orders", { orderId => $oid }, token => $T)),
    '404 NOT_FOUND', 'a shop id that is no uuid: 404';
is scalar got(), $before, 'no refused request reached PayPal';
is npay($ooid), 0, "nothing written for another shop's order";

# --- capture ----------------------------------------------------------------------------------
my $C = "$O/$p->{paypalOrderId}/capture";
is err($s->post($C, {}, token => $agent->{token})), '403 FORBIDDEN', 'capture by a support agent: 403';
is err($s->post($C, {}, token => $stranger->{token})), '404 NOT_FOUND', 'capture by a stranger: 404';
is err($s->post("/api/shops/$other->{id}/payments/paypal/orders/$p->{paypalOrderId}/capture", {},
                token => $stranger->{token})), '404 NOT_FOUND', "capture under another shop: 404";
is err($s->post("$O/NOPE0000000000000/capture", {}, token => $T)), '404 NOT_FOUND', 'an unknown PayPal order: 404';
is err($s->post("$O/bad%2Fid/capture", {}, token => $T)), '404 NOT_FOUND', 'an id that is no PayPal id: 404';
is err($s->post("$O/" . ('A' x 65) . "/capture", {}, token => $T)), '404 NOT_FOUND', 'an overlong id: 404';
is pstatus($s, $oid), 'processing', 'still processing';
$r = $s->post($C, {}, token => $T);
is $r->{status}, 200, 'capture: 200';
is $r->{json}{data}{status}, 'succeeded', 'the payment succeeded';
like $r->{json}{data}{paypalCaptureId}, qr/^[A-Z0-9]{17}$/, 'paypalCaptureId';
like $r->{content}, qr/"amountReceived":59\.97[,}]/, 'amountReceived 59.97';
is $r->{json}{data}{orderPaymentStatus}, 'paid', 'orderPaymentStatus paid';
is pstatus($s, $oid), 'paid', 'the order: paid';
$q = (got())[-1];
is $q->{path}, "/v2/checkout/orders/$p->{paypalOrderId}/capture", 'POST .../capture';
is $q->{headers}{'paypal-request-id'}, "scp-capture-$p->{paypalOrderId}", 'the capture request id';
my $cap = $r->{json}{data}{paypalCaptureId};
is err($s->post($C, {}, token => $T)), '409 INVALID_STATE', 'a second capture: 409';
is err($s->post($O, { orderId => $oid }, token => $T)), '409 CONFLICT', 'paying a paid order: 409';

# --- refund -----------------------------------------------------------------------------------
my $R = "$B/$p->{id}/refund";
is err($s->post($R, { reason => 'x' }, token => $manager->{token})), '403 FORBIDDEN', 'an order_manager refunds: 403';
is err($s->post($R, { reason => 'x' }, token => $agent->{token})), '403 FORBIDDEN', 'a support agent: 403';
is err($s->post($R, { reason => 'x' }, token => $stranger->{token})), '404 NOT_FOUND', 'a stranger: 404';
is err($s->post($R, { reason => 'x' })), '401 UNAUTHORIZED', 'no token: 401';
is err($s->post("$B/" . 'f' x 8 . '-ffff-4fff-8fff-' . 'f' x 12 . '/refund', { reason => 'x' }, token => $T)),
    '404 NOT_FOUND', 'an unknown payment: 404';
is err($s->post("$B/nope/refund", { reason => 'x' }, token => $T)), '404 NOT_FOUND', 'no uuid: 404';
is err($s->post($R, {}, token => $T)), '422 VALIDATION_ERROR', 'no reason: 422';
is err($s->post($R, { reason => 'x', amount => 0 }, token => $T)), '422 VALIDATION_ERROR', 'amount 0: 422';
is err($s->post($R, { reason => 'x', amount => -5 }, token => $T)), '422 VALIDATION_ERROR', 'amount < 0: 422';
is err($s->post($R, { reason => 'x', amount => '10' }, token => $T)), '422 VALIDATION_ERROR', 'amount a string: 422';
is err($s->post($R, { reason => 'x' x 501 }, token => $T)), '422 VALIDATION_ERROR', 'reason too long: 422';
$r = $s->post($R, { reason => 'x', amount => 5998 }, token => $T);
is err($r), '422 VALIDATION_ERROR', 'more than captured: 422';
ok fields_of($r)->{amount}, 'the amount named';
like err($s->post("/api/shops/$shop->{id}/payments/$p->{id}/refund", { reason => 'x' }, token => $T)),
     qr/^409 /, 'the Stripe refund path refuses a PayPal payment: 409';
is scalar(grep { $_->{path} =~ /refund/ } got()), 0, 'no refused refund reached PayPal';
$r = $s->post($R, { reason => 'damaged', amount => 1000 }, token => $admin->{token});
is $r->{status}, 201, 'an admin refunds 10.00: 201';
is $r->{json}{data}{status}, 'succeeded', 'refund succeeded';
like $r->{json}{data}{paypalRefundId}, qr/^[A-Z0-9]{17}$/, 'paypalRefundId';
is $r->{json}{data}{orderPaymentStatus}, 'partially_refunded', 'the order partially refunded';
$q = (got())[-1];
is $q->{path}, "/v2/payments/captures/$cap/refund", 'POST /v2/payments/captures/:id/refund';
is_deeply $q->{json}{amount}, { value => '10.00', currency_code => 'USD' }, 'the amount as PayPal value';
ok $q->{headers}{'paypal-request-id'}, 'with a request id';
$r = $s->post($R, { reason => 'x', amount => 4998 }, token => $T);
is err($r), '422 VALIDATION_ERROR', 'more than what is left: 422';
$r = $s->post($R, { reason => 'the rest' }, token => $T);
is $r->{status}, 201, 'the rest: 201';
like $r->{content}, qr/"amount":49\.97[,}]/, 'the rest is 49.97';
is pstatus($s, $oid), 'refunded', 'the order: refunded';
is err($s->post($R, { reason => 'x' }, token => $T)), '409 INVALID_STATE', 'nothing left: 409';

# --- another shop's payment and capture -------------------------------------------------------
my $OB = "/api/shops/$other->{id}/payments/paypal";
my $op = $s->post("$OB/orders", { orderId => $ooid }, token => $stranger->{token})->{json}{data};
is err($s->post("$O/$op->{paypalOrderId}/capture", {}, token => $T)), '404 NOT_FOUND',
    "capturing another shop's PayPal order under ours: 404";
is $s->post("$OB/orders/$op->{paypalOrderId}/capture", {}, token => $stranger->{token})->{status}, 200,
    'its own shop captures it';
is err($s->post("$B/$op->{id}/refund", { reason => 'x' }, token => $T)), '404 NOT_FOUND',
    "refunding another shop's payment under ours: 404";
is err($s->post("$OB/$p->{id}/refund", { reason => 'x' }, token => $stranger->{token})), '404 NOT_FOUND',
    "refunding our payment under another shop: 404";
is $s->sql("SELECT count(*) FROM refunds WHERE order_id = :'p1'", $ooid), 0, 'no refund written';

# --- PayPal down, then a refusal ----------------------------------------------------------------
my $od = shop_order($s, $shop, $T, 1);
$s->fake_control('paypal', '500 1');
is err($s->post($O, { orderId => $od }, token => $T)), '503 UNAVAILABLE', 'PayPal answers 500: 503';
is $s->sql("SELECT status FROM payments WHERE order_id = :'p1'", $od), 'pending', 'the attempt stays pending';
$r = $s->post($O, { orderId => $od }, token => $T);
is $r->{status}, 201, 'the retry: 201';
is_deeply [ map { $_->{headers}{'paypal-request-id'} }
            grep { ($_->{json}{purchase_units}[0]{custom_id} // '') eq $od } got() ],
    [ ("scp-order-$od-attempt-1") x 2 ], 'sent twice with the same request id';
my $oe = shop_order($s, $shop, $T, 1);
$s->fake_control('paypal', '422 1');
$r = $s->post($O, { orderId => $oe }, token => $T);
is err($r), '402 PAYMENT_FAILED', 'PayPal refuses (422): 402';
is $r->{json}{error}{details}{provider}, 'paypal', 'details name the provider';
is pstatus($s, $oe), 'failed', 'the order: failed';
$r = $s->post($O, { orderId => $oe }, token => $T);
is $r->{status}, 201, 'a new attempt: 201';
is $s->sql("SELECT max(attempt) FROM payments WHERE order_id = :'p1'", $oe), 2, 'attempt 2';

# --- concurrency: five creates at once, one attempt; five captures, one capture -----------------
my $o5 = shop_order($s, $shop, $T, 2);
my @res = parallel(5, sub { my $x = $s->post($O, { orderId => $o5 }, token => $T);
                            { status => $x->{status}, id => $x->{json}{data}{paypalOrderId} } });
is_deeply [ map { $_->{status} } @res ], [ (201) x 5 ], 'five concurrent creates: 201 each';
is scalar(keys %{ { map { ($_->{id} // '') => 1 } @res } }), 1, 'all with one PayPal order';
is npay($o5), 1, 'one payment row';
my $pp5 = $res[0]{id};
my $C5 = "$O/$pp5/capture";
@res = parallel(5, sub { my $x = $s->post($C5, {}, token => $T); { status => $x->{status} } });
is scalar(grep { $_->{status} == 200 } @res), scalar(@res) - scalar(grep { $_->{status} == 409 } @res),
    'each capture 200 or 409';
ok scalar(grep { $_->{status} == 200 } @res) >= 1, 'at least one capture answered 200';
is scalar(grep { $_->{path} eq "/v2/checkout/orders/$pp5/capture" } got()) >= 1, 1, 'captured at PayPal';
is $s->sql("SELECT count(DISTINCT paypal_capture_id) FROM payments WHERE order_id = :'p1'", $o5), 1,
    'one capture recorded';
is pstatus($s, $o5), 'paid', 'paid once';

# --- secrets stay out ---------------------------------------------------------------------------
unlike $s->sql("SELECT string_agg(row_to_json(p)::text, '') FROM payments p"), qr/EfakeClientSecret|A21AA/,
    'neither the secret nor a token is stored';

done_testing;
