// SPDX-License-Identifier: Apache-2.0
// Xinlian core: Result<T, E>, a subset of C++23 std::expected for C++20 (STYLE.md 5).
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/assert.hpp"

namespace xl {

// Wraps an error value so that Result's constructors can tell it from a value.
template <typename E>
struct Unexpected {
    E error;
};

template <typename E>
[[nodiscard]] constexpr Unexpected<std::decay_t<E>> unexpected(E&& e) {
    return {std::forward<E>(e)};
}

// Result<T, E> holds either a value of T or an error of E. Accessing the wrong alternative is
// our bug, so it aborts via XL_ASSERT even in release builds. Not thread-safe (a value type).
template <typename T, typename E>
class [[nodiscard]] Result {
public:
    using value_type = T;
    using error_type = E;

    template <typename U = T,
              typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                          !std::is_same_v<std::decay_t<U>, Result>>>
    constexpr Result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}
    template <typename G>
    constexpr Result(Unexpected<G> u) : v_(std::in_place_index<1>, std::move(u.error)) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return v_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr T& value() & { XL_ASSERT(has_value()); return *std::get_if<0>(&v_); }
    constexpr const T& value() const& { XL_ASSERT(has_value()); return *std::get_if<0>(&v_); }
    constexpr T&& value() && { XL_ASSERT(has_value()); return std::move(*std::get_if<0>(&v_)); }
    constexpr const E& error() const& { XL_ASSERT(!has_value()); return *std::get_if<1>(&v_); }
    constexpr E&& error() && { XL_ASSERT(!has_value()); return std::move(*std::get_if<1>(&v_)); }

    constexpr T& operator*() & { return value(); }
    constexpr const T& operator*() const& { return value(); }
    constexpr T&& operator*() && { return std::move(*this).value(); }
    constexpr T* operator->() { return &value(); }
    constexpr const T* operator->() const { return &value(); }

    template <typename U>
    constexpr T value_or(U&& d) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(d));
    }

private:
    std::variant<T, E> v_;
};

// Result<void, E>: success carries no value.
template <typename E>
class [[nodiscard]] Result<void, E> {
public:
    using value_type = void;
    using error_type = E;

    constexpr Result() = default;
    template <typename G>
    constexpr Result(Unexpected<G> u) : ok_(false), e_(std::move(u.error)) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }
    constexpr void value() const { XL_ASSERT(ok_); }
    constexpr const E& error() const& { XL_ASSERT(!ok_); return e_; }

private:
    bool ok_ = true;
    E e_{};
};

}  // namespace xl

// Propagates the error of a Result expression, else yields nothing. For use in functions
// that return a Result with the same error type.
#define XL_TRY_VOID(expr)                                          \
    do {                                                           \
        auto xl_try_r_ = (expr);                                   \
        if (!xl_try_r_) return ::xl::unexpected(xl_try_r_.error()); \
    } while (0)
