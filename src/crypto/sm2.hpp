// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: SM2 digital signatures (GB/T 32918.2-2016) and the Z value (§5.5), through
// OpenSSL 3. Signing and verification always set the signer ID: OpenSSL uses an empty ID
// unless EVP_PKEY_CTX_set1_id is called, which other SM2 software would not accept.
// Signatures are r, s as 32-byte big-endian (DER is used only inside, towards OpenSSL).
// All functions are thread-safe.
#pragma once

#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"

namespace xl::crypto {

// The default user ID of GM/T 0009-2012 §10 (also GB/T 35276): "1234567812345678".
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";
// ENTL is 16 bits of ID length in bits (GB/T 32918.2 §5.5), so an ID has at most 8191 bytes.
inline constexpr size_t kSm2MaxIdBytes = 8191;

// A 256-bit prime-field curve y^2 = x^3 + ax + b with generator G of prime order n, cofactor 1.
struct Sm2Curve {
    Hash256 p, a, b, gx, gy, n;
    friend bool operator==(const Sm2Curve&, const Sm2Curve&) = default;
};
// The recommended curve sm2p256v1 (GB/T 32918.5-2017), the only one used outside tests.
const Sm2Curve& sm2p256v1() noexcept;

// 1 <= d <= n - 2 (GB/T 32918.1 §6.1: 1 + d must be invertible mod n).
[[nodiscard]] bool sm2_secret_key_valid(const SecretKey& sk, const Sm2Curve& c = sm2p256v1());
// On the curve (GB/T 32918.1 §6.2.1).
[[nodiscard]] bool sm2_public_key_valid(const PublicKey& pk, const Sm2Curve& c = sm2p256v1());
// P = d * G.
Result<PublicKey, CryptoError> sm2_public_key(const SecretKey& sk, const Sm2Curve& c = sm2p256v1());
// The key pair belongs together (sk valid and pk = sk * G).
Result<void, CryptoError> sm2_check_keypair(const SecretKey& sk, const PublicKey& pk);

// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 §5.5).
Result<Hash256, CryptoError> sm2_compute_z(const PublicKey& pk, BytesView id,
                                           const Sm2Curve& c = sm2p256v1());

// Signs e = SM3(Z || msg) with a fresh random k (OpenSSL EVP_DigestSign with SM3).
Result<Signature, CryptoError> sm2_sign(const SecretKey& sk, BytesView id, BytesView msg);
// OpenSSL EVP_DigestVerify. kInvalidSignature: r or s is 0 or >= n.
Result<void, CryptoError> sm2_verify(const PublicKey& pk, BytesView id, BytesView msg,
                                     const Signature& sig);

// TEST ONLY: the signature algorithm of GB/T 32918.2 §6.1 with a caller-chosen k, on any
// curve, written with OpenSSL BIGNUM/EC_POINT primitives. It reproduces the standard's worked
// examples exactly. Never use it to sign real data: a repeated or guessable k reveals d.
Result<Signature, CryptoError> sm2_sign_with_k(const SecretKey& sk, BytesView id, BytesView msg,
                                               const Hash256& k, const Sm2Curve& c);
// The verification algorithm of GB/T 32918.2 §7.1 on any curve, with the same primitives
// (the test curve of the worked examples is not one OpenSSL's SM2 provider accepts).
Result<void, CryptoError> sm2_verify_on_curve(const PublicKey& pk, BytesView id, BytesView msg,
                                              const Signature& sig, const Sm2Curve& c);

// SM2 public-key encryption (GB/T 32918.4-2016 §6), used by the conformance runner.
// Ciphertext layout C1 || C3 || C2 with C1 = 04 || x1 || y1 (uncompressed), C3 = 32 bytes.
// TEST ONLY with caller-chosen k, same warning as sm2_sign_with_k. A k whose key stream
// t = KDF(x2 || y2, klen) is all zero is refused with kCipherFailed (§6.1 A5: choose another k).
Result<Bytes, CryptoError> sm2_encrypt_with_k(const PublicKey& pk, BytesView msg, const Hash256& k,
                                              const Sm2Curve& c);
// Decrypts C1 || C3 || C2 (GB/T 32918.4 §7) on any curve.
Result<Bytes, CryptoError> sm2_decrypt_c1c3c2(const SecretKey& sk, BytesView ciphertext,
                                              const Sm2Curve& c);
// Decrypts the GM/T 0009 DER ciphertext with OpenSSL's EVP_PKEY_decrypt (sm2p256v1).
Result<Bytes, CryptoError> sm2_decrypt_der(const SecretKey& sk, BytesView der);

}  // namespace xl::crypto
