#!/usr/bin/perl
# An echo server on Protocol::WebSocket (Debian libprotocol-websocket-perl).
# Usage: perl hixie_echo_server.pl [PORT]; prints "listening PORT".
use strict; use warnings;
use IO::Socket::INET; use Protocol::WebSocket::Handshake::Server;
$| = 1; $SIG{CHLD} = 'IGNORE';
my $port = shift || 0;
my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 16, ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
print "listening ", $l->sockport, "\n";
while (my $c = $l->accept) {
  next if fork;                                   # parent keeps accepting
  binmode $c; $c->autoflush(1);
  my $hs = Protocol::WebSocket::Handshake::Server->new;
  my $frame;
  while (1) {
    my $n = sysread $c, my $chunk, 65536; last unless $n;
    unless ($hs->is_done) {
      unless ($hs->parse($chunk)) { print STDERR "[pl-server] bad handshake: ", $hs->error, "\n";
        syswrite $c, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"; last }
      next unless $hs->is_done;                    # for hybi-00 waits for the 8-byte key3
      print STDERR "[pl-server] handshake ", $hs->version, " origin=", ($hs->req->origin // ''), "\n";
      syswrite $c, $hs->to_string;
      $frame = $hs->build_frame;                   # parse() left any bytes after the handshake in $chunk
    }
    $frame->append($chunk);
    while (defined(my $m = $frame->next_bytes)) {
      if ($frame->is_close) {                      # hixie-76 FF 00 (or RFC6455 close): answer and close
        print STDERR "[pl-server] close from client\n";
        syswrite $c, $hs->build_frame(type => 'close')->to_bytes; close $c; exit 0;
      }
      syswrite $c, $hs->build_frame(buffer => $m)->to_bytes;   # raw UTF-8 bytes echoed as-is
    }
  }
  print STDERR "[pl-server] TCP closed\n"; close $c; exit 0;
}
