#!/usr/bin/perl
# hixie-75 / hixie-76 (hybi-00) client using Debian's libprotocol-websocket-perl (Protocol::WebSocket 0.26).
# usage: perl hixie_client.pl URL [--version hixie75|hixie76] [--origin O]
# Reads lines from stdin, sends each as a text frame, prints each received text frame on its own line.
# At stdin EOF: waits (max 5s) until as many messages were received as sent, then
# hixie76: sends FF 00 and waits (max 5s) for the server's FF 00 / socket close; hixie75: just closes TCP.
# Exit 0 on success, 2 on handshake failure, 3 on connect failure.
use strict; use warnings;
use IO::Socket::INET; use IO::Select; use Time::HiRes qw(time);
use Protocol::WebSocket::Handshake::Client; use Protocol::WebSocket::Frame;
$| = 1; binmode STDIN, ':encoding(UTF-8)'; binmode STDOUT, ':encoding(UTF-8)';
my ($url, $ver, $origin) = (undef, 'hixie76', undef);
while (@ARGV) { my $a = shift @ARGV;
  if ($a eq '--version') { $ver = shift @ARGV } elsif ($a eq '--origin') { $origin = shift @ARGV } else { $url = $a } }
die "usage: $0 URL [--version hixie75|hixie76] [--origin O]\n" unless $url;
my $pv = $ver eq 'hixie75' ? 'draft-hixie-75' : $ver eq 'hixie76' ? 'draft-ietf-hybi-00' : die "bad version $ver\n";
my $hs = Protocol::WebSocket::Handshake::Client->new(url => $url, version => $pv);
$hs->req->origin($origin) if defined $origin;
my ($host, $port) = $url =~ m{^wss?://\[?([^/\]]+?)\]?(?::(\d+))?(?:/|$)} or die "bad url\n"; $port ||= 80;
my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp') or do { print STDERR "connect failed: $!\n"; exit 3 };
binmode $sock; $sock->autoflush(1);
syswrite $sock, $hs->to_string;
my $buf = '';
while (!$hs->is_done) {
  my $n = sysread $sock, my $chunk, 4096;
  if (!$n) { print STDERR "handshake failed: connection closed\n"; exit 2 }
  unless ($hs->parse($chunk)) { print STDERR "handshake failed: ", $hs->error, "\n"; exit 2 }
  $buf = $chunk if $hs->is_done;          # parse() consumes its argument and leaves the bytes after the handshake in it
}
print STDERR "[client] handshake ok ($pv)\n";
my $fb = Protocol::WebSocket::Frame->new(version => $pv);
my ($sent, $recv, $closed, $eof, $eof_t, $close_sent) = (0, 0, 0, 0, 0, 0);
my $sel = IO::Select->new($sock, \*STDIN);
my $handle = sub { $fb->append($_[0]);
  while (defined(my $m = $fb->next)) { if ($fb->is_close) { $closed = 1; print STDERR "[client] got close FF 00\n"; last } print "$m\n"; $recv++ } };
$handle->($buf) if length $buf;
while (!$closed) {
  if ($eof && !$close_sent && ($recv >= $sent || time - $eof_t > 5)) {
    last if $ver eq 'hixie75';
    syswrite $sock, Protocol::WebSocket::Frame->new(version => $pv, type => 'close')->to_bytes; $close_sent = time;
  }
  last if $close_sent && time - $close_sent > 5;
  for my $fh ($sel->can_read(0.2)) {
    if ($fh == $sock) { my $n = sysread $sock, my $d, 65536; if (!$n) { $closed = 1; print STDERR "[client] TCP closed by server\n"; last } $handle->($d) }
    else { my $line = <STDIN>; if (!defined $line) { $eof = 1; $eof_t = time; $sel->remove(\*STDIN); next }
      chomp $line; syswrite $sock, Protocol::WebSocket::Frame->new(version => $pv, buffer => $line)->to_bytes; $sent++ }
  }
}
close $sock; exit 0;
