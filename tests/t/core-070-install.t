# `make install DESTDIR=…` from the build: every file where configure's directories say
# (binaries, systemd units with those paths, tmpfiles.d, the filled nginx site,
# migrations, the example scp.conf, man pages), every program answering --version and
# --help, the man pages rendering without warnings, the example scp.conf naming every
# key the programs know and loading when uncommented, and `make uninstall` removing it
# all again.  No stack is needed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use File::Find;
use Test::More;
use SCPTest;

my $top = $SCPTest::TOP;
my $build = $ENV{SCP_BUILD} // "$top/build";
plan skip_all => "no configured build in $build" unless -f "$build/Makefile";

# The build's directory variables, expanded as make would.
my %mk;
open my $fh, '<', "$build/Makefile" or die $!;
while (<$fh>) { $mk{$1} = $2 if /^(\w+) = (.*?)\s*$/ }
close $fh;
sub dir {
    my $v = $mk{ $_[0] } // die "no $_[0] in the Makefile";
    1 while $v =~ s/\$[{(](\w+)[})]/$mk{$1} \/\/ ''/e;
    return $v;
}
my ($sbindir, $sysconfdir, $pkgdatadir, $mandir) =
    map { dir($_) } qw(sbindir sysconfdir pkgdatadir mandir);
my ($unitdir, $tmpfilesdir) = map { dir($_) } qw(systemdsystemunitdir tmpfilesdir);
my $version = $mk{PACKAGE_VERSION};
like $sbindir, qr{^/}, "sbindir from configure: $sbindir";

my $dest = tempdir(CLEANUP => 1);
my $out = `make -s -C '$build' install DESTDIR='$dest' 2>&1`;
is $?, 0, 'make install DESTDIR= succeeds' or diag $out;

# Programs: every family the build has, scp-worker, scp-ws, scpctl.
my @families = sort map { m{/scp-(\w+)$} ? $1 : () } grep { -x } glob("$build/cgi-bin/*/scp-*");
ok @families >= 7, 'the families: ' . join(' ', @families);
my @programs = ((map { "scp-$_" } @families), 'scp-worker', 'scp-ws', 'scpctl');
for my $p (@programs) {
    my $bin = "$dest$sbindir/$p";
    ok -x $bin, "$p installed in $sbindir";
    my $v = `'$bin' --version 2>&1`;
    is $?, 0, "$p --version exits 0";
    is $v, "$p (scp) $version\n", "$p --version names the program, package and version";
    my $h = `env -u SCP_CONFIG '$bin' --help 2>/dev/null`;
    is $?, 0, "$p --help exits 0";
    like $h, qr/^usage: \Q$p\E /, "$p --help starts with its usage, on stdout";
    like $h, qr{default /etc/scp/scp\.conf}, "$p --help names the configuration path";
    like $h, qr/--version/, "$p --help lists --version";
    like $h, qr/\Q$p\E\(8\)/, "$p --help points to its man page" unless $p =~ /^scp-(?!worker|ws$)/;
    like $h, qr/scp-family\(8\)/, "$p --help points to scp-family(8)" if $p =~ /^scp-(?!worker|ws$)/;
    `'$bin' --no-such-option >/dev/null 2>&1`;
    is $? >> 8, 2, "$p with an unknown option exits 2";
}

# systemd units and tmpfiles.d, with configure's paths and no placeholder left.
for my $u (qw(scp@.service scp@.socket scp-worker.service scp-ws.service scp-ws.socket
              scp.target)) {
    my $f = "$dest$unitdir/$u";
    ok -f $f, "$u installed in $unitdir";
    my $text = do { local (@ARGV, $/) = $f; <> };
    unlike $text, qr/\@[A-Za-z_]+\@/, "$u: every placeholder filled";
    unlike $text, qr{/usr/local/sbin}, "$u: no hard-coded /usr/local/sbin" unless $sbindir eq '/usr/local/sbin';
    like $text, qr{^ExecStart=\Q$sbindir\E/scp-\S+ -c \Q$sysconfdir\E/scp/scp\.conf$}m,
        "$u: ExecStart is the installed binary with the installed configuration"
        if $u =~ /service$/;
}
my $tmpf = "$dest$tmpfilesdir/scp.conf";
ok -f $tmpf, "tmpfiles.d file installed as $tmpfilesdir/scp.conf";
like do { local (@ARGV, $/) = $tmpf; <> }, qr{^d /run/scp 0755 root root -$}m, 'it makes /run/scp';

