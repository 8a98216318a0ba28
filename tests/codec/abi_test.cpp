// SPDX-License-Identifier: Apache-2.0
// Unit tests of the Solidity ABI: the examples of the Solidity documentation (abi-spec.html,
// "Examples" and "Use of Dynamic Types"), every TypeError / EncodeError / DecodeError /
// JsonError, revert data, EIP-55, and seeded random round trips.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "codec/abi.hpp"
#include "common/seed.hpp"

// g++ 12 reports false -Wrestrict errors on std::string operator+ (GCC bug 105651).
#pragma GCC diagnostic ignored "-Wrestrict"

using namespace xl;
using namespace xl::abi;

namespace {

std::vector<Type> types_of(std::initializer_list<std::string_view> names) {
    std::vector<Type> out;
    for (auto n : names) {
        auto t = parse_type(n);
        EXPECT_TRUE(t) << n;
        if (t) out.push_back(*t);
    }
    return out;
}

Bytes words(std::initializer_list<std::string_view> ws) {
    std::string hex;
    for (auto w : ws) {
        EXPECT_EQ(w.size(), 64u) << w;
        hex += w;
    }
    return hex_literal(hex);
}

Value u(uint64_t x) {
    return Value(U256(x));
}
Value list(Value::List l) {
    return Value(std::move(l));
}
Value bytes(std::string_view s) {
    return Value(to_bytes(s));
}

// Encodes, checks the expected bytes, decodes strictly and checks the values come back.
void check_roundtrip(std::string_view sig, const std::vector<Value>& values,
                     std::string_view selector_hex, const Bytes& expected_args) {
    auto f = parse_signature(sig);
    ASSERT_TRUE(f) << sig;
    EXPECT_EQ(to_hex(selector(*f).view()), selector_hex);
    auto enc = encode(f->inputs, values);
    ASSERT_TRUE(enc) << to_string(enc.error());
    EXPECT_EQ(to_hex(*enc), to_hex(expected_args));
    auto call = encode_call(*f, values);
    ASSERT_TRUE(call);
    EXPECT_EQ(to_hex(*call), std::string(selector_hex) + to_hex(expected_args, false));
    auto dec = decode_call(*f, *call);
    ASSERT_TRUE(dec) << to_string(dec.error());
    EXPECT_TRUE(*dec == values);
}

const std::string_view kZero = "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace

TEST(Abi, SolidityDocsExamples) {
    check_roundtrip("baz(uint32,bool)", {u(69), Value(true)}, "0xcdcd77c0",
                    words({"0000000000000000000000000000000000000000000000000000000000000045",
                           "0000000000000000000000000000000000000000000000000000000000000001"}));
    check_roundtrip("bar(bytes3[2])", {list({bytes("abc"), bytes("def")})}, "0xfce353f6",
                    words({"6162630000000000000000000000000000000000000000000000000000000000",
                           "6465660000000000000000000000000000000000000000000000000000000000"}));
    check_roundtrip("sam(bytes,bool,uint256[])",
                    {bytes("dave"), Value(true), list({u(1), u(2), u(3)})}, "0xa5643bf2",
                    words({"0000000000000000000000000000000000000000000000000000000000000060",
                           "0000000000000000000000000000000000000000000000000000000000000001",
                           "00000000000000000000000000000000000000000000000000000000000000a0",
                           "0000000000000000000000000000000000000000000000000000000000000004",
                           "6461766500000000000000000000000000000000000000000000000000000000",
                           "0000000000000000000000000000000000000000000000000000000000000003",
                           "0000000000000000000000000000000000000000000000000000000000000001",
                           "0000000000000000000000000000000000000000000000000000000000000002",
                           "0000000000000000000000000000000000000000000000000000000000000003"}));
    check_roundtrip(
        "f(uint256,uint32[],bytes10,bytes)",
        {u(0x123), list({u(0x456), u(0x789)}), bytes("1234567890"), bytes("Hello, world!")},
        "0x8be65246",
        words({"0000000000000000000000000000000000000000000000000000000000000123",
               "0000000000000000000000000000000000000000000000000000000000000080",
               "3132333435363738393000000000000000000000000000000000000000000000",
               "00000000000000000000000000000000000000000000000000000000000000e0",
               "0000000000000000000000000000000000000000000000000000000000000002",
               "0000000000000000000000000000000000000000000000000000000000000456",
               "0000000000000000000000000000000000000000000000000000000000000789",
               "000000000000000000000000000000000000000000000000000000000000000d",
               "48656c6c6f2c20776f726c642100000000000000000000000000000000000000"}));
    check_roundtrip("g(uint256[][],string[])",
                    {list({list({u(1), u(2)}), list({u(3)})}),
                     list({Value("one"), Value("two"), Value("three")})},
                    "0x2289b18c",
                    words({"0000000000000000000000000000000000000000000000000000000000000040",
                           "0000000000000000000000000000000000000000000000000000000000000140",
                           "0000000000000000000000000000000000000000000000000000000000000002",
                           "0000000000000000000000000000000000000000000000000000000000000040",
                           "00000000000000000000000000000000000000000000000000000000000000a0",
                           "0000000000000000000000000000000000000000000000000000000000000002",
                           "0000000000000000000000000000000000000000000000000000000000000001",
                           "0000000000000000000000000000000000000000000000000000000000000002",
                           "0000000000000000000000000000000000000000000000000000000000000001",
                           "0000000000000000000000000000000000000000000000000000000000000003",
                           "0000000000000000000000000000000000000000000000000000000000000003",
                           "0000000000000000000000000000000000000000000000000000000000000060",
                           "00000000000000000000000000000000000000000000000000000000000000a0",
                           "00000000000000000000000000000000000000000000000000000000000000e0",
                           "0000000000000000000000000000000000000000000000000000000000000003",
                           "6f6e650000000000000000000000000000000000000000000000000000000000",
                           "0000000000000000000000000000000000000000000000000000000000000003",
                           "74776f0000000000000000000000000000000000000000000000000000000000",
                           "0000000000000000000000000000000000000000000000000000000000000005",
                           "7468726565000000000000000000000000000000000000000000000000000000"}));
}

TEST(Abi, Selectors) {
    auto sel = [](std::string_view s) { return to_hex(selector(*parse_signature(s)).view()); };
    EXPECT_EQ(sel("transfer(address,uint256)"), "0xa9059cbb");
    EXPECT_EQ(sel("transfer(address,uint)"), "0xa9059cbb");  // alias canonicalised
    EXPECT_EQ(sel("Error(string)"), to_hex(BytesView(kErrorSelector)));
    EXPECT_EQ(sel("Panic(uint256)"), to_hex(BytesView(kPanicSelector)));
    EXPECT_EQ(parse_signature("f((uint,bytes)[],tuple(int))")->canonical(),
              "f((uint256,bytes)[],(int256))");
    EXPECT_EQ(parse_signature("noargs()")->inputs.size(), 0u);
}

TEST(Abi, ParseTypes) {
    struct Case {
        std::string_view in, canonical;
        bool dynamic;
        size_t head;
    };
    for (const Case& c : std::initializer_list<Case>{
             {"uint", "uint256", false, 32},
             {"int8", "int8", false, 32},
             {"address", "address", false, 32},
             {"bytes32", "bytes32", false, 32},
             {"bytes", "bytes", true, 32},
             {"string[]", "string[]", true, 32},
             {"uint16[3][2]", "uint16[3][2]", false, 192},
             {"(address,bytes)[]", "(address,bytes)[]", true, 32},
             {"(bool,(uint8,bytes4)[2])", "(bool,(uint8,bytes4)[2])", false, 160},
             {"tuple(bool,string)[1]", "(bool,string)[1]", true, 32},
         }) {
        auto t = parse_type(c.in);
        ASSERT_TRUE(t) << c.in << ": " << to_string(t.error());
        EXPECT_EQ(t->canonical(), c.canonical);
        EXPECT_EQ(t->is_dynamic(), c.dynamic) << c.in;
        EXPECT_EQ(t->head_size(), c.head) << c.in;
    }
    const std::string deep_ok =
        std::string(kMaxTypeDepth, '(') + "bool" + std::string(kMaxTypeDepth, ')');
    EXPECT_TRUE(parse_type(deep_ok));
}

TEST(Abi, EveryTypeError) {
    struct Case {
        std::string_view in;
        TypeError want;
    };
    const std::string deep =
        std::string(kMaxTypeDepth + 1, '(') + "bool" + std::string(kMaxTypeDepth + 1, ')');
    std::string deep_arrays = "bool";
    for (size_t i = 0; i <= kMaxTypeDepth; ++i)
        deep_arrays += "[]";
    std::string many = "(";
    for (size_t i = 0; i <= kMaxComponents; ++i)
        many += i ? ",bool" : "bool";
    many += ")";
    const std::string long_string(kMaxTypeString + 1, 'a');
    for (const Case& c : std::initializer_list<Case>{
             {"", TypeError::kEmpty},
             {"(bool,)", TypeError::kEmpty},
             {"(,bool)", TypeError::kEmpty},
             {"uint257", TypeError::kBadIntWidth},
             {"float", TypeError::kUnknownType},
             {"uintx", TypeError::kUnknownType},
             {"[]", TypeError::kUnknownType},
             {"fixed128x18", TypeError::kUnknownType},
             {"uint7", TypeError::kBadIntWidth},
             {"int0", TypeError::kBadIntWidth},
             {"uint08", TypeError::kBadIntWidth},
             {"bytes0", TypeError::kBadBytesWidth},
             {"bytes33", TypeError::kBadBytesWidth},
             {"uint256[0]", TypeError::kBadArrayLength},
             {"uint256[01]", TypeError::kBadArrayLength},
             {"uint256[x]", TypeError::kBadArrayLength},
             {"uint256[65537]", TypeError::kBadArrayLength},
             {"uint256[2", TypeError::kUnclosedBracket},
             {"(uint256,bool", TypeError::kUnclosedParen},
             {"(uint256", TypeError::kUnclosedParen},
             {"()", TypeError::kEmptyTuple},
             {"(bool,())", TypeError::kEmptyTuple},
             {"uint256 x", TypeError::kTrailingCharacters},
             {"bool)", TypeError::kTrailingCharacters},
             {"(bool bool)", TypeError::kTrailingCharacters},
             {deep, TypeError::kTooDeep},
             {deep_arrays, TypeError::kTooDeep},
             {many, TypeError::kTooManyComponents},
             {"uint256[65536][32]", TypeError::kTooLarge},
             {long_string, TypeError::kTooLarge},
         }) {
        auto t = parse_type(c.in);
        ASSERT_FALSE(t) << c.in;
        EXPECT_EQ(t.error(), c.want) << c.in.substr(0, 40) << ": " << to_string(t.error());
    }
    EXPECT_EQ(parse_signature("(uint256)").error(), TypeError::kBadFunctionName);
    EXPECT_EQ(parse_signature("1f(uint256)").error(), TypeError::kBadFunctionName);
    EXPECT_EQ(parse_signature("a-b()").error(), TypeError::kBadFunctionName);
    EXPECT_EQ(parse_signature("f").error(), TypeError::kUnclosedParen);
    EXPECT_EQ(parse_signature("f(bool)x").error(), TypeError::kTrailingCharacters);
    EXPECT_EQ(parse_signature("f(bool,,bool)").error(), TypeError::kEmpty);
    for (int e = 0; e <= static_cast<int>(TypeError::kBadFunctionName); ++e)
        EXPECT_TRUE(to_string(static_cast<TypeError>(e)).starts_with("abi: "));
}

TEST(Abi, Integers) {
    auto enc1 = [](std::string_view type, const Value& v) {
        auto t = types_of({type});
        auto e = encode(t, std::vector<Value>{v});
        return e ? to_hex(*e, false) : std::string(to_string(e.error()));
    };
    EXPECT_EQ(enc1("int8", Value::from_int(-1)), std::string(64, 'f'));
    EXPECT_EQ(enc1("int8", Value::from_int(-128)), std::string(62, 'f') + "80");
    EXPECT_EQ(enc1("int8", Value::from_int(127)), std::string(62, '0') + "7f");
    EXPECT_EQ(enc1("int8", Value::from_int(128)), to_string(EncodeError::kOutOfRange));
    EXPECT_EQ(enc1("int8", Value::from_int(-129)), to_string(EncodeError::kOutOfRange));
    EXPECT_EQ(enc1("uint8", u(255)), std::string(62, '0') + "ff");
    EXPECT_EQ(enc1("uint8", u(256)), to_string(EncodeError::kOutOfRange));
    EXPECT_EQ(enc1("uint256", Value(U256::max())), std::string(64, 'f'));
    EXPECT_EQ(enc1("int256", Value(U256::max())), std::string(64, 'f'));  // -1
    EXPECT_EQ(enc1("int64", Value::from_int(INT64_MIN)),
              std::string(48, 'f') + "8" + std::string(15, '0'));
}

TEST(Abi, EveryEncodeError) {
    auto err = [](std::initializer_list<std::string_view> ts, std::vector<Value> vs) {
        auto e = encode(types_of(ts), vs);
        EXPECT_FALSE(e);
        return e ? EncodeError::kTypeMismatch : e.error();
    };
    EXPECT_EQ(err({"uint8"}, {Value(true)}), EncodeError::kTypeMismatch);
    EXPECT_EQ(err({"bool"}, {u(1)}), EncodeError::kTypeMismatch);
    EXPECT_EQ(err({"address"}, {bytes("x")}), EncodeError::kTypeMismatch);
    EXPECT_EQ(err({"string"}, {bytes("x")}), EncodeError::kTypeMismatch);
    EXPECT_EQ(err({"bytes"}, {Value("x")}), EncodeError::kTypeMismatch);
    EXPECT_EQ(err({"uint8[]"}, {u(1)}), EncodeError::kTypeMismatch);
    EXPECT_EQ(err({"uint16"}, {u(65536)}), EncodeError::kOutOfRange);
    EXPECT_EQ(err({"int16"}, {u(32768)}), EncodeError::kOutOfRange);
    EXPECT_EQ(err({"bytes4"}, {bytes("abc")}), EncodeError::kWrongLength);
    EXPECT_EQ(err({"bool[2]"}, {list({Value(true)})}), EncodeError::kWrongLength);
    EXPECT_EQ(err({"(bool,bool)"}, {list({Value(true)})}), EncodeError::kWrongLength);
    EXPECT_EQ(err({"bool", "bool"}, {Value(true)}), EncodeError::kWrongCount);
    Value huge(Bytes(kMaxDynamicLength + 1, 0));
    EXPECT_EQ(err({"bytes"}, {huge}), EncodeError::kTooLarge);
    for (int e = 0; e <= static_cast<int>(EncodeError::kTooLarge); ++e)
        EXPECT_TRUE(to_string(static_cast<EncodeError>(e)).starts_with("abi: "));
}

TEST(Abi, EveryDecodeError) {
    auto err = [](std::initializer_list<std::string_view> ts, const Bytes& data,
                  DecodeMode mode = DecodeMode::kStrict) {
        auto d = decode(types_of(ts), data, mode);
        EXPECT_FALSE(d) << to_hex(data);
        return d ? DecodeError::kBadSelector : d.error();
    };
    const std::string one = std::string(63, '0') + "1";
    const std::string two = std::string(63, '0') + "2";
    const std::string off20 = std::string(62, '0') + "20";
    const std::string off40 = std::string(62, '0') + "40";
    const std::string ff = std::string(64, 'f');
    // kTruncated
    EXPECT_EQ(err({"uint256"}, {}), DecodeError::kTruncated);
    EXPECT_EQ(err({"uint256"}, Bytes(31, 0)), DecodeError::kTruncated);
    EXPECT_EQ(err({"bytes"}, words({off20, two})), DecodeError::kTruncated);  // no payload
    EXPECT_EQ(err({"bytes"}, concat(words({off20, two}), Bytes(2, 0))),       // unpadded payload
              DecodeError::kTruncated);
    EXPECT_EQ(err({"uint256[]"}, words({off20, two, one})), DecodeError::kTruncated);
    EXPECT_EQ(err({"bytes"}, words({off20, ff})), DecodeError::kTruncated);  // hostile length
    EXPECT_EQ(err({"uint256[]"}, words({off20, ff})), DecodeError::kTruncated);
    // kBadOffset: beyond the data, too close to its end, or (strict) not canonical.
    EXPECT_EQ(err({"bytes"}, words({ff})), DecodeError::kBadOffset);
    EXPECT_EQ(err({"bytes"}, words({off20})), DecodeError::kBadOffset);
    EXPECT_EQ(err({"bytes"}, words({std::string(62, '0') + "21", kZero, kZero})),
              DecodeError::kBadOffset);
    const Bytes gap = words({off40, kZero, kZero});  // empty bytes, one word further on
    EXPECT_EQ(err({"bytes"}, gap), DecodeError::kBadOffset);
    auto lenient = decode(types_of({"bytes"}), gap, DecodeMode::kLenient);
    ASSERT_TRUE(lenient);
    EXPECT_TRUE((*lenient)[0] == Value(Bytes{}));
    // kTrailingBytes: strict only.
    const Bytes trailing = words({one, kZero});
    EXPECT_EQ(err({"uint256"}, trailing), DecodeError::kTrailingBytes);
    EXPECT_TRUE(decode(types_of({"uint256"}), trailing, DecodeMode::kLenient));
    // kOutOfRange
    EXPECT_EQ(err({"uint8"}, words({std::string(61, '0') + "100"})), DecodeError::kOutOfRange);
    EXPECT_EQ(err({"int8"}, words({std::string(62, '0') + "80"})), DecodeError::kOutOfRange);
    EXPECT_EQ(err({"int8"}, words({std::string(62, 'f') + "7f"})), DecodeError::kOutOfRange);
    EXPECT_TRUE(decode(types_of({"int8"}), words({std::string(62, 'f') + "80"})));
    // kBadBool, kBadAddress, kBadPadding
    EXPECT_EQ(err({"bool"}, words({two})), DecodeError::kBadBool);
    EXPECT_EQ(err({"bool"}, words({"1" + std::string(62, '0') + "1"})), DecodeError::kBadBool);
    EXPECT_EQ(err({"address"},
                  words({"0000000000000000000000010000000000000000000000000000000000000000"})),
              DecodeError::kBadAddress);
    EXPECT_EQ(err({"bytes1"}, words({"0001" + std::string(60, '0')})), DecodeError::kBadPadding);
    const Bytes dirty = words({off20, one, "00ff" + std::string(60, '0')});
    EXPECT_EQ(err({"bytes"}, dirty), DecodeError::kBadPadding);
    EXPECT_TRUE(decode(types_of({"bytes"}), dirty, DecodeMode::kLenient));
    // kTooLarge: a length above the limit, and work amplified by shared offsets (lenient).
    {
        Bytes big(32 + 32 + kMaxDynamicLength + 32, 0);
        big[31] = 0x20;
        U256(kMaxDynamicLength + 1).to_be_bytes(big.data() + 32);
        EXPECT_EQ(err({"bytes"}, big), DecodeError::kTooLarge);
    }
    {
        // bytes[] of n elements all pointing at one 4 KiB string: n * 129 units of work from
        // n + 131 words of input.
        const size_t n = 64, payload = 4096;
        Bytes d(32 + 32 + 32 * n + 32 + payload, 0);
        d[31] = 0x20;
        U256(n).to_be_bytes(d.data() + 32);
        for (size_t i = 0; i < n; ++i)
            U256(32 * n).to_be_bytes(d.data() + 64 + 32 * i);
        U256(payload).to_be_bytes(d.data() + 64 + 32 * n);
        EXPECT_EQ(err({"bytes[]"}, d, DecodeMode::kLenient), DecodeError::kTooLarge);
        EXPECT_EQ(err({"bytes[]"}, d), DecodeError::kBadOffset);
    }
    // kBadSelector
    auto f = parse_signature("baz(uint32,bool)");
    ASSERT_TRUE(f);
    EXPECT_EQ(decode_call(*f, hex_literal("cdcd77")).error(), DecodeError::kBadSelector);
    EXPECT_EQ(decode_call(*f, hex_literal("cdcd77c1")).error(), DecodeError::kBadSelector);
    for (int e = 0; e <= static_cast<int>(DecodeError::kBadSelector); ++e)
        EXPECT_TRUE(to_string(static_cast<DecodeError>(e)).starts_with("abi: "));
}

TEST(Abi, RevertData) {
    // The example of the Solidity docs ("Error(string)").
    Bytes err = hex_literal(
        "08c379a0"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "000000000000000000000000000000000000000000000000000000000000001a"
        "4e6f7420656e6f7567682045746865722070726f76696465642e000000000000");
    auto r = decode_revert(err);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->kind, Revert::Kind::kError);
    EXPECT_EQ(r->message, "Not enough Ether provided.");
    auto p = decode_revert(concat(BytesView(kPanicSelector), words({std::string(62, '0') + "11"})));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, Revert::Kind::kPanic);
    EXPECT_TRUE(p->code == U256(0x11));
    EXPECT_EQ(panic_reason(p->code), "arithmetic underflow or overflow");
    EXPECT_EQ(panic_reason(U256(0x32)), "array index out of bounds");
    EXPECT_EQ(panic_reason(U256::max()), "unknown panic code");
    auto c = decode_revert(hex_literal("deadbeef01"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->kind, Revert::Kind::kCustom);
    EXPECT_EQ(to_hex(c->data), "0xdeadbeef01");
    EXPECT_EQ(decode_revert({})->kind, Revert::Kind::kEmpty);
    EXPECT_EQ(decode_revert(BytesView(err).first(40)).error(), DecodeError::kBadOffset);
    EXPECT_EQ(decode_revert(BytesView(err).first(4 + 64 + 10)).error(), DecodeError::kTruncated);
}

