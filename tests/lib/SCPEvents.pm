package SCPEvents;
# Real-time subscribers for the tests: an EventSource (Server-Sent Events) or a WebSocket
# client on a raw socket, as a browser would connect to nginx's /ws/… channels.
use strict;
use warnings;
use Exporter 'import';
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);

our @EXPORT_OK = qw(subscribe);

my $JSON = JSON::PP->new->utf8->canonical;

# subscribe($s, PATH, token => T, query_token => T, websocket => 1, cookie => 'n=v',
# origin => O): a subscription object; ->{status} is the HTTP status of the answer (200 for an open stream, 101 for
# a WebSocket), ->{body} the refusal's body.
sub subscribe {
    my ($s, $path, %o) = @_;
    my ($host, $port) = $s->url =~ m{^http://([^:/]+):(\d+)};
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 5)
        or die "connect: $!";
    $path .= ($path =~ /\?/ ? '&' : '?') . "access_token=$o{query_token}" if $o{query_token};
    my @h = ("GET $path HTTP/1.1", "Host: $host:$port");
    push @h, "Authorization: Bearer $o{token}" if $o{token};
    push @h, "Cookie: $o{cookie}" if $o{cookie};
    push @h, "Origin: $o{origin}" if $o{origin};
    if ($o{websocket}) {
        push @h, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13',
                 'Sec-WebSocket-Key: ' . encode_base64(join('', map { chr rand 256 } 1 .. 16), '');
    } else {
        push @h, 'Accept: text/event-stream';
    }
    print $sock join("\r\n", @h), "\r\n\r\n";
    my $self = bless { sock => $sock, buf => '', ws => $o{websocket} }, __PACKAGE__;
    my $head = $self->_read_until(qr/\r\n\r\n/, 5) // die "no answer to $path";
    ($self->{status}) = $head =~ m{^HTTP/1\.1 (\d+)};
    if ($self->{status} >= 300) {    # a refusal: the JSON body, then nothing more
        my ($len) = $head =~ /Content-Length: (\d+)/i;
        $self->{body} = $self->_read_bytes($len // 0, 2);
        CORE::close($sock);
    }
    return $self;
}

sub status { $_[0]{status} }
sub body   { my $j = eval { $JSON->decode($_[0]{body} // '') }; $j }

# The next messages (decoded JSON), waiting up to $timeout seconds in all for $n.
sub events {
    my ($self, $n, $timeout) = @_;
    my $deadline = time + ($timeout // 5);
    my @got;
    while (@got < $n && time < $deadline) {
        my $m = $self->{ws} ? $self->_ws_message($deadline) : $self->_sse_message($deadline);
        last unless defined $m;
        push @got, $JSON->decode($m);
    }
    return @got;
}

sub hangup { CORE::close($_[0]{sock}) }

# Send a text frame (a client's frames are masked, RFC 6455 §5.3) of $data, JSON-encoded
# unless it is a plain string.
sub send {
    my ($self, $data) = @_;
    my $text = ref $data ? $JSON->encode($data) : $data;
    my $len = length $text;
    my $head = pack('C', 0x81);
    $head .= $len < 126 ? pack('C', 0x80 | $len)
           : $len < 65536 ? pack('Cn', 0x80 | 126, $len) : pack('CQ>', 0x80 | 127, $len);
    my $mask = join '', map { chr rand 256 } 1 .. 4;
    my $masked = $text ^ substr($mask x (int($len / 4) + 1), 0, $len);
    # A server may close while a frame is still being written (scp-ws refuses one over
    # 16 KiB from its header): the write fails, the test reads the close, and the
    # process must not die of SIGPIPE.
    local $SIG{PIPE} = 'IGNORE';
    return print { $self->{sock} } $head, $mask, $masked;
}

sub _fill {
    my ($self, $deadline) = @_;
    my $left = $deadline - time;
    return 0 if $left <= 0 || !IO::Select->new($self->{sock})->can_read($left);
    my $n = sysread $self->{sock}, my $chunk, 65536;
    return 0 unless $n;
    $self->{buf} .= $chunk;
    return 1;
}

sub _read_until {
    my ($self, $re, $timeout) = @_;
    my $deadline = time + $timeout;
    while (1) {
        if ($self->{buf} =~ $re) {
            my $end = $+[0];
            my $out = substr $self->{buf}, 0, $end, '';
            return $out;
        }
        return undef unless $self->_fill($deadline);
    }
}

sub _read_bytes {
    my ($self, $len, $timeout) = @_;
    my $deadline = time + $timeout;
    while (length $self->{buf} < $len) { last unless $self->_fill($deadline) }
    return substr $self->{buf}, 0, $len, '';
}

# One SSE event's data (comments such as ": hi" skipped).
sub _sse_message {
    my ($self, $deadline) = @_;
    while (1) {
        if ($self->{buf} =~ /\r?\n\r?\n/) {
            my $block = substr $self->{buf}, 0, $+[0], '';
            my @data = $block =~ /^data: ?(.*)$/mg;
            return join "\n", @data if @data;
            next;
        }
        return undef unless $self->_fill($deadline);
    }
}

# One text frame from the server (unmasked), pings and others skipped.
sub _ws_message {
    my ($self, $deadline) = @_;
    while (1) {
        if (length $self->{buf} >= 2) {
            my ($b0, $b1) = unpack 'CC', $self->{buf};
            my ($len, $off) = ($b1 & 0x7f, 2);
            ($len, $off) = (unpack('n', substr $self->{buf}, 2, 2), 4) if $len == 126;
            ($len, $off) = (unpack('Q>', substr $self->{buf}, 2, 8), 10) if $len == 127;
            if (length $self->{buf} >= $off + $len) {
                my $frame = substr $self->{buf}, 0, $off + $len, '';
                return substr $frame, $off if ($b0 & 0x0f) == 1;
                next;
            }
        }
        return undef unless $self->_fill($deadline);
    }
}

1;
