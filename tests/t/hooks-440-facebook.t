# Messenger and Instagram webhooks at /webhooks/facebook: Meta's handshake
# (facebook_verify_token), X-Hub-Signature-256 over the raw body (facebook_app_secret),
# customers' messages stored in the live chat of the shop the page is linked to, each
# mid once (replays, and concurrent duplicate deliveries), echoes and other events
# ignored, refused deliveries writing nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(hmac_sha256_hex);
use Test::More;
use JSON::PP;
use SCPTest qw(parallel);

my $secret = 'fb-app-secret-0123456789abcdef';
my $verify = 'fb-verify-token-42';
my $s = SCPTest->start(env => { SCP_FACEBOOK_APP_SECRET => $secret,
                                SCP_FACEBOOK_VERIFY_TOKEN => $verify });
my $J = JSON::PP->new->canonical;

# ---- the handshake ---------------------------------------------------------------------
my $hs = sub { $s->get('/webhooks/facebook?' . $_[0]) };
my $r = $hs->("hub.mode=subscribe&hub.verify_token=$verify&hub.challenge=1158201444");
is $r->{status}, 200, 'handshake with the right token: 200';
is $r->{content}, '1158201444', 'the body is the challenge';
like $r->{headers}{'content-type'}, qr{^text/plain}, 'as text/plain';
is $hs->("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")->{status}, 403,
    'a wrong token: 403';
is $hs->("hub.mode=subscribe&hub.verify_token=${verify}x&hub.challenge=1")->{status}, 403,
    'a longer token: 403';
is $hs->("hub.mode=unsubscribe&hub.verify_token=$verify&hub.challenge=1")->{status}, 403,
    'another mode: 403';
is $hs->("hub.mode=subscribe&hub.verify_token=$verify")->{status}, 400, 'no challenge: 400';
is $hs->("hub.mode=subscribe&hub.verify_token=$verify&hub.challenge=" . ('9' x 300))->{status},
    400, 'an overlong challenge: 400';

# ---- a shop and its page ---------------------------------------------------------------
my $reg = $s->post('/api/auth/register', { email => "fb.$$\@example.com",
                                           password => 'password123', username => 'fbowner' });
my $T = $reg->{json}{data}{token};
my $shop = $s->post('/api/shops', { name => 'Teak' }, token => $T)->{json}{data};
# The shop's connections as POST …/integrations/:platform/connect leaves them (the sealed
# token is not read here: only the page or account id is).
$s->sql("INSERT INTO shop_integrations (shop_id, platform, external_id, token_sealed) VALUES"
        . " ('$shop->{id}', 'facebook', '1029384756', 'v1:00'),"
        . " ('$shop->{id}', 'instagram', '17841400000', 'v1:00')");

# Messenger's delivery (Graph API webhooks, object "page").
sub msg {
    my ($mid, $psid, %m) = @_;
    return { sender => { id => $psid }, recipient => { id => '1029384756' },
             timestamp => 1700000000123, message => { mid => $mid, %m } };
}
sub body {
    my ($object, $page, @events) = @_;
    return { object => $object, entry => [{ id => $page, time => 1700000000200,
                                            messaging => \@events }] };
}
sub hook {
    my ($body, %o) = @_;
    my $raw = ref $body ? $J->encode($body) : $body;
    my %h;
    $h{'X-Hub-Signature-256'} = $o{sig} // 'sha256=' . hmac_sha256_hex($raw, $o{key} // $secret)
        unless $o{nosig};
    return $s->req('POST', '/webhooks/facebook', $raw, headers => \%h);
}
my $msgs = sub { $s->sql('SELECT count(*) FROM shop_messages') };

$r = hook(body('page', '1029384756', msg('m_AAA', '24680', text => 'Is the chair in stock?')));
is $r->{status}, 200, 'a signed message: 200';
is_deeply $r->{json}, { received => JSON::PP::true, recorded => 1 }, 'one message recorded';
my $conv = $s->sql("SELECT row_to_json(c)::text FROM shop_conversations c");
my $c = decode_json($conv);
is $c->{shop_id}, $shop->{id}, 'in the page\'s shop';
is $c->{channel}, 'facebook', 'channel facebook';
is $c->{customer_external_id}, '24680', 'the sender\'s page-scoped id';
is $c->{is_read}, JSON::PP::false, 'unread by the team';
is $c->{last_message}, 'Is the chair in stock?', 'last message';
is $s->sql("SELECT sender || '|' || text || '|' || external_id FROM shop_messages"),
    'user|Is the chair in stock?|m_AAA', 'a customer\'s message with its mid';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_message_new'"
           . " AND payload->>'topic' = '/ws/shops/$shop->{id}'"), 1, 'a shop_message_new job';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'shop_conversation_updated'"), 1,
    'a shop_conversation_updated job';

