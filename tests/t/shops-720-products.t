# A shop's products at /api/shops/:shopId/products (the cliick profile): create, list,
# get, update, delete; each validation error; team rights (support agents read only,
# strangers 404, another shop's product 404); exact money; stock movements; concurrent
# relative stock changes that never take the stock below 0; a cookie write's CSRF check.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPShops qw(shop_account fields_of member_list_checks);

my $allowed = 'http://shop.example';
my $s = SCPTest->start(env => { SCP_CORS_ORIGINS => $allowed });

my ($owner, $stranger, $agent, $manager, $admin) = map { shop_account($s, 'prod') } 1 .. 5;
my $shop = $s->post('/api/shops', { name => 'Teak' }, token => $owner->{token})->{json}{data};
my $other = $s->post('/api/shops', { name => 'Other' }, token => $stranger->{token})->{json}{data};
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop->{id}', '$agent->{id}', 'support_agent'),"
        . " ('$shop->{id}', '$manager->{id}', 'order_manager'),"
        . " ('$shop->{id}', '$admin->{id}', 'admin')");
my $base = "/api/shops/$shop->{id}/products";
my $T = $owner->{token};

# An image this system stored (POST /uploads), the only kind imageUrl takes.
my $up = $s->req('POST', '/api/v1/uploads', "\x89PNG\r\n\x1a\n" . ("\x02" x 64),
                 type => 'image/png', token => $T);
is $up->{status}, 201, 'an image uploaded';
my $image = $s->path($up->{json}{url});

# --- create ---------------------------------------------------------------------------
my $r = $s->post($base, { name => 'Teak chair', description => 'Solid teak',
                          retailPrice => 19.99, stock => 5, category => 'Furniture',
                          itemType => 'product', imageUrl => $image, promoPrice => 15.5,
                          promoStartDate => '2027-01-01T00:00:00Z',
                          promoEndDate => '2027-01-31T00:00:00Z' }, token => $T);
is $r->{status}, 201, 'create: 201';
is $r->{json}{success}, JSON::PP::true, 'success true';
my $p = $r->{json}{data};
like $p->{id}, qr/^[0-9a-f-]{36}$/, 'data.id';
is $p->{shopId}, $shop->{id}, 'shopId';
is $p->{name}, 'Teak chair', 'name';
is $p->{description}, 'Solid teak', 'description';
like $r->{content}, qr/"retailPrice":19\.99[,}]/, 'retailPrice 19.99 exactly, a JSON number';
is $s->sql("SELECT retail_price_minor FROM shop_products WHERE id = '$p->{id}'"), 1999,
    'stored as 1999 minor units';
like $r->{content}, qr/"promoPrice":15\.50?[,}]/, 'promoPrice 15.5';
is $p->{stock}, 5, 'stock';
is $p->{category}, 'Furniture', 'category';
is $p->{itemType}, 'product', 'itemType';
is $s->path($p->{imageUrl}), $image, 'imageUrl, the stored image (absolute)';
like $p->{promoStartDate}, qr/^2027-01-01T00:00:00/, 'promoStartDate';
like $p->{promoEndDate}, qr/^2027-01-31T00:00:00/, 'promoEndDate';
is $s->sql("SELECT delta || ' ' || stock_after || ' ' || reason || ' ' || user_id"
           . " FROM shop_stock_movements WHERE product_id = '$p->{id}'"),
    "5 5 initial stock $owner->{id}", 'the initial stock is a movement by its creator';

$r = $s->post($base, { name => 'Repair', retailPrice => '0.10', itemType => 'service' },
              token => $manager->{token});
is $r->{status}, 201, 'an order manager creates a service: 201';
my $svc = $r->{json}{data};
is $svc->{itemType}, 'service', 'itemType service';
is $svc->{stock}, 0, 'stock defaults to 0';
is $svc->{description}, '', 'description defaults to empty';
like $r->{content}, qr/"retailPrice":0\.10?[,}]/, 'retailPrice 0.1';
is $svc->{promoPrice}, undef, 'no promo';
is $s->sql("SELECT count(*) FROM shop_stock_movements WHERE product_id = '$svc->{id}'"), 0,
    'no stock, no movement';
