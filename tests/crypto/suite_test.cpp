// SPDX-License-Identifier: Apache-2.0
// Both CryptoSuites through the one interface (STYLE.md 10): round trips, tampering, malformed
// keys and signatures, random garbage (must be rejected, never crash), seal/open.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "common/seed.hpp"

namespace xl::crypto {
namespace {

class SuiteTest : public ::testing::TestWithParam<SuiteId> {
protected:
    const CryptoSuite& suite() const {
        return GetParam() == SuiteId::kEcdsa ? ecdsa_suite() : sm_suite();
    }
    std::mt19937_64 rng_{
        test::test_seed(::testing::UnitTest::GetInstance()->current_test_info()->name())};
    Bytes random(size_t n) { return test::random_vector(rng_, n); }
};

// The curve orders: secp256k1 (SEC 2 §2.4.1) and sm2p256v1 (GB/T 32918.5).
Hash256 order(SuiteId id) {
    return Hash256::from(
        hex_literal(id == SuiteId::kEcdsa
                        ? "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
                        : "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123"));
}

TEST_P(SuiteTest, NamesAndLookup) {
    EXPECT_EQ(suite_by_name(suite().name()), &suite());
    EXPECT_EQ(suite().id(), GetParam());
    EXPECT_EQ(suite_by_name("rsa"), nullptr);
    EXPECT_EQ(suite_by_name(""), nullptr);
}

TEST_P(SuiteTest, HashIsTheSuiteHash) {
    Bytes m = random(100);
    EXPECT_EQ(suite().hash(m), GetParam() == SuiteId::kEcdsa ? keccak256(m) : sm3(m));
}

TEST_P(SuiteTest, SignVerifyRecoverRoundTrip) {
    for (int i = 0; i < 8; ++i) {
        SecretKey sk = suite().generate_key();
        auto pk = suite().public_key(sk);
        ASSERT_TRUE(pk.has_value());
        Bytes msg = random(rng_() % 300);
        auto sig = suite().sign(sk, msg);
        ASSERT_TRUE(sig.has_value()) << to_string(sig.error());
        EXPECT_TRUE(suite().verify(*pk, msg, *sig).has_value());
        auto rec = suite().recover(msg, *sig);
        if (GetParam() == SuiteId::kEcdsa) {
            ASSERT_TRUE(rec.has_value()) << to_string(rec.error());
            EXPECT_EQ(*rec, *pk);
            EXPECT_LE(sig->v, 1);
        } else {
            ASSERT_FALSE(rec.has_value());
            EXPECT_EQ(rec.error(), CryptoError::kRecoverUnsupported);
            EXPECT_EQ(sig->v, 0);
        }
        // The address is the last 20 bytes of the suite hash of x || y.
        Hash256 h = suite().hash(*pk);
        EXPECT_TRUE(std::equal(h.begin() + 12, h.end(), suite().address(*pk).begin()));
    }
}

TEST_P(SuiteTest, TamperedMessageOrSignatureFails) {
    SecretKey sk = suite().generate_key();
    PublicKey pk = *suite().public_key(sk);
    Bytes msg = random(64);
    Signature sig = *suite().sign(sk, msg);
    Bytes other = msg;
    other[rng_() % other.size()] ^= static_cast<uint8_t>(1u << (rng_() % 8));
    auto r = suite().verify(pk, other, sig);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), CryptoError::kVerifyFailed);
    Signature bad = sig;
    bad.s[31] ^= 1;
    EXPECT_FALSE(suite().verify(pk, msg, bad).has_value());
    bad = sig;
    bad.r[5] ^= 0x40;
    EXPECT_FALSE(suite().verify(pk, msg, bad).has_value());
    // Another key's public key.
    PublicKey other_pk = *suite().public_key(suite().generate_key());
    EXPECT_FALSE(suite().verify(other_pk, msg, sig).has_value());
    if (GetParam() == SuiteId::kEcdsa) {
        auto rec = suite().recover(other, sig);  // recovers some key, but not ours
        EXPECT_TRUE(!rec.has_value() || *rec != pk);
    }
}

