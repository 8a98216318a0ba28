// SPDX-License-Identifier: Apache-2.0
// Xinlian core: U256, the 256-bit unsigned integer of the EVM word (Yellow Paper §9.1), with the
// EVM arithmetic (YP Appendix H.1 opcodes 0x01-0x1d) as noexcept, allocation-free free functions.
// U256 is a plain value type (four little-endian 64-bit limbs); like an int it is not
// synchronised, concurrent reads are safe.
//
// Semantics follow the EVM, not C++: arithmetic wraps modulo 2^256, division and modulo by zero
// yield 0 (YP H.1 DIV/MOD/SDIV/SMOD/ADDMOD/MULMOD) -- and so do the operators / and % -- and
// shifts by 256 or more yield 0 (EIP-145; sar yields 0 or all ones).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace xl {

enum class ParseError {
    kEmpty,     // no digits (also a bare "0x")
    kBadDigit,  // a character that is not a digit of the base (signs and whitespace included)
    kOverflow,  // the value exceeds 2^256 - 1
};
std::string_view to_string(ParseError e) noexcept;

struct U256;
constexpr U256 operator<<(const U256& x, uint64_t shift) noexcept;
constexpr U256 operator>>(const U256& x, uint64_t shift) noexcept;

struct U256 {
    uint64_t w[4];  // little-endian limbs: w[0] is the least significant

    constexpr U256() noexcept : w{0, 0, 0, 0} {}
    // Implicit so that `x + 1` and `x == 0` read naturally.
    constexpr U256(uint64_t v) noexcept : w{v, 0, 0, 0} {}  // NOLINT(google-explicit-constructor)
    static constexpr U256 from_limbs(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3) noexcept {
        U256 r;
        r.w[0] = w0;
        r.w[1] = w1;
        r.w[2] = w2;
        r.w[3] = w3;
        return r;
    }
    static constexpr U256 max() noexcept { return from_limbs(~0ULL, ~0ULL, ~0ULL, ~0ULL); }

    // Big-endian bytes, as in RLP and EVM memory. Precondition: b.size() <= 32 (the caller
    // validates untrusted lengths; a longer view is our bug).
    static U256 from_be_bytes(BytesView b) noexcept;
    void to_be_bytes(uint8_t out[32]) const noexcept;
    Hash256 to_hash() const noexcept;
    static U256 from_hash(const Hash256& h) noexcept { return from_be_bytes(h.view()); }
    // Minimal big-endian encoding (empty for 0): the RLP form of a scalar (YP Appendix B).
    Bytes to_be_trimmed() const;

    // Decimal, or hex after a "0x"/"0X" prefix. No sign, no whitespace; leading zeros are
    // allowed. Runs in time linear in s.size().
    static Result<U256, ParseError> from_string(std::string_view s) noexcept;
    std::string to_hex() const;  // "0x" + minimal lower-case hex ("0x0" for zero), as JSON-RPC
    std::string to_dec() const;

    constexpr bool is_zero() const noexcept { return (w[0] | w[1] | w[2] | w[3]) == 0; }
    constexpr explicit operator bool() const noexcept { return !is_zero(); }
    constexpr uint64_t low64() const noexcept { return w[0]; }
    constexpr bool fits_u64() const noexcept { return (w[1] | w[2] | w[3]) == 0; }
    constexpr unsigned bit_length() const noexcept {
        for (int i = 3; i >= 0; --i)
            if (w[i]) return unsigned(64 * i + 64 - __builtin_clzll(w[i]));
        return 0;
    }
    // Bytes in the minimal big-endian form; EIP-160 prices EXP by this of the exponent.
    constexpr unsigned byte_length() const noexcept { return (bit_length() + 7) / 8; }
    constexpr bool bit(unsigned i) const noexcept {
        return i < 256 && ((w[i / 64] >> (i % 64)) & 1);
    }

