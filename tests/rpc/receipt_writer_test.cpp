// SPDX-License-Identifier: Apache-2.0
// The direct receipt/log writers (convert.hpp append_receipt_json, append_log_json) against
// the Json-building receipt_to_json / log_to_json they replace on the hot path: the same text
// byte for byte (so clients see no change at all) and the same parsed value, for transfer
// receipts, receipts with logs (no topics, four topics, empty and long data), contract
// creations, failed receipts, every transaction type, quantities at 0, 2^64-1 and beyond 64
// bits, and random receipts under a printed seed (STYLE.md 14). The writers do not depend on
// the crypto suite (hashes and addresses are plain bytes); the random receipts take their
// hashes from both suites anyway.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/seed.hpp"
#include "crypto/suite.hpp"
#include "rpc/convert.hpp"

namespace xl::rpc {
namespace {

using protocol::TxType;

template <size_t N>
FixedBytes<N> filled(uint8_t b) {
    FixedBytes<N> out;
    for (size_t i = 0; i < N; ++i)
        out[i] = uint8_t(b + i);
    return out;
}

LogView log_with(size_t topics, Bytes data, uint32_t log_index) {
    LogView l;
    l.log.address = filled<20>(0xa0);
    for (size_t i = 0; i < topics; ++i)
        l.log.topics.push_back(filled<32>(uint8_t(0x10 * i)));
    l.log.data = std::move(data);
    l.block_number = 0x1234;
    l.block_hash = filled<32>(0xb0);
    l.tx_hash = filled<32>(0xc0);
    l.tx_index = 7;
    l.log_index = log_index;
    return l;
}

ReceiptView transfer_receipt() {
    ReceiptView r;
    r.tx_hash = filled<32>(0xc0);
    r.tx_index = 7;
    r.block_hash = filled<32>(0xb0);
    r.block_number = 0x1234;
    r.from = filled<20>(0x01);
    r.to = filled<20>(0x40);
    r.cumulative_gas_used = 21000 * 8;
    r.gas_used = 21000;
    r.effective_gas_price = U256(1'000'000'007);
    r.success = true;
    r.type = TxType::kDynamicFee;
    return r;
}

// The writer's text, checked against the DOM builder both as text and as a parsed value.
void expect_same(const ReceiptView& r) {
    std::string text;
    append_receipt_json(text, r);
    const Json dom = receipt_to_json(r);
    EXPECT_EQ(text, dom.dump());
    const Json parsed = Json::parse(text);  // throws, failing the test, if the text is not JSON
    EXPECT_EQ(parsed, dom);
}

TEST(ReceiptWriter, TransferReceiptWithoutLogs) {
    expect_same(transfer_receipt());
    std::string text;
    append_receipt_json(text, transfer_receipt());
    // The spots where a hand-written writer goes wrong: null vs "0x", quantities' zeros.
    const Json j = Json::parse(text);
    EXPECT_EQ(j["contractAddress"], nullptr);
    EXPECT_EQ(j["logs"], Json::array());
    EXPECT_EQ(j["status"], "0x1");
    EXPECT_EQ(j["type"], "0x2");
    EXPECT_EQ(j["gasUsed"], "0x5208");
    EXPECT_EQ(j["logsBloom"], "0x" + std::string(512, '0'));
}

TEST(ReceiptWriter, ReceiptWithLogs) {
    ReceiptView r = transfer_receipt();
    r.logs.push_back(log_with(0, {}, 0));
    r.logs.push_back(log_with(4, Bytes(300, 0xee), 1));
    r.logs.push_back(log_with(1, Bytes{0x00}, 2));
    for (size_t i = 0; i < r.bloom.size(); ++i)
        r.bloom[i] = uint8_t(i);
    expect_same(r);
    for (const LogView& l : r.logs) {
        std::string text;
        append_log_json(text, l);
        EXPECT_EQ(text, log_to_json(l).dump());
    }
}

TEST(ReceiptWriter, ContractCreationAndFailure) {
    ReceiptView created = transfer_receipt();
    created.to.reset();
    created.contract_address = filled<20>(0x77);
    expect_same(created);

    ReceiptView failed = transfer_receipt();
    failed.success = false;
    failed.to.reset();  // a failed creation: no contract address either
    expect_same(failed);
    std::string text;
    append_receipt_json(text, failed);
    const Json j = Json::parse(text);
    EXPECT_EQ(j["status"], "0x0");
    EXPECT_EQ(j["to"], nullptr);
    EXPECT_EQ(j["contractAddress"], nullptr);
}

TEST(ReceiptWriter, EveryTypeAndQuantityEdge) {
    for (TxType t : {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee, TxType::kSm}) {
        ReceiptView r = transfer_receipt();
        r.type = t;
        expect_same(r);
    }
    ReceiptView zero;  // every quantity 0, hashes all zero bytes
    expect_same(zero);
    ReceiptView max = transfer_receipt();
    max.block_number = UINT64_MAX;
    max.cumulative_gas_used = UINT64_MAX;
    max.gas_used = uint64_t{1} << 63;
    max.tx_index = UINT32_MAX;
    max.effective_gas_price = U256(1) << 200;
    expect_same(max);
    max.effective_gas_price = ~U256(0);
    expect_same(max);
}

TEST(ReceiptWriter, AppendsToWhatIsThere) {
    std::string text = "[";
    append_receipt_json(text, transfer_receipt());
    text += ',';
    append_receipt_json(text, transfer_receipt());
    text += ']';
    const Json j = Json::parse(text);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[1], receipt_to_json(transfer_receipt()));
    std::string data;
    append_data_json(data, Bytes{});
    EXPECT_EQ(data, R"("0x")");
}

class RandomReceipts : public ::testing::TestWithParam<const crypto::CryptoSuite*> {};

TEST_P(RandomReceipts, MatchTheDomBuilder) {
    const crypto::CryptoSuite& suite = *GetParam();
    std::mt19937_64 rng(test::seed());
    auto hash = [&] { return suite.hash(test::random_vector(rng, 8)); };
    auto address = [&] { return Address::from(test::random_vector(rng, 20)); };
    // Quantities of every length, 0 included: shift a random word right by 0..64 bits.
    auto quantity64 = [&] {
        const unsigned shift = unsigned(rng() % 65);
        return shift == 64 ? uint64_t{0} : rng() >> shift;
    };
    for (int i = 0; i < 200; ++i) {
        ReceiptView r;
        r.tx_hash = hash();
        r.tx_index = uint32_t(quantity64());
        r.block_hash = hash();
        r.block_number = quantity64();
        r.from = address();
        if (rng() % 4 != 0) r.to = address();
        if (!r.to && rng() % 2 == 0) r.contract_address = address();
        r.cumulative_gas_used = quantity64();
        r.gas_used = quantity64();
        r.effective_gas_price = U256(quantity64()) << unsigned(rng() % 3 == 0 ? rng() % 192 : 0);
        r.success = rng() % 2 == 0;
        r.type = TxType(std::array<uint8_t, 4>{0x00, 0x01, 0x02, 0x53}[rng() % 4]);
        const auto bloom = test::random_vector(rng, r.bloom.size());
        std::copy(bloom.begin(), bloom.end(), r.bloom.begin());
        const size_t logs = rng() % 4;
        for (size_t k = 0; k < logs; ++k) {
            LogView l = log_with(rng() % 5, test::random_vector(rng, rng() % 100), uint32_t(k));
            l.log.address = address();
            l.block_hash = r.block_hash;
            l.tx_hash = r.tx_hash;
            r.logs.push_back(std::move(l));
        }
        expect_same(r);
        if (::testing::Test::HasFailure()) break;  // one receipt's diff is enough to read
    }
}

INSTANTIATE_TEST_SUITE_P(BothSuites, RandomReceipts,
                         ::testing::Values(&crypto::ecdsa_suite(), &crypto::sm_suite()),
                         [](const auto& info) { return std::string(info.param->name()); });

}  // namespace
}  // namespace xl::rpc
