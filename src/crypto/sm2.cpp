// SPDX-License-Identifier: Apache-2.0
// SM2 (GB/T 32918): signatures through OpenSSL EVP, and the test-only fixed-k signer, verifier
// and encryption on any curve with BIGNUM/EC_POINT primitives.
#include "crypto/sm2.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>

#include <cstring>

#include "crypto/hash.hpp"
#include "crypto/openssl_util.hpp"

namespace xl::crypto {

using namespace ossl;

namespace {

constexpr size_t kMaxMessageBytes = size_t(1) << 30;  // far above any ledger object
constexpr size_t kMaxCipherBytes = size_t(16) << 20;  // SM2 encryption is for keys, not bulk

Hash256 h(std::string_view hex) {
    return Hash256::from(hex_literal(hex));
}

// One curve's EC_GROUP and order. The sm2p256v1 instance is built once and then only read.
struct CurveCtx {
    GroupPtr group;
    BnPtr n;
    BnPtr p;

    static std::unique_ptr<CurveCtx> make(const Sm2Curve& c) {
        auto cc = std::make_unique<CurveCtx>();
        BnCtxPtr bn(BN_CTX_new());
        cc->n = bn_from(c.n.data(), 32);
        cc->p = bn_from(c.p.data(), 32);
        if (!bn || !cc->n || !cc->p) return nullptr;
        if (c == sm2p256v1()) {
            cc->group.reset(EC_GROUP_new_by_curve_name(NID_sm2));
            return cc->group ? std::move(cc) : nullptr;
        }
        BnPtr a = bn_from(c.a.data(), 32), b = bn_from(c.b.data(), 32);
        BnPtr gx = bn_from(c.gx.data(), 32), gy = bn_from(c.gy.data(), 32);
        BnPtr one(BN_new());
        if (!a || !b || !gx || !gy || !one || BN_one(one.get()) != 1) return nullptr;
        cc->group.reset(EC_GROUP_new_curve_GFp(cc->p.get(), a.get(), b.get(), bn.get()));
        if (!cc->group) return nullptr;
        PointPtr g(EC_POINT_new(cc->group.get()));
        if (!g ||
            EC_POINT_set_affine_coordinates(cc->group.get(), g.get(), gx.get(), gy.get(),
                                            bn.get()) != 1 ||
            EC_GROUP_set_generator(cc->group.get(), g.get(), cc->n.get(), one.get()) != 1) {
            return nullptr;
        }
        return cc;
    }
};

// The context for c: shared for sm2p256v1, built for the call otherwise (test curves).
struct CurveRef {
    std::unique_ptr<CurveCtx> owned;
    const CurveCtx* ctx = nullptr;
    explicit CurveRef(const Sm2Curve& c) {
        if (c == sm2p256v1()) {
            static const std::unique_ptr<CurveCtx> shared = CurveCtx::make(sm2p256v1());
            ctx = shared.get();
        } else {
            owned = CurveCtx::make(c);
            ctx = owned.get();
        }
    }
};

// Parses x || y into a point on the curve (never the point at infinity).
PointPtr parse_point(const CurveCtx& cc, const uint8_t* xy, BN_CTX* bn) {
    uint8_t buf[65];
    buf[0] = 0x04;
    std::memcpy(buf + 1, xy, 64);
    PointPtr pt(EC_POINT_new(cc.group.get()));
    if (!pt || EC_POINT_oct2point(cc.group.get(), pt.get(), buf, sizeof(buf), bn) != 1 ||
        EC_POINT_is_on_curve(cc.group.get(), pt.get(), bn) != 1 ||
        EC_POINT_is_at_infinity(cc.group.get(), pt.get())) {
        return nullptr;
    }
    return pt;
}

// Affine x || y of a point; false for the point at infinity.
bool point_xy(const CurveCtx& cc, const EC_POINT* pt, uint8_t out[64], BN_CTX* bn) {
    if (EC_POINT_is_at_infinity(cc.group.get(), pt)) return false;
    BnPtr x(BN_new()), y(BN_new());
    return x && y &&
           EC_POINT_get_affine_coordinates(cc.group.get(), pt, x.get(), y.get(), bn) == 1 &&
           BN_bn2binpad(x.get(), out, 32) == 32 && BN_bn2binpad(y.get(), out + 32, 32) == 32;
}

// 1 <= v <= n - 1, or <= n - 2 when minus_two (secret keys).
bool scalar_in_range(const Hash256& v, const Sm2Curve& c, bool minus_two) {
    if (v.is_zero()) return false;
    BnPtr bv = bn_from(v.data(), 32), n = bn_from(c.n.data(), 32);
    XL_ASSERT(bv && n);
    if (minus_two) XL_ASSERT(BN_sub_word(n.get(), 1) == 1);
    return BN_cmp(bv.get(), n.get()) < 0;
}

// e = SM3(Z || M) (GB/T 32918.2 §6.1 steps A1-A2).
Result<Hash256, CryptoError> message_digest(const PublicKey& pk, BytesView id, BytesView msg,
                                            const Sm2Curve& c) {
    if (msg.size() > kMaxMessageBytes) return unexpected(CryptoError::kInvalidSignature);
    auto z = sm2_compute_z(pk, id, c);
    if (!z) return unexpected(z.error());
    Bytes buf;
    buf.reserve(32 + msg.size());
    buf.insert(buf.end(), z->begin(), z->end());
    buf.insert(buf.end(), msg.begin(), msg.end());
    return sm3(buf);
}

// The SM2 EVP_PKEY for sk (with its public key) or for pk alone.
PkeyPtr make_pkey(const SecretKey* sk, const PublicKey& pk) {
    uint8_t pub[65];
    pub[0] = 0x04;
    std::memcpy(pub + 1, pk.data(), 64);
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    BnPtr d = sk ? bn_from(sk->data(), 32) : nullptr;
    if (!bld || (sk && !d) ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) !=
            1 ||
        (sk && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1)) {
        return nullptr;
    }
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, sk ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          params.get()) != 1) {
        return nullptr;
    }
    return PkeyPtr(pkey);
}