$r = $s->post($base, { name => 'Admin lamp', retailPrice => 1 }, token => $admin->{token});
is $r->{status}, 201, 'an admin creates: 201';
my $lamp = $r->{json}{data};

# --- validation -----------------------------------------------------------------------
my @bad = (
    [ {}, [ 'name', 'retail_price' ], 'nothing: name and retailPrice required' ],
    [ { name => '', retailPrice => 1 }, [ 'name' ], 'an empty name' ],
    [ { name => 'x' x 201, retailPrice => 1 }, [ 'name' ], 'a name too long' ],
    [ { name => undef, retailPrice => 1 }, [ 'name' ], 'a null name' ],
    [ { name => 'x', retailPrice => 0 }, [ 'retail_price' ], 'a price of 0' ],
    [ { name => 'x', retailPrice => -1 }, [ 'retail_price' ], 'a negative price' ],
    [ { name => 'x', retailPrice => 1.999 }, [ 'retail_price' ], 'three decimals' ],
    [ { name => 'x', retailPrice => 'ten' }, [ 'retail_price' ], 'a price not a number' ],
    [ { name => 'x', retailPrice => 100000000.01 }, [ 'retail_price' ], 'a price too high' ],
    [ { name => 'x', retailPrice => 1, stock => -1 }, [ 'stock' ], 'a negative stock' ],
    [ { name => 'x', retailPrice => 1, stock => 1.5 }, [ 'stock' ], 'a fractional stock' ],
    [ { name => 'x', retailPrice => 1, itemType => 'gift' }, [ 'item_type' ], 'an unknown itemType' ],
    [ { name => 'x', retailPrice => 1, imageUrl => 'https://elsewhere.example/a.png' },
      [ 'image_url' ], 'an image from elsewhere' ],
    [ { name => 'x', retailPrice => 1, imageUrl => '/media/images/' . ('0' x 32) . '.png' },
      [ 'image_url' ], 'an image that was never stored' ],
    [ { name => 'x', retailPrice => 1, category => '' }, [ 'category' ], 'an empty category' ],
    [ { name => 'x', retailPrice => 1, description => 'd' x 5001 }, [ 'description' ],
      'a description too long' ],
    [ { name => 'x', retailPrice => 5, promoPrice => 5 }, [ 'promo_price' ],
      'a promo price not below the retail price' ],
    [ { name => 'x', retailPrice => 5, promoPrice => -1 }, [ 'promo_price' ],
      'a negative promo price' ],
    [ { name => 'x', retailPrice => 5, promoStartDate => '2027-02-01', promoEndDate => '2027-01-01' },
      [ 'promo_end_date' ], 'a promo ending before it starts' ],
    [ { name => 'x', retailPrice => 5, promoStartDate => '2027-02-01', promoEndDate => '2027-02-01' },
      [ 'promo_end_date' ], 'a promo ending as it starts' ],
    [ { name => 'x', retailPrice => 5, promoStartDate => 'next tuesday' }, [ 'promo_start_date' ],
      'a start that is no date' ],
    [ { name => 'x', retailPrice => 5, promoEndDate => '2027-13-45' }, [ 'promo_end_date' ],
      'an end that is no real date' ],
    [ { name => 'x', retailPrice => 5, stock => 2, stockReason => '' }, [ 'stock_reason' ],
      'an empty stock reason' ],
);
for my $case (@bad) {
    my ($body, $want, $what) = @$case;
    $r = $s->post($base, $body, token => $T);
    is $r->{status}, 422, "$what: 422";
    my $f = fields_of($r);
    for my $field (@$want) {
        (my $camel = $field) =~ s/_(\w)/\u$1/g;
        ok $f->{$field} || $f->{$camel}, "  $field named";
    }
}
is $s->sql("SELECT count(*) FROM shop_products WHERE shop_id = '$shop->{id}'"), 3,
    'no invalid product made';

