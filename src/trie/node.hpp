// SPDX-License-Identifier: Apache-2.0
// Xinlian trie internals: the in-memory node, its RLP encoding (YP Appendix D, eq. 194) and
// strict decoding, and hex-prefix paths (YP Appendix C). Used by trie.cpp and by the tests;
// not an API for other modules. Value types; not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"
#include "trie/trie.hpp"

namespace xl::trie {

// Paths are kept one nibble (0..15) per byte.
using Nibbles = Bytes;
Nibbles to_nibbles(BytesView key);

struct Node;
using NodePtr = std::unique_ptr<Node>;

// The reference a parent holds to a child (YP eq. 193): the child's RLP itself if shorter
// than 32 bytes, else RLP(hash(child's RLP)) = 0xa0 || hash. At most 33 bytes, no allocation.
struct Ref {
    std::array<uint8_t, 33> bytes{};
    uint8_t len = 0;  // 0: not computed yet
    bool is_hash() const noexcept { return len == 33; }
    BytesView view() const noexcept { return {bytes.data(), len}; }
    Hash256 hash() const noexcept { return Hash256::from(BytesView(bytes.data() + 1, 32)); }
};

struct Node {
    enum class Kind : uint8_t {
        kLeaf,       // path (remaining key nibbles) and value
        kExtension,  // path (shared nibbles) and children[0], always a branch when canonical
        kBranch,     // 16 children and a value (empty: none)
        kHash,       // a node known only by its hash (ref), not loaded from the Kv yet
    };
    Kind kind = Kind::kLeaf;
    // The node and its whole subtree are in the Kv (or inlined in a stored parent); commit
    // skips it. Any change clears it on the node and all its ancestors.
    bool stored = false;
    Ref ref;  // cached reference; cleared by any change below this node
    Nibbles path;
    Bytes value;
    std::array<NodePtr, 16> children;

    void touch() noexcept {
        ref.len = 0;
        stored = false;
    }
};

NodePtr make_leaf(BytesView path, BytesView value);
NodePtr make_extension(BytesView path, NodePtr child);
NodePtr make_branch();
NodePtr make_hash_node(const Hash256& h);

// RLP of a node whose children all have their ref computed.
void encode_node(const Node& n, Bytes& out);
// The ref of an encoding (hashing it if 32 bytes or longer).
Ref make_ref(const crypto::CryptoSuite& suite, BytesView encoding) noexcept;

// Decodes one node from its RLP, strictly: exactly 2 or 17 items, valid hex-prefix flags,
// non-empty leaf values and extension paths, child references that are empty, a 32-byte hash
// or an inlined list shorter than 32 bytes. Inlined children are decoded too; hashed children
// become kHash nodes. The result (and its inlined children) is marked stored with its ref
// computed. kBadNode on any violation.
Result<NodePtr, TrieError> decode_node(const crypto::CryptoSuite& suite, BytesView encoding);

}  // namespace xl::trie
