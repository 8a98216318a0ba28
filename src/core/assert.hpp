// SPDX-License-Identifier: Apache-2.0
// Assertions for our own bugs, never for input (STYLE.md 7). XL_ASSERT stays on in release.
#pragma once

namespace xl::detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line) noexcept;
}

#define XL_ASSERT(cond) \
    ((cond) ? static_cast<void>(0) : ::xl::detail::assert_fail(#cond, __FILE__, __LINE__))

#ifdef NDEBUG
#define XL_DASSERT(cond) static_cast<void>(0)
#else
#define XL_DASSERT(cond) XL_ASSERT(cond)
#endif
