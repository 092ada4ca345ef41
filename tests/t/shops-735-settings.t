# Cliick.io's shop subscription (POST /api/shops/:shopId/upgrade, the cliick profile): the
# owner asks for a plan (either spelling of the fields), it waits as pendingPlan with the
# status pending_approval; the shop's JSON shows it; other roles 403, strangers 404;
# statuses an owner may not set 422; validation, malformed bodies, no session.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);

my $s = SCPTest->start();
my $n = 0;

sub account {
    $n++;
    my $r = $s->post('/api/auth/register', { email => "settings$n.$$\@example.com",
                                             password => 'password123', username => "settings$n" });
    die "register: $r->{status} $r->{content}" unless $r->{status} == 201;
    return { token => $r->{json}{data}{token}, id => $r->{json}{data}{user}{id} };
}

sub fields_of {
    my ($r) = @_;
    return { map { $_->{field} => $_->{message} } @{ $r->{json}{error}{details}{fields} || [] } };
}

my ($owner, $admin, $manager, $agent, $stranger) = map { account() } 1 .. 5;
my $r = $s->post('/api/shops', { name => 'Plans' }, token => $owner->{token});
die "shop: $r->{status}" unless $r->{status} == 201;
my $shop = $r->{json}{data};
$s->sql("INSERT INTO shop_members (shop_id, user_id, role) VALUES"
        . " ('$shop->{id}', '$admin->{id}', 'admin'),"
        . " ('$shop->{id}', '$manager->{id}', 'order_manager'),"
        . " ('$shop->{id}', '$agent->{id}', 'support_agent')");
my $sub = sub {
    $s->sql("SELECT subscription_plan || '|' || subscription_status || '|'"
            . " || coalesce(subscription_pending_plan, '-') FROM shops WHERE id = '$shop->{id}'");
};

# --- a new shop's subscription ---------------------------------------------------------
is $shop->{subscription}{plan}, 'Trial', 'a new shop is on the Trial plan';
is $shop->{subscription}{status}, 'trialing', 'trialing';
is $shop->{subscription}{pendingPlan}, undef, 'nothing asked for';
is $shop->{subscription}{periodEndsAt}, undef, 'no paid period';
ok $s->sql("SELECT subscription_trial_ends_at = created_at + interval '14 days' FROM shops"
           . " WHERE id = '$shop->{id}'") eq 't', 'the trial ends 14 days after the creation';
like $shop->{subscription}{trialEndsAt}, qr/^\d{4}-\d\d-\d\dT/, 'trialEndsAt';

# --- upgrade -----------------------------------------------------------------------------
my $up = "/api/shops/$shop->{id}/upgrade";
$r = $s->post($up, { subscription_plan => 'Pro', subscription_status => 'pending_approval' },
              token => $owner->{token});
is $r->{status}, 200, 'the owner asks for Pro (the frontend\'s field names): 200';
is $r->{json}{data}{subscription}{status}, 'pending_approval', 'pending approval';
is $r->{json}{data}{subscription}{pendingPlan}, 'Pro', 'pendingPlan Pro';
is $r->{json}{data}{subscription}{plan}, 'Trial', 'still on Trial until approved';
is $r->{json}{data}{role}, 'owner', 'the shop as the owner sees it';
$r = $s->post($up, { plan => 'Growth' }, token => $owner->{token});
is $r->{status}, 200, 'asking again while pending, {plan}: 200';
is $sub->(), 'Trial|pending_approval|Growth', 'the plan asked for changes';
$r = $s->get("/api/shops/$shop->{id}", token => $agent->{token});
is $r->{json}{data}{subscription}{pendingPlan}, 'Growth', 'every member sees it in the shop';

for my $who ([ $admin, 'an admin' ], [ $manager, 'an order manager' ], [ $agent, 'a support agent' ]) {
    $r = $s->post($up, { plan => 'Cheap' }, token => $who->[0]{token});
    is $r->{status}, 403, "$who->[1] may not: 403";
}
$r = $s->post($up, { plan => 'Cheap' }, token => $stranger->{token});
is $r->{status}, 404, 'a stranger: 404';
$r = $s->post('/api/shops/00000000-0000-4000-8000-000000000000/upgrade', { plan => 'Pro' },
              token => $owner->{token});
is $r->{status}, 404, 'an unknown shop: 404';
$r = $s->post('/api/shops/not-a-uuid/upgrade', { plan => 'Pro' }, token => $owner->{token});
is $r->{status}, 404, 'not an id: 404';
$r = $s->post($up, { plan => 'Pro', status => 'active' }, token => $owner->{token});
is $r->{status}, 422, 'the owner may not make itself active: 422';
ok fields_of($r)->{status}, 'status reported';
$r = $s->post($up, { subscription_plan => 'Pro', subscription_status => 'expired' },
              token => $owner->{token});
is $r->{status}, 422, 'nor expired: 422';
ok fields_of($r)->{subscription_status}, 'under the name sent';
$r = $s->post($up, {}, token => $owner->{token});
is $r->{status}, 422, 'no plan: 422';
ok fields_of($r)->{subscription_plan} || fields_of($r)->{plan}, 'plan reported';
$r = $s->post($up, { plan => '' }, token => $owner->{token});
is $r->{status}, 422, 'an empty plan: 422';
$r = $s->post($up, { plan => 'x' x 101 }, token => $owner->{token});
is $r->{status}, 422, 'a plan too long: 422';
$r = $s->post($up, { plan => { name => 'Pro' } }, token => $owner->{token});
is $r->{status}, 422, 'a plan that is no string: 422';
$r = $s->post($up, '{"plan":', token => $owner->{token});
is $r->{status}, 400, 'malformed JSON: 400';
$r = $s->post($up, '[]', token => $owner->{token});
is $r->{status}, 400, 'not an object: 400';
$r = $s->post($up, { plan => 'Pro' });
is $r->{status}, 401, 'no session: 401';
$r = $s->post($up, { plan => 'Pro' }, token => 'not.a.token');
is $r->{status}, 401, 'a bad token: 401';
is $sub->(), 'Trial|pending_approval|Growth', 'no refused request changed anything';

# --- from active, and from expired: the machine allows asking ------------------------------
$s->sql("UPDATE shops SET subscription_plan = 'Pro', subscription_status = 'active',"
        . " subscription_pending_plan = NULL WHERE id = '$shop->{id}'");
$r = $s->post($up, { plan => 'Growth' }, token => $owner->{token});
is $r->{status}, 200, 'an active shop asks for another plan: 200';
is $sub->(), 'Pro|pending_approval|Growth', 'Pro until the change is approved';
$s->sql("UPDATE shops SET subscription_status = 'expired' WHERE id = '$shop->{id}'");
$r = $s->post($up, { plan => 'Pro' }, token => $owner->{token});
is $r->{status}, 200, 'an expired shop asks to renew: 200';

# --- concurrent requests serialise on the shop's row ---------------------------------------
my @codes = map { $_->{status} } parallel(4, sub {
    my $r = $s->post($up, { plan => "Plan $_[0]" }, token => $owner->{token});
    return { status => $r->{status} };
});
is_deeply [ sort @codes ], [ (200) x 4 ], 'four concurrent requests: 200 each';
like $sub->(), qr/^Pro\|pending_approval\|Plan \d$/, 'one of them is the plan asked for';

done_testing;
