// SPDX-License-Identifier: Apache-2.0
// AES-128 / SM4 modes. GHASH uses Shoup's 4-bit tables (16 multiples of H, as in mbed TLS's
// gcm.c); its table lookups depend on secret data, a cache-timing exposure we accept for the
// SM4 suite in software; AES-GCM goes through OpenSSL (constant-time, AES-NI/PCLMUL).
#include "crypto/cipher.hpp"

#include <openssl/crypto.h>

#include <cstring>

#include "crypto/openssl_util.hpp"

namespace xl::crypto {

using namespace ossl;

namespace {

enum CipherIndex : size_t { kEcbIdx = 0, kCbcIdx, kCfbIdx, kOfbIdx, kCtrIdx, kGcmIdx, kIdxCount };

constexpr const char* kAesNames[kIdxCount] = {"AES-128-ECB", "AES-128-CBC", "AES-128-CFB",
                                              "AES-128-OFB", "AES-128-CTR", "AES-128-GCM"};
// OpenSSL 3.0 has no SM4-GCM: that slot stays empty.
constexpr const char* kSm4Names[kIdxCount] = {"SM4-ECB", "SM4-CBC", "SM4-CFB",
                                              "SM4-OFB", "SM4-CTR", nullptr};

struct FetchedCiphers {
    EVP_CIPHER* c[2][kIdxCount] = {};
    FetchedCiphers() noexcept {
        for (size_t i = 0; i < kIdxCount; ++i) {
            c[0][i] = EVP_CIPHER_fetch(nullptr, kAesNames[i], nullptr);
            c[1][i] = kSm4Names[i] ? EVP_CIPHER_fetch(nullptr, kSm4Names[i], nullptr) : nullptr;
        }
    }
    ~FetchedCiphers() {
        for (auto& row : c)
            for (EVP_CIPHER* x : row)
                EVP_CIPHER_free(x);
    }
};

const EVP_CIPHER* cipher(CipherAlgo algo, CipherIndex i) noexcept {
    static const FetchedCiphers f;
    const EVP_CIPHER* c = f.c[algo == CipherAlgo::kSm4 ? 1 : 0][i];
    XL_ASSERT(c != nullptr && "OpenSSL cipher unavailable");
    return c;
}

// One EVP pass without padding; in and out may not overlap.
bool evp_crypt(const EVP_CIPHER* c, BytesView key, const uint8_t* iv, BytesView in, uint8_t* out,
               bool encrypt) noexcept {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    int len1 = 0, len2 = 0;
    return ctx && EVP_CipherInit_ex2(ctx.get(), c, key.data(), iv, encrypt ? 1 : 0, nullptr) == 1 &&
           EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
           (in.empty() ||
            EVP_CipherUpdate(ctx.get(), out, &len1, in.data(), static_cast<int>(in.size())) == 1) &&
           EVP_CipherFinal_ex(ctx.get(), out + len1, &len2) == 1 &&
           size_t(len1) + size_t(len2) == in.size();
}

// ---- GHASH (SP 800-38D §6.4) ----

// The reduction constants of Shoup's method for the 4 bits shifted out per step.
constexpr uint64_t kLast4[16] = {0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0,
                                 0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0};

uint64_t load_be64(const uint8_t* p) noexcept {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | p[i];
    return v;
}

void store_be64(uint8_t* p, uint64_t v) noexcept {
    for (int i = 7; i >= 0; --i, v >>= 8)
        p[i] = static_cast<uint8_t>(v);
}

class Ghash {
public:
    explicit Ghash(const uint8_t h[16]) noexcept {
        uint64_t vh = load_be64(h), vl = load_be64(h + 8);
        hl_[8] = vl;
        hh_[8] = vh;
        // Multiples of H by x, x^2, x^3 in GCM's reflected bit order.
        for (int i = 4; i > 0; i >>= 1) {
            uint64_t t = (vl & 1) * 0xe1000000u;
            vl = (vh << 63) | (vl >> 1);
            vh = (vh >> 1) ^ (t << 32);
            hl_[i] = vl;
            hh_[i] = vh;
        }
        for (int i = 2; i <= 8; i *= 2) {
            for (int j = 1; j < i; ++j) {
                hh_[i + j] = hh_[i] ^ hh_[j];
                hl_[i + j] = hl_[i] ^ hl_[j];
            }
        }
    }

