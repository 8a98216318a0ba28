// SPDX-License-Identifier: Apache-2.0
// State commit benchmark (ecdsa suite, RocksDB in a temp dir): a block of 10,000 balance
// transfers between 20,000 accounts, each a transaction (sender nonce + 1, balance moved);
// the measured time is State::commit() plus the one synced kv.write of its batch, as the
// ledger does per block. The transfers themselves are reported as the counter exec_ms.
// Two modes: the State lives on across blocks (warm cache, as the node's head state), or a
// fresh State on the flat copy per block (every account read from RocksDB).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "crypto/suite.hpp"
#include "state/backend.hpp"
#include "state/state.hpp"
#include "storage/rocks_kv.hpp"
#include "trie/trie.hpp"

using namespace xl;

namespace {

constexpr size_t kAccounts = 20'000;
constexpr size_t kTransfers = 10'000;

Address account(size_t i) {
    Address a;
    a.bytes[0] = 0x5a;
    for (size_t b = 0; b < 8; ++b)
        a.bytes[19 - b] = static_cast<uint8_t>(i >> (8 * b));
    return a;
}

void BM_StateCommitTransfers(benchmark::State& bs) {
    const bool fresh_state = bs.range(0) != 0;
    const auto& suite = crypto::ecdsa_suite();
    const auto dir = std::filesystem::temp_directory_path() /
                     ("xl-state-bench-" + std::to_string(std::random_device{}()));
    {
        auto opened = storage::RocksKv::open(dir);
        if (!opened) std::abort();
        storage::RocksKv& kv = **opened;
        // Genesis: every account with a balance.
        auto backend = state::flat_backend(kv, suite, trie::empty_root(suite));
        auto st = std::make_unique<state::State>(backend.get());
        for (size_t i = 0; i < kAccounts; ++i) {
            state::GenesisAccount g;
            g.balance = U256{uint64_t{1} << 60};
            st->put_account(account(i), g);
        }
        storage::WriteBatch genesis;
        auto root = st->commit(genesis, suite);
        if (!root || !kv.write(genesis)) std::abort();

        std::mt19937_64 rng(7);  // fixed: every run moves the same amounts
        double exec_ms = 0;
        for (auto _ : bs) {
            if (fresh_state) {
                st.reset();
                backend = state::flat_backend(kv, suite, *root);
                st = std::make_unique<state::State>(backend.get());
            }
            const auto t0 = std::chrono::steady_clock::now();
            for (size_t i = 0; i < kTransfers; ++i) {
                const Address from = account(rng() % kAccounts);
                const Address to = account(rng() % kAccounts);
                st->begin_transaction();
                if (!st->increment_nonce(from)) std::abort();
                if (!st->sub_balance(from, U256{1 + rng() % 1000})) std::abort();
                if (!st->add_balance(to, U256{1})) std::abort();
                st->finalize_transaction();
            }
            const auto t1 = std::chrono::steady_clock::now();
            storage::WriteBatch batch;
            root = st->commit(batch, suite);
            if (!root || !kv.write(batch)) std::abort();
            const auto t2 = std::chrono::steady_clock::now();
            exec_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
            bs.SetIterationTime(std::chrono::duration<double>(t2 - t1).count());
        }
        bs.counters["exec_ms"] = exec_ms / static_cast<double>(bs.iterations());
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_StateCommitTransfers)
    ->ArgName("fresh_state")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(10);

}  // namespace
