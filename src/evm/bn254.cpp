// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: bn254 arithmetic (EIP-196, EIP-197). Fp on 4 x 64-bit limbs in Montgomery form,
// the tower Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - xi), Fp12 = Fp6[w]/(w^2 - v) with
// xi = 9 + u, G1 and the D-type sextic twist G2 (y^2 = x^3 + 3/xi) in Jacobian coordinates,
// and the optimal ate pairing (Miller loop over 6u+2 with affine lines, then the final
// exponentiation (p^12 - 1)/r). Everything is constant data or stack values: thread-safe.
#include "evm/bn254.hpp"

#include <gmp.h>

#include <cstring>
#include <vector>

#include "core/assert.hpp"
#include "core/uint256.hpp"

namespace xl::evm::bn254 {

std::string_view to_string(Bn254Error e) noexcept {
    switch (e) {
        case Bn254Error::kCoordinateTooLarge:
            return "bn254: coordinate not below the modulus";
        case Bn254Error::kNotOnCurve:
            return "bn254: point not on curve";
        case Bn254Error::kNotInSubgroup:
            return "bn254: G2 point not in the subgroup";
        case Bn254Error::kBadLength:
            return "bn254: pairing input length not a multiple of 192";
    }
    return "bn254: unknown error";
}

namespace {

using u128 = unsigned __int128;

// p (EIP-196), little-endian limbs.
constexpr uint64_t kP[4] = {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL,
                            0x30644e72e131a029ULL};

// -p^-1 mod 2^64 by Newton iteration (each step doubles the correct low bits).
constexpr uint64_t compute_inv() {
    uint64_t x = 1;
    for (int i = 0; i < 7; ++i)
        x *= 2 - kP[0] * x;
    return ~x + 1;
}
constexpr uint64_t kInv = compute_inv();
static_assert(kP[0] * (~kInv + 1) == 1);

constexpr bool geq_p(const uint64_t a[4]) {
    for (int i = 3; i >= 0; --i) {
        if (a[i] != kP[i]) return a[i] > kP[i];
    }
    return true;
}

constexpr void sub_p(uint64_t a[4]) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i) {
        u128 d = static_cast<u128>(a[i]) - kP[i] - borrow;
        a[i] = static_cast<uint64_t>(d);
        borrow = static_cast<uint64_t>(d >> 64) & 1;
    }
}

struct Fp {
    uint64_t v[4] = {0, 0, 0, 0};  // Montgomery form, fully reduced (so == is value equality)