// A DigestSign/DigestVerify context over SM3 with the signer ID set (DESIGN.md §2).
MdCtxPtr make_md_ctx(EVP_PKEY* pkey, BytesView id, bool for_signing) {
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!mctx) return nullptr;
    EVP_PKEY_CTX* pctx = nullptr;  // owned by mctx
    int ok =
        for_signing
            ? EVP_DigestSignInit_ex(mctx.get(), &pctx, "SM3", nullptr, nullptr, pkey, nullptr)
            : EVP_DigestVerifyInit_ex(mctx.get(), &pctx, "SM3", nullptr, nullptr, pkey, nullptr);
    // Z is computed at the first update, so setting the ID after init is in time.
    static const uint8_t kEmpty = 0;
    if (ok != 1 || pctx == nullptr ||
        EVP_PKEY_CTX_set1_id(pctx, id.empty() ? &kEmpty : id.data(), id.size()) <= 0) {
        return nullptr;
    }
    return mctx;
}

// Encodes Ha_1 || Ha_2 || ... truncated to klen bytes: the KDF of GB/T 32918.4 §5.4.3 with SM3.
Bytes kdf(BytesView z, size_t klen) {
    Bytes out;
    out.reserve(klen + 32);
    Bytes buf(z.begin(), z.end());
    buf.resize(z.size() + 4);
    for (uint32_t ct = 1; out.size() < klen; ++ct) {
        for (int i = 0; i < 4; ++i)
            buf[z.size() + i] = static_cast<uint8_t>(ct >> (24 - 8 * i));
        Hash256 ha = sm3(buf);
        out.insert(out.end(), ha.begin(), ha.end());
    }
    out.resize(klen);
    return out;
}

}  // namespace

const Sm2Curve& sm2p256v1() noexcept {
    // GB/T 32918.5-2017 §3 (recommended curve parameters).
    static const Sm2Curve c{
        h("fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff"),
        h("fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc"),
        h("28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"),
        h("32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"),
        h("bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"),
        h("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123"),
    };
    return c;
}

