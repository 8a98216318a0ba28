// SPDX-License-Identifier: Apache-2.0
// secp256k1 through libsecp256k1. The one context is created on first use and randomized with
// 32 bytes from the CSPRNG (side-channel blinding, secp256k1.h: secp256k1_context_randomize);
// afterwards it is only read, which libsecp256k1 documents as thread-safe.
#include "crypto/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cstring>

#include "crypto/random.hpp"

namespace xl::crypto::secp256k1 {

namespace {

secp256k1_context* make_context() noexcept {
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    XL_ASSERT(ctx != nullptr);
    FixedBytes<32> seed;
    random_bytes(seed.data(), seed.size());
    XL_ASSERT(secp256k1_context_randomize(ctx, seed.data()) == 1);
    return ctx;
}

const secp256k1_context* context() noexcept {
    static secp256k1_context* const ctx = make_context();
    return ctx;
}

// Big-endian comparison of two 32-byte integers.
int compare(const Hash256& a, const Hash256& b) noexcept {
    return std::memcmp(a.data(), b.data(), 32);
}

// r and s in [1, n-1] (SEC 1 §4.1.4 step 1).
bool scalars_in_range(const Signature& sig) noexcept {
    return !sig.r.is_zero() && !sig.s.is_zero() && compare(sig.r, kOrder) < 0 &&
           compare(sig.s, kOrder) < 0;
}

bool parse_public_key(const PublicKey& pk, secp256k1_pubkey& out) noexcept {
    uint8_t buf[65];
    buf[0] = 0x04;
    std::memcpy(buf + 1, pk.data(), 64);
    return secp256k1_ec_pubkey_parse(context(), &out, buf, sizeof(buf)) == 1;
}

PublicKey serialize_public_key(const secp256k1_pubkey& key) noexcept {
    uint8_t buf[65];
    size_t len = sizeof(buf);
    XL_ASSERT(
        secp256k1_ec_pubkey_serialize(context(), buf, &len, &key, SECP256K1_EC_UNCOMPRESSED) == 1 &&
        len == 65);
    PublicKey pk;
    std::memcpy(pk.data(), buf + 1, 64);
    return pk;
}

}  // namespace

bool secret_key_valid(const SecretKey& sk) noexcept {
    return secp256k1_ec_seckey_verify(context(), sk.data()) == 1;
}

bool public_key_valid(const PublicKey& pk) noexcept {
    secp256k1_pubkey key;
    return parse_public_key(pk, key);
}

Result<PublicKey, CryptoError> public_key(const SecretKey& sk) noexcept {
    secp256k1_pubkey key;
    if (secp256k1_ec_pubkey_create(context(), &key, sk.data()) != 1) {
        return unexpected(CryptoError::kInvalidSecretKey);
    }
    return serialize_public_key(key);
}

Result<Signature, CryptoError> sign(const SecretKey& sk, const Hash256& hash) noexcept {
    if (!secret_key_valid(sk)) return unexpected(CryptoError::kInvalidSecretKey);
    secp256k1_ecdsa_recoverable_signature rsig;
    // nonce function nullptr = secp256k1_nonce_function_rfc6979.
    if (secp256k1_ecdsa_sign_recoverable(context(), &rsig, hash.data(), sk.data(), nullptr,
                                         nullptr) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    uint8_t compact[64];
    int recid = -1;
    XL_ASSERT(secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &recid,
                                                                      &rsig) == 1);
    if (recid != 0 && recid != 1) return unexpected(CryptoError::kInternal);
    Signature sig;
    std::memcpy(sig.r.data(), compact, 32);
    std::memcpy(sig.s.data(), compact + 32, 32);
    sig.v = static_cast<uint8_t>(recid);
    return sig;
}

Result<void, CryptoError> verify(const PublicKey& pk, const Hash256& hash,
                                 const Signature& sig) noexcept {
    if (!scalars_in_range(sig) || compare(sig.s, kHalfOrder) > 0) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    secp256k1_pubkey key;
    if (!parse_public_key(pk, key)) return unexpected(CryptoError::kInvalidPublicKey);
    uint8_t compact[64];
    std::memcpy(compact, sig.r.data(), 32);
    std::memcpy(compact + 32, sig.s.data(), 32);
    secp256k1_ecdsa_signature parsed;
    if (secp256k1_ecdsa_signature_parse_compact(context(), &parsed, compact) != 1) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    if (secp256k1_ecdsa_verify(context(), &parsed, hash.data(), &key) != 1) {
        return unexpected(CryptoError::kVerifyFailed);
    }
    return {};
}

Result<PublicKey, CryptoError> recover(const Hash256& hash, const Signature& sig,
                                       bool allow_high_s) noexcept {
    if (sig.v > 1 || !scalars_in_range(sig)) return unexpected(CryptoError::kInvalidSignature);
    if (!allow_high_s && compare(sig.s, kHalfOrder) > 0) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    uint8_t compact[64];
    std::memcpy(compact, sig.r.data(), 32);
    std::memcpy(compact + 32, sig.s.data(), 32);
    secp256k1_ecdsa_recoverable_signature rsig;
    if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &rsig, compact, sig.v) !=
        1) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    // secp256k1_ecdsa_recover accepts high s, which the ecrecover precompile needs.
    secp256k1_pubkey key;
    if (secp256k1_ecdsa_recover(context(), &key, &rsig, hash.data()) != 1) {
        return unexpected(CryptoError::kRecoverFailed);
    }
    return serialize_public_key(key);
}

}  // namespace xl::crypto::secp256k1
