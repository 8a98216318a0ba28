// SPDX-License-Identifier: Apache-2.0
// TxPool from several threads at once (add_batch and add must give the pool that sequential
// adds give; run under ASan too), and random corruption of valid transactions (never a crash).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "txpool/txpool.hpp"
#include "txpool/txpool_test_util.hpp"

// Designated initializers of TxSpec and Config name only the fields a test varies.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace xl;
using namespace xl::test;
using txpool::TxPool;

namespace {

constexpr size_t kThreads = 4;
constexpr size_t kTxsPerThread = 1000;
constexpr size_t kSendersPerThread = 8;

class TxPoolConcurrencyTest : public ::testing::TestWithParam<const char*> {
protected:
    const crypto::CryptoSuite& suite() const { return *crypto::suite_by_name(GetParam()); }
};

// kTxsPerThread raw txs of the thread's own senders: nonces in a shuffled order with gaps,
// replacements (some underpriced), exact duplicates, corrupt bytes and too-low nonces.
std::vector<Bytes> thread_workload(const crypto::CryptoSuite& suite, std::mt19937_64& rng,
                                   MapReader& state, std::vector<Address>& senders) {
    std::vector<Signer> signers;
    for (size_t i = 0; i < kSendersPerThread; ++i) {
        signers.push_back(make_signer(suite, rng));
        state.set(signers.back().address, rng() % 3);
        senders.push_back(signers.back().address);
    }
    std::vector<Bytes> out;
    while (out.size() < kTxsPerThread) {
        const Signer& s = signers[rng() % signers.size()];
        TxSpec spec;
        spec.nonce = rng() % 140;  // some below the state nonce, some beyond what fills
        spec.fee_cap = U256(10 + rng() % 30);
        spec.tip = U256(rng() % 10);
        Bytes raw = raw_tx(s, spec);
        switch (rng() % 10) {
            case 0:
                raw[rng() % raw.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
                break;
            case 1:
                if (!out.empty()) raw = out[rng() % out.size()];
                break;
            default:
                break;
        }
        out.push_back(std::move(raw));
    }
    return out;
}

struct PoolView {
    std::set<Hash256> hashes;
    std::vector<std::optional<uint64_t>> pending_nonces;
    std::set<Hash256> pending;
    size_t size = 0;
    size_t bytes = 0;
    friend bool operator==(const PoolView&, const PoolView&) = default;
};

PoolView view(const TxPool& pool, const std::vector<std::vector<Bytes>>& work,
              const std::vector<Address>& senders, const MapReader& state,
              const crypto::CryptoSuite& suite) {
    PoolView v;
    for (const auto& w : work)
        for (const auto& raw : w)
            if (pool.get(suite.hash(raw))) v.hashes.insert(suite.hash(raw));
    for (const auto& a : senders)
        v.pending_nonces.push_back(pool.pending_nonce(a));
    for (const auto& t : pool.pending(SIZE_MAX, UINT64_MAX, state))
        v.pending.insert(t->hash);
    v.size = pool.size();
    v.bytes = pool.bytes();
    return v;
}

}  // namespace

TEST_P(TxPoolConcurrencyTest, ParallelBatchesEqualSequentialAdds) {
    std::mt19937_64 rng(seed());
    MapReader state;
    std::vector<Address> senders;
    std::vector<std::vector<Bytes>> work;
    for (size_t t = 0; t < kThreads; ++t)
        work.push_back(thread_workload(suite(), rng, state, senders));

    TxPool sequential(suite(), kChainId, kBlockGasLimit, U256(1), {.threads = 1});
    size_t admitted = 0;
    for (const auto& w : work)
        for (const auto& raw : w)
            admitted += sequential.add(raw, state).has_value();
    ASSERT_GT(admitted, kThreads * kTxsPerThread / 4);  // the workload exercises admission
    ASSERT_LT(admitted, kThreads * kTxsPerThread);      // and rejection

    // Batches from 4 threads at once, two of them split into smaller batches.
    TxPool parallel(suite(), kChainId, kBlockGasLimit, U256(1), {.threads = 3});
    size_t admitted_parallel = 0;
    {
        std::vector<size_t> counts(kThreads);
        std::vector<std::jthread> threads;
        for (size_t t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                std::span<const Bytes> all(work[t]);
                const size_t step = t % 2 ? 97 : all.size();
                for (size_t i = 0; i < all.size(); i += step) {
                    const auto part = all.subspan(i, std::min(step, all.size() - i));
                    for (const auto& r : parallel.add_batch(part, state))
                        counts[t] += r.has_value();
                }
            });
        }
        threads.clear();
        for (size_t c : counts)
            admitted_parallel += c;
    }
    EXPECT_EQ(admitted_parallel, admitted);
    EXPECT_EQ(view(parallel, work, senders, state, suite()),
              view(sequential, work, senders, state, suite()));

    // And single add() calls from 4 threads at once.
    TxPool singles(suite(), kChainId, kBlockGasLimit, U256(1), {.threads = 2});
    {
        std::vector<std::jthread> threads;
        for (size_t t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (const auto& raw : work[t])
                    (void)singles.add(raw, state);
            });
        }
    }
    EXPECT_EQ(view(singles, work, senders, state, suite()),
              view(sequential, work, senders, state, suite()));
    const auto st = singles.stats();
    EXPECT_EQ(st.added + st.rejected, kThreads * kTxsPerThread);
}

