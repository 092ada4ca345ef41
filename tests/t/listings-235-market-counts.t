# The marketplace's kept counts (market_counts, sql/030_marketplace.sql) stay exact while
# admins approve, vendors win at once and the closing sweep closes auctions, all at the
# same time; and every page's total is the number of listings it can show.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest qw(parallel);
use SCPAuction qw(submit user_of_role live_listing);

my $s = SCPTest->start;
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my @vendors = map { user_of_role($s, 'vendor') } 1 .. 4;
my $seed = live_listing($s, $client, $admin, instant_win_price => 5000, starting_price => 1000,
                        fields => { brand => 'Apple', condition => 'Good' });

# 120 clones: 40 pending (to approve), 40 live (to win at once), 40 live ending now (the
# sweep closes them), over four brands and four conditions.
$s->sql(q{INSERT INTO listings (client_id, brand, model, storage, color, condition, imei1,
        battery_health, asking_price, description, device_photos, street_address, city, state,
        pincode, pickup_time, status, approved_at, auction_duration_hours, auction_start_time,
        auction_end_time, starting_price, instant_win_price)
     SELECT client_id, (ARRAY['Apple','Samsung','OnePlus','Xiaomi'])[1 + g % 4], model || g,
        storage, color, (ARRAY['Excellent','Good','Fair','Poor'])[1 + (g / 4) % 4], imei1,
        battery_health, asking_price, description, device_photos, street_address, city, state,
        pincode, pickup_time, CASE WHEN g <= 40 THEN 'pending' ELSE 'live' END,
        CASE WHEN g > 40 THEN now() END, 24, now(),
        CASE WHEN g > 40 THEN now() + CASE WHEN g > 80 THEN interval '3 seconds'
                                           ELSE interval '1 hour' END END,
        CASE WHEN g > 40 THEN 100000 END, CASE WHEN g > 40 THEN 500000 END
       FROM listings, generate_series(1, 120) g WHERE id = :'p1'}, $seed->{id});
my @pending = $s->sql("SELECT id FROM listings WHERE status = 'pending' ORDER BY id");
my @winnable = $s->sql("SELECT id FROM listings WHERE status = 'live'"
                     . " AND auction_end_time > now() + interval '1 minute' AND id <> :'p1' ORDER BY id",
                       $seed->{id});
is scalar(@pending), 40, '40 pending';
is scalar(@winnable), 40, '40 to win';

my $drift = sub {
    scalar $s->sql(q{SELECT count(*) FROM market_counts c
        FULL JOIN (SELECT lower(brand) AS b, condition, count(*) AS n FROM listings
                    WHERE status = 'live' GROUP BY 1, 2) x
          ON x.b = c.brand_key AND x.condition = c.condition
        WHERE coalesce(c.live, 0) <> coalesce(x.n, 0)});
};
is $drift->(), 0, 'the kept counts match before';

# Two admins approve, four vendors win at once, while the sweep closes the 40 that end.
my @res = parallel(6, sub {
    my $i = shift;
    my $ok = 0;
    if ($i < 2) {
        for my $k (grep { $_ % 2 == $i } 0 .. $#pending) {
            my $r = $s->req('PUT', "/api/v1/listings/$pending[$k]/approve", { auction_duration_hours => 1 },
                            token => $admin->{access_token});
            $ok++ if $r->{status} == 200;
        }
    } else {
        my $v = $vendors[$i - 2];
        for my $id (@winnable) {   # every vendor tries every auction: one wins each
            my $r = $s->post('/api/v1/bids', { listing_id => $id, amount => 5000 },
                             token => $v->{access_token});
            $ok++ if $r->{status} == 201;
        }
    }
    return { ok => $ok };
});
is $res[0]{ok} + $res[1]{ok}, 40, 'the 40 approvals went through';
is eval { $res[2]{ok} + $res[3]{ok} + $res[4]{ok} + $res[5]{ok} }, 40, 'one instant win per auction';
sleep 1 until $s->sql("SELECT count(*) FROM listings WHERE status = 'expired'") == 40 || time - $^T > 60;
is scalar $s->sql("SELECT count(*) FROM listings WHERE status = 'expired'"), 40, 'the sweep closed 40';
is $drift->(), 0, 'the kept counts match after the race';

# Each page's total is what it can show (results of a page as large as the total).
my $live = $s->sql("SELECT count(*) FROM listings WHERE status = 'live' AND auction_end_time > now()");
for my $q ('', '?brand=apple', '?condition=Good', '?brand=Samsung&condition=Fair&sort_by=ending-soon',
           '?sort_by=lowest-price&condition=Poor') {
    my $r = $s->get("/api/v1/marketplace$q" . ($q ? '&' : '?') . 'page_size=100');
    my $t = $r->{json}{pagination}{total};
    is $t, scalar @{ $r->{json}{results} }, "total of '$q' is what it shows ($t)";
}
is $s->get('/api/v1/marketplace')->{json}{pagination}{total}, $live, "the default total is the $live live";

# Live but past its end, not closed yet: neither shown nor counted.
$s->sql("UPDATE listings SET auction_end_time = now() - interval '1 second'"
      . " WHERE id IN (SELECT id FROM listings WHERE status = 'live' AND brand = 'Apple' LIMIT 1)");
my $r = $s->get('/api/v1/marketplace?brand=Apple&page_size=100');
is $r->{json}{pagination}{total}, scalar @{ $r->{json}{results} }, 'a listing past its end: total still what it shows';

done_testing;
