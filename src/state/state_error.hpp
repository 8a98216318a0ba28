// SPDX-License-Identifier: Apache-2.0
// Xinlian state: the error domain of the state module (STYLE.md 5) and the empty code hash,
// shared by state.hpp, backend.hpp and proof.hpp. Plain values; thread-safe.
#pragma once

#include <string_view>

#include "core/bytes.hpp"

namespace xl::state {

enum class StateError {
    kInsufficientBalance,  // sub_balance below zero
    kBalanceOverflow,      // add_balance beyond 2^256 - 1
    kNonceOverflow,        // increment_nonce at 2^64 - 1 (EIP-2681)
    kTrie,                 // the trie failed while computing a root in memory (a bug)
    kStorage,              // the Kv failed (I/O error); may succeed later
    kCorrupt,              // stored state does not decode, a trie node or code is missing
    kNoBackend,            // commit() of a State without a backend (docs/spec/state.md §4)
    kSuiteMismatch,        // a backed State asked for a root under another suite
    kTooManyKeys,          // prove() with more than kMaxProofKeys storage keys
};
std::string_view to_string(StateError e) noexcept;

// keccak256(""): the code hash of an account without code (Yellow Paper eq. 11).
extern const Hash256 kEmptyCodeHash;

}  // namespace xl::state
