// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the ABI decoder. The first input byte picks one of a few fixed type lists;
// the rest is the data. Strict decoding must accept only canonical encodings (encode gives the
// input back byte for byte); lenient decoding must produce values that encode and decode again.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "codec/abi.hpp"

namespace {

constexpr std::string_view kTypeLists[][3] = {
    {"uint256", "bool", "address"},   {"bytes", "string", ""},
    {"uint8[]", "int16", "bytes3"},   {"(address,bytes)[]", "", ""},
    {"uint256[][]", "string[]", ""},  {"(bool,(uint8,bytes)[2])[]", "int64", ""},
    {"int8[3]", "bytes32", "string"}, {"(string,uint256[])[2]", "bytes[]", ""},
};

std::vector<xl::abi::Type> types_for(uint8_t selector) {
    std::vector<xl::abi::Type> out;
    for (std::string_view name : kTypeLists[selector % std::size(kTypeLists)]) {
        if (name.empty()) break;
        auto t = xl::abi::parse_type(name);
        if (!t) std::abort();  // our constant
        out.push_back(std::move(*t));
    }
    return out;
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "abi fuzz: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const std::vector<xl::abi::Type> kTypes[std::size(kTypeLists)] = {
        types_for(0), types_for(1), types_for(2), types_for(3),
        types_for(4), types_for(5), types_for(6), types_for(7)};
    const auto& types = kTypes[data[0] % std::size(kTypeLists)];
    xl::BytesView in(data + 1, size - 1);

    auto strict = xl::abi::decode(types, in);
    if (strict) {
        auto again = xl::abi::encode(types, *strict);
        if (!again) fail("strict: decoded values do not encode");
        if (!std::equal(again->begin(), again->end(), in.begin(), in.end()))
            fail("strict: accepted a non-canonical encoding");
        (void)xl::abi::values_to_json(types, *strict);
    }
    auto lenient = xl::abi::decode(types, in, xl::abi::DecodeMode::kLenient);
    if (strict && !lenient) fail("lenient rejected what strict accepted");
    if (lenient) {
        auto canon = xl::abi::encode(types, *lenient);
        if (!canon) fail("lenient: decoded values do not encode");
        auto back = xl::abi::decode(types, *canon);
        if (!back || !(*back == *lenient)) fail("lenient: canonical form does not decode back");
    }
    return 0;
}
