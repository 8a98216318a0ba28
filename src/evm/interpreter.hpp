// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the Cancun bytecode interpreter (Yellow Paper §9 with the EIPs up to Cancun).
// execute() runs one frame; nested calls and creates go through Host::call(). The code is
// analysed (JUMPDESTs) once per frame; there is no global mutable state, so execute() may be
// called from several threads on distinct hosts.
#pragma once

#include "core/bytes.hpp"
#include "evm/host.hpp"

namespace xl::evm {

// Runs `code` as the frame described by `msg` (msg.input is calldata; for a creation frame the
// host passes the initcode as `code`). Precompiles, value transfer and account creation are
// the host's; the interpreter only charges gas and builds messages for nested frames.
// Exceptional halts return gas_left = 0; REVERT returns the gas left.
ExecResult execute(Host& host, const Message& msg, BytesView code) noexcept;

}  // namespace xl::evm
