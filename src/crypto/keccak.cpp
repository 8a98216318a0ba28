// SPDX-License-Identifier: Apache-2.0
// Keccak-256 (Ethereum's hash): the Keccak-f[1600] permutation of FIPS 202 §3 with the original
// Keccak padding (pad10*1 with domain byte 0x01, not SHA-3's 0x06). Written here because OpenSSL
// 3.0 has no Keccak-256. Pure functions; thread-safe.
//
// The permutation keeps the 25 lanes in local variables (so the compiler holds them in
// registers, no memory round trip per step) and unrolls two rounds per loop iteration, swapping
// the roles of the a.. and e.. lane sets, the layout of the Keccak team's 64-bit reference code.
// The round body was generated mechanically from the FIPS 202 §3.2 definitions of theta, rho,
// pi, chi and iota; lane names are <row><column> with rows b g k m s (y = 0..4) and columns
// a e i o u (x = 0..4), i.e. lane index x + 5 * y.
#include <algorithm>
#include <bit>
#include <cstring>

#include "crypto/hash.hpp"

namespace xl::crypto {
namespace {

// FIPS 202 §3.2.5, iota round constants RC[i_r].
constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
    0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
};

// FIPS 202 §5.2: Keccak-256 has capacity 512 bits, so the rate is 1088 bits = 136 bytes.
constexpr size_t kRate = 136;
constexpr size_t kRateLanes = kRate / 8;

inline uint64_t rotl(uint64_t x, int n) noexcept {
    return std::rotl(x, n);
}

// Lanes are little-endian (FIPS 202 §B.1).
inline uint64_t load_le(const uint8_t* p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
}

inline void store_le(uint8_t* p, uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}

inline void absorb_block(uint64_t st[25], const uint8_t* block) noexcept {
    for (size_t i = 0; i < kRateLanes; ++i)
        st[i] ^= load_le(block + 8 * i);
    keccak_f1600(st);
}

}  // namespace

