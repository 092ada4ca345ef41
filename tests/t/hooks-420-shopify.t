# Shopify webhooks (cgi-bin/hooks/shopify.c): X-Shopify-Hmac-Sha256 over the raw body
# before anything else (401, nothing written), dedupe on X-Shopify-Webhook-Id in the
# transaction of the effect, paid orders recorded once in the sales log with a
# prokip_sell job, cancellations and refunds returned with prokip_sell_return, other
# topics and shops acknowledged with no effect; concurrent replays apply once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel json);
use SCPB2B;
use SCPStores;

my $s = SCPTest->start(fakes => ['shopify']);
my $sup = new_supplier($s);
my $shop = 'hook-shop.myshopify.com';
my ($cb) = shopify_connect($s, $sup, $shop);
die "connect: $cb->{status} $cb->{content}" unless $cb->{status} == 200;
my $conn = $cb->{json}{id};
my $H = '/webhooks/shopify';
my $n = 0;

sub order {
    my (%o) = @_;
    return { id => 820982911946154508 + ++$n, name => "#10$n", email => 'jon@example.com',
             currency => 'USD', financial_status => 'paid', cancelled_at => undef,
             total_price => '1234.56', subtotal_price => '1200.00',
             line_items => [ { id => 1, sku => 'SKU-RED', title => 'Red shirt', quantity => 2,
                               price => '199.00', product_id => 632910392, variant_id => 808950810 },
                             { id => 2, sku => 'SKU-BLUE', title => 'Blue shirt', quantity => 1,
                               price => '836.56', product_id => 632910393, variant_id => 808950811 } ],
             %o };
}

