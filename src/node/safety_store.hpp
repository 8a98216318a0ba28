// SPDX-License-Identifier: Apache-2.0
// Xinlian node: the consensus vote-safety record on disk (DESIGN.md §4 "Safety across
// restarts"). One key in the Kv column kConsensus holds consensus::SafetyRecord::encode();
// save() is a synced write, so the record is durable before the engine lets the signed message
// leave the node. A record that does not decode is corruption: load() fails and the node does
// not start (signing again from scratch could contradict a vote already sent).
//
// Thread-safety: as safe as the Kv (RocksKv is); the engine calls it from its one thread.
#pragma once

#include <optional>
#include <string>

#include "consensus/engine.hpp"
#include "storage/kv.hpp"

namespace xl::node {

// The key of the record in Column::kConsensus.
inline constexpr std::string_view kSafetyRecordKey = "safety";

class KvSafetyStore final : public consensus::SafetyStore {
public:
    explicit KvSafetyStore(storage::Kv& kv) : kv_(kv) {}  // kv must outlive this

    Result<std::optional<consensus::SafetyRecord>, std::string> load() override;
    Result<void, std::string> save(const consensus::SafetyRecord& record) override;

private:
    storage::Kv& kv_;
};

}  // namespace xl::node
