# Stripe webhooks: POST /webhooks/stripe (cgi-bin/hooks/stripe.c, scp_stripe_event in
# sql/functions/90_payments.sql).  Stripe-Signature t=<ts>,v1=<hex HMAC-SHA256 of
# "<ts>.<raw body>" keyed with stripe_webhook_secret>[,v1=…] is checked before parsing
# (any v1 may match; 300 s tolerance either way); refusals are 401 and write nothing.
# Each event id is applied once (webhook_deliveries), and a payment's status never moves
# backwards whatever order the events arrive in.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_hex);
use SCPTest qw(parallel);
use SCPB2B;

my $s = SCPTest->start(fakes => ['stripe']);
my $J = SCPTest::json;
my $secret = 'whsec_test_fakeSigningSecret';

my $sup = new_supplier($s);
my $con = new_consumer($s);
link_up($s, $sup, $con);
my $prod = new_product($s, $sup, price => '20.00', stock_level => 1000);

# A catalog order with an intent: (order, payment answer, amount in minor units).
sub paying {
    my $o = new_order($s, $con, $sup, $prod, 1)->{json};
    my $r = $s->post("/api/v1/orders/$o->{id}/payments", {}, token => $con->{token});
    die "pay: $r->{content}" unless $r->{status} == 201;
    return ($o, $r->{json}, sprintf('%.0f', $o->{total} * 100));
}
my $seq = 0;
sub event_body {
    my ($type, $object, %o) = @_;
    return $J->encode({ id => $o{id} // 'evt_1' . $$ . 'x' . ++$seq, object => 'event',
                        api_version => '2023-10-16', created => time,
                        livemode => JSON::PP::false, pending_webhooks => 1, type => $type,
                        request => { id => 'req_' . $seq, idempotency_key => undef },
                        data => { object => $object } });
}
sub sig {
    my ($raw, %o) = @_;
    my $t = $o{t} // time;
    return "t=$t,v1=" . hmac_sha256_hex("$t.$raw", $o{key} // $secret);
}
sub hook {
    my ($raw, $header) = @_;
    $header = sig($raw) if @_ < 2;
    return $s->req('POST', '/webhooks/stripe', $raw,
                   headers => defined $header ? { 'Stripe-Signature' => $header } : {});
}
sub intent_obj {
    my ($pi, $amount, %more) = @_;
    return { id => $pi, object => 'payment_intent', amount => 0 + $amount,
             amount_received => 0 + $amount, currency => 'usd', status => 'succeeded',
             latest_charge => "ch_$pi", metadata => { order_id => 'x' }, %more };
}
sub failed_obj {
    my ($pi, $amount) = @_;
    return { id => $pi, object => 'payment_intent', amount => 0 + $amount, amount_received => 0,
             currency => 'usd', status => 'requires_payment_method',
             last_payment_error => { type => 'card_error', code => 'card_declined',
                                     decline_code => 'insufficient_funds',
                                     message => 'Your card has insufficient funds.' } };
}
sub charge_obj {
    my ($pi, $amount, $refunded) = @_;
    return { id => "ch_$pi", object => 'charge', amount => 0 + $amount,
             amount_captured => 0 + $amount, amount_refunded => 0 + $refunded,
             currency => 'usd', payment_intent => $pi, paid => JSON::PP::true,
             refunded => $refunded >= $amount ? JSON::PP::true : JSON::PP::false,
             status => 'succeeded' };
}
my $status = sub { $s->get("/api/v1/orders/$_[0]{id}/payments", token => $con->{token})->{json}{payment_status} };
my $deliveries = sub { $s->sql("SELECT count(*) FROM webhook_deliveries WHERE provider = 'stripe'") };

# --- signatures -------------------------------------------------------------------------------
my ($o, $p, $minor) = paying();
my $raw = event_body('payment_intent.succeeded', intent_obj($p->{payment_intent_id}, $minor));
is hook($raw, sig($raw, key => 'whsec_another'))->{status}, 401, 'another secret: 401';
is hook($raw, undef)->{status}, 401, 'no Stripe-Signature: 401';
is hook($raw, '')->{status}, 401, 'an empty one: 401';
is hook($raw, 'garbage')->{status}, 401, 'a malformed one: 401';
is hook($raw, sig($raw, t => time - 301))->{status}, 401, 'a timestamp 301 s old: 401';
is hook($raw, sig($raw, t => time + 400))->{status}, 401, 'a timestamp 400 s ahead: 401';
my $t = time;
my $v1 = hmac_sha256_hex("$t.$raw", $secret);
is hook($raw, "t=$t,v0=$v1")->{status}, 401, 'only a v0 (the old scheme): 401';
is hook($raw, "v1=$v1")->{status}, 401, 'no timestamp: 401';
is hook($raw, "t=$t,t=$t,v1=$v1")->{status}, 401, 'two timestamps: 401';
is hook($raw . ' ', "t=$t,v1=$v1")->{status}, 401, 'a body changed after signing: 401';
is hook($raw, "t=" . ($t + 1) . ",v1=$v1")->{status}, 401, 'the signature of another timestamp: 401';
is hook($raw, "t=$t,v1=" . uc $v1)->{status}, 401, 'upper-case hex is not what Stripe sends: 401';
is $deliveries->(), 0, 'nothing written by the refused ones';
is $status->($o), 'processing', 'the order unchanged';
my $r = $s->req('POST', '/webhooks/stripe', $raw, headers => { 'Stripe-Signature' => sig($raw) },
                type => 'text/plain');
is $r->{status}, 200, 'any content type is read as the raw body it signs';
is $r->{json}{applied}, JSON::PP::true, 'and the event applied';
is $status->($o), 'paid', 'the order is paid';

# A second v1 that matches (Stripe rolling the secret), after one that does not.
($o, $p, $minor) = paying();
$raw = event_body('payment_intent.succeeded', intent_obj($p->{payment_intent_id}, $minor));
$t = time - 250;
$r = hook($raw, "t=$t,v1=" . hmac_sha256_hex("$t.$raw", 'whsec_old') . ",v1="
                . hmac_sha256_hex("$t.$raw", $secret) . ",v0=abc");
is $r->{status}, 200, 'the second v1 matches, 250 s old: 200';
is $status->($o), 'paid', 'applied';

# Malformed events, correctly signed: 400, nothing written.
my $before = $deliveries->();
is hook('{"id":"evt_x","type":')->{status}, 400, 'malformed JSON: 400';
is hook('[1]')->{status}, 400, 'not an object: 400';
is hook('{"id":"evt_y","id":"evt_z","type":"a","data":{"object":{}}}')->{status}, 400, 'a duplicate key: 400';
is hook('{"type":"payment_intent.succeeded","data":{"object":{}}}')->{status}, 400, 'no id: 400';
is $deliveries->(), $before, 'nothing written';

# --- dedupe -------------------------------------------------------------------------------------
($o, $p, $minor) = paying();
$raw = event_body('payment_intent.succeeded', intent_obj($p->{payment_intent_id}, $minor));
my $notes = sub { $s->sql("SELECT count(*) FROM notifications WHERE type = 'order_update' AND data->>'payment_status' = 'paid' AND data->>'order_id' = :'p1'", $o->{id}) };
my @res = parallel(5, sub { my $x = hook($raw);
                            { status => $x->{status}, applied => $x->{json}{applied} ? 1 : 0 } });
is_deeply [ map { $_->{status} } @res ], [ (200) x 5 ], 'five concurrent replays: 200 each';
is eval { my $n = 0; $n += $_->{applied} for @res; $n }, 1, 'one applied it';
is $s->sql("SELECT count(*) FROM webhook_deliveries WHERE provider = 'stripe' AND delivery_key = :'p1'",
           $J->decode($raw)->{id}), 1, 'one delivery row';
is $notes->(), 2, 'one notification each for the consumer and the owner';
$r = hook($raw);
is $r->{status}, 200, 'a later replay: 200';
is $r->{json}{duplicate}, JSON::PP::true, 'a duplicate';
is $notes->(), 2, 'nothing more';

# --- out of order: never backwards ----------------------------------------------------------
# payment_failed after succeeded: still paid.
is hook(event_body('payment_intent.payment_failed', failed_obj($p->{payment_intent_id}, $minor)))->{json}{applied},
    JSON::PP::false, 'payment_failed after succeeded: not applied';
is $status->($o), 'paid', 'the order stays paid';
# charge.refunded in full, then a late (new) succeeded event: still refunded.
$r = hook(event_body('charge.refunded', charge_obj($p->{payment_intent_id}, $minor, 500)));
is $r->{json}{applied}, JSON::PP::true, 'charge.refunded (partial)';
is $status->($o), 'partially_refunded', 'partially_refunded';
my $pay = sub { $s->get("/api/v1/orders/$o->{id}/payments", token => $con->{token})->{json} };
is $pay->()->{amount_refunded}, 5, 'amount_refunded from the charge';
hook(event_body('charge.refunded', charge_obj($p->{payment_intent_id}, $minor, $minor)));
is $status->($o), 'refunded', 'charge.refunded in full: refunded';
is hook(event_body('charge.refunded', charge_obj($p->{payment_intent_id}, $minor, 500)))->{json}{applied},
    JSON::PP::false, 'a late partial charge.refunded: not applied';
is hook(event_body('payment_intent.succeeded', intent_obj($p->{payment_intent_id}, $minor)))->{json}{applied},
    JSON::PP::false, 'succeeded after refunded: not applied';
is $status->($o), 'refunded', 'the order stays refunded';
is $pay->()->{payments}[0]{status}, 'refunded', 'and its payment';

# payment_failed first, then succeeded (the customer retried on the same intent): paid.
($o, $p, $minor) = paying();
$r = hook(event_body('payment_intent.payment_failed', failed_obj($p->{payment_intent_id}, $minor)));
is $r->{json}{applied}, JSON::PP::true, 'payment_failed: applied';
is $status->($o), 'failed', 'the order: failed';
is $pay->()->{payments}[0]{last_error}{decline_code}, 'insufficient_funds', "with Stripe's error";
hook(event_body('payment_intent.succeeded', intent_obj($p->{payment_intent_id}, $minor)));
is $status->($o), 'paid', 'then succeeded on the same intent: paid';

# --- other events -----------------------------------------------------------------------------
$before = $deliveries->();
$r = hook(event_body('customer.created', { id => 'cus_1', object => 'customer' }));
is $r->{status}, 200, 'an unknown type: 200';
is $r->{json}{applied}, JSON::PP::false, 'not applied';
$r = hook(event_body('payment_intent.succeeded', intent_obj('pi_not_ours', 100)));
is $r->{status}, 200, 'an intent that is not ours: 200';
is $r->{json}{applied}, JSON::PP::false, 'not applied';
is $deliveries->(), $before + 2, 'both recorded as received';
is $s->get('/webhooks/stripe')->{status}, 405, 'GET: 405';
is $s->req('POST', '/webhooks/stripe', 'x' x (1024 * 1024 + 10), headers => { 'Stripe-Signature' => 't=1,v1=00' })->{status},
    413, 'an oversized body: 413';

done_testing;