    static constexpr Fp zero() { return {}; }
    static Fp one();
    bool is_zero() const { return (v[0] | v[1] | v[2] | v[3]) == 0; }
    friend bool operator==(const Fp& a, const Fp& b) {
        return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] && a.v[3] == b.v[3];
    }

    friend Fp operator+(const Fp& a, const Fp& b) {
        Fp r;
        uint64_t carry = 0;
        for (int i = 0; i < 4; ++i) {
            u128 s = static_cast<u128>(a.v[i]) + b.v[i] + carry;
            r.v[i] = static_cast<uint64_t>(s);
            carry = static_cast<uint64_t>(s >> 64);
        }
        // p < 2^254, so a + b < 2^255 never carries out of the top limb.
        if (geq_p(r.v)) sub_p(r.v);
        return r;
    }
    friend Fp operator-(const Fp& a, const Fp& b) {
        Fp r;
        uint64_t borrow = 0;
        for (int i = 0; i < 4; ++i) {
            u128 d = static_cast<u128>(a.v[i]) - b.v[i] - borrow;
            r.v[i] = static_cast<uint64_t>(d);
            borrow = static_cast<uint64_t>(d >> 64) & 1;
        }
        if (borrow) {
            uint64_t carry = 0;
            for (int i = 0; i < 4; ++i) {
                u128 s = static_cast<u128>(r.v[i]) + kP[i] + carry;
                r.v[i] = static_cast<uint64_t>(s);
                carry = static_cast<uint64_t>(s >> 64);
            }
        }
        return r;
    }
    Fp operator-() const { return zero() - *this; }

    // CIOS Montgomery multiplication (Koc, Acar, Kaliski 1996): a * b * 2^-256 mod p.
    friend Fp operator*(const Fp& a, const Fp& b) {
        uint64_t t[6] = {0, 0, 0, 0, 0, 0};
        for (int i = 0; i < 4; ++i) {
            uint64_t c = 0;
            for (int j = 0; j < 4; ++j) {
                u128 s = static_cast<u128>(a.v[j]) * b.v[i] + t[j] + c;
                t[j] = static_cast<uint64_t>(s);
                c = static_cast<uint64_t>(s >> 64);
            }
            u128 s = static_cast<u128>(t[4]) + c;
            t[4] = static_cast<uint64_t>(s);
            t[5] = static_cast<uint64_t>(s >> 64);
            uint64_t m = t[0] * kInv;
            s = static_cast<u128>(m) * kP[0] + t[0];
            c = static_cast<uint64_t>(s >> 64);
            for (int j = 1; j < 4; ++j) {
                s = static_cast<u128>(m) * kP[j] + t[j] + c;
                t[j - 1] = static_cast<uint64_t>(s);
                c = static_cast<uint64_t>(s >> 64);
            }
            s = static_cast<u128>(t[4]) + c;
            t[3] = static_cast<uint64_t>(s);
            t[4] = t[5] + static_cast<uint64_t>(s >> 64);
        }
        Fp r;
        std::memcpy(r.v, t, sizeof r.v);
        if (t[4] != 0 || geq_p(r.v)) sub_p(r.v);
        return r;
    }
    Fp square() const {
        return *this * *this;
    }
    Fp dbl() const {
        return *this + *this;
    }

    // Fermat: a^(p-2).
    Fp inverse() const;
};

// R^2 mod p with R = 2^256, by 512 modular doublings of 1 (constant evaluation).
constexpr Fp compute_r2() {
    Fp x;
    x.v[0] = 1;
    for (int i = 0; i < 512; ++i) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; ++j) {
            uint64_t nc = x.v[j] >> 63;
            x.v[j] = (x.v[j] << 1) | carry;
            carry = nc;
        }
        if (geq_p(x.v)) sub_p(x.v);
    }
    return x;
}
constexpr Fp kR2 = compute_r2();

Fp from_u64(uint64_t a) {
    Fp x;
    x.v[0] = a;
    return x * kR2;
}
Fp Fp::one() {
    static const Fp kOne = from_u64(1);
    return kOne;
}

// Parses a 32-byte big-endian field element; false if >= p.
bool fp_from_bytes(const uint8_t* b, Fp& out) {
    Fp x;
    for (int i = 0; i < 4; ++i) {
        uint64_t w = 0;
        for (int j = 0; j < 8; ++j)
            w = (w << 8) | b[(3 - i) * 8 + j];
        x.v[i] = w;
    }
    if (geq_p(x.v)) return false;
    out = x * kR2;
    return true;
}

void fp_to_bytes(const Fp& a, uint8_t* out) {
    Fp one_plain;
    one_plain.v[0] = 1;
    Fp x = a * one_plain;  // leave Montgomery form
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 8; ++j)
            out[(3 - i) * 8 + j] = static_cast<uint8_t>(x.v[i] >> (56 - 8 * j));
    }
}

// Exponent bits, most significant first, of a U256.
std::vector<bool> bits_of(const U256& e) {
    std::vector<bool> bits;
    for (int i = static_cast<int>(e.bit_length()) - 1; i >= 0; --i)
        bits.push_back(((e.w[i / 64] >> (i % 64)) & 1) != 0);
    return bits;
}

