// SPDX-License-Identifier: Apache-2.0
// AES-128 / SM4 modes: published known answers, and the GCM composed here (GHASH) checked
// against OpenSSL's AES-GCM on random inputs.
#include <gtest/gtest.h>

#include <random>

#include "crypto/cipher.hpp"
#include "common/seed.hpp"

namespace xl::crypto {
namespace {

std::string hex(BytesView b) {
    return to_hex(b, false);
}

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 1-2 (zero key and IV).
TEST(Gcm, AesKnownAnswersBothImplementations) {
    Bytes key(16, 0), nonce(12, 0);
    for (auto seal : {&gcm_seal, &gcm_seal_composed}) {
        auto t1 = seal(CipherAlgo::kAes128, key, nonce, {}, {});
        ASSERT_TRUE(t1.has_value());
        EXPECT_EQ(hex(*t1), "58e2fccefa7e3061367f1d57a4e7455a");
        auto t2 = seal(CipherAlgo::kAes128, key, nonce, {}, Bytes(16, 0));
        ASSERT_TRUE(t2.has_value());
        EXPECT_EQ(hex(*t2), "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
    }
}

TEST(Gcm, ComposedMatchesOpenSslAesGcm) {
    std::mt19937_64 rng(test::test_seed("Gcm.ComposedMatchesOpenSslAesGcm"));
    for (int i = 0; i < 200; ++i) {
        Bytes key = test::random_vector(rng, 16), nonce = test::random_vector(rng, 12);
        Bytes aad = test::random_vector(rng, rng() % 70),
              pt = test::random_vector(rng, rng() % 300);
        auto a = gcm_seal(CipherAlgo::kAes128, key, nonce, aad, pt);
        auto b = gcm_seal_composed(CipherAlgo::kAes128, key, nonce, aad, pt);
        ASSERT_TRUE(a.has_value() && b.has_value());
        ASSERT_EQ(hex(*a), hex(*b)) << "aad " << aad.size() << " pt " << pt.size();
        auto opened = gcm_open_composed(CipherAlgo::kAes128, key, nonce, aad, *a);
        ASSERT_TRUE(opened.has_value());
        EXPECT_EQ(*opened, pt);
    }
}

TEST(Gcm, Sm4RoundTripAndTamper) {
    std::mt19937_64 rng(test::test_seed("Gcm.Sm4RoundTripAndTamper"));
    Bytes key = test::random_vector(rng, 16), nonce = test::random_vector(rng, 12);
    Bytes pt = test::random_vector(rng, 77), aad = test::random_vector(rng, 9);
    auto sealed = gcm_seal(CipherAlgo::kSm4, key, nonce, aad, pt);
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(*gcm_open(CipherAlgo::kSm4, key, nonce, aad, *sealed), pt);
    for (size_t i = 0; i < sealed->size(); i += 7) {
        Bytes bad = *sealed;
        bad[i] ^= 0x80;
        EXPECT_FALSE(gcm_open(CipherAlgo::kSm4, key, nonce, aad, bad).has_value()) << i;
    }
}

TEST(Ccm, AesKnownAnswers) {
    // NIST SP 800-38C Appendix C, Example 1.
    auto c1 = ccm_seal(CipherAlgo::kAes128, hex_literal("404142434445464748494a4b4c4d4e4f"),
                       hex_literal("10111213141516"), hex_literal("0001020304050607"),
                       hex_literal("20212223"), 4);
    ASSERT_TRUE(c1.has_value());
    EXPECT_EQ(hex(*c1), "7162015b4dac255d");
    // RFC 3610 §8, packet vector #1 (8 bytes of the packet are AAD).
    auto c2 = ccm_seal(CipherAlgo::kAes128, hex_literal("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"),
                       hex_literal("00000003020100a0a1a2a3a4a5"), hex_literal("0001020304050607"),
                       hex_literal("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e"), 8);
    ASSERT_TRUE(c2.has_value());
    EXPECT_EQ(hex(*c2), "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0");
    auto opened = ccm_open(CipherAlgo::kAes128, hex_literal("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"),
                           hex_literal("00000003020100a0a1a2a3a4a5"),
                           hex_literal("0001020304050607"), *c2, 8);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(hex(*opened), "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
    Bytes bad = *c2;
    bad.back() ^= 1;
    EXPECT_FALSE(ccm_open(CipherAlgo::kAes128, hex_literal("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"),
                          hex_literal("00000003020100a0a1a2a3a4a5"),
                          hex_literal("0001020304050607"), bad, 8)
                     .has_value());
}

TEST(Ccm, BadParametersAreRejected) {
    Bytes key(16, 1);
    EXPECT_FALSE(ccm_seal(CipherAlgo::kSm4, key, Bytes(6, 0), {}, {}, 16).has_value());
    EXPECT_FALSE(ccm_seal(CipherAlgo::kSm4, key, Bytes(14, 0), {}, {}, 16).has_value());
    EXPECT_FALSE(ccm_seal(CipherAlgo::kSm4, key, Bytes(12, 0), {}, {}, 5).has_value());
    EXPECT_FALSE(ccm_seal(CipherAlgo::kSm4, key, Bytes(12, 0), {}, {}, 18).has_value());
    EXPECT_FALSE(ccm_open(CipherAlgo::kSm4, key, Bytes(12, 0), {}, Bytes(3, 0), 4).has_value());
}

TEST(Sm4, BlockKnownAnswer) {
    // GB/T 32907-2016 Annex A.1.
    Bytes k = hex_literal("0123456789abcdeffedcba9876543210");
    auto c = cipher_crypt(CipherAlgo::kSm4, CipherMode::kEcb, k, {}, k, true);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(hex(*c), "681edf34d206965e86b3e94f536e4246");
    EXPECT_EQ(*cipher_crypt(CipherAlgo::kSm4, CipherMode::kEcb, k, {}, *c, false), k);
}

TEST(Modes, RoundTripsAndLengthChecks) {
    std::mt19937_64 rng(test::test_seed("Modes.RoundTripsAndLengthChecks"));
    Bytes key = test::random_vector(rng, 16), iv = test::random_vector(rng, 16);
    for (auto algo : {CipherAlgo::kAes128, CipherAlgo::kSm4}) {
        for (auto mode : {CipherMode::kEcb, CipherMode::kCbc, CipherMode::kCfb, CipherMode::kOfb,
                          CipherMode::kCtr}) {
            Bytes pt = test::random_vector(rng, 64);
            auto ct = cipher_crypt(algo, mode, key, iv, pt, true);
            ASSERT_TRUE(ct.has_value());
            EXPECT_NE(*ct, pt);
            EXPECT_EQ(*cipher_crypt(algo, mode, key, iv, *ct, false), pt);
            EXPECT_FALSE(cipher_crypt(algo, mode, Bytes(15, 0), iv, pt, true).has_value());
        }
        EXPECT_FALSE(cipher_crypt(algo, CipherMode::kCbc, key, iv, Bytes(17, 0), true).has_value());
        EXPECT_FALSE(
            cipher_crypt(algo, CipherMode::kCtr, key, Bytes(12, 0), Bytes(5, 0), true).has_value());
        // CTR is its own inverse and handles partial blocks.
        Bytes odd = test::random_vector(rng, 37);
        EXPECT_EQ(*ctr_crypt(algo, key, iv, *ctr_crypt(algo, key, iv, odd)), odd);
    }
}

}  // namespace
}  // namespace xl::crypto
