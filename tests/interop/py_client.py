"""An RFC 6455 client on Python websockets, for the interop tests.

Usage: python py_client.py URL [--protocol P]... [--deflate default|small] [--ca FILE]

Offers the subprotocols given, then sends each test message and waits for
its echo, pings, and closes with 1000 "bye". It prints a transcript that
the Rust test compares line by line (ws_client.js prints the same one):

    extensions HEADER|-               (only with --deflate: what the
                                       server's answer agreed)
    protocol P|-
    echo KIND BYTES ok|MISMATCH ...   (one line per message)
    pong ping-1
    close CODE prompt|slow            (the server's close code; prompt when
                                       the server also closed TCP in time)

--deflate default offers permessage-deflate as websockets does by default
(it does without the flag too, but prints nothing of it); --deflate small
offers windows of 2^9 bytes both ways and no context takeover either way.
With --deflate it sends two more messages: the same 2000 random bytes four
times over, twice.

A wss:// URL is reached over TLS; --ca FILE trusts the PEM certificates
in FILE (and only those).

Exits 1 on any failure, which the transcript then shows.
"""

import argparse
import asyncio
import random
import ssl
import sys
import time

from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

import py_deflate

CLOSE_TIMEOUT = 10


def messages(deflate):
    sample = [
        "hello",
        "wörld ünïcode ✓ 🎉",
        "",
        bytes(range(256)),
        b"",
        "websocket ✓ " * 16384,
        bytes(i % 251 for i in range(200 * 1024)),
    ]
    if deflate:
        # Repeats 2000 bytes apart, twice: compressible only with a window
        # above 2^10, the second copy all the more with context takeover.
        repeats = random.Random(7).randbytes(2000) * 4
        sample += [repeats, repeats]
    return sample


def size(message):
    return len(message.encode() if isinstance(message, str) else message)


def kind(message):
    return "text" if isinstance(message, str) else "binary"


async def session(args):
    async with asyncio.timeout(60):
        ws = await connect(
            args.url,
            subprotocols=args.protocol or None,
            ping_interval=None,
            open_timeout=10,
            close_timeout=CLOSE_TIMEOUT,
            max_size=16 * 1024 * 1024,
            **py_deflate.options(args.deflate, ClientPerMessageDeflateFactory),
            **({"ssl": ssl.create_default_context(cafile=args.ca)} if args.ca else {}),
        )
        if args.deflate:
            agreed = ws.response.headers.get("Sec-WebSocket-Extensions")
            print(f"extensions {agreed or '-'}", flush=True)
        print(f"protocol {ws.subprotocol or '-'}", flush=True)
        ok = True
        for message in messages(args.deflate):
            await ws.send(message)
            got = await ws.recv()
            if type(got) is type(message) and got == message:
                verdict = "ok"
            else:
                ok = False
                verdict = f"MISMATCH got {kind(got)} of {size(got)} bytes: {got[:40]!r}"
            print(f"echo {kind(message)} {size(message)} {verdict}", flush=True)
        pong = await ws.ping(b"ping-1")
        await asyncio.wait_for(pong, 10)
        print("pong ping-1", flush=True)
        start = time.monotonic()
        await ws.close(1000, "bye")
        elapsed = time.monotonic() - start
        rcvd = ws.protocol.close_rcvd
        code = "none" if rcvd is None else rcvd.code
        timing = "prompt" if elapsed < CLOSE_TIMEOUT / 2 else f"slow ({elapsed:.1f} s)"
        print(f"close {code} {timing}", flush=True)
        return ok and rcvd is not None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--protocol", action="append", default=[])
    parser.add_argument("--deflate", choices=["default", "small"])
    parser.add_argument("--ca")
    args = parser.parse_args()
    sys.exit(0 if asyncio.run(session(args)) else 1)


if __name__ == "__main__":
    main()
