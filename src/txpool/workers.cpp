// SPDX-License-Identifier: Apache-2.0
// The worker pool of workers.hpp: jobs in a FIFO queue, items claimed with one atomic counter.
#include "txpool/workers.hpp"

#include <algorithm>

namespace xl::txpool {

Workers::Workers(unsigned threads) {
    const unsigned n = threads > 1 ? threads - 1 : 0;
    threads_.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
        threads_.emplace_back([this](std::stop_token st) { loop(st); });
    }
}

Workers::~Workers() {
    for (auto& t : threads_)
        t.request_stop();
    // The workers wait on work_ with their stop token, so request_stop wakes them; jthread's
    // destructor joins.
    threads_.clear();
}

size_t Workers::drain(Job& job) noexcept {
    size_t did = 0;
    for (;;) {
        const size_t i = job.next.fetch_add(1, std::memory_order_relaxed);
        if (i >= job.n) return did;
        (*job.fn)(i);
        ++did;
    }
}

void Workers::leave(Job& job, size_t did) {
    job.done += did;
    // Once every item is claimed, no newcomer should pick the job up again.
    if (job.next.load(std::memory_order_relaxed) >= job.n) {
        auto it = std::find(queue_.begin(), queue_.end(), &job);
        if (it != queue_.end()) queue_.erase(it);
    }
}

void Workers::loop(std::stop_token stop) {
    std::unique_lock lk(mu_);
    for (;;) {
        if (!work_.wait(lk, stop, [this] { return !queue_.empty(); })) return;
        Job& job = *queue_.front();
        ++job.active;
        lk.unlock();
        const size_t did = drain(job);
        lk.lock();
        --job.active;
        leave(job, did);
        if (job.done == job.n && job.active == 0) job.finished.notify_all();
    }
}

void Workers::run(size_t n, const std::function<void(size_t)>& fn) {
    if (n == 0) return;
    Job job;
    job.n = n;
    job.fn = &fn;
    if (!threads_.empty() && n > 1) {
        {
            std::lock_guard lk(mu_);
            queue_.push_back(&job);
        }
        work_.notify_all();
    }
    const size_t did = drain(job);
    std::unique_lock lk(mu_);
    leave(job, did);
    // The job lives on this stack frame: wait until no worker is inside it any more.
    job.finished.wait(lk, [&] { return job.done == job.n && job.active == 0; });
}

}  // namespace xl::txpool
