#!/usr/bin/env perl
# A fake Stripe API on loopback, speaking Stripe's wire format: form-encoded requests
# (application/x-www-form-urlencoded, nested keys as metadata[order_id]), JSON answers
# with Stripe's object shapes, and Stripe's error shape
#   {"error": {"type": …, "code": …, "message": …, "param": …}}.
#   POST /v1/payment_intents  amount, currency (required), metadata[…],
#                             automatic_payment_methods[enabled] → a PaymentIntent
#                             (status requires_payment_method, with its client_secret)
#   POST /v1/refunds          payment_intent (required), amount → a Refund (succeeded);
#                             more than the intent's amount left: 400 amount_too_large
#   GET /v1/payment_intents/:id          → the PaymentIntent (404 resource_missing)
#   POST /v1/payment_intents/:id/confirm payment_method → what Stripe.js's confirmPayment
#                             does: pm_card_visa succeeds (amount_received, latest_charge),
#                             pm_card_chargeDeclined leaves requires_payment_method with
#                             last_payment_error (card_declined)
#   POST /v1/payment_intents/:id/cancel  cancellation_reason? → the intent canceled
#                             (canceled_at); confirming or cancelling one succeeded or
#                             canceled already: 400 payment_intent_unexpected_state
# Authorization must be "Bearer sk_…" (else 401).  Idempotency-Key is honoured as
# Stripe does: the same key with the same parameters replays the first answer (saved
# for 2xx and 4xx answers, not 5xx); with other parameters it is a 400 idempotency_error.
# Records every request as one JSON line in LOG, with the decoded form as "form".
# A line "STATUS COUNT" in CTL makes the next COUNT requests answer STATUS instead:
# 402 a card_error (card_declined, saved under the key as Stripe does), 5xx an
# api_error (not saved).
# usage: stripe.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use Digest::SHA qw(sha256_hex);
use Fcntl qw(:flock);
use JSON::PP;

my ($port, $log, $ctl) = @ARGV;
my $state = "$log.state";
my $JSON = JSON::PP->new->canonical;

