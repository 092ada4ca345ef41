# Payments of orders through Stripe (cgi-bin/orders/payments.c,
# sql/functions/90_payments.sql): POST /orders/:id/payments creates a PaymentIntent
# (form-encoded, with the attempt's Idempotency-Key) and answers its client_secret;
# GET /orders/:id/payments; POST /orders/:id/refunds.  Catalog orders are paid by their
# consumer and refunded by their supplier's owner or manager; auction orders are paid by
# their buyer (the vendor) and refunded by an admin.  Stripe is the fake in
# tests/fakes/stripe.pl; payments become paid through signed webhooks.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_hex);
use SCPTest qw(parallel);
use SCPB2B;
use SCPAuction qw(user_of_role live_listing);
use IO::Socket::INET;

my $s = SCPTest->start(fakes => ['stripe'], env => { SCP_PLATFORM_FEE => 4900 });
my $J = SCPTest::json;
my $secret = 'whsec_test_fakeSigningSecret';

my $sup = new_supplier($s, name => 'Pay Farms');
my $T = $sup->{token};
my $mgr = add_staff($s, $sup, 'manager');
my $rep = add_staff($s, $sup, 'sales_rep');
my $other = new_supplier($s);
my $con = new_consumer($s);
my $c2 = new_consumer($s);
link_up($s, $sup, $con);
link_up($s, $sup, $c2);
my $prod = new_product($s, $sup, price => '12.50', stock_level => 1000);
my $order = sub {
    my $r = new_order($s, $_[0] // $con, $sup, $prod, $_[1] // 2);
    die "order: $r->{content}" unless $r->{status} == 201;
    return $r->{json};
};

# What the fake Stripe received, each with its form decoded.
sub stripe_got {
    my @r = $s->fake_requests('stripe');
    for my $q (@r) {
        my %f;
        for (split /&/, $q->{body} // '') {
            my ($k, $v) = map { my $x = $_ // ''; $x =~ tr/+/ /; $x =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; $x }
                split /=/, $_, 2;
            $f{$k} = $v;
        }
        $q->{form} = \%f;
    }
    return @r;
}
sub last_stripe { (stripe_got())[-1] }

# A signed Stripe event delivered to the hooks family.
my $evseq = 0;
sub event {
    my ($type, $object) = @_;
    my $raw = $J->encode({ id => 'evt_' . $$ . '_' . ++$evseq, object => 'event',
                           api_version => '2023-10-16', created => time, livemode => JSON::PP::false,
                           pending_webhooks => 1, type => $type,
                           request => { id => undef, idempotency_key => undef },
                           data => { object => $object } });
    my $t = time;
    return $s->req('POST', '/webhooks/stripe', $raw, headers => {
        'Stripe-Signature' => "t=$t,v1=" . hmac_sha256_hex("$t.$raw", $secret) });
}
sub succeeded {
    my ($pi, $amount, $oid) = @_;
    event('payment_intent.succeeded', { id => $pi, object => 'payment_intent', amount => $amount,
        amount_received => $amount, currency => 'usd', status => 'succeeded',
        latest_charge => 'ch_' . $pi, metadata => { order_id => $oid } });
}
my $P = sub { "/api/v1/orders/$_[0]/payments" };
my $R = sub { "/api/v1/orders/$_[0]/refunds" };
my $pay = sub { $s->post($P->($_[0]), {}, token => $_[1] // $con->{token}) };

# --- a catalog order's consumer pays ---------------------------------------------------
my $o = $order->();
my $total = $o->{total};
my $minor = sprintf '%.0f', $total * 100;
is $o->{payment_status}, 'unpaid', 'a new order is unpaid';
my $r = $pay->($o->{id});
is $r->{status}, 201, 'POST /orders/:id/payments: 201';
my $p = $r->{json};
like $p->{client_secret}, qr/^pi_\w+_secret_\w+$/, 'the client_secret is in the answer';
like $p->{payment_intent_id}, qr/^pi_\w{24}$/, 'with the intent id';
ok index($p->{client_secret}, $p->{payment_intent_id}) == 0, 'the secret of that intent';
is $p->{amount}, $total, 'the amount is the order total';
is $p->{currency}, 'USD', 'in its currency';
is $p->{status}, 'requires_payment', 'awaiting the customer';
is $p->{attempt}, 1, 'attempt 1';
is $p->{order_id}, $o->{id}, 'of the order';
like $p->{id}, qr/^[0-9a-f-]{36}$/, 'the payment id';
my $q = last_stripe();
is "$q->{method} $q->{path}", 'POST /v1/payment_intents', 'Stripe got POST /v1/payment_intents';
like $q->{headers}{'content-type'}, qr{^application/x-www-form-urlencoded}, 'form-encoded';
is $q->{headers}{authorization}, 'Bearer sk_test_fake51HxTestKey', 'with the secret key as Bearer';
is $q->{headers}{'idempotency-key'}, "scp-order-$o->{id}-attempt-1",
    'Idempotency-Key from the order and the attempt';
is_deeply [ @{ $q->{form} }{qw(amount currency metadata[order_id] automatic_payment_methods[enabled])} ],
    [ $minor, 'usd', $o->{id}, 'true' ], 'amount in minor units, currency, metadata[order_id], automatic methods';
is $q->{form}{'metadata[payment_id]'}, $p->{id}, 'and metadata[payment_id]';
unlike join('', $s->sql("SELECT row_to_json(p)::text FROM payments p WHERE id = :'p1'", $p->{id})),
    qr/_secret_/, 'the client secret is not stored';

$r = $s->get($P->($o->{id}), token => $con->{token});
is $r->{status}, 200, 'GET /orders/:id/payments: 200';
is $r->{json}{payment_status}, 'processing', 'the order is processing';
is $r->{json}{amount_due}, $total, 'amount_due';
is $r->{json}{amount_paid}, 0, 'nothing paid yet';
is scalar @{ $r->{json}{payments} }, 1, 'one payment';
is $r->{json}{payments}[0]{payment_intent_id}, $p->{payment_intent_id}, 'the intent';
is_deeply $r->{json}{refunds}, [], 'no refunds';
is $s->get("/api/v1/consumer/orders/$o->{id}", token => $con->{token})->{json}{payment_status},
    'processing', 'the order shows payment_status';
is $s->get("/api/v1/supplier/orders/$o->{id}", token => $T)->{json}{payment_status},
    'processing', 'to its supplier too';
is $s->get($P->($o->{id}), token => $rep->{token})->{status}, 200, 'supplier staff read the payments';

# Again: the same attempt, the same key, the same intent.
$r = $pay->($o->{id});
is $r->{status}, 201, 'a second POST: 201';
is $r->{json}{payment_intent_id}, $p->{payment_intent_id}, 'the same intent';
is $r->{json}{client_secret}, $p->{client_secret}, 'the same client_secret';
is last_stripe()->{headers}{'idempotency-key'}, "scp-order-$o->{id}-attempt-1", 'the same key';
is $s->sql("SELECT count(*) FROM payments WHERE order_id = :'p1'", $o->{id}), 1, 'one payment row';

# --- who may not --------------------------------------------------------------------------
is $s->post($P->($o->{id}), {})->{status}, 401, 'no token: 401';
is $s->post($P->($o->{id}), {}, token => 'not.a.token')->{status}, 401, 'bad token: 401';
is api_error($pay->($o->{id}, $T)), '403 FORBIDDEN', 'the supplier owner may not pay: 403';
is api_error($pay->($o->{id}, $rep->{token})), '403 FORBIDDEN', 'a sales rep: 403';
is api_error($pay->($o->{id}, $c2->{token})), '404 NOT_FOUND', "another consumer's order: 404";
is api_error($pay->('00000000-0000-4000-8000-000000000000')), '404 NOT_FOUND', 'no such order: 404';
is $pay->('nope')->{status}, 404, 'malformed id: 404';
is api_error($s->get($P->($o->{id}), token => $c2->{token})), '404 NOT_FOUND',
    "another consumer reads none: 404";
is api_error($s->get($P->($o->{id}), token => $other->{token})), '404 NOT_FOUND',
    "another supplier: 404";
is $s->get($P->($o->{id}))->{status}, 401, 'GET without a token: 401';

# Five concurrent POSTs: one attempt, one intent.
my $o5 = $order->();
my @res = parallel(5, sub { my $x = $pay->($o5->{id});
                            { status => $x->{status}, pi => $x->{json}{payment_intent_id} } });
is_deeply [ map { $_->{status} } @res ], [ (201) x 5 ], 'five concurrent POSTs: 201 each';
is scalar(keys %{ { map { ($_->{pi} // '') => 1 } @res } }), 1, 'all with the one intent';
is $s->sql("SELECT count(*) FROM payments WHERE order_id = :'p1'", $o5->{id}), 1, 'one payment row';

# --- Stripe down: nothing half-written, the retry reuses the key ---------------------------
my $od = $order->();
$s->fake_control('stripe', '500 1');
$r = $pay->($od->{id});
is api_error($r), '503 UNAVAILABLE', 'Stripe answers 500: 503 UNAVAILABLE';
like $r->{json}{error}{message}, qr/payment provider is unavailable/, 'saying so';
is $r->{headers}{'retry-after'}, 5, 'with Retry-After';
is $r->{json}{error}{details}{provider_error}{type}, 'api_error', "and Stripe's error";
is $s->sql("SELECT status || ' ' || coalesce(intent_id, '-') FROM payments WHERE order_id = :'p1'",
           $od->{id}), 'pending -', 'the attempt stays pending, no intent';
is $s->get($P->($od->{id}), token => $con->{token})->{json}{payment_status}, 'unpaid',
    'the order is still unpaid';
$r = $pay->($od->{id});
is $r->{status}, 201, 'the retry: 201';
is $r->{json}{attempt}, 1, 'the same attempt';
my @keys = map { $_->{headers}{'idempotency-key'} } grep { ($_->{form}{'metadata[order_id]'} // '') eq $od->{id} } stripe_got();
is_deeply \@keys, [ ("scp-order-$od->{id}-attempt-1") x 2 ], 'sent twice with the same key';

# --- a card error: the attempt fails, the next one is new ---------------------------------
my $oc = $order->();
$s->fake_control('stripe', '402 1');
$r = $pay->($oc->{id});
is api_error($r), '402 PAYMENT_FAILED', 'a declined card: 402 PAYMENT_FAILED';
is $r->{json}{error}{message}, 'Your card was declined.', "Stripe's message";
is $r->{json}{error}{details}{provider_error}{code}, 'card_declined', 'and its code';
is $r->{json}{error}{details}{provider_error}{decline_code}, 'generic_decline', 'and decline_code';
$r = $s->get($P->($oc->{id}), token => $con->{token});
is $r->{json}{payment_status}, 'failed', 'the order: failed';
is $r->{json}{payments}[0]{status}, 'failed', 'the attempt: failed';
is $r->{json}{payments}[0]{last_error}{code}, 'card_declined', 'with its error';
$s->fake_control('stripe', '500 1');
is api_error($pay->($oc->{id})), '503 UNAVAILABLE', 'the next attempt meets Stripe down: 503';
is $s->get($P->($oc->{id}), token => $con->{token})->{json}{payment_status}, 'failed',
    'the order stays failed (an unanswered attempt says nothing)';
$r = $pay->($oc->{id});
is $r->{status}, 201, 'a new attempt: 201';
is $r->{json}{attempt}, 2, 'attempt 2';
is last_stripe()->{headers}{'idempotency-key'}, "scp-order-$oc->{id}-attempt-2", 'a new key';
my $pc = $r->{json};

# --- paid, by the webhook ------------------------------------------------------------------
is succeeded($p->{payment_intent_id}, $minor, $o->{id})->{status}, 200, 'payment_intent.succeeded';
$r = $s->get($P->($o->{id}), token => $con->{token});
is $r->{json}{payment_status}, 'paid', 'the order is paid';
is $r->{json}{amount_paid}, $total, 'amount_paid';
is $r->{json}{refundable}, $total, 'all refundable';
is $s->get("/api/v1/consumer/orders/$o->{id}", token => $con->{token})->{json}{payment_status},
    'paid', 'the order JSON says paid';
is api_error($pay->($o->{id})), '409 CONFLICT', 'paying a paid order: 409 CONFLICT';
is $s->sql("SELECT count(*) FROM notifications WHERE type = 'order_update' AND data->>'payment_status' = 'paid' AND user_id = :'p1'", $con->{id}),
    1, 'the consumer is notified';
is $s->sql("SELECT count(*) FROM notifications WHERE type = 'order_update' AND data->>'payment_status' = 'paid' AND user_id = :'p1'",
           $sup->{user}{id}), 1, 'the owner too';
is $s->sql("SELECT count(*) FROM notifications WHERE type = 'order_update' AND data->>'payment_status' = 'paid' AND user_id = :'p1'",
           $rep->{id}), 0, 'not the sales rep';

# --- refunds --------------------------------------------------------------------------------
is $s->post($R->($o->{id}), {})->{status}, 401, 'refund without a token: 401';
is api_error($s->post($R->($o->{id}), {}, token => $con->{token})), '403 FORBIDDEN', 'the consumer: 403';
is api_error($s->post($R->($o->{id}), {}, token => $rep->{token})), '403 FORBIDDEN', 'a sales rep: 403';
is api_error($s->post($R->($o->{id}), {}, token => $other->{token})), '404 NOT_FOUND',
    "another supplier's owner: 404";
my $admin = user_of_role($s, 'admin');
is api_error($s->post($R->($o->{id}), {}, token => $admin->{access_token})), '404 NOT_FOUND',
    'an admin does not refund catalog orders: 404';
for my $bad ([0, 'zero'], [-1, 'negative'], ['1.234', 'three decimals'], ['abc', 'text'], [[], 'an array']) {
    my $x = $s->post($R->($o->{id}), { amount => $bad->[0] }, token => $mgr->{token});
    is_deeply [ api_error($x), field_errors($x) ], [ '422 VALIDATION_ERROR', ['amount'] ],
        "amount $bad->[1]: 422";
}
$r = $s->post($R->($o->{id}), { amount => $total + 0.01 }, token => $mgr->{token});
is_deeply [ api_error($r), field_errors($r) ], [ '422 VALIDATION_ERROR', ['amount'] ],
    'more than captured: 422';
like $r->{json}{error}{details}{fields}[0]{message}, qr/may not exceed/, 'saying why';
is $s->post($R->($o->{id}), '{"amount":', token => $mgr->{token})->{status}, 400, 'malformed body: 400';
$r = $s->post($R->($o->{id}), { reason => 'x' x 501 }, token => $mgr->{token});
is_deeply [ api_error($r), field_errors($r) ], [ '422 VALIDATION_ERROR', ['reason'] ], 'reason over 500 characters: 422';
is $s->post($R->($o->{id}), { reason => 'x' x (2 * 1024 * 1024) }, token => $mgr->{token})->{status}, 413,
    'an oversized body: 413';
is $s->post($R->($o->{id}), 'amount=1', token => $mgr->{token}, type => 'application/x-www-form-urlencoded')->{status},
    415, 'not JSON: 415';
is $s->sql("SELECT count(*) FROM refunds WHERE order_id = :'p1'", $o->{id}), 0, 'nothing written';

$r = $s->post($R->($o->{id}), { amount => '5.00', reason => 'one crate bruised' }, token => $mgr->{token});
is $r->{status}, 201, 'a partial refund by the manager: 201';
is $r->{json}{amount}, 5, 'of 5.00';
is $r->{json}{status}, 'succeeded', 'succeeded';
like $r->{json}{stripe_refund_id}, qr/^re_/, "with Stripe's refund id";
is $r->{json}{order_payment_status}, 'partially_refunded', 'the order: partially_refunded';
$q = last_stripe();
is "$q->{method} $q->{path}", 'POST /v1/refunds', 'Stripe got POST /v1/refunds';
is $q->{form}{payment_intent}, $p->{payment_intent_id}, 'payment_intent';
is $q->{form}{amount}, 500, 'amount in minor units';
like $q->{headers}{'idempotency-key'}, qr/^scp-refund-[0-9a-f-]{36}$/, 'an Idempotency-Key';
is $q->{headers}{authorization}, 'Bearer sk_test_fake51HxTestKey', 'the secret key';

# A client's Idempotency-Key on the refund: a retried POST gets the first answer, no second refund.
my $n_refunds = sub { $s->sql("SELECT count(*) FROM refunds WHERE order_id = :'p1'", $o->{id}) };
my $n_before = $n_refunds->();
my $k1 = $s->post($R->($o->{id}), { amount => 1 }, token => $mgr->{token}, headers => { 'Idempotency-Key' => "refund-$$-1" });
my $k2 = $s->post($R->($o->{id}), { amount => 1 }, token => $mgr->{token}, headers => { 'Idempotency-Key' => "refund-$$-1" });
is $k1->{status}, 201, 'a refund with an Idempotency-Key: 201';
is $k2->{json}{id}, $k1->{json}{id}, 'the retry answers the same refund';
is $k2->{headers}{'idempotent-replayed'}, 'true', 'replayed';
is $n_refunds->(), $n_before + 1, 'one refund row';

# Stripe down during a refund: 503, the refund failed, nothing held back.
$s->fake_control('stripe', '500 1');
$r = $s->post($R->($o->{id}), { amount => 1 }, token => $T);
is api_error($r), '503 UNAVAILABLE', 'Stripe down during a refund: 503';
$r = $s->get($P->($o->{id}), token => $T);
is $r->{json}{refunds}[0]{status}, 'failed', 'that refund is failed';
is $r->{json}{refundable}, $total - 6, 'and holds nothing back';
is $r->{json}{amount_refunded}, 6, 'amount_refunded counts the succeeded ones';

$r = $s->post($R->($o->{id}), {}, token => $T);
is $r->{status}, 201, 'the rest, by the owner: 201';
is $r->{json}{amount}, $total - 6, 'the amount left';
is $r->{json}{order_payment_status}, 'refunded', 'the order: refunded';
is api_error($s->post($R->($o->{id}), {}, token => $T)), '409 INVALID_STATE',
    'nothing left: 409 INVALID_STATE';
is $s->get("/api/v1/consumer/orders/$o->{id}", token => $con->{token})->{json}{payment_status},
    'refunded', 'the order JSON says refunded';
is api_error($s->post($R->($od->{id}), {}, token => $T)), '409 INVALID_STATE',
    'refunding an unpaid order: 409 INVALID_STATE';
is api_error($pay->($o->{id})), '409 CONFLICT', 'a refunded order cannot be paid again: 409';

# Concurrent refunds never exceed what was captured.
succeeded($pc->{payment_intent_id}, $minor, $oc->{id});
@res = parallel(4, sub { my $x = $s->post($R->($oc->{id}), { amount => $total / 2 }, token => $T);
                         { status => $x->{status} } });
is scalar(grep { $_->{status} == 201 } @res), 2, 'four concurrent half refunds: two succeed';
is $s->sql("SELECT sum(amount) FROM refunds WHERE order_id = :'p1' AND status <> 'failed'", $oc->{id}),
    $minor, 'refunded exactly the captured amount';

# --- an auction order: the buyer pays, an admin refunds ----------------------------------
my $client = user_of_role($s, 'client');
my $vendor = user_of_role($s, 'vendor');
my $vendor2 = user_of_role($s, 'vendor');
my $agent = user_of_role($s, 'agent');
my $l = live_listing($s, $client, $admin, instant_win_price => 20000);
$r = $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => 20000 }, token => $vendor->{access_token});
die $r->{content} unless $r->{status} == 201;
my $ao = $s->sql("SELECT id FROM auction_orders WHERE listing_id = :'p1'", $l->{id});
is $s->get("/api/v1/orders/$ao", token => $vendor->{access_token})->{json}{payment_status}, 'unpaid',
    'an auction order shows payment_status';
is api_error($pay->($ao, $client->{access_token})), '403 FORBIDDEN', 'the seller may not pay: 403';
is api_error($pay->($ao, $admin->{access_token})), '403 FORBIDDEN', 'an admin: 403';
is api_error($pay->($ao, $vendor2->{access_token})), '404 NOT_FOUND', 'another vendor: 404';
is api_error($pay->($ao, $con->{token})), '404 NOT_FOUND', 'a consumer: 404';
$r = $pay->($ao, $vendor->{access_token});
is $r->{status}, 201, 'the buyer pays: 201';
is $r->{json}{amount}, 20049, 'final price + platform fee (buyer_total)';
is $r->{json}{currency}, 'INR', 'in the listing currency';
is last_stripe()->{form}{amount}, 2004900, 'in minor units';
is last_stripe()->{form}{currency}, 'inr', 'lower case for Stripe';
is $s->get($P->($ao), token => $client->{access_token})->{status}, 200, 'the seller reads the payments';
is $s->get($P->($ao), token => $admin->{access_token})->{status}, 200, 'an admin too';
is api_error($s->get($P->($ao), token => $agent->{access_token})), '403 FORBIDDEN', 'an agent: 403';
is api_error($s->get($P->($ao), token => $vendor2->{access_token})), '404 NOT_FOUND',
    'another vendor: 404';
succeeded($r->{json}{payment_intent_id}, 2004900, $ao);
is $s->get("/api/v1/orders/$ao", token => $vendor->{access_token})->{json}{payment_status}, 'paid',
    'paid';
is $s->sql("SELECT count(*) FROM notifications WHERE type = 'order_update' AND data->>'payment_status' = 'paid' AND user_id = :'p1'",
           $client->{user}{id}), 1, 'the seller is notified';
is api_error($s->post($R->($ao), {}, token => $T)), '404 NOT_FOUND', 'a supplier owner: 404';
$r = $s->post($R->($ao), { amount => 49 }, token => $admin->{access_token});
is $r->{status}, 201, 'an admin refunds the fee: 201';
is $r->{json}{order_payment_status}, 'partially_refunded', 'partially_refunded';

# --- Stripe unreachable: the fake is stopped, then started again on its port ----------------
my $fk = $s->{fakes}{stripe};
kill 'TERM', $fk->{pid};
waitpid $fk->{pid}, 0;
my $ou = $order->();
$r = $pay->($ou->{id});
is api_error($r), '503 UNAVAILABLE', 'Stripe unreachable: 503';
like $r->{json}{error}{message}, qr/unavailable; try again/, 'try again';
is $s->sql("SELECT status FROM payments WHERE order_id = :'p1'", $ou->{id}), 'pending',
    'the attempt stays pending';
my $pid = fork // die;
if (!$pid) { exec $^X, "$SCPTest::TOP/tests/fakes/stripe.pl", $fk->{port}, $fk->{log}, $fk->{ctl}; die }
$fk->{pid} = $pid;
$s->wait_until(5, sub { IO::Socket::INET->new(PeerAddr => "127.0.0.1:$fk->{port}") });
$r = $pay->($ou->{id});
is $r->{status}, 201, 'Stripe back: the retry succeeds';
is last_stripe()->{headers}{'idempotency-key'}, "scp-order-$ou->{id}-attempt-1", 'with the same key';

# --- the log transport (development): no network, a development intent ---------------------
my $dev = SCPTest->start;
my $dsup = new_supplier($dev);
my $dcon = new_consumer($dev);
link_up($dev, $dsup, $dcon);
my $dp = new_product($dev, $dsup, price => '3.00');
my $do = new_order($dev, $dcon, $dsup, $dp, 1)->{json};
$r = $dev->post("/api/v1/orders/$do->{id}/payments", {}, token => $dcon->{token});
is $r->{status}, 201, 'log transport: 201';
like $r->{json}{payment_intent_id}, qr/^pi_dev_[0-9a-f]{24}$/, 'a pi_dev_ intent';
like $r->{json}{client_secret}, qr/^\Q$r->{json}{payment_intent_id}\E_secret_[0-9a-f]+$/,
    'its pi_dev_…_secret_… client secret';
is $dev->post("/api/v1/orders/$do->{id}/payments", {}, token => $dcon->{token})->{json}{client_secret},
    $r->{json}{client_secret}, 'the retry gets the same one';
my @lines = do { open my $fh, '<', $dev->dir . '/log/outbox.log' or die $!; grep { /"channel":"stripe"/ } <$fh> };
is scalar @lines, 2, 'each request written to the outbox log';
my $line = $J->decode($lines[0]);
is $line->{request}{path}, '/v1/payment_intents', 'the path';
like $line->{request}{form}, qr/(^|&)amount=\d+(&|$)/, 'the form';
is $line->{request}{idempotency_key}, "scp-order-$do->{id}-attempt-1", 'the key';
unlike $lines[0], qr/sk_/, 'never a secret key';
# No webhook secret configured: every delivery refused.
my $raw = '{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{}}}';
my $t = time;
is $dev->req('POST', '/webhooks/stripe', $raw, headers => {
        'Stripe-Signature' => "t=$t,v1=" . hmac_sha256_hex("$t.$raw", '') })->{status}, 401,
    'no stripe_webhook_secret: every webhook 401';
is $dev->sql("SELECT count(*) FROM webhook_deliveries"), 0, 'nothing written';

done_testing;
