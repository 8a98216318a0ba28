// SPDX-License-Identifier: Apache-2.0
// Xinlian node: the consensus engine's view of the chain (consensus::Application over
// node::Chain) and of the validator key (consensus::Signer over a keystore key).
//
// ChainApp keeps every block it built or validated (Chain::propose / Chain::execute) by hash
// until the next commit, so commit_block writes the block it voted for without executing it
// again. Rules beyond Chain::execute's (DESIGN.md §4, docs/node.md "Consensus"):
// - the previous certificate: none at height 1; else of height h-1, for the block the new one
//   extends, a quorum of the genesis validators (consensus::verify_certificate), and its hash
//   is the header's prev_certificate_hash;
// - the timestamp is at most kMaxFutureSeconds ahead of the local clock. This rule is for
//   liveness only (a proposer with a clock far ahead cannot push the chain's time forward);
//   safety never depends on clocks, so a block that already has a certificate (a
//   FinalizedBlock from a peer) is not held to it.
//
// Thread-safety: none; the consensus driver's thread calls it (the Chain it wraps is
// thread-safe for the RPC threads that read it at the same time).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "consensus/engine.hpp"
#include "crypto/keystore.hpp"
#include "node/chain.hpp"

namespace xl::node {

// A proposal's timestamp may be at most this far ahead of the validator's clock.
inline constexpr uint64_t kMaxFutureSeconds = 15;
// Blocks kept between validation and commit (a few rounds' worth of proposals).
inline constexpr size_t kMaxKeptBlocks = 64;
// Previous certificates seen in proposals, by hash (see commit_block).
inline constexpr size_t kMaxSeenCertificates = 16;

// Seconds since the Unix epoch from the system clock.
uint64_t unix_seconds();

class ChainApp final : public consensus::Application {
public:
    // chain and validators must outlive this. `self` is the proposer address written into
    // blocks this node builds (an observer never builds). `now_seconds` is the clock for
    // timestamps (tests inject one).
    ChainApp(Chain& chain, const consensus::ValidatorSet& validators, const Address& self,
             std::function<uint64_t()> now_seconds = unix_seconds);

    uint64_t committed_height() const override;
    std::optional<Built> build_block(uint64_t height, uint32_t round) override;
    bool validate_block(const protocol::Block& block, const Hash256& block_hash,
                        const std::optional<protocol::CommitCertificate>& prev_cert) override;
    Result<void, std::string> commit_block(
        const protocol::Block& block, const Hash256& block_hash,
        const protocol::CommitCertificate& certificate,
        const std::optional<protocol::CommitCertificate>& prev_cert) override;
    std::optional<protocol::FinalizedBlock> finalized_block(uint64_t height) const override;

    // Why the last validate_block returned false (for logs and tests); empty after a success.
    const std::string& last_rejection() const noexcept { return last_rejection_; }

    // The previous-certificate rules above, without executing the block.
    Result<void, std::string> check_prev_certificate(
        const protocol::BlockHeader& header,
        const std::optional<protocol::CommitCertificate>& prev_cert) const;

private:
    void keep(std::shared_ptr<const ExecutedBlock> executed);

    Chain& chain_;
    const consensus::ValidatorSet& validators_;
    Address self_;
    std::function<uint64_t()> now_seconds_;
    std::map<Hash256, std::shared_ptr<const ExecutedBlock>> kept_;
    // A FinalizedBlock from a peer comes without the previous certificate its header names;
    // the ledger keeps, per height, the certificate the next header names. If this node
    // committed height h-1 with its own certificate (another quorum of precommits) and then
    // catches up on h, the one the header names is looked up here: proposals of height h
    // carried it. Bounded; cleared of lower heights on commit.
    std::map<Hash256, protocol::CommitCertificate> seen_certs_;
    std::string last_rejection_;
};

// The validator key as the engine's Signer: suite.sign over the message, in wire form.
class KeySigner final : public consensus::Signer {
public:
    KeySigner(const crypto::CryptoSuite& suite, crypto::KeystoreKey key)
        : suite_(suite), key_(std::move(key)) {}
    const Address& address() const override { return key_.address; }
    Result<Bytes, std::string> sign(BytesView message) override;

private:
    const crypto::CryptoSuite& suite_;
    crypto::KeystoreKey key_;
};

}  // namespace xl::node
