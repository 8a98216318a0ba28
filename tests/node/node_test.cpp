// SPDX-License-Identifier: Apache-2.0
// Whole nodes in one process (Node::start with RocksDB in a temp dir, real TLS on 127.0.0.1
// with certificates from network/certs.hpp, port 0 everywhere): a single validator commits
// blocks through the consensus engine; four validators commit blocks with transactions and
// agree on every block hash; an observer follows them; role mistakes are refused at start.
// Waits are on commit notifications with generous deadlines that only fail the test.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "crypto/keystore.hpp"
#include "crypto/suite.hpp"
#include "network/certs.hpp"
#include "node/chain.hpp"
#include "node/config.hpp"
#include "node/driver.hpp"
#include "node/node.hpp"
#include "protocol/transaction.hpp"

#include "storage/test_util.hpp"

using namespace xl;
using namespace xl::node;
using Json = nlohmann::json;

namespace {

constexpr uint64_t kChainId = 4343;
// Generous: four nodes and the compiler share two cores, maybe under ASan.
constexpr auto kDeadline = std::chrono::seconds(120);

struct Account {
    crypto::SecretKey sk;
    Address address;
    crypto::PublicKey pk;
};

Account make_account(uint8_t seed) {
    const auto& suite = crypto::ecdsa_suite();
    Account a;
    a.sk[0] = 0x22;
    a.sk[31] = seed;
    a.pk = *suite.public_key(a.sk);
    a.address = suite.address(a.pk);
    return a;
}

void write_file(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

Bytes transfer(const Account& from, uint64_t nonce, const Address& to, uint64_t value) {
    protocol::Transaction tx;
    tx.type = protocol::TxType::kDynamicFee;
    tx.chain_id = U256{kChainId};
    tx.nonce = nonce;
    tx.gas_limit = 21'000;
    tx.to = to;
    tx.value = U256{value};
    EXPECT_TRUE(tx.sign(crypto::ecdsa_suite(), from.sk).has_value());
    return tx.encode();
}

// Waits for one node's commits. The chain's listener keeps the shared part alive, so a watch
// may go out of scope while its node still commits.
class CommitWatch {
public:
    explicit CommitWatch(Chain& chain) : chain_(chain), s_(std::make_shared<Shared>()) {
        chain.on_commit([s = s_](const CommittedBlock&) {
            std::lock_guard lk(s->mu);
            s->cv.notify_all();
        });
    }
    bool wait_height(uint64_t h) {
        std::unique_lock lk(s_->mu);
        return s_->cv.wait_for(lk, kDeadline, [&] { return chain_.ledger().head_number() >= h; });
    }
    // Until the transaction is in a committed block; its block number.
    std::optional<uint64_t> wait_tx(const Hash256& tx) {
        std::optional<uint64_t> at;
        std::unique_lock lk(s_->mu);
        s_->cv.wait_for(lk, kDeadline, [&] {
            auto loc = chain_.ledger().tx_location(tx);
            if (loc && loc->has_value()) at = (*loc)->block_number;
            return at.has_value();
        });
        return at;
    }

private:
    struct Shared {
        std::mutex mu;
        std::condition_variable cv;
    };
    Chain& chain_;
    std::shared_ptr<Shared> s_;
};

// A consortium on disk: genesis, CA, and per node a keystore, password, certificate.
class Net {
public:
    Net(size_t validators, size_t observers, uint64_t block_interval_ms = 100)
        : funded_(make_account(200)) {
        auto ca = network::make_ca("test CA", "consortium");
        EXPECT_TRUE(ca.has_value()) << ca.error();
        ca_ = *ca;
        write_file(dir_.path() / "ca.crt", ca_.cert_pem);
        Json g = {{"chainId", kChainId}, {"crypto", "ecdsa"},
                  {"timestamp", 0},      {"gasLimit", "0x1c9c380"},
                  {"baseFee", "0x0"},    {"blockIntervalMs", block_interval_ms},
                  {"extraData", "0x"},   {"validators", Json::array()}};
        for (size_t i = 0; i < validators + observers; ++i) {
            const bool observer = i >= validators;
            Account a = make_account(static_cast<uint8_t>(i + 1));
            keys_.push_back(a);
            if (!observer)
                g["validators"].push_back({{"address", to_hex(a.address)},
                                           {"publicKey", to_hex(concat(Bytes{0x04}, a.pk))},
                                           {"organisation", "org" + std::to_string(i)},
                                           {"power", 1}});
            write_node(i, observer ? Role::kObserver : Role::kValidator);
        }
        g["alloc"] = {{to_hex(funded_.address), {{"balance", "0xde0b6b3a76400000"}}}};
        write_file(dir_.path() / "genesis.json", g.dump());
    }

    // The config of node i, dialling the given p2p ports.
    Config config(size_t i, const std::vector<uint16_t>& dial = {}) const {
        const auto nd = node_dir(i);
        Config c;
        c.file = nd / "config.toml";
        c.genesis = dir_.path() / "genesis.json";
        c.name = "node" + std::to_string(i);
        c.data_dir = nd / "data";
        c.validator_key = nd / "key.json";
        c.password_file = nd / "password";
        c.role = roles_.at(i);
        c.rpc = {"127.0.0.1", 0};
        c.rpc_threads = 1;
        c.p2p = {"127.0.0.1", 0};
        for (uint16_t p : dial)
            c.peers.push_back("127.0.0.1:" + std::to_string(p));
        c.ca_cert = dir_.path() / "ca.crt";
        c.cert = nd / "node.crt";
        c.key = nd / "node.key";
        c.timeout_propose_ms = 1000;
        c.timeout_prevote_ms = 500;
        c.timeout_precommit_ms = 500;
        c.timeout_delta_ms = 500;
        c.rebroadcast_ms = 500;
        return c;
    }
    const Account& funded() const { return funded_; }
    const Account& key(size_t i) const { return keys_.at(i); }
    std::filesystem::path node_dir(size_t i) const {
        return dir_.path() / ("node" + std::to_string(i));
    }

private:
    void write_node(size_t i, Role role) {
        roles_.push_back(role);
        const auto nd = node_dir(i);
        auto ks = crypto::encrypt_keystore(crypto::ecdsa_suite(), keys_[i].sk, "pw",
                                           crypto::KeystoreParams::light());
        ASSERT_TRUE(ks.has_value());
        write_file(nd / "key.json", *ks);
        write_file(nd / "password", "pw\n");
        network::Identity id;
        id.role = role == Role::kObserver ? network::Role::kObserver : network::Role::kValidator;
        id.address = keys_[i].address;
        id.organisation = "org" + std::to_string(i);
        auto cert = network::issue_certificate(ca_, id, "node" + std::to_string(i));
        ASSERT_TRUE(cert.has_value()) << cert.error();
        write_file(nd / "node.crt", cert->cert_pem);
        write_file(nd / "node.key", cert->key_pem);
    }

    test::TempDir dir_;
    network::KeyAndCert ca_;
    Account funded_;
    std::vector<Account> keys_;
    std::vector<Role> roles_;
};

std::unique_ptr<Node> start(const Config& c) {
    auto n = Node::start(c);
    EXPECT_TRUE(n.has_value()) << (n ? "" : n.error());
    return n ? std::move(*n) : nullptr;
}

Hash256 block_hash(Node& n, uint64_t h) {
    auto r = n.chain().ledger().block_hash(h);
    return r && r->has_value() ? **r : Hash256{};
}

TEST(NodeTest, OneValidatorCommitsThroughTheEngine) {
    Net net(1, 0);
    auto node = start(net.config(0));
    ASSERT_TRUE(node);
    CommitWatch watch(node->chain());
    const Account bob = make_account(201);
    const Bytes raw = transfer(net.funded(), 0, bob.address, 1000);
    auto admitted = node->chain().submit(raw);
    ASSERT_TRUE(admitted.has_value());
    auto at = watch.wait_tx((*admitted)->hash);
    ASSERT_TRUE(at.has_value()) << "no block with the transaction";
    EXPECT_EQ(*at, 1u);
    // The block carries a certificate that verifies (one precommit of the only validator).
    auto cert = node->chain().certificate(*at);
    ASSERT_TRUE(cert && cert->has_value());
    EXPECT_EQ((*cert)->block_hash, block_hash(*node, *at));
    // A second transaction makes block 2, whose header references block 1's certificate.
    auto second = node->chain().submit(transfer(net.funded(), 1, bob.address, 1000));
    ASSERT_TRUE(second.has_value());
    auto at2 = watch.wait_tx((*second)->hash);
    ASSERT_TRUE(at2.has_value());
    auto h2 = node->chain().ledger().header(*at2);
    ASSERT_TRUE(h2 && h2->has_value());
    auto c1 = node->chain().certificate(*at2 - 1);
    ASSERT_TRUE(c1 && c1->has_value());
    EXPECT_EQ((*h2)->prev_certificate_hash, (*c1)->hash(crypto::ecdsa_suite()));
    EXPECT_FALSE(node->failed());
    const Json status = node->consensus_status();
    EXPECT_EQ(status.value("role", ""), "validator");
    // A snapshot taken after each event: the commit listener may run before the snapshot of
    // the event that committed at2 is taken.
    EXPECT_GE(status.value("height", uint64_t{0}), *at2);
    ASSERT_TRUE(status.contains("validators"));
    EXPECT_EQ(status["validators"].size(), 1u);
    // An idle chain makes no empty blocks (wait_for_txs): nothing beyond the last tx block
    // is committed while nothing is submitted. (Not a timing assertion: checked at stop.)
    const uint64_t head = node->chain().ledger().head_number();
    node->stop();
    EXPECT_EQ(head, *at2);
}

TEST(NodeTest, RestartResumesAtTheHead) {
    Net net(1, 0);
    Hash256 first;
    {
        auto node = start(net.config(0));
        ASSERT_TRUE(node);
        CommitWatch watch(node->chain());
        auto t = node->chain().submit(transfer(net.funded(), 0, make_account(9).address, 1));
        ASSERT_TRUE(t.has_value());
        ASSERT_TRUE(watch.wait_tx((*t)->hash).has_value());
        first = block_hash(*node, 1);
    }
    auto node = start(net.config(0));
    ASSERT_TRUE(node);
    EXPECT_EQ(block_hash(*node, 1), first);
    CommitWatch watch(node->chain());
    auto t = node->chain().submit(transfer(net.funded(), 1, make_account(9).address, 1));
    ASSERT_TRUE(t.has_value());
    auto at = watch.wait_tx((*t)->hash);
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(*at, 2u);
}

TEST(NodeTest, RoleMistakesAreRefused) {
    Net net(1, 1);
    // A validator whose key is not in the genesis set.
    Config c = net.config(1);
    c.role = Role::kValidator;
    auto n = Node::start(c);
    ASSERT_FALSE(n.has_value());
    EXPECT_NE(n.error().find("not among the genesis validators"), std::string::npos) << n.error();
    // An observer holding a validator's key.
    c = net.config(0);
    c.role = Role::kObserver;
    n = Node::start(c);
    ASSERT_FALSE(n.has_value());
    EXPECT_NE(n.error().find("genesis validator's key"), std::string::npos) << n.error();
}

TEST(NodeTest, FourValidatorsAndAnObserverAgree) {
    constexpr size_t kValidators = 4;
    Net net(kValidators, 1);
    std::vector<std::unique_ptr<Node>> nodes;
    std::vector<uint16_t> ports;
    for (size_t i = 0; i < kValidators + 1; ++i) {
        // Each dials the ones started before it; connections carry both directions.
        nodes.push_back(start(net.config(i, ports)));
        ASSERT_TRUE(nodes.back());
        ports.push_back(nodes.back()->p2p_port());
    }
    std::vector<std::unique_ptr<CommitWatch>> watches;
    for (auto& n : nodes)
        watches.push_back(std::make_unique<CommitWatch>(n->chain()));
    EXPECT_EQ(nodes[4]->role(), Role::kObserver);

    // Transactions through different nodes (gossiped to the proposer, whoever it is).
    const Account bob = make_account(202);
    std::vector<Hash256> txs;
    for (uint64_t nonce = 0; nonce < 6; ++nonce) {
        auto t = nodes[nonce % kValidators]->chain().submit(
            transfer(net.funded(), nonce, bob.address, 1 + nonce));
        ASSERT_TRUE(t.has_value()) << "nonce " << nonce;
        txs.push_back((*t)->hash);
    }
    uint64_t last = 0;
    for (const auto& h : txs) {
        auto at = watches[0]->wait_tx(h);
        ASSERT_TRUE(at.has_value()) << "transaction " << to_hex(h) << " not committed";
        last = std::max(last, *at);
    }
    // Every node, the observer included, reaches that height with the same blocks.
    for (size_t i = 0; i < nodes.size(); ++i)
        ASSERT_TRUE(watches[i]->wait_height(last)) << "node " << i << " stuck below " << last;
    for (uint64_t h = 1; h <= last; ++h) {
        const Hash256 want = block_hash(*nodes[0], h);
        ASSERT_NE(want, Hash256{});
        for (size_t i = 1; i < nodes.size(); ++i)
            EXPECT_EQ(block_hash(*nodes[i], h), want) << "node " << i << " height " << h;
        auto cert = nodes[0]->chain().certificate(h);
        ASSERT_TRUE(cert && cert->has_value());
        EXPECT_GE((*cert)->signatures.size(), 3u);  // more than 2/3 of 4
    }
    for (auto& n : nodes)
        EXPECT_FALSE(n->failed());
    // Peers: every validator sees the others (and the observer dialled each validator).
    const Json peers = nodes[0]->peers();
    EXPECT_GE(peers.size(), 3u) << peers.dump();
    for (auto& n : nodes)
        n->stop();
}

TEST(NodeTest, StoppedValidatorCatchesUp) {
    constexpr size_t kValidators = 4;
    Net net(kValidators, 0);
    std::vector<std::unique_ptr<Node>> nodes;
    std::vector<uint16_t> ports;
    for (size_t i = 0; i < kValidators; ++i) {
        nodes.push_back(start(net.config(i, ports)));
        ASSERT_TRUE(nodes.back());
        ports.push_back(nodes.back()->p2p_port());
    }
    const Account bob = make_account(203);
    uint64_t nonce = 0;
    auto send_and_wait = [&](Node& via, CommitWatch& watch) -> std::optional<uint64_t> {
        auto t = via.chain().submit(transfer(net.funded(), nonce++, bob.address, 7));
        EXPECT_TRUE(t.has_value());
        if (!t) return std::nullopt;
        return watch.wait_tx((*t)->hash);
    };
    {
        CommitWatch w0(nodes[0]->chain());
        ASSERT_TRUE(send_and_wait(*nodes[0], w0).has_value());
    }
    // Three of four keep committing (3 > 2/3 of 4) while the fourth is down.
    nodes[3]->stop();
    nodes[3].reset();
    uint64_t last = 0;
    {
        CommitWatch w0(nodes[0]->chain());
        for (int i = 0; i < 3; ++i) {
            auto at = send_and_wait(*nodes[1], w0);
            ASSERT_TRUE(at.has_value()) << "three validators did not commit";
            last = std::max(last, *at);
        }
    }
    // Restarted, it catches up from its database by block sync, verifying certificates.
    nodes[3] = start(net.config(3, {ports[0], ports[1], ports[2]}));
    ASSERT_TRUE(nodes[3]);
    CommitWatch w3(nodes[3]->chain());
    ASSERT_TRUE(w3.wait_height(last)) << "stuck at " << nodes[3]->chain().ledger().head_number();
    for (uint64_t h = 1; h <= last; ++h)
        EXPECT_EQ(block_hash(*nodes[3], h), block_hash(*nodes[0], h)) << "height " << h;
    // And it takes part again: a transaction sent through it commits everywhere.
    auto at = send_and_wait(*nodes[3], w3);
    ASSERT_TRUE(at.has_value());
    CommitWatch w0(nodes[0]->chain());
    ASSERT_TRUE(w0.wait_height(*at));
    EXPECT_EQ(block_hash(*nodes[0], *at), block_hash(*nodes[3], *at));
    for (auto& n : nodes)
        EXPECT_FALSE(n->failed());
}

TEST(StatusJson, FieldsAndVotes) {
    consensus::Status s;
    s.height = 5;
    s.round = 2;
    s.step = consensus::Step::kPrevote;
    s.locked_round = 1;
    consensus::Status::ValidatorVotes v;
    v.power = 3;
    v.prevote = Hash256{};
    s.validators.push_back(v);
    s.stats.equivocations = 4;
    const Json j = consensus_status_json(s, Role::kObserver);
    EXPECT_EQ(j["role"], "observer");
    EXPECT_EQ(j["height"], 5);
    EXPECT_EQ(j["round"], 2);
    EXPECT_EQ(j["step"], "prevote");
    EXPECT_EQ(j["lockedRound"], 1);
    EXPECT_EQ(j["validRound"], -1);
    EXPECT_EQ(j["validators"][0]["power"], 3);
    EXPECT_EQ(j["validators"][0]["prevote"], "nil");
    EXPECT_TRUE(j["validators"][0]["precommit"].is_null());
    EXPECT_EQ(j["stats"]["equivocations"], 4);
    EXPECT_EQ(j["halted"], false);
    EXPECT_TRUE(peers_json({}).is_array());
}

TEST(TxBatch, RoundTripAndLimits) {
    std::vector<Bytes> raws = {Bytes{1, 2, 3}, Bytes(200, 7), Bytes{}};
    auto back = decode_tx_batch(encode_tx_batch(raws));
    ASSERT_TRUE(back.has_value()) << back.error();
    EXPECT_EQ(*back, raws);
    EXPECT_FALSE(decode_tx_batch(Bytes{0x01}).has_value());              // not a list
    EXPECT_FALSE(decode_tx_batch(Bytes{0xc2, 0xc0, 0x01}).has_value());  // a list inside
    std::vector<Bytes> many(kMaxGossipTxs + 1, Bytes{0x01});
    auto over = decode_tx_batch(encode_tx_batch(many));
    ASSERT_FALSE(over.has_value());
    EXPECT_NE(over.error().find("more than"), std::string::npos);
}

}  // namespace