sub decode_form {
    my ($body) = @_;
    my %f;
    for my $pair (split /&/, $body // '') {
        my ($k, $v) = split /=/, $pair, 2;
        for ($k, $v) { $_ //= ''; tr/+/ /; s/%([0-9A-Fa-f]{2})/chr hex $1/ge }
        $f{$k} = $v;
    }
    return \%f;
}

sub rand_id { join '', map { ('a' .. 'z', 'A' .. 'Z', 0 .. 9)[rand 62] } 1 .. $_[0] }

sub error {
    my ($status, $type, $message, %more) = @_;
    return ($status, { error => { type => $type, message => $message, %more } });
}

# Everything a request reads or changes, under one lock: the saved idempotent answers
# and the intents.
sub with_state {
    my ($code) = @_;
    open my $lk, '>>', "$state.lock" or die $!;
    flock $lk, LOCK_EX;
    my $st = -s $state ? do { local (@ARGV, $/) = ($state); $JSON->decode(<>) }
                       : { idem => {}, intents => {} };
    my @res = $code->($st);
    open my $fh, '>', "$state.tmp" or die $!;
    print $fh $JSON->encode($st);
    close $fh;
    rename "$state.tmp", $state or die $!;
    close $lk;
    return @res;
}

sub metadata {
    my ($f) = @_;
    return { map { /^metadata\[(.+)\]$/ ? ($1 => $f->{$_}) : () } keys %$f };
}

sub create_intent {
    my ($st, $f) = @_;
    for my $p (qw(amount currency)) {
        return error(400, 'invalid_request_error', "Missing required param: $p.",
                     code => 'parameter_missing', param => $p) unless length($f->{$p} // '');
    }
    return error(400, 'invalid_request_error', 'Invalid integer: ' . $f->{amount},
                 code => 'parameter_invalid_integer', param => 'amount')
        unless $f->{amount} =~ /^[1-9][0-9]{0,11}$/;
    my $id = 'pi_' . rand_id(24);
    my $pi = { id => $id, object => 'payment_intent', amount => 0 + $f->{amount},
               amount_capturable => 0, amount_received => 0,
               automatic_payment_methods =>
                   ($f->{'automatic_payment_methods[enabled]'} // '') eq 'true'
                   ? { enabled => JSON::PP::true, allow_redirects => 'always' } : undef,
               capture_method => 'automatic', client_secret => "${id}_secret_" . rand_id(25),
               confirmation_method => 'automatic', created => time, currency => lc $f->{currency},
               latest_charge => undef, livemode => JSON::PP::false, metadata => metadata($f),
               payment_method => undef, payment_method_types => ['card'],
               status => 'requires_payment_method', refunded => 0 };
    $st->{intents}{$id} = $pi;
    my %out = %$pi;
    delete $out{refunded};
    return (200, \%out);
}

sub create_refund {
    my ($st, $f) = @_;
    my $pid = $f->{payment_intent} // '';
    return error(400, 'invalid_request_error',
                 'One of the following params should be provided for this request: '
                 . 'payment_intent or charge.', code => 'parameter_missing')
        unless length $pid;
    my $pi = $st->{intents}{$pid}
        or return error(400, 'invalid_request_error', "No such payment_intent: '$pid'",
                        code => 'resource_missing', param => 'payment_intent');
    my $left = $pi->{amount} - $pi->{refunded};
    my $amount = length($f->{amount} // '') ? $f->{amount} : $left;
    return error(400, 'invalid_request_error',
                 "Refund amount (\$" . sprintf('%.2f', $amount / 100) . ") is greater than "
                 . "unrefunded amount on charge (\$" . sprintf('%.2f', $left / 100) . ")",
                 code => 'amount_too_large', param => 'amount')
        if $amount !~ /^[1-9][0-9]*$/ || $amount > $left;
    $pi->{refunded} += $amount;
    return (200, { id => 're_' . rand_id(24), object => 'refund', amount => 0 + $amount,
                   balance_transaction => 'txn_' . rand_id(24),
                   charge => 'ch_' . rand_id(24), created => time, currency => $pi->{currency},
                   metadata => metadata($f), payment_intent => $pid, reason => undef,
                   receipt_number => undef, status => 'succeeded' });
}

sub intent_out {
    my ($pi) = @_;
    my %out = %$pi;
    delete $out{refunded};
    return \%out;
}

sub no_intent {
    error(404, 'invalid_request_error', "No such payment_intent: '$_[0]'",
          code => 'resource_missing', param => 'intent');
}

sub get_intent {
    my ($st, $f, $id) = @_;
    my $pi = $st->{intents}{$id} or return no_intent($id);
    return (200, intent_out($pi));
}

sub confirm_intent {
    my ($st, $f, $id) = @_;
    my $pi = $st->{intents}{$id} or return no_intent($id);
    return unexpected_state($pi, 'confirm')
        if $pi->{status} eq 'succeeded' || $pi->{status} eq 'canceled';
    my $pm = $f->{payment_method} // '';
    if ($pm eq 'pm_card_visa') {
        @$pi{qw(status amount_received latest_charge payment_method last_payment_error)} =
            ('succeeded', $pi->{amount}, 'ch_' . rand_id(24), 'pm_' . rand_id(24), undef);
    } elsif ($pm eq 'pm_card_chargeDeclined') {
        @$pi{qw(status last_payment_error)} = ('requires_payment_method',
            { type => 'card_error', code => 'card_declined', decline_code => 'generic_decline',
              message => 'Your card was declined.' });
    } else {
        return error(400, 'invalid_request_error', "No such PaymentMethod: '$pm'",
                     code => 'resource_missing', param => 'payment_method');
    }
    return (200, intent_out($pi));
}

# Stripe's refusal to confirm or cancel an intent that is over.
sub unexpected_state {
    my ($pi, $what) = @_;
    return error(400, 'invalid_request_error', "You cannot $what this PaymentIntent because "
                 . "it has a status of $pi->{status}.", code => 'payment_intent_unexpected_state',
                 param => undef);
}

sub cancel_intent {
    my ($st, $f, $id) = @_;
    my $pi = $st->{intents}{$id} or return no_intent($id);
    return unexpected_state($pi, 'cancel')
        if $pi->{status} eq 'succeeded' || $pi->{status} eq 'canceled';
    @$pi{qw(status canceled_at cancellation_reason)} =
        ('canceled', time, $f->{cancellation_reason});
    return (200, intent_out($pi));
}

FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    my $f = decode_form($req->{body});
    my $auth = $req->{headers}{authorization} // '';
    return error(401, 'invalid_request_error',
                 'You did not provide an API key. You need to provide your API key in the '
                 . 'Authorization header, using Bearer auth.')
        unless $auth =~ /^Bearer (sk_(?:test|live)_\S+)$/;
    return error(400, 'invalid_request_error', 'Invalid request (check that your POST content '
                 . 'type is application/x-www-form-urlencoded).')
        unless $req->{method} ne 'POST'
            || ($req->{headers}{'content-type'} // '') =~ m{^application/x-www-form-urlencoded};
    my ($pid) = $req->{path} =~ m{^/v1/payment_intents/([A-Za-z0-9_]+)(?:/confirm|/cancel)?$};
    my $handler = $req->{method} eq 'POST' && $req->{path} eq '/v1/payment_intents'
                ? \&create_intent
                : $req->{method} eq 'POST' && $req->{path} eq '/v1/refunds' ? \&create_refund
                : $req->{method} eq 'GET' && defined $pid && $req->{path} !~ /(?:confirm|cancel)$/
                ? \&get_intent
                : $req->{method} eq 'POST' && defined $pid && $req->{path} =~ /confirm$/
                ? \&confirm_intent
                : $req->{method} eq 'POST' && defined $pid && $req->{path} =~ /cancel$/
                ? \&cancel_intent
                : undef;
    return error(404, 'invalid_request_error',
                 "Unrecognized request URL ($req->{method}: $req->{path}).")
        unless $handler;
    my $key = $req->{headers}{'idempotency-key'};
    my $fp = sha256_hex($req->{path} . "\0" . $JSON->encode($f));
    return with_state(sub {
        my ($st) = @_;
        if (defined $key && (my $saved = $st->{idem}{$key})) {
            return error(400, 'idempotency_error',
                         'Keys for idempotent requests can only be used with the same '
                         . 'parameters they were first used with. Try using a key other '
                         . "than '$key' if you meant to execute a different request.")
                if $saved->{fp} ne $fp;
            return ($saved->{status}, $saved->{body});
        }
        my ($status, $body);
        if (my $fail = FakeHTTP::take_failure($ctl)) {
            ($status, $body) = $fail == 402
                ? error(402, 'card_error', 'Your card was declined.', code => 'card_declined',
                        decline_code => 'generic_decline')
                : error($fail, 'api_error', 'An unknown error occurred');
        } else {
            ($status, $body) = $handler->($st, $f, $pid);
        }
        $st->{idem}{$key} = { fp => $fp, status => $status, body => $body }
            if defined $key && $status < 500;
        return ($status, $body);
    });
});
