// SPDX-License-Identifier: Apache-2.0
// Validator sets, proposer rotation and commit-certificate verification (docs/spec/consensus.md).
#include <string>
#include <utility>

#include "consensus/engine.hpp"
#include "core/assert.hpp"

namespace xl::consensus {

ValidatorSet::ValidatorSet(std::vector<Validator> validators) : validators_(std::move(validators)) {
    XL_ASSERT(!validators_.empty() && validators_.size() <= protocol::kMaxValidators);
    for (size_t i = 0; i < validators_.size(); ++i) {
        XL_ASSERT(validators_[i].power >= 1);
        // Powers are bounded so that total * 2 never overflows.
        XL_ASSERT(validators_[i].power <= (uint64_t{1} << 52));
        total_ += validators_[i].power;
        for (size_t j = 0; j < i; ++j)
            XL_ASSERT(validators_[j].address != validators_[i].address);
    }
}

size_t ValidatorSet::size() const noexcept {
    return validators_.size();
}

const Validator& ValidatorSet::at(size_t index) const {
    XL_ASSERT(index < validators_.size());
    return validators_[index];
}

std::optional<size_t> ValidatorSet::index_of(const Address& a) const noexcept {
    for (size_t i = 0; i < validators_.size(); ++i)
        if (validators_[i].address == a) return i;
    return std::nullopt;
}

uint64_t ValidatorSet::total_power() const noexcept {
    return total_;
}
uint64_t ValidatorSet::quorum() const noexcept {
    return total_ * 2 / 3 + 1;
}
uint64_t ValidatorSet::weak_quorum() const noexcept {
    return total_ / 3 + 1;
}

size_t ValidatorSet::proposer_index(uint64_t height, uint32_t round) const noexcept {
    // (height + round) mod n without overflow of the sum.
    const uint64_t n = validators_.size();
    return static_cast<size_t>((height % n + round % n) % n);
}

const Validator& ValidatorSet::proposer(uint64_t height, uint32_t round) const {
    return validators_[proposer_index(height, round)];
}

Result<void, std::string> verify_certificate(const crypto::CryptoSuite& suite, uint64_t chain_id,
                                             const ValidatorSet& validators,
                                             const protocol::CommitCertificate& certificate) {
    if (certificate.block_hash.is_zero()) return unexpected(std::string("certificate for nil"));
    const Bytes message = certificate.precommit().sign_bytes(chain_id);
    uint64_t power = 0;
    for (size_t i = 0; i < certificate.signatures.size(); ++i) {
        const protocol::CommitSignature& s = certificate.signatures[i];
        if (i > 0 && certificate.signatures[i - 1].validator_index >= s.validator_index)
            return unexpected("signer indexes not strictly ascending at position " +
                              std::to_string(i));
        if (s.validator_index >= validators.size())
            return unexpected("signer index " + std::to_string(s.validator_index) +
                              " out of range");
        const Validator& v = validators.at(s.validator_index);
        auto sig = crypto::decode_signature(suite.id(), s.signature);
        if (!sig)
            return unexpected("signature of validator " + to_hex(v.address) + " is malformed");
        if (!suite.verify(v.public_key, message, *sig))
            return unexpected("signature of validator " + to_hex(v.address) + " does not verify");
        power += v.power;
    }
    if (power < validators.quorum())
        return unexpected("power " + std::to_string(power) + " of " +
                          std::to_string(validators.total_power()) + " is not above 2/3");
    return {};
}

}  // namespace xl::consensus
