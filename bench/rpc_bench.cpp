// SPDX-License-Identifier: Apache-2.0
// Benchmarks of the JSON-RPC hot path of `xinlian bench` (node and client share 2 cores, so
// every microsecond of JSON on either side is throughput lost):
//   Rpc_Receipts_Dom / _Writer: the text of eth_getBlockReceipts for a block of 1,000
//     transfer receipts, by receipt_to_json(r).dump() (the old way) and by the direct writer
//     append_receipt_json (per receipt).
//   Rpc_SendRawBatch: Dispatcher::handle of a batch of 200 eth_sendRawTransaction (a 110-byte
//     transfer each), the handler decoding the hex and answering a fixed hash: the parse and
//     dispatch cost per request, without the pool or signature recovery.
//   Client_Receipts_Dom / _Sax: the client reading that block's response, by Json::parse (the
//     old way) and by scan_block_receipts (per receipt).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "cli/bench_json.hpp"
#include "rpc/convert.hpp"
#include "rpc/jsonrpc.hpp"

namespace {

using namespace xl;
using namespace xl::rpc;

constexpr size_t kBlockReceipts = 1000;
constexpr size_t kBatch = 200;

template <size_t N>
FixedBytes<N> filled(uint64_t seed) {
    FixedBytes<N> out;
    for (size_t i = 0; i < N; ++i)
        out[i] = uint8_t(seed * 31 + i * 7);
    return out;
}

const std::vector<ReceiptView>& block_receipts() {
    static const std::vector<ReceiptView> rs = [] {
        std::vector<ReceiptView> out(kBlockReceipts);
        for (size_t i = 0; i < out.size(); ++i) {
            ReceiptView& r = out[i];
            r.tx_hash = filled<32>(i);
            r.tx_index = uint32_t(i);
            r.block_hash = filled<32>(7);
            r.block_number = 1234;
            r.from = filled<20>(i + 1);
            r.to = filled<20>(i + 2);
            r.cumulative_gas_used = 21000 * (i + 1);
            r.gas_used = 21000;
            r.effective_gas_price = U256(1'000'000'007);
            r.success = true;
        }
        return out;
    }();
    return rs;
}

const std::string& block_receipts_response() {
    static const std::string text = [] {
        std::string out = R"({"jsonrpc":"2.0","id":1,"result":[)";
        for (size_t i = 0; i < block_receipts().size(); ++i) {
            if (i > 0) out += ',';
            append_receipt_json(out, block_receipts()[i]);
        }
        return out + "]}";
    }();
    return text;
}

void Rpc_Receipts_Dom(benchmark::State& state) {
    for (auto _ : state) {
        Json out = Json::array();
        for (const auto& r : block_receipts())
            out.push_back(receipt_to_json(r));
        std::string text = out.dump();
        benchmark::DoNotOptimize(text.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations() * kBlockReceipts));
}
BENCHMARK(Rpc_Receipts_Dom)->Unit(benchmark::kMillisecond);

void Rpc_Receipts_Writer(benchmark::State& state) {
    for (auto _ : state) {
        std::string text = "[";
        for (const auto& r : block_receipts()) {
            if (text.size() > 1) text += ',';
            append_receipt_json(text, r);
        }
        text += ']';
        benchmark::DoNotOptimize(text.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations() * kBlockReceipts));
}
BENCHMARK(Rpc_Receipts_Writer)->Unit(benchmark::kMillisecond);

class NoSession final : public Session {
public:
    bool can_push() const noexcept override { return false; }
    void push(Json) override {}
    void on_close(std::function<void()>) override {}
    uint64_t id() const noexcept override { return 1; }
};

void Rpc_SendRawBatch(benchmark::State& state) {
    Dispatcher d;
    d.add_raw("eth_sendRawTransaction", [](const Json& params, Session&) -> Result<RawJson, Error> {
        const Json* p = param(params, 0);
        if (p == nullptr)
            return unexpected(invalid_params("missing value for required argument 0"));
        auto raw = parse_data(*p);
        if (!raw) return unexpected(invalid_params(raw.error()));
        RawJson out;
        append_data_json(out.text, filled<32>(raw->size()).view());
        return out;
    });
    std::vector<std::string> params;
    for (size_t i = 0; i < kBatch; ++i)
        params.push_back(R"([")" + to_hex(Bytes(110, uint8_t(i))) + R"("])");
    const std::string body = cli::batch_request("eth_sendRawTransaction", params);
    NoSession session;
    for (auto _ : state) {
        auto out = d.handle(body, session);
        benchmark::DoNotOptimize(out->data());
    }
    state.SetItemsProcessed(int64_t(state.iterations() * kBatch));
}
BENCHMARK(Rpc_SendRawBatch)->Unit(benchmark::kMicrosecond);

void Client_Receipts_Dom(benchmark::State& state) {
    const std::string& text = block_receipts_response();
    for (auto _ : state) {
        Json j = Json::parse(text);
        size_t ok = 0;
        for (const Json& r : j["result"])
            ok += r.value("status", std::string()) == "0x1";
        benchmark::DoNotOptimize(ok);
    }
    state.SetItemsProcessed(int64_t(state.iterations() * kBlockReceipts));
    state.SetBytesProcessed(int64_t(state.iterations() * text.size()));
}
BENCHMARK(Client_Receipts_Dom)->Unit(benchmark::kMillisecond);

void Client_Receipts_Sax(benchmark::State& state) {
    const std::string& text = block_receipts_response();
    for (auto _ : state) {
        auto r = cli::scan_block_receipts(text);
        if (!r || r->receipts.size() != kBlockReceipts) state.SkipWithError("scan failed");
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(int64_t(state.iterations() * kBlockReceipts));
    state.SetBytesProcessed(int64_t(state.iterations() * text.size()));
}
BENCHMARK(Client_Receipts_Sax)->Unit(benchmark::kMillisecond);

}  // namespace
