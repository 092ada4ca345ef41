# SQL functions have one home: migrations (sql/NNN_name.sql) hold the schema, and the
# current definition of every function, view and trigger is in sql/functions/*.sql,
# re-applied by every `scpctl migrate`.  Checks the layout statically, then that a
# second migrate changes nothing, that a changed function file takes effect on the next
# migrate, and that a failing function file changes nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use SCPTest;

my $top = $SCPTest::TOP;
my @migrations = sort glob("$top/sql/*.sql");
my @functions = sort glob("$top/sql/functions/*.sql");
ok @migrations && @functions, 'there are migrations and function files';

sub slurp { open my $fh, '<', $_[0] or die "$_[0]: $!"; local $/; return scalar <$fh> }
sub base { (my $b = $_[0]) =~ s{^\Q$top\E/}{}; $b }

# SQL text without its comments, so that prose that names a statement is not one.
sub code {
    my ($text) = @_;
    $text =~ s{/\*.*?\*/}{}gs;
    $text =~ s{--[^\n]*}{}g;
    return $text;
}

# The argument types of a definition's parameter list: "p_run_at timestamptz DEFAULT
# now()" is timestamptz; an unnamed parameter is its type.
sub arg_types {
    my ($list) = @_;
    my @args;
    my ($depth, $cur) = (0, '');
    for my $ch (split //, $list) {
        $depth++ if $ch eq '(';
        $depth-- if $ch eq ')';
        if ($ch eq ',' && $depth == 0) { push @args, $cur; $cur = ''; next }
        $cur .= $ch;
    }
    push @args, $cur if $cur =~ /\S/;
    return join ',', map {
        (my $a = $_) =~ s/\s+(DEFAULT\b|=).*//is;
        $a =~ s/^\s+|\s+$//g;
        lc((split /\s+/, $a)[-1]);
    } @args;
}

