# An order placed through a shop's form (no account) with an Idempotency-Key
# (cgi-bin/shops/orders.c, lib/scp_idem.c): the key is scoped to the shop, the form and
# the client address; a replay answers the first answer byte for byte and places nothing;
# the key with another body is 422; 8 concurrent identical submissions with one key make
# one order; a key over 255 characters or not printable ASCII is 400 and places nothing;
# a malformed body's answer is kept like any other; without a key, two submits are two
# orders, as ever.  Then the route's CORS: any origin, without credentials.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use HTTP::Tiny;
use IO::Socket::INET;
use SCPTest qw(parallel);

my $s = SCPTest->start(env => { SCP_CORS_ORIGINS_CLIICK => 'https://app.cliick.example' });
my $r = $s->post('/api/auth/register', { email => "idem.$$\@example.com",
                                         password => 'password123', username => 'idemowner' });
my $T = $r->{json}{data}{token};
my $shop = $s->post('/api/shops', { name => 'Keys' }, token => $T)->{json}{data};
my $P = "/api/shops/$shop->{id}/products";
my $chair = $s->post($P, { name => 'Chair', retailPrice => 10, stock => 5 }, token => $T)->{json}{data};
my @fields = ({ id => 'name', type => 'Short Text', label => 'Name', required => JSON::PP::true },
              { id => 'items', type => 'Item Selector', label => 'Items' });
my $form = $s->post("/api/shops/$shop->{id}/forms", { name => 'Order', fields => \@fields },
                    token => $T)->{json}{data};
my $form2 = $s->post("/api/shops/$shop->{id}/forms", { name => 'Second', fields => \@fields },
                     token => $T)->{json}{data};
my $sub = "/api/shops/$shop->{id}/forms/$form->{id}/submissions";
my $sub2 = "/api/shops/$shop->{id}/forms/$form2->{id}/submissions";

