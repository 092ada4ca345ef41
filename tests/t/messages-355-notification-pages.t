# The notification pages a worker keeps (cgi-bin/messages/notifications.c, sql/097): a
# page is served again only while the version of its user's notifications is unchanged,
# so a new notification, a read, a mark-all-read and a prune show in the very next
# request on every worker, under every filter; and one user's kept page never answers
# another user.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $N = '/api/v1/notifications';
my $sup = new_supplier($s);
my @cons = map { new_consumer($s) } 1 .. 4;
# Enough reads to reach every worker of the family several times.
my $reads = sub {
    my ($who, $q) = @_;
    return map { $s->get($N . ($q // ''), token => $who->{token})->{json} } 1 .. 10;
};
my $all_agree = sub {
    my ($label, $who, $q, $check) = @_;
    my @pages = $reads->($who, $q);
    is scalar(grep { $check->($_) } @pages), scalar(@pages), $label;
};
my $ask = sub { my $r = $s->post("/api/v1/suppliers/$sup->{id}/link-request", {}, token => $_[0]{token});
                die "link request: $r->{status}" unless $r->{status} == 201 };

$ask->($cons[0]);
$all_agree->('one notification, on every read', $sup, '',
             sub { $_[0]{pagination}{total} == 1 && $_[0]{unread_count} == 1 });
$all_agree->('the unread page too', $sup, '?unread_only=true',
             sub { $_[0]{pagination}{total} == 1 });

$ask->($cons[1]);
$all_agree->('a new notification shows at once', $sup, '',
             sub { $_[0]{pagination}{total} == 2 && $_[0]{unread_count} == 2 });
$all_agree->('... in the unread page as well', $sup, '?unread_only=true',
             sub { $_[0]{pagination}{total} == 2 });

my $first = ($reads->($sup, ''))[0]{results}[0]{id};
is $s->req('PUT', "$N/$first/read", {}, token => $sup->{token})->{status}, 200, 'one read';
$all_agree->('a read shows at once', $sup, '', sub {
    my ($p) = @_;
    my ($n) = grep { $_->{id} eq $first } @{ $p->{results} };
    $p->{unread_count} == 1 && $n && $n->{is_read} });
$all_agree->('... and leaves the unread page', $sup, '?unread_only=true',
             sub { $_[0]{pagination}{total} == 1 && $_[0]{results}[0]{id} ne $first });
# Reading it again changes nothing, and the pages stay as they are.
$s->req('PUT', "$N/$first/read", {}, token => $sup->{token});
$all_agree->('reading again: the same page', $sup, '', sub { $_[0]{unread_count} == 1 });

$ask->($cons[2]);
is $s->req('PUT', "$N/mark-all-read", {}, token => $sup->{token})->{status}, 200, 'mark all read';
$all_agree->('mark-all-read shows at once', $sup, '',
             sub { $_[0]{pagination}{total} == 3 && $_[0]{unread_count} == 0 });
$all_agree->('... the unread page is empty', $sup, '?unread_only=true',
             sub { $_[0]{pagination}{total} == 0 && !@{ $_[0]{results} } });

# The prune (scp-worker's delete of old read ones) is a change like any other.
$s->sql("DELETE FROM notifications WHERE id = :'p1'", $first);
$all_agree->('a deleted notification is gone at once', $sup, '', sub {
    $_[0]{pagination}{total} == 2 && !grep { $_->{id} eq $first } @{ $_[0]{results} } });

# Another user's pages are its own, kept or not.
$all_agree->('a consumer sees none of the owner\'s', $cons[3], '',
             sub { $_[0]{pagination}{total} == 0 && !@{ $_[0]{results} } });
$all_agree->('... and the owner still its own', $sup, '', sub { $_[0]{pagination}{total} == 2 });
is $s->get($N, token => 'not-a-token')->{status}, 401, 'no token: 401, kept pages or not';

done_testing;
