// SPDX-License-Identifier: Apache-2.0
// The two CryptoSuites of DESIGN.md §2: ecdsa (keccak-256, secp256k1, AES-128-GCM) and sm
// (SM3, SM2 with the default ID, SM4-GCM). Both are stateless singletons.
#include "crypto/suite.hpp"

#include <cstring>

#include "crypto/cipher.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/sm2.hpp"

namespace xl::crypto {

std::string_view to_string(CryptoError e) noexcept {
    switch (e) {
        case CryptoError::kInvalidSecretKey:
            return "invalid secret key";
        case CryptoError::kInvalidPublicKey:
            return "invalid public key";
        case CryptoError::kInvalidSignature:
            return "invalid signature";
        case CryptoError::kVerifyFailed:
            return "signature verification failed";
        case CryptoError::kRecoverUnsupported:
            return "public key recovery not supported";
        case CryptoError::kRecoverFailed:
            return "public key recovery failed";
        case CryptoError::kCipherFailed:
            return "cipher failed";
        case CryptoError::kInternal:
            return "internal crypto error";
    }
    return "unknown crypto error";
}

Bytes encode_signature(SuiteId suite, const Signature& sig) {
    Bytes out;
    out.reserve(signature_size(suite));
    out.insert(out.end(), sig.r.begin(), sig.r.end());
    out.insert(out.end(), sig.s.begin(), sig.s.end());
    if (suite == SuiteId::kEcdsa) out.push_back(sig.v);
    return out;
}

Result<Signature, CryptoError> decode_signature(SuiteId suite, BytesView wire) {
    if (wire.size() != signature_size(suite)) return unexpected(CryptoError::kInvalidSignature);
    Signature sig;
    std::memcpy(sig.r.data(), wire.data(), 32);
    std::memcpy(sig.s.data(), wire.data() + 32, 32);
    if (suite == SuiteId::kEcdsa) {
        sig.v = wire[64];
        if (sig.v > 1) return unexpected(CryptoError::kInvalidSignature);
    }
    return sig;
}

namespace {

// Last 20 bytes of the suite hash of x || y (Yellow Paper eq. 284 for keccak; DESIGN.md §2).
Address address_from_hash(const Hash256& h) noexcept {
    Address a;
    std::memcpy(a.data(), h.data() + 12, 20);
    return a;
}

class EcdsaSuite final : public CryptoSuite {
public:
    SuiteId id() const noexcept override { return SuiteId::kEcdsa; }
    std::string_view name() const noexcept override { return "ecdsa"; }
    Hash256 hash(BytesView data) const noexcept override { return keccak256(data); }

    SecretKey generate_key() const override {
        // A uniform 32-byte string is >= n with probability ~2^-128; loop anyway.
        for (;;) {
            SecretKey sk = random_fixed<32>();
            if (secp256k1::secret_key_valid(sk)) return sk;
        }
    }
    Result<PublicKey, CryptoError> public_key(const SecretKey& sk) const override {
        return secp256k1::public_key(sk);
    }
    Address address(const PublicKey& pk) const noexcept override {
        return address_from_hash(keccak256(pk));
    }
    Result<Signature, CryptoError> sign(const SecretKey& sk, BytesView message) const override {
        return secp256k1::sign(sk, keccak256(message));
    }
    Result<void, CryptoError> verify(const PublicKey& pk, BytesView message,
                                     const Signature& sig) const override {
        return secp256k1::verify(pk, keccak256(message), sig);
    }
    Result<PublicKey, CryptoError> recover(BytesView message, const Signature& sig) const override {
        // Signatures made by the suite are low-s; accepting high s would make them malleable.
        return secp256k1::recover(keccak256(message), sig, /*allow_high_s=*/false);
    }
    Result<Bytes, CryptoError> seal(BytesView key, BytesView nonce, BytesView aad,
                                    BytesView plaintext) const override {
        return gcm_seal(CipherAlgo::kAes128, key, nonce, aad, plaintext);
    }
    Result<Bytes, CryptoError> open(BytesView key, BytesView nonce, BytesView aad,
                                    BytesView sealed) const override {
        return gcm_open(CipherAlgo::kAes128, key, nonce, aad, sealed);
    }
};

class SmSuite final : public CryptoSuite {
public:
    SuiteId id() const noexcept override { return SuiteId::kSm; }
    std::string_view name() const noexcept override { return "sm"; }
    Hash256 hash(BytesView data) const noexcept override { return sm3(data); }

    SecretKey generate_key() const override {
        for (;;) {
            SecretKey sk = random_fixed<32>();
            if (sm2_secret_key_valid(sk)) return sk;
        }
    }
    Result<PublicKey, CryptoError> public_key(const SecretKey& sk) const override {
        return sm2_public_key(sk);
    }
    Address address(const PublicKey& pk) const noexcept override {
        return address_from_hash(sm3(pk));
    }
    Result<Signature, CryptoError> sign(const SecretKey& sk, BytesView message) const override {
        return sm2_sign(sk, as_bytes(kSm2DefaultId), message);
    }
    Result<void, CryptoError> verify(const PublicKey& pk, BytesView message,
                                     const Signature& sig) const override {
        // v carries nothing for SM2; a non-zero v is a malformed signature, not a variant.
        if (sig.v != 0) return unexpected(CryptoError::kInvalidSignature);
        return sm2_verify(pk, as_bytes(kSm2DefaultId), message, sig);
    }
    Result<PublicKey, CryptoError> recover(BytesView, const Signature&) const override {
        return unexpected(CryptoError::kRecoverUnsupported);
    }
    Result<Bytes, CryptoError> seal(BytesView key, BytesView nonce, BytesView aad,
                                    BytesView plaintext) const override {
        return gcm_seal(CipherAlgo::kSm4, key, nonce, aad, plaintext);
    }
    Result<Bytes, CryptoError> open(BytesView key, BytesView nonce, BytesView aad,
                                    BytesView sealed) const override {
        return gcm_open(CipherAlgo::kSm4, key, nonce, aad, sealed);
    }
};

}  // namespace

const CryptoSuite& ecdsa_suite() noexcept {
    static const EcdsaSuite suite;
    return suite;
}

const CryptoSuite& sm_suite() noexcept {
    static const SmSuite suite;
    return suite;
}

const CryptoSuite* suite_by_name(std::string_view name) noexcept {
    if (name == "ecdsa") return &ecdsa_suite();
    if (name == "sm") return &sm_suite();
    return nullptr;
}

}  // namespace xl::crypto
