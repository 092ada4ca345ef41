# scpctl: migrate (idempotent, tracked), user add, seed-demo, check-config; and the
# family binaries refusing to start with a weak JWT secret.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $s = SCPTest->start;
my $top = $SCPTest::TOP;
my $bin = -x "$top/build/bin/scpctl" ? "$top/build" : $top;
$ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
my $ctl = sub { my $out = `$bin/bin/scpctl @_ 2>&1`; return ($? >> 8, $out) };

my ($rc, $out) = $ctl->("migrate -d $top/sql");
is $rc, 0, 'migrate again: exit 0';
like $out, qr/up to date \(0 applied now\)/, 'nothing applied twice';
is $s->sql('SELECT count(*) FROM schema_migrations'), scalar(() = glob("$top/sql/*.sql")),
    'every migration tracked once';

($rc, $out) = $ctl->('user add --email root@example.com --role admin --password adminpass1 --first-name Root');
is $rc, 0, 'user add admin';
like $out, qr/created admin root\@example.com/, 'says what it made';
my $r = $s->post('/api/v1/auth/login', { email => 'root@example.com', password => 'adminpass1' });
is $r->{status}, 200, 'the admin logs in';
is $r->{json}{user}{role}, 'admin', 'as admin';
($rc, $out) = $ctl->('user add --email root@example.com --role admin --password adminpass1');
is $rc, 1, 'the same email again fails';
($rc, $out) = $ctl->('user add --email x@example.com --role king --password adminpass1');
is $rc, 2, 'unknown role refused';
like $out, qr/unknown role/, 'with a reason';
($rc, $out) = $ctl->('user add --email x@example.com --role admin --password short');
is $rc, 2, 'weak password refused';
($rc, $out) = $ctl->('user add --email m@example.com --role manager --password managerpw1');
is $rc, 2, 'staff need a supplier';
($rc, $out) = $ctl->("user add --email m\@example.com --role manager --password managerpw1 --supplier-name 'Acme Foods'");
is $rc, 0, 'a manager with a supplier';

($rc, $out) = $ctl->('seed-demo');
is $rc, 0, 'seed-demo';
for my $role (qw(admin agent vendor client consumer owner manager sales_rep)) {
    like $out, qr/^\s+$role\s+\S+\@example\.com/m, "prints the $role login";
}
($rc, $out) = $ctl->('seed-demo');
is $rc, 0, 'seed-demo twice is harmless';
$r = $s->post('/api/v1/auth/login', { email => 'supplier.sales@example.com', password => 'Password123' });
is $r->{status}, 200, 'a demo login works';
ok $r->{json}{user}{supplier_id}, 'the sales rep belongs to the demo supplier';

($rc, $out) = $ctl->('check-config');
is $rc, 0, 'check-config on a good file';
like $out, qr/jwt_secret\s+= \(set, hidden\)/, 'secrets are not printed';
{
    local $ENV{SCP_JWT_SECRET} = 'short';
    ($rc, $out) = $ctl->('check-config');
    is $rc, 1, 'check-config with a short secret fails';
    like $out, qr/jwt_secret: must be at least 32 bytes/, 'and explains why';
    my $o = `$bin/cgi-bin/auth/scp-auth -s /tmp/never.sock 2>&1`;
    is $? >> 8, 2, 'scp-auth refuses to start with a short secret';
    like $o, qr/jwt_secret/, 'naming the problem';
}
{
    local $ENV{SCP_WORKERS} = 'many';
    ($rc, $out) = $ctl->('check-config');
    isnt $rc, 0, 'a bad number in the environment is refused';
    like $out, qr/SCP_WORKERS: workers must be an integer/, 'naming the variable';
}
my $bad = $s->dir . '/bad.conf';
open my $fh, '>', $bad or die;
print $fh "database_url = x\nno_such_key = 1\njust words\n";
close $fh;
($rc, $out) = $ctl->("-c $bad check-config");
isnt $rc, 0, 'a bad file is refused';
like $out, qr/bad\.conf:2: unknown key "no_such_key"/, 'unknown keys named with their line';
like $out, qr/bad\.conf:3: expected "key = value"/, 'syntax errors named with their line';

done_testing;
