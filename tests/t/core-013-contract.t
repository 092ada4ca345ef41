#!/usr/bin/env perl
# The contract test's own checks (tools/node/contract.mjs, run by scripts/check on every
# response the suite received): on responses written here, it passes what the spec
# documents and reports, by operation, status and schema path, what it does not.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Temp qw(tempdir);
use Test::More;
use SCPTest qw(json);

my $top = $SCPTest::TOP;
plan skip_all => 'the Node tools are not installed (scripts/docs tools)'
    unless -x "$top/tools/node/node_modules/.bin/redocly";

sub rec {
    my ($method, $path, $status, $body) = @_;
    return { test => 'self', method => $method, path => $path, status => $status,
             content_type => 'application/json', body => json->encode($body),
             length => length json->encode($body) };
}

sub contract {
    my (@recs) = @_;
    my $dir = tempdir(CLEANUP => 1);
    open my $fh, '>', "$dir/self.jsonl" or die $!;
    print $fh json->encode($_), "\n" for @recs;
    close $fh;
    my $out = `$top/scripts/docs contract $dir 2>&1`;
    return ($? >> 8, $out);
}

my $err = { success => JSON::PP::false, error => { code => 'NOT_FOUND', message => 'not found' } };
my ($rc, $out) = contract(
    rec(GET => '/health', 200, { status => 'ok', database => 'ok' }),
    rec(GET => '/api/v1/nowhere', 404, $err),
    rec(DELETE => '/health', 404, $err),
    rec(GET => '/selliko/nowhere', 404, $err),
);
is $rc, 0, 'documented responses pass' or diag $out;
like $out, qr/^contract: 4 passed, 0 failed$/m, 'all four counted';

($rc, $out) = contract(
    rec(GET => '/health', 200, { status => 'bad', database => 'ok' }),
    rec(GET => '/health', 418, $err),
    rec(POST => '/api/v1/orders/1c4b3f70-00c8-47c0-9408-43bae5e4d68e/payment-intents', 201, {}),
    rec(PUT => '/api/v1/auth/login', 200, {}),
    rec(GET => '/api/v1/auth/me', 200, { id => 5 }),
    rec(GET => '/ping', 200, { status => 'ok', uptime => 5 }),
    rec(GET => '/selliko/users/me', 200, { success => JSON::PP::true,
        user => { id => '1c4b3f70-00c8-47c0-9408-43bae5e4d68e', role => 'client' } }),
);
is $rc, 1, 'mismatches fail';
like $out, qr{^not ok - GET /health 200: /status must be equal to constant \[[^\]]*/paths/~1health/get/responses/200/[^\]]*\]}m,
    'a body against its schema, with the operation, status and schema path';
like $out, qr{^not ok - GET /health 418: status not documented}m, 'an undocumented status';
like $out, qr{^not ok - POST /api/v1/orders/\{id\}/payment-intents: no such path in the spec \(status 201\)}m,
    'an undocumented route';
like $out, qr{^Routes the suite called that the spec does not have:\n(?:    .*\n)*    POST /api/v1/orders/\{id\}/payment-intents}m,
    'listed with the routes missing from the spec';
like $out, qr{^not ok - PUT /api/v1/auth/login: no such operation in the spec \(status 200\)}m,
    'a method the path does not have, answered';
like $out, qr{^not ok - GET /api/v1/auth/me 200: /id must be string}m, 'a wrong type';
like $out, qr{^not ok - GET /ping 200: /uptime is in the body, not in the schema}m,
    'a field the schema does not name';
like $out, qr{^not ok - \[selliko\] GET /selliko/users/me 200: /user/role must be equal to one of the allowed values}m,
    "a mount's success against its profile's document (roles in upper case)";
like $out, qr/^contract: 0 passed, 7 failed$/m, 'each response counted once';

done_testing;
