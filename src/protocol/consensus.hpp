// SPDX-License-Identifier: Apache-2.0
// Xinlian protocol: the consensus messages and the commit certificate (DESIGN.md §3, §4;
// wire format in docs/spec/consensus.md). Every message is one RLP list; decoding is strict
// (decode(x).encode() == x) and bounded. Signatures are the suite's wire form
// (crypto::encode_signature) over sign_bytes(), which start with a domain string so a vote can
// never be replayed as a proposal or under another chain id.
// Who may sign, and whether a certificate carries a quorum, needs the validator set: that is
// consensus::verify_certificate (module consensus).
// Plain value types; thread-safe for concurrent reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"
#include "protocol/block.hpp"

namespace xl::protocol {

// Limits (STYLE.md 8).
inline constexpr size_t kMaxValidators = 1024;
inline constexpr size_t kMaxVoteSize = 256;      // fixed fields and one signature
inline constexpr uint32_t kMaxRound = 1u << 20;  // a round number beyond this is garbage
// A certificate: kMaxValidators signatures of at most 72 bytes each plus framing.
inline constexpr size_t kMaxCertificateSize = kMaxValidators * 80 + 128;
// A signature's wire form: 65 (ecdsa) or 64 (sm) bytes; anything longer is garbage.
inline constexpr size_t kMaxSignatureSize = 72;
// A proposal or finalized block: a block, a certificate and small fixed fields.
inline constexpr size_t kMaxProposalSize = kMaxBlockSize + kMaxCertificateSize + 512;
inline constexpr size_t kMaxFinalizedBlockSize = kMaxBlockSize + kMaxCertificateSize + 64;
inline constexpr size_t kMaxSyncRequestSize = 32;
static_assert(kMaxSignatureSize * kMaxValidators + 128 <= kMaxCertificateSize);
static_assert(kMaxSignatureSize + 128 <= kMaxVoteSize);

enum class ConsensusError {
    kMalformed,        // not the RLP shape of the message (rlp error, wrong field count/size)
    kOversized,        // over the size limit of the message kind
    kBadVoteType,      // vote type other than prevote (1) or precommit (2)
    kBadRound,         // round or valid round beyond kMaxRound, or valid_round >= round
    kBadBlock,         // the proposal's or finalized block's block does not decode
    kUnsortedSigners,  // certificate signer indexes not strictly ascending
    kTooManySigners,   // more than kMaxValidators signatures
    kUnknownKind,      // message kind byte not one of MessageKind
};
std::string_view to_string(ConsensusError e) noexcept;

enum class VoteType : uint8_t { kPrevote = 1, kPrecommit = 2 };

struct Vote {
    VoteType type = VoteType::kPrevote;
    uint64_t height = 0;
    uint32_t round = 0;
    Hash256 block_hash;  // all zero: a vote for nil
    Address validator;   // the signer (suite.address of its public key)
    Bytes signature;     // suite wire form

    bool is_nil() const noexcept { return block_hash == Hash256{}; }
    // RLP(["xinlian/vote", chainId, type, height, round, blockHash]).
    Bytes sign_bytes(uint64_t chain_id) const;
    // RLP([type, height, round, blockHash, validator, signature]).
    Bytes encode() const;
    static Result<Vote, ConsensusError> decode(BytesView in);
    friend bool operator==(const Vote&, const Vote&) = default;
};

// One precommit signature inside a certificate: the signer's index in the validator set (the
// genesis order) and its signature over the precommit's sign_bytes.
struct CommitSignature {
    uint32_t validator_index = 0;
    Bytes signature;
    friend bool operator==(const CommitSignature&, const CommitSignature&) = default;
};

// Precommits of more than 2/3 of the voting power for (chain id, height, round, block hash).
struct CommitCertificate {
    uint64_t height = 0;
    uint32_t round = 0;
    Hash256 block_hash;
    std::vector<CommitSignature> signatures;  // strictly ascending validator_index

    // The precommit every signature signs (validator left zero).
    Vote precommit() const;
    // RLP([height, round, blockHash, [[index, signature], ...]]).
    Bytes encode() const;
    // suite.hash(encode()): what the next header's prev_certificate_hash holds.
    Hash256 hash(const crypto::CryptoSuite& suite) const;
    static Result<CommitCertificate, ConsensusError> decode(BytesView in);
    friend bool operator==(const CommitCertificate&, const CommitCertificate&) = default;
};

// A proposal for (height, round). The block's header.prev_certificate_hash must equal
// prev_certificate->hash() (the certificate of height - 1 that this block makes canonical);
// no prev_certificate at height 1 (the genesis has none).
struct Proposal {
    uint64_t height = 0;
    uint32_t round = 0;
    int64_t valid_round = -1;  // -1 or < round (Algorithm 1's validRound)
    Block block;
    std::optional<CommitCertificate> prev_certificate;
    Address proposer;
    Bytes signature;

    // RLP(["xinlian/proposal", chainId, height, round, validRound + 1, blockHash]).
    Bytes sign_bytes(uint64_t chain_id, const Hash256& block_hash) const;
    // RLP([height, round, validRound + 1, block, prevCertificate or empty list, proposer,
    //      signature]) with block as Block::encode().
    Bytes encode() const;
    static Result<Proposal, ConsensusError> decode(BytesView in, const crypto::CryptoSuite& suite);
};

// A committed block with its certificate: for a peer that is behind, and for block sync.
struct FinalizedBlock {
    Block block;
    CommitCertificate certificate;
    // RLP([block, certificate]).
    Bytes encode() const;
    static Result<FinalizedBlock, ConsensusError> decode(BytesView in,
                                                         const crypto::CryptoSuite& suite);
};

// "Send me the finalized blocks from `height` on": a peer that sees it is behind asks one that
// is ahead (answered with at most kMaxSyncBlocks FinalizedBlocks, fewer if they exceed
// kMaxSyncBytes). RLP([height, count]).
inline constexpr uint32_t kMaxSyncBlocks = 16;
inline constexpr size_t kMaxSyncBytes = size_t{64} << 20;
struct SyncRequest {
    uint64_t height = 0;
    uint32_t count = 0;  // 1..kMaxSyncBlocks
    Bytes encode() const;
    static Result<SyncRequest, ConsensusError> decode(BytesView in);
    friend bool operator==(const SyncRequest&, const SyncRequest&) = default;
};

}  // namespace xl::protocol
