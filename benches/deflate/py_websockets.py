"""permessage-deflate throughput of Python websockets, for deflate_compare.py.

Usage: python py_websockets.py MIN_SECONDS NAME:PATH:SIZE:WINDOW:MEM_LEVEL:LEVEL...

Runs websockets' own PerMessageDeflate extension (what a websockets
connection calls on every frame: zlib from CPython) over each case of the
spec and prints one JSON line per case, as benches/deflate.rs does.
"""

import json
import sys
import time

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode


def extension(window, mem_level, level):
    return PerMessageDeflate(
        remote_no_context_takeover=False,
        local_no_context_takeover=False,
        remote_max_window_bits=window,
        local_max_window_bits=window,
        compress_settings={"memLevel": mem_level, "level": level},
    )


def timed(min_time, one_pass):
    """Passes of one_pass() until min_time has gone; seconds per pass."""
    passes, start = 0, time.perf_counter()
    while True:
        one_pass()
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / passes


def run(case, min_time):
    data = open(case["path"], "rb").read()
    size = case["size"]
    messages = [data[i : i + size] for i in range(0, len(data), size)]
    settings = (case["window"], case["mem_level"], case["level"])

    def compress_all():
        ext = extension(*settings)
        return [ext.encode(Frame(Opcode.BINARY, m)) for m in messages]

    compressed = compress_all()
    decoder = extension(*settings)
    assert [decoder.decode(f).data for f in compressed] == messages

    def decompress_all():
        ext = extension(*settings)
        for f in compressed:
            ext.decode(f)

    total = len(data)
    return {
        "compress_mb_s": total / timed(min_time, compress_all) / 1e6,
        "decompress_mb_s": total / timed(min_time, decompress_all) / 1e6,
        "ratio": sum(len(f.data) for f in compressed) / total,
    }


def main():
    min_time = float(sys.argv[1])
    for arg in sys.argv[2:]:
        name, path, *numbers = arg.split(":")
        size, window, mem_level, level = map(int, numbers)
        case = {"path": path, "size": size, "window": window, "mem_level": mem_level, "level": level}
        result = run(case, min_time)
        print(json.dumps({"impl": "websockets", "case": name, **result}), flush=True)


if __name__ == "__main__":
    main()
