// SPDX-License-Identifier: Apache-2.0
// The Solidity ABI (abi-spec.html, "Formal Specification of the Encoding"): type parser,
// encoder, strict decoder, selectors, revert data and JSON conversion.
#include "codec/abi.hpp"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "crypto/hash.hpp"

namespace xl::abi {

// ======================================================================= errors

std::string_view to_string(TypeError e) noexcept {
    switch (e) {
        case TypeError::kEmpty:
            return "abi: empty type";
        case TypeError::kUnknownType:
            return "abi: unknown type";
        case TypeError::kBadIntWidth:
            return "abi: integer width must be 8..256 in steps of 8";
        case TypeError::kBadBytesWidth:
            return "abi: bytesN needs N in 1..32";
        case TypeError::kBadArrayLength:
            return "abi: invalid fixed array length";
        case TypeError::kUnclosedBracket:
            return "abi: '[' without ']'";
        case TypeError::kUnclosedParen:
            return "abi: '(' without ')'";
        case TypeError::kEmptyTuple:
            return "abi: empty tuple";
        case TypeError::kTrailingCharacters:
            return "abi: unexpected characters after the type";
        case TypeError::kTooDeep:
            return "abi: type nested too deep";
        case TypeError::kTooManyComponents:
            return "abi: too many tuple components";
        case TypeError::kTooLarge:
            return "abi: type too large";
        case TypeError::kBadFunctionName:
            return "abi: invalid function name";
    }
    return "abi: unknown type error";
}

std::string_view to_string(EncodeError e) noexcept {
    switch (e) {
        case EncodeError::kTypeMismatch:
            return "abi: value does not match the type";
        case EncodeError::kOutOfRange:
            return "abi: integer out of range for the type";
        case EncodeError::kWrongLength:
            return "abi: wrong number of bytes or elements";
        case EncodeError::kWrongCount:
            return "abi: number of values differs from types";
        case EncodeError::kTooLarge:
            return "abi: value too large";
    }
    return "abi: unknown encode error";
}

std::string_view to_string(DecodeError e) noexcept {
    switch (e) {
        case DecodeError::kTruncated:
            return "abi: data out-of-bounds";
        case DecodeError::kBadOffset:
            return "abi: invalid offset";
        case DecodeError::kTrailingBytes:
            return "abi: trailing bytes after the encoding";
        case DecodeError::kOutOfRange:
            return "abi: integer out of range for its type";
        case DecodeError::kBadBool:
            return "abi: bool is neither 0 nor 1";
        case DecodeError::kBadAddress:
            return "abi: address with non-zero high bytes";
        case DecodeError::kBadPadding:
            return "abi: non-zero padding";
        case DecodeError::kTooLarge:
            return "abi: length or decoding work above the limit";
        case DecodeError::kBadSelector:
            return "abi: selector mismatch";
    }
    return "abi: unknown decode error";
}

std::string_view to_string(JsonError e) noexcept {
    switch (e) {
        case JsonError::kSyntax:
            return "abi: invalid JSON";
        case JsonError::kTypeMismatch:
            return "abi: JSON value of the wrong kind for the type";
        case JsonError::kWrongCount:
            return "abi: JSON array with the wrong number of elements";
        case JsonError::kBadNumber:
            return "abi: not an integer";
        case JsonError::kOutOfRange:
            return "abi: integer out of range for the type";
        case JsonError::kBadHex:
            return "abi: expected 0x-prefixed hex";
        case JsonError::kWrongLength:
            return "abi: wrong number of bytes";
        case JsonError::kBadChecksum:
            return "abi: bad address checksum (EIP-55)";
    }
    return "abi: unknown JSON error";
}

// ======================================================================= types

bool Type::is_dynamic() const noexcept {
    switch (kind) {
        case Kind::kBytes:
        case Kind::kString:
        case Kind::kArray:
            return true;
        case Kind::kFixedArray:
            return elems[0].is_dynamic();
        case Kind::kTuple:
            return std::any_of(elems.begin(), elems.end(),
                               [](const Type& t) { return t.is_dynamic(); });
        default:
            return false;
    }
}

size_t Type::head_size() const noexcept {
    if (is_dynamic()) return 32;
    switch (kind) {
        case Kind::kFixedArray:
            return length * elems[0].head_size();
        case Kind::kTuple: {
            size_t n = 0;
            for (const Type& t : elems)
                n += t.head_size();
            return n;
        }
        default:
            return 32;
    }
}

std::string Type::canonical() const {
    switch (kind) {
        case Kind::kUint:
            return "uint" + std::to_string(bits);
        case Kind::kInt:
            return "int" + std::to_string(bits);
        case Kind::kAddress:
            return "address";
        case Kind::kBool:
            return "bool";
        case Kind::kFixedBytes:
            return "bytes" + std::to_string(size);
        case Kind::kBytes:
            return "bytes";
        case Kind::kString:
            return "string";
        case Kind::kFixedArray:
            return elems[0].canonical() + "[" + std::to_string(length) + "]";
        case Kind::kArray:
            return elems[0].canonical() + "[]";
        case Kind::kTuple: {
            std::string s = "(";
            for (size_t i = 0; i < elems.size(); ++i) {
                if (i) s += ',';
                s += elems[i].canonical();
            }
            return s + ")";
        }
    }
    return "?";
}

namespace {

// A decimal without sign or leading zeros, at most max_digits long; nullopt-like -1 if not.
int64_t parse_small_decimal(std::string_view d, size_t max_digits) {
    if (d.empty() || d.size() > max_digits || (d.size() > 1 && d[0] == '0')) return -1;
    int64_t v = 0;
    for (char c : d) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

Result<Type, TypeError> elementary(std::string_view id) {
    Type t;
    if (id.empty()) return unexpected(TypeError::kEmpty);
    if (id == "address") return t.kind = Kind::kAddress, t;
    if (id == "bool") return t.kind = Kind::kBool, t;
    if (id == "string") return t.kind = Kind::kString, t;
    if (id == "bytes") return t.kind = Kind::kBytes, t;
    // uint and int are aliases of uint256 and int256 (abi-spec "Types").
    for (auto [prefix, kind] : {std::pair{std::string_view("uint"), Kind::kUint},
                                std::pair{std::string_view("int"), Kind::kInt}}) {
        if (!id.starts_with(prefix)) continue;
        std::string_view digits = id.substr(prefix.size());
        t.kind = kind;
        if (digits.empty()) return t;  // bits = 256
        int64_t n = parse_small_decimal(digits, 3);
        if (n < 8 || n > 256 || n % 8) {
            // "uintx" is an unknown name; "uint7" a bad width.
            if (std::all_of(digits.begin(), digits.end(),
                            [](char c) { return c >= '0' && c <= '9'; }))
                return unexpected(TypeError::kBadIntWidth);
            return unexpected(TypeError::kUnknownType);
        }
        t.bits = static_cast<uint16_t>(n);
        return t;
    }
    if (id.starts_with("bytes")) {
        std::string_view digits = id.substr(5);
        int64_t n = parse_small_decimal(digits, 2);
        if (n < 1 || n > 32) {
            if (std::all_of(digits.begin(), digits.end(),
                            [](char c) { return c >= '0' && c <= '9'; }))
                return unexpected(TypeError::kBadBytesWidth);
            return unexpected(TypeError::kUnknownType);
        }
        t.kind = Kind::kFixedBytes;
        t.size = static_cast<uint8_t>(n);
        return t;
    }
    return unexpected(TypeError::kUnknownType);
}

bool is_ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$';
}

// A recursive-descent parser; depth counts tuple and array layers, so recursion (through
// tuples only) is bounded by kMaxTypeDepth.
class TypeParser {
public:
    explicit TypeParser(std::string_view s) : s_(s) {}