void keccak_f1600(uint64_t st[25]) noexcept {
    uint64_t aba = st[0], abe = st[1], abi = st[2], abo = st[3], abu = st[4];
    uint64_t aga = st[5], age = st[6], agi = st[7], ago = st[8], agu = st[9];
    uint64_t aka = st[10], ake = st[11], aki = st[12], ako = st[13], aku = st[14];
    uint64_t ama = st[15], ame = st[16], ami = st[17], amo = st[18], amu = st[19];
    uint64_t asa = st[20], ase = st[21], asi = st[22], aso = st[23], asu = st[24];
    uint64_t eba, ebe, ebi, ebo, ebu;
    uint64_t ega, ege, egi, ego, egu;
    uint64_t eka, eke, eki, eko, eku;
    uint64_t ema, eme, emi, emo, emu;
    uint64_t esa, ese, esi, eso, esu;
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
    for (size_t round = 0; round < 24; round += 2) {
        // Round `round`: a.. -> e..; then round `round + 1`: e.. -> a..
        c0 = aba ^ aga ^ aka ^ ama ^ asa;
        c1 = abe ^ age ^ ake ^ ame ^ ase;
        c2 = abi ^ agi ^ aki ^ ami ^ asi;
        c3 = abo ^ ago ^ ako ^ amo ^ aso;
        c4 = abu ^ agu ^ aku ^ amu ^ asu;
        d0 = c4 ^ rotl(c1, 1);
        d1 = c0 ^ rotl(c2, 1);
        d2 = c1 ^ rotl(c3, 1);
        d3 = c2 ^ rotl(c4, 1);
        d4 = c3 ^ rotl(c0, 1);
        b0 = aba ^ d0;
        b1 = rotl(age ^ d1, 44);
        b2 = rotl(aki ^ d2, 43);
        b3 = rotl(amo ^ d3, 21);
        b4 = rotl(asu ^ d4, 14);
        eba = b0 ^ (~b1 & b2) ^ kRoundConstants[round];
        ebe = b1 ^ (~b2 & b3);
        ebi = b2 ^ (~b3 & b4);
        ebo = b3 ^ (~b4 & b0);
        ebu = b4 ^ (~b0 & b1);
        b0 = rotl(abo ^ d3, 28);
        b1 = rotl(agu ^ d4, 20);
        b2 = rotl(aka ^ d0, 3);
        b3 = rotl(ame ^ d1, 45);
        b4 = rotl(asi ^ d2, 61);
        ega = b0 ^ (~b1 & b2);
        ege = b1 ^ (~b2 & b3);
        egi = b2 ^ (~b3 & b4);
        ego = b3 ^ (~b4 & b0);
        egu = b4 ^ (~b0 & b1);
        b0 = rotl(abe ^ d1, 1);
        b1 = rotl(agi ^ d2, 6);
        b2 = rotl(ako ^ d3, 25);
        b3 = rotl(amu ^ d4, 8);
        b4 = rotl(asa ^ d0, 18);
        eka = b0 ^ (~b1 & b2);
        eke = b1 ^ (~b2 & b3);
        eki = b2 ^ (~b3 & b4);
        eko = b3 ^ (~b4 & b0);
        eku = b4 ^ (~b0 & b1);
        b0 = rotl(abu ^ d4, 27);
        b1 = rotl(aga ^ d0, 36);
        b2 = rotl(ake ^ d1, 10);
        b3 = rotl(ami ^ d2, 15);
        b4 = rotl(aso ^ d3, 56);
        ema = b0 ^ (~b1 & b2);
        eme = b1 ^ (~b2 & b3);
        emi = b2 ^ (~b3 & b4);
        emo = b3 ^ (~b4 & b0);
        emu = b4 ^ (~b0 & b1);
        b0 = rotl(abi ^ d2, 62);
        b1 = rotl(ago ^ d3, 55);
        b2 = rotl(aku ^ d4, 39);
        b3 = rotl(ama ^ d0, 41);
        b4 = rotl(ase ^ d1, 2);
        esa = b0 ^ (~b1 & b2);
        ese = b1 ^ (~b2 & b3);
        esi = b2 ^ (~b3 & b4);
        eso = b3 ^ (~b4 & b0);
        esu = b4 ^ (~b0 & b1);
        c0 = eba ^ ega ^ eka ^ ema ^ esa;
        c1 = ebe ^ ege ^ eke ^ eme ^ ese;
        c2 = ebi ^ egi ^ eki ^ emi ^ esi;
        c3 = ebo ^ ego ^ eko ^ emo ^ eso;
        c4 = ebu ^ egu ^ eku ^ emu ^ esu;
        d0 = c4 ^ rotl(c1, 1);
        d1 = c0 ^ rotl(c2, 1);
        d2 = c1 ^ rotl(c3, 1);
        d3 = c2 ^ rotl(c4, 1);
        d4 = c3 ^ rotl(c0, 1);
        b0 = eba ^ d0;
        b1 = rotl(ege ^ d1, 44);
        b2 = rotl(eki ^ d2, 43);
        b3 = rotl(emo ^ d3, 21);
        b4 = rotl(esu ^ d4, 14);
        aba = b0 ^ (~b1 & b2) ^ kRoundConstants[round + 1];
        abe = b1 ^ (~b2 & b3);
        abi = b2 ^ (~b3 & b4);
        abo = b3 ^ (~b4 & b0);
        abu = b4 ^ (~b0 & b1);
        b0 = rotl(ebo ^ d3, 28);
        b1 = rotl(egu ^ d4, 20);
        b2 = rotl(eka ^ d0, 3);
        b3 = rotl(eme ^ d1, 45);
        b4 = rotl(esi ^ d2, 61);
        aga = b0 ^ (~b1 & b2);
        age = b1 ^ (~b2 & b3);
        agi = b2 ^ (~b3 & b4);
        ago = b3 ^ (~b4 & b0);
        agu = b4 ^ (~b0 & b1);
        b0 = rotl(ebe ^ d1, 1);
        b1 = rotl(egi ^ d2, 6);
        b2 = rotl(eko ^ d3, 25);
        b3 = rotl(emu ^ d4, 8);
        b4 = rotl(esa ^ d0, 18);
        aka = b0 ^ (~b1 & b2);
        ake = b1 ^ (~b2 & b3);
        aki = b2 ^ (~b3 & b4);
        ako = b3 ^ (~b4 & b0);
        aku = b4 ^ (~b0 & b1);
        b0 = rotl(ebu ^ d4, 27);
        b1 = rotl(ega ^ d0, 36);
        b2 = rotl(eke ^ d1, 10);
        b3 = rotl(emi ^ d2, 15);
        b4 = rotl(eso ^ d3, 56);
        ama = b0 ^ (~b1 & b2);
        ame = b1 ^ (~b2 & b3);
        ami = b2 ^ (~b3 & b4);
        amo = b3 ^ (~b4 & b0);
        amu = b4 ^ (~b0 & b1);
        b0 = rotl(ebi ^ d2, 62);
        b1 = rotl(ego ^ d3, 55);
        b2 = rotl(eku ^ d4, 39);
        b3 = rotl(ema ^ d0, 41);
        b4 = rotl(ese ^ d1, 2);
        asa = b0 ^ (~b1 & b2);
        ase = b1 ^ (~b2 & b3);
        asi = b2 ^ (~b3 & b4);
        aso = b3 ^ (~b4 & b0);
        asu = b4 ^ (~b0 & b1);
    }
    st[0] = aba;
    st[1] = abe;
    st[2] = abi;
    st[3] = abo;
    st[4] = abu;
    st[5] = aga;
    st[6] = age;
    st[7] = agi;
    st[8] = ago;
    st[9] = agu;
    st[10] = aka;
    st[11] = ake;
    st[12] = aki;
    st[13] = ako;
    st[14] = aku;
    st[15] = ama;
    st[16] = ame;
    st[17] = ami;
    st[18] = amo;
    st[19] = amu;
    st[20] = asa;
    st[21] = ase;
    st[22] = asi;
    st[23] = aso;
    st[24] = asu;
}