    constexpr U256& operator+=(const U256& o) noexcept;
    constexpr U256& operator-=(const U256& o) noexcept;
    constexpr U256& operator*=(const U256& o) noexcept;
    constexpr U256& operator/=(const U256& o) noexcept;
    constexpr U256& operator%=(const U256& o) noexcept;
    constexpr U256& operator&=(const U256& o) noexcept {
        for (int i = 0; i < 4; ++i)
            w[i] &= o.w[i];
        return *this;
    }
    constexpr U256& operator|=(const U256& o) noexcept {
        for (int i = 0; i < 4; ++i)
            w[i] |= o.w[i];
        return *this;
    }
    constexpr U256& operator^=(const U256& o) noexcept {
        for (int i = 0; i < 4; ++i)
            w[i] ^= o.w[i];
        return *this;
    }
    constexpr U256& operator<<=(uint64_t s) noexcept { return *this = *this << s; }
    constexpr U256& operator>>=(uint64_t s) noexcept { return *this = *this >> s; }
    constexpr U256& operator++() noexcept { return *this += 1; }
    constexpr U256& operator--() noexcept { return *this -= 1; }

    friend constexpr bool operator==(const U256& a, const U256& b) noexcept {
        return ((a.w[0] ^ b.w[0]) | (a.w[1] ^ b.w[1]) | (a.w[2] ^ b.w[2]) | (a.w[3] ^ b.w[3])) == 0;
    }
    friend constexpr std::strong_ordering operator<=>(const U256& a, const U256& b) noexcept {
        for (int i = 3; i >= 0; --i)
            if (a.w[i] != b.w[i]) return a.w[i] <=> b.w[i];
        return std::strong_ordering::equal;
    }
};

static_assert(sizeof(U256) == 32);
static_assert(std::is_trivially_copyable_v<U256>);

// Prints the decimal value (for gtest and logs).
std::ostream& operator<<(std::ostream& os, const U256& x);

// ---- add / sub ----

struct U256Carry {
    U256 value;
    bool carry;  // carry out of bit 255 (add) or borrow (sub)
};

constexpr U256Carry add_overflow(const U256& a, const U256& b) noexcept {
    U256 r;
    bool c = false;
    for (int i = 0; i < 4; ++i) {
        uint64_t s = a.w[i] + b.w[i];
        bool c1 = s < a.w[i];
        uint64_t t = s + uint64_t(c);
        bool c2 = t < s;
        r.w[i] = t;
        c = c1 || c2;
    }
    return {r, c};
}

constexpr U256Carry sub_borrow(const U256& a, const U256& b) noexcept {
    U256 r;
    bool c = false;
    for (int i = 0; i < 4; ++i) {
        uint64_t d = a.w[i] - b.w[i];
        bool b1 = a.w[i] < b.w[i];
        uint64_t t = d - uint64_t(c);
        bool b2 = d < uint64_t(c);
        r.w[i] = t;
        c = b1 || b2;
    }
    return {r, c};
}

constexpr U256 operator+(const U256& a, const U256& b) noexcept {
    return add_overflow(a, b).value;
}
constexpr U256 operator-(const U256& a, const U256& b) noexcept {
    return sub_borrow(a, b).value;
}
// Two's complement negation.
constexpr U256 operator-(const U256& a) noexcept {
    return U256() - a;
}

// ---- bitwise ----

constexpr U256 operator~(const U256& a) noexcept {
    return U256::from_limbs(~a.w[0], ~a.w[1], ~a.w[2], ~a.w[3]);
}
constexpr U256 operator&(U256 a, const U256& b) noexcept {
    return a &= b;
}
constexpr U256 operator|(U256 a, const U256& b) noexcept {
    return a |= b;
}
constexpr U256 operator^(U256 a, const U256& b) noexcept {
    return a ^= b;
}

// ---- shifts (EIP-145: a shift by 256 or more yields 0) ----

