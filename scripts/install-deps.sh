#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages of DESIGN.md §9 and the npm packages of tests/js.
# Idempotent and quiet when everything is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libssl-dev libsecp256k1-dev librocksdb-dev libboost-dev
  nlohmann-json3-dev libtoml11-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgmp-dev nodejs npm
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js may come from outside Debian (e.g. a preinstalled nodejs); accept any working node+npm.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the JS tests (ethers), pinned by tests/js/package-lock.json.
if [[ -f tests/js/package-lock.json ]]; then
  if [[ ! -d tests/js/node_modules ]] || [[ tests/js/package-lock.json -nt tests/js/node_modules ]]; then
    echo "install-deps: npm ci in tests/js"
    (cd tests/js && npm ci --silent --no-audit --no-fund >/dev/null)
    touch tests/js/node_modules
  fi
fi
