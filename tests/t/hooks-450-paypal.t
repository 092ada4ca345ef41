# PayPal webhooks (cgi-bin/hooks/paypal.c, scp_paypal_event in sql/functions/98_paypal.sql):
# POST /webhooks/paypal is applied only when PayPal's verify-webhook-signature (the fake,
# tests/fakes/paypal.pl) answers SUCCESS for the transmission headers, our webhook id and
# the event; PAYMENT.CAPTURE.COMPLETED / .DENIED / .REFUNDED move a shop order's PayPal
# payment forward only; others are acknowledged; replays (five at once) have one effect.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(sha256_hex hmac_sha256_hex);
use JSON::PP;
use SCPTest qw(parallel);
use SCPShops;

our $s = SCPTest->start(fakes => ['paypal']);
my $C = JSON::PP->new->canonical;
my $KEY = 'fake-paypal-webhook-signing-key';
my $WH = 'WH-FAKE-1234567890';

my $T = shop_account($s, 'hk')->{token};
my $r;
my $shop = $s->post('/api/shops', { name => 'Teak' }, token => $T)->{json}{data};
$s->sql("UPDATE shops SET currency = 'USD' WHERE id = '$shop->{id}'");

sub new_order { shop_order($s, $shop, $T, 1) }

my $seq = 0;
# A delivery as PayPal sends it, signed as the fake issues signatures.
sub deliver {
    my ($event, %o) = @_;
    my $raw = ref $event ? $C->encode($event) : $event;
    my $tid = $o{tid} // "tx-$$-" . ++$seq;
    my $time = '2026-12-02T15:00:00Z';
    my $sig = $o{sig} // hmac_sha256_hex(join('|', $tid, $time, $WH,
                         sha256_hex($C->encode(ref $event ? $event : {}))), $KEY);
    my %h = ('PAYPAL-TRANSMISSION-ID' => $tid, 'PAYPAL-TRANSMISSION-TIME' => $time,
             'PAYPAL-TRANSMISSION-SIG' => $sig, 'PAYPAL-AUTH-ALGO' => 'SHA256withRSA',
             'PAYPAL-CERT-URL' => 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270');
    delete $h{$_} for @{ $o{drop} || [] };
    return $s->req('POST', '/webhooks/paypal', $raw, headers => \%h);
}
sub event {
    my ($type, $res, $id) = @_;
    return { id => $id // "WH-EV-$$-" . ++$seq, event_version => '1.0', create_time => '2026-12-02T15:00:00Z',
             resource_type => $type =~ /REFUNDED/ ? 'refund' : 'capture', resource_version => '2.0',
             event_type => $type, summary => 'x', resource => $res };
}
sub capture_res {
    my ($ppo, $status) = @_;
    return { id => "CAP$ppo", status => $status, amount => { currency_code => 'USD', value => '19.99' },
             final_capture => JSON::PP::true,
             supplementary_data => { related_ids => { order_id => $ppo } } };
}

# An order with its PayPal order, not captured yet (the buyer approved it elsewhere).
my $oid = new_order();
my $pp = $s->post("/api/shops/$shop->{id}/payments/paypal/orders", { orderId => $oid },
                  token => $T)->{json}{data}{paypalOrderId};
ok $pp, 'a PayPal order';
is pstatus($s, $oid), 'processing', 'processing';

# --- refused deliveries change nothing ---------------------------------------------------------
my $ev = event('PAYMENT.CAPTURE.COMPLETED', capture_res($pp, 'COMPLETED'));
is deliver($ev, sig => 'forged')->{status}, 401, 'a signature the fake did not issue: 401';
for my $h (qw(PAYPAL-TRANSMISSION-ID PAYPAL-TRANSMISSION-TIME PAYPAL-TRANSMISSION-SIG
              PAYPAL-CERT-URL PAYPAL-AUTH-ALGO)) {
    is deliver($ev, drop => [$h])->{status}, 401, "no $h: 401";
}
my $other = { %$ev, id => $ev->{id} . 'x' };
is deliver($C->encode($other), sig => hmac_sha256_hex(join('|', 'tx-a', '2026-12-02T15:00:00Z', $WH,
    sha256_hex($C->encode($ev))), $KEY), tid => 'tx-a')->{status}, 401, 'a signature of another event: 401';