constexpr U256 operator<<(const U256& x, uint64_t shift) noexcept {
    if (shift >= 256) return {};
    U256 r;
    const int limbs = int(shift / 64);
    const unsigned bits = unsigned(shift % 64);
    for (int i = 3; i >= limbs; --i) {
        uint64_t v = x.w[i - limbs] << bits;
        if (bits && i - limbs - 1 >= 0) v |= x.w[i - limbs - 1] >> (64 - bits);
        r.w[i] = v;
    }
    return r;
}
constexpr U256 operator>>(const U256& x, uint64_t shift) noexcept {
    if (shift >= 256) return {};
    U256 r;
    const unsigned limbs = unsigned(shift / 64), bits = unsigned(shift % 64);
    for (unsigned i = 0; i + limbs < 4; ++i) {
        uint64_t v = x.w[i + limbs] >> bits;
        if (bits && i + limbs + 1 < 4) v |= x.w[i + limbs + 1] << (64 - bits);
        r.w[i] = v;
    }
    return r;
}
constexpr U256 operator<<(const U256& x, const U256& shift) noexcept {
    return shift.fits_u64() ? x << shift.w[0] : U256();
}
constexpr U256 operator>>(const U256& x, const U256& shift) noexcept {
    return shift.fits_u64() ? x >> shift.w[0] : U256();
}

// EVM operand order (EIP-145: SHL/SHR/SAR pop the shift first, then the value).
constexpr U256 shl(const U256& shift, const U256& x) noexcept {
    return x << shift;
}
constexpr U256 shr(const U256& shift, const U256& x) noexcept {
    return x >> shift;
}
// Arithmetic shift right: the value is two's complement; a shift >= 256 gives 0 or all ones.
constexpr U256 sar(const U256& shift, const U256& x) noexcept {
    const bool neg = x.w[3] >> 63;
    if (!neg) return x >> shift;
    // For negative x: ~((~x) >> s), which fills with ones (and gives ~0 for s >= 256).
    return ~((~x) >> shift);
}

// ---- multiplication ----

namespace detail {
using u128 = unsigned __int128;

// Full 256x256 -> 512-bit product, little-endian limbs.
constexpr void mul_full(const U256& a, const U256& b, uint64_t out[8]) noexcept {
    for (int i = 0; i < 8; ++i)
        out[i] = 0;
    for (int i = 0; i < 4; ++i) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; ++j) {
            u128 p = u128(a.w[i]) * b.w[j] + out[i + j] + carry;
            out[i + j] = uint64_t(p);
            carry = uint64_t(p >> 64);
        }
        out[i + 4] = carry;
    }
}
}  // namespace detail

constexpr U256 operator*(const U256& a, const U256& b) noexcept {
    // Only the 10 partial products below 2^256 are needed.
    U256 r;
    for (int i = 0; i < 4; ++i) {
        uint64_t carry = 0;
        for (int j = 0; i + j < 4; ++j) {
            detail::u128 p = detail::u128(a.w[i]) * b.w[j] + r.w[i + j] + carry;
            r.w[i + j] = uint64_t(p);
            carry = uint64_t(p >> 64);
        }
    }
    return r;
}

// a * a mod 2^256 with 4 wide and 2 narrow multiplications instead of 6 and 4: the cross
// products a_i * a_j (i < j) are computed once and doubled.
constexpr U256 sqr(const U256& a) noexcept {
    using detail::u128;
    const u128 p01 = u128(a.w[0]) * a.w[1];
    const u128 p02 = u128(a.w[0]) * a.w[2];
    const uint64_t p03 = a.w[0] * a.w[3] + a.w[1] * a.w[2];  // only the low limb reaches 2^192
    const u128 t = (p01 >> 64) + uint64_t(p02);
    const uint64_t c1 = uint64_t(p01), c2 = uint64_t(t);
    const uint64_t c3 = uint64_t(t >> 64) + uint64_t(p02 >> 64) + p03;
    const uint64_t d1 = c1 << 1, d2 = (c2 << 1) | (c1 >> 63), d3 = (c3 << 1) | (c2 >> 63);
    const u128 s0 = u128(a.w[0]) * a.w[0];
    const u128 s1 = u128(a.w[1]) * a.w[1];
    U256 r;
    r.w[0] = uint64_t(s0);
    u128 acc = (s0 >> 64) + d1;
    r.w[1] = uint64_t(acc);
    acc = (acc >> 64) + uint64_t(s1) + d2;
    r.w[2] = uint64_t(acc);
    r.w[3] = uint64_t(acc >> 64) + uint64_t(s1 >> 64) + d3;
    return r;
}

