// SPDX-License-Identifier: Apache-2.0
// The eth_/net_/web3_/xl_ methods through Dispatcher::handle against a FakeBackend: JSON shapes
// against geth-format fixtures, parameter errors with geth's texts, logs queries and their
// range limit, polling filters (with an injected clock for expiry), eth_subscribe on fake
// sessions driven by the backend's block callback, eth_feeHistory.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "codec/abi.hpp"
#include "crypto/hash.hpp"
#include "protocol/transaction.hpp"
#include "rpc/convert.hpp"
#include "rpc/eth_api.hpp"
#include "rpc/fake_backend.hpp"
#include "rpc/server.hpp"

using namespace xl;
using namespace xl::rpc;
using protocol::Transaction;
using protocol::TxType;
using xl::rpc::testing::FakeBackend;
using xl::rpc::testing::FakeSession;

namespace {

const crypto::CryptoSuite& ecdsa = crypto::ecdsa_suite();

Address addr(std::string_view hex) {
    return Address::from(hex_literal(hex));
}
Hash256 hash(std::string_view hex) {
    return Hash256::from(hex_literal(hex));
}
Hash256 topic(uint8_t b) {
    Hash256 h;
    h[31] = b;
    return h;
}

const Address kTokenA = addr("1111111111111111111111111111111111111111");
const Address kTokenB = addr("2222222222222222222222222222222222222222");
const crypto::SecretKey kKey46 = crypto::SecretKey::from(
    hex_literal("4646464646464646464646464646464646464646464646464646464646464646"));

// EIP-155's worked example (https://eips.ethereum.org/EIPS/eip-155): nonce 9, 20 gwei, 21000
// gas, to 0x3535.., 1 ether, chain id 1, key 0x4646..46.
const char* kEip155Raw =
    "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a0"
    "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb70330"
    "4b3800ccf555c9f3dc64214b297fb1966a3b6d83";

TxView view_of(const Transaction& tx, const crypto::CryptoSuite& suite = ecdsa) {
    TxView v;
    v.tx = tx;
    v.hash = tx.hash(suite);
    auto from = tx.recover_sender(suite);
    EXPECT_TRUE(from.has_value());
    if (from) v.from = *from;
    return v;
}

Transaction eip155_tx() {
    auto tx = protocol::decode_transaction(hex_literal(kEip155Raw));
    EXPECT_TRUE(tx.has_value());
    return *tx;
}

Transaction dynamic_tx(uint64_t nonce, uint64_t tip, uint64_t max_fee) {
    Transaction tx;
    tx.type = TxType::kDynamicFee;
    tx.chain_id = U256(1337);
    tx.nonce = nonce;
    tx.max_priority_fee = U256(tip);
    tx.max_fee = U256(max_fee);
    tx.gas_limit = 60000;
    tx.to = kTokenA;
    tx.value = U256(0);
    tx.data = hex_literal("a9059cbb");
    tx.access_list.push_back({kTokenA, {topic(1)}});
    EXPECT_TRUE(tx.sign(ecdsa, kKey46).has_value());
    return tx;
}

LogView log_of(const Address& a, std::vector<Hash256> topics, Bytes data = {}) {
    LogView l;
    l.log.address = a;
    l.log.topics = std::move(topics);
    l.log.data = std::move(data);
    return l;
}

ReceiptView receipt_of(const TxView& t, uint64_t gas_used, uint64_t cumulative,
                       std::vector<LogView> logs) {
    ReceiptView r;
    r.from = t.from;
    r.to = t.tx.to;
    r.gas_used = gas_used;
    r.cumulative_gas_used = cumulative;
    r.effective_gas_price = U256(1500);
    r.success = true;
    r.type = t.tx.type;
    r.logs = std::move(logs);
    return r;
}

BlockView block_of(uint64_t timestamp, uint64_t gas_used, uint64_t base_fee,
                   std::vector<TxView> txs = {}) {
    BlockView b;
    b.header.timestamp = timestamp;
    b.header.proposer = addr("00000000000000000000000000000000000000aa");
    b.header.state_root = hash("5555555555555555555555555555555555555555555555555555555555555555");
    b.header.gas_limit = 30'000'000;
    b.header.gas_used = gas_used;
    b.header.base_fee = U256(base_fee);
    b.header.extra_data = hex_literal("c0ffee");
    b.size_bytes = 600;
    b.transactions = std::move(txs);
    return b;
}

class EthApiTest : public ::testing::Test {
protected:
    void SetUp() override { rebuild({}); }

    void rebuild(ApiConfig config) {
        config.clock = [this] { return now; };
        dispatcher = std::make_unique<Dispatcher>();
        register_eth_api(*dispatcher, backend, config);
    }

    // Genesis, block 1 with the EIP-155 example and a 1559 transaction and three logs,
    // block 2 empty.
    void make_chain() {
        backend.commit(block_of(0, 0, 1000));
        std::vector<TxView> txs = {view_of(eip155_tx()), view_of(dynamic_tx(0, 500, 2000))};
        std::vector<ReceiptView> rs = {
            receipt_of(txs[0], 21000, 21000,
                       {log_of(kTokenA, {topic(1), topic(2)}, hex_literal("01")),
                        log_of(kTokenB, {topic(3)})}),
            receipt_of(txs[1], 30000, 51000, {log_of(kTokenA, {topic(1), topic(4)})}),
        };
        backend.commit(block_of(10, 51000, 1000, txs), rs);
        backend.commit(block_of(20, 0, 900));
    }

    Json rpc(const std::string& method, const Json& params, Session* s = nullptr) {
        Json req{{"jsonrpc", "2.0"}, {"id", 7}, {"method", method}, {"params", params}};
        auto out = dispatcher->handle(req.dump(), s ? *s : http);
        EXPECT_TRUE(out.has_value());
        return out ? Json::parse(*out) : Json();
    }
    Json ok(const std::string& method, const Json& params = Json::array(), Session* s = nullptr) {
        Json r = rpc(method, params, s);
        EXPECT_FALSE(r.contains("error")) << method << " " << r.dump();
        return r.value("result", Json());
    }
    Json err(const std::string& method, const Json& params, Session* s = nullptr) {
        Json r = rpc(method, params, s);
        EXPECT_TRUE(r.contains("error")) << method << " " << r.dump();
        return r.value("error", Json());
    }
    // The same with the positional arguments listed: {x} is always the array [x] (a Json
    // built from {x} would be a copy of x).
    Json ok(const std::string& method, std::initializer_list<Json> args, Session* s = nullptr) {
        return ok(method, Json(std::vector<Json>(args)), s);
    }
    Json err(const std::string& method, std::initializer_list<Json> args, Session* s = nullptr) {
        return err(method, Json(std::vector<Json>(args)), s);
    }

    FakeBackend backend;
    FakeSession http{1, false};
    FakeSession ws{2, true};
    std::chrono::steady_clock::time_point now{};
    std::unique_ptr<Dispatcher> dispatcher;
};

}  // namespace

// ---- simple methods ----

TEST_F(EthApiTest, SimpleMethods) {
    make_chain();
    EXPECT_EQ(ok("web3_clientVersion"), "xinlian/v0.0.0-test");
    // The example of the Ethereum JSON-RPC documentation: keccak256("hello world").
    EXPECT_EQ(ok("web3_sha3", {"0x68656c6c6f20776f726c64"}),
              "0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad");
    EXPECT_EQ(ok("net_version"), "1337");
    EXPECT_EQ(ok("net_listening"), true);
    EXPECT_EQ(ok("net_peerCount"), "0x3");
    EXPECT_EQ(ok("eth_chainId"), "0x539");
    EXPECT_EQ(ok("eth_blockNumber"), "0x2");
    EXPECT_EQ(ok("eth_syncing"), false);
    EXPECT_EQ(ok("eth_accounts"), Json::array());
    EXPECT_EQ(ok("eth_gasPrice"), "0x3b9aca07");
    EXPECT_EQ(ok("eth_maxPriorityFeePerGas"), "0x7");
    EXPECT_EQ(ok("eth_chainId", nullptr), "0x539");  // params may be omitted / null
    EXPECT_EQ(ok("xl_clientVersion"), "xinlian/v0.0.0-test");
    EXPECT_EQ(ok("xl_nodeStatus"), (Json{{"height", 2}, {"round", 0}}));
    Json info = ok("xl_chainInfo");
    EXPECT_EQ(info["chainId"], "0x539");
    EXPECT_EQ(info["crypto"], "ecdsa");
    EXPECT_EQ(info["headNumber"], "0x2");
    EXPECT_EQ(info["genesisHash"], to_hex(backend.blocks[0].hash));
}

