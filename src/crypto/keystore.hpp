// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: password-encrypted key files ("keystores"), docs/keystore.md.
// - ecdsa: Ethereum Web3 Secret Storage version 3, exactly (aes-128-ctr; kdf scrypt, or
//   pbkdf2/hmac-sha256 when reading; mac = keccak256(dk[16..32] || ciphertext)), so geth,
//   ethers and MetaMask open our files and we open theirs.
// - sm: the same JSON shape with GB/T algorithms only: sm4-ctr, pbkdf2 with hmac-sm3,
//   mac = SM3(dk[16..32] || ciphertext), and "xinlian": {"suite": "sm", "publicKey": ...}.
// Every function is a pure function of its arguments (plus the CSPRNG for encryption) and is
// thread-safe. A keystore is hostile input: every size and every KDF cost read from it is
// bounded by KeystoreLimits before any work is done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"

namespace xl::crypto {

enum class KeystoreError : uint8_t {
    kTooLarge,              // input over kMaxKeystoreSize bytes or nested over kMaxKeystoreDepth
    kBadJson,               // not JSON, or not a JSON object at the top
    kMissingField,          // a required field is absent
    kBadFieldType,          // a field has the wrong JSON type (e.g. "n" is a string)
    kUnsupportedVersion,    // "version" is not 3
    kUnsupportedSuite,      // "xinlian.suite" is neither "ecdsa" nor "sm"
    kUnsupportedKdf,        // "kdf" is neither "scrypt" nor "pbkdf2"
    kUnsupportedPrf,        // pbkdf2 "prf" is neither "hmac-sha256" nor "hmac-sm3"
    kUnsupportedCipher,     // "cipher" is not the suite's (aes-128-ctr / sm4-ctr)
    kKdfParamsOutOfBounds,  // dklen != 32, n not a power of two, cost over KeystoreLimits, ...
    kBadHex,                // a hex field has a bad digit or an odd length
    kBadLength,             // iv, ciphertext, mac, salt, address or public key of a wrong size
    kWrongPassword,         // the MAC does not match: wrong password (or a corrupted file)
    kInvalidSecretKey,      // the secret is not a valid key of the suite (zero, >= order)
    kKeyMismatch,           // the stored address or public key is not the secret's
    kPasswordTooLong,       // password over kMaxPasswordSize bytes
    kInternal,              // OpenSSL or an allocation failed; not the input's fault
};
std::string_view to_string(KeystoreError e) noexcept;

// Upper bounds on the input itself. Real keystores are < 2 KiB (ethers adds a mnemonic).
inline constexpr size_t kMaxKeystoreSize = 64 * 1024;
inline constexpr size_t kMaxKeystoreDepth = 8;
inline constexpr size_t kMaxKdfSaltSize = 1024;
inline constexpr size_t kMaxPasswordSize = 4096;

// Upper bounds on the KDF cost a keystore may ask for, so that a hostile file cannot exhaust
// memory or time. The defaults admit geth's "standard" scrypt (n = 2^18, r = 8, p = 1:
// 256 MiB, ~1-2 s), ethers' default (n = 2^17) and the Web3 test vectors, and nothing more
// than a few seconds. Fuzzers pass fuzzing(), which keeps every input in milliseconds.
struct KeystoreLimits {
    uint64_t max_scrypt_n = uint64_t{1} << 20;
    uint64_t max_scrypt_work = uint64_t{1} << 22;  // n * r * p, in 128-byte BlockMix units
    // 128 * r * (n + p + 2) bytes (RFC 7914 §5: V, B and the BlockMix scratch).
    uint64_t max_scrypt_memory = uint64_t{288} << 20;
    uint64_t max_pbkdf2_iterations = uint64_t{1} << 22;

