// SPDX-License-Identifier: Apache-2.0
// Xinlian storage: MemoryKv.
#include "storage/memory_kv.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace xl::storage {

// Copies the current entry out of the map, so no map iterator outlives the lock.
class MemoryIterator final : public Iterator {
public:
    MemoryIterator(const MemoryKv& kv, Column c, BytesView prefix)
        : kv_(kv), column_(c), prefix_(prefix.begin(), prefix.end()) {}

    void seek(BytesView target) override {
        BytesView from = BytesLess{}(target, prefix_) ? BytesView(prefix_) : target;
        std::shared_lock lock(kv_.mu_);
        const auto& m = kv_.columns_[static_cast<size_t>(column_)];
        load(m.lower_bound(from), m);
    }
    void seek_to_first() override { seek(prefix_); }
    bool valid() const override { return valid_; }
    void next() override {
        XL_ASSERT(valid_);
        std::shared_lock lock(kv_.mu_);
        const auto& m = kv_.columns_[static_cast<size_t>(column_)];
        load(m.upper_bound(BytesView(key_)), m);
    }
    BytesView key() const override {
        XL_ASSERT(valid_);
        return key_;
    }
    BytesView value() const override {
        XL_ASSERT(valid_);
        return value_;
    }
    Result<void, StorageError> status() const override { return {}; }

private:
    void load(MemoryKv::Map::const_iterator it, const MemoryKv::Map& m) {
        valid_ = it != m.end() && has_prefix(it->first, prefix_);
        if (!valid_) return;
        key_ = it->first;
        value_ = it->second;
    }

    const MemoryKv& kv_;
    Column column_;
    Bytes prefix_;
    Bytes key_;
    Bytes value_;
    bool valid_ = false;
};

Result<Bytes, StorageError> MemoryKv::get(Column c, BytesView key) const {
    XL_ASSERT(c < Column::kCount);
    std::shared_lock lock(mu_);
    const auto& m = columns_[static_cast<size_t>(c)];
    auto it = m.find(key);
    if (it == m.end()) return unexpected(StorageError::kNotFound);
    return it->second;
}

Result<void, StorageError> MemoryKv::write(const WriteBatch& batch, WriteOptions) {
    if (!batch.within_limits()) return unexpected(StorageError::kInvalidArgument);
    // Copies are made before taking the lock would not make this more atomic: the lock alone
    // gives all-or-nothing visibility, and std::map operations below do not fail except on
    // allocation failure, which terminates the process.
    std::unique_lock lock(mu_);
    for (const auto& op : batch.ops()) {
        auto& m = columns_[static_cast<size_t>(op.column)];
        if (op.kind == WriteBatch::OpKind::kPut) {
            m.insert_or_assign(op.key, op.value);
        } else {
            auto it = m.find(BytesView(op.key));
            if (it != m.end()) m.erase(it);
        }
    }
    return {};
}

std::unique_ptr<Iterator> MemoryKv::iterate(Column c, BytesView prefix) const {
    XL_ASSERT(c < Column::kCount);
    return std::make_unique<MemoryIterator>(*this, c, prefix);
}

size_t MemoryKv::count(Column c) const {
    std::shared_lock lock(mu_);
    return columns_[static_cast<size_t>(c)].size();
}

}  // namespace xl::storage
