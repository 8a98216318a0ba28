// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: code analysis, a pure function of the code: the code padded with zero bytes (so a
// PUSH at the end reads zeros, YP §9.4.3) and the bitmap of valid JUMPDESTs (those not inside
// push data). CodeAnalysis is an immutable value once built.
//
// AnalysisCache keeps analyses of deployed code keyed by code hash, so that a contract called
// many times (in one transaction, across transactions and blocks) is analysed once (issue 3).
// It is bounded in entries and bytes with least-recently-used eviction per shard. Because the
// analysis is a pure function of the code, what is cached or evicted never changes a result,
// only the time taken. Thread-safety: AnalysisCache is safe for concurrent use (one mutex per
// shard; analysis of a miss runs outside the lock); analyses it returns are shared, read-only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/bytes.hpp"

namespace xl::evm {

struct CodeAnalysis {
    // 32 push bytes past the end plus a STOP: the dispatch loop never reads past `padded`.
    static constexpr size_t kPadding = 33;

    Bytes padded;                     // code followed by kPadding zero bytes
    std::vector<uint64_t> jumpdests;  // bit i set: code[i] is a JUMPDEST opcode

    size_t code_size() const noexcept { return padded.size() - kPadding; }
    // Heap bytes held, for the cache's byte budget.
    size_t memory_bytes() const noexcept {
        return padded.capacity() + jumpdests.capacity() * sizeof(uint64_t) + sizeof(*this);
    }
    bool is_jumpdest(uint64_t pos) const noexcept {
        return pos / 64 < jumpdests.size() && ((jumpdests[pos / 64] >> (pos % 64)) & 1);
    }
};

CodeAnalysis analyze(BytesView code);

class AnalysisCache {
public:
    // A node's defaults: EIP-170 caps deployed code at 24,576 bytes, whose analysis takes
    // ~28 KiB, so 64 MiB holds at least ~2,300 of the largest contracts and 8,192 typical ones.
    static constexpr size_t kDefaultMaxEntries = 8192;
    static constexpr size_t kDefaultMaxBytes = size_t{64} << 20;
    // Shards cut lock contention between threads; each holds 1/kShards of both budgets.
    static constexpr size_t kShards = 8;

    explicit AnalysisCache(size_t max_entries = kDefaultMaxEntries,
                           size_t max_bytes = kDefaultMaxBytes);
    AnalysisCache(const AnalysisCache&) = delete;
    AnalysisCache& operator=(const AnalysisCache&) = delete;

    // The analysis of `code`, whose keccak256 the caller guarantees is `code_hash` (deployed
    // code: the account's code hash). On a miss the code is analysed and kept, evicting the
    // least recently used entries of the shard beyond its budget; an analysis larger than a
    // shard's byte budget is returned without being kept. A hit whose size differs from `code`
    // (a caller that broke the guarantee) is not trusted: the code is analysed afresh.
    std::shared_ptr<const CodeAnalysis> get(const Hash256& code_hash, BytesView code);

    struct Stats {
        uint64_t hits = 0;
        uint64_t misses = 0;
        uint64_t evictions = 0;
        size_t entries = 0;
        size_t bytes = 0;
    };
    Stats stats() const;

private:
    using Lru = std::list<Hash256>;  // most recently used first
    struct Entry {
        std::shared_ptr<const CodeAnalysis> analysis;
        size_t bytes = 0;
        Lru::iterator lru;
    };
    struct Shard {
        mutable std::mutex mu;
        std::map<Hash256, Entry> entries;  // ordered: no hash-flooding of buckets
        Lru lru;
        size_t bytes = 0;
        uint64_t hits = 0, misses = 0, evictions = 0;
    };
    Shard& shard_of(const Hash256& h) noexcept { return shards_[h[0] % kShards]; }
    void evict_locked(Shard& s);

    size_t max_entries_per_shard_;
    size_t max_bytes_per_shard_;
    std::array<Shard, kShards> shards_;
};

}  // namespace xl::evm