# Deliver body (a ref is encoded) for topic; opt: id, sig (a forged signature), shop.
sub deliver {
    my ($topic, $body, %o) = @_;
    my $raw = ref $body ? json->encode($body) : $body;
    my %h = ('X-Shopify-Topic' => $topic, 'X-Shopify-Shop-Domain' => $o{shop} // $shop,
             'X-Shopify-Webhook-Id' => $o{id} // 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd04' . ++$n,
             'X-Shopify-API-Version' => '2024-01', 'X-Shopify-Triggered-At' => '2024-01-01T00:00:00Z',
             'X-Shopify-Hmac-Sha256' => $o{sig} // shopify_sig($raw));
    delete $h{'X-Shopify-Hmac-Sha256'} if $o{nosig};
    delete $h{$o{drop}} if $o{drop};
    return $s->req('POST', $H, $raw, headers => \%h);
}

sub count { $s->sql("SELECT count(*) FROM $_[0]") }
sub sales { $s->sql("SELECT count(*) FROM sales_log") }
sub jobs { $s->sql("SELECT count(*) FROM jobs WHERE kind = :'p1'", $_[0]) }

# --- signatures ----------------------------------------------------------------------------------
my $o1 = order();
is api_error(deliver('orders/create', $o1, nosig => 1)), '401 UNAUTHORIZED', 'no signature: 401';
is api_error(deliver('orders/create', $o1, sig => 'AAAA' . substr(shopify_sig('x'), 4))),
    '401 UNAUTHORIZED', 'a forged signature: 401';
is api_error(deliver('orders/create', $o1, sig => shopify_sig(json->encode({ %$o1, total_price => '1.00' })))),
    '401 UNAUTHORIZED', "another body's signature: 401";
my $raw1 = json->encode($o1);
is api_error($s->req('POST', $H, "$raw1 ", headers => { 'X-Shopify-Topic' => 'orders/create',
    'X-Shopify-Shop-Domain' => $shop, 'X-Shopify-Webhook-Id' => 'w-space',
    'X-Shopify-Hmac-Sha256' => shopify_sig($raw1) })), '401 UNAUTHORIZED', 'one byte more: 401';
is api_error(deliver('orders/create', 'not json', sig => 'x')), '401 UNAUTHORIZED',
    'a malformed body with a bad signature: 401 (not 400: verified before parsed)';
is count('webhook_deliveries'), 0, 'nothing recorded by any of these';
is sales(), 0, '... no sale';

# --- verified but malformed ------------------------------------------------------------------------
is api_error(deliver('orders/create', 'not json')), '400 BAD_REQUEST', 'signed, not JSON: 400';
is api_error(deliver('orders/create', '[1]')), '400 BAD_REQUEST', 'signed, not an object: 400';
is api_error(deliver('orders/create', $o1, drop => 'X-Shopify-Webhook-Id')), '400 BAD_REQUEST',
    'no webhook id: 400';
is api_error(deliver('orders/create', $o1, drop => 'X-Shopify-Shop-Domain')), '400 BAD_REQUEST',
    'no shop: 400';
is count('webhook_deliveries'), 0, 'nothing recorded';

# --- a paid order ----------------------------------------------------------------------------------
my $r = deliver('orders/create', $o1, id => 'wh-1');
is $r->{status}, 200, 'orders/create of a paid order: 200';
is_deeply $r->{json}, { received => JSON::PP::true, duplicate => JSON::PP::false, applied => JSON::PP::true },
    '... applied';
my ($sid, $status, $cur, $total, $lines) = split /\t/, $s->sql(
    "SELECT id, status, currency, total, lines FROM sales_log WHERE connection_id = :'p1'"
    . " AND store_order_id = :'p2'", $conn, $o1->{id});
ok $sid, '... one sales-log row for the order';
is_deeply [ $status, $cur, $total ], [ 'pending', 'USD', 123456 ], '... pending, total in cents exactly';
is_deeply [ map { [ @$_{qw(sku quantity unit_price)} ] } @{ json->decode($lines) } ],
    [ [ 'SKU-RED', 2, 19900 ], [ 'SKU-BLUE', 1, 83656 ] ], '... its lines by SKU';
is $s->sql("SELECT payload->>'sales_log_id' FROM jobs WHERE kind = 'prokip_sell'"), $sid,
    '... and a prokip_sell job for it';
is $s->sql("SELECT topic FROM webhook_deliveries WHERE provider = 'shopify' AND delivery_key = 'wh-1'"),
    'orders/create', '... the delivery recorded';

$r = deliver('orders/create', $o1, id => 'wh-1');
is_deeply [ $r->{status}, $r->{json}{duplicate}, $r->{json}{applied} ], [ 200, JSON::PP::true, JSON::PP::false ],
    'the same delivery again: 200, a duplicate';
$r = deliver('orders/updated', $o1, id => 'wh-2');
is_deeply [ $r->{status}, $r->{json}{applied} ], [ 200, JSON::PP::false ],
    'orders/updated of the same order: 200, no second sale';
is sales(), 1, 'one sales-log row';
is jobs('prokip_sell'), 1, 'one prokip_sell job';

# --- not paid, other currencies -------------------------------------------------------------------
my $o2 = order(financial_status => 'pending');
is deliver('orders/create', $o2)->{json}{applied}, JSON::PP::false, 'a pending order: no sale';
$r = deliver('orders/updated', { %$o2, financial_status => 'paid' });
is $r->{json}{applied}, JSON::PP::true, '... until an update says it is paid';
my $o3 = order(currency => 'JPY', total_price => '1500',
               line_items => [ { sku => 'JP-1', quantity => 3, price => '500', title => 'Tea' } ]);
deliver('orders/create', $o3);
is $s->sql("SELECT total || ' ' || (lines->0->>'unit_price') FROM sales_log WHERE store_order_id = :'p1'",
           $o3->{id}), '1500 500', 'yen have no minor unit';
my $o4 = order(currency => 'KWD', total_price => '1.234',
               line_items => [ { sku => 'KW-1', quantity => 1, price => '1.234', title => 'Dates' } ]);
deliver('orders/create', $o4);
is $s->sql("SELECT total FROM sales_log WHERE store_order_id = :'p1'", $o4->{id}), 1234,
    'dinars have three decimals';
my $o5 = order(total_price => '12345678901.99', line_items => [ { quantity => 1, price => '1.10', title => 'No SKU' } ]);
deliver('orders/create', $o5);
is $s->sql("SELECT total || ' ' || coalesce(lines->0->>'sku', 'null') FROM sales_log WHERE store_order_id = :'p1'",
           $o5->{id}), '1234567890199 null', 'large totals exactly; a line without SKU kept as such';

# --- cancellations and refunds ------------------------------------------------------------------
$r = deliver('orders/cancelled', { %$o1, cancelled_at => '2024-01-02T10:00:00-05:00' });
is_deeply [ $r->{status}, $r->{json}{applied} ], [ 200, JSON::PP::true ], 'orders/cancelled: applied';
is $s->sql("SELECT status FROM sales_log WHERE id = :'p1'", $sid), 'returned', '... the sale returned';
is $s->sql("SELECT payload->>'sales_log_id' FROM jobs WHERE kind = 'prokip_sell_return'"), $sid,
    '... and a prokip_sell_return job';
is deliver('orders/cancelled', $o1)->{json}{applied}, JSON::PP::false, 'cancelled again: no effect';
is jobs('prokip_sell_return'), 1, '... one return job';
$r = deliver('orders/updated', { %$o2, financial_status => 'refunded' });
is $r->{json}{applied}, JSON::PP::true, 'an order refunded (orders/updated): returned';
is $s->sql("SELECT status FROM sales_log WHERE store_order_id = :'p1'", $o2->{id}), 'returned',
    '... its sale returned';
is deliver('orders/cancelled', order())->{json}{applied}, JSON::PP::false,
    'a cancelled order never sold: no effect';

# --- other topics, other shops -----------------------------------------------------------------
my $before = sales();
$r = deliver('products/update', { id => 632910392, title => 'IPod Nano', variants => [] }, id => 'wh-p');
is_deeply [ $r->{status}, $r->{json}{applied} ], [ 200, JSON::PP::false ], 'products/update: 200, no effect';
is $s->sql("SELECT count(*) FROM webhook_deliveries WHERE delivery_key = 'wh-p'"), 1, '... recorded as delivered';
is deliver('app/uninstalled', { id => 1 })->{status}, 200, 'an unknown topic: 200';
$r = deliver('orders/create', order(), shop => 'stranger.myshopify.com');
is_deeply [ $r->{status}, $r->{json}{applied} ], [ 200, JSON::PP::false ], 'a shop not connected: 200, no effect';
is sales(), $before, 'no sale from any of these';

# --- concurrent replays ----------------------------------------------------------------------------
my $o6 = order();
my $raw6 = json->encode($o6);
my $sell0 = jobs('prokip_sell');
my @res = parallel(5, sub { my $x = deliver('orders/create', $raw6, id => 'wh-race');
                             { status => $x->{status}, applied => $x->{json}{applied} ? 1 : 0 } });
is_deeply [ map { $_->{status} } @res ], [ (200) x 5 ], '5 concurrent replays: all 200';
is scalar(grep { $_->{applied} } @res), 1, '... one applied';
is $s->sql("SELECT count(*) FROM sales_log WHERE store_order_id = :'p1'", $o6->{id}), 1, '... one sales-log row';
is jobs('prokip_sell') - $sell0, 1, '... one prokip_sell job';
my $o7 = order();
@res = parallel(5, sub { my $x = deliver($_[0] % 2 ? 'orders/updated' : 'orders/create', $o7);
                         { status => $x->{status} } });
is_deeply [ map { $_->{status} } @res ], [ (200) x 5 ], '5 concurrent deliveries of one order: all 200';
is $s->sql("SELECT count(*) FROM sales_log WHERE store_order_id = :'p1'", $o7->{id}), 1, '... one sale';

my $ret0 = jobs('prokip_sell_return');
@res = parallel(5, sub { my $x = deliver('orders/cancelled', $o7, id => "wh-cancel-$_[0]");
                         { status => $x->{status}, applied => $x->{json}{applied} ? 1 : 0 } });
is_deeply [ map { $_->{status} } @res ], [ (200) x 5 ], '5 concurrent cancellations of one sale (5 webhook ids): all 200';
is scalar(grep { $_->{applied} } @res), 1, '... one applied';
is $s->sql("SELECT status FROM sales_log WHERE store_order_id = :'p1'", $o7->{id}), 'returned',
    '... the sale returned';
is jobs('prokip_sell_return') - $ret0, 1, '... one prokip_sell_return job';

# --- a disconnected shop, oversized -------------------------------------------------------------
$s->del("/api/v1/connections/$conn", token => $sup->{token});
is deliver('orders/create', order())->{json}{applied}, JSON::PP::false, 'a disconnected shop: no effect';
is $s->req('POST', $H, 'x' x (3 * 1024 * 1024 + 10), headers => { 'X-Shopify-Hmac-Sha256' => 'x' })->{status},
    413, 'a body over 3 MB: 413';

done_testing;
