// SPDX-License-Identifier: Apache-2.0
// Fuzz target for keystore files, which users download, copy and are sent (a trust boundary).
// decrypt_keystore(text, "pw") must never crash and must answer with a valid error; with the
// fuzzing limits every input costs milliseconds (n <= 2^10, pbkdf2 c <= 2^10), so the fuzzer
// explores the parser instead of sitting in scrypt. Whatever inspect_keystore accepts,
// decrypt_keystore must get past the parser too, and a decrypted key must be the suite's.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "crypto/keystore.hpp"
#include "crypto/suite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace xl::crypto;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const KeystoreLimits limits = KeystoreLimits::fuzzing();
    auto info = inspect_keystore(text, limits);
    auto key = decrypt_keystore(text, "pw", limits);
    if (!key) {
        if (to_string(key.error()).empty()) std::abort();
        // The password and the key are checked only after parsing succeeded.
        const bool after_parse = key.error() == KeystoreError::kWrongPassword ||
                                 key.error() == KeystoreError::kInvalidSecretKey ||
                                 key.error() == KeystoreError::kKeyMismatch;
        if (info.has_value() != after_parse) {
            std::fprintf(stderr, "keystore: inspect and decrypt disagree\n");
            std::abort();
        }
        return 0;
    }
    if (!info) std::abort();
    const CryptoSuite& suite = key->suite == SuiteId::kSm ? sm_suite() : ecdsa_suite();
    auto pk = suite.public_key(key->secret);
    if (!pk || *pk != key->public_key || suite.address(*pk) != key->address) std::abort();
    if (info->address && *info->address != key->address) std::abort();
    return 0;
}
