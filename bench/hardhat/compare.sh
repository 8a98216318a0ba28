#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make bench-hardhat`: THE SAME `xinlian bench` command against Hardhat's node (npm hardhat,
# chain id 31337, its funded account #0; a block every 200 ms and a 1e9 gas limit as our node:
# hardhat.config.js says why not automine) and against a fresh 1-validator Xinlian chain
# (ecdsa), for transfers and for ERC-20 transfers of a real OpenZeppelin token
# (contracts-bench/BenchToken.sol, compiled by token.mjs); prints both figures and the ratio
# (docs/PERFORMANCE.md, "Hardhat (issue 4)").
# Usage: compare.sh BUILD_DIR [TXS] [SENDERS]   (needs `npm install` here: the Makefile does it)
# Both nodes run one after the other, never together; each is stopped by its pid.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="$(cd "$1" && pwd)/xinlian"
TXS="${2:-20000}"
SENDERS="${3:-1000}"
HH_PORT="${XL_HH_PORT:-18645}"
XL_PORT="${XL_XL_PORT:-18745}"
DIR="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

wait_rpc() {  # wait_rpc PORT PID LOG: until eth_chainId answers (30 s at most)
  for _ in $(seq 300); do
    "$BIN" block latest --rpc "http://127.0.0.1:$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "node exited; log:" >&2; tail -20 "$3" >&2; exit 1; }
    sleep 0.1
  done
  echo "no RPC answer on port $1; log:" >&2; tail -20 "$3" >&2; exit 1
}

# The same command line for both, but --rpc and the key file.
bench() {  # bench PORT KEYFILE WORKLOAD
  local extra=()
  [ "$3" = erc20 ] && extra=(--erc20-bytecode "$DIR/token.hex")
  "$BIN" bench --rpc "http://127.0.0.1:$1" --private-key-file "$2" --workload "$3" \
    --txs "$TXS" --senders "$SENDERS" --concurrency 2 --batch 200 "${extra[@]}" | tail -1
}
tps() { sed -nE 's/.* = ([0-9]+) tx\/s.*/\1/p' <<<"$1"; }

node "$HERE/token.mjs" >"$DIR/token.hex"
declare -A HH XL

(cd "$HERE" && exec node_modules/.bin/hardhat node --hostname 127.0.0.1 --port "$HH_PORT") \
  >"$DIR/hardhat.log" 2>&1 &
PID=$!
wait_rpc "$HH_PORT" "$PID" "$DIR/hardhat.log"
# Account #0 of Hardhat's test mnemonic, as its node prints it at start.
sed -nE 's/^Private Key: 0x([0-9a-f]{64})$/\1/p' "$DIR/hardhat.log" | head -1 >"$DIR/hh.key"
[ -s "$DIR/hh.key" ] || { echo "no funded account in Hardhat's output" >&2; exit 1; }
echo "hardhat $(node -p "require('$HERE/node_modules/hardhat/package.json').version"), interval mining 200 ms"
for w in transfer erc20; do
  HH[$w]=$(bench "$HH_PORT" "$DIR/hh.key" "$w")
  echo "  hardhat  ${HH[$w]}"
done
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

"$BIN" init --validators 1 --dev-accounts 1 --block-interval-ms 200 --out "$DIR/xl" \
  --base-port "$XL_PORT" --p2p-base-port "$((XL_PORT + 50))" >/dev/null
node -e "console.log(require('$DIR/xl/dev-accounts.json')[0].privateKey.replace(/^0x/, ''))" \
  >"$DIR/xl.key"
"$BIN" node --config "$DIR/xl/node0/config.toml" >"$DIR/xinlian.log" 2>&1 &
PID=$!
wait_rpc "$XL_PORT" "$PID" "$DIR/xinlian.log"
echo "xinlian $("$BIN" version 2>/dev/null | head -1), 1 validator, 200 ms block interval"
for w in transfer erc20; do
  XL[$w]=$(bench "$XL_PORT" "$DIR/xl.key" "$w")
  echo "  xinlian  ${XL[$w]}"
done
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

echo "same command: xinlian bench --workload W --txs $TXS --senders $SENDERS --concurrency 2 --batch 200 [--erc20-bytecode token.hex]"
for w in transfer erc20; do
  h=$(tps "${HH[$w]}"); x=$(tps "${XL[$w]}")
  echo "$w: xinlian $x tx/s, hardhat $h tx/s, ratio $(awk -v a="$x" -v b="$h" 'BEGIN { printf "%.1fx", a / b }')"
done