// The 512-bit product as (high, low) halves.
struct U512Parts {
    U256 hi;
    U256 lo;
};
constexpr U512Parts mul_wide(const U256& a, const U256& b) noexcept {
    uint64_t p[8] = {};
    detail::mul_full(a, b, p);
    return {U256::from_limbs(p[4], p[5], p[6], p[7]), U256::from_limbs(p[0], p[1], p[2], p[3])};
}

// ---- division: Knuth, TAOCP vol. 2 §4.3.1 Algorithm D, with quotient digits from the
// division-free 2-by-1 and 3-by-2 reciprocal divisions of Möller & Granlund, "Improved division
// by invariant integers", IEEE Trans. Computers 60(2), 2011 ----

namespace detail {

// floor((2^19 - 3 * 2^8) / d9) for the top nine bits d9 = 256 + i of a normalised divisor.
inline constexpr std::array<uint16_t, 256> kReciprocalTable = [] {
    std::array<uint16_t, 256> t{};
    for (unsigned i = 0; i < 256; ++i)
        t[i] = uint16_t(0x7fd00 / (0x100 | i));
    return t;
}();

constexpr uint64_t umul_hi(uint64_t a, uint64_t b) noexcept {
    return uint64_t((u128(a) * b) >> 64);
}

// v = floor((2^128 - 1) / d) - 2^64 for a normalised d (top bit set), without a hardware
// division: table lookup and Newton steps (Möller & Granlund, Algorithm 2). Checked against
// the plain 128/64 division in uint256_test.
constexpr uint64_t reciprocal_2by1(uint64_t d) noexcept {
    const uint64_t d9 = d >> 55;
    const uint32_t v0 = kReciprocalTable[d9 - 256];
    const uint64_t d40 = (d >> 24) + 1;
    const uint64_t v1 = (uint64_t(v0) << 11) - uint32_t(uint32_t(v0 * v0) * d40 >> 40) - 1;
    const uint64_t v2 = (v1 << 13) + (v1 * (0x1000000000000000ULL - v1 * d40) >> 47);
    const uint64_t d0 = d & 1;
    const uint64_t d63 = (d >> 1) + d0;  // ceil(d / 2)
    const uint64_t e = ((v2 >> 1) & (0 - d0)) - v2 * d63;
    const uint64_t v3 = (umul_hi(v2, e) >> 1) + (v2 << 31);
    return v3 - uint64_t((u128(v3) * d + d) >> 64) - d;
}

struct QR64 {
    uint64_t q, r;
};

// (u1:u0) / d for normalised d and u1 < d (Möller & Granlund, Algorithm 4).
constexpr QR64 udivrem_2by1(uint64_t u1, uint64_t u0, uint64_t d, uint64_t v) noexcept {
    u128 q = u128(v) * u1;
    q += (u128(u1) << 64) | u0;
    uint64_t q1 = uint64_t(q >> 64) + 1;
    const uint64_t q0 = uint64_t(q);
    uint64_t r = u0 - q1 * d;
    if (r > q0) {
        --q1;
        r += d;
    }
    if (r >= d) {
        ++q1;
        r -= d;
    }
    return {q1, r};
}

// floor((2^192 - 1) / (d1:d0)) - 2^64 for a normalised d1 (Möller & Granlund, Algorithm 6).
constexpr uint64_t reciprocal_3by2(uint64_t d1, uint64_t d0) noexcept {
    uint64_t v = reciprocal_2by1(d1);
    uint64_t p = d1 * v + d0;
    if (p < d0) {
        --v;
        if (p >= d1) {
            --v;
            p -= d1;
        }
        p -= d1;
    }
    const u128 t = u128(v) * d0;
    const uint64_t t1 = uint64_t(t >> 64), t0 = uint64_t(t);
    p += t1;
    if (p < t1) {
        --v;
        if (p > d1 || (p == d1 && t0 >= d0)) --v;
    }
    return v;
}

struct QR128 {
    uint64_t q, r0, r1;  // quotient digit, remainder (r1:r0)
};

// (u2:u1:u0) / (d1:d0) for normalised d1 and (u2:u1) < (d1:d0) (Möller & Granlund,
// Algorithm 5), with v = reciprocal_3by2(d1, d0).
constexpr QR128 udivrem_3by2(uint64_t u2, uint64_t u1, uint64_t u0, uint64_t d1, uint64_t d0,
                             uint64_t v) noexcept {
    u128 q = u128(v) * u2;
    q += (u128(u2) << 64) | u1;
    uint64_t q1 = uint64_t(q >> 64);
    const uint64_t q0 = uint64_t(q);
    const uint64_t r1 = u1 - q1 * d1;
    const u128 d = (u128(d1) << 64) | d0;
    u128 r = ((u128(r1) << 64) | u0) - u128(d0) * q1 - d;
    ++q1;
    if (uint64_t(r >> 64) >= q0) {
        --q1;
        r += d;
    }
    if (r >= d) {
        ++q1;
        r -= d;
    }
    return {q1, uint64_t(r), uint64_t(r >> 64)};
}

// x[0..len) -= y * v[0..len); returns the limb still to be subtracted above x[len - 1].
constexpr uint64_t submul(uint64_t* x, const uint64_t* v, int len, uint64_t y) noexcept {
    uint64_t borrow = 0;
    for (int i = 0; i < len; ++i) {
        const u128 p = u128(y) * v[i] + borrow;  // at most 2^128 - 2^64: no overflow
        const uint64_t lo = uint64_t(p);
        borrow = uint64_t(p >> 64) + (x[i] < lo);
        x[i] -= lo;
    }
    return borrow;
}

// x[0..len) += v[0..len); returns the carry out.
constexpr uint64_t add_in_place(uint64_t* x, const uint64_t* v, int len) noexcept {
    uint64_t carry = 0;
    for (int i = 0; i < len; ++i) {
        const u128 sum = u128(x[i]) + v[i] + carry;
        x[i] = uint64_t(sum);
        carry = uint64_t(sum >> 64);
    }
    return carry;
}

constexpr int significant_limbs(const uint64_t* x, int n) noexcept {
    while (n > 0 && x[n - 1] == 0)
        --n;
    return n;
}

// q[0..m) = u / v and r[0..4) = u % v for u of m <= 8 limbs and v of 4 limbs, v != 0.
constexpr void udivrem(const uint64_t* u, int m, const uint64_t* v, uint64_t* q,
                       uint64_t* r) noexcept {
    for (int i = 0; i < m; ++i)
        q[i] = 0;
    for (int i = 0; i < 4; ++i)
        r[i] = 0;
    const int n = significant_limbs(v, 4);
    const int um = significant_limbs(u, m);
    if (um < n) {
        for (int i = 0; i < um; ++i)
            r[i] = u[i];
        return;
    }
    const int s = __builtin_clzll(v[n - 1]);
    // Normalise: shift so that the divisor's top bit is set (Algorithm D step D1).
    uint64_t vn[4] = {0, 0, 0, 0};
    uint64_t un[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = n - 1; i > 0; --i)
        vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
    vn[0] = v[0] << s;
    un[um] = s ? u[um - 1] >> (64 - s) : 0;
    for (int i = um - 1; i > 0; --i)
        un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
    un[0] = u[0] << s;

    if (n == 1) {
        const uint64_t d = vn[0];
        const uint64_t recip = reciprocal_2by1(d);
        uint64_t rem = un[um];
        for (int j = um - 1; j >= 0; --j) {
            QR64 qr = udivrem_2by1(rem, un[j], d, recip);
            q[j] = qr.q;
            rem = qr.r;
        }
        r[0] = rem >> s;
        return;
    }
    const uint64_t d1 = vn[n - 1], d0 = vn[n - 2];
    const uint64_t recip = reciprocal_3by2(d1, d0);
    for (int j = um - n; j >= 0; --j) {
        uint64_t* uj = un + j;
        uint64_t qhat;
        if (uj[n] == d1 && uj[n - 1] == d0) {
            // D3 with (u2:u1) equal to the divisor's top: the digit is exactly 2^64 - 1,
            // as the partial remainder is below the divisor.
            qhat = ~uint64_t(0);
            uj[n] -= submul(uj, vn, n, qhat);
        } else {
            // D3 + D4: the 3-by-2 division yields the digit (at most one too large) and the
            // top two remainder limbs; only the lower n - 2 limbs need a multiply-subtract.
            const QR128 qr = udivrem_3by2(uj[n], uj[n - 1], uj[n - 2], d1, d0, recip);
            qhat = qr.q;
            const uint64_t over = submul(uj, vn, n - 2, qhat);
            const bool b0 = qr.r0 < over;
            uj[n - 2] = qr.r0 - over;
            uj[n - 1] = qr.r1 - uint64_t(b0);
            uj[n] = 0;
            if (qr.r1 < uint64_t(b0)) {
                // D6: add back (rare: probability about 2/2^64).
                --qhat;
                uj[n - 1] += d1 + add_in_place(uj, vn, n - 1);
            }
        }
        q[j] = qhat;
    }
    // D8: unnormalise the remainder.
    // The remainder is below vn, so it occupies un[0..n) and un[n] is zero.
    for (int i = 0; i < n; ++i)
        r[i] = s ? (un[i] >> s) | (un[i + 1] << (64 - s)) : un[i];
}

}  // namespace detail

