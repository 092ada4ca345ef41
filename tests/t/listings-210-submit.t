# POST /listings (multipart, the 4 steps of the SELLIKO wizard): success with photos,
# thumbnails and a private bill; every validation error; roles; nothing kept of a
# refused or interrupted request; the bill reachable only by its owner and admins.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Socket::INET;
use SCPTest;
use SCPAuction qw(png jpeg_bytes webp_bytes pdf_bytes imei multipart listing_fields photos
                  submit user_of_role fields_of);

my $s = SCPTest->start;
my $client = user_of_role($s, 'client');
my $other = user_of_role($s, 'client');
my $admin = user_of_role($s, 'admin');
my $vendor = user_of_role($s, 'vendor');
my $media = $s->dir . '/media';

sub files_in { my @f = glob("$media/$_[0]/*"); scalar @f }
sub rows { $s->sql('SELECT count(*) FROM listings') }

# --- success ---------------------------------------------------------------------------
my $r = submit($s, $client->{access_token}, bill => pdf_bytes(),
               files => [photos(5), ['device_photo5', 'x.jpg', png(30, 20, 9), 'image/jpeg']]);
is $r->{status}, 201, 'listing submitted: 201';
my $l = $r->{json};
like $l->{id}, qr/^[0-9a-f-]{36}$/, 'with an id';
is $l->{status}, 'pending', 'pending review';
is $l->{client_id}, $client->{user}{id}, 'owned by the caller';
is $l->{asking_price}, 25000, 'asking_price as a number';
like $r->{content}, qr/"asking_price" : 25000\.00/, 'money written with 2 decimals';
is $l->{battery_health}, 90, 'battery_health';
is $l->{condition}, 'Excellent', 'condition';
is $l->{pickup_address}{pincode}, '682016', 'pickup address for the owner';
is $l->{pickup_time}, 'morning', 'pickup_time';
ok $l->{has_warranty}, 'has_warranty';
is $l->{warranty_expiry}, '2030-01-31', 'warranty_expiry';
is scalar @{ $l->{device_photos} }, 6, 'six device photos';
like $s->path($l->{device_photos}[0]), qr{^/media/listings/[0-9a-f]{32}\.png$}, 'stored under a random name';
like $l->{device_photos}[5], qr{\.png$}, 'type by magic bytes, not by the file name';
ok $l->{has_bill}, 'has_bill';
is $l->{bill_photo}, "/api/v1/listings/$l->{id}/bill", 'the bill is reached through the API';
is $l->{photos}[0]{thumbnail_url}, undef, 'no thumbnail yet';
is $s->sql("SELECT kind FROM jobs WHERE payload->>'listing_id' = :'p1' AND kind = 'listing_thumbnails'",
           $l->{id}), 'listing_thumbnails', 'thumbnail job queued with the listing';

# thumbnails: scp-worker makes them, the listing shows them
my $got = $s->wait_until(15, sub {
    my $g = $s->get("/api/v1/listings/$l->{id}", token => $client->{access_token});
    $g->{json}{thumbnails_ready} ? $g->{json} : undef;
});
ok $got, 'thumbnails made by scp-worker';
like $s->path($got->{photos}[0]{thumbnail_url}), qr{^/media/listings/[0-9a-f]{32}_thumb\.jpg$}, 'thumbnail URL';
like $s->path($got->{photos}[0]{medium_url}), qr{^/media/listings/[0-9a-f]{32}_800\.webp$}, '800 px WebP URL';
my $t = $s->get($s->path($got->{photos}[0]{thumbnail_url}));
is $t->{status}, 200, 'nginx serves the thumbnail';
is substr($t->{content}, 0, 3), "\xFF\xD8\xFF", 'a JPEG';
my $w = $s->get($s->path($got->{photos}[0]{medium_url}));
is substr($w->{content}, 8, 4), 'WEBP', 'the medium variant is WebP';
my $p = $s->get($s->path($got->{photos}[0]{url}));
is $p->{status}, 200, 'nginx serves the device photo publicly';
is $p->{headers}{'content-type'}, 'image/png', 'typed by extension';
is $p->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff';
ok !glob("$media/listings/.*.tmp"), 'no temporary files left';

# bill: owner and admin through X-Accel-Redirect; nobody else
my $bill = $s->get($l->{bill_photo}, token => $client->{access_token});
is $bill->{status}, 200, 'owner reads the bill';
is $bill->{content}, pdf_bytes(), 'the bill file itself';
is $bill->{headers}{'content-type'}, 'application/pdf', 'typed as PDF';
ok !exists $bill->{headers}{'x-accel-redirect'}, 'the redirect header does not leak';
is $s->get($l->{bill_photo}, token => $admin->{access_token})->{status}, 200, 'admin reads the bill';
is $s->get($l->{bill_photo}, token => $other->{access_token})->{status}, 404,
    "another client cannot read the bill (404)";
