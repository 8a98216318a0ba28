// SPDX-License-Identifier: Apache-2.0
// Codec benchmarks: RLP encoding and strict decoding of a legacy-transaction-shaped list and of
// a 1,000-item list; ABI encoding and strict decoding of transfer(address,uint256) calldata and
// of a dynamic (address,bytes)[] with 100 entries.
#include <benchmark/benchmark.h>

#include <vector>

#include "codec/abi.hpp"
#include "codec/rlp.hpp"

using namespace xl;

namespace {

Bytes tx_like() {
    Bytes to(20, 0x11), data(68, 0x22), sig(32, 0x33);
    return rlp::ListBuilder()
        .add_uint(42)
        .add_uint(U256(20'000'000'000ULL))
        .add_uint(21000)
        .add_string(to)
        .add_uint(U256(1'000'000'000'000'000'000ULL))
        .add_string(data)
        .add_uint(37)
        .add_string(sig)
        .add_string(sig)
        .finish();
}

void BM_RlpEncodeTx(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(tx_like());
}
BENCHMARK(BM_RlpEncodeTx);

void BM_RlpDecodeTxTyped(benchmark::State& state) {
    const Bytes enc = tx_like();
    for (auto _ : state) {
        auto r = rlp::open_list(enc);
        uint64_t nonce = *r->read_u64();
        U256 price = *r->read_u256();
        uint64_t gas = *r->read_u64();
        auto to = *r->read_fixed<20>();
        U256 value = *r->read_u256();
        auto data = *r->read_string();
        uint64_t v = *r->read_u64();
        auto rr = *r->read_string();
        auto s = *r->read_string();
        benchmark::DoNotOptimize(nonce + gas + v + data.size() + rr.size() + s.size() + to[0]);
        benchmark::DoNotOptimize(price + value);
    }
    state.SetBytesProcessed(int64_t(state.iterations() * enc.size()));
}
BENCHMARK(BM_RlpDecodeTxTyped);

void BM_RlpDecodeItem1000(benchmark::State& state) {
    std::vector<Bytes> items;
    for (int i = 0; i < 1000; ++i) {
        Bytes e;
        rlp::encode_string(e, Bytes(32, static_cast<uint8_t>(i)));
        items.push_back(std::move(e));
    }
    const Bytes enc = rlp::encode_list(items);
    for (auto _ : state)
        benchmark::DoNotOptimize(rlp::decode_item(enc));
    state.SetBytesProcessed(int64_t(state.iterations() * enc.size()));
}
BENCHMARK(BM_RlpDecodeItem1000);

const abi::Function& transfer() {
    static const abi::Function f = *abi::parse_signature("transfer(address,uint256)");
    return f;
}

void BM_AbiEncodeTransfer(benchmark::State& state) {
    const std::vector<abi::Value> args = {abi::Value(Address::from(Bytes(20, 0x44))),
                                          abi::Value(U256(1000))};
    for (auto _ : state)
        benchmark::DoNotOptimize(abi::encode_call(transfer(), args));
}
BENCHMARK(BM_AbiEncodeTransfer);

void BM_AbiDecodeTransfer(benchmark::State& state) {
    const std::vector<abi::Value> args = {abi::Value(Address::from(Bytes(20, 0x44))),
                                          abi::Value(U256(1000))};
    const Bytes call = *abi::encode_call(transfer(), args);
    for (auto _ : state)
        benchmark::DoNotOptimize(abi::decode_call(transfer(), call));
}
BENCHMARK(BM_AbiDecodeTransfer);

void BM_AbiSelector(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(abi::selector(transfer()));
}
BENCHMARK(BM_AbiSelector);

struct Dynamic {
    std::vector<abi::Type> types = {*abi::parse_type("(address,bytes)[]")};
    std::vector<abi::Value> values;
    Dynamic() {
        abi::Value::List l;
        for (int i = 0; i < 100; ++i) {
            l.push_back(abi::Value::List{abi::Value(Address::from(Bytes(20, uint8_t(i)))),
                                         abi::Value(Bytes(size_t(i), 0x55))});
        }
        values.push_back(abi::Value(std::move(l)));
    }
};

void BM_AbiEncodeDynamic100(benchmark::State& state) {
    const Dynamic d;
    for (auto _ : state)
        benchmark::DoNotOptimize(abi::encode(d.types, d.values));
}
BENCHMARK(BM_AbiEncodeDynamic100);

void BM_AbiDecodeDynamic100(benchmark::State& state) {
    const Dynamic d;
    const Bytes enc = *abi::encode(d.types, d.values);
    for (auto _ : state)
        benchmark::DoNotOptimize(abi::decode(d.types, enc));
    state.SetBytesProcessed(int64_t(state.iterations() * enc.size()));
}
BENCHMARK(BM_AbiDecodeDynamic100);

}  // namespace
