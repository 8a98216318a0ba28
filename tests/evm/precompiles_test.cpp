// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the precompiles 0x01..0x09 on vectors from their EIPs and go-ethereum, gas at
// the boundaries, bn254 algebra (bilinearity, inverses) on random scalars, malformed input.
#include "evm/precompiles.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/seed.hpp"
#include "core/uint256.hpp"
#include "evm/bn254.hpp"

namespace xl::evm::test {
namespace {

Address pc(uint8_t id) {
    Address a;
    a.bytes[19] = id;
    return a;
}

ExecResult run(uint8_t id, const Bytes& input, int64_t gas = 10'000'000) {
    return run_precompile(pc(id), input, gas);
}

std::string hex(const Bytes& b) {
    return to_hex(b, false);
}

Bytes word(const U256& v) {
    Bytes b(32);
    v.to_be_bytes(b.data());
    return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

const U256 kR = *U256::from_string(
    "21888242871839275222246405745257275088548364400416034343698204186575808495617");
const U256 kP = *U256::from_string(
    "21888242871839275222246405745257275088696311157297823662689037894645226208583");

// EIP-197's G2 generator, wire order x_im, x_re, y_im, y_re.
const Bytes kG2 = cat({
    word(*U256::from_string(
        "11559732032986387107991004021392285783925812861821192530917403151452391805634")),
    word(*U256::from_string(
        "10857046999023057135944570762232829481370756359578518086990519993285655852781")),
    word(*U256::from_string(
        "4082367875863433681332203403145435568316851327593401208105741076214120093531")),
    word(*U256::from_string(
        "8495653923123431417604973247489272438418190587263600148770280649306958101930")),
});
const Bytes kG1 = cat({word(U256(1)), word(U256(2))});

TEST(Precompiles, Addresses) {
    EXPECT_FALSE(is_precompile(pc(0)));
    for (uint8_t i = 1; i <= 9; ++i)
        EXPECT_TRUE(is_precompile(pc(i))) << int{i};
    EXPECT_FALSE(is_precompile(pc(0x0a)));  // KZG point evaluation: out of scope
    Address a = pc(1);
    a.bytes[0] = 1;
    EXPECT_FALSE(is_precompile(a));
}

TEST(Precompiles, EcrecoverGethVector) {
    const Bytes in = hex_literal(
        "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e"
        "000000000000000000000000000000000000000000000000000000000000001b"
        "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e"
        "789d1dd423d25f0772d2748d60f7e4b81bb14d086eba8e8e8efb6dcff8a4ae02");
    ExecResult r = run(1, in, 3000);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(hex(r.output), "000000000000000000000000ceaccac640adf55b2028469bd36ba501f28b699d");
    EXPECT_EQ(run(1, in, 2999).status, StatusCode::kOutOfGas);

    // v = 27 with a non-zero high byte, v = 29, s = 0, s = n: empty success.
    for (size_t pos : {size_t{32}, size_t{63}}) {
        Bytes bad = in;
        bad[pos] = pos == 63 ? 29 : 1;
        r = run(1, bad);
        EXPECT_EQ(r.status, StatusCode::kSuccess);
        EXPECT_TRUE(r.output.empty());
    }
    Bytes zero_s = in;
    std::fill(zero_s.begin() + 96, zero_s.end(), 0);
    EXPECT_TRUE(run(1, zero_s).output.empty());
    // Truncated input pads with zeros (s = 0 here): still a success.
    r = run(1, Bytes(in.begin(), in.begin() + 96));
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_TRUE(r.output.empty());
    // Extra bytes beyond 128 are ignored.
    Bytes longer = in;
    longer.push_back(0xff);
    EXPECT_EQ(run(1, longer).output, run(1, in).output);
}

TEST(Precompiles, EcrecoverAllowsHighS) {
    // (r, n - s) with the other v recovers the same key (EIP-2 binds transactions only).
    const Bytes in = hex_literal(
        "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e"
        "000000000000000000000000000000000000000000000000000000000000001b"
        "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e"
        "789d1dd423d25f0772d2748d60f7e4b81bb14d086eba8e8e8efb6dcff8a4ae02");
    const U256 n =
        *U256::from_string("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    Bytes high = in;
    const U256 s = U256::from_be_bytes(BytesView(in.data() + 96, 32));
    (n - s).to_be_bytes(high.data() + 96);
    high[63] = 28;
    const ExecResult r = run(1, high);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.output, run(1, in).output);
}

TEST(Precompiles, HashesAndIdentity) {
    ExecResult r = run(2, {}, 60);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(hex(r.output), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(run(2, {}, 59).status, StatusCode::kOutOfGas);
    // 33 bytes are two words.
    r = run(2, Bytes(33, 0), 84);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(run(2, Bytes(33, 0), 83).status, StatusCode::kOutOfGas);

    r = run(3, {}, 600);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(hex(r.output), "0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31");
    EXPECT_EQ(run(3, Bytes(32, 1), 719).status, StatusCode::kOutOfGas);
    EXPECT_EQ(run(3, Bytes(32, 1), 720).gas_left, 0);

    const Bytes data = hex_literal("00112233445566778899aabbccddeeff00");
    r = run(4, data, 18);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.output, data);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(run(4, data, 17).status, StatusCode::kOutOfGas);
    r = run(4, {}, 15);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_TRUE(r.output.empty());
}

Bytes modexp_input(uint64_t bl, uint64_t el, uint64_t ml, const Bytes& rest) {
    return cat({word(U256(bl)), word(U256(el)), word(U256(ml)), rest});
}

TEST(Precompiles, ModexpEip198Examples) {
    // 3^(p-1) mod p = 1 for the secp256k1 field prime p (Fermat).
    const Bytes in = modexp_input(
        1, 32, 32,
        hex_literal("03"
                    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e"
                    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"));
    // EIP-2565: ceil(32/8)^2 = 16, iterations = 255: 16 * 255 / 3 = 1360.
    EXPECT_EQ(modexp_gas(in), 1360u);
    ExecResult r = run(5, in, 1360);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.output, word(U256(1)));
    EXPECT_EQ(run(5, in, 1359).status, StatusCode::kOutOfGas);

    // Base length 0: 0^(p-1) mod p = 0.
    const Bytes in2 = modexp_input(
        0, 32, 32,
        hex_literal("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e"
                    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"));
    r = run(5, in2);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.output, Bytes(32, 0));
}

TEST(Precompiles, ModexpGasAndHugeLengths) {
    // All lengths zero: minimum gas, empty output.
    EXPECT_EQ(modexp_gas({}), 200u);
    ExecResult r = run(5, {}, 200);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_TRUE(r.output.empty());
    // base = mod = 0 bytes with an absurd exponent length: complexity 0, still 200.
    Bytes in = cat({word(U256(0)), word(U256::max()), word(U256(0))});
    EXPECT_EQ(modexp_gas(in), 200u);
    EXPECT_EQ(run(5, in, 200).status, StatusCode::kSuccess);
    // Absurd base or modulus lengths saturate and are never allocated.
    for (int which = 0; which < 3; ++which) {
        Bytes huge = cat({word(U256(1)), word(U256(1)), word(U256(1))});
        (U256(1) << 200).to_be_bytes(huge.data() + 32 * which);
        EXPECT_EQ(modexp_gas(huge), UINT64_MAX) << which;
        EXPECT_EQ(run(5, huge, INT64_MAX).status, StatusCode::kOutOfGas) << which;
    }
    // exp_len > 32 with a zero head: 8 * (exp_len - 32), geth's reading.
    in = modexp_input(1, 64, 1, {});
    EXPECT_EQ(modexp_gas(in), 200u);  // 1 * 256 / 3 = 85 < 200
    in = modexp_input(64, 64, 64, {});
    EXPECT_EQ(modexp_gas(in), uint64_t{64} * 256 / 3);
    // Exponent head with top bit set at exp_len 40: 8 * 8 + 255 iterations.
    in = modexp_input(32, 40, 32, cat({Bytes(32, 0), Bytes(1, 0x80), Bytes(39, 0)}));
    EXPECT_EQ(modexp_gas(in), uint64_t{16} * (64 + 255) / 3);
    // Modulus zero: output zeros of mod_len.
    in = modexp_input(1, 1, 2, hex_literal("0203"));
    r = run(5, in);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.output, Bytes(2, 0));
}

TEST(Precompiles, ModexpMatchesU256) {
    std::mt19937_64 rng(xl::test::seed());
    for (int i = 0; i < 200; ++i) {
        const Bytes b = xl::test::random_vector(rng, 32);
        const Bytes e = xl::test::random_vector(rng, 1 + rng() % 4);
        Bytes m = xl::test::random_vector(rng, 32);
        if (i % 4 == 0) std::fill(m.begin(), m.begin() + 24, 0);  // small moduli too
        const U256 mod = U256::from_be_bytes(m);
        const ExecResult r =
            run(5, cat({word(U256(32)), word(U256(e.size())), word(U256(32)), b, e, m}));
        ASSERT_EQ(r.status, StatusCode::kSuccess);
        U256 expect(0);
        if (!mod.is_zero()) {
            // Square-and-multiply with xl::mulmod, independent of GMP.
            U256 acc = U256(1) % mod;
            const U256 base = U256::from_be_bytes(b) % mod;
            for (uint8_t byte : e) {
                for (int bit = 7; bit >= 0; --bit) {
                    acc = xl::mulmod(acc, acc, mod);
                    if ((byte >> bit) & 1) acc = xl::mulmod(acc, base, mod);
                }
            }
            expect = acc;
        }
        ASSERT_EQ(r.output, word(expect)) << i;
    }
}

TEST(Precompiles, Bn254AddMulVectors) {
    // 2G, 3G and k*G computed with an independent affine implementation (Python integers).
    const std::string g2x =
        "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
        "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4";
    const std::string g3x =
        "0769bf9ac56bea3ff40232bcb1b6bd159315d84715b8e679f2d355961915abf0"
        "2ab799bee0489429554fdb7c8d086475319e63b40b9c5b57cdf1ff3dd9fe2261";
    ExecResult r = run(6, cat({kG1, kG1}), 150);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(hex(r.output), g2x);
    EXPECT_EQ(run(6, cat({kG1, kG1}), 149).status, StatusCode::kOutOfGas);
    r = run(6, cat({kG1, hex_literal(g2x)}));
    EXPECT_EQ(hex(r.output), g3x);

    r = run(7, cat({kG1, word(U256(2))}), 6000);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(hex(r.output), g2x);
    EXPECT_EQ(run(7, cat({kG1, word(U256(2))}), 5999).status, StatusCode::kOutOfGas);
    r = run(7, cat({kG1, word(*U256::from_string("0xdeadbeef123456789"))}));
    EXPECT_EQ(hex(r.output),
              "2bc8db56607ed681b287379bf8c30bc88ea17915c6cd3ae46dcc71f2ca1858b7"
              "1d405db930e6de3430cc85543770cfca26843c16ff3362bab407ee4af735627e");
    r = run(7, cat({kG1, word(U256::max())}));
    EXPECT_EQ(hex(r.output),
              "2f588cffe99db877a4434b598ab28f81e0522910ea52b45f0adaa772b2d5d352"
              "12f42fa8fd34fb1b33d8c6a718b6590198389b26fc9d8808d971f8b009777a97");
    // r * G = O, (r - 1) * G = -G = (1, p - 2); G + (-G) = O.
    r = run(7, cat({kG1, word(kR)}));
    EXPECT_EQ(r.output, Bytes(64, 0));
    r = run(7, cat({kG1, word(kR - U256(1))}));
    const Bytes neg_g = cat({word(U256(1)), word(kP - U256(2))});
    EXPECT_EQ(r.output, neg_g);
    EXPECT_EQ(run(6, cat({kG1, neg_g})).output, Bytes(64, 0));
    // Short input pads with zeros: G + O = G; empty input: O + O = O; O * k = O.
    EXPECT_EQ(run(6, kG1).output, kG1);
    EXPECT_EQ(run(6, {}).output, Bytes(64, 0));
    EXPECT_EQ(run(7, {}).output, Bytes(64, 0));
    // Long input: extra bytes ignored.
    Bytes longer = cat({kG1, kG1, Bytes(7, 0xff)});
    EXPECT_EQ(hex(run(6, longer).output), g2x);
}

TEST(Precompiles, Bn254RejectsBadPoints) {
    const Bytes off_curve = cat({word(U256(1)), word(U256(3))});
    const Bytes too_big = cat({word(kP), word(U256(2))});
    for (const Bytes& bad : {off_curve, too_big}) {
        EXPECT_EQ(run(6, cat({bad, kG1})).status, StatusCode::kPrecompileFailure);
        EXPECT_EQ(run(6, cat({kG1, bad})).status, StatusCode::kPrecompileFailure);
        EXPECT_EQ(run(7, cat({bad, word(U256(0))})).status, StatusCode::kPrecompileFailure);
        EXPECT_EQ(run(8, cat({bad, kG2})).status, StatusCode::kPrecompileFailure);
        EXPECT_EQ(run(8, cat({bad, kG2})).gas_left, 0);
    }
    // G2 points: a coordinate >= p, one off the twist, and (x, y) = (1, sqrt(1 + 3/xi)) found
    // with an independent Python Fp2 square root: on the twist but outside the order-r
    // subgroup (EIP-197 requires the check; the twist's cofactor is about 2^254).
    Bytes g2_big = kG2;
    kP.to_be_bytes(g2_big.data() + 32);
    EXPECT_EQ(run(8, cat({kG1, g2_big})).status, StatusCode::kPrecompileFailure);
    Bytes g2_off = kG2;
    g2_off[127] ^= 1;
    EXPECT_EQ(run(8, cat({kG1, g2_off})).status, StatusCode::kPrecompileFailure);
    // Swapped real/imaginary parts (a classic encoding mistake) are off the twist.
    Bytes g2_swapped =
        cat({Bytes(kG2.begin() + 32, kG2.begin() + 64), Bytes(kG2.begin(), kG2.begin() + 32),
             Bytes(kG2.begin() + 96, kG2.end()), Bytes(kG2.begin() + 64, kG2.begin() + 96)});
    EXPECT_EQ(run(8, cat({kG1, g2_swapped})).status, StatusCode::kPrecompileFailure);
    const Bytes g2_not_in_subgroup = hex_literal(
        "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0d1271953ed9ea0836846e70a1934187998c7f790cb4d7511b7f8da82de048a4"
        "2869111d5381f072f8e2728fdb825a51aadd70e52c9830e9ab4b871c0531f1bb");
    auto sub = bn254::pairing_check(cat({kG1, g2_not_in_subgroup}));
    ASSERT_FALSE(sub.has_value());
    EXPECT_EQ(sub.error(), bn254::Bn254Error::kNotInSubgroup);
    EXPECT_EQ(run(8, cat({kG1, g2_not_in_subgroup})).status, StatusCode::kPrecompileFailure);
    // Length not a multiple of 192.
    EXPECT_EQ(run(8, Bytes(191, 0)).status, StatusCode::kPrecompileFailure);
    EXPECT_EQ(run(8, Bytes(193, 0)).status, StatusCode::kPrecompileFailure);
}

Bytes g1_mul(const Bytes& p, const U256& k) {
    auto r = bn254::g1_mul(p, word(k));
    EXPECT_TRUE(r.has_value());
    return Bytes(r->begin(), r->end());
}

Bytes g2_mul(const Bytes& q, const U256& k) {
    auto r = bn254::g2_mul(q, word(k));
    EXPECT_TRUE(r.has_value());
    return Bytes(r->begin(), r->end());
}

Bytes g1_neg(const Bytes& p) {
    Bytes out = p;
    const U256 y = U256::from_be_bytes(BytesView(p.data() + 32, 32));
    if (!y.is_zero()) (kP - y).to_be_bytes(out.data() + 32);
    return out;
}

bool pairing(const Bytes& in) {
    const ExecResult r = run(8, in);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    return r.output == word(U256(1));
}

TEST(Precompiles, PairingBasics) {
    // Empty input: the empty product is 1 (EIP-197).
    ExecResult r = run(8, {}, 45000);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.output, word(U256(1)));
    EXPECT_EQ(run(8, {}, 44999).status, StatusCode::kOutOfGas);
    // Non-degenerate: e(G1, G2) != 1; gas for one pair is 79000.
    r = run(8, cat({kG1, kG2}), 79000);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.output, word(U256(0)));
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(run(8, cat({kG1, kG2}), 78999).status, StatusCode::kOutOfGas);
    // e(P, Q) * e(-P, Q) = 1; infinity in either slot contributes 1.
    EXPECT_TRUE(pairing(cat({kG1, kG2, g1_neg(kG1), kG2})));
    EXPECT_TRUE(pairing(cat({Bytes(64, 0), kG2})));
    EXPECT_TRUE(pairing(cat({kG1, Bytes(128, 0)})));
    EXPECT_FALSE(pairing(cat({kG1, kG2, kG1, kG2})));
    // r * G2 = O (G2 generator is in the subgroup).
    EXPECT_EQ(g2_mul(kG2, kR), Bytes(128, 0));
}

TEST(Precompiles, PairingBilinearity) {
    std::mt19937_64 rng(xl::test::seed());
    for (int i = 0; i < 3; ++i) {
        const U256 a = U256::from_be_bytes(xl::test::random_vector(rng, 32)) % kR;
        const U256 b = U256::from_be_bytes(xl::test::random_vector(rng, 32)) % kR;
        const U256 ab = xl::mulmod(a, b, kR);
        const Bytes ap = g1_mul(kG1, a);
        const Bytes bq = g2_mul(kG2, b);
        // e(aP, bQ) * e(-abP, Q) = 1, and e(aP, bQ) * e(-(ab + 1)P, Q) != 1.
        EXPECT_TRUE(pairing(cat({ap, bq, g1_neg(g1_mul(kG1, ab)), kG2}))) << i;
        EXPECT_FALSE(pairing(cat({ap, bq, g1_neg(g1_mul(kG1, (ab + U256(1)) % kR)), kG2}))) << i;
        // e(aP, Q) = e(P, aQ).
        EXPECT_TRUE(pairing(cat({ap, kG2, g1_neg(kG1), g2_mul(kG2, a)}))) << i;
    }
}

TEST(Precompiles, FinalExponentiationMatchesReference) {
    // A zero element would be degenerate (no inverse); random words make it vanishingly rare.
    std::mt19937_64 rng(xl::test::seed());
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(
            bn254::final_exponentiation_matches_reference(xl::test::random_vector(rng, 384)))
            << i;
}

const char* kBlakeInput =
    "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
    "d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"
    "6162630000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "03000000000000000000000000000000";

Bytes blake_input(const char* rounds, const char* flag) {
    return hex_literal(std::string(rounds) + kBlakeInput + flag);
}

TEST(Precompiles, Blake2fEip152Vectors) {
    // Vector 4: 0 rounds.
    ExecResult r = run(9, blake_input("00000000", "01"), 0);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(hex(r.output),
              "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
              "d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b");
    // Vector 5: 12 rounds = BLAKE2b-512("abc").
    r = run(9, blake_input("0000000c", "01"), 12);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(hex(r.output),
              "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
              "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    EXPECT_EQ(run(9, blake_input("0000000c", "01"), 11).status, StatusCode::kOutOfGas);
    // Vector 6: not the final block.
    r = run(9, blake_input("0000000c", "00"));
    EXPECT_EQ(hex(r.output),
              "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d28752"
              "98743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735");
    // Vector 7: 1 round.
    r = run(9, blake_input("00000001", "01"));
    EXPECT_EQ(hex(r.output),
              "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fb"
              "a551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421");
    // Vectors 0-3: bad length and bad flag fail.
    EXPECT_EQ(run(9, {}).status, StatusCode::kPrecompileFailure);
    Bytes shorter = blake_input("0000000c", "01");
    shorter.pop_back();
    EXPECT_EQ(run(9, shorter).status, StatusCode::kPrecompileFailure);
    Bytes longer = blake_input("0000000c", "01");
    longer.push_back(0);
    EXPECT_EQ(run(9, longer).status, StatusCode::kPrecompileFailure);
    r = run(9, blake_input("0000000c", "02"));
    EXPECT_EQ(r.status, StatusCode::kPrecompileFailure);
    EXPECT_EQ(r.gas_left, 0);
    // 2^32 - 1 rounds cost more gas than is offered: out of gas before any work.
    EXPECT_EQ(run(9, blake_input("ffffffff", "01"), 1'000'000).status, StatusCode::kOutOfGas);
}

TEST(Precompiles, RandomInputsNeverCrash) {
    std::mt19937_64 rng(xl::test::seed());
    for (int i = 0; i < 300; ++i) {
        const uint8_t id = static_cast<uint8_t>(1 + rng() % 9);
        if (id == 8 && i % 10 != 0) continue;  // pairings are slow; a few suffice
        Bytes in = xl::test::random_vector(rng, rng() % 400);
        if (id == 5 && in.size() >= 96) {
            // Keep lengths plausible half the time so the computation actually runs.
            if (rng() % 2 == 0) {
                for (int w = 0; w < 3; ++w) {
                    std::fill(in.begin() + 32 * w, in.begin() + 32 * w + 31, 0);
                    in[32 * w + 31] %= 80;
                }
            }
        }
        const ExecResult r = run(id, in, 1'000'000);
        EXPECT_TRUE(r.status == StatusCode::kSuccess || r.status == StatusCode::kOutOfGas ||
                    r.status == StatusCode::kPrecompileFailure);
        EXPECT_GE(r.gas_left, 0);
        EXPECT_LE(r.gas_left, 1'000'000);
    }
}

}  // namespace
}  // namespace xl::evm::test