    Result<Type, TypeError> type(size_t depth) {
        if (depth > kMaxTypeDepth) return unexpected(TypeError::kTooDeep);
        Type t;
        if (peek() == '(' || s_.substr(pos_).starts_with("tuple(")) {
            if (peek() == 't') pos_ += 5;
            auto comps = components(depth, /*allow_empty=*/false);
            if (!comps) return unexpected(comps.error());
            t.kind = Kind::kTuple;
            t.elems = std::move(*comps);
        } else {
            size_t start = pos_;
            while (pos_ < s_.size() && is_ident_char(s_[pos_]))
                ++pos_;
            if (pos_ == start)
                return unexpected(at_end() ? TypeError::kEmpty : TypeError::kUnknownType);
            auto e = elementary(s_.substr(start, pos_ - start));
            if (!e) return unexpected(e.error());
            t = std::move(*e);
        }
        XL_TRY_VOID(check_size(t));
        while (peek() == '[') {
            if (++depth > kMaxTypeDepth) return unexpected(TypeError::kTooDeep);
            size_t close = s_.find(']', pos_);
            if (close == std::string_view::npos) return unexpected(TypeError::kUnclosedBracket);
            std::string_view len = s_.substr(pos_ + 1, close - pos_ - 1);
            pos_ = close + 1;
            Type a;
            a.elems.push_back(std::move(t));
            if (len.empty()) {
                a.kind = Kind::kArray;
            } else {
                // Solidity rejects zero-length fixed arrays; we also need every static type
                // to take at least 32 bytes so that a hostile length is bounded by the data.
                int64_t n = parse_small_decimal(len, 6);
                if (n < 1 || static_cast<size_t>(n) > kMaxFixedArrayLength)
                    return unexpected(TypeError::kBadArrayLength);
                a.kind = Kind::kFixedArray;
                a.length = static_cast<size_t>(n);
            }
            t = std::move(a);
            XL_TRY_VOID(check_size(t));
        }
        return t;
    }

