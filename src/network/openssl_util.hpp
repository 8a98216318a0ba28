// SPDX-License-Identifier: Apache-2.0
// Xinlian network, internal: OpenSSL ownership helpers and the identity of an X.509
// certificate, shared by certs.cpp and transport.cpp. Include only from .cpp files of this
// module (it pulls in OpenSSL headers). Thread-safety: free functions over values.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "core/result.hpp"
#include "network/transport.hpp"

namespace xl::network::detail {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

// "what: <first queued OpenSSL error>", and clears the error queue.
std::string openssl_error(const std::string& what);

// PEM text -> object; null on malformed input (the OpenSSL error queue is cleared).
X509Ptr parse_certificate(const std::string& pem);
PkeyPtr parse_private_key(const std::string& pem);

// The identity a certificate carries: exactly one SAN URI that is a well-formed identity URI,
// and exactly one non-empty O= in the subject.
Result<Identity, std::string> identity_of_x509(X509* cert);

}  // namespace xl::network::detail