    // Absorbs data zero-padded to a multiple of 16 bytes.
    void update_padded(BytesView data) noexcept {
        size_t off = 0;
        for (; off + 16 <= data.size(); off += 16)
            absorb(data.data() + off);
        if (off < data.size()) {
            uint8_t block[16] = {};
            std::memcpy(block, data.data() + off, data.size() - off);
            absorb(block);
        }
    }
    void absorb(const uint8_t block[16]) noexcept {
        for (int i = 0; i < 16; ++i)
            y_[i] ^= block[i];
        mult();
    }
    const uint8_t* digest() const noexcept { return y_; }

private:
    // y = y * H.
    void mult() noexcept {
        uint8_t lo = y_[15] & 0xf;
        uint64_t zh = hh_[lo], zl = hl_[lo];
        for (int i = 15; i >= 0; --i) {
            lo = y_[i] & 0xf;
            uint8_t hi = (y_[i] >> 4) & 0xf;
            if (i != 15) {
                uint8_t rem = zl & 0xf;
                zl = (zh << 60) | (zl >> 4);
                zh = (zh >> 4) ^ (kLast4[rem] << 48);
                zh ^= hh_[lo];
                zl ^= hl_[lo];
            }
            uint8_t rem = zl & 0xf;
            zl = (zh << 60) | (zl >> 4);
            zh = (zh >> 4) ^ (kLast4[rem] << 48);
            zh ^= hh_[hi];
            zl ^= hl_[hi];
        }
        store_be64(y_, zh);
        store_be64(y_ + 8, zl);
    }

    uint64_t hh_[16] = {}, hl_[16] = {};
    uint8_t y_[16] = {};
};

bool lengths_ok(BytesView key, BytesView nonce, size_t nonce_bytes, BytesView aad,
                BytesView data) noexcept {
    return key.size() == kCipherKeyBytes && nonce.size() == nonce_bytes &&
           aad.size() <= kMaxCipherInputBytes && data.size() <= kMaxCipherInputBytes;
}

// The composed GCM core: ciphertext (encrypting or decrypting `in`) and the tag over the
// ciphertext. SP 800-38D §7.1: H = E(0^128), J0 = IV || 0^31 || 1, C = GCTR(inc32(J0), P),
// S = GHASH(A || 0^v || C || 0^u || [len(A)]64 || [len(C)]64), T = E(J0) xor S.
bool gcm_core(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad, BytesView in,
              bool encrypt, uint8_t* out, uint8_t tag[16]) noexcept {
    uint8_t blocks[32] = {};  // 0^128 || J0
    std::memcpy(blocks + 16, nonce.data(), 12);
    blocks[31] = 1;
    uint8_t enc[32];
    if (!evp_crypt(cipher(algo, kEcbIdx), key, nullptr, {blocks, 32}, enc, true)) return false;
    // inc32(J0): the counter starts at 2; OpenSSL's CTR carries into all 128 bits, but the low
    // 32 bits cannot wrap within kMaxCipherInputBytes (2^26 blocks), so the two agree.
    uint8_t ctr[16];
    std::memcpy(ctr, blocks + 16, 16);
    ctr[15] = 2;
    if (!evp_crypt(cipher(algo, kCtrIdx), key, ctr, in, out, true)) return false;
    BytesView ct = encrypt ? BytesView(out, in.size()) : in;
    Ghash g(enc);
    g.update_padded(aad);
    g.update_padded(ct);
    uint8_t lens[16];
    store_be64(lens, uint64_t(aad.size()) * 8);
    store_be64(lens + 8, uint64_t(ct.size()) * 8);
    g.absorb(lens);
    for (int i = 0; i < 16; ++i)
        tag[i] = enc[16 + i] ^ g.digest()[i];
    return true;
}

Result<Bytes, CryptoError> gcm_openssl(BytesView key, BytesView nonce, BytesView aad, BytesView in,
                                       bool encrypt) {
    ErrorQueueGuard eq;
    BytesView body = encrypt ? in : in.first(in.size() - kGcmTagBytes);
    Bytes out(body.size() + (encrypt ? kGcmTagBytes : 0));
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0, fin = 0;
    if (!ctx ||
        EVP_CipherInit_ex2(ctx.get(), cipher(CipherAlgo::kAes128, kGcmIdx), key.data(),
                           nonce.data(), encrypt ? 1 : 0, nullptr) != 1 ||
        (!aad.empty() && EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(),
                                          static_cast<int>(aad.size())) != 1) ||
        (!body.empty() && EVP_CipherUpdate(ctx.get(), out.data(), &len, body.data(),
                                           static_cast<int>(body.size())) != 1)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    if (!encrypt) {
        Bytes tag(in.end() - kGcmTagBytes, in.end());
        if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kGcmTagBytes, tag.data()) != 1 ||
            EVP_CipherFinal_ex(ctx.get(), out.data() + body.size(), &fin) != 1) {
            return unexpected(CryptoError::kCipherFailed);
        }
        return out;
    }
    if (EVP_CipherFinal_ex(ctx.get(), out.data() + body.size(), &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kGcmTagBytes,
                            out.data() + body.size()) != 1) {
        return unexpected(CryptoError::kCipherFailed);
    }
    return out;
}

