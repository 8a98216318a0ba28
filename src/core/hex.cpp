// SPDX-License-Identifier: Apache-2.0
#include "core/bytes.hpp"

namespace xl {

std::string_view to_string(HexError e) noexcept {
    switch (e) {
        case HexError::kOddLength: return "hex string has an odd number of digits";
        case HexError::kBadDigit: return "invalid hex digit";
        case HexError::kWrongLength: return "hex string has the wrong length";
    }
    return "unknown hex error";
}

std::string to_hex(BytesView b, bool with_prefix) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2 + 2);
    if (with_prefix) s = "0x";
    for (uint8_t c : b) {
        s.push_back(kDigits[c >> 4]);
        s.push_back(kDigits[c & 15]);
    }
    return s;
}

static int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<Bytes, HexError> from_hex(std::string_view s) {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    if (s.size() % 2) return unexpected(HexError::kOddLength);
    Bytes out(s.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return unexpected(HexError::kBadDigit);
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

Bytes hex_literal(std::string_view s) {
    auto r = from_hex(s);
    XL_ASSERT(r.has_value());
    return std::move(r).value();
}

}  // namespace xl
