// SPDX-License-Identifier: Apache-2.0
// A deterministic, fast stand-in for crypto::CryptoSuite, for the consensus simulator only
// (never for a node). Secret key sk gives public key H("sim-pk" || sk) || H(H("sim-pk" || sk));
// a signature over m is r = H(pk || m), s = H(r), v = 0, and verify recomputes it. Anyone who
// knows a public key could forge such a signature; that is acceptable here because the
// simulator's Byzantine nodes only ever sign with their own key, by construction. What it buys:
// a vote costs two keccak calls instead of a secp256k1 verify (about 50x), which is what makes
// more than a thousand whole-cluster runs fit into CI; a handful of scenarios run the real
// ecdsa and sm suites instead. The hash is the ecdsa suite's keccak-256. Its id() is kEcdsa so
// that the wire form of a signature is the real 65-byte one.
//
// Thread-safety: register_key() before use; afterwards read-only (safe for concurrent reads).
#pragma once

#include <string_view>
#include <vector>

#include "crypto/suite.hpp"

namespace xl::sim {

class FastSuite final : public crypto::CryptoSuite {
public:
    // recover() has no algebra to work with: it tries the registered keys in order.
    void register_key(const crypto::PublicKey& pk) { keys_.push_back(pk); }

    crypto::SuiteId id() const noexcept override { return crypto::SuiteId::kEcdsa; }
    std::string_view name() const noexcept override { return "sim-fast"; }
    Hash256 hash(BytesView data) const noexcept override;
    crypto::SecretKey generate_key() const override;
    Result<crypto::PublicKey, crypto::CryptoError> public_key(
        const crypto::SecretKey& sk) const override;
    Address address(const crypto::PublicKey& pk) const noexcept override;
    Result<crypto::Signature, crypto::CryptoError> sign(const crypto::SecretKey& sk,
                                                        BytesView message) const override;
    Result<void, crypto::CryptoError> verify(const crypto::PublicKey& pk, BytesView message,
                                             const crypto::Signature& sig) const override;
    Result<crypto::PublicKey, crypto::CryptoError> recover(
        BytesView message, const crypto::Signature& sig) const override;
    // No data at rest in the simulator.
    Result<Bytes, crypto::CryptoError> seal(BytesView, BytesView, BytesView,
                                            BytesView) const override {
        return unexpected(crypto::CryptoError::kCipherFailed);
    }
    Result<Bytes, crypto::CryptoError> open(BytesView, BytesView, BytesView,
                                            BytesView) const override {
        return unexpected(crypto::CryptoError::kCipherFailed);
    }

private:
    crypto::Signature signature_of(const crypto::PublicKey& pk, BytesView message) const;
    std::vector<crypto::PublicKey> keys_;
};

}  // namespace xl::sim
