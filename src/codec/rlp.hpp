// SPDX-License-Identifier: Apache-2.0
// Xinlian codec: Recursive Length Prefix (Yellow Paper, Appendix B) with strict decoding.
// Decoding rejects, with a precise error, everything that is not the one canonical encoding:
// non-minimal length prefixes, a single byte < 0x80 encoded as a string, leading zeros in
// integers, truncation and trailing bytes. Decoders return views into the input (no copies);
// the input must outlive them. Pure functions and value types; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"

namespace xl::rlp {

enum class DecodeError {
    kTruncated,              // input ends inside an item
    kTrailingBytes,          // bytes left after the (last) item
    kNonCanonicalSize,       // long form used for a short payload, or a length with leading zeros
    kSingleByteAsString,     // 0x81 0x00..0x7f: must be encoded as the byte itself
    kLeadingZeros,           // integer with leading zero bytes
    kOverflow,               // integer wider than the requested type
    kExpectedString,         // a list where a string was required
    kExpectedList,           // a string where a list was required
    kWrongLength,            // a fixed-size field (hash, address) of the wrong length
    kTooDeep,                // nesting deeper than kMaxDepth
};
std::string_view to_string(DecodeError e) noexcept;

// Nesting limit for generic decoding (decode_item); protects the stack from hostile input.
inline constexpr size_t kMaxDepth = 64;

// ---- encoding ----

void encode_string(Bytes& out, BytesView s);
void encode_uint(Bytes& out, uint64_t v);
void encode_uint(Bytes& out, const U256& v);
// Writes the header of a list whose items' encodings total payload_len bytes.
void encode_list_header(Bytes& out, size_t payload_len);
// Wraps already-encoded items into a list.
Bytes encode_list(std::span<const Bytes> encoded_items);

// Builds a list item by item: ListBuilder().add_uint(1).add_string(x).finish().
class ListBuilder {
public:
    ListBuilder& add_string(BytesView s);
    ListBuilder& add_uint(uint64_t v);
    ListBuilder& add_uint(const U256& v);
    ListBuilder& add_raw(BytesView encoded_item);  // an item that is already RLP
    ListBuilder& add_list(const ListBuilder& l);
    Bytes finish() const;  // header + payload
    const Bytes& payload() const noexcept { return payload_; }

private:
    Bytes payload_;
};

// ---- decoding ----

struct Header {
    bool list = false;
    size_t header_len = 0;
    size_t payload_len = 0;
};
// Decodes and validates the header of the first item of `in`; the payload must fit in `in`.
Result<Header, DecodeError> decode_header(BytesView in) noexcept;

// Reads consecutive items from a list payload (or any byte range).
class Reader {
public:
    Reader() = default;
    explicit Reader(BytesView data) noexcept : data_(data) {}

    bool empty() const noexcept { return data_.empty(); }
    BytesView remaining() const noexcept { return data_; }

    Result<BytesView, DecodeError> read_string() noexcept;
    Result<Reader, DecodeError> read_list() noexcept;
    // Canonical unsigned integers: no leading zeros; empty string is 0.
    Result<uint64_t, DecodeError> read_u64() noexcept;
    Result<U256, DecodeError> read_u256() noexcept;
    // The next item's complete encoding (header included), whatever its kind.
    Result<BytesView, DecodeError> read_raw() noexcept;
    // A string of exactly N bytes (hashes, addresses).
    template <size_t N>
    Result<FixedBytes<N>, DecodeError> read_fixed() noexcept {
        auto s = read_string();
        if (!s) return unexpected(s.error());
        FixedBytes<N> f;
        if (!FixedBytes<N>::from_view(*s, f)) return unexpected(DecodeError::kWrongLength);
        return f;
    }
    // kTrailingBytes unless everything was read.
    Result<void, DecodeError> finish() const noexcept;

private:
    BytesView data_;
};

// The input must be exactly one list item; returns a reader over its payload.
Result<Reader, DecodeError> open_list(BytesView in) noexcept;
// The input must be exactly one string item; returns its payload.
Result<BytesView, DecodeError> decode_string(BytesView in) noexcept;

// A generic RLP tree, for tests and tools (not for hot paths).
struct Item {
    bool is_list = false;
    Bytes str;
    std::vector<Item> list;
    friend bool operator==(const Item&, const Item&) = default;
};
// The input must be exactly one item, nested at most kMaxDepth deep.
Result<Item, DecodeError> decode_item(BytesView in);
Bytes encode_item(const Item& item);

}  // namespace xl::rlp
