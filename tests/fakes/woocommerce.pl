#!/usr/bin/env perl
# A fake WooCommerce store (its WordPress REST API, wc/v3) on loopback: the store URL is
# http://127.0.0.1:PORT.  Records every request as one JSON line in LOG and answers as
# WooCommerce does, authenticating with HTTP Basic consumer_key:consumer_secret:
#   GET /wp-json/wc/v3/products[?per_page=N]   200 [{id, name, sku, stock_quantity, …}]
#   GET /wp-json/wc/v3/system_status           200 {environment: {…}, …}
#   GET /wp-json/wc/v3/webhooks                200 [{id, name, status, topic, delivery_url, …}]
#   PUT /wp-json/wc/v3/webhooks/{id} {…}        200 the webhook updated
#   POST /wp-json/wc/v3/webhooks {name, status, topic, delivery_url, secret}
#        201 the webhook (WooCommerce makes a second identical one if asked twice);
#        no delivery_url 400 rest_missing_callback_param, an unknown topic 400
#        rest_invalid_param.
# The keys it knows: ck_ + 40 "1"s with cs_ + 40 "2"s, and any "ck:cs" pairs listed in
# $ENV{FAKE_WC_KEYS} (comma-separated).  An unknown key gets WooCommerce's 401
# {"code":"woocommerce_rest_authentication_error","message":"Consumer key is invalid.",
# "data":{"status":401}}, a known key with the wrong secret 401 "Invalid signature -
# provided signature does not match.", no credentials 401 woocommerce_rest_cannot_view;
# a route it does not have 404 rest_no_route.  More endpoints (products/{id},
# products/{id}/variations…) are added to @ROUTES.
# A line "STATUS COUNT" in CTL makes the next COUNT requests answer STATUS.
# usage: woocommerce.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use MIME::Base64 qw(decode_base64);
use Fcntl qw(:flock);
use JSON::PP;
use POSIX qw(strftime);

my ($port, $log, $ctl) = @ARGV;
my %KEYS = ('ck_' . ('1' x 40) => 'cs_' . ('2' x 40),
            map { split /:/, $_, 2 } grep { /:/ } split /,/, $ENV{FAKE_WC_KEYS} // '');

sub wc_error {
    my ($status, $code, $message) = @_;
    return ($status, { code => $code, message => $message, data => { status => $status } });
}

# undef when the request's Basic credentials are a known pair, else the error answer.
sub refused {
    my ($req) = @_;
    my ($b64) = ($req->{headers}{authorization} // '') =~ /^Basic\s+(\S+)$/
        or return [wc_error(401, 'woocommerce_rest_cannot_view',
                            'Sorry, you cannot list resources.')];
    my ($key, $secret) = split /:/, decode_base64($b64), 2;
    return [wc_error(401, 'woocommerce_rest_authentication_error', 'Consumer key is invalid.')]
        unless defined $key && exists $KEYS{$key};
    return [wc_error(401, 'woocommerce_rest_authentication_error',
                     'Invalid signature - provided signature does not match.')]
        unless defined $secret && $secret eq $KEYS{$key};
    return undef;
}

my @PRODUCTS = ({ id => 794, name => 'Premium Quality', slug => 'premium-quality',
                  type => 'simple', status => 'publish', sku => 'PQ-001', price => '21.99',
                  regular_price => '21.99', manage_stock => JSON::PP::true,
                  stock_quantity => 12, stock_status => 'instock', variations => [] });

my $JSON = JSON::PP->new->canonical;
my $state = "$log.state";    # the store's webhooks, shared by the children

# Read-modify-write the store's state under a lock; $code gets and may change the hash.
sub with_state {
    my ($code) = @_;
    open my $fh, '+>>', $state or die $!;
    flock $fh, LOCK_EX;
    seek $fh, 0, 0;
    local $/;
    my $text = <$fh>;
    my $st = length($text // '') ? $JSON->decode($text) : { webhooks => [] };
    my @ret = $code->($st);
    seek $fh, 0, 0;
    truncate $fh, 0;
    print $fh $JSON->encode($st);
    close $fh;
    return @ret;
}

my @ROUTES = (
    [GET => qr{^/wp-json/wc/v3/webhooks(?:\?.*)?$}, sub {
        my ($list) = with_state(sub { [@{ $_[0]{webhooks} }] });
        return (200, $list);
    }],
    [PUT => qr{^/wp-json/wc/v3/webhooks/(\d+)$}, sub {
        my ($req, $id) = @_;
        my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
        my ($hook) = with_state(sub {
            my ($h) = grep { $_->{id} == $id } @{ $_[0]{webhooks} } or return undef;
            $h->{$_} = $b->{$_} for grep { exists $b->{$_} } qw(name status topic delivery_url secret);
            $h->{date_modified} = $h->{date_modified_gmt} = strftime('%Y-%m-%dT%H:%M:%S', gmtime);
            return { %$h };
        });
        return wc_error(404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.') unless $hook;
        return (200, $hook);
    }],
    [POST => qr{^/wp-json/wc/v3/webhooks$}, sub {
        my ($req) = @_;
        my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
        return wc_error(400, 'rest_missing_callback_param', 'Missing parameter(s): delivery_url')
            unless $b->{delivery_url};
        return wc_error(400, 'rest_invalid_param', 'Invalid parameter(s): topic')
            unless ($b->{topic} // '') =~ /^(order|product|customer|coupon)\.(created|updated|deleted|restored)$/;
        my ($resource, $event) = split /\./, $b->{topic};
        my $now = strftime('%Y-%m-%dT%H:%M:%S', gmtime);
        my ($hook) = with_state(sub {
            my $h = { id => 100 + @{ $_[0]{webhooks} }, name => $b->{name} // "Webhook created on $now",
                      status => $b->{status} // 'active', topic => $b->{topic}, resource => $resource,
                      event => $event, hooks => ["woocommerce_new_$resource"],
                      delivery_url => $b->{delivery_url}, secret => $b->{secret} // '',
                      date_created => $now, date_created_gmt => $now, date_modified => $now,
                      date_modified_gmt => $now };
            push @{ $_[0]{webhooks} }, $h;
            return $h;
        });
        return (201, $hook);
    }],
    [GET => qr{^/wp-json/wc/v3/products(?:\?(.*))?$}, sub {
        my ($req, $query) = @_;
        my ($n) = ($query // '') =~ /(?:^|&)per_page=(\d+)/;
        my @p = @PRODUCTS;
        splice @p, $n if defined $n && $n < @p;
        return (200, \@p);
    }],
    [GET => qr{^/wp-json/wc/v3/system_status(?:\?.*)?$}, sub {
        return (200, { environment => { home_url => "http://127.0.0.1:$port",
                                        site_url => "http://127.0.0.1:$port",
                                        version => '8.5.2', wp_version => '6.4.3' },
                       database => {}, active_plugins => [], settings => {} });
    }],
);

FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    if (my $fail = FakeHTTP::take_failure($ctl)) {
        return wc_error($fail, 'fake_failure', 'fake failure');
    }
    return wc_error(404, 'rest_no_route', 'No route was found matching the URL and request method.')
        unless $req->{path} =~ m{^/wp-json/};
    for my $rt (@ROUTES) {
        my ($method, $re, $code) = @$rt;
        next unless $req->{method} eq $method;
        my @cap = $req->{path} =~ $re or next;
        if (my $no = refused($req)) { return @$no }
        return $code->($req, @cap);
    }
    return wc_error(404, 'rest_no_route', 'No route was found matching the URL and request method.');
});
