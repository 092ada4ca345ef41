# scp-ws's feed (bin/ws_feed.c) leaves no event behind: an event whose NOTIFY reaches
# scp-ws while it is reading the events before it is read too, at once, not when some
# later event comes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPEvents qw(subscribe);

my $s = SCPTest->start;
my $r = $s->post('/api/auth/register', { email => "feed.$$\@example.com",
                                         password => 'password123', username => "feed$$" });
die "register: $r->{status}" unless $r->{status} == 201;
my ($token, $user) = ($r->{json}{data}{token}, $r->{json}{data}{user}{id});
# A user's notifications reach /ws only for some shop's member.
$r = $s->post('/api/shops', { name => 'Feed Teak', currency => 'MMK' }, token => $token);
die "shop: $r->{status}" unless $r->{status} == 201;
my $ws = subscribe($s, "/ws?token=$token", websocket => 1);
is $ws->status, 101, 'the WebSocket is open';

# Events as scp-worker writes them (scp_ws_event, sql/functions/89_ws_events.sql), from
# 4 sessions at once as from 4 scp-worker processes, each committing 5 events well under
# a millisecond apart: ids are taken in one order and committed in another unless the
# writers keep them in step, and scp-ws reads nearly all the time, so NOTIFYs keep
# arriving while it does.  All 20 frames reach the user's WebSocket before the next
# burst begins, with nothing after them to wake scp-ws again.
my $pgbin = `pg_config --bindir 2>/dev/null`;
chomp $pgbin;
$pgbin = (sort glob('/usr/lib/postgresql/*/bin'))[-1] unless -x "$pgbin/psql";
my $burst = sub {
    my ($round) = @_;
    my @ph;
    for my $session (1 .. 4) {
        my $sql = qq{DO \$\$
        BEGIN
            FOR i IN 1 .. 5 LOOP
                PERFORM scp_ws_event(NULL, '$user', json_build_object('type', 'server',
                    'event', 'notification', 'data',
                    json_build_object('round', $round, 'n', $session * 10 + i)));
                COMMIT;
                PERFORM pg_sleep(random() * 0.0005);
            END LOOP;
        END \$\$};
        open my $ph, '-|', "$pgbin/psql", '-X', '-q', '-h', $s->dir . '/pgsock', '-U', 'scp',
            '-d', 'scp', '-c', $sql or die "psql: $!";
        push @ph, $ph;
    }
    close $_ for @ph;
};
my $late = 0;
for my $round (1 .. 30) {
    $burst->($round);
    my @got = grep { ($_->{data}{round} // 0) == $round } $ws->events(20, 2);
    $late++, diag "burst $round: " . scalar(@got) . ' of 20' unless @got == 20;
}
is $late, 0, 'every burst: all 20 events delivered while no other event followed them';

done_testing;