template <class F>
F pow_bits(const F& a, const std::vector<bool>& bits) {
    F r = F::one();
    for (bool b : bits) {
        r = r.square();
        if (b) r = r * a;
    }
    return r;
}

const U256& p_u256() {
    static const U256 kPU = U256::from_limbs(kP[0], kP[1], kP[2], kP[3]);
    return kPU;
}

// R^3 mod p (= mont(R^2, R^2)): turns the plain inverse (aR)^-1 of the Montgomery
// representative aR into the Montgomery form of a^-1, since mont((aR)^-1, R^3) = a^-1 R.
const Fp& r3() {
    static const Fp kR3 = kR2 * kR2;
    return kR3;
}

// Inversion by GMP's extended gcd (mpz_invert): ~20x cheaper than Fermat's a^(p-2), and the
// affine Miller loop inverts once per step. The inverse of 0 is taken as 0 (never used: callers
// only invert non-zero values).
Fp Fp::inverse() const {
    if (is_zero()) return zero();
    mpz_t a, m;
    mpz_init(a);
    mpz_init(m);
    mpz_import(a, 4, -1, sizeof(uint64_t), 0, 0, v);
    mpz_import(m, 4, -1, sizeof(uint64_t), 0, 0, kP);
    const int ok = mpz_invert(a, a, m);
    XL_ASSERT(ok != 0);  // p is prime and a != 0
    Fp plain;
    size_t count = 0;
    mpz_export(plain.v, &count, -1, sizeof(uint64_t), 0, 0, a);
    XL_ASSERT(count <= 4);
    mpz_clear(a);
    mpz_clear(m);
    return plain * r3();
}

struct Fp2 {
    Fp a, b;  // a + b*u, u^2 = -1

    static Fp2 zero() { return {}; }
    static Fp2 one() { return {Fp::one(), Fp::zero()}; }
    bool is_zero() const { return a.is_zero() && b.is_zero(); }
    friend bool operator==(const Fp2& x, const Fp2& y) { return x.a == y.a && x.b == y.b; }
    friend Fp2 operator+(const Fp2& x, const Fp2& y) { return {x.a + y.a, x.b + y.b}; }
    friend Fp2 operator-(const Fp2& x, const Fp2& y) { return {x.a - y.a, x.b - y.b}; }
    Fp2 operator-() const { return {-a, -b}; }
    // Karatsuba: 3 base multiplications.
    friend Fp2 operator*(const Fp2& x, const Fp2& y) {
        Fp t0 = x.a * y.a;
        Fp t1 = x.b * y.b;
        return {t0 - t1, (x.a + x.b) * (y.a + y.b) - t0 - t1};
    }
    Fp2 operator*(const Fp& s) const { return {a * s, b * s}; }
    Fp2 square() const {
        // (a + bu)^2 = (a + b)(a - b) + 2ab u
        Fp ab = a * b;
        return {(a + b) * (a - b), ab + ab};
    }
    Fp2 dbl() const { return *this + *this; }
    Fp2 conj() const { return {a, -b}; }
    Fp2 inverse() const {
        Fp n = (a.square() + b.square()).inverse();
        return {a * n, -(b * n)};
    }
    // Multiplication by xi = 9 + u.
    Fp2 mul_xi() const {
        Fp a2 = a.dbl(), a4 = a2.dbl(), a8 = a4.dbl();
        Fp b2 = b.dbl(), b4 = b2.dbl(), b8 = b4.dbl();
        return {a8 + a - b, b8 + b + a};
    }
};

struct Fp6 {
    Fp2 c0, c1, c2;  // c0 + c1 v + c2 v^2, v^3 = xi

