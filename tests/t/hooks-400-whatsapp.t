# The WhatsApp webhooks (scp-hooks) and template messages (scp-worker): Meta's
# handshake, signed status updates recorded once each and never moving a message's
# status back, refusals that write nothing, templates sent with the Cloud API's wire
# shape, their ids recorded and updated by the webhooks, retries and dead letters.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(hmac_sha256_hex);
use Test::More;
use SCPTest qw(parallel);

my $secret = 'test-app-secret-0123456789abcdef';
my $verify = 'test-verify-token-42';
my $s = SCPTest->start(fakes => ['whatsapp'],
                       env => { SCP_WHATSAPP_APP_SECRET => $secret,
                                SCP_WHATSAPP_VERIFY_TOKEN => $verify,
                                SCP_JOB_MAX_ATTEMPTS => 3 });
my $J = JSON::PP->new->canonical;

# ---- the handshake ---------------------------------------------------------------------
my $hs = sub { $s->get('/webhooks/whatsapp?' . $_[0]) };
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
is $hs->('')->{status}, 400, 'no parameters: 400';
is $hs->("hub.mode=subscribe&hub.verify_token=$verify&hub.challenge=" . ('9' x 300))->{status},
    400, 'an overlong challenge: 400';

# ---- signed deliveries -----------------------------------------------------------------
sub status {
    my ($id, $st, %x) = @_;
    return { id => $id, status => $st, timestamp => '' . (1700000000 + length $st),
             recipient_id => '919800000004',
             conversation => { id => 'c1', origin => { type => 'utility' } },
             pricing => { billable => JSON::PP::true, category => 'utility' }, %x };
}
sub body {
    my (@st) = @_;
    return { object => 'whatsapp_business_account',
             entry => [{ id => '102290129340398', changes => [{ field => 'messages',
                 value => { messaging_product => 'whatsapp',
                            metadata => { display_phone_number => '15550783881',
                                          phone_number_id => '1098765432' },
                            statuses => \@st } }] }] };
}
sub hook {
    my ($body, %o) = @_;
    my $raw = ref $body ? $J->encode($body) : $body;
    my %h;
    $h{'X-Hub-Signature-256'} = $o{sig} // 'sha256=' . hmac_sha256_hex($raw, $o{key} // $secret)
        unless $o{nosig};
    return $s->req('POST', '/webhooks/whatsapp', $raw, headers => \%h);
}
my $count = sub { $s->sql('SELECT count(*) FROM whatsapp_statuses') };
my $cur = sub { $s->sql('SELECT status FROM whatsapp_messages WHERE wamid = :\'p1\'', $_[0]) // '' };
my $sent = sub { $s->sql(q{SELECT scp_whatsapp_sent(NULL, 'template', '919800000004',
                           'bid_placed', NULL, :'p1')}, $_[0]) };
$sent->($_) for qw(wamid.A wamid.B wamid.C);
is $cur->('wamid.A'), 'accepted', 'a message the API accepted starts as accepted';

$r = hook(body(status('wamid.A', 'sent')));
is $r->{status}, 200, 'a signed status update: 200';
is_deeply $r->{json}, { received => JSON::PP::true, recorded => 1 }, 'one update recorded';
is $cur->('wamid.A'), 'sent', 'the message is sent';
is $s->sql(q{SELECT recipient_id || ' ' || extract(epoch FROM at)::bigint FROM whatsapp_statuses
             WHERE wamid = 'wamid.A'}), '919800000004 1700000004', 'with its recipient and time';

# Refusals write nothing.
my $before = $count->();
my $b = body(status('wamid.A', 'delivered'));
is hook($b, key => 'another-secret')->{status}, 401, 'signed with another secret: 401';
is hook($b, nosig => 1)->{status}, 401, 'no X-Hub-Signature-256: 401';
is hook($b, sig => '')->{status}, 401, 'an empty one: 401';
is hook($b, sig => 'sha1=' . hmac_sha256_hex($J->encode($b), $secret))->{status}, 401,
    'another scheme: 401';
my $raw = $J->encode($b);
is $s->req('POST', '/webhooks/whatsapp', $raw . ' ', headers => {
        'X-Hub-Signature-256' => 'sha256=' . hmac_sha256_hex($raw, $secret) })->{status}, 401,
    'a body changed after signing: 401';
is $s->req('POST', '/webhooks/whatsapp', $raw, headers => {
        'X-Hub-Signature-256' => 'sha256=' . uc hmac_sha256_hex($raw, $secret) })->{status}, 200,
    'upper-case hex is the same signature';
is $cur->('wamid.A'), 'delivered', 'and that one was recorded';
is $count->(), $before + 1, 'the refused ones wrote nothing';

# Malformed JSON, correctly signed: 400, nothing written.
$before = $count->();
is hook('{"object":"whatsapp_business_account","entry":[')->{status}, 400, 'malformed JSON: 400';
is hook('[1,2]')->{status}, 400, 'not an object: 400';
is hook('{"object":"a","object":"b"}')->{status}, 400, 'a duplicate key: 400';
is $count->(), $before, 'nothing written';

# Five concurrent replays of one delivery record it once.
$b = body(status('wamid.B', 'delivered'));
my @res = parallel(5, sub { my $x = hook($b); { status => $x->{status}, n => $x->{json}{recorded} } });
is_deeply [map { $_->{status} } @res], [(200) x 5], 'five concurrent replays: all 200';
is eval { my $t = 0; $t += $_->{n} for @res; $t }, 1, 'one of them recorded it';
is $s->sql(q{SELECT count(*) FROM whatsapp_statuses WHERE wamid = 'wamid.B'}), 1, 'one row';
is hook($b)->{json}{recorded}, 0, 'a later replay records nothing';

# Out of order: read, then the delayed delivered; the message stays read.
is hook(body(status('wamid.B', 'read')))->{status}, 200, 'read';
is hook(body(status('wamid.B', 'sent')))->{status}, 200, 'then a late sent';
is $cur->('wamid.B'), 'read', 'the message stays read';
is $s->sql(q{SELECT string_agg(status, ',' ORDER BY status) FROM whatsapp_statuses
             WHERE wamid = 'wamid.B'}), 'delivered,read,sent', 'every update is kept';

# Two updates of one message in one delivery: the furthest wins.
$sent->('wamid.E');
is hook(body(status('wamid.E', 'delivered'), status('wamid.E', 'sent')))->{json}{recorded}, 2,
    'two updates in one delivery';
is $cur->('wamid.E'), 'delivered', 'the furthest wins';

# Failed is final, with its errors.
my $errors = [{ code => 131026, title => 'Message undeliverable',
                message => 'Message undeliverable',
                error_data => { details => 'Message Undeliverable.' } }];
is hook(body(status('wamid.C', 'failed', errors => $errors)))->{status}, 200, 'failed';
is hook(body(status('wamid.C', 'read')))->{status}, 200, 'then read';
is $cur->('wamid.C'), 'failed', 'failed stays failed';
is $s->sql(q{SELECT errors->0->>'code' FROM whatsapp_messages WHERE wamid = 'wamid.C'}),
    '131026', 'with Meta\'s errors';

# An update that beats the worker's record of its message.
hook(body(status('wamid.D', 'delivered')));
$sent->('wamid.D');
is $cur->('wamid.D'), 'delivered', 'an update received before the message row applies to it';

# Unknown kinds and fields: 200, nothing recorded.
$before = $count->();
my $inbound = { object => 'whatsapp_business_account', entry => [{ id => '1', changes => [{
    field => 'messages', value => { messaging_product => 'whatsapp',
        contacts => [{ profile => { name => 'Kerry' }, wa_id => '16315551181' }],
        messages => [{ from => '16315551181', id => 'wamid.IN', timestamp => '1700000000',
                       type => 'text', text => { body => 'hello' } }] } }] }] };
for my $case (['an inbound message', $inbound],
              ['another field', { object => 'whatsapp_business_account', entry => [{ id => '1',
                  changes => [{ field => 'account_update', value => { event => 'VERIFIED' } }] }] }],
              ['another object', { object => 'page', entry => [] }],
              ['an unknown status', body(status('wamid.A', 'deleted'))],
              ['statuses of the wrong type', body('x', 3, [])],
              ['entry of the wrong type', { object => 'whatsapp_business_account', entry => 'x' }],
              ['an empty object', {}]) {
    $r = hook($case->[1]);
    is $r->{status}, 200, "$case->[0]: 200";
}
is $count->(), $before, 'and nothing recorded';
$r = hook(body(status('wamid.A', 'read', future_field => { x => 1 })));
is $r->{json}{recorded}, 1, 'unknown fields of a status are ignored';

# ---- template messages -----------------------------------------------------------------
my $u = $s->signup;
my $uid = $u->{user}{id};
$s->sql(q{UPDATE users SET phone_number = '+919800000044', phone_verified = true
          WHERE id = :'p1'}, $uid);
my $job = $s->sql(q{SELECT scp_whatsapp_template(:'p1', 'bid_placed',
                    ARRAY['iPhone 13 Pro', '45,000.00'])}, $uid);
like $job, qr/^[0-9a-f-]{36}$/, 'scp_whatsapp_template queues a job';
my $jstate = sub { $s->sql(q{SELECT status || ' ' || attempts FROM jobs WHERE id = :'p1'}, $_[0]) };
ok $s->wait_until(10, sub { $jstate->($job) =~ /^done/ }), 'the worker sends it';
my ($req) = grep { ($_->{json}{to} // '') eq '919800000044' } $s->fake_requests('whatsapp');
is $req->{path}, '/v17.0/1098765432/messages', 'to the phone number\'s messages';
is $req->{headers}{authorization}, 'Bearer test-wa-token', 'with the access token';
is_deeply $req->{json}, { messaging_product => 'whatsapp', recipient_type => 'individual',
    to => '919800000044', type => 'template',
    template => { name => 'bid_placed', language => { code => 'en' },
                  components => [{ type => 'body', parameters => [
                      { type => 'text', text => 'iPhone 13 Pro' },
                      { type => 'text', text => '45,000.00' }] }] } },
    'the Cloud API\'s template message';
my $row = $s->sql(q{SELECT kind, to_phone, template, user_id, status, wamid
                    FROM whatsapp_messages WHERE job_id = :'p1'}, $job) // '';
my @row = split /\t/, $row;
is "@row[0..4]", "template 919800000044 bid_placed $uid accepted", 'the message is recorded';
like $row[5], qr/^wamid\.\d+$/, 'with the id the API answered';
hook(body(status($row[5], 'delivered')));
is $cur->($row[5]), 'delivered', 'a status webhook for it updates it';

is $s->sql(q{SELECT scp_whatsapp_template(:'p1', 'order_status', ARRAY['x'])},
           $s->signup->{user}{id}), '', 'a user without a phone gets nothing';
my $v = $s->signup;
$s->sql(q{UPDATE users SET phone_number = '+919800000045' WHERE id = :'p1'}, $v->{user}{id});
is $s->sql(q{SELECT scp_whatsapp_template(:'p1', 'order_status', ARRAY['x'])},
           $v->{user}{id}), '', 'nor one whose phone is not proven';

# A template without parameters has no components.
my $j0 = $s->sql(q{SELECT scp_job_enqueue('whatsapp_template', '{"to": "+919800000046",
                   "template": "hello_world", "language": "en_US"}')});
ok $s->wait_until(10, sub { $jstate->($j0) =~ /^done/ }), 'a template without parameters';
($req) = grep { ($_->{json}{to} // '') eq '919800000046' } $s->fake_requests('whatsapp');
ok $req && !exists $req->{json}{template}{components}, 'is sent without components';

# A malformed payload is a dead letter at once.
my $jbad = $s->sql(q{SELECT scp_job_enqueue('whatsapp_template', '{"to": "12", "template": "x"}')});
ok $s->wait_until(10, sub { $jstate->($jbad) =~ /^dead 1/ }), 'a bad payload: dead at once';

# The OTP's message is recorded as well.
$s->post('/api/v1/auth/send-otp', { phone => '+919800000047' });
ok $s->wait_until(10, sub { $s->sql(q{SELECT count(*) FROM whatsapp_messages
                                      WHERE to_phone = '919800000047' AND kind = 'otp'}) }),
    'an OTP sent is recorded too';

# Provider failures: retried with backoff, then a dead letter; nothing recorded.
$s->fake_control('whatsapp', '500 10');
my $jf = $s->sql(q{SELECT scp_whatsapp_template(:'p1', 'order_status',
                   ARRAY['ORD-1', 'picked_up', '+919800000002'])}, $uid);
for my $n (1 .. 2) {
    ok $s->wait_until(10, sub { $jstate->($jf) eq "queued $n" }), "attempt $n failed, retried later";
    $s->sql(q{UPDATE jobs SET run_at = now() WHERE id = :'p1'}, $jf);
}
ok $s->wait_until(10, sub { $jstate->($jf) eq 'dead 3' }), 'dead after job_max_attempts (3)';
like $s->sql(q{SELECT last_error FROM jobs WHERE id = :'p1'}, $jf), qr/answered 500/,
    'with its last error';
is $s->sql(q{SELECT count(*) FROM whatsapp_messages WHERE job_id = :'p1'}, $jf), 0,
    'nothing recorded for it';
$s->fake_control('whatsapp', '400 1');
my $j4 = $s->sql(q{SELECT scp_whatsapp_template(:'p1', 'order_status', ARRAY['ORD-2'])}, $uid);
ok $s->wait_until(10, sub { $jstate->($j4) eq 'dead 1' }), 'a 400 is a dead letter at once';
$s->fake_control('whatsapp', '200 0');

# The log transport writes the template to outbox.log.
my $wpid = $s->pid_of('scp-worker');
kill 'TERM', $wpid;
$s->wait_until(5, sub { !kill 0, $wpid });
my $jl = $s->sql(q{SELECT scp_whatsapp_template(:'p1', 'listing_approved', ARRAY['Pixel 8'])}, $uid);
{
    my $bin = -x "$SCPTest::TOP/build/bin/scp-worker" ? "$SCPTest::TOP/build/bin/scp-worker"
                                                       : "$SCPTest::TOP/bin/scp-worker";
    local $ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
    local $ENV{SCP_WHATSAPP_TRANSPORT} = 'log';
    system("$bin -1 >/dev/null 2>&1") == 0 or diag 'scp-worker -1 failed';
}
is $jstate->($jl), 'done 1', 'with the log transport';
my ($line) = grep { /listing_approved/ } do { open my $fh, '<', $s->dir . '/log/outbox.log'; <$fh> };
my $out = $line ? $J->decode($line) : {};
is $out->{message}{template}{components}[0]{parameters}[0]{text}, 'Pixel 8',
    'the message is in outbox.log';

# ---- secrets -----------------------------------------------------------------------------
my $logs = '';
for my $f (glob($s->dir . '/log/*.log')) { open my $fh, '<', $f; local $/; $logs .= <$fh> // '' }
unlike $logs, qr/\Q$secret\E/, 'the app secret is in no log';
unlike $logs, qr/\Q$verify\E/, 'nor the verify token';
my $cfg = `SCP_CONFIG=${\ $s->dir}/scp.conf SCP_WHATSAPP_APP_SECRET=$secret $SCPTest::TOP/build/bin/scpctl check-config 2>&1`;
like $cfg, qr/^whatsapp_app_secret\s+= \(set, hidden\)/m, 'check-config: the app secret is set';
unlike $cfg, qr/\Q$secret\E/, 'and not shown';

# ---- no secret configured: every delivery refused ----------------------------------------
my $hpid = $s->pid_of('scp-hooks');
kill 'TERM', $hpid;
$s->wait_until(10, sub { !kill 0, $hpid });
{
    local $ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
    local $ENV{SCP_WHATSAPP_APP_SECRET} = '';
    local $ENV{SCP_WHATSAPP_VERIFY_TOKEN} = '';
    my $pid = fork // die;
    if (!$pid) {
        open STDOUT, '>>', $s->dir . '/log/scp-hooks.log';
        open STDERR, '>&', \*STDOUT;
        exec "$SCPTest::TOP/build/cgi-bin/hooks/scp-hooks", '-s', $s->dir . '/run/scp-hooks.sock';
        exit 1;
    }
    open my $fh, '>', $s->dir . '/run/scp-hooks.pid';
    print $fh "$pid\n";
    close $fh;
}
ok $s->wait_until(10, sub { $hs->('')->{status} == 400 }), 'scp-hooks restarted without secrets';
$before = $count->();
is hook(body(status('wamid.E', 'read')))->{status}, 401, 'no app secret: a signed delivery gets 401';
is hook(body(status('wamid.E', 'read')), key => '')->{status}, 401, 'as does one signed with ""';
is $count->(), $before, 'nothing written';
is $hs->("hub.mode=subscribe&hub.verify_token=&hub.challenge=1")->{status}, 403,
    'no verify token: every handshake is refused';
is $hs->("hub.mode=subscribe&hub.verify_token=$verify&hub.challenge=1")->{status}, 403,
    'even with the old token';

done_testing;