// ---- parameter errors ----

struct ParamCase {
    const char* method;
    const char* params;  // JSON
    const char* message;
};

TEST_F(EthApiTest, ParameterErrors) {
    make_chain();
    const std::string a = "\"0x1111111111111111111111111111111111111111\"";
    const std::string h = "\"0x" + std::string(64, 'a') + "\"";
    const ParamCase cases[] = {
        {"eth_chainId", "[1]", "too many arguments, want at most 0"},
        {"eth_getBalance", "{\"a\":1}", "non-array args"},
        {"eth_getBalance", "[]", "missing value for required argument 0"},
        {"eth_getBalance", "[\"1111111111111111111111111111111111111111\"]",
         "invalid argument 0: hex string without 0x prefix"},
        {"eth_getBalance", "[\"0x11\"]",
         "invalid argument 0: hex string has length 2, want 40 for address"},
        {"eth_getBalance", "[\"0x111\"]", "invalid argument 0: hex string of odd length"},
        {"eth_getBalance", "[\"\"]",
         "invalid argument 0: hex string has length 0, want 40 for address"},
        {"eth_getBalance", "[\"0x111111111111111111111111111111111111111g\"]",
         "invalid argument 0: invalid hex string"},
        {"eth_getBalance", "[5]", "invalid argument 0: expected a hex string, got number"},
        {"eth_getBalance", "[@A, \"0x01\"]",
         "invalid argument 1: hex number with leading zero digits"},
        {"eth_getBalance", "[@A, \"0x\"]", "invalid argument 1: hex string \"0x\""},
        {"eth_getBalance", "[@A, \"\"]", "invalid argument 1: empty hex string"},
        {"eth_getBalance", "[@A, \"12\"]", "invalid argument 1: hex string without 0x prefix"},
        {"eth_getBalance", "[@A, \"0x10000000000000000\"]",
         "invalid argument 1: hex number > 64 bits"},
        {"eth_getBalance", "[@A, \"0x8000000000000000\"]",
         "invalid argument 1: block number larger than int64"},
        {"eth_getBalance", "[@A, \"newest\"]", "invalid argument 1: hex string without 0x prefix"},
        {"eth_getBalance", "[@A, {\"blockNumber\": \"0x1\", \"blockHash\": @H}]",
         "invalid argument 1: cannot specify both BlockHash and BlockNumber, choose one or the "
         "other"},
        {"eth_getBalance", "[@A, {}]",
         "invalid argument 1: either BlockNumber or BlockHash must be specified"},
        {"eth_getBalance", "[@A, {\"blockHash\": \"0x12\"}]",
         "invalid argument 1: blockHash: hex string has length 2, want 64 for hash"},
        {"eth_getBalance", "[@A, \"latest\", 1]", "too many arguments, want at most 2"},
        {"eth_getStorageAt", "[@A, \"0xzz\"]", "invalid argument 1: hex string invalid"},
        {"eth_getStorageAt", "[@A]", "missing value for required argument 1"},
        {"eth_getStorageAt",
         "[@A, \"0x"
         "000000000000000000000000000000000000000000000000000000000000000001\"]",
         "invalid argument 1: hex string too long, want at most 32 bytes"},
        {"eth_getBlockByNumber", "[\"0x1\"]", "missing value for required argument 1"},
        {"eth_getBlockByNumber", "[\"0x1\", \"true\"]",
         "invalid argument 1: expected a bool, got string"},
        {"eth_getBlockByNumber", "[@H, false]", "invalid argument 0: hex number > 64 bits"},
        {"eth_getBlockByHash", "[\"0x12\", false]",
         "invalid argument 0: hex string has length 2, want 64 for hash"},
        {"eth_getTransactionByBlockNumberAndIndex", "[\"latest\", \"0x00\"]",
         "invalid argument 1: hex number with leading zero digits"},
        {"eth_sendRawTransaction", "[\"f86c\"]",
         "invalid argument 0: hex string without 0x prefix"},
        {"eth_sendRawTransaction", "[]", "missing value for required argument 0"},
        {"eth_call", "[\"0x\"]", "invalid argument 0: expected a transaction object, got string"},
        {"eth_call", "[{\"to\": \"0x12\"}]",
         "invalid argument 0: to: hex string has length 2, want 40 for address"},
        {"eth_call", "[{\"gas\": 21000}]",
         "invalid argument 0: gas: expected a hex string, got number"},
        {"eth_call",
         "[{\"value\": \"0x1"
         "0000000000000000000000000000000000000000000000000000000000000000\"}]",
         "invalid argument 0: value: hex number > 256 bits"},
        {"eth_call", "[{\"data\": \"0x01\", \"input\": \"0x02\"}]",
         "invalid argument 0: both \"data\" and \"input\" are set and not equal. Please use "
         "\"input\" to pass transaction call data"},
        {"eth_call", "[{\"gasPrice\": \"0x1\", \"maxFeePerGas\": \"0x2\"}]",
         "invalid argument 0: both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified"},
        {"eth_call", "[{\"maxFeePerGas\": \"0x1\", \"maxPriorityFeePerGas\": \"0x2\"}]",
         "invalid argument 0: maxFeePerGas (1) < maxPriorityFeePerGas (2)"},
        {"eth_call", "[{\"accessList\": [{\"storageKeys\": []}]}]",
         "invalid argument 0: accessList: [0]: missing address"},
        {"eth_call", "[{}, \"latest\", {}]",
         "invalid argument 2: state overrides are not supported"},
        {"eth_getLogs", "[{\"topics\": [null, null, null, null, null]}]",
         "invalid argument 0: exceed max topics"},
        {"eth_getLogs", "[{\"topics\": [\"0x12\"]}]",
         "invalid argument 0: topics[0]: hex string has length 2, want 64 for hash"},
        {"eth_getLogs", "[{\"topics\": [5]}]",
         "invalid argument 0: topics[0]: expected a topic, null or an array, got number"},
        {"eth_getLogs", "[{\"address\": [\"0x12\"]}]",
         "invalid argument 0: address: hex string has length 2, want 40 for address"},
        {"eth_getLogs", "[{\"blockHash\": @H, \"fromBlock\": \"0x1\"}]",
         "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or "
         "the other"},
        {"eth_getLogs", "[{\"fromBlock\": \"first\"}]",
         "invalid argument 0: fromBlock: hex string without 0x prefix"},
        {"eth_getLogs", "[]", "missing value for required argument 0"},
        {"eth_getFilterChanges", "[1]", "invalid argument 0: expected an id string, got number"},
        {"eth_feeHistory", "[\"ten\", \"latest\"]",
         "invalid argument 0: invalid hex or decimal integer \"ten\""},
        {"eth_feeHistory", "[1, \"latest\", [101]]", "invalid reward percentile: 101.000000"},
        {"eth_feeHistory", "[1, \"latest\", [50, 40]]",
         "invalid reward percentile: #0:50.000000 >= #1:40.000000"},
        {"eth_feeHistory", "[1, \"latest\", \"50\"]",
         "invalid argument 2: expected an array, got string"},
        {"eth_getProof", "[@A, \"0x1\"]",
         "invalid argument 1: expected an array of storage keys, got string"},
        {"eth_getProof", "[@A, [\"0xzz\"]]", "invalid argument 1: hex string invalid"},
        {"eth_subscribe", "[]", "missing value for required argument 0"},
    };
    for (const ParamCase& c : cases) {
        std::string text = c.params;
        for (auto [from, to] : {std::pair{std::string("@A"), a}, std::pair{std::string("@H"), h}}) {
            for (size_t pos; (pos = text.find(from)) != std::string::npos;)
                text.replace(pos, from.size(), to);
        }
        Json e = err(c.method, Json::parse(text), &ws);
        EXPECT_EQ(e["code"], kInvalidParams) << c.method << " " << text;
        EXPECT_EQ(e["message"], c.message) << c.method << " " << text;
    }
}

// ---- transactions ----

