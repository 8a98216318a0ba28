// SPDX-License-Identifier: Apache-2.0
// Xinlian state: EIP-1186 proofs (proof.hpp).
#include "state/proof.hpp"

#include <utility>

#include "trie/trie.hpp"

namespace xl::state {

namespace {

StateError from_trie(trie::TrieError e) noexcept {
    return e == trie::TrieError::kStorage ? StateError::kStorage : StateError::kCorrupt;
}

}  // namespace

Result<AccountProof, StateError> prove(const storage::Kv& kv, const crypto::CryptoSuite& suite,
                                       const Hash256& root, const Address& address,
                                       std::span<const U256> keys) {
    if (keys.size() > kMaxProofKeys) return unexpected(StateError::kTooManyKeys);
    AccountProof out;
    out.address = address;
    out.account.code_hash = kEmptyCodeHash;
    out.account.storage_root = trie::empty_root(suite);

    const trie::SecureTrie world(suite, &kv, root);
    auto proof = world.prove(address);
    if (!proof) return unexpected(from_trie(proof.error()));
    out.account_proof = std::move(*proof);
    auto leaf = world.get(address);
    if (!leaf) return unexpected(from_trie(leaf.error()));
    if (*leaf) {
        auto acc = decode_account(**leaf);
        if (!acc) return unexpected(acc.error());
        out.account = *acc;
    }

    const trie::SecureTrie storage(suite, &kv, out.account.storage_root);
    out.storage.reserve(keys.size());
    for (const U256& key : keys) {
        StorageProof sp;
        sp.key = key;
        auto p = storage.prove(key.to_hash());
        if (!p) return unexpected(from_trie(p.error()));
        sp.proof = std::move(*p);
        auto v = storage.get(key.to_hash());
        if (!v) return unexpected(from_trie(v.error()));
        if (*v) {
            auto value = decode_slot(**v);
            if (!value) return unexpected(value.error());
            sp.value = *value;
        }
        out.storage.push_back(std::move(sp));
    }
    return out;
}

}  // namespace xl::state
