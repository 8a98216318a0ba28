#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make bench-node`: `xinlian bench` against a fresh 1-validator chain of each crypto suite
# (docs/PERFORMANCE.md, "Node (issue 4)"). Usage: node_bench.sh BUILD_DIR [TXS] [SENDERS]
# The chains live in a temporary directory removed on exit; the nodes are stopped by pid.
# The side-by-side run against Hardhat is compare.sh (`make bench-hardhat`).
set -euo pipefail
BIN="$(cd "$1" && pwd)/xinlian"
TXS="${2:-20000}"
SENDERS="${3:-1000}"
DIR="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
port=18900
for suite in ecdsa sm; do
  "$BIN" init --validators 1 --dev-accounts 1 --crypto "$suite" --block-interval-ms 200 \
    --out "$DIR/$suite" --base-port "$port" --p2p-base-port "$((port + 50))" >/dev/null
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['privateKey'])" \
    "$DIR/$suite/dev-accounts.json" >"$DIR/$suite.key"
  "$BIN" node --config "$DIR/$suite/node0/config.toml" >"$DIR/$suite.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do grep -q "JSON-RPC" "$DIR/$suite.log" && break; sleep 0.1; done
  for w in transfer erc20; do
    "$BIN" bench --rpc "http://127.0.0.1:$port" --private-key-file "$DIR/$suite.key" \
      --crypto "$suite" --workload "$w" --txs "$TXS" --senders "$SENDERS" \
      --concurrency 2 --batch 200 | tail -1
  done
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  port=$((port + 10))
done
