// SPDX-License-Identifier: Apache-2.0
// State over a Kv (backend.hpp, State::commit): random blocks of transactions applied to a
// Kv-backed State, committed after every block and sometimes reopened from the flat copy,
// and to an in-memory State; after every block both give the same root and the same reads,
// the flat copy rebuilt from scratch gives the same root, and trie_backend at every older
// root still reads that block's values. Run on MemoryKv and RocksKv, under both suites
// (STYLE.md 10). Also: genesis on an empty database, failures, and EIP-1186 proofs.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/seed.hpp"
#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "state/backend.hpp"
#include "state/proof.hpp"
#include "state/state.hpp"
#include "storage/memory_kv.hpp"
#include "storage/rocks_kv.hpp"
#include "storage/test_util.hpp"
#include "trie/trie.hpp"

namespace xl::state {
namespace {

using storage::Column;

enum class KvKind { kMemory, kRocks };

// A Kv whose reads can be made to fail with kIoError (STYLE.md: an Env that injects faults).
class FaultyKv final : public storage::Kv {
public:
    explicit FaultyKv(storage::Kv& inner) : inner_(inner) {}
    bool fail_reads = false;
    Result<Bytes, storage::StorageError> get(Column c, BytesView key) const override {
        if (fail_reads) return unexpected(storage::StorageError::kIoError);
        return inner_.get(c, key);
    }
    Result<void, storage::StorageError> write(const storage::WriteBatch& batch,
                                              storage::WriteOptions options) override {
        return inner_.write(batch, options);
    }
    std::unique_ptr<storage::Iterator> iterate(Column c, BytesView prefix) const override {
        return inner_.iterate(c, prefix);
    }

private:
    storage::Kv& inner_;
};

// One store: a MemoryKv, or a RocksDB in a temp dir.
class Store {
public:
    explicit Store(KvKind kind) {
        if (kind == KvKind::kMemory) {
            kv_ = std::make_unique<storage::MemoryKv>();
            return;
        }
        auto r = storage::RocksKv::open(dir_.path());
        if (!r) {
            ADD_FAILURE() << "RocksKv::open: " << storage::to_string(r.error());
            return;
        }
        kv_ = std::move(*r);
    }
    storage::Kv& kv() { return *kv_; }

private:
    test::TempDir dir_;
    std::unique_ptr<storage::Kv> kv_;
};

using Param = std::tuple<KvKind, crypto::SuiteId>;

class StateBackendTest : public ::testing::TestWithParam<Param> {
protected:
    StateBackendTest()
        : store_(std::get<0>(GetParam())),
          suite_(std::get<1>(GetParam()) == crypto::SuiteId::kEcdsa ? crypto::ecdsa_suite()
                                                                    : crypto::sm_suite()) {}
    storage::Kv& kv() { return store_.kv(); }

    // Commits s into the Kv (one write, as the ledger does); returns the root.
    Hash256 commit(State& s) {
        storage::WriteBatch batch;
        auto root = s.commit(batch, suite_);
        EXPECT_TRUE(root.has_value()) << to_string(root.error());
        auto w = kv().write(batch, storage::kNoSync);
        EXPECT_TRUE(w.has_value());
        return root.has_value() ? *root : Hash256{};
    }

