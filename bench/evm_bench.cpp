// SPDX-License-Identifier: Apache-2.0
// Benchmarks of the EVM interpreter on the tests' mock host: a counting loop (dispatch and
// stack), 256-bit MUL/EXP arithmetic, KECCAK256 on memory, and the per-frame start-up cost
// (analysis and stack set-up), with and without the analysis cache; analysis against keccak256
// of initcode. Counters report gas per second.
#include <benchmark/benchmark.h>

#include <initializer_list>

#include "../tests/evm/mock_host.hpp"
#include "crypto/hash.hpp"
#include "evm/analysis.hpp"
#include "evm/instructions.hpp"

namespace {

using namespace xl::evm;

xl::Bytes loop_code(uint16_t n, xl::BytesView body) {
    // PUSH2 n; JUMPDEST(3); body; PUSH1 1; SWAP1; SUB; DUP1; PUSH1 3; JUMPI; STOP
    xl::Bytes c;
    c.reserve(body.size() + 16);
    for (uint8_t b :
         std::initializer_list<uint8_t>{OP_PUSH1 + 1, uint8_t(n >> 8), uint8_t(n), OP_JUMPDEST})
        c.push_back(b);
    for (uint8_t b : body)
        c.push_back(b);
    for (uint8_t b : std::initializer_list<uint8_t>{OP_PUSH1, 1, OP_SWAP1, OP_SUB, OP_DUP1,
                                                    OP_PUSH1, 3, OP_JUMPI, OP_STOP})
        c.push_back(b);
    return c;
}

void run_code(benchmark::State& state, const xl::Bytes& code) {
    test::MockHost host;
    Message msg;
    msg.gas = 100'000'000;
    int64_t gas_used = 0;
    for (auto _ : state) {
        const ExecResult r = execute(host, msg, code);
        if (r.status != StatusCode::kSuccess) state.SkipWithError("execution failed");
        gas_used += msg.gas - r.gas_left;
        benchmark::DoNotOptimize(r.gas_left);
    }
    state.counters["gas/s"] = benchmark::Counter(double(gas_used), benchmark::Counter::kIsRate);
}

void BM_EvmLoop(benchmark::State& state) {
    run_code(state, loop_code(10000, {}));
}
BENCHMARK(BM_EvmLoop);

void BM_EvmMulExp(benchmark::State& state) {
    // DUP1 DUP1 MUL POP; PUSH32 x PUSH1 3 EXP POP  (per iteration)
    xl::Bytes body = {OP_DUP1, OP_DUP1, OP_MUL, OP_POP, OP_PUSH32};
    for (int i = 0; i < 32; ++i)
        body.push_back(uint8_t(0xf1 - i));
    for (uint8_t b : std::initializer_list<uint8_t>{OP_PUSH1, 3, OP_EXP, OP_POP})
        body.push_back(b);
    run_code(state, loop_code(10000, body));
}
BENCHMARK(BM_EvmMulExp);

void BM_EvmKeccak(benchmark::State& state) {
    // PUSH1 64 PUSH1 0 KECCAK256 POP (per iteration)
    const xl::Bytes body = {OP_PUSH1, 64, OP_PUSH1, 0, OP_KECCAK256, OP_POP};
    run_code(state, loop_code(10000, body));
}
BENCHMARK(BM_EvmKeccak);

void BM_EvmFrameStart(benchmark::State& state) {
    // A 24 KiB contract that stops at once: the cost of analysis and frame set-up.
    xl::Bytes code(24576, OP_JUMPDEST);
    code[0] = OP_STOP;
    run_code(state, code);
}
BENCHMARK(BM_EvmFrameStart);

// Initcode has no stored hash: a cache keyed by keccak256(initcode) would pay the hash on every
// CREATE to save the analysis. These two measure both on the same 24 KiB of code (issue 3).
xl::Bytes sample_code() {
    xl::Bytes code(24576);
    for (size_t i = 0; i < code.size(); ++i)  // a mix of opcodes and PUSH data
        code[i] = uint8_t(i * 37 + 11);
    return code;
}

void BM_EvmAnalyze24K(benchmark::State& state) {
    const xl::Bytes code = sample_code();
    for (auto _ : state)
        benchmark::DoNotOptimize(analyze(code).jumpdests.data());
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(code.size()));
}
BENCHMARK(BM_EvmAnalyze24K);

void BM_EvmKeccak24K(benchmark::State& state) {
    const xl::Bytes code = sample_code();
    for (auto _ : state)
        benchmark::DoNotOptimize(xl::crypto::keccak256(code));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(code.size()));
}
BENCHMARK(BM_EvmKeccak24K);

// A 24 KiB contract that stops at once, analysis taken from a cache (what a CALL costs).
void BM_EvmFrameStartCached(benchmark::State& state) {
    xl::Bytes code(24576, OP_JUMPDEST);
    code[0] = OP_STOP;
    const xl::Hash256 hash = xl::crypto::keccak256(code);
    AnalysisCache cache;
    test::MockHost host;
    Message msg;
    msg.gas = 100'000;
    for (auto _ : state)
        benchmark::DoNotOptimize(execute(host, msg, code, hash, cache).gas_left);
}
BENCHMARK(BM_EvmFrameStartCached);

}  // namespace