struct U256DivMod {
    U256 quot;
    U256 rem;
};

// Quotient and remainder; division by zero gives {0, 0} (YP H.1 DIV/MOD).
constexpr U256DivMod divmod(const U256& a, const U256& b) noexcept {
    if (b.fits_u64()) {
        if (b.w[0] == 0) return {};
        if (a.fits_u64()) return {U256(a.w[0] / b.w[0]), U256(a.w[0] % b.w[0])};
    }
    if (a < b) return {U256(), a};
    U256DivMod res;
    detail::udivrem(a.w, 4, b.w, res.quot.w, res.rem.w);
    return res;
}

// Division by zero yields 0 (EVM DIV), not a trap.
constexpr U256 operator/(const U256& a, const U256& b) noexcept {
    return divmod(a, b).quot;
}
// Modulo by zero yields 0 (EVM MOD), not a trap.
constexpr U256 operator%(const U256& a, const U256& b) noexcept {
    return divmod(a, b).rem;
}

constexpr U256& U256::operator+=(const U256& o) noexcept {
    return *this = *this + o;
}
constexpr U256& U256::operator-=(const U256& o) noexcept {
    return *this = *this - o;
}
constexpr U256& U256::operator*=(const U256& o) noexcept {
    return *this = *this * o;
}
constexpr U256& U256::operator/=(const U256& o) noexcept {
    return *this = *this / o;
}
constexpr U256& U256::operator%=(const U256& o) noexcept {
    return *this = *this % o;
}

