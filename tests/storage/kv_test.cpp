// SPDX-License-Identifier: Apache-2.0
// One typed test suite run against MemoryKv and RocksKv (STYLE.md 10): both must behave the
// same for everything the Kv interface promises.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "storage/memory_kv.hpp"
#include "storage/rocks_kv.hpp"
#include "storage/test_util.hpp"

using namespace xl;
using namespace xl::storage;

namespace {

// Each fixture owns a store and can "reopen" it: a RocksDB closes and opens the same
// directory; a MemoryKv has nothing to reopen, so it keeps the same object.
struct MemoryBackend {
    static constexpr bool kPersistent = false;
    std::unique_ptr<MemoryKv> kv = std::make_unique<MemoryKv>();
    Kv& get() { return *kv; }
    void reopen() {}
};

struct RocksBackend {
    static constexpr bool kPersistent = true;
    test::TempDir dir;
    std::unique_ptr<RocksKv> kv;
    RocksBackend() { reopen(); }
    Kv& get() { return *kv; }
    void reopen() {
        kv.reset();
        auto r = RocksKv::open(dir.path());
        if (!r) {
            ADD_FAILURE() << "RocksKv::open: " << to_string(r.error());
            return;
        }
        kv = std::move(*r);
    }
};

template <typename Backend>
class KvTest : public ::testing::Test {
protected:
    Backend backend_;
    Kv& kv() { return backend_.get(); }
};

using Backends = ::testing::Types<MemoryBackend, RocksBackend>;
class BackendNames {
public:
    template <typename T>
    static std::string GetName(int) {
        return std::is_same_v<T, MemoryBackend> ? "Memory" : "Rocks";
    }
};
TYPED_TEST_SUITE(KvTest, Backends, BackendNames);

Bytes b(std::string_view s) {
    return to_bytes(s);
}

using Map = std::map<Bytes, Bytes, BytesLess>;

Map scan(const Kv& kv, Column c, BytesView prefix = {}) {
    Map out;
    auto it = kv.iterate(c, prefix);
    for (it->seek_to_first(); it->valid(); it->next())
        out.emplace(Bytes(it->key().begin(), it->key().end()),
                    Bytes(it->value().begin(), it->value().end()));
    EXPECT_TRUE(it->status());
    return out;
}

}  // namespace

TYPED_TEST(KvTest, PutGetDelete) {
    Kv& kv = this->kv();
    auto missing = kv.get(Column::kState, b("k"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), StorageError::kNotFound);

    ASSERT_TRUE(kv.put(Column::kState, b("k"), b("v1"), kNoSync));
    EXPECT_EQ(*kv.get(Column::kState, b("k")), b("v1"));
    ASSERT_TRUE(kv.put(Column::kState, b("k"), b("v2"), kNoSync));
    EXPECT_EQ(*kv.get(Column::kState, b("k")), b("v2"));
    EXPECT_TRUE(*kv.contains(Column::kState, b("k")));

    ASSERT_TRUE(kv.del(Column::kState, b("k"), kNoSync));
    EXPECT_EQ(kv.get(Column::kState, b("k")).error(), StorageError::kNotFound);
    EXPECT_FALSE(*kv.contains(Column::kState, b("k")));
    // Deleting an absent key is not an error.
    EXPECT_TRUE(kv.del(Column::kState, b("absent"), kNoSync));
}

TYPED_TEST(KvTest, ColumnsAreSeparate) {
    Kv& kv = this->kv();
    for (Column c : all_columns())
        ASSERT_TRUE(kv.put(c, b("same"), b(column_name(c)), kNoSync)) << column_name(c);
    for (Column c : all_columns())
        EXPECT_EQ(*kv.get(c, b("same")), b(column_name(c)));
    ASSERT_TRUE(kv.del(Column::kBlocks, b("same"), kNoSync));
    EXPECT_FALSE(kv.get(Column::kBlocks, b("same")));
    EXPECT_TRUE(kv.get(Column::kReceipts, b("same")));
}

TYPED_TEST(KvTest, BatchAppliesInOrderAndAtomically) {
    Kv& kv = this->kv();
    ASSERT_TRUE(kv.put(Column::kMeta, b("gone"), b("x"), kNoSync));
    WriteBatch batch;
    batch.put(Column::kMeta, b("a"), b("1"));
    batch.put(Column::kMeta, b("a"), b("2"));  // later op on the same key wins
    batch.put(Column::kIndex, b("i"), b("3"));
    batch.del(Column::kMeta, b("gone"));
    batch.put(Column::kMeta, b("b"), b("4"));
    batch.del(Column::kMeta, b("b"));
    EXPECT_EQ(batch.size(), 6u);
    ASSERT_TRUE(kv.write(batch));  // durable (sync) write
    EXPECT_EQ(*kv.get(Column::kMeta, b("a")), b("2"));
    EXPECT_EQ(*kv.get(Column::kIndex, b("i")), b("3"));
    EXPECT_FALSE(kv.get(Column::kMeta, b("gone")));
    EXPECT_FALSE(kv.get(Column::kMeta, b("b")));

    // A batch over a limit is refused whole: none of its earlier ops become visible.
    WriteBatch bad;
    bad.put(Column::kMeta, b("c"), b("5"));
    bad.put(Column::kMeta, Bytes(kMaxKeyBytes + 1, 'k'), b("v"));
    EXPECT_FALSE(bad.within_limits());
    auto r = kv.write(bad, kNoSync);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), StorageError::kInvalidArgument);
    EXPECT_FALSE(kv.get(Column::kMeta, b("c")));

    WriteBatch empty;
    EXPECT_TRUE(kv.write(empty, kNoSync));
}

