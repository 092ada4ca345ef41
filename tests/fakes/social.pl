#!/usr/bin/env perl
# A fake of the social platforms a shop connects (facebook_api_base, tiktok_api_base,
# telegram_api_base and viber_api_base all point here).  Records every request as one JSON
# line in LOG and answers in each platform's wire format:
#   Graph API (Facebook, Instagram), version v19.0:
#     GET  /v19.0/oauth/access_token?client_id&redirect_uri&client_secret&code
#          200 {access_token: "EAAGuser…", token_type: "bearer", expires_in: 5183944};
#          a wrong client, a code used before or one starting with "bad": 400
#          {error: {message, type: "OAuthException", code: 100, fbtrace_id}}.
#     GET  /v19.0/me/accounts?fields&access_token=EAAGuser…
#          200 {data: [{id, name, access_token: "EAAGpage…", instagram_business_account?}],
#          paging}; the user of a code starting with "nopage" has no page.
#     POST /v19.0/me/messages (Authorization: Bearer EAAGpage…)
#          {recipient: {id}, message: {text}, messaging_type} → {recipient_id, message_id}
#     DELETE /v19.0/me/subscribed_apps → {success: true}
#   TikTok: POST /v2/oauth/token/ (form client_key, client_secret, code, grant_type,
#          redirect_uri) → {access_token, expires_in, open_id, refresh_expires_in,
#          refresh_token, scope, token_type}; refused: 400 {error: "invalid_grant",
#          error_description, log_id}.  POST /v2/oauth/revoke/ → {}.
#   Telegram Bot API: /bot<token>/getMe, /sendMessage, /deleteWebhook → {ok: true, result};
#          a token whose secret starts with "BAD": 401 {ok: false, error_code: 401,
#          description: "Unauthorized"}.
#   Viber REST API: POST /pa/get_account_info, /pa/send_message, /pa/set_webhook with
#          X-Viber-Auth-Token → 200 {status: 0, status_message: "ok", …}; a token
#          starting with "bad": 200 {status: 2, status_message: "invalidAuthToken"}.
# Tokens derive from the code (sha256), so a test knows them.  A line "STATUS COUNT" in
# CTL makes the next COUNT requests answer STATUS.
# usage: social.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;
use Digest::SHA qw(sha256_hex);
use Fcntl qw(:flock);

my ($port, $log, $ctl) = @ARGV;
our $FB_APP = 'test-fb-app';
our $FB_SECRET = 'test-fb-secret';
our $TT_KEY = 'test-tt-key';
our $TT_SECRET = 'test-tt-secret';

# Has this code been used before?  (Codes are single use on every platform.)
sub spent {
    my ($code) = @_;
    open my $fh, '+>>', "$log.codes" or die $!;
    flock $fh, LOCK_EX;
    seek $fh, 0, 0;
    my %seen = map { chomp; $_ => 1 } <$fh>;
    print $fh "$code\n" unless $seen{$code};
    close $fh;
    return $seen{$code};
}