TEST_P(TxPoolConcurrencyTest, BatchResultsMatchTheirInputs) {
    std::mt19937_64 rng(seed());
    MapReader state;
    TxPool pool(suite(), kChainId, kBlockGasLimit, U256(1), {.threads = 2});
    const Signer a = make_signer(suite(), rng);
    std::vector<Bytes> raws;
    for (uint64_t n = 0; n < 50; ++n)
        raws.push_back(raw_tx(a, {.nonce = n}));
    raws.push_back(raws[7]);      // duplicate within the batch
    raws.push_back(Bytes{0x02});  // malformed
    raws.push_back(raw_tx(a, {.nonce = 3, .fee_cap = U256(100), .tip = U256(50)}));  // replaces
    const auto results = pool.add_batch(raws, state);
    ASSERT_EQ(results.size(), raws.size());
    for (size_t i = 0; i < 50; ++i) {
        ASSERT_TRUE(results[i].has_value()) << i << ": " << results[i].error().message;
        EXPECT_EQ(results[i].value()->raw, raws[i]);
        EXPECT_EQ(results[i].value()->tx.nonce, i);
    }
    EXPECT_EQ(results[50].error().message, "already known");
    EXPECT_EQ(results[51].error().code, txpool::AddCode::kMalformed);
    ASSERT_TRUE(results[52].has_value());
    EXPECT_EQ(pool.size(), 50u);
    EXPECT_EQ(pool.stats().replaced, 1u);
    EXPECT_TRUE(pool.add_batch({}, state).empty());
}

// Random mutations of a valid transaction: admitted or refused, never a crash, and the pool's
// accounting stays consistent.
TEST_P(TxPoolConcurrencyTest, RandomCorruptionNeverCrashes) {
    std::mt19937_64 rng(seed());
    MapReader state;
    TxPool pool(suite(), kChainId, kBlockGasLimit, U256(1), {.threads = 2});
    const Signer a = make_signer(suite(), rng);
    const Bytes valid = raw_tx(a, {.nonce = 1, .data = Bytes{1, 2, 3, 0, 0}});
    constexpr int kMutations = 10'000;
    constexpr size_t kBatch = 250;
    std::vector<Bytes> batch;
    size_t admitted = 0;
    for (int i = 0; i < kMutations; ++i) {
        Bytes m = valid;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            if (m.empty()) m.push_back(static_cast<uint8_t>(rng()));
            switch (rng() % 4) {
                case 0:
                    m[rng() % m.size()] = static_cast<uint8_t>(rng());
                    break;
                case 1:
                    m.insert(m.begin() + static_cast<ptrdiff_t>(rng() % (m.size() + 1)),
                             static_cast<uint8_t>(rng()));
                    break;
                case 2:
                    if (m.size() > 1) m.erase(m.begin() + static_cast<ptrdiff_t>(rng() % m.size()));
                    break;
                default:
                    m.resize(rng() % (m.size() + 1));
                    break;
            }
        }
        batch.push_back(std::move(m));
        if (batch.size() == kBatch) {
            for (const auto& r : pool.add_batch(batch, state)) {
                if (r)
                    ++admitted;
                else
                    EXPECT_FALSE(r.error().message.empty());
            }
            batch.clear();
        }
    }
    EXPECT_EQ(pool.size(), admitted);
    size_t bytes = 0;
    for (const auto& t : pool.pending(SIZE_MAX, UINT64_MAX, state))
        bytes += t->raw.size();
    EXPECT_LE(bytes, pool.bytes());
    const auto st = pool.stats();
    EXPECT_EQ(st.added + st.rejected, static_cast<uint64_t>(kMutations));
}

INSTANTIATE_TEST_SUITE_P(Suites, TxPoolConcurrencyTest, ::testing::Values("ecdsa", "sm"),
                         [](const auto& info) { return std::string(info.param); });