# The nginx site for the installed paths, and its template.
my $site = "$dest$pkgdatadir/nginx/scp.conf";
ok -f $site, 'the filled nginx site installed';
my $text = do { local (@ARGV, $/) = $site; <> };
unlike $text, qr/\@[A-Z_]+\@/, 'nginx site: every placeholder filled';
like $text, qr{unix:/run/scp/scp-auth\.sock}, 'it reaches the families in /run/scp';
like $text, qr{/var/lib/scp/media}, 'it serves uploads from /var/lib/scp/media';
ok -f "$dest$pkgdatadir/nginx/scp.conf.in", 'and its template';
if (-x '/usr/sbin/nginx') {
    # nginx -t on the site inside an http block with the modules it uses; it binds the
    # site's sockets, so its run and log directories move into a temporary directory.
    my $ng = tempdir(CLEANUP => 1);
    mkdir "$ng/$_" for qw(run log);
    (my $moved = $text) =~ s{/run/scp/}{$ng/run/}g;
    $moved =~ s{/var/log/nginx/}{$ng/log/}g;
    my $conf = "$ng/nginx-test.conf";
    my $mods = join '', map { "include $_;\n" } glob('/etc/nginx/modules-enabled/*.conf');
    open my $o, '>', $conf or die $!;
    print $o "${mods}error_log stderr;\npid $ng/nginx.pid;\nevents {}\n"
        . "http {\ninclude /etc/nginx/mime.types;\n$moved\n}\n";
    close $o;
    my $t = `/usr/sbin/nginx -t -q -c '$conf' -e stderr 2>&1`;
    # Not root: nginx's own temporary directories may be out of reach.
    my @bad = grep { !/Permission denied/ } grep { /\[emerg\]/ } split /\n/, $t;
    is "@bad", '', 'nginx accepts the installed site' or diag $t;
}

# Migrations.
my @sql = map { s{.*/}{}r } glob("$top/sql/[0-9]*.sql");
ok -f "$dest$pkgdatadir/sql/$_", "migration $_ installed" for @sql;
ok -d "$dest$pkgdatadir/sql/functions", 'SQL functions installed';

# The example scp.conf: every key, at its default, commented out.
my $example = "$dest$sysconfdir/scp/scp.conf.example";
ok -f $example, "example configuration installed as $sysconfdir/scp/scp.conf.example";
my @lines = do { open my $e, '<', $example or die $!; <$e> };
my %example = map { /^#(\w+) =/ ? ($1 => 1) : () } @lines;
my $ctl = "$dest$sbindir/scpctl";
my @dump = `env -i '$ctl' -c /dev/null check-config 2>/dev/null`;
my @keys = map { /^(\w+)\s+= / ? $1 : () } @dump;
ok @keys > 40, scalar(@keys) . ' keys in scpctl check-config';
is_deeply [sort keys %example], [sort @keys], 'the example names exactly the keys scpctl knows';
is `env SCP_JWT_SECRET=from-the-environment '$ctl' example-config`, join('', @lines),
    'scpctl example-config is the installed example, whatever the environment';
my $uncommented = "$dest/scp.conf";
open my $u, '>', $uncommented or die $!;
print $u map { s/^#(\w+ =)/$1/r } @lines;
close $u;
my $check = `env -i SCP_JWT_SECRET=0123456789abcdef0123456789abcdef '$ctl' -c '$uncommented' check-config 2>&1`;
is $?, 0, 'the example with every key uncommented is a valid configuration' or diag $check;
like $check, qr/configuration OK/, '... says check-config';

# Man pages: each renders without a warning; every family has one `man` finds.
my @pages = ('man8/scpctl.8', 'man8/scp-worker.8', 'man8/scp-ws.8', 'man8/scp-family.8',
             'man5/scp.conf.5',
             map { "man8/scp-$_.8" } @families);
for my $page (@pages) {
    my $f = "$dest$mandir/$page";
    ok -e $f, "$page installed";
    my $warn = `groff -man -Tutf8 -ww -z '$f' 2>&1`;
    is $warn, '', "$page renders without warnings";
    my $txt = `MANWIDTH=100 man -l '$f' 2>&1`;
    like $txt, qr/^NAME\n/m, "$page renders with man -l";
}
for my $f (@families) {
    is readlink("$dest$mandir/man8/scp-$f.8"), 'scp-family.8', "scp-$f.8 is scp-family(8)";
}
my $family_page = `MANWIDTH=400 man -l '$dest$mandir/man8/scp-family.8' 2>/dev/null`;
like $family_page, qr/\bscp-$_\b.*- the FastCGI servers/, "scp-family(8) names scp-$_"
    for @families;
my $conf_page = `MANWIDTH=200 man -l '$dest$mandir/man5/scp.conf.5' 2>/dev/null`;
my @missing = grep { $conf_page !~ /^ {7}\Q$_\E(?: |$)/m } @keys;
is "@missing", '', 'scp.conf(5) describes every key';

# make uninstall leaves nothing behind.
$out = `make -s -C '$build' uninstall DESTDIR='$dest' 2>&1`;
is $?, 0, 'make uninstall succeeds' or diag $out;
my @left;
my %ours = map { ("$dest/$_" => 1) } qw(scp.conf);
find(sub { push @left, $File::Find::name if (-f || -l) && !$ours{$File::Find::name} }, $dest);
is "@left", '', 'and it removes every file it installed';

done_testing;