$r = $s->get("/api/shops/$shop->{id}/conversations/$c->{id}", token => $T);
is $r->{json}{data}{messages}[0]{sender}, 'user', 'the team reads it as the customer\'s';

# Replays, and the same mid in two deliveries at once.
$r = hook(body('page', '1029384756', msg('m_AAA', '24680', text => 'Is the chair in stock?')));
is_deeply $r->{json}, { received => JSON::PP::true, recorded => 0 }, 'a replay records nothing';
my @res = parallel(6, sub {
    my $x = hook(body('page', '1029384756', msg('m_RACE', '24680', text => 'hello?')));
    return { status => $x->{status}, recorded => $x->{json}{recorded} };
});
is scalar(grep { $_->{status} == 200 } @res), 6, 'six concurrent deliveries: all 200';
my $sum = 0; $sum += $_->{recorded} // 0 for @res;
is $sum, 1, 'the same mid recorded once';
is $s->sql("SELECT count(*) FROM shop_messages WHERE external_id = 'm_RACE'"), 1, 'one row';
is $s->sql("SELECT count(*) FROM shop_conversations"), 1, 'one conversation for the customer';

# A second message of the customer: the same conversation; a closed one opens again.
$s->sql("UPDATE shop_conversations SET status = 'closed'");
$r = hook(body('page', '1029384756', msg('m_BBB', '24680',
               attachments => [{ type => 'image', payload => { url => 'https://cdn.example/x.jpg' } }])));
is $r->{json}{recorded}, 1, 'an attachment-only message recorded';
is $s->sql("SELECT text FROM shop_messages WHERE external_id = 'm_BBB'"), '[image]',
    'as [image], the platform\'s URL not kept';
is $s->sql("SELECT status FROM shop_conversations"), 'open', 'the closed conversation opens again';

# Instagram, another customer.
$r = hook(body('instagram', '17841400000', msg('ig_1', '5551', text => 'price?')));
is $r->{json}{recorded}, 1, 'an Instagram message recorded';
is $s->sql("SELECT channel FROM shop_conversations WHERE customer_external_id = '5551'"),
    'instagram', 'in an instagram conversation';

# Ignored: echoes, other events, pages of no shop, malformed events.
my $n = $msgs->();
for my $case (
    [ body('page', '1029384756', msg('m_E', '24680', text => 'ours', is_echo => JSON::PP::true)), 'an echo' ],
    [ body('page', '1029384756', { sender => { id => '24680' }, recipient => { id => '1' },
                                   delivery => { mids => ['m_AAA'] } }), 'a delivery receipt' ],
    [ body('page', '999', msg('m_X', '24680', text => 'x')), 'a page no shop is linked to' ],
    [ body('whatsapp_business_account', '1029384756', msg('m_W', '24680', text => 'x')), 'another object' ],
    [ body('page', '1029384756', { message => { mid => 'm_N', text => 'x' } }), 'no sender' ],
    [ body('page', '1029384756', { sender => { id => '1' }, message => { text => 'x' } }), 'no mid' ],
    [ body('page', '1029384756', 'junk', 7), 'events not objects' ],
    [ { object => 'page', entry => 'x' }, 'entry not an array' ],
) {
    $r = hook($case->[0]);
    is $r->{status}, 200, "$case->[1]: 200";
    is $r->{json}{recorded}, 0, '  nothing recorded';
}
is $msgs->(), $n, 'no message from any of them';

# Refusals write nothing.
my $b = body('page', '1029384756', msg('m_REF', '24680', text => 'x'));
is hook($b, key => 'another-secret')->{status}, 401, 'signed with another secret: 401';
is hook($b, nosig => 1)->{status}, 401, 'no signature: 401';
is hook($b, sig => 'sha256=' . ('0' x 64))->{status}, 401, 'a wrong signature: 401';
is hook($b, sig => 'sha1=' . hmac_sha256_hex($J->encode($b), $secret))->{status}, 401,
    'another scheme: 401';
my $raw = $J->encode($b);
is $s->req('POST', '/webhooks/facebook', $raw . ' ', headers => {
        'X-Hub-Signature-256' => 'sha256=' . hmac_sha256_hex($raw, $secret) })->{status}, 401,
    'a body changed after signing: 401';
is hook('{"object":')->{status}, 400, 'signed malformed JSON: 400';
is hook('[1]')->{status}, 400, 'a signed array: 400';
is $msgs->(), $n, 'no message from any refusal';

done_testing;
