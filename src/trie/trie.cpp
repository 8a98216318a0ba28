// SPDX-License-Identifier: Apache-2.0
// Xinlian trie: lookup, insertion and deletion with node collapsing (YP Appendix D), hashing,
// commit, proofs.
#include "trie/trie.hpp"

#include <algorithm>
#include <unordered_map>

#include "codec/rlp.hpp"
#include "trie/node.hpp"

namespace xl::trie {

std::string_view to_string(TrieError e) noexcept {
    switch (e) {
        case TrieError::kMissingNode:
            return "missing trie node";
        case TrieError::kBadNode:
            return "corrupt trie node";
        case TrieError::kStorage:
            return "trie storage error";
        case TrieError::kKeyTooLong:
            return "trie key too long";
        case TrieError::kValueTooLarge:
            return "trie value too large";
        case TrieError::kBadProof:
            return "invalid proof";
        case TrieError::kProofTooLarge:
            return "proof too large";
    }
    return "unknown trie error";
}

Hash256 empty_root(const crypto::CryptoSuite& suite) noexcept {
    static constexpr uint8_t kEmptyString[] = {0x80};  // RLP("")
    return suite.hash(BytesView(kEmptyString, 1));
}

namespace {

using Path = std::span<const uint8_t>;  // nibbles

size_t common_prefix(Path a, Path b) noexcept {
    size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    while (i < n && a[i] == b[i])
        ++i;
    return i;
}

bool starts_with(Path key, Path prefix) noexcept {
    return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

// The operations on one trie: the suite, the Kv to load from and a scratch buffer.
struct Ctx {
    const crypto::CryptoSuite& suite;
    const storage::Kv* kv;
    Bytes scratch;

    // Replaces a kHash node in slot by the node loaded from the Kv (the node cache).
    Result<void, TrieError> resolve(NodePtr& slot) {
        if (slot->kind != Node::Kind::kHash) return {};
        if (!kv) return unexpected(TrieError::kMissingNode);
        Hash256 h = slot->ref.hash();
        auto enc = kv->get(storage::Column::kTrieNodes, h);
        if (!enc) {
            return unexpected(
                enc.error() == storage::StorageError::kNotFound     ? TrieError::kMissingNode
                : enc.error() == storage::StorageError::kCorruption ? TrieError::kBadNode
                                                                    : TrieError::kStorage);
        }
        // Checking the hash turns silent disk corruption into kBadNode instead of a wrong
        // state root computed later.
        if (suite.hash(*enc) != h) return unexpected(TrieError::kBadNode);
        auto node = decode_node(suite, *enc);
        if (!node) return unexpected(node.error());
        // The root may be shorter than 32 bytes; as a node it is still known by its hash.
        (*node)->ref = slot->ref;
        slot = std::move(*node);
        return {};
    }

    Result<bool, TrieError> insert(NodePtr& slot, Path key, BytesView value) {
        if (!slot) {
            slot = make_leaf(key, value);
            return true;
        }
        if (auto r = resolve(slot); !r) return unexpected(r.error());
        Node& n = *slot;
        switch (n.kind) {
            case Node::Kind::kLeaf: {
                size_t m = common_prefix(n.path, key);
                if (m == n.path.size() && m == key.size()) {
                    if (std::equal(n.value.begin(), n.value.end(), value.begin(), value.end()))
                        return false;
                    n.value.assign(value.begin(), value.end());
                    n.touch();
                    return true;
                }
                split(slot, m, key, value);
                return true;
            }
            case Node::Kind::kExtension: {
                size_t m = common_prefix(n.path, key);
                if (m == n.path.size()) {
                    auto changed = insert(n.children[0], key.subspan(m), value);
                    if (changed && *changed) n.touch();
                    return changed;
                }
                split(slot, m, key, value);
                return true;
            }
            case Node::Kind::kBranch: {
                if (key.empty()) {
                    if (std::equal(n.value.begin(), n.value.end(), value.begin(), value.end()))
                        return false;
                    n.value.assign(value.begin(), value.end());
                    n.touch();
                    return true;
                }
                auto changed = insert(n.children[key[0]], key.subspan(1), value);
                if (changed && *changed) n.touch();
                return changed;
            }
            case Node::Kind::kHash:
                break;
        }
        XL_ASSERT(false);
        return false;
    }

    // The leaf or extension in slot and the new key diverge after m shared nibbles: a branch
    // takes their place (behind an extension for the m shared nibbles, if m > 0).
    static void split(NodePtr& slot, size_t m, Path key, BytesView value) {
        NodePtr old = std::move(slot);
        NodePtr branch = make_branch();
        Nibbles shared(key.begin(), key.begin() + static_cast<ptrdiff_t>(m));
        if (old->kind == Node::Kind::kLeaf && m == old->path.size()) {
            branch->value = std::move(old->value);
        } else {
            uint8_t idx = old->path[m];
            if (old->kind == Node::Kind::kExtension && old->path.size() == m + 1) {
                branch->children[idx] = std::move(old->children[0]);  // the extension vanishes
            } else {
                old->path.erase(old->path.begin(),
                                old->path.begin() + static_cast<ptrdiff_t>(m + 1));
                old->touch();
                branch->children[idx] = std::move(old);
            }
        }
        if (m == key.size())
            branch->value.assign(value.begin(), value.end());
        else
            branch->children[key[m]] = make_leaf(key.subspan(m + 1), value);
        slot = m > 0 ? make_extension(shared, std::move(branch)) : std::move(branch);
    }

    Result<bool, TrieError> remove(NodePtr& slot, Path key) {
        if (!slot) return false;
        if (auto r = resolve(slot); !r) return unexpected(r.error());
        Node& n = *slot;
        switch (n.kind) {
            case Node::Kind::kLeaf:
                if (!std::equal(n.path.begin(), n.path.end(), key.begin(), key.end())) return false;
                slot.reset();
                return true;
            case Node::Kind::kExtension: {
                if (!starts_with(key, n.path)) return false;
                auto changed = remove(n.children[0], key.subspan(n.path.size()));
                if (!changed || !*changed) return changed;
                if (auto r = collapse_extension(slot); !r) return unexpected(r.error());
                return true;
            }
            case Node::Kind::kBranch: {
                if (key.empty()) {
                    if (n.value.empty()) return false;
                    n.value.clear();
                } else {
                    auto changed = remove(n.children[key[0]], key.subspan(1));
                    if (!changed || !*changed) return changed;
                }
                n.touch();
                if (auto r = collapse_branch(slot); !r) return unexpected(r.error());
                return true;
            }
            case Node::Kind::kHash:
                break;
        }
        XL_ASSERT(false);
        return false;
    }

    // After a removal below it, an extension absorbs a child that is no longer a branch
    // (YP Appendix D: an extension is always followed by a branch).
    Result<void, TrieError> collapse_extension(NodePtr& slot) {
        Node& n = *slot;
        NodePtr& child = n.children[0];
        if (!child) {  // only possible in a non-canonical stored trie; stay consistent anyway
            slot.reset();
            return {};
        }
        if (auto r = resolve(child); !r) return unexpected(r.error());
        if (child->kind == Node::Kind::kBranch) {
            n.touch();
            return {};
        }
        // Leaf or extension: prepend our path to it and take its place.
        child->path.insert(child->path.begin(), n.path.begin(), n.path.end());
        child->touch();
        NodePtr keep = std::move(child);
        slot = std::move(keep);
        return {};
    }

    // A branch left with a single entry is replaced: by a leaf if only its value remains, by
    // its only child with the child's nibble prepended otherwise.
    Result<void, TrieError> collapse_branch(NodePtr& slot) {
        Node& n = *slot;
        int only = -1;
        int count = 0;
        for (int i = 0; i < 16; ++i) {
            if (n.children[i]) {
                ++count;
                only = i;
            }
        }
        if (count + (n.value.empty() ? 0 : 1) >= 2) return {};
        if (count == 0) {
            slot = n.value.empty() ? nullptr : make_leaf({}, n.value);
            return {};
        }
        NodePtr& child = n.children[only];
        if (auto r = resolve(child); !r) return unexpected(r.error());
        uint8_t nibble = static_cast<uint8_t>(only);
        if (child->kind == Node::Kind::kBranch) {
            NodePtr keep = std::move(child);
            slot = make_extension(BytesView(&nibble, 1), std::move(keep));
            return {};
        }
        child->path.insert(child->path.begin(), nibble);
        child->touch();
        NodePtr keep = std::move(child);
        slot = std::move(keep);
        return {};
    }

    // Computes the refs of n's subtree where missing (YP eq. 193); clean subtrees are skipped.
    void hash(Node& n) {
        if (n.ref.len) return;
        for (auto& c : n.children)
            if (c) hash(*c);
        encode_node(n, scratch);
        n.ref = make_ref(suite, scratch);
    }

    // ---- key order (nibble order equals bytewise key order, shorter first) ----

    // The smallest (first) or largest (last) key of slot's subtree, appended to acc.
    Result<bool, TrieError> edge_key(NodePtr& slot, Nibbles& acc, bool first) {
        if (!slot) return false;
        if (auto r = resolve(slot); !r) return unexpected(r.error());
        Node& n = *slot;
        if (n.kind != Node::Kind::kBranch) {
            acc.insert(acc.end(), n.path.begin(), n.path.end());
            if (n.kind == Node::Kind::kLeaf) return true;
            return edge_key(n.children[0], acc, first);
        }
        if (first && !n.value.empty()) return true;
        for (int k = 0; k < 16; ++k) {
            int i = first ? k : 15 - k;
            if (!n.children[i]) continue;
            acc.push_back(static_cast<uint8_t>(i));
            return edge_key(n.children[i], acc, first);
        }
        return !n.value.empty();  // last: a branch's own key is below all its children
    }

    // The nearest key after (next) or before (!next) acc+rest within slot's subtree, whose
    // keys all start with acc; appended to acc when found.
    Result<bool, TrieError> neighbour(NodePtr& slot, Nibbles& acc, Path rest, bool next) {
        if (!slot) return false;
        if (auto r = resolve(slot); !r) return unexpected(r.error());
        Node& n = *slot;
        if (n.kind != Node::Kind::kBranch) {
            if (n.kind == Node::Kind::kExtension && starts_with(rest, n.path)) {
                size_t mark = acc.size();
                acc.insert(acc.end(), n.path.begin(), n.path.end());
                auto r = neighbour(n.children[0], acc, rest.subspan(n.path.size()), next);
                if (!r || *r) return r;
                acc.resize(mark);
                return false;
            }
            // Leaf, or an extension the target leaves: compare the paths as wholes.
            bool greater = std::lexicographical_compare(rest.begin(), rest.end(), n.path.begin(),
                                                        n.path.end());
            bool equal = std::equal(rest.begin(), rest.end(), n.path.begin(), n.path.end());
            if (equal || greater != next) return false;
            acc.insert(acc.end(), n.path.begin(), n.path.end());
            if (n.kind == Node::Kind::kLeaf) return true;
            return edge_key(n.children[0], acc, next);
        }
        if (rest.empty()) {  // the target is this branch's own key
            if (!next) return false;
            for (int i = 0; i < 16; ++i) {
                if (!n.children[i]) continue;
                acc.push_back(static_cast<uint8_t>(i));
                return edge_key(n.children[i], acc, true);
            }
            return false;
        }
        const int at = rest[0];
        if (n.children[at]) {
            acc.push_back(static_cast<uint8_t>(at));
            auto r = neighbour(n.children[at], acc, rest.subspan(1), next);
            if (!r || *r) return r;
            acc.pop_back();
        }
        for (int i = next ? at + 1 : at - 1; i >= 0 && i < 16; i += next ? 1 : -1) {
            if (!n.children[i]) continue;
            acc.push_back(static_cast<uint8_t>(i));
            return edge_key(n.children[i], acc, next);
        }
        return !next && !n.value.empty();  // the branch's own key precedes the target
    }

    // Adds the nodes of n's subtree that are not stored yet to batch. Requires hash(n).
    void store(Node& n, storage::WriteBatch& batch) {
        if (n.stored) return;
        for (auto& c : n.children)
            if (c) store(*c, batch);
        if (n.ref.is_hash()) {
            encode_node(n, scratch);
            batch.put(storage::Column::kTrieNodes, n.ref.hash(), scratch);
        }
        n.stored = true;
    }
};

Result<void, TrieError> check_key(BytesView key) {
    if (key.size() > kMaxKeyBytes) return unexpected(TrieError::kKeyTooLong);
    return {};
}

}  // namespace

Trie::Trie(const crypto::CryptoSuite& suite, const storage::Kv* kv) : suite_(&suite), kv_(kv) {}

Trie::Trie(const crypto::CryptoSuite& suite, const storage::Kv* kv, const Hash256& root)
    : suite_(&suite), kv_(kv) {
    if (root != empty_root(suite)) root_ = make_hash_node(root);
}

Trie::~Trie() = default;
Trie::Trie(Trie&&) noexcept = default;
Trie& Trie::operator=(Trie&&) noexcept = default;

Result<void, TrieError> Trie::check() const {
    if (broken_) return unexpected(*broken_);
    return {};
}

Result<std::optional<Bytes>, TrieError> Trie::get(BytesView key_bytes) const {
    XL_TRY_VOID(check());
    XL_TRY_VOID(check_key(key_bytes));
    Nibbles key = to_nibbles(key_bytes);
    Ctx ctx{*suite_, kv_, {}};
    NodePtr* slot = &root_;
    Path rest(key);
    while (*slot) {
        XL_TRY_VOID(ctx.resolve(*slot));
        Node& n = **slot;
        switch (n.kind) {
            case Node::Kind::kLeaf:
                if (std::equal(n.path.begin(), n.path.end(), rest.begin(), rest.end()))
                    return std::optional<Bytes>(n.value);
                return std::optional<Bytes>();
            case Node::Kind::kExtension:
                if (!starts_with(rest, n.path)) return std::optional<Bytes>();
                rest = rest.subspan(n.path.size());
                slot = &n.children[0];
                break;
            case Node::Kind::kBranch:
                if (rest.empty()) {
                    if (n.value.empty()) return std::optional<Bytes>();
                    return std::optional<Bytes>(n.value);
                }
                slot = &n.children[rest[0]];
                rest = rest.subspan(1);
                break;
            case Node::Kind::kHash:
                XL_ASSERT(false);
        }
    }
    return std::optional<Bytes>();
}

Result<void, TrieError> Trie::put(BytesView key, BytesView value) {
    if (value.empty()) return remove(key);
    XL_TRY_VOID(check());
    XL_TRY_VOID(check_key(key));
    if (value.size() > kMaxValueBytes) return unexpected(TrieError::kValueTooLarge);
    Ctx ctx{*suite_, kv_, {}};
    auto r = ctx.insert(root_, to_nibbles(key), value);
    if (!r) {
        broken_ = r.error();
        return unexpected(r.error());
    }
    return {};
}

Result<void, TrieError> Trie::remove(BytesView key) {
    XL_TRY_VOID(check());
    XL_TRY_VOID(check_key(key));
    Ctx ctx{*suite_, kv_, {}};
    auto r = ctx.remove(root_, to_nibbles(key));
    if (!r) {
        broken_ = r.error();
        return unexpected(r.error());
    }
    return {};
}

Result<Hash256, TrieError> Trie::root() const {
    XL_TRY_VOID(check());
    if (!root_) return empty_root(*suite_);
    Ctx ctx{*suite_, kv_, {}};
    ctx.hash(*root_);
    // The root is always referenced by its hash, even when its RLP is shorter than 32 bytes
    // (YP eq. 192: TRIE(J) = KEC(RLP(c(J, 0)))).
    if (root_->ref.is_hash()) return root_->ref.hash();
    return suite_->hash(root_->ref.view());
}

Result<Hash256, TrieError> Trie::commit(storage::WriteBatch& batch) {
    XL_TRY_VOID(check());
    if (!root_) return empty_root(*suite_);
    Ctx ctx{*suite_, kv_, {}};
    ctx.hash(*root_);
    if (!root_->stored && !root_->ref.is_hash()) {
        // A short root is inlined nowhere, so it is stored under its hash like any other.
        batch.put(storage::Column::kTrieNodes, suite_->hash(root_->ref.view()), root_->ref.view());
    }
    ctx.store(*root_, batch);
    return root_->ref.is_hash() ? root_->ref.hash() : suite_->hash(root_->ref.view());
}

Result<std::vector<Bytes>, TrieError> Trie::prove(BytesView key_bytes) const {
    XL_TRY_VOID(check());
    XL_TRY_VOID(check_key(key_bytes));
    std::vector<Bytes> proof;
    if (!root_) return proof;  // the empty trie: its root alone proves every key absent
    Nibbles key = to_nibbles(key_bytes);
    Ctx ctx{*suite_, kv_, {}};
    NodePtr* slot = &root_;
    Path rest(key);
    bool is_root = true;
    while (*slot) {
        XL_TRY_VOID(ctx.resolve(*slot));
        Node& n = **slot;
        ctx.hash(n);
        // Inlined nodes are already inside their parent's RLP.
        if (is_root || n.ref.is_hash()) {
            Bytes enc;
            encode_node(n, enc);
            proof.push_back(std::move(enc));
        }
        is_root = false;
        if (n.kind == Node::Kind::kLeaf) break;
        if (n.kind == Node::Kind::kExtension) {
            if (!starts_with(rest, n.path)) break;
            rest = rest.subspan(n.path.size());
            slot = &n.children[0];
        } else {
            if (rest.empty()) break;
            slot = &n.children[rest[0]];
            rest = rest.subspan(1);
        }
    }
    return proof;
}

namespace {

Bytes from_nibbles(const Nibbles& n) {
    XL_ASSERT(n.size() % 2 == 0);  // keys are whole bytes
    Bytes b(n.size() / 2);
    for (size_t i = 0; i < b.size(); ++i)
        b[i] = static_cast<uint8_t>(n[2 * i] << 4 | n[2 * i + 1]);
    return b;
}

}  // namespace

Result<std::optional<Bytes>, TrieError> Trie::next_key(BytesView key) const {
    XL_TRY_VOID(check());
    XL_TRY_VOID(check_key(key));
    Ctx ctx{*suite_, kv_, {}};
    Nibbles target = to_nibbles(key), acc;
    auto found = ctx.neighbour(root_, acc, target, true);
    if (!found) return unexpected(found.error());
    if (!*found) return std::optional<Bytes>();
    return std::optional<Bytes>(from_nibbles(acc));
}

Result<std::optional<Bytes>, TrieError> Trie::prev_key(BytesView key) const {
    XL_TRY_VOID(check());
    XL_TRY_VOID(check_key(key));
    Ctx ctx{*suite_, kv_, {}};
    Nibbles target = to_nibbles(key), acc;
    auto found = ctx.neighbour(root_, acc, target, false);
    if (!found) return unexpected(found.error());
    if (!*found) return std::optional<Bytes>();
    return std::optional<Bytes>(from_nibbles(acc));
}

bool Trie::drop_cache() {
    if (!root_ || broken_) return !broken_;
    if (!kv_ || !root_->stored || !root_->ref.len) return false;
    Hash256 h = root_->ref.is_hash() ? root_->ref.hash() : suite_->hash(root_->ref.view());
    NodePtr hashed = make_hash_node(h);
    root_ = std::move(hashed);
    return true;
}

Result<std::optional<Bytes>, TrieError> verify_proof(const crypto::CryptoSuite& suite,
                                                     const Hash256& root, BytesView key_bytes,
                                                     std::span<const Bytes> proof) {
    if (key_bytes.size() > kMaxKeyBytes) return unexpected(TrieError::kKeyTooLong);
    if (proof.size() > kMaxProofNodes) return unexpected(TrieError::kProofTooLarge);
    size_t total = 0;
    std::unordered_map<Hash256, BytesView> by_hash;
    for (const Bytes& node : proof) {
        total += node.size();
        if (total > kMaxProofBytes) return unexpected(TrieError::kProofTooLarge);
        by_hash.emplace(suite.hash(node), node);
    }
    if (root == empty_root(suite)) return std::optional<Bytes>();

    Nibbles key = to_nibbles(key_bytes);
    Path rest(key);
    // Decoded nodes stay alive here because inlined children are owned by their parents.
    std::vector<NodePtr> decoded;
    auto load = [&](const Hash256& h) -> Result<Node*, TrieError> {
        auto it = by_hash.find(h);
        if (it == by_hash.end()) return unexpected(TrieError::kBadProof);
        auto n = decode_node(suite, it->second);
        if (!n) return unexpected(TrieError::kBadProof);
        decoded.push_back(std::move(*n));
        return decoded.back().get();
    };
    auto first = load(root);
    if (!first) return unexpected(first.error());
    Node* n = *first;
    // Every step consumes a nibble or ends, so the walk is bounded by the key length.
    for (;;) {
        if (n->kind == Node::Kind::kHash) {
            auto next = load(n->ref.hash());
            if (!next) return unexpected(next.error());
            n = *next;
        }
        switch (n->kind) {
            case Node::Kind::kLeaf:
                if (std::equal(n->path.begin(), n->path.end(), rest.begin(), rest.end()))
                    return std::optional<Bytes>(n->value);
                return std::optional<Bytes>();
            case Node::Kind::kExtension:
                if (!starts_with(rest, n->path)) return std::optional<Bytes>();
                rest = rest.subspan(n->path.size());
                n = n->children[0].get();
                break;
            case Node::Kind::kBranch:
                if (rest.empty()) {
                    if (n->value.empty()) return std::optional<Bytes>();
                    return std::optional<Bytes>(n->value);
                }
                n = n->children[rest[0]].get();
                rest = rest.subspan(1);
                if (!n) return std::optional<Bytes>();
                break;
            case Node::Kind::kHash:
                return unexpected(TrieError::kBadProof);
        }
    }
}

Result<Hash256, TrieError> ordered_trie_root(const crypto::CryptoSuite& suite,
                                             std::span<const Bytes> items) {
    Trie t(suite);
    Bytes key;
    for (size_t i = 0; i < items.size(); ++i) {
        key.clear();
        rlp::encode_uint(key, static_cast<uint64_t>(i));
        XL_TRY_VOID(t.put(key, items[i]));
    }
    return t.root();
}

}  // namespace xl::trie
