# POST /uploads: one JPEG, PNG or WebP image (by its magic bytes, at most 5 MB), stored
# under a random name, served by nginx from /media/ with nosniff and long caching; product
# images and supplier logos accept only such URLs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SCPTest;
use SCPB2B;

my $s = SCPTest->start;
my $sup = new_supplier($s);
my $rep = add_staff($s, $sup, 'sales_rep');
my $con = new_consumer($s);
my $T = $sup->{token};

my %img = (
    jpeg => "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00" . ("\x01" x 200) . "\xFF\xD9",
    png  => "\x89PNG\r\n\x1a\n" . ("\x02" x 200),
    webp => "RIFF\x10\x00\x00\x00WEBPVP8 " . ("\x03" x 200),
);
my %mime = (jpeg => 'image/jpeg', png => 'image/png', webp => 'image/webp');
my %ext = (jpeg => 'jpg', png => 'png', webp => 'webp');

sub multipart {
    my (%parts) = @_;
    my $b = 'scpboundary' . int(rand 1e9);
    my $body = '';
    for my $name (sort keys %parts) {
        my ($data, $filename, $type) = @{ $parts{$name} };
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$name\""
            . (defined $filename ? "; filename=\"$filename\"" : '') . "\r\n"
            . (defined $type ? "Content-Type: $type\r\n" : '') . "\r\n$data\r\n";
    }
    return ("$body--$b--\r\n", "multipart/form-data; boundary=$b");
}

sub upload {
    my ($token, %parts) = @_;
    my ($body, $type) = multipart(%parts);
    return $s->req('POST', '/api/v1/uploads', $body, type => $type, token => $token);
}

my %url;
for my $kind (sort keys %img) {
    my $r = upload($T, file => [ $img{$kind}, "photo.$kind", 'application/octet-stream' ]);
    is $r->{status}, 201, "$kind: 201";
    like $r->{json}{url}, qr{^\Q${\ $s->url}\E/media/images/[0-9a-f]{32}\.$ext{$kind}$},
        "  a random name, .$ext{$kind}, absolute under public_url";
    is $r->{json}{content_type}, $mime{$kind}, '  typed by its magic bytes, not the client\'s word';
    is $r->{json}{size}, length $img{$kind}, '  its size';
    is $r->{json}{absolute_url}, $r->{json}{url}, '  and absolute_url the same';
    is_deeply [ $r->{json}{success}, $r->{json}{data} ],
        [ JSON::PP::true, { url => $r->{json}{absolute_url} } ],
        '  success, and data.url absolute (the portal reads it)';
    $url{$kind} = $s->path($r->{json}{url});
    my $g = $s->get($s->path($r->{json}{url}));
    is $g->{status}, 200, '  nginx serves it';
    ok $g->{content} eq $img{$kind}, '  byte for byte';
    is $g->{headers}{'content-type'}, $mime{$kind}, '  with its type';
    is $g->{headers}{'x-content-type-options'}, 'nosniff', '  nosniff';
    like $g->{headers}{'cache-control'}, qr/max-age=31536000/, '  cached for a year';
}
opendir my $dh, $s->dir . '/media/images' or die $!;
my @files = grep { !/^\.\.?$/ } readdir $dh;
is scalar(grep { /\.tmp$/ } @files), 0, 'no temporary files left behind';
is scalar @files, 3, 'three files stored';

my $r = upload($T, file => [ $img{png}, 'again.png' ]);
isnt $s->path($r->{json}{url}), $url{png}, 'the same bytes again: another name';
$r = upload($T, image => [ $img{jpeg}, '../../../etc/evil.php', 'image/jpeg' ]);
like $s->path($r->{json}{url}), qr{^/media/images/[0-9a-f]{32}\.jpg$}, 'the client\'s file name is never used';
$r = upload($T, title => [ 'hello' ], whatever => [ $img{webp}, 'x.webp' ]);
is $r->{status}, 201, 'the only file part, whatever its name';
$r = $s->req('POST', '/api/v1/upload', $img{png}, type => 'image/png', token => $con->{token});
is_deeply [ $r->{status}, $r->{json}{content_type} ], [ 201, 'image/png' ],
    'the raw image as the body, through /upload, by a consumer';