// ---- signed (two's complement) operations, YP H.1 ----

constexpr bool is_negative(const U256& x) noexcept {
    return x.w[3] >> 63;
}

// SDIV: truncates toward zero; x / 0 = 0 and -2^255 / -1 = -2^255 (the overflow wraps).
constexpr U256 sdiv(const U256& a, const U256& b) noexcept {
    const bool na = is_negative(a), nb = is_negative(b);
    const U256 q = (na ? -a : a) / (nb ? -b : b);
    return na != nb ? -q : q;
}
// SMOD: the result takes the sign of the dividend; x smod 0 = 0.
constexpr U256 smod(const U256& a, const U256& b) noexcept {
    const bool na = is_negative(a);
    const U256 r = (na ? -a : a) % (is_negative(b) ? -b : b);
    return na ? -r : r;
}
constexpr bool slt(const U256& a, const U256& b) noexcept {
    const bool na = is_negative(a), nb = is_negative(b);
    return na != nb ? na : a < b;
}
constexpr bool sgt(const U256& a, const U256& b) noexcept {
    return slt(b, a);
}

// ---- modular arithmetic on 257/512-bit intermediates ----

// ADDMOD: (a + b) mod m without wrapping at 2^256; m = 0 gives 0.
constexpr U256 addmod(const U256& a, const U256& b, const U256& m) noexcept {
    if (m.is_zero()) return {};
    const U256Carry s = add_overflow(a, b);
    if (!s.carry) return s.value % m;
    const uint64_t u[5] = {s.value.w[0], s.value.w[1], s.value.w[2], s.value.w[3], 1};
    uint64_t q[5] = {};
    U256 r;
    detail::udivrem(u, 5, m.w, q, r.w);
    return r;
}
// MULMOD: (a * b) mod m on the full 512-bit product; m = 0 gives 0.
constexpr U256 mulmod(const U256& a, const U256& b, const U256& m) noexcept {
    if (m.is_zero()) return {};
    uint64_t p[8] = {};
    detail::mul_full(a, b, p);
    uint64_t q[8] = {};
    U256 r;
    detail::udivrem(p, 8, m.w, q, r.w);
    return r;
}

