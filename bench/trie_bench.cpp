// SPDX-License-Identifier: Apache-2.0
// Merkle Patricia Trie benchmarks (keccak suite): building a 10,000-key trie (32-byte keys and
// values), hashing it and committing its nodes to a memory Kv or to RocksDB; proof generation
// and verification on that trie. Figures go to docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "crypto/suite.hpp"
#include "storage/memory_kv.hpp"
#include "storage/rocks_kv.hpp"
#include "trie/trie.hpp"

using namespace xl;

namespace {

constexpr size_t kKeys = 10'000;

struct Data {
    std::vector<Bytes> keys, values;
};

const Data& data() {
    static const Data d = [] {
        Data d;
        std::mt19937_64 rng(42);  // fixed: every run measures the same trie
        for (size_t i = 0; i < kKeys; ++i) {
            Bytes k(32), v(32);
            for (auto& x : k)
                x = static_cast<uint8_t>(rng());
            for (auto& x : v)
                x = static_cast<uint8_t>(rng());
            d.keys.push_back(std::move(k));
            d.values.push_back(std::move(v));
        }
        return d;
    }();
    return d;
}

trie::Trie build(const storage::Kv* kv) {
    const auto& d = data();
    trie::Trie t(crypto::ecdsa_suite(), kv);
    for (size_t i = 0; i < kKeys; ++i)
        if (!t.put(d.keys[i], d.values[i])) std::abort();
    return t;
}

void report(benchmark::State& state) {
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kKeys));
}

// Insert only and hash: the cost of computing a state root from scratch.
void BM_TrieInsertRoot(benchmark::State& state) {
    for (auto _ : state) {
        auto t = build(nullptr);
        benchmark::DoNotOptimize(t.root());
    }
    report(state);
}
BENCHMARK(BM_TrieInsertRoot)->Unit(benchmark::kMillisecond);

// Insert, hash, commit the nodes and write the batch to a MemoryKv.
void BM_TrieInsertCommitMemory(benchmark::State& state) {
    for (auto _ : state) {
        storage::MemoryKv kv;
        auto t = build(&kv);
        storage::WriteBatch batch;
        auto root = t.commit(batch);
        if (!root || !kv.write(batch)) std::abort();
        benchmark::DoNotOptimize(root);
    }
    report(state);
}
BENCHMARK(BM_TrieInsertCommitMemory)->Unit(benchmark::kMillisecond);

// The same into RocksDB, one synced write batch per trie as a block commit does.
void BM_TrieInsertCommitRocks(benchmark::State& state) {
    auto dir = std::filesystem::temp_directory_path() /
               ("xl-bench-trie-" + std::to_string(std::random_device{}()));
    {
        auto kv = storage::RocksKv::open(dir);
        if (!kv) {
            state.SkipWithError("cannot open RocksDB");
            return;
        }
        for (auto _ : state) {
            auto t = build(kv->get());
            storage::WriteBatch batch;
            auto root = t.commit(batch);
            if (!root || !(*kv)->write(batch)) std::abort();
            benchmark::DoNotOptimize(root);
        }
    }
    std::filesystem::remove_all(dir);
    report(state);
}
BENCHMARK(BM_TrieInsertCommitRocks)->Unit(benchmark::kMillisecond);

// Reads through a reopened trie whose nodes come from RocksDB (first touch) or the cache.
void BM_TrieGetReopenedRocks(benchmark::State& state) {
    auto dir = std::filesystem::temp_directory_path() /
               ("xl-bench-trie-" + std::to_string(std::random_device{}()));
    {
        auto kv = storage::RocksKv::open(dir);
        if (!kv) {
            state.SkipWithError("cannot open RocksDB");
            return;
        }
        auto t = build(kv->get());
        storage::WriteBatch batch;
        auto root = t.commit(batch);
        if (!root || !(*kv)->write(batch)) std::abort();
        const auto& d = data();
        for (auto _ : state) {
            trie::Trie reopened(crypto::ecdsa_suite(), kv->get(), *root);
            for (size_t i = 0; i < kKeys; ++i)
                benchmark::DoNotOptimize(reopened.get(d.keys[i]));
        }
    }
    std::filesystem::remove_all(dir);
    report(state);
}
BENCHMARK(BM_TrieGetReopenedRocks)->Unit(benchmark::kMillisecond);

void BM_TrieProve(benchmark::State& state) {
    auto t = build(nullptr);
    (void)t.root();
    const auto& d = data();
    size_t i = 0;
    for (auto _ : state) {
        auto p = t.prove(d.keys[i++ % kKeys]);
        benchmark::DoNotOptimize(p);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TrieProve);

void BM_TrieVerifyProof(benchmark::State& state) {
    auto t = build(nullptr);
    auto root = *t.root();
    const auto& d = data();
    std::vector<std::vector<Bytes>> proofs;
    for (size_t i = 0; i < 256; ++i)
        proofs.push_back(*t.prove(d.keys[i]));
    size_t i = 0;
    for (auto _ : state) {
        size_t j = i++ % proofs.size();
        auto v = trie::verify_proof(crypto::ecdsa_suite(), root, d.keys[j], proofs[j]);
        if (!v || !v->has_value()) std::abort();
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TrieVerifyProof);

}  // namespace