TEST_F(EthApiTest, LegacyTransactionAsGethPrintsIt) {
    // What geth prints for the pending EIP-155 example.
    const Json expected = Json::parse(R"({
        "blockHash": null, "blockNumber": null, "transactionIndex": null,
        "from": "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f",
        "gas": "0x5208", "gasPrice": "0x4a817c800",
        "hash": "0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788",
        "input": "0x", "nonce": "0x9",
        "to": "0x3535353535353535353535353535353535353535",
        "value": "0xde0b6b3a7640000", "type": "0x0", "chainId": "0x1", "v": "0x25",
        "r": "0x28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276",
        "s": "0x67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"})");
    TxView t = view_of(eip155_tx());
    backend.pool[t.hash] = t;
    EXPECT_EQ(ok("eth_getTransactionByHash", {expected["hash"]}), expected);
    EXPECT_EQ(ok("eth_getTransactionByHash", {to_hex(Hash256{})}), nullptr);
}

TEST_F(EthApiTest, UnprotectedLegacyHasNoChainId) {
    Transaction tx = eip155_tx();
    tx.chain_id.reset();
    ASSERT_TRUE(tx.sign(ecdsa, kKey46).has_value());
    Json j = tx_to_json(view_of(tx));
    EXPECT_FALSE(j.contains("chainId"));
    EXPECT_FALSE(j.contains("yParity"));
    EXPECT_FALSE(j.contains("accessList"));
    EXPECT_TRUE(j["v"] == "0x1b" || j["v"] == "0x1c") << j["v"];
}

TEST_F(EthApiTest, DynamicFeeTransactionPendingAndMined) {
    make_chain();
    const TxView& mined = backend.blocks[1].transactions[1];
    Json j = ok("eth_getTransactionByHash", {to_hex(mined.hash)});
    const Json expected = {
        {"blockHash", to_hex(backend.blocks[1].hash)},
        {"blockNumber", "0x1"},
        {"transactionIndex", "0x1"},
        {"from", "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"},
        {"gas", "0xea60"},
        // Mined: the effective price base fee + min(tip, cap - base fee) = 1000 + 500.
        {"gasPrice", "0x5dc"},
        {"maxFeePerGas", "0x7d0"},
        {"maxPriorityFeePerGas", "0x1f4"},
        {"hash", to_hex(mined.hash)},
        {"input", "0xa9059cbb"},
        {"nonce", "0x0"},
        {"to", "0x1111111111111111111111111111111111111111"},
        {"value", "0x0"},
        {"type", "0x2"},
        {"chainId", "0x539"},
        {"accessList",
         Json::array({{{"address", "0x1111111111111111111111111111111111111111"},
                       {"storageKeys", Json::array({"0x" + std::string(63, '0') + "1"})}}})},
        {"v", quantity(uint64_t{mined.tx.y_parity})},
        {"yParity", quantity(uint64_t{mined.tx.y_parity})},
        {"r", mined.tx.r.to_hex()},
        {"s", mined.tx.s.to_hex()},
    };
    EXPECT_EQ(j, expected);
    // Pending (or a backend that did not set the price): the fee cap, 2000.
    TxView unpriced = mined;
    unpriced.effective_gas_price.reset();
    EXPECT_EQ(tx_to_json(unpriced)["gasPrice"], "0x7d0");
    TxView pending = mined;
    pending.block_hash.reset();
    pending.effective_gas_price = U256(1500);
    EXPECT_EQ(tx_to_json(pending)["gasPrice"], "0x7d0");
}

TEST_F(EthApiTest, AccessListTransaction) {
    Transaction tx = dynamic_tx(3, 0, 0);
    tx.type = TxType::kAccessList;
    tx.gas_price = U256(1000);
    ASSERT_TRUE(tx.sign(ecdsa, kKey46).has_value());
    Json j = tx_to_json(view_of(tx));
    EXPECT_EQ(j["type"], "0x1");
    EXPECT_EQ(j["gasPrice"], "0x3e8");
    EXPECT_FALSE(j.contains("maxFeePerGas"));
    EXPECT_EQ(j["chainId"], "0x539");
    EXPECT_EQ(j["accessList"].size(), 1u);
    EXPECT_EQ(j["yParity"], j["v"]);
}

TEST_F(EthApiTest, SmTransactionCarriesPublicKeyAndSignature) {
    const auto& sm = crypto::sm_suite();
    Transaction tx = dynamic_tx(1, 5, 100);
    tx.type = TxType::kSm;
    ASSERT_TRUE(tx.sign(sm, kKey46).has_value());
    Json j = tx_to_json(view_of(tx, sm));
    EXPECT_EQ(j["type"], "0x53");
    EXPECT_EQ(j["publicKey"], to_hex(tx.sm_public_key));
    EXPECT_EQ(j["publicKey"].get<std::string>().size(), 2u + 128);
    uint8_t rs[64];
    tx.r.to_be_bytes(rs);
    tx.s.to_be_bytes(rs + 32);
    EXPECT_EQ(j["signature"], to_hex(BytesView(rs, 64)));
    EXPECT_EQ(j["v"], "0x0");
    EXPECT_EQ(j["yParity"], "0x0");
    EXPECT_EQ(j["maxFeePerGas"], "0x64");
    EXPECT_EQ(j["from"], to_hex(sm.address(tx.sm_public_key)));
}

// ---- receipts and logs ----

TEST_F(EthApiTest, ReceiptAsGethPrintsIt) {
    make_chain();
    const Hash256 bh = backend.blocks[1].hash;
    const Hash256 th = backend.blocks[1].transactions[0].hash;
    Json r = ok("eth_getTransactionReceipt", {to_hex(th)});
    Json log0 = {{"address", "0x1111111111111111111111111111111111111111"},
                 {"topics", {to_hex(topic(1)), to_hex(topic(2))}},
                 {"data", "0x01"},
                 {"blockNumber", "0x1"},
                 {"blockHash", to_hex(bh)},
                 {"transactionHash", to_hex(th)},
                 {"transactionIndex", "0x0"},
                 {"logIndex", "0x0"},
                 {"removed", false}};
    Json log1 = {{"address", "0x2222222222222222222222222222222222222222"},
                 {"topics", {to_hex(topic(3))}},
                 {"data", "0x"},
                 {"blockNumber", "0x1"},
                 {"blockHash", to_hex(bh)},
                 {"transactionHash", to_hex(th)},
                 {"transactionIndex", "0x0"},
                 {"logIndex", "0x1"},
                 {"removed", false}};
    Json expected = {{"transactionHash", to_hex(th)},
                     {"transactionIndex", "0x0"},
                     {"blockHash", to_hex(bh)},
                     {"blockNumber", "0x1"},
                     {"from", "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"},
                     {"to", "0x3535353535353535353535353535353535353535"},
                     {"contractAddress", nullptr},
                     {"cumulativeGasUsed", "0x5208"},
                     {"gasUsed", "0x5208"},
                     {"effectiveGasPrice", "0x5dc"},
                     {"status", "0x1"},
                     {"type", "0x0"},
                     {"logsBloom", "0x" + std::string(512, '0')},
                     {"logs", {log0, log1}}};
    EXPECT_EQ(r, expected);
    EXPECT_EQ(ok("eth_getTransactionReceipt", {to_hex(Hash256{})}), nullptr);

    Json all = ok("eth_getBlockReceipts", {"0x1"});
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], expected);
    EXPECT_EQ(all[1]["logs"][0]["logIndex"], "0x2");
    EXPECT_EQ(ok("eth_getBlockReceipts", {"0x9"}), nullptr);
}

TEST_F(EthApiTest, CreationReceiptHasContractAddressAndNullTo) {
    ReceiptView r;
    r.contract_address = kTokenB;
    r.success = false;
    Json j = receipt_to_json(r);
    EXPECT_EQ(j["to"], nullptr);
    EXPECT_EQ(j["contractAddress"], "0x2222222222222222222222222222222222222222");
    EXPECT_EQ(j["status"], "0x0");
}

// ---- blocks ----