// CCM's counter block i (SP 800-38C A.3): flags = q - 1, then N, then i in q bytes.
void ccm_counter(BytesView nonce, uint64_t i, uint8_t out[16]) noexcept {
    size_t q = 15 - nonce.size();
    out[0] = static_cast<uint8_t>(q - 1);
    std::memcpy(out + 1, nonce.data(), nonce.size());
    for (size_t k = 0; k < q; ++k)
        out[15 - k] = static_cast<uint8_t>(k < 8 ? i >> (8 * k) : 0);
}

// The CBC-MAC T (full 16 bytes) over B0 || encoded AAD || payload (SP 800-38C A.2, §6.1).
bool ccm_mac(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad, BytesView payload,
             size_t tag_bytes, uint8_t mac[16]) {
    size_t q = 15 - nonce.size();
    Bytes b(16, 0);
    b[0] = static_cast<uint8_t>((aad.empty() ? 0 : 0x40) | (((tag_bytes - 2) / 2) << 3) | (q - 1));
    std::memcpy(b.data() + 1, nonce.data(), nonce.size());
    for (size_t k = 0; k < q; ++k) {
        b[15 - k] = static_cast<uint8_t>(k < 8 ? uint64_t(payload.size()) >> (8 * k) : 0);
    }
    if (!aad.empty()) {
        // A.2.2: lengths below 2^16 - 2^8 take 2 bytes, others 0xff 0xfe + 4 bytes.
        if (aad.size() < 0xff00) {
            b.push_back(static_cast<uint8_t>(aad.size() >> 8));
            b.push_back(static_cast<uint8_t>(aad.size()));
        } else {
            b.insert(b.end(), {0xff, 0xfe});
            for (int k = 3; k >= 0; --k)
                b.push_back(static_cast<uint8_t>(aad.size() >> (8 * k)));
        }
        b.insert(b.end(), aad.begin(), aad.end());
        b.resize((b.size() + 15) / 16 * 16, 0);
    }
    b.insert(b.end(), payload.begin(), payload.end());
    b.resize((b.size() + 15) / 16 * 16, 0);
    // CBC-MAC is the last block of CBC encryption under a zero IV.
    Bytes out(b.size());
    static const uint8_t kZeroIv[16] = {};
    if (!evp_crypt(cipher(algo, kCbcIdx), key, kZeroIv, b, out.data(), true)) return false;
    std::memcpy(mac, out.data() + out.size() - 16, 16);
    return true;
}

bool ccm_params_ok(BytesView key, BytesView nonce, BytesView aad, size_t len,
                   size_t tag_bytes) noexcept {
    if (key.size() != kCipherKeyBytes || nonce.size() < 7 || nonce.size() > 13 || tag_bytes < 4 ||
        tag_bytes > 16 || tag_bytes % 2 != 0 || aad.size() > kMaxCipherInputBytes ||
        len > kMaxCipherInputBytes) {
        return false;
    }
    // The payload length must fit in q = 15 - |N| bytes.
    size_t q = 15 - nonce.size();
    return q >= 8 || (uint64_t(len) >> (8 * q)) == 0;
}

}  // namespace

