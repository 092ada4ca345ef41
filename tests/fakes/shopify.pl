#!/usr/bin/env perl
# A fake Shopify on loopback (shopify_api_base points here, standing for https://{shop}).
# Records every request as one JSON line in LOG and answers as Shopify's Admin API does:
#   POST /admin/oauth/access_token {client_id, client_secret, code}
#        200 {"access_token":"shpat_…","scope":"read_orders,…"}; a code used before, or
#        one starting with "bad", 400 {"error":"invalid_request",
#        "error_description":"The authorization code was not found or was already used"}.
#        The token is "shpat_" and the first 32 hex digits of sha256("token:" . code), so a
#        test knows it.
#   POST /admin/api/{version}/webhooks.json {"webhook":{topic, address, format}}
#        201 {"webhook":{id, address, topic, format, api_version, created_at, …}};
#        the same topic and address again 422 {"errors":{"address":["for this topic has
#        already been taken"]}}.
#   GET  /admin/api/{version}/webhooks.json   200 {"webhooks":[…]}
# Admin API calls without X-Shopify-Access-Token "shpat_…" get 401 {"errors":"[API]
# Invalid API key or access token (unrecognized login or wrong password)"}.
# More endpoints (inventory_levels/set.json, products.json…) are added to %ROUTES.
# A line "STATUS COUNT" in CTL makes the next COUNT requests answer STATUS; "STATUS COUNT
# PATH" only the next COUNT requests whose path contains PATH.
# usage: shopify.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use Digest::SHA qw(sha256_hex);
use Fcntl qw(:flock);
use JSON::PP;
use POSIX qw(strftime);

my ($port, $log, $ctl) = @ARGV;
my $JSON = JSON::PP->new->canonical;
my $state = "$log.state";    # used codes and registered webhooks, shared by the children

# Read-modify-write the fake's state under a lock; $code gets and may change the hash.
sub with_state {
    my ($code) = @_;
    open my $fh, '+>>', $state or die $!;
    flock $fh, LOCK_EX;
    seek $fh, 0, 0;
    local $/;
    my $text = <$fh>;
    my $st = length($text // '') ? $JSON->decode($text) : { codes => {}, webhooks => [] };
    my @ret = $code->($st);
    seek $fh, 0, 0;
    truncate $fh, 0;
    print $fh $JSON->encode($st);
    close $fh;
    return @ret;
}

sub now { strftime('%Y-%m-%dT%H:%M:%S-00:00', gmtime) }

sub token_ok {
    my ($req) = @_;
    return ($req->{headers}{'x-shopify-access-token'} // '') =~ /^shpat_[0-9a-f]{32}$/;
}

my $unauthorized = [401, { errors => '[API] Invalid API key or access token '
                                     . '(unrecognized login or wrong password)' }];

my @ROUTES = (
    [POST => qr{^/admin/oauth/access_token$}, sub {
        my ($req) = @_;
        my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
        return (400, { error => 'invalid_request',
                       error_description => 'client_id, client_secret and code are required' })
            unless $b->{client_id} && $b->{client_secret} && $b->{code};
        my $code = $b->{code};
        my $fresh = $code !~ /^bad/ && with_state(sub {
            my ($st) = @_;
            return 0 if $st->{codes}{$code}++;
            return 1;
        });
        return (400, { error => 'invalid_request', error_description =>
                       'The authorization code was not found or was already used' })
            unless $fresh;
        return (200, { access_token => 'shpat_' . substr(sha256_hex("token:$code"), 0, 32),
                       scope => 'read_orders,read_products,write_inventory,read_inventory' });
    }],
    [POST => qr{^/admin/api/([\d-]+|unstable)/webhooks\.json$}, sub {
        my ($req, $version) = @_;
        return @$unauthorized unless token_ok($req);
        my $w = ref $req->{json} eq 'HASH' && ref $req->{json}{webhook} eq 'HASH'
            ? $req->{json}{webhook} : undef;
        return (400, { errors => { webhook => 'Required parameter missing or invalid' } })
            unless $w;
        return (422, { errors => { topic => ['Invalid topic specified.'] } })
            unless ($w->{topic} // '') =~ m{^[a-z_]+/[a-z_]+$};
        return (422, { errors => { address => ["can't be blank"] } }) unless $w->{address};
        my $token = $req->{headers}{'x-shopify-access-token'};
        my ($hook) = with_state(sub {
            my ($st) = @_;
            return undef if grep { $_->{token} eq $token && $_->{topic} eq $w->{topic}
                                   && $_->{address} eq $w->{address} } @{ $st->{webhooks} };
            my $h = { id => 1000000 + @{ $st->{webhooks} }, address => $w->{address},
                      topic => $w->{topic}, format => $w->{format} // 'json',
                      api_version => $version, created_at => now(), updated_at => now(),
                      fields => [], metafield_namespaces => [],
                      private_metafield_namespaces => [] };
            push @{ $st->{webhooks} }, { %$h, token => $token };
            return $h;
        });
        return (422, { errors => { address => ['for this topic has already been taken'] } })
            unless $hook;
        return (201, { webhook => $hook });
    }],
    [GET => qr{^/admin/api/([\d-]+|unstable)/webhooks\.json(?:\?.*)?$}, sub {
        my ($req) = @_;
        return @$unauthorized unless token_ok($req);
        my $token = $req->{headers}{'x-shopify-access-token'};
        my ($list) = with_state(sub {
            [map { my %h = %$_; delete $h{token}; \%h }
             grep { $_->{token} eq $token } @{ $_[0]{webhooks} }]
        });
        return (200, { webhooks => $list });
    }],
);

# The failure CTL asks of this request, if any (FakeHTTP::take_failure, with a path).
sub take_failure {
    my ($req) = @_;
    open my $fh, '+<', $ctl or return 0;
    flock $fh, LOCK_EX;
    my $line = <$fh> // '';
    my ($status, $count, $path) = $line =~ /^(\d+)\s+(\d+)(?:\s+(\S+))?/ or return 0;
    return 0 if $count < 1 || (defined $path && index($req->{path}, $path) < 0);
    seek $fh, 0, 0;
    truncate $fh, 0;
    print $fh "$status " . ($count - 1) . (defined $path ? " $path" : '') . "\n";
    close $fh;
    return $status;
}

FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    if (my $fail = take_failure($req)) {
        return ($fail, { errors => $fail == 429 ? 'Exceeded 2 calls per second for api client. '
                                                  . 'Reduce request rates to resume uninterrupted service.'
                                                : 'Internal Server Error' });
    }
    for my $rt (@ROUTES) {
        my ($method, $re, $code) = @$rt;
        next unless $req->{method} eq $method;
        my @cap = $req->{path} =~ $re or next;
        return $code->($req, @cap);
    }
    return (404, { errors => 'Not Found' });
});
