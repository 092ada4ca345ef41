# Idempotency-Key on creating POSTs (DESIGN §7, lib/scp_idem.c, sql/009_idempotency.sql):
# a replay returns the first response byte for byte and runs nothing; another request
# with the key is 422; a duplicate in flight is 409; keys are the caller's; 4xx answers
# are kept, 5xx ones release the key; bad keys are 400; routes without the flag and
# anonymous callers ignore the header; after 24 h a key is free again.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Socket::INET;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $con = new_consumer($s);
my $c2 = new_consumer($s);
link_up($s, $sup, $con);
link_up($s, $sup, $c2);
my $tom = new_product($s, $sup, name => 'Tomato', price => '2.50', stock_level => 1000);
my $O = '/api/v1/consumer/orders';

sub order {
    my ($who, $key, %f) = @_;
    my %h = defined $key ? ('Idempotency-Key' => $key) : ();
    return $s->post($O, { supplier_id => $sup->{id}, notes => $f{notes} // 'idem',
                          items => [ { product_id => $f{product} // $tom->{id},
                                       quantity => $f{quantity} // 1 } ] },
                    token => $who->{token}, headers => \%h);
}
my $orders = sub {
    my ($who, $notes) = @_;
    $s->sql("SELECT count(*) FROM catalog_orders WHERE consumer_id = :'p1' AND notes = :'p2'",
            $who->{id}, $notes);
};
my $replayed = sub { ($_[0]{headers}{'idempotent-replayed'} // '') eq 'true' };

# --- replay ----------------------------------------------------------------------------------
my $k1 = 'order-7f3c2a9e-0001';
my $r1 = order($con, $k1, notes => 'first');
is $r1->{status}, 201, 'a keyed order: 201';
ok !$replayed->($r1), 'the first response is not marked as a replay';
my $r2 = order($con, $k1, notes => 'first');
is $r2->{status}, 201, 'the same request again: the same status';
is $r2->{content}, $r1->{content}, 'and the same body, byte for byte';
ok $replayed->($r2), 'marked Idempotent-Replayed: true';
is $orders->($con, 'first'), 1, 'one order in the database';
is $s->sql("SELECT status || ' ' || (completed_at IS NOT NULL) FROM idempotency_keys"
           . " WHERE caller = :'p1' AND key = :'p2'", $con->{id}, $k1), '201 true',
    'the key holds the response';

# --- the key with another request --------------------------------------------------------------
my $r = order($con, $k1, notes => 'other body');
is api_error($r), '422 VALIDATION_ERROR', 'the same key with another body: 422';
is_deeply field_errors($r), ['Idempotency-Key'], 'naming the header';
is $orders->($con, 'other body'), 0, 'and nothing created';
$r = $s->post("/api/v1/suppliers/$sup->{id}/link-request", {}, token => $con->{token},
              headers => { 'Idempotency-Key' => $k1 });
is api_error($r), '422 VALIDATION_ERROR', 'the same key on another route: 422';

# --- keys are the caller's ---------------------------------------------------------------------
$r = order($c2, $k1, notes => 'first');
is $r->{status}, 201, 'another user with the same key: 201';
ok !$replayed->($r), 'a request of its own, not a replay';
isnt $r->{json}{id}, $r1->{json}{id}, 'a new order';
is $r->{json}{consumer_id}, $c2->{id}, 'the caller\'s';
is $orders->($c2, 'first'), 1, 'created once for them';
is $orders->($con, 'first'), 1, 'and the first user\'s untouched';

# --- concurrent duplicates ---------------------------------------------------------------------
my $k2 = 'race-' . $$;
my @res = SCPTest::parallel(20, sub {
    my $x = order($con, $k2, notes => 'race');
    return { status => $x->{status}, content => $x->{content},
             replayed => $replayed->($x) ? 1 : 0,
             retry => $x->{headers}{'retry-after'} // '',
             code => $x->{json} && $x->{json}{error} ? $x->{json}{error}{code} : '' };
});
is $orders->($con, 'race'), 1, '20 concurrent requests with one key: exactly one order';
my @ran = grep { $_->{status} == 201 && !$_->{replayed} } @res;
my @again = grep { $_->{status} == 201 && $_->{replayed} } @res;
my @busy = grep { $_->{status} == 409 } @res;
is scalar @ran, 1, 'one of them ran';
is @ran + @again + @busy, 20, 'the others got the replay or 409'
    or diag explain [ map { "$_->{status} $_->{content}" } @res ];
ok !(grep { $_->{content} ne $ran[0]{content} } @again), 'every replay is the first response';
ok !(grep { $_->{code} ne 'CONFLICT' || $_->{retry} ne '1' } @busy),
    '409 CONFLICT with Retry-After: 1 while in flight';
note scalar(@again) . ' replays, ' . scalar(@busy) . ' in progress';
$r = order($con, $k2, notes => 'race');
is $r->{content}, $ran[0]{content}, 'afterwards: the replay';

# --- a claim in flight; an abandoned one -------------------------------------------------------
# A request that ran, made to look as if it still were: its claim, never completed.
my $k3 = 'in-flight';
order($con, $k3, notes => 'flight');
$s->sql("UPDATE idempotency_keys SET status = NULL, response = NULL, completed_at = NULL"
        . " WHERE caller = :'p1' AND key = :'p2'", $con->{id}, $k3);
$r = order($con, $k3, notes => 'flight');
is api_error($r), '409 CONFLICT', 'a key still in flight: 409';
is $r->{json}{error}{message}, 'a request with this Idempotency-Key is in progress', 'saying so';
is $r->{headers}{'retry-after'}, '1', 'with Retry-After: 1';
$s->sql("UPDATE idempotency_keys SET created_at = now() - interval '2 minutes'"
        . " WHERE caller = :'p1' AND key = :'p2'", $con->{id}, $k3);
$r = order($con, $k3, notes => 'flight');
is $r->{status}, 201, 'a claim abandoned for more than a minute is taken over';
ok !$replayed->($r), 'and the request runs';
is $orders->($con, 'flight'), 2, '(again: its first run never recorded its answer)';

# --- a 4xx first response is kept --------------------------------------------------------------
my $moq = new_product($s, $sup, name => 'Onion', min_order_quantity => 5, stock_level => 100);
my $k4 = 'four-two-two';
my $f1 = order($con, $k4, product => $moq->{id}, notes => 'moq');
is api_error($f1), '422 VALIDATION_ERROR', 'below the minimum quantity: 422';
$r = $s->req('PUT', "/api/v1/supplier/products/$moq->{id}", { min_order_quantity => 1 },
             token => $sup->{token});
is $r->{status}, 200, '(the minimum is lowered)';
$r = order($con, $k4, product => $moq->{id}, notes => 'moq');
is $r->{status}, 422, 'the retry gets the stored 422';
is $r->{content}, $f1->{content}, 'byte for byte';
ok $replayed->($r), 'as a replay';
is $orders->($con, 'moq'), 0, 'and ran nothing';
is order($con, undef, product => $moq->{id}, notes => 'moq')->{status}, 201,
    '(without the key it would now succeed)';

# --- a 5xx first response releases the key -----------------------------------------------------
$s->sql(q{CREATE FUNCTION t27_boom() RETURNS trigger LANGUAGE plpgsql AS
          $$BEGIN RAISE EXCEPTION 'boom'; END$$});
$s->sql('CREATE TRIGGER t27_boom BEFORE INSERT ON catalog_orders'
        . ' FOR EACH ROW EXECUTE FUNCTION t27_boom()');
my $k5 = 'five-hundred';
$r = order($con, $k5, notes => 'boom');
is api_error($r), '500 INTERNAL', 'a failing handler: 500';
is $s->sql("SELECT count(*) FROM idempotency_keys WHERE caller = :'p1' AND key = :'p2'",
           $con->{id}, $k5), 0, 'the key is released';
$s->sql('DROP TRIGGER t27_boom ON catalog_orders');
$r = order($con, $k5, notes => 'boom');
is $r->{status}, 201, 'the retry runs';
ok !$replayed->($r), 'for real';
is $orders->($con, 'boom'), 1, 'one order';

# --- bad keys ----------------------------------------------------------------------------------
# HTTP::Tiny refuses to send control characters in a header: this writes the request itself.
sub raw_order {
    my ($who, $key, $notes) = @_;
    my ($port) = $s->url =~ /:(\d+)$/;
    my $body = SCPTest::json()->encode({ supplier_id => $sup->{id}, notes => $notes,
                                         items => [ { product_id => $tom->{id}, quantity => 1 } ] });
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die $!;
    print $sock "POST $O HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer $who->{token}\r\n"
        . "Content-Type: application/json\r\nContent-Length: " . length($body) . "\r\n"
        . "Idempotency-Key: $key\r\n\r\n$body";
    local $/;
    my $resp = <$sock>;
    my ($status) = $resp =~ m{^HTTP/1\.\d (\d+)};
    my ($json) = $resp =~ /\r\n\r\n(.*)\z/s;
    return { status => $status, json => eval { SCPTest::json()->decode($json) } };
}
for my $bad ([ '', 'empty' ], [ 'k' x 256, '256 characters' ]) {
    $r = order($con, $bad->[0], notes => 'bad key');
    is api_error($r), '400 BAD_REQUEST', "a key of $bad->[1]: 400";
}
for my $bad ([ "a\x01b", 'a control character' ], [ "a\tb", 'a tab' ],
             [ "caf\xc3\xa9", 'not ASCII' ]) {
    is api_error(raw_order($con, $bad->[0], 'bad key')), '400 BAD_REQUEST',
        "a key of $bad->[1]: 400";
}
is $orders->($con, 'bad key'), 0, 'nothing created with a bad key';
is raw_order($con, 'raw-ok', 'raw')->{status}, 201, '(the same request with a good key: 201)';
$r = order($con, 'k' x 255, notes => 'long key');
is $r->{status}, 201, '255 characters are fine';
is order($con, 'k' x 255, notes => 'long key')->{content}, $r->{content}, 'and replay';
$r = order($con, 'with spaces and ~!@#$%^&*()', notes => 'odd key');
is $r->{status}, 201, 'any printable ASCII';

# --- routes without the flag, anonymous callers ------------------------------------------------
my $o = order($con, undef, notes => 'cancel me')->{json};
$r = $s->post("$O/$o->{id}/cancel", undef, token => $con->{token},
              headers => { 'Idempotency-Key' => '' });
is $r->{status}, 200, 'a route without the flag ignores even a bad key';
$r = $s->post("$O/$o->{id}/cancel", undef, token => $con->{token},
              headers => { 'Idempotency-Key' => 'cancel-1' });
$r = $s->post("$O/$o->{id}/cancel", undef, token => $con->{token},
              headers => { 'Idempotency-Key' => 'cancel-1' });
is api_error($r), '409 INVALID_STATE', 'and runs every time: no replay';
my %su = (email => "anon.$$\@example.com", password => 'password123', first_name => 'A');
$r = $s->post('/api/v1/auth/signup', \%su, headers => { 'Idempotency-Key' => 'signup-1' });
is $r->{status}, 201, 'an anonymous signup with a key: 201';
$r = $s->post('/api/v1/auth/signup', \%su, headers => { 'Idempotency-Key' => 'signup-1' });
is api_error($r), '409 CONFLICT', 'anonymous callers have no key scope: the header is ignored';
ok !$replayed->($r), 'no replay';

# --- a refused session claims nothing ---------------------------------------------------------
my $gone = new_consumer($s);
$s->post('/api/v1/auth/logout', undef, token => $gone->{token});
$r = order($gone, 'after-logout', notes => 'logged out');
is api_error($r), '401 UNAUTHORIZED', 'a signed-out token with a key: 401';
is $s->sql("SELECT count(*) FROM idempotency_keys WHERE caller = :'p1'", $gone->{id}), 0,
    'and no key claimed';

# --- other creating routes ---------------------------------------------------------------------
$r = $s->post('/api/v1/supplier/products', { name => 'Keyed', price => '1.00' },
              token => $sup->{token}, headers => { 'Idempotency-Key' => 'p-1' });
is $r->{status}, 201, 'a keyed product';
my $again = $s->post('/api/v1/supplier/products', { name => 'Keyed', price => '1.00' },
                     token => $sup->{token}, headers => { 'Idempotency-Key' => 'p-1' });
ok $replayed->($again) && $again->{content} eq $r->{content}, 'replayed';
is $s->sql("SELECT count(*) FROM products WHERE supplier_id = :'p1' AND name = 'Keyed'",
           $sup->{id}), 1, 'one product';
my $png = "\x89PNG\r\n\x1a\n" . ("\x02" x 200);
$r = $s->req('POST', '/api/v1/uploads', $png, type => 'image/png', token => $sup->{token},
             headers => { 'Idempotency-Key' => 'u-1' });
is $r->{status}, 201, 'a keyed upload';
$again = $s->req('POST', '/api/v1/uploads', $png, type => 'image/png', token => $sup->{token},
                 headers => { 'Idempotency-Key' => 'u-1' });
is $again->{content}, $r->{content}, 'replayed: the same file, not a second one';
$again = $s->req('POST', '/api/v1/uploads', $png . 'x', type => 'image/png',
                 token => $sup->{token}, headers => { 'Idempotency-Key' => 'u-1' });
is api_error($again), '422 VALIDATION_ERROR', 'another body under the key: 422';

# --- after 24 hours ----------------------------------------------------------------------------
$s->sql("UPDATE idempotency_keys SET created_at = created_at - interval '25 hours',"
        . " completed_at = completed_at - interval '25 hours'"
        . " WHERE caller = :'p1' AND key = :'p2'", $con->{id}, $k1);
$r = order($con, $k1, notes => 'first');
is $r->{status}, 201, 'after 24 h the key is free again';
ok !$replayed->($r), 'the request runs';
isnt $r->{json}{id}, $r1->{json}{id}, 'a new order';
is $orders->($con, 'first'), 2, 'two orders under the key, a day apart';
$r2 = order($con, $k1, notes => 'other body again');
is api_error($r2), '422 VALIDATION_ERROR', 'and the key now names the new request';

done_testing;
