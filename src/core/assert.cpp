// SPDX-License-Identifier: Apache-2.0
#include "core/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace xl::detail {
void assert_fail(const char* expr, const char* file, int line) noexcept {
    std::fprintf(stderr, "xinlian: assertion failed: %s at %s:%d\n", expr, file, line);
    std::abort();
}
}  // namespace xl::detail
