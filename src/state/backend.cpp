// SPDX-License-Identifier: Apache-2.0
// Xinlian state: the flat and trie backends and the flat copy's encoders (backend.hpp).
#include "state/backend.hpp"

#include <utility>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"
#include "trie/trie.hpp"

namespace xl::state {

namespace {

StateError from_storage(storage::StorageError e) noexcept {
    return e == storage::StorageError::kCorruption ? StateError::kCorrupt : StateError::kStorage;
}

StateError from_trie(trie::TrieError e) noexcept {
    return e == trie::TrieError::kStorage ? StateError::kStorage : StateError::kCorrupt;
}

// Code by hash from kCode, checked against the hash (a damaged value is corruption).
Result<Bytes, StateError> load_code(const storage::Kv& kv, const Hash256& code_hash) {
    if (code_hash == kEmptyCodeHash) return Bytes{};
    auto r = kv.get(storage::Column::kCode, code_hash);
    if (!r) {
        // An account refers to it, so its absence is corruption, not "no code".
        if (r.error() == storage::StorageError::kNotFound) return unexpected(StateError::kCorrupt);
        return unexpected(from_storage(r.error()));
    }
    if (crypto::keccak256(*r) != code_hash) return unexpected(StateError::kCorrupt);
    return std::move(*r);
}

class FlatBackend final : public Backend {
public:
    FlatBackend(const storage::Kv& kv, const crypto::CryptoSuite& suite, const Hash256& root)
        : kv_(kv), suite_(suite), root_(root), empty_root_(trie::empty_root(suite)) {}

    Result<std::optional<StoredAccount>, StateError> account(const Address& addr) const override {
        auto r = kv_.get(storage::Column::kState, addr);
        if (!r) {
            if (r.error() == storage::StorageError::kNotFound)
                return std::optional<StoredAccount>();
            return unexpected(from_storage(r.error()));
        }
        auto acc = decode_account(*r);
        if (!acc) return unexpected(acc.error());
        return std::optional<StoredAccount>(*acc);
    }

    Result<U256, StateError> storage(const Address& addr, const StoredAccount& acc,
                                     const U256& key) const override {
        if (acc.storage_root == empty_root_) return U256{};  // no slots: no read
        auto r = kv_.get(storage::Column::kState, flat_slot_key(addr, key));
        if (!r) {
            if (r.error() == storage::StorageError::kNotFound) return U256{};
            return unexpected(from_storage(r.error()));
        }
        return decode_slot(*r);
    }

    Result<Bytes, StateError> code(const Hash256& code_hash) const override {
        return load_code(kv_, code_hash);
    }
    Hash256 root() const override { return root_; }
    const storage::Kv& kv() const override { return kv_; }
    const crypto::CryptoSuite& suite() const override { return suite_; }

private:
    const storage::Kv& kv_;
    const crypto::CryptoSuite& suite_;
    const Hash256 root_;
    const Hash256 empty_root_;
};

// Opens a fresh trie per read: a Trie is not thread-safe even for reads (its node cache), and
// a backend is shared by RPC threads. Each read costs one Kv get per hashed node on the path.
class TrieBackend final : public Backend {
public:
    TrieBackend(const storage::Kv& kv, const crypto::CryptoSuite& suite, const Hash256& root)
        : kv_(kv), suite_(suite), root_(root), empty_root_(trie::empty_root(suite)) {}

    Result<std::optional<StoredAccount>, StateError> account(const Address& addr) const override {
        const trie::SecureTrie t(suite_, &kv_, root_);
        auto r = t.get(addr);
        if (!r) return unexpected(from_trie(r.error()));
        if (!*r) return std::optional<StoredAccount>();
        auto acc = decode_account(**r);
        if (!acc) return unexpected(acc.error());
        return std::optional<StoredAccount>(*acc);
    }

    Result<U256, StateError> storage(const Address&, const StoredAccount& acc,
                                     const U256& key) const override {
        if (acc.storage_root == empty_root_) return U256{};
        const trie::SecureTrie t(suite_, &kv_, acc.storage_root);
        auto r = t.get(key.to_hash());
        if (!r) return unexpected(from_trie(r.error()));
        if (!*r) return U256{};
        return decode_slot(**r);
    }

    Result<Bytes, StateError> code(const Hash256& code_hash) const override {
        return load_code(kv_, code_hash);
    }
    Hash256 root() const override { return root_; }
    const storage::Kv& kv() const override { return kv_; }
    const crypto::CryptoSuite& suite() const override { return suite_; }

private:
    const storage::Kv& kv_;
    const crypto::CryptoSuite& suite_;
    const Hash256 root_;
    const Hash256 empty_root_;
};

}  // namespace

std::unique_ptr<Backend> flat_backend(const storage::Kv& kv, const crypto::CryptoSuite& suite,
                                      const Hash256& root) {
    return std::make_unique<FlatBackend>(kv, suite, root);
}

std::unique_ptr<Backend> trie_backend(const storage::Kv& kv, const crypto::CryptoSuite& suite,
                                      const Hash256& root) {
    return std::make_unique<TrieBackend>(kv, suite, root);
}

// ---- the flat copy's format ----

Bytes encode_account(const StoredAccount& acc) {
    return rlp::ListBuilder()
        .add_uint(acc.nonce)
        .add_uint(acc.balance)
        .add_string(acc.storage_root)
        .add_string(acc.code_hash)
        .finish();
}

Result<StoredAccount, StateError> decode_account(BytesView in) noexcept {
    auto list = rlp::open_list(in);
    if (!list) return unexpected(StateError::kCorrupt);
    StoredAccount acc;
    auto nonce = list->read_u64();
    auto balance = list->read_u256();
    auto sroot = list->read_fixed<32>();
    auto chash = list->read_fixed<32>();
    if (!nonce || !balance || !sroot || !chash || !list->finish()) {
        return unexpected(StateError::kCorrupt);
    }
    acc.nonce = *nonce;
    acc.balance = *balance;
    acc.storage_root = *sroot;
    acc.code_hash = *chash;
    return acc;
}

Bytes flat_slot_key(const Address& addr, const U256& key) {
    Bytes out(kFlatSlotKeyBytes);
    std::copy(addr.bytes.begin(), addr.bytes.end(), out.begin());
    key.to_be_bytes(out.data() + kFlatAccountKeyBytes);
    return out;
}

Bytes encode_slot(const U256& value) {
    Bytes out;
    rlp::encode_uint(out, value);
    return out;
}

Result<U256, StateError> decode_slot(BytesView in) noexcept {
    rlp::Reader r(in);
    auto v = r.read_u256();
    if (!v || !r.finish() || v->is_zero()) return unexpected(StateError::kCorrupt);
    return *v;
}

}  // namespace xl::state
