# nginx sends every route of every family's table (`scp-<family> --routes`) to that
# family and to no other, so the site and the tables cannot drift apart; internal
# routes are not reachable from outside.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;

my $build = $ENV{SCP_BUILD} // "$SCPTest::TOP/build";
my %routes;    # family => [[method, pattern], ...]
for my $bin (glob("$build/cgi-bin/*/scp-*")) {
    next unless -x $bin && $bin =~ m{/scp-(\w+)$};
    my $family = $1;
    my @lines = `$bin --routes`;
    is $?, 0, "scp-$family --routes exits 0";
    ok @lines > 0, "... and prints its routes";
    $routes{$family} = [map { chomp; [split / /, $_, 2] } @lines];
}
ok keys(%routes) >= 7, 'every family binary was found';

my $s = SCPTest->start;
my $n = 0;
my %sent;    # unique path => family that owns it
for my $family (sort keys %routes) {
    for my $rt (@{ $routes{$family} }) {
        my ($method, $pattern) = @$rt;
        # A fresh uuid per route makes each path unique in the logs.
        my $path = $pattern;
        $path =~ s{:(\w+)}{sprintf '00000000-0000-4000-8000-%012d', ++$n}ge;
        $path = "$path?route=" . ++$n unless $path =~ /0000-4000/;
        my $r = $s->req($method, $path, $method =~ /^(POST|PUT|PATCH)$/ ? '{}' : undef);
        if ($pattern =~ m{^/internal/}) {
            is $r->{status}, 404, "$method $pattern is not reachable from outside";
        }
        $sent{"$method $path"} = $pattern =~ m{^/internal/} ? '' : $family;
    }
}

# Every family logs one line per request: "METHOD PATH STATUS …".
my %seen;
for my $log (glob($s->dir . '/log/scp-*.log')) {
    next unless $log =~ m{/scp-(\w+)\.log$} && $routes{$1};
    my $family = $1;
    open my $fh, '<', $log or die "$log: $!";
    while (<$fh>) {
        $seen{"$1 $2"}{$family}++ if m{ info rid=\S+ ([A-Z]+) (/\S+) \d{3} };
    }
}
for my $key (sort keys %sent) {
    my ($method, $path) = split / /, $key;
    (my $plain = $path) =~ s/\?.*//;
    my $by = join ',', sort keys %{ $seen{"$method $plain"} || {} };
    is $by, $sent{$key}, $sent{$key} ? "$key reaches scp-$sent{$key} only"
                                      : "$key reaches no family";
}

done_testing;
