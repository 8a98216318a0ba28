// SPDX-License-Identifier: Apache-2.0
// Merkle Patricia Trie unit tests, each run under both crypto suites (STYLE.md 10). Absolute
// roots are checked against ethereum/tests by tests/conformance/trie_conformance.cpp; here
// the trie is checked against itself: any order of operations must give the root of the
// final map, committed tries must reopen, proofs must verify and tampering must be caught.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "storage/memory_kv.hpp"
#include "storage/rocks_kv.hpp"
#include "storage/test_util.hpp"
#include "trie/node.hpp"
#include "trie/trie.hpp"

using namespace xl;
using namespace xl::trie;
using storage::BytesLess;
using storage::Column;

namespace {

using Map = std::map<Bytes, Bytes, BytesLess>;

class TrieTest : public ::testing::TestWithParam<const crypto::CryptoSuite*> {
protected:
    const crypto::CryptoSuite& suite() const { return *GetParam(); }
};

std::string suite_name(const ::testing::TestParamInfo<const crypto::CryptoSuite*>& info) {
    return std::string(info.param->name());
}

// Keys from a small alphabet and of mixed lengths, so that shared prefixes, keys that are
// prefixes of other keys (branch values) and every node kind occur often.
Bytes random_key(std::mt19937_64& rng) {
    Bytes k(rng() % 5, 0);
    for (auto& x : k)
        x = static_cast<uint8_t>(rng() % 3 == 0 ? rng() : rng() % 4 * 0x11);
    return k;
}
// Values both shorter and longer than 32 bytes, so nodes are inlined or hashed.
Bytes random_value(std::mt19937_64& rng) {
    Bytes v(1 + rng() % (rng() % 2 ? 4 : 60), 0);
    for (auto& x : v)
        x = static_cast<uint8_t>(rng());
    return v;
}

Trie build(const crypto::CryptoSuite& suite, const Map& m, std::mt19937_64& rng,
           const storage::Kv* kv = nullptr) {
    std::vector<std::pair<Bytes, Bytes>> items(m.begin(), m.end());
    std::shuffle(items.begin(), items.end(), rng);
    Trie t(suite, kv);
    for (auto& [k, v] : items)
        EXPECT_TRUE(t.put(k, v));
    return t;
}

Hash256 root_of(const Trie& t) {
    auto r = t.root();
    EXPECT_TRUE(r) << to_string(r.error());
    return r ? *r : Hash256{};
}

void expect_contents(const Trie& t, const Map& m, std::mt19937_64& rng) {
    for (auto& [k, v] : m) {
        auto got = t.get(k);
        ASSERT_TRUE(got) << to_string(got.error());
        ASSERT_TRUE(got->has_value()) << "missing key " << to_hex(k);
        EXPECT_EQ(**got, v);
    }
    for (int i = 0; i < 50; ++i) {
        Bytes k = random_key(rng);
        auto got = t.get(k);
        ASSERT_TRUE(got);
        EXPECT_EQ(got->has_value(), m.count(k) == 1);
    }
}

}  // namespace

