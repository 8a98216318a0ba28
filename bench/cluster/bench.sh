#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make bench-cluster`: `xinlian bench` against a fresh 4-validator consortium, all four
# `xinlian node` processes on this machine (docs/PERFORMANCE.md, "Cluster (issue 5)"):
# transfers and ERC-20 transfers (the OpenZeppelin token of bench/hardhat, compiled there by
# token.mjs when its npm packages are installed; else the bench's built-in minimal token, and
# the line says so). Transactions go to node0's JSON-RPC, which gossips them; the bench follows
# node0's blocks, so latency is submission -> block final (committed) on node0.
# Usage: bench.sh BUILD_DIR [TXS] [SENDERS] [VALIDATORS]
# XL_GAS_LIMIT=G sets the genesis block gas limit (default: xinlian init's, 1e9), which is
# what bounds a block's size: docs/PERFORMANCE.md shows why a bound matters here.
# XL_RATE=TPS paces the submission (xinlian bench --rate) to measure latency below saturation.
# The chain lives in a temporary directory removed on exit; the nodes are stopped by pid.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="$(cd "$1" && pwd)/xinlian"
TXS="${2:-20000}"
SENDERS="${3:-1000}"
N="${4:-4}"
PORT="${XL_CLUSTER_PORT:-18845}"
DIR="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

gas=()
[ -n "${XL_GAS_LIMIT:-}" ] && gas=(--gas-limit "$XL_GAS_LIMIT")
"$BIN" init --validators "$N" --dev-accounts 1 --block-interval-ms 200 --out "$DIR/net" \
  --base-port "$PORT" --p2p-base-port "$((PORT + 50))" ${gas[@]+"${gas[@]}"} >/dev/null
node -e "console.log(require('$DIR/net/dev-accounts.json')[0].privateKey.replace(/^0x/, ''))" \
  >"$DIR/key"
for ((i = 0; i < N; i++)); do
  "$BIN" node --config "$DIR/net/node$i/config.toml" >"$DIR/node$i.log" 2>&1 &
  PIDS+=($!)
done
for ((i = 0; i < N; i++)); do
  for _ in $(seq 300); do
    "$BIN" block latest --rpc "http://127.0.0.1:$((PORT + i))" >/dev/null 2>&1 && break
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "node$i exited:" >&2; tail -20 "$DIR/node$i.log" >&2; exit 1; }
    sleep 0.1
  done
done

token=()
token_name="built-in minimal token (no event): run npm install in bench/hardhat for OpenZeppelin"
if [ -d "$HERE/../hardhat/node_modules/solc" ]; then
  node "$HERE/../hardhat/token.mjs" >"$DIR/token.hex"
  token=(--erc20-bytecode "$DIR/token.hex")
  token_name="OpenZeppelin ERC20"
fi

echo "xinlian $("$BIN" version 2>/dev/null | head -1), $N validators on this machine, 200 ms block interval, gas limit ${XL_GAS_LIMIT:-default}"
for w in transfer erc20; do
  extra=()
  [ "$w" = erc20 ] && extra=(${token[@]+"${token[@]}"})
  [ -n "${XL_RATE:-}" ] && extra+=(--rate "$XL_RATE")
  line=$("$BIN" bench --rpc "http://127.0.0.1:$PORT" --private-key-file "$DIR/key" \
    --workload "$w" --txs "$TXS" --senders "$SENDERS" --concurrency 2 --batch 200 \
    ${extra[@]+"${extra[@]}"} | tail -1)
  [ "$w" = erc20 ] && line="$line [$token_name]"
  echo "  $line"
done
heads=""
for ((i = 0; i < N; i++)); do
  heads="$heads node$i:$("$BIN" block latest --rpc "http://127.0.0.1:$((PORT + i))" 2>/dev/null |
    node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(Number(JSON.parse(s).number)))")"
done
echo "heads after the run:$heads"
