# Web push (cgi-bin/messages/push.c, bin/worker_push.c, sql/functions/97_push.sql), with
# Cliick's calls at /api/notifications/subscribe|unsubscribe: a browser's PushSubscription
# (made by the fake push service, which keeps its private key and auth secret) is stored
# per user, idempotently, after every validation; each notification of that user is then
# POSTed by scp-worker to the endpoint, encrypted (RFC 8291) and signed (RFC 8292): the fake
# decrypts it with the subscription's keys, verifies the VAPID JWT and records the
# plaintext, which must be the notification.  429/5xx are retried (Retry-After honoured),
# 404/410 drop the subscription, unsubscribing (by endpoint, or the cookie alone) stops it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP;
use HTTP::Tiny;
use SCPTest qw(parallel);

my $allowed = 'http://shop.example';
my $s = SCPTest->start(env => { SCP_CORS_ORIGINS => $allowed }, fakes => ['pushservice']);
my $fake = $s->fake_url('pushservice');
my $http = HTTP::Tiny->new(timeout => 10);
my $n = 0;

sub account {
    $n++;
    my $r = $s->post('/api/auth/register', { email => "pusher$n.$$\@example.com",
                                             password => 'password123', username => "pusher$n" });
    die "register: $r->{status} $r->{content}" unless $r->{status} == 201;
    my ($session) = grep { /^scp_session=/ } @{ ref $r->{headers}{'set-cookie'}
        ? $r->{headers}{'set-cookie'} : [ $r->{headers}{'set-cookie'} ] };
    $session =~ s/;.*//;
    return { token => $r->{json}{data}{token}, id => $r->{json}{data}{user}{id},
             cookie => $session };
}

sub fields_of {
    my ($r) = @_;
    return { map { $_->{field} => $_->{message} } @{ $r->{json}{error}{details}{fields} || [] } };
}

# What pushManager.subscribe() gives a page, from the fake push service.
sub browser_subscription {
    my $r = $http->post("$fake/_subscribe");
    die "fake subscribe: $r->{status}" unless $r->{status} == 201;
    return decode_json($r->{content});
}
sub token_of { (my $t = $_[0]{endpoint}) =~ s{.*/}{}; $t }

