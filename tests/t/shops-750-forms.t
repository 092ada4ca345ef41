# A shop's order forms at /api/shops/:shopId/forms (the cliick profile): create, list,
# get, update; every field rule (known type, label, required flag, options of choice
# fields, item ids of this shop, sizes); team rights (members read, support agents may
# not write, strangers 404, another shop's form 404); hostile bodies change nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPShops qw(shop_account fields_of member_list_checks);

my $s = SCPTest->start();

my ($owner, $stranger, $agent, $manager, $admin) = map { shop_account($s, 'form') } 1 .. 5;
my $shop = $s->post('/api/shops', { name => 'Teak' }, token => $owner->{token})->{json}{data};
my $other = $s->post('/api/shops', { name => 'Other' }, token => $stranger->{token})->{json}{data};
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop->{id}', '$agent->{id}', 'support_agent'),"
        . " ('$shop->{id}', '$manager->{id}', 'order_manager'),"
        . " ('$shop->{id}', '$admin->{id}', 'admin')");
my $T = $owner->{token};
my $base = "/api/shops/$shop->{id}/forms";
my $chair = $s->post("/api/shops/$shop->{id}/products", { name => 'Chair', retailPrice => 10 },
                     token => $T)->{json}{data};
my $foreign = $s->post("/api/shops/$other->{id}/products", { name => 'Theirs', retailPrice => 10 },
                       token => $stranger->{token})->{json}{data};

# Field ids as the frontend makes them (Date.now()) and plain lowercase ones.
my @fields = (
    { id => 'name', type => 'Short Text', label => ' Your name ', required => JSON::PP::true,
      placeholder => 'Aung Aung' },
    { id => '1733150000000', type => 'Text Area', label => 'Note', required => JSON::PP::false },
    { id => 'qty', type => 'Number', label => 'How many people' },
    { id => 'email', type => 'Email', label => 'Email' },
    { id => 'phone', type => 'Phone', label => 'Phone', required => JSON::PP::true },
    { id => 'day', type => 'Date', label => 'Delivery day' },
    { id => 'city', type => 'Dropdown', label => 'City', options => ['Yangon', 'Mandalay'] },
    { id => 'size', type => 'Multiple Choice', label => 'Size', options => ['S', 'M', 'L'] },
    { id => 'extras', type => 'Checkbox', label => 'Extras', options => ['Gift wrap', 'Card'] },
    { id => 'agree', type => 'Checkbox', label => 'I agree', required => JSON::PP::true },
    { id => 'items', type => 'Item Selector', label => 'Items', required => JSON::PP::true,
      itemIds => [$chair->{id}] },
    { id => 'pay', type => 'Payment Selector', label => 'Pay by',
      paymentMethodIds => ['kbzpay', 'cod'] },
);

# --- create ---------------------------------------------------------------------------
my $r = $s->post($base, { name => ' Order form ', fields => \@fields }, token => $T);
is $r->{status}, 201, 'create: 201';
is $r->{json}{success}, JSON::PP::true, 'success';
my $f = $r->{json}{data};
like $f->{id}, qr/^[0-9a-f-]{36}$/, 'id';
is $f->{name}, 'Order form', 'name trimmed';
is $f->{shopId}, $shop->{id}, 'shopId';
is scalar @{ $f->{fields} }, 12, 'twelve fields';
is $f->{fields}[0]{label}, 'Your name', 'label trimmed';
is $f->{fields}[0]{placeholder}, 'Aung Aung', 'placeholder';
is $f->{fields}[1]{required}, JSON::PP::false, 'required false';
is $f->{fields}[2]{required}, JSON::PP::false, 'required defaults to false';
is_deeply $f->{fields}[6]{options}, ['Yangon', 'Mandalay'], 'options kept';
is_deeply $f->{fields}[10]{itemIds}, [$chair->{id}], 'itemIds kept';
is_deeply $f->{fields}[11]{paymentMethodIds}, ['kbzpay', 'cod'], 'paymentMethodIds kept';
ok !exists $f->{fields}[9]{options}, 'a single checkbox has no options';

$r = $s->post($base, { name => 'Contact' }, token => $manager->{token});
is $r->{status}, 201, 'an order manager creates a form with no fields: 201';
is_deeply $r->{json}{data}{fields}, [], 'fields []';
my $contact = $r->{json}{data};
$r = $s->post($base, { name => 'By admin', fields => [] }, token => $admin->{token});
is $r->{status}, 201, 'an admin creates: 201';