    static Fp6 zero() { return {}; }
    static Fp6 one() { return {Fp2::one(), Fp2::zero(), Fp2::zero()}; }
    friend bool operator==(const Fp6& x, const Fp6& y) {
        return x.c0 == y.c0 && x.c1 == y.c1 && x.c2 == y.c2;
    }
    friend Fp6 operator+(const Fp6& x, const Fp6& y) {
        return {x.c0 + y.c0, x.c1 + y.c1, x.c2 + y.c2};
    }
    friend Fp6 operator-(const Fp6& x, const Fp6& y) {
        return {x.c0 - y.c0, x.c1 - y.c1, x.c2 - y.c2};
    }
    Fp6 operator-() const { return {-c0, -c1, -c2}; }
    // Karatsuba over three coefficients (Devegili et al., "Multiplication and Squaring on
    // Pairing-Friendly Fields", 2006): 6 Fp2 multiplications.
    friend Fp6 operator*(const Fp6& x, const Fp6& y) {
        Fp2 v0 = x.c0 * y.c0, v1 = x.c1 * y.c1, v2 = x.c2 * y.c2;
        Fp2 r0 = ((x.c1 + x.c2) * (y.c1 + y.c2) - v1 - v2).mul_xi() + v0;
        Fp2 r1 = (x.c0 + x.c1) * (y.c0 + y.c1) - v0 - v1 + v2.mul_xi();
        Fp2 r2 = (x.c0 + x.c2) * (y.c0 + y.c2) - v0 - v2 + v1;
        return {r0, r1, r2};
    }
    Fp6 square() const { return *this * *this; }
    Fp6 mul_v() const { return {c2.mul_xi(), c0, c1}; }
    Fp6 inverse() const {
        Fp2 t0 = c0.square() - (c1 * c2).mul_xi();
        Fp2 t1 = c2.square().mul_xi() - c0 * c1;
        Fp2 t2 = c1.square() - c0 * c2;
        Fp2 den = c0 * t0 + (c2 * t1 + c1 * t2).mul_xi();
        Fp2 inv = den.inverse();
        return {t0 * inv, t1 * inv, t2 * inv};
    }
};

struct Fp12 {
    Fp6 c0, c1;  // c0 + c1 w, w^2 = v

    static Fp12 one() { return {Fp6::one(), Fp6::zero()}; }
    friend bool operator==(const Fp12& x, const Fp12& y) { return x.c0 == y.c0 && x.c1 == y.c1; }
    friend Fp12 operator*(const Fp12& x, const Fp12& y) {
        Fp6 t0 = x.c0 * y.c0, t1 = x.c1 * y.c1;
        return {t0 + t1.mul_v(), (x.c0 + x.c1) * (y.c0 + y.c1) - t0 - t1};
    }
    Fp12 square() const {
        // Complex squaring: (c0 + c1 w)^2 = (c0 + c1)(c0 + v c1) - c0c1 - v c0c1 + 2 c0c1 w.
        Fp6 ab = c0 * c1;
        Fp6 r0 = (c0 + c1) * (c0 + c1.mul_v()) - ab - ab.mul_v();
        return {r0, ab + ab};
    }
    Fp12 conj() const { return {c0, -c1}; }
    Fp12 inverse() const {
        Fp6 den = (c0.square() - c1.square().mul_v()).inverse();
        return {c0 * den, -(c1 * den)};
    }
};

// Constants computed once: the Frobenius coefficients gamma^k with gamma = xi^((p-1)/6), the
// twist's b' = 3/xi, the group order r, the loop count 6u+2 and the hard part of the final
// exponent (p^4 - p^2 + 1)/r.
struct Constants {
    Fp2 gamma[6];
    Fp2 twist_b;
    Fp b;
    std::vector<bool> r_bits;
    std::vector<bool> ate_bits;   // 6u+2, most significant first
    std::vector<bool> hard_bits;  // (p^4 - p^2 + 1)/r
};

