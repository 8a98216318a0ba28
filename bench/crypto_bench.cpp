// SPDX-License-Identifier: Apache-2.0
// Crypto benchmarks: keccak-256 against OpenSSL's SHA3-256 (the same Keccak-f[1600] permutation
// and the same 136-byte rate, so the ratio measures our permutation and sponge code), SM3,
// secp256k1 recover, SM2 sign/verify, AES-128-GCM and SM4-GCM.
#include <benchmark/benchmark.h>

#include "crypto/cipher.hpp"
#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/sm2.hpp"
#include "crypto/suite.hpp"

namespace {

using namespace xl;
using namespace xl::crypto;

Bytes input(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(i * 31 + 7);
    return b;
}

template <Hash256 (*Fn)(BytesView) noexcept>
void bm_hash(benchmark::State& state) {
    Bytes data = input(static_cast<size_t>(state.range(0)));
    for (auto _ : state) {
        Hash256 h = Fn(data);
        benchmark::DoNotOptimize(h);
        data[0] = h[0];  // a data dependency between iterations
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}
BENCHMARK(bm_hash<keccak256>)->Name("keccak256")->Arg(32)->Arg(1024);
BENCHMARK(bm_hash<sha3_256_openssl>)->Name("sha3_256_openssl")->Arg(32)->Arg(1024);
BENCHMARK(bm_hash<sm3>)->Name("sm3")->Arg(32)->Arg(1024);
BENCHMARK(bm_hash<sha256>)->Name("sha256")->Arg(32)->Arg(1024);

void bm_secp256k1_recover(benchmark::State& state) {
    SecretKey sk = ecdsa_suite().generate_key();
    Hash256 hash = keccak256(as_bytes("benchmark"));
    Signature sig = *secp256k1::sign(sk, hash);
    for (auto _ : state) {
        auto pk = secp256k1::recover(hash, sig, false);
        benchmark::DoNotOptimize(pk);
    }
}
BENCHMARK(bm_secp256k1_recover)->Name("secp256k1_recover");

void bm_secp256k1_sign(benchmark::State& state) {
    SecretKey sk = ecdsa_suite().generate_key();
    Hash256 hash = keccak256(as_bytes("benchmark"));
    for (auto _ : state) {
        auto sig = secp256k1::sign(sk, hash);
        benchmark::DoNotOptimize(sig);
        hash[0] ^= 1;
    }
}
BENCHMARK(bm_secp256k1_sign)->Name("secp256k1_sign");

void bm_sm2_sign(benchmark::State& state) {
    SecretKey sk = sm_suite().generate_key();
    Bytes msg = input(100);
    for (auto _ : state) {
        auto sig = sm2_sign(sk, as_bytes(kSm2DefaultId), msg);
        benchmark::DoNotOptimize(sig);
    }
}
BENCHMARK(bm_sm2_sign)->Name("sm2_sign");

void bm_sm2_verify(benchmark::State& state) {
    SecretKey sk = sm_suite().generate_key();
    PublicKey pk = *sm2_public_key(sk);
    Bytes msg = input(100);
    Signature sig = *sm2_sign(sk, as_bytes(kSm2DefaultId), msg);
    for (auto _ : state) {
        auto ok = sm2_verify(pk, as_bytes(kSm2DefaultId), msg, sig);
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(bm_sm2_verify)->Name("sm2_verify");

void bm_gcm_seal(benchmark::State& state) {
    const auto algo = static_cast<CipherAlgo>(state.range(0));
    Bytes key = input(16), nonce = input(12), aad = input(16), pt = input(1024);
    for (auto _ : state) {
        auto ct = gcm_seal(algo, key, nonce, aad, pt);
        benchmark::DoNotOptimize(ct);
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * 1024);
}
BENCHMARK(bm_gcm_seal)
    ->Name("gcm_seal_1KiB/aes128=0,sm4=1")
    ->Arg(static_cast<int>(CipherAlgo::kAes128))
    ->Arg(static_cast<int>(CipherAlgo::kSm4));

}  // namespace