bool sm2_secret_key_valid(const SecretKey& sk, const Sm2Curve& c) {
    return scalar_in_range(sk, c, /*minus_two=*/true);
}

bool sm2_public_key_valid(const PublicKey& pk, const Sm2Curve& c) {
    ErrorQueueGuard eq;
    CurveRef cr(c);
    BnCtxPtr bn(BN_CTX_new());
    return cr.ctx && bn && parse_point(*cr.ctx, pk.data(), bn.get()) != nullptr;
}

Result<PublicKey, CryptoError> sm2_public_key(const SecretKey& sk, const Sm2Curve& c) {
    if (!sm2_secret_key_valid(sk, c)) return unexpected(CryptoError::kInvalidSecretKey);
    ErrorQueueGuard eq;
    CurveRef cr(c);
    BnCtxPtr bn(BN_CTX_new());
    if (!cr.ctx || !bn) return unexpected(CryptoError::kInternal);
    BnPtr d = bn_from(sk.data(), 32);
    PointPtr pt(EC_POINT_new(cr.ctx->group.get()));
    PublicKey pk;
    if (!d || !pt ||
        EC_POINT_mul(cr.ctx->group.get(), pt.get(), d.get(), nullptr, nullptr, bn.get()) != 1 ||
        !point_xy(*cr.ctx, pt.get(), pk.data(), bn.get())) {
        return unexpected(CryptoError::kInternal);
    }
    return pk;
}

Result<void, CryptoError> sm2_check_keypair(const SecretKey& sk, const PublicKey& pk) {
    auto derived = sm2_public_key(sk);
    if (!derived) return unexpected(derived.error());
    if (*derived != pk) return unexpected(CryptoError::kInvalidPublicKey);
    return {};
}

Result<Hash256, CryptoError> sm2_compute_z(const PublicKey& pk, BytesView id, const Sm2Curve& c) {
    if (id.size() > kSm2MaxIdBytes) return unexpected(CryptoError::kInvalidSignature);
    const size_t entl = id.size() * 8;
    Bytes buf;
    buf.reserve(2 + id.size() + 6 * 32);
    buf.push_back(static_cast<uint8_t>(entl >> 8));
    buf.push_back(static_cast<uint8_t>(entl));
    buf.insert(buf.end(), id.begin(), id.end());
    for (const Hash256* f : {&c.a, &c.b, &c.gx, &c.gy})
        buf.insert(buf.end(), f->begin(), f->end());
    buf.insert(buf.end(), pk.begin(), pk.end());
    return sm3(buf);
}

Result<Signature, CryptoError> sm2_sign(const SecretKey& sk, BytesView id, BytesView msg) {
    if (id.size() > kSm2MaxIdBytes || msg.size() > kMaxMessageBytes) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    auto pk = sm2_public_key(sk);
    if (!pk) return unexpected(pk.error());
    ErrorQueueGuard eq;
    PkeyPtr pkey = make_pkey(&sk, *pk);
    if (!pkey) return unexpected(CryptoError::kInternal);
    MdCtxPtr mctx = make_md_ctx(pkey.get(), id, /*for_signing=*/true);
    uint8_t der[80];
    size_t der_len = sizeof(der);
    if (!mctx || EVP_DigestSign(mctx.get(), der, &der_len, msg.data(), msg.size()) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    const uint8_t* p = der;
    std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>> es(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
    Signature sig;
    if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es.get()), sig.r.data(), 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es.get()), sig.s.data(), 32) != 32) {
        return unexpected(CryptoError::kInternal);
    }
    return sig;
}

