#!/usr/bin/env bash
# Refreshes wit/deps from the WASI WIT files that the host crates
# wasmtime-wasi and wasmtime-wasi-tls (as pinned in Cargo.lock) ship, so the
# component and the hosts that run it agree on every WASI interface; and
# wit/p3/deps from those the guest crate wasip3 binds (WASI 0.3) and the
# host's draft WASI 0.3 wasi:tls, with the
# sans-IO interfaces wit/p3 shares with wit. Run after changing the wasmtime
# or wasip3 version, or editing wit/{types,handshake,framing}.wit;
# tests/wit_deps.rs fails while they differ.
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
p3=$(crate_dir wasip3)/wit/deps
rm -rf wit/p3/deps
mkdir -p wit/p3/deps
for package in cli clocks filesystem random sockets; do
  cp "$p3/$package.wit" wit/p3/deps/
done
mkdir -p wit/p3/deps/tls
cp "$(crate_dir wasmtime-wasi-tls)"/src/p3/wit/deps/tls/*.wit wit/p3/deps/tls/
echo "copied $(ls wit/p3/deps | wc -l) packages from $p3 and wasmtime-wasi-tls's p3"
for file in types handshake framing; do
  sed '1s/^package websocket:protocol@0.1.0;$/package websocket:protocol@0.2.0;/' "wit/$file.wit" >"wit/p3/$file.wit"
done
