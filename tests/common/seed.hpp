// SPDX-License-Identifier: Apache-2.0
// Seeds of the randomised tests (STYLE.md 14): $XL_TEST_SEED if set, else a fresh seed; always
// printed, so that a failure can be replayed exactly with XL_TEST_SEED=<printed value>.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace xl::test {

inline uint64_t test_seed(const char* test_name) {
    uint64_t seed = 0;
    if (const char* env = std::getenv("XL_TEST_SEED"); env != nullptr && *env != '\0') {
        seed = std::strtoull(env, nullptr, 0);
    } else {
        seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    }
    std::printf("[ seed     ] %s: XL_TEST_SEED=%llu\n", test_name,
                static_cast<unsigned long long>(seed));
    return seed;
}

// The seed for the currently running gtest test, printed under its name.
inline uint64_t seed() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return test_seed(info != nullptr ? info->name() : "?");
}

inline std::vector<uint8_t> random_vector(std::mt19937_64& rng, size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v)
        b = static_cast<uint8_t>(rng());
    return v;
}

}  // namespace xl::test