Result<void, CryptoError> sm2_verify(const PublicKey& pk, BytesView id, BytesView msg,
                                     const Signature& sig) {
    const Sm2Curve& c = sm2p256v1();
    if (!scalar_in_range(sig.r, c, false) || !scalar_in_range(sig.s, c, false) ||
        id.size() > kSm2MaxIdBytes || msg.size() > kMaxMessageBytes) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    if (!sm2_public_key_valid(pk)) return unexpected(CryptoError::kInvalidPublicKey);
    ErrorQueueGuard eq;
    PkeyPtr pkey = make_pkey(nullptr, pk);
    if (!pkey) return unexpected(CryptoError::kInvalidPublicKey);
    std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>> es(ECDSA_SIG_new());
    BnPtr r = bn_from(sig.r.data(), 32), s = bn_from(sig.s.data(), 32);
    if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r.get(), s.get()) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    r.release();  // owned by es now
    s.release();
    uint8_t der[80];
    uint8_t* out = der;
    int der_len = i2d_ECDSA_SIG(es.get(), nullptr);
    if (der_len <= 0 || der_len > int(sizeof(der)) || i2d_ECDSA_SIG(es.get(), &out) != der_len) {
        return unexpected(CryptoError::kInternal);
    }
    MdCtxPtr mctx = make_md_ctx(pkey.get(), id, /*for_signing=*/false);
    if (!mctx) return unexpected(CryptoError::kInternal);
    if (EVP_DigestVerify(mctx.get(), der, size_t(der_len), msg.data(), msg.size()) != 1) {
        return unexpected(CryptoError::kVerifyFailed);
    }
    return {};
}