const Constants& constants() {
    static const Constants kC = [] {
        Constants c;
        Fp2 xi{from_u64(9), from_u64(1)};
        const U256 p = p_u256();
        Fp2 g = pow_bits(xi, bits_of((p - U256(1)) / U256(6)));
        c.gamma[0] = Fp2::one();
        for (int k = 1; k < 6; ++k)
            c.gamma[k] = c.gamma[k - 1] * g;
        c.b = from_u64(3);
        c.twist_b = Fp2{c.b, Fp::zero()} * xi.inverse();
        U256 r = *U256::from_string(
            "21888242871839275222246405745257275088548364400416034343698204186575808495617");
        c.r_bits = bits_of(r);
        U256 ate = *U256::from_string("29793968203157093288");  // 6 * 4965661367192848881 + 2
        c.ate_bits = bits_of(ate);

        mpz_t mp, mr, e;
        mpz_inits(mp, mr, e, nullptr);
        mpz_set_str(mp, p.to_dec().c_str(), 10);
        mpz_set_str(mr, r.to_dec().c_str(), 10);
        mpz_pow_ui(e, mp, 4);
        mpz_t p2;
        mpz_init(p2);
        mpz_pow_ui(p2, mp, 2);
        mpz_sub(e, e, p2);
        mpz_add_ui(e, e, 1);
        mpz_divexact(e, e, mr);
        for (long i = static_cast<long>(mpz_sizeinbase(e, 2)) - 1; i >= 0; --i)
            c.hard_bits.push_back(mpz_tstbit(e, static_cast<mp_bitcnt_t>(i)) != 0);
        mpz_clears(mp, mr, e, p2, nullptr);
        return c;
    }();
    return kC;
}

// Fp12 Frobenius: in the basis w^k (k = 0..5; c0 = (w^0, w^2, w^4), c1 = (w^1, w^3, w^5)),
// (b w^k)^p = conj(b) gamma^k w^k since w^p = w * xi^((p-1)/6).
Fp12 frobenius(const Fp12& x) {
    const auto& g = constants().gamma;
    return {{x.c0.c0.conj(), x.c0.c1.conj() * g[2], x.c0.c2.conj() * g[4]},
            {x.c1.c0.conj() * g[1], x.c1.c1.conj() * g[3], x.c1.c2.conj() * g[5]}};
}

// Jacobian point (X/Z^2, Y/Z^3) on y^2 = x^3 + b over F; Z = 0 is infinity.
template <class F>
struct Jac {
    F x = F::one(), y = F::one(), z = F::zero();

    bool is_inf() const { return z.is_zero(); }

    // dbl-2009-l (a = 0).
    Jac dbl() const {
        if (is_inf()) return *this;
        F a = x.square(), b = y.square(), c = b.square();
        F d = ((x + b).square() - a - c).dbl();
        F e = a.dbl() + a;
        F f = e.square();
        Jac r;
        r.x = f - d.dbl();
        F c8 = c.dbl().dbl().dbl();
        r.y = e * (d - r.x) - c8;
        r.z = (y * z).dbl();
        return r;
    }
    // add-2007-bl.
    Jac add(const Jac& q) const {
        if (is_inf()) return q;
        if (q.is_inf()) return *this;
        F z1z1 = z.square(), z2z2 = q.z.square();
        F u1 = x * z2z2, u2 = q.x * z1z1;
        F s1 = y * q.z * z2z2, s2 = q.y * z * z1z1;
        F h = u2 - u1;
        F rr = s2 - s1;
        if (h.is_zero()) return rr.is_zero() ? dbl() : Jac{};
        F i = h.dbl().square();
        F j = h * i;
        rr = rr.dbl();
        F v = u1 * i;
        Jac r;
        r.x = rr.square() - j - v.dbl();
        r.y = rr * (v - r.x) - (s1 * j).dbl();
        r.z = ((z + q.z).square() - z1z1 - z2z2) * h;
        return r;
    }
    Jac mul_bits(const std::vector<bool>& bits) const {
        Jac r;
        for (bool b : bits) {
            r = r.dbl();
            if (b) r = r.add(*this);
        }
        return r;
    }
    // Affine coordinates; only for a point that is not infinity.
    void to_affine(F& ax, F& ay) const {
        F zi = z.inverse();
        F zi2 = zi.square();
        ax = x * zi2;
        ay = y * zi2 * zi;
    }
};