TEST_F(EthApiTest, BlockAsGethPrintsIt) {
    make_chain();
    const BlockView& b = backend.blocks[1];
    Json expected = {
        {"hash", to_hex(b.hash)},
        {"parentHash", to_hex(backend.blocks[0].hash)},
        {"number", "0x1"},
        {"timestamp", "0xa"},
        {"miner", "0x00000000000000000000000000000000000000aa"},
        {"stateRoot", "0x" + std::string(64, '5')},
        {"transactionsRoot", to_hex(Hash256{})},
        {"receiptsRoot", to_hex(Hash256{})},
        {"logsBloom", "0x" + std::string(512, '0')},
        {"gasLimit", "0x1c9c380"},
        {"gasUsed", "0xc738"},
        {"baseFeePerGas", "0x3e8"},
        {"extraData", "0xc0ffee"},
        {"nonce", "0x0000000000000000"},
        {"mixHash", to_hex(Hash256{})},
        {"difficulty", "0x0"},
        {"sha3Uncles", "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"},
        {"size", "0x258"},
        {"uncles", Json::array()},
        {"transactions", {to_hex(b.transactions[0].hash), to_hex(b.transactions[1].hash)}},
    };
    EXPECT_EQ(ok("eth_getBlockByNumber", {"0x1", false}), expected);
    EXPECT_EQ(ok("eth_getBlockByHash", {to_hex(b.hash), false}), expected);

    Json full = ok("eth_getBlockByNumber", {"0x1", true});
    ASSERT_EQ(full["transactions"].size(), 2u);
    EXPECT_EQ(full["transactions"][0], tx_to_json(b.transactions[0]));
    EXPECT_EQ(full["transactions"][1]["blockHash"], to_hex(b.hash));
    EXPECT_TRUE(backend.last_full);

    EXPECT_EQ(ok("eth_getBlockByNumber", {"latest", false})["number"], "0x2");
    EXPECT_EQ(ok("eth_getBlockByNumber", {"finalized", false})["number"], "0x2");
    EXPECT_EQ(ok("eth_getBlockByNumber", {"earliest", false})["number"], "0x0");
    EXPECT_EQ(ok("eth_getBlockByNumber", {"0x3", false}), nullptr);
    EXPECT_EQ(ok("eth_getBlockByHash", {to_hex(Hash256{}), true}), nullptr);

    EXPECT_EQ(ok("eth_getBlockTransactionCountByNumber", {"0x1"}), "0x2");
    EXPECT_EQ(ok("eth_getBlockTransactionCountByHash", {to_hex(b.hash)}), "0x2");
    EXPECT_EQ(ok("eth_getBlockTransactionCountByNumber", {"0x7"}), nullptr);
    EXPECT_EQ(ok("eth_getTransactionByBlockNumberAndIndex", {"0x1", "0x1"}),
              tx_to_json(b.transactions[1]));
    EXPECT_EQ(ok("eth_getTransactionByBlockHashAndIndex", {to_hex(b.hash), "0x0"}),
              tx_to_json(b.transactions[0]));
    EXPECT_EQ(ok("eth_getTransactionByBlockNumberAndIndex", {"0x1", "0x2"}), nullptr);
    EXPECT_EQ(ok("eth_getTransactionByBlockNumberAndIndex", {"0x5", "0x0"}), nullptr);
}

TEST_F(EthApiTest, SmChainUsesSm3ForTheEmptyUncleHash) {
    protocol::BlockHeader h;
    Json j = header_to_json(h, Hash256{}, crypto::sm_suite());
    static const uint8_t kEmptyList[1] = {0xc0};
    EXPECT_EQ(j["sha3Uncles"], to_hex(crypto::sm_suite().hash(BytesView(kEmptyList, 1))));
}

TEST_F(EthApiTest, BackendErrorsPassThrough) {
    make_chain();
    backend.fail = Error{kServerError, "storage: I/O error", std::nullopt};
    Json e = err("eth_getBlockByNumber", {"0x1", false});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "storage: I/O error");
}

// ---- state ----

TEST_F(EthApiTest, StateQueriesAndBlockArguments) {
    make_chain();
    backend.balances[kTokenA] = U256(1'000'000);
    backend.nonces[kTokenA] = 5;
    backend.pending_extra = 2;
    backend.codes[kTokenA] = hex_literal("6001600055");
    backend.slots[kTokenA] = U256(0x2a);
    const std::string a = to_hex(kTokenA);

    EXPECT_EQ(ok("eth_getBalance", {a, "latest"}), "0xf4240");
    EXPECT_EQ(backend.last_ref->kind, BlockRef::Kind::kLatest);
    EXPECT_EQ(ok("eth_getBalance", {a}), "0xf4240");  // block defaults to latest
    EXPECT_EQ(ok("eth_getBalance", {to_hex(kTokenB), "0x1"}), "0x0");
    EXPECT_EQ(backend.last_ref->kind, BlockRef::Kind::kNumber);
    EXPECT_EQ(backend.last_ref->number, 1u);

    EXPECT_EQ(ok("eth_getTransactionCount", {a, "latest"}), "0x5");
    EXPECT_EQ(ok("eth_getTransactionCount", {a, "pending"}), "0x7");
    EXPECT_EQ(ok("eth_getCode", {a, "latest"}), "0x6001600055");
    EXPECT_EQ(ok("eth_getCode", {to_hex(kTokenB), "latest"}), "0x");
    EXPECT_EQ(ok("eth_getStorageAt", {a, "0x0", "latest"}),
              "0x000000000000000000000000000000000000000000000000000000000000002a");
    // geth's decodeHash: no prefix needed, odd length padded.
    EXPECT_EQ(ok("eth_getStorageAt", {a, "abc"}), ok("eth_getStorageAt", {a, "0x0abc"}));
    EXPECT_EQ(*backend.last_key, U256(0xabc));

    // EIP-1898 forms.
    const std::string bh = to_hex(backend.blocks[1].hash);
    EXPECT_EQ(ok("eth_getBalance", {a, {{"blockHash", bh}, {"requireCanonical", true}}}),
              "0xf4240");
    EXPECT_EQ(backend.last_ref->kind, BlockRef::Kind::kHash);
    EXPECT_EQ(backend.last_ref->hash, backend.blocks[1].hash);
    EXPECT_TRUE(backend.last_ref->require_canonical);
    EXPECT_EQ(ok("eth_getBalance", {a, bh}), "0xf4240");  // a bare 32-byte hash
    EXPECT_EQ(backend.last_ref->kind, BlockRef::Kind::kHash);
    EXPECT_EQ(ok("eth_getBalance", {a, {{"blockNumber", "0x2"}}}), "0xf4240");
    EXPECT_EQ(backend.last_ref->number, 2u);

    Json e = err("eth_getBalance", {a, "0x9"});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "header not found");
    e = err("eth_getBalance", {a, to_hex(Hash256{})});
    EXPECT_EQ(e["message"], "header for hash not found");
}

TEST_F(EthApiTest, GetProofFollowsEip1186) {
    make_chain();
    backend.proof_answer.balance = U256(10);
    backend.proof_answer.nonce = 1;
    backend.proof_answer.code_hash = topic(9);
    backend.proof_answer.storage_hash = topic(8);
    backend.proof_answer.account_proof = {hex_literal("f851"), hex_literal("e2a0")};
    Json p = ok("eth_getProof", {to_hex(kTokenA), {"0x1", "2"}, "latest"});
    Json expected = {
        {"address", to_hex(kTokenA)},
        {"accountProof", {"0xf851", "0xe2a0"}},
        {"balance", "0xa"},
        {"codeHash", to_hex(topic(9))},
        {"nonce", "0x1"},
        {"storageHash", to_hex(topic(8))},
        {"storageProof",
         {{{"key", "0x1"}, {"value", "0x2"}, {"proof", {"0xc001"}}},
          {{"key", "2"}, {"value", "0x3"}, {"proof", {"0xc002"}}}}},
    };
    EXPECT_EQ(p, expected);
}

// ---- execution ----

TEST_F(EthApiTest, CallReturnsDataAndForwardsTheRequest) {
    make_chain();
    backend.call_result = {true, hex_literal("0000002a"), 21500, ""};
    Json req = {
        {"from", to_hex(kTokenB)},
        {"to", to_hex(kTokenA)},
        {"gas", "0x7530"},
        {"maxFeePerGas", "0x10"},
        {"maxPriorityFeePerGas", "0x1"},
        {"value", "0x5"},
        {"input", "0x70a08231"},
        {"nonce", "0x3"},
        {"accessList", {{{"address", to_hex(kTokenA)}, {"storageKeys", {to_hex(topic(1))}}}}},
        {"chainId", "0x539"},  // ignored, as geth does for calls
        {"type", "0x2"}};
    EXPECT_EQ(ok("eth_call", {req, "latest"}), "0x0000002a");
    const CallRequest& c = *backend.last_call;
    EXPECT_EQ(c.from, kTokenB);
    EXPECT_EQ(c.to, kTokenA);
    EXPECT_EQ(c.gas, 30000u);
    EXPECT_EQ(c.max_fee_per_gas, U256(16));
    EXPECT_EQ(c.max_priority_fee_per_gas, U256(1));
    EXPECT_FALSE(c.gas_price.has_value());
    EXPECT_EQ(c.value, U256(5));
    EXPECT_EQ(c.data, hex_literal("70a08231"));
    EXPECT_EQ(c.nonce, 3u);
    ASSERT_TRUE(c.access_list.has_value());
    EXPECT_EQ(c.access_list->at(0).storage_keys.at(0), topic(1));

    // "data" alone, "to" null (creation), equal data and input.
    ok("eth_call", {{{"to", nullptr}, {"data", "0x6000"}}});
    EXPECT_FALSE(backend.last_call->to.has_value());
    EXPECT_EQ(backend.last_call->data, hex_literal("6000"));
    ok("eth_call", {{{"data", "0x01"}, {"input", "0x01"}}});
    EXPECT_EQ(backend.last_call->data, hex_literal("01"));
}

