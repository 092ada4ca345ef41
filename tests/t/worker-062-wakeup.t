# scp-worker's wake-up: a waiting worker is woken by every new job's commit, never left
# to its one-second timer (sql/096_job_sleepers.sql, scp_jobs_notify and
# scp_jobs_barrier in sql/functions/10_core.sql, wait_for_work in bin/scp-worker.c).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep);
use SCPTest;

my $s = SCPTest->start;
my $pgbin = `pg_config --bindir 2>/dev/null`;
chomp $pgbin;
$pgbin = (sort glob('/usr/lib/postgresql/*/bin'))[-1] unless -x "$pgbin/psql";
# A psql session fed line by line: statements run as they arrive, one transaction
# stays open between two prints.
my $session = sub {
    open my $ph, '|-', "$pgbin/psql", '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h',
        $s->dir . '/pgsock', '-U', 'scp', '-d', 'scp', '-o', '/dev/null' or die "psql: $!";
    select((select($ph), $| = 1)[0]);
    return $ph;
};
my $asleep = sub { $s->sql('SELECT count(*) FROM job_sleepers') > 0 };

# 1. Jobs queued one after another, each a moment (0 to 3 ms) after the worker ran the
# one before: just as it goes back to sleep, when a wake-up is easiest to miss.  Each is
# run on the wake-up its commit sends.  A job of a kind no handler knows is a dead
# letter at once, which is all this needs: the time from its commit to its claim.
ok $s->wait_until(10, $asleep), 'the worker waits for work';
$s->sql(q{DO $$
DECLARE
    jid uuid;
BEGIN
    FOR i IN 1 .. 600 LOOP
        INSERT INTO jobs (kind) VALUES ('wakeup_probe') RETURNING id INTO jid;
        COMMIT;
        FOR w IN 1 .. 4000 LOOP
            EXIT WHEN (SELECT status FROM jobs WHERE id = jid) = 'dead';
            PERFORM pg_sleep(0.0005);
        END LOOP;
        PERFORM pg_sleep(random() * 0.003);
    END LOOP;
END $$});
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'wakeup_probe' AND status = 'dead'"), 600,
    'the worker ran all 600 jobs';
my ($late, $slowest) = split /\t/, $s->sql(
    "SELECT count(*) FILTER (WHERE locked_at - created_at > interval '700 ms'),
            round(extract(epoch FROM max(locked_at - created_at)) * 1000)
       FROM jobs WHERE kind = 'wakeup_probe'");
is $late, 0, "no job waited for the worker's timer (slowest claim ${slowest} ms after its commit)";

# 2. The race the barrier closes: a commit that looked for waiting workers before this
# one's row existed, and is not finished yet.  The worker, about to wait, first waits
# for that commit to end, then finds its job.  The constraint trigger fires early here
# (IMMEDIATE), so that the commit can be held open between its look and its end.
ok $s->wait_until(10, $asleep), 'the worker waits for work again';
$s->sql('DELETE FROM job_sleepers');    # as if the worker were awake
my $ph = $session->();
print $ph "BEGIN;\n";
print $ph "SET CONSTRAINTS jobs_notify IMMEDIATE;\n";
print $ph "INSERT INTO jobs (kind) VALUES ('barrier_probe');\n";
# The worker's timed wake finds no job (uncommitted), writes its row, and then waits on
# the barrier (for lock_timeout, 200 ms, each time) before it looks once more.
ok $s->wait_until(5, sub {
    $s->sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7295
                AND objid = 1 AND mode = 'ExclusiveLock' AND NOT granted") == 1
}), 'the worker, going to sleep, waits for the commit in progress';
is $s->sql("SELECT count(*) FROM jobs WHERE kind = 'barrier_probe'"), 0,
    'whose job is not visible yet';
ok $s->wait_until(5, sub {
    $s->sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7295
                AND objid = 1 AND mode = 'ExclusiveLock'") == 0
}), 'a commit held open is waited for no longer than lock_timeout';
print $ph "COMMIT;\n";
close $ph or die "psql session failed";
ok $s->wait_until(5, sub {
    $s->sql("SELECT status FROM jobs WHERE kind = 'barrier_probe'") eq 'dead'
}), 'the job is run once committed';

done_testing;