TEST_P(TrieTest, EmptyRoot) {
    Trie t(suite());
    Bytes rlp_empty{0x80};
    Hash256 want = suite().id() == crypto::SuiteId::kEcdsa ? crypto::keccak256(rlp_empty)
                                                           : crypto::sm3(rlp_empty);
    EXPECT_EQ(root_of(t), want);
    EXPECT_EQ(empty_root(suite()), want);
    if (suite().id() == crypto::SuiteId::kEcdsa) {
        EXPECT_EQ(to_hex(want),
                  "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    }
    ASSERT_TRUE(t.put(to_bytes("a"), to_bytes("b")));
    EXPECT_NE(root_of(t), want);
    ASSERT_TRUE(t.remove(to_bytes("a")));
    EXPECT_EQ(root_of(t), want);
}

TEST_P(TrieTest, RootOfOneShortLeafIsHashOfItsRlp) {
    // A root shorter than 32 bytes is still hashed (YP eq. 192): leaf [0x20 'a'..] here.
    Trie t(suite());
    ASSERT_TRUE(t.put(to_bytes("k"), to_bytes("v")));
    Bytes hp{0x20, 'k'};
    Bytes leaf = rlp::ListBuilder().add_string(hp).add_string(to_bytes("v")).finish();
    EXPECT_EQ(root_of(t), suite().hash(leaf));
}

TEST_P(TrieTest, RandomOperationsMatchFinalMapInAnyOrder) {
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 20; ++round) {
        Trie t(suite());
        Map ref;
        int ops = 1 + static_cast<int>(rng() % 400);
        for (int i = 0; i < ops; ++i) {
            Bytes k = random_key(rng);
            switch (rng() % 8) {
                case 0:
                case 1:
                case 2:  // delete, usually of a present key
                    if (!ref.empty() && rng() % 4) {
                        auto it = ref.begin();
                        std::advance(it, static_cast<long>(rng() % ref.size()));
                        k = it->first;
                    }
                    ASSERT_TRUE(t.remove(k));
                    ref.erase(k);
                    break;
                case 3:  // an empty value deletes too
                    ASSERT_TRUE(t.put(k, {}));
                    ref.erase(k);
                    break;
                default: {
                    Bytes v = random_value(rng);
                    ASSERT_TRUE(t.put(k, v));
                    ref[k] = v;
                }
            }
            // Hash now and then, so cached refs must be invalidated correctly.
            if (rng() % 16 == 0) (void)root_of(t);
        }
        Trie fresh = build(suite(), ref, rng);
        ASSERT_EQ(root_of(t), root_of(fresh)) << "round " << round << ", " << ref.size() << " keys";
        expect_contents(t, ref, rng);
    }
}

TEST_P(TrieTest, SameValueAgainChangesNothing) {
    Trie t(suite());
    ASSERT_TRUE(t.put(to_bytes("dog"), to_bytes("puppy")));
    ASSERT_TRUE(t.put(to_bytes("doge"), to_bytes("coin")));
    Hash256 before = root_of(t);
    ASSERT_TRUE(t.put(to_bytes("doge"), to_bytes("coin")));
    ASSERT_TRUE(t.remove(to_bytes("cat")));
    EXPECT_EQ(root_of(t), before);
    storage::WriteBatch b;
    ASSERT_TRUE(t.commit(b));
    EXPECT_FALSE(b.empty());
    storage::WriteBatch again;
    ASSERT_TRUE(t.commit(again));
    EXPECT_TRUE(again.empty()) << "an unchanged trie must write nothing";
}

namespace {

// Commits random tries into kv, reopens them from the root alone, changes them and commits
// again: every reopened trie must hold the map and agree with one built in memory.
void commit_reopen_cycle(const crypto::CryptoSuite& suite, storage::Kv& kv, uint64_t seed) {
    std::mt19937_64 rng(seed);
    Map ref;
    for (int i = 0; i < 300; ++i)
        ref[random_key(rng)] = random_value(rng);
    Trie t = build(suite, ref, rng, &kv);
    storage::WriteBatch batch;
    auto root = t.commit(batch);
    ASSERT_TRUE(root);
    ASSERT_TRUE(kv.write(batch, storage::kNoSync));

    for (int gen = 0; gen < 4; ++gen) {
        Trie reopened(suite, &kv, *root);
        expect_contents(reopened, ref, rng);
        for (int i = 0; i < 60; ++i) {
            Bytes k = random_key(rng);
            if (rng() % 3 == 0) {
                ASSERT_TRUE(reopened.remove(k));
                ref.erase(k);
            } else {
                Bytes v = random_value(rng);
                ASSERT_TRUE(reopened.put(k, v));
                ref[k] = v;
            }
        }
        batch.clear();
        root = reopened.commit(batch);
        ASSERT_TRUE(root);
        ASSERT_TRUE(kv.write(batch, storage::kNoSync));
        EXPECT_EQ(*root, root_of(build(suite, ref, rng)));
        // The same trie keeps working after forgetting its cache.
        EXPECT_TRUE(reopened.drop_cache());
        expect_contents(reopened, ref, rng);
    }
}

}  // namespace

TEST_P(TrieTest, CommitAndReopenMemoryKv) {
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    storage::MemoryKv kv;
    commit_reopen_cycle(suite(), kv, seed);
}

TEST_P(TrieTest, CommitAndReopenRocksKv) {
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    test::TempDir dir;
    Hash256 root;
    Map ref;
    {
        auto kv = storage::RocksKv::open(dir.path());
        ASSERT_TRUE(kv);
        commit_reopen_cycle(suite(), **kv, seed);
        std::mt19937_64 rng(seed + 1);
        for (int i = 0; i < 200; ++i)
            ref[random_key(rng)] = random_value(rng);
        Trie t = build(suite(), ref, rng, kv->get());
        storage::WriteBatch batch;
        root = *t.commit(batch);
        ASSERT_TRUE((*kv)->write(batch));
    }
    // The database itself is closed and opened again.
    auto kv = storage::RocksKv::open(dir.path());
    ASSERT_TRUE(kv);
    Trie t(suite(), kv->get(), root);
    std::mt19937_64 rng(seed + 2);
    expect_contents(t, ref, rng);
    EXPECT_EQ(root_of(t), root);
}

TEST_P(TrieTest, SingleShortRootReopens) {
    storage::MemoryKv kv;
    Trie t(suite(), &kv);
    ASSERT_TRUE(t.put(to_bytes("k"), to_bytes("v")));
    storage::WriteBatch batch;
    auto root = t.commit(batch);
    ASSERT_TRUE(root);
    ASSERT_TRUE(kv.write(batch));
    Trie r(suite(), &kv, *root);
    EXPECT_EQ(**r.get(to_bytes("k")), to_bytes("v"));
    ASSERT_TRUE(r.put(to_bytes("k2"), to_bytes("v2")));
    Trie m(suite());
    ASSERT_TRUE(m.put(to_bytes("k"), to_bytes("v")));
    ASSERT_TRUE(m.put(to_bytes("k2"), to_bytes("v2")));
    EXPECT_EQ(root_of(r), root_of(m));
}

TEST_P(TrieTest, MissingAndCorruptNodesAreErrors) {
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    Map ref;
    for (int i = 0; i < 100; ++i)
        ref[random_key(rng)] = random_value(rng);
    Trie t = build(suite(), ref, rng);
    storage::WriteBatch batch;
    auto root = t.commit(batch);
    ASSERT_TRUE(root);

    // Nothing written: the root is missing.
    storage::MemoryKv empty;
    Trie missing(suite(), &empty, *root);
    auto g = missing.get(ref.begin()->first);
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TrieError::kMissingNode);
    EXPECT_EQ(missing.root().value_or(Hash256{}), *root);  // the root hash is known anyway
    auto p = missing.put(to_bytes("x"), to_bytes("y"));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), TrieError::kMissingNode);
    EXPECT_EQ(missing.root().error(), TrieError::kMissingNode);  // broken from now on

    // No Kv at all behaves the same.
    Trie no_kv(suite(), nullptr, *root);
    EXPECT_EQ(no_kv.get(to_bytes("x")).error(), TrieError::kMissingNode);

    // Every node present but one: some key fails with kMissingNode, none crashes; a node
    // whose bytes do not match its hash is kBadNode.
    for (size_t skip = 0; skip < batch.size(); ++skip) {
        for (bool corrupt : {false, true}) {
            storage::MemoryKv kv;
            storage::WriteBatch partial;
            for (size_t i = 0; i < batch.size(); ++i) {
                const auto& op = batch.ops()[i];
                if (i != skip) {
                    partial.put(op.column, op.key, op.value);
                } else if (corrupt) {
                    Bytes v = op.value;
                    v[rng() % v.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
                    partial.put(op.column, op.key, v);
                }
            }
            ASSERT_TRUE(kv.write(partial));
            Trie damaged(suite(), &kv, *root);
            bool saw_error = false;
            for (auto& [k, v] : ref) {
                auto r = damaged.get(k);
                if (!r) {
                    saw_error = true;
                    EXPECT_EQ(r.error(), corrupt ? TrieError::kBadNode : TrieError::kMissingNode);
                } else {
                    EXPECT_EQ(r->value_or(Bytes{}), v);  // reachable values stay right
                }
            }
            EXPECT_TRUE(saw_error) << "node " << skip << " was never needed";
        }
    }
}

