# SPDX-License-Identifier: Apache-2.0
# The two commands: `make up` and `make test` (README.md). Everything else is a helper.
BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: deps build test test-asan up down bench bench-evm bench-node bench-hardhat bench-cluster soak clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Builds (release) and runs every test; the output ends with CTest's summary line.
test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 1200

# Debug build with AddressSanitizer and UBSan, unit and conformance tests only.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DXL_SANITIZE=ON -DXL_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|conformance' --timeout 1800

# Random seeds of the consensus simulator until SOAK_SECONDS pass (docs/spec/consensus-sim.md);
# every failing seed is printed with the XL_SIM_SEED=... XL_SIM_SCENARIO=... line that replays it.
SOAK_SECONDS ?= 600
soak: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target xl_sim
	@$(BUILD)/tests/sim/xl_sim --soak $(SOAK_SECONDS)

# A local consortium in ./localnet (created once by `xinlian init`: 4 validators, or
# XL_VALIDATORS=N), its nodes in the background; prints their RPC addresses. `make down` stops
# them (the chain's data stays in ./localnet).
up: build
	@bash scripts/localnet.sh up $(BUILD)

down:
	@bash scripts/localnet.sh down $(BUILD)

bench: build
	@$(BUILD)/bench/xl_bench

# EVM speed against @ethereumjs/evm (docs/PERFORMANCE.md, "EVM (issue 3)"); needs node and npm.
bench-evm: build
	@cd bench/evm && npm install --no-audit --no-fund >/dev/null && node compare.mjs ../../$(BUILD)/xinlian

# End-to-end node throughput, 1 validator, ecdsa and sm (docs/PERFORMANCE.md, "Node (issue 4)").
bench-node: build
	@bash bench/hardhat/node_bench.sh $(BUILD)

# The same `xinlian bench` against Hardhat (npm) and a 1-validator node, transfers and an
# OpenZeppelin ERC-20 (docs/PERFORMANCE.md, "Hardhat (issue 4)"); needs node and npm.
bench-hardhat: build
	@cd bench/hardhat && npm install --no-audit --no-fund >/dev/null
	@bash bench/hardhat/compare.sh $(BUILD)

# `xinlian bench` against a 4-validator local cluster, transfers and ERC-20 (docs/PERFORMANCE.md,
# "Cluster (issue 5)"); the OpenZeppelin token needs node and npm (bench/hardhat).
# Issue 5's measure: 60,000 transactions offered at 5,500/s (11 s of steady load, so that the
# last block's latency is a small part of the run); CLUSTER_RATE=0 submits unpaced.
CLUSTER_TXS ?= 60000
CLUSTER_RATE ?= 5500
bench-cluster: build
	@cd bench/hardhat && npm install --no-audit --no-fund >/dev/null
	@XL_RATE=$(filter-out 0,$(CLUSTER_RATE)) bash bench/cluster/bench.sh $(BUILD) $(CLUSTER_TXS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
