// SPDX-License-Identifier: Apache-2.0
// SM2: OpenSSL's signer/verifier against the GB/T 32918.2 algorithm written with BIGNUM
// primitives (each checks the other), the signer ID, key checks and encryption round trips.
// The standard's worked examples are in tests/conformance/sm_conformance.cpp.
#include <gtest/gtest.h>

#include <random>

#include "crypto/hash.hpp"
#include "crypto/sm2.hpp"
#include "common/seed.hpp"

namespace xl::crypto {
namespace {

class Sm2Test : public ::testing::Test {
protected:
    std::mt19937_64 rng_{
        test::test_seed(::testing::UnitTest::GetInstance()->current_test_info()->name())};
    Bytes random(size_t n) { return test::random_vector(rng_, n); }
    SecretKey key() {
        for (;;) {
            SecretKey sk = SecretKey::from(random(32));
            if (sm2_secret_key_valid(sk)) return sk;
        }
    }
    BytesView id() const { return as_bytes(kSm2DefaultId); }
};

TEST_F(Sm2Test, OpenSslSignaturesVerifyWithTheStandardAlgorithm) {
    for (int i = 0; i < 6; ++i) {
        SecretKey sk = key();
        PublicKey pk = *sm2_public_key(sk);
        Bytes msg = random(rng_() % 200);
        auto sig = sm2_sign(sk, id(), msg);
        ASSERT_TRUE(sig.has_value());
        EXPECT_TRUE(sm2_verify_on_curve(pk, id(), msg, *sig, sm2p256v1()).has_value());
        EXPECT_TRUE(sm2_verify(pk, id(), msg, *sig).has_value());
    }
}

TEST_F(Sm2Test, FixedKSignaturesVerifyWithOpenSsl) {
    for (int i = 0; i < 6; ++i) {
        SecretKey sk = key();
        PublicKey pk = *sm2_public_key(sk);
        Bytes msg = random(rng_() % 200);
        Hash256 k = key();
        auto sig = sm2_sign_with_k(sk, id(), msg, k, sm2p256v1());
        ASSERT_TRUE(sig.has_value());
        EXPECT_TRUE(sm2_verify(pk, id(), msg, *sig).has_value());
        // Same k, same signature: the signer is deterministic given k.
        EXPECT_EQ(*sm2_sign_with_k(sk, id(), msg, k, sm2p256v1()), *sig);
    }
}

TEST_F(Sm2Test, TheIdIsPartOfTheSignature) {
    SecretKey sk = key();
    PublicKey pk = *sm2_public_key(sk);
    Bytes msg = random(40);
    Signature sig = *sm2_sign(sk, id(), msg);
    EXPECT_EQ(sm2_verify(pk, as_bytes("1234567812345679"), msg, sig).error(),
              CryptoError::kVerifyFailed);
    // OpenSSL's default (empty ID) would produce signatures other SM2 software rejects.
    EXPECT_FALSE(sm2_verify(pk, {}, msg, sig).has_value());
    EXPECT_FALSE(sm2_verify_on_curve(pk, {}, msg, sig, sm2p256v1()).has_value());
    Signature other_id = *sm2_sign(sk, as_bytes("ALICE123@YAHOO.COM"), msg);
    EXPECT_TRUE(sm2_verify(pk, as_bytes("ALICE123@YAHOO.COM"), msg, other_id).has_value());
    EXPECT_FALSE(sm2_verify(pk, id(), msg, other_id).has_value());
}

TEST_F(Sm2Test, ZValueLayout) {
    SecretKey sk = key();
    PublicKey pk = *sm2_public_key(sk);
    // Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), ENTL = 128 bits = 0x0080.
    const Sm2Curve& c = sm2p256v1();
    Bytes buf = {0x00, 0x80};
    buf.insert(buf.end(), kSm2DefaultId.begin(), kSm2DefaultId.end());
    for (const Hash256* f : {&c.a, &c.b, &c.gx, &c.gy})
        buf.insert(buf.end(), f->begin(), f->end());
    buf.insert(buf.end(), pk.begin(), pk.end());
    EXPECT_EQ(*sm2_compute_z(pk, id()), sm3(buf));
    Bytes long_id(kSm2MaxIdBytes + 1, 'a');
    EXPECT_FALSE(sm2_compute_z(pk, long_id).has_value());
    EXPECT_TRUE(sm2_compute_z(pk, BytesView(long_id).first(kSm2MaxIdBytes)).has_value());
}

TEST_F(Sm2Test, KeyChecks) {
    SecretKey sk = key();
    PublicKey pk = *sm2_public_key(sk);
    EXPECT_TRUE(sm2_public_key_valid(pk));
    EXPECT_TRUE(sm2_check_keypair(sk, pk).has_value());
    EXPECT_FALSE(sm2_check_keypair(key(), pk).has_value());
    PublicKey off = pk;
    off[40] ^= 4;
    EXPECT_FALSE(sm2_public_key_valid(off));
    EXPECT_FALSE(sm2_public_key_valid(PublicKey{}));
    SecretKey n_minus_2 = sm2p256v1().n;
    n_minus_2[31] -= 2;
    EXPECT_TRUE(sm2_secret_key_valid(n_minus_2));
    SecretKey n_minus_1 = sm2p256v1().n;
    n_minus_1[31] -= 1;
    EXPECT_FALSE(sm2_secret_key_valid(n_minus_1));
}

TEST_F(Sm2Test, BadKIsRejected) {
    SecretKey sk = key();
    EXPECT_FALSE(sm2_sign_with_k(sk, id(), as_bytes("m"), Hash256{}, sm2p256v1()).has_value());
    EXPECT_FALSE(sm2_sign_with_k(sk, id(), as_bytes("m"), sm2p256v1().n, sm2p256v1()).has_value());
}

TEST_F(Sm2Test, EncryptDecryptRoundTrip) {
    SecretKey sk = key();
    PublicKey pk = *sm2_public_key(sk);
    for (size_t len : {size_t(1), size_t(19), size_t(32), size_t(33), size_t(200)}) {
        SCOPED_TRACE(len);
        Bytes msg = random(len);
        // GB/T 32918.4 A5: a k whose key stream t is all zero is refused (kCipherFailed) and
        // the sender picks another; for a 1-byte message that is one k in 256.
        auto ct = sm2_encrypt_with_k(pk, msg, key(), sm2p256v1());
        for (int retry = 0; retry < 8 && !ct && ct.error() == CryptoError::kCipherFailed; ++retry)
            ct = sm2_encrypt_with_k(pk, msg, key(), sm2p256v1());
        ASSERT_TRUE(ct.has_value());
        ASSERT_EQ(ct->size(), 97 + len);
        auto pt = sm2_decrypt_c1c3c2(sk, *ct, sm2p256v1());
        ASSERT_TRUE(pt.has_value());
        EXPECT_EQ(*pt, msg);
        Bytes bad = *ct;
        bad[70] ^= 1;  // inside C3
        EXPECT_FALSE(sm2_decrypt_c1c3c2(sk, bad, sm2p256v1()).has_value());
        bad = *ct;
        bad.back() ^= 1;  // inside C2
        EXPECT_FALSE(sm2_decrypt_c1c3c2(sk, bad, sm2p256v1()).has_value());
        EXPECT_FALSE(sm2_decrypt_c1c3c2(key(), *ct, sm2p256v1()).has_value());
    }
    EXPECT_FALSE(sm2_decrypt_c1c3c2(sk, random(97), sm2p256v1()).has_value());
    EXPECT_FALSE(sm2_decrypt_der(sk, random(120)).has_value());
}

}  // namespace
}  // namespace xl::crypto