TEST_P(TrieTest, ProofsVerify) {
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 10; ++round) {
        Map ref;
        int n = static_cast<int>(rng() % 200);
        for (int i = 0; i < n; ++i)
            ref[random_key(rng)] = random_value(rng);
        Trie t = build(suite(), ref, rng);
        Hash256 root = root_of(t);
        std::vector<Bytes> keys;
        for (auto& [k, v] : ref)
            keys.push_back(k);
        for (int i = 0; i < 30; ++i)
            keys.push_back(random_key(rng));
        for (const Bytes& k : keys) {
            auto proof = t.prove(k);
            ASSERT_TRUE(proof);
            auto got = verify_proof(suite(), root, k, *proof);
            ASSERT_TRUE(got) << to_string(got.error()) << " key " << to_hex(k);
            auto it = ref.find(k);
            ASSERT_EQ(got->has_value(), it != ref.end()) << to_hex(k);
            if (it != ref.end()) {
                EXPECT_EQ(**got, it->second);
            }

            // Another key checked with this proof: a correct answer or kBadProof, never a lie.
            Bytes other = random_key(rng);
            auto o = verify_proof(suite(), root, other, *proof);
            if (o) {
                auto oit = ref.find(other);
                ASSERT_EQ(o->has_value(), oit != ref.end());
                if (oit != ref.end()) {
                    EXPECT_EQ(**o, oit->second);
                }
            } else {
                EXPECT_EQ(o.error(), TrieError::kBadProof);
            }

            if (proof->empty()) continue;
            // Tampering: a changed byte, a dropped node or another root is kBadProof.
            auto bad = *proof;
            size_t victim = rng() % bad.size();
            bad[victim][rng() % bad[victim].size()] ^= static_cast<uint8_t>(1 + rng() % 255);
            EXPECT_EQ(verify_proof(suite(), root, k, bad).error(), TrieError::kBadProof);
            bad = *proof;
            bad.erase(bad.begin() + static_cast<long>(rng() % bad.size()));
            EXPECT_EQ(verify_proof(suite(), root, k, bad).error(), TrieError::kBadProof);
            Hash256 wrong = root;
            wrong[rng() % 32] ^= 1;
            EXPECT_EQ(verify_proof(suite(), wrong, k, *proof).error(), TrieError::kBadProof);
        }
    }
}