TEST_F(EthApiTest, CallRevertIsCode3WithReasonAndData) {
    make_chain();
    // Error(string) "nope": message with the reason, data the raw bytes.
    Bytes revert = hex_literal(
        "08c379a0"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "0000000000000000000000000000000000000000000000000000000000000004"
        "6e6f706500000000000000000000000000000000000000000000000000000000");
    backend.call_result = {false, revert, 30000, "execution reverted"};
    Json e = err("eth_call", {{{"to", to_hex(kTokenA)}}, "latest"});
    EXPECT_EQ(e["code"], 3);
    EXPECT_EQ(e["message"], "execution reverted: nope");
    EXPECT_EQ(e["data"], to_hex(revert));

    // Panic(0x11).
    Bytes panic = hex_literal(
        "4e487b71"
        "0000000000000000000000000000000000000000000000000000000000000011");
    backend.call_result = {false, panic, 30000, "execution reverted"};
    e = err("eth_call", {{{"to", to_hex(kTokenA)}}});
    EXPECT_EQ(e["message"], "execution reverted: arithmetic underflow or overflow");

    // A custom error: ethers decodes it from data.
    Bytes custom =
        hex_literal("cf4791810000000000000000000000000000000000000000000000000000000000000001");
    backend.call_result = {false, custom, 30000, "execution reverted"};
    e = err("eth_call", {{{"to", to_hex(kTokenA)}}});
    EXPECT_EQ(e["code"], 3);
    EXPECT_EQ(e["message"], "execution reverted");
    EXPECT_EQ(e["data"], to_hex(custom));

    // An empty revert.
    backend.call_result = {false, {}, 30000, "execution reverted"};
    e = err("eth_call", {{{"to", to_hex(kTokenA)}}});
    EXPECT_EQ(e["code"], 3);
    EXPECT_EQ(e["data"], "0x");

    // Not a revert: -32000 with the failure's text.
    backend.call_result = {false, {}, 30000, "out of gas"};
    e = err("eth_call", {{{"to", to_hex(kTokenA)}}});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "out of gas");
    EXPECT_FALSE(e.contains("data"));
}

TEST_F(EthApiTest, PanicReasonsAreGeths) {
    auto msg = [](uint64_t code) {
        Bytes d = hex_literal("4e487b71");
        Hash256 h = U256(code).to_hash();
        d.insert(d.end(), h.begin(), h.end());
        return revert_error(d).message;
    };
    EXPECT_EQ(msg(0x01), "execution reverted: assert(false)");
    EXPECT_EQ(msg(0x12), "execution reverted: division or modulo by zero");
    EXPECT_EQ(msg(0x32), "execution reverted: out-of-bounds access of an array or bytesN");
    EXPECT_EQ(msg(0x99), "execution reverted: unknown panic code: 0x99");
    // Malformed Error(string) data: no reason, the data still there.
    Error e = revert_error(hex_literal("08c379a0ff"));
    EXPECT_EQ(e.message, "execution reverted");
    EXPECT_EQ(e.data, Json("0x08c379a0ff"));
}

TEST_F(EthApiTest, EstimateGas) {
    make_chain();
    backend.estimate = 53000;
    EXPECT_EQ(ok("eth_estimateGas", {{{"to", to_hex(kTokenA)}, {"data", "0x01"}}}), "0xcf08");
    EXPECT_EQ(backend.last_call->data, hex_literal("01"));
    backend.estimate_error = revert_error(hex_literal(""));
    Json e = err("eth_estimateGas", {{{"to", to_hex(kTokenA)}}, "latest"});
    EXPECT_EQ(e["code"], 3);
    EXPECT_EQ(e["message"], "execution reverted");
    EXPECT_EQ(e["data"], "0x");
    backend.estimate_error = Error{kServerError, "gas required exceeds allowance (30000000)", {}};
    e = err("eth_estimateGas", {{{"to", to_hex(kTokenA)}}});
    EXPECT_EQ(e["message"], "gas required exceeds allowance (30000000)");
}

TEST_F(EthApiTest, SendRawTransaction) {
    make_chain();
    std::string raw = std::string("0x") + kEip155Raw;
    EXPECT_EQ(ok("eth_sendRawTransaction", {raw}),
              "0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788");
    EXPECT_EQ(*backend.last_raw, hex_literal(kEip155Raw));
    backend.send_error = Error{kServerError, "nonce too low", std::nullopt};
    Json e = err("eth_sendRawTransaction", {raw});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "nonce too low");
}

// ---- eth_getLogs ----

TEST_F(EthApiTest, GetLogsFilterSemantics) {
    make_chain();
    auto count = [&](Json filter) { return ok("eth_getLogs", {filter}).size(); };
    EXPECT_EQ(count({{"fromBlock", "0x0"}}), 3u);
    EXPECT_EQ(count(Json::object()), 0u);  // latest = block 2, which has no logs
    EXPECT_EQ(count({{"fromBlock", "earliest"}, {"toBlock", "latest"}}), 3u);
    EXPECT_EQ(count({{"fromBlock", "0x0"}, {"address", to_hex(kTokenA)}}), 2u);
    EXPECT_EQ(count({{"fromBlock", "0x0"}, {"address", {to_hex(kTokenA), to_hex(kTokenB)}}}), 3u);
    EXPECT_EQ(count({{"fromBlock", "0x0"}, {"topics", {to_hex(topic(1))}}}), 2u);
    EXPECT_EQ(count({{"fromBlock", "0x0"}, {"topics", {nullptr, to_hex(topic(4))}}}), 1u);
    EXPECT_EQ(
        count({{"fromBlock", "0x0"}, {"topics", {nullptr, {to_hex(topic(2)), to_hex(topic(4))}}}}),
        2u);
    // A null inside an OR-array makes the position a wildcard (but it still needs a topic).
    EXPECT_EQ(count({{"fromBlock", "0x0"}, {"topics", {nullptr, {to_hex(topic(2)), nullptr}}}}),
              2u);
    // More positions than the log has topics: no match.
    EXPECT_EQ(count({{"fromBlock", "0x0"}, {"topics", {to_hex(topic(3)), nullptr}}}), 0u);
    EXPECT_EQ(count({{"fromBlock", "0x0"}, {"topics", {to_hex(topic(3))}}}), 1u);

    // What the backend is asked.
    ok("eth_getLogs", {{{"fromBlock", "0x1"}, {"toBlock", "0x2"}, {"address", to_hex(kTokenB)}}});
    EXPECT_EQ(backend.last_query->from, 1u);
    EXPECT_EQ(backend.last_query->to, 2u);
    EXPECT_EQ(backend.last_query->addresses, std::vector<Address>{kTokenB});

    // blockHash.
    Json logs = ok("eth_getLogs", {{{"blockHash", to_hex(backend.blocks[1].hash)}}});
    ASSERT_EQ(logs.size(), 3u);
    EXPECT_EQ(logs[2]["logIndex"], "0x2");
    EXPECT_EQ(backend.last_query->from, 1u);
    EXPECT_EQ(backend.last_query->to, 1u);
    Json e = err("eth_getLogs", {{{"blockHash", to_hex(Hash256{})}}});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "unknown block");

    // Ranges: reversed is an error, beyond the head is clamped or empty.
    e = err("eth_getLogs", {{{"fromBlock", "0x2"}, {"toBlock", "0x1"}}});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "invalid block range params");
    EXPECT_EQ(count({{"fromBlock", "0x1"}, {"toBlock", "0x100"}}), 3u);
    EXPECT_EQ(backend.last_query->to, 2u);
    int queries = backend.log_queries;
    EXPECT_EQ(count({{"fromBlock", "0x5"}, {"toBlock", "0x100"}}), 0u);
    EXPECT_EQ(backend.log_queries, queries);  // not even asked
}