    Store store_;
    const crypto::CryptoSuite& suite_;
};

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
    return std::string(std::get<0>(info.param) == KvKind::kMemory ? "Memory" : "Rocks") +
           (std::get<1>(info.param) == crypto::SuiteId::kEcdsa ? "Ecdsa" : "Sm");
}

INSTANTIATE_TEST_SUITE_P(All, StateBackendTest,
                         ::testing::Combine(::testing::Values(KvKind::kMemory, KvKind::kRocks),
                                            ::testing::Values(crypto::SuiteId::kEcdsa,
                                                              crypto::SuiteId::kSm)),
                         param_name);

Address addr(uint8_t i) {
    Address a;
    a.bytes[0] = 0xa0;
    a.bytes[19] = i;
    return a;
}

// What one account reads as, for comparisons.
struct View {
    bool exists = false;
    uint64_t nonce = 0;
    U256 balance;
    Hash256 code_hash;
    Bytes code;
    std::map<U256, U256> storage;  // the probed keys, zeros dropped
    friend bool operator==(const View&, const View&) = default;
};

constexpr uint8_t kAddresses = 7;
constexpr uint64_t kKeys = 3;

std::map<Address, View> view(const State& s) {
    std::map<Address, View> out;
    for (uint8_t i = 0; i < kAddresses; ++i) {
        View v;
        v.exists = s.exists(addr(i));
        v.nonce = s.nonce(addr(i));
        v.balance = s.balance(addr(i));
        v.code_hash = s.code_hash(addr(i));
        const BytesView c = s.code(addr(i));
        v.code.assign(c.begin(), c.end());
        for (uint64_t k = 0; k < kKeys; ++k) {
            const U256 value = s.current_storage(addr(i), U256{k});
            if (!value.is_zero()) v.storage[U256{k}] = value;
        }
        out[addr(i)] = std::move(v);
    }
    return out;
}

// The flat copy loaded whole into an in-memory State: its root must be the committed root.
// Also fails on a slot whose account is absent (a leak of deleted storage).
Hash256 root_from_flat(const storage::Kv& kv, const crypto::CryptoSuite& suite) {
    std::map<Address, GenesisAccount> accounts;
    auto it = kv.iterate(Column::kState);
    for (it->seek_to_first(); it->valid(); it->next()) {
        const BytesView key = it->key();
        const Address a = Address::from(key.subspan(0, 20));
        if (key.size() == kFlatAccountKeyBytes) {
            auto acc = decode_account(it->value());
            EXPECT_TRUE(acc.has_value());
            if (!acc) continue;
            GenesisAccount& g = accounts[a];
            g.nonce = acc->nonce;
            g.balance = acc->balance;
            if (acc->code_hash != kEmptyCodeHash) {
                auto code = kv.get(Column::kCode, acc->code_hash);
                EXPECT_TRUE(code.has_value());
                if (code) g.code = *code;
            }
        } else {
            EXPECT_EQ(key.size(), kFlatSlotKeyBytes);
            EXPECT_TRUE(accounts.contains(a)) << "slot of an absent account " << to_hex(key);
            auto v = decode_slot(it->value());
            EXPECT_TRUE(v.has_value());
            if (v) accounts[a].storage[U256::from_be_bytes(key.subspan(20))] = *v;
        }
    }
    EXPECT_TRUE(it->status().has_value());
    State s;
    for (const auto& [a, g] : accounts)
        s.put_account(a, g);
    return *s.state_root(suite);
}

// One random transaction applied identically to every State in `states`.
void random_transaction(std::mt19937_64& rng, const std::vector<State*>& states) {
    auto pick = [&rng](uint64_t n) { return rng() % n; };
    for (State* s : states)
        s->begin_transaction();
    std::vector<State::SnapshotId> snaps;
    const int ops = 1 + static_cast<int>(pick(24));
    for (int i = 0; i < ops; ++i) {
        const Address a = addr(static_cast<uint8_t>(pick(kAddresses)));
        const U256 key{pick(kKeys)};
        const uint64_t op = pick(100);
        const U256 value{pick(3) == 0 ? 0 : 1 + pick(1000)};
        Bytes code;
        if (pick(2) == 0) code = test::random_vector(rng, 1 + pick(40));
        for (State* s : states) {
            if (op < 25) {
                s->set_storage(a, key, value);
            } else if (op < 35) {
                (void)s->add_balance(a, value);
            } else if (op < 42) {
                (void)s->sub_balance(a, value);
            } else if (op < 48) {
                (void)s->increment_nonce(a);
            } else if (op < 53) {
                s->set_code(a, code);
            } else if (op < 58) {
                s->create_account(a);
            } else if (op < 62) {
                s->delete_account(a);
            } else if (op < 66) {
                s->clear_storage(a);
            } else if (op < 70) {
                s->selfdestruct(a);
            } else if (op < 74) {
                s->touch(a);
            } else if (op < 78) {
                s->ensure_account(a);
            } else if (op < 90) {
                (void)s->current_storage(a, key);  // lazy loads in various orders
                (void)s->has_storage(a);
            }
        }
        // Snapshot ids are equal across the States: they saw the same operations.
        if (op >= 90 && op < 95) {
            snaps.push_back(states.front()->snapshot());
        } else if (op >= 95 && !snaps.empty()) {
            const size_t n = pick(snaps.size());
            for (State* s : states)
                s->revert_to(snaps[n]);
            snaps.resize(n);  // the later ones are invalidated
        }
    }
    for (State* s : states)
        s->finalize_transaction();
}

TEST_P(StateBackendTest, RandomBlocksMatchTheInMemoryState) {
    std::mt19937_64 rng(test::seed());
    // Genesis on the empty database.
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    auto disk = std::make_unique<State>(backend.get());
    State mem;
    for (uint8_t i = 0; i < 3; ++i) {
        GenesisAccount g;
        g.balance = U256{1000u + i};
        g.nonce = i;
        if (i == 1) g.code = Bytes{0x60, 0x00};
        g.storage[U256{1}] = U256{10u + i};
        disk->put_account(addr(i), g);
        mem.put_account(addr(i), g);
    }
    std::vector<std::pair<Hash256, std::map<Address, View>>> history;
    for (int block = 0; block < 60; ++block) {
        if (block > 0) {
            const int txs = 1 + static_cast<int>(rng() % 4);
            for (int t = 0; t < txs; ++t)
                random_transaction(rng, {disk.get(), &mem});
        }
        ASSERT_FALSE(disk->failure().has_value());
        ASSERT_EQ(view(*disk), view(mem)) << "block " << block;
        const Hash256 root = commit(*disk);
        ASSERT_EQ(root, *mem.state_root(suite_)) << "block " << block;
        ASSERT_EQ(root_from_flat(kv(), suite_), root) << "block " << block;
        history.emplace_back(root, view(mem));
        {
            // EIP-7610's has_storage depends only on the committed state: a State that lived
            // through the blocks and one reopened at the root agree.
            auto fb = flat_backend(kv(), suite_, root);
            State reopened(fb.get());
            for (uint8_t i = 0; i < kAddresses; ++i)
                ASSERT_EQ(disk->has_storage(addr(i)), reopened.has_storage(addr(i)))
                    << "block " << block << " address " << int{i};
        }
        // Half of the time the node "restarts": a fresh State on the flat copy at the root,
        // or on the tries (whose base then stays at that root while the State commits on).
        if (rng() % 2 == 0) {
            disk.reset();
            backend = rng() % 2 == 0 ? flat_backend(kv(), suite_, root)
                                     : trie_backend(kv(), suite_, root);
            disk = std::make_unique<State>(backend.get());
            ASSERT_EQ(*disk->state_root(suite_), root);
            ASSERT_EQ(view(*disk), view(mem));
        }
        // The tries at every older root still read that block's values.
        const size_t old = rng() % history.size();
        auto tb = trie_backend(kv(), suite_, history[old].first);
        State at_old(tb.get());
        ASSERT_EQ(view(at_old), history[old].second) << "root of block " << old;
        ASSERT_FALSE(at_old.failure().has_value());
    }
    for (const auto& [root, v] : history) {
        auto tb = trie_backend(kv(), suite_, root);
        State at(tb.get());
        EXPECT_EQ(view(at), v);
        EXPECT_EQ(*at.state_root(suite_), root);
    }
}

TEST_P(StateBackendTest, DeletedAndWipedStorageDoesNotComeBack) {
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    State s(backend.get());
    GenesisAccount g;
    g.balance = U256{5};
    g.storage = {{U256{1}, U256{11}}, {U256{2}, U256{22}}};
    s.put_account(addr(1), g);
    s.put_account(addr(2), g);
    s.put_account(addr(3), g);
    Hash256 root = commit(s);

    // A fresh State that never read the slots: delete, create over, clear storage.
    auto b2 = flat_backend(kv(), suite_, root);
    State t(b2.get());
    t.begin_transaction();
    EXPECT_TRUE(t.has_storage(addr(1)));
    t.delete_account(addr(1));
    t.create_account(addr(2));
    t.clear_storage(addr(3));
    EXPECT_EQ(t.current_storage(addr(1), U256{1}), U256{});
    EXPECT_EQ(t.current_storage(addr(2), U256{1}), U256{});
    EXPECT_EQ(t.current_storage(addr(3), U256{2}), U256{});
    EXPECT_FALSE(t.has_storage(addr(2)));
    EXPECT_EQ(t.balance(addr(2)), U256{5});  // Yellow Paper eq. 99
    t.set_balance(addr(1), U256{7});         // recreated: no old slot
    t.set_storage(addr(3), U256{2}, U256{33});
    t.finalize_transaction();
    root = commit(t);
    EXPECT_EQ(root_from_flat(kv(), suite_), root);

    auto b3 = flat_backend(kv(), suite_, root);
    State u(b3.get());
    EXPECT_EQ(u.current_storage(addr(1), U256{1}), U256{});
    EXPECT_EQ(u.current_storage(addr(2), U256{2}), U256{});
    EXPECT_EQ(u.current_storage(addr(3), U256{1}), U256{});
    EXPECT_EQ(u.current_storage(addr(3), U256{2}), U256{33});
    EXPECT_FALSE(u.has_storage(addr(1)));
    EXPECT_TRUE(u.has_storage(addr(3)));
    // Only addr(3) keeps a slot in the flat copy.
    size_t slots = 0;
    auto it = kv().iterate(Column::kState);
    for (it->seek_to_first(); it->valid(); it->next())
        slots += it->key().size() == kFlatSlotKeyBytes;
    EXPECT_EQ(slots, 1u);
}

// A slot cleared in the cache must not be reloaded from the backend when a later change to
// it is reverted (the journal's prior value is 0, which for a backed account is a cached 0).
TEST_P(StateBackendTest, ClearedSlotStaysClearedAfterARevert) {
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    State s(backend.get());
    GenesisAccount g;
    g.balance = U256{1};
    g.storage[U256{1}] = U256{5};
    s.put_account(addr(1), g);
    const Hash256 root = commit(s);
    auto b2 = flat_backend(kv(), suite_, root);
    State t(b2.get());
    State mem;
    mem.put_account(addr(1), g);
    for (State* x : {&t, &mem}) {
        x->begin_transaction();
        x->set_storage(addr(1), U256{1}, U256{});
        const auto snap = x->snapshot();
        x->set_storage(addr(1), U256{1}, U256{6});
        x->revert_to(snap);
        x->finalize_transaction();
    }
    EXPECT_EQ(t.current_storage(addr(1), U256{1}), U256{});
    EXPECT_EQ(commit(t), *mem.state_root(suite_));
}

TEST_P(StateBackendTest, CommitWithoutChangesKeepsTheRoot) {
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    State s(backend.get());
    EXPECT_EQ(commit(s), trie::empty_root(suite_));
    GenesisAccount g;
    g.balance = U256{1};
    s.put_account(addr(1), g);
    const Hash256 root = commit(s);
    storage::WriteBatch batch;
    EXPECT_EQ(*s.commit(batch, suite_), root);
    EXPECT_TRUE(batch.empty());
}

TEST_P(StateBackendTest, ReadFailureIsStickyAndBlocksCommit) {
    {
        auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
        State s(backend.get());
        GenesisAccount g;
        g.balance = U256{9};
        g.storage[U256{1}] = U256{1};
        s.put_account(addr(1), g);
        commit(s);
    }
    const Hash256 root = root_from_flat(kv(), suite_);
    FaultyKv faulty(kv());
    auto backend = flat_backend(faulty, suite_, root);
    State s(backend.get());
    EXPECT_EQ(s.balance(addr(1)), U256{9});
    faulty.fail_reads = true;
    EXPECT_EQ(s.current_storage(addr(1), U256{1}), U256{});  // not cached: fails
    ASSERT_TRUE(s.failure().has_value());
    EXPECT_EQ(*s.failure(), StateError::kStorage);
    faulty.fail_reads = false;
    EXPECT_EQ(s.current_storage(addr(1), U256{1}), U256{1});
    EXPECT_EQ(*s.failure(), StateError::kStorage);  // sticky
    s.begin_transaction();
    s.set_balance(addr(1), U256{3});
    s.finalize_transaction();
    storage::WriteBatch batch;
    auto r = s.commit(batch, suite_);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), StateError::kStorage);
    EXPECT_TRUE(batch.empty());
    EXPECT_FALSE(s.state_root(suite_).has_value());
}