TEST_P(TrieTest, ProofsFromReopenedTrie) {
    storage::MemoryKv kv;
    std::mt19937_64 rng(7);
    Map ref;
    for (int i = 0; i < 100; ++i)
        ref[random_key(rng)] = random_value(rng);
    Trie t = build(suite(), ref, rng, &kv);
    storage::WriteBatch batch;
    auto root = t.commit(batch);
    ASSERT_TRUE(kv.write(batch));
    Trie r(suite(), &kv, *root);
    for (auto& [k, v] : ref) {
        auto proof = r.prove(k);
        ASSERT_TRUE(proof);
        EXPECT_EQ(*proof, *t.prove(k));
        auto got = verify_proof(suite(), *root, k, *proof);
        ASSERT_TRUE(got);
        EXPECT_EQ(got->value_or(Bytes{}), v);
    }
}

TEST_P(TrieTest, EmptyTrieProvesAbsence) {
    Trie t(suite());
    auto proof = t.prove(to_bytes("anything"));
    ASSERT_TRUE(proof);
    EXPECT_TRUE(proof->empty());
    auto got = verify_proof(suite(), empty_root(suite()), to_bytes("anything"), *proof);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->has_value());
    EXPECT_EQ(verify_proof(suite(), Hash256{}, to_bytes("anything"), *proof).error(),
              TrieError::kBadProof);
}

TEST_P(TrieTest, RandomBytesAsProofsNeverCrash) {
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    Map ref;
    for (int i = 0; i < 50; ++i)
        ref[random_key(rng)] = random_value(rng);
    Trie t = build(suite(), ref, rng);
    for (int i = 0; i < 3000; ++i) {
        Bytes key = random_key(rng);
        std::vector<Bytes> proof;
        if (i % 2) {
            // Pure noise.
            for (size_t n = rng() % 4; n > 0; --n) {
                Bytes node(rng() % 120);
                for (auto& x : node)
                    x = static_cast<uint8_t>(rng());
                proof.push_back(node);
            }
        } else {
            // A real proof with mutated bytes, checked against the root of its mutated first
            // node, so the decoder and the walk really see the damaged nodes.
            proof = *t.prove(key);
            for (auto& node : proof)
                for (size_t n = rng() % 3; n > 0 && !node.empty(); --n)
                    node[rng() % node.size()] = static_cast<uint8_t>(rng());
        }
        Hash256 root = proof.empty() ? Hash256{} : suite().hash(proof[0]);
        auto r = verify_proof(suite(), root, key, proof);
        if (!r) {
            EXPECT_TRUE(r.error() == TrieError::kBadProof) << to_string(r.error());
        }
        // Decoding alone must not crash either.
        for (auto& node : proof)
            (void)decode_node(suite(), node);
    }
}

