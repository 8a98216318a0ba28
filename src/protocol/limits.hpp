// SPDX-License-Identifier: Apache-2.0
// Xinlian protocol: the limits and gas constants of transactions, in one place (STYLE.md 8).
// Constants only; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xl::protocol {

// Largest encoded transaction we decode at all. geth's txpool uses 128 KiB (txMaxSize) so
// that a transaction fits a devp2p message; we use the same figure for the same reason.
inline constexpr size_t kMaxTxSize = 128 * 1024;

// EIP-3860: the largest init code of a creation transaction (2 * EIP-170's 24576).
inline constexpr size_t kMaxInitCodeSize = 49152;

// Intrinsic gas, Cancun (Yellow Paper eq. 60 with later EIPs).
inline constexpr uint64_t kTxGas = 21000;                   // G_transaction
inline constexpr uint64_t kTxCreateGas = 32000;             // G_txcreate (EIP-2)
inline constexpr uint64_t kTxDataZeroGas = 4;               // G_txdatazero
inline constexpr uint64_t kTxDataNonZeroGas = 16;           // EIP-2028
inline constexpr uint64_t kAccessListAddressGas = 2400;     // EIP-2930
inline constexpr uint64_t kAccessListStorageKeyGas = 1900;  // EIP-2930
inline constexpr uint64_t kInitCodeWordGas = 2;             // EIP-3860

// EIP-2681: a nonce is at most 2^64 - 2, so that it can always be incremented.
inline constexpr uint64_t kMaxNonce = UINT64_MAX - 1;

// Every intrinsic-gas term is bounded by the transaction size (no term costs more than 2400
// gas per encoded byte: an access-list address alone takes 21 bytes), so the sum of the terms
// of a decodable transaction cannot overflow a uint64.
static_assert(kMaxTxSize * kAccessListAddressGas + kTxGas + kTxCreateGas < UINT64_MAX / 2);
// An init code at the limit must fit in a transaction, or the limit would be unreachable.
static_assert(kMaxInitCodeSize < kMaxTxSize);

}  // namespace xl::protocol
