// SPDX-License-Identifier: Apache-2.0
// network/certs.hpp: a CA and node certificates that verify against it with the right subject,
// extensions and identity URI; identity parsing of well-formed and malformed URIs; expiry.
#include "network/certs.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "crypto/random.hpp"

namespace xl::network {
namespace {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;

X509Ptr load(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// X509_V_OK when leaf verifies against ca for TLS client and server use.
int verify(const std::string& ca_pem, const std::string& leaf_pem) {
    X509Ptr ca = load(ca_pem), leaf = load(leaf_pem);
    if (!ca || !leaf) return -1;
    StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca.get());
    int result = X509_V_OK;
    for (int purpose : {X509_PURPOSE_SSL_CLIENT, X509_PURPOSE_SSL_SERVER}) {
        StoreCtxPtr ctx(X509_STORE_CTX_new());
        X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
        X509_STORE_CTX_set_purpose(ctx.get(), purpose);
        if (X509_verify_cert(ctx.get()) != 1) result = X509_STORE_CTX_get_error(ctx.get());
    }
    return result;
}

Identity validator(const std::string& org) {
    return Identity{Role::kValidator, crypto::random_fixed<20>(), org};
}

TEST(Certs, NodeCertificateVerifiesAndCarriesItsIdentity) {
    auto ca = make_ca("Xinlian chain 1337 CA", "Xinlian consortium");
    ASSERT_TRUE(ca) << ca.error();
    for (Role role : {Role::kValidator, Role::kObserver}) {
        Identity id{role, crypto::random_fixed<20>(), "org 1 (北京)"};
        auto node = issue_certificate(*ca, id, "node1");
        ASSERT_TRUE(node) << node.error();
        EXPECT_EQ(verify(ca->cert_pem, node->cert_pem), X509_V_OK);
        auto parsed = identity_of_certificate(node->cert_pem);
        ASSERT_TRUE(parsed) << parsed.error();
        EXPECT_EQ(*parsed, id);
        EXPECT_EQ(id.uri(), std::string(role == Role::kValidator ? "xinlian:validator:"
                                                                 : "xinlian:observer:") +
                                to_hex(id.address.view()));
        // The CA itself carries no identity.
        EXPECT_FALSE(identity_of_certificate(ca->cert_pem));
    }
}

TEST(Certs, AnotherCaDoesNotVerify) {
    auto ca = make_ca("a CA", "A");
    auto other = make_ca("a CA", "A");
    ASSERT_TRUE(ca && other);
    auto node = issue_certificate(*other, validator("org0"), "node0");
    ASSERT_TRUE(node) << node.error();
    EXPECT_NE(verify(ca->cert_pem, node->cert_pem), X509_V_OK);
}

TEST(Certs, ExpiredCertificateDoesNotVerify) {
    auto ca = make_ca("CA", "consortium");
    ASSERT_TRUE(ca);
    CertOptions old;
    old.not_before_offset = std::chrono::hours(-48);
    old.validity_days = 1;
    auto node = issue_certificate(*ca, validator("org0"), "node0", old);
    ASSERT_TRUE(node) << node.error();
    EXPECT_EQ(verify(ca->cert_pem, node->cert_pem), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(Certs, MalformedIdentitiesAreRefused) {
    auto ca = make_ca("CA", "consortium");
    ASSERT_TRUE(ca);
    const Identity id = validator("org0");
    const std::string hex = to_hex(id.address.view());
    for (const std::string& san :
         {std::string("-"), std::string("https://example.com"),
          "xinlian:validator:" + hex.substr(0, 40), "xinlian:Validator:" + hex,
          "xinlian:auditor:" + hex, "xinlian:validator:0X" + hex.substr(2),
          "xinlian:validator:0x" + std::string(40, 'A'),
          "xinlian:validator:" + hex + ",URI:xinlian:observer:" + hex}) {
        CertOptions o;
        o.san_uri_override = san;
        auto node = issue_certificate(*ca, id, "node0", o);
        ASSERT_TRUE(node) << node.error();
        EXPECT_FALSE(identity_of_certificate(node->cert_pem)) << san;
    }
    EXPECT_FALSE(identity_of_certificate("not a certificate"));
}

TEST(Certs, ParseIdentityUri) {
    auto id = parse_identity_uri("xinlian:observer:0x00112233445566778899aabbccddeeff00112233");
    ASSERT_TRUE(id) << id.error();
    EXPECT_EQ(id->role, Role::kObserver);
    EXPECT_EQ(to_hex(id->address.view()), "0x00112233445566778899aabbccddeeff00112233");
    EXPECT_EQ(id->uri(), "xinlian:observer:0x00112233445566778899aabbccddeeff00112233");
    EXPECT_FALSE(parse_identity_uri("xinlian:observer:0x00112233445566778899aabbccddeeff001122"));
    EXPECT_FALSE(parse_identity_uri("xinlian:0x00112233445566778899aabbccddeeff00112233"));
    EXPECT_FALSE(parse_identity_uri(""));
}

TEST(Certs, BadNamesAndKeysAreErrors) {
    auto ca = make_ca("CA", "consortium");
    ASSERT_TRUE(ca);
    EXPECT_FALSE(make_ca("CA", ""));
    EXPECT_FALSE(make_ca(std::string(65, 'x'), "consortium"));
    EXPECT_FALSE(issue_certificate(*ca, validator("a\nb"), "node0"));
    KeyAndCert wrong = *ca;
    wrong.key_pem = make_ca("CA", "consortium")->key_pem;
    auto r = issue_certificate(wrong, validator("org0"), "node0");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("does not match"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace xl::network
