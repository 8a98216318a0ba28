// SPDX-License-Identifier: Apache-2.0
// Xinlian core: byte strings, fixed-size byte arrays (hashes, addresses) and hex.
// All types here are plain values; none is thread-safe beyond that.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace xl {

using Bytes = std::vector<uint8_t>;
using BytesView = std::span<const uint8_t>;

inline BytesView as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline Bytes concat(BytesView a, BytesView b) {
    Bytes r(a.begin(), a.end());
    r.insert(r.end(), b.begin(), b.end());
    return r;
}

// A fixed-size byte array: hashes (Hash256), addresses (Address), keys. Zero-initialised.
template <size_t N>
struct FixedBytes {
    std::array<uint8_t, N> bytes{};

    static constexpr size_t size() noexcept { return N; }
    uint8_t* data() noexcept { return bytes.data(); }
    const uint8_t* data() const noexcept { return bytes.data(); }
    uint8_t& operator[](size_t i) noexcept { return bytes[i]; }
    uint8_t operator[](size_t i) const noexcept { return bytes[i]; }
    auto begin() const noexcept { return bytes.begin(); }
    auto end() const noexcept { return bytes.end(); }
    operator BytesView() const noexcept { return {bytes.data(), N}; }
    BytesView view() const noexcept { return {bytes.data(), N}; }
    Bytes to_vector() const { return Bytes(bytes.begin(), bytes.end()); }
    bool is_zero() const noexcept {
        for (uint8_t b : bytes)
            if (b) return false;
        return true;
    }

    // Copies exactly N bytes; returns false (and leaves *this unchanged) on a size mismatch.
    [[nodiscard]] static bool from_view(BytesView v, FixedBytes& out) noexcept {
        if (v.size() != N) return false;
        std::memcpy(out.bytes.data(), v.data(), N);
        return true;
    }
    // Copies the view; the caller guarantees v.size() == N (our bug otherwise).
    static FixedBytes from(BytesView v) noexcept {
        FixedBytes f;
        XL_ASSERT(v.size() == N);
        std::memcpy(f.bytes.data(), v.data(), N);
        return f;
    }

    // Bytewise (memcmp) order, compared 8 bytes at a time as big-endian words: inline, where
    // the defaulted operator called memcmp for every comparison of the state's ordered maps
    // (3 % of a validator's CPU in block execution).
    friend std::strong_ordering operator<=>(const FixedBytes& a, const FixedBytes& b) noexcept {
        size_t i = 0;
        for (; i + 8 <= N; i += 8) {
            uint64_t x, y;
            std::memcpy(&x, a.bytes.data() + i, 8);
            std::memcpy(&y, b.bytes.data() + i, 8);
            if (x != y) {
                if constexpr (std::endian::native == std::endian::little) {
                    x = __builtin_bswap64(x);
                    y = __builtin_bswap64(y);
                }
                return x <=> y;
            }
        }
        for (; i < N; ++i)
            if (a.bytes[i] != b.bytes[i]) return a.bytes[i] <=> b.bytes[i];
        return std::strong_ordering::equal;
    }
    friend bool operator==(const FixedBytes&, const FixedBytes&) = default;
};

using Hash256 = FixedBytes<32>;
using Address = FixedBytes<20>;

// ---- hex ----

enum class HexError { kOddLength, kBadDigit, kWrongLength };
std::string_view to_string(HexError e) noexcept;

// Lower-case hex; with_prefix adds "0x".
std::string to_hex(BytesView b, bool with_prefix = true);
// Accepts an optional "0x"/"0X" prefix; an odd number of digits is an error.
Result<Bytes, HexError> from_hex(std::string_view s);
// Decodes into exactly N bytes.
template <size_t N>
Result<FixedBytes<N>, HexError> fixed_from_hex(std::string_view s) {
    auto b = from_hex(s);
    if (!b) return unexpected(b.error());
    FixedBytes<N> f;
    if (!FixedBytes<N>::from_view(*b, f)) return unexpected(HexError::kWrongLength);
    return f;
}
// For constants in code and tests: aborts on bad input (never use on external input).
Bytes hex_literal(std::string_view s);

}  // namespace xl

template <size_t N>
struct std::hash<xl::FixedBytes<N>> {
    size_t operator()(const xl::FixedBytes<N>& f) const noexcept {
        // Hashes and addresses are already uniformly distributed; the first 8 bytes suffice.
        // Used only for lookup tables, never for anything that affects consensus order.
        size_t h = 0;
        std::memcpy(&h, f.data(), N < sizeof(h) ? N : sizeof(h));
        return h;
    }
};
