// SPDX-License-Identifier: Apache-2.0
// Xinlian codec: the Solidity contract ABI (https://docs.soliditylang.org/en/latest/abi-spec.html,
// "Formal Specification of the Encoding", ABI coder v2): a type model parsed from Solidity
// type strings, a value model, encoding, strict decoding, function selectors, revert data
// (Error(string), Panic(uint256)) and JSON in the form ethers v6 prints.
//
// Decoding validates everything ABI coder v2 validates (ints fit their N bits with correct sign
// extension, bools are 0/1, addresses and bytesN are zero-padded) and bounds all work by the
// input: lengths cannot exceed the data, and in the default strict mode every offset must be the
// canonical one and no byte may be left over, so an accepted input is exactly encode(decode(x)).
// Pure functions and value types; thread-safe.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"

namespace xl::abi {

// ---- limits (STYLE.md 8) ----

inline constexpr size_t kMaxTypeString = 4096;  // characters in one type or signature
inline constexpr size_t kMaxTypeDepth = 16;     // nesting of tuples and arrays
inline constexpr size_t kMaxComponents = 256;   // members of one tuple / parameters
inline constexpr size_t kMaxFixedArrayLength = 65536;
inline constexpr size_t kMaxStaticSize = 1 << 20;     // bytes of the encoding of a static type
inline constexpr size_t kMaxDynamicLength = 1 << 24;  // elements of T[] or bytes of bytes/string
// Decoding work (leaf values, length words and payload words produced) is bounded by this many
// units per 32-byte word of input. A canonical encoding needs at most one (each unit is a
// distinct word); only lenient decoding, where offsets may share data, can exceed it.
inline constexpr size_t kDecodeWorkPerWord = 2;
static_assert(kMaxStaticSize % 32 == 0);

// ---- types ----

enum class Kind : uint8_t {
    kUint,     // uintN, N = bits
    kInt,      // intN, N = bits, two's complement
    kAddress,  // 20 bytes
    kBool,
    kFixedBytes,  // bytesN, N = size (1..32)
    kBytes,       // dynamic bytes
    kString,      // dynamic UTF-8 string
    kFixedArray,  // T[k]: elems[0] = T, length = k
    kArray,       // T[]: elems[0] = T
    kTuple,       // (T1,...,Tn): elems
};

// A parsed ABI type. A value type; build it with parse_type.
struct Type {
    Kind kind = Kind::kUint;
    uint16_t bits = 256;  // kUint / kInt
    uint8_t size = 0;     // kFixedBytes
    size_t length = 0;    // kFixedArray
    std::vector<Type> elems;

    // Dynamic types (bytes, string, T[], and anything containing one) are encoded in the tail.
    bool is_dynamic() const noexcept;
    // Bytes the type takes in the head of its enclosing tuple: 32 if dynamic, else its size.
    size_t head_size() const noexcept;
    // The canonical form used in signatures ("uint256", "(address,bytes)[]").
    std::string canonical() const;
    friend bool operator==(const Type&, const Type&) = default;
};

enum class TypeError {
    kEmpty,               // empty string or empty tuple member
    kUnknownType,         // not a Solidity elementary type
    kBadIntWidth,         // uintN/intN with N not in 8..256 step 8
    kBadBytesWidth,       // bytesN with N not in 1..32
    kBadArrayLength,      // T[k] with k = 0, non-decimal, leading zeros, or too large
    kUnclosedBracket,     // '[' without ']'
    kUnclosedParen,       // '(' without ')'
    kEmptyTuple,          // "()" as a type (Solidity has no empty structs)
    kTrailingCharacters,  // characters after a complete type
    kTooDeep,             // nesting beyond kMaxTypeDepth
    kTooManyComponents,   // a tuple with more than kMaxComponents members
    kTooLarge,            // static encoding above kMaxStaticSize, or string above the limit
    kBadFunctionName,     // a signature whose name is not an identifier
};
std::string_view to_string(TypeError e) noexcept;

// Parses one type: "uint256", "int8", "address", "bool", "bytes32", "bytes", "string",
// "(uint256,bytes)[2][]", "tuple(bool)". Aliases uint/int become uint256/int256.
// No whitespace is accepted.
Result<Type, TypeError> parse_type(std::string_view s);

// A function signature "name(T1,T2,...)".
struct Function {
    std::string name;
    std::vector<Type> inputs;
    // "transfer(address,uint256)"
    std::string canonical() const;
};
Result<Function, TypeError> parse_signature(std::string_view s);

// ---- values ----

// A decoded or to-be-encoded value. Integers (uintN and intN) are U256; an intN is held as its
// 256-bit two's complement (sign-extended). bytesN and bytes are Bytes; arrays and tuples are
// lists. A value type.
struct Value {
    using List = std::vector<Value>;
    std::variant<U256, Address, bool, Bytes, std::string, List> v;

