# scp-worker's social_send (bin/worker_social.c): a seller's reply sent with the shop's
# connection through Graph's POST /me/messages, Telegram's sendMessage and Viber's
# send_message (tests/fakes/social.pl records the exact request); 429 and 5xx retried,
# other 4xx and bad payloads dead at once; the log transport writes outbox_log.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(sha256_hex);
use JSON::PP;
use SCPTest;

my $s = SCPTest->start(fakes => ['social']);
my $JSON = JSON::PP->new->canonical;

my $r = $s->post('/api/auth/register', { email => "sender.$$\@example.com", password => 'password123',
                                         username => 'sender1' });
my $token = $r->{json}{data}{token};
$r = $s->post('/api/shops', { name => 'Golden Teak' }, token => $token);
my $shop = $r->{json}{data}{id};
my $bot = '7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
my $viber = '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f';
for (['facebook', 'fb-send-1'], ['telegram', $bot], ['viber', $viber], ['tiktok', 'tt-send-1']) {
    $r = $s->post("/api/shops/$shop/integrations/$_->[0]/connect", { code => $_->[1] }, token => $token);
    die "connect $_->[0]: $r->{status} $r->{content}" unless $r->{status} == 200;
}
my $page_token = 'EAAGpage' . substr(sha256_hex('page:' . substr(sha256_hex('user:fb-send-1'), 0, 40)), 0, 40);

