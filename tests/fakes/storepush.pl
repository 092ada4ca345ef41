#!/usr/bin/env perl
# A fake Shopify Admin REST API and WooCommerce REST API (v3) on one loopback port, for
# the sync's store pushes and order pulls.  Records every request as one JSON line in LOG.
# The stores sell SKU-00001…SKU-NNNNN (NNNNN from CTL.skus, 5000 by default) except
# SKU-00013.
# Shopify (X-Shopify-Access-Token required, else 401 {"errors": "[API] Invalid API key or
# access token …"}):
#   GET  /admin/api/{v}/locations.json           {locations: [{id: 655441491, active}]}
#   GET  /admin/api/{v}/products.json?limit&since_id  {products: [{id, variants: [{id, sku,
#        inventory_item_id}]}]}  (product 7000000000+i, variant 4000000000+i, item 8000000000+i)
#   POST /admin/api/{v}/inventory_levels/set.json {location_id, inventory_item_id, available}
#        → {inventory_level: {…}}
#   GET  /admin/api/{v}/orders.json?limit&since_id {orders: CTL.shopify-orders (JSON) or [],
#        by id, after since_id, at most limit}
# WooCommerce (HTTP Basic required, else 401 woocommerce_rest_cannot_view):
#   GET  /wp-json/wc/v3/products?sku=X            [{id: 500+i, sku, parent_id: 0, …}] or []
#   PUT  /wp-json/wc/v3/products/{id}             {stock_quantity, manage_stock} → the product
#   GET  /wp-json/wc/v3/orders?per_page&page      CTL.woo-orders (JSON) or [], that page
# A line "STATUS COUNT" in CTL makes the next COUNT requests answer STATUS (a store down).
# usage: storepush.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use JSON::PP;

my ($port, $log, $ctl) = @ARGV;

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return;
    local $/;
    return scalar <$fh>;
}

sub query {
    my ($path) = @_;
    my ($q) = $path =~ /\?(.*)$/;
    my %f;
    for my $pair (split /&/, $q // '') {
        my ($k, $v) = split /=/, $pair, 2;
        for ($k, $v) { $_ //= ''; tr/+/ /; s/%([0-9A-Fa-f]{2})/chr hex $1/ge }
        $f{$k} = $v;
    }
    return \%f;
}

sub by_id { $a->{id} <=> $b->{id} }
sub skus { (slurp("$ctl.skus") // 5000) + 0 }
sub sells { my ($i) = @_; $i >= 1 && $i <= skus() && $i != 13 }

FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    if (my $fail = FakeHTTP::take_failure($ctl)) {
        return ($fail, { errors => 'Service Unavailable' });
    }
    my ($path) = $req->{path} =~ /^([^?]*)/;
    my $q = query($req->{path});
    my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
    if ($path =~ m{^/admin/api/[\w-]+/(.+)$}) {
        my $what = $1;
        return (401, { errors => '[API] Invalid API key or access token (unrecognized login or wrong password)' })
            unless ($req->{headers}{'x-shopify-access-token'} // '') =~ /^shpat_\w+$/;
        if ($req->{method} eq 'GET' && $what eq 'locations.json') {
            return (200, { locations => [{ id => 655441491, name => 'Main', active => JSON::PP::true }] });
        }
        if ($req->{method} eq 'GET' && $what eq 'products.json') {
            my $limit = ($q->{limit} // 50) + 0;
            my $since = ($q->{since_id} // 0) + 0;
            my $first = $since >= 7000000000 ? $since - 7000000000 + 1 : 1;
            my @p;
            for (my $i = $first; @p < $limit && $i <= skus(); $i++) {
                next unless sells($i);
                push @p, { id => 7000000000 + $i,
                           variants => [{ id => 4000000000 + $i, sku => sprintf('SKU-%05d', $i),
                                          inventory_item_id => 8000000000 + $i }] };
            }
            return (200, { products => \@p });
        }
        if ($req->{method} eq 'POST' && $what eq 'inventory_levels/set.json') {
            return (422, { errors => { available => ['is required'] } })
                unless ($b->{location_id} // '') =~ /^\d+$/
                    && ($b->{inventory_item_id} // '') =~ /^\d+$/
                    && ($b->{available} // '') =~ /^-?\d+$/;
            return (404, { errors => 'Not Found' })
                unless sells($b->{inventory_item_id} - 8000000000);
            return (200, { inventory_level => { inventory_item_id => $b->{inventory_item_id},
                           location_id => $b->{location_id}, available => $b->{available},
                           updated_at => '2026-01-01T00:00:00-05:00' } });
        }
        if ($req->{method} eq 'GET' && $what eq 'orders.json') {
            my $all = eval { decode_json(slurp("$ctl.shopify-orders") // '[]') } || [];
            my $limit = ($q->{limit} // 50) + 0;
            my @o = grep { $_->{id} > ($q->{since_id} // 0) } sort by_id @$all;
            splice @o, $limit if @o > $limit;
            return (200, { orders => \@o });
        }
        return (404, { errors => 'Not Found' });
    }
    if ($path =~ m{^/wp-json/wc/v3/(.+)$}) {
        my $what = $1;
        return (401, { code => 'woocommerce_rest_cannot_view',
                       message => 'Sorry, you cannot list resources.', data => { status => 401 } })
            unless ($req->{headers}{authorization} // '') =~ /^Basic \S+/;
        if ($req->{method} eq 'GET' && $what eq 'products') {
            my ($i) = ($q->{sku} // '') =~ /^SKU-(\d{5})$/;
            return (200, []) unless $i && sells($i + 0);
            return (200, [{ id => 500 + $i, sku => $q->{sku}, parent_id => 0, type => 'simple',
                            manage_stock => JSON::PP::true, stock_quantity => 0 }]);
        }
        if ($req->{method} eq 'PUT' && $what =~ m{^products/(\d+)$}) {
            my $id = $1;
            return (404, { code => 'woocommerce_rest_product_invalid_id', message => 'Invalid ID.',
                           data => { status => 404 } }) unless sells($id - 500);
            return (400, { code => 'rest_invalid_param', message => 'Invalid parameter(s): stock_quantity',
                           data => { status => 400 } }) unless ($b->{stock_quantity} // '') =~ /^-?\d+$/;
            return (200, { id => $id + 0, sku => sprintf('SKU-%05d', $id - 500),
                           stock_quantity => $b->{stock_quantity}, manage_stock => $b->{manage_stock} });
        }
        if ($req->{method} eq 'GET' && $what eq 'orders') {
            my $all = eval { decode_json(slurp("$ctl.woo-orders") // '[]') } || [];
            my $per = ($q->{per_page} // 10) + 0;
            my $first = (($q->{page} // 1) - 1) * $per;
            return (200, [grep { defined } @$all[$first .. $first + $per - 1]]);
        }
        return (404, { code => 'rest_no_route', message => 'No route was found matching the URL and request method.',
                       data => { status => 404 } });
    }
    return (404, { errors => 'Not Found' });
});
