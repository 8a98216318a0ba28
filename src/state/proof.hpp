// SPDX-License-Identifier: Apache-2.0
// Xinlian state: account and storage proofs of a committed state root (EIP-1186,
// eth_getProof), read through the trie nodes in the Kv, so any committed root can be proven
// while newer blocks are committed. Verify with trie::verify_proof: the account proof under
// key suite.hash(address) against the state root, each storage proof under
// suite.hash(32-byte slot) against the account's storage root.
// Pure functions; thread-safe (the Kv is).
#pragma once

#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "state/backend.hpp"
#include "state/state_error.hpp"
#include "storage/kv.hpp"

namespace xl::state {

// Limit (STYLE.md 8): storage keys proven in one call (geth has none; RPC bounds it too).
inline constexpr size_t kMaxProofKeys = 1024;

struct StorageProof {
    U256 key;
    U256 value;                // 0 if absent
    std::vector<Bytes> proof;  // RLP nodes from the storage root
};

struct AccountProof {
    Address address;
    // An absent account reads nonce 0, balance 0, code hash keccak256(""), storage root the
    // empty trie's root (EIP-1186).
    StoredAccount account;
    std::vector<Bytes> account_proof;   // RLP nodes from the state root
    std::vector<StorageProof> storage;  // one per key, in the given order
};

// kCorrupt if a node is missing (an unknown root included) or undecodable, kStorage on I/O
// error, kTooManyKeys beyond kMaxProofKeys keys.
Result<AccountProof, StateError> prove(const storage::Kv& kv, const crypto::CryptoSuite& suite,
                                       const Hash256& root, const Address& address,
                                       std::span<const U256> keys);

}  // namespace xl::state