TEST_P(TrieTest, SecureTrieHashesKeys) {
    SecureTrie s(suite());
    Trie plain(suite());
    for (std::string k : {"alpha", "beta", "gamma", ""}) {
        ASSERT_TRUE(s.put(to_bytes(k), to_bytes(k + "-value")));
        ASSERT_TRUE(plain.put(suite().hash(to_bytes(k)), to_bytes(k + "-value")));
    }
    EXPECT_EQ(*s.root(), root_of(plain));
    EXPECT_EQ(**s.get(to_bytes("beta")), to_bytes("beta-value"));
    ASSERT_TRUE(s.remove(to_bytes("beta")));
    EXPECT_FALSE(s.get(to_bytes("beta"))->has_value());
    auto proof = s.prove(to_bytes("gamma"));
    ASSERT_TRUE(proof);
    auto got = verify_proof(suite(), *s.root(), s.hashed(to_bytes("gamma")), *proof);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->value_or(Bytes{}), to_bytes("gamma-value"));
}

TEST_P(TrieTest, OrderedRootUsesRlpIndexKeys) {
    std::mt19937_64 rng(3);
    std::vector<Bytes> items;
    auto empty = ordered_trie_root(suite(), items);
    ASSERT_TRUE(empty);
    EXPECT_EQ(*empty, empty_root(suite()));
    // 300 items cross the RLP(index) forms 0x80 (0), single bytes, 0x81xx and 0x82xxxx.
    for (int i = 0; i < 300; ++i)
        items.push_back(random_value(rng));
    Trie t(suite());
    for (size_t i = items.size(); i-- > 0;) {  // reverse order: the root must not care
        Bytes key;
        rlp::encode_uint(key, i);
        ASSERT_TRUE(t.put(key, items[i]));
    }
    auto root = ordered_trie_root(suite(), items);
    ASSERT_TRUE(root);
    EXPECT_EQ(*root, root_of(t));
    Bytes k0{0x80}, k1{0x01}, k128{0x81, 0x80}, k256{0x82, 0x01, 0x00};
    EXPECT_EQ(**t.get(k0), items[0]);
    EXPECT_EQ(**t.get(k1), items[1]);
    EXPECT_EQ(**t.get(k128), items[128]);
    EXPECT_EQ(**t.get(k256), items[256]);
}

TEST_P(TrieTest, Limits) {
    Trie t(suite());
    EXPECT_EQ(t.put(Bytes(kMaxKeyBytes + 1, 1), to_bytes("v")).error(), TrieError::kKeyTooLong);
    EXPECT_EQ(t.get(Bytes(kMaxKeyBytes + 1, 1)).error(), TrieError::kKeyTooLong);
    EXPECT_EQ(t.put(to_bytes("k"), Bytes(kMaxValueBytes + 1, 1)).error(),
              TrieError::kValueTooLarge);
    // Limit errors are the caller's, not corruption: the trie keeps working.
    ASSERT_TRUE(t.put(Bytes(kMaxKeyBytes, 0xab), Bytes(1000, 2)));
    EXPECT_EQ(**t.get(Bytes(kMaxKeyBytes, 0xab)), Bytes(1000, 2));
    auto proof = t.prove(Bytes(kMaxKeyBytes, 0xab));
    ASSERT_TRUE(proof);
    std::vector<Bytes> huge(kMaxProofNodes + 1, Bytes{0x80});
    EXPECT_EQ(verify_proof(suite(), *t.root(), to_bytes("k"), huge).error(),
              TrieError::kProofTooLarge);
}

