// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the Cancun precompiled contracts 0x01..0x09 (Yellow Paper Appendix E, EIP-196,
// EIP-197, EIP-198, EIP-152, gas as of EIP-1108 and EIP-2565). Pure functions of their input:
// thread-safe, noexcept, no state access.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "evm/host.hpp"

namespace xl::evm {

// Cancun precompiles 0x01..0x09. 0x0a (KZG point evaluation, EIP-4844) is out of scope: it
// needs the KZG trusted setup and Xinlian chains carry no blobs; calls to 0x0a behave as calls
// to an empty account.
bool is_precompile(const Address& addr) noexcept;

// Runs the precompile at addr (is_precompile(addr) must hold) with gas available:
// - kSuccess with gas_left = gas - cost and the output;
// - kOutOfGas with gas_left 0 when gas < cost;
// - kPrecompileFailure with gas_left 0 when the precompile rejects its input (a bn254 point off
//   the curve, a bad blake2f length or flag). ecrecover never fails: an unrecoverable signature
//   is success with empty output.
ExecResult run_precompile(const Address& addr, BytesView input, int64_t gas) noexcept;

// The pieces of 0x05 and 0x09, exposed for their tests and benchmarks.

// EIP-198 gas with EIP-2565 pricing, computed from the declared lengths before anything is
// allocated; saturates at UINT64_MAX for absurd lengths.
uint64_t modexp_gas(BytesView input) noexcept;
// EIP-198 output (mod_len bytes) into out. Only called once the gas is paid, which bounds the
// lengths in practice; returns false (treated as out of gas) if a length that matters exceeds
// kModexpMaxLen, a size whose gas (over 10^10) no realistic block gas limit pays for.
inline constexpr uint64_t kModexpMaxLen = uint64_t{1} << 32;
bool modexp_run(BytesView input, Bytes& out) noexcept;

// EIP-152 BLAKE2b compression F: h (8 words), m (16 words), t (2 words), final flag, rounds.
void blake2b_compress(uint64_t h[8], const uint64_t m[16], const uint64_t t[2], bool final_block,
                      uint32_t rounds) noexcept;

}  // namespace xl::evm