# The browser's own call: JSON.stringify(subscription) with the cookie, no CSRF header.
sub subscribe {
    my ($who, $body, %o) = @_;
    return $s->req('POST', '/api/notifications/subscribe',
                   ref $body ? encode_json($body) : $body,
                   headers => { Cookie => $who->{cookie}, Origin => $o{origin} // $allowed },
                   %o{grep { $_ ne 'origin' } keys %o});
}
sub rows { $s->sql('SELECT count(*) FROM push_subscriptions') }
# A notification for a user, written by the function every event uses; its id.
sub notify {
    my ($who, $title, $priority) = @_;
    $s->sql("SELECT scp_notify(:'p1', 'message', :'p2', 'You have a new message',"
            . " '{\"conversation_id\": \"c-1\"}', :'p3', NULL)", $who->{id}, $title,
            $priority // 'normal');
    return $s->sql("SELECT id FROM notifications WHERE user_id = :'p1' AND title = :'p2'",
                   $who->{id}, $title);
}
# The pushes the fake received for a token.
sub pushes {
    my ($token) = @_;
    return grep { ($_->{token} // '') eq $token } $s->fake_requests('pushservice');
}
sub delivered {
    my ($token, $count) = @_;
    my @got;
    $s->wait_until(15, sub { @got = grep { $_->{ok} } pushes($token); @got >= $count });
    return @got;
}

my ($alice, $bob) = (account(), account());
my $sub = browser_subscription();
my $tok = token_of($sub);

# --- subscribe ------------------------------------------------------------------------
my $r = subscribe($alice, $sub);
is $r->{status}, 201, 'subscribe: 201';
is $r->{json}{success}, JSON::PP::true, 'success true';
my $row = $r->{json}{data};
like $row->{id}, qr/^[0-9a-f-]{36}$/, 'data.id';
is $row->{endpoint}, $sub->{endpoint}, 'data.endpoint';
ok $row->{createdAt}, 'data.createdAt';
ok !exists $row->{keys} && !exists $row->{auth}, 'the keys are not answered';
$r = subscribe($alice, $sub);
is $r->{status}, 200, 'the same subscription again: 200';
is $r->{json}{data}{id}, $row->{id}, '... the same row';
is rows(), 1, 'one row';
my $sealed = $s->sql("SELECT auth_sealed FROM push_subscriptions WHERE id = :'p1'", $row->{id});
like $sealed, qr/^v1:[0-9a-f]+$/, 'the auth secret is sealed';
unlike $sealed, qr/\Q$sub->{keys}{auth}\E/, '... not in clear';
is $s->sql("SELECT p256dh FROM push_subscriptions WHERE id = :'p1'", $row->{id}),
   $sub->{keys}{p256dh}, 'p256dh kept as sent';

# Concurrent subscribes of one new endpoint (a page that subscribes on every tab): one
# row, one 201, the others 200.
my $race = browser_subscription();
my @codes = sort map { $_->{status} } parallel(8, sub {
    my $r = subscribe($alice, $race);
    return { status => $r->{status} };
});
is_deeply \@codes, [200, 200, 200, 200, 200, 200, 200, 201], 'eight at once: one 201, seven 200';
is $s->sql("SELECT count(*) FROM push_subscriptions WHERE endpoint = :'p1'", $race->{endpoint}), 1,
   '... one row';
$s->sql("DELETE FROM push_subscriptions WHERE endpoint = :'p1'", $race->{endpoint});

# At most 20 subscriptions a user: the 21st pushes the oldest out.
my @many = map { browser_subscription() } 1 .. 21;
is subscribe($bob, $_)->{status}, 201, 'one of many browsers' for @many;
is $s->sql("SELECT count(*) FROM push_subscriptions WHERE user_id = :'p1'", $bob->{id}), 20,
   'a user keeps 20 subscriptions';
is $s->sql("SELECT count(*) FROM push_subscriptions WHERE endpoint = :'p1'", $many[0]{endpoint}), 0,
   '... the oldest went';
is $s->sql("SELECT count(*) FROM push_subscriptions WHERE endpoint = :'p1'", $many[20]{endpoint}), 1,
   '... the newest stays';
is $s->sql("SELECT count(*) FROM push_subscriptions WHERE user_id = :'p1'", $alice->{id}), 1,
   "... another user's are not touched";
$s->sql("DELETE FROM push_subscriptions WHERE user_id = :'p1'", $bob->{id});

# --- validation: each 422 names its field and changes nothing ----------------------------
my %k = %{ $sub->{keys} };
my $b64 = sub { my $s = MIME::Base64::encode_base64url($_[0]); $s };
require MIME::Base64;
my @bad = (
    [ { keys => \%k }, 'endpoint', 'no endpoint' ],
    [ { endpoint => 42, keys => \%k }, 'endpoint', 'endpoint not a string' ],
    [ { endpoint => 'http://push.example.test/push/x', keys => \%k }, 'endpoint', 'http endpoint' ],
    [ { endpoint => 'https://push.example.test', keys => \%k }, 'endpoint', 'no path' ],
    [ { endpoint => 'https://user@push.example.test/p', keys => \%k }, 'endpoint', 'userinfo' ],
    [ { endpoint => "https://push.example.test/p q", keys => \%k }, 'endpoint', 'a space' ],
    [ { endpoint => 'https://push.example.test/' . ('a' x 2100), keys => \%k }, 'endpoint',
      'longer than 2048' ],
    [ { endpoint => $sub->{endpoint} }, 'keys', 'no keys' ],
    [ { endpoint => $sub->{endpoint}, keys => 'p256dh' }, 'keys', 'keys not an object' ],
    [ { endpoint => $sub->{endpoint}, keys => { auth => $k{auth} } }, 'keys.p256dh', 'no p256dh' ],
    [ { endpoint => $sub->{endpoint}, keys => { p256dh => $k{p256dh} } }, 'keys.auth', 'no auth' ],
    [ { endpoint => $sub->{endpoint}, keys => { %k, p256dh => $b64->("\x04" . ('a' x 63)) } },
      'keys.p256dh', 'p256dh of 64 bytes' ],
    [ { endpoint => $sub->{endpoint}, keys => { %k, p256dh => $b64->("\x04" . ('a' x 65)) } },
      'keys.p256dh', 'p256dh of 66 bytes' ],
    [ { endpoint => $sub->{endpoint}, keys => { %k, p256dh => $b64->("\x04" . ("\x01" x 64)) } },
      'keys.p256dh', 'p256dh off the curve' ],
    [ { endpoint => $sub->{endpoint}, keys => { %k, p256dh => 'not base64url!' } },
      'keys.p256dh', 'p256dh not base64url' ],
    [ { endpoint => $sub->{endpoint}, keys => { %k, p256dh => 7 } }, 'keys.p256dh',
      'p256dh not a string' ],
    [ { endpoint => $sub->{endpoint}, keys => { %k, auth => $b64->('a' x 15) } }, 'keys.auth',
      'auth of 15 bytes' ],
    [ { endpoint => $sub->{endpoint}, keys => { %k, auth => $b64->('a' x 17) } }, 'keys.auth',
      'auth of 17 bytes' ],
);
for my $case (@bad) {
    my ($body, $field, $name) = @$case;
    $r = subscribe($alice, $body);
    is $r->{status}, 422, "$name: 422";
    ok exists fields_of($r)->{$field}, "... names $field";
}
is rows(), 1, 'no bad request changed anything';
is $s->sql("SELECT p256dh FROM push_subscriptions"), $sub->{keys}{p256dh}, '... not even the keys';

$r = subscribe($alice, '{"endpoint": ');
is $r->{status}, 400, 'malformed JSON: 400';
$r = subscribe($alice, encode_json($sub), type => 'text/plain');
is $r->{status}, 415, 'not JSON: 415';
$r = subscribe($alice, encode_json({ %$sub, pad => 'x' x 2_000_000 }));
is $r->{status}, 413, 'an oversized body: 413';
$r = $s->post('/api/notifications/subscribe', $sub);
is $r->{status}, 401, 'no session: 401';
$r = $s->post('/api/notifications/subscribe', $sub, token => 'not.a.token');
is $r->{status}, 401, 'a bad token: 401';
$r = subscribe($alice, $sub, origin => 'http://evil.example');
is $r->{status}, 403, 'a cookie subscribe from a foreign Origin: 403';
is rows(), 1, 'still one row';

# --- the VAPID public key the browser subscribes with -------------------------------------
$r = $s->get('/api/notifications/vapid-public-key');
is $r->{status}, 401, 'vapid-public-key without a session: 401';
$r = $s->get('/api/notifications/vapid-public-key', headers => { Cookie => $alice->{cookie} });
is $r->{status}, 200, 'vapid-public-key: 200';
is $r->{json}{data}{publicKey}, $SCPTest::VAPID_PUBLIC, '... the configured key';

# --- delivery ---------------------------------------------------------------------------
my $nid = notify($alice, 'Hello Alice', 'high');
my ($p) = delivered($tok, 1);
ok $p, 'the notification was pushed';
my $plain = eval { decode_json($p->{plaintext}) };
is $plain->{id}, $nid, 'the decrypted plaintext is the notification';
is $plain->{title}, 'Hello Alice', '... its title';
is $plain->{message}, 'You have a new message', '... its message';
is $plain->{type}, 'message', '... its type';
is $plain->{data}{conversation_id}, 'c-1', '... its data';
is $plain->{user_id}, $alice->{id}, '... its user';
is $p->{urgency}, 'high', 'Urgency: high for a high notification';
is $p->{ttl}, 86400, 'TTL: a day';
is $p->{claims}{aud}, 'https://push.example.test', 'JWT aud: the push service origin';
is $p->{claims}{sub}, 'mailto:ops@example.test', 'JWT sub: vapid_subject';
ok $p->{claims}{exp} > time && $p->{claims}{exp} <= time + 86400, 'JWT exp within a day';
is $p->{k}, $SCPTest::VAPID_PUBLIC, 'k: the VAPID public key (the signature verified with it)';
is $s->sql("SELECT status FROM jobs WHERE kind = 'web_push' AND payload->>'notification_id' = :'p1'",
           $nid), 'done', 'the web_push job is done';

notify($alice, 'Plain one', 'normal');
($p) = grep { decode_json($_->{plaintext})->{title} eq 'Plain one' } delivered($tok, 2);
is $p->{urgency}, 'normal', 'Urgency: normal';

# Another user's notification does not reach this browser.
my $before = () = pushes($tok);
notify($bob, 'For Bob');
sleep 1;
is scalar(() = pushes($tok)), $before, "another user's notification is not pushed here";
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'web_push' AND payload->>'notification_id'"
           . " IN (SELECT id::text FROM notifications WHERE title = 'For Bob')"), 0,
   '... no job for a user without subscriptions';

# A notification that rolls back pushes nothing.
$s->sql("BEGIN; SELECT scp_notify('$alice->{id}', 'message', 'Rolled back', 'x', '{}', 'normal',"
        . " NULL); ROLLBACK;");
sleep 1;
ok !(grep { $_->{ok} && decode_json($_->{plaintext})->{title} eq 'Rolled back' } pushes($tok)),
   'a rolled-back notification is not pushed';

# A notification whose text does not fit a push message still arrives, cut.
notify($alice, 'Long ' . ('x' x 5000));
($p) = grep { decode_json($_->{plaintext})->{title} =~ /^Long/ } delivered($tok, 3);
ok $p && decode_json($p->{plaintext})->{truncated}, 'a long notification arrives truncated';

# --- retries: 429 with Retry-After, then 5xx --------------------------------------------
$s->fake_control('pushservice', '429 1 3');
notify($alice, 'After a 429');
my @ok = delivered($tok, 4);
my ($fail) = grep { ($_->{failed} // 0) == 429 } pushes($tok);
($p) = grep { decode_json($_->{plaintext})->{title} eq 'After a 429' } @ok;
ok $fail && $p, '429: retried and delivered';
cmp_ok $p->{time} - $fail->{time}, '>=', 2.9, '... no sooner than Retry-After (3 s)';

$s->fake_control('pushservice', '503 1');
notify($alice, 'After a 503');
@ok = delivered($tok, 5);
ok((grep { ($_->{failed} // 0) == 503 } pushes($tok)), '503: failed once');
ok((grep { decode_json($_->{plaintext})->{title} eq 'After a 503' } @ok), '... then delivered');

# A 400 from the push service is final: a dead letter, no retry.
$s->fake_control('pushservice', '400 1');
my $dead = notify($alice, 'Refused');
$s->wait_until(10, sub { $s->sql("SELECT status FROM jobs WHERE kind = 'web_push' AND"
                                 . " payload->>'notification_id' = :'p1'", $dead) eq 'dead' });
is $s->sql("SELECT status FROM jobs WHERE kind = 'web_push' AND payload->>'notification_id' = :'p1'",
           $dead), 'dead', '400: a dead letter at once';
is rows(), 1, '... the subscription stays';

# --- another user takes the browser over ----------------------------------------------
$r = subscribe($bob, $sub);
is $r->{status}, 200, 'the same endpoint subscribed by another user: 200';
is $s->sql("SELECT user_id FROM push_subscriptions"), $bob->{id}, '... it is now theirs';
$before = () = grep { $_->{ok} } pushes($tok);
notify($alice, 'Alice again');
sleep 1.5;
is scalar(() = grep { $_->{ok} } pushes($tok)), $before, "... and no longer gets Alice's";
$r = subscribe($alice, $sub);
is $r->{status}, 200, 'Alice takes it back';

# --- unsubscribe ------------------------------------------------------------------------
# By endpoint: another user's is not touched.
$r = $s->req('POST', '/api/notifications/unsubscribe', encode_json({ endpoint => $sub->{endpoint} }),
             headers => { Cookie => $bob->{cookie}, Origin => $allowed });
is $r->{status}, 200, "unsubscribing another user's endpoint: 200";
is $r->{json}{data}{removedCount}, 0, '... removes nothing';
is rows(), 1, '... it stays';
$r = $s->req('POST', '/api/notifications/unsubscribe', encode_json({ endpoint => 17 }),
             headers => { Cookie => $alice->{cookie}, Origin => $allowed });
is $r->{status}, 422, 'an endpoint that is not a string: 422';
is rows(), 1, '... nothing removed';
$r = $s->req('POST', '/api/notifications/unsubscribe', undef);
is $r->{status}, 401, 'unsubscribe without a session: 401';
$r = $s->req('POST', '/api/notifications/unsubscribe', undef,
             headers => { Cookie => $alice->{cookie}, Origin => 'http://evil.example' });
is $r->{status}, 403, 'unsubscribe from a foreign Origin: 403';
is rows(), 1, '... nothing removed';
# Cliick's own call: POST with the cookie alone, no body: the session's subscriptions.
$r = $s->req('POST', '/api/notifications/unsubscribe', undef,
             headers => { Cookie => $alice->{cookie}, Origin => $allowed });
is $r->{status}, 200, 'unsubscribe with the cookie alone: 200';
is $r->{json}{data}{removedCount}, 1, "... removes this session's subscription";
is rows(), 0, '... gone';
$r = $s->req('POST', '/api/notifications/unsubscribe', undef,
             headers => { Cookie => $alice->{cookie}, Origin => $allowed });
is $r->{json}{data}{removedCount}, 0, 'again: 0, not an error';
$before = () = grep { $_->{ok} } pushes($tok);
notify($alice, 'After unsubscribe');
sleep 1.5;
is scalar(() = grep { $_->{ok} } pushes($tok)), $before, 'nothing is pushed after unsubscribing';

# By endpoint, with a Bearer token.
is subscribe($alice, $sub)->{status}, 201, 'subscribed anew: 201';
$r = $s->post('/api/notifications/unsubscribe', { endpoint => $sub->{endpoint} },
              token => $alice->{token});
is $r->{json}{data}{removedCount}, 1, 'unsubscribe by endpoint: removed';

# --- a subscription the push service has expired: 410 drops it -------------------------
is subscribe($alice, $sub)->{status}, 201, 'subscribed again';
my $sub2 = browser_subscription();
is subscribe($alice, $sub2)->{status}, 201, 'a second browser';
$http->post("$fake/_expire/$tok");
notify($alice, 'To an expired endpoint');
$s->wait_until(10, sub { rows() == 1 });
is rows(), 1, '410: the expired subscription is dropped';
is $s->sql('SELECT endpoint FROM push_subscriptions'), $sub2->{endpoint}, '... the other stays';
ok((grep { decode_json($_->{plaintext})->{title} eq 'To an expired endpoint' }
    delivered(token_of($sub2), 1)), '... and got the notification');

# An endpoint the push service does not know: 404 drops it too.
my $ghost = { endpoint => 'https://push.example.test/push/no-such-token', keys => $sub2->{keys} };
is subscribe($alice, $ghost)->{status}, 201, 'an endpoint unknown to the push service';
notify($alice, 'To nowhere');
$s->wait_until(10, sub { rows() == 1 });
is $s->sql("SELECT count(*) FROM push_subscriptions WHERE endpoint = :'p1'", $ghost->{endpoint}), 0,
   '404: dropped';
is rows(), 1, '... the other stays';

# --- push_transport = log (the development default): the plaintext goes to outbox.log ---
sub outbox_lines { open(my $fh, '<', $_[0]) or return (); return <$fh> }
my $l = SCPTest->start(env => { SCP_CORS_ORIGINS => $allowed,
                                SCP_SECRETS_KEY => $SCPTest::SECRETS_KEY });
my $reg = $l->post('/api/auth/register', { email => "logger.$$\@example.com",
                                           password => 'password123', username => 'logger1' });
my $logger = $reg->{json}{data};
my $lsub = browser_subscription();
$r = $l->post('/api/notifications/subscribe', $lsub, token => $logger->{token});
is $r->{status}, 201, 'log transport: subscribed';
$l->sql("SELECT scp_notify(:'p1', 'message', 'Logged push', 'to the outbox', '{}', 'low', NULL)",
        $logger->{user}{id});
my @lines;
$l->wait_until(10, sub {
    @lines = grep { /"channel":"web_push"/ } outbox_lines($l->dir . '/log/outbox.log');
    @lines >= 1 });
my $entry = eval { decode_json($lines[0]) } // {};
is $entry->{endpoint}, $lsub->{endpoint}, 'log transport: the endpoint in outbox.log';
is $entry->{payload}{title}, 'Logged push', '... with the notification as its payload';
is $entry->{payload}{priority}, 'low', '... whole';
ok !(grep { ($_->{token} // '') eq token_of($lsub) } $s->fake_requests('pushservice')),
   '... and nothing is sent';
$r = $l->get('/api/notifications/vapid-public-key', token => $logger->{token});
is $r->{status}, 503, 'no VAPID pair configured: vapid-public-key 503';

done_testing;
