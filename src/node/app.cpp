// SPDX-License-Identifier: Apache-2.0
// ChainApp: build / validate / commit through node::Chain, with the certificate chain checks.
#include "node/app.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "core/bytes.hpp"

namespace xl::node {

uint64_t unix_seconds() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

ChainApp::ChainApp(Chain& chain, const consensus::ValidatorSet& validators, const Address& self,
                   std::function<uint64_t()> now_seconds)
    : chain_(chain), validators_(validators), self_(self), now_seconds_(std::move(now_seconds)) {}

uint64_t ChainApp::committed_height() const {
    return chain_.ledger().head_number();
}

void ChainApp::keep(std::shared_ptr<const ExecutedBlock> executed) {
    // Bounded: a flood of valid proposals of one height (a Byzantine proposer re-proposing in
    // every round) must not grow memory. The oldest-looking entry is as good as any to drop:
    // the engine re-validates (and so re-executes) what it no longer finds here.
    if (kept_.size() >= kMaxKeptBlocks && !kept_.count(executed->hash)) kept_.erase(kept_.begin());
    kept_[executed->hash] = std::move(executed);
}

std::optional<consensus::Application::Built> ChainApp::build_block(uint64_t height,
                                                                   uint32_t round) {
    const uint64_t head = committed_height();
    if (height != head + 1) {
        spdlog::debug("not building block {} round {}: the head is {}", height, round, head);
        return std::nullopt;
    }
    std::optional<protocol::CommitCertificate> prev_cert;
    Hash256 prev_cert_hash;
    if (height > 1) {
        auto c = chain_.certificate(height - 1);
        if (!c) {
            spdlog::error("building block {}: reading the certificate of {}: {}", height,
                          height - 1, c.error());
            return std::nullopt;
        }
        if (!c->has_value()) {
            spdlog::error("building block {}: block {} has no stored certificate", height,
                          height - 1);
            return std::nullopt;
        }
        prev_cert = std::move(**c);
        prev_cert_hash = prev_cert->hash(chain_.suite());
    }
    const uint64_t timestamp = std::max(now_seconds_(), chain_.ledger().head().timestamp);
    auto built = chain_.propose(self_, timestamp, prev_cert_hash);
    if (!built) {
        spdlog::error("building block {} round {}: {}", height, round, built.error());
        return std::nullopt;
    }
    Built out{(*built)->block, std::move(prev_cert)};
    spdlog::debug("built block {} round {} hash {} txs {}", height, round, to_hex((*built)->hash),
                  (*built)->block.transactions.size());
    keep(std::move(*built));
    return out;
}

Result<void, std::string> ChainApp::check_prev_certificate(
    const protocol::BlockHeader& header,
    const std::optional<protocol::CommitCertificate>& prev_cert) const {
    if (header.number <= 1) {
        if (prev_cert) return unexpected(std::string("a previous certificate at height 1"));
        if (header.prev_certificate_hash != Hash256{})
            return unexpected(std::string("a prev_certificate_hash at height 1"));
        return {};
    }
    if (!prev_cert) return unexpected(std::string("no previous certificate"));
    if (prev_cert->height != header.number - 1)
        return unexpected("previous certificate of height " + std::to_string(prev_cert->height) +
                          ", expected " + std::to_string(header.number - 1));
    if (prev_cert->block_hash != header.parent_hash)
        return unexpected("previous certificate for block " + to_hex(prev_cert->block_hash) +
                          ", the parent is " + to_hex(header.parent_hash));
    if (auto v = consensus::verify_certificate(chain_.suite(), chain_.genesis().chain_id,
                                               validators_, *prev_cert);
        !v)
        return unexpected("previous certificate: " + v.error());
    const Hash256 h = prev_cert->hash(chain_.suite());
    if (h != header.prev_certificate_hash)
        return unexpected("prev_certificate_hash " + to_hex(header.prev_certificate_hash) +
                          " != the certificate's hash " + to_hex(h));
    return {};
}

bool ChainApp::validate_block(const protocol::Block& block, const Hash256& block_hash,
                              const std::optional<protocol::CommitCertificate>& prev_cert) {
    last_rejection_.clear();
    auto reject = [&](std::string why) {
        spdlog::warn("block {} hash {} refused: {}", block.header.number, to_hex(block_hash), why);
        last_rejection_ = std::move(why);
        return false;
    };
    if (kept_.count(block_hash)) return true;  // built or validated here already
    if (auto c = check_prev_certificate(block.header, prev_cert); !c) return reject(c.error());
    const uint64_t now = now_seconds_();
    if (block.header.timestamp > now + kMaxFutureSeconds)
        return reject("timestamp " + std::to_string(block.header.timestamp) + " is more than " +
                      std::to_string(kMaxFutureSeconds) + " s ahead of the local clock " +
                      std::to_string(now));
    if (prev_cert && seen_certs_.size() < kMaxSeenCertificates)
        seen_certs_.emplace(block.header.prev_certificate_hash, *prev_cert);
    auto executed = chain_.execute(block);
    if (!executed) return reject(executed.error());
    if ((*executed)->hash != block_hash)
        return reject("hash " + to_hex(block_hash) + " != executed " + to_hex((*executed)->hash));
    keep(std::move(*executed));
    return true;
}

Result<void, std::string> ChainApp::commit_block(
    const protocol::Block& block, const Hash256& block_hash,
    const protocol::CommitCertificate& certificate,
    const std::optional<protocol::CommitCertificate>& prev_cert) {
    const uint64_t height = block.header.number;
    if (certificate.height != height || certificate.block_hash != block_hash)
        return unexpected("certificate of height " + std::to_string(certificate.height) +
                          " block " + to_hex(certificate.block_hash) + " for block " +
                          std::to_string(height) + " " + to_hex(block_hash));
    std::shared_ptr<const ExecutedBlock> executed;
    std::optional<protocol::CommitCertificate> replacement;  // see seen_certs_
    if (auto it = kept_.find(block_hash); it != kept_.end()) {
        executed = it->second;
    } else {
        // A FinalizedBlock from a peer: its certificate was verified by the engine; the
        // previous certificate (if the engine has one) and the execution are checked here.
        if (prev_cert) {
            if (auto c = check_prev_certificate(block.header, prev_cert); !c)
                return unexpected("finalized block " + std::to_string(height) + ": " + c.error());
        } else if (height > 1) {
            auto stored = chain_.certificate(height - 1);
            if (!stored)
                return unexpected("reading certificate " + std::to_string(height - 1) + ": " +
                                  stored.error());
            const bool matches = stored->has_value() && (*stored)->hash(chain_.suite()) ==
                                                            block.header.prev_certificate_hash;
            if (!matches) {
                auto it = seen_certs_.find(block.header.prev_certificate_hash);
                if (it == seen_certs_.end())
                    return unexpected("finalized block " + std::to_string(height) +
                                      " names a certificate of height " +
                                      std::to_string(height - 1) + " (" +
                                      to_hex(block.header.prev_certificate_hash) +
                                      ") other than the stored one, and no proposal carried it");
                if (auto c = check_prev_certificate(block.header, it->second); !c)
                    return unexpected("finalized block " + std::to_string(height) + ": " +
                                      c.error());
                replacement = it->second;
            }
        }
        auto e = chain_.execute(block);
        if (!e)
            return unexpected(
                "finalized block " + std::to_string(height) +
                " does not execute to its header (divergent execution): " + e.error());
        executed = std::move(*e);
    }
    auto committed = chain_.commit(*executed, certificate, prev_cert ? prev_cert : replacement);
    if (!committed)
        return unexpected("committing block " + std::to_string(height) + ": " + committed.error());
    kept_.clear();  // executed on the old head: no longer committable
    std::erase_if(seen_certs_, [&](const auto& e) { return e.second.height + 1 <= height; });
    spdlog::info("committed block {} hash {} txs {} round {}", height, to_hex(block_hash),
                 block.transactions.size(), certificate.round);
    return {};
}

std::optional<protocol::FinalizedBlock> ChainApp::finalized_block(uint64_t height) const {
    if (height == 0 || height > committed_height()) return std::nullopt;
    auto b = chain_.ledger().block(height);
    if (!b || !b->has_value()) {
        spdlog::warn("block {} for a peer: {}", height, b ? "not found" : b.error().message);
        return std::nullopt;
    }
    auto c = chain_.certificate(height);
    if (!c || !c->has_value()) {
        spdlog::warn("certificate {} for a peer: {}", height, c ? "not stored" : c.error());
        return std::nullopt;
    }
    return protocol::FinalizedBlock{std::move(**b), std::move(**c)};
}

Result<Bytes, std::string> KeySigner::sign(BytesView message) {
    auto sig = suite_.sign(key_.secret, message);
    if (!sig) return unexpected("signing: " + std::string(crypto::to_string(sig.error())));
    return crypto::encode_signature(suite_.id(), *sig);
}

}  // namespace xl::node
