// SPDX-License-Identifier: Apache-2.0
// Xinlian storage: MemoryKv, a Kv held in memory (one std::map per column), for tests, tools
// and throw-away tries. Nothing survives the object.
//
// Thread-safety: all methods are safe for concurrent use (one shared mutex). An iterator
// re-seeks under the lock at every step, so it never dangles, and it sees writes made after
// its creation (unlike RocksKv's iterators, which read a snapshot); do not rely on either.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <shared_mutex>

#include "storage/kv.hpp"

namespace xl::storage {

class MemoryKv final : public Kv {
public:
    MemoryKv() = default;
    MemoryKv(const MemoryKv&) = delete;
    MemoryKv& operator=(const MemoryKv&) = delete;

    Result<Bytes, StorageError> get(Column c, BytesView key) const override;
    Result<void, StorageError> write(const WriteBatch& batch, WriteOptions options = {}) override;
    std::unique_ptr<Iterator> iterate(Column c, BytesView prefix = {}) const override;

    // Number of keys in a column (tests).
    size_t count(Column c) const;

private:
    friend class MemoryIterator;
    using Map = std::map<Bytes, Bytes, BytesLess>;

    mutable std::shared_mutex mu_;
    std::array<Map, kColumnCount> columns_;
};

}  // namespace xl::storage