# --- validation: each rule, 422 with the field's path, nothing made --------------------
my $count = $s->sql("SELECT count(*) FROM shop_forms");
my @bad = (
    [ {}, 'name', 'no name' ],
    [ { name => '   ' }, 'name', 'a blank name' ],
    [ { name => 'x' x 256 }, 'name', 'a name of 256' ],
    [ { name => 7 }, 'name', 'a number as name' ],
    [ { name => 'x', fields => {} }, 'fields', 'fields not a list' ],
    [ { name => 'x', fields => [ map { { id => "f$_", type => 'Short Text', label => 'L' } } 1 .. 51 ] },
      'fields', '51 fields' ],
    [ { name => 'x', fields => [ 'text' ] }, 'fields[0]', 'a field not an object' ],
    [ { name => 'x', fields => [ { type => 'Short Text', label => 'L' } ] }, 'fields[0].id', 'no id' ],
    [ { name => 'x', fields => [ { id => 'a b', type => 'Short Text', label => 'L' } ] },
      'fields[0].id', 'an id with a space' ],
    [ { name => 'x', fields => [ { id => 'fullName', type => 'Short Text', label => 'L' } ] },
      'fields[0].id', 'an id with a capital (answers are keyed by it)' ],
    [ { name => 'x', fields => [ { id => 'full_name', type => 'Short Text', label => 'L' } ] },
      'fields[0].id', 'an id with "_" before a letter' ],
    [ { name => 'x', fields => [ { id => 'x' x 65, type => 'Short Text', label => 'L' } ] },
      'fields[0].id', 'an id of 65' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text', label => 'L' },
                                 { id => 'a', type => 'Email', label => 'M' } ] },
      'fields[1].id', 'two fields with one id' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Signature', label => 'L' } ] },
      'fields[0].type', 'an unknown type' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'short text', label => 'L' } ] },
      'fields[0].type', 'a type in the wrong case' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text' } ] }, 'fields[0].label', 'no label' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text', label => ' ' } ] },
      'fields[0].label', 'a blank label' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text', label => 'L' x 201 } ] },
      'fields[0].label', 'a label of 201' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text', label => 'L', required => 'yes' } ] },
      'fields[0].required', 'required not a boolean' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text', label => 'L', placeholder => 'p' x 201 } ] },
      'fields[0].placeholder', 'a placeholder of 201' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Dropdown', label => 'L' } ] },
      'fields[0].options', 'a dropdown without options' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Multiple Choice', label => 'L', options => [] } ] },
      'fields[0].options', 'no options' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Dropdown', label => 'L', options => ['A', 'A'] } ] },
      'fields[0].options', 'an option twice' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Dropdown', label => 'L', options => ['A', 3] } ] },
      'fields[0].options', 'an option not a text' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Dropdown', label => 'L', options => [ map { "o$_" } 1 .. 51 ] } ] },
      'fields[0].options', '51 options' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text', label => 'L', options => ['A'] } ] },
      'fields[0].options', 'options on a text field' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Item Selector', label => 'L', itemIds => [$foreign->{id}] } ] },
      'fields[0].item_ids', 'another shop\'s product' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Item Selector', label => 'L', itemIds => ['nope'] } ] },
      'fields[0].item_ids', 'an item id that is no uuid' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Short Text', label => 'L', itemIds => [$chair->{id}] } ] },
      'fields[0].item_ids', 'item ids on a text field' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Item Selector', label => 'L' },
                                 { id => 'b', type => 'Item Selector', label => 'M' } ] },
      'fields[1].type', 'two item selectors' ],
    [ { name => 'x', fields => [ { id => 'a', type => 'Payment Selector', label => 'L', paymentMethodIds => 'cod' } ] },
      'fields[0].payment_method_ids', 'payment methods not a list' ],
);
for my $b (@bad) {
    my ($body, $field, $what) = @$b;
    $r = $s->post($base, $body, token => $T);
    is $r->{status}, 422, "$what: 422";
    ok exists fields_of($r)->{$field}, "$what: error on $field"
        or diag $r->{content};
}
is $s->sql("SELECT count(*) FROM shop_forms"), $count, 'no invalid form made';

