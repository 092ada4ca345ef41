#!/usr/bin/env perl
# A fake WhatsApp Cloud API on loopback: POST /{version}/{phone_number_id}/messages.
# Records every request as one JSON line in LOG and answers like the real API:
#   200 {"messaging_product":"whatsapp","contacts":[{"input":…,"wa_id":…}],
#        "messages":[{"id":"wamid.…","message_status":"accepted"}]}
# A template message without a name or a language code gets the API's 400 (code 100).
# A line "STATUS COUNT" in CTL makes the next COUNT requests answer STATUS with the
# Graph API error shape instead (for retry and dead-letter tests).
# usage: whatsapp.pl PORT LOG CTL
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin";
use FakeHTTP;

my ($port, $log, $ctl) = @ARGV;
FakeHTTP::serve($port, $log, sub {
    my ($req) = @_;
    my $fail = FakeHTTP::take_failure($ctl);
    if ($fail) {
        return ($fail, { error => { message => "fake failure", type => 'OAuthException',
                                    code => $fail == 400 ? 100 : 2, fbtrace_id => 'AbC' } });
    }
    return (401, { error => { message => 'Invalid OAuth access token', code => 190 } })
        unless ($req->{headers}{authorization} // '') =~ /^Bearer \S+/;
    return (404, { error => { message => 'Unknown path', code => 803 } })
        unless $req->{method} eq 'POST' && $req->{path} =~ m{^/v[\d.]+/\d+/messages$};
    my $m = ref $req->{json} eq 'HASH' ? $req->{json} : {};
    my $to = $m->{to} // '';
    my $t = ref $m->{template} eq 'HASH' ? $m->{template} : {};
    return (400, { error => { message => '(#100) Invalid parameter', type => 'OAuthException',
                              code => 100, fbtrace_id => 'AbC' } })
        if ($m->{messaging_product} // '') ne 'whatsapp' || $to eq ''
        || (($m->{type} // '') eq 'template'
            && (!$t->{name} || ref $t->{language} ne 'HASH' || !$t->{language}{code}));
    return (200, { messaging_product => 'whatsapp',
                   contacts => [{ input => $to, wa_id => $to }],
                   messages => [{ id => 'wamid.' . join('', map { int rand 10 } 1 .. 20),
                                  message_status => 'accepted' }] });
});
