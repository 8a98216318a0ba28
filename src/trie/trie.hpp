// SPDX-License-Identifier: Apache-2.0
// Xinlian trie: the Merkle Patricia Trie of the Yellow Paper, Appendix D, hashed with the
// crypto suite's ledger hash (keccak-256 for ecdsa, SM3 for sm; DESIGN.md §2, §3). Nodes are
// leaf, extension and branch; paths are hex-prefix encoded (YP Appendix C); a node whose RLP is
// shorter than 32 bytes is inlined in its parent (YP eq. 193); the root of the empty trie is
// hash(RLP("")). Proofs are the list of RLP nodes on a key's path, as in eth_getProof (EIP-1186).
//
// Speed: nodes are decoded once and kept; hashes are computed only by root()/commit()/prove()
// and cached per node, so an unchanged subtree is never re-hashed or re-written.
//
// Thread-safety: a Trie is not thread-safe, not even its const methods (they fill the node
// cache). The free functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"
#include "storage/kv.hpp"

namespace xl::trie {

enum class TrieError {
    kMissingNode,    // a node referenced by hash is not in the Kv: corruption or a wrong root
    kBadNode,        // a stored node does not decode or does not match its hash: corruption
    kStorage,        // the Kv failed (I/O error)
    kKeyTooLong,     // key longer than kMaxKeyBytes
    kValueTooLarge,  // value longer than kMaxValueBytes
    kBadProof,       // a proof lacks a node on the path, or holds one that does not decode
    kProofTooLarge,  // more than kMaxProofNodes nodes or kMaxProofBytes bytes
};
std::string_view to_string(TrieError e) noexcept;

// Limits (STYLE.md 8). Ledger keys are 32-byte hashes or RLP(index); values are accounts,
// slots, transactions and receipts.
inline constexpr size_t kMaxKeyBytes = 256;
inline constexpr size_t kMaxValueBytes = size_t{16} << 20;
// A path has at most one hashed node per nibble plus the root.
inline constexpr size_t kMaxProofNodes = 2 * kMaxKeyBytes + 1;
inline constexpr size_t kMaxProofBytes = size_t{32} << 20;
static_assert(kMaxValueBytes + 17 * 33 + 16 <= storage::kMaxValueBytes,
              "every trie node must fit in one storage value");
static_assert(kMaxProofBytes > kMaxValueBytes, "a proof must be able to carry any value");

// hash(RLP("")) = hash(0x80): the root of the empty trie under the suite's hash.
Hash256 empty_root(const crypto::CryptoSuite& suite) noexcept;

struct Node;  // trie/node.hpp

class Trie {
public:
    // An empty trie. kv (may be null for a trie that is never reopened) is where nodes are
    // loaded from; it must outlive the trie.
    explicit Trie(const crypto::CryptoSuite& suite, const storage::Kv* kv = nullptr);
    // The trie with this root, whose nodes were committed to kv. Nothing is read until needed:
    // a root absent from kv shows up as kMissingNode on first access.
    Trie(const crypto::CryptoSuite& suite, const storage::Kv* kv, const Hash256& root);
    ~Trie();
    Trie(Trie&&) noexcept;
    Trie& operator=(Trie&&) noexcept;

    // The value under key, or nullopt if absent.
    Result<std::optional<Bytes>, TrieError> get(BytesView key) const;
    // Sets key to value; an empty value removes the key (as in Ethereum, YP Appendix D: the
    // trie maps keys to non-empty values only).
    Result<void, TrieError> put(BytesView key, BytesView value);
    // Removes key (absent: no change), collapsing nodes so the trie stays canonical.
    Result<void, TrieError> remove(BytesView key);

    // The root hash; hashes only nodes changed since the last call.
    Result<Hash256, TrieError> root() const;
    // Adds every node not yet in the Kv to batch (column kTrieNodes, key = node hash, value =
    // node RLP; the root is stored even when shorter than 32 bytes) and returns the root. The
    // caller writes the batch; until then a reopened trie cannot see these nodes.
    Result<Hash256, TrieError> commit(storage::WriteBatch& batch);

    // The RLP nodes on key's path from the root, each one that is referenced by hash (inlined
    // nodes travel inside their parent): an inclusion proof if key is present, else an
    // exclusion proof. Verify with verify_proof.
    Result<std::vector<Bytes>, TrieError> prove(BytesView key) const;

    // Key order (bytewise, shorter first): the smallest key > key and the largest key < key,
    // or nullopt if there is none. For tools and tests; the ledger iterates the flat state.
    Result<std::optional<Bytes>, TrieError> next_key(BytesView key) const;
    Result<std::optional<Bytes>, TrieError> prev_key(BytesView key) const;

    // Forgets every decoded node, keeping only the root hash, once everything is committed
    // (the cache is then refilled from the Kv on demand). Returns false, and keeps the cache,
    // if there are uncommitted changes or no Kv to reload from.
    bool drop_cache();

    const crypto::CryptoSuite& suite() const noexcept { return *suite_; }

    // A trie that failed with kMissingNode/kBadNode/kStorage in put or remove is left in an
    // unspecified state; every later call returns that error (corruption stops the node,
    // STYLE.md 6).

private:
    Result<void, TrieError> check() const;

    const crypto::CryptoSuite* suite_;
    const storage::Kv* kv_;
    mutable std::unique_ptr<Node> root_;
    std::optional<TrieError> broken_;
};

// The Ethereum "secure trie": every key is replaced by hash(key) before use, so paths are
// uniformly spread and of fixed length (state and storage tries, YP eq. 190, 191).
class SecureTrie {
public:
    explicit SecureTrie(const crypto::CryptoSuite& suite, const storage::Kv* kv = nullptr)
        : trie_(suite, kv) {}
    SecureTrie(const crypto::CryptoSuite& suite, const storage::Kv* kv, const Hash256& root)
        : trie_(suite, kv, root) {}

    Result<std::optional<Bytes>, TrieError> get(BytesView key) const {
        return trie_.get(hashed(key));
    }
    Result<void, TrieError> put(BytesView key, BytesView value) {
        return trie_.put(hashed(key), value);
    }
    Result<void, TrieError> remove(BytesView key) { return trie_.remove(hashed(key)); }
    Result<Hash256, TrieError> root() const { return trie_.root(); }
    Result<Hash256, TrieError> commit(storage::WriteBatch& batch) { return trie_.commit(batch); }
    // A proof for hash(key); verify with verify_proof(suite, root, hash(key), proof).
    Result<std::vector<Bytes>, TrieError> prove(BytesView key) const {
        return trie_.prove(hashed(key));
    }
    bool drop_cache() { return trie_.drop_cache(); }
    Hash256 hashed(BytesView key) const noexcept { return trie_.suite().hash(key); }

private:
    Trie trie_;
};

// Checks a proof (from Trie::prove, or eth_getProof) against a root without any database:
// the value under key, nullopt if the proof shows the key is absent, or kBadProof /
// kProofTooLarge if the proof does not establish either. Extra nodes are ignored.
Result<std::optional<Bytes>, TrieError> verify_proof(const crypto::CryptoSuite& suite,
                                                     const Hash256& root, BytesView key,
                                                     std::span<const Bytes> proof);

// The root of the trie mapping RLP(i) to items[i]: the transactions root and the receipts
// root of a block header (YP eq. 33-35). An empty item is skipped, as Trie::put would; an
// item over kMaxValueBytes is kValueTooLarge.
Result<Hash256, TrieError> ordered_trie_root(const crypto::CryptoSuite& suite,
                                             std::span<const Bytes> items);

}  // namespace xl::trie
