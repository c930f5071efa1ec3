"""permessage-deflate side by side: the engine, Python websockets and npm ws.

Usage: python3 benches/deflate/compare.py [--rounds N] [--min-time S]

Builds benches/deflate.rs (cargo bench --no-run), then runs the three
programs on the same cases in interleaved rounds (ours, websockets, ws,
ours, ...), so that each ratio compares figures taken side by side, and
prints a Markdown table: the median of the rounds, with the spread of the
ratios (lowest to highest over the rounds).

Corpora: the Autobahn TestSuite's own test data, which the kosoku package
ships (bash .ci/install installs it): pg2229.txt (a Project Gutenberg
text, 222 KB) and data1.json (a JSON document, 194 KB). Each is sent as
messages of 1 KiB and of 16 KiB, with context takeover, under two
settings: windows of 2^12 bytes with memory level 5 (the defaults of
websockets and of this engine) and 2^15 with memory level 8 (ws's and
zlib's), both at level 6.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = next(
    (ROOT / "tests/autobahn/.venv/lib").glob("python3*/site-packages/kosoku/shim/autobahntestsuite/testdata"),
    None,
)
SETTINGS = [("w12m5", 12, 5, 6), ("w15m8", 15, 8, 6)]
CORPORA = [("text", "pg2229.txt"), ("json", "data1.json")]
SIZES = [1024, 16384]


def cases():
    for corpus, file in CORPORA:
        for size in SIZES:
            for label, window, mem, level in SETTINGS:
                name = f"{corpus}/{size // 1024}KiB/{label}"
                yield f"{name}:{DATA / file}:{size}:{window}:{mem}:{level}"


def ours_binary():
    out = subprocess.run(
        ["cargo", "bench", "-p", "websocket-benches", "--bench", "deflate", "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "deflate" and msg.get("executable"):
            return msg["executable"]
    sys.exit("cargo did not report the deflate bench's executable")


def run(command):
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--min-time", type=float, default=0.5)
    args = parser.parse_args()
    if DATA is None:
        sys.exit("the Autobahn test data is missing: run `bash .ci/install` (it installs kosoku)")
    python = ROOT / "tests/interop/.venv/bin/python"
    spec = [str(args.min_time), *cases()]
    commands = {
        "ours": [ours_binary(), *spec],
        "websockets": [str(python), str(ROOT / "benches/deflate/py_websockets.py"), *spec],
        "ws": ["node", str(ROOT / "benches/deflate/ws.js"), *spec],
    }
    results = {}  # (impl, case) -> list of rows, one per round
    for r in range(args.rounds):
        for impl, command in commands.items():
            print(f"round {r + 1}/{args.rounds}: {impl}", file=sys.stderr, flush=True)
            for row in run(command):
                results.setdefault((impl, row["case"]), []).append(row)

    def cell(impl, case, key):
        return statistics.median(row[key] for row in results[(impl, case)])

    def ratio(case, key, other):
        per_round = [a[key] / b[key] for a, b in zip(results[("ours", case)], results[(other, case)])]
        return f"{statistics.median(per_round):.2f} ({min(per_round):.2f}-{max(per_round):.2f})"

    names = [c.split(":")[0] for c in cases()]
    for key, title in [("compress_mb_s", "Compression, MB/s"), ("decompress_mb_s", "Decompression, MB/s")]:
        print(f"\n{title} (median of {args.rounds} rounds; ours / theirs with its spread)\n")
        print("| case | ours | websockets | ws | ours / websockets | ours / ws |")
        print("|---|---|---|---|---|---|")
        for case in names:
            figures = " | ".join(f"{cell(i, case, key):.1f}" for i in commands)
            print(f"| {case} | {figures} | {ratio(case, key, 'websockets')} | {ratio(case, key, 'ws')} |")
    print("\nCompressed size / original size (the same in every round)\n")
    print("| case | ours | websockets | ws |")
    print("|---|---|---|---|")
    for case in names:
        print(f"| {case} | " + " | ".join(f"{cell(i, case, 'ratio'):.3f}" for i in commands) + " |")


if __name__ == "__main__":
    main()
