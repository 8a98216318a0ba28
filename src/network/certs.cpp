// SPDX-License-Identifier: Apache-2.0
// Xinlian network: certificate creation (certs.hpp) and identity parsing (transport.hpp,
// openssl_util.hpp) over OpenSSL 3's EVP/X509 APIs, which are thread-safe on distinct objects.
#include "network/certs.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <functional>
#include <optional>

#include "crypto/random.hpp"
#include "network/openssl_util.hpp"

namespace xl::network {

using namespace detail;

namespace {

constexpr std::string_view kUriPrefix = "xinlian:";
constexpr std::string_view kValidatorRole = "validator";
constexpr std::string_view kObserverRole = "observer";
constexpr size_t kSerialBytes = 16;  // RFC 5280 §4.1.2.2: at most 20 bytes

using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

using Status = Result<void, std::string>;

Result<PkeyPtr, std::string> make_p256_key() {
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) return unexpected(openssl_error("generating a P-256 key"));
    return key;
}

Result<std::string, std::string> pem_of(const std::function<int(BIO*)>& write) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1) return unexpected(openssl_error("writing PEM"));
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
}

Result<KeyAndCert, std::string> pems(EVP_PKEY* key, X509* cert) {
    auto k = pem_of([key](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
    if (!k) return unexpected(k.error());
    auto c = pem_of([cert](BIO* b) { return PEM_write_bio_X509(b, cert); });
    if (!c) return unexpected(c.error());
    return KeyAndCert{std::move(*k), std::move(*c)};
}

Status check_name_field(const char* what, const std::string& value, size_t max) {
    if (value.empty()) return unexpected(std::string("an empty ") + what);
    if (value.size() > max) {
        return unexpected(std::string(what) + " '" + value + "' is longer than " +
                          std::to_string(max) + " bytes");
    }
    for (unsigned char c : value) {
        if (c < 0x20 || c == 0x7f) return unexpected(std::string("a control character in ") + what);
    }
    return {};
}

Result<NamePtr, std::string> make_name(const std::string& organisation,
                                       const std::string& common_name) {
    XL_TRY_VOID(check_name_field("organisation", organisation, kMaxOrganisationLength));
    XL_TRY_VOID(check_name_field("common name", common_name, kMaxCommonNameLength));
    NamePtr name(X509_NAME_new());
    if (!name) return unexpected(openssl_error("X509_NAME_new"));
    for (const auto& [field, value] : {std::pair{"O", &organisation}, {"CN", &common_name}}) {
        if (X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value->c_str()),
                                       static_cast<int>(value->size()), -1, 0) != 1) {
            return unexpected(openssl_error(std::string("setting ") + field + " '" + *value + "'"));
        }
    }
    return name;
}

Status add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        return unexpected(
            openssl_error("adding extension " + std::string(OBJ_nid2sn(nid)) + " = " + value));
    }
    return {};
}

// An unsigned certificate for subject_key with the given subject and a key identifier; issued
// by issuer, or self-issued when issuer == nullptr. RFC 5280 §4.1.2.2: a positive serial of at
// most 20 bytes, unique per CA: 16 random bytes, top bit cleared, first byte never zero.
Result<X509Ptr, std::string> make_cert(EVP_PKEY* subject_key, const X509_NAME* subject,
                                       X509* issuer, const CertOptions& options) {
    X509Ptr cert(X509_new());
    if (!cert) return unexpected(openssl_error("X509_new"));
    if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
        return unexpected(openssl_error("X509_set_version"));
    }
    auto serial = crypto::random_fixed<kSerialBytes>();
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    BnPtr bn(BN_bin2bn(serial.data(), kSerialBytes, nullptr));
    if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()))) {
        return unexpected(openssl_error("setting the serial number"));
    }
    const long offset = static_cast<long>(options.not_before_offset.count());
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), offset) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert.get()), options.validity_days, offset, nullptr)) {
        return unexpected(openssl_error("setting the validity"));
    }
    if (X509_set_subject_name(cert.get(), subject) != 1 ||
        X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1 ||
        X509_set_pubkey(cert.get(), subject_key) != 1) {
        return unexpected(openssl_error("setting subject, issuer or public key"));
    }
    X509* const signer = issuer ? issuer : cert.get();
    XL_TRY_VOID(add_ext(cert.get(), signer, NID_subject_key_identifier, "hash"));
    if (issuer) {
        XL_TRY_VOID(add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always"));
    }
    return cert;
}

Status sign_cert(X509* cert, EVP_PKEY* issuer_key) {
    if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) {
        return unexpected(openssl_error("signing a certificate"));
    }
    return {};
}

std::string_view role_name(Role role) {
    return role == Role::kValidator ? kValidatorRole : kObserverRole;
}

std::string asn1_text(const ASN1_STRING* s) {
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
}

}  // namespace

// ---- openssl_util.hpp ----

