# Payments of a shop's orders through Stripe (cgi-bin/shops/payments.c,
# sql/functions/96_shop_payments.sql on the core of 90_payments.sql):
# POST /api/shops/:shopId/payments/intent {orderId, amount?} creates a PaymentIntent for
# the order's total with the attempt's Idempotency-Key and answers its clientSecret;
# GET /api/shops/:shopId/payments/:id; POST .../payments/:id/refund, never more than
# captured.  Rights: owner, admin, order_manager pay and read, owner and admin refund,
# a support agent 403, a stranger and another shop's ids 404.  The shop order's payment
# status follows signed Stripe webhooks and never moves backwards.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_hex);
use SCPTest qw(parallel);
use SCPShops;

our $s = SCPTest->start(fakes => ['stripe']);
my $J = SCPTest::json;
my $secret = 'whsec_test_fakeSigningSecret';

my $w = shop_staff($s, 'pay');
my ($owner, $stranger, $agent, $manager, $admin, $shop, $other) =
    @$w{qw(owner stranger agent manager admin shop other)};
my $T = $owner->{token};

sub stripe_got {
    my @r = $s->fake_requests('stripe');
    $_->{form} = stripe_form($_) for @r;
    return @r;
}
my $evseq = 0;
sub event {
    my ($type, $object) = @_;
    my $raw = $J->encode({ id => 'evt_' . $$ . '_' . ++$evseq, object => 'event',
                           api_version => '2023-10-16', created => time, livemode => JSON::PP::false,
                           type => $type, data => { object => $object } });
    my $t = time;
    return ($s->req('POST', '/webhooks/stripe', $raw, headers => {
        'Stripe-Signature' => "t=$t,v1=" . hmac_sha256_hex("$t.$raw", $secret) }), $raw, $t);
}
sub succeeded {
    my ($pi, $amount) = @_;
    (event('payment_intent.succeeded', { id => $pi, object => 'payment_intent', amount => $amount,
        amount_received => $amount, currency => 'usd', status => 'succeeded',
        latest_charge => "ch_$pi", metadata => {} }))[0];
}

my $I = "/api/shops/$shop->{id}/payments/intent";
my $PAY = sub { "/api/shops/$shop->{id}/payments/$_[0]" };

# --- intent --------------------------------------------------------------------------------
my $oid = shop_order($s, $shop, $T, 3);
is pstatus($s, $oid), 'unpaid', 'a new shop order is unpaid';
my $r = $s->post($I, { orderId => $oid, amount => 5997 }, token => $T);
is $r->{status}, 201, 'intent with the exact amount: 201';
my $p = $r->{json}{data};
like $p->{clientSecret}, qr/^pi_\w+_secret_\w+$/, 'clientSecret answered';
like $p->{paymentIntentId}, qr/^pi_\w+$/, 'paymentIntentId';
ok index($p->{clientSecret}, $p->{paymentIntentId}) == 0, 'the secret of that intent';
like $r->{content}, qr/"amount":59\.97[,}]/, 'amount 3 x 19.99';
is $p->{currency}, 'USD', 'the shop currency';
is $p->{orderKind}, 'shop', 'kind shop';
is $p->{status}, 'requires_payment', 'status requires_payment';
my $q = (stripe_got())[-1];
is $q->{path}, '/v1/payment_intents', 'POST /v1/payment_intents';
is $q->{form}{amount}, '5997', 'amount in minor units';
is $q->{form}{currency}, 'usd', 'currency lower-case';
is $q->{form}{'metadata[order_kind]'}, 'shop', 'metadata order_kind';
is $q->{form}{'metadata[shop_id]'}, $shop->{id}, 'metadata shop_id';
is $q->{headers}{'idempotency-key'}, "scp-order-$oid-attempt-1", 'Idempotency-Key per order and attempt';
is pstatus($s, $oid), 'processing', 'the order: processing';
unlike $s->sql("SELECT row_to_json(p)::text FROM payments p WHERE order_id = :'p1'", $oid),
    qr/_secret_/, 'the client secret is not stored';

$r = $s->post($I, { orderId => $oid }, token => $manager->{token});
is $r->{status}, 201, 'an order_manager, amount omitted: 201';
is $r->{json}{data}{paymentIntentId}, $p->{paymentIntentId}, 'the open attempt: the same intent';
is $r->{json}{data}{clientSecret}, $p->{clientSecret}, 'and the same secret';
is $s->sql("SELECT count(*) FROM payments WHERE order_id = :'p1'", $oid), 1, 'one attempt';
is $s->post($I, { orderId => $oid }, token => $admin->{token})->{status}, 201, 'an admin: 201';

