// SPDX-License-Identifier: Apache-2.0
// CSPRNG through OpenSSL's RAND_bytes (the default DRBG, seeded from the OS).
#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <climits>

namespace xl::crypto {

void random_bytes(uint8_t* out, size_t n) noexcept {
    while (n > 0) {
        // RAND_bytes takes an int length.
        int chunk = n > size_t(INT_MAX) ? INT_MAX : static_cast<int>(n);
        XL_ASSERT(RAND_bytes(out, chunk) == 1 && "CSPRNG failure");
        out += chunk;
        n -= static_cast<size_t>(chunk);
    }
}

}  // namespace xl::crypto
