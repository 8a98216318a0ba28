// SPDX-License-Identifier: Apache-2.0
// The simulator's fast fake CryptoSuite (fake_suite.hpp says why it exists and what it is).
#include "sim/fake_suite.hpp"

#include <cstring>

namespace xl::sim {

Hash256 FastSuite::hash(BytesView data) const noexcept {
    return crypto::ecdsa_suite().hash(data);
}

crypto::SecretKey FastSuite::generate_key() const {
    // Deterministic on purpose: the simulator derives every key from its seed and never calls
    // this; a constant keeps the double honest if something does.
    return hash(as_bytes("sim-generated-key"));
}

Result<crypto::PublicKey, crypto::CryptoError> FastSuite::public_key(
    const crypto::SecretKey& sk) const {
    if (sk.is_zero()) return unexpected(crypto::CryptoError::kInvalidSecretKey);
    const Hash256 x = hash(concat(as_bytes("sim-pk"), sk));
    const Hash256 y = hash(x);
    crypto::PublicKey pk;
    std::memcpy(pk.data(), x.data(), 32);
    std::memcpy(pk.data() + 32, y.data(), 32);
    return pk;
}

Address FastSuite::address(const crypto::PublicKey& pk) const noexcept {
    const Hash256 h = hash(pk);
    return Address::from(BytesView(h.data() + 12, 20));
}

crypto::Signature FastSuite::signature_of(const crypto::PublicKey& pk, BytesView message) const {
    crypto::Signature sig;
    sig.r = hash(concat(pk, message));
    sig.s = hash(sig.r);
    sig.v = 0;
    return sig;
}

Result<crypto::Signature, crypto::CryptoError> FastSuite::sign(const crypto::SecretKey& sk,
                                                               BytesView message) const {
    auto pk = public_key(sk);
    if (!pk) return unexpected(pk.error());
    return signature_of(*pk, message);
}

Result<void, crypto::CryptoError> FastSuite::verify(const crypto::PublicKey& pk, BytesView message,
                                                    const crypto::Signature& sig) const {
    if (sig.v > 1) return unexpected(crypto::CryptoError::kInvalidSignature);
    if (signature_of(pk, message) != sig) return unexpected(crypto::CryptoError::kVerifyFailed);
    return {};
}

Result<crypto::PublicKey, crypto::CryptoError> FastSuite::recover(
    BytesView message, const crypto::Signature& sig) const {
    for (const auto& pk : keys_)
        if (signature_of(pk, message) == sig) return pk;
    return unexpected(crypto::CryptoError::kRecoverFailed);
}

}  // namespace xl::sim