is upload($rep->{token}, file => [ $img{png}, 'x.png' ])->{status}, 201, 'a sales rep may upload';
$r = $s->req('POST', '/api/v1/uploads', $img{png}, type => 'image/jpeg', token => $T);
is $r->{json}{content_type}, 'image/png', 'a PNG sent as image/jpeg is stored as PNG';

# --- refused -----------------------------------------------------------------------------------------
for my $case ([ 'GIF', "GIF89a" . ("\0" x 100) ], [ 'HTML', '<html><script>alert(1)</script></html>' ],
              [ 'PDF', "%PDF-1.4\n" . ('x' x 100) ], [ 'text', 'just text' ],
              [ 'a short JPEG prefix', "\xFF\xD8" ]) {
    my ($what, $data) = @$case;
    is api_error(upload($T, file => [ $data, 'x.jpg', 'image/jpeg' ])), '415 UNSUPPORTED_MEDIA_TYPE',
        "$what named .jpg: 415";
}
is api_error(upload($T, file => [ '', 'empty.png' ])), '422 VALIDATION_ERROR', 'an empty file: 422';
is api_error(upload($T, name => [ 'no file here' ])), '422 VALIDATION_ERROR', 'no file part: 422';
is api_error($s->req('POST', '/api/v1/uploads', "--x\r\njunk", type => 'multipart/form-data; boundary=x',
    token => $T)), '400 BAD_REQUEST', 'a broken multipart body: 400';
is api_error($s->req('POST', '/api/v1/uploads', { url => 'x' }, token => $T)),
    '415 UNSUPPORTED_MEDIA_TYPE', 'JSON: 415';
my $five = 5 * 1024 * 1024;
is upload($T, file => [ $img{png} . ("\0" x ($five - length $img{png})), 'big.png' ])->{status}, 201,
    'exactly 5 MB: accepted';
is api_error(upload($T, file => [ $img{png} . ("\0" x ($five - length($img{png}) + 1)), 'big.png' ])),
    '413 PAYLOAD_TOO_LARGE', '5 MB and a byte: 413';
is api_error($s->req('POST', '/api/v1/uploads', $img{png} . ("\0" x (7 * 1024 * 1024)), type => 'image/png',
    token => $T)), '413 PAYLOAD_TOO_LARGE', '7 MB: 413 (nginx)';
is api_error(upload(undef, file => [ $img{png}, 'x.png' ])), '401 UNAUTHORIZED', 'no token: 401';
is api_error($s->get('/api/v1/uploads', token => $T)), '405 METHOD_NOT_ALLOWED', 'GET: 405';

# --- only uploaded images as product images and logos -----------------------------------------------------
$r = $s->post('/api/v1/supplier/products', { name => 'Pictured', price => 1, image_url => $url{jpeg} },
              token => $T);
is_deeply [ $r->{status}, $r->{json}{image_url} ], [ 201, $s->url . $url{jpeg} ],
    'a product with an uploaded image, answered absolute under public_url';
my $pid = $r->{json}{id};
my $abs = $s->url . $url{png};
$r = $s->req('PUT', "/api/v1/supplier/products/$pid", { image_url => $abs }, token => $T);
is_deeply [ $r->{status}, $r->{json}{image_url} ], [ 200, $abs ], 'the absolute form is accepted';
is $s->sql("SELECT image_url FROM products WHERE id = :'p1'", $pid), $url{png}, '  and stored relative';
$r = $s->req('PUT', '/api/v1/supplier/me', { logo_url => $url{webp} }, token => $T);
is_deeply [ $r->{status}, $r->{json}{logo_url} ], [ 200, $s->url . $url{webp} ], 'a logo too';
is $s->sql("SELECT logo_url FROM suppliers WHERE id = :'p1'", $sup->{id}), $url{webp},
    '  stored relative';

