'use strict';
// permessage-deflate throughput of npm ws, for deflate_compare.py.
//
// Usage: node ws.js MIN_SECONDS NAME:PATH:SIZE:WINDOW:MEM_LEVEL:LEVEL...
//
// Runs ws's own PerMessageDeflate (what a ws connection calls on every
// message: Node's zlib, asynchronous on libuv's thread pool) over each case
// of the spec, one message at a time as a connection does, and prints one
// JSON line per case, as benches/deflate.rs does. The agreed parameters are
// set as a handshake would leave them (params), with threshold 0.
const fs = require('fs');
const path = require('path');
const PerMessageDeflate = require(path.join(__dirname, '../../tests/interop/node_modules/ws/lib/permessage-deflate'));

function extension(isServer, c) {
  const pmd = new PerMessageDeflate({
    isServer,
    threshold: 0,
    zlibDeflateOptions: { memLevel: c.mem_level, level: c.level },
  });
  pmd.params = { server_max_window_bits: c.window, client_max_window_bits: c.window };
  return pmd;
}

const call = (pmd, method, data) =>
  new Promise((resolve, reject) => pmd[method](data, true, (err, out) => (err ? reject(err) : resolve(out))));

async function timed(minTime, onePass) {
  let passes = 0;
  const start = process.hrtime.bigint();
  for (;;) {
    await onePass();
    passes += 1;
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    if (elapsed >= minTime) return elapsed / passes;
  }
}

async function run(c, minTime) {
  const data = fs.readFileSync(c.path);
  const messages = [];
  for (let i = 0; i < data.length; i += c.size) messages.push(data.subarray(i, i + c.size));
  const compressAll = async () => {
    const pmd = extension(true, c);
    const out = [];
    for (const m of messages) out.push(await call(pmd, 'compress', m));
    pmd.cleanup();
    return out;
  };
  const compressed = await compressAll();
  const check = extension(false, c);
  for (let i = 0; i < messages.length; i++) {
    if (!(await call(check, 'decompress', compressed[i])).equals(messages[i])) throw new Error('round trip');
  }
  check.cleanup();
  const decompressAll = async () => {
    const pmd = extension(false, c);
    for (const m of compressed) await call(pmd, 'decompress', m);
    pmd.cleanup();
  };
  const total = data.length;
  return {
    compress_mb_s: total / (await timed(minTime, compressAll)) / 1e6,
    decompress_mb_s: total / (await timed(minTime, decompressAll)) / 1e6,
    ratio: compressed.reduce((n, b) => n + b.length, 0) / total,
  };
}

(async () => {
  const minTime = Number(process.argv[2]);
  for (const arg of process.argv.slice(3)) {
    const [name, file, ...numbers] = arg.split(':');
    const [size, window, mem_level, level] = numbers.map(Number);
    const result = await run({ path: file, size, window, mem_level, level }, minTime);
    console.log(JSON.stringify({ impl: 'ws', case: name, ...result }));
  }
})();
