#!/usr/bin/env bash
# Refreshes wit/deps from the WASI WIT files that the host crate
# wasmtime-wasi (as pinned in Cargo.lock) ships, so the component and the
# hosts that run it agree on every WASI interface. Run after changing the
# wasmtime-wasi version; tests/wit_deps.rs fails while they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(cargo metadata --format-version 1 --locked 2>/dev/null | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
pkg = next(p for p in meta["packages"] if p["name"] == "wasmtime-wasi")
print(os.path.join(os.path.dirname(pkg["manifest_path"]), "src", "p2", "wit", "deps"))
')
rm -rf wit/deps
mkdir -p wit/deps
cp "$src"/*.wit wit/deps/
echo "copied $(ls wit/deps | wc -l) packages from $src"
