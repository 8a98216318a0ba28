// SPDX-License-Identifier: Apache-2.0
// Block header, block and receipt formats: round trips, Ethereum's receipt encoding, and every
// decode error (docs/spec/ledger.md).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"
#include "protocol/block.hpp"
#include "protocol/receipt.hpp"

#include "protocol/tx_testing.hpp"

namespace xl::protocol {
namespace {

BlockHeader sample_header(std::mt19937_64& rng) {
    BlockHeader h;
    h.parent_hash = test::random_fixed<32>(rng);
    h.number = test::random_u64(rng);
    h.timestamp = test::random_u64(rng);
    h.proposer = test::random_fixed<20>(rng);
    h.state_root = test::random_fixed<32>(rng);
    h.transactions_root = test::random_fixed<32>(rng);
    h.receipts_root = test::random_fixed<32>(rng);
    h.logs_bloom = test::random_fixed<256>(rng).bytes;
    h.gas_limit = test::random_u64(rng);
    h.gas_used = test::random_u64(rng);
    h.base_fee = test::random_u256(rng);
    h.validator_set_hash = test::random_fixed<32>(rng);
    h.prev_certificate_hash = test::random_fixed<32>(rng);
    h.extra_data = test::random_bytes(rng, rng() % (kMaxExtraDataSize + 1));
    return h;
}

Log sample_log(std::mt19937_64& rng) {
    Log l;
    l.address = test::random_fixed<20>(rng);
    const size_t topics = rng() % (kMaxLogTopics + 1);
    for (size_t i = 0; i < topics; ++i)
        l.topics.push_back(test::random_fixed<32>(rng));
    l.data = test::random_bytes(rng, rng() % 100);
    return l;
}

// The header's 14 fields as RLP items, so a test can replace one and re-wrap the list.
std::vector<Bytes> header_items(const BlockHeader& h) {
    const Bytes enc = h.encode();
    auto list = rlp::open_list(enc);
    EXPECT_TRUE(list.has_value());
    std::vector<Bytes> items;
    while (list && !list->empty()) {
        auto raw = list->read_raw();
        items.emplace_back(raw->begin(), raw->end());
    }
    return items;
}

Bytes str(BytesView b) {
    Bytes out;
    rlp::encode_string(out, b);
    return out;
}

TEST(BlockHeader, RoundTripAndHash) {
    std::mt19937_64 rng(test::seed());
    for (int i = 0; i < 200; ++i) {
        const BlockHeader h = sample_header(rng);
        const Bytes enc = h.encode();
        EXPECT_LE(enc.size(), kMaxHeaderSize);
        auto d = BlockHeader::decode(enc);
        ASSERT_TRUE(d.has_value()) << to_string(d.error());
        EXPECT_EQ(*d, h);
        EXPECT_EQ(d->encode(), enc);
        EXPECT_EQ(h.hash(crypto::ecdsa_suite()), crypto::keccak256(enc));
        EXPECT_EQ(h.hash(crypto::sm_suite()), crypto::sm_suite().hash(enc));
    }
}

TEST(BlockHeader, FieldOrderIsTheDocumentedOne) {
    BlockHeader h;
    h.number = 7;
    h.timestamp = 8;
    h.gas_limit = 9;
    h.gas_used = 10;
    h.base_fee = U256(11);
    h.extra_data = {0xee};
    const auto items = header_items(h);
    ASSERT_EQ(items.size(), 14u);
    EXPECT_EQ(items[1], Bytes{0x07});   // number
    EXPECT_EQ(items[2], Bytes{0x08});   // timestamp
    EXPECT_EQ(items[3].size(), 21u);    // proposer
    EXPECT_EQ(items[7].size(), 259u);   // logsBloom
    EXPECT_EQ(items[8], Bytes{0x09});   // gasLimit
    EXPECT_EQ(items[9], Bytes{0x0a});   // gasUsed
    EXPECT_EQ(items[10], Bytes{0x0b});  // baseFee
    EXPECT_EQ(items[13], (Bytes{0x81, 0xee}));
}

TEST(BlockHeader, DecodeErrors) {
    std::mt19937_64 rng(test::seed());
    const BlockHeader h = sample_header(rng);
    const auto items = header_items(h);
    auto with = [&](size_t i, Bytes item) {
        auto copy = items;
        copy[i] = std::move(item);
        return rlp::encode_list(copy);
    };
    auto err = [](BytesView in, std::string_view* field = nullptr) {
        BlockDiagnostic diag;
        auto r = BlockHeader::decode(in, &diag);
        EXPECT_FALSE(r.has_value());
        if (field) *field = diag.field;
        return r ? BlockError::kEmpty : r.error();
    };
    std::string_view field;
    EXPECT_EQ(err({}), BlockError::kEmpty);
    EXPECT_EQ(err(Bytes(kMaxHeaderSize + 1, 0xc0)), BlockError::kOversized);
    EXPECT_EQ(err(Bytes{0x80}), BlockError::kRlpExpectedList);
    Bytes enc = h.encode();
    EXPECT_EQ(err(BytesView(enc).first(enc.size() - 1)), BlockError::kRlpTruncated);
    Bytes trailing = enc;
    trailing.push_back(0x00);
    EXPECT_EQ(err(trailing), BlockError::kRlpTrailingBytes);
    auto few = items;
    few.pop_back();
    EXPECT_EQ(err(rlp::encode_list(few), &field), BlockError::kRlpTooFewElements);
    EXPECT_EQ(field, "extraData");
    auto many = items;
    many.push_back(Bytes{0x80});
    EXPECT_EQ(err(rlp::encode_list(many)), BlockError::kRlpTooManyElements);
    EXPECT_EQ(err(with(1, Bytes{0x82, 0x00, 0x01}), &field), BlockError::kRlpNonCanonicalInt);
    EXPECT_EQ(field, "number");
    EXPECT_EQ(err(with(2, Bytes{0x81, 0x05}), &field), BlockError::kRlpNonCanonicalSize);
    EXPECT_EQ(field, "timestamp");
    EXPECT_EQ(err(with(8, str(Bytes(9, 0x01))), &field), BlockError::kRlpUint64Overflow);
    EXPECT_EQ(field, "gasLimit");
    EXPECT_EQ(err(with(10, str(Bytes(33, 0x01))), &field), BlockError::kRlpUint256Overflow);
    EXPECT_EQ(field, "baseFee");
    EXPECT_EQ(err(with(0, str(Bytes(31, 0x01))), &field), BlockError::kRlpWrongLength);
    EXPECT_EQ(field, "parentHash");
    EXPECT_EQ(err(with(3, str(Bytes(21, 0x01))), &field), BlockError::kRlpWrongLength);
    EXPECT_EQ(field, "proposer");
    EXPECT_EQ(err(with(7, str(Bytes(255, 0x01))), &field), BlockError::kRlpWrongLength);
    EXPECT_EQ(field, "logsBloom");
    EXPECT_EQ(err(with(4, Bytes{0xc0}), &field), BlockError::kRlpExpectedString);
    EXPECT_EQ(field, "stateRoot");
    EXPECT_EQ(err(with(13, str(Bytes(kMaxExtraDataSize + 1, 0x01))), &field),
              BlockError::kExtraDataTooLong);
    EXPECT_EQ(field, "extraData");
    EXPECT_TRUE(BlockHeader::decode(with(13, str(Bytes(kMaxExtraDataSize, 0x01)))).has_value());
}

std::vector<Transaction> sample_txs(std::mt19937_64& rng, size_t n) {
    const TxType types[] = {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee};
    std::vector<Transaction> txs;
    for (size_t i = 0; i < n; ++i) {
        Transaction tx = test::random_tx(rng, types[i % 3]);
        tx.r = U256(1 + i);
        tx.s = U256(2 + i);
        txs.push_back(std::move(tx));
    }
    return txs;
}

TEST(Block, RoundTrip) {
    std::mt19937_64 rng(test::seed());
    for (size_t n : {0u, 1u, 2u, 3u, 10u}) {
        Block b{sample_header(rng), sample_txs(rng, n)};
        const Bytes enc = b.encode();
        auto d = Block::decode(enc, &crypto::ecdsa_suite());
        ASSERT_TRUE(d.has_value()) << to_string(d.error());
        EXPECT_EQ(*d, b);
        EXPECT_EQ(d->encode(), enc);
        auto body = decode_transactions(encode_transactions(b.transactions));
        ASSERT_TRUE(body.has_value());
        EXPECT_EQ(*body, b.transactions);
    }
}

TEST(Block, BodyFormIsEthereums) {
    // Legacy inline as a list, typed as a string holding type || RLP (EIP-2718 block bodies).
    std::mt19937_64 rng(test::seed());
    const auto txs = sample_txs(rng, 2);
    const Bytes body = encode_transactions(txs);
    auto list = rlp::open_list(body);
    ASSERT_TRUE(list.has_value());
    auto legacy = list->read_raw();
    ASSERT_TRUE(legacy.has_value());
    EXPECT_EQ(Bytes(legacy->begin(), legacy->end()), txs[0].encode());
    auto typed = list->read_string();
    ASSERT_TRUE(typed.has_value());
    EXPECT_EQ(Bytes(typed->begin(), typed->end()), txs[1].encode());
}

TEST(Block, DecodeErrors) {
    std::mt19937_64 rng(test::seed());
    const BlockHeader h = sample_header(rng);
    const auto txs = sample_txs(rng, 3);
    auto block_of = [&](const Bytes& body_list) {
        rlp::ListBuilder b;
        b.add_raw(h.encode()).add_raw(body_list);
        return b.finish();
    };
    auto err = [](BytesView in, BlockDiagnostic* diag = nullptr,
                  const crypto::CryptoSuite* suite = nullptr) {
        auto r = Block::decode(in, suite, diag);
        EXPECT_FALSE(r.has_value());
        return r ? BlockError::kEmpty : r.error();
    };
    EXPECT_EQ(err({}), BlockError::kEmpty);
    EXPECT_EQ(err(Bytes(kMaxBlockSize + 1, 0xc0)), BlockError::kOversized);
    EXPECT_EQ(err(Bytes{0x01}), BlockError::kRlpExpectedList);
    // The header is decoded with its own rules.
    {
        rlp::ListBuilder b;
        b.add_raw(Bytes{0xc0}).add_raw(encode_transactions(txs));
        BlockDiagnostic diag;
        EXPECT_EQ(err(b.finish(), &diag), BlockError::kRlpTooFewElements);
        EXPECT_EQ(diag.field, "parentHash");
    }
    // Body: a string instead of the list; missing; extra item.
    EXPECT_EQ(err(block_of(Bytes{0x80})), BlockError::kRlpExpectedList);
    {
        rlp::ListBuilder b;
        b.add_raw(h.encode());
        EXPECT_EQ(err(b.finish()), BlockError::kRlpTooFewElements);
        b.add_raw(encode_transactions(txs)).add_raw(Bytes{0x80});
        EXPECT_EQ(err(b.finish()), BlockError::kRlpTooManyElements);
    }
    // A transaction that does not decode names its index and the transaction error.
    {
        std::vector<Bytes> items;
        for (const auto& tx : txs)
            items.push_back(tx.type == TxType::kLegacy ? tx.encode() : str(tx.encode()));
        Bytes bad_typed = txs[2].encode();
        bad_typed.push_back(0x00);  // trailing byte inside the envelope
        items[2] = str(bad_typed);
        BlockDiagnostic diag;
        EXPECT_EQ(err(block_of(rlp::encode_list(items)), &diag), BlockError::kInvalidTransaction);
        EXPECT_EQ(diag.tx_index, 2u);
        EXPECT_EQ(diag.tx_error, TxError::kRlpTrailingBytes);
        // A legacy transaction wrapped in a string would be a second encoding of it.
        items[2] = str(txs[0].encode());
        EXPECT_EQ(err(block_of(rlp::encode_list(items)), &diag), BlockError::kInvalidTransaction);
        EXPECT_EQ(diag.tx_index, 2u);
        items[2] = str({});
        EXPECT_EQ(err(block_of(rlp::encode_list(items)), &diag), BlockError::kInvalidTransaction);
        // An unknown type byte.
        items[2] = str(Bytes{0x05, 0xc0});
        EXPECT_EQ(err(block_of(rlp::encode_list(items)), &diag), BlockError::kInvalidTransaction);
        EXPECT_EQ(diag.tx_error, TxError::kTypeNotSupported);
    }
    // With a suite, a type the suite does not sign.
    {
        const Bytes enc = Block{h, txs}.encode();
        EXPECT_TRUE(Block::decode(enc, &crypto::ecdsa_suite()).has_value());
        EXPECT_EQ(err(enc, nullptr, &crypto::sm_suite()), BlockError::kTypeNotSupported);
        EXPECT_TRUE(Block::decode(enc).has_value());
    }
}

TEST(Block, TransactionCountLimit) {
    // kMaxBlockTransactions + 1 of the smallest legacy transaction.
    Transaction tx;
    tx.type = TxType::kLegacy;
    tx.r = U256(1);
    tx.s = U256(1);
    const Bytes one = tx.encode();
    Bytes payload;
    for (size_t i = 0; i < kMaxBlockTransactions; ++i)
        payload.insert(payload.end(), one.begin(), one.end());
    Bytes body;
    rlp::encode_list_header(body, payload.size());
    body.insert(body.end(), payload.begin(), payload.end());
    auto ok = decode_transactions(body);
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->size(), kMaxBlockTransactions);
    payload.insert(payload.end(), one.begin(), one.end());
    body.clear();
    rlp::encode_list_header(body, payload.size());
    body.insert(body.end(), payload.begin(), payload.end());
    auto r = decode_transactions(body);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), BlockError::kTooManyTransactions);
}

