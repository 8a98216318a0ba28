// SPDX-License-Identifier: Apache-2.0
// Xinlian storage: RocksKv, the Kv of a node, on RocksDB. One RocksDB column family per
// storage::Column; missing families are created at open. RocksDB headers stay in rocks_kv.cpp
// (STYLE.md 4).
//
// Thread-safety: all methods are safe for concurrent use (RocksDB's guarantee). The object
// must outlive its iterators. Destruction closes the database cleanly.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "storage/kv.hpp"

namespace xl::storage {

struct RocksOptions {
    // Shared LRU block cache for all columns.
    size_t block_cache_bytes = size_t{64} << 20;
    // Memtable size per column before a flush.
    size_t write_buffer_bytes = size_t{16} << 20;
    // Bound on open table files (file descriptors); -1 would mean unlimited.
    int max_open_files = 512;
    // Background flush and compaction threads; the node's machine budget is small.
    int background_jobs = 2;
    bool create_if_missing = true;
};

class RocksKv final : public Kv {
public:
    // Opens (or creates) the database in dir with every Column. kBusy if another process holds
    // it, kCorruption if RocksDB finds damaged files, kIoError otherwise.
    static Result<std::unique_ptr<RocksKv>, StorageError> open(const std::filesystem::path& dir,
                                                               const RocksOptions& options = {});
    ~RocksKv() override;
    RocksKv(const RocksKv&) = delete;
    RocksKv& operator=(const RocksKv&) = delete;

    Result<Bytes, StorageError> get(Column c, BytesView key) const override;
    Result<void, StorageError> write(const WriteBatch& batch, WriteOptions options = {}) override;
    std::unique_ptr<Iterator> iterate(Column c, BytesView prefix = {}) const override;

    // Flushes memtables to table files (tests, shutdown of tools); writes are durable anyway.
    Result<void, StorageError> flush();

    struct Impl;

private:
    explicit RocksKv(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace xl::storage
