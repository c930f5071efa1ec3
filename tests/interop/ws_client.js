'use strict';
// An RFC 6455 client on ws (npm), for the interop tests.
//
// Usage: node ws_client.js URL [--protocol P]... [--deflate default|small]
//
// Offers the subprotocols given, then sends each test message and waits for
// its echo, pings, and closes with 1000 "bye". It prints the transcript
// py_client.py prints, which the Rust test compares line by line:
//
//     extensions HEADER|-               (only with --deflate: what the
//                                        server's answer agreed)
//     protocol P|-
//     echo KIND BYTES ok|MISMATCH ...   (one line per message)
//     pong ping-1
//     close CODE prompt|slow            (the server's close code; prompt when
//                                        the server also closed TCP in time)
//
// --deflate default offers permessage-deflate as ws does by default (it
// does without the flag too, but prints nothing of it); --deflate small
// offers windows of 2^9 bytes both ways and no context takeover either way.
// With --deflate it sends two more messages: the same 2000 random bytes four
// times over, twice.
//
// Exits 1 on any failure, which the transcript then shows.
const WebSocket = require('ws');

const CLOSE_TIMEOUT_MS = 10000;
const url = process.argv[2];
const protocols = [];
let deflate = null;
for (let i = 3; i < process.argv.length; i++) {
  if (process.argv[i] === '--protocol' && i + 1 < process.argv.length) {
    protocols.push(process.argv[++i]);
  } else if (process.argv[i] === '--deflate' && ['default', 'small'].includes(process.argv[i + 1])) {
    deflate = process.argv[++i];
  } else {
    console.error('usage: node ws_client.js URL [--protocol P]... [--deflate default|small]');
    process.exit(2);
  }
}
const small = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 9,
  clientMaxWindowBits: 9,
};

const large = [];
for (let i = 0; i < 16384; i++) large.push('websocket ✓ ');
const bytes = Buffer.alloc(256);
for (let i = 0; i < 256; i++) bytes[i] = i;
const largeBytes = Buffer.alloc(200 * 1024);
for (let i = 0; i < largeBytes.length; i++) largeBytes[i] = i % 251;
const messages = [
  'hello',
  'wörld ünïcode ✓ 🎉',
  '',
  bytes,
  Buffer.alloc(0),
  large.join(''),
  largeBytes,
];
if (deflate) {
  // Repeats 2000 bytes apart, twice: compressible only with a window above
  // 2^10, the second copy all the more with context takeover.
  const repeats = Buffer.concat(Array(4).fill(require('crypto').randomBytes(2000)));
  messages.push(repeats, repeats);
}

const kind = (m) => (typeof m === 'string' ? 'text' : 'binary');
const size = (m) => (typeof m === 'string' ? Buffer.byteLength(m) : m.length);

const overall = setTimeout(() => {
  console.error('ws_client.js: timed out');
  process.exit(1);
}, 60000);

const ws = new WebSocket(url, protocols, {
  handshakeTimeout: 10000,
  maxPayload: 16 * 1024 * 1024,
  perMessageDeflate: deflate === 'small' ? small : true,
});
// Buffers for binary messages rather than one of their lists.
ws.binaryType = 'nodebuffer';
let ok = true;
let next = 0;
let closeStart = 0;

ws.on('error', (e) => {
  console.error('ws_client.js: ' + e.message);
  process.exit(1);
});

ws.on('upgrade', (response) => {
  if (deflate) console.log('extensions ' + (response.headers['sec-websocket-extensions'] || '-'));
});

ws.on('open', () => {
  console.log('protocol ' + (ws.protocol || '-'));
  ws.send(messages[0]);
});

ws.on('message', (data, isBinary) => {
  const sent = messages[next];
  const got = isBinary ? data : data.toString();
  let verdict = 'ok';
  if (isBinary !== (typeof sent !== 'string') || (isBinary ? !data.equals(sent) : got !== sent)) {
    ok = false;
    verdict = 'MISMATCH got ' + (isBinary ? 'binary' : 'text') + ' of ' + data.length + ' bytes';
  }
  console.log('echo ' + kind(sent) + ' ' + size(sent) + ' ' + verdict);
  next += 1;
  if (next < messages.length) {
    ws.send(messages[next]);
  } else {
    ws.ping(Buffer.from('ping-1'));
  }
});

ws.on('pong', (data) => {
  if (data.toString() === 'ping-1') {
    console.log('pong ping-1');
  } else {
    ok = false;
    console.log('pong MISMATCH ' + JSON.stringify(data.toString()));
  }
  closeStart = Date.now();
  ws.close(1000, 'bye');
});

ws.on('close', (code) => {
  const elapsed = Date.now() - closeStart;
  const timing = elapsed < CLOSE_TIMEOUT_MS / 2 ? 'prompt' : 'slow (' + (elapsed / 1000).toFixed(1) + ' s)';
  console.log('close ' + code + ' ' + timing);
  clearTimeout(overall);
  process.exitCode = ok && code !== 1006 ? 0 : 1;
});
