// SPDX-License-Identifier: Apache-2.0
// Xinlian network: the consortium's X.509 certificates (docs/spec/network.md, docs/cli.md).
// A consortium CA (ECDSA P-256, self-signed, CA:TRUE pathlen:0) issues each node an ECDSA
// P-256 certificate whose subject is O=<organisation>, CN=<node name> and whose subject
// alternative name is the node's identity URI `xinlian:validator:0x<address>` or
// `xinlian:observer:0x<address>`. `xinlian init` writes these files; tests make their own
// (a second CA, another identity, an expired certificate, a malformed identity URI).
// P-256 in both crypto suites: OpenSSL's TLS 1.3 has no SM2 certificates.
//
// Thread-safety: free functions over values; safe to call from any thread.
#pragma once

#include <chrono>
#include <string>

#include "core/result.hpp"
#include "network/transport.hpp"

namespace xl::network {

inline constexpr int kCertValidityDays = 3653;  // 10 years with their leap days
// X.509 ub-organization-name and ub-common-name (RFC 5280 appendix A).
inline constexpr size_t kMaxOrganisationLength = 64;
inline constexpr size_t kMaxCommonNameLength = 64;

// A private key (PKCS#8 PEM, unencrypted) and its certificate (PEM).
struct KeyAndCert {
    std::string key_pem;
    std::string cert_pem;
};

struct CertOptions {
    // Validity: from now + not_before_offset for validity_days. A negative offset and a
    // short validity make an expired certificate (tests).
    std::chrono::seconds not_before_offset{0};
    int validity_days = kCertValidityDays;
    // Non-empty: the SAN URI written instead of identity.uri() (tests of malformed identities);
    // "-": no SAN at all.
    std::string san_uri_override;
};

// A self-signed consortium CA: subject O=<organisation>, CN=<common_name>.
Result<KeyAndCert, std::string> make_ca(const std::string& common_name,
                                        const std::string& organisation,
                                        const CertOptions& options = {});

// A node certificate signed by `ca` with SHA-256: a new P-256 key, subject
// O=<identity.organisation>, CN=<common_name>, CA:FALSE, digitalSignature, extended key usage
// serverAuth + clientAuth (every node is TLS server and client), SAN URI identity.uri().
Result<KeyAndCert, std::string> issue_certificate(const KeyAndCert& ca, const Identity& identity,
                                                  const std::string& common_name,
                                                  const CertOptions& options = {});

// Parses an identity URI: "xinlian:validator:0x<40 lower-case hex digits>" or
// "xinlian:observer:0x…". The organisation of the result is empty.
Result<Identity, std::string> parse_identity_uri(std::string_view uri);

}  // namespace xl::network
