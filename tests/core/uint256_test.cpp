// SPDX-License-Identifier: Apache-2.0
// Tests of xl::U256: hand-written edge cases, then property tests of every operation against
// GMP on random operands (STYLE.md 10). The seed is printed; XL_TEST_SEED replays a run and
// XL_PROPTEST_ITERS sets the total number of checked operations.
#include <gmp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/uint256.hpp"

using namespace xl;

namespace {

// Parses a constant of the test; a typo fails the test rather than yielding 0 silently.
U256 num(std::string_view s) {
    auto r = U256::from_string(s);
    EXPECT_TRUE(r.has_value()) << s;
    return r.value_or(U256());
}

uint64_t test_seed();

const U256 kIntMin = U256(1) << 255;  // -2^255 in two's complement
const U256 kMinusOne = U256::max();

// ---------------------------------------------------------------- hand-written edge cases

TEST(U256, ConstructionAndLimbs) {
    constexpr U256 z;
    static_assert(z.is_zero());
    constexpr U256 one = 1;
    static_assert(one.low64() == 1 && one.fits_u64() && one.bit_length() == 1);
    static_assert(U256::max().bit_length() == 256);
    static_assert((U256(3) * U256(5)).low64() == 15);  // constexpr arithmetic
    static_assert(exp(U256(2), U256(10)) == U256(1024));
    static_assert(U256::max() / U256(3) % U256(1000) == U256(645));  // constexpr Knuth D
    static_assert(mulmod(U256::max(), U256::max(), U256(12)) == U256(9));
    EXPECT_EQ(U256::from_limbs(1, 2, 3, 4).w[3], 4u);
    EXPECT_FALSE(U256::from_limbs(0, 1, 0, 0).fits_u64());
    EXPECT_EQ(U256::from_limbs(0, 1, 0, 0).bit_length(), 65u);
    EXPECT_EQ(U256::from_limbs(0, 1, 0, 0).byte_length(), 9u);
    EXPECT_EQ(U256().byte_length(), 0u);
    EXPECT_TRUE(static_cast<bool>(U256(7)));
    EXPECT_FALSE(static_cast<bool>(U256()));
}

TEST(U256, BytesAndHash) {
    const U256 x = num("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
    uint8_t be[32];
    x.to_be_bytes(be);
    for (int i = 0; i < 32; ++i)
        EXPECT_EQ(be[i], i + 1);
    EXPECT_EQ(U256::from_be_bytes(BytesView(be, 32)), x);
    EXPECT_EQ(U256::from_hash(x.to_hash()), x);
    EXPECT_EQ(to_hex(x.to_hash()), "0x01" + x.to_hex().substr(3));  // fixed width vs minimal
    EXPECT_EQ(U256::from_be_bytes(BytesView(be + 30, 2)), U256(0x1f20));
    EXPECT_EQ(U256::from_be_bytes({}), U256());
    EXPECT_TRUE(U256().to_be_trimmed().empty());
    EXPECT_EQ(U256(0x0100).to_be_trimmed(), (Bytes{0x01, 0x00}));
    EXPECT_EQ(x.to_be_trimmed().size(), 32u);
    EXPECT_EQ(U256(0x80).to_be_trimmed(), (Bytes{0x80}));
}

TEST(U256, ParseAndPrint) {
    EXPECT_EQ(num("0"), U256());
    EXPECT_EQ(num("0x0"), U256());
    EXPECT_EQ(num("0X00ff"), U256(255));
    EXPECT_EQ(num("000123"), U256(123));
    EXPECT_EQ(num("18446744073709551616"), U256::from_limbs(0, 1, 0, 0));
    const std::string max_dec =
        "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    EXPECT_EQ(num(max_dec), U256::max());
    EXPECT_EQ(U256::max().to_dec(), max_dec);
    EXPECT_EQ(num("0x" + std::string(64, 'f')), U256::max());
    EXPECT_EQ(num("0x000" + std::string(64, 'F')), U256::max());  // leading zeros are fine
    EXPECT_EQ(U256().to_dec(), "0");
    EXPECT_EQ(U256().to_hex(), "0x0");
    EXPECT_EQ(U256(10).to_hex(), "0xa");
    EXPECT_EQ(U256::max().to_hex(), "0x" + std::string(64, 'f'));
    EXPECT_EQ(U256(10'000'000'000'000'000'000ULL).to_dec(), "10000000000000000000");
    EXPECT_EQ((U256(10'000'000'000'000'000'000ULL) * 10'000'000'000'000'000'000ULL).to_dec(),
              "100000000000000000000000000000000000000");

    struct Bad {
        const char* s;
        ParseError e;
    };
    const Bad bad[] = {
        {"", ParseError::kEmpty},
        {"0x", ParseError::kEmpty},
        {"0X", ParseError::kEmpty},
        {"-1", ParseError::kBadDigit},
        {"+1", ParseError::kBadDigit},
        {" 1", ParseError::kBadDigit},
        {"1 ", ParseError::kBadDigit},
        {"12a", ParseError::kBadDigit},
        {"0xg", ParseError::kBadDigit},
        {"0x-1", ParseError::kBadDigit},
        {"0x 1", ParseError::kBadDigit},
        {"x12", ParseError::kBadDigit},
        {"1e5", ParseError::kBadDigit},
        {"0b101", ParseError::kBadDigit},
        {"115792089237316195423570985008687907853269984665640564039457584007913129639936",
         ParseError::kOverflow},
        {"999999999999999999999999999999999999999999999999999999999999999999999999999999",
         ParseError::kOverflow},
    };
    for (const Bad& b : bad) {
        auto r = U256::from_string(b.s);
        ASSERT_FALSE(r.has_value()) << '"' << b.s << '"';
        EXPECT_EQ(r.error(), b.e) << '"' << b.s << '"';
        EXPECT_FALSE(to_string(r.error()).empty());
    }
    auto over = U256::from_string("0x1" + std::string(64, '0'));
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error(), ParseError::kOverflow);
    // An overflow in the middle is reported even if a bad digit follows.
    EXPECT_FALSE(U256::from_string(max_dec + "0").has_value());
    EXPECT_NE(to_string(ParseError::kEmpty), to_string(ParseError::kOverflow));
}

TEST(U256, DivisionByZeroIsZero) {
    const U256 x = num("0x123456789abcdef0123456789abcdef0123456789abcdef");
    for (const U256& a : {U256(), U256(1), x, U256::max()}) {
        EXPECT_EQ(a / 0, U256());
        EXPECT_EQ(a % 0, U256());
        EXPECT_EQ(sdiv(a, 0), U256());
        EXPECT_EQ(smod(a, 0), U256());
        EXPECT_EQ(addmod(a, x, 0), U256());
        EXPECT_EQ(mulmod(a, x, 0), U256());
        U256 c = a;
        c /= 0;
        EXPECT_EQ(c, U256());
    }
}

TEST(U256, SignedDivisionEdges) {
    // YP H.1 SDIV: -2^255 / -1 overflows and yields -2^255.
    EXPECT_EQ(sdiv(kIntMin, kMinusOne), kIntMin);
    EXPECT_EQ(smod(kIntMin, kMinusOne), U256());
    EXPECT_EQ(sdiv(kIntMin, 1), kIntMin);
    EXPECT_EQ(sdiv(-U256(7), 2), -U256(3));  // truncation toward zero
    EXPECT_EQ(sdiv(U256(7), -U256(2)), -U256(3));
    EXPECT_EQ(sdiv(-U256(7), -U256(2)), U256(3));
    EXPECT_EQ(smod(-U256(7), 2), -U256(1));  // sign of the dividend
    EXPECT_EQ(smod(U256(7), -U256(2)), U256(1));
    EXPECT_EQ(smod(-U256(8), -U256(3)), -U256(2));
    EXPECT_TRUE(slt(kIntMin, 0));
    EXPECT_TRUE(slt(kMinusOne, 0));
    EXPECT_TRUE(slt(kIntMin, kIntMin - 1));  // INT_MIN < INT_MAX
    EXPECT_FALSE(slt(U256(1), U256(1)));
    EXPECT_TRUE(sgt(U256(1), kMinusOne));
    EXPECT_FALSE(U256(1) > kMinusOne);
}

TEST(U256, Shifts) {
    const U256 x = num("0x8000000000000000000000000000000000000000000000000000000000000001");
    EXPECT_EQ(x << 0, x);
    EXPECT_EQ(x >> 0, x);
    EXPECT_EQ(U256(1) << 255, kIntMin);
    EXPECT_EQ(x >> 255, U256(1));
    EXPECT_EQ(x << 255, kIntMin);
    EXPECT_EQ(x << 256, U256());
    EXPECT_EQ(x >> 256, U256());
    EXPECT_EQ(x << U256::max(), U256());
    EXPECT_EQ(x >> U256::from_limbs(0, 1, 0, 0), U256());  // huge shift, low limb 0
    EXPECT_EQ(shl(U256(4), U256(1)), U256(16));
    EXPECT_EQ(shr(U256(4), U256(16)), U256(1));
    EXPECT_EQ(sar(U256(0), x), x);
    EXPECT_EQ(sar(U256(255), x), kMinusOne);
    EXPECT_EQ(sar(U256(256), x), kMinusOne);
    EXPECT_EQ(sar(U256::max(), x), kMinusOne);
    EXPECT_EQ(sar(U256(254), x), -U256(2));
    EXPECT_EQ(sar(U256(256), kIntMin - 1), U256());
    EXPECT_EQ(sar(U256(255), kIntMin - 1), U256());
    EXPECT_EQ(sar(U256(254), kIntMin - 1), U256(1));
    EXPECT_EQ(sar(U256(1), -U256(3)), -U256(2));  // floors, unlike sdiv
    U256 y = 1;
    y <<= 64;
    EXPECT_EQ(y, U256::from_limbs(0, 1, 0, 0));
    y >>= 1;
    EXPECT_EQ(y, U256(1ULL << 63));
}

TEST(U256, ExpWithHugeExponents) {
    EXPECT_EQ(exp(U256(0), U256(0)), U256(1));  // 0^0 = 1 in the EVM
    EXPECT_EQ(exp(U256(0), U256::max()), U256());
    EXPECT_EQ(exp(U256(1), U256::max()), U256(1));
    EXPECT_EQ(exp(kMinusOne, U256::max()), kMinusOne);    // (-1)^odd
    EXPECT_EQ(exp(kMinusOne, U256::max() - 1), U256(1));  // (-1)^even
    EXPECT_EQ(exp(U256(2), U256(255)), kIntMin);
    EXPECT_EQ(exp(U256(2), U256(256)), U256());
    EXPECT_EQ(exp(U256(2), U256::max()), U256());
    EXPECT_EQ(exp(U256(3), U256(0)), U256(1));
    // 3 has order 2^254 in (Z/2^256)*, so 3^(2^254) = 1 and 3^(2^253) != 1.
    EXPECT_EQ(exp(U256(3), U256(1) << 254), U256(1));
    EXPECT_NE(exp(U256(3), U256(1) << 253), U256(1));
    EXPECT_EQ(exp(U256(10), U256(18)), U256(1'000'000'000'000'000'000ULL));
    EXPECT_EQ(exp(U256(256), U256(31)), U256(1) << 248);
}

TEST(U256, SignExtendEveryByteIndex) {
    const U256 pattern = num("0x00ff7f80017e81fe02fd03fc04fb05fa06f907f808f709f60af50bf40cf30df2");
    for (unsigned b = 0; b < 40; ++b) {
        const U256 got = signextend(U256(b), pattern);
        if (b >= 31) {
            EXPECT_EQ(got, pattern) << b;
            continue;
        }
        // The low b+1 bytes are kept, the rest copies bit 8b+7.
        const unsigned bits = 8 * (b + 1);
        const U256 mask = (U256(1) << bits) - 1;
        EXPECT_EQ(got & mask, pattern & mask) << b;
        const bool neg = ((pattern >> (bits - 1)) & 1) == U256(1);
        EXPECT_EQ(got & ~mask, neg ? ~mask : U256()) << b;
        // A lone sign bit at 8b+7 extends to all ones from there up.
        EXPECT_EQ(signextend(U256(b), U256(0x80) << (8 * b)), ~((U256(1) << (bits - 1)) - 1)) << b;
        EXPECT_EQ(signextend(U256(b), U256(0x7f) << (8 * b)), U256(0x7f) << (8 * b)) << b;
    }
    EXPECT_EQ(signextend(U256(0), U256(0xff)), kMinusOne);
    EXPECT_EQ(signextend(U256(0), U256(0x7f)), U256(0x7f));
    EXPECT_EQ(signextend(U256(1), U256(0xff)), U256(0xff));
    EXPECT_EQ(signextend(U256::max(), U256(0xff)), U256(0xff));
    EXPECT_EQ(signextend(U256::from_limbs(0, 1, 0, 0), U256(0x80)), U256(0x80));
}

TEST(U256, ByteOfEveryIndex) {
    uint8_t be[32];
    for (int i = 0; i < 32; ++i)
        be[i] = uint8_t(0xa0 + i);
    const U256 x = U256::from_be_bytes(BytesView(be, 32));
    for (unsigned i = 0; i < 32; ++i)
        EXPECT_EQ(byte(U256(i), x), U256(be[i])) << i;
    for (unsigned i : {32u, 33u, 255u, 256u, 1000u})
        EXPECT_EQ(byte(U256(i), x), U256()) << i;
    EXPECT_EQ(byte(U256::max(), x), U256());
    EXPECT_EQ(byte(U256::from_limbs(0, 1, 0, 0), x), U256());
    EXPECT_EQ(byte(U256(31), U256(0x1234)), U256(0x34));
}

TEST(U256, AddSubCarry) {
    auto s = add_overflow(U256::max(), U256(1));
    EXPECT_TRUE(s.carry);
    EXPECT_EQ(s.value, U256());
    s = add_overflow(U256::max(), U256::max());
    EXPECT_TRUE(s.carry);
    EXPECT_EQ(s.value, U256::max() - 1);
    EXPECT_FALSE(add_overflow(U256::max() - 1, U256(1)).carry);
    auto d = sub_borrow(U256(), U256(1));
    EXPECT_TRUE(d.carry);
    EXPECT_EQ(d.value, U256::max());
    EXPECT_FALSE(sub_borrow(U256(1), U256(1)).carry);
    EXPECT_EQ(-U256(1), U256::max());
    EXPECT_EQ(-U256(), U256());
    U256 c = U256::max();
    ++c;
    EXPECT_EQ(c, U256());
    --c;
    EXPECT_EQ(c, U256::max());
}

TEST(U256, ModularOnWideIntermediates) {
    const U256 m = U256::max();
    // (2^256-1) + (2^256-1) = 2^257 - 2 = 2 * m, so 0 mod m; needs the 257th bit.
    EXPECT_EQ(addmod(m, m, m), U256());
    EXPECT_EQ(addmod(m, m, m - 1), U256(2));
    EXPECT_EQ(addmod(m, U256(1), U256(2)), U256());
    // (2^256-1)^2 mod (2^256-2): m = 1 mod (m-1), so 1.
    EXPECT_EQ(mulmod(m, m, m - 1), U256(1));
    EXPECT_EQ(mulmod(m, m, m), U256());
    EXPECT_EQ(mulmod(m, m, U256(12)), U256(9));  // 2^256-1 = 3 mod 12
    EXPECT_EQ(mulmod(kIntMin, U256(2), m), U256(1));
    auto wide = mul_wide(m, m);  // (2^256-1)^2 = 2^512 - 2^257 + 1
    EXPECT_EQ(wide.hi, m - 1);
    EXPECT_EQ(wide.lo, U256(1));
}

// Divisions whose quotient digits need the rare corrections: the top two limbs of the partial
// remainder equal the divisor's (digit 2^64 - 1), the 3-by-2 estimate is corrected upwards, or
// the add-back step D6 is taken. Found by a search with an instrumented copy of the division and
// pinned here; DivisionCorrections below reaches each branch thousands of times per run too.
TEST(U256, KnuthCorrectionCases) {
    struct Case {
        const char* a;
        const char* m;  // for mulmod: the dividend is a * m (512 bits); "" for a plain divmod
        const char* b;
    };
    const Case cases[] = {
        // D6 add-back, and a digit 2^64 - 1 in the same division.
        {"0x64a865f6e460c8480000000000000001fffffffffffffffdffffffffffffffff", "",
         "0x64a865f6e460c8480000000000000001fffffffffffffffe"},
        {"0x8000000000000001db957d01721a8aed000000000000000053956d3dc7e3032c", "",
         "0x8000000000000001db957d01721a8aed0000000000000001"},
        // The 3-by-2 division's second correction (r >= d).
        {"0x8000000000000000fffffffffffffffffffffffffffffffe7ca54076945cfd01", "",
         "0x8000000000000001ffffffffffffffff"},
        {"0x7fffffffffffffffcd0d26c2dcaf5c9effffffffffffffff8000000000000000", "",
         "0x8000000000000000cd0d26c2dcaf5c9effffffffffffffff"},
        // The same on 8-limb dividends through mulmod.
        {"0xfffffffffffffffec97d16f51e4edc5f0000000000000000ffffffffffffffff",
         "0x3cbb9807c5a40eed8000000000000000",
         "0xfffffffffffffffec97d16f51e4edc5f0000000000000001"},
        {"0xffffffffffffffffffffffffffffffff7fffffffffffffff0000000000000001",
         "0xffffffffffffffffffffffffffffffffffffffffffffffff8000000000000000",
         "0xffffffffffffffff00000000000000007fffffffffffffff0000000000000001"},
        {"0x1800000000000000100000000000000017fffffffffffffff",
         "0x74c2f1c061cd50384edd50ba352eecd60000000000000000c4c678a6d8117752",
         "0x800000000000000080000000000000018000000000000000"},
    };
    mpz_t ma, mm, mb, mq, mr;
    mpz_inits(ma, mm, mb, mq, mr, nullptr);
    char buf[200];
    for (const Case& c : cases) {
        const U256 a = num(c.a), b = num(c.b);
        mpz_set_str(ma, c.a + 2, 16);
        mpz_set_str(mb, c.b + 2, 16);
        if (*c.m) {
            mpz_set_str(mm, c.m + 2, 16);
            mpz_mul(ma, ma, mm);
            mpz_fdiv_r(mr, ma, mb);
            EXPECT_EQ(mulmod(a, num(c.m), b).to_hex(), std::string("0x") + mpz_get_str(buf, 16, mr))
                << c.a;
            continue;
        }
        const U256DivMod qr = divmod(a, b);
        mpz_fdiv_qr(mq, mr, ma, mb);
        EXPECT_EQ(qr.quot.to_hex(), std::string("0x") + mpz_get_str(buf, 16, mq)) << c.a;
        EXPECT_EQ(qr.rem.to_hex(), std::string("0x") + mpz_get_str(buf, 16, mr)) << c.a;
        EXPECT_EQ(qr.quot * b + qr.rem, a);
    }
    mpz_clears(ma, mm, mb, mq, mr, nullptr);
}

// The division-free reciprocal must equal floor((2^128 - 1) / d) - 2^64 for every normalised d.
TEST(U256, ReciprocalMatchesHardwareDivision) {
    auto want = [](uint64_t d) { return uint64_t(((detail::u128(~d) << 64) | ~uint64_t(0)) / d); };
    std::vector<uint64_t> ds;
    for (uint64_t k = 0; k < 2000; ++k) {
        ds.push_back((1ULL << 63) + k);
        ds.push_back(~0ULL - k);
        ds.push_back((1ULL << 63) | (k << 52));  // every top-9-bit table entry ...
        ds.push_back((((1ULL << 63) | (k << 52)) - 1) | (1ULL << 63));  // ... and its edge
    }
    for (int i = 0; i < 64; ++i)
        for (int j = 0; j < 64; ++j)
            ds.push_back((1ULL << 63) | (1ULL << i) | (1ULL << j));
    std::mt19937_64 rng(test_seed());
    for (int i = 0; i < 200'000; ++i)
        ds.push_back(rng() | (1ULL << 63));
    int failures = 0;
    for (uint64_t d : ds) {
        if (detail::reciprocal_2by1(d) != want(d) && ++failures < 5)
            ADD_FAILURE() << "reciprocal of 0x" << std::hex << d << " (XL_TEST_SEED=" << std::dec
                          << test_seed() << ")";
    }
}

// The 3-by-2 reciprocal must equal floor((2^192 - 1) / (d1:d0)) - 2^64 for every normalised d1.
TEST(U256, Reciprocal3by2MatchesGmp) {
    std::vector<uint64_t> limbs = {
        0, 1, 2, (1ULL << 63) - 1, 1ULL << 63, (1ULL << 63) + 1, ~0ULL - 1, ~0ULL};
    std::mt19937_64 rng(test_seed());
    for (int i = 0; i < 24; ++i)
        limbs.push_back(rng() >> (rng() % 64));
    std::vector<std::pair<uint64_t, uint64_t>> ds;
    for (uint64_t d1 : limbs)
        for (uint64_t d0 : limbs)
            ds.emplace_back(d1 | (1ULL << 63), d0);
    for (int i = 0; i < 100'000; ++i)
        ds.emplace_back(rng() | (1ULL << 63), rng() % 4 ? rng() : (rng() % 2 ? ~0ULL : 0));
    mpz_t num, d, q, lo;
    mpz_inits(num, d, q, lo, nullptr);
    mpz_ui_pow_ui(num, 2, 192);
    mpz_sub_ui(num, num, 1);
    int failures = 0;
    for (auto [d1, d0] : ds) {
        mpz_set_ui(d, d1);
        mpz_mul_2exp(d, d, 64);
        mpz_set_ui(lo, d0);
        mpz_add(d, d, lo);
        mpz_fdiv_q(q, num, d);
        mpz_fdiv_r_2exp(q, q, 64);  // drops the 2^64
        const uint64_t want = mpz_get_ui(q);
        if (detail::reciprocal_3by2(d1, d0) != want && ++failures < 5)
            ADD_FAILURE() << "reciprocal_3by2 of 0x" << std::hex << d1 << ":" << d0
                          << " (XL_TEST_SEED=" << std::dec << test_seed() << ")";
    }
    mpz_clears(num, d, q, lo, nullptr);
}

TEST(U256, HashAndStream) {
    std::hash<U256> h;
    EXPECT_NE(h(U256(1)), h(U256(2)));
    EXPECT_NE(h(U256::from_limbs(0, 1, 0, 0)), h(U256::from_limbs(0, 0, 1, 0)));
    std::ostringstream os;
    os << U256(12345);
    EXPECT_EQ(os.str(), "12345");
}

// ---------------------------------------------------------------- property tests vs GMP

uint64_t test_seed() {
    static const uint64_t seed = []() -> uint64_t {
        if (const char* s = std::getenv("XL_TEST_SEED")) return std::strtoull(s, nullptr, 0);
        return uint64_t(std::random_device{}()) << 32 | std::random_device{}();
    }();
    return seed;
}

uint64_t total_iterations() {
    if (const char* s = std::getenv("XL_PROPTEST_ITERS")) return std::strtoull(s, nullptr, 0);
#ifdef NDEBUG
    return 2'000'000;
#else
    return 200'000;  // the Debug build runs under ASan+UBSan in CI
#endif
}

// Operands from a mix that reaches the carries, borrows, limb boundaries and sign patterns a
// uniform draw almost never hits.
class OperandGen {
public:
    explicit OperandGen(uint64_t seed) : rng_(seed) {}

    U256 word() {
        switch (rng_() % 12) {
            case 0:
            case 1:
            case 2:
                return uniform();
            case 3:
                return U256(rng_() % 1000);  // small
            case 4:
                return U256(rng_());  // one limb
            case 5: {                 // near 2^64k, k = 1..4
                const unsigned k = 1 + unsigned(rng_() % 4);
                const U256 base = k == 4 ? U256() : U256(1) << (64 * k);
                const uint64_t delta = rng_() % 4;
                return rng_() % 2 ? base + delta : base - delta - 1;
            }
            case 6: {  // 0, 1, max, max - 1
                const U256 v[] = {U256(), U256(1), U256::max(), U256::max() - 1};
                return v[rng_() % 4];
            }
            case 7: {  // 2^k - 1, 2^k, 2^k + 1
                const U256 p = U256(1) << (rng_() % 256);
                return p + U256(rng_() % 3) - 1;
            }
            case 8: {  // sign-bit patterns
                const U256 min = U256(1) << 255;
                const U256 small = U256(rng_() % 5);
                switch (rng_() % 4) {
                    case 0:
                        return min + small;
                    case 1:
                        return min - 1 - small;  // INT_MAX - small
                    case 2:
                        return -small;
                    default:
                        return -(U256(rng_()));
                }
            }
            case 9:
                return uniform() >> (rng_() % 256);  // random bit length
            case 10: {                               // limbs from {0,1,2^63,~0,r}
                U256 x;
                for (auto& l : x.w) {
                    const uint64_t v[] = {0, 1, 1ULL << 63, ~0ULL, ~0ULL - 1, rng_()};
                    l = v[rng_() % 6];
                }
                return x;
            }
            default: {  // long runs of ones
                const unsigned lo = unsigned(rng_() % 256), len = unsigned(rng_() % 256);
                return ((U256(1) << len) - 1) << lo;
            }
        }
    }

    // Shift amounts and byte indices: mostly in and around [0, 256), sometimes any word.
    U256 index() {
        switch (rng_() % 4) {
            case 0:
                return word();
            case 1:
                return U256(rng_() % 40);
            default:
                return U256(rng_() % 300);
        }
    }

    U256 uniform() { return U256::from_limbs(rng_(), rng_(), rng_(), rng_()); }
    uint64_t raw() { return rng_(); }

private:
    std::mt19937_64 rng_;
};

// Reusable GMP scratch values (allocation is the slow part of mpz).
struct Gmp {
    mpz_t a, b, c, sa, sb, r, t, two256;
    Gmp() {
        mpz_inits(a, b, c, sa, sb, r, t, two256, nullptr);
        mpz_ui_pow_ui(two256, 2, 256);
    }
    ~Gmp() { mpz_clears(a, b, c, sa, sb, r, t, two256, nullptr); }
    Gmp(const Gmp&) = delete;
    Gmp& operator=(const Gmp&) = delete;

    static void set(mpz_t out, const U256& x) { mpz_import(out, 4, -1, 8, 0, 0, x.w); }
    void set_signed(mpz_t out, const U256& x) {
        set(out, x);
        if (is_negative(x)) mpz_sub(out, out, two256);
    }
    // The value of r modulo 2^256 (two's complement for negatives).
    U256 result() {
        mpz_fdiv_r_2exp(t, r, 256);
        U256 x;
        size_t count = 0;
        mpz_export(x.w, &count, -1, 8, 0, 0, t);
        return x;
    }
    void set_bool(bool v) { mpz_set_ui(r, v ? 1 : 0); }
};

enum class Arg { kWord, kIndex };

struct Op {
    const char* name;
    int arity;
    Arg first;
    unsigned weight;  // relative share of the iterations
    std::function<U256(const U256&, const U256&, const U256&)> ours;
    std::function<void(Gmp&)> ref;  // computes g.r from g.a, g.b, g.c (and signed sa, sb)
};

std::vector<Op> make_ops() {
    using U = const U256&;
    auto shift_of = [](Gmp& g) -> unsigned long {  // clamps huge shifts to 256
        return mpz_cmp_ui(g.a, 256) >= 0 ? 256UL : mpz_get_ui(g.a);
    };
    return {
        {"add", 2, Arg::kWord, 4, [](U a, U b, U) { return a + b; },
         [](Gmp& g) { mpz_add(g.r, g.a, g.b); }},
        {"sub", 2, Arg::kWord, 4, [](U a, U b, U) { return a - b; },
         [](Gmp& g) { mpz_sub(g.r, g.a, g.b); }},
        {"neg", 1, Arg::kWord, 2, [](U a, U, U) { return -a; }, [](Gmp& g) { mpz_neg(g.r, g.a); }},
        {"mul", 2, Arg::kWord, 4, [](U a, U b, U) { return a * b; },
         [](Gmp& g) { mpz_mul(g.r, g.a, g.b); }},
        {"sqr", 1, Arg::kWord, 2, [](U a, U, U) { return sqr(a); },
         [](Gmp& g) { mpz_mul(g.r, g.a, g.a); }},
        {"mul_wide.hi", 2, Arg::kWord, 2, [](U a, U b, U) { return mul_wide(a, b).hi; },
         [](Gmp& g) {
             mpz_mul(g.r, g.a, g.b);
             mpz_fdiv_q_2exp(g.r, g.r, 256);
         }},
        {"div", 2, Arg::kWord, 6, [](U a, U b, U) { return a / b; },
         [](Gmp& g) {
             if (mpz_sgn(g.b) == 0) return mpz_set_ui(g.r, 0);
             mpz_fdiv_q(g.r, g.a, g.b);
         }},
        {"mod", 2, Arg::kWord, 6, [](U a, U b, U) { return a % b; },
         [](Gmp& g) {
             if (mpz_sgn(g.b) == 0) return mpz_set_ui(g.r, 0);
             mpz_fdiv_r(g.r, g.a, g.b);
         }},
        {"sdiv", 2, Arg::kWord, 4, [](U a, U b, U) { return sdiv(a, b); },
         [](Gmp& g) {
             if (mpz_sgn(g.sb) == 0) return mpz_set_ui(g.r, 0);
             mpz_tdiv_q(g.r, g.sa, g.sb);  // truncation toward zero (YP H.1)
         }},
        {"smod", 2, Arg::kWord, 4, [](U a, U b, U) { return smod(a, b); },
         [](Gmp& g) {
             if (mpz_sgn(g.sb) == 0) return mpz_set_ui(g.r, 0);
             mpz_tdiv_r(g.r, g.sa, g.sb);  // sign of the dividend
         }},
        {"addmod", 3, Arg::kWord, 4, [](U a, U b, U c) { return addmod(a, b, c); },
         [](Gmp& g) {
             if (mpz_sgn(g.c) == 0) return mpz_set_ui(g.r, 0);
             mpz_add(g.r, g.a, g.b);
             mpz_fdiv_r(g.r, g.r, g.c);
         }},
        {"mulmod", 3, Arg::kWord, 6, [](U a, U b, U c) { return mulmod(a, b, c); },
         [](Gmp& g) {
             if (mpz_sgn(g.c) == 0) return mpz_set_ui(g.r, 0);
             mpz_mul(g.r, g.a, g.b);
             mpz_fdiv_r(g.r, g.r, g.c);
         }},
        {"exp", 2, Arg::kWord, 1, [](U a, U b, U) { return exp(a, b); },
         [](Gmp& g) { mpz_powm(g.r, g.a, g.b, g.two256); }},
        {"shl", 2, Arg::kIndex, 2, [](U a, U b, U) { return shl(a, b); },
         [shift_of](Gmp& g) { mpz_mul_2exp(g.r, g.b, shift_of(g)); }},
        {"shr", 2, Arg::kIndex, 2, [](U a, U b, U) { return shr(a, b); },
         [shift_of](Gmp& g) { mpz_fdiv_q_2exp(g.r, g.b, shift_of(g)); }},
        {"sar", 2, Arg::kIndex, 2, [](U a, U b, U) { return sar(a, b); },
         [shift_of](Gmp& g) { mpz_fdiv_q_2exp(g.r, g.sb, shift_of(g)); }},  // floor
        {"and", 2, Arg::kWord, 1, [](U a, U b, U) { return a & b; },
         [](Gmp& g) { mpz_and(g.r, g.a, g.b); }},
        {"or", 2, Arg::kWord, 1, [](U a, U b, U) { return a | b; },
         [](Gmp& g) { mpz_ior(g.r, g.a, g.b); }},
        {"xor", 2, Arg::kWord, 1, [](U a, U b, U) { return a ^ b; },
         [](Gmp& g) { mpz_xor(g.r, g.a, g.b); }},
        {"not", 1, Arg::kWord, 1, [](U a, U, U) { return ~a; },
         [](Gmp& g) { mpz_sub(g.r, g.two256, g.a), mpz_sub_ui(g.r, g.r, 1); }},
        {"lt", 2, Arg::kWord, 1, [](U a, U b, U) { return U256(a < b); },
         [](Gmp& g) { g.set_bool(mpz_cmp(g.a, g.b) < 0); }},
        {"gt", 2, Arg::kWord, 1, [](U a, U b, U) { return U256(a > b); },
         [](Gmp& g) { g.set_bool(mpz_cmp(g.a, g.b) > 0); }},
        {"eq", 2, Arg::kWord, 1, [](U a, U b, U) { return U256(a == b); },
         [](Gmp& g) { g.set_bool(mpz_cmp(g.a, g.b) == 0); }},
        {"slt", 2, Arg::kWord, 1, [](U a, U b, U) { return U256(slt(a, b)); },
         [](Gmp& g) { g.set_bool(mpz_cmp(g.sa, g.sb) < 0); }},
        {"sgt", 2, Arg::kWord, 1, [](U a, U b, U) { return U256(sgt(a, b)); },
         [](Gmp& g) { g.set_bool(mpz_cmp(g.sa, g.sb) > 0); }},
        {"signextend", 2, Arg::kIndex, 2, [](U a, U b, U) { return signextend(a, b); },
         [](Gmp& g) {
             if (mpz_cmp_ui(g.a, 31) >= 0) return mpz_set(g.r, g.b);
             const unsigned long bits = 8 * (mpz_get_ui(g.a) + 1);
             mpz_fdiv_r_2exp(g.r, g.b, bits);
             if (mpz_tstbit(g.r, bits - 1)) {
                 mpz_ui_pow_ui(g.t, 2, bits);
                 mpz_sub(g.r, g.r, g.t);
             }
         }},
        {"byte", 2, Arg::kIndex, 2, [](U a, U b, U) { return byte(a, b); },
         [](Gmp& g) {
             if (mpz_cmp_ui(g.a, 32) >= 0) return mpz_set_ui(g.r, 0);
             mpz_fdiv_q_2exp(g.r, g.b, 8 * (31 - mpz_get_ui(g.a)));
             mpz_fdiv_r_2exp(g.r, g.r, 8);
         }},
        {"bit_length", 1, Arg::kWord, 1, [](U a, U, U) { return U256(a.bit_length()); },
         [](Gmp& g) { mpz_set_ui(g.r, mpz_sgn(g.a) == 0 ? 0 : mpz_sizeinbase(g.a, 2)); }},
        // Printing and parsing compare strings inside `ours` via GMP's own formatting.
        {"to_dec/from_string", 1, Arg::kWord, 1,
         [](U a, U, U) {
             auto r = U256::from_string(a.to_dec());
             return r.has_value() ? *r : ~a;
         },
         [](Gmp& g) { mpz_set(g.r, g.a); }},
        {"to_hex/from_string", 1, Arg::kWord, 1,
         [](U a, U, U) {
             auto r = U256::from_string(a.to_hex());
             return r.has_value() ? *r : ~a;
         },
         [](Gmp& g) { mpz_set(g.r, g.a); }},
        {"be_bytes", 1, Arg::kWord, 1,
         [](U a, U, U) {
             const Bytes t = a.to_be_trimmed();
             return t.size() == a.byte_length() && (t.empty() || t[0] != 0) ? U256::from_be_bytes(t)
                                                                            : ~a;
         },
         [](Gmp& g) { mpz_set(g.r, g.a); }},
    };
}

TEST(U256Property, EveryOperationAgainstGmp) {
    const uint64_t seed = test_seed();
    const uint64_t total = total_iterations();
    std::printf("U256 property test: XL_TEST_SEED=%llu XL_PROPTEST_ITERS=%llu\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(total));
    OperandGen gen(seed);
    Gmp g;
    const std::vector<Op> ops = make_ops();
    unsigned weight_sum = 0;
    for (const Op& op : ops)
        weight_sum += op.weight;
    uint64_t checked = 0;
    for (const Op& op : ops) {
        const uint64_t n = std::max<uint64_t>(1, total * op.weight / weight_sum);
        int failures = 0;
        for (uint64_t i = 0; i < n && failures < 5; ++i) {
            const U256 a = op.first == Arg::kIndex ? gen.index() : gen.word();
            const U256 b = op.arity >= 2 ? gen.word() : U256();
            const U256 c = op.arity >= 3 ? gen.word() : U256();
            const U256 got = op.ours(a, b, c);
            Gmp::set(g.a, a);
            Gmp::set(g.b, b);
            Gmp::set(g.c, c);
            g.set_signed(g.sa, a);
            g.set_signed(g.sb, b);
            op.ref(g);
            const U256 want = g.result();
            ++checked;
            if (got != want) {
                ++failures;
                ADD_FAILURE() << op.name << "(" << a.to_hex() << ", " << b.to_hex() << ", "
                              << c.to_hex() << ") = " << got.to_hex() << ", GMP says "
                              << want.to_hex() << " (XL_TEST_SEED=" << seed << ")";
            }
        }
    }
    EXPECT_GE(checked, total / 2);
}

// Division identities on operands built to stress Knuth's correction steps: divisors whose
// top limb is 2^63 or 2^64-1 and dividends whose top limbs equal the divisor's.
TEST(U256Property, DivisionCorrections) {
    std::printf("U256 division test: XL_TEST_SEED=%llu\n",
                static_cast<unsigned long long>(test_seed()));
    const uint64_t seed = test_seed() ^ 0x5eed;  // a stream apart from the other property test
    OperandGen gen(seed);
    Gmp g;
    const uint64_t n = total_iterations() / 10;
    int failures = 0;
    const uint64_t special[] = {0,     1,         1ULL << 63,      (1ULL << 63) + 1,
                                ~0ULL, ~0ULL - 1, (1ULL << 63) - 1};
    auto pick = [&] { return gen.raw() % 3 ? special[gen.raw() % 7] : gen.raw(); };
    for (uint64_t i = 0; i < n && failures < 5; ++i) {
        const unsigned nb = 2 + unsigned(gen.raw() % 3);  // divisor limbs: 2..4
        U256 b;
        for (unsigned k = 0; k < nb; ++k)
            b.w[k] = pick();
        if (b.w[nb - 1] == 0) b.w[nb - 1] = 1ULL << 63;
        U256 a;
        for (auto& l : a.w)
            l = pick();
        // Often copy the divisor's top limbs to the dividend's top, forcing u2 == d.
        if (gen.raw() % 2) {
            const unsigned shift = 4 - nb;
            for (unsigned k = 0; k < nb; ++k)
                a.w[k + shift] = b.w[k];
            if (gen.raw() % 2 && a.w[3]) --a.w[3 - (gen.raw() % nb)];
        }
        const U256 m = U256::from_limbs(pick(), pick(), pick(), pick());
        Gmp::set(g.a, a);
        Gmp::set(g.b, b);
        Gmp::set(g.c, m);
        const U256DivMod qr = divmod(a, b);
        mpz_fdiv_q(g.r, g.a, g.b);
        const U256 q = g.result();
        mpz_fdiv_r(g.r, g.a, g.b);
        const U256 r = g.result();
        // mulmod divides a 512-bit product: exercises 8-limb dividends.
        mpz_mul(g.r, g.a, g.c);
        mpz_fdiv_r(g.r, g.r, g.b);
        const U256 mm = g.result();
        if (qr.quot != q || qr.rem != r || mulmod(a, m, b) != mm) {
            ++failures;
            ADD_FAILURE() << "divmod/mulmod(" << a.to_hex() << ", " << b.to_hex() << ", "
                          << m.to_hex() << ") (XL_TEST_SEED=" << test_seed() << ")";
        }
    }
}

}  // namespace
