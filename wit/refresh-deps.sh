#!/usr/bin/env bash
# Refreshes wit/deps from the WASI WIT files that the host crates
# wasmtime-wasi and wasmtime-wasi-tls (as pinned in Cargo.lock) ship, so the
# component and the hosts that run it agree on every WASI interface. Run
# after changing the wasmtime version; tests/wit_deps.rs fails while they
# differ.
set -euo pipefail
cd "$(dirname "$0")/.."
crate_dir() {
  cargo metadata --format-version 1 --locked 2>/dev/null | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
pkg = next(p for p in meta["packages"] if p["name"] == sys.argv[1])
print(os.path.dirname(pkg["manifest_path"]))
' "$1"
}
src=$(crate_dir wasmtime-wasi)/src/p2/wit/deps
tls=$(crate_dir wasmtime-wasi-tls)/wit/deps/tls
rm -rf wit/deps
mkdir -p wit/deps/tls
cp "$src"/*.wit wit/deps/
cp "$tls"/*.wit wit/deps/tls/
echo "copied $(ls wit/deps | wc -l) packages from $src and $tls"
