// SPDX-License-Identifier: Apache-2.0
// Xinlian storage: RocksKv on RocksDB (librocksdb-dev, DESIGN.md §9).
#include "storage/rocks_kv.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace xl::storage {
namespace {

rocksdb::Slice slice(BytesView b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}
BytesView view(const rocksdb::Slice& s) noexcept {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

StorageError map_status(const rocksdb::Status& s) noexcept {
    if (s.IsNotFound()) return StorageError::kNotFound;
    if (s.IsCorruption()) return StorageError::kCorruption;
    if (s.IsInvalidArgument() || s.IsNotSupported()) return StorageError::kInvalidArgument;
    if (s.IsBusy() || s.IsTryAgain()) return StorageError::kBusy;
    // RocksDB reports a LOCK file held by another process as an IOError whose message names
    // the lock; tell it apart so an operator sees "already running", not a disk failure.
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) return StorageError::kBusy;
    return StorageError::kIoError;
}

// The smallest key greater than every key that starts with prefix, or empty if none exists
// (prefix is all 0xff): the exclusive upper bound of a prefix scan.
std::string prefix_successor(BytesView prefix) {
    std::string s(reinterpret_cast<const char*>(prefix.data()), prefix.size());
    while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff)
        s.pop_back();
    if (!s.empty()) s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
    return s;
}

class RocksIterator final : public Iterator {
public:
    RocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, BytesView prefix)
        : prefix_(prefix.begin(), prefix.end()), upper_(prefix_successor(prefix)) {
        rocksdb::ReadOptions ro;
        if (!upper_.empty()) {
            upper_slice_ = rocksdb::Slice(upper_);
            ro.iterate_upper_bound = &upper_slice_;  // must outlive it_: a member
        }
        it_.reset(db->NewIterator(ro, cf));
    }

    void seek(BytesView target) override {
        bool before_prefix = std::lexicographical_compare(target.begin(), target.end(),
                                                          prefix_.begin(), prefix_.end());
        it_->Seek(slice(before_prefix ? BytesView(prefix_) : target));
    }
    void seek_to_first() override { it_->Seek(slice(prefix_)); }
    bool valid() const override { return it_->Valid() && has_prefix(view(it_->key()), prefix_); }
    void next() override {
        XL_ASSERT(valid());
        it_->Next();
    }
    BytesView key() const override {
        XL_ASSERT(valid());
        return view(it_->key());
    }
    BytesView value() const override {
        XL_ASSERT(valid());
        return view(it_->value());
    }
    Result<void, StorageError> status() const override {
        auto s = it_->status();
        if (!s.ok()) return unexpected(map_status(s));
        return {};
    }

private:
    Bytes prefix_;
    std::string upper_;
    rocksdb::Slice upper_slice_;
    std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

struct RocksKv::Impl {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;  // index = Column
    std::vector<rocksdb::ColumnFamilyHandle*> foreign;  // families we do not know

    rocksdb::ColumnFamilyHandle* cf(Column c) const {
        XL_ASSERT(c < Column::kCount);
        return handles[static_cast<size_t>(c)];
    }

    ~Impl() {
        if (!db) return;
        for (auto* h : handles)
            db->DestroyColumnFamilyHandle(h);
        for (auto* h : foreign)
            db->DestroyColumnFamilyHandle(h);
        // Close() waits for background work; a failure here has nobody left to report to,
        // and the WAL already holds every acknowledged write.
        (void)db->Close();
    }
};

