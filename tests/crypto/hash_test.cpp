// SPDX-License-Identifier: Apache-2.0
// Known answers for keccak-256, SHA-256, RIPEMD-160, SM3 and SHA3-256, and a differential test
// of the keccak sponge against OpenSSL's SHA3-256 (same permutation and rate, FIPS 202 §6.1).
#include <gtest/gtest.h>

#include <random>

#include "crypto/hash.hpp"
#include "common/seed.hpp"

namespace xl::crypto {
namespace {

std::string hex(BytesView b) {
    return to_hex(b, false);
}

Bytes counting(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(i);
    return b;
}

// A plain sponge over keccak_f1600 with the given domain byte: 0x01 is Keccak-256, 0x06 is
// SHA3-256 (FIPS 202 §B.2). Written byte by byte, independently of keccak.cpp's absorb code.
Hash256 reference_sponge(BytesView msg, uint8_t domain) {
    constexpr size_t kRate = 136;
    uint64_t st[25] = {};
    Bytes padded(msg.begin(), msg.end());
    padded.push_back(domain);
    while (padded.size() % kRate != 0)
        padded.push_back(0);
    padded.back() |= 0x80;
    for (size_t off = 0; off < padded.size(); off += kRate) {
        for (size_t i = 0; i < kRate; ++i)
            st[i / 8] ^= uint64_t(padded[off + i]) << (8 * (i % 8));
        keccak_f1600(st);
    }
    Hash256 h;
    for (size_t i = 0; i < 32; ++i)
        h[i] = static_cast<uint8_t>(st[i / 8] >> (8 * (i % 8)));
    return h;
}

TEST(Keccak, KnownAnswers) {
    // Ethereum's empty-input hash (the codeHash of an account without code, Yellow Paper §4.1).
    EXPECT_EQ(hex(keccak256({})),
              "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    EXPECT_EQ(hex(keccak256(as_bytes("abc"))),
              "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    EXPECT_EQ(hex(keccak256(as_bytes("The quick brown fox jumps over the lazy dog"))),
              "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

// Inputs around the 136-byte rate boundary: 0, 1 and 2 extra blocks, and the case where the
// padding needs a block of its own. Expected values from @noble/hashes keccak_256 (ethers v6).
TEST(Keccak, MultiBlockAcrossRateBoundary) {
    const std::pair<size_t, const char*> cases[] = {
        {135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"},
        {136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"},
        {137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"},
        {271, "7c974895b2a88303ff2dc6b58f438ceb0b298cac91099ac0539cc0f477506191"},
        {272, "fdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e"},
        {273, "4f707289a9c3ccd0c4a51f2f17339f5dd171d371c04ff7783b735b5b22682eaf"},
        {1000, "aca79e4146e30eb1c733f6d6060d72471c36ea4e01ebf45d7f4916249c2bbd82"},
    };
    for (const auto& [n, want] : cases) {
        SCOPED_TRACE(n);
        EXPECT_EQ(hex(keccak256(counting(n))), want);
    }
}

// Keccak-f[1600] applied once to the all-zero state (Keccak team, KeccakF-1600 intermediate
// values, first five output lanes).
TEST(Keccak, PermutationOfZeroState) {
    uint64_t st[25] = {};
    keccak_f1600(st);
    EXPECT_EQ(st[0], 0xF1258F7940E1DDE7ull);
    EXPECT_EQ(st[1], 0x84D5CCF933C0478Aull);
    EXPECT_EQ(st[2], 0xD598261EA65AA9EEull);
    EXPECT_EQ(st[3], 0xBD1547306F80494Dull);
    EXPECT_EQ(st[4], 0x8B284E056253D057ull);
}

// The permutation against OpenSSL (SHA3-256 padding), and keccak256's own block/padding code
// against the byte-wise reference sponge, for every length up to four blocks and a bit.
TEST(Keccak, DifferentialAgainstOpenSslSha3) {
    std::mt19937_64 rng(test::test_seed("Keccak.DifferentialAgainstOpenSslSha3"));
    for (size_t n = 0; n <= 4 * 136 + 9; ++n) {
        SCOPED_TRACE(n);
        Bytes msg = test::random_vector(rng, n);
        ASSERT_EQ(reference_sponge(msg, 0x06), sha3_256_openssl(msg));
        ASSERT_EQ(keccak256(msg), reference_sponge(msg, 0x01));
    }
}

TEST(Keccak, IncrementalHasherMatchesOneShot) {
    std::mt19937_64 rng(test::test_seed("Keccak.IncrementalHasherMatchesOneShot"));
    Keccak256Hasher hasher;
    for (int iter = 0; iter < 300; ++iter) {
        Bytes msg = test::random_vector(rng, rng() % 700);
        size_t off = 0;
        while (off < msg.size()) {
            size_t take = std::min<size_t>(rng() % 200, msg.size() - off);
            hasher.update(BytesView(msg).subspan(off, take));
            off += take;
        }
        ASSERT_EQ(hasher.finish(), keccak256(msg)) << "length " << msg.size();
    }
    // finish() resets the hasher: the next digest is of the empty message.
    EXPECT_EQ(hasher.finish(), keccak256({}));
}

TEST(Sha256, KnownAnswers) {
    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf").
    EXPECT_EQ(hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex(sha256(as_bytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Ripemd160, KnownAnswers) {
    // Dobbertin, Bosselaers, Preneel: the RIPEMD-160 test vectors.
    EXPECT_EQ(hex(ripemd160({})), "9c1185a5c5e9fc54612808977ee8f548b2258d31");
    EXPECT_EQ(hex(ripemd160(as_bytes("abc"))), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    EXPECT_EQ(hex(ripemd160(as_bytes("message digest"))),
              "5d0689ef49d2fae572b881b123a85ffa21595f36");
}

TEST(Sm3, KnownAnswers) {
    // GB/T 32905-2016 Annex A.1 and A.2.
    EXPECT_EQ(hex(sm3(as_bytes("abc"))),
              "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    std::string abcd16;
    for (int i = 0; i < 16; ++i)
        abcd16 += "abcd";
    EXPECT_EQ(hex(sm3(as_bytes(abcd16))),
              "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST(Sha3, KnownAnswers) {
    // FIPS 202 SHA3-256 of the empty message (NIST example values).
    EXPECT_EQ(hex(sha3_256_openssl({})),
              "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

// The per-thread contexts must not leak state between algorithms or calls.
TEST(Hash, InterleavedCallsAreIndependent) {
    Hash256 a = sha256(as_bytes("abc"));
    (void)sm3(as_bytes("x"));
    (void)ripemd160(as_bytes("y"));
    EXPECT_EQ(sha256(as_bytes("abc")), a);
}

}  // namespace
}  // namespace xl::crypto
