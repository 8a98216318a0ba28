// SPDX-License-Identifier: Apache-2.0
// Precompile benchmarks: bn254 add, mul and the pairing check for 1 and 2 pairs (EIP-196/197),
// modexp of a 256-bit and a 2048-bit modulus (EIP-198), blake2f with 12 rounds (EIP-152).
#include <benchmark/benchmark.h>

#include "core/uint256.hpp"
#include "evm/bn254.hpp"
#include "evm/precompiles.hpp"

namespace {

using namespace xl;
using namespace xl::evm;

Address pc(uint8_t id) {
    Address a;
    a.bytes[19] = id;
    return a;
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

const Bytes kG1 = cat({word(U256(1)), word(U256(2))});
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

void run_bench(benchmark::State& state, uint8_t id, const Bytes& input) {
    for (auto _ : state) {
        ExecResult r = run_precompile(pc(id), input, 100'000'000);
        benchmark::DoNotOptimize(r);
        if (r.status != StatusCode::kSuccess) state.SkipWithError("precompile failed");
    }
}

void bm_bn254_add(benchmark::State& state) {
    const Bytes two_g =
        Bytes(bn254::g1_mul(kG1, word(U256(2)))->begin(), bn254::g1_mul(kG1, word(U256(2)))->end());
    run_bench(state, 6, cat({kG1, two_g}));
}
BENCHMARK(bm_bn254_add)->Name("bn254_add");

void bm_bn254_mul(benchmark::State& state) {
    run_bench(state, 7, cat({kG1, word(U256::max() - U256(12345))}));
}
BENCHMARK(bm_bn254_mul)->Name("bn254_mul")->Unit(benchmark::kMicrosecond);

void bm_bn254_pairing(benchmark::State& state) {
    Bytes in;
    for (int64_t i = 0; i < state.range(0); ++i)
        in = cat({in, kG1, kG2});
    run_bench(state, 8, in);
}
BENCHMARK(bm_bn254_pairing)->Name("bn254_pairing")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// The cost of the G2 subgroup check alone: one 254-bit multiplication on the twist.
void bm_bn254_g2_mul(benchmark::State& state) {
    const Bytes r = word(*U256::from_string(
        "21888242871839275222246405745257275088548364400416034343698204186575808495617"));
    for (auto _ : state) {
        auto q = bn254::g2_mul(kG2, r);
        benchmark::DoNotOptimize(q);
    }
}
BENCHMARK(bm_bn254_g2_mul)->Name("bn254_g2_mul")->Unit(benchmark::kMicrosecond);

void bm_modexp(benchmark::State& state) {
    const auto n = static_cast<uint64_t>(state.range(0));
    Bytes base(n, 0xa5), exp(n, 0xff), mod(n, 0xc3);
    mod.back() |= 1;
    run_bench(state, 5, cat({word(U256(n)), word(U256(n)), word(U256(n)), base, exp, mod}));
}
BENCHMARK(bm_modexp)->Name("modexp")->Arg(32)->Arg(256)->Unit(benchmark::kMicrosecond);

void bm_blake2f(benchmark::State& state) {
    Bytes in(213, 0x11);
    in[0] = in[1] = in[2] = 0;
    in[3] = 12;
    in[212] = 1;
    run_bench(state, 9, in);
}
BENCHMARK(bm_blake2f)->Name("blake2f_12_rounds");

}  // namespace
