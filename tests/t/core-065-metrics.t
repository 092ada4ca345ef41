# /metrics: one Prometheus text page for every family and scp-worker, valid for the
# reference parser, HELP and TYPE for every metric, per-route counts by status under the
# route's pattern, histograms, reconnects, the job queue from the database, webhook
# verification failures; loopback only.  The log's timestamps have a fixed fraction.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use IPC::Open2;
use JSON::PP;
use Test::More;
use SCPTest qw(parallel);

my $s = SCPTest->start(env => { SCP_WHATSAPP_APP_SECRET => 'app-secret-0123456789abcdef01',
                                SCP_WHATSAPP_VERIFY_TOKEN => 'verify-42' });
my $build = $ENV{SCP_BUILD} || "$SCPTest::TOP/build";
my @families = map { m{/([^/]+)/?$} } glob("$build/cgi-bin/*");
ok @families >= 8, 'families found: ' . join(' ', @families);

# {name => {labels => value}} from the page's raw text; labels as "k=v,k=v" sorted.
sub samples {
    my ($page) = @_;
    my %m;
    for (split /\n/, $page) {
        next if /^#/ || !length;
        my ($name, $lab, $v) = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
            or die "bad line: $_";
        my @l = ($lab // '') =~ /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;
        my %l = @l;
        $m{$name}{ join ',', map { "$_=$l{$_}" } sort keys %l } = $v;
    }
    return \%m;
}
sub page { my $r = $s->get('/metrics'); die "metrics $r->{status}" unless $r->{status} == 200; $r->{content} }
sub value {
    my ($m, $name, %l) = @_;
    return $m->{$name}{ join ',', map { "$_=$l{$_}" } sort keys %l } // 0;
}

# ---- the page -----------------------------------------------------------------------------
my $r = $s->get('/metrics');
is $r->{status}, 200, '/metrics answers 200';
like $r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, 'Prometheus text type';
my $page = $r->{content};
my $m = samples($page);
for my $f (@families, 'worker') {
    is value($m, 'scp_up', family => $f), 1, "family $f is on the page";
}
is value($m, 'scp_workers', family => 'auth'), 2, 'the worker count of a family';

# Every sample's metric has HELP and TYPE before its first sample, and its samples are
# together (the text format's rule).
my (%help, %type, %seen_done, $current, @order_bad, @untyped);
for (split /\n/, $page) {
    if (/^# HELP (\S+) \S/) { $help{$1}++; next }
    if (/^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/) { $type{$1} = $2; next }
    next if /^#/;
    my ($name) = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/;
    (my $base = $name) =~ s/_(bucket|sum|count)$// unless $type{$name};
    $base = $name if $type{$name};
    push @untyped, $name unless $type{$base} && $help{$base};
    if (!defined $current || $current ne $base) {
        push @order_bad, $base if $seen_done{$base}++;
        $current = $base;
    }
}
is_deeply \@untyped, [], 'every sample has HELP and TYPE';
is_deeply \@order_bad, [], "each metric's samples are together";
ok((grep { $help{$_} != 1 } keys %help) == 0, 'one HELP per metric');

# The reference parser takes it.
sub parsed {
    my ($text) = @_;
    my $pid = open2(my $out, my $in, '/usr/bin/python3', "$SCPTest::TOP/tests/lib/prom-parse.py");
    print $in $text;
    close $in;
    my @lines = <$out>;
    waitpid $pid, 0;
    return ($? >> 8, @lines);
}
my ($rc, @parsed) = parsed($page);
is $rc, 0, 'the Prometheus client parser accepts the page' or diag $parsed[0];
like $parsed[0], qr/^families \d+/, 'families parsed';
my ($bad) = parsed("scp_x{a=\"1\" 2\n");
isnt $bad, 0, 'and the parser does refuse a broken page';

# ---- requests are counted per route pattern, by status ------------------------------------
my $u = $s->signup;
my %me = (family => 'auth', method => 'GET', route => '/api/v1/auth/me', code => 200);
my $before = value($m, 'scp_http_requests_total', %me);
is $s->get('/api/v1/auth/me', token => $u->{access_token})->{status}, 200, 'a request' for 1 .. 3;
my %o404 = (family => 'orders', method => 'GET', route => '/api/v1/orders/:id');
my $id = '0b0b0b0b-0000-4000-8000-00000000abcd';
my $n404 = $s->get("/api/v1/orders/$id", token => $u->{access_token})->{status};
is $s->get('/api/v1/auth/no-such-thing')->{status}, 404, 'an unknown path';
$page = page();
$m = samples($page);
is value($m, 'scp_http_requests_total', %me) - $before, 3, 'three more GET /api/v1/auth/me 200';
is value($m, 'scp_http_requests_total', %o404, code => $n404), 1,
    "GET /api/v1/orders/:id $n404 counted under its pattern";
unlike $page, qr/\Q$id\E/, 'the raw path never appears';
my %hist = (family => 'auth', method => 'GET', route => '/api/v1/auth/me');
my $count = value($m, 'scp_http_request_duration_seconds_count', %hist);
ok $count >= 3, "the route's histogram counts them ($count)";
is value($m, 'scp_http_request_duration_seconds_bucket', %hist, le => '+Inf'), $count,
    '+Inf bucket = count';
my @b = map { value($m, 'scp_http_request_duration_seconds_bucket', %hist, le => $_) }
    qw(0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10);
ok !(grep { $b[$_] < $b[$_ - 1] } 1 .. $#b), 'buckets are cumulative';
ok value($m, 'scp_http_request_duration_seconds_sum', %hist) > 0, 'a duration sum';
ok value($m, 'scp_requests_total', family => 'auth', class => '2xx') >= 4, 'per-family classes';
ok((grep { /route=unmatched/ && /code=404/ } keys %{ $m->{scp_http_requests_total} }),
    'a path no route matches is counted as "unmatched"');

# Concurrent requests on every worker: none lost (atomic adds, one segment per family).
$before = value($m, 'scp_http_requests_total', %me);
parallel(4, sub { $s->get('/api/v1/auth/me', token => $u->{access_token}) for 1 .. 25; {} });
$m = samples(page());
is value($m, 'scp_http_requests_total', %me) - $before, 100, '100 concurrent requests, 100 counted';

# ---- webhook verification failures ----------------------------------------------------------
my $wf = value($m, 'scp_webhook_verifications_failed_total', provider => 'whatsapp');
is $s->post('/webhooks/whatsapp', '{"object":"x"}',
            headers => { 'X-Hub-Signature-256' => 'sha256=' . ('0' x 64) })->{status},
    401, 'a badly signed delivery: 401';
is $s->post('/webhooks/whatsapp', '{"object":"x"}')->{status}, 401, 'an unsigned one: 401';
is $s->get('/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=no&hub.challenge=1')->{status},
    403, 'a wrong verify token: 403';
$m = samples(page());
is value($m, 'scp_webhook_verifications_failed_total', provider => 'whatsapp') - $wf, 3,
    'three verification failures counted';
ok exists $m->{scp_webhook_verifications_failed_total}{'provider=stripe'},
    'other providers are on the page too';

# ---- the job queue, from the jobs table -------------------------------------------------------
$s->sql(q{INSERT INTO jobs (kind, status, attempts, last_error) VALUES
          ('notification', 'dead', 8, 'x'), ('notification', 'dead', 8, 'y')});
$s->sql(q{INSERT INTO jobs (kind, run_at) VALUES ('whatsapp_template', now() + interval '1 hour')});
$m = samples(page());
is value($m, 'scp_metrics_database_up'), 1, 'the queue was read';
is value($m, 'scp_jobs_dead', kind => 'notification'), 2, 'dead letters by kind';
is value($m, 'scp_jobs_dead', kind => 'whatsapp_otp'), 0, 'a kind without any: 0';
is value($m, 'scp_jobs', kind => 'whatsapp_template', status => 'queued'), 1, 'queue depth by kind';

# ---- scp-worker's own counters ------------------------------------------------------------------
$s->sql(q{INSERT INTO jobs (kind, payload) VALUES ('notification', '{"topic":"/ws/users/x"}')});
ok $s->wait_until(10, sub {
    value(samples(page()), 'scp_jobs_run_total', kind => 'notification', outcome => 'done') +
    value(samples(page()), 'scp_jobs_run_total', kind => 'notification', outcome => 'failed') >= 1 }),
    'a job run by scp-worker is counted';
ok exists $m->{scp_db_reconnects_total}{"family=$_"}, "reconnects of $_ on the page"
    for 'auth', 'worker';

# ---- the Grafana dashboard asks only for metrics the page has --------------------------------
{
    open my $g, '<', "$SCPTest::TOP/docs/grafana-scp.json" or die $!;
    my $dash = JSON::PP->new->decode(do { local $/; <$g> });
    close $g;
    my $full = page();
    my (%want, @missing);
    for my $p (@{ $dash->{panels} }) {
        $want{$_}++ for map { $_->{expr} =~ /\b(scp_[a-z_]+)/g } @{ $p->{targets} };
    }
    for my $name (sort keys %want) {
        push @missing, $name unless $full =~ /^\Q$name\E[{ ]/m;
    }
    ok keys(%want) >= 8, 'the dashboard has ' . scalar(keys %want) . ' metrics';
    is_deeply \@missing, [], 'every metric the dashboard queries is on the page';
    ok((grep { $_->{type} eq 'datasource' } @{ $dash->{__inputs} }), 'importable: a data source input');
}

# ---- loopback only -----------------------------------------------------------------------------
sub from_addr {
    my ($local, $path) = @_;
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $s->{port},
                                  LocalAddr => $local, Proto => 'tcp') or return "connect: $!";
    print $c "GET $path HTTP/1.0\r\nHost: x\r\n\r\n";
    my $line = <$c>;
    close $c;
    return $line // '';
}
like from_addr('127.0.0.2', '/metrics'), qr{^HTTP/1\.\d 403}, 'from another address: 403';
like from_addr('127.0.0.2', '/ping'), qr{^HTTP/1\.\d 200}, '(that address reaches the rest)';
like from_addr('127.0.0.1', '/metrics'), qr{^HTTP/1\.\d 200}, 'from 127.0.0.1: 200';

# ---- log lines ---------------------------------------------------------------------------------
open my $fh, '<', $s->dir . '/log/scp-auth.log' or die $!;
my @lines = grep { /^\d{4}-/ } <$fh>;
close $fh;
ok @lines > 10, 'the auth log has lines';
is scalar(grep { !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z scp-auth\[\d+\] (debug|info|warn|error) rid=\S+ / } @lines),
    0, 'every line: a UTC timestamp with three fraction digits, program, pid, level, rid';
ok((grep { m{ GET /api/v1/auth/me 200 [\d.]+ms user=} } @lines), 'one line per request as before');

done_testing;