TEST(Abi, ChecksumAddresses) {
    // EIP-55 test vectors.
    for (std::string_view a : {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                               "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                               "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
                               "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
        auto addr = fixed_from_hex<20>(a);
        ASSERT_TRUE(addr);
        EXPECT_EQ(checksum_address(*addr), a);
    }
}

TEST(Abi, Json) {
    auto ts = types_of({"uint8", "int16", "address", "bool", "bytes2", "bytes", "string",
                        "(uint256,bool)[]", "int256"});
    // int256 minimum: -2^255.
    const std::string min256 =
        "-57896044618658097711785492504343953926634992332820282019728792003956564819968";
    const std::string in =
        R"(["255", -300, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", true, "0xabcd", "0x",
            "héllo", [[1, false], ["0x10", true]], ")" +
        min256 + "\"]";
    auto v = values_from_json(ts, in);
    ASSERT_TRUE(v) << to_string(v.error());
    EXPECT_EQ(values_to_json(ts, *v),
              R"(["255","-300","0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",true,"0xabcd","0x",)"
              R"("héllo",[["1",false],["16",true]],")" +
                  min256 + "\"]");
    auto back = values_from_json(ts, values_to_json(ts, *v));
    ASSERT_TRUE(back);
    EXPECT_TRUE(*back == *v);

    auto err = [](std::string_view type, std::string_view json, std::string* where = nullptr) {
        auto t = types_of({type});
        auto r = values_from_json(t, json, where);
        EXPECT_FALSE(r) << json;
        return r ? JsonError::kSyntax : r.error();
    };
    EXPECT_EQ(err("bool", "[true"), JsonError::kSyntax);
    EXPECT_EQ(err("bool", "{}"), JsonError::kTypeMismatch);
    EXPECT_EQ(err("bool", "[1]"), JsonError::kTypeMismatch);
    EXPECT_EQ(err("uint8", "[[1]]"), JsonError::kTypeMismatch);
    EXPECT_EQ(err("bool", "[true, true]"), JsonError::kWrongCount);
    EXPECT_EQ(err("bool[2]", "[[true]]"), JsonError::kWrongCount);
    EXPECT_EQ(err("uint8", "[1.5]"), JsonError::kTypeMismatch);
    EXPECT_EQ(err("uint8", "[\"12a\"]"), JsonError::kBadNumber);
    EXPECT_EQ(err("uint8", "[\"\"]"), JsonError::kBadNumber);
    EXPECT_EQ(err("uint8", "[256]"), JsonError::kOutOfRange);
    EXPECT_EQ(err("uint8", "[-1]"), JsonError::kOutOfRange);
    EXPECT_EQ(err("int8", "[\"-129\"]"), JsonError::kOutOfRange);
    EXPECT_EQ(err("int8", "[128]"), JsonError::kOutOfRange);
    EXPECT_EQ(err("uint256", "[\"0x1" + std::string(64, '0') + "\"]"), JsonError::kOutOfRange);
    EXPECT_EQ(err("bytes", "[\"abcd\"]"), JsonError::kBadHex);
    EXPECT_EQ(err("bytes", "[\"0xabc\"]"), JsonError::kBadHex);
    EXPECT_EQ(err("address", "[\"0x1234\"]"), JsonError::kWrongLength);
    EXPECT_EQ(err("bytes3", "[\"0x1234\"]"), JsonError::kWrongLength);
    EXPECT_EQ(err("address", "[\"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"]"),
              JsonError::kBadChecksum);
    std::string where;
    EXPECT_EQ(err("(bool,uint8[])", "[[true, [1, 2, 300]]]", &where), JsonError::kOutOfRange);
    EXPECT_EQ(where, "[0][1][2]");
    for (int e = 0; e <= static_cast<int>(JsonError::kBadChecksum); ++e)
        EXPECT_TRUE(to_string(static_cast<JsonError>(e)).starts_with("abi: "));
}

