# Cliick.io's shop subscription (POST /api/shops/:shopId/upgrade, the cliick profile): the
# owner asks for a plan (either spelling of the fields), it waits as pendingPlan with the
# status pending_approval; the shop's JSON shows it; other roles 403, strangers 404;
# statuses an owner may not set 422; validation, malformed bodies, no session.  And the
# settings documents (assistantConfig, persistentMenu, keywordReplies, savedReplies) in
# PUT /api/shops/:shopId: kept, shown, checked (types, ids, 64 KiB each), refused for
# order managers and support agents, nothing changed by a bad request.  And a product's
# stock history at /api/shops/:shopId/products/:productId/stock-movements.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPShops qw(shop_account fields_of);

my $s = SCPTest->start();

my ($owner, $admin, $manager, $agent, $stranger) = map { shop_account($s, 'settings') } 1 .. 5;
my $r = $s->post('/api/shops', { name => 'Plans' }, token => $owner->{token});
die "shop: $r->{status}" unless $r->{status} == 201;
my $shop = $r->{json}{data};
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop->{id}', '$admin->{id}', 'admin'),"
        . " ('$shop->{id}', '$manager->{id}', 'order_manager'),"
        . " ('$shop->{id}', '$agent->{id}', 'support_agent')");
my $sub = sub {
    $s->sql("SELECT subscription_plan || '|' || subscription_status || '|'"
            . " || coalesce(subscription_pending_plan, '-') FROM shops WHERE id = '$shop->{id}'");
};

# --- a new shop's subscription ---------------------------------------------------------
is $shop->{subscription}{plan}, 'Trial', 'a new shop is on the Trial plan';
is $shop->{subscription}{status}, 'trialing', 'trialing';
is $shop->{subscription}{pendingPlan}, undef, 'nothing asked for';
is $shop->{subscription}{periodEndsAt}, undef, 'no paid period';
ok $s->sql("SELECT subscription_trial_ends_at = created_at + interval '14 days' FROM shops"
           . " WHERE id = '$shop->{id}'") eq 't', 'the trial ends 14 days after the creation';
like $shop->{subscription}{trialEndsAt}, qr/^\d{13}$/, 'trialEndsAt, epoch milliseconds';

# --- upgrade -----------------------------------------------------------------------------
my $up = "/api/shops/$shop->{id}/upgrade";
$r = $s->post($up, { subscription_plan => 'Pro', subscription_status => 'pending_approval' },
              token => $owner->{token});
is $r->{status}, 200, 'the owner asks for Pro (the frontend\'s field names): 200';
is $r->{json}{data}{subscription}{status}, 'pending_approval', 'pending approval';
is $r->{json}{data}{subscription}{pendingPlan}, 'Pro', 'pendingPlan Pro';
is $r->{json}{data}{subscription}{plan}, 'Trial', 'still on Trial until approved';
is $r->{json}{data}{role}, 'owner', 'the shop as the owner sees it';
$r = $s->post($up, { plan => 'Growth' }, token => $owner->{token});
is $r->{status}, 200, 'asking again while pending, {plan}: 200';
is $sub->(), 'Trial|pending_approval|Growth', 'the plan asked for changes';
$r = $s->get("/api/shops/$shop->{id}", token => $agent->{token});
is $r->{json}{data}{subscription}{pendingPlan}, 'Growth', 'every member sees it in the shop';

