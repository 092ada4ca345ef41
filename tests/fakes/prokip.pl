#!/usr/bin/env perl
# A fake Prokip API (the UltimatePOS-based API seed 004's backend calls; the shapes
# assumed are in docs/decisions.md) on loopback.  Records every request as one JSON line
# in LOG and answers:
#   POST /oauth/token (form)  grant_type=password with client_id 7, client_secret
#        fake-prokip-client-secret, username owner@prokip.test, password prokip-pass;
#        grant_type=refresh_token with a refresh token it issued →
#        {token_type, expires_in, access_token, refresh_token}; else 400 invalid_grant
#   GET  /connector/api/product-stock-report?location_id&per_page&page  a Laravel page
#        {current_page, data: [{product_id, variation_id, sku, product, location_id,
#        stock: "N.0000", …}], last_page, per_page, total, …} of SKU-00001…SKU-NNNNN
#        (NNNNN from CTL.skus, 5000 by default), stock (i * 37) % 500 unless CTL.stock
#        (a JSON object sku → stock) says otherwise
#   GET  /connector/api/business-location → {data: [{id, business_id, location_id, name,
#        city, state, country, mobile, …}]}: locations 1 (Main Store) and 2 (Westlands)
#   POST /connector/api/sell {sells: [{location_id, invoice_no, products: […], …}]}
#        → 200 [{id, invoice_no, …}]; the id follows from invoice_no, so the same
#        invoice answers the same sell (the recognisable retry)
#   POST /connector/api/sell-return {transaction_id, products} → 200 {id, …}
# Any /connector/api/ call without a bearer token it issued (pk_at_…) or one starting
# tok_ (a token given as is) gets Laravel's 401 {"message": "Unauthenticated."}.  A line
# "STATUS COUNT" in CTL makes the next COUNT requests answer STATUS.
# usage: prokip.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use Digest::MD5 qw(md5);
use JSON::PP;

my ($port, $log, $ctl) = @ARGV;

sub form {
    my ($body) = @_;
    my %f;
    for my $pair (split /&/, $body // '') {
        my ($k, $v) = split /=/, $pair, 2;
        for ($k, $v) { $_ //= ''; tr/+/ /; s/%([0-9A-Fa-f]{2})/chr hex $1/ge }
        $f{$k} = $v;
    }
    return \%f;
}

sub query { my ($path) = @_; my ($q) = $path =~ /\?(.*)$/; form($q) }

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return;
    local $/;
    return scalar <$fh>;
}

sub tokens {
    my $r = join '', map { ('a' .. 'z', 0 .. 9)[rand 36] } 1 .. 24;
    return (200, { token_type => 'Bearer', expires_in => 31536000,
                   access_token => "pk_at_$r", refresh_token => "pk_rt_$r" });
}

