# WooCommerce webhooks (cgi-bin/hooks/woocommerce.c): the unsigned ping answered 200 with
# nothing else; X-WC-Webhook-Signature verified over the raw body first (401, nothing
# written); the store found by X-WC-Webhook-Source; dedupe on X-WC-Webhook-Delivery-ID,
# or on the resource id and date_modified; processing and completed orders recorded once
# with a prokip_sell job, cancelled and refunded ones returned; concurrent replays once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel json);
use SCPB2B;
use SCPStores;
use Digest::SHA ();

my $s = SCPTest->start(fakes => ['woocommerce']);
my $sup = new_supplier($s);
my $woo = $s->woo_url;
my $r = $s->post('/api/v1/connections/woocommerce',
    { store_url => $woo, consumer_key => 'ck_' . ('1' x 40), consumer_secret => 'cs_' . ('2' x 40) },
    token => $sup->{token});
die "connect: $r->{status} $r->{content}" unless $r->{status} == 201;
my $conn = $r->{json}{id};
my $H = '/webhooks/woocommerce';
my $n = 0;

sub order {
    my (%o) = @_;
    my $id = 727 + ++$n;
    return { id => $id, parent_id => 0, number => "$id", order_key => "wc_order_$id",
             status => 'processing', currency => 'USD', total => '29.35', total_tax => '1.35',
             date_created => '2024-01-02T10:00:00', date_modified => '2024-01-02T10:00:0' . ($n % 10),
             date_modified_gmt => '2024-01-02T15:00:0' . ($n % 10),
             line_items => [ { id => 315, name => 'Woo Single #1', product_id => 93, variation_id => 0,
                               quantity => 2, subtotal => '12.00', total => '12.00', sku => 'WOO-1',
                               price => 6 },
                             { id => 316, name => 'Ship Your Idea', product_id => 22, variation_id => 23,
                               quantity => 1, subtotal => '16.00', total => '16.00', sku => 'IDEA-B',
                               price => 16.005 } ],
             %o };
}

