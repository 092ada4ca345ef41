# A worker killed between writing a listing's photos and committing its row leaves
# files no row names; scp-worker's sweep removes them (and their renditions) once they
# are an hour old, and never a file a listing refers to.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPAuction;

my $s = SCPTest->start;
my $client = SCPAuction::user_of_role($s, 'client');
my $r = SCPAuction::submit($s, $client->{access_token}, bill => SCPAuction::pdf_bytes());
is $r->{status}, 201, 'a listing with photos and a bill';
my $media = $s->dir . '/media';
my @kept = map { "$media/$_" } grep { length } split /\n/,
    join "\n", $s->sql("SELECT unnest(device_photos) FROM listings"),
                 $s->sql("SELECT bill_photo FROM listings");
ok @kept >= 5, scalar(@kept) . ' files belong to the listing';

my $stray = "$media/listings/" . ('ab' x 16) . '.png';
my $thumb = "$media/listings/" . ('ab' x 16) . '_thumb.jpg';
my $young = "$media/listings/" . ('cd' x 16) . '.png';
my $bill = "$media/private/" . ('ef' x 16) . '.pdf';
for my $f ($stray, $thumb, $young, $bill) {
    open my $fh, '>', $f or die "$f: $!";
    print $fh 'x';
    close $fh;
}
my $old = time - 2 * 3600;
utime $old, $old, $stray, $thumb, $bill, @kept;

# Stop the stack's worker so that the sweep below is the only one, then run one pass.
my $wpid = $s->pid_of('scp-worker');
kill 'TERM', $wpid;
$s->wait_until(5, sub { !kill 0, $wpid });
my $top = $SCPTest::TOP;
my $bin = -x "$top/build/bin/scp-worker" ? "$top/build/bin/scp-worker" : "$top/bin/scp-worker";
local $ENV{SCP_CONFIG} = $s->dir . '/scp.conf';
system("$bin -1 >/dev/null 2>&1") == 0 or diag 'scp-worker -1 failed';

ok !-e $stray, 'an old photo no listing names is removed';
ok !-e $thumb, 'with its renditions';
ok !-e $bill, 'an old private file no listing names is removed';
ok -e $young, 'a file younger than an hour stays (its request may still be running)';
is scalar(grep { -e } @kept), scalar @kept, 'every file a listing names stays, however old';

done_testing;