is deliver('{"id":', sig => 'x')->{status}, 400, 'malformed JSON: 400';
is deliver('[]', sig => 'x')->{status}, 400, 'an array: 400';
is deliver('{"a":"' . ('x' x 2_000_000) . '"}', sig => 'x')->{status}, 413, 'oversized: 413';
is pstatus($s, $oid), 'processing', 'nothing applied';
is $s->sql("SELECT count(*) FROM webhook_deliveries WHERE provider = 'paypal'"), 0, 'nothing recorded';
my @v = grep { $_->{path} eq '/v1/notifications/verify-webhook-signature' } $s->fake_requests('paypal');
ok @v >= 1, 'PayPal was asked';
is $v[0]{json}{webhook_id}, $WH, 'with our webhook id';
is_deeply $v[0]{json}{webhook_event}, $ev, 'and the event as parsed JSON';
like $v[0]{headers}{authorization}, qr/^Bearer A21AA/, 'with a bearer token';

# --- a verified event, not ours; an unknown type -----------------------------------------------
$r = deliver(event('PAYMENT.CAPTURE.COMPLETED', capture_res('NOTOURS0000000000', 'COMPLETED')));
is $r->{status}, 200, 'a capture not ours: 200';
is $r->{json}{applied}, JSON::PP::false, 'not applied';
$r = deliver(event('CHECKOUT.ORDER.APPROVED', { id => $pp, status => 'APPROVED' }));
is $r->{status}, 200, 'another type: 200';
is $r->{json}{applied}, JSON::PP::false, 'ignored';
is deliver({ event_type => 'X', resource => {} })->{status}, 400, 'an event without id: 400';

# --- DENIED is final for the attempt; COMPLETED cannot follow it ---------------------------------
my $o2 = new_order();
my $pp2 = $s->post("/api/shops/$shop->{id}/payments/paypal/orders", { orderId => $o2 },
                   token => $T)->{json}{data}{paypalOrderId};
$r = deliver(event('PAYMENT.CAPTURE.DENIED', capture_res($pp2, 'DECLINED')));
is $r->{json}{applied}, JSON::PP::true, 'DENIED applied';
is pstatus($s, $o2), 'failed', 'the order: failed';
# The core's machine: failed → succeeded is forward (the buyer paid with another source).
$r = deliver(event('PAYMENT.CAPTURE.COMPLETED', capture_res($pp2, 'COMPLETED')));
is $r->{json}{applied}, JSON::PP::true, 'COMPLETED after DENIED: applied (the buyer retried)';
is pstatus($s, $o2), 'paid', 'paid';

# --- COMPLETED: five concurrent replays, one effect -------------------------------------------
my @res = parallel(5, sub { my $x = deliver($ev); { status => $x->{status}, d => $x->{json} } });
is_deeply [ map { $_->{status} } @res ], [ (200) x 5 ], 'five replays: 200 each';
is scalar(grep { $_->{d}{applied} } @res), 1, 'one applied';
is scalar(grep { $_->{d}{duplicate} } @res), 4, 'four duplicates';
is pstatus($s, $oid), 'paid', 'the order: paid';
is $s->sql("SELECT amount_received FROM payments WHERE order_id = :'p1'", $oid), 1999, 'captured 19.99';
is $s->sql("SELECT count(*) FROM webhook_deliveries WHERE provider = 'paypal' AND delivery_key = :'p1'",
           $ev->{id}), 1, 'one delivery row';
$r = deliver(event('PAYMENT.CAPTURE.DENIED', capture_res($pp, 'DECLINED')));
is $r->{json}{applied}, JSON::PP::false, 'DENIED after COMPLETED: not applied';
is pstatus($s, $oid), 'paid', 'still paid';

# --- REFUNDED (a refund made in PayPal's dashboard) -----------------------------------------------
my $refund = sub { my ($id, $v) = @_; event('PAYMENT.CAPTURE.REFUNDED', { id => $id, status => 'COMPLETED',
    amount => { currency_code => 'USD', value => $v },
    links => [ { rel => 'self', href => "https://api.paypal.com/v2/payments/refunds/$id", method => 'GET' },
               { rel => 'up', href => "https://api.paypal.com/v2/payments/captures/CAP$pp", method => 'GET' } ] }) };
my $e1 = $refund->('REF1', '5.00');
$r = deliver($e1);
is $r->{json}{applied}, JSON::PP::true, 'a partial refund applied';
is pstatus($s, $oid), 'partially_refunded', 'partially refunded';
is deliver($e1)->{json}{duplicate}, JSON::PP::true, 'its replay: duplicate';
$r = deliver($refund->('REF2', '99.00'));
is pstatus($s, $oid), 'refunded', 'a refund beyond the rest refunds the rest, not more';
is $s->sql("SELECT sum(amount) FROM refunds WHERE order_id = :'p1'", $oid), 1999, 'refunds add up to the capture';

done_testing;