$r = $s->post($base, '{"name":', token => $T);
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post($base, '[1]', token => $T);
is $r->{status}, 400, 'not an object: 400';
$r = $s->post($base, { name => 'x', retailPrice => 1, description => 'd' x (2 * 1024 * 1024) },
              token => $T);
is $r->{status}, 413, 'a 2 MiB body: 413';

# --- who may -----------------------------------------------------------------------------
$r = $s->post($base, { name => 'x', retailPrice => 1 });
is $r->{status}, 401, 'no session: 401';
$r = $s->post($base, { name => 'x', retailPrice => 1 }, token => 'not.a.token');
is $r->{status}, 401, 'a bad token: 401';
$r = $s->post($base, { name => 'x', retailPrice => 1 }, token => $agent->{token});
is $r->{status}, 403, 'a support agent may not create: 403';
$r = $s->post($base, { name => 'x', retailPrice => 1 }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger creating in the shop: 404';
$r = $s->get($base, token => $stranger->{token});
is $r->{status}, 404, 'a stranger listing the shop: 404';
member_list_checks($s, 'products', $other, $stranger, $T);
$r = $s->get("$base/$p->{id}", token => $stranger->{token});
is $r->{status}, 404, 'a stranger reading a product: 404';
$r = $s->req('PUT', "$base/$p->{id}", { stock => 0 }, token => $agent->{token});
is $r->{status}, 403, 'a support agent may not update: 403';
$r = $s->del("$base/$p->{id}", token => $agent->{token});
is $r->{status}, 403, 'a support agent may not delete: 403';
$r = $s->req('PUT', "$base/$p->{id}", { stock => 0 }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger updating: 404';
$r = $s->del("$base/$p->{id}", token => $stranger->{token});
is $r->{status}, 404, 'a stranger deleting: 404';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$p->{id}'"), 5, 'nothing changed';

# Another shop's product, through a shop the caller is a member of.
my $foreign = $s->post("/api/shops/$other->{id}/products", { name => 'Theirs', retailPrice => 3 },
                       token => $stranger->{token})->{json}{data};
ok $foreign->{id}, 'a product in another shop';
$r = $s->get("$base/$foreign->{id}", token => $T);
is $r->{status}, 404, 'another shop\'s product through mine: 404';
$r = $s->req('PUT', "$base/$foreign->{id}", { name => 'Mine' }, token => $T);
is $r->{status}, 404, 'updating it: 404';
$r = $s->del("$base/$foreign->{id}", token => $T);
is $r->{status}, 404, 'deleting it: 404';
is $s->sql("SELECT name FROM shop_products WHERE id = '$foreign->{id}'"), 'Theirs', 'untouched';
$r = $s->get("$base/not-a-uuid", token => $T);
is $r->{status}, 404, 'not an id: 404';

# --- read -------------------------------------------------------------------------------
$r = $s->get($base, token => $agent->{token});
is $r->{status}, 200, 'a support agent lists: 200';
is $r->{json}{pagination}{total}, 3, 'the shop\'s three products';
is_deeply [ map { $_->{name} } @{ $r->{json}{data} } ],
    [ 'Admin lamp', 'Repair', 'Teak chair' ], 'the newest first';
$r = $s->get("$base?page=0", token => $T);
is $r->{status}, 400, 'a bad page: 400';
$r = $s->get("$base/$p->{id}", token => $agent->{token});
is $r->{status}, 200, 'a support agent reads one: 200';
like $r->{content}, qr/"retailPrice":19\.99[,}]/, 'still 19.99';

# --- update -----------------------------------------------------------------------------
$r = $s->req('PUT', "$base/$p->{id}", { retailPrice => 24.95, stock => 8, stockReason => 'delivery' },
             token => $manager->{token});
is $r->{status}, 200, 'an order manager updates: 200';
like $r->{content}, qr/"retailPrice":24\.95[,}]/, 'the new price exactly';
is $r->{json}{data}{stock}, 8, 'stock set';
is $r->{json}{data}{name}, 'Teak chair', 'the rest kept';
is $s->sql("SELECT delta || ' ' || stock_after || ' ' || reason || ' ' || user_id"
           . " FROM shop_stock_movements WHERE product_id = '$p->{id}' ORDER BY id DESC LIMIT 1"),
    "3 8 delivery $manager->{id}", 'the change is a movement: who, delta, reason';