    // "(T1,...,Tn)" at pos_.
    Result<std::vector<Type>, TypeError> components(size_t depth, bool allow_empty) {
        std::vector<Type> out;
        ++pos_;  // '('
        if (peek() == ')') {
            ++pos_;
            if (!allow_empty) return unexpected(TypeError::kEmptyTuple);
            return out;
        }
        for (;;) {
            if (at_end()) return unexpected(TypeError::kUnclosedParen);
            if (peek() == ',' || peek() == ')') return unexpected(TypeError::kEmpty);
            if (out.size() == kMaxComponents) return unexpected(TypeError::kTooManyComponents);
            auto t = type(depth + 1);
            if (!t) return unexpected(t.error());
            out.push_back(std::move(*t));
            if (at_end()) return unexpected(TypeError::kUnclosedParen);
            if (peek() == ')') {
                ++pos_;
                return out;
            }
            if (peek() != ',') return unexpected(TypeError::kTrailingCharacters);
            ++pos_;
        }
    }

    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }
    size_t pos() const { return pos_; }
    void skip(size_t n) { pos_ += n; }

private:
    static Result<void, TypeError> check_size(const Type& t) {
        if (t.is_dynamic()) return {};
        // Components are already bounded, so these products and sums do not overflow.
        if (t.head_size() > kMaxStaticSize) return unexpected(TypeError::kTooLarge);
        return {};
    }

    std::string_view s_;
    size_t pos_ = 0;
};

}  // namespace

Result<Type, TypeError> parse_type(std::string_view s) {
    if (s.empty()) return unexpected(TypeError::kEmpty);
    if (s.size() > kMaxTypeString) return unexpected(TypeError::kTooLarge);
    TypeParser p(s);
    auto t = p.type(0);
    if (!t) return t;
    if (!p.at_end()) return unexpected(TypeError::kTrailingCharacters);
    return t;
}

std::string Function::canonical() const {
    std::string s = name + "(";
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (i) s += ',';
        s += inputs[i].canonical();
    }
    return s + ")";
}

Result<Function, TypeError> parse_signature(std::string_view s) {
    if (s.size() > kMaxTypeString) return unexpected(TypeError::kTooLarge);
    size_t paren = s.find('(');
    if (paren == std::string_view::npos) return unexpected(TypeError::kUnclosedParen);
    std::string_view name = s.substr(0, paren);
    if (name.empty() || (name[0] >= '0' && name[0] <= '9') ||
        !std::all_of(name.begin(), name.end(), is_ident_char))
        return unexpected(TypeError::kBadFunctionName);
    TypeParser p(s);
    p.skip(paren);
    auto inputs = p.components(0, /*allow_empty=*/true);
    if (!inputs) return unexpected(inputs.error());
    if (!p.at_end()) return unexpected(TypeError::kTrailingCharacters);
    return Function{std::string(name), std::move(*inputs)};
}

// ======================================================================= encoding

namespace {

// The members of a tuple, or k copies of an array's element type, without copying types.
// The members of a tuple, or n copies of an array's element type, without copying types. The
// element's layout is computed once, so long arrays cost O(n), not O(n * type size).
struct Seq {
    const Type* same = nullptr;   // arrays
    std::span<const Type> comps;  // tuples
    size_t count = 0;
    bool same_dynamic = false;
    size_t same_head = 0;

