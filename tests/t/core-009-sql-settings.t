# Configuration that SQL needs reaches it once per connection (DESIGN §3): lib/scp_db.c
# sets every key marked Q in lib/scp_config.c as scp.<key> when it connects, and
# functions read them with scp_setting_int(), whose fallback for a session without them
# is the same default as scp_config.c's.  Checked statically, then at the level of
# scp_db (a small program linked with libscp connects and reports its session), then
# through the API of a stack whose every SQL-visible key differs from its default.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use SCPTest;
use SCPAuction qw(user_of_role live_listing);

my $top = $SCPTest::TOP;
sub slurp { open my $fh, '<', $_[0] or die "$_[0]: $!"; local $/; return scalar <$fh> }

# ---- static: one list, and the same defaults on both sides ------------------------------

my %c_default = slurp("$top/lib/scp_config.c") =~ /^\s*Q\((\w+),\s*(\d+),/mg;
ok keys(%c_default) >= 11, scalar(keys %c_default) . ' SQL-visible keys in scp_config.c';
my ($case) = slurp("$top/sql/functions/10_core.sql")
    =~ /FUNCTION scp_setting_int\(.*?CASE p_key(.*?)ELSE/s;
my %sql_default = ($case // '') =~ /WHEN '(\w+)' THEN '(\d+)'/g;
is_deeply \%sql_default, \%c_default,
    'scp_setting_int falls back to exactly the keys and defaults of scp_config.c';
my %read;
for my $f (glob("$top/sql/functions/*.sql")) {
    (my $t = slurp($f)) =~ s/--[^\n]*//g;
    $read{$1}++ while $t =~ /scp_setting_int\('(\w+)'\)/g;
}
is_deeply [ sort grep { !exists $c_default{$_} } keys %read ], [],
    'every key a function reads is one that scp_db sets';
is_deeply [ sort grep { !$read{$_} } keys %c_default ], [], 'and every key it sets is read';

# Text keys (T, TC): scp_setting_text's fallbacks are scp_config.c's defaults.
my %t_default = slurp("$top/lib/scp_config.c") =~ /^\s*TC?\((\w+),\s*"([^"]*)"/mg;
ok keys(%t_default) >= 1, scalar(keys %t_default) . ' SQL-visible text keys in scp_config.c';
my ($tcase) = slurp("$top/sql/functions/10_core.sql")
    =~ /FUNCTION scp_setting_text\(.*?CASE p_key(.*?)END/s;
my %sql_t_default = ($tcase // '') =~ /WHEN '(\w+)' THEN '([^']*)'/g;
is_deeply \%sql_t_default, \%t_default,
    'scp_setting_text falls back to exactly the text keys and defaults of scp_config.c';

# Values unlike the defaults, each within its range.
my %value = (refresh_ttl => 86400, otp_ttl => 120, otp_max_attempts => 3,
             otp_sends_per_minute => 2, otp_verifies_per_5min => 4, bid_min_increment => 25000,
             auction_start_percent => 40, auction_commission_bp => 800,
             agent_commission => 15000, platform_fee => 3900, auction_ending_notice => 600,
             notification_retention_days => 30);
is_deeply [ sort keys %value ], [ sort keys %c_default ], 'this test sets every one of them';
isnt $value{$_}, $c_default{$_}, "$_: $value{$_}, not the default" for sort keys %value;
my %env = map { ('SCP_' . uc($_) => $value{$_}) } keys %value;

my $s = SCPTest->start(env => \%env);

# ---- scp_db: what a connection of libscp has set --------------------------------------------

SKIP: {
    my $lib = "$top/build/lib/libscp.a";
    skip 'no build/lib/libscp.a', 4 unless -f $lib;
    my $inc = `pg_config --includedir 2>/dev/null` || '/usr/include/postgresql';
    chomp $inc;
    my $dir = tempdir('scp-settings-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    open my $fh, '>', "$dir/probe.c" or die;
    print $fh <<'C';
#define _POSIX_C_SOURCE 200809L
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_db.h"
#include <stdio.h>
#include <string.h>

/* $1: the keys, an array literal; unset ones are left out. */
static const struct scp_stmt stmts[] = {
	{ "probe", "SELECT 'TimeZone=' || current_setting('TimeZone') UNION ALL"
		   " SELECT 'scp.' || k || '=' || current_setting('scp.' || k, true)"
		   " FROM unnest($1::text[]) k WHERE current_setting('scp.' || k, true) <> ''" },
	SCP_STMT_END,
};

/* probe noload|load KEYS: the session's time zone and scp.KEYS, one per line. */
int main(int argc, char **argv)
{
	struct scp_buf errs = SCP_BUF_INIT;
	struct scp_db db;
	PGresult *res;
	const char *keys = argc > 2 ? argv[2] : "{}";

	if (!scp_config_load(NULL, &errs)) {
		fprintf(stderr, "%s", errs.ptr);
		return 2;
	}
	scp_db_init(&db, strdup(scp_cfg.database_url));
	if (argc > 1 && !strcmp(argv[1], "noload"))
		scp_config_free();
	scp_db_add_statements(&db, stmts);
	if (!scp_db_ready(&db) || scp_db_exec(&db, "probe", 1, &keys, &res) != SCP_DB_OK)
		return 1;
	for (int i = 0; i < PQntuples(res); i++)
		printf("%s\n", PQgetvalue(res, i, 0));
	PQclear(res);
	scp_db_close(&db);
	return 0;
}
C
    close $fh;
    my $cc = $ENV{CC} || 'cc';
    my $out = `$cc -std=c11 -Wall -Werror -I$top/lib -I$inc -o $dir/probe $dir/probe.c $lib -lpq -lcrypto 2>&1`;
    is $?, 0, 'a program linked with libscp builds' or diag $out;
    local %ENV = (%ENV, %env, SCP_CONFIG => '/dev/null',
                  SCP_DATABASE_URL => 'host=' . $s->dir . '/pgsock user=scp dbname=scp');
    # Every key either side knows of, and one nobody does.
    my $keys = '{' . join(',', sort(keys %c_default, keys %sql_default), 'no_such_key') . '}';
    my %got = map { /^(.*?)=(.*)$/ } `$dir/probe load '$keys'`;
    is $?, 0, 'it connects through scp_db';
    is_deeply \%got, { TimeZone => 'UTC', map { ("scp.$_" => $value{$_}) } keys %value },
        'the connection has the time zone and every SQL-visible key, with the configured values';
    %got = map { /^(.*?)=(.*)$/ } `$dir/probe noload '$keys'`;
    is_deeply \%got, { TimeZone => 'UTC' }, 'without a loaded configuration: none (SQL\'s defaults)';
}

# ---- SQL: a session without them, one with them ------------------------------------------------

is_deeply [ $s->sql("SELECT k || '=' || scp_setting_int(k) FROM unnest(ARRAY["
                    . join(', ', map { "'$_'" } sort keys %c_default) . "]) k") ],
    [ map { "$_=$c_default{$_}" } sort keys %c_default ], 'psql: the built-in defaults';
is $s->sql("SET scp.bid_min_increment = '123'; SELECT scp_setting_int('bid_min_increment')"), 123,
    'a session\'s setting wins';
like $s->sql("CREATE FUNCTION pg_temp.t() RETURNS text LANGUAGE plpgsql AS \$f\$ BEGIN"
             . " PERFORM scp_setting_int('bid_increment'); RETURN 'ok'; EXCEPTION WHEN OTHERS"
             . " THEN RETURN SQLERRM; END \$f\$; SELECT pg_temp.t()"),
    qr/no such setting: scp\.bid_increment/, 'an unknown key fails, naming it';

# ---- the API: the stack's values are what the functions use ------------------------------------

my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
is $s->sql("SELECT round(extract(epoch FROM expires_at - created_at)) FROM sessions"
           . " WHERE user_id = :'p1' ORDER BY created_at LIMIT 1", $client->{user}{id}),
    86400, 'refresh_ttl: the session of a sign-up';

my $l = live_listing($s, $client, $admin, fields => { asking_price => 30000 });
is $l->{starting_price}, 12000, 'auction_start_percent: opening bid at 40 % of the asking price';
is $s->sql("SELECT round(extract(epoch FROM (payload->>'auction_end_time')::timestamptz - run_at))"
           . " FROM jobs WHERE kind = 'auction_ending' AND payload->>'listing_id' = :'p1'", $l->{id}),
    600, 'auction_ending_notice: the event is due 600 s before the end';
my $r = $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => 12000 },
                 token => $vendor->{access_token});
is $r->{status}, 201, 'a bid';
is $r->{json}{listing}{min_next_bid}, 12250, 'bid_min_increment: the next minimum in the bid\'s answer';
is $s->get("/api/v1/listings/$l->{id}")->{json}{min_next_bid}, 12250, 'in the listing';
my ($mkt) = grep { $_->{id} eq $l->{id} } @{ $s->get('/api/v1/marketplace')->{json}{results} };
is $mkt->{min_next_bid}, 12250, 'and in the marketplace';
is $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => 12249.99 },
            token => $vendor->{access_token})->{status}, 422, 'less is refused';

$r = $s->post('/api/v1/bids', { listing_id => $l->{id}, amount => 30000 },
              token => $vendor->{access_token});
is $r->{json}{is_instant_win}, JSON::PP::true, 'an instant win';
is $s->sql("SELECT commission_rate_bp || ' ' || agent_commission || ' ' || platform_fee"
           . " FROM auction_orders WHERE listing_id = :'p1'", $l->{id}),
    '800 15000 3900', 'its order: auction_commission_bp, agent_commission, platform_fee';

my $phone = '+14155550188';
my @sent = map { $s->post('/api/v1/auth/send-otp', { phone => $phone })->{status} } 1 .. 3;
is_deeply \@sent, [ 200, 200, 429 ], 'otp_sends_per_minute: the third send of the minute is refused';
is $s->sql("SELECT round(extract(epoch FROM expires_at - created_at)) FROM otps"
           . " WHERE phone = :'p1' LIMIT 1", $phone), 120, 'otp_ttl';

done_testing;
