'use strict';
// An echo server on websocket-driver (faye), which speaks hixie-75 and
// hixie-76 on the server side. Usage: node hixie_echo_server.js [PORT]
// Prints "listening PORT" once it accepts connections.
var http = require('http');
var driver = require('websocket-driver');
var port = parseInt(process.argv[2] || '0', 10);
var server = http.createServer(function (req, res) { res.writeHead(404); res.end(); });
server.on('upgrade', function (request, socket, body) {
  if (!driver.isWebSocket(request)) return socket.destroy();
  var d = driver.http(request);
  d.io.write(body);                       // bytes after the headers (key3 for hixie-76)
  socket.pipe(d.io).pipe(socket);
  d.messages.on('data', function (msg) { d.text(msg); });   // echo
  d.on('error', function (e) { process.stderr.write('[driver] error: ' + e.message + '\n'); });
  d.on('close', function () { socket.end(); });
  // hixie-75 has no closing handshake: the client's end of TCP is the close.
  socket.on('end', function () { socket.end(); });
  socket.on('error', function () {});
  d.start();
});
server.listen(port, '127.0.0.1', function () { console.log('listening ' + server.address().port); });
