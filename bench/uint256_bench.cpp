// SPDX-License-Identifier: Apache-2.0
// Benchmarks of xl::U256 (mul, div, mulmod, exp) against GMP's mpz on the same operands in the
// same run. GMP results are reduced modulo 2^256 where the EVM wraps, so both sides compute the
// same values; every U256 result is checked against GMP once before timing.
#include <benchmark/benchmark.h>
#include <gmp.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "core/uint256.hpp"

namespace {

using xl::U256;

constexpr size_t kOperands = 256;  // a power of two, cycled through by index mask

struct Operands {
    std::vector<U256> a, b, m;
};

// a: uniform 256-bit; b: divisor/modulus of `bits` bits (top bit set); m like b.
Operands make_operands(unsigned bits) {
    std::mt19937_64 rng(42);
    Operands ops;
    for (size_t i = 0; i < kOperands; ++i) {
        auto uniform = [&] { return U256::from_limbs(rng(), rng(), rng(), rng()); };
        ops.a.push_back(uniform());
        const U256 top = U256(1) << (bits - 1);
        ops.b.push_back(bits == 256 ? (uniform() | top) : ((uniform() >> (256 - bits)) | top));
        ops.m.push_back(bits == 256 ? (uniform() | top) : ((uniform() >> (256 - bits)) | top));
    }
    return ops;
}

struct MpzOperands {
    std::vector<mpz_t> a, b, m;
    mpz_t r, two256;
    explicit MpzOperands(const Operands& ops) : a(kOperands), b(kOperands), m(kOperands) {
        for (size_t i = 0; i < kOperands; ++i) {
            mpz_init(a[i]);
            mpz_init(b[i]);
            mpz_init(m[i]);
            mpz_import(a[i], 4, -1, 8, 0, 0, ops.a[i].w);
            mpz_import(b[i], 4, -1, 8, 0, 0, ops.b[i].w);
            mpz_import(m[i], 4, -1, 8, 0, 0, ops.m[i].w);
        }
        mpz_init2(r, 1024);
        mpz_init(two256);
        mpz_ui_pow_ui(two256, 2, 256);
    }
    ~MpzOperands() {
        for (size_t i = 0; i < kOperands; ++i) {
            mpz_clear(a[i]);
            mpz_clear(b[i]);
            mpz_clear(m[i]);
        }
        mpz_clear(r);
        mpz_clear(two256);
    }
    MpzOperands(const MpzOperands&) = delete;
    MpzOperands& operator=(const MpzOperands&) = delete;
};

U256 from_mpz(const mpz_t x) {
    mpz_t t;
    mpz_init(t);
    mpz_fdiv_r_2exp(t, x, 256);
    U256 r;
    size_t count = 0;
    mpz_export(r.w, &count, -1, 8, 0, 0, t);
    mpz_clear(t);
    return r;
}

// Aborts the benchmark run if U256 and GMP disagree on the first operands: a benchmark of a
// wrong result is meaningless.
void check(benchmark::State& state, const U256& ours, const mpz_t theirs) {
    if (ours != from_mpz(theirs)) state.SkipWithError("U256 and GMP disagree");
}

enum class OpKind { kMul, kDiv, kMulmod, kExp };

U256 run_u256(OpKind k, const Operands& o, size_t i) {
    switch (k) {
        case OpKind::kMul:
            return o.a[i] * o.b[i];
        case OpKind::kDiv:
            return o.a[i] / o.b[i];
        case OpKind::kMulmod:
            return xl::mulmod(o.a[i], o.b[i], o.m[i]);
        case OpKind::kExp:
            return xl::exp(o.a[i], o.b[i]);
    }
    return {};
}

void run_mpz(OpKind k, MpzOperands& g, size_t i) {
    switch (k) {
        case OpKind::kMul:
            mpz_mul(g.r, g.a[i], g.b[i]);
            mpz_fdiv_r_2exp(g.r, g.r, 256);  // the EVM wraps at 2^256
            return;
        case OpKind::kDiv:
            mpz_fdiv_q(g.r, g.a[i], g.b[i]);
            return;
        case OpKind::kMulmod:
            mpz_mul(g.r, g.a[i], g.b[i]);
            mpz_mod(g.r, g.r, g.m[i]);
            return;
        case OpKind::kExp:
            mpz_powm(g.r, g.a[i], g.b[i], g.two256);
            return;
    }
}

template <OpKind K>
void bm_u256(benchmark::State& state) {
    const Operands o = make_operands(unsigned(state.range(0)));
    MpzOperands g(o);
    run_mpz(K, g, 0);
    check(state, run_u256(K, o, 0), g.r);
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(run_u256(K, o, i));
        i = (i + 1) & (kOperands - 1);
    }
}

template <OpKind K>
void bm_gmp(benchmark::State& state) {
    const Operands o = make_operands(unsigned(state.range(0)));
    MpzOperands g(o);
    size_t i = 0;
    for (auto _ : state) {
        run_mpz(K, g, i);
        benchmark::DoNotOptimize(g.r);
        i = (i + 1) & (kOperands - 1);
    }
}

// The argument is the bit length of the second operand (divisor, modulus, exponent).
BENCHMARK(bm_u256<OpKind::kMul>)->Name("u256/mul")->Arg(256);
BENCHMARK(bm_gmp<OpKind::kMul>)->Name("gmp/mul")->Arg(256);
BENCHMARK(bm_u256<OpKind::kDiv>)->Name("u256/div")->Arg(64)->Arg(128)->Arg(192)->Arg(256);
BENCHMARK(bm_gmp<OpKind::kDiv>)->Name("gmp/div")->Arg(64)->Arg(128)->Arg(192)->Arg(256);
BENCHMARK(bm_u256<OpKind::kMulmod>)->Name("u256/mulmod")->Arg(128)->Arg(256);
BENCHMARK(bm_gmp<OpKind::kMulmod>)->Name("gmp/mulmod")->Arg(128)->Arg(256);
BENCHMARK(bm_u256<OpKind::kExp>)->Name("u256/exp")->Arg(64)->Arg(256);
BENCHMARK(bm_gmp<OpKind::kExp>)->Name("gmp/exp")->Arg(64)->Arg(256);

}  // namespace
