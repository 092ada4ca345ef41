package SCPTest;
# The integration-test harness: a whole SCP stack in a temporary directory (PostgreSQL
# cluster, migrations, every FastCGI family, scp-worker, nginx on a free loopback port),
# fake providers on loopback, and small HTTP helpers.  Core Perl modules only.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use Exporter 'import';

our @EXPORT_OK = qw(parallel free_port json);
our $TOP = abs_path(dirname(__FILE__) . '/../..');
my $JSON = JSON::PP->new->canonical->allow_nonref;
# The secrets_key of a stack with the prokip or storepush fake.
our $SECRETS_KEY = '5c' x 32;
# The VAPID pair of a stack with the pushservice fake (scpctl vapid-keys).
our $VAPID_PUBLIC = 'BEuCVgKEa3v9ed3-8Xpbu6iIFDzMfgOXTUzzt013XOfNne1IK-OIDvg-571zxyvSuJAjci3U-imds4py0kZoHuY';
our $VAPID_PRIVATE = 'ZSEaD8DPGDmeRSBRqNzK39nFZixyupHtIw_ldG4anH0';

sub json { $JSON }

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp') or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

# SCPTest->start(env => {SCP_KEY => value, ...}, fakes => ['whatsapp'])
sub start {
    my ($class, %opt) = @_;
    my $dir = tempdir('scp-test-XXXXXX', TMPDIR => 1, CLEANUP => 0);
    my $self = bless { dir => $dir, port => free_port(), fakes => {}, pid => $$ }, $class;
    for my $name (@{ $opt{fakes} || [] }) {
        $self->{fakes}{$name} = $self->_start_fake($name);
    }
    my %env = (STACK_FAST => 1, SCP_PORT => $self->{port}, SCP_WORKERS => 2,
               SCP_PASSWORD_COST => 1, SCP_AUTH_RATE => '100000r/s', SCP_AUTH_BURST => 100000,
               %{ $self->_fake_env }, %{ $opt{env} || {} });
    local @ENV{ keys %env } = values %env;
    my $out = `$TOP/scripts/stack start $dir 2>&1`;
    die "stack start failed:\n$out\n" . $self->logs if $?;
    $self->{url} = "http://127.0.0.1:$self->{port}";
    $self->{http} = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
    $self->_guard;
    return $self;
}

# Stop everything even if the test process dies without running DESTROY.
sub _guard {
    my ($self) = @_;
    my $parent = $$;
    my $pid = fork;
    return if $pid;
    POSIX::setsid();
    sleep 0.5 while getppid() == $parent;
    system("$TOP/scripts/stack stop $self->{dir} >/dev/null 2>&1");
    kill 'TERM', map { $_->{pid} } values %{ $self->{fakes} };
    POSIX::_exit(0);
}

sub _start_fake {
    my ($self, $name) = @_;
    my $port = free_port();
    my $log = "$self->{dir}/fake-$name.jsonl";
    my $ctl = "$self->{dir}/fake-$name.ctl";
    my $pid = fork;
    if (!$pid) {
        exec $^X, "$TOP/tests/fakes/$name.pl", $port, $log, $ctl;
        die "exec: $!";
    }
    for (1 .. 100) {
        last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
        sleep 0.05;
    }
    return { pid => $pid, port => $port, log => $log, ctl => $ctl };
}