template <class F>
Jac<F> from_affine(const F& x, const F& y) {
    return Jac<F>{x, y, F::one()};
}

// G1 from 64 wire bytes; (0, 0) is infinity. Cofactor 1: on the curve means in G1.
Result<Jac<Fp>, Bn254Error> read_g1(const uint8_t* b) {
    Fp x, y;
    if (!fp_from_bytes(b, x) || !fp_from_bytes(b + 32, y))
        return unexpected(Bn254Error::kCoordinateTooLarge);
    if (x.is_zero() && y.is_zero()) return Jac<Fp>{};
    if (!(y.square() == x.square() * x + constants().b)) return unexpected(Bn254Error::kNotOnCurve);
    return from_affine(x, y);
}

G1Bytes write_g1(const Jac<Fp>& p) {
    G1Bytes out{};
    if (p.is_inf()) return out;
    Fp x, y;
    p.to_affine(x, y);
    fp_to_bytes(x, out.data());
    fp_to_bytes(y, out.data() + 32);
    return out;
}

struct G2Affine {
    Fp2 x, y;
    bool inf = false;
};

// G2 from 128 wire bytes (EIP-197: imaginary part first); checks the twist equation and
// membership in the order-r subgroup (the twist has a large cofactor).
Result<G2Affine, Bn254Error> read_g2(const uint8_t* b) {
    G2Affine q;
    if (!fp_from_bytes(b, q.x.b) || !fp_from_bytes(b + 32, q.x.a) ||
        !fp_from_bytes(b + 64, q.y.b) || !fp_from_bytes(b + 96, q.y.a))
        return unexpected(Bn254Error::kCoordinateTooLarge);
    if (q.x.is_zero() && q.y.is_zero()) {
        q.inf = true;
        return q;
    }
    const Constants& c = constants();
    if (!(q.y.square() == q.x.square() * q.x + c.twist_b))
        return unexpected(Bn254Error::kNotOnCurve);
    if (!from_affine(q.x, q.y).mul_bits(c.r_bits).is_inf())
        return unexpected(Bn254Error::kNotInSubgroup);
    return q;
}

// The line through twist points t and (via slope lambda) evaluated at P = (px, py) after
// untwisting (x, y) -> (x w^2, y w^3): l = py - lambda px w + (lambda x_t - y_t) w^3.
// Vertical lines are omitted: they lie in Fp6 and vanish in the final exponentiation.
Fp12 line(const Fp2& lambda, const Fp2& xt, const Fp2& yt, const Fp& px, const Fp& py) {
    Fp12 l;
    l.c0.c0 = Fp2{py, Fp::zero()};
    l.c1.c0 = -(lambda * px);
    l.c1.c1 = lambda * xt - yt;
    return l;
}

// Affine twist point with an infinity flag, for the Miller loop.
struct MillerState {
    Fp2 x, y;
    bool inf = false;
};

// f *= line through t and q; t = t + q (t == q doubles).
void add_step(Fp12& f, MillerState& t, const Fp2& qx, const Fp2& qy, const Fp& px, const Fp& py) {
    if (t.inf) {
        t = {qx, qy, false};
        return;
    }
    Fp2 lambda;
    if (t.x == qx) {
        if (!(t.y == qy) || t.y.is_zero()) {
            t.inf = true;  // vertical line: omitted
            return;
        }
        Fp2 x2 = t.x.square();
        lambda = (x2.dbl() + x2) * t.y.dbl().inverse();
    } else {
        lambda = (qy - t.y) * (qx - t.x).inverse();
    }
    f = f * line(lambda, t.x, t.y, px, py);
    Fp2 x3 = lambda.square() - t.x - qx;
    Fp2 y3 = lambda * (t.x - x3) - t.y;
    t.x = x3;
    t.y = y3;
}

