// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: symmetric ciphers with a 128-bit key and block, AES-128 and SM4 (GB/T 32907):
// the unpadded block modes through OpenSSL EVP, GCM (NIST SP 800-38D) through OpenSSL for AES
// and built here for SM4 (OpenSSL 3.0 has no SM4-GCM; RFC 8998 defines it), and CCM
// (SP 800-38C) built here over either block cipher. All functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"

namespace xl::crypto {

enum class CipherAlgo : uint8_t { kAes128, kSm4 };
// CFB is CFB128. CTR increments the whole 16-byte IV as a big-endian counter.
enum class CipherMode : uint8_t { kEcb, kCbc, kCfb, kOfb, kCtr };

inline constexpr size_t kCipherKeyBytes = 16;
inline constexpr size_t kCipherBlockBytes = 16;
inline constexpr size_t kGcmNonceBytes = 12;
inline constexpr size_t kGcmTagBytes = 16;
// Per call; far below GCM's 2^36 - 32 bytes (SP 800-38D §5.2.1.1) and INT_MAX for EVP.
inline constexpr size_t kMaxCipherInputBytes = size_t(1) << 30;

// Unpadded: ECB and CBC need a multiple of 16 bytes; iv is 16 bytes (ignored by ECB).
// kCipherFailed on a bad key/iv/data length.
Result<Bytes, CryptoError> cipher_crypt(CipherAlgo algo, CipherMode mode, BytesView key,
                                        BytesView iv, BytesView in, bool encrypt);
inline Result<Bytes, CryptoError> ctr_crypt(CipherAlgo algo, BytesView key, BytesView iv,
                                            BytesView in) {
    return cipher_crypt(algo, CipherMode::kCtr, key, iv, in, true);
}

// GCM with a 12-byte nonce and a 16-byte tag: output ciphertext || tag. open returns
// kCipherFailed if the tag does not match (and no plaintext).
Result<Bytes, CryptoError> gcm_seal(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView plaintext);
Result<Bytes, CryptoError> gcm_open(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView sealed);
// The GCM composed here from the block cipher's CTR mode and our GHASH: what gcm_seal uses for
// SM4. Exposed so that tests can check the construction against OpenSSL's AES-GCM.
Result<Bytes, CryptoError> gcm_seal_composed(CipherAlgo algo, BytesView key, BytesView nonce,
                                             BytesView aad, BytesView plaintext);
Result<Bytes, CryptoError> gcm_open_composed(CipherAlgo algo, BytesView key, BytesView nonce,
                                             BytesView aad, BytesView sealed);

// CCM (SP 800-38C): nonce of 7..13 bytes, tag of 4..16 even bytes; output ciphertext || tag.
Result<Bytes, CryptoError> ccm_seal(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView plaintext, size_t tag_bytes);
Result<Bytes, CryptoError> ccm_open(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView sealed, size_t tag_bytes);

}  // namespace xl::crypto
