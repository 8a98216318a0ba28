// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/seed.hpp"
#include "core/bytes.hpp"

using namespace xl;

TEST(Hex, RoundTrip) {
    Bytes b{0x00, 0x01, 0xab, 0xff};
    EXPECT_EQ(to_hex(b), "0x0001abff");
    EXPECT_EQ(to_hex(b, false), "0001abff");
    auto r = from_hex("0x0001ABff");
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, b);
    EXPECT_EQ(*from_hex(""), Bytes{});
    EXPECT_EQ(*from_hex("0x"), Bytes{});
}

TEST(Hex, RejectsBadInput) {
    EXPECT_EQ(from_hex("0x123").error(), HexError::kOddLength);
    EXPECT_EQ(from_hex("zz").error(), HexError::kBadDigit);
    EXPECT_EQ(from_hex("0x0g").error(), HexError::kBadDigit);
    EXPECT_EQ(from_hex(" 00").error(), HexError::kOddLength);
    EXPECT_EQ(fixed_from_hex<20>("0x00").error(), HexError::kWrongLength);
    EXPECT_FALSE(to_string(HexError::kBadDigit).empty());
}

TEST(Hex, RandomBytesNeverCrash) {
    // Every byte value as a would-be digit: decoding either succeeds or reports an error.
    for (int a = 0; a < 256; ++a)
        for (int b = 0; b < 256; b += 7) {
            std::string s{static_cast<char>(a), static_cast<char>(b)};
            auto r = from_hex(s);
            if (r) {
                EXPECT_EQ(to_hex(*r, false).size(), 2u);
            }
        }
}

TEST(FixedBytes, CompareAndZero) {
    Address a, b;
    EXPECT_TRUE(a.is_zero());
    b[19] = 1;
    EXPECT_LT(a, b);
    EXPECT_NE(a, b);
    auto h = fixed_from_hex<20>("0x000000000000000000000000000000000000000a");
    ASSERT_TRUE(h);
    EXPECT_EQ((*h)[19], 0x0a);
}

// The word-wise operator<=> is the bytewise order of the bytes, for every size (whole words,
// a tail, shorter than a word) and for keys that differ anywhere, or only late.
template <size_t N>
void check_order(std::mt19937_64& rng) {
    for (int i = 0; i < 2000; ++i) {
        FixedBytes<N> a, b;
        for (size_t j = 0; j < N; ++j)
            a[j] = static_cast<uint8_t>(rng() % 3 == 0 ? 0x80 | rng() : rng() % 4);
        b = a;
        if (i % 5 != 0) {  // one changed byte at a random place (or none: equal)
            b[rng() % N] = static_cast<uint8_t>(rng());
        }
        const int want = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end())
                             ? -1
                             : (a.bytes == b.bytes ? 0 : 1);
        const auto got = a <=> b;
        ASSERT_EQ(got < 0 ? -1 : (got == 0 ? 0 : 1), want)
            << N << " " << to_hex(a) << " " << to_hex(b);
        EXPECT_EQ(a == b, want == 0);
        EXPECT_EQ((b <=> a) < 0, want > 0);
    }
}

TEST(FixedBytes, OrderIsBytewise) {
    std::mt19937_64 rng(test::seed());
    check_order<1>(rng);
    check_order<7>(rng);
    check_order<8>(rng);
    check_order<9>(rng);
    check_order<20>(rng);
    check_order<32>(rng);
    check_order<33>(rng);
}