// Optimal ate Miller loop f_{6u+2,Q}(P) * l_{T,pi(Q)}(P) * l_{T',-pi^2(Q)}(P) (Vercauteren,
// "Optimal pairings", 2010, §IV for BN curves).
Fp12 miller_loop(const Fp& px, const Fp& py, const G2Affine& q) {
    const Constants& c = constants();
    Fp12 f = Fp12::one();
    MillerState t{q.x, q.y, false};
    for (size_t i = 1; i < c.ate_bits.size(); ++i) {
        f = f.square();
        add_step(f, t, t.x, t.y, px, py);
        if (c.ate_bits[i]) add_step(f, t, q.x, q.y, px, py);
    }
    // pi(Q) on the twist: (conj(x) gamma^2, conj(y) gamma^3); pi^2(Q) applies it twice.
    Fp2 q1x = q.x.conj() * c.gamma[2], q1y = q.y.conj() * c.gamma[3];
    Fp2 q2x = q1x.conj() * c.gamma[2], q2y = q1y.conj() * c.gamma[3];
    add_step(f, t, q1x, q1y, px, py);
    add_step(f, t, q2x, -q2y, px, py);
    return f;
}

// f^u for the BN parameter u = 4965661367192848881 (square-and-multiply, 62 squarings).
Fp12 pow_u(const Fp12& f) {
    constexpr uint64_t kU = 4965661367192848881ULL;
    Fp12 r = f;
    for (int i = 61; i >= 0; --i) {
        r = r.square();
        if ((kU >> i) & 1) r = r * f;
    }
    return r;
}

// The easy part f^((p^6 - 1)(p^2 + 1)); its result lies in the cyclotomic subgroup, where the
// inverse is the conjugate.
Fp12 easy_part(const Fp12& f) {
    Fp12 a = f.conj() * f.inverse();
    return frobenius(frobenius(a)) * a;
}

// Reference hard part: plain square-and-multiply by (p^4 - p^2 + 1)/r (kept for the cross-check
// of the fast one, see final_exponentiation_matches_reference).
Fp12 hard_part_reference(const Fp12& a) {
    return pow_bits(a, constants().hard_bits);
}

// Fast hard part (Scott, Benger, Charlemagne, Dominguez Perez, Kachisa, "On the final
// exponentiation for calculating pairings on ordinary elliptic curves", 2009, §4 for BN curves):
// the exponent (p^4 - p^2 + 1)/r is written in base p with coefficients polynomial in u, and
// evaluated with three exponentiations by u, Frobenius maps and a short addition chain. This is
// the same chain as go-ethereum's crypto/bn256 (cloudflare) finalExponentiation.
Fp12 hard_part(const Fp12& t1) {
    Fp12 fp = frobenius(t1);
    Fp12 fp2 = frobenius(fp);
    Fp12 fp3 = frobenius(fp2);
    Fp12 fu = pow_u(t1);
    Fp12 fu2 = pow_u(fu);
    Fp12 fu3 = pow_u(fu2);
    Fp12 y3 = frobenius(fu);
    Fp12 fu2p = frobenius(fu2);
    Fp12 fu3p = frobenius(fu3);
    Fp12 y2 = frobenius(frobenius(fu2));
    Fp12 y0 = fp * fp2 * fp3;
    Fp12 y1 = t1.conj();
    Fp12 y5 = fu2.conj();
    y3 = y3.conj();
    Fp12 y4 = (fu * fu2p).conj();
    Fp12 y6 = (fu3 * fu3p).conj();
    Fp12 t0 = y6.square() * y4 * y5;
    Fp12 t = y3 * y5 * t0;
    t0 = t0 * y2;
    t = (t.square() * t0).square();
    t0 = t * y1;
    t = t * y0;
    t0 = t0.square();
    return t0 * t;
}