// RocksKv hands a batch to RocksDB sorted by key: many ops on few keys, in every column and
// in random order, must still leave what the ops say in their order (the last one wins).
TYPED_TEST(KvTest, BatchOfRepeatedKeysEndsAsItsLastOps) {
    Kv& kv = this->kv();
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::map<std::pair<Column, Bytes>, std::optional<Bytes>> want;
    const auto columns = all_columns();
    for (int round = 0; round < 3; ++round) {
        WriteBatch batch;
        for (int i = 0; i < 2000; ++i) {
            const Column c = columns[rng() % columns.size()];
            Bytes k(rng() % 3, 0);  // 0..2 bytes of 0..3: many repeats, prefixes of each other
            for (auto& x : k)
                x = static_cast<uint8_t>(rng() % 4);
            if (rng() % 3 == 0) {
                batch.del(c, k);
                want[{c, k}] = std::nullopt;
            } else {
                Bytes v = {static_cast<uint8_t>(round), static_cast<uint8_t>(i),
                           static_cast<uint8_t>(i >> 8)};
                batch.put(c, k, v);
                want[{c, k}] = v;
            }
        }
        ASSERT_TRUE(kv.write(batch, kNoSync));
        for (const auto& [ck, v] : want) {
            auto got = kv.get(ck.first, ck.second);
            if (v) {
                ASSERT_TRUE(got) << column_name(ck.first) << " " << to_hex(ck.second);
                EXPECT_EQ(*got, *v);
            } else {
                EXPECT_FALSE(got) << column_name(ck.first) << " " << to_hex(ck.second);
            }
        }
    }
}

TYPED_TEST(KvTest, IterationIsBytewiseOrdered) {
    Kv& kv = this->kv();
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    Map want;
    WriteBatch batch;
    for (int i = 0; i < 300; ++i) {
        Bytes k(rng() % 6, 0), v(rng() % 8, 0);
        for (auto& x : k)
            x = static_cast<uint8_t>(rng() % 4 == 0 ? 0xff : rng());
        for (auto& x : v)
            x = static_cast<uint8_t>(rng());
        want[k] = v;
        batch.put(Column::kState, k, v);
    }
    ASSERT_TRUE(kv.write(batch, kNoSync));
    EXPECT_EQ(scan(kv, Column::kState), want);
    EXPECT_TRUE(scan(kv, Column::kBlocks).empty());

    // seek lands on the first key >= target.
    auto it = kv.iterate(Column::kState);
    for (int i = 0; i < 50; ++i) {
        Bytes target(rng() % 4, 0);
        for (auto& x : target)
            x = static_cast<uint8_t>(rng());
        it->seek(target);
        auto lb = want.lower_bound(target);
        ASSERT_EQ(it->valid(), lb != want.end());
        if (lb != want.end()) {
            EXPECT_EQ(Bytes(it->key().begin(), it->key().end()), lb->first);
            EXPECT_EQ(Bytes(it->value().begin(), it->value().end()), lb->second);
        }
    }
}

TYPED_TEST(KvTest, PrefixScans) {
    Kv& kv = this->kv();
    WriteBatch batch;
    for (std::string k : {"a", "ab", "abc", "abd", "ac", "b", ""})
        batch.put(Column::kIndex, b(k), b(k));
    Bytes ff{0xff, 0xff}, ff0{0xff, 0xff, 0x00}, fe{0xff, 0xfe};
    batch.put(Column::kIndex, ff, b("1"));
    batch.put(Column::kIndex, ff0, b("2"));
    batch.put(Column::kIndex, fe, b("3"));
    ASSERT_TRUE(kv.write(batch, kNoSync));

    auto keys = [&](BytesView prefix) {
        std::string out;
        for (auto& [k, v] : scan(kv, Column::kIndex, prefix))
            out += to_hex(k, false) + ",";
        return out;
    };
    EXPECT_EQ(keys(b("ab")), "6162,616263,616264,");
    EXPECT_EQ(keys(b("abc")), "616263,");
    EXPECT_EQ(keys(b("z")), "");
    // A prefix of all 0xff has no successor: the scan must still stop at the prefix end.
    EXPECT_EQ(keys(ff), "ffff,ffff00,");
    EXPECT_EQ(keys(Bytes{0xff}), "fffe,ffff,ffff00,");
    EXPECT_EQ(scan(kv, Column::kIndex).size(), 10u);

    // seek before the prefix goes to its start; seek after it ends the scan.
    auto it = kv.iterate(Column::kIndex, b("ab"));
    it->seek(b("a"));
    ASSERT_TRUE(it->valid());
    EXPECT_EQ(Bytes(it->key().begin(), it->key().end()), b("ab"));
    it->seek(b("abd"));
    ASSERT_TRUE(it->valid());
    EXPECT_EQ(Bytes(it->key().begin(), it->key().end()), b("abd"));
    it->next();
    EXPECT_FALSE(it->valid());
    it->seek(b("b"));
    EXPECT_FALSE(it->valid());
}