// ---- random round trips ----

namespace {

struct Gen {
    std::mt19937_64 rng;
    size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }

    Type type(int depth) {
        static constexpr std::string_view kLeaves[] = {
            "uint8", "uint256", "uint40",  "int8",   "int256", "int24", "address",
            "bool",  "bytes1",  "bytes32", "bytes7", "bytes",  "string"};
        if (depth <= 0 || pick(3) > 0) return *parse_type(kLeaves[pick(std::size(kLeaves))]);
        Type t;
        switch (pick(3)) {
            case 0:
                t.kind = Kind::kArray;
                t.elems.push_back(type(depth - 1));
                break;
            case 1:
                t.kind = Kind::kFixedArray;
                t.length = 1 + pick(3);
                t.elems.push_back(type(depth - 1));
                break;
            default: {
                t.kind = Kind::kTuple;
                size_t n = 1 + pick(4);
                for (size_t i = 0; i < n; ++i)
                    t.elems.push_back(type(depth - 1));
            }
        }
        return t;
    }

    Bytes random_bytes(size_t n) {
        Bytes b(n);
        for (auto& x : b)
            x = static_cast<uint8_t>(rng());
        return b;
    }

    U256 word() {
        U256 x;
        for (auto& w : x.w)
            w = rng();
        // Small values and boundaries matter more than uniform ones.
        switch (pick(4)) {
            case 0:
                return U256(pick(300));
            case 1:
                return ~U256(pick(300));
            default:
                return x;
        }
    }