# Every answer that shows an uploaded file shows it absolute.
link_up($s, $sup, $con);
my $A = $s->url;
is $s->get("/api/v1/supplier/products/$pid", token => $T)->{json}{image_url}, $abs, 'GET product';
is $s->get('/api/v1/supplier/products', token => $T)->{json}{results}[0]{image_url}, $abs,
    'the supplier\'s list';
is $s->get("/api/v1/consumer/products/$pid", token => $con->{token})->{json}{image_url}, $abs,
    'a catalog product';
for my $round (1, 2) {    # rendered, then kept by the page cache
    my $p = $s->get("/api/v1/consumer/suppliers/$sup->{id}/products", token => $con->{token});
    is $p->{json}{results}[0]{image_url}, $abs, "the catalog page ($round)";
}
is $s->get("/api/v1/consumer/products?search=Pictured", token => $con->{token})
    ->{json}{results}[0]{image_url}, $abs, 'a filtered catalog';
is $s->get("/api/v1/suppliers/$sup->{id}")->{json}{logo_url}, "$A$url{webp}", 'a public profile';
is((grep { $_->{id} eq $sup->{id} } @{ $s->get('/api/v1/suppliers?page_size=100')->{json}{results} })[0]
   {logo_url}, "$A$url{webp}", 'discovery');
is $s->get('/api/v1/supplier/me', token => $T)->{json}{logo_url}, "$A$url{webp}", 'the own profile';
is $s->get('/api/v1/consumer/linked-suppliers', token => $con->{token})->{json}{results}[0]{logo_url},
    "$A$url{webp}", 'linked suppliers';
my $lk = $s->get('/api/v1/consumer/link-requests', token => $con->{token})->{json}{results}[0];
is_deeply [ $lk->{supplier_logo_url}, $lk->{supplier}{logo_url} ], [ "$A$url{webp}", "$A$url{webp}" ],
    'link requests';
is $s->get('/api/v1/supplier/consumer-links', token => $T)->{json}{results}[0]{supplier}{logo_url},
    "$A$url{webp}", 'the supplier\'s links';
$r = $s->post('/api/v1/supplier/products/bulk-update', { product_ids => [$pid], stock_level => 3 },
              token => $T);
is $r->{json}{results}[0]{image_url}, $abs, 'bulk update';
$s->sql("UPDATE users SET profile_image_url = :'p1' WHERE id = :'p2'", $url{png}, $rep->{id});
my $staff = $s->get('/api/v1/supplier/users', token => $T)->{json};
is((grep { $_->{id} eq $rep->{id} } @$staff)[0]{profile_image_url}, $abs, 'staff');
$r = $s->post('/api/v1/auth/login', { email => $rep->{email}, password => 'password123' });
is $r->{json}{user}{profile_image_url}, $abs, 'the user of a login';
is $s->post('/api/v1/auth/refresh', { refresh_token => $r->{json}{refresh_token} })
    ->{json}{user}{profile_image_url}, $abs, 'and of a refresh';
for my $bad ('/media/images/' . ('0' x 32) . '.png', 'https://elsewhere.example/a.png',
             '/media/images/x.png', "$url{png}/../../scp.conf", 'javascript:alert(1)') {
    is_deeply field_errors($s->post('/api/v1/supplier/products', { name => 'x', price => 1,
        image_url => $bad }, token => $T)), ['image_url'], "refused image_url $bad";
}

# Without public_url the URLs stay relative, as they are stored.
$s->stop;
$s = SCPTest->start(env => { SCP_PUBLIC_URL => '' });
my $sup2 = new_supplier($s);
$r = upload($sup2->{token}, file => [ $img{png}, 'x.png' ]);
is_deeply [ $r->{status}, $r->{json}{data}{url}, $r->{json}{absolute_url} ],
    [ 201, $r->{json}{url}, $r->{json}{url} ], 'public_url empty: data.url is relative';
$r = $s->post('/api/v1/supplier/products', { name => 'Rel', price => 1, image_url => $r->{json}{url} },
              token => $sup2->{token});
like $r->{json}{image_url}, qr{^/media/images/}, '  and so is a product image';

done_testing;