    const Type& at(size_t i) const { return same ? *same : comps[i]; }
    bool dynamic(size_t i) const { return same ? same_dynamic : comps[i].is_dynamic(); }
    size_t head(size_t i) const { return same ? same_head : comps[i].head_size(); }
    // Bounded by the callers: count <= kMaxDynamicLength or <= data size / element head.
    size_t head_len() const {
        if (same) return same_head * count;
        size_t n = 0;
        for (const Type& t : comps)
            n += t.head_size();
        return n;
    }
};
Seq seq_of(std::span<const Type> comps) {
    return Seq{nullptr, comps, comps.size()};
}
Seq seq_of(const Type& elem, size_t n) {
    return Seq{&elem, {}, n, elem.is_dynamic(), elem.head_size()};
}

void put_word(Bytes& out, const U256& v) {
    uint8_t w[32];
    v.to_be_bytes(w);
    out.insert(out.end(), w, w + 32);
}

void put_padded(Bytes& out, BytesView b) {
    out.insert(out.end(), b.begin(), b.end());
    out.resize(out.size() + (32 - b.size() % 32) % 32, 0);
}

// Whether the 32-byte word holds a valid intN: the bytes above the low N/8 must all be the
// sign extension of bit N-1 (abi-spec: intN is "two's complement ... sign-extended").
bool valid_int_word(const uint8_t w[32], unsigned bits) {
    const size_t pad = 32 - bits / 8;
    const uint8_t ext = (w[pad] & 0x80) ? 0xff : 0x00;
    for (size_t i = 0; i < pad; ++i)
        if (w[i] != ext) return false;
    return true;
}
bool valid_uint_word(const uint8_t w[32], unsigned bits) {
    for (size_t i = 0; i < 32 - bits / 8; ++i)
        if (w[i] != 0) return false;
    return true;
}

Result<void, EncodeError> encode_value(const Type& t, const Value& v, Bytes& out);

Result<void, EncodeError> encode_seq(const Seq& seq, std::span<const Value> values, Bytes& out) {
    const size_t head_len = seq.head_len();
    Bytes tail;
    const size_t base = out.size();
    out.reserve(base + head_len);
    for (size_t i = 0; i < seq.count; ++i) {
        const Type& t = seq.at(i);
        if (seq.dynamic(i)) {
            // The offset of a dynamic member counts from the start of this tuple's encoding.
            put_word(out, U256(head_len + tail.size()));
            XL_TRY_VOID(encode_value(t, values[i], tail));
        } else {
            XL_TRY_VOID(encode_value(t, values[i], out));
        }
    }
    XL_ASSERT(out.size() - base == head_len);
    out.insert(out.end(), tail.begin(), tail.end());
    return {};
}

Result<void, EncodeError> encode_value(const Type& t, const Value& v, Bytes& out) {
    switch (t.kind) {
        case Kind::kUint:
        case Kind::kInt: {
            const U256* x = std::get_if<U256>(&v.v);
            if (!x) return unexpected(EncodeError::kTypeMismatch);
            uint8_t w[32];
            x->to_be_bytes(w);
            const bool ok =
                t.kind == Kind::kUint ? valid_uint_word(w, t.bits) : valid_int_word(w, t.bits);
            if (!ok) return unexpected(EncodeError::kOutOfRange);
            out.insert(out.end(), w, w + 32);
            return {};
        }
        case Kind::kAddress: {
            const Address* a = std::get_if<Address>(&v.v);
            if (!a) return unexpected(EncodeError::kTypeMismatch);
            out.resize(out.size() + 12, 0);
            out.insert(out.end(), a->begin(), a->end());
            return {};
        }
        case Kind::kBool: {
            const bool* b = std::get_if<bool>(&v.v);
            if (!b) return unexpected(EncodeError::kTypeMismatch);
            put_word(out, U256(*b ? 1 : 0));
            return {};
        }
        case Kind::kFixedBytes: {
            const Bytes* b = std::get_if<Bytes>(&v.v);
            if (!b) return unexpected(EncodeError::kTypeMismatch);
            if (b->size() != t.size) return unexpected(EncodeError::kWrongLength);
            put_padded(out, *b);
            return {};
        }
        case Kind::kBytes:
        case Kind::kString: {
            BytesView data;
            if (t.kind == Kind::kBytes) {
                const Bytes* b = std::get_if<Bytes>(&v.v);
                if (!b) return unexpected(EncodeError::kTypeMismatch);
                data = *b;
            } else {
                const std::string* s = std::get_if<std::string>(&v.v);
                if (!s) return unexpected(EncodeError::kTypeMismatch);
                data = as_bytes(*s);
            }
            if (data.size() > kMaxDynamicLength) return unexpected(EncodeError::kTooLarge);
            put_word(out, U256(data.size()));
            put_padded(out, data);
            return {};
        }
        case Kind::kFixedArray:
        case Kind::kArray:
        case Kind::kTuple: {
            const Value::List* l = std::get_if<Value::List>(&v.v);
            if (!l) return unexpected(EncodeError::kTypeMismatch);
            if (t.kind == Kind::kFixedArray && l->size() != t.length)
                return unexpected(EncodeError::kWrongLength);
            if (t.kind == Kind::kTuple && l->size() != t.elems.size())
                return unexpected(EncodeError::kWrongLength);
            if (t.kind == Kind::kArray) {
                if (l->size() > kMaxDynamicLength) return unexpected(EncodeError::kTooLarge);
                put_word(out, U256(l->size()));
            }
            Seq seq = t.kind == Kind::kTuple ? seq_of(t.elems) : seq_of(t.elems[0], l->size());
            return encode_seq(seq, *l, out);
        }
    }
    return unexpected(EncodeError::kTypeMismatch);
}

}  // namespace

