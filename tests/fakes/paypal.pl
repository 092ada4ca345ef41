#!/usr/bin/env perl
# A fake PayPal REST API on loopback, speaking PayPal's wire format: JSON requests and
# answers with PayPal's shapes, and PayPal's error shape
#   {"name": …, "message": …, "debug_id": …, "details": [{"issue": …, "description": …}]}.
#   POST /v1/oauth2/token   Basic client_id:secret, grant_type=client_credentials →
#                           {scope, access_token, token_type: Bearer, app_id, expires_in, nonce}
#   POST /v2/checkout/orders {intent: CAPTURE, purchase_units: [{reference_id, custom_id,
#                           amount: {currency_code, value}}]} → 201 an order CREATED with
#                           its links (self, approve, update, capture)
#   POST /v2/checkout/orders/:id/capture → 201 the order COMPLETED with its capture
#                           (purchase_units[0].payments.captures[0]); again: 422
#                           ORDER_ALREADY_CAPTURED; unknown: 404 RESOURCE_NOT_FOUND
#   POST /v2/payments/captures/:id/refund {amount?} → 201 a refund COMPLETED with its
#                           links (self, up: the capture); beyond what is left: 422
#                           REFUND_AMOUNT_EXCEEDED
#   POST /v1/notifications/verify-webhook-signature {auth_algo, cert_url, transmission_id,
#                           transmission_sig, transmission_time, webhook_id, webhook_event}
#                           → {verification_status: SUCCESS} only for a signature this
#                           fake issued (hex HMAC-SHA256 under SIGNING_KEY of
#                           "<transmission_id>|<transmission_time>|<webhook_id>|
#                           <sha256 hex of the canonical event>"), else FAILURE
# Every call but the token needs "Bearer <a token this fake issued>" (else 401
# AUTHENTICATION_FAILURE).  PayPal-Request-Id is honoured as PayPal does: the same id
# on the same path replays the first answer.  Records every request as one JSON line
# in LOG.  A line "STATUS COUNT" in CTL makes the next COUNT non-token requests answer
# STATUS (422: UNPROCESSABLE_ENTITY, else INTERNAL_SERVER_ERROR).
# usage: paypal.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use Digest::SHA qw(sha256_hex hmac_sha256_hex);
use Fcntl qw(:flock);
use JSON::PP;
use MIME::Base64 qw(decode_base64);

my ($port, $log, $ctl) = @ARGV;
my $state = "$log.state";
my $JSON = JSON::PP->new->canonical;
our $CLIENT_ID = 'AfakeClientId-test';
our $CLIENT_SECRET = 'EfakeClientSecret-test';
our $SIGNING_KEY = 'fake-paypal-webhook-signing-key';
my $BASE = "http://127.0.0.1:$port";

sub rand_id { join '', map { ('A' .. 'Z', 0 .. 9)[rand 36] } 1 .. $_[0] }

sub error {
    my ($status, $name, $message, $issue) = @_;
    return ($status, { name => $name, message => $message, debug_id => lc rand_id(13),
                       $issue ? (details => [{ issue => $issue, description => $issue }]) : () });
}

sub with_state {
    my ($code) = @_;
    open my $lk, '>>', "$state.lock" or die $!;
    flock $lk, LOCK_EX;
    my $st = -s $state ? do { local (@ARGV, $/) = ($state); $JSON->decode(<>) }
                       : { tokens => {}, idem => {}, orders => {}, captures => {} };
    my @res = $code->($st);
    open my $fh, '>', "$state.tmp" or die $!;
    print $fh $JSON->encode($st);
    close $fh;
    rename "$state.tmp", $state or die $!;
    close $lk;
    return @res;
}