TYPED_TEST(KvTest, EmptyKeysAndValues) {
    Kv& kv = this->kv();
    ASSERT_TRUE(kv.put(Column::kMeta, {}, b("empty key"), kNoSync));
    ASSERT_TRUE(kv.put(Column::kMeta, b("empty value"), {}, kNoSync));
    EXPECT_EQ(*kv.get(Column::kMeta, {}), b("empty key"));
    auto v = kv.get(Column::kMeta, b("empty value"));
    ASSERT_TRUE(v);  // present with an empty value, which is not "not found"
    EXPECT_TRUE(v->empty());
    auto all = scan(kv, Column::kMeta);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(all.begin()->first.empty());  // the empty key sorts first
    ASSERT_TRUE(kv.del(Column::kMeta, {}, kNoSync));
    EXPECT_FALSE(kv.get(Column::kMeta, {}));
}

TYPED_TEST(KvTest, LargeValues) {
    Kv& kv = this->kv();
    uint64_t seed = test::seed();
    SCOPED_TRACE("XL_TEST_SEED=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    Bytes big(size_t{8} << 20);
    for (auto& x : big)
        x = static_cast<uint8_t>(rng());
    ASSERT_TRUE(kv.put(Column::kBlocks, b("big"), big, kNoSync));
    EXPECT_EQ(*kv.get(Column::kBlocks, b("big")), big);
    Bytes max_key(kMaxKeyBytes, 0x5a);
    ASSERT_TRUE(kv.put(Column::kBlocks, max_key, b("v"), kNoSync));
    EXPECT_EQ(*kv.get(Column::kBlocks, max_key), b("v"));

    WriteBatch too_big;
    too_big.put(Column::kBlocks, b("x"), Bytes(kMaxValueBytes + 1));
    EXPECT_EQ(kv.write(too_big, kNoSync).error(), StorageError::kInvalidArgument);
    EXPECT_FALSE(kv.get(Column::kBlocks, b("x")));
}

TYPED_TEST(KvTest, Reopen) {
    ASSERT_TRUE(this->kv().put(Column::kTrieNodes, b("node"), b("rlp")));
    WriteBatch batch;
    batch.put(Column::kConsensus, b("vote"), b("h=7"));
    batch.del(Column::kTrieNodes, b("node"));
    batch.put(Column::kTrieNodes, b("node2"), b("rlp2"));
    ASSERT_TRUE(this->kv().write(batch));
    this->backend_.reopen();
    Kv& kv = this->kv();
    EXPECT_EQ(*kv.get(Column::kConsensus, b("vote")), b("h=7"));
    EXPECT_FALSE(kv.get(Column::kTrieNodes, b("node")));
    EXPECT_EQ(*kv.get(Column::kTrieNodes, b("node2")), b("rlp2"));
    EXPECT_EQ(scan(kv, Column::kTrieNodes).size(), 1u);
}

TEST(RocksKv, SecondOpenOfSameDirectoryIsBusy) {
    test::TempDir dir;
    auto first = RocksKv::open(dir.path());
    ASSERT_TRUE(first);
    auto second = RocksKv::open(dir.path());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error(), StorageError::kBusy);
}

TEST(RocksKv, MissingDirectoryWithoutCreateIsAnError) {
    test::TempDir dir;
    RocksOptions o;
    o.create_if_missing = false;
    auto r = RocksKv::open(dir.path() / "absent", o);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error(), StorageError::kNotFound);
}

TEST(RocksKv, SurvivesFlushAndReopen) {
    test::TempDir dir;
    {
        auto kv = RocksKv::open(dir.path());
        ASSERT_TRUE(kv);
        for (int i = 0; i < 1000; ++i)
            ASSERT_TRUE((*kv)->put(Column::kState, to_bytes(std::to_string(i)),
                                   to_bytes(std::to_string(i * 7)), kNoSync));
        ASSERT_TRUE((*kv)->flush());
    }
    auto kv = RocksKv::open(dir.path());
    ASSERT_TRUE(kv);
    EXPECT_EQ(*(*kv)->get(Column::kState, to_bytes("999")), to_bytes("6993"));
    EXPECT_EQ(scan(**kv, Column::kState).size(), 1000u);
}

TEST(Storage, ErrorAndColumnNames) {
    for (auto e : {StorageError::kNotFound, StorageError::kIoError, StorageError::kCorruption,
                   StorageError::kInvalidArgument, StorageError::kBusy})
        EXPECT_FALSE(to_string(e).empty());
    std::set<std::string_view> names;
    for (Column c : all_columns())
        names.insert(column_name(c));
    EXPECT_EQ(names.size(), kColumnCount);
    EXPECT_EQ(column_name(Column::kDefault), "default");
}
