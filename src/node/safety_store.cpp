// SPDX-License-Identifier: Apache-2.0
// KvSafetyStore: one synced put per signed message.
#include "node/safety_store.hpp"

namespace xl::node {

namespace {

BytesView key_bytes() noexcept {
    return as_bytes(kSafetyRecordKey);
}

}  // namespace

Result<std::optional<consensus::SafetyRecord>, std::string> KvSafetyStore::load() {
    auto v = kv_.get(storage::Column::kConsensus, key_bytes());
    if (!v) {
        if (v.error() == storage::StorageError::kNotFound)
            return std::optional<consensus::SafetyRecord>{};
        return unexpected("reading the vote-safety record: " +
                          std::string(storage::to_string(v.error())));
    }
    auto rec = consensus::SafetyRecord::decode(*v);
    if (!rec) return unexpected("the vote-safety record is corrupt: " + rec.error());
    return std::optional<consensus::SafetyRecord>{std::move(*rec)};
}

Result<void, std::string> KvSafetyStore::save(const consensus::SafetyRecord& record) {
    const Bytes enc = record.encode();
    auto r = kv_.put(storage::Column::kConsensus, key_bytes(), enc, storage::WriteOptions{});
    if (!r)
        return unexpected("writing the vote-safety record: " +
                          std::string(storage::to_string(r.error())));
    return {};
}

}  // namespace xl::node
