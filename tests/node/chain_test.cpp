// SPDX-License-Identifier: Apache-2.0
// Chain and RpcBackend over a real RocksDB in a temp dir, in both suites: transfers and a
// contract through the pool into committed blocks; receipts, logs, eth_call at the head and in
// the past, eth_estimateGas, eth_getProof verified against the header's state root; and a
// reopen from disk that finds the same head, state and receipts. Consensus: propose, execute on
// a second node's Chain (same roots; a tampered header refused with the field named), rival
// candidates of one height, commit with certificates and their storage.
#include <gtest/gtest.h>

#include <functional>

#include "core/bytes.hpp"
#include "crypto/suite.hpp"
#include "execution/executor.hpp"
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

// A certificate for an executed block. The Chain does not check signatures (consensus does),
// so filler bytes stand in; `fill` makes two certificates of one block differ.
protocol::CommitCertificate cert_of(const ExecutedBlock& b, uint8_t fill = 7, uint32_t round = 0) {
    protocol::CommitCertificate c;
    c.height = b.block.header.number;
    c.round = round;
    c.block_hash = b.hash;
    c.signatures.push_back({0, Bytes(64, fill)});
    return c;
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
    // Proposes the next block from the pool and commits it with a certificate, the header
    // naming the stored certificate of its parent, as consensus does; nullopt (nothing
    // committed) if the pool gave no transaction.
    std::optional<CommittedBlock> produce(Chain& c, const Address& proposer, uint64_t ts) {
        const uint64_t head = c.ledger().head_number();
        Hash256 prev{};
        if (head > 0) {
            auto stored = c.certificate(head);
            EXPECT_TRUE(stored.has_value() && stored->has_value());
            if (stored && *stored) prev = (*stored)->hash(suite());
        }
        auto p = c.propose(proposer, ts, prev);
        EXPECT_TRUE(p.has_value()) << p.error();
        if (!p || (*p)->block.transactions.empty()) return std::nullopt;
        auto r = c.commit(**p, cert_of(**p), std::nullopt);
        EXPECT_TRUE(r.has_value()) << r.error();
        if (!r) return std::nullopt;
        return std::move(*r);
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
        EXPECT_FALSE(produce(c, validator.address, 1'700'000'001).has_value());
        EXPECT_EQ(c.ledger().head_number(), 0u);

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
        auto b1 = produce(c, validator.address, 1'700'000'001);
        ASSERT_TRUE(b1.has_value());
        EXPECT_EQ(b1->block().transactions.size(), 2u);
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
        auto b2 = produce(c, validator.address, 1'700'000'002);
        ASSERT_TRUE(b2.has_value());
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
    auto b3 = produce(**chain, validator.address, 1'700'000'003);
    ASSERT_TRUE(b3.has_value());
    EXPECT_EQ(b3->block().header.number, head_number + 1);
    EXPECT_EQ(*rpc.balance(bob.address, rpc::BlockRef::latest()), U256{1001});
}

TEST_P(ChainTest, ProposeThenCommitWithCertificates) {
    const auto validator = make_account(suite(), 1);
    const auto alice = make_account(suite(), 2);
    const auto bob = make_account(suite(), 3);
    const auto genesis = make_genesis(suite(), validator, {alice});
    protocol::CommitCertificate cert1b;
    Hash256 head2;
    {
        auto kv = storage::RocksKv::open(dir_.path() / "db");
        ASSERT_TRUE(kv.has_value());
        auto chain = Chain::open(**kv, genesis);
        ASSERT_TRUE(chain.has_value()) << chain.error();
        Chain& c = **chain;
        size_t notified = 0;
        c.on_commit([&](const CommittedBlock& b) {
            EXPECT_EQ(b.block().header.number, c.ledger().head_number());
            ++notified;
        });
        std::vector<Hash256> admitted;
        c.on_admitted([&](const txpool::PoolTxPtr& p) { admitted.push_back(p->hash); });

        ASSERT_TRUE(c.submit(signed_tx(alice, 0, bob.address, U256{1000})).has_value());
        ASSERT_TRUE(c.submit(signed_tx(alice, 1, bob.address, U256{2000})).has_value());
        EXPECT_EQ(admitted.size(), 2u);

        auto p1 = c.propose(validator.address, 1'700'000'001, Hash256{});
        ASSERT_TRUE(p1.has_value()) << p1.error();
        const ExecutedBlock& b1 = **p1;
        EXPECT_EQ(b1.block.header.number, 1u);
        EXPECT_EQ(b1.block.transactions.size(), 2u);
        EXPECT_EQ(b1.block.header.gas_used, 42'000u);
        EXPECT_EQ(b1.block.header.prev_certificate_hash, Hash256{});
        EXPECT_EQ(b1.hash, b1.block.header.hash(suite()));
        // Proposed is not committed: head, pool and state are unchanged.
        EXPECT_EQ(c.ledger().head_number(), 0u);
        EXPECT_EQ(c.pool().size(), 2u);
        EXPECT_EQ(c.accounts().nonce(alice.address), 0u);
        // The proposer validating its own block finds its execution cached.
        auto again = c.execute(b1.block);
        ASSERT_TRUE(again.has_value()) << again.error();
        EXPECT_EQ(again->get(), p1->get());

        // A certificate of another block is refused and writes nothing; the right one then
        // commits (the refused commit left the executed block intact).
        auto wrong = cert_of(b1);
        wrong.block_hash = Hash256{};
        auto bad = c.commit(b1, wrong, std::nullopt);
        ASSERT_FALSE(bad.has_value());
        EXPECT_NE(bad.error().find("certificate is for block"), std::string::npos) << bad.error();
        EXPECT_EQ(c.ledger().head_number(), 0u);
        EXPECT_FALSE(c.failed());

        const auto cert1 = cert_of(b1);
        auto com = c.commit(b1, cert1, std::nullopt);
        ASSERT_TRUE(com.has_value()) << com.error();
        EXPECT_EQ(com->hash(), b1.hash);
        EXPECT_EQ(notified, 1u);
        EXPECT_EQ(c.ledger().head_hash(), b1.hash);
        EXPECT_EQ(c.pool().size(), 0u);
        EXPECT_EQ(c.accounts().nonce(alice.address), 2u);
        EXPECT_EQ(c.accounts().balance(bob.address), U256{3000});
        EXPECT_EQ(**c.certificate(1), cert1);
        EXPECT_FALSE(c.certificate(0)->has_value());
        EXPECT_FALSE(c.certificate(2)->has_value());
        // Committing it twice: the head moved.
        auto twice = c.commit(b1, cert1, std::nullopt);
        ASSERT_FALSE(twice.has_value());
        EXPECT_NE(twice.error().find("head moved"), std::string::npos) << twice.error();
        // Nor is a committed block executed again.
        auto exec_again = c.execute(b1.block);
        ASSERT_FALSE(exec_again.has_value());
        EXPECT_NE(exec_again.error().find("is not the head"), std::string::npos)
            << exec_again.error();

        // Block 2, empty (the pool is), names another certificate of block 1 (more
        // signatures, say), which replaces the stored one when block 2 commits.
        cert1b = cert_of(b1, 9, 1);
        auto p2 = c.propose(validator.address, 1'700'000'000, cert1b.hash(suite()));
        ASSERT_TRUE(p2.has_value()) << p2.error();
        const ExecutedBlock& b2 = **p2;
        EXPECT_TRUE(b2.block.transactions.empty());
        EXPECT_EQ(b2.block.header.timestamp, 1'700'000'001u);  // never before the parent's
        EXPECT_EQ(b2.block.header.state_root, b1.block.header.state_root);
        // Without the certificate it names, block 2 does not commit.
        auto no_prev = c.commit(b2, cert_of(b2), std::nullopt);
        ASSERT_FALSE(no_prev.has_value());
        EXPECT_NE(no_prev.error().find("prev certificate hash"), std::string::npos)
            << no_prev.error();
        ASSERT_TRUE(c.commit(b2, cert_of(b2), cert1b).has_value());
        EXPECT_EQ(**c.certificate(1), cert1b);
        EXPECT_EQ((**c.certificate(2)).block_hash, b2.hash);
        head2 = b2.hash;

        // Block 3 with the stored certificate of block 2 and no prev_certificate argument.
        const Hash256 stored2 = (**c.certificate(2)).hash(suite());
        auto p3 = c.propose(validator.address, 1'700'000'003, stored2);
        ASSERT_TRUE(p3.has_value());
        ASSERT_TRUE(c.commit(**p3, cert_of(**p3), std::nullopt).has_value());
        EXPECT_EQ(c.ledger().head_number(), 3u);

        // xl_getCertificate through the RpcBackend: the signer's address from the genesis.
        RpcBackend rpc(c, validator.address);
        auto v = rpc.certificate(rpc::BlockRef::at(1));
        ASSERT_TRUE(v.has_value() && v->has_value());
        EXPECT_EQ((*v)->certificate, cert1b);
        EXPECT_EQ((*v)->hash, cert1b.hash(suite()));
        ASSERT_EQ((*v)->signers.size(), 1u);
        EXPECT_EQ((*v)->signers[0], validator.address);
        EXPECT_FALSE(rpc.certificate(rpc::BlockRef::at(0))->has_value());
        EXPECT_FALSE(rpc.certificate(rpc::BlockRef::at(4))->has_value());
        EXPECT_EQ((*rpc.certificate(rpc::BlockRef::latest()))->certificate.height, 3u);
    }
    // Certificates survive a reopen.
    auto kv = storage::RocksKv::open(dir_.path() / "db");
    ASSERT_TRUE(kv.has_value());
    auto chain = Chain::open(**kv, genesis);
    ASSERT_TRUE(chain.has_value()) << chain.error();
    EXPECT_EQ(**(*chain)->certificate(1), cert1b);
    EXPECT_EQ((**(*chain)->certificate(2)).block_hash, head2);
}

// Two nodes: what one proposes, the other executes to the same roots and commits to the same
// head; a header differing in any field execution determines is refused, naming the field.
TEST_P(ChainTest, ExecuteOnAnotherNode) {
    const auto validator = make_account(suite(), 1);
    const auto alice = make_account(suite(), 2);
    const auto bob = make_account(suite(), 3);
    const auto carol = make_account(suite(), 4);
    const auto genesis = make_genesis(suite(), validator, {alice, carol});
    auto kv_a = storage::RocksKv::open(dir_.path() / "a");
    auto kv_b = storage::RocksKv::open(dir_.path() / "b");
    ASSERT_TRUE(kv_a.has_value() && kv_b.has_value());
    auto chain_a = Chain::open(**kv_a, genesis);
    auto chain_b = Chain::open(**kv_b, genesis);
    ASSERT_TRUE(chain_a.has_value() && chain_b.has_value());
    Chain& a = **chain_a;
    Chain& b = **chain_b;

    // Block 1: a contract creation, a call emitting a log, and 70 transfers from carol (more
    // than the threshold of parallel recovery). B's pool holds one of them (sender from the
    // pool), the others B recovers.
    ASSERT_TRUE(a.submit(signed_tx(alice, 0, std::nullopt, U256{}, init_code(), 200'000)));
    const Address contract = execution::create_address(alice.address, 0);
    ASSERT_TRUE(a.submit(signed_tx(alice, 1, contract, U256{}, {}, 100'000)));
    std::vector<Bytes> transfers;
    for (uint64_t n = 0; n < 70; ++n)
        transfers.push_back(signed_tx(carol, n, bob.address, U256{n + 1}, {}, 21'000));
    for (const auto& r : a.submit_batch(transfers))
        ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_TRUE(b.submit(transfers[5]));

    auto p = a.propose(validator.address, 1'700'000'005, Hash256{});
    ASSERT_TRUE(p.has_value()) << p.error();
    const protocol::Block& block = (*p)->block;
    ASSERT_EQ(block.transactions.size(), 72u);
    ASSERT_NE(block.header.logs_bloom, protocol::Bloom{});

    // Each tampered header is refused with its field named; none disturbs B.
    struct Case {
        const char* what;
        std::function<void(protocol::BlockHeader&)> tamper;
    };
    const std::vector<Case> cases = {
        {"state root", [](auto& h) { h.state_root.data()[0] ^= 1; }},
        {"receipts root", [](auto& h) { h.receipts_root.data()[0] ^= 1; }},
        {"transactions root", [](auto& h) { h.transactions_root.data()[0] ^= 1; }},
        {"gas used", [](auto& h) { h.gas_used += 1; }},
        {"logs bloom", [](auto& h) { h.logs_bloom[0] ^= 1; }},
        {"parent", [](auto& h) { h.parent_hash.data()[0] ^= 1; }},
        {"gas limit", [](auto& h) { h.gas_limit -= 1; }},
        {"timestamp", [](auto& h) { h.timestamp = 1; }},
        {"validator set hash", [](auto& h) { h.validator_set_hash.data()[0] ^= 1; }},
    };
    for (const auto& k : cases) {
        protocol::Block t = block;
        k.tamper(t.header);
        auto r = b.execute(t);
        ASSERT_FALSE(r.has_value()) << k.what;
        EXPECT_NE(r.error().find(k.what), std::string::npos) << k.what << ": " << r.error();
    }
    // A transaction swapped for another (same header) is caught too.
    {
        protocol::Block t = block;
        std::swap(t.transactions[2], t.transactions[3]);
        auto r = b.execute(t);
        ASSERT_FALSE(r.has_value());
        EXPECT_NE(r.error().find("transactions root"), std::string::npos) << r.error();
    }
    EXPECT_FALSE(b.failed());
    EXPECT_EQ(b.ledger().head_number(), 0u);

    auto e = b.execute(block);
    ASSERT_TRUE(e.has_value()) << e.error();
    EXPECT_EQ((*e)->hash, (*p)->hash);
    EXPECT_EQ((*e)->receipts, (*p)->receipts);
    EXPECT_EQ((*e)->tx_hashes, (*p)->tx_hashes);
    const auto cert = cert_of(**p);
    ASSERT_TRUE(a.commit(**p, cert, std::nullopt).has_value());
    ASSERT_TRUE(b.commit(**e, cert, std::nullopt).has_value());
    EXPECT_EQ(a.ledger().head_hash(), b.ledger().head_hash());
    EXPECT_EQ(b.pool().size(), 0u);  // the pooled one left with the block
    EXPECT_EQ(b.accounts().balance(bob.address), U256{70 * 71 / 2});

    // Block 2 from B this time, on B's warm head state; A executes it.
    ASSERT_TRUE(b.submit(signed_tx(alice, 2, contract, U256{}, {}, 100'000)));
    auto p2 = b.propose(validator.address, 1'700'000'006, cert.hash(suite()));
    ASSERT_TRUE(p2.has_value()) << p2.error();
    auto e2 = a.execute((*p2)->block);
    ASSERT_TRUE(e2.has_value()) << e2.error();
    ASSERT_TRUE(b.commit(**p2, cert_of(**p2), std::nullopt).has_value());
    ASSERT_TRUE(a.commit(**e2, cert_of(**p2), std::nullopt).has_value());
    EXPECT_EQ(a.ledger().head_hash(), b.ledger().head_hash());
    RpcBackend rpc(a, validator.address);
    EXPECT_EQ(*rpc.storage(contract, U256{0}, rpc::BlockRef::latest()), U256{2});
}

// Two candidates of one height, spending the same nonce differently, do not see each other's
// writes; committing one makes the other stale.
TEST_P(ChainTest, RivalCandidatesDoNotInterfere) {
    const auto validator = make_account(suite(), 1);
    const auto alice = make_account(suite(), 2);
    const auto bob = make_account(suite(), 3);
    const auto carol = make_account(suite(), 4);
    const auto genesis = make_genesis(suite(), validator, {alice});
    auto kv_a = storage::RocksKv::open(dir_.path() / "a");
    auto kv_b = storage::RocksKv::open(dir_.path() / "b");
    auto kv_c = storage::RocksKv::open(dir_.path() / "c");
    ASSERT_TRUE(kv_a.has_value() && kv_b.has_value() && kv_c.has_value());
    auto chain_a = Chain::open(**kv_a, genesis);
    auto chain_b = Chain::open(**kv_b, genesis);
    auto chain_c = Chain::open(**kv_c, genesis);
    ASSERT_TRUE(chain_a.has_value() && chain_b.has_value() && chain_c.has_value());
    Chain& a = **chain_a;
    Chain& b = **chain_b;
    Chain& c = **chain_c;

    ASSERT_TRUE(b.submit(signed_tx(alice, 0, bob.address, U256{1000})));
    ASSERT_TRUE(c.submit(signed_tx(alice, 0, carol.address, U256{5})));
    auto x = b.propose(validator.address, 1'700'000'001, Hash256{});
    auto y = c.propose(validator.address, 1'700'000'001, Hash256{});
    ASSERT_TRUE(x.has_value() && y.has_value());
    ASSERT_NE((*x)->hash, (*y)->hash);

    // A executes both (the first takes its head state, the second a fresh one), then X again
    // from the cache, then Y again.
    auto ex = a.execute((*x)->block);
    ASSERT_TRUE(ex.has_value()) << ex.error();
    auto ey = a.execute((*y)->block);
    ASSERT_TRUE(ey.has_value()) << ey.error();
    EXPECT_EQ(a.execute((*x)->block)->get(), ex->get());
    EXPECT_EQ(a.execute((*y)->block)->get(), ey->get());

    // Y wins: carol is paid, bob is not, alice's nonce is 1.
    ASSERT_TRUE(a.commit(**ey, cert_of(**ey), std::nullopt).has_value());
    EXPECT_EQ(a.accounts().balance(carol.address), U256{5});
    EXPECT_EQ(a.accounts().balance(bob.address), U256{0});
    EXPECT_EQ(a.accounts().nonce(alice.address), 1u);
    auto stale = a.commit(**ex, cert_of(**ex), std::nullopt);
    ASSERT_FALSE(stale.has_value());
    EXPECT_NE(stale.error().find("head moved"), std::string::npos) << stale.error();
    EXPECT_FALSE(a.execute((*x)->block).has_value());  // its parent is no longer the head

    // The next block builds on the committed one (Y's State is now the head State).
    ASSERT_TRUE(a.submit(signed_tx(alice, 1, bob.address, U256{7})));
    auto n = a.propose(validator.address, 1'700'000'002, cert_of(**ey).hash(suite()));
    ASSERT_TRUE(n.has_value()) << n.error();
    ASSERT_EQ((*n)->block.transactions.size(), 1u);
    ASSERT_TRUE(c.commit(**y, cert_of(**y), std::nullopt).has_value());
    auto en = c.execute((*n)->block);  // C (which also committed Y) agrees on the roots
    ASSERT_TRUE(en.has_value()) << en.error();
    ASSERT_TRUE(a.commit(**n, cert_of(**n), std::nullopt).has_value());
    EXPECT_EQ(a.accounts().balance(bob.address), U256{7});
}

TEST_P(ChainTest, RpcConsensusHooks) {
    const auto validator = make_account(suite(), 1);
    const auto other = make_account(suite(), 9);
    auto kv = storage::RocksKv::open(dir_.path() / "db");
    ASSERT_TRUE(kv.has_value());
    auto chain = Chain::open(**kv, make_genesis(suite(), validator, {}));
    ASSERT_TRUE(chain.has_value());
    RpcBackend rpc(**chain, validator.address);
    EXPECT_EQ(rpc.consensus_status()["role"], "validator");
    EXPECT_EQ(rpc.consensus_status()["height"], 1);
    EXPECT_EQ(rpc.peers(), rpc::Json::array());
    EXPECT_EQ(rpc.peer_count(), 0u);
    RpcBackend observer(**chain, other.address);
    EXPECT_EQ(observer.consensus_status()["role"], "observer");
    rpc.set_consensus_status([] { return rpc::Json{{"height", 7}, {"step", "prevote"}}; });
    rpc.set_peers([] { return rpc::Json::array({rpc::Json{{"id", 1}}}); });
    rpc.set_peer_count([] { return uint64_t{1}; });
    EXPECT_EQ(rpc.consensus_status()["step"], "prevote");
    EXPECT_EQ(rpc.peers().size(), 1u);
    EXPECT_EQ(rpc.peer_count(), 1u);
}

// Admission reads a sender's account once (AccountReader::account), by add and add_batch; the
// Chain's reader answers it with one read of the flat copy.
class CountingReader final : public txpool::AccountReader {
public:
    explicit CountingReader(const txpool::AccountReader& inner) : inner_(inner) {}
    uint64_t nonce(const Address& a) const override {
        ++nonces;
        return inner_.nonce(a);
    }
    U256 balance(const Address& a) const override {
        ++balances;
        return inner_.balance(a);
    }
    txpool::AccountState account(const Address& a) const override {
        ++accounts;
        return inner_.account(a);
    }
    mutable int nonces = 0, balances = 0, accounts = 0;

private:
    const txpool::AccountReader& inner_;
};

TEST_P(ChainTest, AdmissionReadsTheSenderOnce) {
    const auto validator = make_account(suite(), 1);
    const auto alice = make_account(suite(), 2);
    const auto bob = make_account(suite(), 3);
    auto kv = storage::RocksKv::open(dir_.path() / "db");
    ASSERT_TRUE(kv.has_value());
    auto chain = Chain::open(**kv, make_genesis(suite(), validator, {alice}));
    ASSERT_TRUE(chain.has_value());
    const txpool::AccountState a = (*chain)->accounts().account(alice.address);
    EXPECT_EQ(a.nonce, 0u);
    EXPECT_EQ(a.balance, U256{1} << 100);
    EXPECT_EQ((*chain)->accounts().account(bob.address).balance, U256{});

    txpool::TxPool pool(suite(), 4242, 30'000'000, U256{});
    CountingReader reader((*chain)->accounts());
    ASSERT_TRUE(pool.add(signed_tx(alice, 0, bob.address, U256{1}), reader).has_value());
    EXPECT_EQ(reader.accounts, 1);
    EXPECT_EQ(reader.balances, 0);
    std::vector<Bytes> batch = {signed_tx(alice, 1, bob.address, U256{1}),
                                signed_tx(alice, 2, bob.address, U256{1})};
    for (const auto& r : pool.add_batch(batch, reader))
        ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(reader.accounts, 2);  // one per sender per call
    EXPECT_EQ(reader.balances, 0);
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