# Idempotency-Key on our side: the same answer, no second call.
my $calls = scalar stripe_got();
my $k = "shop-pay-$$";
my $a1 = $s->post($I, { orderId => $oid }, token => $T, headers => { 'Idempotency-Key' => $k });
my $a2 = $s->post($I, { orderId => $oid }, token => $T, headers => { 'Idempotency-Key' => $k });
is $a1->{status}, 201, 'with an Idempotency-Key: 201';
is $a2->{content}, $a1->{content}, 'replayed: the same answer';
is scalar(stripe_got()), $calls + 1, 'Stripe called once for the two';

# --- hostile input: 422, 401, 403, 404, 409, 400; nothing changes ---------------------------
my $before = $s->sql("SELECT count(*) FROM payments");
my @bad = (
    [ { orderId => $oid, amount => 5996 }, 'amount', 'an amount other than the total' ],
    [ { orderId => $oid, amount => 59.97 }, 'amount', 'an amount in major units' ],
    [ { orderId => $oid, amount => 0 }, 'amount', 'amount 0' ],
    [ { orderId => $oid, amount => -5997 }, 'amount', 'a negative amount' ],
    [ { orderId => $oid, amount => '5997' }, 'amount', 'an amount as a string' ],
    [ {}, 'order_id', 'no orderId' ],
    [ { orderId => 'x' }, 'order_id', 'orderId not a uuid' ],
    [ { orderId => 'z' x 36 }, 'order_id', 'orderId of 36 non-hex' ],
    [ { orderId => 5 }, 'order_id', 'orderId a number' ],
);
for my $b (@bad) {
    $r = $s->post($I, $b->[0], token => $T);
    is $r->{status}, 422, "$b->[2]: 422";
    ok exists fields_of($r)->{$b->[1]}, "$b->[2]: names $b->[1]";
}
is err($s->post($I, { orderId => $oid })), '401 UNAUTHORIZED', 'no token: 401';
is $s->post($I, { orderId => $oid }, token => 'garbage')->{status}, 401, 'a bad token: 401';
is err($s->post($I, { orderId => $oid }, token => $agent->{token})), '403 FORBIDDEN', 'a support agent: 403';
is err($s->post($I, { orderId => $oid }, token => $stranger->{token})), '404 NOT_FOUND', 'a stranger: 404';
my $theirs = shop_order($s, $other, $stranger->{token}, 1);
is err($s->post($I, { orderId => $theirs }, token => $T)), '404 NOT_FOUND', "another shop's order: 404";
is err($s->post($I, { orderId => '00000000-0000-4000-8000-000000000000' }, token => $T)), '404 NOT_FOUND',
    'no such order: 404';
is err($s->post("/api/shops/$other->{id}/payments/intent", { orderId => $theirs }, token => $T)),
    '404 NOT_FOUND', "another shop's path: 404";
is $s->post("/api/shops/nope/payments/intent", { orderId => $oid }, token => $T)->{status}, 404,
    'a shop id not a uuid: 404';
is $s->req('POST', $I, '{"orderId":', token => $T)->{status}, 400, 'malformed JSON: 400';
is $s->req('POST', $I, '[1]', token => $T)->{status}, 400, 'not an object: 400';
is $s->req('POST', $I, '{"orderId":"' . ('a' x 2_000_000) . '"}', token => $T)->{status}, 413,
    'an oversized body: 413';
my $oc = shop_order($s, $shop, $T, 1);
is $s->req('PUT', "/api/shops/$shop->{id}/orders/$oc/status", { status => 'Cancelled' }, token => $T)->{status},
    200, 'an order cancelled';
is err($s->post($I, { orderId => $oc }, token => $T)), '409 INVALID_STATE', 'a cancelled order: 409';
is $s->sql("SELECT count(*) FROM payments"), $before, 'no bad request wrote a payment';

# --- GET -----------------------------------------------------------------------------------
$r = $s->get($PAY->($p->{id}), token => $manager->{token});
is $r->{status}, 200, 'GET a payment: 200';
is $r->{json}{data}{id}, $p->{id}, 'that payment';
is $r->{json}{data}{orderPaymentStatus}, 'processing', 'with the order payment status';
is_deeply $r->{json}{data}{refunds}, [], 'no refunds';
ok !exists $r->{json}{data}{clientSecret}, 'no client secret when read';
is err($s->get($PAY->($p->{id}), token => $agent->{token})), '403 FORBIDDEN', 'GET by a support agent: 403';
is err($s->get($PAY->($p->{id}), token => $stranger->{token})), '404 NOT_FOUND', 'GET by a stranger: 404';
is err($s->get("/api/shops/$other->{id}/payments/$p->{id}", token => $stranger->{token})), '404 NOT_FOUND',
    "this payment under another shop: 404";
