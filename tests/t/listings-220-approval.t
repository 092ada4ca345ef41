# Admin review: PUT /listings/:id/approve (live with auction_end_time, default 24 h,
# 1..168), reject with a reason (PUT …/reject, or approve with approved:false), the
# pending queue, and every refusal.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction qw(submit user_of_role fields_of);

my $s = SCPTest->start;
my $client = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $A = $admin->{access_token};

sub new_listing {
    my $r = submit($s, $client->{access_token}, @_);
    die $r->{content} unless $r->{status} == 201;
    return $r->{json}{id};
}
sub put { my ($path, $body, $tok) = @_; $s->req('PUT', $path, $body, token => $tok // $A) }
sub hours_left {
    my ($id) = @_;
    $s->sql("SELECT round(extract(epoch FROM auction_end_time - approved_at) / 3600, 2)"
          . " FROM listings WHERE id = :'p1'", $id);
}

# --- the pending queue ------------------------------------------------------------------
my @ids = map { new_listing(fields => { model => "Model $_" }) } 1 .. 4;
my $q = $s->get('/api/v1/admin/listings/pending', token => $A);
is $q->{status}, 200, 'pending queue';
is $q->{json}{pagination}{total}, 4, '4 waiting';
is_deeply [map { $_->{id} } @{ $q->{json}{results} }], \@ids, 'oldest first';
ok defined $q->{json}{results}[0]{imei1}, 'the admin sees the IMEI';
ok defined $q->{json}{results}[0]{pickup_address}{street_address}, 'and the pickup address';
$q = $s->get('/api/v1/admin/listings/pending?page=2&page_size=3', token => $A);
is scalar @{ $q->{json}{results} }, 1, 'paginated';
is $q->{json}{pagination}{total_pages}, 2, 'total_pages';
is $s->get('/api/v1/admin/listings/pending', token => $client->{access_token})->{status}, 403,
    'a client cannot read the queue';
is $s->get('/api/v1/admin/listings/pending')->{status}, 401, 'anonymous: 401';

# --- approve ---------------------------------------------------------------------------
my $r = put("/api/v1/listings/$ids[0]/approve", {});
is $r->{status}, 200, 'approve with an empty object';
is $r->{json}{status}, 'live', 'live';
is $r->{json}{auction_duration_hours}, 24, 'default 24 h';
is hours_left($ids[0]), '24.00', 'auction_end_time = approval + 24 h';
is $r->{json}{approved_by}, $admin->{user}{id}, 'approved_by';
is $r->{json}{instant_win_price}, 25000, 'instant-win price defaults to the asking price';
is $r->{json}{starting_price}, 12500, 'bidding opens at 50% of it';
is $r->{json}{min_next_bid}, 12500, 'min_next_bid';
ok $r->{json}{time_left_seconds} > 86000, 'time_left_seconds';
ok $r->{json}{time_left} >= 1439 && $r->{json}{time_left} <= 1440, 'time_left in minutes';
my $ending = $s->sql("SELECT round(extract(epoch FROM run_at - now()) / 60) FROM jobs"
                   . " WHERE kind = 'auction_ending' AND payload->>'listing_id' = :'p1'", $ids[0]);
is $ending, 1425, 'auction_ending job due 15 min before the end';

$r = $s->req('PUT', "/api/v1/listings/$ids[1]/approve", undef, token => $A);
is $r->{status}, 200, 'approve with no body at all';

$r = put("/api/v1/listings/$ids[2]/approve", { auction_duration_hours => 1,
         starting_price => 15000, instant_win_price => '30000.50' });
is $r->{status}, 200, 'approve with duration and prices';
is hours_left($ids[2]), '1.00', '1 hour';
is $r->{json}{starting_price}, 15000, 'starting_price';
is $r->{json}{instant_win_price}, 30000.5, 'instant_win_price';

# --- refusals ---------------------------------------------------------------------------
my %bad = (
    'duration 0'        => [{ auction_duration_hours => 0 }, 'auction_duration_hours'],
    'duration 169'      => [{ auction_duration_hours => 169 }, 'auction_duration_hours'],
    'duration text'     => [{ auction_duration_hours => '24' }, 'auction_duration_hours'],
    'duration 1.5'      => [{ auction_duration_hours => 1.5 }, 'auction_duration_hours'],
    'negative start'    => [{ starting_price => -5 }, 'starting_price'],
    'start 3 decimals'  => [{ starting_price => '10.001' }, 'starting_price'],
    'start > instant'   => [{ starting_price => 30000, instant_win_price => 20000 }, 'starting_price'],
    'approved not bool' => [{ approved => 'yes' }, 'approved'],
    'reject w/o reason' => [{ approved => JSON::PP::false }, 'rejection_reason'],
);
for my $name (sort keys %bad) {
    my ($body, $field) = @{ $bad{$name} };
    my $r = put("/api/v1/listings/$ids[3]/approve", $body);
    is $r->{status}, 422, "$name: 422";
    ok exists fields_of($r)->{$field}, "$name: names $field" or diag $r->{content};
}
is $s->sql("SELECT status FROM listings WHERE id = :'p1'", $ids[3]), 'pending', 'still pending';

$r = put("/api/v1/listings/$ids[0]/approve", {});
is $r->{status}, 409, 'approving a live listing: 409';
is $r->{json}{error}{code}, 'INVALID_STATE', 'INVALID_STATE';
is $r->{json}{error}{message}, 'cannot move from live to live', 'cannot move from live to live';
$r = put("/api/v1/listings/$ids[0]/reject", { reason => 'late' });
is $r->{status}, 409, 'rejecting a live listing: 409';
is $r->{json}{error}{message}, 'cannot move from live to rejected', 'message names both states';
is put("/api/v1/listings/$ids[3]/approve", {}, $client->{access_token})->{status}, 403,
    'a client cannot approve';
is put("/api/v1/listings/$ids[3]/approve", {}, $vendor->{access_token})->{status}, 403,
    'a vendor cannot approve';
is put("/api/v1/listings/00000000-0000-4000-8000-000000000000/approve", {})->{status}, 404,
    'unknown listing: 404';
is put("/api/v1/listings/not-a-uuid/approve", {})->{status}, 404, 'malformed id: 404';
is $s->req('POST', "/api/v1/listings/$ids[3]/approve", {}, token => $A)->{status}, 405,
    'POST on approve: 405';

# --- reject -----------------------------------------------------------------------------
$r = put("/api/v1/listings/$ids[3]/reject", {});
is $r->{status}, 422, 'reject without a reason: 422';
$r = put("/api/v1/listings/$ids[3]/approve", { approved => JSON::PP::false,
         rejectionReason => 'Photos are blurry' });
is $r->{status}, 200, 'approve with approved:false rejects (the seed\'s body)';
is $r->{json}{status}, 'rejected', 'rejected';
is $r->{json}{rejection_reason}, 'Photos are blurry', 'with the reason';
my $other = new_listing();
$r = put("/api/v1/listings/$other/reject", { reason => 'IMEI blacklisted' });
is $r->{status}, 200, 'PUT /reject';
is $r->{json}{rejection_reason}, 'IMEI blacklisted', 'reason kept';
ok $r->{json}{rejected_at}, 'rejected_at';
is put("/api/v1/listings/$other/approve", {})->{json}{error}{message},
    'cannot move from rejected to live', 'a rejected listing cannot go live';
my $own = $s->get("/api/v1/listings/$other", token => $client->{access_token});
is $own->{json}{rejection_reason}, 'IMEI blacklisted', 'the owner sees why';
is $s->get("/api/v1/listings/$other", token => $vendor->{access_token})->{status}, 404,
    'a vendor does not see a rejected listing';
is $s->get('/api/v1/admin/listings/pending', token => $A)->{json}{pagination}{total}, 0,
    'queue empty';

# --- admin list with status filter -------------------------------------------------------
$r = $s->get('/api/v1/listings?status=live', token => $A);
is $r->{json}{pagination}{total}, 3, 'admin: 3 live';
$r = $s->get('/api/v1/admin/listings?status=rejected', token => $A);
is $r->{json}{pagination}{total}, 2, '/admin/listings: 2 rejected';
is $s->get('/api/v1/listings?status=bogus', token => $A)->{status}, 400, 'unknown status: 400';

done_testing;