sub body { my ($name, $q) = @_; { customFields => { name => $name },
                                  orderedProducts => [ { productId => $chair->{id}, quantity => $q // 1 } ] } }
sub place { my ($key, $b, %o) = @_; $s->post($o{path} // $sub, $b,
                                              headers => { defined $key ? ('Idempotency-Key' => $key) : () }) }
sub orders { $s->sql("SELECT count(*) FROM shop_orders WHERE shop_id = :'p1'" .
                     (defined $_[0] ? " AND custom_fields->>'name' = :'p2'" : ''), $shop->{id}, @_) }
sub events { $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_order_updated'") }
my $replayed = sub { ($_[0]{headers}{'idempotent-replayed'} // '') eq 'true' };
sub fields_of { [ map { $_->{field} } @{ $_[0]{json}{error}{details}{fields} || [] } ] }

# --- success and replay --------------------------------------------------------------------
my $k1 = "order-$$-0001";
my $ev = events();
my $r1 = place($k1, body('Aung'));
is $r1->{status}, 201, 'a keyed order: 201';
ok !$replayed->($r1), '... not marked as a replay';
is orders('Aung'), 1, '... one order';
is events(), $ev + 1, '... one event';
my $r2 = place($k1, body('Aung'));
is $r2->{status}, 201, 'the same submission again: 201';
ok $replayed->($r2), '... Idempotent-Replayed: true';
is $r2->{content}, $r1->{content}, '... the first answer, byte for byte';
is $r2->{json}{data}{orderId}, $r1->{json}{data}{orderId}, '... the same order';
is orders('Aung'), 1, '... and still one order';
is events(), $ev + 1, '... and no second event';
$r = $s->post("/api/v1/shops/$shop->{id}/forms/$form->{id}/submissions", body('Aung'),
              headers => { 'Idempotency-Key' => $k1 });
is $r->{status}, 201, 'the same key and body through the canonical mount: 201';
ok $replayed->($r), '... a replay';
is $r->{json}{order_id}, $r1->{json}{data}{orderId}, '... of the same order, in that dialect';
is orders('Aung'), 1, '... still one order';
like $s->sql("SELECT caller FROM idempotency_keys WHERE key = :'p1'", $k1),
    qr/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    "the key's caller is a version-8 uuid (never an account's)";

# --- the key with another body: 422, nothing placed ----------------------------------------
$r = place($k1, body('Aung', 2));
is $r->{status}, 422, 'the key with another body: 422';
is $r->{json}{error}{code}, 'VALIDATION_ERROR', '... VALIDATION_ERROR';
is_deeply fields_of($r), ['Idempotency-Key'], '... naming the header';
is orders(), 1, '... and nothing placed';

# --- scope: the form, the client address ---------------------------------------------------
$r = place($k1, body('Aung'), path => $sub2);
is $r->{status}, 201, 'the key on another form of the shop: 201';
ok !$replayed->($r), '... an order of its own';
isnt $r->{json}{data}{orderId}, $r1->{json}{data}{orderId}, '... a new one';
is orders('Aung'), 2, '... placed';
# Another customer (another client address) who happens to send the same key and body.
my $other = HTTP::Tiny->new(timeout => 30, keep_alive => 0, local_address => '127.0.0.2');
my $x = $other->request('POST', $s->url . $sub, { content => SCPTest::json()->encode(body('Aung')),
    headers => { 'Content-Type' => 'application/json', 'Idempotency-Key' => $k1 } });
SKIP: {
    skip 'no second loopback address to send from', 3 if $x->{status} == 599;
    is $x->{status}, 201, 'the same key and body from another client address: 201';
    ok !($x->{headers}{'idempotent-replayed'}), '... not the first customer\'s answer';
    is orders('Aung'), 3, '... an order of its own';
}

# --- 8 concurrent identical submissions with one key: one order ----------------------------
my $k2 = "race-$$";
$ev = events();
my @res = parallel(8, sub {
    my $x = place($k2, body('Race'));
    return { status => $x->{status}, replayed => $replayed->($x) ? 1 : 0,
             order => $x->{json}{data} ? $x->{json}{data}{orderId} // '' : '',
             retry => $x->{headers}{'retry-after'} // '',
             code => $x->{json} && $x->{json}{error} ? $x->{json}{error}{code} : '' };
});
is orders('Race'), 1, '8 concurrent submissions with one key: exactly one order';
is events(), $ev + 1, '... and one event';
my @ok = grep { $_->{status} == 201 } @res;
my @busy = grep { $_->{status} == 409 } @res;
is @ok + @busy, 8, 'each answered 201 or 409' or diag explain \@res;
is scalar(grep { !$_->{replayed} } @ok), 1, 'one 201 ran, the others were replays';
my %ids = map { $_->{order} => 1 } @ok;
is scalar(keys %ids), 1, 'every 201 names the same order';
is scalar(grep { $_->{code} eq 'CONFLICT' && $_->{retry} eq '1' } @busy), scalar(@busy),
    'a 409 is CONFLICT with Retry-After: 1';
$r = place($k2, body('Race'));
ok $replayed->($r) && $r->{status} == 201, 'afterwards the key replays the order';

# --- bad keys: 400, nothing placed ---------------------------------------------------------
my $n = orders();
$r = place('k' x 256, body('Long'));
is $r->{status}, 400, 'a key of 256 characters: 400';
is $r->{json}{error}{code}, 'BAD_REQUEST', '... BAD_REQUEST';
like $r->{json}{error}{message}, qr/Idempotency-Key/, '... naming the header';
$r = place('', body('Empty'));
is $r->{status}, 400, 'an empty key: 400';
# Keys HTTP::Tiny will not send: written on the socket.
sub raw_place {
    my ($key, $b) = @_;
    my ($port) = $s->url =~ /:(\d+)$/;
    my $body = SCPTest::json()->encode($b);
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die $!;
    print $sock "POST $sub HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        . "Content-Length: " . length($body) . "\r\nIdempotency-Key: $key\r\n\r\n$body";
    local $/;
    my $resp = <$sock>;
    my ($status) = $resp =~ m{^HTTP/1\.\d (\d+)};
    my ($json) = $resp =~ /\r\n\r\n(.*)\z/s;
    return { status => $status, json => eval { SCPTest::json()->decode($json) } };
}
for my $bad ([ "a\x01b", 'a control character' ], [ "a\tb", 'a tab' ], [ "caf\xc3\xa9", 'not ASCII' ]) {
    $r = raw_place($bad->[0], body('Bad key'));
    is $r->{status} . ' ' . ($r->{json}{error}{code} // ''), '400 BAD_REQUEST', "a key of $bad->[1]: 400";
}
is raw_place("raw-ok-$$", body('Raw'))->{status}, 201, '(a good key sent the same way: 201)';
$n++;
is orders(), $n, 'no order placed for a bad key';
is $s->sql("SELECT count(*) FROM idempotency_keys WHERE length(key) > 255 OR key ~ '[^ -~]'"), 0,
    '... and no bad key kept';
$r = place('k' x 255, body('Longest'));
is $r->{status}, 201, 'a key of 255 characters: 201';

# --- malformed and refused bodies: the answer is kept like any other -----------------------
$n = orders();
$r = $s->post($sub, '{"customFields": ', headers => { 'Idempotency-Key' => "bad-json-$$" });
is $r->{status}, 400, 'malformed JSON with a key: 400';
my $again = $s->post($sub, '{"customFields": ', headers => { 'Idempotency-Key' => "bad-json-$$" });
is $again->{status}, 400, '... again: the same 400';
ok $replayed->($again), '... replayed';
$r = place("no-name-$$", { customFields => {} });
is $r->{status}, 422, 'a submission missing a required answer with a key: 422';
is_deeply fields_of($r), ['custom_fields.name'], '... the field named';
$again = place("no-name-$$", { customFields => {} });
ok $replayed->($again) && $again->{content} eq $r->{content}, '... kept and replayed';
$r = place("no-name-$$", body('Fixed'));
is $r->{status}, 422, '... a corrected body under the same key is another request: 422';
is_deeply fields_of($r), ['Idempotency-Key'], '... naming the header (a new key is needed)';
$r = place("other-shop-$$", body('Nowhere'), path => "/api/shops/$shop->{id}/forms/00000000-0000-4000-8000-000000000000/submissions");
is $r->{status}, 404, 'a form that does not exist, with a key: 404';
is orders(), $n, 'nothing placed by any of them';

# --- without a key, as ever ----------------------------------------------------------------
$r1 = place(undef, body('Twice'));
$r2 = place(undef, body('Twice'));
is $r1->{status} . ' ' . $r2->{status}, '201 201', 'two submits without a key: 201 and 201';
ok !$replayed->($r2), '... no replay';
is orders('Twice'), 2, '... two Pending orders';

# --- CORS: a shop's own site, any origin, no credentials -----------------------------------
my $site = 'https://teak-furniture.example';
$r = $s->req('OPTIONS', $sub, undef, headers => { Origin => $site,
    'Access-Control-Request-Method' => 'POST',
    'Access-Control-Request-Headers' => 'content-type, idempotency-key' });
is $r->{status}, 204, "a preflight from a shop's own site: 204";
is $r->{headers}{'access-control-allow-origin'}, '*', '... any origin';
ok !exists $r->{headers}{'access-control-allow-credentials'}, '... without credentials';
like $r->{headers}{'access-control-allow-headers'} // '', qr/\bIdempotency-Key\b/, '... Idempotency-Key allowed';
like $r->{headers}{'access-control-allow-methods'} // '', qr/\bPOST\b/, '... POST allowed';
$r = $s->post($sub, body('Cors'), headers => { Origin => $site, 'Idempotency-Key' => "cors-$$" });
is $r->{status}, 201, '... and the submission itself: 201';
is $r->{headers}{'access-control-allow-origin'}, '*', '... readable by that site';
like $r->{headers}{'access-control-expose-headers'} // '', qr/Idempotent-Replayed/,
    '... Idempotent-Replayed exposed';
$r = $s->req('OPTIONS', $sub, undef, headers => { Origin => 'https://app.cliick.example',
    'Access-Control-Request-Method' => 'POST' });
is $r->{headers}{'access-control-allow-origin'}, 'https://app.cliick.example',
    "Cliick's own origin: still itself";
is $r->{headers}{'access-control-allow-credentials'}, 'true', '... with credentials';
$r = $s->req('OPTIONS', "/api/shops/$shop->{id}/orders", undef, headers => { Origin => $site,
    'Access-Control-Request-Method' => 'GET' });
isnt $r->{status}, 204, "the team's routes: no preflight answered for a shop's site";
my @cors = grep { /^access-control-/ } keys %{ $r->{headers} };
is "@cors", '', '... and no CORS header';
$r = $s->req('OPTIONS', "/api/shops/$shop->{id}/forms/$form->{id}", undef, headers => { Origin => $site,
    'Access-Control-Request-Method' => 'GET' });
isnt $r->{status}, 204, '... nor on the form itself';
# (Sent past the contract log: the path names no route of the spec.)
$x = HTTP::Tiny->new(timeout => 30, keep_alive => 0)->request('OPTIONS',
    $s->url . "/api/shops/$shop->{id}/forms/$form->{id}/submissions/../../../orders",
    { headers => { Origin => $site, 'Access-Control-Request-Method' => 'GET' } });
isnt $x->{headers}{'access-control-allow-origin'} // '', '*', 'a path that only looks like the route: no *';

done_testing;
