// SPDX-License-Identifier: Apache-2.0
// Benchmarks of transaction handling on the pool's admission path: strict decoding of a
// typical ERC-20 transfer (EIP-1559, 0xa9059cbb with two 32-byte arguments), hashing, and
// sender recovery (secp256k1 recover); the same for the sm type (SM3, SM2 verify).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"

namespace {

using namespace xl;
using protocol::Transaction;
using protocol::TxType;

const crypto::CryptoSuite& suite_for(TxType type) {
    return type == TxType::kSm ? crypto::sm_suite() : crypto::ecdsa_suite();
}

// transfer(0x00..ab, 10^18) on a token contract, as wallets send it: a 179-byte envelope for
// EIP-1559, 244 bytes for the sm type (which carries the 64-byte public key).
Bytes erc20_transfer(TxType type) {
    Transaction tx;
    tx.type = type;
    tx.chain_id = U256(1);
    tx.nonce = 42;
    tx.max_priority_fee = U256(1'500'000'000);
    tx.max_fee = U256(30'000'000'000);
    tx.gas_limit = 65'000;
    tx.to = Address::from(hex_literal("dac17f958d2ee523a2206206994597c13d831ec7"));
    tx.data = hex_literal(
        "a9059cbb00000000000000000000000000000000000000000000000000000000000000ab"
        "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
    const auto sk = crypto::SecretKey::from(
        hex_literal("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"));
    if (!tx.sign(suite_for(type), sk)) std::abort();
    return tx.encode();
}

void decode(benchmark::State& state, TxType type) {
    const Bytes raw = erc20_transfer(type);
    for (auto _ : state) {
        auto tx = protocol::decode_transaction(raw);
        benchmark::DoNotOptimize(tx);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
    state.counters["bytes"] = static_cast<double>(raw.size());
}

void hash(benchmark::State& state, TxType type) {
    const auto& suite = suite_for(type);
    const Transaction tx = *protocol::decode_transaction(erc20_transfer(type));
    for (auto _ : state)
        benchmark::DoNotOptimize(tx.hash(suite));
}

void recover_sender(benchmark::State& state, TxType type) {
    const auto& suite = suite_for(type);
    const Transaction tx = *protocol::decode_transaction(erc20_transfer(type));
    if (!tx.recover_sender(suite)) std::abort();
    for (auto _ : state)
        benchmark::DoNotOptimize(tx.recover_sender(suite));
}

// Everything admission does with the bytes: decode, hash, sender.
void admit(benchmark::State& state, TxType type) {
    const auto& suite = suite_for(type);
    const Bytes raw = erc20_transfer(type);
    for (auto _ : state) {
        auto tx = protocol::decode_transaction(raw);
        benchmark::DoNotOptimize(tx->hash(suite));
        benchmark::DoNotOptimize(tx->recover_sender(suite));
    }
}

BENCHMARK_CAPTURE(decode, erc20_1559, TxType::kDynamicFee);
BENCHMARK_CAPTURE(decode, erc20_sm, TxType::kSm);
BENCHMARK_CAPTURE(hash, erc20_1559_keccak, TxType::kDynamicFee);
BENCHMARK_CAPTURE(hash, erc20_sm_sm3, TxType::kSm);
BENCHMARK_CAPTURE(recover_sender, erc20_1559_secp256k1, TxType::kDynamicFee);
BENCHMARK_CAPTURE(recover_sender, erc20_sm_sm2_verify, TxType::kSm);
BENCHMARK_CAPTURE(admit, erc20_1559, TxType::kDynamicFee);
BENCHMARK_CAPTURE(admit, erc20_sm, TxType::kSm);

}  // namespace