// EXP: base^exponent mod 2^256 by right-to-left square-and-multiply (at most 255 squarings);
// the squaring chain and the product chain are independent, so they overlap in the CPU.
constexpr U256 exp(U256 base, const U256& exponent) noexcept {
    U256 result = 1;
    const unsigned n = exponent.bit_length();
    for (unsigned i = 0; i < n; ++i) {
        if (exponent.bit(i)) result = result * base;
        if (i + 1 < n) base = sqr(base);
    }
    return result;
}

// SIGNEXTEND(b, x): extends the sign bit of byte b (0 = least significant) of x; b >= 31
// leaves x unchanged (YP H.1 0x0b).
constexpr U256 signextend(const U256& b, const U256& x) noexcept {
    if (!b.fits_u64() || b.w[0] >= 31) return x;
    const unsigned sign_bit = unsigned(b.w[0]) * 8 + 7;
    const U256 mask = (U256(1) << (sign_bit + 1)) - 1;
    return x.bit(sign_bit) ? (x | ~mask) : (x & mask);
}

// BYTE(i, x): byte i of x counted from the most significant (i = 0); i >= 32 gives 0
// (YP H.1 0x1a).
constexpr U256 byte(const U256& i, const U256& x) noexcept {
    if (!i.fits_u64() || i.w[0] >= 32) return {};
    const unsigned from_low = 31 - unsigned(i.w[0]);
    return U256((x.w[from_low / 8] >> (8 * (from_low % 8))) & 0xff);
}

}  // namespace xl

template <>
struct std::hash<xl::U256> {
    size_t operator()(const xl::U256& x) const noexcept {
        // For lookup tables only; mixes all limbs (values such as slot numbers are small).
        uint64_t h = x.w[0] * 0x9e3779b97f4a7c15ULL;
        h ^= x.w[1] + 0x7f4a7c159e3779b9ULL + (h << 6) + (h >> 2);
        h ^= x.w[2] + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h ^= x.w[3] + 0x7f4a7c159e3779b9ULL + (h << 6) + (h >> 2);
        return size_t(h);
    }
};