is $s->get($PAY->('nope'), token => $T)->{status}, 404, 'a payment id not a uuid: 404';
is $s->get($PAY->($p->{id}))->{status}, 401, 'GET without a token: 401';

# --- refunds before capture: 409 -----------------------------------------------------------
my $F = sub { $PAY->($_[0]) . '/refund' };
is err($s->post($F->($p->{id}), { reason => 'x' }, token => $T)), '409 INVALID_STATE',
    'a refund of an unpaid payment: 409';

# --- the webhook makes it paid; never backwards ---------------------------------------------
my $ev = sub { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'"
                       . " AND payload->'order'->>'id' = :'p1'", $oid) };
my $ev0 = $ev->();
is succeeded($p->{paymentIntentId}, 5997)->{status}, 200, 'payment_intent.succeeded: 200';
is pstatus($s, $oid), 'paid', 'the shop order: paid';
is $ev->(), $ev0 + 1, 'one shop_order_updated event for the change';
is $s->sql("SELECT payload->>'topic' FROM jobs WHERE kind = 'shop_order_updated'"
           . " ORDER BY created_at DESC, id DESC LIMIT 1"), "/ws/shops/$shop->{id}", "on the shop's topic";
my ($late) = event('payment_intent.payment_failed', { id => $p->{paymentIntentId}, object => 'payment_intent',
    status => 'requires_payment_method', last_payment_error => { type => 'card_error', message => 'late' } });
is $late->{status}, 200, 'a late payment_failed: 200';
is pstatus($s, $oid), 'paid', 'the order stays paid';
is $ev->(), $ev0 + 1, 'no event when nothing changed';
is $s->sql("SELECT status FROM payments WHERE id = :'p1'", $p->{id}), 'succeeded', 'the payment stays succeeded';
is err($s->post($I, { orderId => $oid }, token => $T)), '409 CONFLICT', 'a paid order: 409';

# --- refunds -------------------------------------------------------------------------------
$before = $s->sql("SELECT count(*) FROM refunds");
is err($s->post($F->($p->{id}), { reason => 'x' }, token => $manager->{token})), '403 FORBIDDEN',
    'a refund by an order_manager: 403';
is err($s->post($F->($p->{id}), { reason => 'x' }, token => $agent->{token})), '403 FORBIDDEN',
    'by a support agent: 403';
is err($s->post($F->($p->{id}), { reason => 'x' }, token => $stranger->{token})), '404 NOT_FOUND',
    'by a stranger: 404';
is err($s->post("/api/shops/$other->{id}/payments/$p->{id}/refund", { reason => 'x' },
                token => $stranger->{token})), '404 NOT_FOUND', 'under another shop: 404';
is $s->post($F->($p->{id}), { reason => 'x' })->{status}, 401, 'without a token: 401';
$r = $s->post($F->($p->{id}), { amount => 5998, reason => 'x' }, token => $T);
is $r->{status}, 422, 'more than captured: 422';
ok exists fields_of($r)->{amount}, 'names amount';
$r = $s->post($F->($p->{id}), { amount => 100 }, token => $T);
ok $r->{status} == 422 && exists fields_of($r)->{reason}, 'no reason: 422 reason';
$r = $s->post($F->($p->{id}), { amount => 100, reason => 'x' x 501 }, token => $T);
ok $r->{status} == 422 && exists fields_of($r)->{reason}, 'a reason of 501: 422';
$r = $s->post($F->($p->{id}), { amount => 1.5, reason => 'x' }, token => $T);
ok $r->{status} == 422 && exists fields_of($r)->{amount}, 'a fractional amount: 422';
is $s->sql("SELECT count(*) FROM refunds"), $before, 'no bad refund wrote a row';

$r = $s->post($F->($p->{id}), { amount => 1000, reason => 'one chair scratched' }, token => $admin->{token});
is $r->{status}, 201, 'a partial refund by an admin: 201';
is $r->{json}{data}{status}, 'succeeded', 'succeeded';
like $r->{content}, qr/"amount":10(\.0+)?[,}]/, 'of 10.00';
is $r->{json}{data}{orderPaymentStatus}, 'partially_refunded', 'the order: partially_refunded';
$q = (stripe_got())[-1];
is $q->{path}, '/v1/refunds', 'POST /v1/refunds';
is $q->{form}{payment_intent}, $p->{paymentIntentId}, 'of the intent';
is $q->{form}{amount}, '1000', 'amount in minor units';
like $q->{headers}{'idempotency-key'}, qr/^scp-refund-/, 'with its own Idempotency-Key';
$r = $s->post($F->($p->{id}), { amount => 4998, reason => 'x' }, token => $T);
is $r->{status}, 422, 'more than is left (4997): 422';
$r = $s->post($F->($p->{id}), { reason => 'the rest' }, token => $T);
is $r->{status}, 201, 'the rest: 201';
like $r->{content}, qr/"amount":49\.97[,}]/, 'what was left, 49.97';
is pstatus($s, $oid), 'refunded', 'the order: refunded';
is err($s->post($F->($p->{id}), { reason => 'again' }, token => $T)), '409 INVALID_STATE',
    'nothing left: 409';