sub _fake_env {
    my ($self) = @_;
    my %e;
    if (my $w = $self->{fakes}{whatsapp}) {
        %e = (%e, SCP_WHATSAPP_TRANSPORT => 'http',
              SCP_WHATSAPP_API_URL => "http://127.0.0.1:$w->{port}",
              SCP_WHATSAPP_PHONE_NUMBER_ID => '1098765432',
              SCP_WHATSAPP_ACCESS_TOKEN => 'test-wa-token');
    }
    if (my $st = $self->{fakes}{stripe}) {
        %e = (%e, SCP_STRIPE_TRANSPORT => 'http',
              SCP_STRIPE_API_BASE => "http://127.0.0.1:$st->{port}",
              SCP_STRIPE_SECRET_KEY => 'sk_test_fake51HxTestKey',
              SCP_STRIPE_WEBHOOK_SECRET => 'whsec_test_fakeSigningSecret');
    }
    # PayPal (tests/fakes/paypal.pl): its test client credentials and webhook id.
    if (my $pp = $self->{fakes}{paypal}) {
        %e = (%e, SCP_PAYPAL_TRANSPORT => 'http',
              SCP_PAYPAL_API_BASE => "http://127.0.0.1:$pp->{port}",
              SCP_PAYPAL_CLIENT_ID => 'AfakeClientId-test',
              SCP_PAYPAL_CLIENT_SECRET => 'EfakeClientSecret-test',
              SCP_PAYPAL_WEBHOOK_ID => 'WH-FAKE-1234567890');
    }
    # Prokip and the stores of the sync (tests/fakes/prokip.pl, storepush.pl), which store
    # sealed secrets under $SECRETS_KEY (seal() below seals as they do).
    if (my $p = $self->{fakes}{prokip}) {
        %e = (%e, SCP_PROKIP_TRANSPORT => 'http',
              SCP_PROKIP_API_BASE => "http://127.0.0.1:$p->{port}",
              SCP_PROKIP_CLIENT_ID => '7', SCP_PROKIP_CLIENT_SECRET => 'fake-prokip-client-secret',
              SCP_SECRETS_KEY => $SECRETS_KEY);
    }
    if (my $st = $self->{fakes}{storepush}) {
        %e = (%e, SCP_SHOPIFY_TRANSPORT => 'http', SCP_WOOCOMMERCE_TRANSPORT => 'http',
              SCP_SHOPIFY_API_BASE => "http://127.0.0.1:$st->{port}",
              SCP_SECRETS_KEY => $SECRETS_KEY);
    }
    # The stores: Shopify's API base replaces https://{shop}; a WooCommerce store is
    # its own URL (woo_url).  Both need secrets_key to keep their credentials.
    if (my $f = $self->{fakes}{shopify}) {
        %e = (%e, SCP_SHOPIFY_TRANSPORT => 'http',
              SCP_SHOPIFY_API_BASE => "http://127.0.0.1:$f->{port}",
              SCP_SHOPIFY_API_KEY => 'test-shopify-key',
              SCP_SHOPIFY_API_SECRET => 'test-shopify-secret',
              SCP_SECRETS_KEY => $SECRETS_KEY);
    }
    if ($self->{fakes}{woocommerce}) {
        %e = (%e, SCP_WOOCOMMERCE_TRANSPORT => 'http',
              SCP_WOOCOMMERCE_WEBHOOK_SECRET => 'test-wc-secret',
              SCP_SECRETS_KEY => $SECRETS_KEY);
    }
    # The social platforms of a shop's connections (tests/fakes/social.pl, one fake for all).
    if (my $so = $self->{fakes}{social}) {
        my $u = "http://127.0.0.1:$so->{port}";
        %e = (%e, (map { ("SCP_\U$_\E_TRANSPORT" => 'http') }
                   qw(facebook instagram tiktok telegram viber)),
              SCP_FACEBOOK_API_BASE => $u, SCP_TIKTOK_API_BASE => $u,
              SCP_TELEGRAM_API_BASE => $u, SCP_VIBER_API_BASE => $u,
              SCP_FACEBOOK_APP_ID => 'test-fb-app', SCP_FACEBOOK_APP_SECRET => 'test-fb-secret',
              SCP_TIKTOK_CLIENT_KEY => 'test-tt-key', SCP_TIKTOK_CLIENT_SECRET => 'test-tt-secret',
              SCP_SECRETS_KEY => $SECRETS_KEY);
    }
    # Web push (tests/fakes/pushservice.pl): endpoints are https://push.example.test/…,
    # sent to the fake by push_api_base; subscriptions' auth secrets are sealed.
    if (my $ps = $self->{fakes}{pushservice}) {
        %e = (%e, SCP_PUSH_TRANSPORT => 'http',
              SCP_PUSH_API_BASE => "http://127.0.0.1:$ps->{port}",
              SCP_VAPID_PUBLIC_KEY => $VAPID_PUBLIC, SCP_VAPID_PRIVATE_KEY => $VAPID_PRIVATE,
              SCP_VAPID_SUBJECT => 'mailto:ops@example.test',
              SCP_SECRETS_KEY => $SECRETS_KEY);
    }
    return \%e;
}