TEST_F(EthApiTest, GetLogsRangeLimit) {
    ApiConfig config;
    config.max_log_range = 2;
    rebuild(config);
    make_chain();
    EXPECT_EQ(ok("eth_getLogs", {{{"fromBlock", "0x1"}, {"toBlock", "0x2"}}}).size(), 3u);
    Json e = err("eth_getLogs", {{{"fromBlock", "0x0"}, {"toBlock", "latest"}}});
    EXPECT_EQ(e["code"], kLimitExceeded);
    EXPECT_EQ(e["message"], "block range too large: 3 blocks > 2");
}

TEST_F(EthApiTest, GetLogsDefaultRangeLimitIsTenThousandBlocks) {
    make_chain();
    for (int i = 0; i < 10'000 - 3; ++i)
        backend.commit(block_of(30, 0, 900));
    ASSERT_EQ(backend.head_number(), 9999u);
    EXPECT_EQ(ok("eth_getLogs", {{{"fromBlock", "0x0"}}}).size(), 3u);  // 10,000 blocks
    backend.commit(block_of(30, 0, 900));
    Json e = err("eth_getLogs", {{{"fromBlock", "0x0"}}});
    EXPECT_EQ(e["code"], kLimitExceeded);
    EXPECT_EQ(e["message"], "block range too large: 10001 blocks > 10000");
}

// ---- polling filters ----

TEST_F(EthApiTest, BlockFilter) {
    backend.commit(block_of(0, 0, 1000));
    std::string id = ok("eth_newBlockFilter");
    EXPECT_EQ(id.size(), 2u + 32);
    EXPECT_EQ(ok("eth_getFilterChanges", {id}), Json::array());
    backend.commit(block_of(1, 0, 1000));
    backend.commit(block_of(2, 0, 1000));
    EXPECT_EQ(ok("eth_getFilterChanges", {id}),
              Json({to_hex(backend.blocks[1].hash), to_hex(backend.blocks[2].hash)}));
    EXPECT_EQ(ok("eth_getFilterChanges", {id}), Json::array());
    // getFilterLogs is for log filters only.
    EXPECT_EQ(err("eth_getFilterLogs", {id})["message"], "filter not found");
    EXPECT_EQ(ok("eth_uninstallFilter", {id}), true);
    EXPECT_EQ(ok("eth_uninstallFilter", {id}), false);
    Json e = err("eth_getFilterChanges", {id});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "filter not found");
}

TEST_F(EthApiTest, LogFilter) {
    backend.commit(block_of(0, 0, 1000));
    std::string all = ok("eth_newFilter", {{{"fromBlock", "earliest"}}});
    std::string only_b = ok("eth_newFilter", {{{"address", to_hex(kTokenB)}}});
    std::string later = ok("eth_newFilter", {{{"fromBlock", "0x5"}}});
    std::string t1 = ok("eth_newFilter", {{{"topics", {to_hex(topic(1))}}}});
    EXPECT_NE(all, only_b);
    make_chain();  // blocks 1..3 after the existing genesis: block 2 has the logs
    Json changes = ok("eth_getFilterChanges", {all});
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_EQ(changes[0]["blockNumber"], "0x2");
    EXPECT_EQ(changes[0]["removed"], false);
    EXPECT_EQ(ok("eth_getFilterChanges", {only_b}).size(), 1u);
    EXPECT_EQ(ok("eth_getFilterChanges", {later}).size(), 0u);  // numeric fromBlock bounds it
    EXPECT_EQ(ok("eth_getFilterChanges", {t1}).size(), 2u);
    EXPECT_EQ(ok("eth_getFilterChanges", {all}).size(), 0u);

    // getFilterLogs runs the query over the filter's range.
    EXPECT_EQ(ok("eth_getFilterLogs", {all}).size(), 3u);
    EXPECT_EQ(backend.last_query->from, 0u);
    EXPECT_EQ(backend.last_query->to, 3u);
    EXPECT_EQ(ok("eth_getFilterLogs", {only_b}).size(), 0u);  // latest only: block 3
    EXPECT_EQ(err("eth_getFilterChanges", {"0x1234"})["message"], "filter not found");
}

TEST_F(EthApiTest, FiltersExpireWhenNotPolled) {
    backend.commit(block_of(0, 0, 1000));
    std::string polled = ok("eth_newBlockFilter");
    std::string idle = ok("eth_newBlockFilter");
    now += std::chrono::minutes(4);
    ok("eth_getFilterChanges", {polled});
    now += std::chrono::minutes(1);  // idle: 5 minutes unused; polled: 1 minute
    EXPECT_EQ(err("eth_getFilterChanges", {idle})["message"], "filter not found");
    ok("eth_getFilterChanges", {polled});
    now += std::chrono::minutes(5);
    backend.commit(block_of(1, 0, 1000));  // the block feed also sweeps
    EXPECT_EQ(err("eth_getFilterChanges", {polled})["message"], "filter not found");
}

TEST_F(EthApiTest, FilterCountAndBufferAreBounded) {
    ApiConfig config;
    config.max_filters = 2;
    config.max_filter_buffer = 2;
    rebuild(config);
    backend.commit(block_of(0, 0, 1000));
    std::string f1 = ok("eth_newBlockFilter");
    std::string f2 = ok("eth_newFilter", {Json::object()});
    Json e = err("eth_newBlockFilter", Json::array());
    EXPECT_EQ(e["code"], kLimitExceeded);
    EXPECT_EQ(e["message"], "too many filters: limit 2");
    EXPECT_EQ(ok("eth_uninstallFilter", {f2}), true);
    std::string f3 = ok("eth_newBlockFilter");
    backend.commit(block_of(1, 0, 1000));
    backend.commit(block_of(2, 0, 1000));
    EXPECT_EQ(ok("eth_getFilterChanges", {f1}).size(), 2u);
    backend.commit(block_of(3, 0, 1000));
    backend.commit(block_of(4, 0, 1000));
    backend.commit(block_of(5, 0, 1000));  // each held 3 > 2 hashes at some block: removed
    EXPECT_EQ(err("eth_getFilterChanges", {f3})["message"], "filter not found");
    EXPECT_EQ(err("eth_getFilterChanges", {f1})["message"], "filter not found");
}

// ---- subscriptions ----

TEST_F(EthApiTest, NewHeadsSubscription) {
    backend.commit(block_of(0, 0, 1000));
    std::string id = ok("eth_subscribe", {"newHeads"}, &ws);
    EXPECT_EQ(id.size(), 2u + 32);
    backend.commit(block_of(12, 0, 950));
    ASSERT_EQ(ws.pushed.size(), 1u);
    const Json& n = ws.pushed[0];
    EXPECT_EQ(n["jsonrpc"], "2.0");
    EXPECT_EQ(n["method"], "eth_subscription");
    EXPECT_EQ(n["params"]["subscription"], id);
    EXPECT_EQ(n["params"]["result"],
              header_to_json(backend.blocks[1].header, backend.blocks[1].hash, ecdsa));
    EXPECT_EQ(n["params"]["result"]["number"], "0x1");
    EXPECT_FALSE(n["params"]["result"].contains("transactions"));

    EXPECT_EQ(ok("eth_unsubscribe", {id}, &ws), true);
    backend.commit(block_of(13, 0, 950));
    EXPECT_EQ(ws.pushed.size(), 1u);
    Json e = err("eth_unsubscribe", {id}, &ws);
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "subscription not found");
}

TEST_F(EthApiTest, LogsSubscriptionUsesTheFilter) {
    backend.commit(block_of(0, 0, 1000));
    std::string id = ok("eth_subscribe", {"logs", {{"address", to_hex(kTokenA)}}}, &ws);
    std::string any = ok("eth_subscribe", {"logs"}, &ws);
    make_chain();
    size_t for_id = 0, for_any = 0;
    for (const Json& n : ws.pushed) {
        const Json& p = n["params"];
        if (p["subscription"] == id) {
            ++for_id;
            EXPECT_EQ(p["result"]["address"], to_hex(kTokenA));
            EXPECT_EQ(p["result"]["blockNumber"], "0x2");
        } else {
            EXPECT_EQ(p["subscription"], any);
            ++for_any;
        }
    }
    EXPECT_EQ(for_id, 2u);
    EXPECT_EQ(for_any, 3u);

    // With newHeads too: each block's head comes before its logs, whatever the ids.
    for (int round = 0; round < 8; ++round) {
        FakeSession s{100u + uint64_t(round), true};
        ok("eth_subscribe", {"logs"}, &s);
        ok("eth_subscribe", {"newHeads"}, &s);
        TxView t = view_of(dynamic_tx(uint64_t(round), 1, 2000));
        backend.commit(block_of(40, 30000, 1000, {t}),
                       {receipt_of(t, 30000, 30000, {log_of(kTokenA, {topic(1)})})});
        ASSERT_EQ(s.pushed.size(), 2u);
        EXPECT_TRUE(s.pushed[0]["params"]["result"].contains("parentHash"));
        EXPECT_TRUE(s.pushed[1]["params"]["result"].contains("logIndex"));
        s.close();
    }
}