Hash256 keccak256(BytesView data) noexcept {
    uint64_t st[25] = {};
    const uint8_t* p = data.data();
    size_t n = data.size();
    for (; n >= kRate; p += kRate, n -= kRate)
        absorb_block(st, p);
    // Final block: pad10*1 with Keccak's domain byte 0x01 (the two pad bits may share a byte).
    uint8_t last[kRate] = {};
    if (n != 0) std::memcpy(last, p, n);
    last[n] ^= 0x01;
    last[kRate - 1] ^= 0x80;
    absorb_block(st, last);
    Hash256 out;
    for (size_t i = 0; i < 4; ++i)
        store_le(out.data() + 8 * i, st[i]);
    return out;
}

void Keccak256Hasher::update(BytesView data) noexcept {
    const uint8_t* p = data.data();
    size_t n = data.size();
    if (buffered_ != 0) {
        size_t take = std::min(n, kRate - buffered_);
        if (take != 0) std::memcpy(buf_ + buffered_, p, take);
        buffered_ += take;
        p += take;
        n -= take;
        if (buffered_ < kRate) return;
        absorb_block(st_, buf_);
        buffered_ = 0;
    }
    for (; n >= kRate; p += kRate, n -= kRate)
        absorb_block(st_, p);
    if (n != 0) std::memcpy(buf_, p, n);
    buffered_ = n;
}

Hash256 Keccak256Hasher::finish() noexcept {
    std::memset(buf_ + buffered_, 0, kRate - buffered_);
    buf_[buffered_] ^= 0x01;
    buf_[kRate - 1] ^= 0x80;
    absorb_block(st_, buf_);
    Hash256 out;
    for (size_t i = 0; i < 4; ++i)
        store_le(out.data() + 8 * i, st_[i]);
    *this = Keccak256Hasher{};
    return out;
}

}  // namespace xl::crypto