// ---- receipts ----

Bytes empty_bloom_receipt_list(uint8_t status, uint16_t gas) {
    // f9 0108: 1 (status) + 3 (82 gas) + 259 (b9 0100 bloom) + 1 (c0 logs) = 264 bytes.
    Bytes out = {0xf9, 0x01, 0x08};
    out.push_back(status == 0 ? 0x80 : 0x01);
    out.insert(out.end(), {0x82, uint8_t(gas >> 8), uint8_t(gas)});
    out.insert(out.end(), {0xb9, 0x01, 0x00});
    out.insert(out.end(), 256, 0x00);
    out.push_back(0xc0);
    return out;
}

TEST(Receipt, EncodingIsEthereums) {
    // A legacy receipt is the bare RLP list [status, cumulativeGasUsed, logsBloom, logs]
    // (EIP-658, Yellow Paper eq. 22); a typed one is prefixed by the type byte (EIP-2718).
    Receipt r;
    r.type = TxType::kLegacy;
    r.success = true;
    r.cumulative_gas_used = 21000;
    EXPECT_EQ(r.encode(), empty_bloom_receipt_list(1, 21000));
    r.type = TxType::kDynamicFee;
    EXPECT_EQ(r.encode(), concat(Bytes{0x02}, empty_bloom_receipt_list(1, 21000)));
    r.success = false;
    r.type = TxType::kAccessList;
    EXPECT_EQ(r.encode(), concat(Bytes{0x01}, empty_bloom_receipt_list(0, 21000)));
}