sub enqueue {
    my ($payload) = @_;
    return $s->sql("SELECT scp_job_enqueue('social_send', :'p1'::jsonb)", $JSON->encode($payload));
}
sub job { $s->sql("SELECT status || ' ' || attempts FROM jobs WHERE id = :'p1'", $_[0]) }
sub settled {
    my ($id, $secs) = @_;
    $s->wait_until($secs // 10, sub { job($id) =~ /^(done|dead)/ });
    return job($id);
}
sub sent { grep { $_->{method} eq 'POST' && $_->{path} =~ $_[0] } $s->fake_requests('social') }

# --- Facebook Messenger ----------------------------------------------------------------------
my $id = enqueue({ shop_id => $shop, platform => 'facebook', recipient_id => '6543210987654321',
                   text => "Your order ships today \x{2014} thanks!", message_id => 'msg-1' });
like settled($id), qr/^done 1$/, 'facebook: done at the first attempt';
my ($m) = sent(qr{^/v19\.0/me/messages$});
ok $m, 'POST /v19.0/me/messages';
is $m->{headers}{authorization}, "Bearer $page_token", 'with the page token';
like $m->{headers}{'content-type'}, qr{^application/json}, 'JSON';
is_deeply(JSON::PP->new->utf8->decode($m->{body}), { recipient => { id => '6543210987654321' },
                        message => { text => "Your order ships today \x{2014} thanks!" },
                        messaging_type => 'RESPONSE' }, 'the exact body (UTF-8)');

# --- Telegram ------------------------------------------------------------------------------------
$id = enqueue({ shop_id => $shop, platform => 'telegram', recipient_id => '123456789',
                text => 'Hello from the shop', message_id => 'msg-2' });
like settled($id), qr/^done 1$/, 'telegram: done';
($m) = sent(qr{/sendMessage$});
is $m->{path}, "/bot$bot/sendMessage", 'sendMessage with the bot token';
is_deeply $m->{json}, { chat_id => '123456789', text => 'Hello from the shop' }, 'the exact body';

# --- Viber ----------------------------------------------------------------------------------------
$id = enqueue({ shop_id => $shop, platform => 'viber', recipient_id => '01234567890A=',
                text => 'Mingalaba', message_id => 'msg-3' });
like settled($id), qr/^done 1$/, 'viber: done';
($m) = sent(qr{^/pa/send_message$});
is $m->{headers}{'x-viber-auth-token'}, $viber, 'X-Viber-Auth-Token';
is_deeply $m->{json}, { receiver => '01234567890A=', min_api_version => 1, sender => { name => 'Shop' },
                        type => 'text', text => 'Mingalaba' }, 'the exact body';

# --- retries and dead letters --------------------------------------------------------------
my $before = () = sent(qr{/me/messages$});
$s->fake_control('social', '429 1');
$id = enqueue({ shop_id => $shop, platform => 'facebook', recipient_id => '111', text => 'again',
                message_id => 'msg-4' });
like settled($id, 15), qr/^done 2$/, '429: retried, done at the second attempt';
is scalar(() = sent(qr{/me/messages$})), $before + 2, 'two requests';
$s->fake_control('social', '503 1');
$id = enqueue({ shop_id => $shop, platform => 'telegram', recipient_id => '123', text => 'x',
                message_id => 'msg-5' });
like settled($id, 15), qr/^done 2$/, '503: retried';
$s->fake_control('social', '400 1');
$id = enqueue({ shop_id => $shop, platform => 'facebook', recipient_id => '222', text => 'refused',
                message_id => 'msg-6' });
like settled($id), qr/^dead 1$/, '400: dead at once';
like $s->sql("SELECT last_error FROM jobs WHERE id = :'p1'", $id), qr/400/, 'the reason kept';

$before = scalar $s->fake_requests('social');
my $other = $s->sql('SELECT gen_random_uuid()');
for my $c ([{ platform => 'facebook', recipient_id => '1', text => 'x' }, 'no shop_id'],
           [{ shop_id => 'nope', platform => 'facebook', recipient_id => '1', text => 'x' }, 'a bad shop_id'],
           [{ shop_id => $shop, platform => 'myspace', recipient_id => '1', text => 'x' }, 'an unknown platform'],
           [{ shop_id => $shop, platform => 'facebook', text => 'x' }, 'no recipient'],
           [{ shop_id => $shop, platform => 'facebook', recipient_id => '1', text => '' }, 'empty text'],
           [{ shop_id => $shop, platform => 'facebook', recipient_id => '1', text => 'x' x 2001 }, 'too long for Messenger'],
           [{ shop_id => $shop, platform => 'facebook', recipient_id => 1, text => 'x' }, 'a number as recipient'],
           [{ shop_id => $shop, platform => 'tiktok', recipient_id => '1', text => 'x' }, 'TikTok (no send API)'],
           [{ shop_id => $other, platform => 'facebook', recipient_id => '1', text => 'x' }, 'a shop with no connection']) {
    $id = enqueue($c->[0]);
    like settled($id), qr/^dead 1$/, "$c->[1]: dead at once";
}
is scalar $s->fake_requests('social'), $before, 'none reached a platform';
$s->stop;

# --- the log transport ---------------------------------------------------------------------
my $dev = SCPTest->start(env => { SCP_SECRETS_KEY => $SCPTest::SECRETS_KEY });
$r = $dev->post('/api/auth/register', { email => "dev.$$\@example.com", password => 'password123',
                                        username => 'dev1' });
$token = $r->{json}{data}{token};
$shop = $dev->post('/api/shops', { name => 'Dev' }, token => $token)->{json}{data}{id};
$dev->post("/api/shops/$shop/integrations/facebook/connect", { code => 'dev' }, token => $token);
$id = $dev->sql("SELECT scp_job_enqueue('social_send', :'p1'::jsonb)",
                $JSON->encode({ shop_id => $shop, platform => 'facebook', recipient_id => '42',
                                text => 'dev hello', message_id => 'msg-7' }));
$dev->wait_until(10, sub { $dev->sql("SELECT status FROM jobs WHERE id = :'p1'", $id) eq 'done' });
is $dev->sql("SELECT status FROM jobs WHERE id = :'p1'", $id), 'done', 'log transport: done';
my ($line) = grep { /"social"/ && /msg-7/ } do {
    open my $fh, '<', (glob($dev->dir . '/log/outbox*'))[0] // '/dev/null'; <$fh> };
ok $line, 'written to outbox_log';
like $line // '', qr/dev hello/, 'with the text';
unlike $line // '', qr/dev-facebook-/, 'never the token';
$dev->stop;

done_testing;