$r = $s->post($base, '{"name":', token => $T);
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post($base, '[1]', token => $T);
is $r->{status}, 400, 'not an object: 400';
$r = $s->post($base, { name => 'x', fields => [ { id => 'a', type => 'Short Text',
                                                  label => 'L', placeholder => 'p' x (2 * 1024 * 1024) } ] },
              token => $T);
is $r->{status}, 413, 'a 2 MiB body: 413';
is $s->sql("SELECT count(*) FROM shop_forms"), $count, 'still no invalid form made';

# --- who may -----------------------------------------------------------------------------
$r = $s->post($base, { name => 'x' });
is $r->{status}, 401, 'create with no token: 401';
$r = $s->post($base, { name => 'x' }, token => 'not-a-token');
is $r->{status}, 401, 'create with a bad token: 401';
$r = $s->get($base);
is $r->{status}, 401, 'list with no token: 401';
$r = $s->post($base, { name => 'x' }, token => $agent->{token});
is $r->{status}, 403, 'a support agent may not create: 403';
$r = $s->post($base, { name => 'x' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->get($base, token => $stranger->{token});
is $r->{status}, 404, 'a stranger lists: 404';
member_list_checks($s, 'forms', $other, $stranger, $T);
$r = $s->get("$base/$f->{id}", token => $stranger->{token});
is $r->{status}, 404, 'a stranger reads: 404';
$r = $s->req('PUT', "/api/shops/$other->{id}/forms/$f->{id}", { name => 'x' }, token => $stranger->{token});
is $r->{status}, 404, 'this form through another shop: 404';
$r = $s->get("/api/shops/$other->{id}/forms/$f->{id}", token => $stranger->{token});
is $r->{status}, 404, 'read through another shop: 404';
$r = $s->get("$base/not-a-uuid", token => $T);
is $r->{status}, 404, 'a form id that is no uuid: 404';
is $s->sql("SELECT count(*) FROM shop_forms"), $count, 'refused writes made nothing';

# --- list, get ---------------------------------------------------------------------------
$r = $s->get($base, token => $agent->{token});
is $r->{status}, 200, 'a support agent lists: 200';
is ref $r->{json}{data}, 'ARRAY', 'data is the array';
is scalar @{ $r->{json}{data} }, 3, 'three forms';
is $r->{json}{data}[-1]{id}, $f->{id}, 'the oldest last';
is $r->{json}{pagination}{total}, 3, 'pagination.total';
$r = $s->get("$base/$f->{id}", token => $agent->{token});
is $r->{status}, 200, 'get: 200';
is_deeply $r->{json}{data}, $f, 'the form as created';

# --- update --------------------------------------------------------------------------------
$r = $s->req('PUT', "$base/$f->{id}", { name => 'Renamed' }, token => $manager->{token});
is $r->{status}, 200, 'rename: 200';
is $r->{json}{data}{name}, 'Renamed', 'name';
is scalar @{ $r->{json}{data}{fields} }, 12, 'fields untouched';
$r = $s->req('PUT', "$base/$contact->{id}", { fields => [ { id => 'msg', type => 'Text Area',
                                                     label => 'Message', required => JSON::PP::true } ] },
             token => $T);
is $r->{status}, 200, 'fields replaced: 200';
is $r->{json}{data}{fields}[0]{id}, 'msg', 'the new field';
is $r->{json}{data}{name}, 'Contact', 'name untouched';
my $before = $s->sql("SELECT fields::text FROM shop_forms WHERE id = '$f->{id}'");
$r = $s->req('PUT', "$base/$f->{id}", { fields => [ { id => 'a', type => 'Nope', label => 'L' } ] }, token => $T);
is $r->{status}, 422, 'a bad field on update: 422';
ok exists fields_of($r)->{'fields[0].type'}, 'on fields[0].type';
$r = $s->req('PUT', "$base/$f->{id}", { name => '' }, token => $T);
is $r->{status}, 422, 'an empty name on update: 422';
$r = $s->req('PUT', "$base/$f->{id}", { name => 'x' }, token => $agent->{token});
is $r->{status}, 403, 'a support agent may not update: 403';
$r = $s->req('PUT', "$base/$f->{id}", { name => 'x' });
is $r->{status}, 401, 'update with no token: 401';
$r = $s->req('PUT', "$base/$f->{id}", '{', token => $T);
is $r->{status}, 400, 'malformed update: 400';
is $s->sql("SELECT name || ' ' || fields::text FROM shop_forms WHERE id = '$f->{id}'"),
    "Renamed $before", 'refused updates changed nothing';

done_testing;
