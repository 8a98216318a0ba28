// SPDX-License-Identifier: Apache-2.0
// Xinlian txpool: a fixed pool of worker threads (std::jthread) that run the items of a job
// in parallel with the caller (signature recovery for add_batch). Internal to the pool.
// Thread-safety: run() may be called from many threads at once; each call blocks until its
// own job is done. The destructor stops and joins the workers; no thread is ever detached.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace xl::txpool {

class Workers {
public:
    // `threads` is the parallelism of one job, caller included: threads - 1 workers start.
    explicit Workers(unsigned threads);
    ~Workers();
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;

    // Calls fn(i) for every i in [0, n), on the workers and on the calling thread, and returns
    // when all calls have returned. fn must not throw.
    void run(size_t n, const std::function<void(size_t)>& fn);

    unsigned workers() const noexcept { return static_cast<unsigned>(threads_.size()); }

private:
    struct Job {
        size_t n = 0;
        const std::function<void(size_t)>* fn = nullptr;
        std::atomic<size_t> next{0};
        size_t done = 0;      // guarded by mu_
        unsigned active = 0;  // workers inside the job; guarded by mu_
        std::condition_variable finished;
    };

    static size_t drain(Job& job) noexcept;
    void leave(Job& job, size_t did);  // with mu_ held
    void loop(std::stop_token stop);

    std::mutex mu_;
    std::condition_variable_any work_;
    std::deque<Job*> queue_;  // jobs with items left; guarded by mu_
    std::vector<std::jthread> threads_;
};

}  // namespace xl::txpool
