// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: the CSPRNG (OpenSSL RAND_bytes, seeded by the OS). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"

namespace xl::crypto {

// Fills out with n random bytes. The CSPRNG failing (no entropy source) is an environment fault
// no caller can handle safely, so it stops the process rather than return weak bytes.
void random_bytes(uint8_t* out, size_t n) noexcept;

inline Bytes random_bytes(size_t n) {
    Bytes b(n);
    random_bytes(b.data(), n);
    return b;
}

template <size_t N>
FixedBytes<N> random_fixed() noexcept {
    FixedBytes<N> f;
    random_bytes(f.data(), N);
    return f;
}

}  // namespace xl::crypto
