// SPDX-License-Identifier: Apache-2.0
// Xinlian trie: node encoding and decoding, hex-prefix paths.
#include "trie/node.hpp"

#include <cstring>

#include "codec/rlp.hpp"

namespace xl::trie {
namespace {

// Size of the RLP string encoding of s (YP Appendix B, eq. 180).
size_t string_len(size_t n, uint8_t first) noexcept {
    if (n == 1 && first < 0x80) return 1;
    if (n < 56) return 1 + n;
    size_t len_bytes = 0;
    for (size_t x = n; x; x >>= 8)
        ++len_bytes;
    return 1 + len_bytes + n;
}
size_t string_len(BytesView s) noexcept {
    return string_len(s.size(), s.empty() ? 0 : s[0]);
}

// Hex-prefix encoding (YP Appendix C, eq. 186): the flag nibble is 2 for a leaf, 0 for an
// extension, plus 1 if the path has an odd number of nibbles, whose first nibble then
// shares the flag byte.
size_t hex_prefix(BytesView path, bool leaf, uint8_t* out) noexcept {
    const bool odd = path.size() % 2;
    const uint8_t flag = static_cast<uint8_t>((leaf ? 2 : 0) + (odd ? 1 : 0));
    size_t i = 0, o = 0;
    if (odd) {
        out[o++] = static_cast<uint8_t>(flag << 4 | path[0]);
        i = 1;
    } else {
        out[o++] = static_cast<uint8_t>(flag << 4);
    }
    for (; i < path.size(); i += 2)
        out[o++] = static_cast<uint8_t>(path[i] << 4 | path[i + 1]);
    return o;
}

}  // namespace

Nibbles to_nibbles(BytesView key) {
    Nibbles n(key.size() * 2);
    for (size_t i = 0; i < key.size(); ++i) {
        n[2 * i] = key[i] >> 4;
        n[2 * i + 1] = key[i] & 0x0f;
    }
    return n;
}

NodePtr make_leaf(BytesView path, BytesView value) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kLeaf;
    n->path.assign(path.begin(), path.end());
    n->value.assign(value.begin(), value.end());
    return n;
}

NodePtr make_extension(BytesView path, NodePtr child) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kExtension;
    n->path.assign(path.begin(), path.end());
    n->children[0] = std::move(child);
    return n;
}

NodePtr make_branch() {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kBranch;
    return n;
}

NodePtr make_hash_node(const Hash256& h) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kHash;
    n->stored = true;
    n->ref.bytes[0] = 0xa0;
    std::memcpy(n->ref.bytes.data() + 1, h.data(), 32);
    n->ref.len = 33;
    return n;
}

void encode_node(const Node& n, Bytes& out) {
    // The payload length is computed first so the list header is written once, in place.
    out.clear();
    uint8_t hp[kMaxKeyBytes + 1];
    switch (n.kind) {
        case Node::Kind::kLeaf:
        case Node::Kind::kExtension: {
            XL_ASSERT(n.path.size() <= 2 * kMaxKeyBytes);
            size_t hp_len = hex_prefix(n.path, n.kind == Node::Kind::kLeaf, hp);
            BytesView second =
                n.kind == Node::Kind::kLeaf ? BytesView(n.value) : n.children[0]->ref.view();
            XL_ASSERT(n.kind == Node::Kind::kLeaf || n.children[0]->ref.len != 0);
            size_t payload = string_len(hp_len, hp[0]) +
                             (n.kind == Node::Kind::kLeaf ? string_len(second) : second.size());
            out.reserve(payload + 9);
            rlp::encode_list_header(out, payload);
            rlp::encode_string(out, BytesView(hp, hp_len));
            if (n.kind == Node::Kind::kLeaf)
                rlp::encode_string(out, second);
            else
                out.insert(out.end(), second.begin(), second.end());
            return;
        }
        case Node::Kind::kBranch: {
            size_t payload = string_len(n.value);
            for (const auto& c : n.children) {
                XL_ASSERT(!c || c->ref.len != 0);
                payload += c ? c->ref.len : 1;
            }
            out.reserve(payload + 9);
            rlp::encode_list_header(out, payload);
            for (const auto& c : n.children) {
                if (c)
                    out.insert(out.end(), c->ref.bytes.begin(), c->ref.bytes.begin() + c->ref.len);
                else
                    out.push_back(0x80);  // RLP("") for an empty slot
            }
            rlp::encode_string(out, n.value);
            return;
        }
        case Node::Kind::kHash:
            break;
    }
    XL_ASSERT(false && "encode_node on an unloaded hash node");
}

