// SPDX-License-Identifier: Apache-2.0
// A small hand-driven harness for the consensus engine tests: deterministic validator keys, a
// toy in-memory chain (Application), a signer, a safety store that remembers, and helpers that
// sign proposals, votes and certificates as any validator. Not the simulator (tests/sim).
// Single-threaded, like the engine.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "consensus/engine.hpp"
#include "crypto/suite.hpp"
#include "protocol/consensus.hpp"

namespace xl::consensus::test {

struct Key {
    crypto::SecretKey secret;
    crypto::PublicKey public_key;
    Address address;
};

// Validator i's key: the suite hash of "xl-test-validator-i" (a valid key for both curves).
inline Key test_key(const crypto::CryptoSuite& suite, size_t i) {
    Key k;
    const std::string seed = "xl-test-validator-" + std::to_string(i);
    const Hash256 h = suite.hash(as_bytes(seed));
    k.secret = crypto::SecretKey::from(h);
    k.public_key = *suite.public_key(k.secret);
    k.address = suite.address(k.public_key);
    return k;
}

inline Bytes sign_with(const crypto::CryptoSuite& suite, const Key& k, BytesView message) {
    return crypto::encode_signature(suite.id(), *suite.sign(k.secret, message));
}

class TestSigner : public Signer {
public:
    TestSigner(const crypto::CryptoSuite& suite, Key key) : suite_(suite), key_(key) {}
    const Address& address() const override { return key_.address; }
    Result<Bytes, std::string> sign(BytesView message) override {
        ++signed_;
        return sign_with(suite_, key_, message);
    }
    size_t signed_count() const { return signed_; }

private:
    const crypto::CryptoSuite& suite_;
    Key key_;
    size_t signed_ = 0;
};

// Remembers the last record like a disk would; can be told to fail.
class MemorySafetyStore : public SafetyStore {
public:
    Result<std::optional<SafetyRecord>, std::string> load() override {
        if (!record_) return std::optional<SafetyRecord>{};
        // Through the encoding, as a real store would.
        auto d = SafetyRecord::decode(record_->encode());
        if (!d) return unexpected(d.error());
        return std::optional<SafetyRecord>(*d);
    }
    Result<void, std::string> save(const SafetyRecord& r) override {
        if (fail_) return unexpected(std::string("disk full"));
        record_ = r;
        ++saves_;
        return {};
    }
    const std::optional<SafetyRecord>& record() const { return record_; }
    size_t saves() const { return saves_; }
    void set_fail(bool f) { fail_ = f; }

private:
    std::optional<SafetyRecord> record_;
    size_t saves_ = 0;
    bool fail_ = false;
};

// A chain of header-only blocks. build_block makes block (h, r) tagged with the builder's
// name; a block whose extra data is "bad" never validates (execute-before-vote failing).
class ToyApp : public Application {
public:
    ToyApp(const crypto::CryptoSuite& suite, uint64_t chain_id, const ValidatorSet& validators,
           std::string name)
        : suite_(suite), chain_id_(chain_id), validators_(validators), name_(std::move(name)) {}

    uint64_t committed_height() const override { return blocks_.size(); }

    // The next block with the given tag (what build_block returns for tag = name).
    Built make_block(uint32_t round, const std::string& tag) const {
        Built b;
        protocol::BlockHeader& h = b.block.header;
        h.number = committed_height() + 1;
        h.parent_hash = blocks_.empty() ? Hash256{} : blocks_.back().header.hash(suite_);
        h.timestamp = 1000 + h.number * 10 + round;
        h.extra_data = to_bytes(tag);
        if (!certs_.empty()) {
            b.prev_certificate = certs_.back();
            h.prev_certificate_hash = certs_.back().hash(suite_);
        }
        return b;
    }

    std::optional<Built> build_block(uint64_t height, uint32_t round) override {
        ++builds;
        if (!can_build || height != committed_height() + 1) return std::nullopt;
        return make_block(round, name_);
    }

    bool validate_block(const protocol::Block& block, const Hash256& hash,
                        const std::optional<protocol::CommitCertificate>& prev_cert) override {
        ++validations;
        return check(block, hash, prev_cert).empty();
    }

