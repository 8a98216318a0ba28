#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make up` / `make down`: a local consortium in ./localnet from `xinlian init`: 4 validators
# by default (XL_VALIDATORS=N for another number, when ./localnet is created), each node in
# the background (logs in localnet/nodeI/node.log, pid in localnet/nodeI/node.pid); `up`
# prints every node's RPC address. An existing ./localnet is reused as it is.
# Usage: scripts/localnet.sh up|down [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-up}
build=${2:-build}
xl="$build/xinlian"
net=${XL_LOCALNET:-localnet}
validators=${XL_VALIDATORS:-4}
crypto=${XL_CRYPTO:-ecdsa}

rpc_up() {  # rpc_up PORT: true once the node answers eth_blockNumber
    "$xl" block latest --rpc "http://127.0.0.1:$1" >/dev/null 2>&1
}

case "$cmd" in
up)
    if [[ ! -d $net ]]; then
        "$xl" init --validators "$validators" --out "$net" --crypto "$crypto" --dev-accounts 10 >/dev/null
        echo "created $net ($validators validator(s), $crypto suite, 10 funded dev accounts)"
    fi
    for cfg in "$net"/node*/config.toml; do
        dir=$(dirname "$cfg")
        pidf="$dir/node.pid"
        if [[ -f $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
            echo "$(basename "$dir") already running (pid $(cat "$pidf"))"
            continue
        fi
        nohup "$xl" node --config "$cfg" >>"$dir/node.log" 2>&1 &
        echo $! >"$pidf"
    done
    for cfg in "$net"/node*/config.toml; do
        dir=$(dirname "$cfg")
        port=$(sed -nE 's/^listen = "[^:]+:([0-9]+)".*/\1/p' "$cfg" | head -1)
        for _ in $(seq 1 100); do
            rpc_up "$port" && break
            if ! kill -0 "$(cat "$dir/node.pid")" 2>/dev/null; then
                echo "$(basename "$dir") failed to start; last log lines:" >&2
                tail -n 20 "$dir/node.log" >&2
                exit 1
            fi
            sleep 0.2
        done
        rpc_up "$port" || { echo "$(basename "$dir"): no RPC answer on port $port" >&2; exit 1; }
        echo "$(basename "$dir"): JSON-RPC http://127.0.0.1:$port (WebSocket ws://127.0.0.1:$port)"
    done
    echo "dev accounts (local development only): $net/dev-accounts.json"
    echo "stop with: make down"
    ;;
down)
    shopt -s nullglob
    stopped=0
    for pidf in "$net"/node*/node.pid; do
        pid=$(cat "$pidf")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
            echo "stopped $(basename "$(dirname "$pidf")") (pid $pid)"
            stopped=1
        fi
        rm -f "$pidf"
    done
    [[ $stopped == 1 ]] || echo "no local node is running"
    ;;
*)
    echo "usage: $0 up|down [BUILD_DIR]" >&2
    exit 2
    ;;
esac