Result<Bytes, EncodeError> encode(std::span<const Type> types, std::span<const Value> values) {
    if (types.size() != values.size()) return unexpected(EncodeError::kWrongCount);
    Bytes out;
    XL_TRY_VOID(encode_seq(seq_of(types), values, out));
    return out;
}

FixedBytes<4> selector(const Function& f) {
    Hash256 h = crypto::keccak256(as_bytes(f.canonical()));
    return FixedBytes<4>::from(h.view().first(4));
}

Result<Bytes, EncodeError> encode_call(const Function& f, std::span<const Value> values) {
    auto args = encode(f.inputs, values);
    if (!args) return args;
    FixedBytes<4> sel = selector(f);
    Bytes out(sel.begin(), sel.end());
    out.insert(out.end(), args->begin(), args->end());
    return out;
}

// ======================================================================= decoding

namespace {

class Decoder {
public:
    Decoder(DecodeMode mode, size_t data_size)
        : strict_(mode == DecodeMode::kStrict),
          budget_(kDecodeWorkPerWord * (data_size / 32) + kDecodeWorkPerWord) {}

    // Decodes the members of `seq` laid out in `frame` (heads from 0, offsets relative to 0);
    // *end is where the canonical encoding ends (meaningful in strict mode).
    Result<void, DecodeError> seq(const Seq& seq, BytesView frame, Value::List& out, size_t* end) {
        const size_t head_len = seq.head_len();
        if (head_len > frame.size()) return unexpected(DecodeError::kTruncated);
        out.reserve(seq.count);
        size_t head = 0, cursor = head_len;
        for (size_t i = 0; i < seq.count; ++i) {
            const Type& t = seq.at(i);
            size_t e = 0;
            out.emplace_back();
            if (seq.dynamic(i)) {
                auto off = read_size(frame, head);
                if (!off) return unexpected(off.error());
                // A dynamic encoding takes at least its 32-byte length or head word.
                if (*off >= frame.size() || frame.size() - *off < 32)
                    return unexpected(DecodeError::kBadOffset);
                if (strict_ && *off != cursor) return unexpected(DecodeError::kBadOffset);
                XL_TRY_VOID(value(t, frame, *off, out.back(), &e));
                cursor = e;
                head += 32;
            } else {
                XL_TRY_VOID(value(t, frame, head, out.back(), &e));
                head += seq.head(i);
            }
        }
        *end = cursor;
        return {};
    }

private:
    // The 32-byte word at frame[at..at+32].
    static Result<const uint8_t*, DecodeError> word(BytesView frame, size_t at) {
        if (at > frame.size() || frame.size() - at < 32) return unexpected(DecodeError::kTruncated);
        return frame.data() + at;
    }
    // An offset or length word; anything beyond the frame cannot be valid.
    static Result<size_t, DecodeError> read_size(BytesView frame, size_t at) {
        auto w = word(frame, at);
        if (!w) return unexpected(w.error());
        U256 v = U256::from_be_bytes(BytesView(*w, 32));
        if (!v.fits_u64() || v.low64() > frame.size()) return unexpected(DecodeError::kBadOffset);
        return static_cast<size_t>(v.low64());
    }
    Result<void, DecodeError> spend(size_t units) {
        // Charged for leaves, length words and payload words only: containers always hold one
        // of those, and their nesting is bounded by kMaxTypeDepth.
        if (units > budget_) return unexpected(DecodeError::kTooLarge);
        budget_ -= units;
        return {};
    }

