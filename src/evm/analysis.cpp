// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: JUMPDEST analysis (YP §9.4.3, D(c)) and the cache of analyses by code hash.
#include "evm/analysis.hpp"

#include <algorithm>

#include "evm/instructions.hpp"

namespace xl::evm {

CodeAnalysis analyze(BytesView code) {
    CodeAnalysis a;
    a.padded = Bytes(code.size() + CodeAnalysis::kPadding, 0);
    for (size_t i = 0; i < code.size(); ++i)  // not std::copy: GCC 12 false -Wstringop-overflow
        a.padded[i] = code[i];
    a.jumpdests.assign((code.size() + 63) / 64, 0);
    for (size_t i = 0; i < code.size(); ++i) {
        const uint8_t op = code[i];
        if (op == OP_JUMPDEST)
            a.jumpdests[i / 64] |= uint64_t{1} << (i % 64);
        else if (op >= OP_PUSH1 && op <= OP_PUSH32)
            i += size_t(op - OP_PUSH1 + 1);
    }
    return a;
}

AnalysisCache::AnalysisCache(size_t max_entries, size_t max_bytes)
    : max_entries_per_shard_(std::max<size_t>(1, max_entries / kShards)),
      max_bytes_per_shard_(std::max<size_t>(1, max_bytes / kShards)) {}

std::shared_ptr<const CodeAnalysis> AnalysisCache::get(const Hash256& code_hash, BytesView code) {
    Shard& s = shard_of(code_hash);
    {
        std::lock_guard lock(s.mu);
        auto it = s.entries.find(code_hash);
        if (it != s.entries.end() && it->second.analysis->code_size() == code.size()) {
            ++s.hits;
            s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
            return it->second.analysis;
        }
        ++s.misses;
        if (it != s.entries.end()) return std::make_shared<const CodeAnalysis>(analyze(code));
    }
    // Analyse without the lock; another thread may insert the same hash meanwhile, in which
    // case its (identical) analysis is kept and ours returned.
    auto fresh = std::make_shared<const CodeAnalysis>(analyze(code));
    const size_t bytes = fresh->memory_bytes();
    if (bytes > max_bytes_per_shard_) return fresh;
    std::lock_guard lock(s.mu);
    if (s.entries.contains(code_hash)) return fresh;
    s.lru.push_front(code_hash);
    s.entries.emplace(code_hash, Entry{fresh, bytes, s.lru.begin()});
    s.bytes += bytes;
    evict_locked(s);
    return fresh;
}

void AnalysisCache::evict_locked(Shard& s) {
    while (s.entries.size() > max_entries_per_shard_ || s.bytes > max_bytes_per_shard_) {
        auto it = s.entries.find(s.lru.back());
        s.bytes -= it->second.bytes;
        s.entries.erase(it);
        s.lru.pop_back();
        ++s.evictions;
    }
}

AnalysisCache::Stats AnalysisCache::stats() const {
    Stats st;
    for (const Shard& s : shards_) {
        std::lock_guard lock(s.mu);
        st.hits += s.hits;
        st.misses += s.misses;
        st.evictions += s.evictions;
        st.entries += s.entries.size();
        st.bytes += s.bytes;
    }
    return st;
}

}  // namespace xl::evm