for my $who ([ $admin, 'an admin' ], [ $manager, 'an order manager' ], [ $agent, 'a support agent' ]) {
    $r = $s->post($up, { plan => 'Cheap' }, token => $who->[0]{token});
    is $r->{status}, 403, "$who->[1] may not: 403";
}
$r = $s->post($up, { plan => 'Cheap' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->post('/api/shops/00000000-0000-4000-8000-000000000000/upgrade', { plan => 'Pro' },
              token => $owner->{token});
is $r->{status}, 404, 'an unknown shop: 404';
$r = $s->post('/api/shops/not-a-uuid/upgrade', { plan => 'Pro' }, token => $owner->{token});
is $r->{status}, 404, 'not an id: 404';
$r = $s->post($up, { plan => 'Pro', status => 'active' }, token => $owner->{token});
is $r->{status}, 422, 'the owner may not make itself active: 422';
ok fields_of($r)->{status}, 'status reported';
$r = $s->post($up, { subscription_plan => 'Pro', subscription_status => 'expired' },
              token => $owner->{token});
is $r->{status}, 422, 'nor expired: 422';
ok fields_of($r)->{subscription_status}, 'under the name sent';
$r = $s->post($up, {}, token => $owner->{token});
is $r->{status}, 422, 'no plan: 422';
ok fields_of($r)->{subscription_plan} || fields_of($r)->{plan}, 'plan reported';
$r = $s->post($up, { plan => '' }, token => $owner->{token});
is $r->{status}, 422, 'an empty plan: 422';
$r = $s->post($up, { plan => 'x' x 101 }, token => $owner->{token});
is $r->{status}, 422, 'a plan too long: 422';
$r = $s->post($up, { plan => { name => 'Pro' } }, token => $owner->{token});
is $r->{status}, 422, 'a plan that is no string: 422';
$r = $s->post($up, '{"plan":', token => $owner->{token});
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post($up, '[]', token => $owner->{token});
is $r->{status}, 400, 'not an object: 400';
$r = $s->post($up, { plan => 'Pro' });
is $r->{status}, 401, 'no session: 401';
$r = $s->post($up, { plan => 'Pro' }, token => 'not.a.token');
is $r->{status}, 401, 'a bad token: 401';
is $sub->(), 'Trial|pending_approval|Growth', 'no refused request changed anything';

# --- from active, and from expired: the machine allows asking ------------------------------
$s->sql("UPDATE shops SET subscription_plan = 'Pro', subscription_status = 'active',"
        . " subscription_pending_plan = NULL WHERE id = '$shop->{id}'");
$r = $s->post($up, { plan => 'Growth' }, token => $owner->{token});
is $r->{status}, 200, 'an active shop asks for another plan: 200';
is $sub->(), 'Pro|pending_approval|Growth', 'Pro until the change is approved';
$s->sql("UPDATE shops SET subscription_status = 'expired' WHERE id = '$shop->{id}'");
$r = $s->post($up, { plan => 'Pro' }, token => $owner->{token});
is $r->{status}, 200, 'an expired shop asks to renew: 200';

# --- concurrent requests serialise on the shop's row ---------------------------------------
my @codes = map { $_->{status} } parallel(4, sub {
    my $r = $s->post($up, { plan => "Plan $_[0]" }, token => $owner->{token});
    return { status => $r->{status} };
});
is_deeply [ sort @codes ], [ (200) x 4 ], 'four concurrent requests: 200 each';
like $sub->(), qr/^Pro\|pending_approval\|Plan \d$/, 'one of them is the plan asked for';

# --- settings documents ------------------------------------------------------------------
my $put = sub { $s->req('PUT', "/api/shops/$shop->{id}", $_[0], token => $_[1]{token}) };
my $docs = sub {
    $s->sql("SELECT assistant_config::text || '|' || persistent_menu::text || '|'"
            . " || keyword_replies::text || '|' || saved_replies::text FROM shops"
            . " WHERE id = '$shop->{id}'");
};
is $docs->(), '{}|[]|[]|[]', 'a shop starts with empty documents';
my %settings = (
    assistantConfig => { selectedModel => 'FAST', systemPrompt => 'You sell teak.',
                         language => 'my', tone => 'friendly', responseDelay => 2,
                         mimicLanguage => JSON::PP::true,
                         customQuickReplies => [ { id => 'q1', title => 'Price?' } ] },
    persistentMenu => [ { id => 'm1', type => 'postback', title => 'Shop', payload => 'SHOP' },
                        { id => 'm2', type => 'web_url', title => 'Site', url => 'https://teak.example' } ],
    keywordReplies => [ { id => 'k1', keywords => 'price,cost', reply => 'From 10 USD',
                          matchType => 'contains', applyTo => { chat => JSON::PP::true,
                          comments => JSON::PP::false }, attachment => undef, buttons => [],
                          enabled => JSON::PP::true } ],
    savedReplies => [ { id => 's1', name => 'Thanks', text => 'Thank you!' } ],
);
$r = $put->({ %settings, team => [ { userId => $stranger->{id}, role => 'Owner' } ] }, $owner);
is $r->{status}, 403, 'with a team making a stranger owner: 403 (shops-736 has the team)';
is $docs->(), '{}|[]|[]|[]', 'and none of the documents is stored';
$r = $put->({ %settings, items => [ 1 ], whatever => 'x' }, $owner);
is $r->{status}, 200, 'the owner stores the four documents (and unknown keys): 200';
is_deeply { map { $_ => $r->{json}{data}{$_} } keys %settings }, \%settings,
    'answered as sent, camelCase inside';
is $s->sql("SELECT count(*) FROM shop_members WHERE shop_id = '$shop->{id}'"
           . " AND user_id = '$stranger->{id}'"), 0, 'the stranger is in no team';
is $s->sql("SELECT assistant_config->>'system_prompt' FROM shops WHERE id = '$shop->{id}'"),
    'You sell teak.', 'stored';
$r = $s->get("/api/shops/$shop->{id}", token => $agent->{token});
is_deeply $r->{json}{data}{persistentMenu}, $settings{persistentMenu}, 'every member sees them';
$r = $s->get('/api/shops', token => $owner->{token});
is_deeply $r->{json}{data}[0]{savedReplies}, $settings{savedReplies}, 'and in the list';

$r = $put->({ savedReplies => [] }, $admin);
is $r->{status}, 200, 'an admin changes one document: 200';
is_deeply $r->{json}{data}{savedReplies}, [], 'emptied';
is_deeply $r->{json}{data}{assistantConfig}, $settings{assistantConfig}, 'the others kept';
my $kept = $docs->();

$r = $put->({ savedReplies => [ { id => 'x', name => 'n', text => 't' } ] }, $manager);
is $r->{status}, 403, 'an order manager: 403';
$r = $put->({ savedReplies => [ { id => 'x', name => 'n', text => 't' } ] }, $agent);
is $r->{status}, 403, 'a support agent: 403';
$r = $put->({ savedReplies => [ { id => 'x', name => 'n', text => 't' } ] }, $stranger);
is $r->{status}, 404, 'a stranger: 404';
is $docs->(), $kept, 'no refused caller changed them';

my @bad = (
    [ { assistantConfig => [ 1 ] }, 'assistant_config', 'an assistantConfig that is an array' ],
    [ { assistantConfig => undef }, 'assistant_config', 'a null assistantConfig' ],
    [ { assistantConfig => 'x' }, 'assistant_config', 'a string assistantConfig' ],
    [ { assistantConfig => { systemPrompt => 5 } }, 'assistant_config', 'a systemPrompt that is no string' ],
    [ { assistantConfig => { responseDelay => '2' } }, 'assistant_config', 'a responseDelay that is a string' ],
    [ { assistantConfig => { responseDelay => 1.5 } }, 'assistant_config', 'a fractional responseDelay' ],
    [ { assistantConfig => { responseDelay => -1 } }, 'assistant_config', 'a negative responseDelay' ],
    [ { assistantConfig => { mimicLanguage => 'yes' } }, 'assistant_config', 'a mimicLanguage that is no boolean' ],
    [ { persistentMenu => { id => 'm' } }, 'persistent_menu', 'a persistentMenu that is an object' ],
    [ { persistentMenu => undef }, 'persistent_menu', 'a null persistentMenu' ],
    [ { keywordReplies => [ 'k1' ] }, 'keyword_replies', 'an entry that is no object' ],
    [ { keywordReplies => [ { reply => 'r' } ] }, 'keyword_replies', 'an entry without id' ],
    [ { savedReplies => [ { id => 7 } ] }, 'saved_replies', 'an id that is a number' ],
    [ { savedReplies => [ { id => '' } ] }, 'saved_replies', 'an empty id' ],
    [ { savedReplies => [ map { { id => "s$_" } } 1 .. 1001 ] }, 'saved_replies', '1001 entries' ],
    [ { assistantConfig => { systemPrompt => 'x' x 66_000 } }, 'assistant_config', 'a document over 64 KiB' ],
    [ { keywordReplies => [ map { { id => "k$_", reply => 'y' x 200 } } 1 .. 400 ] }, 'keyword_replies', 'a list over 64 KiB' ],
);
for my $b (@bad) {
    $r = $put->({ name => 'Renamed', savedReplies => [ { id => 'ok' } ], %{ $b->[0] } }, $owner);
    is $r->{status}, 422, "$b->[2]: 422";
    ok fields_of($r)->{$b->[1]}, "$b->[1] reported";
}
$r = $put->({ assistantConfig => [], persistentMenu => 1, keywordReplies => 'x',
              savedReplies => {} }, $owner);
is $r->{status}, 422, 'all four wrong: 422';
is scalar keys %{ fields_of($r) }, 4, 'each reported';
is $docs->(), $kept, 'no invalid document changed anything';
is $s->sql("SELECT name FROM shops WHERE id = '$shop->{id}'"), 'Plans', 'nor the name sent with it';

$r = $put->({ assistantConfig => { systemPrompt => 'x' x 65_000 } }, $owner);
is $r->{status}, 200, 'a document just under 64 KiB: 200';
is length $r->{json}{data}{assistantConfig}{systemPrompt}, 65_000, 'kept whole';
$r = $s->req('PUT', "/api/shops/$shop->{id}",
             '{"assistantConfig":{"systemPrompt":"' . ('x' x 1_100_000) . '"}}',
             token => $owner->{token});
is $r->{status}, 413, 'a body over max_body: 413';
$r = $s->req('PUT', "/api/shops/$shop->{id}", '{"savedReplies":[', token => $owner->{token});
is $r->{status}, 400, 'malformed: 400';
$r = $s->req('PUT', "/api/shops/$shop->{id}", { savedReplies => [] });
is $r->{status}, 401, 'no session: 401';
is length $s->sql("SELECT assistant_config->>'system_prompt' FROM shops WHERE id = '$shop->{id}'"),
    65_000, 'the refused bodies changed nothing';

# --- a new shop with its documents (the frontend's createShop sends its defaults) ----------
$r = $s->post('/api/shops', { name => 'Configured', assistantConfig => { systemPrompt => 'Hello',
              responseDelay => 1 }, savedReplies => [ { id => 's1', name => 'Hi', text => 'Hi!' } ] },
              token => $owner->{token});
is $r->{status}, 201, 'create with documents: 201';
is $r->{json}{data}{assistantConfig}{systemPrompt}, 'Hello', 'the assistant kept';
is_deeply $r->{json}{data}{persistentMenu}, [], 'the documents not sent are empty';
my $shops = sub { $s->sql("SELECT count(*) FROM shops WHERE owner_id = '$owner->{id}'") };
my $count = $shops->();
$r = $s->post('/api/shops', { name => 'Bad', persistentMenu => [ { title => 'no id' } ] },
              token => $owner->{token});
is $r->{status}, 422, 'create with a bad document: 422';
ok fields_of($r)->{persistent_menu}, 'persistent_menu reported';
is $shops->(), $count, 'no shop made';

# --- stock history -----------------------------------------------------------------------
my $products = "/api/shops/$shop->{id}/products";
$r = $s->post($products, { name => 'Teak chair', retailPrice => 19.99, stock => 5 },
              token => $owner->{token});
die "product: $r->{status} $r->{content}" unless $r->{status} == 201;
my $chair = $r->{json}{data};
$r = $s->req('PUT', "$products/$chair->{id}", { stockDelta => -2, stockReason => 'sale' },
             token => $manager->{token});
is $r->{json}{data}{stock}, 3, 'sold two';
$r = $s->req('PUT', "$products/$chair->{id}", { stock => 10 }, token => $owner->{token});
is $r->{json}{data}{stock}, 10, 'counted ten';
my $hist = "$products/$chair->{id}/stock-movements";
$r = $s->get($hist, token => $agent->{token});
is $r->{status}, 200, 'a support agent reads the history: 200';
is $r->{json}{pagination}{total}, 3, 'three movements';
is_deeply [ map { [ $_->{change}, $_->{newStock}, $_->{reason} ] } @{ $r->{json}{data} } ],
    [ [ 7, 10, 'adjustment' ], [ -2, 3, 'sale' ], [ 5, 5, 'initial stock' ] ],
    'the latest first, in the frontend\'s names';
is $r->{json}{data}[1]{userId}, $manager->{id}, 'who moved it';
like $r->{json}{data}[0]{timestamp}, qr/^\d{13}$/, 'when, in epoch milliseconds';
$r = $s->get("$hist?limit=1&page=3", token => $owner->{token});
is_deeply [ map { $_->{reason} } @{ $r->{json}{data} } ], [ 'initial stock' ], 'paged';
$r = $s->get("$hist?page=x", token => $owner->{token});
is $r->{status}, 400, 'a bad page: 400';
$r = $s->get($hist, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->get($hist);
is $r->{status}, 401, 'no session: 401';
$r = $s->get("$products/not-a-uuid/stock-movements", token => $owner->{token});
is $r->{status}, 404, 'not an id: 404';
$r = $s->get("$products/00000000-0000-4000-8000-000000000000/stock-movements",
             token => $owner->{token});
is $r->{status}, 404, 'an unknown product: 404';
$r = $s->post('/api/shops', { name => 'Theirs' }, token => $stranger->{token});
my $theirs = $r->{json}{data};
$r = $s->post("/api/shops/$theirs->{id}/products", { name => 'Their stool', retailPrice => 5,
              stock => 1 }, token => $stranger->{token});
my $stool = $r->{json}{data};
$r = $s->get("$products/$stool->{id}/stock-movements", token => $owner->{token});
is $r->{status}, 404, 'another shop\'s product under this shop: 404';
$r = $s->get("/api/shops/$theirs->{id}/products/$stool->{id}/stock-movements",
             token => $owner->{token});
is $r->{status}, 404, 'another shop\'s product under its own shop: 404';
$r = $s->req('DELETE', "$products/$chair->{id}", undef, token => $owner->{token});
is $r->{status}, 200, 'the chair deleted';
$r = $s->get($hist, token => $owner->{token});
is $r->{status}, 404, 'a deleted product\'s history: 404';

done_testing;
