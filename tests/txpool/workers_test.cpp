// SPDX-License-Identifier: Apache-2.0
// The worker pool behind add_batch: every item runs exactly once, whatever the number of
// workers and of concurrent callers; run() returns only when its job is done.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "txpool/workers.hpp"

using xl::txpool::Workers;

TEST(Workers, EveryItemExactlyOnce) {
    for (unsigned threads : {1u, 2u, 5u}) {
        Workers w(threads);
        EXPECT_EQ(w.workers(), threads - 1);
        for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}}) {
            std::vector<std::atomic<int>> hits(n);
            w.run(n, [&](size_t i) { hits[i].fetch_add(1); });
            for (size_t i = 0; i < n; ++i)
                ASSERT_EQ(hits[i].load(), 1) << "threads " << threads << " n " << n << " i " << i;
        }
    }
}

TEST(Workers, ConcurrentCallersEachGetTheirOwnJobDone) {
    Workers w(3);
    constexpr size_t kCallers = 4;
    constexpr size_t kRounds = 50;
    constexpr size_t kItems = 200;
    std::vector<std::vector<int>> results(kCallers, std::vector<int>(kItems));
    {
        std::vector<std::jthread> callers;
        for (size_t c = 0; c < kCallers; ++c) {
            callers.emplace_back([&, c] {
                for (size_t r = 0; r < kRounds; ++r) {
                    std::vector<int> out(kItems, 0);
                    w.run(kItems, [&](size_t i) { out[i] += static_cast<int>(i + c); });
                    // Every write is visible here: run() returned after the last item.
                    for (size_t i = 0; i < kItems; ++i)
                        results[c][i] += out[i];
                }
            });
        }
    }
    for (size_t c = 0; c < kCallers; ++c)
        for (size_t i = 0; i < kItems; ++i)
            ASSERT_EQ(results[c][i], static_cast<int>(kRounds * (i + c)));
}

TEST(Workers, DestructorJoinsIdleWorkers) {
    for (int i = 0; i < 20; ++i) {
        Workers w(4);
        if (i % 2) w.run(3, [](size_t) {});
    }
}
