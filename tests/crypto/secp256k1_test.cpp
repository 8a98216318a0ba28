// SPDX-License-Identifier: Apache-2.0
// secp256k1 at the hash level: known answers, EIP-2 low-s rules, recovery ids.
#include <gtest/gtest.h>

#include <random>

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/suite.hpp"
#include "common/seed.hpp"

namespace xl::crypto {
namespace {

Hash256 h256(std::string_view hex) {
    return Hash256::from(hex_literal(hex));
}

// s' = n - s (the other, high-s twin of a signature; EIP-2).
Hash256 negate_mod_n(const Hash256& s) {
    Hash256 out;
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        int d = int(secp256k1::kOrder[i]) - int(s[i]) - borrow;
        borrow = d < 0;
        out[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
    }
    return out;
}

TEST(Secp256k1, GeneratorAndAddressKnownAnswers) {
    SecretKey one;
    one[31] = 1;
    auto pk = secp256k1::public_key(one);
    ASSERT_TRUE(pk.has_value());
    // SEC 2 §2.4.1: G.
    EXPECT_EQ(to_hex(*pk, false),
              "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
              "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    EXPECT_EQ(to_hex(ecdsa_suite().address(*pk)), "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
}

// Expected values from ethers v6 SigningKey (noble-curves, RFC 6979), an independent signer.
TEST(Secp256k1, SignMatchesIndependentRfc6979Signer) {
    SecretKey sk = h256("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
    Hash256 hash = keccak256(as_bytes("hello xinlian"));
    EXPECT_EQ(to_hex(hash, false),
              "b0587af6b1fafe6b9f16c59d758e4bbf23e09182f5777b9fc8fbeaddd0641b4b");
    auto sig = secp256k1::sign(sk, hash);
    ASSERT_TRUE(sig.has_value());
    EXPECT_EQ(to_hex(sig->r, false),
              "01f2f9b5c5d01add6e3146aea3167b8ab1568f2c183b8e3a41992d19875bcae4");
    EXPECT_EQ(to_hex(sig->s, false),
              "2d7c32d5da1a18af0c7fb1ba09f6444691a7d5aa73cc40841a27d9ea67ae049c");
    EXPECT_EQ(sig->v, 0);
    auto pk = secp256k1::public_key(sk);
    ASSERT_TRUE(pk.has_value());
    EXPECT_EQ(to_hex(ecdsa_suite().address(*pk)), "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23");
}

TEST(Secp256k1, HighSIsRejectedExceptForEcrecover) {
    std::mt19937_64 rng(test::test_seed("Secp256k1.HighSIsRejectedExceptForEcrecover"));
    for (int i = 0; i < 16; ++i) {
        SecretKey sk = ecdsa_suite().generate_key();
        PublicKey pk = *secp256k1::public_key(sk);
        Hash256 hash = Hash256::from(test::random_vector(rng, 32));
        Signature sig = *secp256k1::sign(sk, hash);
        ASSERT_LE(std::memcmp(sig.s.data(), secp256k1::kHalfOrder.data(), 32), 0) << "low s";
        // The twin (r, n - s, v ^ 1) is the same signature, malleated.
        Signature high{sig.r, negate_mod_n(sig.s), static_cast<uint8_t>(sig.v ^ 1)};
        auto v = secp256k1::verify(pk, hash, high);
        ASSERT_FALSE(v.has_value());
        EXPECT_EQ(v.error(), CryptoError::kInvalidSignature);
        EXPECT_FALSE(secp256k1::recover(hash, high, false).has_value());
        auto rec = secp256k1::recover(hash, high, /*allow_high_s=*/true);
        ASSERT_TRUE(rec.has_value());
        EXPECT_EQ(*rec, pk);
        EXPECT_EQ(*secp256k1::recover(hash, sig, false), pk);
    }
}

TEST(Secp256k1, RecoveryIdOutOfRangeIsInvalid) {
    SecretKey sk = ecdsa_suite().generate_key();
    Hash256 hash = keccak256(as_bytes("x"));
    Signature sig = *secp256k1::sign(sk, hash);
    for (uint8_t v : {uint8_t(2), uint8_t(3), uint8_t(27), uint8_t(255)}) {
        sig.v = v;
        auto r = secp256k1::recover(hash, sig, true);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), CryptoError::kInvalidSignature);
    }
    // The wrong (but in-range) recovery id gives a different key or none.
    Signature good = *secp256k1::sign(sk, hash);
    Signature flipped = good;
    flipped.v ^= 1;
    auto rec = secp256k1::recover(hash, flipped, false);
    EXPECT_TRUE(!rec.has_value() || *rec != *secp256k1::public_key(sk));
}

TEST(Secp256k1, OrderConstants) {
    EXPECT_EQ(to_hex(secp256k1::kOrder, false),
              "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    // kHalfOrder = floor(n / 2): doubling it and adding 1 gives n back.
    Hash256 twice;
    int carry = 1;
    for (int i = 31; i >= 0; --i) {
        int d = 2 * secp256k1::kHalfOrder[i] + carry;
        twice[i] = static_cast<uint8_t>(d);
        carry = d >> 8;
    }
    EXPECT_EQ(carry, 0);
    EXPECT_EQ(twice, secp256k1::kOrder);
}

TEST(Secp256k1, KeyValidity) {
    SecretKey zero;
    EXPECT_FALSE(secp256k1::secret_key_valid(zero));
    EXPECT_FALSE(secp256k1::secret_key_valid(secp256k1::kOrder));
    SecretKey n1 = secp256k1::kOrder;
    n1[31] -= 1;
    EXPECT_TRUE(secp256k1::secret_key_valid(n1));
    PublicKey pk = *secp256k1::public_key(n1);
    EXPECT_TRUE(secp256k1::public_key_valid(pk));
    pk[0] ^= 0x80;
    EXPECT_FALSE(secp256k1::public_key_valid(pk));
}

}  // namespace
}  // namespace xl::crypto
