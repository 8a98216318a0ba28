// SPDX-License-Identifier: Apache-2.0
// Consensus messages and the commit certificate: canonical encoding, strict bounded decoding,
// signing bytes (docs/spec/consensus.md, "Wire format").
#include "protocol/consensus.hpp"

#include <utility>

#include "codec/rlp.hpp"

namespace xl::protocol {

namespace {

constexpr std::string_view kVoteDomain = "xinlian/vote";
constexpr std::string_view kProposalDomain = "xinlian/proposal";

// Every RLP-level failure is "not the shape of the message"; the RLP error itself adds nothing
// a peer could act on.
#define XL_CNS_ASSIGN(lhs, expr)                                       \
    do {                                                               \
        auto xl_cns_r_ = (expr);                                       \
        if (!xl_cns_r_) return unexpected(ConsensusError::kMalformed); \
        lhs = std::move(*xl_cns_r_);                                   \
    } while (0)

// A consensus-level check: its error is kept.
#define XL_CNS_TRY(lhs, expr)                                 \
    do {                                                      \
        auto xl_cns_r_ = (expr);                              \
        if (!xl_cns_r_) return unexpected(xl_cns_r_.error()); \
        lhs = std::move(*xl_cns_r_);                          \
    } while (0)

#define XL_CNS_FINISH(reader)                                                 \
    do {                                                                      \
        if (!(reader).empty()) return unexpected(ConsensusError::kMalformed); \
    } while (0)

Result<uint32_t, ConsensusError> read_round(rlp::Reader& r) {
    auto v = r.read_u64();
    if (!v) return unexpected(ConsensusError::kMalformed);
    if (*v > kMaxRound) return unexpected(ConsensusError::kBadRound);
    return static_cast<uint32_t>(*v);
}

Result<Bytes, ConsensusError> read_signature(rlp::Reader& r) {
    auto s = r.read_string();
    if (!s) return unexpected(ConsensusError::kMalformed);
    if (s->size() > kMaxSignatureSize) return unexpected(ConsensusError::kMalformed);
    return Bytes(s->begin(), s->end());
}

}  // namespace

std::string_view to_string(ConsensusError e) noexcept {
    switch (e) {
        case ConsensusError::kMalformed:
            return "malformed consensus message";
        case ConsensusError::kOversized:
            return "consensus message too large";
        case ConsensusError::kBadVoteType:
            return "vote type is not prevote (1) or precommit (2)";
        case ConsensusError::kBadRound:
            return "round out of range or valid round not below round";
        case ConsensusError::kBadBlock:
            return "block does not decode";
        case ConsensusError::kUnsortedSigners:
            return "certificate signer indexes not strictly ascending";
        case ConsensusError::kTooManySigners:
            return "certificate has more signatures than validators allowed";
        case ConsensusError::kUnknownKind:
            return "unknown consensus message kind";
    }
    return "unknown consensus error";
}

// ---- Vote ----

Bytes Vote::sign_bytes(uint64_t chain_id) const {
    return rlp::ListBuilder()
        .add_string(as_bytes(kVoteDomain))
        .add_uint(chain_id)
        .add_uint(static_cast<uint64_t>(type))
        .add_uint(height)
        .add_uint(round)
        .add_string(block_hash)
        .finish();
}

Bytes Vote::encode() const {
    return rlp::ListBuilder()
        .add_uint(static_cast<uint64_t>(type))
        .add_uint(height)
        .add_uint(round)
        .add_string(block_hash)
        .add_string(validator)
        .add_string(signature)
        .finish();
}

Result<Vote, ConsensusError> Vote::decode(BytesView in) {
    if (in.size() > kMaxVoteSize) return unexpected(ConsensusError::kOversized);
    rlp::Reader r;
    XL_CNS_ASSIGN(r, rlp::open_list(in));
    Vote v;
    uint64_t type = 0;
    XL_CNS_ASSIGN(type, r.read_u64());
    if (type != 1 && type != 2) return unexpected(ConsensusError::kBadVoteType);
    v.type = static_cast<VoteType>(type);
    XL_CNS_ASSIGN(v.height, r.read_u64());
    XL_CNS_TRY(v.round, read_round(r));
    XL_CNS_ASSIGN(v.block_hash, r.read_fixed<32>());
    XL_CNS_ASSIGN(v.validator, r.read_fixed<20>());
    XL_CNS_TRY(v.signature, read_signature(r));
    XL_CNS_FINISH(r);
    return v;
}

// ---- CommitCertificate ----

Vote CommitCertificate::precommit() const {
    Vote v;
    v.type = VoteType::kPrecommit;
    v.height = height;
    v.round = round;
    v.block_hash = block_hash;
    return v;
}

Bytes CommitCertificate::encode() const {
    rlp::ListBuilder sigs;
    for (const CommitSignature& s : signatures)
        sigs.add_list(rlp::ListBuilder().add_uint(s.validator_index).add_string(s.signature));
    return rlp::ListBuilder()
        .add_uint(height)
        .add_uint(round)
        .add_string(block_hash)
        .add_list(sigs)
        .finish();
}

Hash256 CommitCertificate::hash(const crypto::CryptoSuite& suite) const {
    return suite.hash(encode());
}

Result<CommitCertificate, ConsensusError> CommitCertificate::decode(BytesView in) {
    if (in.size() > kMaxCertificateSize) return unexpected(ConsensusError::kOversized);
    rlp::Reader r;
    XL_CNS_ASSIGN(r, rlp::open_list(in));
    CommitCertificate c;
    XL_CNS_ASSIGN(c.height, r.read_u64());
    XL_CNS_TRY(c.round, read_round(r));
    XL_CNS_ASSIGN(c.block_hash, r.read_fixed<32>());
    rlp::Reader sigs;
    XL_CNS_ASSIGN(sigs, r.read_list());
    XL_CNS_FINISH(r);
    while (!sigs.empty()) {
        if (c.signatures.size() == kMaxValidators)
            return unexpected(ConsensusError::kTooManySigners);
        rlp::Reader entry;
        XL_CNS_ASSIGN(entry, sigs.read_list());
        uint64_t index = 0;
        XL_CNS_ASSIGN(index, entry.read_u64());
        if (index >= kMaxValidators) return unexpected(ConsensusError::kTooManySigners);
        CommitSignature s;
        s.validator_index = static_cast<uint32_t>(index);
        XL_CNS_TRY(s.signature, read_signature(entry));
        XL_CNS_FINISH(entry);
        if (!c.signatures.empty() && c.signatures.back().validator_index >= s.validator_index)
            return unexpected(ConsensusError::kUnsortedSigners);
        c.signatures.push_back(std::move(s));
    }
    return c;
}

// ---- Proposal ----

Bytes Proposal::sign_bytes(uint64_t chain_id, const Hash256& block_hash) const {
    return rlp::ListBuilder()
        .add_string(as_bytes(kProposalDomain))
        .add_uint(chain_id)
        .add_uint(height)
        .add_uint(round)
        .add_uint(static_cast<uint64_t>(valid_round + 1))
        .add_string(block_hash)
        .finish();
}

Bytes Proposal::encode() const {
    rlp::ListBuilder b;
    b.add_uint(height).add_uint(round).add_uint(static_cast<uint64_t>(valid_round + 1));
    b.add_raw(block.encode());
    if (prev_certificate) {
        b.add_raw(prev_certificate->encode());
    } else {
        b.add_list(rlp::ListBuilder());
    }
    b.add_string(proposer).add_string(signature);
    return b.finish();
}

Result<Proposal, ConsensusError> Proposal::decode(BytesView in, const crypto::CryptoSuite& suite) {
    if (in.size() > kMaxProposalSize) return unexpected(ConsensusError::kOversized);
    rlp::Reader r;
    XL_CNS_ASSIGN(r, rlp::open_list(in));
    Proposal p;
    XL_CNS_ASSIGN(p.height, r.read_u64());
    XL_CNS_TRY(p.round, read_round(r));
    uint64_t vr1 = 0;
    XL_CNS_ASSIGN(vr1, r.read_u64());
    // validRound + 1 is 0 (no valid round) or 1..round (a valid round below round).
    if (vr1 > p.round) return unexpected(ConsensusError::kBadRound);
    p.valid_round = static_cast<int64_t>(vr1) - 1;
    BytesView block_raw;
    XL_CNS_ASSIGN(block_raw, r.read_raw());
    auto block = Block::decode(block_raw, &suite);
    if (!block) return unexpected(ConsensusError::kBadBlock);
    p.block = std::move(*block);
    BytesView cert_raw;
    XL_CNS_ASSIGN(cert_raw, r.read_raw());
    static constexpr uint8_t kEmptyList = 0xc0;
    if (!(cert_raw.size() == 1 && cert_raw[0] == kEmptyList)) {
        auto cert = CommitCertificate::decode(cert_raw);
        if (!cert) return unexpected(cert.error());
        p.prev_certificate = std::move(*cert);
    }
    XL_CNS_ASSIGN(p.proposer, r.read_fixed<20>());
    XL_CNS_TRY(p.signature, read_signature(r));
    XL_CNS_FINISH(r);
    return p;
}

// ---- FinalizedBlock ----

Bytes FinalizedBlock::encode() const {
    return rlp::ListBuilder().add_raw(block.encode()).add_raw(certificate.encode()).finish();
}

Result<FinalizedBlock, ConsensusError> FinalizedBlock::decode(BytesView in,
                                                              const crypto::CryptoSuite& suite) {
    if (in.size() > kMaxFinalizedBlockSize) return unexpected(ConsensusError::kOversized);
    rlp::Reader r;
    XL_CNS_ASSIGN(r, rlp::open_list(in));
    FinalizedBlock f;
    BytesView block_raw;
    XL_CNS_ASSIGN(block_raw, r.read_raw());
    auto block = Block::decode(block_raw, &suite);
    if (!block) return unexpected(ConsensusError::kBadBlock);
    f.block = std::move(*block);
    BytesView cert_raw;
    XL_CNS_ASSIGN(cert_raw, r.read_raw());
    auto cert = CommitCertificate::decode(cert_raw);
    if (!cert) return unexpected(cert.error());
    f.certificate = std::move(*cert);
    XL_CNS_FINISH(r);
    return f;
}

// ---- SyncRequest ----

Bytes SyncRequest::encode() const {
    return rlp::ListBuilder().add_uint(height).add_uint(count).finish();
}

Result<SyncRequest, ConsensusError> SyncRequest::decode(BytesView in) {
    if (in.size() > kMaxSyncRequestSize) return unexpected(ConsensusError::kOversized);
    rlp::Reader r;
    XL_CNS_ASSIGN(r, rlp::open_list(in));
    SyncRequest s;
    XL_CNS_ASSIGN(s.height, r.read_u64());
    uint64_t count = 0;
    XL_CNS_ASSIGN(count, r.read_u64());
    if (count == 0 || count > kMaxSyncBlocks) return unexpected(ConsensusError::kMalformed);
    s.count = static_cast<uint32_t>(count);
    XL_CNS_FINISH(r);
    return s;
}

}  // namespace xl::protocol
