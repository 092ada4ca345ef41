package SCPWs;
# Raw WebSocket frames for the tests of Cliick.io's /ws (scp-ws), on top of the
# connections SCPEvents::subscribe opens: any frame a client may (or may not) send, and
# every frame the server sends, control frames included.
use strict;
use warnings;
use Exporter 'import';
use Time::HiRes qw(time);

our @EXPORT_OK = qw(client_bytes send_raw next_frame close_code);

# A client frame's bytes: opcode, payload, fin (default 1), masked (default 1), and an
# announced length that may differ from the payload's (len => N).
sub client_bytes {
    my (%o) = @_;
    my $payload = $o{payload} // '';
    my $len = $o{len} // length $payload;
    my $fin = defined $o{fin} ? $o{fin} : 1;
    my $masked = defined $o{masked} ? $o{masked} : 1;
    my $head = pack('C', ($fin ? 0x80 : 0) | $o{op});
    my $m = $masked ? 0x80 : 0;
    $head .= $len < 126 ? pack('C', $m | $len)
           : $len < 65536 ? pack('Cn', $m | 126, $len) : pack('CQ>', $m | 127, $len);
    return $head . $payload unless $masked;
    my $mask = join '', map { chr rand 256 } 1 .. 4;
    my $n = length $payload;
    return $head . $mask . ($payload ^ substr($mask x (int($n / 4) + 1), 0, $n));
}

sub send_raw {
    my ($ws, $bytes) = @_;
    local $SIG{PIPE} = 'IGNORE';
    my $sock = $ws->{sock};
    return print {$sock} $bytes;
}

# The next frame from the server: (opcode, payload), or () when nothing came in time
# (or the connection ended).
sub next_frame {
    my ($ws, $timeout) = @_;
    my $deadline = time + ($timeout // 2);
    while (1) {
        if (length $ws->{buf} >= 2) {
            my ($b0, $b1) = unpack 'CC', $ws->{buf};
            my ($len, $off) = ($b1 & 0x7f, 2);
            ($len, $off) = (unpack('n', substr $ws->{buf}, 2, 2), 4) if $len == 126;
            ($len, $off) = (unpack('Q>', substr $ws->{buf}, 2, 8), 10) if $len == 127;
            if (length $ws->{buf} >= $off + $len) {
                my $f = substr $ws->{buf}, 0, $off + $len, '';
                return ($b0 & 0x0f, substr($f, $off));
            }
        }
        return () unless $ws->_fill($deadline);
    }
}

# The code of the close frame the server sends next (other frames skipped), or undef.
sub close_code {
    my ($ws, $timeout) = @_;
    my $deadline = time + ($timeout // 2);
    while (my ($op, $p) = next_frame($ws, $deadline - time)) {
        return length $p >= 2 ? unpack('n', $p) : 1005 if $op == 8;
    }
    return undef;
}

# Did the server end the connection (EOF) within $timeout, after any frames it sent?
sub ended {
    my ($ws, $timeout) = @_;
    my $deadline = time + ($timeout // 2);
    while (1) {
        my $got = $ws->_fill($deadline);
        return time < $deadline ? 1 : 0 unless $got;
        $ws->{buf} = '';
    }
}

1;