Result<Bytes, CryptoError> cipher_crypt(CipherAlgo algo, CipherMode mode, BytesView key,
                                        BytesView iv, BytesView in, bool encrypt) {
    const bool blockwise = mode == CipherMode::kEcb || mode == CipherMode::kCbc;
    if (key.size() != kCipherKeyBytes || in.size() > kMaxCipherInputBytes ||
        (blockwise && in.size() % kCipherBlockBytes != 0) ||
        (mode != CipherMode::kEcb && iv.size() != kCipherBlockBytes)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    ErrorQueueGuard eq;
    Bytes out(in.size());
    const auto idx = static_cast<CipherIndex>(static_cast<size_t>(mode));
    if (!evp_crypt(cipher(algo, idx), key, mode == CipherMode::kEcb ? nullptr : iv.data(), in,
                   out.data(), encrypt)) {
        return unexpected(CryptoError::kInternal);
    }
    return out;
}

Result<Bytes, CryptoError> gcm_seal_composed(CipherAlgo algo, BytesView key, BytesView nonce,
                                             BytesView aad, BytesView plaintext) {
    if (!lengths_ok(key, nonce, kGcmNonceBytes, aad, plaintext)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    ErrorQueueGuard eq;
    Bytes out(plaintext.size() + kGcmTagBytes);
    if (!gcm_core(algo, key, nonce, aad, plaintext, true, out.data(),
                  out.data() + plaintext.size())) {
        return unexpected(CryptoError::kInternal);
    }
    return out;
}

Result<Bytes, CryptoError> gcm_open_composed(CipherAlgo algo, BytesView key, BytesView nonce,
                                             BytesView aad, BytesView sealed) {
    if (sealed.size() < kGcmTagBytes || !lengths_ok(key, nonce, kGcmNonceBytes, aad, sealed)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    ErrorQueueGuard eq;
    BytesView ct = sealed.first(sealed.size() - kGcmTagBytes);
    Bytes out(ct.size());
    uint8_t tag[16];
    if (!gcm_core(algo, key, nonce, aad, ct, false, out.data(), tag)) {
        return unexpected(CryptoError::kInternal);
    }
    // SP 800-38D §7.2 step 8: release no plaintext unless the tag matches (constant time).
    if (CRYPTO_memcmp(tag, sealed.data() + ct.size(), kGcmTagBytes) != 0) {
        OPENSSL_cleanse(out.data(), out.size());
        return unexpected(CryptoError::kCipherFailed);
    }
    return out;
}

Result<Bytes, CryptoError> gcm_seal(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView plaintext) {
    if (algo == CipherAlgo::kSm4) return gcm_seal_composed(algo, key, nonce, aad, plaintext);
    if (!lengths_ok(key, nonce, kGcmNonceBytes, aad, plaintext)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    return gcm_openssl(key, nonce, aad, plaintext, true);
}

Result<Bytes, CryptoError> gcm_open(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView sealed) {
    if (algo == CipherAlgo::kSm4) return gcm_open_composed(algo, key, nonce, aad, sealed);
    if (sealed.size() < kGcmTagBytes || !lengths_ok(key, nonce, kGcmNonceBytes, aad, sealed)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    return gcm_openssl(key, nonce, aad, sealed, false);
}

Result<Bytes, CryptoError> ccm_seal(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView plaintext, size_t tag_bytes) {
    if (!ccm_params_ok(key, nonce, aad, plaintext.size(), tag_bytes)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    ErrorQueueGuard eq;
    uint8_t mac[16], ctr0[16], s0[16], ctr1[16];
    ccm_counter(nonce, 0, ctr0);
    ccm_counter(nonce, 1, ctr1);
    Bytes out(plaintext.size() + tag_bytes);
    if (!ccm_mac(algo, key, nonce, aad, plaintext, tag_bytes, mac) ||
        !evp_crypt(cipher(algo, kEcbIdx), key, nullptr, {ctr0, 16}, s0, true) ||
        !evp_crypt(cipher(algo, kCtrIdx), key, ctr1, plaintext, out.data(), true)) {
        return unexpected(CryptoError::kInternal);
    }
    for (size_t i = 0; i < tag_bytes; ++i)
        out[plaintext.size() + i] = mac[i] ^ s0[i];
    return out;
}

Result<Bytes, CryptoError> ccm_open(CipherAlgo algo, BytesView key, BytesView nonce, BytesView aad,
                                    BytesView sealed, size_t tag_bytes) {
    if (sealed.size() < tag_bytes ||
        !ccm_params_ok(key, nonce, aad, sealed.size() - tag_bytes, tag_bytes)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    ErrorQueueGuard eq;
    BytesView ct = sealed.first(sealed.size() - tag_bytes);
    uint8_t mac[16], ctr0[16], s0[16], ctr1[16];
    ccm_counter(nonce, 0, ctr0);
    ccm_counter(nonce, 1, ctr1);
    Bytes out(ct.size());
    if (!evp_crypt(cipher(algo, kCtrIdx), key, ctr1, ct, out.data(), true) ||
        !ccm_mac(algo, key, nonce, aad, out, tag_bytes, mac) ||
        !evp_crypt(cipher(algo, kEcbIdx), key, nullptr, {ctr0, 16}, s0, true)) {
        return unexpected(CryptoError::kInternal);
    }
    uint8_t tag[16];
    for (size_t i = 0; i < tag_bytes; ++i)
        tag[i] = mac[i] ^ s0[i];
    if (CRYPTO_memcmp(tag, ct.data() + ct.size(), tag_bytes) != 0) {
        OPENSSL_cleanse(out.data(), out.size());
        return unexpected(CryptoError::kCipherFailed);
    }
    return out;
}

}  // namespace xl::crypto
