# scp-worker: retries with exponential backoff, dead letters with their last error,
# nothing sent for a change that did not commit.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $s = SCPTest->start(fakes => ['whatsapp'], env => { SCP_JOB_MAX_ATTEMPTS => 3 });
my $job = sub {
    my ($phone) = @_;
    my $row = $s->sql("SELECT status, attempts, coalesce(last_error, ''),"
                    . " extract(epoch FROM run_at - now())::int FROM jobs"
                    . " WHERE payload->>'phone' = :'p1'", $phone) // '';
    return [split /\t/, $row];
};
my $sent_to = sub {
    (my $to = $_[0]) =~ s/^\+//;
    scalar grep { ($_->{json}{to} // '') eq $to } $s->fake_requests('whatsapp');
};

# Two transient failures, then success.
$s->fake_control('whatsapp', '500 2');
my $p = '+919811100001';
is $s->post('/api/v1/auth/send-otp', { phone => $p })->{status}, 200, 'OTP requested';
ok $s->wait_until(10, sub { $job->($p)->[1] == 1 && $job->($p)->[0] eq 'queued' }),
    'first attempt failed and the job is queued again';
like $job->($p)->[2], qr/answered 500/, 'with the provider\'s error kept';
my $delay = $job->($p)->[3];
ok $delay >= 1 && $delay <= 2, "retry scheduled after a backoff (${delay}s)";
$s->sql("UPDATE jobs SET run_at = now() WHERE payload->>'phone' = :'p1'", $p);
ok $s->wait_until(10, sub { $job->($p)->[1] == 2 && $job->($p)->[0] eq 'queued' }), 'second attempt failed';
ok $job->($p)->[3] >= 3, 'the backoff doubled (' . $job->($p)->[3] . 's)';
$s->sql("UPDATE jobs SET run_at = now() WHERE payload->>'phone' = :'p1'", $p);
ok $s->wait_until(10, sub { $job->($p)->[0] eq 'done' }), 'third attempt delivered';
is $sent_to->($p), 3, 'the provider saw three attempts';

# A 400 is permanent: dead letter at once.
$s->fake_control('whatsapp', '400 1');
$p = '+919811100002';
$s->post('/api/v1/auth/send-otp', { phone => $p });
ok $s->wait_until(10, sub { $job->($p)->[0] eq 'dead' }), 'a 400 makes a dead letter at once';
like $job->($p)->[2], qr/answered 400/, 'kept with its last error';
is $job->($p)->[1], 1, 'after one attempt';
is $s->sql("SELECT payload ? 'code' FROM jobs WHERE payload->>'phone' = :'p1'", $p), 'f',
    'the dead letter does not keep the code';

# Transient failures beyond job_max_attempts: dead letter.
$s->fake_control('whatsapp', '503 10');
$p = '+919811100003';
$s->post('/api/v1/auth/send-otp', { phone => $p });
for my $n (1 .. 2) {
    $s->wait_until(10, sub { $job->($p)->[1] == $n && $job->($p)->[0] eq 'queued' });
    $s->sql("UPDATE jobs SET run_at = now() WHERE payload->>'phone' = :'p1'", $p);
}
ok $s->wait_until(10, sub { $job->($p)->[0] eq 'dead' }), 'dead after job_max_attempts (3)';
is $job->($p)->[1], 3, 'three attempts';
$s->fake_control('whatsapp', '200 0');

# Nothing is sent for a change that rolled back: a send refused by the rate limit
# leaves no job.
$p = '+919811100004';
$s->post('/api/v1/auth/send-otp', { phone => $p }) for 1 .. 4;
is $s->sql("SELECT count(*) FROM jobs WHERE payload->>'phone' = :'p1'", $p), 3,
    'the refused 4th request queued nothing';

# The worker stops cleanly on SIGTERM and a new one picks up queued work.
my $wpid = $s->pid_of('scp-worker');
kill 'TERM', $wpid;
ok $s->wait_until(5, sub { !kill 0, $wpid }), 'scp-worker exits on SIGTERM';
$p = '+919811100005';
$s->post('/api/v1/auth/send-otp', { phone => $p });
is $job->($p)->[0], 'queued', 'the job waits in the table while no worker runs';
my $bin = -x "$SCPTest::TOP/build/bin/scp-worker" ? "$SCPTest::TOP/build/bin/scp-worker"
                                                   : "$SCPTest::TOP/bin/scp-worker";
local $ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
local @ENV{qw(SCP_WHATSAPP_TRANSPORT SCP_WHATSAPP_API_URL SCP_WHATSAPP_PHONE_NUMBER_ID SCP_WHATSAPP_ACCESS_TOKEN)}
    = ('http', "http://127.0.0.1:$s->{fakes}{whatsapp}{port}", '1098765432', 'test-wa-token');
system("$bin -1 >/dev/null 2>&1") == 0 or diag 'scp-worker -1 failed';
is $job->($p)->[0], 'done', 'scp-worker -1 delivers what was queued';

done_testing;