sub query {
    my ($s) = @_;
    my %q;
    for (split /&/, $s // '') {
        my ($k, $v) = split /=/, $_, 2;
        for ($k, $v) { $_ //= ''; tr/+/ /; s/%([0-9A-Fa-f]{2})/chr hex $1/ge }
        $q{$k} = $v;
    }
    return \%q;
}

sub graph_error {
    my ($msg, $code) = @_;
    return (400, { error => { message => $msg, type => 'OAuthException', code => $code,
                              fbtrace_id => 'AbCdEfGh123' } });
}

sub bearer { (($_[0]{headers}{authorization} // '') =~ /^Bearer (\S+)$/)[0] // '' }

my @ROUTES = (
    [GET => qr{^/v19\.0/oauth/access_token\?(.*)$}, sub {
        my ($req, $qs) = @_;
        my $q = query($qs);
        return graph_error('Error validating client secret.', 1)
            unless ($q->{client_id} // '') eq $FB_APP && ($q->{client_secret} // '') eq $FB_SECRET;
        return graph_error('Invalid redirect_uri in request.', 191)
            unless ($q->{redirect_uri} // '') =~ m{/oauth/(facebook|instagram)/callback$};
        my $code = $q->{code} // '';
        return graph_error('This authorization code has been used.', 100)
            if $code eq '' || $code =~ /^bad/ || spent("fb:$code");
        # The user of a "nopage" code manages no page: its token says so (all zeros).
        my $h = $code =~ /^nopage/ ? '0' x 40 : substr(sha256_hex("user:$code"), 0, 40);
        return (200, { access_token => "EAAGuser$h",
                       token_type => 'bearer', expires_in => 5183944 });
    }],
    [GET => qr{^/v19\.0/me/accounts\?(.*)$}, sub {
        my ($req, $qs) = @_;
        my $q = query($qs);
        my $tok = $q->{access_token} // '';
        return graph_error('Invalid OAuth access token - Cannot parse access token', 190)
            unless $tok =~ /^EAAGuser([0-9a-f]{40})$/;
        my $h = $1;
        return (200, { data => [], paging => { cursors => {} } }) if $h eq '0' x 40;
        my %page = (id => '10' . substr(hex(substr($h, 0, 8)) . '', 0, 13),
                    name => 'Golden Teak Page',
                    access_token => 'EAAGpage' . substr(sha256_hex("page:$h"), 0, 40),
                    category => 'Shopping & Retail',
                    tasks => ['ANALYZE', 'ADVERTISE', 'MESSAGING', 'MODERATE', 'CREATE_CONTENT', 'MANAGE']);
        $page{instagram_business_account} = { id => '1784' . substr(hex(substr($h, 8, 8)) . '', 0, 13) }
            if ($q->{fields} // '') =~ /instagram_business_account/;
        return (200, { data => [\%page],
                       paging => { cursors => { before => 'QVFIUb', after => 'QVFIUa' } } });
    }],
    [POST => qr{^/v19\.0/me/messages$}, sub {
        my ($req) = @_;
        return graph_error('Invalid OAuth access token.', 190) unless bearer($req) =~ /^EAAGpage/;
        my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
        return graph_error('(#100) The parameter recipient is required', 100)
            unless ref $b->{recipient} eq 'HASH' && $b->{recipient}{id};
        return graph_error('(#100) Param message must be non-empty', 100)
            unless ref $b->{message} eq 'HASH' && length($b->{message}{text} // '');
        return (200, { recipient_id => $b->{recipient}{id},
                       message_id => 'm_' . substr(sha256_hex($req->{body}), 0, 24) });
    }],
    [DELETE => qr{^/v19\.0/me/subscribed_apps$}, sub {
        my ($req) = @_;
        return graph_error('Invalid OAuth access token.', 190) unless bearer($req) =~ /^EAAGpage/;
        return (200, { success => JSON::PP::true });
    }],
    [POST => qr{^/v2/oauth/token/$}, sub {
        my ($req) = @_;
        my $f = query($req->{body});
        my $refuse = sub { (400, { error => $_[0], error_description => $_[1],
                                   log_id => '202412021400000000000000' }) };
        return $refuse->('invalid_client', 'Client key or secret is incorrect.')
            unless ($f->{client_key} // '') eq $TT_KEY && ($f->{client_secret} // '') eq $TT_SECRET;
        return $refuse->('invalid_request', 'grant_type must be authorization_code.')
            unless ($f->{grant_type} // '') eq 'authorization_code';
        return $refuse->('invalid_request', 'redirect_uri does not match.')
            unless ($f->{redirect_uri} // '') =~ m{/oauth/tiktok/callback$};
        my $code = $f->{code} // '';
        return $refuse->('invalid_grant', 'Authorization code is expired.')
            if $code eq '' || $code =~ /^bad/ || spent("tt:$code");
        my $h = sha256_hex("tt:$code");
        return (200, { access_token => 'act.' . substr($h, 0, 40), expires_in => 86400,
                       open_id => '_000' . substr($h, 40, 20), refresh_expires_in => 31536000,
                       refresh_token => 'rft.' . substr($h, 20, 40), scope => 'user.info.basic',
                       token_type => 'Bearer' });
    }],
    [POST => qr{^/v2/oauth/revoke/$}, sub { (200, {}) }],
    [qr/^(GET|POST)$/ => qr{^/bot(\d+):([A-Za-z0-9_-]+)/(getMe|sendMessage|deleteWebhook)$}, sub {
        my ($req, $id, $secret, $method) = @_;
        return (401, { ok => JSON::PP::false, error_code => 401, description => 'Unauthorized' })
            if $secret =~ /^BAD/;
        if ($method eq 'getMe') {
            return (200, { ok => JSON::PP::true, result => {
                id => $id + 0, is_bot => JSON::PP::true, first_name => 'Golden Teak Bot',
                username => 'goldenteak_bot', can_join_groups => JSON::PP::true,
                can_read_all_group_messages => JSON::PP::false,
                supports_inline_queries => JSON::PP::false } });
        }
        if ($method eq 'deleteWebhook') {
            return (200, { ok => JSON::PP::true, result => JSON::PP::true,
                           description => 'Webhook was deleted' });
        }
        my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
        return (400, { ok => JSON::PP::false, error_code => 400,
                       description => 'Bad Request: chat not found' }) unless $b->{chat_id};
        return (400, { ok => JSON::PP::false, error_code => 400,
                       description => 'Bad Request: message text is empty' })
            unless length($b->{text} // '');
        return (200, { ok => JSON::PP::true, result => {
            message_id => 42, from => { id => $id + 0, is_bot => JSON::PP::true,
                                        first_name => 'Golden Teak Bot' },
            chat => { id => $b->{chat_id} + 0, type => 'private' }, date => time,
            text => $b->{text} } });
    }],
    [POST => qr{^/pa/(get_account_info|send_message|set_webhook)$}, sub {
        my ($req, $method) = @_;
        my $tok = $req->{headers}{'x-viber-auth-token'} // '';
        return (200, { status => 2, status_message => 'invalidAuthToken' })
            if $tok eq '' || $tok =~ /^bad/;
        if ($method eq 'get_account_info') {
            return (200, { status => 0, status_message => 'ok',
                           id => 'pa:' . hex(substr(sha256_hex($tok), 0, 8)),
                           name => 'Golden Teak', uri => 'goldenteak',
                           icon => 'http://example.com/icon.jpg', background => '',
                           category => 'Shopping', subcategory => 'Retail',
                           location => { lon => 96.19, lat => 16.87 }, country => 'MM',
                           webhook => '', event_types => [], subscribers_count => 0,
                           members => [] });
        }
        return (200, { status => 0, status_message => 'ok' }) if $method eq 'set_webhook';
        my $b = ref $req->{json} eq 'HASH' ? $req->{json} : {};
        return (200, { status => 3, status_message => 'badData' })
            unless $b->{receiver} && ($b->{type} // '') eq 'text' && length($b->{text} // '')
                && ref $b->{sender} eq 'HASH' && $b->{sender}{name};
        return (200, { status => 0, status_message => 'ok', message_token => 5741311803571721087,
                       chat_hostname => 'SN-CHAT-05_' });
    }],
);

FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    if (my $fail = FakeHTTP::take_failure($ctl)) {
        return ($fail, { error => { message => 'An unknown error has occurred.',
                                    type => 'OAuthException', code => $fail == 429 ? 4 : 1 } });
    }
    for my $rt (@ROUTES) {
        my ($method, $re, $code) = @$rt;
        next unless ref $method ? $req->{method} =~ $method : $req->{method} eq $method;
        my @cap = $req->{path} =~ $re or next;
        return $code->($req, @cap);
    }
    return (404, { error => { message => 'Unknown path components', type => 'OAuthException',
                              code => 2500 } });
});