TEST_P(TrieTest, NextAndPrevKeyFollowBytewiseOrder) {
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    storage::MemoryKv kv;
    for (int round = 0; round < 10; ++round) {
        Map ref;
        for (int i = static_cast<int>(rng() % 120); i > 0; --i)
            ref[random_key(rng)] = random_value(rng);
        Trie built = build(suite(), ref, rng, &kv);
        storage::WriteBatch batch;
        auto root = built.commit(batch);
        ASSERT_TRUE(kv.write(batch, storage::kNoSync));
        Trie t(suite(), &kv, *root);  // nodes load on demand during the walk
        for (int i = 0; i < 200; ++i) {
            Bytes k = random_key(rng);
            if (i % 2 && !ref.empty()) {
                auto it = ref.begin();
                std::advance(it, static_cast<long>(rng() % ref.size()));
                k = it->first;
            }
            auto next = t.next_key(k);
            auto prev = t.prev_key(k);
            ASSERT_TRUE(next && prev);
            auto up = ref.upper_bound(k);
            auto lo = ref.lower_bound(k);
            ASSERT_EQ(next->has_value(), up != ref.end()) << to_hex(k);
            if (up != ref.end()) {
                EXPECT_EQ(**next, up->first) << to_hex(k);
            }
            ASSERT_EQ(prev->has_value(), lo != ref.begin()) << to_hex(k);
            if (lo != ref.begin()) {
                EXPECT_EQ(**prev, std::prev(lo)->first) << to_hex(k);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Suites, TrieTest,
                         ::testing::Values(&crypto::ecdsa_suite(), &crypto::sm_suite()),
                         suite_name);

// ---- node encoding (suite-independent rules of YP Appendix C and D) ----

TEST(TrieNode, DecodeRejectsNonCanonicalNodes) {
    const auto& s = crypto::ecdsa_suite();
    auto leaf = [](Bytes hp, Bytes value) {
        return rlp::ListBuilder().add_string(hp).add_string(value).finish();
    };
    EXPECT_TRUE(decode_node(s, leaf({0x20, 0x12}, {0x05})));   // even leaf
    EXPECT_TRUE(decode_node(s, leaf({0x31, 0x23}, {0x05})));   // odd leaf
    EXPECT_FALSE(decode_node(s, leaf({0x21, 0x12}, {0x05})));  // even with nonzero padding
    EXPECT_FALSE(decode_node(s, leaf({0x40, 0x12}, {0x05})));  // flag 4
    EXPECT_FALSE(decode_node(s, leaf({}, {0x05})));            // no flag byte
    EXPECT_FALSE(decode_node(s, leaf({0x20}, {})));            // empty leaf value
    Bytes short_child = leaf({0x20, 0x01}, {0x05});
    auto ext = [](Bytes hp, BytesView child_raw) {
        return rlp::ListBuilder().add_string(hp).add_raw(child_raw).finish();
    };
    Bytes hash_ref{0xa0};
    hash_ref.resize(33, 0x11);
    EXPECT_TRUE(decode_node(s, ext({0x11}, short_child)));     // inlined child
    EXPECT_TRUE(decode_node(s, ext({0x00, 0x12}, hash_ref)));  // hashed child
    EXPECT_FALSE(decode_node(s, ext({0x11}, Bytes{0x80})));    // no child
    // An extension with an empty path would loop in place: rejected.
    EXPECT_FALSE(decode_node(s, ext({0x00}, hash_ref)));
    Bytes big_child = leaf({0x20, 0x01}, Bytes(40, 7));  // >= 32 bytes cannot be inlined
    EXPECT_FALSE(decode_node(s, ext({0x11}, big_child)));
    Bytes short_hash{0x9f};  // a 31-byte string is neither a hash nor a node
    short_hash.resize(32, 1);
    EXPECT_FALSE(decode_node(s, ext({0x11}, short_hash)));
    rlp::ListBuilder three;
    three.add_string(Bytes{0x20}).add_string(Bytes{1}).add_string(Bytes{2});
    EXPECT_FALSE(decode_node(s, three.finish()));
    rlp::ListBuilder branch;
    for (int i = 0; i < 16; ++i)
        branch.add_string({});
    branch.add_string(Bytes{9});
    EXPECT_TRUE(decode_node(s, branch.finish()));
    branch.add_string({});  // 18 items
    EXPECT_FALSE(decode_node(s, branch.finish()));
    EXPECT_FALSE(decode_node(s, Bytes{0x80}));  // a string, not a list
    EXPECT_FALSE(decode_node(s, Bytes{}));
}

TEST(TrieNode, EncodeDecodeRoundTrip) {
    const auto& s = crypto::sm_suite();
    Trie t(s);
    storage::MemoryKv kv;
    std::mt19937_64 rng(11);
    for (int i = 0; i < 200; ++i)
        ASSERT_TRUE(t.put(random_key(rng), random_value(rng)));
    storage::WriteBatch batch;
    ASSERT_TRUE(t.commit(batch));
    for (const auto& op : batch.ops()) {
        auto n = decode_node(s, op.value);
        ASSERT_TRUE(n) << to_hex(op.value);
        Bytes again;
        encode_node(**n, again);
        EXPECT_EQ(again, op.value);
        EXPECT_EQ(s.hash(op.value), Hash256::from(op.key));
    }
}