sub stock_page {
    my ($q) = @_;
    my $n = (slurp("$ctl.skus") // 5000) + 0;
    my $over = eval { decode_json(slurp("$ctl.stock") // '{}') } || {};
    # a SKU's unit_price as written in "$ctl.prices" ({"SKU-00002": "12,50"}), null included
    my $prices = eval { decode_json(slurp("$ctl.prices") // '{}') } || {};
    my $per = $q->{per_page} && $q->{per_page} =~ /^\d+$/ ? $q->{per_page} : 25;
    my $page = $q->{page} && $q->{page} =~ /^\d+$/ ? $q->{page} : 1;
    my $last = $n ? int(($n + $per - 1) / $per) : 1;
    my @data;
    for my $i (($page - 1) * $per + 1 .. $page * $per) {
        last if $i > $n;
        my $sku = sprintf 'SKU-%05d', $i;
        my $stock = exists $over->{$sku} ? $over->{$sku} : ($i * 37) % 500;
        push @data, { product_id => $i, variation_id => 100000 + $i, sku => $sku,
                      product => "Product $i", type => 'single',
                      location_id => ($q->{location_id} // '') =~ /^\d+$/ ? $q->{location_id} + 0 : $q->{location_id}, location_name => 'Main',
                      unit => 'Pc(s)',
                      unit_price => exists $prices->{$sku} ? $prices->{$sku} : sprintf('%.4f', 10 + $i % 7),
                      stock => sprintf('%.4f', $stock), total_sold => '0.0000' };
    }
    return { current_page => $page + 0, data => \@data, from => @data ? ($page - 1) * $per + 1 : undef,
             to => @data ? ($page - 1) * $per + @data : undef, last_page => $last,
             per_page => $per + 0, total => $n, path => '/connector/api/product-stock-report',
             next_page_url => $page < $last ? "/connector/api/product-stock-report?page=" . ($page + 1) : undef,
             prev_page_url => $page > 1 ? "/connector/api/product-stock-report?page=" . ($page - 1) : undef };
}

FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    if (my $fail = FakeHTTP::take_failure($ctl)) {
        return ($fail, { message => 'Server Error' });
    }
    my ($path) = $req->{path} =~ /^([^?]*)/;
    if ($req->{method} eq 'POST' && $path eq '/oauth/token') {
        my $f = form($req->{body});
        my @bad = (400, { error => 'invalid_grant', error_description =>
                          'The user credentials were incorrect.',
                          message => 'The user credentials were incorrect.' });
        return (401, { error => 'invalid_client', message => 'Client authentication failed' })
            unless ($f->{client_id} // '') eq '7'
                && ($f->{client_secret} // '') eq 'fake-prokip-client-secret';
        if (($f->{grant_type} // '') eq 'password') {
            return @bad unless ($f->{username} // '') eq 'owner@prokip.test'
                && ($f->{password} // '') eq 'prokip-pass';
            return tokens();
        }
        if (($f->{grant_type} // '') eq 'refresh_token') {
            return @bad unless ($f->{refresh_token} // '') =~ /^pk_rt_\w+$/;
            return tokens();
        }
        return (400, { error => 'unsupported_grant_type', message => 'unsupported grant type' });
    }
    return (404, { message => 'Not Found' }) unless $path =~ m{^/connector/api/};
    return (401, { message => 'Unauthenticated.' })
        unless ($req->{headers}{authorization} // '') =~ /^Bearer (pk_at_\w+|tok_\w+)$/;
    if ($req->{method} eq 'GET' && $path eq '/connector/api/business-location') {
        return (200, { data => [
            { id => 1, business_id => 1, location_id => 'BL0001', name => 'Main Store',
              landmark => 'Moi Avenue', country => 'Kenya', state => 'Nairobi',
              city => 'Nairobi', zip_code => '00100', mobile => '+254700000001',
              is_active => 1 },
            { id => 2, business_id => 1, location_id => 'BL0002', name => 'Westlands Branch',
              landmark => 'Sarit Centre', country => 'Kenya', state => 'Nairobi',
              city => 'Nairobi', zip_code => '00800', mobile => '+254700000002',
              is_active => 1 } ] });
    }
    if ($req->{method} eq 'GET' && $path eq '/connector/api/product-stock-report') {
        return (200, stock_page(query($req->{path})));
    }
    my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
    if ($req->{method} eq 'POST' && $path eq '/connector/api/sell') {
        my $s = ref $b->{sells} eq 'ARRAY' ? $b->{sells}[0] : undef;
        return (422, { error => { message => 'The sells field is required.' } })
            unless ref $s eq 'HASH' && $s->{invoice_no} && $s->{location_id}
                && ref $s->{products} eq 'ARRAY' && @{ $s->{products} };
        my $id = unpack('N', md5($s->{invoice_no})) % 900000000 + 1000;
        return (200, [{ id => $id, business_id => 1, location_id => $s->{location_id},
                        type => 'sell', status => 'final', payment_status => 'paid',
                        invoice_no => $s->{invoice_no}, final_total => $s->{final_total},
                        transaction_date => $s->{transaction_date} }]);
    }
    if ($req->{method} eq 'POST' && $path eq '/connector/api/sell-return') {
        return (422, { error => { message => 'The transaction id field is required.' } })
            unless $b->{transaction_id} && ref $b->{products} eq 'ARRAY';
        my $id = unpack('N', md5("return:$b->{transaction_id}")) % 900000000 + 1000;
        return (200, { id => $id, type => 'sell_return', return_parent_id => $b->{transaction_id},
                       invoice_no => $b->{invoice_no} });
    }
    return (404, { message => 'Not Found' });
});