# A fake's base URL.
sub fake_url { my ($self, $name) = @_; "http://127.0.0.1:$self->{fakes}{$name}{port}" }

# Seal a secret as the stack does (scp_secret, aad "<row id>:<field>"): scpctl seal.
sub seal {
    my ($self, $aad, $plain) = @_;
    my $build = $ENV{SCP_BUILD} // "$TOP/build";
    local $ENV{SCP_CONFIG} = "$self->{dir}/scp.conf";
    local $ENV{SCP_SECRETS_KEY} = $SECRETS_KEY;
    my $pid = open my $ph, '|-', "$build/bin/scpctl seal --aad '$aad' > '$self->{dir}/sealed'"
        or die "scpctl seal: $!";
    print $ph $plain;
    close $ph or die "scpctl seal failed";
    open my $fh, '<', "$self->{dir}/sealed" or die $!;
    my $v = <$fh>;
    chomp $v;
    return $v;
}

# What a fake received: a list of {method, path, headers, body, json}.
sub fake_requests {
    my ($self, $name) = @_;
    open my $fh, '<', $self->{fakes}{$name}{log} or return ();
    return map { $JSON->decode($_) } grep { /\S/ } <$fh>;
}

# Tell a fake how to answer the next requests: e.g. "500 2" (two 500s), "400 1".
sub fake_control {
    my ($self, $name, $line) = @_;
    open my $fh, '>', $self->{fakes}{$name}{ctl} or die $!;
    print $fh "$line\n";
    close $fh;
}

# The fake WooCommerce store's URL (its store_url).
sub woo_url { "http://127.0.0.1:$_[0]{fakes}{woocommerce}{port}" }
sub url  { $_[0]{url} }
# A URL the stack answered (absolute under public_url) as the path to request again.
sub path { my ($s, $u) = @_; $u =~ s{^\Q$s->{url}\E}{} if defined $u; $u }
sub dir  { $_[0]{dir} }

