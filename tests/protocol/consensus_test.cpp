// SPDX-License-Identifier: Apache-2.0
// Consensus message formats: round trips, strict decoding, every ConsensusError, and the
// domain separation of the signing bytes (docs/spec/consensus.md, "Wire format").
#include <gtest/gtest.h>

#include <random>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"
#include "protocol/consensus.hpp"

#include "protocol/tx_testing.hpp"

namespace xl::protocol {
namespace {

Vote sample_vote(std::mt19937_64& rng) {
    Vote v;
    v.type = rng() % 2 ? VoteType::kPrevote : VoteType::kPrecommit;
    v.height = test::random_u64(rng);
    v.round = static_cast<uint32_t>(rng() % (kMaxRound + 1));
    v.block_hash = rng() % 4 ? test::random_fixed<32>(rng) : Hash256{};
    v.validator = test::random_fixed<20>(rng);
    v.signature = test::random_bytes(rng, rng() % 2 ? 65 : 64);
    return v;
}

CommitCertificate sample_certificate(std::mt19937_64& rng, size_t signers) {
    CommitCertificate c;
    c.height = test::random_u64(rng);
    c.round = static_cast<uint32_t>(rng() % 100);
    c.block_hash = test::random_fixed<32>(rng);
    uint32_t index = 0;
    for (size_t i = 0; i < signers; ++i) {
        index += 1 + static_cast<uint32_t>(rng() % 3);
        if (index >= kMaxValidators) break;
        c.signatures.push_back({index, test::random_bytes(rng, 65)});
    }
    return c;
}

Block sample_block(uint64_t number) {
    Block b;
    b.header.number = number;
    b.header.timestamp = 1700000000;
    b.header.gas_limit = 30'000'000;
    b.header.extra_data = to_bytes("xl");
    return b;
}

Bytes list_of(std::initializer_list<Bytes> items) {
    return rlp::encode_list(std::vector<Bytes>(items));
}
Bytes uint_item(uint64_t v) {
    Bytes out;
    rlp::encode_uint(out, v);
    return out;
}
Bytes str_item(BytesView b) {
    Bytes out;
    rlp::encode_string(out, b);
    return out;
}

TEST(Vote, RoundTrip) {
    std::mt19937_64 rng(test::seed());
    for (int i = 0; i < 300; ++i) {
        const Vote v = sample_vote(rng);
        const Bytes enc = v.encode();
        EXPECT_LE(enc.size(), kMaxVoteSize);
        auto d = Vote::decode(enc);
        ASSERT_TRUE(d.has_value()) << to_string(d.error());
        EXPECT_EQ(*d, v);
        EXPECT_EQ(d->encode(), enc);
    }
}

TEST(Vote, Errors) {
    const Hash256 h = crypto::keccak256(as_bytes("h"));
    const Address a;
    auto vote_items = [&](uint64_t type, uint64_t round) {
        return list_of({uint_item(type), uint_item(5), uint_item(round), str_item(h), str_item(a),
                        str_item(Bytes(65, 1))});
    };
    ASSERT_TRUE(Vote::decode(vote_items(1, 3)).has_value());
    ASSERT_TRUE(Vote::decode(vote_items(2, kMaxRound)).has_value());
    EXPECT_EQ(Vote::decode(vote_items(0, 3)).error(), ConsensusError::kBadVoteType);
    EXPECT_EQ(Vote::decode(vote_items(3, 3)).error(), ConsensusError::kBadVoteType);
    EXPECT_EQ(Vote::decode(vote_items(1, kMaxRound + 1)).error(), ConsensusError::kBadRound);
    EXPECT_EQ(Vote::decode(Bytes(kMaxVoteSize + 1, 0)).error(), ConsensusError::kOversized);
    EXPECT_EQ(Vote::decode({}).error(), ConsensusError::kMalformed);
    Bytes trailing = vote_items(1, 3);
    trailing.push_back(0);
    EXPECT_EQ(Vote::decode(trailing).error(), ConsensusError::kMalformed);
    // Too few and too many fields, a short hash, an oversized signature, a non-canonical int.
    EXPECT_EQ(
        Vote::decode(list_of({uint_item(1), uint_item(5), uint_item(3), str_item(h), str_item(a)}))
            .error(),
        ConsensusError::kMalformed);
    EXPECT_EQ(Vote::decode(list_of({uint_item(1), uint_item(5), uint_item(3), str_item(h),
                                    str_item(a), str_item(Bytes(65, 1)), uint_item(0)}))
                  .error(),
              ConsensusError::kMalformed);
    EXPECT_EQ(Vote::decode(list_of({uint_item(1), uint_item(5), uint_item(3),
                                    str_item(Bytes(31, 1)), str_item(a), str_item(Bytes(65, 1))}))
                  .error(),
              ConsensusError::kMalformed);
    EXPECT_EQ(Vote::decode(list_of({uint_item(1), uint_item(5), uint_item(3), str_item(h),
                                    str_item(a), str_item(Bytes(kMaxSignatureSize + 1, 1))}))
                  .error(),
              ConsensusError::kMalformed);
    EXPECT_EQ(Vote::decode(list_of({uint_item(1), str_item(Bytes{0, 5}), uint_item(3), str_item(h),
                                    str_item(a), str_item(Bytes(65, 1))}))
                  .error(),
              ConsensusError::kMalformed);
}

TEST(Vote, SignBytesAreDomainSeparated) {
    Vote v;
    v.type = VoteType::kPrevote;
    v.height = 7;
    v.round = 2;
    v.block_hash = crypto::keccak256(as_bytes("b"));
    const Bytes base = v.sign_bytes(1);
    EXPECT_NE(base, v.sign_bytes(2));  // chain id
    Vote pc = v;
    pc.type = VoteType::kPrecommit;
    EXPECT_NE(base, pc.sign_bytes(1));  // vote type
    // Validator and signature are not signed.
    Vote other = v;
    other.validator = Address::from(Bytes(20, 9));
    other.signature = Bytes(65, 3);
    EXPECT_EQ(base, other.sign_bytes(1));
    // A proposal with the same numbers signs different bytes.
    Proposal p;
    p.height = 7;
    p.round = 2;
    EXPECT_NE(base, p.sign_bytes(1, v.block_hash));
    EXPECT_NE(p.sign_bytes(1, v.block_hash), p.sign_bytes(2, v.block_hash));
    Proposal p2 = p;
    p2.valid_round = 0;
    EXPECT_NE(p.sign_bytes(1, v.block_hash), p2.sign_bytes(1, v.block_hash));
    // The exact layout of the spec.
    EXPECT_EQ(base, rlp::ListBuilder()
                        .add_string(as_bytes("xinlian/vote"))
                        .add_uint(1)
                        .add_uint(1)
                        .add_uint(7)
                        .add_uint(2)
                        .add_string(v.block_hash)
                        .finish());
}

TEST(CommitCertificate, RoundTripHashAndPrecommit) {
    std::mt19937_64 rng(test::seed());
    for (size_t n : {0u, 1u, 4u, 100u}) {
        const CommitCertificate c = sample_certificate(rng, n);
        const Bytes enc = c.encode();
        auto d = CommitCertificate::decode(enc);
        ASSERT_TRUE(d.has_value()) << to_string(d.error());
        EXPECT_EQ(*d, c);
        EXPECT_EQ(d->encode(), enc);
        EXPECT_EQ(c.hash(crypto::ecdsa_suite()), crypto::keccak256(enc));
        EXPECT_EQ(c.hash(crypto::sm_suite()), crypto::sm_suite().hash(enc));
        const Vote p = c.precommit();
        EXPECT_EQ(p.type, VoteType::kPrecommit);
        EXPECT_EQ(p.height, c.height);
        EXPECT_EQ(p.round, c.round);
        EXPECT_EQ(p.block_hash, c.block_hash);
    }
    // The largest certificate fits its limit.
    CommitCertificate big;
    big.height = UINT64_MAX;
    big.round = kMaxRound;
    for (uint32_t i = 0; i < kMaxValidators; ++i)
        big.signatures.push_back({i, Bytes(kMaxSignatureSize, 0xff)});
    EXPECT_LE(big.encode().size(), kMaxCertificateSize);
    EXPECT_TRUE(CommitCertificate::decode(big.encode()).has_value());
}

TEST(CommitCertificate, Errors) {
    const Hash256 h = crypto::keccak256(as_bytes("h"));
    auto cert = [&](std::vector<Bytes> sigs, uint64_t round = 0) {
        return list_of({uint_item(3), uint_item(round), str_item(h), rlp::encode_list(sigs)});
    };
    auto sig = [](uint64_t index) { return list_of({uint_item(index), str_item(Bytes(65, 1))}); };
    ASSERT_TRUE(CommitCertificate::decode(cert({sig(0), sig(2)})).has_value());
    EXPECT_EQ(CommitCertificate::decode(cert({sig(2), sig(0)})).error(),
              ConsensusError::kUnsortedSigners);
    EXPECT_EQ(CommitCertificate::decode(cert({sig(2), sig(2)})).error(),
              ConsensusError::kUnsortedSigners);
    EXPECT_EQ(CommitCertificate::decode(cert({sig(kMaxValidators)})).error(),
              ConsensusError::kTooManySigners);
    EXPECT_EQ(CommitCertificate::decode(cert({}, kMaxRound + 1)).error(),
              ConsensusError::kBadRound);
    EXPECT_EQ(CommitCertificate::decode(Bytes(kMaxCertificateSize + 1, 0)).error(),
              ConsensusError::kOversized);
    EXPECT_EQ(CommitCertificate::decode(cert({list_of({uint_item(0)})})).error(),
              ConsensusError::kMalformed);
    EXPECT_EQ(CommitCertificate::decode(cert({str_item(Bytes(3, 1))})).error(),
              ConsensusError::kMalformed);
    // More than kMaxValidators entries (with small fake signatures to stay under the size).
    std::vector<Bytes> many;
    for (uint64_t i = 0; i <= kMaxValidators; ++i)
        many.push_back(list_of({uint_item(i), str_item(Bytes(1, 1))}));
    EXPECT_EQ(CommitCertificate::decode(cert(many)).error(), ConsensusError::kTooManySigners);
}

TEST(Proposal, RoundTripWithAndWithoutCertificate) {
    std::mt19937_64 rng(test::seed());
    const auto& suite = crypto::ecdsa_suite();
    for (int with_cert = 0; with_cert < 2; ++with_cert) {
        Proposal p;
        p.height = 9;
        p.round = 3;
        p.valid_round = with_cert ? 2 : -1;
        p.block = sample_block(9);
        if (with_cert) p.prev_certificate = sample_certificate(rng, 3);
        p.proposer = test::random_fixed<20>(rng);
        p.signature = test::random_bytes(rng, 65);
        const Bytes enc = p.encode();
        auto d = Proposal::decode(enc, suite);
        ASSERT_TRUE(d.has_value()) << to_string(d.error());
        EXPECT_EQ(d->encode(), enc);
        EXPECT_EQ(d->block, p.block);
        EXPECT_EQ(d->prev_certificate, p.prev_certificate);
        EXPECT_EQ(d->valid_round, p.valid_round);
        EXPECT_EQ(d->proposer, p.proposer);
        EXPECT_EQ(d->signature, p.signature);
    }
}

TEST(Proposal, Errors) {
    const auto& suite = crypto::ecdsa_suite();
    const Bytes block = sample_block(1).encode();
    const Bytes none = rlp::encode_list(std::vector<Bytes>{});
    auto prop = [&](uint64_t round, uint64_t vr1, const Bytes& blk, const Bytes& cert) {
        return list_of({uint_item(1), uint_item(round), uint_item(vr1), blk, cert,
                        str_item(Address{}), str_item(Bytes(65, 1))});
    };
    ASSERT_TRUE(Proposal::decode(prop(2, 0, block, none), suite).has_value());
    ASSERT_TRUE(Proposal::decode(prop(2, 2, block, none), suite).has_value());  // vr = 1
    EXPECT_EQ(Proposal::decode(prop(2, 3, block, none), suite).error(), ConsensusError::kBadRound);
    EXPECT_EQ(Proposal::decode(prop(kMaxRound + 1, 0, block, none), suite).error(),
              ConsensusError::kBadRound);
    EXPECT_EQ(Proposal::decode(prop(2, 0, str_item(Bytes(4, 1)), none), suite).error(),
              ConsensusError::kBadBlock);
    EXPECT_EQ(Proposal::decode(prop(2, 0, block, str_item({})), suite).error(),
              ConsensusError::kMalformed);
    const Bytes unsorted = list_of({uint_item(0), uint_item(0), str_item(Hash256{}),
                                    list_of({list_of({uint_item(2), str_item(Bytes(65, 1))}),
                                             list_of({uint_item(1), str_item(Bytes(65, 1))})})});
    EXPECT_EQ(Proposal::decode(prop(2, 0, block, unsorted), suite).error(),
              ConsensusError::kUnsortedSigners);
    EXPECT_EQ(Proposal::decode(Bytes(kMaxProposalSize + 1, 0), suite).error(),
              ConsensusError::kOversized);
}

TEST(FinalizedBlockAndSyncRequest, RoundTripAndErrors) {
    std::mt19937_64 rng(test::seed());
    const auto& suite = crypto::sm_suite();
    FinalizedBlock f{sample_block(4), sample_certificate(rng, 4)};
    const Bytes enc = f.encode();
    auto d = FinalizedBlock::decode(enc, suite);
    ASSERT_TRUE(d.has_value()) << to_string(d.error());
    EXPECT_EQ(d->encode(), enc);
    EXPECT_EQ(d->block, f.block);
    EXPECT_EQ(d->certificate, f.certificate);
    EXPECT_EQ(
        FinalizedBlock::decode(list_of({str_item({}), f.certificate.encode()}), suite).error(),
        ConsensusError::kBadBlock);
    EXPECT_EQ(FinalizedBlock::decode(list_of({f.block.encode()}), suite).error(),
              ConsensusError::kMalformed);
    EXPECT_EQ(FinalizedBlock::decode(Bytes(kMaxFinalizedBlockSize + 1, 0), suite).error(),
              ConsensusError::kOversized);

    const SyncRequest s{12, kMaxSyncBlocks};
    auto ds = SyncRequest::decode(s.encode());
    ASSERT_TRUE(ds.has_value());
    EXPECT_EQ(*ds, s);
    EXPECT_EQ(SyncRequest::decode(SyncRequest{12, 0}.encode()).error(), ConsensusError::kMalformed);
    EXPECT_EQ(SyncRequest::decode(SyncRequest{12, kMaxSyncBlocks + 1}.encode()).error(),
              ConsensusError::kMalformed);
    EXPECT_EQ(SyncRequest::decode(Bytes(kMaxSyncRequestSize + 1, 0)).error(),
              ConsensusError::kOversized);
    EXPECT_EQ(SyncRequest::decode(list_of({uint_item(1)})).error(), ConsensusError::kMalformed);
}

TEST(ConsensusError, EveryValueHasAMessage) {
    for (int e = 0; e <= static_cast<int>(ConsensusError::kUnknownKind); ++e)
        EXPECT_FALSE(to_string(static_cast<ConsensusError>(e)).empty());
}

}  // namespace
}  // namespace xl::protocol