Result<Signature, CryptoError> sm2_sign_with_k(const SecretKey& sk, BytesView id, BytesView msg,
                                               const Hash256& k, const Sm2Curve& c) {
    if (!scalar_in_range(k, c, false)) return unexpected(CryptoError::kInvalidSignature);
    auto pk = sm2_public_key(sk, c);
    if (!pk) return unexpected(pk.error());
    auto e = message_digest(*pk, id, msg, c);
    if (!e) return unexpected(e.error());
    ErrorQueueGuard eq;
    CurveRef cr(c);
    BnCtxPtr bn(BN_CTX_new());
    if (!cr.ctx || !bn) return unexpected(CryptoError::kInternal);
    const BIGNUM* n = cr.ctx->n.get();
    BnPtr bk = bn_from(k.data(), 32), d = bn_from(sk.data(), 32), be = bn_from(e->data(), 32);
    BnPtr x1(BN_new()), r(BN_new()), s(BN_new()), t(BN_new()), inv(BN_new());
    PointPtr kg(EC_POINT_new(cr.ctx->group.get()));
    uint8_t xy[64];
    // A3-A4: (x1, y1) = [k]G.
    if (!bk || !d || !be || !x1 || !r || !s || !t || !inv || !kg ||
        EC_POINT_mul(cr.ctx->group.get(), kg.get(), bk.get(), nullptr, nullptr, bn.get()) != 1 ||
        !point_xy(*cr.ctx, kg.get(), xy, bn.get()) || !BN_bin2bn(xy, 32, x1.get())) {
        return unexpected(CryptoError::kInternal);
    }
    // A5: r = (e + x1) mod n; reject r = 0 and r + k = n.
    if (BN_mod_add(r.get(), be.get(), x1.get(), n, bn.get()) != 1 ||
        BN_add(t.get(), r.get(), bk.get()) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    if (BN_is_zero(r.get()) || BN_cmp(t.get(), n) == 0) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    // A6: s = ((1 + d)^-1 * (k - r * d)) mod n; reject s = 0.
    if (BN_copy(t.get(), d.get()) == nullptr || BN_add_word(t.get(), 1) != 1 ||
        BN_mod_inverse(inv.get(), t.get(), n, bn.get()) == nullptr ||
        BN_mod_mul(t.get(), r.get(), d.get(), n, bn.get()) != 1 ||
        BN_mod_sub(t.get(), bk.get(), t.get(), n, bn.get()) != 1 ||
        BN_mod_mul(s.get(), inv.get(), t.get(), n, bn.get()) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    if (BN_is_zero(s.get())) return unexpected(CryptoError::kInvalidSignature);
    Signature sig;
    if (BN_bn2binpad(r.get(), sig.r.data(), 32) != 32 ||
        BN_bn2binpad(s.get(), sig.s.data(), 32) != 32) {
        return unexpected(CryptoError::kInternal);
    }
    return sig;
}

Result<void, CryptoError> sm2_verify_on_curve(const PublicKey& pk, BytesView id, BytesView msg,
                                              const Signature& sig, const Sm2Curve& c) {
    // B1-B2: r, s in [1, n-1].
    if (!scalar_in_range(sig.r, c, false) || !scalar_in_range(sig.s, c, false)) {
        return unexpected(CryptoError::kInvalidSignature);
    }
    ErrorQueueGuard eq;
    CurveRef cr(c);
    BnCtxPtr bn(BN_CTX_new());
    if (!cr.ctx || !bn) return unexpected(CryptoError::kInternal);
    PointPtr p = parse_point(*cr.ctx, pk.data(), bn.get());
    if (!p) return unexpected(CryptoError::kInvalidPublicKey);
    auto e = message_digest(pk, id, msg, c);  // B3-B4
    if (!e) return unexpected(e.error());
    const BIGNUM* n = cr.ctx->n.get();
    BnPtr r = bn_from(sig.r.data(), 32), s = bn_from(sig.s.data(), 32);
    BnPtr be = bn_from(e->data(), 32), t(BN_new()), x1(BN_new()), rr(BN_new());
    PointPtr q(EC_POINT_new(cr.ctx->group.get()));
    if (!r || !s || !be || !t || !x1 || !rr || !q ||
        BN_mod_add(t.get(), r.get(), s.get(), n, bn.get()) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    // B5: t = (r + s) mod n must not be 0.
    if (BN_is_zero(t.get())) return unexpected(CryptoError::kVerifyFailed);
    // B6: (x1, y1) = [s]G + [t]P.
    uint8_t xy[64];
    if (EC_POINT_mul(cr.ctx->group.get(), q.get(), s.get(), p.get(), t.get(), bn.get()) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    if (!point_xy(*cr.ctx, q.get(), xy, bn.get())) return unexpected(CryptoError::kVerifyFailed);
    // B7: R = (e + x1) mod n must equal r.
    if (!BN_bin2bn(xy, 32, x1.get()) ||
        BN_mod_add(rr.get(), be.get(), x1.get(), n, bn.get()) != 1) {
        return unexpected(CryptoError::kInternal);
    }
    if (BN_cmp(rr.get(), r.get()) != 0) return unexpected(CryptoError::kVerifyFailed);
    return {};
}

Result<Bytes, CryptoError> sm2_encrypt_with_k(const PublicKey& pk, BytesView msg, const Hash256& k,
                                              const Sm2Curve& c) {
    if (msg.empty() || msg.size() > kMaxCipherBytes || !scalar_in_range(k, c, false)) {
        return unexpected(CryptoError::kCipherFailed);
    }
    ErrorQueueGuard eq;
    CurveRef cr(c);
    BnCtxPtr bn(BN_CTX_new());
    if (!cr.ctx || !bn) return unexpected(CryptoError::kInternal);
    PointPtr p = parse_point(*cr.ctx, pk.data(), bn.get());
    if (!p) return unexpected(CryptoError::kInvalidPublicKey);
    BnPtr bk = bn_from(k.data(), 32);
    PointPtr c1(EC_POINT_new(cr.ctx->group.get())), kp(EC_POINT_new(cr.ctx->group.get()));
    uint8_t c1xy[64], x2y2[64];
    // A2: C1 = [k]G; A3: S = [h]P is P itself (h = 1, already checked not infinity);
    // A4: (x2, y2) = [k]P.
    if (!bk || !c1 || !kp ||
        EC_POINT_mul(cr.ctx->group.get(), c1.get(), bk.get(), nullptr, nullptr, bn.get()) != 1 ||
        EC_POINT_mul(cr.ctx->group.get(), kp.get(), nullptr, p.get(), bk.get(), bn.get()) != 1 ||
        !point_xy(*cr.ctx, c1.get(), c1xy, bn.get()) ||
        !point_xy(*cr.ctx, kp.get(), x2y2, bn.get())) {
        return unexpected(CryptoError::kInternal);
    }
    // A5: t = KDF(x2 || y2, klen), not all zero; A6: C2 = M xor t; A7: C3 = SM3(x2 || M || y2).
    Bytes t = kdf({x2y2, 64}, msg.size());
    bool all_zero = true;
    for (uint8_t b : t)
        all_zero &= b == 0;
    if (all_zero) return unexpected(CryptoError::kCipherFailed);
    Bytes c3_in(x2y2, x2y2 + 32);
    c3_in.insert(c3_in.end(), msg.begin(), msg.end());
    c3_in.insert(c3_in.end(), x2y2 + 32, x2y2 + 64);
    Hash256 c3 = sm3(c3_in);
    Bytes out;
    out.reserve(1 + 64 + 32 + msg.size());
    out.push_back(0x04);
    out.insert(out.end(), c1xy, c1xy + 64);
    out.insert(out.end(), c3.begin(), c3.end());
    for (size_t i = 0; i < msg.size(); ++i)
        out.push_back(msg[i] ^ t[i]);
    return out;
}

Result<Bytes, CryptoError> sm2_decrypt_c1c3c2(const SecretKey& sk, BytesView ct,
                                              const Sm2Curve& c) {
    constexpr size_t kOverhead = 1 + 64 + 32;
    if (ct.size() <= kOverhead || ct.size() > kMaxCipherBytes + kOverhead || ct[0] != 0x04) {
        return unexpected(CryptoError::kCipherFailed);
    }
    if (!sm2_secret_key_valid(sk, c)) return unexpected(CryptoError::kInvalidSecretKey);
    ErrorQueueGuard eq;
    CurveRef cr(c);
    BnCtxPtr bn(BN_CTX_new());
    if (!cr.ctx || !bn) return unexpected(CryptoError::kInternal);
    // B1: C1 must be on the curve.
    PointPtr c1 = parse_point(*cr.ctx, ct.data() + 1, bn.get());
    if (!c1) return unexpected(CryptoError::kCipherFailed);
    BnPtr d = bn_from(sk.data(), 32);
    PointPtr dc1(EC_POINT_new(cr.ctx->group.get()));
    uint8_t x2y2[64];
    // B3: (x2, y2) = [d]C1.
    if (!d || !dc1 ||
        EC_POINT_mul(cr.ctx->group.get(), dc1.get(), nullptr, c1.get(), d.get(), bn.get()) != 1 ||
        !point_xy(*cr.ctx, dc1.get(), x2y2, bn.get())) {
        return unexpected(CryptoError::kCipherFailed);
    }
    BytesView c3 = ct.subspan(65, 32), c2 = ct.subspan(kOverhead);
    Bytes t = kdf({x2y2, 64}, c2.size());  // B4
    Bytes msg(c2.size());
    for (size_t i = 0; i < c2.size(); ++i)
        msg[i] = c2[i] ^ t[i];  // B5
    Bytes u_in(x2y2, x2y2 + 32);
    u_in.insert(u_in.end(), msg.begin(), msg.end());
    u_in.insert(u_in.end(), x2y2 + 32, x2y2 + 64);
    Hash256 u = sm3(u_in);  // B6: u must equal C3.
    if (CRYPTO_memcmp(u.data(), c3.data(), 32) != 0) return unexpected(CryptoError::kCipherFailed);
    return msg;
}

Result<Bytes, CryptoError> sm2_decrypt_der(const SecretKey& sk, BytesView der) {
    if (der.empty() || der.size() > kMaxCipherBytes + 256) {
        return unexpected(CryptoError::kCipherFailed);
    }
    auto pk = sm2_public_key(sk);
    if (!pk) return unexpected(pk.error());
    ErrorQueueGuard eq;
    PkeyPtr pkey = make_pkey(&sk, *pk);
    if (!pkey) return unexpected(CryptoError::kInternal);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    size_t len = 0;
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
        EVP_PKEY_decrypt(ctx.get(), nullptr, &len, der.data(), der.size()) != 1) {
        return unexpected(CryptoError::kCipherFailed);
    }
    Bytes out(len);
    if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, der.data(), der.size()) != 1) {
        return unexpected(CryptoError::kCipherFailed);
    }
    out.resize(len);
    return out;
}

}  // namespace xl::crypto