TEST(Receipt, LogEncoding) {
    Receipt r;
    r.type = TxType::kLegacy;
    r.success = true;
    Log l;
    l.address = Address::from(Bytes(20, 0x11));
    l.topics = {Hash256::from(Bytes(32, 0x22))};
    l.data = {0xab, 0xcd};
    r.logs = {l};
    r.bloom = bloom_of(r.logs);
    // log = [address, [topic], data]: payload 21 (94 ..) + 34 (e1 a0 ..) + 3 (82 ab cd) = 0x3a.
    Bytes log = {0xf8, 0x3a, 0x94};
    log.insert(log.end(), 20, 0x11);
    log.insert(log.end(), {0xe1, 0xa0});
    log.insert(log.end(), 32, 0x22);
    log.insert(log.end(), {0x82, 0xab, 0xcd});
    const Bytes enc = r.encode();
    auto list = rlp::open_list(enc);
    ASSERT_TRUE(list.has_value());
    ASSERT_TRUE(list->read_u64().has_value());
    ASSERT_TRUE(list->read_u64().has_value());
    ASSERT_TRUE(list->read_string().has_value());
    auto logs = list->read_list();
    ASSERT_TRUE(logs.has_value());
    auto first = logs->read_raw();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(Bytes(first->begin(), first->end()), log);
}

