// SPDX-License-Identifier: Apache-2.0
// KvSafetyStore over a real RocksDB in a temp dir: nothing before the first save, a save/load
// round trip, the record survives closing and reopening the database, a later save replaces
// it, and a damaged record is an error (never silently "no record").
#include <gtest/gtest.h>

#include "node/safety_store.hpp"
#include "storage/rocks_kv.hpp"

#include "storage/test_util.hpp"

using namespace xl;
using namespace xl::node;

namespace {

consensus::SafetyRecord sample(uint64_t height) {
    consensus::SafetyRecord r;
    r.height = height;
    r.round = 3;
    r.step = consensus::SafetyRecord::Step::kPrecommit;
    r.block_hash[0] = 0xab;
    r.block_hash[31] = 0x01;
    r.locked_round = 2;
    r.locked_hash = r.block_hash;
    return r;
}

TEST(SafetyStore, RoundTripSurvivesReopen) {
    test::TempDir dir;
    const auto path = dir.path() / "db";
    {
        auto kv = storage::RocksKv::open(path);
        ASSERT_TRUE(kv.has_value());
        KvSafetyStore store(**kv);
        auto empty = store.load();
        ASSERT_TRUE(empty.has_value()) << empty.error();
        EXPECT_FALSE(empty->has_value());
        ASSERT_TRUE(store.save(sample(7)).has_value());
        auto got = store.load();
        ASSERT_TRUE(got.has_value()) << got.error();
        ASSERT_TRUE(got->has_value());
        EXPECT_EQ(**got, sample(7));
    }
    {
        auto kv = storage::RocksKv::open(path);
        ASSERT_TRUE(kv.has_value());
        KvSafetyStore store(**kv);
        auto got = store.load();
        ASSERT_TRUE(got.has_value()) << got.error();
        ASSERT_TRUE(got->has_value());
        EXPECT_EQ(**got, sample(7));
        // A later save replaces the record (one key).
        consensus::SafetyRecord nil = sample(8);
        nil.step = consensus::SafetyRecord::Step::kPrevote;
        nil.block_hash = Hash256{};
        nil.locked_round = -1;
        nil.locked_hash = Hash256{};
        ASSERT_TRUE(store.save(nil).has_value());
        EXPECT_EQ(*store.load().value(), nil);
    }
    {
        auto kv = storage::RocksKv::open(path);
        ASSERT_TRUE(kv.has_value());
        EXPECT_EQ(KvSafetyStore(**kv).load().value()->height, 8u);
    }
}

TEST(SafetyStore, DamagedRecordIsAnError) {
    test::TempDir dir;
    auto kv = storage::RocksKv::open(dir.path() / "db");
    ASSERT_TRUE(kv.has_value());
    const Bytes junk = {0xc3, 0x01, 0x02};
    ASSERT_TRUE((*kv)->put(storage::Column::kConsensus, as_bytes(kSafetyRecordKey), junk));
    auto got = KvSafetyStore(**kv).load();
    ASSERT_FALSE(got.has_value());
    EXPECT_NE(got.error().find("corrupt"), std::string::npos) << got.error();
}

}  // namespace
