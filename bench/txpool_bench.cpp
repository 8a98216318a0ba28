// SPDX-License-Identifier: Apache-2.0
// Benchmarks of the transaction pool's admission (issue: >= 15,000 transfers/s end to end on
// 2 cores): add_batch of 10,000 signed transfers from 100 senders into an empty pool, with
// the signature workers (ecdsa: secp256k1 recovery; sm: SM2 verification); the same through
// sequential add() on one thread; and pending() over the full pool.
//
// Pool/*: the node's pattern (1,000 senders x 20 nonces of pre-signed transfers): admission by
// add() from 2 threads (JSON-RPC) or add_batch of 200 (gossip), then blocks of pending(5000)
// + remove_committed until the pool is empty, and get() per tx of a block. Each runs with the
// real ecdsa suite and with a suite whose recover() is a table lookup ("norecover"), so that
// the pool's own cost per transaction can be read apart from secp256k1 recovery;
// Pool_Stateless_* is decoding, hashing and recovery alone. reads_per_tx counts AccountReader calls
// (each a RocksDB Get of the flat state in the node, ~2-3 us).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>
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

// ---- the node's pattern ----

constexpr size_t kNodeSenders = 1'000;
constexpr uint64_t kNodeNonces = 20;
constexpr size_t kBlockTxs = 5'000;
constexpr size_t kGossipBatch = 200;

struct NodeLoad {
    std::vector<crypto::SecretKey> keys;
    std::vector<Address> senders;
    std::vector<Bytes> raws;  // nonce-major: every sender's nonce 0, then nonce 1, ...
    std::unordered_map<Hash256, crypto::PublicKey> keys_by_r;  // signature r -> signer
};

