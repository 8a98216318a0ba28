// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: hash functions. All are pure functions, thread-safe, noexcept.
#pragma once

#include "core/bytes.hpp"

namespace xl::crypto {

using Hash160 = FixedBytes<20>;

// Keccak-256 as used by Ethereum (original Keccak padding 0x01, not SHA3's 0x06).
// Written here because OpenSSL 3.0 lacks it.
Hash256 keccak256(BytesView data) noexcept;
// Keccak-256 over a message given in pieces, without concatenating them. A value type: one
// object per thread. finish() returns the digest and resets the hasher for reuse.
class Keccak256Hasher {
public:
    void update(BytesView data) noexcept;
    Hash256 finish() noexcept;

private:
    uint64_t st_[25] = {};
    uint8_t buf_[136] = {};  // one rate block (FIPS 202 §5.2: 1600 - 2 * 256 bits)
    size_t buffered_ = 0;
};
// The Keccak-f[1600] permutation (FIPS 202 §3.3), lanes indexed x + 5 * y. Exposed for the
// permutation's own known-answer test.
void keccak_f1600(uint64_t state[25]) noexcept;

// SHA-256 (FIPS 180-4), OpenSSL.
Hash256 sha256(BytesView data) noexcept;
// RIPEMD-160, OpenSSL.
Hash160 ripemd160(BytesView data) noexcept;
// SM3 (GB/T 32905-2016), OpenSSL.
Hash256 sm3(BytesView data) noexcept;
// SHA3-256 (FIPS 202), OpenSSL: only the reference point of the keccak benchmark.
Hash256 sha3_256_openssl(BytesView data) noexcept;

}  // namespace xl::crypto
