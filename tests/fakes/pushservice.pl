#!/usr/bin/env perl
# A fake Web Push service (RFC 8030) with the browser's side of RFC 8291 on loopback.
#
#   POST /_subscribe          what a browser's pushManager.subscribe() does: a fresh P-256
#                             key pair and auth secret, kept here; answers the
#                             PushSubscription {endpoint, keys: {p256dh, auth}} whose
#                             endpoint is https://push.example.test/push/<token>
#   POST /_expire/<token>     the browser unsubscribed: the endpoint answers 410 from now on
#   POST /push/<token>        a push message: checks Content-Encoding aes128gcm, TTL, Urgency
#                             and the VAPID Authorization (RFC 8292: ES256 JWT verified with
#                             k, aud this service's origin, exp within 24 hours, sub mailto:
#                             or https:), then decrypts the aes128gcm body (RFC 8188 header,
#                             ECDH with the subscription's private key, HKDF with its auth
#                             secret) and answers 201 with a Location; 400/401/413 otherwise.
# Each push is recorded in LOG as one JSON line {token, ok, error?, plaintext, ttl,
# urgency, claims, k}.  A line "STATUS COUNT [RETRY_AFTER]" in CTL makes the next COUNT
# pushes answer STATUS (with Retry-After when given) before anything is checked.
# usage: pushservice.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use Crypt::PK::ECC;
use Crypt::AuthEnc::GCM qw(gcm_decrypt_verify);
use Crypt::KeyDerivation qw(hkdf);
use Crypt::Misc qw(encode_b64u decode_b64u);
use Crypt::PRNG qw(random_bytes);
use Fcntl qw(:flock);
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(time);

my ($port, $log, $ctl) = @ARGV;
my $ORIGIN = 'https://push.example.test';
my $keys = "$log.keys";    # token private_b64u auth_b64u [expired]
my $JSON = JSON::PP->new->canonical;

sub record {
    my ($entry) = @_;
    open my $lf, '>>', $log or die $!;
    flock $lf, LOCK_EX;
    print $lf $JSON->encode($entry) . "\n";
    close $lf;
}

sub failure {
    open my $fh, '+<', $ctl or return;
    flock $fh, LOCK_EX;
    my $line = <$fh> // '';
    my ($status, $count, $after) = $line =~ /^(\d+)\s+(\d+)(?:\s+(\d+))?/ or return;
    return if $count < 1;
    seek $fh, 0, 0;
    truncate $fh, 0;
    print $fh "$status " . ($count - 1) . (defined $after ? " $after" : '') . "\n";
    close $fh;
    return ($status, $after);
}

sub subscription {
    my ($token) = @_;
    open my $fh, '<', $keys or return;
    flock $fh, LOCK_SH;
    my $found;
    while (<$fh>) {
        my @f = split;
        $found = [@f] if $f[0] eq $token;
    }
    return $found;
}

sub subscribe {
    my $pk = Crypt::PK::ECC->new;
    $pk->generate_key('secp256r1');
    my $token = encode_b64u(random_bytes(18));
    my $auth = random_bytes(16);
    open my $fh, '>>', $keys or die $!;
    flock $fh, LOCK_EX;
    print $fh join(' ', $token, encode_b64u($pk->export_key_raw('private')),
                   encode_b64u($auth)) . "\n";
    close $fh;
    return (201, { endpoint => "$ORIGIN/push/$token", expirationTime => undef,
                   keys => { p256dh => encode_b64u($pk->export_key_raw('public')),
                             auth => encode_b64u($auth) } });
}

sub expire {
    my ($token) = @_;
    my $s = subscription($token) or return (404, {});
    open my $fh, '>>', $keys or die $!;
    flock $fh, LOCK_EX;
    print $fh join(' ', @$s[0 .. 2], 'expired') . "\n";
    close $fh;
    return (200, {});
}

