// SPDX-License-Identifier: Apache-2.0
// Xinlian protocol: the stateless rules a decoded transaction must meet before it may enter
// the pool or a block (Cancun): intrinsic gas, chain id, nonce and fee bounds, init code size.
// Rules that need state (nonce order, balance, sender without code) belong to execution.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "core/result.hpp"
#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"

namespace xl::protocol {

// Intrinsic gas under Cancun rules (Yellow Paper eq. 60): 21000; +32000 for a creation (EIP-2)
// plus 2 per 32-byte word of init code (EIP-3860); 4 per zero and 16 per non-zero data byte
// (EIP-2028); 2400 per access-list address and 1900 per storage key (EIP-2930).
uint64_t intrinsic_gas(const Transaction& tx) noexcept;

// Checks, in geth's order: the type belongs to the suite; the chain id is `chain_id` (a legacy
// transaction without EIP-155 has none and is accepted); nonce < 2^64-1 (EIP-2681);
// maxPriorityFee <= maxFee (EIP-1559); gasLimit * feeCap fits in 256 bits; init code
// <= 49152 bytes (EIP-3860); gasLimit >= intrinsic gas. Does not check the signature.
Result<void, TxError> validate_transaction(const Transaction& tx, const crypto::CryptoSuite& suite,
                                           uint64_t chain_id) noexcept;

// Everything a node checks before a decoded transaction may enter the pool, in geth's order
// (its signer checks the chain id, then the signature; the other rules come after): the type
// belongs to the suite and the chain id is ours, then the sender (Transaction::recover_sender),
// then the rest of validate_transaction. Returns the sender. When a transaction has several
// defects, the order decides which one is reported, and ethereum/tests fix that order.
Result<Address, TxError> check_transaction(const Transaction& tx, const crypto::CryptoSuite& suite,
                                           uint64_t chain_id);

}  // namespace xl::protocol