    Result<void, DecodeError> value(const Type& t, BytesView frame, size_t at, Value& out,
                                    size_t* end) {
        switch (t.kind) {
            case Kind::kUint:
            case Kind::kInt:
            case Kind::kAddress:
            case Kind::kBool:
            case Kind::kFixedBytes: {
                auto w = word(frame, at);
                if (!w) return unexpected(w.error());
                XL_TRY_VOID(spend(1));
                *end = at + 32;
                return leaf(t, *w, out);
            }
            case Kind::kBytes:
            case Kind::kString: {
                auto w = word(frame, at);
                if (!w) return unexpected(w.error());
                U256 lw = U256::from_be_bytes(BytesView(*w, 32));
                const size_t avail = frame.size() - at - 32;
                if (!lw.fits_u64() || lw.low64() > avail)
                    return unexpected(DecodeError::kTruncated);
                const size_t len = static_cast<size_t>(lw.low64());
                if (len > kMaxDynamicLength) return unexpected(DecodeError::kTooLarge);
                // The payload is padded to a multiple of 32 bytes; ethers and Solidity require
                // the padded length to be present.
                const size_t padded = (len + 31) / 32 * 32;
                if (padded > avail) return unexpected(DecodeError::kTruncated);
                XL_TRY_VOID(spend(1 + padded / 32));
                BytesView payload = frame.subspan(at + 32, len);
                if (strict_) {
                    for (size_t i = len; i < padded; ++i)
                        if (frame[at + 32 + i] != 0) return unexpected(DecodeError::kBadPadding);
                }
                if (t.kind == Kind::kBytes)
                    out.v = Bytes(payload.begin(), payload.end());
                else
                    out.v = std::string(payload.begin(), payload.end());
                *end = at + 32 + padded;
                return {};
            }
            case Kind::kFixedArray:
            case Kind::kTuple: {
                if (at > frame.size()) return unexpected(DecodeError::kTruncated);
                Seq s = t.kind == Kind::kTuple ? seq_of(t.elems) : seq_of(t.elems[0], t.length);
                Value::List l;
                size_t e = 0;
                XL_TRY_VOID(seq(s, frame.subspan(at), l, &e));
                out.v = std::move(l);
                *end = at + (t.is_dynamic() ? e : t.head_size());
                return {};
            }
            case Kind::kArray: {
                auto w = word(frame, at);
                if (!w) return unexpected(w.error());
                U256 lw = U256::from_be_bytes(BytesView(*w, 32));
                // Every element takes at least 32 bytes of head (parse_type forbids empty
                // tuples and zero-length arrays), so the data bounds the length.
                const size_t avail = frame.size() - at - 32;
                const size_t elem_head = t.elems[0].head_size();
                if (!lw.fits_u64() || lw.low64() > avail / elem_head)
                    return unexpected(DecodeError::kTruncated);
                const size_t n = static_cast<size_t>(lw.low64());
                if (n > kMaxDynamicLength) return unexpected(DecodeError::kTooLarge);
                XL_TRY_VOID(spend(1));
                Value::List l;
                size_t e = 0;
                XL_TRY_VOID(seq(seq_of(t.elems[0], n), frame.subspan(at + 32), l, &e));
                out.v = std::move(l);
                *end = at + 32 + e;
                return {};
            }
        }
        return unexpected(DecodeError::kTruncated);
    }

    static Result<void, DecodeError> leaf(const Type& t, const uint8_t* w, Value& out) {
        switch (t.kind) {
            case Kind::kUint:
                if (!valid_uint_word(w, t.bits)) return unexpected(DecodeError::kOutOfRange);
                out.v = U256::from_be_bytes(BytesView(w, 32));
                return {};
            case Kind::kInt:
                if (!valid_int_word(w, t.bits)) return unexpected(DecodeError::kOutOfRange);
                out.v = U256::from_be_bytes(BytesView(w, 32));
                return {};
            case Kind::kAddress:
                if (!valid_uint_word(w, 160)) return unexpected(DecodeError::kBadAddress);
                out.v = Address::from(BytesView(w + 12, 20));
                return {};
            case Kind::kBool:
                if (!valid_uint_word(w, 8) || w[31] > 1) return unexpected(DecodeError::kBadBool);
                out.v = w[31] == 1;
                return {};
            case Kind::kFixedBytes:
                for (size_t i = t.size; i < 32; ++i)
                    if (w[i] != 0) return unexpected(DecodeError::kBadPadding);
                out.v = Bytes(w, w + t.size);
                return {};
            default:
                XL_ASSERT(false);
        }
        return {};
    }

    bool strict_;
    size_t budget_;
};

}  // namespace

Result<std::vector<Value>, DecodeError> decode(std::span<const Type> types, BytesView data,
                                               DecodeMode mode) {
    Decoder d(mode, data.size());
    Value::List out;
    size_t end = 0;
    XL_TRY_VOID(d.seq(seq_of(types), data, out, &end));
    if (mode == DecodeMode::kStrict && end != data.size())
        return unexpected(DecodeError::kTrailingBytes);
    return out;
}

Result<std::vector<Value>, DecodeError> decode_call(const Function& f, BytesView data,
                                                    DecodeMode mode) {
    FixedBytes<4> sel = selector(f);
    if (data.size() < 4 || !std::equal(sel.begin(), sel.end(), data.begin()))
        return unexpected(DecodeError::kBadSelector);
    return decode(f.inputs, data.subspan(4), mode);
}

