// SPDX-License-Identifier: Apache-2.0
// The toy chain, safety store and signer of the simulator (toy_app.hpp).
#include "sim/toy_app.hpp"

#include <utility>

namespace xl::sim {

namespace {

constexpr uint64_t kToyGasLimit = 30'000'000;

// The root of an empty ordered trie: keccak/SM3 of RLP("") = 0x80.
Hash256 empty_root(const crypto::CryptoSuite& suite) {
    const uint8_t empty_rlp = 0x80;
    return suite.hash(BytesView(&empty_rlp, 1));
}

std::string hex(BytesView b) {
    return to_hex(b).substr(0, 18);
}

}  // namespace

protocol::Block toy_genesis(const crypto::CryptoSuite& suite,
                            const consensus::ValidatorSet& validators) {
    protocol::Block g;
    auto& h = g.header;
    h.number = 0;
    h.timestamp = 0;
    h.state_root = suite.hash(as_bytes("xinlian-sim-genesis"));
    h.transactions_root = empty_root(suite);
    h.receipts_root = empty_root(suite);
    h.gas_limit = kToyGasLimit;
    Bytes addresses;
    for (size_t i = 0; i < validators.size(); ++i) {
        const auto& a = validators.at(i).address;
        addresses.insert(addresses.end(), a.begin(), a.end());
    }
    h.validator_set_hash = suite.hash(addresses);
    return g;
}

Hash256 toy_state_root(const crypto::CryptoSuite& suite, const Hash256& parent_state_root,
                       uint64_t number, const Address& proposer) {
    Bytes in(parent_state_root.begin(), parent_state_root.end());
    for (int i = 7; i >= 0; --i)
        in.push_back(static_cast<uint8_t>(number >> (8 * i)));
    in.insert(in.end(), proposer.begin(), proposer.end());
    return suite.hash(in);
}

protocol::Block toy_block(const crypto::CryptoSuite& suite, const protocol::Block& parent,
                          const Hash256& parent_hash, const Address& proposer, uint32_t round,
                          const Hash256& prev_certificate_hash, BytesView tag) {
    protocol::Block b;
    auto& h = b.header;
    h.parent_hash = parent_hash;
    h.number = parent.header.number + 1;
    h.timestamp = parent.header.timestamp + 1;
    h.proposer = proposer;
    h.state_root = toy_state_root(suite, parent.header.state_root, h.number, proposer);
    h.transactions_root = empty_root(suite);
    h.receipts_root = empty_root(suite);
    h.gas_limit = parent.header.gas_limit;
    h.validator_set_hash = parent.header.validator_set_hash;
    h.prev_certificate_hash = prev_certificate_hash;
    for (int i = 3; i >= 0; --i)
        h.extra_data.push_back(static_cast<uint8_t>(round >> (8 * i)));
    h.extra_data.insert(h.extra_data.end(), tag.begin(), tag.end());
    return b;
}

Result<void, std::string> check_toy_block(const crypto::CryptoSuite& suite,
                                          const protocol::Block& parent, const Hash256& parent_hash,
                                          const protocol::Block& block) {
    const auto& h = block.header;
    const auto& p = parent.header;
    if (h.number != p.number + 1)
        return unexpected("number " + std::to_string(h.number) + " does not follow " +
                          std::to_string(p.number));
    if (h.parent_hash != parent_hash)
        return unexpected("parent hash " + hex(h.parent_hash) + " != " + hex(parent_hash));
    if (h.timestamp != p.timestamp + 1) return unexpected(std::string("wrong timestamp"));
    if (h.state_root != toy_state_root(suite, p.state_root, h.number, h.proposer))
        return unexpected("state root " + hex(h.state_root) + " is not the toy rule's");
    if (h.transactions_root != empty_root(suite) || h.receipts_root != empty_root(suite))
        return unexpected(std::string("transactions or receipts root of a non-empty block"));
    if (!block.transactions.empty()) return unexpected(std::string("toy blocks carry no txs"));
    if (h.gas_limit != p.gas_limit || h.gas_used != 0 || h.base_fee != U256(0) ||
        h.logs_bloom != protocol::Bloom{})
        return unexpected(std::string("gas limit, gas used, base fee or bloom differ"));
    if (h.validator_set_hash != p.validator_set_hash)
        return unexpected(std::string("validator set hash differs"));
    if (h.extra_data.size() < 4 || h.extra_data.size() > protocol::kMaxExtraDataSize)
        return unexpected(std::string("extra data is not a round (and a tag)"));
    return {};
}

Result<void, std::string> check_certificate(const crypto::CryptoSuite& suite, uint64_t chain_id,
                                            const consensus::ValidatorSet& validators,
                                            const protocol::CommitCertificate& certificate) {
    const Bytes message = certificate.precommit().sign_bytes(chain_id);
    uint64_t power = 0;
    int64_t previous = -1;
    for (const auto& s : certificate.signatures) {
        if (s.validator_index >= validators.size())
            return unexpected("signer index " + std::to_string(s.validator_index) +
                              " out of range");
        if (static_cast<int64_t>(s.validator_index) <= previous)
            return unexpected(std::string("signer indexes not strictly ascending"));
        previous = s.validator_index;
        auto sig = crypto::decode_signature(suite.id(), s.signature);
        if (!sig)
            return unexpected("signature of validator " + std::to_string(previous) + " malformed");
        const auto& v = validators.at(s.validator_index);
        if (!suite.verify(v.public_key, message, *sig))
            return unexpected("signature of validator " + std::to_string(previous) +
                              " does not verify");
        power += v.power;
    }
    if (power * 3 <= validators.total_power() * 2)
        return unexpected("power " + std::to_string(power) + " of " +
                          std::to_string(validators.total_power()) + " is not above 2/3");
    return {};
}

ToyApp::ToyApp(const crypto::CryptoSuite& suite, uint64_t chain_id,
               const consensus::ValidatorSet& validators, const Address& self, CommitHook on_commit,
               ViolationHook on_violation)
    : suite_(suite),
      chain_id_(chain_id),
      validators_(validators),
      self_(self),
      on_commit_(std::move(on_commit)),
      on_violation_(std::move(on_violation)) {
    blocks_.push_back(toy_genesis(suite, validators));
    hashes_.push_back(blocks_.back().header.hash(suite));
    certificates_.emplace_back();
}

std::optional<consensus::Application::Built> ToyApp::build_block(uint64_t height, uint32_t round) {
    if (height != committed_height() + 1) return std::nullopt;
    Built built;
    Hash256 prev_hash;
    if (height > 1) {
        built.prev_certificate = certificates_.back();
        if (!built.prev_certificate) return std::nullopt;  // not reachable: commits store one
        prev_hash = built.prev_certificate->hash(suite_);
    }
    built.block = toy_block(suite_, blocks_.back(), hashes_.back(), self_, round, prev_hash);
    return built;
}

std::optional<std::string> ToyApp::why_not_next(
    const protocol::Block& block, const Hash256& block_hash,
    const std::optional<protocol::CommitCertificate>& prev_cert, bool prev_cert_required) const {
    const uint64_t height = block.header.number;
    if (height != committed_height() + 1)
        return "height " + std::to_string(height) + " is not the next (committed " +
               std::to_string(committed_height()) + ")";
    if (block_hash != block.header.hash(suite_)) return std::string("block hash is not its hash");
    if (auto ok = check_toy_block(suite_, blocks_.back(), hashes_.back(), block); !ok)
        return ok.error();
    if (height == 1) {
        if (prev_cert) return std::string("a previous certificate at height 1");
        if (!block.header.prev_certificate_hash.is_zero())
            return std::string("prev_certificate_hash set at height 1");
        return std::nullopt;
    }
    if (!prev_cert) {
        if (prev_cert_required) return std::string("no previous certificate");
        return std::nullopt;
    }
    if (prev_cert->height != height - 1 || prev_cert->block_hash != hashes_.back())
        return std::string("previous certificate is not of the head");
    if (prev_cert->hash(suite_) != block.header.prev_certificate_hash)
        return std::string("previous certificate does not match prev_certificate_hash");
    if (auto ok = check_certificate(suite_, chain_id_, validators_, *prev_cert); !ok)
        return "previous certificate: " + ok.error();
    return std::nullopt;
}

bool ToyApp::validate_block(const protocol::Block& block, const Hash256& block_hash,
                            const std::optional<protocol::CommitCertificate>& prev_cert) {
    ++validations_;
    // Differential: the engine's verify_certificate must agree with the independent check.
    if (prev_cert) {
        const bool ours = check_certificate(suite_, chain_id_, validators_, *prev_cert).has_value();
        const bool engine =
            consensus::verify_certificate(suite_, chain_id_, validators_, *prev_cert).has_value();
        if (ours != engine)
            on_violation_("consensus::verify_certificate says " +
                          std::string(engine ? "valid" : "invalid") +
                          " for a certificate that is " + (ours ? "valid" : "invalid") +
                          " (height " + std::to_string(prev_cert->height) + ")");
    }
    return !why_not_next(block, block_hash, prev_cert, true).has_value();
}

Result<void, std::string> ToyApp::commit_block(
    const protocol::Block& block, const Hash256& block_hash,
    const protocol::CommitCertificate& certificate,
    const std::optional<protocol::CommitCertificate>& prev_cert) {
    const std::string at = "commit of height " + std::to_string(block.header.number) + ": ";
    if (auto why = why_not_next(block, block_hash, prev_cert, false)) {
        on_violation_(at + *why);
        return unexpected(at + *why);
    }
    if (certificate.height != block.header.number || certificate.block_hash != block_hash) {
        on_violation_(at + "the certificate is for another block");
        return unexpected(at + "the certificate is for another block");
    }
    if (auto ok = check_certificate(suite_, chain_id_, validators_, certificate); !ok) {
        on_violation_(at + "certificate: " + ok.error());
        return unexpected(at + ok.error());
    }
    if (prev_cert) certificates_.back() = prev_cert;
    blocks_.push_back(block);
    hashes_.push_back(block_hash);
    certificates_.push_back(certificate);
    on_commit_(block.header.number, block_hash);
    return {};
}

std::optional<protocol::FinalizedBlock> ToyApp::finalized_block(uint64_t height) const {
    if (height == 0 || height > committed_height() || !certificates_[height]) return std::nullopt;
    return protocol::FinalizedBlock{blocks_[height], *certificates_[height]};
}

Result<std::optional<consensus::SafetyRecord>, std::string> SimSafetyStore::load() {
    if (!disk_ || amnesia_) return std::optional<consensus::SafetyRecord>{};
    auto r = consensus::SafetyRecord::decode(*disk_);
    if (!r) {
        on_violation_("safety record does not decode: " + r.error());
        return unexpected("safety record: " + r.error());
    }
    return std::optional<consensus::SafetyRecord>(*r);
}

Result<void, std::string> SimSafetyStore::save(const consensus::SafetyRecord& record) {
    Bytes encoded = record.encode();
    auto back = consensus::SafetyRecord::decode(encoded);
    if (!back || !(*back == record))
        on_violation_("SafetyRecord::decode(encode(r)) != r at height " +
                      std::to_string(record.height));
    disk_ = std::move(encoded);
    last_ = record;
    ++saves_;
    return {};
}

Result<Bytes, std::string> SimSigner::sign(BytesView message) {
    auto sig = suite_.sign(secret_, message);
    if (!sig) return unexpected(std::string(crypto::to_string(sig.error())));
    return crypto::encode_signature(suite_.id(), *sig);
}

}  // namespace xl::sim