TEST_P(StateBackendTest, CorruptFlatAccountIsCorrupt) {
    ASSERT_TRUE(kv().put(Column::kState, addr(1), Bytes{0xc1, 0x00}).has_value());
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    State s(backend.get());
    EXPECT_FALSE(s.exists(addr(1)));
    EXPECT_EQ(s.failure(), StateError::kCorrupt);
    // An unknown root is a missing trie node: corruption too.
    auto tb = trie_backend(kv(), suite_, suite_.hash(Bytes{1}));
    State t(tb.get());
    EXPECT_EQ(t.balance(addr(1)), U256{});
    EXPECT_EQ(t.failure(), StateError::kCorrupt);
}

TEST_P(StateBackendTest, CodeIsLoadedLazilyAndStoredOnce) {
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    State s(backend.get());
    const Bytes code = {0x60, 0x01, 0x60, 0x02};
    s.begin_transaction();
    s.set_code(addr(1), code);
    s.finalize_transaction();
    const Hash256 root = commit(s);
    EXPECT_EQ(*kv().get(Column::kCode, crypto::keccak256(code)), code);

    auto b2 = flat_backend(kv(), suite_, root);
    State t(b2.get());
    t.begin_transaction();
    t.set_balance(addr(1), U256{1});  // the code is neither read nor rewritten
    t.finalize_transaction();
    storage::WriteBatch batch;
    ASSERT_TRUE(t.commit(batch, suite_).has_value());
    for (const auto& op : batch.ops())
        EXPECT_NE(op.column, Column::kCode);
    ASSERT_TRUE(kv().write(batch).has_value());
    EXPECT_EQ(Bytes(t.code(addr(1)).begin(), t.code(addr(1)).end()), code);
    EXPECT_FALSE(t.failure().has_value());
}