Result<Revert, DecodeError> decode_revert(BytesView data) {
    Revert r;
    if (data.empty()) return r;
    auto has_selector = [&](const uint8_t(&sel)[4]) {
        return data.size() >= 4 && std::memcmp(data.data(), sel, 4) == 0;
    };
    // Revert data comes from arbitrary contracts: decode leniently, as Solidity would.
    if (has_selector(kErrorSelector)) {
        Type s;
        s.kind = Kind::kString;
        auto v = decode(std::span<const Type>(&s, 1), data.subspan(4), DecodeMode::kLenient);
        if (!v) return unexpected(v.error());
        r.kind = Revert::Kind::kError;
        r.message = std::get<std::string>((*v)[0].v);
        return r;
    }
    if (has_selector(kPanicSelector)) {
        Type u;
        auto v = decode(std::span<const Type>(&u, 1), data.subspan(4), DecodeMode::kLenient);
        if (!v) return unexpected(v.error());
        r.kind = Revert::Kind::kPanic;
        r.code = std::get<U256>((*v)[0].v);
        return r;
    }
    r.kind = Revert::Kind::kCustom;
    r.data.assign(data.begin(), data.end());
    return r;
}

std::string_view panic_reason(const U256& code) noexcept {
    // Solidity docs, "Panic via assert and Error via require".
    if (!code.fits_u64()) return "unknown panic code";
    switch (code.low64()) {
        case 0x00:
            return "generic compiler inserted panic";
        case 0x01:
            return "assertion failed";
        case 0x11:
            return "arithmetic underflow or overflow";
        case 0x12:
            return "division or modulo by zero";
        case 0x21:
            return "conversion to an invalid enum value";
        case 0x22:
            return "incorrectly encoded storage byte array";
        case 0x31:
            return "pop() on an empty array";
        case 0x32:
            return "array index out of bounds";
        case 0x41:
            return "out of memory";
        case 0x51:
            return "call to a zero-initialized internal function";
        default:
            return "unknown panic code";
    }
}

// ======================================================================= JSON

std::string checksum_address(const Address& a) {
    // EIP-55: upper-case the i-th hex letter iff the i-th nibble of keccak(lower hex) >= 8.
    std::string hex = to_hex(a.view(), false);
    Hash256 h = crypto::keccak256(as_bytes(hex));
    for (size_t i = 0; i < hex.size(); ++i) {
        const uint8_t nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
        if (hex[i] >= 'a' && hex[i] <= 'f' && nibble >= 8) hex[i] = static_cast<char>(hex[i] - 32);
    }
    return "0x" + hex;
}

namespace {

using nlohmann::json;

std::string index_path(const std::string& path, size_t i) {
    std::string p = path;
    p.append(1, '[').append(std::to_string(i)).append(1, ']');
    return p;
}

class JsonReader {
public:
    explicit JsonReader(std::string* where) : where_(where) {}