Result<std::unique_ptr<RocksKv>, StorageError> RocksKv::open(const std::filesystem::path& dir,
                                                             const RocksOptions& options) {
    rocksdb::DBOptions db_opts;
    db_opts.create_if_missing = options.create_if_missing;
    db_opts.create_missing_column_families = true;
    db_opts.max_open_files = options.max_open_files;
    db_opts.max_background_jobs = options.background_jobs;
    db_opts.paranoid_checks = true;  // surface corruption at open instead of serving it
    db_opts.bytes_per_sync = 1 << 20;
    db_opts.keep_log_file_num = 4;

    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
    // Trie nodes and state are point lookups by hash: a bloom filter saves most misses a read.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    table.format_version = 5;

    rocksdb::ColumnFamilyOptions cf_opts;
    cf_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    cf_opts.write_buffer_size = options.write_buffer_bytes;
    // write() hands a batch to RocksDB in key order; with one insert hint per memtable (an
    // empty prefix) each key's skip-list search starts from the previous key's position
    // instead of the top. Without it, the skip-list searches for a block's thousands of random
    // keys (tx index, trie nodes) were 9 % of a 4-validator cluster's CPU at 3,000 tx/s.
    cf_opts.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));
    cf_opts.level_compaction_dynamic_level_bytes = true;
    auto supported = rocksdb::GetSupportedCompressions();
    auto has = [&](rocksdb::CompressionType t) {
        return std::find(supported.begin(), supported.end(), t) != supported.end();
    };
    cf_opts.compression =
        has(rocksdb::kLZ4Compression) ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
    cf_opts.bottommost_compression = has(rocksdb::kZSTD) ? rocksdb::kZSTD : cf_opts.compression;

    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (Column c : all_columns())
        descs.emplace_back(std::string(column_name(c)), cf_opts);
    // RocksDB refuses to open a database without naming every family it holds; a newer
    // binary may have added some. Open them with default options and leave them alone.
    std::vector<std::string> existing;
    if (rocksdb::DB::ListColumnFamilies(db_opts, dir.string(), &existing).ok()) {
        for (const auto& name : existing) {
            bool known = std::any_of(descs.begin(), descs.end(),
                                     [&](const auto& d) { return d.name == name; });
            if (!known) descs.emplace_back(name, rocksdb::ColumnFamilyOptions());
        }
    }

    std::error_code ec;
    if (options.create_if_missing) std::filesystem::create_directories(dir, ec);
    if (ec) return unexpected(StorageError::kIoError);

    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(db_opts, dir.string(), descs, &handles, &raw);
    if (!s.ok()) return unexpected(map_status(s));

    auto impl = std::make_unique<Impl>();
    impl->db.reset(raw);
    impl->handles.assign(handles.begin(), handles.begin() + kColumnCount);
    impl->foreign.assign(handles.begin() + kColumnCount, handles.end());
    return std::unique_ptr<RocksKv>(new RocksKv(std::move(impl)));
}

RocksKv::RocksKv(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksKv::~RocksKv() = default;

Result<Bytes, StorageError> RocksKv::get(Column c, BytesView key) const {
    rocksdb::PinnableSlice v;
    auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(c), slice(key), &v);
    if (!s.ok()) return unexpected(map_status(s));
    auto b = view(v);
    return Bytes(b.begin(), b.end());
}

namespace {
constexpr size_t kRocksBatchHeader = 12;  // sequence number and count
}  // namespace

Result<void, StorageError> RocksKv::write(const WriteBatch& batch, WriteOptions options) {
    if (!batch.within_limits()) return unexpected(StorageError::kInvalidArgument);
    // Reserved up front: a block's batch is megabytes, and growing it by doubling copies it
    // again and again (and faults in fresh pages each time). RocksDB's record per op is a tag,
    // a column id and two length varints around the key and value (at most 16 bytes).
    rocksdb::WriteBatch wb(kRocksBatchHeader + batch.byte_size() + 16 * batch.size());
    // In (column, key) order, which RocksDB's memtable inserts fastest (the insert hint set
    // at open). A stable sort keeps the ops on one key in their order: the last one wins, as
    // the batch says. Order within a batch means nothing else: it is applied atomically.
    const auto& ops = batch.ops();
    std::vector<uint32_t> order(ops.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const auto& x = ops[a];
        const auto& y = ops[b];
        if (x.column != y.column) return x.column < y.column;
        return BytesLess{}(x.key, y.key);
    });
    for (uint32_t i : order) {
        const auto& op = ops[i];
        auto s = op.kind == WriteBatch::OpKind::kPut
                     ? wb.Put(impl_->cf(op.column), slice(op.key), slice(op.value))
                     : wb.Delete(impl_->cf(op.column), slice(op.key));
        if (!s.ok()) return unexpected(map_status(s));
    }
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    auto s = impl_->db->Write(wo, &wb);
    if (!s.ok()) return unexpected(map_status(s));
    return {};
}

std::unique_ptr<Iterator> RocksKv::iterate(Column c, BytesView prefix) const {
    return std::make_unique<RocksIterator>(impl_->db.get(), impl_->cf(c), prefix);
}

Result<void, StorageError> RocksKv::flush() {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    std::vector<rocksdb::ColumnFamilyHandle*> all(impl_->handles);
    auto s = impl_->db->Flush(fo, all);
    if (!s.ok()) return unexpected(map_status(s));
    return {};
}

}  // namespace xl::storage
