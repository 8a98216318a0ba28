// SPDX-License-Identifier: Apache-2.0
// Consensus messages on the wire (kind byte || message) and the vote-safety record
// (docs/spec/consensus.md, "Wire format" and "Safety record").
#include <string>
#include <utility>

#include "codec/rlp.hpp"
#include "consensus/engine.hpp"

namespace xl::consensus {

Bytes encode_message(const Message& m) {
    Bytes body;
    MessageKind kind = MessageKind::kProposal;
    if (const auto* p = std::get_if<protocol::Proposal>(&m)) {
        body = p->encode();
    } else if (const auto* v = std::get_if<protocol::Vote>(&m)) {
        kind = MessageKind::kVote;
        body = v->encode();
    } else if (const auto* f = std::get_if<protocol::FinalizedBlock>(&m)) {
        kind = MessageKind::kFinalized;
        body = f->encode();
    } else {
        kind = MessageKind::kSyncRequest;
        body = std::get<protocol::SyncRequest>(m).encode();
    }
    Bytes out;
    out.reserve(body.size() + 1);
    out.push_back(static_cast<uint8_t>(kind));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

namespace {

template <typename T>
Result<Message, protocol::ConsensusError> wrap(Result<T, protocol::ConsensusError> r) {
    if (!r) return unexpected(r.error());
    return Message(std::move(*r));
}

}  // namespace

Result<Message, protocol::ConsensusError> decode_message(BytesView in,
                                                         const crypto::CryptoSuite& suite) {
    if (in.empty()) return unexpected(protocol::ConsensusError::kMalformed);
    const BytesView body = in.subspan(1);
    switch (static_cast<MessageKind>(in[0])) {
        case MessageKind::kProposal:
            return wrap(protocol::Proposal::decode(body, suite));
        case MessageKind::kVote:
            return wrap(protocol::Vote::decode(body));
        case MessageKind::kFinalized:
            return wrap(protocol::FinalizedBlock::decode(body, suite));
        case MessageKind::kSyncRequest:
            return wrap(protocol::SyncRequest::decode(body));
    }
    return unexpected(protocol::ConsensusError::kUnknownKind);
}

// RLP([height, round, step, blockHash, lockedRound + 1, lockedHash]), with lockProof as a
// seventh item (a string) when there is one.
Bytes SafetyRecord::encode() const {
    rlp::ListBuilder b;
    b.add_uint(height)
        .add_uint(round)
        .add_uint(static_cast<uint64_t>(step))
        .add_string(block_hash)
        .add_uint(static_cast<uint64_t>(locked_round + 1))
        .add_string(locked_hash);
    if (!lock_proof.empty()) b.add_string(lock_proof);
    return b.finish();
}

Result<SafetyRecord, std::string> SafetyRecord::decode(BytesView in) {
    auto fail = [](std::string_view what, rlp::DecodeError e) {
        return unexpected("safety record: " + std::string(what) + ": " +
                          std::string(rlp::to_string(e)));
    };
    auto list = rlp::open_list(in);
    if (!list) return fail("list", list.error());
    SafetyRecord s;
    auto height = list->read_u64();
    if (!height) return fail("height", height.error());
    s.height = *height;
    auto round = list->read_u64();
    if (!round) return fail("round", round.error());
    if (*round > protocol::kMaxRound) return unexpected(std::string("safety record: bad round"));
    s.round = static_cast<uint32_t>(*round);
    auto step = list->read_u64();
    if (!step) return fail("step", step.error());
    if (*step > static_cast<uint64_t>(Step::kPrecommit))
        return unexpected(std::string("safety record: bad step"));
    s.step = static_cast<Step>(*step);
    auto hash = list->read_fixed<32>();
    if (!hash) return fail("blockHash", hash.error());
    s.block_hash = *hash;
    auto locked = list->read_u64();
    if (!locked) return fail("lockedRound", locked.error());
    if (*locked > uint64_t{s.round} + 1)
        return unexpected(std::string("safety record: locked round above round"));
    s.locked_round = static_cast<int64_t>(*locked) - 1;
    auto locked_hash = list->read_fixed<32>();
    if (!locked_hash) return fail("lockedHash", locked_hash.error());
    s.locked_hash = *locked_hash;
    if (!list->empty()) {
        auto proof = list->read_string();
        if (!proof) return fail("lockProof", proof.error());
        // Absent, not empty, when there is none: one encoding per record.
        if (proof->empty()) return unexpected(std::string("safety record: empty lock proof"));
        if (s.locked_round < 0) return unexpected(std::string("safety record: proof without lock"));
        s.lock_proof.assign(proof->begin(), proof->end());
    }
    if (auto f = list->finish(); !f) return fail("end", f.error());
    return s;
}

std::string_view to_string(Step s) noexcept {
    switch (s) {
        case Step::kNewHeight:
            return "new_height";
        case Step::kPropose:
            return "propose";
        case Step::kPrevote:
            return "prevote";
        case Step::kPrecommit:
            return "precommit";
    }
    return "unknown";
}

}  // namespace xl::consensus