TEST(Receipt, RoundTrip) {
    std::mt19937_64 rng(test::seed());
    const TxType types[] = {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee, TxType::kSm};
    for (int i = 0; i < 200; ++i) {
        Receipt r;
        r.type = types[rng() % 4];
        r.success = rng() % 2;
        r.cumulative_gas_used = test::random_u64(rng);
        const size_t n = rng() % 4;
        for (size_t j = 0; j < n; ++j)
            r.logs.push_back(sample_log(rng));
        r.bloom = bloom_of(r.logs);
        const Bytes enc = r.encode();
        auto d = Receipt::decode(enc);
        ASSERT_TRUE(d.has_value()) << to_string(d.error());
        EXPECT_EQ(*d, r);
        EXPECT_EQ(d->encode(), enc);
    }
}

TEST(Receipt, DecodeErrors) {
    auto err = [](BytesView in, std::string_view* field = nullptr) {
        BlockDiagnostic diag;
        auto r = Receipt::decode(in, &diag);
        EXPECT_FALSE(r.has_value());
        if (field) *field = diag.field;
        return r ? BlockError::kEmpty : r.error();
    };
    std::string_view field;
    const Bytes good = empty_bloom_receipt_list(1, 21000);
    ASSERT_TRUE(Receipt::decode(good).has_value());
    EXPECT_EQ(err({}), BlockError::kEmpty);
    EXPECT_EQ(err(Bytes(kMaxReceiptSize + 1, 0xc0)), BlockError::kOversized);
    EXPECT_EQ(err(concat(Bytes{0x03}, good), &field), BlockError::kTypeNotSupported);  // blobs
    EXPECT_EQ(field, "receipt type");
    EXPECT_EQ(err(concat(Bytes{0x00}, good)), BlockError::kTypeNotSupported);
    EXPECT_EQ(err(Bytes{0x85, 1, 2, 3, 4, 5}), BlockError::kRlpExpectedList);
    EXPECT_EQ(err(BytesView(good).first(good.size() - 1)), BlockError::kRlpTruncated);
    EXPECT_EQ(err(concat(good, Bytes{0x80})), BlockError::kRlpTrailingBytes);

    // Field-level errors: rebuild the list with one field replaced.
    auto build = [](Bytes status, Bytes gas, Bytes bloom, Bytes logs, bool extra = false) {
        std::vector<Bytes> items = {std::move(status), std::move(gas), std::move(bloom),
                                    std::move(logs)};
        if (extra) items.push_back(Bytes{0x80});
        return rlp::encode_list(items);
    };
    const Bytes bloom = str(Bytes(256, 0));
    const Bytes gas = {0x82, 0x52, 0x08};
    EXPECT_EQ(err(build({0x02}, gas, bloom, {0xc0}), &field), BlockError::kInvalidReceiptStatus);
    EXPECT_EQ(field, "receipt status");
    // A pre-Byzantium 32-byte post-state root instead of the status.
    EXPECT_EQ(err(build(str(Bytes(32, 1)), gas, bloom, {0xc0})), BlockError::kRlpUint64Overflow);
    EXPECT_EQ(err(build({0x00}, gas, bloom, {0xc0})), BlockError::kRlpNonCanonicalInt);
    EXPECT_EQ(err(build({0x01}, {0x83, 0x00, 0x52, 0x08}, bloom, {0xc0}), &field),
              BlockError::kRlpNonCanonicalInt);
    EXPECT_EQ(field, "receipt cumulativeGasUsed");
    EXPECT_EQ(err(build({0x01}, gas, str(Bytes(255, 0)), {0xc0}), &field),
              BlockError::kRlpWrongLength);
    EXPECT_EQ(field, "receipt logsBloom");
    EXPECT_EQ(err(build({0x01}, gas, bloom, {0x80}), &field), BlockError::kRlpExpectedList);
    EXPECT_EQ(field, "receipt logs");
    EXPECT_EQ(err(build({0x01}, gas, bloom, {0xc0}, true)), BlockError::kRlpTooManyElements);
    EXPECT_EQ(err(rlp::encode_list(std::vector<Bytes>{{0x01}, gas, bloom})),
              BlockError::kRlpTooFewElements);

    auto log_list = [](Bytes address, std::vector<Bytes> topics, Bytes data) {
        std::vector<Bytes> items = {std::move(address), rlp::encode_list(topics), std::move(data)};
        return rlp::encode_list(std::vector<Bytes>{rlp::encode_list(items)});
    };
    const Bytes addr = str(Bytes(20, 1));
    const Bytes topic = str(Bytes(32, 2));
    EXPECT_TRUE(
        Receipt::decode(build({0x01}, gas, bloom, log_list(addr, {topic}, {0x80}))).has_value());
    EXPECT_EQ(err(build({0x01}, gas, bloom, log_list(str(Bytes(19, 1)), {}, {0x80})), &field),
              BlockError::kRlpWrongLength);
    EXPECT_EQ(field, "log address");
    EXPECT_EQ(err(build({0x01}, gas, bloom, log_list(addr, {str(Bytes(31, 1))}, {0x80})), &field),
              BlockError::kRlpWrongLength);
    EXPECT_EQ(field, "log topic");
    EXPECT_EQ(
        err(build({0x01}, gas, bloom, log_list(addr, {topic, topic, topic, topic, topic}, {0x80}))),
        BlockError::kTooManyTopics);
    EXPECT_TRUE(Receipt::decode(
                    build({0x01}, gas, bloom, log_list(addr, {topic, topic, topic, topic}, {0x80})))
                    .has_value());
    EXPECT_EQ(err(build({0x01}, gas, bloom, log_list(addr, {}, {0xc0})), &field),
              BlockError::kRlpExpectedString);
    EXPECT_EQ(field, "log data");
}

