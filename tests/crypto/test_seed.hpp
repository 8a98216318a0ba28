// SPDX-License-Identifier: Apache-2.0
// The seed of a random crypto test: $XL_TEST_SEED if set, else fresh; always printed so a
// failure can be replayed (STYLE.md 14).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace xl::crypto::test {

inline uint64_t test_seed(const char* test_name) {
    uint64_t seed;
    if (const char* env = std::getenv("XL_TEST_SEED"); env != nullptr && *env != '\0') {
        seed = std::strtoull(env, nullptr, 0);
    } else {
        seed = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
    }
    std::printf("[ seed     ] %s: XL_TEST_SEED=%llu\n", test_name,
                static_cast<unsigned long long>(seed));
    return seed;
}

inline std::vector<uint8_t> random_vector(std::mt19937_64& rng, size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v)
        b = static_cast<uint8_t>(rng());
    return v;
}

}  // namespace xl::crypto::test