    Value() = default;
    Value(U256 x) : v(x) {}     // NOLINT(google-explicit-constructor): literal-like
    Value(Address a) : v(a) {}  // NOLINT
    // Only a real bool: an int or a pointer must not silently become one.
    template <typename B>
    requires std::same_as<B, bool> Value(B b) : v(b) {}  // NOLINT
    Value(Bytes b) : v(std::move(b)) {}                  // NOLINT
    Value(std::string s) : v(std::move(s)) {}            // NOLINT
    Value(const char* s) : v(std::string(s)) {}          // NOLINT
    Value(List l) : v(std::move(l)) {}                   // NOLINT
    // A signed integer, as its 256-bit two's complement.
    static Value from_int(int64_t x) {
        return Value(x < 0 ? -U256(static_cast<uint64_t>(-(x + 1)) + 1) : U256(uint64_t(x)));
    }

    friend bool operator==(const Value&, const Value&) = default;
};

// ---- encoding ----

enum class EncodeError {
    kTypeMismatch,  // the value's alternative does not fit the type
    kOutOfRange,    // an integer that does not fit uintN / intN
    kWrongLength,   // bytesN of another size, or T[k] / tuple with another number of values
    kWrongCount,    // number of values differs from the number of types
    kTooLarge,      // a dynamic length above kMaxDynamicLength
};
std::string_view to_string(EncodeError e) noexcept;

// abi.encode(values...) for the given parameter types.
Result<Bytes, EncodeError> encode(std::span<const Type> types, std::span<const Value> values);
// selector || abi.encode(args...), for a signature such as "transfer(address,uint256)".
// The signature must be well formed (a TypeError is reported as EncodeError::kTypeMismatch);
// use parse_signature first for a precise message.
Result<Bytes, EncodeError> encode_call(const Function& f, std::span<const Value> values);

// The first four bytes of keccak256 of the canonical signature.
FixedBytes<4> selector(const Function& f);

// ---- decoding ----

enum class DecodeError {
    kTruncated,      // a head, length or payload extends past the data
    kBadOffset,      // an offset outside the data, or (strict) not the canonical one
    kTrailingBytes,  // (strict) bytes after the encoding
    kOutOfRange,     // an integer not fitting its N bits, or a bad intN sign extension
    kBadBool,        // a bool other than 0 or 1
    kBadAddress,     // an address whose 12 high bytes are not zero
    kBadPadding,     // bytesN, bytes or string with non-zero padding
    kTooLarge,       // a length above kMaxDynamicLength, or work above kDecodeWorkPerWord
    kBadSelector,    // call or revert data with another selector (or shorter than 4 bytes)
};
std::string_view to_string(DecodeError e) noexcept;

enum class DecodeMode {
    kStrict,   // canonical offsets only, no trailing bytes: decode is the inverse of encode
    kLenient,  // any in-range offsets and trailing bytes, as Solidity and ethers accept
};

Result<std::vector<Value>, DecodeError> decode(std::span<const Type> types, BytesView data,
                                               DecodeMode mode = DecodeMode::kStrict);
// Checks the selector, then decodes the arguments.
Result<std::vector<Value>, DecodeError> decode_call(const Function& f, BytesView data,
                                                    DecodeMode mode = DecodeMode::kStrict);

// Revert data of a failed call: Error(string) from require/revert, Panic(uint256) from
// assert and checked arithmetic (Solidity >= 0.8), anything else (custom errors) kept raw.
struct Revert {
    enum class Kind { kEmpty, kError, kPanic, kCustom } kind = Kind::kEmpty;
    std::string message;  // kError
    U256 code;            // kPanic
    Bytes data;           // kCustom: the raw data, selector included
};
Result<Revert, DecodeError> decode_revert(BytesView data);
// Solidity's description of a Panic code ("arithmetic underflow or overflow" for 0x11).
std::string_view panic_reason(const U256& code) noexcept;

inline constexpr uint8_t kErrorSelector[4] = {0x08, 0xc3, 0x79, 0xa0};  // Error(string)
inline constexpr uint8_t kPanicSelector[4] = {0x4e, 0x48, 0x7b, 0x71};  // Panic(uint256)

// ---- JSON, as ethers v6 prints values ----
// Integers are decimal strings ("-5"; on input also JSON integers and "0x" hex), addresses and
// bytes 0x-hex (addresses EIP-55 checksummed on output, as ethers' getAddress; on input any
// case, but mixed case must be a valid checksum), bools, strings, and JSON arrays for arrays
// and tuples.

enum class JsonError {
    kSyntax,        // not JSON
    kTypeMismatch,  // a JSON value of the wrong kind for the type
    kWrongCount,    // an array with the wrong number of elements
    kBadNumber,     // not an integer
    kOutOfRange,    // an integer that does not fit the type
    kBadHex,        // bytes or address that is not 0x-hex
    kWrongLength,   // bytesN / address of another size
    kBadChecksum,   // mixed-case address with a wrong EIP-55 checksum
};
std::string_view to_string(JsonError e) noexcept;

// Parses `json` (a JSON array with one element per type). On error, *where (if given) is set
// to the path of the offending element, e.g. "[1][0][2]".
Result<std::vector<Value>, JsonError> values_from_json(std::span<const Type> types,
                                                       std::string_view json,
                                                       std::string* where = nullptr);
// A compact JSON array. Invalid UTF-8 in strings is replaced by U+FFFD. Precondition: the
// values match the types (as decode returns them); a mismatch is our bug.
std::string values_to_json(std::span<const Type> types, std::span<const Value> values);

// EIP-55 mixed-case checksum encoding of an address ("0x5aAeb6...").
std::string checksum_address(const Address& a);

}  // namespace xl::abi