Ref make_ref(const crypto::CryptoSuite& suite, BytesView encoding) noexcept {
    Ref r;
    if (encoding.size() < 32) {
        std::memcpy(r.bytes.data(), encoding.data(), encoding.size());
        r.len = static_cast<uint8_t>(encoding.size());
        // An RLP list is never empty, so len 0 keeps meaning "not computed".
        return r;
    }
    Hash256 h = suite.hash(encoding);
    r.bytes[0] = 0xa0;
    std::memcpy(r.bytes.data() + 1, h.data(), 32);
    r.len = 33;
    return r;
}

namespace {

Result<NodePtr, TrieError> decode_child(const crypto::CryptoSuite& suite, BytesView raw,
                                        bool allow_empty);

Result<Nibbles, TrieError> decode_hex_prefix(BytesView hp, bool& leaf) {
    if (hp.empty()) return unexpected(TrieError::kBadNode);
    const uint8_t flag = hp[0] >> 4;
    if (flag > 3) return unexpected(TrieError::kBadNode);
    leaf = flag >= 2;
    const bool odd = flag & 1;
    // The padding nibble of an even path must be zero: one encoding per path.
    if (!odd && (hp[0] & 0x0f) != 0) return unexpected(TrieError::kBadNode);
    Nibbles path;
    path.reserve(hp.size() * 2);
    if (odd) path.push_back(hp[0] & 0x0f);
    for (size_t i = 1; i < hp.size(); ++i) {
        path.push_back(hp[i] >> 4);
        path.push_back(hp[i] & 0x0f);
    }
    if (path.size() > 2 * kMaxKeyBytes) return unexpected(TrieError::kBadNode);
    return path;
}

Result<NodePtr, TrieError> decode_list(const crypto::CryptoSuite& suite, BytesView encoding) {
    auto list = rlp::open_list(encoding);
    if (!list) return unexpected(TrieError::kBadNode);
    BytesView items[17];
    size_t count = 0;
    while (!list->empty()) {
        if (count == 17) return unexpected(TrieError::kBadNode);
        auto item = list->read_raw();
        if (!item) return unexpected(TrieError::kBadNode);
        items[count++] = *item;
    }
    NodePtr n;
    if (count == 2) {
        auto hp = rlp::decode_string(items[0]);
        if (!hp) return unexpected(TrieError::kBadNode);
        bool leaf = false;
        auto path = decode_hex_prefix(*hp, leaf);
        if (!path) return unexpected(path.error());
        if (leaf) {
            auto value = rlp::decode_string(items[1]);
            // The trie holds no empty values (they mean "absent").
            if (!value || value->empty()) return unexpected(TrieError::kBadNode);
            n = make_leaf(*path, *value);
        } else {
            if (path->empty()) return unexpected(TrieError::kBadNode);
            auto child = decode_child(suite, items[1], false);
            if (!child) return unexpected(child.error());
            n = make_extension(*path, std::move(*child));
        }
    } else if (count == 17) {
        n = make_branch();
        for (size_t i = 0; i < 16; ++i) {
            auto child = decode_child(suite, items[i], true);
            if (!child) return unexpected(child.error());
            n->children[i] = std::move(*child);
        }
        auto value = rlp::decode_string(items[16]);
        if (!value) return unexpected(TrieError::kBadNode);
        n->value.assign(value->begin(), value->end());
    } else {
        return unexpected(TrieError::kBadNode);
    }
    n->stored = true;
    n->ref = make_ref(suite, encoding);
    return n;
}

// A child reference (YP eq. 193): RLP("") for none, a 32-byte string for a hash, or an
// inlined node whose whole encoding is shorter than 32 bytes.
Result<NodePtr, TrieError> decode_child(const crypto::CryptoSuite& suite, BytesView raw,
                                        bool allow_empty) {
    auto h = rlp::decode_header(raw);
    if (!h) return unexpected(TrieError::kBadNode);
    if (h->list) {
        if (raw.size() >= 32) return unexpected(TrieError::kBadNode);
        return decode_list(suite, raw);
    }
    auto s = rlp::decode_string(raw);
    if (!s) return unexpected(TrieError::kBadNode);
    if (s->empty() && allow_empty) return NodePtr{};
    if (s->size() != 32) return unexpected(TrieError::kBadNode);
    return make_hash_node(Hash256::from(*s));
}

}  // namespace

Result<NodePtr, TrieError> decode_node(const crypto::CryptoSuite& suite, BytesView encoding) {
    return decode_list(suite, encoding);
}

}  // namespace xl::trie
