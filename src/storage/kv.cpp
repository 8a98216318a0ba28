// SPDX-License-Identifier: Apache-2.0
// Xinlian storage: column names, errors, key order, WriteBatch and the Kv conveniences.
#include "storage/kv.hpp"

#include <algorithm>
#include <cstring>

namespace xl::storage {

bool BytesLess::operator()(BytesView a, BytesView b) const noexcept {
    // memcmp order with the shorter key first on a common prefix: RocksDB's BytewiseComparator.
    size_t n = std::min(a.size(), b.size());
    int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
    return c < 0 || (c == 0 && a.size() < b.size());
}

std::string_view column_name(Column c) noexcept {
    switch (c) {
        case Column::kDefault:
            return "default";  // RocksDB's kDefaultColumnFamilyName
        case Column::kTrieNodes:
            return "trie_nodes";
        case Column::kBlocks:
            return "blocks";
        case Column::kReceipts:
            return "receipts";
        case Column::kState:
            return "state";
        case Column::kCode:
            return "code";
        case Column::kIndex:
            return "index";
        case Column::kMeta:
            return "meta";
        case Column::kConsensus:
            return "consensus";
        case Column::kCount:
            break;
    }
    return "invalid";
}

std::array<Column, kColumnCount> all_columns() noexcept {
    std::array<Column, kColumnCount> cols{};
    for (size_t i = 0; i < kColumnCount; ++i)
        cols[i] = static_cast<Column>(i);
    return cols;
}

std::string_view to_string(StorageError e) noexcept {
    switch (e) {
        case StorageError::kNotFound:
            return "not found";
        case StorageError::kIoError:
            return "storage I/O error";
        case StorageError::kCorruption:
            return "storage corruption";
        case StorageError::kInvalidArgument:
            return "invalid storage argument or limit exceeded";
        case StorageError::kBusy:
            return "database is locked by another process";
    }
    return "unknown storage error";
}

void WriteBatch::account(BytesView key, BytesView value) noexcept {
    bytes_ += key.size() + value.size();
    if (key.size() > kMaxKeyBytes || value.size() > kMaxValueBytes || bytes_ > kMaxBatchBytes ||
        ops_.size() > kMaxBatchOps)
        within_limits_ = false;
}

void WriteBatch::put(Column c, BytesView key, BytesView value) {
    XL_ASSERT(c < Column::kCount);
    account(key, value);
    ops_.push_back(
        {OpKind::kPut, c, Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end())});
}

void WriteBatch::del(Column c, BytesView key) {
    XL_ASSERT(c < Column::kCount);
    account(key, {});
    ops_.push_back({OpKind::kDelete, c, Bytes(key.begin(), key.end()), Bytes{}});
}

void WriteBatch::clear() noexcept {
    ops_.clear();
    bytes_ = 0;
    within_limits_ = true;
}

Result<void, StorageError> Kv::put(Column c, BytesView key, BytesView value, WriteOptions options) {
    WriteBatch b;
    b.put(c, key, value);
    return write(b, options);
}

Result<void, StorageError> Kv::del(Column c, BytesView key, WriteOptions options) {
    WriteBatch b;
    b.del(c, key);
    return write(b, options);
}

Result<bool, StorageError> Kv::contains(Column c, BytesView key) const {
    auto r = get(c, key);
    if (r) return true;
    if (r.error() == StorageError::kNotFound) return false;
    return unexpected(r.error());
}

bool has_prefix(BytesView key, BytesView prefix) noexcept {
    return key.size() >= prefix.size() &&
           (prefix.empty() || std::memcmp(key.data(), prefix.data(), prefix.size()) == 0);
}

}  // namespace xl::storage
