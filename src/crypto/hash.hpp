// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: hash functions. All are pure functions, thread-safe, noexcept.
#pragma once

#include "core/bytes.hpp"

namespace xl::crypto {

using Hash160 = FixedBytes<20>;

// Keccak-256 as used by Ethereum (original Keccak padding 0x01, not SHA3's 0x06).
// Written here because OpenSSL 3.0 lacks it.
Hash256 keccak256(BytesView data) noexcept;
// SHA-256 (FIPS 180-4), OpenSSL.
Hash256 sha256(BytesView data) noexcept;
// RIPEMD-160, OpenSSL.
Hash160 ripemd160(BytesView data) noexcept;
// SM3 (GB/T 32905-2016), OpenSSL.
Hash256 sm3(BytesView data) noexcept;
// SHA3-256 (FIPS 202), OpenSSL: only the reference point of the keccak benchmark.
Hash256 sha3_256_openssl(BytesView data) noexcept;

}  // namespace xl::crypto