TEST(Bloom, AddAndQuery) {
    std::mt19937_64 rng(test::seed());
    Bloom b{};
    std::vector<Hash256> in;
    for (int i = 0; i < 20; ++i) {
        in.push_back(test::random_fixed<32>(rng));
        bloom_add(b, in.back());
    }
    for (const auto& h : in)
        EXPECT_TRUE(bloom_may_contain(b, h));
    EXPECT_FALSE(bloom_may_contain(Bloom{}, in[0]));
    // Yellow Paper eq. 30 by hand: the low 11 bits of the first three byte pairs of keccak.
    const Hash256 k = crypto::keccak256(in[0]);
    Bloom one{};
    bloom_add(one, in[0]);
    size_t bits = 0;
    for (size_t i = 0; i < 3; ++i) {
        const unsigned bit = ((unsigned(k[2 * i]) << 8) | k[2 * i + 1]) & 2047u;
        EXPECT_TRUE(one[255 - bit / 8] & (1u << (bit % 8)));
    }
    for (uint8_t byte : one)
        bits += static_cast<size_t>(__builtin_popcount(byte));
    EXPECT_GE(bits, 1u);
    EXPECT_LE(bits, 3u);
    Bloom u{};
    bloom_or(u, one);
    EXPECT_EQ(u, one);
}

TEST(BlockError, EveryErrorHasItsOwnText) {
    std::set<std::string_view> seen;
    for (int e = 0; e <= static_cast<int>(BlockError::kTooManyTopics); ++e) {
        EXPECT_TRUE(seen.insert(to_string(static_cast<BlockError>(e))).second) << e;
    }
}

}  // namespace
}  // namespace xl::protocol