Fp12 final_exponentiation(const Fp12& f) {
    return hard_part(easy_part(f));
}

}  // namespace

Result<G1Bytes, Bn254Error> g1_add(BytesView a, BytesView b) noexcept {
    XL_ASSERT(a.size() == 64 && b.size() == 64);
    auto pa = read_g1(a.data());
    if (!pa.has_value()) return unexpected(pa.error());
    auto pb = read_g1(b.data());
    if (!pb.has_value()) return unexpected(pb.error());
    return write_g1(pa->add(*pb));
}

Result<G1Bytes, Bn254Error> g1_mul(BytesView p, BytesView scalar) noexcept {
    XL_ASSERT(p.size() == 64 && scalar.size() == 32);
    auto pp = read_g1(p.data());
    if (!pp.has_value()) return unexpected(pp.error());
    Jac<Fp> r;
    for (size_t i = 0; i < 256; ++i) {
        r = r.dbl();
        if ((scalar[i / 8] >> (7 - i % 8)) & 1) r = r.add(*pp);
    }
    return write_g1(r);
}

Result<std::array<uint8_t, 128>, Bn254Error> g2_mul(BytesView q, BytesView scalar) noexcept {
    XL_ASSERT(q.size() == 128 && scalar.size() == 32);
    auto qq = read_g2(q.data());
    if (!qq.has_value()) return unexpected(qq.error());
    std::array<uint8_t, 128> out{};
    if (qq->inf) return out;
    std::vector<bool> bits;
    for (size_t i = 0; i < 256; ++i)
        bits.push_back(((scalar[i / 8] >> (7 - i % 8)) & 1) != 0);
    Jac<Fp2> r = from_affine(qq->x, qq->y).mul_bits(bits);
    if (r.is_inf()) return out;
    Fp2 x, y;
    r.to_affine(x, y);
    fp_to_bytes(x.b, out.data());
    fp_to_bytes(x.a, out.data() + 32);
    fp_to_bytes(y.b, out.data() + 64);
    fp_to_bytes(y.a, out.data() + 96);
    return out;
}

bool final_exponentiation_matches_reference(BytesView input) noexcept {
    // Any 384 bytes, reduced into Fp one 32-byte word at a time, as an Fp12 element.
    XL_ASSERT(input.size() == 384);
    Fp c[12];
    for (size_t i = 0; i < 12; ++i) {
        uint8_t w[32];
        std::memcpy(w, input.data() + 32 * i, 32);
        w[0] &= 0x1f;  // below 2^253 < p
        const bool ok = fp_from_bytes(w, c[i]);
        XL_ASSERT(ok);
    }
    const Fp12 f{{{c[0], c[1]}, {c[2], c[3]}, {c[4], c[5]}},
                 {{c[6], c[7]}, {c[8], c[9]}, {c[10], c[11]}}};
    const Fp12 a = easy_part(f);
    return hard_part(a) == hard_part_reference(a);
}

Result<bool, Bn254Error> pairing_check(BytesView input) noexcept {
    if (input.size() % 192 != 0) return unexpected(Bn254Error::kBadLength);
    Fp12 f = Fp12::one();
    bool any = false;
    for (size_t off = 0; off < input.size(); off += 192) {
        auto p = read_g1(input.data() + off);
        if (!p.has_value()) return unexpected(p.error());
        auto q = read_g2(input.data() + off + 64);
        if (!q.has_value()) return unexpected(q.error());
        if (p->is_inf() || q->inf) continue;  // e(O, Q) = e(P, O) = 1
        Fp px, py;
        p->to_affine(px, py);
        f = f * miller_loop(px, py, *q);
        any = true;
    }
    if (!any) return true;
    return final_exponentiation(f) == Fp12::one();
}

}  // namespace xl::evm::bn254
