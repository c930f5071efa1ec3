'use strict';
// An RFC 6455 echo server on ws (npm), for the interop tests.
//
// Usage: node ws_echo_server.js [--protocol P]... [--deflate default|small]
//
// Listens on 127.0.0.1 on a free port and prints "listening PORT" first.
// Every message comes back unchanged, except two commands:
//
// - "!fragments": sends the text "fragmented ✓" in four fragments, the last
//   split inside the UTF-8 encoding of "✓" (E2 9C | 93), with a ping
//   "server-ping" between the first two fragments; then the binary message
//   00 01 02 in two fragments. Once the pong comes back it sends
//   "got pong server-ping".
// - "!protocol": answers "protocol P" with the negotiated subprotocol ("-"
//   for none).
//
// The server picks the first subprotocol the client offers among its own
// (--protocol), and none when there is no match. When a connection ends it
// prints "closed CODE REASON" with the client's close frame (1005 when it
// had no code, 1006 when the client sent none).
//
// ws servers do not accept permessage-deflate by default: --deflate default
// accepts it with ws's settings, --deflate small asks for windows of 2^9
// bytes both ways and no context takeover either way.
const { WebSocketServer } = require('ws');

const supported = [];
let perMessageDeflate = false;
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--protocol' && i + 1 < process.argv.length) {
    supported.push(process.argv[++i]);
  } else if (process.argv[i] === '--deflate' && process.argv[i + 1] === 'default') {
    perMessageDeflate = true;
    i++;
  } else if (process.argv[i] === '--deflate' && process.argv[i + 1] === 'small') {
    perMessageDeflate = {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 9,
      clientMaxWindowBits: 9,
    };
    i++;
  } else {
    console.error('usage: node ws_echo_server.js [--protocol P]... [--deflate default|small]');
    process.exit(2);
  }
}

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 16 * 1024 * 1024,
  perMessageDeflate,
  handleProtocols(offered) {
    for (const p of offered) if (supported.includes(p)) return p;
    return false;
  },
});

server.on('listening', () => console.log('listening ' + server.address().port));

server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === '!fragments') {
      ws.send('frag', { fin: false });
      ws.ping('server-ping');
      ws.send('ment', { fin: false });
      ws.send(Buffer.from('ed \xe2\x9c', 'latin1'), { binary: false, fin: false });
      ws.send(Buffer.from([0x93]), { binary: false, fin: true });
      ws.send(Buffer.from([0, 1]), { binary: true, fin: false });
      ws.send(Buffer.from([2]), { binary: true, fin: true });
    } else if (!isBinary && data.toString() === '!protocol') {
      ws.send('protocol ' + (ws.protocol || '-'));
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('pong', (data) => ws.send('got pong ' + data.toString()));
  ws.on('close', (code, reason) => console.log('closed ' + code + ' ' + reason.toString()));
  ws.on('error', (e) => console.error('[ws] error: ' + e.message));
});