$r = $s->req('PUT', "$base/$p->{id}", { stockDelta => -2 }, token => $admin->{token});
is $r->{status}, 200, 'a relative change: 200';
is $r->{json}{data}{stock}, 6, 'stock 6';
is $s->sql("SELECT delta || ' ' || reason FROM shop_stock_movements WHERE product_id = '$p->{id}'"
           . " ORDER BY id DESC LIMIT 1"), '-2 adjustment', 'recorded, reason adjustment';
$r = $s->req('PUT', "$base/$p->{id}", { stockDelta => -7 }, token => $T);
is $r->{status}, 409, 'more than is in stock: 409';
$r = $s->req('PUT', "$base/$p->{id}", { name => 'Teak chair II' }, token => $T);
is $r->{status}, 200, 'a change of name only: 200';
is $s->sql("SELECT count(*) FROM shop_stock_movements WHERE product_id = '$p->{id}'"), 3,
    'no movement without a stock change';
$r = $s->req('PUT', "$base/$p->{id}", { imageUrl => undef, category => undef, promoPrice => undef },
             token => $T);
is $r->{status}, 200, 'null clears the image, category and promo price';
is $r->{json}{data}{imageUrl}, undef, 'no image';
is $r->{json}{data}{category}, undef, 'no category';
is $r->{json}{data}{promoPrice}, undef, 'no promo price';
$r = $s->req('PUT', "$base/$p->{id}", { promoPrice => 30 }, token => $T);
is $r->{status}, 422, 'a promo price above the retail price: 422';
ok fields_of($r)->{promo_price} || fields_of($r)->{promoPrice}, '  promo_price named';
$r = $s->req('PUT', "$base/$p->{id}", { promoEndDate => '2026-12-01' }, token => $T);
is $r->{status}, 422, 'a promo end before the kept start: 422';
$r = $s->req('PUT', "$base/$p->{id}", { stock => 1, stockDelta => 1 }, token => $T);
is $r->{status}, 422, 'stock and stockDelta together: 422';
$r = $s->req('PUT', "$base/$p->{id}", { stockDelta => 0 }, token => $T);
is $r->{status}, 422, 'a stockDelta of 0: 422';
$r = $s->req('PUT', "$base/$p->{id}", { name => undef, retailPrice => undef, stock => undef },
             token => $T);
is $r->{status}, 422, 'null for required fields: 422';
my $f = fields_of($r);
ok $f->{name} && ($f->{retail_price} || $f->{retailPrice}) && $f->{stock}, '  each named';
$r = $s->req('PUT', "$base/$p->{id}", '{', token => $T);
is $r->{status}, 400, 'malformed update: 400';
$r = $s->req('PUT', "$base/$p->{id}", { name => 'x' });
is $r->{status}, 401, 'update without a session: 401';
is $s->sql("SELECT stock || ' ' || retail_price_minor FROM shop_products WHERE id = '$p->{id}'"),
    '6 2495', 'refused updates changed nothing';

# --- cookie-authenticated writes: CSRF --------------------------------------------------
$r = $s->req('PUT', "$base/$p->{id}", { name => 'Forged' },
             headers => { Cookie => "scp_session=$owner->{token}", Origin => 'http://evil.example' });
is $r->{status}, 403, 'a cookie update from a foreign Origin: 403';
$r = $s->req('PUT', "$base/$p->{id}", { stock => 10 },
             headers => { Cookie => "scp_session=$owner->{token}", Origin => $allowed });
is $r->{status}, 200, 'a cookie update from the allowed Origin: 200';
is $r->{json}{data}{stock}, 10, 'stock 10';