    Value value(const Type& t) {
        switch (t.kind) {
            case Kind::kUint:
                return Value(t.bits == 256 ? word() : word() >> (256 - t.bits));
            case Kind::kInt: {
                U256 x = word() >> (256 - t.bits + 1);  // non-negative, fits N-1 bits
                return Value(pick(2) ? x : ~x);         // ~x = -x-1, fits as well
            }
            case Kind::kAddress:
                return Value(Address::from(random_bytes(20)));
            case Kind::kBool:
                return Value(pick(2) == 1);
            case Kind::kFixedBytes:
                return Value(random_bytes(t.size));
            case Kind::kBytes:
                return Value(random_bytes(pick(3) ? pick(70) : 0));
            case Kind::kString: {
                // Valid UTF-8 (JSON carries text): ASCII and some multi-byte characters.
                static constexpr std::string_view kChars[] = {"a",  "Z",    "0", " ",  "\"", "\\",
                                                              "\n", "\x01", "é", "信", "链", "😀"};
                std::string str;
                for (size_t i = pick(30); i > 0; --i)
                    str += kChars[pick(std::size(kChars))];
                return Value(std::move(str));
            }
            case Kind::kFixedArray:
            case Kind::kArray: {
                size_t n = t.kind == Kind::kFixedArray ? t.length : pick(4);
                Value::List l;
                for (size_t i = 0; i < n; ++i)
                    l.push_back(value(t.elems[0]));
                return Value(std::move(l));
            }
            case Kind::kTuple: {
                Value::List l;
                for (const Type& e : t.elems)
                    l.push_back(value(e));
                return Value(std::move(l));
            }
        }
        return {};
    }
};

}  // namespace