is $s->get($l->{bill_photo}, token => $vendor->{access_token})->{status}, 403, 'a vendor: 403';
is $s->get($l->{bill_photo})->{status}, 401, 'anonymous: 401';
my ($bill_file) = map { s{^\Q$media\E/private/}{}r } glob("$media/private/*.pdf");
ok $bill_file, 'the bill is stored under media/private';
is $s->get("/_private/$bill_file")->{status}, 404, '/_private/ is internal only';
is $s->get("/media/private/$bill_file")->{status}, 404, 'media/private is never served';
my $pub = $s->get("/api/v1/listings/$l->{id}", token => $other->{access_token});
is $pub->{status}, 404, "another client does not see a pending listing";

# camelCase names of the seed's client are accepted too; WebP and JPEG by magic bytes
my ($body, $ct) = multipart([listing_fields(battery_health => undef, asking_price => undef,
    pickup_time => undef, street_address => undef, has_warranty => undef,
    batteryHealth => 77, askingPrice => '18000.50', pickupTime => 'evening',
    streetAddress => '9 Beach Rd', hasWarranty => 'false', imei2 => imei(1))],
    [['devicePhoto0', 'a', webp_bytes()], ['devicePhoto1', 'b', jpeg_bytes()],
     ['devicePhoto2', 'c', png()], ['devicePhoto3', 'd', png()]]);
$r = $s->req('POST', '/api/v1/listings', $body, token => $client->{access_token}, type => $ct);
is $r->{status}, 201, 'camelCase field names accepted' or diag $r->{content};
is $r->{json}{battery_health}, 77, 'batteryHealth';
is $r->{json}{asking_price}, 18000.5, 'askingPrice with decimals';
is $r->{json}{pickup_time}, 'evening', 'pickupTime';
is $r->{json}{has_warranty}, JSON::PP::false, 'hasWarranty false';
is $r->{json}{warranty_expiry}, undef, 'no warranty, no expiry kept';
is $r->{json}{imei2}, imei(1), 'imei2';
is $r->{json}{has_bill}, JSON::PP::false, 'bill is optional';

# --- validation: nothing is kept ---------------------------------------------------------
my ($n0, $f0, $b0) = (rows(), files_in('listings'), files_in('private'));
my %bad = (
    'missing brand'       => [{ brand => undef }, 'brand', qr/required/],
    'missing model'       => [{ model => undef }, 'model', qr/required/],
    'missing storage'     => [{ storage => undef }, 'storage', qr/required/],
    'missing color'       => [{ color => undef }, 'color', qr/required/],
    'bad condition'       => [{ condition => 'Mint' }, 'condition', qr/Excellent/],
    'missing imei1'       => [{ imei1 => undef }, 'imei1', qr/required/],
    'imei1 not 15 digits' => [{ imei1 => '12345' }, 'imei1', qr/15 digits/],
    'imei1 bad Luhn'      => [{ imei1 => '353416721106849' }, 'imei1', qr/check digit/],
    'imei1 letters'       => [{ imei1 => '35341672110684a' }, 'imei1', qr/15 digits/],
    'imei2 bad Luhn'      => [{ imei2 => '353416721106841' }, 'imei2', qr/check digit/],
    'imei2 = imei1'       => [{ imei1 => imei(5), imei2 => imei(5) }, 'imei2', qr/differ/],
    'battery 0'           => [{ battery_health => 0 }, 'battery_health', qr/1 to 100/],
    'battery 101'         => [{ battery_health => 101 }, 'battery_health', qr/1 to 100/],
    'battery text'        => [{ battery_health => 'full' }, 'battery_health', qr/1 to 100/],
    'battery decimal'     => [{ battery_health => '90.5' }, 'battery_health', qr/1 to 100/],
    'missing price'       => [{ asking_price => undef }, 'asking_price', qr/required/],
    'price too low'       => [{ asking_price => '999.99' }, 'asking_price', qr/1000\.00 to 1000000\.00/],
    'price too high'      => [{ asking_price => '1000000.01' }, 'asking_price', qr/from/],
    'price 3 decimals'    => [{ asking_price => '25000.001' }, 'asking_price', qr/decimals/],
    'price not a number'  => [{ asking_price => '25k' }, 'asking_price', qr/amount/],
    'missing description' => [{ description => undef }, 'description', qr/required/],
    'long description'    => [{ description => 'x' x 2001 }, 'description', qr/2000/],
    'bad warranty flag'   => [{ has_warranty => 'maybe' }, 'has_warranty', qr/true or false/],
    'bad warranty date'   => [{ warranty_expiry => '2030-02-30' }, 'warranty_expiry', qr/YYYY-MM-DD/],
    'missing street'      => [{ street_address => undef }, 'street_address', qr/required/],
    'missing city'        => [{ city => undef }, 'city', qr/required/],
    'missing state'       => [{ state => undef }, 'state', qr/required/],
    'pincode 5 digits'    => [{ pincode => '68201' }, 'pincode', qr/6-digit/],
    'pincode letters'     => [{ pincode => '68201a' }, 'pincode', qr/6-digit/],
    'pincode leading 0'   => [{ pincode => '012345' }, 'pincode', qr/6-digit/],
    'bad pickup_time'     => [{ pickup_time => 'night' }, 'pickup_time', qr/morning/],
    'missing pickup_time' => [{ pickup_time => undef }, 'pickup_time', qr/required/],
    'invalid UTF-8'       => [{ model => "iPhone \xC3\x28" }, 'model', qr/UTF-8/],
);
for my $name (sort keys %bad) {
    my ($o, $field, $re) = @{ $bad{$name} };
    my $r = submit($s, $client->{access_token}, fields => $o, bill => pdf_bytes());
    is $r->{status}, 422, "$name: 422";
    like fields_of($r)->{$field} // '', $re, "$name: $field explained"
        or diag $r->{content};
}
my %badfiles = (
    '3 photos'            => [[photos(3)], 'device_photos', qr/4 to 6.*3 sent/],
    'no photos'           => [[], 'device_photos', qr/4 to 6/],
    '7 photos'            => [[photos(6), ['device_photos', 'z.png', png(), 'image/png']],
                              'device_photos', qr/7 sent/],
    'a PDF as a photo'    => [[photos(3), ['device_photo3', 'p.png', pdf_bytes(), 'image/png']],
                              'device_photo3', qr/JPEG, PNG or WebP/],
    'text as a photo'     => [[photos(3), ['device_photo3', 'p.jpg', 'hello', 'image/jpeg']],
                              'device_photo3', qr/JPEG, PNG or WebP/],
    'photo over 5 MB'     => [[photos(3), ['device_photo3', 'big.png',
                                "\x89PNG\r\n\x1a\n" . ("\0" x (5 * 1024 * 1024)), 'image/png']],
                              'device_photo3', qr/5 MB/],
    'WebP as the bill'    => [[photos(4), ['bill_photo', 'b.webp', webp_bytes(), 'image/webp']],
                              'bill_photo', qr/JPEG, PNG or PDF/],
);
for my $name (sort keys %badfiles) {
    my ($files, $field, $re) = @{ $badfiles{$name} };
    my $r = submit($s, $client->{access_token}, files => $files);
    is $r->{status}, 422, "$name: 422";
    like fields_of($r)->{$field} // '', $re, "$name: $field explained" or diag $r->{content};
}
$r = submit($s, $client->{access_token}, fields => { brand => undef, pincode => 'x' },
            files => [photos(2)]);
