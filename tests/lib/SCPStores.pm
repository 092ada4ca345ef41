package SCPStores;
# Helpers for the store tests (tests/t/{sync-6*,hooks-420,hooks-430}-*.t): Shopify's OAuth
# callback signed as Shopify signs it, a whole Shopify authorization, webhook signatures,
# an active store connection written as the connection routes leave one.
# The secrets are the ones SCPTest configures with the shopify and woocommerce fakes.
use strict;
use warnings;
use Exporter 'import';
use Digest::SHA qw(hmac_sha256_hex hmac_sha256_base64 sha256_hex);

our @EXPORT = qw(callback_query shopify_connect shopify_token shopify_sig woo_sig uri_escape
                 store_connection sync_cast record_sale SHOPIFY_SECRET WC_SECRET);

use constant SHOPIFY_SECRET => 'test-shopify-secret';
use constant WC_SECRET => 'test-wc-secret';

sub uri_escape {
    my ($v) = @_;
    $v =~ s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ge;
    return $v;
}

# Digest::SHA's base64 has no padding; Shopify's and WooCommerce's has.
sub _b64 { my $s = shift; $s .= '=' while length($s) % 4; $s }
sub shopify_sig { _b64(hmac_sha256_base64($_[0], SHOPIFY_SECRET)) }
sub woo_sig { _b64(hmac_sha256_base64($_[0], WC_SECRET)) }

# The sync tests' stack and cast: the Prokip and store fakes with `skus` SKUs each, a
# supplier with a manager and a sales rep, another supplier, and a consumer.
sub sync_cast {
    my ($skus) = @_;
    require SCPTest;
    require SCPB2B;
    my $s = SCPTest->start(fakes => ['prokip', 'storepush']);
    for my $f ('prokip', 'storepush') {
        open my $fh, '>', "$s->{fakes}{$f}{ctl}.skus" or die $!;
        print $fh $skus;
    }
    my $sup = SCPB2B::new_supplier($s);
    return ($s, $sup, SCPB2B::add_staff($s, $sup, 'manager'), SCPB2B::add_staff($s, $sup, 'sales_rep'),
            SCPB2B::new_supplier($s), $s->signup(role => 'consumer'));
}

# An active connection of sup's to a store, its secrets sealed to their row (as the
# stores' connection routes leave them); returns its id.
sub store_connection {
    my ($s, $sup, $platform, $url, %sec) = @_;
    my $id = $s->sql('SELECT gen_random_uuid()');
    my %sealed = map { $_ => $s->seal("$id:$_", $sec{$_}) } keys %sec;
    $s->sql("INSERT INTO store_connections (id, supplier_id, platform, store_url, status,"
            . " access_token, consumer_key, consumer_secret)"
            . " VALUES (:'p1', :'p2', :'p3', :'p4', 'active', :'p5', :'p6', :'p7')",
            $id, $sup->{id}, $platform, $url, $sealed{access_token}, $sealed{consumer_key},
            $sealed{consumer_secret});
    return $id;
}

# A paid store order recorded as a webhook or a pull records it (scp_store_record_sale,
# which queues its prokip_sell job): lines as JSON text; returns what the function does.
sub record_sale {
    my ($s, $conn, $order, $currency, $total, $lines) = @_;
    return $s->sql("SELECT scp_store_record_sale(:'p1', :'p2', :'p3', :'p4', :'p5'::jsonb)",
                   $conn, $order, $currency, $total, $lines);
}
# The token the fake Shopify hands out for code.
sub shopify_token { 'shpat_' . substr(sha256_hex("token:$_[0]"), 0, 32) }

# Initiate and finish an authorization for shop as sup; returns the callback's response
# and the code used.
my $n = 0;
sub shopify_connect {
    my ($s, $sup, $shop) = @_;
    my $r = $s->post('/api/v1/connections/shopify/initiate', { shop => $shop },
                     token => $sup->{token});
    die "initiate: $r->{status} $r->{content}" unless $r->{status} == 200;
    my $code = 'code' . ++$n . "x$$";
    my $cb = $s->get('/api/v1/connections/shopify/callback?'
                     . callback_query(code => $code, shop => $shop, state => $r->{json}{state}));
    return ($cb, $code);
}

# Callback parameters with a fresh timestamp and host, signed (unless hmac is given).
sub callback_query {
    my (%p) = @_;
    $p{timestamp} //= time;
    $p{host} //= 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdA';
    my $forged = delete $p{hmac};
    # As shopify-api-js signs: values form-encoded (URLSearchParams); else decoded.
    my $form = delete $p{form_encoded};
    my $enc = sub { my $v = shift; $v =~ s/([^A-Za-z0-9*\-._ ])/sprintf '%%%02X', ord $1/ge;
                    $v =~ tr/ /+/; $v };
    my $msg = join '&', map { $form ? $enc->($_) . '=' . $enc->($p{$_}) : "$_=$p{$_}" } sort keys %p;
    my $hmac = $forged // hmac_sha256_hex($msg, SHOPIFY_SECRET);
    return join '&', (map { "$_=" . uri_escape($p{$_}) } sort keys %p), "hmac=$hmac";
}

1;