# --- concurrent relative changes: never below 0 -----------------------------------------
my @res = parallel(12, sub {
    my $r = $s->req('PUT', "$base/$p->{id}", { stockDelta => -1, stockReason => 'sale' }, token => $T);
    return { status => $r->{status} };
});
my %by;
$by{ $_->{status} }++ for @res;
is $by{200}, 10, 'ten of twelve concurrent sales of one: 200';
is $by{409}, 2, 'the other two: 409';
is $s->sql("SELECT stock FROM shop_products WHERE id = '$p->{id}'"), 0, 'stock 0, never below';
is $s->sql("SELECT count(*) || ' ' || sum(delta) FROM shop_stock_movements"
           . " WHERE product_id = '$p->{id}' AND reason = 'sale'"), '10 -10',
    'one movement for each sale';
is $s->sql("SELECT count(*) FROM shop_stock_movements m WHERE product_id = '$p->{id}' AND"
           . " stock_after <> (SELECT sum(delta) FROM shop_stock_movements"
           . " WHERE product_id = m.product_id AND id <= m.id)"), 0,
    'every movement\'s stock_after is the sum of the deltas so far';

# --- the product's stock history (Item.stockHistory): the latest 20, oldest first ----------
my $moves = $s->sql("SELECT count(*) FROM shop_stock_movements WHERE product_id = '$p->{id}'");
$r = $s->get("$base/$p->{id}", token => $T);
my $h = $r->{json}{data}{stockHistory};
is scalar @$h, $moves, "the product carries its $moves movements as stockHistory";
is_deeply [map { $_->{id} } @$h], [sort { $a <=> $b } map { $_->{id} } @$h], '... oldest first';
is_deeply [@{ $h->[-1] }{qw(change newStock reason)}], [-1, 0, 'sale'],
    '... the last one the last sale: change, newStock, reason';
like $h->[-1]{timestamp}, qr/^\d{13}$/, '... its timestamp in epoch milliseconds';
is $h->[0]{reason}, 'initial stock', '... the first one the initial stock';
$r = $s->req('PUT', "$base/$p->{id}", { name => 'Teak chair III', stockHistory => [
                 { timestamp => 1, change => 99, newStock => 99, reason => 'forged' }] }, token => $T);
is $r->{status}, 200, 'an update that sends a stockHistory: 200';
is scalar @{ $r->{json}{data}{stockHistory} }, $moves, '... the history is what SCP wrote, not what was sent';
for my $i (1 .. 25 - $moves) {
    $s->req('PUT', "$base/$p->{id}", { stockDelta => 1, stockReason => "restock $i" }, token => $T);
}
my @latest = split ' ', $s->sql("SELECT string_agg(id::text, ' ' ORDER BY id) FROM (SELECT id FROM"
    . " shop_stock_movements WHERE product_id = '$p->{id}' ORDER BY id DESC LIMIT 20) x");
$r = $s->get("$base/$p->{id}", token => $T);
$h = $r->{json}{data}{stockHistory};
is_deeply [map { $_->{id} } @$h], \@latest, 'with 25 movements: the latest 20, oldest first';
is $h->[-1]{newStock}, 25 - $moves, '... ending at the stock now';
is $h->[-1]{reason}, 'restock ' . (25 - $moves), '... and the last reason';
$r = $s->get($base, token => $T);
my ($in_list) = grep { $_->{id} eq $p->{id} } @{ $r->{json}{data} };
is scalar @{ $in_list->{stockHistory} }, 20, 'the list carries each product\'s latest 20 too';

# --- delete -----------------------------------------------------------------------------
$r = $s->del("$base/$lamp->{id}", token => $manager->{token});
is $r->{status}, 200, 'an order manager deletes: 200';
is $r->{json}{success}, JSON::PP::true, 'success';
$r = $s->get("$base/$lamp->{id}", token => $T);
is $r->{status}, 404, 'gone';
$r = $s->del("$base/$lamp->{id}", token => $T);
is $r->{status}, 404, 'deleted twice: 404';
$r = $s->get($base, token => $T);
is $r->{json}{pagination}{total}, 2, 'the list forgets it';
$r = $s->del("$base/$svc->{id}");
is $r->{status}, 401, 'delete without a session: 401';

done_testing;