sub minor { my ($v) = @_; my ($i, $f) = $v =~ /^(\d+)(?:\.(\d{1,2}))?$/; return $i * 100 + substr(($f // '') . '00', 0, 2) }
sub value { my ($m) = @_; sprintf '%d.%02d', int($m / 100), $m % 100 }

sub create_order {
    my ($st, $b) = @_;
    my $pu = ref $b eq 'HASH' && ref $b->{purchase_units} eq 'ARRAY' ? $b->{purchase_units}[0] : undef;
    return error(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', 'MISSING_REQUIRED_PARAMETER')
        unless $pu && ($b->{intent} // '') eq 'CAPTURE' && ref $pu->{amount} eq 'HASH';
    my ($cur, $val) = @{ $pu->{amount} }{qw(currency_code value)};
    return error(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'DECIMAL_PRECISION')
        unless defined $val && $val =~ /^(0|[1-9]\d{0,12})(\.\d\d)?$/ && $val ne '0' && $val ne '0.00'
            && ($cur // '') =~ /^[A-Z]{3}$/;
    my $id = rand_id(17);
    $st->{orders}{$id} = { id => $id, status => 'CREATED', pu => $pu };
    return (201, { id => $id, status => 'CREATED', links => [
        { href => "$BASE/v2/checkout/orders/$id", rel => 'self', method => 'GET' },
        { href => "https://www.sandbox.paypal.com/checkoutnow?token=$id", rel => 'approve', method => 'GET' },
        { href => "$BASE/v2/checkout/orders/$id", rel => 'update', method => 'PATCH' },
        { href => "$BASE/v2/checkout/orders/$id/capture", rel => 'capture', method => 'POST' } ] });
}

sub capture_order {
    my ($st, $b, $id) = @_;
    my $o = $st->{orders}{$id}
        or return error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', 'INVALID_RESOURCE_ID');
    return error(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'ORDER_ALREADY_CAPTURED')
        if $o->{status} eq 'COMPLETED';
    my $cid = rand_id(17);
    my $v = $o->{pu}{amount}{value};
    $st->{captures}{$cid} = { id => $cid, order => $id, minor => minor($v), refunded => 0,
                              currency => $o->{pu}{amount}{currency_code} };
    $o->{status} = 'COMPLETED';
    my $cap = { id => $cid, status => 'COMPLETED', amount => $o->{pu}{amount},
                final_capture => JSON::PP::true, custom_id => $o->{pu}{custom_id},
                links => [ { href => "$BASE/v2/payments/captures/$cid", rel => 'self', method => 'GET' },
                           { href => "$BASE/v2/payments/captures/$cid/refund", rel => 'refund', method => 'POST' },
                           { href => "$BASE/v2/checkout/orders/$id", rel => 'up', method => 'GET' } ] };
    return (201, { id => $id, status => 'COMPLETED',
                   payer => { email_address => 'buyer@example.com', payer_id => rand_id(13) },
                   purchase_units => [ { reference_id => $o->{pu}{reference_id},
                                         payments => { captures => [ $cap ] } } ] });
}

sub refund_capture {
    my ($st, $b, $cid) = @_;
    my $c = $st->{captures}{$cid}
        or return error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', 'INVALID_RESOURCE_ID');
    my $left = $c->{minor} - $c->{refunded};
    my $m = $left;
    if (ref $b eq 'HASH' && ref $b->{amount} eq 'HASH') {
        my ($v, $cur) = @{ $b->{amount} }{qw(value currency_code)};
        return error(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'CURRENCY_MISMATCH')
            unless ($cur // '') eq $c->{currency};
        return error(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', 'INVALID_PARAMETER_VALUE')
            unless defined $v && $v =~ /^\d+(\.\d\d)?$/;
        $m = minor($v);
    }
    return error(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'REFUND_AMOUNT_EXCEEDED')
        if $m > $left || $m <= 0;
    $c->{refunded} += $m;
    my $rid = rand_id(17);
    return (201, { id => $rid, status => 'COMPLETED',
                   amount => { value => value($m), currency_code => $c->{currency} },
                   links => [ { href => "$BASE/v2/payments/refunds/$rid", rel => 'self', method => 'GET' },
                              { href => "$BASE/v2/payments/captures/$cid", rel => 'up', method => 'GET' } ] });
}

sub verify {
    my ($st, $b) = @_;
    return error(400, 'VALIDATION_ERROR', 'Invalid request - see details', 'MISSING_REQUIRED_PARAMETER')
        unless ref $b eq 'HASH' && ref $b->{webhook_event} eq 'HASH'
            && !grep { !defined $b->{$_} || ref $b->{$_} } qw(auth_algo cert_url transmission_id transmission_sig transmission_time webhook_id);
    my $want = hmac_sha256_hex(join('|', @$b{qw(transmission_id transmission_time webhook_id)},
                                    sha256_hex($JSON->encode($b->{webhook_event}))), $SIGNING_KEY);
    my $ok = $b->{transmission_sig} eq $want && $b->{auth_algo} eq 'SHA256withRSA'
             && $b->{cert_url} =~ m{^https://api\.paypal\.com/v1/notifications/certs/};
    return (200, { verification_status => $ok ? 'SUCCESS' : 'FAILURE' });
}

FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    my $auth = $req->{headers}{authorization} // '';
    if ($req->{method} eq 'POST' && $req->{path} eq '/v1/oauth2/token') {
        my ($u) = $auth =~ /^Basic (\S+)$/;
        my ($id, $sec) = split /:/, decode_base64($u // ''), 2;
        return (401, { error => 'invalid_client', error_description => 'Client Authentication failed' })
            unless ($id // '') eq $CLIENT_ID && ($sec // '') eq $CLIENT_SECRET;
        return (400, { error => 'unsupported_grant_type', error_description => 'Grant Type is NULL' })
            unless ($req->{body} // '') =~ /(^|&)grant_type=client_credentials(&|$)/;
        my $tok = 'A21AA' . rand_id(40);
        with_state(sub { $_[0]{tokens}{$tok} = 1; () });
        return (200, { scope => 'https://uri.paypal.com/services/payments/payment', access_token => $tok,
                       token_type => 'Bearer', app_id => 'APP-80W284485P519543T',
                       expires_in => 32400, nonce => '2026-12-02T00:00:00Z' . rand_id(10) });
    }
    my ($tok) = $auth =~ /^Bearer (\S+)$/;
    my $known = defined $tok && with_state(sub { ($_[0]{tokens}{$tok} ? 1 : 0) });
    return error(401, 'AUTHENTICATION_FAILURE', 'Authentication failed due to invalid authentication credentials or a missing Authorization header.')
        unless $known;
    return error(415, 'UNSUPPORTED_MEDIA_TYPE', 'The server does not support the request payload\'s media type.')
        unless ($req->{headers}{'content-type'} // '') =~ m{^application/json};
    my ($handler, $arg);
    if ($req->{method} eq 'POST' && $req->{path} eq '/v2/checkout/orders') { $handler = \&create_order }
    elsif ($req->{method} eq 'POST' && $req->{path} =~ m{^/v2/checkout/orders/([A-Za-z0-9-]+)/capture$}) { ($handler, $arg) = (\&capture_order, $1) }
    elsif ($req->{method} eq 'POST' && $req->{path} =~ m{^/v2/payments/captures/([A-Za-z0-9-]+)/refund$}) { ($handler, $arg) = (\&refund_capture, $1) }
    elsif ($req->{method} eq 'POST' && $req->{path} eq '/v1/notifications/verify-webhook-signature') { $handler = \&verify }
    return error(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.') unless $handler;
    my $rid = $req->{headers}{'paypal-request-id'};
    return with_state(sub {
        my ($st) = @_;
        my $k = defined $rid ? "$req->{path}\0$rid" : undef;
        if (defined $k && (my $saved = $st->{idem}{$k})) {
            return ($saved->{status}, $saved->{body});
        }
        my ($status, $body);
        if (my $fail = FakeHTTP::take_failure($ctl)) {
            ($status, $body) = $fail == 422
                ? error(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'INSTRUMENT_DECLINED')
                : error($fail, 'INTERNAL_SERVER_ERROR', 'An internal server error has occurred.');
        } else {
            ($status, $body) = $handler->($st, $req->{json}, $arg);
        }
        $st->{idem}{$k} = { status => $status, body => $body } if defined $k && $status < 500;
        return ($status, $body);
    });
});
