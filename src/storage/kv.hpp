// SPDX-License-Identifier: Apache-2.0
// Xinlian storage: the key-value interface every persistent module writes through
// (DESIGN.md §5, §10). A Kv is a set of ordered byte-keyed maps, one per Column; writes go
// through an atomic WriteBatch; reads distinguish "not found" (a normal result) from I/O
// errors and corruption (STYLE.md 6). Two implementations: MemoryKv (memory_kv.hpp) for tests
// and tools, RocksKv (rocks_kv.hpp) for nodes.
//
// Thread-safety: Kv implementations are safe for concurrent use. A WriteBatch and an Iterator
// are plain objects used by one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace xl::storage {

// Every column family of the database, fixed in this one place so RocksKv opens all of them.
// Append new columns before kCount; never renumber or rename (names are on disk).
enum class Column : uint8_t {
    kDefault = 0,  // RocksDB's mandatory "default" family; unused by convention
    kTrieNodes,    // Merkle Patricia Trie nodes: hash -> RLP(node)
    kBlocks,       // blocks and headers by hash
    kReceipts,     // receipts by block hash
    kState,        // flat state: account and slot values (DESIGN.md §3)
    kCode,         // contract code by code hash
    kIndex,        // secondary indexes: height -> hash, tx hash -> location
    kMeta,         // chain head, schema version, genesis
    kConsensus,    // vote-safety record (DESIGN.md §4)
    kCount,
};
inline constexpr size_t kColumnCount = static_cast<size_t>(Column::kCount);

// The on-disk name of a column family ("default", "trie_nodes", ...).
std::string_view column_name(Column c) noexcept;

// Every column, in enum order.
std::array<Column, kColumnCount> all_columns() noexcept;

enum class StorageError {
    kNotFound,         // the key is absent: a normal result, not a failure
    kIoError,          // the disk or the file system failed; may succeed later
    kCorruption,       // stored data is damaged: stop the node, never retry or ignore
    kInvalidArgument,  // a key, value or batch beyond the limits below, or a bad option
    kBusy,             // the database is locked by another process
};
std::string_view to_string(StorageError e) noexcept;

// Limits (STYLE.md 8). Keys are hashes and short composite keys; values are at most a block.
inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxValueBytes = size_t{64} << 20;
inline constexpr size_t kMaxBatchBytes = size_t{1} << 30;
inline constexpr size_t kMaxBatchOps = size_t{16} << 20;
static_assert(kMaxValueBytes + kMaxKeyBytes < kMaxBatchBytes, "one op must fit in a batch");

// A group of puts and deletes applied all or nothing by Kv::write, in insertion order (a
// later op on the same key wins). A batch that broke a limit is refused whole by write().
class WriteBatch {
public:
    enum class OpKind : uint8_t { kPut, kDelete };
    struct Op {
        OpKind kind;
        Column column;
        Bytes key;
        Bytes value;  // empty for kDelete
    };

    void put(Column c, BytesView key, BytesView value);
    void del(Column c, BytesView key);
    void clear() noexcept;

    const std::vector<Op>& ops() const noexcept { return ops_; }
    size_t size() const noexcept { return ops_.size(); }
    bool empty() const noexcept { return ops_.empty(); }
    // Sum of key and value sizes.
    size_t byte_size() const noexcept { return bytes_; }
    // False if a key, a value, the op count or the byte size went over a limit.
    bool within_limits() const noexcept { return within_limits_; }

private:
    void account(BytesView key, BytesView value) noexcept;

    std::vector<Op> ops_;
    size_t bytes_ = 0;
    bool within_limits_ = true;
};

struct WriteOptions {
    // Durable: the write reaches stable storage (fsync of the WAL) before write() returns.
    // Block commit and the vote-safety record must keep this on (DESIGN.md §4, §5).
    bool sync = true;
};
inline constexpr WriteOptions kNoSync{.sync = false};

// Bytewise key order, the order of RocksDB's default comparator; transparent for BytesView.
struct BytesLess {
    using is_transparent = void;
    bool operator()(BytesView a, BytesView b) const noexcept;
};

// An ordered cursor over one column, in bytewise (memcmp, shorter-first) key order. When
// created with a prefix it only sees keys that start with that prefix. The views returned
// by key() and value() stay valid until the next call that moves the iterator.
class Iterator {
public:
    virtual ~Iterator() = default;
    // Positions at the first key >= target (and within the prefix, if any).
    virtual void seek(BytesView target) = 0;
    virtual void seek_to_first() = 0;
    virtual bool valid() const = 0;
    // Requires valid().
    virtual void next() = 0;
    virtual BytesView key() const = 0;
    virtual BytesView value() const = 0;
    // An I/O error or corruption met while iterating; valid() is then false.
    virtual Result<void, StorageError> status() const = 0;
};

class Kv {
public:
    virtual ~Kv() = default;

    // The value, or StorageError::kNotFound.
    virtual Result<Bytes, StorageError> get(Column c, BytesView key) const = 0;
    // Applies the batch atomically: after a crash either all of it or none of it is visible.
    virtual Result<void, StorageError> write(const WriteBatch& batch,
                                             WriteOptions options = {}) = 0;
    // A new iterator over column c, restricted to keys starting with prefix (empty: all). It
    // starts unpositioned: call seek() or seek_to_first().
    virtual std::unique_ptr<Iterator> iterate(Column c, BytesView prefix = {}) const = 0;

    // Single-op conveniences, each one atomic write.
    Result<void, StorageError> put(Column c, BytesView key, BytesView value,
                                   WriteOptions options = {});
    Result<void, StorageError> del(Column c, BytesView key, WriteOptions options = {});
    // True/false for present/absent; other errors pass through.
    Result<bool, StorageError> contains(Column c, BytesView key) const;
};

// True if key begins with prefix.
bool has_prefix(BytesView key, BytesView prefix) noexcept;

}  // namespace xl::storage