is scalar(@{ $r->{json}{error}{details}{fields} }), 3, 'all errors reported at once';
is rows(), $n0, 'no row for any refused request';
is files_in('listings'), $f0, 'no photo file for any refused request';
is files_in('private'), $b0, 'no bill file for any refused request';

# --- not multipart, malformed, roles -----------------------------------------------------
$r = $s->post('/api/v1/listings', { brand => 'Apple' }, token => $client->{access_token});
is $r->{status}, 415, 'JSON body: 415';
is $r->{json}{error}{code}, 'UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE';
$r = $s->req('POST', '/api/v1/listings', "--x\r\ngarbage", token => $client->{access_token},
             type => 'multipart/form-data; boundary=x');
is $r->{status}, 400, 'malformed multipart: 400';
is submit($s, $vendor->{access_token})->{status}, 403, 'a vendor cannot submit: 403';
is submit($s, $admin->{access_token})->{status}, 403, 'an admin cannot submit: 403';
is submit($s, undef)->{status}, 401, 'anonymous: 401';
is rows(), $n0, 'still no new row';

# --- a request that dies mid-body leaves nothing -----------------------------------------
($body, $ct) = multipart([listing_fields()], [photos(4)]);
for my $cut (200, int(length($body) / 2), length($body) - 10) {
    my $sock = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$s->{port}") or die $!;
    print $sock "POST /api/v1/listings HTTP/1.1\r\nHost: x\r\n"
        . "Authorization: Bearer $client->{access_token}\r\nContent-Type: $ct\r\n"
        . "Content-Length: " . length($body) . "\r\n\r\n" . substr($body, 0, $cut);
    close $sock;
}
sleep 1;
is rows(), $n0, 'uploads cut mid-body: no row';
is files_in('listings'), $f0, 'uploads cut mid-body: no file';
ok !(grep { !m{/\.\.?$} } glob("$media/listings/.*")), 'and no temporary file';

# --- the owner's list ----------------------------------------------------------------------
$r = $s->get('/api/v1/listings', token => $client->{access_token});
is $r->{status}, 200, 'GET /listings';
is $r->{json}{pagination}{total}, 2, 'the client sees its 2 listings';
is $s->get('/api/v1/listings', token => $other->{access_token})->{json}{pagination}{total}, 0,
    'another client sees none of them';

done_testing;
