// SPDX-License-Identifier: Apache-2.0
// The consensus simulator (DESIGN.md §4, STYLE.md 11; docs/spec/consensus-sim.md): a whole
// cluster of consensus::Engines in one process and one thread, on a virtual clock, over a
// simulated network with loss, delay, duplication, reordering, partitions that heal,
// crash-and-restart and Byzantine validators, all chosen by one 64-bit seed. A run has a
// safety phase (faults) and a liveness phase (network healed, crashed nodes back, Byzantine
// nodes still lying) and checks, throughout: agreement, validity of every commit, no honest
// double signing, the safety record on "disk" before a signed message leaves, and at the end
// that every honest node committed kLivenessHeights more heights within a virtual-time bound.
// The same (scenario, seed) gives the same run: replay with
//   XL_SIM_SEED=<seed> XL_SIM_SCENARIO=<name> build/tests/sim/xl_sim
//
// Thread-safety: each run owns its state; run() may be called from several threads, but the
// message printed when an engine assertion aborts the process names the last run started.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace xl::sim {

// After the network heals, every honest node must commit this many heights above the highest
// honest height at the heal, within kLivenessBoundMs of virtual time.
inline constexpr uint64_t kLivenessHeights = 5;
inline constexpr uint64_t kLivenessBoundMs = 90'000;
// A run processing more events than this is a livelock (or a message storm): a failure.
inline constexpr uint64_t kMaxEvents = 3'000'000;

// Deliberate faults in the harness itself, for the tests that show each check can fail.
enum class Sabotage : uint8_t {
    kNone,
    kNeverHeal,   // the network stays cut after the heal: the liveness check must fire
    kForkCommit,  // node 0's commit of height 2 is reported with another hash: agreement
    kAmnesia,     // safety records are lost on restart: double signing becomes possible
};

struct RunOptions {
    // Every event, commit and fault as a line (replay); nullptr = quiet.
    std::FILE* trace = nullptr;
    Sabotage sabotage = Sabotage::kNone;
};

struct RunResult {
    std::string scenario;
    uint64_t seed = 0;
    std::vector<std::string> violations;  // empty: the run passed
    std::string summary;                  // one line: parameters and what happened
    uint64_t digest = 0;                  // of every event in order: same run, same digest
    uint64_t events = 0;
    uint64_t virtual_ms = 0;
    uint64_t min_height = 0;  // lowest and highest committed height among honest nodes
    uint64_t max_height = 0;
    bool ok() const { return violations.empty(); }
    // Failed only the liveness check (agreement, validity and signing held).
    bool liveness_only() const;
    // "XL_SIM_SEED=<seed> XL_SIM_SCENARIO=<name>"
    std::string replay() const;
    // summary, the replay line and the violations, one per line.
    std::string report() const;
};

// The scenario names, each a distribution over runs (docs/spec/consensus-sim.md):
// calm, lossy, partition, crash, byzantine, chaos, solo, txs, weighted, blackout, ecdsa, sm.
const std::vector<std::string_view>& scenarios();
bool is_scenario(std::string_view name);
// Scenarios using the real ecdsa/sm suites (slow; a handful of seeds each).
bool uses_real_crypto(std::string_view name);

RunResult run(std::string_view scenario, uint64_t seed, const RunOptions& options = {});

}  // namespace xl::sim
