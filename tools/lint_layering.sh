#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Rejects an #include that reaches upward across modules (DESIGN.md §10, STYLE.md 1).
set -euo pipefail
root="${1:-$(dirname "$0")/..}"
declare -A allowed=(
  [core]=""
  [crypto]="core"
  [codec]="core crypto"
  [protocol]="core crypto codec"
  [storage]="core"
  [trie]="core crypto codec storage"
  [state]="core crypto codec storage trie"
  [evm]="core crypto codec"
  [execution]="core crypto codec storage trie state evm protocol"
  [ledger]="core crypto codec storage trie state evm protocol execution"
  [txpool]="core crypto codec storage trie state protocol"
  [consensus]="core crypto codec protocol"
  [network]="core crypto"
  [rpc]="core crypto codec storage trie state evm protocol execution ledger txpool"
  [node]="*"
  [cli]="*"
)
status=0
for dir in "$root"/src/*/; do
  m=$(basename "$dir")
  if [[ -z ${allowed[$m]+x} ]]; then
    echo "lint: module src/$m is not in the layering table (DESIGN.md §10)"; status=1; continue
  fi
  [[ ${allowed[$m]} == "*" ]] && continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include "([^/"]+)\/.*/\1/' <<<"$line")
    [[ $inc == "$m" ]] && continue
    if [[ " ${allowed[$m]} " != *" $inc "* ]]; then
      echo "lint: $file includes module '$inc', which '$m' may not use"; status=1
    fi
  done < <(grep -HnE '^#include "[^/"]+/' "$dir"* 2>/dev/null || true)
done
[[ $status -eq 0 ]] && echo "lint: layering ok"
exit $status