    static constexpr KeystoreLimits fuzzing() noexcept {
        return {uint64_t{1} << 10, uint64_t{1} << 12, uint64_t{1} << 20, uint64_t{1} << 10};
    }
};

enum class KdfKind : uint8_t {
    kSuiteDefault,  // ecdsa: scrypt (what geth and ethers write); sm: pbkdf2 with hmac-sm3
    kScrypt,        // RFC 7914 (its inner PBKDF2 is hmac-sha256 in both suites)
    kPbkdf2,        // RFC 8018; prf hmac-sha256 (ecdsa) or hmac-sm3 (sm)
};

// How encrypt_keystore derives the key. Defaults: geth's "standard" scrypt parameters
// (accounts/keystore StandardScryptN/P) and 2^20 pbkdf2 iterations (about the same time).
struct KeystoreParams {
    KdfKind kdf = KdfKind::kSuiteDefault;
    uint64_t scrypt_n = uint64_t{1} << 18;
    uint32_t scrypt_r = 8;
    uint32_t scrypt_p = 1;
    uint32_t pbkdf2_iterations = uint32_t{1} << 20;

    // geth's "light" preset (LightScryptN/P: n = 4096, p = 6), ~50x cheaper; for tests and
    // throw-away development keys.
    static constexpr KeystoreParams light() noexcept {
        return {KdfKind::kSuiteDefault, uint64_t{1} << 12, 8, 6, uint32_t{1} << 14};
    }
};

// The random inputs of one encryption. Fresh from the CSPRNG in encrypt_keystore; fixed only
// to reproduce test vectors (reusing a salt/iv with another key or password leaks both).
struct KeystoreNonces {
    FixedBytes<32> salt;
    FixedBytes<16> iv;
    FixedBytes<16> uuid;  // made a version-4 UUID (RFC 4122 §4.4) by setting its 6 fixed bits
};

// A decrypted key and what it implies.
struct KeystoreKey {
    SuiteId suite = SuiteId::kEcdsa;
    SecretKey secret;
    Address address;
    PublicKey public_key;
};

// What a keystore says about itself without the password (all of it validated).
struct KeystoreInfo {
    SuiteId suite = SuiteId::kEcdsa;
    std::optional<Address> address;       // optional in Web3 v3; always written by us
    std::optional<PublicKey> public_key;  // "xinlian.publicKey"; written for sm only
    std::string kdf;                      // "scrypt" or "pbkdf2"
    std::string cipher;                   // "aes-128-ctr" or "sm4-ctr"
};

// Encrypts secret under password. Returns the JSON text (one line). Errors:
// kInvalidSecretKey, kKdfParamsOutOfBounds (params outside the default KeystoreLimits, so we
// never write a file we would refuse to read), kInternal.
Result<std::string, KeystoreError> encrypt_keystore(const CryptoSuite& suite,
                                                    const SecretKey& secret,
                                                    std::string_view password,
                                                    const KeystoreParams& params = {});
// The same with given nonces: deterministic, for test vectors only.
Result<std::string, KeystoreError> encrypt_keystore_with_nonces(const CryptoSuite& suite,
                                                                const SecretKey& secret,
                                                                std::string_view password,
                                                                const KeystoreParams& params,
                                                                const KeystoreNonces& nonces);

// Decrypts a keystore of either suite. The password is used as its UTF-8 bytes, unnormalised
// (as geth does; ethers NFKC-normalises first, which differs only for some non-ASCII text).
Result<KeystoreKey, KeystoreError> decrypt_keystore(std::string_view json,
                                                    std::string_view password,
                                                    const KeystoreLimits& limits = {});

// Parses and validates a keystore without the password (no KDF is run).
Result<KeystoreInfo, KeystoreError> inspect_keystore(std::string_view json,
                                                     const KeystoreLimits& limits = {});

namespace detail {
// scrypt (RFC 7914) with HMAC-SHA256, exposed for its own tests. Accepts n >= 2^(16 r), which
// OpenSSL refuses and Web3 keystores use. Only overflow is checked here: callers bound the
// cost (128 * r * n bytes of memory, n * r * p BlockMix calls) first.
Result<void, KeystoreError> scrypt(std::string_view password, BytesView salt, uint64_t n,
                                   uint32_t r, uint32_t p, std::span<uint8_t> out);
}  // namespace detail

}  // namespace xl::crypto
