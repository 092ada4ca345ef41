# scpctl check-config: database_url is read by libpq (a malformed one is a problem,
# exit 1, with libpq's reason on one line); --connect tries it: exit 0 and the server's
# version when it answers, exit 3 with libpq's message when it does not; exit 2 on a
# usage error.  The password is never printed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use SCPTest;

my $s = SCPTest->start;
my $top = $SCPTest::TOP;
my $bin = -x "$top/build/bin/scpctl" ? "$top/build" : $top;
my $good = $s->dir . '/scp.conf';
my $tmp = tempdir(CLEANUP => 1);
my $n = 0;
# A copy of the stack's configuration with database_url replaced.
sub conf_with {
    my ($url) = @_;
    open my $in, '<', $good or die $!;
    my @l = grep { !/^database_url\s*=/ } <$in>;
    close $in;
    my $f = "$tmp/c" . ++$n . '.conf';
    open my $out, '>', $f or die $!;
    print $out @l, "database_url = $url\n";
    close $out;
    return $f;
}
sub ctl {
    my ($conf, @args) = @_;
    local %ENV = %ENV;
    delete $ENV{$_} for grep { /^SCP_/ } keys %ENV;
    my $out = `$bin/bin/scpctl -c $conf check-config @args 2>&1`;
    return ($? >> 8, $out);
}

my ($rc, $out) = ctl($good);
is $rc, 0, 'the stack configuration: exit 0';
like $out, qr/database_url as libpq reads it: .*dbname=scp/, 'shows what libpq parsed';
like $out, qr/configuration OK/, 'OK';

($rc, $out) = ctl($good, '--connect');
is $rc, 0, '--connect to the running database: exit 0';
like $out, qr/^database: OK \(PostgreSQL \d+/m, "says so, with the server's version";

($rc, $out) = ctl(conf_with('host=/tmp dbname=scp bogus_option=1'), '--connect');
is $rc, 1, 'an unknown libpq keyword: exit 1 (before any connection)';
like $out, qr/^database_url: libpq cannot parse it: invalid connection option "bogus_option"$/m,
    "libpq's reason, on one line";
unlike $out, qr/^database: /m, 'no connection tried';

($rc, $out) = ctl(conf_with("host='/tmp dbname=scp"));
is $rc, 1, 'an unterminated quote: exit 1';
like $out, qr/libpq cannot parse it: unterminated quoted string/, 'said';

($rc, $out) = ctl(conf_with('postgresql://scp@[::1'));
is $rc, 1, 'a broken URI: exit 1';
like $out, qr/database_url: libpq cannot parse it: /, 'said';

($rc, $out) = ctl(conf_with('postgresql://scp:s3cr3t-pw@localhost/scp'));
is $rc, 0, 'a URI with a password parses';
my ($parsed) = $out =~ /^(database_url as libpq reads it: .*)$/m;
like $parsed, qr/user=scp .*host=localhost/, 'its keywords shown';
unlike $parsed, qr/s3cr3t-pw/, 'but not the password';

my $dead = conf_with("host=/nonexistent-scp-$$ dbname=scp connect_timeout=1");
($rc, $out) = ctl($dead);
is $rc, 0, 'an unreachable server without --connect: exit 0 (nothing tried)';
($rc, $out) = ctl($dead, '--connect');
is $rc, 3, 'with --connect: exit 3';
my ($line) = $out =~ /^(database: cannot connect: .*)$/m;
ok $line, 'the libpq error is reported' or diag $out;
like $line, qr/nonexistent-scp-$$.*No such file or directory \| Is the server running/,
    'whole, on one line';

($rc, $out) = ctl($good, '--bogus');
is $rc, 2, 'an unknown option: exit 2';
like $out, qr/usage: scpctl .*check-config \[--connect\]/, 'with the usage';

done_testing;