TEST_P(SuiteTest, MalformedSecretKeysAreRejected) {
    Hash256 n = order(GetParam());
    SecretKey zero;
    SecretKey at_n = n;
    SecretKey all_ff;
    all_ff.bytes.fill(0xff);
    for (const SecretKey& sk : {zero, at_n, all_ff}) {
        auto pk = suite().public_key(sk);
        ASSERT_FALSE(pk.has_value());
        EXPECT_EQ(pk.error(), CryptoError::kInvalidSecretKey);
        auto sig = suite().sign(sk, as_bytes("m"));
        ASSERT_FALSE(sig.has_value());
        EXPECT_EQ(sig.error(), CryptoError::kInvalidSecretKey);
    }
    SecretKey n_minus_1 = n;
    n_minus_1[31] -= 1;  // n - 1: valid for ECDSA, invalid for SM2 (d <= n - 2)
    EXPECT_EQ(suite().public_key(n_minus_1).has_value(), GetParam() == SuiteId::kEcdsa);
    SecretKey one;
    one[31] = 1;
    EXPECT_TRUE(suite().public_key(one).has_value());
}

TEST_P(SuiteTest, PublicKeyNotOnCurveIsRejected) {
    SecretKey sk = suite().generate_key();
    PublicKey pk = *suite().public_key(sk);
    Bytes msg = random(10);
    Signature sig = *suite().sign(sk, msg);
    PublicKey off = pk;
    off[63] ^= 1;  // y + 1 or y - 1: not on the curve
    auto r = suite().verify(off, msg, sig);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), CryptoError::kInvalidPublicKey);
    PublicKey zero;
    r = suite().verify(zero, msg, sig);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), CryptoError::kInvalidPublicKey);
}

TEST_P(SuiteTest, OutOfRangeSignaturesAreInvalid) {
    SecretKey sk = suite().generate_key();
    PublicKey pk = *suite().public_key(sk);
    Bytes msg = random(10);
    Signature good = *suite().sign(sk, msg);
    Hash256 n = order(GetParam());
    auto expect_invalid = [&](Signature s, const char* what) {
        SCOPED_TRACE(what);
        auto r = suite().verify(pk, msg, s);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), CryptoError::kInvalidSignature);
        if (GetParam() == SuiteId::kEcdsa) {
            EXPECT_FALSE(suite().recover(msg, s).has_value());
        }
    };
    Signature s = good;
    s.r = Hash256{};
    expect_invalid(s, "r = 0");
    s = good;
    s.s = Hash256{};
    expect_invalid(s, "s = 0");
    s = good;
    s.r = n;
    expect_invalid(s, "r = n");
    s = good;
    s.s = n;
    expect_invalid(s, "s = n");
    s = good;
    s.s.bytes.fill(0xff);
    expect_invalid(s, "s > n");
}

TEST_P(SuiteTest, RandomKeysAndSignaturesNeverCrash) {
    Bytes msg = random(32);
    int accepted = 0;
    for (int i = 0; i < 200; ++i) {
        PublicKey pk = PublicKey::from(random(64));
        Signature sig{Hash256::from(random(32)), Hash256::from(random(32)),
                      static_cast<uint8_t>(rng_() % 4)};
        accepted += suite().verify(pk, msg, sig).has_value();
        (void)suite().recover(msg, sig);
        SecretKey sk = SecretKey::from(random(32));
        (void)suite().public_key(sk);
    }
    EXPECT_EQ(accepted, 0);
}

