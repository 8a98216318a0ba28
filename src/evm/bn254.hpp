// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the bn254 (alt_bn128) curve operations behind precompiles 0x06..0x08
// (EIP-196, EIP-197). Points travel in the precompiles' wire format: G1 as x || y (32-byte
// big-endian each, (0, 0) = infinity), G2 as x_im || x_re || y_im || y_re (all zeros =
// infinity). Pure functions: thread-safe, noexcept.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace xl::evm::bn254 {

enum class Bn254Error : uint8_t {
    kCoordinateTooLarge,  // a coordinate >= p (EIP-196: not a field element)
    kNotOnCurve,          // G1 or G2 point off its curve
    kNotInSubgroup,       // G2 point on the twist but outside the order-r subgroup (EIP-197)
    kBadLength,           // pairing input not a multiple of 192 bytes
};
std::string_view to_string(Bn254Error e) noexcept;

using G1Bytes = std::array<uint8_t, 64>;

// EIP-196 ADD: a and b are 64 bytes each.
Result<G1Bytes, Bn254Error> g1_add(BytesView a, BytesView b) noexcept;
// EIP-196 MUL: p is 64 bytes, scalar 32 bytes big-endian (any 256-bit value, not reduced).
Result<G1Bytes, Bn254Error> g1_mul(BytesView p, BytesView scalar) noexcept;
// A G2 point (128 wire bytes, validated like the pairing's) times a 32-byte scalar; for tests
// and tools (no precompile multiplies in G2).
Result<std::array<uint8_t, 128>, Bn254Error> g2_mul(BytesView q, BytesView scalar) noexcept;
// EIP-197: input is k * 192 bytes of (G1, G2) pairs; true if the product of the pairings is 1
// (true for k = 0).
Result<bool, Bn254Error> pairing_check(BytesView input) noexcept;

// Test hook: the fast final exponentiation's hard part equals plain exponentiation by
// (p^4 - p^2 + 1)/r on the Fp12 element made of the 384 input bytes (each word masked below p).
bool final_exponentiation_matches_reference(BytesView input) noexcept;

}  // namespace xl::evm::bn254