$r = $s->get($PAY->($p->{id}), token => $T);
is scalar @{ $r->{json}{data}{refunds} }, 2, 'GET shows the two refunds';
like $r->{content}, qr/"amountRefunded":59\.97[,}]/, 'amountRefunded 59.97';

# --- concurrency: five intents at once, one attempt -------------------------------------------
my $o5 = shop_order($s, $shop, $T, 2);
my @res = parallel(5, sub { my $x = $s->post($I, { orderId => $o5 }, token => $T);
                            { status => $x->{status}, pi => $x->{json}{data}{paymentIntentId} } });
is_deeply [ map { $_->{status} } @res ], [ (201) x 5 ], 'five concurrent intents: 201 each';
is scalar(keys %{ { map { ($_->{pi} // '') => 1 } @res } }), 1, 'all with one intent';
is $s->sql("SELECT count(*) FROM payments WHERE order_id = :'p1'", $o5), 1, 'one payment row';

# --- Stripe down, then a card error ------------------------------------------------------------
my $od = shop_order($s, $shop, $T, 1);
$s->fake_control('stripe', '500 1');
$r = $s->post($I, { orderId => $od }, token => $T);
is err($r), '503 UNAVAILABLE', 'Stripe answers 500: 503';
is $s->sql("SELECT status FROM payments WHERE order_id = :'p1'", $od), 'pending', 'the attempt stays pending';
is $s->post($I, { orderId => $od }, token => $T)->{status}, 201, 'the retry: 201';
is_deeply [ map { $_->{headers}{'idempotency-key'} }
            grep { ($_->{form}{'metadata[order_id]'} // '') eq $od } stripe_got() ],
    [ ("scp-order-$od-attempt-1") x 2 ], 'sent twice with the same key';
my $oe = shop_order($s, $shop, $T, 1);
$s->fake_control('stripe', '402 1');
$r = $s->post($I, { orderId => $oe }, token => $T);
is err($r), '402 PAYMENT_FAILED', 'a declined card: 402';
is pstatus($s, $oe), 'failed', 'the order: failed';
$r = $s->post($I, { orderId => $oe }, token => $T);
is $r->{status}, 201, 'the next intent: 201';
is $r->{json}{data}{attempt}, 2, 'a new attempt';

# --- confirm: the intent is read back from Stripe --------------------------------------------
use HTTP::Tiny;
# What Stripe.js's confirmPayment does, sent to the fake Stripe itself.
sub stripe_js_confirm {
    my ($pi, $pm) = @_;
    HTTP::Tiny->new->post("http://127.0.0.1:$s->{fakes}{stripe}{port}/v1/payment_intents/$pi/confirm",
        { headers => { Authorization => 'Bearer sk_test_client',
                       'Content-Type' => 'application/x-www-form-urlencoded' },
          content => "payment_method=$pm" })->{status};
}
my $C = "/api/shops/$shop->{id}/payments/confirm";
my $ok = shop_order($s, $shop, $T, 2);
my $cp = $s->post($I, { orderId => $ok }, token => $T)->{json}{data};
$r = $s->post($C, { paymentIntentId => $cp->{paymentIntentId} }, token => $T);
is $r->{status}, 200, 'confirm before the customer paid: 200';
is $r->{json}{data}{status}, 'requires_payment', 'still requires_payment';
is pstatus($s, $ok), 'processing', 'the order still processing';
is $s->fake_requests('stripe') ? (stripe_got())[-1]{method} : '', 'GET', 'the intent was read with GET';
is((stripe_got())[-1]{path}, "/v1/payment_intents/$cp->{paymentIntentId}", 'of that intent');
is stripe_js_confirm($cp->{paymentIntentId}, 'pm_card_visa'), 200, 'the customer pays with Stripe.js';
$r = $s->post($C, { paymentIntentId => $cp->{paymentIntentId} }, token => $manager->{token});
is $r->{status}, 200, 'confirm by an order_manager: 200';
is $r->{json}{data}{status}, 'succeeded', 'the payment: succeeded';
like $r->{content}, qr/"amountReceived":39\.98[,}]/, 'amountReceived 39.98';
is $r->{json}{data}{orderPaymentStatus}, 'paid', 'the order: paid';
is $s->post($C, { paymentIntentId => $cp->{paymentIntentId} }, token => $T)->{status}, 200,
    'confirming again: 200, nothing moves';
is $s->sql("SELECT count(*) FROM payments WHERE order_id = :'p1' AND status = 'succeeded'", $ok), 1,
    'one succeeded payment';
my $dc = shop_order($s, $shop, $T, 1);
my $dp = $s->post($I, { orderId => $dc }, token => $T)->{json}{data};
stripe_js_confirm($dp->{paymentIntentId}, 'pm_card_chargeDeclined');
$r = $s->post($C, { paymentIntentId => $dp->{paymentIntentId} }, token => $T);
is $r->{json}{data}{status}, 'failed', 'a declined card read back: failed';
is $r->{json}{data}{lastError}{code}, 'card_declined', "with Stripe's error";
is pstatus($s, $dc), 'failed', 'the order: failed';
# hostile
for my $b ([ {}, 'no paymentIntentId' ], [ { paymentIntentId => '' }, 'empty' ],
           [ { paymentIntentId => 'pi_ x' }, 'with a space' ], [ { paymentIntentId => 're_abc' }, 'not a pi_' ],
           [ { paymentIntentId => 'pi_' . 'a' x 300 }, 'too long' ], [ { paymentIntentId => 5 }, 'a number' ]) {
    $r = $s->post($C, $b->[0], token => $T);
    ok $r->{status} == 422 && exists fields_of($r)->{payment_intent_id}, "confirm, $b->[1]: 422";
}
is err($s->post($C, { paymentIntentId => 'pi_unknown' }, token => $T)), '404 NOT_FOUND', 'an unknown intent: 404';
my $tp = $s->post("/api/shops/$other->{id}/payments/intent", { orderId => $theirs },
                  token => $stranger->{token})->{json}{data};
is err($s->post($C, { paymentIntentId => $tp->{paymentIntentId} }, token => $T)), '404 NOT_FOUND',
    "another shop's intent: 404";
is err($s->post($C, { paymentIntentId => $cp->{paymentIntentId} }, token => $agent->{token})),
    '403 FORBIDDEN', 'confirm by a support agent: 403';
is $s->post($C, { paymentIntentId => $cp->{paymentIntentId} })->{status}, 401, 'confirm without a token: 401';

# --- the log transport (development): a development intent, nothing leaves ------------------
my $dev = SCPTest->start;
my $du = $dev->post('/api/auth/register', { email => "devpay.$$\@example.com", password => 'password123',
                                            username => 'devpay' })->{json}{data};
my $dshop = $dev->post('/api/shops', { name => 'Dev' }, token => $du->{token})->{json}{data};
{
    my $doid = shop_order($dev, $dshop, $du->{token}, 1);
    my $DI = "/api/shops/$dshop->{id}/payments/intent";
    $r = $dev->post($DI, { orderId => $doid }, token => $du->{token});
    is $r->{status}, 201, 'log transport: 201';
    like $r->{json}{data}{paymentIntentId}, qr/^pi_dev_[0-9a-f]{24}$/, 'a pi_dev_ intent';
    like $r->{json}{data}{clientSecret}, qr/^\Q$r->{json}{data}{paymentIntentId}\E_secret_[0-9a-f]+$/,
        'its client secret';
    is $dev->post($DI, { orderId => $doid }, token => $du->{token})->{json}{data}{clientSecret},
        $r->{json}{data}{clientSecret}, 'the retry gets the same one';
    my @lines = do { open my $fh, '<', $dev->dir . '/log/outbox.log' or die $!;
                     grep { /"channel":"stripe"/ } <$fh> };
    is scalar @lines, 2, 'each request in the outbox log';
    my $line = $J->decode($lines[0]);
    is $line->{request}{idempotency_key}, "scp-order-$doid-attempt-1", 'with the key';
    like $line->{request}{form}, qr/(^|&)metadata%5Border_kind%5D=shop(&|$)/, 'and the shop kind';
    my $c = $dev->post("/api/shops/$dshop->{id}/payments/confirm",
                       { paymentIntentId => $r->{json}{data}{paymentIntentId} }, token => $du->{token});
    is $c->{status}, 200, 'confirm with the log transport: 200';
    is $c->{json}{data}{status}, 'requires_payment', 'nothing was paid';
}

done_testing;
