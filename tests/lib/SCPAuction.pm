package SCPAuction;
# Helpers of the auction tests (tests/t/{listings,bids,orders,agents,admin}-2NN-*.t): real small PNG images, multipart
# bodies, valid IMEIs, users of each SELLIKO role, and listings brought to a state.
use strict;
use warnings;
use Compress::Zlib ();
use Exporter 'import';

our @EXPORT_OK = qw(png jpeg_bytes webp_bytes pdf_bytes imei multipart listing_fields
                    photos submit user_of_role live_listing fields_of);

# A real w×h RGB PNG (decodable by libvips), coloured from $seed.
sub png {
    my ($w, $h, $seed) = @_;
    $w //= 64; $h //= 48; $seed //= 1;
    my $raw = '';
    for my $y (0 .. $h - 1) {
        $raw .= "\0" . join '', map { pack 'C3', ($_ * 7 + $seed * 31) % 256,
                                      ($y * 5 + $seed * 17) % 256, ($seed * 53) % 256 } 0 .. $w - 1;
    }
    my $chunk = sub {
        my ($type, $data) = @_;
        return pack('N', length $data) . $type . $data
             . pack('N', Compress::Zlib::crc32($type . $data));
    };
    return "\x89PNG\r\n\x1a\n" . $chunk->('IHDR', pack('NNCCCCC', $w, $h, 8, 2, 0, 0, 0))
         . $chunk->('IDAT', Compress::Zlib::compress($raw)) . $chunk->('IEND', '');
}

# Magic bytes only: accepted by type detection, not decodable.
sub jpeg_bytes { "\xFF\xD8\xFF\xE0" . ("\0" x 60) }
sub webp_bytes { "RIFF\x24\0\0\0WEBPVP8 " . ("\0" x 40) }
sub pdf_bytes  { "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" }

# A valid IMEI (Luhn check digit) from a number.
sub imei {
    my ($n) = @_;
    my $body = sprintf '35%012d', $n;
    my $sum = 0;
    my @d = reverse split //, $body;
    for my $i (0 .. $#d) {
        my $v = $d[$i];
        if ($i % 2 == 0) { $v *= 2; $v -= 9 if $v > 9 }
        $sum += $v;
    }
    return $body . ((10 - $sum % 10) % 10);
}

# multipart(\@fields, \@files): fields [name => value, …]; files [[name, filename,
# bytes, type], …].  Returns (body, content type).
sub multipart {
    my ($fields, $files) = @_;
    my $b = 'scpBoundary' . int(rand 1e9);
    my $body = '';
    my @f = @{ $fields || [] };
    while (my ($k, $v) = splice @f, 0, 2) {
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$k\"\r\n\r\n$v\r\n";
    }
    for my $file (@{ $files || [] }) {
        my ($name, $fn, $bytes, $type) = @$file;
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$name\"; filename=\"$fn\"\r\n"
               . "Content-Type: " . ($type // 'application/octet-stream') . "\r\n\r\n$bytes\r\n";
    }
    $body .= "--$b--\r\n";
    return ($body, "multipart/form-data; boundary=$b");
}

my $imei_seq = 1000;
# The text fields of a good submission, as an ordered list; %o overrides or deletes
# (undef) fields.
sub listing_fields {
    my (%o) = @_;
    my %f = (brand => 'Apple', model => 'iPhone 13', storage => '128GB', color => 'Blue',
             condition => 'Excellent', imei1 => imei($imei_seq++), battery_health => 90,
             asking_price => '25000', description => 'Well kept, box included.',
             has_warranty => 'true', warranty_type => 'Brand', warranty_expiry => '2030-01-31',
             street_address => '12 MG Road', city => 'Kochi', state => 'Kerala',
             pincode => '682016', landmark => 'Near the metro', pickup_time => 'morning');
    for my $k (keys %o) {
        if (defined $o{$k}) { $f{$k} = $o{$k} } else { delete $f{$k} }
    }
    return map { ($_ => $f{$_}) } sort keys %f;
}

# n device photos (real PNGs), as multipart files.
sub photos {
    my ($n, $seed) = @_;
    $seed //= 1;
    return map { ["device_photo$_", "p$_.png", png(40 + $_, 30 + $_, $seed + $_), 'image/png'] }
           0 .. $n - 1;
}

# POST /listings; opt: fields (hashref of overrides), files (arrayref), bill (bytes).
sub submit {
    my ($s, $token, %opt) = @_;
    my @files = $opt{files} ? @{ $opt{files} } : photos(4, $opt{seed});
    push @files, ['bill_photo', 'bill.pdf', $opt{bill}, 'application/pdf'] if defined $opt{bill};
    my ($body, $ct) = multipart([listing_fields(%{ $opt{fields} || {} })], \@files);
    return $s->req('POST', '/api/v1/listings', $body, token => $token, type => $ct);
}

my $useq = 0;
# A signed-in user of any role (admin and agent are promoted with SQL, then take a new
# token: a token names its role); returns the login body with its access_token and user.
sub user_of_role {
    my ($s, $role) = @_;
    $useq++;
    my $signup_role = $role =~ /^(client|vendor|consumer)$/ ? $role : 'client';
    my $u = $s->signup(email => "$role$useq.$$\@example.com", role => $signup_role,
                       phone_number => sprintf('+9198%08d', $$ % 1000 * 100000 + $useq));
    return $u if $role eq $signup_role;
    $s->sql("UPDATE users SET role = :'p1' WHERE id = :'p2'", $role, $u->{user}{id});
    my $r = $s->post('/api/v1/auth/refresh', { refresh_token => $u->{refresh_token} });
    die "refresh after promotion: $r->{status} $r->{content}" unless $r->{status} == 200;
    return { %$u, %{ $r->{json} } };
}

# A listing submitted by $client and approved by $admin; returns its JSON.
sub live_listing {
    my ($s, $client, $admin, %approve) = @_;
    my $r = submit($s, $client->{access_token}, fields => $approve{fields} || {});
    die "submit: $r->{status} $r->{content}" unless $r->{status} == 201;
    delete $approve{fields};
    my $a = $s->req('PUT', "/api/v1/listings/$r->{json}{id}/approve", \%approve,
                    token => $admin->{access_token});
    die "approve: $a->{status} $a->{content}" unless $a->{status} == 200;
    return $a->{json};
}

sub fields_of {
    my ($r) = @_;
    return { map { $_->{field} => $_->{message} } @{ $r->{json}{error}{details}{fields} || [] } };
}

1;
