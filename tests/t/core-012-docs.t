#!/usr/bin/env perl
# The API contract and its reference, served by nginx (nginx/scp.conf.in, built by
# scripts/docs build at build time): /openapi.yaml, /docs/ (one static page with nothing
# from another host), each profile's page and document, the page's own section paths.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use HTTP::Tiny;
use Test::More;
use SCPTest;

my $docs = "$SCPTest::TOP/build/apidocs";
plan skip_all => "the API reference is not built (scripts/docs tools, then scripts/build)"
    unless -f "$docs/index.html";

my $s = SCPTest->start;

my $r = $s->get('/openapi.yaml');
is $r->{status}, 200, '/openapi.yaml';
like $r->{headers}{'content-type'}, qr{^application/yaml}, 'as YAML';
open my $fh, '<', "$SCPTest::TOP/docs/openapi.yaml" or die $!;
my $spec = do { local $/; <$fh> };
is $r->{content}, $spec, 'the contract itself, byte for byte';
is $r->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff';

# nginx's own redirect, seen without following it.
$r = HTTP::Tiny->new(max_redirect => 0)->get($s->url . '/docs');
is $r->{status}, 301, '/docs redirects';
like $r->{headers}{location}, qr{/docs/$}, 'to the page, /docs/';

$r = $s->get('/docs/');
is $r->{status}, 200, '/docs/';
like $r->{headers}{'content-type'}, qr{^text/html}, 'HTML';
like $r->{content}, qr{SCP marketplace API}, 'the reference of the contract';
like $r->{content}, qr{/api/v1/auth/login}, 'with its paths';
my @remote = $r->{content} =~ m{<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]*}gi;
is_deeply \@remote, [], 'no script, stylesheet, font or image from another host';
unlike $r->{content}, qr{fonts\.(?:googleapis|gstatic)\.com|cdn\.redoc\.ly}, 'no CDN at all';
like $r->{content}, qr{<script>}, 'its scripts are inline';

$r = HTTP::Tiny->new(max_redirect => 0)->get($s->url . '/docs/selliko');
is $r->{status}, 301, '/docs/selliko redirects';
like $r->{headers}{location}, qr{/docs/selliko/$}, 'to its page';

for my $p ([selliko => '/selliko'], [cliick => '/api'], [prokip => '/prokip']) {
    my ($name, $mount) = @$p;
    my $page = $s->get("/docs/$name/");
    is $page->{status}, 200, "/docs/$name/";
    like $page->{content}, qr{\Q$mount\E/auth/login}, "its paths are under $mount/";
    unlike $page->{content}, qr{"/api/v1/auth/login"}, 'not the canonical ones';
    my $doc = $s->get("/docs/$name/openapi.yaml");
    is $doc->{status}, 200, "/docs/$name/openapi.yaml";
    like $doc->{content}, qr{^  \Q$mount\E/auth/login:}m, 'lists the mount\'s paths';
    unlike $doc->{content}, qr{^  /api/v1/}m, 'and no canonical path';
}

is $s->post('/openapi.yaml', {})->{status}, 403, 'GET only';
is $s->get('/docs/nowhere.js')->{status}, 404, 'nothing else under /docs/';
is $s->get('/docs/auth')->{status}, 404, '(its sections are in the fragment)';
is $s->get('/docs/selliko/x.yaml')->{status}, 404, 'nor under a profile';

done_testing;