TEST_P(SuiteTest, SealOpenRoundTripAndTamper) {
    Bytes key = random(16), nonce = random(12), aad = random(rng_() % 40);
    for (size_t len : {size_t(0), size_t(1), size_t(15), size_t(16), size_t(17), size_t(1000)}) {
        SCOPED_TRACE(len);
        Bytes pt = random(len);
        auto sealed = suite().seal(key, nonce, aad, pt);
        ASSERT_TRUE(sealed.has_value());
        ASSERT_EQ(sealed->size(), len + 16);
        auto opened = suite().open(key, nonce, aad, *sealed);
        ASSERT_TRUE(opened.has_value());
        EXPECT_EQ(*opened, pt);
        Bytes bad = *sealed;
        bad[rng_() % bad.size()] ^= 0x01;
        EXPECT_FALSE(suite().open(key, nonce, aad, bad).has_value());
        Bytes bad_aad = aad;
        bad_aad.push_back(0);
        EXPECT_FALSE(suite().open(key, nonce, bad_aad, *sealed).has_value());
    }
    EXPECT_FALSE(suite().seal(random(15), nonce, aad, Bytes{1}).has_value());
    EXPECT_FALSE(suite().seal(key, random(16), aad, Bytes{1}).has_value());
    EXPECT_FALSE(suite().open(key, nonce, aad, random(15)).has_value());
}

TEST_P(SuiteTest, SignatureWireFormat) {
    const SuiteId id = GetParam();
    SecretKey sk = suite().generate_key();
    Bytes msg = random(20);
    Signature sig = *suite().sign(sk, msg);
    Bytes wire = encode_signature(id, sig);
    ASSERT_EQ(wire.size(), id == SuiteId::kEcdsa ? 65u : 64u);
    EXPECT_TRUE(std::equal(sig.r.begin(), sig.r.end(), wire.begin()));
    EXPECT_TRUE(std::equal(sig.s.begin(), sig.s.end(), wire.begin() + 32));
    auto back = decode_signature(id, wire);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, sig);
    EXPECT_FALSE(decode_signature(id, BytesView(wire).first(wire.size() - 1)).has_value());
    Bytes longer = wire;
    longer.push_back(0);
    EXPECT_FALSE(decode_signature(id, longer).has_value());
    if (id == SuiteId::kEcdsa) {
        wire[64] = 27;  // the pre-EIP-155 v; callers convert to a recovery id first
        EXPECT_FALSE(decode_signature(id, wire).has_value());
    }
}

// The suites are documented as thread-safe: the shared secp256k1 context, the fetched EVP
// objects, the per-thread digest contexts and the shared SM2 group are used from 4 threads.
TEST_P(SuiteTest, ConcurrentUseFromThreads) {
    SecretKey sk = suite().generate_key();
    PublicKey pk = *suite().public_key(sk);
    std::vector<Bytes> msgs;
    std::vector<Hash256> hashes;
    for (int i = 0; i < 8; ++i) {
        msgs.push_back(random(50 + i));
        hashes.push_back(suite().hash(msgs.back()));
    }
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 8; ++i) {
                const Bytes& m = msgs[(i + t) % msgs.size()];
                if (suite().hash(m) != hashes[(i + t) % msgs.size()]) ++failures;
                auto sig = suite().sign(sk, m);
                if (!sig || !suite().verify(pk, m, *sig)) ++failures;
                if (sha256(m) != sha256(Bytes(m))) ++failures;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(failures.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(BothSuites, SuiteTest, ::testing::Values(SuiteId::kEcdsa, SuiteId::kSm),
                         [](const auto& info) {
                             return std::string(info.param == SuiteId::kEcdsa ? "ecdsa" : "sm");
                         });

TEST(CryptoError, EveryValueHasAMessage) {
    for (auto e : {CryptoError::kInvalidSecretKey, CryptoError::kInvalidPublicKey,
                   CryptoError::kInvalidSignature, CryptoError::kVerifyFailed,
                   CryptoError::kRecoverUnsupported, CryptoError::kRecoverFailed,
                   CryptoError::kCipherFailed, CryptoError::kInternal}) {
        EXPECT_NE(to_string(e), "unknown crypto error");
    }
}

}  // namespace
}  // namespace xl::crypto
