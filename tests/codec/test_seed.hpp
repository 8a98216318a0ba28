// SPDX-License-Identifier: Apache-2.0
// Seeds for the randomised codec tests: XL_TEST_SEED if set, else a fresh one; always printed
// so that a failure can be replayed (STYLE.md 14).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace xl::test {

inline uint64_t test_seed(const char* test_name) {
    uint64_t seed = 0;
    if (const char* env = std::getenv("XL_TEST_SEED"); env && *env) {
        seed = std::strtoull(env, nullptr, 0);
    } else {
        seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    }
    std::printf("[ seed     ] %s: XL_TEST_SEED=%llu\n", test_name,
                static_cast<unsigned long long>(seed));
    return seed;
}

}  // namespace xl::test