const NodeLoad& node_load() {
    static const NodeLoad load = [] {
        const auto& suite = crypto::ecdsa_suite();
        NodeLoad l;
        for (size_t i = 0; i < kNodeSenders; ++i) {
            crypto::SecretKey sk;
            sk.bytes[0] = 0x22;
            sk.bytes[30] = static_cast<uint8_t>((i + 1) >> 8);
            sk.bytes[31] = static_cast<uint8_t>(i + 1);
            l.keys.push_back(sk);
            l.senders.push_back(suite.address(*suite.public_key(sk)));
        }
        for (uint64_t n = 0; n < kNodeNonces; ++n) {
            for (size_t i = 0; i < kNodeSenders; ++i) {
                protocol::Transaction tx;
                tx.type = protocol::TxType::kDynamicFee;
                tx.chain_id = U256(kChainId);
                tx.nonce = n;
                tx.max_fee = U256(2'000'000'000);
                tx.max_priority_fee = U256(1'000'000'000);
                tx.gas_limit = 21'000;
                tx.to = Address{};
                tx.to->bytes[0] = static_cast<uint8_t>(i);
                tx.value = U256(1'000'000'000'000'000ULL);
                if (!tx.sign(suite, l.keys[i])) std::abort();
                l.keys_by_r.emplace(tx.r.to_hash(), *suite.public_key(l.keys[i]));
                l.raws.push_back(tx.encode());
            }
        }
        return l;
    }();
    return load;
}

// The ecdsa suite with recover() answered from a table of the load's signatures: everything
// else (hashing, address derivation) is the real suite's.
class NoRecoverSuite final : public crypto::CryptoSuite {
public:
    crypto::SuiteId id() const noexcept override { return real().id(); }
    std::string_view name() const noexcept override { return real().name(); }
    Hash256 hash(BytesView data) const noexcept override { return real().hash(data); }
    crypto::SecretKey generate_key() const override { return real().generate_key(); }
    Result<crypto::PublicKey, crypto::CryptoError> public_key(
        const crypto::SecretKey& sk) const override {
        return real().public_key(sk);
    }
    Address address(const crypto::PublicKey& pk) const noexcept override {
        return real().address(pk);
    }
    Result<crypto::Signature, crypto::CryptoError> sign(const crypto::SecretKey& sk,
                                                        BytesView m) const override {
        return real().sign(sk, m);
    }
    Result<void, crypto::CryptoError> verify(const crypto::PublicKey& pk, BytesView m,
                                             const crypto::Signature& sig) const override {
        return real().verify(pk, m, sig);
    }
    Result<crypto::PublicKey, crypto::CryptoError> recover(
        BytesView, const crypto::Signature& sig) const override {
        const auto& table = node_load().keys_by_r;
        auto it = table.find(sig.r);
        if (it == table.end()) return unexpected(crypto::CryptoError::kRecoverFailed);
        return it->second;
    }
    Result<Bytes, crypto::CryptoError> seal(BytesView k, BytesView n, BytesView aad,
                                            BytesView p) const override {
        return real().seal(k, n, aad, p);
    }
    Result<Bytes, crypto::CryptoError> open(BytesView k, BytesView n, BytesView aad,
                                            BytesView s) const override {
        return real().open(k, n, aad, s);
    }

private:
    static const crypto::CryptoSuite& real() { return crypto::ecdsa_suite(); }
};

const crypto::CryptoSuite& no_recover_suite() {
    static const NoRecoverSuite s;
    return s;
}

// The committed state of the load's senders: nonces move as blocks commit. Thread-safe; counts
// its reads.
class NodeState : public txpool::AccountReader {
public:
    NodeState() : nonces_(kNodeSenders) {
        const auto& l = node_load();
        for (size_t i = 0; i < l.senders.size(); ++i)
            index_.emplace(l.senders[i], i);
    }
    uint64_t nonce(const Address& a) const override {
        reads_.fetch_add(1, std::memory_order_relaxed);
        auto it = index_.find(a);
        return it == index_.end() ? 0 : nonces_[it->second].load(std::memory_order_relaxed);
    }
    U256 balance(const Address&) const override {
        reads_.fetch_add(1, std::memory_order_relaxed);
        return U256(1) << 200;
    }
    txpool::AccountState account(const Address& a) const override {
        const uint64_t n = nonce(a);
        return {n, U256(1) << 200};
    }
    // The block's txs are committed: each moves its sender's nonce past it.
    void commit(const std::vector<txpool::PoolTxPtr>& txs) {
        for (const auto& t : txs)
            nonces_[index_.at(t->sender)].store(t->tx.nonce + 1, std::memory_order_relaxed);
    }
    void reset() {
        for (auto& n : nonces_)
            n.store(0, std::memory_order_relaxed);
        reads_.store(0, std::memory_order_relaxed);
    }
    uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }

private:
    std::unordered_map<Address, size_t> index_;
    std::vector<std::atomic<uint64_t>> nonces_;
    mutable std::atomic<uint64_t> reads_{0};
};

enum class Admission { kRpc, kGossip };

// Admits the whole load (2 RPC threads, each its half of the senders in nonce order; or gossip
// batches of 200), then proposes and commits blocks of 5,000 until the pool is empty.
void node_cycle(benchmark::State& state, const crypto::CryptoSuite& suite, Admission how) {
    const auto& load = node_load();
    NodeState accounts;
    double cpu = 0;
    uint64_t reads = 0;
    for (auto _ : state) {
        state.PauseTiming();
        accounts.reset();
        txpool::Config config;
        config.threads = 2;
        auto pool =
            std::make_unique<txpool::TxPool>(suite, kChainId, kBlockGasLimit, U256(1), config);
        state.ResumeTiming();
        const double cpu0 = process_cpu_seconds();
        if (how == Admission::kRpc) {
            auto rpc = [&](size_t parity) {
                for (size_t k = parity; k < load.raws.size(); k += 2) {
                    if (!pool->add(load.raws[k], accounts)) std::abort();
                }
            };
            std::thread other(rpc, 1);
            rpc(0);
            other.join();
        } else {
            for (size_t k = 0; k < load.raws.size(); k += kGossipBatch) {
                const size_t n = std::min(kGossipBatch, load.raws.size() - k);
                auto r = pool->add_batch(std::span(load.raws).subspan(k, n), accounts);
                for (const auto& x : r) {
                    if (!x) std::abort();
                }
            }
        }
        size_t blocks = 0;
        while (pool->size() > 0) {
            auto txs = pool->pending(kBlockTxs, UINT64_MAX, accounts);
            if (txs.size() != kBlockTxs) std::abort();
            // A validator looks up every tx of the block it executes.
            for (const auto& t : txs) {
                if (!pool->get(t->hash)) std::abort();
            }
            accounts.commit(txs);
            std::vector<Hash256> hashes;
            hashes.reserve(txs.size());
            for (const auto& t : txs)
                hashes.push_back(t->hash);
            pool->remove_committed(hashes, accounts);
            ++blocks;
        }
        if (blocks != load.raws.size() / kBlockTxs) std::abort();
        cpu += process_cpu_seconds() - cpu0;
        state.PauseTiming();
        reads += accounts.reads();
        pool.reset();
        state.ResumeTiming();
    }
    const double txs = static_cast<double>(state.iterations() * load.raws.size());
    state.SetItemsProcessed(static_cast<int64_t>(txs));
    state.counters["cpu_us_per_tx"] = cpu * 1e6 / txs;
    state.counters["reads_per_tx"] = static_cast<double>(reads) / txs;
}

// The stateless part of admission alone, on one thread: decode, hash, recover the sender. With
// the real suite it is dominated by recovery; with "norecover" it is the floor that the pool's
// data structures add to.
void stateless_only(benchmark::State& state, const crypto::CryptoSuite& suite) {
    const auto& load = node_load();
    for (auto _ : state) {
        for (const auto& raw : load.raws) {
            auto tx = protocol::decode_transaction(raw);
            if (!tx) std::abort();
            benchmark::DoNotOptimize(suite.hash(raw));
            auto s = tx->recover_sender(suite);
            if (!s) std::abort();
            benchmark::DoNotOptimize(s);
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * load.raws.size()));
    state.counters["us_per_tx"] =
        benchmark::Counter(static_cast<double>(state.iterations() * load.raws.size()) * 1e-6,
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// A validator's lookups of the 5,000 txs of a block in a pool of 20,000: get() per tx, or
// get_many() under one lock.
void get_block(benchmark::State& state, bool many) {
    const auto& load = node_load();
    NodeState accounts;
    txpool::TxPool pool(no_recover_suite(), kChainId, kBlockGasLimit, U256(1));
    for (const auto& r : pool.add_batch(load.raws, accounts)) {
        if (!r) std::abort();
    }
    std::vector<Hash256> block;
    for (const auto& t : pool.pending(kBlockTxs, UINT64_MAX, accounts))
        block.push_back(t->hash);
    for (auto _ : state) {
        if (many) {
            auto txs = pool.get_many(block);
            benchmark::DoNotOptimize(txs);
        } else {
            for (const auto& h : block)
                benchmark::DoNotOptimize(pool.get(h));
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * block.size()));
}

BENCHMARK_CAPTURE(node_cycle, Pool_Rpc_ecdsa, crypto::ecdsa_suite(), Admission::kRpc)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(node_cycle, Pool_Gossip_ecdsa, crypto::ecdsa_suite(), Admission::kGossip)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(node_cycle, Pool_Rpc_norecover, no_recover_suite(), Admission::kRpc)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(node_cycle, Pool_Gossip_norecover, no_recover_suite(), Admission::kGossip)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(get_block, Pool_GetBlock_each, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(get_block, Pool_GetBlock_many, true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(stateless_only, Pool_Stateless_ecdsa, crypto::ecdsa_suite())
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(stateless_only, Pool_Stateless_norecover, no_recover_suite())
    ->Unit(benchmark::kMillisecond);

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