TEST_P(StateBackendTest, StateRootUnderTheOtherSuiteIsRefused) {
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    State s(backend.get());
    const auto& other =
        suite_.id() == crypto::SuiteId::kEcdsa ? crypto::sm_suite() : crypto::ecdsa_suite();
    auto r = s.state_root(other);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), StateError::kSuiteMismatch);
    State mem;
    storage::WriteBatch batch;
    EXPECT_EQ(mem.commit(batch, suite_).error(), StateError::kNoBackend);
}

TEST_P(StateBackendTest, ProofsVerifyAgainstTheRoot) {
    auto backend = flat_backend(kv(), suite_, trie::empty_root(suite_));
    State s(backend.get());
    for (uint8_t i = 0; i < 20; ++i) {
        GenesisAccount g;
        g.balance = U256{100u + i};
        g.nonce = i;
        for (uint64_t k = 0; k < 10; ++k)
            g.storage[U256{k * 7 + i}] = U256{k + 1};
        s.put_account(addr(i), g);
    }
    const Hash256 root = commit(s);

    const std::vector<U256> keys = {U256{7 * 3 + 5}, U256{999}};  // present, absent
    auto p = prove(kv(), suite_, root, addr(5), keys);
    ASSERT_TRUE(p.has_value()) << to_string(p.error());
    EXPECT_EQ(p->account.balance, U256{105});
    EXPECT_EQ(p->account.nonce, 5u);
    auto leaf = trie::verify_proof(suite_, root, suite_.hash(addr(5)), p->account_proof);
    ASSERT_TRUE(leaf.has_value() && leaf->has_value());
    EXPECT_EQ(**leaf, encode_account(p->account));
    ASSERT_EQ(p->storage.size(), 2u);
    EXPECT_EQ(p->storage[0].value, U256{4});
    EXPECT_TRUE(p->storage[1].value.is_zero());
    for (const StorageProof& sp : p->storage) {
        auto v = trie::verify_proof(suite_, p->account.storage_root, suite_.hash(sp.key.to_hash()),
                                    sp.proof);
        ASSERT_TRUE(v.has_value());
        if (sp.value.is_zero()) {
            EXPECT_FALSE(v->has_value());
        } else {
            ASSERT_TRUE(v->has_value());
            EXPECT_EQ(**v, encode_slot(sp.value));
        }
    }
    // A tampered value does not verify.
    auto bad = trie::verify_proof(suite_, root, suite_.hash(addr(6)), p->account_proof);
    EXPECT_FALSE(bad.has_value() && bad->has_value());

    // An absent account: zero values, an exclusion proof, empty storage proofs.
    auto q = prove(kv(), suite_, root, addr(99), keys);
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(q->account.nonce, 0u);
    EXPECT_TRUE(q->account.balance.is_zero());
    EXPECT_EQ(q->account.code_hash, kEmptyCodeHash);
    EXPECT_EQ(q->account.storage_root, trie::empty_root(suite_));
    auto none = trie::verify_proof(suite_, root, suite_.hash(addr(99)), q->account_proof);
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());
    for (const StorageProof& sp : q->storage) {
        EXPECT_TRUE(sp.value.is_zero());
        auto v = trie::verify_proof(suite_, q->account.storage_root, suite_.hash(sp.key.to_hash()),
                                    sp.proof);
        ASSERT_TRUE(v.has_value());
        EXPECT_FALSE(v->has_value());
    }
    // An unknown root is corruption, not an absent account.
    EXPECT_EQ(prove(kv(), suite_, suite_.hash(Bytes{7}), addr(1), {}).error(),
              StateError::kCorrupt);
}

}  // namespace
}  // namespace xl::state