    Result<Value, JsonError> value(const Type& t, const json& j, const std::string& path) {
        auto fail = [&](JsonError e) -> Result<Value, JsonError> {
            if (where_) *where_ = path.empty() ? "(top)" : path;
            return unexpected(e);
        };
        switch (t.kind) {
            case Kind::kUint:
            case Kind::kInt: {
                auto r = integer(t, j);
                if (!r) return fail(r.error());
                return Value(*r);
            }
            case Kind::kAddress: {
                if (!j.is_string()) return fail(JsonError::kTypeMismatch);
                const std::string& s = j.get_ref<const std::string&>();
                if (!s.starts_with("0x") && !s.starts_with("0X")) return fail(JsonError::kBadHex);
                auto a = fixed_from_hex<20>(s);
                if (!a) {
                    return fail(a.error() == HexError::kWrongLength ? JsonError::kWrongLength
                                                                    : JsonError::kBadHex);
                }
                std::string_view digits = std::string_view(s).substr(2);
                const bool upper = std::any_of(digits.begin(), digits.end(),
                                               [](char c) { return c >= 'A' && c <= 'F'; });
                const bool lower = std::any_of(digits.begin(), digits.end(),
                                               [](char c) { return c >= 'a' && c <= 'f'; });
                if (upper && lower && checksum_address(*a).substr(2) != digits)
                    return fail(JsonError::kBadChecksum);
                return Value(*a);
            }
            case Kind::kBool:
                if (!j.is_boolean()) return fail(JsonError::kTypeMismatch);
                return Value(j.get<bool>());
            case Kind::kFixedBytes:
            case Kind::kBytes: {
                if (!j.is_string()) return fail(JsonError::kTypeMismatch);
                const std::string& s = j.get_ref<const std::string&>();
                if (!s.starts_with("0x") && !s.starts_with("0X")) return fail(JsonError::kBadHex);
                auto b = from_hex(s);
                if (!b) return fail(JsonError::kBadHex);
                if (t.kind == Kind::kFixedBytes && b->size() != t.size)
                    return fail(JsonError::kWrongLength);
                return Value(std::move(*b));
            }
            case Kind::kString:
                if (!j.is_string()) return fail(JsonError::kTypeMismatch);
                return Value(j.get<std::string>());
            case Kind::kFixedArray:
            case Kind::kArray:
            case Kind::kTuple: {
                if (!j.is_array()) return fail(JsonError::kTypeMismatch);
                const size_t want = t.kind == Kind::kTuple        ? t.elems.size()
                                    : t.kind == Kind::kFixedArray ? t.length
                                                                  : j.size();
                if (j.size() != want) return fail(JsonError::kWrongCount);
                if (j.size() > kMaxDynamicLength) return fail(JsonError::kWrongCount);
                Value::List l;
                l.reserve(j.size());
                for (size_t i = 0; i < j.size(); ++i) {
                    const Type& et = t.kind == Kind::kTuple ? t.elems[i] : t.elems[0];
                    auto v = value(et, j[i], index_path(path, i));
                    if (!v) return unexpected(v.error());
                    l.push_back(std::move(*v));
                }
                return Value(std::move(l));
            }
        }
        return fail(JsonError::kTypeMismatch);
    }

private:
    // A JSON integer, or a string: optional '-', then decimal or 0x-hex digits.
    static Result<U256, JsonError> integer(const Type& t, const json& j) {
        bool negative = false;
        U256 mag;
        if (j.is_number_unsigned()) {
            mag = U256(j.get<uint64_t>());
        } else if (j.is_number_integer()) {
            const int64_t x = j.get<int64_t>();
            negative = x < 0;
            mag = negative ? U256(static_cast<uint64_t>(-(x + 1)) + 1) : U256(uint64_t(x));
        } else if (j.is_string()) {
            std::string_view s = j.get_ref<const std::string&>();
            if (s.starts_with('-')) {
                negative = true;
                s.remove_prefix(1);
            }
            auto m = U256::from_string(s);
            if (!m) {
                return unexpected(m.error() == ParseError::kOverflow ? JsonError::kOutOfRange
                                                                     : JsonError::kBadNumber);
            }
            mag = *m;
        } else {
            return unexpected(JsonError::kTypeMismatch);
        }
        if (mag.is_zero()) return U256();
        if (t.kind == Kind::kUint) {
            if (negative || mag.bit_length() > t.bits) return unexpected(JsonError::kOutOfRange);
            return mag;
        }
        // intN: -2^(N-1) <= v < 2^(N-1).
        const U256 limit = U256(1) << (t.bits - 1);
        if (negative ? mag > limit : mag >= limit) return unexpected(JsonError::kOutOfRange);
        return negative ? -mag : mag;
    }

    std::string* where_;
};

json to_json(const Type& t, const Value& v) {
    switch (t.kind) {
        case Kind::kUint:
            return std::get<U256>(v.v).to_dec();
        case Kind::kInt: {
            const U256& x = std::get<U256>(v.v);
            if (!x.bit(255)) return x.to_dec();
            std::string neg(1, '-');  // (append, not operator+: g++ 12 -Wrestrict false positive)
            neg.append((-x).to_dec());
            return neg;
        }
        case Kind::kAddress:
            return checksum_address(std::get<Address>(v.v));
        case Kind::kBool:
            return std::get<bool>(v.v);
        case Kind::kFixedBytes:
        case Kind::kBytes:
            return to_hex(std::get<Bytes>(v.v));
        case Kind::kString:
            return std::get<std::string>(v.v);
        case Kind::kFixedArray:
        case Kind::kArray:
        case Kind::kTuple: {
            const auto& l = std::get<Value::List>(v.v);
            json a = json::array();
            for (size_t i = 0; i < l.size(); ++i)
                a.push_back(to_json(t.kind == Kind::kTuple ? t.elems[i] : t.elems[0], l[i]));
            return a;
        }
    }
    return nullptr;
}

}  // namespace

Result<std::vector<Value>, JsonError> values_from_json(std::span<const Type> types,
                                                       std::string_view text, std::string* where) {
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return unexpected(JsonError::kSyntax);
    if (!j.is_array()) return unexpected(JsonError::kTypeMismatch);
    if (j.size() != types.size()) return unexpected(JsonError::kWrongCount);
    JsonReader r(where);
    std::vector<Value> out;
    out.reserve(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
        auto v = r.value(types[i], j[i], index_path({}, i));
        if (!v) return unexpected(v.error());
        out.push_back(std::move(*v));
    }
    return out;
}

std::string values_to_json(std::span<const Type> types, std::span<const Value> values) {
    XL_ASSERT(types.size() == values.size());
    json a = json::array();
    for (size_t i = 0; i < types.size(); ++i)
        a.push_back(to_json(types[i], values[i]));
    return a.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace xl::abi
