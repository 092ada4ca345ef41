# The state machines as data (DESIGN §3, §6): state_moves holds every allowed move,
# sql/functions/12_state_moves.sql is its only source (every migrate makes the table equal
# to that list), and scp_state_check() is the one check every machine's move function
# calls.  Each machine's own answers (messages, 404s, roles) are tested in its own file
# (catalog-130-links, orders-140-orders, listings-220-approval, orders-270-auction-orders,
# agents-280-tasks).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $top = $SCPTest::TOP;

sub slurp { open my $fh, '<', $_[0] or die "$_[0]: $!"; local $/; return scalar <$fh> }
sub code { (my $t = $_[0]) =~ s{--[^\n]*}{}g; return $t }

# ---- static: the move functions ask state_moves ------------------------------------------

my %machine_of = ('40_b2b_links.sql' => 'consumer_link', '45_b2b_orders.sql' => 'catalog_order',
                  '55_listings.sql' => 'listing', '60_auction_orders.sql' => 'auction_order',
                  '70_agents.sql' => 'agent_task', '90_payments.sql' => 'payment');
for my $f (sort keys %machine_of) {
    my $text = code(slurp("$top/sql/functions/$f"));
    like $text, qr/\bscp_state_check\('\Q$machine_of{$f}\E',/, "$f checks its moves with scp_state_check";
}
# The message of a refused move is written once (link actions, like every machine's,
# send only their target state).
my %plain;
for my $f (glob("$top/sql/functions/*.sql")) {
    my $n = () = code(slurp($f)) =~ /'cannot move from %s to %s'/g;
    (my $b = $f) =~ s{.*/}{};
    $plain{$b} = $n if $n;
}
is_deeply \%plain, { '12_state_moves.sql' => 1 },
    'no other function refuses a move its own way';

# ---- the table is DESIGN §6 ----------------------------------------------------------------

my $s = SCPTest->start;

my %design = (
    consumer_link => 'pending>accepted pending>rejected accepted>blocked blocked>accepted '
                   . 'rejected>pending rejected>accepted',
    catalog_order => 'pending>accepted pending>rejected pending>cancelled accepted>in_progress '
                   . 'in_progress>completed',
    listing => 'pending>live pending>rejected live>sold live>expired',
    auction_order => 'pending_pickup>picked_up picked_up>in_transit in_transit>delivered '
                   . 'delivered>completed pending_pickup>cancelled picked_up>cancelled '
                   . 'in_transit>cancelled',
    agent_task => 'assigned>accepted accepted>in_progress in_progress>completed in_progress>failed',
    complaint => 'open>escalated escalated>resolved resolved>closed open>resolved',
    conversation => 'open>pending pending>open open>closed pending>closed closed>open',
    cliick_order => 'Pending>Confirmed Confirmed>Completed Pending>Cancelled Confirmed>Cancelled '
                  . 'Completed>Return',
    # payments (docs/decisions.md, "Payments"): Stripe's answers and webhooks move them
    payment => 'pending>requires_payment pending>succeeded pending>failed '
             . 'requires_payment>succeeded requires_payment>failed failed>succeeded '
             . 'succeeded>partially_refunded succeeded>refunded partially_refunded>refunded',
    # a Cliick shop's subscription (docs/decisions.md, "Cliick.io's shop teams and
    # settings", "Cliick.io's shop documents"): its owner asks for a plan, a platform
    # administrator approves, rejects, grants or ends one
    shop_subscription => 'trialing>pending_approval active>pending_approval '
                       . 'expired>pending_approval pending_approval>active '
                       . 'pending_approval>expired trialing>active expired>active '
                       . 'trialing>expired active>expired',
);
my $table = sub {
    my %t;
    for ($s->sql("SELECT machine, from_state || '>' || to_state FROM state_moves")) {
        my ($m, $mv) = split /\t/;
        push @{ $t{$m} }, $mv;
    }
    return { map { $_ => join ' ', sort @{ $t{$_} } } keys %t };
};
my %want = map { $_ => join ' ', sort split ' ', $design{$_} } keys %design;
is_deeply $table->(), \%want, 'state_moves holds exactly the moves of DESIGN §6, every machine';

# ---- scp_state_check ---------------------------------------------------------------------

# The SQLSTATE and message of running body in PL/pgSQL, or "ok".
my $try = sub {
    my ($body) = @_;
    return scalar $s->sql("CREATE FUNCTION pg_temp.t() RETURNS text LANGUAGE plpgsql AS \$f\$"
        . " BEGIN $body; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM;"
        . " END \$f\$; SELECT pg_temp.t()");
};
is $try->("PERFORM scp_state_check('agent_task', 'assigned', 'accepted')"), 'ok', 'a move of the table passes';
is $try->("PERFORM scp_state_check('agent_task', 'assigned', 'failed')"),
    'SC409 cannot move from assigned to failed', 'any other: SC409 "cannot move from X to Y"';
is $try->("PERFORM scp_state_check('consumer_link', 'accepted', 'pending', 'already linked')"),
    'SC409 cannot move from accepted to pending: already linked', 'with the reason, when given';
is $try->("PERFORM scp_state_check('cliick_order', 'Completed', 'Return')"), 'ok', 'Cliick\'s spelling';
like $try->("PERFORM scp_state_check('agent_tasks', 'assigned', 'accepted')"),
    qr/^P0001 .*no state machine named "agent_tasks"/, 'an unknown machine is a bug (500), not a 409';

# ---- the table decides, through the API ----------------------------------------------------

my $sup = new_supplier($s);
my $con = new_consumer($s);
link_up($s, $sup, $con);
my $p = new_product($s, $sup);
my $O = '/api/v1/consumer/orders';
my $SO = '/api/v1/supplier/orders';
my $o = new_order($s, $con, $sup, $p, 1)->{json};
is $s->post("$SO/$o->{id}/accept", undef, token => $sup->{token})->{json}{status}, 'accepted',
    'an accepted order';
my $r = $s->post("$O/$o->{id}/cancel", undef, token => $con->{token});
is_deeply [ api_error($r), $r->{json}{error}{message} ],
    [ '409 INVALID_STATE', 'cannot move from accepted to cancelled' ], 'cannot be cancelled';

$s->sql("INSERT INTO state_moves VALUES ('catalog_order', 'accepted', 'cancelled')");
$s->sql("DELETE FROM state_moves WHERE machine = 'catalog_order' AND to_state = 'in_progress'");
$r = $s->post("$SO/$o->{id}/start", undef, token => $sup->{token});
is_deeply [ api_error($r), $r->{json}{error}{message} ],
    [ '409 INVALID_STATE', 'cannot move from accepted to in_progress' ],
    'a move taken out of state_moves is refused at once';
$r = $s->post("$O/$o->{id}/cancel", undef, token => $con->{token});
is_deeply [ $r->{status}, $r->{json}{status} ], [ 200, 'cancelled' ],
    'a move put in is allowed: no other list of states is consulted';

# ---- every migrate makes the table equal to its file -----------------------------------------

$s->sql("INSERT INTO state_moves VALUES ('listing', 'sold', 'live')");
my $hand = $table->();
ok $hand->{listing} ne $want{listing} && $hand->{catalog_order} ne $want{catalog_order},
    'the table was changed by hand';
my $bin = -x "$top/build/bin/scpctl" ? "$top/build" : $top;
local $ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
my $out = `$bin/bin/scpctl migrate -d $top/sql 2>&1`;
is $? >> 8, 0, 'migrate' or diag $out;
is_deeply $table->(), \%want, 'and the table is the file\'s list again: stray rows gone, missing ones back';
$o = new_order($s, $con, $sup, $p, 1)->{json};
$s->post("$SO/$o->{id}/accept", undef, token => $sup->{token});
is api_error($s->post("$O/$o->{id}/cancel", undef, token => $con->{token})), '409 INVALID_STATE',
    'an accepted order cannot be cancelled again';
is $s->post("$SO/$o->{id}/start", undef, token => $sup->{token})->{json}{status}, 'in_progress',
    'and starts';

done_testing;
