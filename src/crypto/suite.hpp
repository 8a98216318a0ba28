// SPDX-License-Identifier: Apache-2.0
// Xinlian crypto: the CryptoSuite chosen at genesis (DESIGN.md §2). One object is passed
// down from the node; there is no global switch, so tests run both suites side by side.
// Implementations are stateless and thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace xl::crypto {

enum class SuiteId : uint8_t { kEcdsa = 0, kSm = 1 };

enum class CryptoError {
    kInvalidSecretKey,   // zero or >= curve order
    kInvalidPublicKey,   // not on the curve
    kInvalidSignature,   // malformed, non-canonical (high s) or out of range
    kVerifyFailed,       // well-formed but does not verify
    kRecoverUnsupported, // SM2 has no key recovery
    kRecoverFailed,
    kCipherFailed,       // bad key/iv length, or authentication tag mismatch
    kInternal,           // the library failed in a way that is not the input's fault
};
std::string_view to_string(CryptoError e) noexcept;

using SecretKey = FixedBytes<32>;
// Uncompressed public key without the 0x04 prefix: x || y, both suites.
using PublicKey = FixedBytes<64>;

// r and s are 32-byte big-endian. v is the secp256k1 recovery id (0 or 1); always 0 for SM2.
struct Signature {
    Hash256 r;
    Hash256 s;
    uint8_t v = 0;
    friend bool operator==(const Signature&, const Signature&) = default;
};

// Wire form of a signature (docs/crypto.md): ecdsa 65 bytes r || s || v with v in {0, 1};
// sm 64 bytes r || s. decode checks the length and v only; range checks belong to verify.
inline constexpr size_t signature_size(SuiteId suite) noexcept {
    return suite == SuiteId::kEcdsa ? 65 : 64;
}
Bytes encode_signature(SuiteId suite, const Signature& sig);
Result<Signature, CryptoError> decode_signature(SuiteId suite, BytesView wire);

class CryptoSuite {
public:
    virtual ~CryptoSuite() = default;

    virtual SuiteId id() const noexcept = 0;
    // "ecdsa" or "sm": the names used in genesis, config and CLI flags.
    virtual std::string_view name() const noexcept = 0;

    // Ledger hash: keccak-256 (ecdsa) or SM3 (sm). Transactions, blocks, trie, Merkle.
    virtual Hash256 hash(BytesView data) const noexcept = 0;

    // A fresh key from the CSPRNG.
    virtual SecretKey generate_key() const = 0;
    virtual Result<PublicKey, CryptoError> public_key(const SecretKey& sk) const = 0;
    // Last 20 bytes of hash(x || y) with the suite's hash.
    virtual Address address(const PublicKey& pk) const noexcept = 0;

    // Signs a message. ecdsa: secp256k1 over keccak256(message), low-s, with recovery id.
    // sm: SM2 with the default ID 1234567812345678 (e = SM3(Z || message)).
    virtual Result<Signature, CryptoError> sign(const SecretKey& sk, BytesView message) const = 0;
    // Returns kVerifyFailed or kInvalidSignature/kInvalidPublicKey on failure.
    virtual Result<void, CryptoError> verify(const PublicKey& pk, BytesView message,
                                             const Signature& sig) const = 0;
    // ecdsa only: the public key that signed message; sm returns kRecoverUnsupported.
    virtual Result<PublicKey, CryptoError> recover(BytesView message, const Signature& sig) const = 0;

    // Symmetric authenticated encryption for data at rest and shared data:
    // ecdsa AES-128-GCM, sm SM4-GCM. key 16 bytes, nonce 12 bytes; output ciphertext || tag(16).
    virtual Result<Bytes, CryptoError> seal(BytesView key, BytesView nonce, BytesView aad,
                                            BytesView plaintext) const = 0;
    virtual Result<Bytes, CryptoError> open(BytesView key, BytesView nonce, BytesView aad,
                                            BytesView sealed) const = 0;
};

// The two suites; the returned references live for the whole program.
const CryptoSuite& ecdsa_suite() noexcept;
const CryptoSuite& sm_suite() noexcept;
// By name ("ecdsa" / "sm"); nullptr for any other name.
const CryptoSuite* suite_by_name(std::string_view name) noexcept;

}  // namespace xl::crypto
