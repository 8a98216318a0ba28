// SPDX-License-Identifier: Apache-2.0
// Xinlian state: where a State reads the committed world state from (DESIGN.md §3: "reads go
// through a flat key-value copy, not the trie"). Two backends over one storage::Kv:
//   flat_backend  the latest committed state, from the flat copy (columns kState and kCode):
//                 one Kv get per account or slot. For the block producer, whose State commits
//                 on top of it.
//   trie_backend  any committed state root, through the trie nodes (kTrieNodes) and kCode: a
//                 consistent snapshot even while newer blocks are committed, because trie
//                 nodes and code are addressed by their hash and never overwritten (RPC calls
//                 and balances "at block N").
// The on-disk layout of the flat copy is in docs/spec/state.md; its encoders are below so
// that State::commit and the backends share one definition.
//
// Errors: a Kv I/O error is StateError::kStorage; undecodable data, a missing trie node or
// code whose hash does not match is StateError::kCorrupt (STYLE.md 6: never retried).
//
// Thread-safety: both backends are safe for concurrent use (they hold no mutable state; the
// Kv is thread-safe). A flat backend is not a snapshot: two reads may straddle a commit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "state/state_error.hpp"
#include "storage/kv.hpp"

namespace xl::state {

// An account as committed: the four fields of the state trie's leaf (Yellow Paper eq. 190),
// storage_root under the suite's hash, code_hash keccak256 in both suites.
struct StoredAccount {
    uint64_t nonce = 0;
    U256 balance;
    Hash256 code_hash;
    Hash256 storage_root;
    friend bool operator==(const StoredAccount&, const StoredAccount&) = default;
};

class Backend {
public:
    virtual ~Backend() = default;
    // The account, or nullopt if absent.
    virtual Result<std::optional<StoredAccount>, StateError> account(const Address&) const = 0;
    // The slot of the account (as returned by account()); 0 if absent.
    virtual Result<U256, StateError> storage(const Address&, const StoredAccount&,
                                             const U256& key) const = 0;
    // The code with this keccak256 hash (empty for kEmptyCodeHash); kCorrupt if not stored.
    virtual Result<Bytes, StateError> code(const Hash256& code_hash) const = 0;
    // The state root this backend reads.
    virtual Hash256 root() const = 0;
    // The Kv it reads, where a State also opens its tries at root().
    virtual const storage::Kv& kv() const = 0;
    // The suite root() is computed with.
    virtual const crypto::CryptoSuite& suite() const = 0;
};

// The latest committed state, read from the flat copy; root is the state root that copy
// corresponds to (the head header's). kv must outlive the backend.
std::unique_ptr<Backend> flat_backend(const storage::Kv& kv, const crypto::CryptoSuite& suite,
                                      const Hash256& root);
// The committed state with this root, read through the trie nodes. kv must outlive it.
std::unique_ptr<Backend> trie_backend(const storage::Kv& kv, const crypto::CryptoSuite& suite,
                                      const Hash256& root);

// ---- the flat copy's format (docs/spec/state.md) ----

inline constexpr size_t kFlatAccountKeyBytes = 20;    // address
inline constexpr size_t kFlatSlotKeyBytes = 20 + 32;  // address || slot (big-endian)
// RLP([nonce, balance, storageRoot, codeHash]): the state trie's leaf value (YP eq. 190).
Bytes encode_account(const StoredAccount& acc);
Result<StoredAccount, StateError> decode_account(BytesView rlp) noexcept;
// The key of a slot in the flat copy.
Bytes flat_slot_key(const Address& addr, const U256& key);
// RLP(minimal big-endian value), the storage trie's leaf value (YP eq. 191); value != 0.
Bytes encode_slot(const U256& value);
// kCorrupt unless canonical and non-zero.
Result<U256, StateError> decode_slot(BytesView rlp) noexcept;

}  // namespace xl::state