TEST_F(EthApiTest, SubscriptionsNeedAPushSessionAndAKnownName) {
    Json e = err("eth_subscribe", {"newHeads"}, &http);
    EXPECT_EQ(e["code"], kMethodNotFound);
    EXPECT_EQ(e["message"], "notifications not supported");
    e = err("eth_subscribe", {"newPendingTransactions"}, &ws);
    EXPECT_EQ(e["code"], kMethodNotFound);
    EXPECT_EQ(e["message"], "no \"newPendingTransactions\" subscription in eth namespace");
    // Client text echoed in errors is cut short.
    e = err("eth_subscribe", {std::string(100'000, 'x')}, &ws);
    EXPECT_EQ(e["message"], "no \"" + std::string(64, 'x') + "...\" subscription in eth namespace");
    e = err("eth_subscribe", {"logs", {{"topics", {"0x1"}}}}, &ws);
    EXPECT_EQ(e["code"], kInvalidParams);
}

TEST_F(EthApiTest, SubscriptionsEndWithTheirSession) {
    backend.commit(block_of(0, 0, 1000));
    FakeSession other{3, true};
    std::string mine = ok("eth_subscribe", {"newHeads"}, &ws);
    ok("eth_subscribe", {"newHeads"}, &ws);
    std::string theirs = ok("eth_subscribe", {"newHeads"}, &other);
    EXPECT_EQ(ws.hook_count(), 1u);  // one on_close hook per session
    // Another session cannot cancel it.
    EXPECT_EQ(err("eth_unsubscribe", {mine}, &other)["message"], "subscription not found");
    ws.close();
    backend.commit(block_of(1, 0, 1000));
    EXPECT_TRUE(ws.pushed.empty());
    EXPECT_EQ(other.pushed.size(), 1u);
    EXPECT_EQ(other.pushed[0]["params"]["subscription"], theirs);
    // A subscription made on a session that has already ended is dropped at once.
    ok("eth_subscribe", {"newHeads"}, &ws);
    backend.commit(block_of(2, 0, 1000));
    EXPECT_TRUE(ws.pushed.empty());
}

TEST_F(EthApiTest, SubscriptionsPerSessionAreBounded) {
    ApiConfig config;
    config.max_subscriptions_per_session = 2;
    rebuild(config);
    std::string first = ok("eth_subscribe", {"newHeads"}, &ws);
    ok("eth_subscribe", {"newHeads"}, &ws);
    Json e = err("eth_subscribe", {"newHeads"}, &ws);
    EXPECT_EQ(e["code"], kLimitExceeded);
    EXPECT_EQ(e["message"], "too many subscriptions on this connection: limit 2");
    FakeSession other{4, true};
    ok("eth_subscribe", {"newHeads"}, &other);  // the bound is per session
    ok("eth_unsubscribe", {first}, &ws);
    ok("eth_subscribe", {"newHeads"}, &ws);
}

// ---- eth_feeHistory ----

TEST_F(EthApiTest, FeeHistory) {
    backend.commit(block_of(0, 0, 1000));
    // Block 1: three transactions with effective tips 100 (gas 21000), 10 (gas 50000) and
    // 500 capped by the fee cap to 300 (gas 29000); gas used 100000 of 30M.
    std::vector<TxView> txs = {view_of(dynamic_tx(0, 100, 5000)), view_of(dynamic_tx(1, 10, 5000)),
                               view_of(dynamic_tx(2, 500, 1300))};
    std::vector<ReceiptView> rs = {receipt_of(txs[0], 21000, 21000, {}),
                                   receipt_of(txs[1], 50000, 71000, {}),
                                   receipt_of(txs[2], 29000, 100000, {})};
    backend.commit(block_of(1, 100000, 1000, txs), rs);
    backend.commit(block_of(2, 15'000'000, 1100));

    Json h = ok("eth_feeHistory", {"0x2", "latest", {0, 40, 50, 75, 100}});
    EXPECT_EQ(h["oldestBlock"], "0x1");
    EXPECT_EQ(h["baseFeePerGas"], Json({"0x3e8", "0x44c", "0x36b"}));  // last: next_base_fee
    ASSERT_EQ(h["gasUsedRatio"].size(), 2u);
    EXPECT_DOUBLE_EQ(h["gasUsedRatio"][0].get<double>(), 100000.0 / 30e6);
    EXPECT_DOUBLE_EQ(h["gasUsedRatio"][1].get<double>(), 0.5);
    // Sorted by tip: 10 (50000 gas), 100 (21000), 300 (29000). Thresholds of 100000 gas:
    // 0 -> 10; 40% = 40000 -> 10; 50% = 50000 -> 10; 75% = 75000 -> 300 (71000 < 75000);
    // 100% -> 300.
    EXPECT_EQ(h["reward"][0], Json({"0xa", "0xa", "0xa", "0x12c", "0x12c"}));
    EXPECT_EQ(h["reward"][1], Json({"0x0", "0x0", "0x0", "0x0", "0x0"}));  // no transactions

    // Decimal count, a past newest block: the last base fee is the next block's.
    h = ok("eth_feeHistory", {1, "0x1"});
    EXPECT_EQ(h["oldestBlock"], "0x1");
    EXPECT_EQ(h["baseFeePerGas"], Json({"0x3e8", "0x44c"}));
    EXPECT_FALSE(h.contains("reward"));
    // Count clamped to the chain.
    EXPECT_EQ(ok("eth_feeHistory", {"0x400", "latest"})["oldestBlock"], "0x0");
    Json e = err("eth_feeHistory", {"0x1", "0x5"});
    EXPECT_EQ(e["code"], kServerError);
    EXPECT_EQ(e["message"], "request beyond head block: requested 5, head 2");
    EXPECT_EQ(ok("eth_feeHistory", {"0x0", "latest"}),
              (Json{{"oldestBlock", "0x0"}, {"gasUsedRatio", nullptr}}));
}

TEST_F(EthApiTest, FeeHistoryBlockCountIsClamped) {
    ApiConfig config;
    config.max_fee_history_blocks = 2;
    rebuild(config);
    for (int i = 0; i < 5; ++i)
        backend.commit(block_of(i, 0, 1000));
    Json h = ok("eth_feeHistory", {"0x5", "latest"});
    EXPECT_EQ(h["oldestBlock"], "0x3");
    EXPECT_EQ(h["gasUsedRatio"].size(), 2u);
}

// ---- the method table ----

TEST_F(EthApiTest, EveryMethodIsRegistered) {
    for (const char* m : {"web3_clientVersion",
                          "web3_sha3",
                          "net_version",
                          "net_listening",
                          "net_peerCount",
                          "eth_chainId",
                          "eth_blockNumber",
                          "eth_syncing",
                          "eth_accounts",
                          "eth_gasPrice",
                          "eth_maxPriorityFeePerGas",
                          "eth_feeHistory",
                          "eth_getBalance",
                          "eth_getTransactionCount",
                          "eth_getCode",
                          "eth_getStorageAt",
                          "eth_call",
                          "eth_estimateGas",
                          "eth_sendRawTransaction",
                          "eth_getTransactionByHash",
                          "eth_getTransactionReceipt",
                          "eth_getBlockByNumber",
                          "eth_getBlockByHash",
                          "eth_getBlockTransactionCountByNumber",
                          "eth_getBlockTransactionCountByHash",
                          "eth_getTransactionByBlockNumberAndIndex",
                          "eth_getTransactionByBlockHashAndIndex",
                          "eth_getBlockReceipts",
                          "eth_getLogs",
                          "eth_newFilter",
                          "eth_newBlockFilter",
                          "eth_getFilterChanges",
                          "eth_getFilterLogs",
                          "eth_uninstallFilter",
                          "eth_subscribe",
                          "eth_unsubscribe",
                          "eth_getProof",
                          "xl_nodeStatus",
                          "xl_clientVersion",
                          "xl_chainInfo",
                          "xl_consensusStatus",
                          "xl_peers",
                          "xl_getCertificate"}) {
        EXPECT_TRUE(dispatcher->has(m)) << m;
    }
}

// ---- consensus (xl_) ----

TEST_F(EthApiTest, ConsensusStatusAndPeersPassThrough) {
    make_chain();
    EXPECT_EQ(ok("xl_consensusStatus"), backend.consensus_status_);
    EXPECT_EQ(ok("xl_peers"), Json::array());
    backend.peers_ = Json::array({Json{{"address", "0x01"}, {"inbound", true}}});
    EXPECT_EQ(ok("xl_peers"), backend.peers_);
    EXPECT_EQ(err("xl_peers", {1})["message"], "too many arguments, want at most 0");
    EXPECT_EQ(err("xl_consensusStatus", {1})["code"], kInvalidParams);
}

TEST_F(EthApiTest, GetCertificate) {
    make_chain();
    CertificateView v;
    v.certificate.height = 1;
    v.certificate.round = 2;
    v.certificate.block_hash = backend.blocks[1].hash;
    v.certificate.signatures = {{0, hex_literal("aabb")}, {3, hex_literal("ccdd")}};
    v.hash = Hash256::from(Bytes(32, 0x42));
    v.signers = {kTokenA, kTokenB};
    backend.certificates[1] = v;
    backend.certificates[2] = v;
    backend.certificates[2].certificate.height = 2;

    const Json want{
        {"height", 1},
        {"round", 2},
        {"blockHash", to_hex(backend.blocks[1].hash)},
        {"hash", to_hex(v.hash)},
        {"signatures",
         Json::array(
             {Json{{"validator", 0}, {"address", to_hex(kTokenA)}, {"signature", "0xaabb"}},
              Json{{"validator", 3}, {"address", to_hex(kTokenB)}, {"signature", "0xccdd"}}})}};
    EXPECT_EQ(ok("xl_getCertificate", {"0x1"}), want);
    ASSERT_TRUE(backend.last_ref.has_value());
    EXPECT_EQ(backend.last_ref->kind, BlockRef::Kind::kNumber);
    EXPECT_EQ(ok("xl_getCertificate", {"latest"})["height"], 2);
    EXPECT_EQ(backend.last_ref->kind, BlockRef::Kind::kLatest);
    // Unknown heights and the genesis (no certificate): null.
    EXPECT_EQ(ok("xl_getCertificate", {"0x0"}), Json());
    EXPECT_EQ(ok("xl_getCertificate", {"0x9"}), Json());
    // Parameter errors, as for eth_getBlockByNumber.
    EXPECT_EQ(err("xl_getCertificate", Json::array())["message"],
              "missing value for required argument 0");
    EXPECT_EQ(err("xl_getCertificate", {"0x1", true})["message"],
              "too many arguments, want at most 1");
    EXPECT_EQ(err("xl_getCertificate", {"0x01"})["code"], kInvalidParams);
    EXPECT_EQ(err("xl_getCertificate", {"1"})["code"], kInvalidParams);
    // Backend failures pass through.
    backend.fail = Error{kServerError, "storage: I/O error", std::nullopt};
    EXPECT_EQ(err("xl_getCertificate", {"0x1"})["message"], "storage: I/O error");
}

// ---- concurrency ----

// Blocks arrive on one thread while another polls filters and subscribes: every hash reaches
// the filter exactly once, in order, and the subscription sees every block after it began.
// (Run under ASan/TSan builds to catch races; the assertions hold in any interleaving.)
TEST_F(EthApiTest, BlocksAndPollsConcurrently) {
    backend.commit(block_of(0, 0, 1000));
    const std::string id = ok("eth_newBlockFilter");
    constexpr int kBlocks = 300;
    std::thread producer([&] {
        for (int i = 1; i <= kBlocks; ++i)
            backend.commit(block_of(uint64_t(i), 0, 1000));
    });
    Json seen = Json::array();
    for (int i = 0; i < 200; ++i) {
        for (const Json& h : ok("eth_getFilterChanges", {id}))
            seen.push_back(h);
        std::string sub = ok("eth_subscribe", {"newHeads"}, &ws);
        std::string other = ok("eth_newBlockFilter");
        ok("eth_uninstallFilter", {other});
        ok("eth_unsubscribe", {sub}, &ws);
    }
    producer.join();
    for (const Json& h : ok("eth_getFilterChanges", {id}))
        seen.push_back(h);
    ASSERT_EQ(seen.size(), size_t(kBlocks));
    for (int i = 0; i < kBlocks; ++i)
        EXPECT_EQ(seen[size_t(i)], to_hex(backend.blocks[size_t(i) + 1].hash));
}

// ---- over the real server ----

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using error_code = boost::system::error_code;

// A WebSocket client whose every operation has a deadline, so the test cannot hang.
class WsClient {
public:
    explicit WsClient(uint16_t port) : ws_(ioc_) {
        ec_ = run([&](auto h) {
            beast::get_lowest_layer(ws_).async_connect(
                asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                [h](error_code ec) mutable { h(ec); });
        });
        if (ec_) return;
        ec_ = run([&](auto h) {
            ws_.async_handshake("127.0.0.1:" + std::to_string(port), "/",
                                [h](error_code ec) mutable { h(ec); });
        });
    }
    error_code error() const { return ec_; }
    std::optional<Json> call(const Json& request) {
        std::string text = request.dump();
        ws_.text(true);
        ec_ = run([&](auto h) { ws_.async_write(asio::buffer(text), h); });
        if (ec_) return std::nullopt;
        return read();
    }
    std::optional<Json> read() {
        beast::flat_buffer buf;
        ec_ = run([&](auto h) { ws_.async_read(buf, h); });
        if (ec_) return std::nullopt;
        return Json::parse(beast::buffers_to_string(buf.data()));
    }
    void close() {
        ec_ = run([&](auto h) {
            ws_.async_close(websocket::close_code::normal, [h](error_code ec) mutable { h(ec); });
        });
    }

private:
    template <typename Start>
    error_code run(Start start) {
        error_code result = asio::error::would_block;
        beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
        start([&](error_code ec, auto&&...) { result = ec; });
        ioc_.restart();
        ioc_.run();
        return result;
    }

    asio::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    error_code ec_;
};

Json request(int id, const std::string& method, Json params) {
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace

// ethers' WebSocketProvider path: subscribe over a real WebSocket session, receive the
// notification of the next block after the subscription's response, unsubscribe, and the
// session's end drops what is left (a push after it would be a use-after-free under ASan).
TEST(EthApiOverWebSocket, SubscriptionsLiveAndDieWithTheConnection) {
    FakeBackend backend;
    backend.commit(block_of(0, 0, 1000));
    Dispatcher dispatcher;
    register_eth_api(dispatcher, backend);
    ServerConfig config;
    config.port = 0;
    auto server = Server::start(config, dispatcher);
    ASSERT_TRUE(server.has_value()) << server.error();

    WsClient ws((*server)->port());
    ASSERT_FALSE(ws.error()) << ws.error().message();
    auto r = ws.call(request(1, "eth_subscribe", {"newHeads"}));
    ASSERT_TRUE(r.has_value()) << ws.error().message();
    ASSERT_TRUE((*r)["result"].is_string()) << r->dump();
    const std::string heads = (*r)["result"];
    r = ws.call(request(2, "eth_subscribe", {"logs", {{"address", to_hex(kTokenA)}}}));
    ASSERT_TRUE(r.has_value());
    const std::string logs = (*r)["result"];

    // Block 1 carries one log of kTokenA: a head, then the log.
    TxView t = view_of(dynamic_tx(0, 1, 2000));
    backend.commit(block_of(1, 30000, 1000, {t}),
                   {receipt_of(t, 30000, 30000, {log_of(kTokenA, {topic(1)})})});
    auto n = ws.read();
    ASSERT_TRUE(n.has_value()) << ws.error().message();
    EXPECT_EQ((*n)["method"], "eth_subscription");
    EXPECT_EQ((*n)["params"]["subscription"], heads);
    EXPECT_EQ((*n)["params"]["result"]["number"], "0x1");
    n = ws.read();
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ((*n)["params"]["subscription"], logs);
    EXPECT_EQ((*n)["params"]["result"]["topics"][0], to_hex(topic(1)));

    r = ws.call(request(3, "eth_unsubscribe", {heads}));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)["result"], true);
    r = ws.call(request(4, "eth_blockNumber", Json::array()));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ((*r)["result"], "0x1");

    ws.close();
    (*server)->stop();                     // runs the sessions' on_close hooks
    backend.commit(block_of(2, 0, 1000));  // nobody is left to push to
}