namespace detail {

std::string openssl_error(const std::string& what) {
    const unsigned long e = ERR_get_error();
    char buf[256] = "unknown error";
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return what + ": " + buf;
}

X509Ptr parse_certificate(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    return cert;
}

PkeyPtr parse_private_key(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    return key;
}

Result<Identity, std::string> identity_of_x509(X509* cert) {
    if (cert == nullptr) return unexpected(std::string("no certificate"));
    // The SAN URI: exactly one URI entry, which must be an identity URI.
    int critical = 0;
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
    if (!names) {
        return unexpected(critical == -2 ? std::string("more than one subjectAltName extension")
                                         : std::string("no subjectAltName with an identity URI"));
    }
    std::optional<std::string> uri;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
        if (g->type != GEN_URI) continue;
        if (uri) return unexpected(std::string("more than one URI in subjectAltName"));
        uri = asn1_text(g->d.uniformResourceIdentifier);
    }
    if (!uri) return unexpected(std::string("no identity URI in subjectAltName"));
    auto identity = parse_identity_uri(*uri);
    if (!identity) return unexpected(identity.error());
    // The organisation: exactly one non-empty O= in the subject.
    const X509_NAME* subject = X509_get_subject_name(cert);
    const int at = X509_NAME_get_index_by_NID(subject, NID_organizationName, -1);
    if (at < 0) return unexpected(std::string("no organisation (O=) in the subject"));
    if (X509_NAME_get_index_by_NID(subject, NID_organizationName, at) >= 0) {
        return unexpected(std::string("more than one organisation (O=) in the subject"));
    }
    const ASN1_STRING* o = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, o);
    if (n <= 0) {
        OPENSSL_free(utf8);
        ERR_clear_error();
        return unexpected(std::string("an empty or undecodable organisation (O=)"));
    }
    identity->organisation.assign(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
    return identity;
}

}  // namespace detail

// ---- transport.hpp ----

std::string Identity::uri() const {
    return std::string(kUriPrefix) + std::string(role_name(role)) + ":" + to_hex(address.view());
}

Result<Identity, std::string> identity_of_certificate(const std::string& pem) {
    X509Ptr cert = parse_certificate(pem);
    if (!cert) return unexpected(std::string("not a PEM certificate"));
    return identity_of_x509(cert.get());
}

// ---- certs.hpp ----

Result<Identity, std::string> parse_identity_uri(std::string_view uri) {
    auto bad = [&](const char* why) {
        return unexpected("identity URI '" + std::string(uri.substr(0, 100)) + "': " + why);
    };
    if (!uri.starts_with(kUriPrefix)) return bad("does not start with xinlian:");
    std::string_view rest = uri.substr(kUriPrefix.size());
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return bad("no role");
    Identity id;
    const std::string_view role = rest.substr(0, colon);
    if (role == kValidatorRole) {
        id.role = Role::kValidator;
    } else if (role == kObserverRole) {
        id.role = Role::kObserver;
    } else {
        return bad("the role is neither validator nor observer");
    }
    // Canonical form only (0x and 40 lower-case digits), so one identity has one URI.
    const std::string_view hex = rest.substr(colon + 1);
    if (hex.size() != 2 + 2 * Address::size() || !hex.starts_with("0x")) {
        return bad("the address is not 0x and 40 hex digits");
    }
    for (char c : hex.substr(2)) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return bad("the address is not lower-case hex");
        }
    }
    auto address = fixed_from_hex<Address::size()>(hex);
    if (!address) return bad("the address is not hex");
    id.address = *address;
    return id;
}

namespace {

Result<KeyAndCert, std::string> make_ca_impl(const std::string& common_name,
                                             const std::string& organisation,
                                             const CertOptions& options) {
    auto key = make_p256_key();
    if (!key) return unexpected(key.error());
    auto name = make_name(organisation, common_name);
    if (!name) return unexpected(name.error());
    auto cert = make_cert(key->get(), name->get(), nullptr, options);
    if (!cert) return unexpected(cert.error());
    X509* const c = cert->get();
    XL_TRY_VOID(add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
    XL_TRY_VOID(add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"));
    XL_TRY_VOID(sign_cert(c, key->get()));
    return pems(key->get(), c);
}

Result<KeyAndCert, std::string> issue_impl(const KeyAndCert& ca, const Identity& identity,
                                           const std::string& common_name,
                                           const CertOptions& options) {
    X509Ptr ca_cert = parse_certificate(ca.cert_pem);
    if (!ca_cert) return unexpected(std::string("the CA certificate is not PEM"));
    PkeyPtr ca_key = parse_private_key(ca.key_pem);
    if (!ca_key) return unexpected(std::string("the CA key is not PEM"));
    if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
        ERR_clear_error();
        return unexpected(std::string("the CA key does not match the CA certificate"));
    }
    auto key = make_p256_key();
    if (!key) return unexpected(key.error());
    auto name = make_name(identity.organisation, common_name);
    if (!name) return unexpected(name.error());
    auto cert = make_cert(key->get(), name->get(), ca_cert.get(), options);
    if (!cert) return unexpected(cert.error());
    X509* const c = cert->get();
    XL_TRY_VOID(add_ext(c, ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
    XL_TRY_VOID(add_ext(c, ca_cert.get(), NID_key_usage, "critical,digitalSignature"));
    XL_TRY_VOID(add_ext(c, ca_cert.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
    const std::string& san = options.san_uri_override;
    if (san != "-") {
        XL_TRY_VOID(add_ext(c, ca_cert.get(), NID_subject_alt_name,
                            "URI:" + (san.empty() ? identity.uri() : san)));
    }
    XL_TRY_VOID(sign_cert(c, ca_key.get()));
    return pems(key->get(), c);
}

}  // namespace

Result<KeyAndCert, std::string> make_ca(const std::string& common_name,
                                        const std::string& organisation,
                                        const CertOptions& options) {
    auto r = make_ca_impl(common_name, organisation, options);
    if (!r) return unexpected("making the CA: " + r.error());
    return r;
}

Result<KeyAndCert, std::string> issue_certificate(const KeyAndCert& ca, const Identity& identity,
                                                  const std::string& common_name,
                                                  const CertOptions& options) {
    auto r = issue_impl(ca, identity, common_name, options);
    if (!r) return unexpected("issuing a certificate for " + common_name + ": " + r.error());
    return r;
}

}  // namespace xl::network
