// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the Cancun bytecode interpreter (Yellow Paper §9 with the EIPs up to Cancun).
// execute() runs one frame; nested calls and creates go through Host::call(). The code's
// analysis (JUMPDESTs) is made per frame, or taken from a caller-owned AnalysisCache by code
// hash. Each thread keeps stack space for its frames (a lazily mapped arena, reused by every
// frame of that thread); there is no other state outside the call, so execute() may be called
// from several threads on distinct hosts, sharing one AnalysisCache.
#pragma once

#include "core/bytes.hpp"
#include "evm/analysis.hpp"
#include "evm/host.hpp"

namespace xl::evm {

// Runs `code` as the frame described by `msg` (msg.input is calldata; for a creation frame the
// host passes the initcode as `code`). Precompiles, value transfer and account creation are
// the host's; the interpreter only charges gas and builds messages for nested frames.
// Exceptional halts return gas_left = 0; REVERT returns the gas left. The code is analysed
// for this frame only (initcode, tests).
ExecResult execute(Host& host, const Message& msg, BytesView code) noexcept;

// The same for deployed code whose keccak256 is `code_hash` (the caller vouches for it: the
// account's code hash), with the analysis taken from, or added to, `cache`.
ExecResult execute(Host& host, const Message& msg, BytesView code, const Hash256& code_hash,
                   AnalysisCache& cache) noexcept;

}  // namespace xl::evm