# RFC 8292: "vapid t=<JWT>, k=<key>"; the claims, or why not.
sub vapid {
    my ($authz) = @_;
    my ($t, $k) = ($authz // '') =~ /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/
        or return (undef, 'no vapid Authorization');
    my ($h, $c, $s) = split /\./, $t;
    return (undef, 'JWT without three parts') unless defined $s;
    my $hdr = eval { $JSON->decode(decode_b64u($h)) } or return (undef, 'bad JOSE header');
    return (undef, 'alg is not ES256') unless ($hdr->{alg} // '') eq 'ES256';
    my $pub = eval { Crypt::PK::ECC->new->import_key_raw(decode_b64u($k), 'secp256r1') }
        or return (undef, 'k is not a P-256 key');
    return (undef, 'signature does not verify with k')
        unless $pub->verify_message_rfc7518(decode_b64u($s), "$h.$c", 'SHA256');
    my $claims = eval { $JSON->decode(decode_b64u($c)) } or return (undef, 'bad claims');
    return (undef, "aud is not $ORIGIN") unless ($claims->{aud} // '') eq $ORIGIN;
    my $exp = $claims->{exp} // 0;
    return (undef, 'exp is not within 24 hours') unless $exp > time && $exp <= time + 86400;
    return (undef, 'sub is not mailto: or https:')
        unless ($claims->{sub} // '') =~ m{^(mailto:|https://)};
    return ({ claims => $claims, k => $k });
}

# RFC 8291 / RFC 8188, the user agent's side.
sub decrypt {
    my ($body, $priv_b64, $auth_b64) = @_;
    return (undef, 'body shorter than the header') if length($body) < 21 + 65 + 17;
    my ($salt, $rs, $idlen) = unpack 'a16 N C', $body;
    return (undef, "idlen $idlen is not 65") unless $idlen == 65;
    return (undef, "rs $rs below 18") if $rs < 18;
    my $as_pub = substr $body, 21, 65;
    my $ct = substr $body, 86;
    return (undef, 'more than one record') if length($ct) > $rs;
    my $ua = Crypt::PK::ECC->new->import_key_raw(decode_b64u($priv_b64), 'secp256r1');
    my $as = eval { Crypt::PK::ECC->new->import_key_raw($as_pub, 'secp256r1') }
        or return (undef, 'keyid is not a P-256 key');
    my $secret = $ua->shared_secret($as);
    my $ua_pub = $ua->export_key_raw('public');
    my $ikm = hkdf($secret, decode_b64u($auth_b64), 'SHA256', 32,
                   "WebPush: info\0" . $ua_pub . $as_pub);
    my $cek = hkdf($ikm, $salt, 'SHA256', 16, "Content-Encoding: aes128gcm\0");
    my $nonce = hkdf($ikm, $salt, 'SHA256', 12, "Content-Encoding: nonce\0");
    my $tag = substr $ct, -16, 16, '';
    my $plain = gcm_decrypt_verify('AES', $cek, $nonce, '', $ct, $tag);
    return (undef, 'the record does not authenticate') unless defined $plain;
    $plain =~ s/\x00*\z//;
    return (undef, 'no last-record delimiter 0x02') unless $plain =~ s/\x02\z//;
    return ($plain);
}

sub push_message {
    my ($req, $token) = @_;
    my ($fail, $after) = failure();
    if ($fail) {
        record({ token => $token, failed => $fail + 0, time => time });
        return ($fail, { error => 'fake failure' },
                defined $after ? "Retry-After: $after\r\n" : '');
    }
    my $s = subscription($token) or return (404, { error => 'no such subscription' });
    return (410, { error => 'subscription expired' }) if ($s->[3] // '') eq 'expired';
    my %entry = (token => $token, time => time, ttl => $req->{headers}{ttl},
                 urgency => $req->{headers}{urgency}, ok => JSON::PP::false);
    my $refuse = sub {
        my ($status, $why) = @_;
        record({ %entry, error => $why });
        return ($status, { error => $why });
    };
    return $refuse->(400, 'Content-Encoding is not aes128gcm')
        unless ($req->{headers}{'content-encoding'} // '') eq 'aes128gcm';
    return $refuse->(400, 'no TTL') unless ($req->{headers}{ttl} // '') =~ /^\d+$/;
    return $refuse->(400, 'bad Urgency')
        unless ($req->{headers}{urgency} // 'normal') =~ /^(very-low|low|normal|high)$/;
    return $refuse->(413, 'payload too large') if length($req->{body}) > 4096;
    my ($v, $verr) = vapid($req->{headers}{authorization});
    return $refuse->(401, $verr) unless $v;
    my ($plain, $derr) = decrypt($req->{body}, $s->[1], $s->[2]);
    return $refuse->(400, $derr) unless defined $plain;
    record({ %entry, ok => JSON::PP::true, plaintext => $plain, %$v });
    return (201, {}, "Location: $ORIGIN/message/" . encode_b64u(random_bytes(9)) . "\r\n");
}

my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                Listen => 64, ReuseAddr => 1) or die "listen: $!";
$SIG{CHLD} = 'IGNORE';
alarm 3600;
while (my $c = $srv->accept) {
    my $pid = fork;
    next if $pid;
    binmode $c;
    my $req = FakeHTTP::read_request($c);
    if ($req) {
        my ($status, $body, $extra) =
              $req->{method} eq 'POST' && $req->{path} eq '/_subscribe' ? subscribe()
            : $req->{method} eq 'POST' && $req->{path} =~ m{^/_expire/([\w-]+)$} ? expire($1)
            : $req->{method} eq 'POST' && $req->{path} =~ m{^/push/([\w-]+)$}
                ? push_message($req, $1)
            : (404, { error => 'unknown path' });
        my $out = $JSON->encode($body);
        print $c "HTTP/1.1 $status X\r\nContent-Type: application/json\r\n" . ($extra // '')
            . "Content-Length: " . length($out) . "\r\nConnection: close\r\n\r\n$out";
    }
    close $c;
    exit 0;
}
