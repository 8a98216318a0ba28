// SPDX-License-Identifier: Apache-2.0
// Benchmarks of the transaction pool's admission (issue: >= 15,000 transfers/s end to end on
// 2 cores): add_batch of 10,000 signed transfers from 100 senders into an empty pool, with
// the signature workers (ecdsa: secp256k1 recovery; sm: SM2 verification); the same through
// sequential add() on one thread; and pending() over the full pool.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"
#include "txpool/txpool.hpp"

namespace {

using namespace xl;

constexpr uint64_t kChainId = 1;
constexpr size_t kSenders = 100;
constexpr size_t kTxsPerSender = 100;
constexpr uint64_t kBlockGasLimit = 30'000'000;

class Reader : public txpool::AccountReader {
public:
    uint64_t nonce(const Address&) const override { return 0; }
    U256 balance(const Address&) const override { return U256(1) << 200; }
};

// 10,000 transfers: sender i's nonces 0..99, senders interleaved as an RPC load would send them.
const std::vector<Bytes>& transfers(const crypto::CryptoSuite& suite) {
    static std::map<const crypto::CryptoSuite*, std::vector<Bytes>> cache;
    auto& out = cache[&suite];
    if (!out.empty()) return out;
    std::vector<crypto::SecretKey> keys;
    for (size_t i = 0; i < kSenders; ++i) {
        crypto::SecretKey sk;
        sk.bytes[31] = static_cast<uint8_t>(i + 1);
        sk.bytes[0] = 0x11;
        keys.push_back(sk);
    }
    for (uint64_t n = 0; n < kTxsPerSender; ++n) {
        for (size_t i = 0; i < kSenders; ++i) {
            protocol::Transaction tx;
            tx.type = suite.id() == crypto::SuiteId::kSm ? protocol::TxType::kSm
                                                         : protocol::TxType::kDynamicFee;
            tx.chain_id = U256(kChainId);
            tx.nonce = n;
            tx.max_fee = U256(2'000'000'000);
            tx.max_priority_fee = U256(1'000'000'000);
            tx.gas_limit = 21'000;
            tx.to = Address{};
            tx.to->bytes[0] = static_cast<uint8_t>(i);
            tx.value = U256(1'000'000'000'000'000ULL);
            if (!tx.sign(suite, keys[i])) std::abort();
            out.push_back(tx.encode());
        }
    }
    return out;
}

// CPU seconds of the whole process (workers included), so that the cost per transaction can be
// read on a machine whose other cores are busy: throughput on k idle cores ~ k / cpu_us_per_tx.
double process_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

void add_batch(benchmark::State& state, const crypto::CryptoSuite& suite) {
    const auto& raws = transfers(suite);
    const Reader reader;
    double cpu = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto pool = std::make_unique<txpool::TxPool>(suite, kChainId, kBlockGasLimit, U256(1));
        state.ResumeTiming();
        const double cpu0 = process_cpu_seconds();
        auto results = pool->add_batch(raws, reader);
        benchmark::DoNotOptimize(results);
        cpu += process_cpu_seconds() - cpu0;
        state.PauseTiming();
        if (pool->size() != raws.size()) std::abort();
        results.clear();
        pool.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * raws.size()));
    state.counters["cpu_us_per_tx"] =
        cpu * 1e6 / static_cast<double>(state.iterations() * raws.size());
}

void add_sequential(benchmark::State& state, const crypto::CryptoSuite& suite) {
    const auto& raws = transfers(suite);
    const Reader reader;
    for (auto _ : state) {
        state.PauseTiming();
        txpool::Config one_thread;
        one_thread.threads = 1;
        auto pool =
            std::make_unique<txpool::TxPool>(suite, kChainId, kBlockGasLimit, U256(1), one_thread);
        state.ResumeTiming();
        for (const auto& raw : raws)
            benchmark::DoNotOptimize(pool->add(raw, reader));
        state.PauseTiming();
        if (pool->size() != raws.size()) std::abort();
        pool.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * raws.size()));
}

// A block's worth of executable txs out of the full pool (10,000 txs, 100 senders).
void pending(benchmark::State& state, const crypto::CryptoSuite& suite) {
    const auto& raws = transfers(suite);
    const Reader reader;
    txpool::TxPool pool(suite, kChainId, kBlockGasLimit, U256(1));
    (void)pool.add_batch(raws, reader);
    for (auto _ : state) {
        auto txs = pool.pending(raws.size(), UINT64_MAX, reader);
        if (txs.size() != raws.size()) std::abort();
        benchmark::DoNotOptimize(txs);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * raws.size()));
}

BENCHMARK_CAPTURE(add_batch, ecdsa, crypto::ecdsa_suite())
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(add_batch, sm, crypto::sm_suite())->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(add_sequential, ecdsa, crypto::ecdsa_suite())
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(add_sequential, sm, crypto::sm_suite())
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(pending, ecdsa, crypto::ecdsa_suite())->Unit(benchmark::kMillisecond);

}  // namespace
