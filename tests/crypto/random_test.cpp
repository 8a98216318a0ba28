// SPDX-License-Identifier: Apache-2.0
// The CSPRNG wrapper: lengths are honoured and outputs are not constant. (Statistical quality
// is OpenSSL's DRBG's; these only catch a wrapper that writes nothing or the same bytes.)
#include <gtest/gtest.h>

#include <set>

#include "crypto/random.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/sm2.hpp"
#include "crypto/suite.hpp"

namespace xl::crypto {
namespace {

TEST(Random, FillsEveryByteAndDiffers) {
    // 64 draws of 32 bytes: a repeat has probability ~2^-244.
    std::set<Bytes> seen;
    for (int i = 0; i < 64; ++i)
        seen.insert(random_bytes(32));
    EXPECT_EQ(seen.size(), 64u);
    // Every position is written: across 64 draws each byte position takes several values.
    Bytes big = random_bytes(4096);
    size_t zeros = 0;
    for (uint8_t b : big)
        zeros += b == 0;
    EXPECT_LT(zeros, 64u);  // expected 16
    EXPECT_TRUE(random_bytes(0).empty());
}

TEST(Random, GeneratedKeysAreValidForTheirCurve) {
    for (int i = 0; i < 16; ++i) {
        EXPECT_TRUE(secp256k1::secret_key_valid(ecdsa_suite().generate_key()));
        EXPECT_TRUE(sm2_secret_key_valid(sm_suite().generate_key()));
    }
    EXPECT_NE(ecdsa_suite().generate_key(), ecdsa_suite().generate_key());
}

}  // namespace
}  // namespace xl::crypto
