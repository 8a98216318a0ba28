// SPDX-License-Identifier: Apache-2.0
// RLP conformance over ethereum/tests RLPTests (../shared/testdata/ethereum/RLPTests):
// rlptest.json (encode `in` gives `out`, decode `out` gives `in`), invalidRLPTest.json (strict
// decoding must fail) and RandomRLPTests (decoding must succeed). Every case is reported by
// name; there are no exclusions.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "codec/rlp.hpp"
#include "conformance/testdata.hpp"

using namespace xl;
using nlohmann::json;

namespace {

const std::filesystem::path kDir = "ethereum/RLPTests";

void report(const std::string& file, const std::string& name, bool ok,
            std::string_view detail = {}) {
    const std::string d = detail.empty() ? "" : " - " + std::string(detail);
    std::printf("[ case     ] %s/%s: %s%s\n", file.c_str(), name.c_str(), ok ? "ok" : "FAILED",
                d.c_str());
}

// Minimal big-endian bytes of a non-negative decimal number of any size ("#<decimal>" in the
// tests, which include 2^256, wider than U256).
Bytes decimal_to_be(std::string_view dec) {
    Bytes be;  // big-endian, grows at the front via insert
    for (char c : dec) {
        EXPECT_TRUE(c >= '0' && c <= '9') << dec;
        unsigned carry = static_cast<unsigned>(c - '0');
        for (size_t i = be.size(); i-- > 0;) {
            unsigned v = be[i] * 10u + carry;
            be[i] = static_cast<uint8_t>(v);
            carry = v >> 8;
        }
        while (carry) {
            be.insert(be.begin(), static_cast<uint8_t>(carry));
            carry >>= 8;
        }
    }
    return be;
}

Bytes u64_to_be(uint64_t v) {
    Bytes be;
    for (; v; v >>= 8)
        be.insert(be.begin(), static_cast<uint8_t>(v));
    return be;
}

// Each character of a test string is one byte (the strings are ASCII; JSON \u0000 escapes
// arrive as single bytes below 0x80 in UTF-8).
Bytes string_bytes(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

// The expected generic tree: integers become their canonical (minimal big-endian) string,
// since a generic decoder cannot know that a string was an integer.
rlp::Item expected_item(const json& in) {
    rlp::Item it;
    if (in.is_array()) {
        it.is_list = true;
        for (const auto& e : in)
            it.list.push_back(expected_item(e));
    } else if (in.is_number_unsigned() || in.is_number_integer()) {
        it.str = u64_to_be(in.get<uint64_t>());
    } else if (in.is_string()) {
        const auto s = in.get<std::string>();
        it.str = s.starts_with('#') ? decimal_to_be(s.substr(1)) : string_bytes(s);
    } else {
        ADD_FAILURE() << "unexpected JSON in test input: " << in.dump();
    }
    return it;
}

// Encodes `in` through the typed API: strings, integers (u64 and U256) and list builders.
void encode_json(Bytes& out, const json& in) {
    if (in.is_array()) {
        rlp::ListBuilder lb;
        for (const auto& e : in) {
            Bytes child;
            encode_json(child, e);
            lb.add_raw(child);
        }
        Bytes l = lb.finish();
        out.insert(out.end(), l.begin(), l.end());
    } else if (in.is_number_unsigned() || in.is_number_integer()) {
        rlp::encode_uint(out, in.get<uint64_t>());
    } else if (in.is_string() && in.get<std::string>().starts_with('#')) {
        Bytes be = decimal_to_be(in.get<std::string>().substr(1));
        if (be.size() <= 32) {
            rlp::encode_uint(out, U256::from_be_bytes(be));
        } else {
            rlp::encode_string(out, be);  // wider than U256: still a minimal big-endian string
        }
    } else {
        rlp::encode_string(out, string_bytes(in.get<std::string>()));
    }
}

}  // namespace

TEST(RlpConformance, ValidEncodeAndDecode) {
    const json tests = testdata::load_json(kDir / "rlptest.json");
    ASSERT_TRUE(tests.is_object());
    size_t n = 0;
    for (const auto& [name, tc] : tests.items()) {
        SCOPED_TRACE("rlptest.json/" + name);
        bool ok = true;
        auto out = from_hex(tc.at("out").get<std::string>());
        ASSERT_TRUE(out) << "bad hex in test data";
        Bytes enc;
        encode_json(enc, tc.at("in"));
        if (enc != *out) {
            ok = false;
            ADD_FAILURE() << "encode: got " << to_hex(enc) << ", want " << to_hex(*out);
        }
        auto dec = rlp::decode_item(*out);
        if (!dec) {
            ok = false;
            ADD_FAILURE() << "decode: " << rlp::to_string(dec.error());
        } else if (!(*dec == expected_item(tc.at("in")))) {
            ok = false;
            ADD_FAILURE() << "decode gives a different tree";
        } else if (rlp::encode_item(*dec) != *out) {
            ok = false;
            ADD_FAILURE() << "re-encoding the decoded tree differs";
        }
        // Integers must also decode through the typed readers.
        const json& in = tc.at("in");
        if (in.is_number_unsigned() || in.is_number_integer()) {
            rlp::Reader r(*out);
            auto v = r.read_u64();
            ok = ok && v && *v == in.get<uint64_t>() && r.finish();
            EXPECT_TRUE(v && *v == in.get<uint64_t>());
        } else if (in.is_string() && in.get<std::string>().starts_with('#')) {
            Bytes be = decimal_to_be(in.get<std::string>().substr(1));
            auto v = rlp::Reader(*out).read_u256();
            if (be.size() <= 32) {
                ok = ok && v && *v == U256::from_be_bytes(be);
                EXPECT_TRUE(v && *v == U256::from_be_bytes(be));
            } else {
                ok = ok && !v && v.error() == rlp::DecodeError::kOverflow;
                EXPECT_TRUE(!v && v.error() == rlp::DecodeError::kOverflow);
            }
        }
        report("rlptest.json", name, ok);
        ++n;
    }
    EXPECT_EQ(n, tests.size());
    EXPECT_GT(n, 0u);
}

TEST(RlpConformance, InvalidMustFail) {
    const json tests = testdata::load_json(kDir / "invalidRLPTest.json");
    ASSERT_TRUE(tests.is_object());
    size_t n = 0;
    for (const auto& [name, tc] : tests.items()) {
        SCOPED_TRACE("invalidRLPTest.json/" + name);
        auto out = from_hex(tc.at("out").get<std::string>());
        ASSERT_TRUE(out) << "bad hex in test data";
        EXPECT_EQ(tc.at("in").get<std::string>(), "INVALID");
        auto dec = rlp::decode_item(*out);
        EXPECT_FALSE(dec) << "accepted " << to_hex(*out);
        report("invalidRLPTest.json", name, !dec, dec ? "" : rlp::to_string(dec.error()));
        ++n;
    }
    EXPECT_EQ(n, tests.size());
    EXPECT_GT(n, 0u);
}

TEST(RlpConformance, RandomMustDecode) {
    size_t n = 0;
    for (const auto& path : testdata::json_files(kDir / "RandomRLPTests")) {
        const auto rel = std::filesystem::relative(path, testdata::root() / kDir);
        const json tests = testdata::load_json(kDir / rel);
        ASSERT_TRUE(tests.is_object());
        for (const auto& [name, tc] : tests.items()) {
            SCOPED_TRACE(rel.string() + "/" + name);
            auto out = from_hex(tc.at("out").get<std::string>());
            ASSERT_TRUE(out) << "bad hex in test data";
            EXPECT_EQ(tc.at("in").get<std::string>(), "VALID");
            auto dec = rlp::decode_item(*out);
            EXPECT_TRUE(dec) << rlp::to_string(dec.error());
            const bool ok = dec && rlp::encode_item(*dec) == *out;
            EXPECT_TRUE(ok);
            report(rel.string(), name, ok);
            ++n;
        }
    }
    EXPECT_GT(n, 0u);
}
