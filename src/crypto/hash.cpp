// SPDX-License-Identifier: Apache-2.0
// SHA-256, RIPEMD-160, SM3 and SHA3-256 through OpenSSL 3 EVP. Thread-safe: the EVP_MD objects
// are fetched once (thread-safe static initialisation) and each thread reuses its own contexts,
// so a hash costs no fetch and no context allocation.
// RIPEMD160() (deprecated in 3.0) is only the fallback for OpenSSL builds before 3.0.7, whose
// default provider lacks RIPEMD-160.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/ripemd.h>

#include "crypto/hash.hpp"

namespace xl::crypto {
namespace {

enum MdIndex : size_t { kSha256 = 0, kRipemd160, kSm3, kSha3_256, kMdCount };

// OpenSSL 3 providers' algorithm names. RIPEMD160 is in the default provider since 3.0.7.
constexpr const char* kMdNames[kMdCount] = {"SHA2-256", "RIPEMD-160", "SM3", "SHA3-256"};

struct FetchedMds {
    EVP_MD* md[kMdCount] = {};
    FetchedMds() noexcept {
        for (size_t i = 0; i < kMdCount; ++i)
            md[i] = EVP_MD_fetch(nullptr, kMdNames[i], nullptr);
    }
    ~FetchedMds() {
        for (EVP_MD* m : md)
            EVP_MD_free(m);
    }
};

const EVP_MD* fetched(MdIndex i) noexcept {
    static const FetchedMds mds;
    return mds.md[i];
}

struct ThreadContexts {
    EVP_MD_CTX* ctx[kMdCount] = {};
    ~ThreadContexts() {
        for (EVP_MD_CTX* c : ctx)
            EVP_MD_CTX_free(c);
    }
};

// Hashes data with the algorithm i into out (its digest size). A missing algorithm or an
// allocation failure is an environment fault, not input: it stops the process.
void evp_hash(MdIndex i, BytesView data, uint8_t* out, unsigned expected_len) noexcept {
    const EVP_MD* md = fetched(i);
    XL_ASSERT(md != nullptr && "OpenSSL digest unavailable");
    thread_local ThreadContexts tc;
    EVP_MD_CTX*& ctx = tc.ctx[i];
    if (ctx == nullptr) ctx = EVP_MD_CTX_new();
    XL_ASSERT(ctx != nullptr);
    unsigned len = 0;
    bool ok = EVP_DigestInit_ex2(ctx, md, nullptr) == 1 &&
              EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
              EVP_DigestFinal_ex(ctx, out, &len) == 1;
    XL_ASSERT(ok && len == expected_len);
}

}  // namespace

Hash256 sha256(BytesView data) noexcept {
    Hash256 h;
    evp_hash(kSha256, data, h.data(), 32);
    return h;
}

Hash160 ripemd160(BytesView data) noexcept {
    Hash160 h;
    if (fetched(kRipemd160) == nullptr) {
        RIPEMD160(data.data(), data.size(), h.data());
        return h;
    }
    evp_hash(kRipemd160, data, h.data(), 20);
    return h;
}

Hash256 sm3(BytesView data) noexcept {
    Hash256 h;
    evp_hash(kSm3, data, h.data(), 32);
    return h;
}

Hash256 sha3_256_openssl(BytesView data) noexcept {
    Hash256 h;
    evp_hash(kSha3_256, data, h.data(), 32);
    return h;
}

}  // namespace xl::crypto