TEST(Abi, RandomRoundTrips) {
    Gen g{std::mt19937_64(xl::test::test_seed("Abi.RandomRoundTrips"))};
    size_t mutated_accepted = 0;
    for (int iter = 0; iter < 400; ++iter) {
        std::vector<Type> types;
        std::vector<Value> values;
        const size_t n = g.pick(5);
        for (size_t i = 0; i < n; ++i) {
            types.push_back(g.type(3));
            // Every generated type must survive its canonical string.
            auto reparsed = parse_type(types.back().canonical());
            ASSERT_TRUE(reparsed) << types.back().canonical();
            ASSERT_TRUE(*reparsed == types.back());
            values.push_back(g.value(types.back()));
        }
        std::string sig;
        for (const Type& t : types)
            sig += (sig.empty() ? "" : ",") + t.canonical();
        SCOPED_TRACE("(" + sig + ")");
        auto enc = encode(types, values);
        ASSERT_TRUE(enc) << to_string(enc.error());
        auto dec = decode(types, *enc);
        ASSERT_TRUE(dec) << to_string(dec.error()) << " " << to_hex(*enc);
        ASSERT_TRUE(*dec == values);
        auto lenient = decode(types, *enc, DecodeMode::kLenient);
        ASSERT_TRUE(lenient && *lenient == values);
        // JSON round trip.
        auto json = values_to_json(types, values);
        auto from_json = values_from_json(types, json);
        ASSERT_TRUE(from_json) << json;
        ASSERT_TRUE(*from_json == values) << json;
        // Every proper prefix must fail in strict mode.
        for (size_t cut = 0; cut < enc->size(); cut += 1 + g.pick(40))
            ASSERT_FALSE(decode(types, BytesView(*enc).first(cut))) << cut;
        // Strictness: any mutation that still decodes must re-encode to the same bytes.
        for (int m = 0; m < 8 && !enc->empty(); ++m) {
            Bytes x = *enc;
            x[g.pick(x.size())] ^= static_cast<uint8_t>(1u << g.pick(8));
            auto d = decode(types, x);
            if (!d) continue;
            ++mutated_accepted;
            auto again = encode(types, *d);
            ASSERT_TRUE(again);
            ASSERT_EQ(to_hex(*again), to_hex(x));
        }
    }
    EXPECT_GT(mutated_accepted, 0u);
}
