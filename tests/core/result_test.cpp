// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "core/result.hpp"

using namespace xl;

enum class TestError { kA, kB };

static Result<int, TestError> half(int x) {
    if (x % 2) return unexpected(TestError::kA);
    return x / 2;
}
static Result<void, TestError> check_even(int x) {
    XL_TRY_VOID(half(x));
    return {};
}

TEST(Result, ValueAndError) {
    auto ok = half(4);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 2);
    auto bad = half(3);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), TestError::kA);
    EXPECT_EQ(bad.value_or(7), 7);
    EXPECT_TRUE(check_even(2));
    EXPECT_EQ(check_even(1).error(), TestError::kA);
    Result<std::string, TestError> s = std::string("x");
    EXPECT_EQ(s->size(), 1u);
}