# Deliver body for topic; opt: delivery (undef: none), sig, source, nosig.
sub deliver {
    my ($topic, $body, %o) = @_;
    my $raw = ref $body ? json->encode($body) : $body;
    my ($resource, $event) = split /\./, $topic;
    my %h = ('X-WC-Webhook-Source' => $o{source} // "$woo/", 'X-WC-Webhook-Topic' => $topic,
             'X-WC-Webhook-Resource' => $resource, 'X-WC-Webhook-Event' => $event // '',
             'X-WC-Webhook-ID' => 15, 'X-WC-Webhook-Signature' => $o{sig} // woo_sig($raw));
    $h{'X-WC-Webhook-Delivery-ID'} = exists $o{delivery} ? $o{delivery} : 'd' . ++$n . "x$$";
    delete $h{'X-WC-Webhook-Delivery-ID'} unless defined $h{'X-WC-Webhook-Delivery-ID'};
    delete $h{'X-WC-Webhook-Signature'} if $o{nosig};
    return $s->req('POST', $H, $raw, headers => \%h);
}

sub count { $s->sql("SELECT count(*) FROM $_[0]") }
sub sig_with { my ($k, $raw) = @_; my $b = Digest::SHA::hmac_sha256_base64($raw, $k); $b .= '=' while length($b) % 4; $b }
sub sales { $s->sql("SELECT count(*) FROM sales_log") }
sub jobs { $s->sql("SELECT count(*) FROM jobs WHERE kind = :'p1'", $_[0]) }

# --- the ping ----------------------------------------------------------------------------------
my $jobs0 = count('jobs');
$r = $s->req('POST', $H, 'webhook_id=15', type => 'application/x-www-form-urlencoded',
             headers => { 'User-Agent' => 'WooCommerce/8.5.2 Hookshot (WordPress/6.4.3)' });
is $r->{status}, 200, 'the ping (webhook_id=…, unsigned): 200';
is count('webhook_deliveries') + count('sales_log') + count('jobs') - $jobs0, 0, '... nothing else';

# --- signatures ----------------------------------------------------------------------------------
my $o1 = order();
is api_error(deliver('order.created', $o1, nosig => 1)), '401 UNAUTHORIZED', 'an unsigned order: 401';
is api_error(deliver('order.created', $o1, sig => woo_sig('{}'))), '401 UNAUTHORIZED', 'a wrong signature: 401';
is api_error(deliver('order.created', $o1, sig => 'not base64 at all')), '401 UNAUTHORIZED', 'garbage: 401';
is api_error($s->req('POST', $H, 'webhook_id=15', type => 'application/x-www-form-urlencoded',
                     headers => { 'X-WC-Webhook-Signature' => 'AAAA' })), '401 UNAUTHORIZED',
    'a ping with a wrong signature: 401';
is api_error($s->req('POST', $H, 'webhook_id=15&x=1', type => 'application/x-www-form-urlencoded')),
    '401 UNAUTHORIZED', 'anything more than the ping, unsigned: 401';
is count('webhook_deliveries') + count('sales_log'), 0, 'nothing written by any of these';

# --- verified but malformed --------------------------------------------------------------------
is api_error(deliver('order.created', 'nope')), '400 BAD_REQUEST', 'signed, not JSON: 400';
is api_error($s->req('POST', $H, json->encode($o1), headers => {
    'X-WC-Webhook-Signature' => woo_sig(json->encode($o1)), 'X-WC-Webhook-Topic' => 'order.created' })),
    '400 BAD_REQUEST', 'no X-WC-Webhook-Source: 400';
is api_error(deliver('order.created', { status => 'processing' }, delivery => undef)), '400 BAD_REQUEST',
    'no delivery id and no resource id: 400';

# --- a processing order ------------------------------------------------------------------------
$r = deliver('order.created', $o1, delivery => 'dl-1');
is_deeply [ $r->{status}, $r->{json}{applied} ], [ 200, JSON::PP::true ], 'order.created, processing: applied';
my ($sid, $cur, $total, $lines) = split /\t/, $s->sql(
    "SELECT id, currency, total, lines FROM sales_log WHERE connection_id = :'p1' AND store_order_id = :'p2'",
    $conn, $o1->{id});
ok $sid, '... a sales-log row, found by X-WC-Webhook-Source (its trailing slash ignored)';
is_deeply [ $cur, $total ], [ 'USD', 2935 ], '... the total in cents exactly';
is_deeply [ map { [ @$_{qw(sku quantity unit_price)} ] } @{ json->decode($lines) } ],
    [ [ 'WOO-1', 2, 600 ], [ 'IDEA-B', 1, 1601 ] ], '... lines by SKU (a long unit price rounded half up)';
is $s->sql("SELECT payload->>'sales_log_id' FROM jobs WHERE kind = 'prokip_sell'"), $sid, '... a prokip_sell job';
$r = deliver('order.created', $o1, delivery => 'dl-1');
is_deeply [ $r->{status}, $r->{json}{duplicate} ], [ 200, JSON::PP::true ], 'the same delivery id again: a duplicate';
is deliver('order.updated', { %$o1, status => 'completed' })->{json}{applied}, JSON::PP::false,
    'completed later: no second sale';
is sales(), 1, 'one sales-log row';
is jobs('prokip_sell'), 1, 'one prokip_sell job';

# Without a delivery id: the resource id and its date_modified.
my $o2 = order(status => 'completed');
is deliver('order.updated', $o2, delivery => undef)->{json}{applied}, JSON::PP::true,
    'no delivery id, completed: applied';
is deliver('order.updated', $o2, delivery => undef)->{json}{duplicate}, JSON::PP::true,
    '... the same id and date_modified again: a duplicate';
$r = deliver('order.updated', { %$o2, date_modified_gmt => '2024-02-01T00:00:00' }, delivery => undef);
is_deeply [ $r->{json}{duplicate}, $r->{json}{applied} ], [ JSON::PP::false, JSON::PP::false ],
    '... modified again: a new delivery, no second sale';

# Statuses that are no sale.
for my $st (qw(pending on-hold failed)) {
    is deliver('order.created', order(status => $st))->{json}{applied}, JSON::PP::false, "status $st: no sale";
}

# --- cancelled, refunded ----------------------------------------------------------------------
$r = deliver('order.updated', { %$o1, status => 'cancelled' });
is $r->{json}{applied}, JSON::PP::true, 'cancelled: applied';
is $s->sql("SELECT status FROM sales_log WHERE id = :'p1'", $sid), 'returned', '... the sale returned';
is $s->sql("SELECT payload->>'sales_log_id' FROM jobs WHERE kind = 'prokip_sell_return'"), $sid,
    '... a prokip_sell_return job';
is deliver('order.updated', { %$o2, status => 'refunded' })->{json}{applied}, JSON::PP::true, 'refunded: applied';
is deliver('order.updated', { %$o2, status => 'refunded', date_modified_gmt => 'x' })->{json}{applied},
    JSON::PP::false, 'refunded again: no effect';
is jobs('prokip_sell_return'), 2, 'one return job each';

# --- other topics, other stores ------------------------------------------------------------------
my $before = sales();
is_deeply [ map { $_->{status} } deliver('product.updated', { id => 93, sku => 'WOO-1', stock_quantity => 3 }) ],
    [ 200 ], 'product.updated: 200';
is deliver('order.created', order(), source => 'https://stranger.example.com/')->{json}{applied},
    JSON::PP::false, 'a store not connected: no effect';
is sales(), $before, 'no sale from these';

# --- the connection's own webhook secret ------------------------------------------------------
my ($reg) = ();
$s->wait_until(10, sub {
    ($reg) = grep { $_->{method} eq 'POST' && $_->{path} eq '/wp-json/wc/v3/webhooks' }
        $s->fake_requests('woocommerce');
    $reg;
});
my $own = $reg->{json}{secret};
my $o9 = order();
my $raw9 = json->encode($o9);
is deliver('order.created', $raw9, sig => sig_with($own, $raw9))->{json}{applied}, JSON::PP::true,
    "a delivery signed with the secret SCP gave the store's webhook: applied";
# Another supplier's store (the same fake under another name) has its own secret.
my $sup2 = new_supplier($s);
my $woo2 = $woo =~ s/127\.0\.0\.1/localhost/r;
$r = $s->post('/api/v1/connections/woocommerce',
    { store_url => $woo2, consumer_key => 'ck_' . ('1' x 40), consumer_secret => 'cs_' . ('2' x 40) },
    token => $sup2->{token});
is $r->{status}, 201, 'a second store connected';
my ($reg2) = ();
$s->wait_until(10, sub {
    # (one fake under two names: the second store's job finds the first's and updates them)
    ($reg2) = grep { $_->{method} =~ /^(POST|PUT)$/ && $_->{path} =~ m{^/wp-json/wc/v3/webhooks}
                     && $_->{json}{secret} ne $own } $s->fake_requests('woocommerce');
    $reg2;
});
ok $reg2, '... its webhooks made with a secret of its own';
my $o10 = order();
my $raw10 = json->encode($o10);
my $before10 = sales();
is api_error(deliver('order.created', $raw10, sig => sig_with($own, $raw10), source => "$woo2/")),
    '401 UNAUTHORIZED', "one store's secret does not sign deliveries naming another store: 401";
is sales(), $before10, '... nothing written';
is deliver('order.created', $raw10, sig => sig_with($reg2->{json}{secret}, $raw10), source => "$woo2/")
    ->{json}{applied}, JSON::PP::true, "... its own does";
is $s->sql("SELECT c.supplier_id FROM sales_log l JOIN store_connections c ON c.id = l.connection_id"
           . " WHERE l.store_order_id = :'p1'", $o10->{id}), $sup2->{id}, "... for that store's supplier";

# --- concurrent replays ----------------------------------------------------------------------------
my $o3 = order();
my $raw3 = json->encode($o3);
my $sell0 = jobs('prokip_sell');
my @res = parallel(5, sub { my $x = deliver('order.created', $raw3, delivery => 'dl-race');
                             { status => $x->{status}, applied => $x->{json}{applied} ? 1 : 0 } });
is_deeply [ map { $_->{status} } @res ], [ (200) x 5 ], '5 concurrent replays: all 200';
is scalar(grep { $_->{applied} } @res), 1, '... one applied';
is $s->sql("SELECT count(*) FROM sales_log WHERE store_order_id = :'p1'", $o3->{id}), 1, '... one sales-log row';
is jobs('prokip_sell') - $sell0, 1, '... one prokip_sell job';

done_testing;