# Every CREATE [OR REPLACE] FUNCTION: [name, signature, file, or_replace].
sub functions_of {
    my ($file) = @_;
    my $text = code(slurp($file));
    my @found;
    while ($text =~ /\bCREATE\s+(OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\s*\(/gi) {
        my ($replace, $name, $start) = ($1, lc $2, pos $text);
        my ($depth, $i) = (1, $start);
        while ($depth && $i < length $text) {
            my $ch = substr $text, $i++, 1;
            $depth += $ch eq '(' ? 1 : $ch eq ')' ? -1 : 0;
        }
        push @found, [$name, "$name(" . arg_types(substr $text, $start, $i - $start - 1) . ')',
                      base($file), !!$replace];
    }
    return @found;
}

# ---- static: where each definition lives -------------------------------------------------

# A migration may define a pg_temp function for its own run (docs/operations.md §3.1).
for my $m (@migrations) {
    my $text = code(slurp($m));
    my @defs = $text =~ /\b((?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?
                           (?:FUNCTION|PROCEDURE|TRIGGER|VIEW|MATERIALIZED\s+VIEW)\s+
                           (?!pg_temp\.)\w+)/gix;
    is_deeply \@defs, [], base($m) . ' defines no function, view or trigger';
}

my (%where, %names);
for my $f (@migrations, @functions) {
    for my $d (functions_of($f)) {
        push @{ $where{ $d->[1] } }, $d->[2];
        $names{ $d->[0] }++;
    }
}
ok scalar(keys %where) > 50, scalar(keys %where) . ' function signatures found';
# Overloads are told apart by their argument types.
ok $where{$_}, "found $_" for 'scp_au_money(bigint)', 'scp_au_money(numeric)',
    'scp_job_enqueue(text,jsonb,timestamptz)', 'scp_products_bulk_update(uuid,uuid[],bigint,int,int)';
my @twice = grep { @{ $where{$_} } > 1 } sort keys %where;
is_deeply \@twice, [], 'no function is defined twice in sql/'
    or diag join "\n", map { "$_: @{ $where{$_} }" } @twice;

for my $f (@functions) {
    my $text = code(slurp($f));
    my @plain = $text =~ /\bCREATE\s+((?!OR\s+REPLACE\b)(?:FUNCTION|VIEW|TRIGGER)\s+\w+)/gi;
    is_deeply \@plain, [], base($f) . ': every function, view and trigger is CREATE OR REPLACE';
    # A constraint trigger has no OR REPLACE: it is dropped just before.
    while ($text =~ /\bCREATE\s+CONSTRAINT\s+TRIGGER\s+(\w+)/gi) {
        my $name = $1;
        like $text, qr/\bDROP\s+TRIGGER\s+IF\s+EXISTS\s+\Q$name\E\s+ON\s+\w+\s*;\s*
                       CREATE\s+CONSTRAINT\s+TRIGGER\s+\Q$name\E\b/x,
            base($f) . ": constraint trigger $name is dropped just before it is created";
    }
    like base($f), qr{^sql/functions/\d+_\w+\.sql$}, base($f) . ' is named NN_subsystem.sql';
}

# A branch adds its files in a block of its own (dist_sql_DATA += …), so += counts too.
my $am = slurp("$top/Makefile.am");
$am =~ s/\\\n//g;
my %dist = map { $_ => 1 } map { split ' ' } $am =~ /^dist_\w+_DATA\s*\+?=(.*)$/mg;
my @missing = grep { !$dist{$_} } map { base($_) } @migrations, @functions;
is_deeply \@missing, [], 'Makefile.am installs and distributes every migration and function file';

# ---- against a database migrated by the harness ------------------------------------------

my $s = SCPTest->start;
my $bin = -x "$top/build/bin/scpctl" ? "$top/build" : $top;
$ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
my $ctl = sub { my $out = `$bin/bin/scpctl @_ 2>&1`; return ($? >> 8, $out) };

my %in_db = map { split /\t/ } $s->sql(q{SELECT proname, count(*) FROM pg_proc
    WHERE pronamespace = 'public'::regnamespace GROUP BY proname});
is_deeply \%in_db, \%names, 'the database has exactly the functions of sql/, each overload once';

# What a migrate could change: the migrations recorded, every function (its oid too:
# CREATE OR REPLACE keeps it, so nothing that depends on a function is dropped), trigger,
# view, table column, type, index and constraint.
my $catalog = <<'SQL';
SELECT 'migration ' || version FROM schema_migrations
UNION ALL
SELECT 'function ' || p.oid || ' ' || md5(pg_get_functiondef(p.oid)) || ' '
       || p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'trigger ' || tgrelid::regclass || ' ' || md5(pg_get_triggerdef(t.oid))
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'view ' || c.oid::regclass || ' ' || md5(pg_get_viewdef(c.oid))
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'column ' || attrelid::regclass || '.' || attname || ' '
       || format_type(atttypid, atttypmod) || ' ' || attnotnull
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index ' || md5(pg_get_indexdef(indexrelid)) FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'constraint ' || conname || ' ' || md5(pg_get_constraintdef(oid)) FROM pg_constraint
 WHERE connamespace = 'public'::regnamespace
ORDER BY 1
SQL
my @before = $s->sql($catalog);
ok @before > 200, scalar(@before) . ' catalog entries before';

my ($rc, $out) = $ctl->("migrate -d $top/sql");
is $rc, 0, 'a second migrate succeeds' or diag $out;
like $out, qr/^applied ${\ scalar @functions} function files of /m, 'it re-applies every function file';
like $out, qr/up to date \(0 applied now\)/, 'and no migration';
is_deeply [$s->sql($catalog)], \@before, 'and changes nothing';

# A copy of sql/ whose core file has a changed function.
my $copy = tempdir('scp-sql-XXXXXX', TMPDIR => 1, CLEANUP => 1);
system('cp', '-R', "$top/sql/.", $copy) == 0 or die 'cp failed';
my $core = "$copy/functions/10_core.sql";
my $text = slurp($core);
ok $text =~ s/SELECT round\(p_minor \/ 100\.0, 2\)/SELECT round(p_minor \/ 100.0, 3)/,
    'the copy changes scp_amount';
open my $fh, '>', $core or die;
print $fh $text;
close $fh;
my $oid = $s->sql(q{SELECT 'scp_amount(bigint)'::regprocedure::oid});
is $s->sql('SELECT scp_amount(1234)'), '12.34', 'scp_amount as defined';

open $fh, '>', "$copy/functions/99_broken.sql" or die;
print $fh "CREATE OR REPLACE FUNCTION scp_broken() RETURNS int LANGUAGE sql AS 'SELECT no_such_column FROM users';\n";
close $fh;
($rc, $out) = $ctl->("migrate -d $copy");
is $rc, 1, 'a failing function file fails the migrate';
like $out, qr{functions/99_broken\.sql: .*no_such_column}, 'naming the file and the error';
is $s->sql('SELECT scp_amount(1234)'), '12.34', 'and no file of that run took effect';
unlink "$copy/functions/99_broken.sql";

($rc, $out) = $ctl->("migrate -d $copy");
is $rc, 0, 'migrate with the changed file' or diag $out;
is $s->sql('SELECT scp_amount(1234)'), '12.340', 'the function is replaced';
is $s->sql(q{SELECT 'scp_amount(bigint)'::regprocedure::oid}), $oid, 'in place (same oid)';
my $r = $s->post('/api/v1/auth/login', { email => 'nobody@example.com', password => 'x' });
ok $r->{status} >= 400 && $r->{status} < 500, 'the stack still answers';

($rc, $out) = $ctl->("migrate -d $top/sql");
is $rc, 0, 'migrate with the original files';
is $s->sql('SELECT scp_amount(1234)'), '12.34', 'puts the definition back';
is_deeply [$s->sql($catalog)], \@before, 'the catalog is as before';

my $bare = tempdir('scp-sql-XXXXXX', TMPDIR => 1, CLEANUP => 1);
system('cp', @migrations, $bare) == 0 or die 'cp failed';
($rc, $out) = $ctl->("migrate -d $bare");
is $rc, 1, 'migrate without sql/functions fails';
like $out, qr{cannot open \Q$bare\E/functions}, 'and says what is missing';

done_testing;
