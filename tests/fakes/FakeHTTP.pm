package FakeHTTP;
# The bones of every fake provider: a forking HTTP/1.1 server on 127.0.0.1 that records
# each request (method, path, lower-cased headers, raw body, parsed JSON) as a JSON line.
use strict;
use warnings;
use IO::Socket::INET;
use JSON::PP;
use Fcntl qw(:flock);

my $JSON = JSON::PP->new->canonical;

sub take_failure {
    my ($ctl) = @_;
    open my $fh, '+<', $ctl or return 0;
    flock $fh, LOCK_EX;
    my $line = <$fh> // '';
    my ($status, $count) = $line =~ /^(\d+)\s+(\d+)/ or return 0;
    return 0 if $count < 1;
    seek $fh, 0, 0;
    truncate $fh, 0;
    print $fh "$status " . ($count - 1) . "\n";
    close $fh;
    return $status;
}

sub read_request {
    my ($c) = @_;
    my $line = <$c> // return;
    my ($method, $path) = $line =~ /^(\S+)\s+(\S+)/ or return;
    my %h;
    while (my $l = <$c>) {
        $l =~ s/\r?\n$//;
        last if $l eq '';
        my ($k, $v) = split /:\s*/, $l, 2;
        $h{lc $k} = $v;
    }
    my $body = '';
    read($c, $body, $h{'content-length'}) if $h{'content-length'};
    my $json = eval { $JSON->decode($body) };
    return { method => $method, path => $path, headers => \%h, body => $body,
             json => $json };
}

sub serve {
    my ($port, $log, $handler) = @_;
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                    Listen => 64, ReuseAddr => 1) or die "listen: $!";
    $SIG{CHLD} = 'IGNORE';
    # Stop by ourselves after an hour at most.
    alarm 3600;
    while (my $c = $srv->accept) {
        my $pid = fork;
        next if $pid;
        my $req = read_request($c);
        if ($req) {
            open my $lf, '>>', $log or die $!;
            flock $lf, LOCK_EX;
            print $lf $JSON->encode($req) . "\n";
            close $lf;
            my ($status, $body) = $handler->($req);
            my $out = $JSON->encode($body);
            print $c "HTTP/1.1 $status X\r\nContent-Type: application/json\r\n"
                . "Content-Length: " . length($out) . "\r\nConnection: close\r\n\r\n$out";
        }
        close $c;
        exit 0;
    }
}

1;
