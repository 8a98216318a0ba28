// SPDX-License-Identifier: Apache-2.0
// Chain and RpcBackend over a real RocksDB in a temp dir, in both suites: transfers and a
// contract through the pool into committed blocks; receipts, logs, eth_call at the head and in
// the past, eth_estimateGas, eth_getProof verified against the header's state root; and a
// reopen from disk that finds the same head, state and receipts.
#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "crypto/suite.hpp"
#include "ledger/genesis.hpp"
#include "node/chain.hpp"
#include "node/rpc_backend.hpp"
#include "storage/rocks_kv.hpp"
#include "trie/trie.hpp"

#include "storage/test_util.hpp"

using namespace xl;
using namespace xl::node;

namespace {

struct Account {
    crypto::SecretKey sk;
    Address address;
};

Account make_account(const crypto::CryptoSuite& suite, uint8_t seed) {
    crypto::SecretKey sk;
    sk[31] = seed;
    sk[0] = 0x11;
    auto pk = suite.public_key(sk);
    EXPECT_TRUE(pk.has_value());
    return {sk, suite.address(*pk)};
}

ledger::Genesis make_genesis(const crypto::CryptoSuite& suite, const Account& validator,
                             const std::vector<Account>& funded) {
    ledger::Genesis g;
    g.chain_id = 4242;
    g.suite = suite.id();
    g.timestamp = 1'700'000'000;
    g.gas_limit = 30'000'000;
    g.block_interval_ms = 1000;
    ledger::Validator v;
    v.public_key = *suite.public_key(validator.sk);
    v.address = validator.address;
    v.organisation = "org0";
    v.power = 1;
    g.validators.push_back(v);
    for (const auto& a : funded) {
        state::GenesisAccount acc;
        acc.balance = U256{1} << 100;
        g.alloc[a.address] = acc;
    }
    return g;
}

// Counter: slot0 += 1 on any call and emits LOG1(topic = 0x01..01, data = new value); a call
// with calldata 0xdead reverts with "no". Returns slot0 as 32 bytes.
//   PUSH1 0 SLOAD PUSH1 1 ADD DUP1 PUSH1 0 SSTORE          ; v = slot0 + 1; slot0 = v
//   DUP1 PUSH1 0 MSTORE                                    ; mem[0..32] = v
//   PUSH32 topic PUSH1 32 PUSH1 0 LOG1
//   PUSH1 32 PUSH1 0 RETURN
const Bytes kRuntime = *from_hex(
    "6000546001018060005580600052"
    "7f0101010101010101010101010101010101010101010101010101010101010101"
    "60206000a1"
    "60206000f3");

// Init code: copies the runtime into memory and returns it.
Bytes init_code() {
    Bytes init = *from_hex(
        "61000080600c6000396000f3");  // PUSH2 len DUP1 PUSH1 12 PUSH1 0 CODECOPY PUSH1 0 RETURN
    init[1] = static_cast<uint8_t>(kRuntime.size() >> 8);
    init[2] = static_cast<uint8_t>(kRuntime.size());
    init.insert(init.end(), kRuntime.begin(), kRuntime.end());
    return init;
}

rpc::BlockRef pending_ref() {
    rpc::BlockRef r;
    r.kind = rpc::BlockRef::Kind::kPending;
    return r;
}

class ChainTest : public ::testing::TestWithParam<crypto::SuiteId> {
protected:
    const crypto::CryptoSuite& suite() const {
        return GetParam() == crypto::SuiteId::kSm ? crypto::sm_suite() : crypto::ecdsa_suite();
    }
    Bytes signed_tx(const Account& from, uint64_t nonce, std::optional<Address> to, U256 value,
                    Bytes data = {}, uint64_t gas = 100'000) {
        protocol::Transaction tx;
        tx.type = GetParam() == crypto::SuiteId::kSm ? protocol::TxType::kSm
                                                     : protocol::TxType::kDynamicFee;
        tx.chain_id = U256{4242};
        tx.nonce = nonce;
        tx.gas_limit = gas;
        tx.to = to;
        tx.value = value;
        tx.data = std::move(data);
        EXPECT_TRUE(tx.sign(suite(), from.sk).has_value());
        return tx.encode();
    }
    test::TempDir dir_;
};

TEST_P(ChainTest, BlocksCommitAndSurviveAReopen) {
    const auto validator = make_account(suite(), 1);
    const auto alice = make_account(suite(), 2);
    const auto bob = make_account(suite(), 3);
    const auto genesis = make_genesis(suite(), validator, {alice});
    Hash256 head_hash, tx_hash, contract_tx;
    Address contract;
    uint64_t head_number = 0;
    {
        auto kv = storage::RocksKv::open(dir_.path() / "db");
        ASSERT_TRUE(kv.has_value());
        auto chain = Chain::open(**kv, genesis);
        ASSERT_TRUE(chain.has_value()) << chain.error();
        Chain& c = **chain;
        RpcBackend rpc(c, validator.address);
        EXPECT_EQ(rpc.head_number(), 0u);

        // Nothing to build from an empty pool.
        auto none = c.build_and_commit(validator.address, 1'700'000'001);
        ASSERT_TRUE(none.has_value());
        EXPECT_FALSE(none->has_value());

        // Block 1: a transfer and a contract creation.
        const Bytes transfer = signed_tx(alice, 0, bob.address, U256{1000});
        auto t = c.submit(transfer);
        ASSERT_TRUE(t.has_value()) << t.error().message;
        tx_hash = (*t)->hash;
        auto d = c.submit(signed_tx(alice, 1, std::nullopt, U256{}, init_code(), 200'000));
        ASSERT_TRUE(d.has_value()) << d.error().message;
        contract_tx = (*d)->hash;
        // A replay is refused with geth's text.
        auto again = c.submit(transfer);
        ASSERT_FALSE(again.has_value());
        EXPECT_EQ(again.error().message, "already known");
        EXPECT_EQ(*rpc.nonce(alice.address, pending_ref()), 2u);

        size_t notified = 0;
        rpc.subscribe_blocks([&](const rpc::BlockView& b, const std::vector<rpc::LogView>&) {
            EXPECT_EQ(b.header.number, rpc.head_number());
            ++notified;
        });
        auto b1 = c.build_and_commit(validator.address, 1'700'000'001);
        ASSERT_TRUE(b1.has_value()) << b1.error();
        ASSERT_TRUE(b1->has_value());
        EXPECT_EQ((*b1)->block.transactions.size(), 2u);
        EXPECT_EQ(notified, 1u);
        EXPECT_EQ(c.pool().size(), 0u);

        auto r = rpc.receipt(tx_hash);
        ASSERT_TRUE(r.has_value() && r->has_value());
        EXPECT_TRUE((*r)->success);
        EXPECT_EQ((*r)->gas_used, 21'000u);
        EXPECT_EQ((*r)->block_number, 1u);
        auto rc = rpc.receipt(contract_tx);
        ASSERT_TRUE(rc.has_value() && rc->has_value());
        ASSERT_TRUE((*rc)->success);
        ASSERT_TRUE((*rc)->contract_address.has_value());
        contract = *(*rc)->contract_address;
        EXPECT_EQ(*rpc.code(contract, rpc::BlockRef::latest()), kRuntime);
        EXPECT_EQ(*rpc.balance(bob.address, rpc::BlockRef::latest()), U256{1000});
        EXPECT_EQ(*rpc.balance(bob.address, rpc::BlockRef::at(0)), U256{0});

        // eth_call sees slot0 = 0 and returns 1, changing nothing.
        rpc::CallRequest call;
        call.from = alice.address;
        call.to = contract;
        auto out = rpc.call(call, rpc::BlockRef::latest());
        ASSERT_TRUE(out.has_value()) << out.error().message;
        ASSERT_TRUE(out->success);
        EXPECT_EQ(U256::from_be_bytes(out->output), U256{1}) << to_hex(out->output);
        auto gas = rpc.estimate_gas(call, rpc::BlockRef::latest());
        ASSERT_TRUE(gas.has_value()) << gas.error().message;
        EXPECT_GT(*gas, 21'000u + 20'000u);

        // Block 2: two calls; the second sees the first's write; logs are indexed.
        ASSERT_TRUE(c.submit(signed_tx(alice, 2, contract, U256{}, {}, *gas)).has_value());
        ASSERT_TRUE(c.submit(signed_tx(alice, 3, contract, U256{}, {}, *gas)).has_value());
        auto b2 = c.build_and_commit(validator.address, 1'700'000'002);
        ASSERT_TRUE(b2.has_value() && b2->has_value());
        EXPECT_EQ(*rpc.storage(contract, U256{0}, rpc::BlockRef::latest()), U256{2});
        EXPECT_EQ(*rpc.storage(contract, U256{0}, rpc::BlockRef::at(1)), U256{0});
        auto past = rpc.call(call, rpc::BlockRef::at(1));
        ASSERT_TRUE(past.has_value());
        EXPECT_EQ(U256::from_be_bytes(past->output), U256{1});

        rpc::LogQuery q;
        q.from = 0;
        q.to = 10;
        q.addresses = {contract};
        auto logs = rpc.logs(q);
        ASSERT_TRUE(logs.has_value()) << logs.error().message;
        ASSERT_EQ(logs->size(), 2u);
        EXPECT_EQ((*logs)[1].log.data[31], 2);
        EXPECT_EQ((*logs)[1].log_index, 1u);
        q.to = 100'000;
        EXPECT_FALSE(rpc.logs(q).has_value());  // range over the limit

        // eth_getProof: verified offline against the header's state root.
        const U256 key0{0};
        auto proof = rpc.proof(contract, std::span<const U256>(&key0, 1), rpc::BlockRef::latest());
        ASSERT_TRUE(proof.has_value()) << proof.error().message;
        const auto head = c.ledger().head();
        auto acc = trie::verify_proof(suite(), head.state_root, suite().hash(contract),
                                      proof->account_proof);
        ASSERT_TRUE(acc.has_value());
        EXPECT_TRUE(acc->has_value());
        auto slot = trie::verify_proof(suite(), proof->storage_hash, suite().hash(Hash256{}),
                                       proof->storage[0].proof);
        ASSERT_TRUE(slot.has_value());
        ASSERT_TRUE(slot->has_value());
        EXPECT_EQ(proof->storage[0].value, U256{2});

        head_hash = c.ledger().head_hash();
        head_number = c.ledger().head_number();
    }
    // Reopen: the same head, state and receipts; the pool starts empty; blocks continue.
    auto kv = storage::RocksKv::open(dir_.path() / "db");
    ASSERT_TRUE(kv.has_value());
    auto chain = Chain::open(**kv, genesis);
    ASSERT_TRUE(chain.has_value()) << chain.error();
    RpcBackend rpc(**chain, validator.address);
    EXPECT_EQ((*chain)->ledger().head_hash(), head_hash);
    EXPECT_EQ(rpc.head_number(), head_number);
    EXPECT_TRUE(rpc.receipt(tx_hash)->has_value());
    EXPECT_EQ(*rpc.storage(contract, U256{0}, rpc::BlockRef::latest()), U256{2});
    ASSERT_TRUE((*chain)->submit(signed_tx(alice, 4, bob.address, U256{1})).has_value());
    auto b3 = (*chain)->build_and_commit(validator.address, 1'700'000'003);
    ASSERT_TRUE(b3.has_value() && b3->has_value()) << (b3 ? "" : b3.error());
    EXPECT_EQ((*b3)->block.header.number, head_number + 1);
    EXPECT_EQ(*rpc.balance(bob.address, rpc::BlockRef::latest()), U256{1001});
}

TEST_P(ChainTest, WrongGenesisIsRefused) {
    const auto validator = make_account(suite(), 1);
    const auto alice = make_account(suite(), 2);
    auto kv = storage::RocksKv::open(dir_.path() / "db");
    ASSERT_TRUE(kv.has_value());
    ASSERT_TRUE(Chain::open(**kv, make_genesis(suite(), validator, {alice})).has_value());
    auto other = Chain::open(**kv, make_genesis(suite(), validator, {}));
    ASSERT_FALSE(other.has_value());
    EXPECT_NE(other.error().find("another chain"), std::string::npos) << other.error();
}

INSTANTIATE_TEST_SUITE_P(Suites, ChainTest,
                         ::testing::Values(crypto::SuiteId::kEcdsa, crypto::SuiteId::kSm),
                         [](const auto& info) {
                             return info.param == crypto::SuiteId::kSm ? std::string("sm")
                                                                       : std::string("ecdsa");
                         });

}  // namespace
