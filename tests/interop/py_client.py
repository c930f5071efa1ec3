"""An RFC 6455 client on Python websockets, for the interop tests.

Usage: python py_client.py URL [--protocol P]...

Offers the subprotocols given, then sends each test message and waits for
its echo, pings, and closes with 1000 "bye". It prints a transcript that
the Rust test compares line by line (ws_client.js prints the same one):

    protocol P|-
    echo KIND BYTES ok|MISMATCH ...   (one line per message)
    pong ping-1
    close CODE prompt|slow            (the server's close code; prompt when
                                       the server also closed TCP in time)

Exits 1 on any failure, which the transcript then shows.
"""

import argparse
import asyncio
import sys
import time

from websockets.asyncio.client import connect

CLOSE_TIMEOUT = 10


def messages():
    return [
        "hello",
        "wörld ünïcode ✓ 🎉",
        "",
        bytes(range(256)),
        b"",
        "websocket ✓ " * 16384,
        bytes(i % 251 for i in range(200 * 1024)),
    ]


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
        )
        print(f"protocol {ws.subprotocol or '-'}", flush=True)
        ok = True
        for message in messages():
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
    args = parser.parse_args()
    sys.exit(0 if asyncio.run(session(args)) else 1)


if __name__ == "__main__":
    main()
