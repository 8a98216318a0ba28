// SPDX-License-Identifier: Apache-2.0
// The simulator's toy chain: a consensus::Application whose blocks carry no transactions and
// whose header fields all follow from the parent by fixed rules (toy_state_root), so that
// validate_block can recompute them without an EVM. It keeps every committed block and
// certificate, checks every commit independently of the engine (the block against its parent,
// the certificate with check_certificate, which does not call consensus::verify_certificate so
// that a bug there cannot hide itself) and reports what is wrong through a callback; the
// simulator turns that into a failed run. Also: the vote-safety store and the signer of one
// simulated validator.
//
// Thread-safety: none; the simulator drives everything from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "consensus/engine.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"
#include "protocol/block.hpp"
#include "protocol/consensus.hpp"

namespace xl::sim {

// The fixed rules of the toy chain.
protocol::Block toy_genesis(const crypto::CryptoSuite& suite,
                            const consensus::ValidatorSet& validators);
Hash256 toy_state_root(const crypto::CryptoSuite& suite, const Hash256& parent_state_root,
                       uint64_t number, const Address& proposer);
// The block the toy rules give on top of parent for (proposer, round). extra_data holds the
// round, so blocks of different rounds differ; tag (if not empty) is appended, which is how a
// Byzantine proposer makes a second, equally valid block of the same round.
protocol::Block toy_block(const crypto::CryptoSuite& suite, const protocol::Block& parent,
                          const Hash256& parent_hash, const Address& proposer, uint32_t round,
                          const Hash256& prev_certificate_hash, BytesView tag = {});
// Everything about block that the toy rules fix, given its parent (not the certificates).
Result<void, std::string> check_toy_block(const crypto::CryptoSuite& suite,
                                          const protocol::Block& parent, const Hash256& parent_hash,
                                          const protocol::Block& block);
// A certificate is valid iff its signer indexes are strictly ascending and in range, every
// signature is that validator's over the precommit of (chain_id, height, round, block_hash),
// and their power is more than 2/3 of the total.
Result<void, std::string> check_certificate(const crypto::CryptoSuite& suite, uint64_t chain_id,
                                            const consensus::ValidatorSet& validators,
                                            const protocol::CommitCertificate& certificate);

class ToyApp final : public consensus::Application {
public:
    // Called once per commit, and with a description of each invalid commit the engine asked
    // for (the commit is then refused, which halts that engine).
    using CommitHook = std::function<void(uint64_t height, const Hash256& hash)>;
    using ViolationHook = std::function<void(const std::string& what)>;

    ToyApp(const crypto::CryptoSuite& suite, uint64_t chain_id,
           const consensus::ValidatorSet& validators, const Address& self, CommitHook on_commit,
           ViolationHook on_violation);

    uint64_t committed_height() const override { return blocks_.size() - 1; }
    std::optional<Built> build_block(uint64_t height, uint32_t round) override;
    bool validate_block(const protocol::Block& block, const Hash256& block_hash,
                        const std::optional<protocol::CommitCertificate>& prev_cert) override;
    Result<void, std::string> commit_block(
        const protocol::Block& block, const Hash256& block_hash,
        const protocol::CommitCertificate& certificate,
        const std::optional<protocol::CommitCertificate>& prev_cert) override;
    std::optional<protocol::FinalizedBlock> finalized_block(uint64_t height) const override;

    const protocol::Block& head() const { return blocks_.back(); }
    const Hash256& hash_at(uint64_t height) const { return hashes_.at(height); }
    uint64_t validations() const { return validations_; }

private:
    // Why block (with prev_cert) may not follow the head, or nothing.
    std::optional<std::string> why_not_next(
        const protocol::Block& block, const Hash256& block_hash,
        const std::optional<protocol::CommitCertificate>& prev_cert, bool prev_cert_required) const;

    const crypto::CryptoSuite& suite_;
    uint64_t chain_id_;
    const consensus::ValidatorSet& validators_;
    Address self_;
    CommitHook on_commit_;
    ViolationHook on_violation_;
    std::vector<protocol::Block> blocks_;  // index = height; [0] the genesis
    std::vector<Hash256> hashes_;
    // certificates_[h]: the stored certificate of height h (none for the genesis).
    std::vector<std::optional<protocol::CommitCertificate>> certificates_;
    uint64_t validations_ = 0;
};

// The vote-safety record "on disk": kept as its encoding and decoded on load, so it survives
// an engine being dropped and rebuilt exactly as a restarted process would find it.
class SimSafetyStore final : public consensus::SafetyStore {
public:
    explicit SimSafetyStore(ToyApp::ViolationHook on_violation)
        : on_violation_(std::move(on_violation)) {}
    Result<std::optional<consensus::SafetyRecord>, std::string> load() override;
    Result<void, std::string> save(const consensus::SafetyRecord& record) override;
    // The last record saved (what is on disk now).
    const std::optional<consensus::SafetyRecord>& last() const { return last_; }
    // Sabotage for the simulator's own tests: load() finds nothing, as after a lost disk.
    void set_amnesia(bool on) { amnesia_ = on; }
    uint64_t saves() const { return saves_; }

private:
    ToyApp::ViolationHook on_violation_;
    std::optional<Bytes> disk_;
    std::optional<consensus::SafetyRecord> last_;
    uint64_t saves_ = 0;
    bool amnesia_ = false;
};

class SimSigner final : public consensus::Signer {
public:
    SimSigner(const crypto::CryptoSuite& suite, const crypto::SecretKey& secret,
              const Address& address)
        : suite_(suite), secret_(secret), address_(address) {}
    const Address& address() const override { return address_; }
    Result<Bytes, std::string> sign(BytesView message) override;

private:
    const crypto::CryptoSuite& suite_;
    crypto::SecretKey secret_;
    Address address_;
};

}  // namespace xl::sim
