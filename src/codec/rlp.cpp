// SPDX-License-Identifier: Apache-2.0
// Strict RLP (Yellow Paper, Appendix B): the encoder writes the one canonical form and the
// decoder accepts nothing else, so that decode(x) followed by encode gives back x.
#include "codec/rlp.hpp"

namespace xl::rlp {

std::string_view to_string(DecodeError e) noexcept {
    // Texts follow go-ethereum's rlp package where it has one (STYLE.md 5).
    switch (e) {
        case DecodeError::kTruncated:
            return "rlp: value size exceeds available input length";
        case DecodeError::kTrailingBytes:
            return "rlp: input contains more than one value";
        case DecodeError::kNonCanonicalSize:
            return "rlp: non-canonical size information";
        case DecodeError::kSingleByteAsString:
            return "rlp: non-canonical size information (single byte below 0x80 as a string)";
        case DecodeError::kLeadingZeros:
            return "rlp: non-canonical integer format";
        case DecodeError::kOverflow:
            return "rlp: uint overflow";
        case DecodeError::kExpectedString:
            return "rlp: expected String or Byte";
        case DecodeError::kExpectedList:
            return "rlp: expected List";
        case DecodeError::kWrongLength:
            return "rlp: wrong length for a fixed-size byte array";
        case DecodeError::kTooDeep:
            return "rlp: nesting too deep";
    }
    return "rlp: unknown error";
}

namespace {

// Short form for payloads of 0..55 bytes, else offset+55+len(len) then len big-endian
// without leading zeros (YP eq. 180-181 for strings, 183-184 for lists).
void put_header(Bytes& out, uint8_t offset, size_t len) {
    if (len < 56) {
        out.push_back(static_cast<uint8_t>(offset + len));
        return;
    }
    uint8_t be[sizeof(size_t)];
    size_t n = 0;
    for (size_t v = len; v != 0; v >>= 8)
        be[n++] = static_cast<uint8_t>(v);
    out.push_back(static_cast<uint8_t>(offset + 55 + n));
    while (n)
        out.push_back(be[--n]);
}

void put_uint_be(Bytes& out, uint64_t v) {
    uint8_t be[8];
    size_t n = 0;
    for (; v != 0; v >>= 8)
        be[n++] = static_cast<uint8_t>(v);
    // A single byte below 0x80 is its own encoding; anything else gets a string header.
    if (n == 1 && be[0] < 0x80) {
        out.push_back(be[0]);
        return;
    }
    out.push_back(static_cast<uint8_t>(0x80 + n));
    while (n)
        out.push_back(be[--n]);
}

// Reads a long-form length of `len_of_len` bytes (1..8) after the first byte.
Result<size_t, DecodeError> read_long_length(BytesView in, size_t len_of_len) noexcept {
    if (in.size() < 1 + len_of_len) return unexpected(DecodeError::kTruncated);
    // A length with leading zeros is not minimal.
    if (in[1] == 0) return unexpected(DecodeError::kNonCanonicalSize);
    uint64_t len = 0;
    for (size_t i = 0; i < len_of_len; ++i)
        len = (len << 8) | in[1 + i];
    // The long form is only for payloads of 56 bytes or more.
    if (len < 56) return unexpected(DecodeError::kNonCanonicalSize);
    if constexpr (sizeof(size_t) < sizeof(uint64_t)) {
        if (len > SIZE_MAX) return unexpected(DecodeError::kTruncated);
    }
    return static_cast<size_t>(len);
}

Result<Item, DecodeError> decode_item_at(BytesView in, size_t depth, size_t& consumed) {
    auto h = decode_header(in);
    if (!h) return unexpected(h.error());
    consumed = h->header_len + h->payload_len;
    BytesView payload = in.subspan(h->header_len, h->payload_len);
    Item item;
    if (!h->list) {
        item.str.assign(payload.begin(), payload.end());
        return item;
    }
    item.is_list = true;
    if (depth >= kMaxDepth) return unexpected(DecodeError::kTooDeep);
    while (!payload.empty()) {
        size_t n = 0;
        auto child = decode_item_at(payload, depth + 1, n);
        if (!child) return unexpected(child.error());
        item.list.push_back(std::move(*child));
        payload = payload.subspan(n);
    }
    return item;
}

}  // namespace

// ---- encoding ----

void encode_string(Bytes& out, BytesView s) {
    if (s.size() == 1 && s[0] < 0x80) {
        out.push_back(s[0]);
        return;
    }
    put_header(out, 0x80, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

void encode_uint(Bytes& out, uint64_t v) {
    put_uint_be(out, v);
}

void encode_uint(Bytes& out, const U256& v) {
    Bytes be = v.to_be_trimmed();
    encode_string(out, be);
}

void encode_list_header(Bytes& out, size_t payload_len) {
    put_header(out, 0xc0, payload_len);
}

Bytes encode_list(std::span<const Bytes> encoded_items) {
    size_t total = 0;
    for (const Bytes& b : encoded_items)
        total += b.size();
    Bytes out;
    out.reserve(total + 9);
    encode_list_header(out, total);
    for (const Bytes& b : encoded_items)
        out.insert(out.end(), b.begin(), b.end());
    return out;
}

ListBuilder& ListBuilder::add_string(BytesView s) {
    encode_string(payload_, s);
    return *this;
}
ListBuilder& ListBuilder::add_uint(uint64_t v) {
    encode_uint(payload_, v);
    return *this;
}
ListBuilder& ListBuilder::add_uint(const U256& v) {
    encode_uint(payload_, v);
    return *this;
}
ListBuilder& ListBuilder::add_raw(BytesView encoded_item) {
    payload_.insert(payload_.end(), encoded_item.begin(), encoded_item.end());
    return *this;
}
ListBuilder& ListBuilder::add_list(const ListBuilder& l) {
    encode_list_header(payload_, l.payload_.size());
    payload_.insert(payload_.end(), l.payload_.begin(), l.payload_.end());
    return *this;
}
Bytes ListBuilder::finish() const {
    Bytes out;
    out.reserve(payload_.size() + 9);
    encode_list_header(out, payload_.size());
    out.insert(out.end(), payload_.begin(), payload_.end());
    return out;
}

// ---- decoding ----

Result<Header, DecodeError> decode_header(BytesView in) noexcept {
    if (in.empty()) return unexpected(DecodeError::kTruncated);
    const uint8_t b = in[0];
    Header h;
    if (b < 0x80) {  // a single byte is its own encoding
        h.payload_len = 1;
        return h;
    }
    if (b <= 0xb7) {
        h.header_len = 1;
        h.payload_len = b - 0x80;
        if (in.size() - 1 < h.payload_len) return unexpected(DecodeError::kTruncated);
        if (h.payload_len == 1 && in[1] < 0x80) return unexpected(DecodeError::kSingleByteAsString);
        return h;
    }
    if (b <= 0xbf || (b >= 0xf8)) {
        h.list = b >= 0xf8;
        const size_t len_of_len = b - (h.list ? 0xf7 : 0xb7);
        auto len = read_long_length(in, len_of_len);
        if (!len) return unexpected(len.error());
        h.header_len = 1 + len_of_len;
        h.payload_len = *len;
        if (in.size() - h.header_len < h.payload_len) return unexpected(DecodeError::kTruncated);
        return h;
    }
    h.list = true;
    h.header_len = 1;
    h.payload_len = b - 0xc0;
    if (in.size() - 1 < h.payload_len) return unexpected(DecodeError::kTruncated);
    return h;
}

Result<BytesView, DecodeError> Reader::read_raw() noexcept {
    auto h = decode_header(data_);
    if (!h) return unexpected(h.error());
    BytesView item = data_.first(h->header_len + h->payload_len);
    data_ = data_.subspan(item.size());
    return item;
}

Result<BytesView, DecodeError> Reader::read_string() noexcept {
    auto h = decode_header(data_);
    if (!h) return unexpected(h.error());
    if (h->list) return unexpected(DecodeError::kExpectedString);
    BytesView payload = data_.subspan(h->header_len, h->payload_len);
    data_ = data_.subspan(h->header_len + h->payload_len);
    return payload;
}

Result<Reader, DecodeError> Reader::read_list() noexcept {
    auto h = decode_header(data_);
    if (!h) return unexpected(h.error());
    if (!h->list) return unexpected(DecodeError::kExpectedList);
    Reader r(data_.subspan(h->header_len, h->payload_len));
    data_ = data_.subspan(h->header_len + h->payload_len);
    return r;
}

Result<uint64_t, DecodeError> Reader::read_u64() noexcept {
    auto s = read_string();
    if (!s) return unexpected(s.error());
    // Integers are minimal big-endian: 0 is the empty string (YP eq. 185), so a leading
    // zero byte (including the lone byte 0x00) is not canonical.
    if (!s->empty() && (*s)[0] == 0) return unexpected(DecodeError::kLeadingZeros);
    if (s->size() > 8) return unexpected(DecodeError::kOverflow);
    uint64_t v = 0;
    for (uint8_t c : *s)
        v = (v << 8) | c;
    return v;
}

Result<U256, DecodeError> Reader::read_u256() noexcept {
    auto s = read_string();
    if (!s) return unexpected(s.error());
    if (!s->empty() && (*s)[0] == 0) return unexpected(DecodeError::kLeadingZeros);
    if (s->size() > 32) return unexpected(DecodeError::kOverflow);
    return U256::from_be_bytes(*s);
}

Result<void, DecodeError> Reader::finish() const noexcept {
    if (!data_.empty()) return unexpected(DecodeError::kTrailingBytes);
    return {};
}

Result<Reader, DecodeError> open_list(BytesView in) noexcept {
    Reader outer(in);
    auto r = outer.read_list();
    if (!r) return unexpected(r.error());
    XL_TRY_VOID(outer.finish());
    return r;
}

Result<BytesView, DecodeError> decode_string(BytesView in) noexcept {
    Reader outer(in);
    auto s = outer.read_string();
    if (!s) return unexpected(s.error());
    XL_TRY_VOID(outer.finish());
    return s;
}

Result<Item, DecodeError> decode_item(BytesView in) {
    size_t consumed = 0;
    auto item = decode_item_at(in, 0, consumed);
    if (!item) return item;
    if (consumed != in.size()) return unexpected(DecodeError::kTrailingBytes);
    return item;
}

Bytes encode_item(const Item& item) {
    Bytes out;
    if (!item.is_list) {
        encode_string(out, item.str);
        return out;
    }
    Bytes payload;
    for (const Item& child : item.list) {
        Bytes c = encode_item(child);
        payload.insert(payload.end(), c.begin(), c.end());
    }
    encode_list_header(out, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

}  // namespace xl::rlp
