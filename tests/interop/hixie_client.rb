# hixie-75 / hixie-76 client using Debian's ruby-websocket 1.2.9 (imanel/websocket-ruby).
# usage: ruby hixie_client.rb URL [--version hixie75|hixie76] [--origin O]
# stdin lines -> text frames; received text frames -> stdout lines. At EOF waits (<=5s) for all echoes,
# then hixie76: sends FF 00 and waits (<=5s) for FF 00/TCP close; hixie75: closes TCP. Exit 2 = handshake failure.
require 'websocket'; require 'socket'; require 'uri'
$stdout.sync = true
args = ARGV.dup; ver = 'hixie76'; origin = nil
if (i = args.index('--version')) then ver = args[i + 1]; args.slice!(i, 2) end
if (i = args.index('--origin')) then origin = args[i + 1]; args.slice!(i, 2) end
url = args[0] or abort('usage: hixie_client.rb URL [--version hixie75|hixie76] [--origin O]')
v = { 'hixie75' => 75, 'hixie76' => 76 }.fetch(ver)
opts = { url: url, version: v }; opts[:origin] = origin if origin
hs = WebSocket::Handshake::Client.new(**opts)
u = URI.parse(url)
sock = TCPSocket.new(u.host, u.port || 80)
sock.write(hs.to_s)
until hs.finished?
  data = sock.readpartial(4096) rescue (warn 'handshake failed: connection closed'; exit 2)
  hs << data
end
unless hs.valid? then warn "handshake failed: #{hs.error}"; exit 2 end
warn "[rb-client] handshake ok (#{ver})"
inc = WebSocket::Frame::Incoming::Client.new(version: v)
sent = recv = 0; closed = false
handle = lambda do |d|
  inc << d
  while (f = inc.next)
    if f.type == :close then closed = true; warn '[rb-client] got close FF 00'; break end
    puts f.data; recv += 1
  end
end
# bytes after the 16-byte challenge (hixie76) / after the headers (hixie75) were already read with the handshake:
rest = hs.instance_variable_get(:@leftovers).to_s.b
rest = rest.sub(/\A\r?\n?/, '')               # ruby-websocket keeps the empty line's tail in @leftovers
rest = rest[16..] || '' if v == 76
handle.call(rest) unless rest.empty?
reader = Thread.new do
  until closed
    begin d = sock.readpartial(65536) rescue (closed = true; break) end
    handle.call(d)
  end
end
$stdin.each_line do |line|
  sock.write(WebSocket::Frame::Outgoing::Client.new(version: v, data: line.chomp, type: :text).to_s); sent += 1
end
t = Time.now; sleep 0.05 while recv < sent && !closed && Time.now - t < 5
if v == 76 && !closed
  sock.write(WebSocket::Frame::Outgoing::Client.new(version: v, type: :close).to_s)
  t = Time.now; sleep 0.05 while !closed && Time.now - t < 5
end
sock.close rescue nil
exit 0
