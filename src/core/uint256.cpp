// SPDX-License-Identifier: Apache-2.0
// Xinlian core: U256 byte conversions, parsing and printing (the arithmetic is in the header).
#include "core/uint256.hpp"

#include <algorithm>
#include <ostream>

namespace xl {

std::string_view to_string(ParseError e) noexcept {
    switch (e) {
        case ParseError::kEmpty:
            return "empty number";
        case ParseError::kBadDigit:
            return "invalid digit in number";
        case ParseError::kOverflow:
            return "number exceeds 256 bits";
    }
    return "unknown parse error";
}

U256 U256::from_be_bytes(BytesView b) noexcept {
    XL_ASSERT(b.size() <= 32);
    U256 r;
    // Byte k from the end is bits 8k..8k+7.
    const size_t n = b.size();
    for (size_t k = 0; k < n; ++k)
        r.w[k / 8] |= uint64_t(b[n - 1 - k]) << (8 * (k % 8));
    return r;
}

void U256::to_be_bytes(uint8_t out[32]) const noexcept {
    for (int i = 0; i < 4; ++i) {
        const uint64_t v = w[3 - i];
        for (int k = 0; k < 8; ++k)
            out[8 * i + k] = uint8_t(v >> (56 - 8 * k));
    }
}

Hash256 U256::to_hash() const noexcept {
    Hash256 h;
    to_be_bytes(h.data());
    return h;
}

Bytes U256::to_be_trimmed() const {
    uint8_t buf[32];
    to_be_bytes(buf);
    const size_t skip = 32 - byte_length();
    return Bytes(buf + skip, buf + 32);
}

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<U256, ParseError> parse_hex(std::string_view s) noexcept {
    if (s.empty()) return unexpected(ParseError::kEmpty);
    U256 r;
    unsigned significant = 0;  // hex digits after the leading zeros
    for (char c : s) {
        const int d = hex_digit(c);
        if (d < 0) return unexpected(ParseError::kBadDigit);
        if (significant == 0 && d == 0) continue;
        if (++significant > 64) return unexpected(ParseError::kOverflow);
        r = (r << 4) | U256(uint64_t(d));
    }
    return r;
}

Result<U256, ParseError> parse_dec(std::string_view s) noexcept {
    if (s.empty()) return unexpected(ParseError::kEmpty);
    U256 r;
    for (char c : s) {
        if (c < '0' || c > '9') return unexpected(ParseError::kBadDigit);
        // r = r * 10 + d, detecting a carry out of bit 255.
        uint64_t carry = uint64_t(c - '0');
        for (int i = 0; i < 4; ++i) {
            const detail::u128 p = detail::u128(r.w[i]) * 10 + carry;
            r.w[i] = uint64_t(p);
            carry = uint64_t(p >> 64);
        }
        if (carry) return unexpected(ParseError::kOverflow);
    }
    return r;
}

}  // namespace

Result<U256, ParseError> U256::from_string(std::string_view s) noexcept {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return parse_hex(s.substr(2));
    return parse_dec(s);
}

std::string U256::to_hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    if (is_zero()) return "0x0";
    std::string out = "0x";
    for (int nib = int((bit_length() + 3) / 4) - 1; nib >= 0; --nib)
        out += kDigits[(w[nib / 16] >> (4 * (nib % 16))) & 0xf];
    return out;
}

std::string U256::to_dec() const {
    if (is_zero()) return "0";
    // Peel off 19 decimal digits at a time (10^19 < 2^64).
    constexpr uint64_t kChunk = 10'000'000'000'000'000'000ULL;
    std::string rev;
    U256 x = *this;
    while (!x.is_zero()) {
        const U256DivMod qr = divmod(x, U256(kChunk));
        uint64_t chunk = qr.rem.w[0];
        x = qr.quot;
        for (int i = 0; i < 19 && (chunk || !x.is_zero()); ++i) {
            rev += char('0' + chunk % 10);
            chunk /= 10;
        }
    }
    std::reverse(rev.begin(), rev.end());
    return rev;
}

std::ostream& operator<<(std::ostream& os, const U256& x) {
    return os << x.to_dec();
}

}  // namespace xl