# $s->req(METHOD, PATH, BODY, %opt): BODY a ref (sent as JSON) or a string (raw).
# opt: token, headers, type.  Returns {status, headers, content, json}.
sub req {
    my ($self, $method, $path, $body, %opt) = @_;
    my %h = %{ $opt{headers} || {} };
    $h{Authorization} = "Bearer $opt{token}" if defined $opt{token};
    my %args = (headers => \%h);
    if (defined $body) {
        $args{content} = ref $body ? $JSON->encode($body) : $body;
        $h{'Content-Type'} //= $opt{type} // 'application/json';
    }
    my $r = $self->{http}->request($method, $self->{url} . $path, \%args);
    my $json = eval { $JSON->decode($r->{content}) } if length($r->{content} // '');
    $self->_record($method, $path, $r);
    return { status => $r->{status}, headers => $r->{headers}, content => $r->{content},
             json => $json };
}

# The contract log (tests/contract/validate.mjs): with SCP_CONTRACT_LOG=DIR every response
# req() receives is one JSON line in DIR/<test>-<pid>.jsonl (a forked `parallel` child
# writes its own file).  HTTP::Tiny's own 599 (no answer at all) is not a response.
sub _record {
    my ($self, $method, $path, $r) = @_;
    my $dir = $ENV{SCP_CONTRACT_LOG} or return;
    return if $r->{status} == 599;
    (my $test = $0) =~ s{.*/}{};
    $test =~ s/\.t$//;
    my $type = $r->{headers}{'content-type'} // '';
    $type = $type->[0] if ref $type;
    my $body = $r->{content} // '';
    my %rec = (test => $test, method => $method, path => $path, status => $r->{status} + 0,
               content_type => $type);
    $rec{length} = length $body;
    if ($type =~ m{^application/(?:[\w.+-]+\+)?json\b}i) {
        utf8::decode($body);    # the text, as the client reads it (bytes if not UTF-8)
        $rec{body} = $body;
    }
    open my $fh, '>>', "$dir/$test-$$.jsonl" or return;
    print $fh JSON::PP->new->utf8->canonical->encode(\%rec), "\n";
    close $fh;
}

sub get    { my ($s, $p, %o) = @_; $s->req('GET', $p, undef, %o) }
sub del    { my ($s, $p, %o) = @_; $s->req('DELETE', $p, undef, %o) }
sub post   { my ($s, $p, $b, %o) = @_; $s->req('POST', $p, $b // {}, %o) }
sub patch  { my ($s, $p, $b, %o) = @_; $s->req('PATCH', $p, $b // {}, %o) }

my $seq = 0;
# Sign up a user; returns the login body (access_token, refresh_token, user).
sub signup {
    my ($self, %f) = @_;
    $seq++;
    my %body = (email => "user$seq.$$\@example.com", password => 'password123',
                first_name => 'Test', %f);
    my $r = $self->post('/api/v1/auth/signup', \%body);
    die "signup failed: $r->{status} $r->{content}" unless $r->{status} == 201;
    $r->{json}{password} = $body{password};
    return $r->{json};
}

# Run SQL as the database owner; returns the output rows (tab-separated, unaligned).
sub sql {
    my ($self, $sql, @params) = @_;
    my $pgbin = `pg_config --bindir 2>/dev/null`;
    chomp $pgbin;
    $pgbin = (sort glob('/usr/lib/postgresql/*/bin'))[-1] unless -x "$pgbin/psql";
    # :'pN' stands for the Nth parameter as a quoted literal.
    $sql =~ s/:'p(\d+)'/_quote($params[$1 - 1])/ge;
    open my $ph, '-|', "$pgbin/psql", '-X', '-q', '-A', '-t', '-F', "\t", '-v',
        'ON_ERROR_STOP=1', '-h', "$self->{dir}/pgsock", '-U', 'scp', '-d', 'scp',
        '-c', $sql or die "psql: $!";
    my @rows = <$ph>;
    close $ph;
    die "psql failed on: $sql\n" if $?;
    chomp @rows;
    return wantarray ? @rows : $rows[0];
}

sub _quote {
    my ($v) = @_;
    return 'NULL' unless defined $v;
    $v =~ s/'/''/g;
    return "'$v'";
}

sub pid_of {
    my ($self, $name) = @_;
    open my $fh, '<', "$self->{dir}/run/$name.pid" or return;
    my $pid = <$fh>;
    chomp $pid;
    return $pid;
}

# The worker processes of a family's master.
sub workers {
    my ($self, $family) = @_;
    my $master = $self->pid_of("scp-$family") or return ();
    my @kids = `pgrep -P $master`;
    chomp @kids;
    return @kids;
}

sub stack {
    my ($self, $cmd) = @_;
    my $out = `$TOP/scripts/stack $cmd $self->{dir} 2>&1`;
    die "stack $cmd failed: $out" if $?;
}

sub logs {
    my ($self) = @_;
    my $s = '';
    for my $f (glob("$self->{dir}/log/*.log")) {
        open my $fh, '<', $f or next;
        my @l = <$fh>;
        splice @l, 0, @l - 15 if @l > 15;
        $s .= "== $f\n" . join('', @l);
    }
    return $s;
}

# Wait until COND returns true, up to SECONDS; returns its last value.
sub wait_until {
    my ($self, $secs, $cond) = @_;
    my $end = time + $secs;
    my $v;
    until (($v = $cond->()) || time > $end) { sleep 0.1 }
    return $v;
}

sub stop {
    my ($self) = @_;
    return if $self->{stopped}++ || $$ != $self->{pid};
    system("$TOP/scripts/stack stop $self->{dir} >/dev/null 2>&1");
    for my $f (values %{ $self->{fakes} }) {
        kill 'TERM', $f->{pid};
        waitpid $f->{pid}, 0;
    }
    system('rm', '-rf', $self->{dir}) unless $ENV{SCP_KEEP};
}

sub DESTROY { $_[0]->stop }

# parallel(N, sub { my $i = shift; ...; return $hashref }) → list of results, in order.
sub parallel {
    my ($n, $code) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my @pids;
    for my $i (0 .. $n - 1) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $res = eval { $code->($i) } // { error => "$@" };
            open my $fh, '>', "$dir/$i" or POSIX::_exit(1);
            print $fh $JSON->encode($res);
            close $fh;
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    waitpid $_, 0 for @pids;
    return map {
        open my $fh, '<', "$dir/$_" or die "child $_ left no result";
        local $/;
        $JSON->decode(<$fh>);
    } 0 .. $n - 1;
}

1;
