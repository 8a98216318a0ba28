#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang (once, under a lock) and runs one for N seconds:
#   tests/fuzz/run.sh <name> <seconds>
# New inputs go to a scratch copy of the corpus; a crash leaves its input in build-fuzz/.
set -euo pipefail
name=$1 seconds=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
out="$src/build-fuzz"
mkdir -p "$out"
(
  flock 9
  CC=clang CXX=clang++ cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DXL_FUZZ=ON -DXL_TESTDATA="${XL_TESTDATA:-$src/../shared/testdata}" >/dev/null
  cmake --build "$out" -j "$(nproc)" >/dev/null
) 9>"$out/.lock"
work="$out/corpus-$name"
rm -rf "$work" && mkdir -p "$work"
cp -r "$src/tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
cd "$out"
exec "$out/tests/fuzz/xl_${name}_fuzz" -max_total_time="$seconds" -max_len=65536 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work"
