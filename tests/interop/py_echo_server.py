"""An RFC 6455 echo server on Python websockets, for the interop tests.

Usage: python py_echo_server.py [--protocol P]... [--deflate small] [--tls-cert FILE --tls-key FILE]

Listens on 127.0.0.1 on a free port and prints "listening PORT" first.
Every message comes back unchanged, except two commands:

- "!fragments": sends the text "fragmented ✓" in three fragments and the
  binary message 00 01 02 in two, then a ping "server-ping"; once the
  matching pong is back it sends "got pong server-ping".
- "!protocol": answers "protocol P" with the negotiated subprotocol ("-"
  for none).

The server picks the first subprotocol the client offers among its own
(--protocol), and none when there is no match. When a connection ends it
prints "closed CODE REASON" with the client's close frame (CODE "none"
when the client sent none).

It accepts permessage-deflate as websockets does by default; with
--deflate small it asks for windows of 2^9 bytes both ways and no context
takeover either way.

With --tls-cert and --tls-key (PEM chain and key) it serves wss:// (Python's
ssl module: an implementation independent of rustls).
"""

import argparse
import asyncio
import ssl
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

import py_deflate


def selector(supported):
    def select(connection, offered):
        for protocol in offered:
            if protocol in supported:
                return protocol
        return None

    return select


async def handler(ws):
    try:
        async for message in ws:
            if message == "!fragments":
                await ws.send(["frag", "ment", "ed ✓"])
                await ws.send([b"\x00\x01", b"\x02"])
                pong = await ws.ping(b"server-ping")
                await asyncio.wait_for(pong, 10)
                await ws.send("got pong server-ping")
            elif message == "!protocol":
                await ws.send(f"protocol {ws.subprotocol or '-'}")
            else:
                await ws.send(message)
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    rcvd = ws.protocol.close_rcvd
    if rcvd is None:
        print("closed none", flush=True)
    else:
        print(f"closed {rcvd.code} {rcvd.reason}", flush=True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", action="append", default=[])
    parser.add_argument("--deflate", choices=["default", "small"])
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    async with serve(
        handler,
        "127.0.0.1",
        0,
        select_subprotocol=selector(args.protocol),
        ping_interval=None,
        max_size=16 * 1024 * 1024,
        **py_deflate.options(args.deflate, ServerPerMessageDeflateFactory),
        ssl=tls,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening {port}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
