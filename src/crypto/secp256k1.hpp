// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: secp256k1 ECDSA at the level of a 32-byte hash, through libsecp256k1 (one
// static context, created and randomized once). The transaction layer signs Ethereum signing
// hashes with these directly; the ecdsa CryptoSuite signs keccak256(message) with them.
// All functions are thread-safe.
#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"

namespace xl::crypto::secp256k1 {

// The group order n (SEC 2 §2.4.1), big-endian.
inline constexpr Hash256 kOrder{{
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
}};
// n / 2 (rounded down): the largest s that is "low" (EIP-2).
inline constexpr Hash256 kHalfOrder{{
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
}};

// 0 < sk < n.
[[nodiscard]] bool secret_key_valid(const SecretKey& sk) noexcept;
// x || y is a point on the curve (not the point at infinity, which has no such encoding).
[[nodiscard]] bool public_key_valid(const PublicKey& pk) noexcept;
Result<PublicKey, CryptoError> public_key(const SecretKey& sk) noexcept;

// RFC 6979 deterministic nonce; libsecp256k1 always produces low s (EIP-2). v = recovery id
// (0 or 1; the r >= n cases 2 and 3 have probability ~2^-127 and are never produced here).
Result<Signature, CryptoError> sign(const SecretKey& sk, const Hash256& hash) noexcept;
// kInvalidSignature: r or s zero or >= n, or s > n/2 (high s is rejected, EIP-2).
// kInvalidPublicKey: pk not on the curve. kVerifyFailed: well-formed but wrong. v is ignored.
Result<void, CryptoError> verify(const PublicKey& pk, const Hash256& hash,
                                 const Signature& sig) noexcept;
// The public key that signed hash. v must be 0 or 1. allow_high_s = true is the ecrecover
// precompile's rule (it accepts any s in [1, n-1]); transactions use false (EIP-2).
Result<PublicKey, CryptoError> recover(const Hash256& hash, const Signature& sig,
                                       bool allow_high_s) noexcept;

}  // namespace xl::crypto::secp256k1