    // Why the block does not extend the head ("" if it does).
    std::string check(const protocol::Block& block, const Hash256& hash,
                      const std::optional<protocol::CommitCertificate>& prev_cert) const {
        const protocol::BlockHeader& h = block.header;
        if (hash != h.hash(suite_)) return "hash";
        if (h.number != committed_height() + 1) return "number";
        const Hash256 parent = blocks_.empty() ? Hash256{} : blocks_.back().header.hash(suite_);
        if (h.parent_hash != parent) return "parent";
        if (h.extra_data == to_bytes("bad")) return "bad block";
        if (h.number == 1) return prev_cert ? "prev cert at height 1" : "";
        if (!prev_cert) return "no prev cert";
        if (prev_cert->hash(suite_) != h.prev_certificate_hash) return "prev cert hash";
        if (prev_cert->height != h.number - 1 || prev_cert->block_hash != parent)
            return "prev cert of another block";
        if (!verify_certificate(suite_, chain_id_, validators_, *prev_cert))
            return "prev cert does not verify";
        return "";
    }

    Result<void, std::string> commit_block(
        const protocol::Block& block, const Hash256& hash,
        const protocol::CommitCertificate& certificate,
        const std::optional<protocol::CommitCertificate>& prev_cert) override {
        if (fail_commit) return unexpected(std::string("disk on fire"));
        // A FinalizedBlock from a peer carries no prev certificate: the stored one stands.
        const auto& pc =
            prev_cert ? prev_cert : (certs_.empty() ? std::nullopt : std::optional(certs_.back()));
        if (auto why = check(block, hash, pc); !why.empty())
            return unexpected("commit of an invalid block: " + why);
        if (certificate.block_hash != hash) return unexpected(std::string("cert of another block"));
        if (prev_cert) certs_.back() = *prev_cert;
        blocks_.push_back(block);
        certs_.push_back(certificate);
        return {};
    }

    std::optional<protocol::FinalizedBlock> finalized_block(uint64_t height) const override {
        if (height == 0 || height > blocks_.size()) return std::nullopt;
        return protocol::FinalizedBlock{blocks_[height - 1], certs_[height - 1]};
    }

    const std::vector<protocol::Block>& blocks() const { return blocks_; }
    const std::vector<protocol::CommitCertificate>& certs() const { return certs_; }

    bool can_build = true;
    bool fail_commit = false;
    size_t builds = 0;
    size_t validations = 0;

private:
    const crypto::CryptoSuite& suite_;
    uint64_t chain_id_;
    const ValidatorSet& validators_;
    std::string name_;
    std::vector<protocol::Block> blocks_;
    std::vector<protocol::CommitCertificate> certs_;
};

inline ValidatorSet make_validators(const crypto::CryptoSuite& suite, size_t n) {
    std::vector<Validator> vs;
    for (size_t i = 0; i < n; ++i) {
        const Key k = test_key(suite, i);
        vs.push_back(Validator{k.address, k.public_key, 1});
    }
    return ValidatorSet(std::move(vs));
}

inline protocol::Vote make_vote(const crypto::CryptoSuite& suite, uint64_t chain_id, size_t signer,
                                protocol::VoteType type, uint64_t height, uint32_t round,
                                const Hash256& hash) {
    const Key k = test_key(suite, signer);
    protocol::Vote v;
    v.type = type;
    v.height = height;
    v.round = round;
    v.block_hash = hash;
    v.validator = k.address;
    v.signature = sign_with(suite, k, v.sign_bytes(chain_id));
    return v;
}

inline protocol::Proposal make_proposal(const crypto::CryptoSuite& suite, uint64_t chain_id,
                                        size_t signer, uint64_t height, uint32_t round,
                                        const Application::Built& built, int64_t valid_round = -1) {
    const Key k = test_key(suite, signer);
    protocol::Proposal p;
    p.height = height;
    p.round = round;
    p.valid_round = valid_round;
    p.block = built.block;
    p.prev_certificate = built.prev_certificate;
    p.proposer = k.address;
    p.signature = sign_with(suite, k, p.sign_bytes(chain_id, built.block.header.hash(suite)));
    return p;
}

inline protocol::CommitCertificate make_certificate(const crypto::CryptoSuite& suite,
                                                    uint64_t chain_id, uint64_t height,
                                                    uint32_t round, const Hash256& hash,
                                                    const std::vector<uint32_t>& signers) {
    protocol::CommitCertificate c;
    c.height = height;
    c.round = round;
    c.block_hash = hash;
    const Bytes msg = c.precommit().sign_bytes(chain_id);
    for (uint32_t i : signers)
        c.signatures.push_back({i, sign_with(suite, test_key(suite, i), msg)});
    return c;
}

}  // namespace xl::consensus::test
