// SPDX-License-Identifier: Apache-2.0
// ChainApp and ConsensusDriver without a network: one validator over a real RocksDB; the
// app's refusals (timestamp too far ahead, certificates where none belong, a tampered block);
// the driver commits what RPC submits, and garbage frames are dropped and counted while the
// chain keeps committing.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "crypto/suite.hpp"
#include "ledger/genesis.hpp"
#include "node/app.hpp"
#include "node/chain.hpp"
#include "node/driver.hpp"
#include "node/safety_store.hpp"
#include "protocol/transaction.hpp"
#include "storage/rocks_kv.hpp"

#include "storage/test_util.hpp"

using namespace xl;
using namespace xl::node;

namespace {

constexpr uint64_t kChainId = 4444;
constexpr auto kDeadline = std::chrono::seconds(60);

struct Account {
    crypto::SecretKey sk;
    crypto::PublicKey pk;
    Address address;
};

Account make_account(uint8_t seed) {
    Account a;
    a.sk[0] = 0x33;
    a.sk[31] = seed;
    a.pk = *crypto::ecdsa_suite().public_key(a.sk);
    a.address = crypto::ecdsa_suite().address(a.pk);
    return a;
}

Bytes transfer(const Account& from, uint64_t nonce, const Address& to) {
    protocol::Transaction tx;
    tx.type = protocol::TxType::kDynamicFee;
    tx.chain_id = U256{kChainId};
    tx.nonce = nonce;
    tx.gas_limit = 21'000;
    tx.to = to;
    tx.value = U256{5};
    EXPECT_TRUE(tx.sign(crypto::ecdsa_suite(), from.sk).has_value());
    return tx.encode();
}

class DriverTest : public ::testing::Test {
protected:
    // The validator's key as the node loads it from its keystore.
    crypto::KeystoreKey validator_key() const {
        crypto::KeystoreKey key;
        key.suite = crypto::SuiteId::kEcdsa;
        key.secret = validator_.sk;
        key.address = validator_.address;
        key.public_key = validator_.pk;
        return key;
    }
    void SetUp() override {
        validator_ = make_account(1);
        alice_ = make_account(2);
        genesis_.chain_id = kChainId;
        genesis_.suite = crypto::SuiteId::kEcdsa;
        genesis_.timestamp = 1'700'000'000;
        genesis_.gas_limit = 30'000'000;
        genesis_.block_interval_ms = 50;
        ledger::Validator v;
        v.public_key = validator_.pk;
        v.address = validator_.address;
        v.organisation = "org0";
        v.power = 1;
        genesis_.validators.push_back(v);
        state::GenesisAccount acc;
        acc.balance = U256{1} << 100;
        genesis_.alloc[alice_.address] = acc;
        auto kv = storage::RocksKv::open(dir_.path() / "db");
        ASSERT_TRUE(kv.has_value());
        kv_ = std::move(*kv);
        auto chain = Chain::open(*kv_, genesis_);
        ASSERT_TRUE(chain.has_value()) << chain.error();
        chain_ = std::move(*chain);
        set_ = std::make_unique<consensus::ValidatorSet>(std::vector<consensus::Validator>{
            consensus::Validator{validator_.address, validator_.pk, 1}});
        chain_->on_commit([this](const CommittedBlock&) {
            std::lock_guard lk(mu_);
            cv_.notify_all();
        });
    }

    consensus::Config engine_config() const {
        consensus::Config c;
        c.chain_id = kChainId;
        c.block_interval = std::chrono::milliseconds(50);
        return c;
    }

    bool wait_height(uint64_t h) {
        std::unique_lock lk(mu_);
        return cv_.wait_for(lk, kDeadline, [&] { return chain_->ledger().head_number() >= h; });
    }

    test::TempDir dir_;
    Account validator_, alice_;
    ledger::Genesis genesis_;
    std::unique_ptr<storage::RocksKv> kv_;
    std::unique_ptr<Chain> chain_;
    std::unique_ptr<consensus::ValidatorSet> set_;
    std::mutex mu_;
    std::condition_variable cv_;
};

TEST_F(DriverTest, AppRefusesWhatDoesNotBelong) {
    const uint64_t now = genesis_.timestamp + 100;
    ChainApp app(*chain_, *set_, validator_.address, [now] { return now; });
    EXPECT_EQ(app.committed_height(), 0u);
    ASSERT_TRUE(chain_->submit(transfer(alice_, 0, validator_.address)).has_value());
    auto built = app.build_block(1, 0);
    ASSERT_TRUE(built.has_value());
    EXPECT_FALSE(built->prev_certificate.has_value());
    EXPECT_EQ(built->block.header.timestamp, now);
    EXPECT_EQ(built->block.transactions.size(), 1u);
    EXPECT_FALSE(app.build_block(2, 0).has_value());  // not on top of the head

    // Another node's app (its own clock far behind) sees the same block.
    ChainApp late(*chain_, *set_, validator_.address, [now] { return now - 60; });
    const Hash256 hash = built->block.header.hash(chain_->suite());
    EXPECT_FALSE(late.validate_block(built->block, hash, std::nullopt));
    EXPECT_NE(late.last_rejection().find("ahead of the local clock"), std::string::npos)
        << late.last_rejection();

    ChainApp fresh(*chain_, *set_, validator_.address, [now] { return now; });
    protocol::CommitCertificate bogus;
    bogus.height = 0;
    EXPECT_FALSE(fresh.validate_block(built->block, hash, bogus));
    EXPECT_NE(fresh.last_rejection().find("previous certificate at height 1"), std::string::npos);

    protocol::Block tampered = built->block;
    tampered.header.gas_used += 1;
    EXPECT_FALSE(
        fresh.validate_block(tampered, tampered.header.hash(chain_->suite()), std::nullopt));
    EXPECT_TRUE(fresh.validate_block(built->block, hash, std::nullopt)) << fresh.last_rejection();

    // Commit with a certificate signed by the validator.
    protocol::CommitCertificate cert;
    cert.height = 1;
    cert.block_hash = hash;
    const Bytes msg = cert.precommit().sign_bytes(kChainId);
    auto sig = crypto::ecdsa_suite().sign(validator_.sk, msg);
    ASSERT_TRUE(sig.has_value());
    cert.signatures.push_back({0, crypto::encode_signature(crypto::SuiteId::kEcdsa, *sig)});
    ASSERT_TRUE(consensus::verify_certificate(chain_->suite(), kChainId, *set_, cert));
    auto wrong = cert;
    wrong.block_hash[0] ^= 1;
    EXPECT_FALSE(fresh.commit_block(built->block, hash, wrong, std::nullopt).has_value());
    ASSERT_TRUE(fresh.commit_block(built->block, hash, cert, std::nullopt).has_value());
    EXPECT_EQ(fresh.committed_height(), 1u);
    auto fin = fresh.finalized_block(1);
    ASSERT_TRUE(fin.has_value());
    EXPECT_EQ(fin->certificate, cert);
    EXPECT_FALSE(fresh.finalized_block(2).has_value());

    // Height 2 needs the certificate of height 1, and built blocks carry it.
    auto next = fresh.build_block(2, 0);
    ASSERT_TRUE(next.has_value());
    ASSERT_TRUE(next->prev_certificate.has_value());
    EXPECT_EQ(*next->prev_certificate, cert);
    EXPECT_EQ(next->block.header.prev_certificate_hash, cert.hash(chain_->suite()));
    ChainApp other(*chain_, *set_, validator_.address, [now] { return now; });
    const Hash256 h2 = next->block.header.hash(chain_->suite());
    EXPECT_FALSE(other.validate_block(next->block, h2, std::nullopt));
    EXPECT_NE(other.last_rejection().find("no previous certificate"), std::string::npos);
    auto unsigned_cert = cert;
    unsigned_cert.signatures.clear();
    EXPECT_FALSE(other.validate_block(next->block, h2, unsigned_cert));
    EXPECT_TRUE(other.validate_block(next->block, h2, cert)) << other.last_rejection();
}

TEST_F(DriverTest, CommitsSubmittedTransactionsAndSurvivesGarbage) {
    ChainApp app(*chain_, *set_, validator_.address);
    KeySigner signer(chain_->suite(), validator_key());
    KvSafetyStore safety(*kv_);
    ConsensusDriver driver(*chain_, engine_config(), *set_, app, &signer, &safety,
                           Role::kValidator);
    driver.start(nullptr);
    ASSERT_TRUE(chain_->submit(transfer(alice_, 0, validator_.address)).has_value());
    ASSERT_TRUE(wait_height(1));

    // Garbage from a "peer": each kind is dropped and counted, none is fatal.
    auto h = driver.handler();
    h.on_frame(7, network::Identity{}, kFrameConsensus, Bytes{0xff, 0x00, 0x01});
    h.on_frame(7, network::Identity{}, kFrameConsensus, Bytes{});
    h.on_frame(7, network::Identity{}, kFrameTxBatch, Bytes{0x05});
    h.on_frame(7, network::Identity{}, 99, Bytes{1, 2, 3});
    const auto s = driver.stats();
    EXPECT_EQ(s.bad_frames, 3u);
    EXPECT_EQ(s.unknown_frames, 1u);

    // A gossiped batch (as a peer sends it) is admitted and committed.
    const Bytes batch = encode_tx_batch(
        {transfer(alice_, 1, validator_.address), transfer(alice_, 2, validator_.address)});
    h.on_frame(7, network::Identity{}, kFrameTxBatch, batch);
    ASSERT_TRUE(wait_height(2));
    {
        std::unique_lock lk(mu_);
        ASSERT_TRUE(cv_.wait_for(lk, kDeadline,
                                 [&] { return chain_->accounts().nonce(alice_.address) == 3; }));
    }
    EXPECT_EQ(driver.stats().txs_admitted, 2u);
    EXPECT_FALSE(driver.halted());
    const auto status = driver.board()->consensus();
    EXPECT_EQ(status.value("role", ""), "validator");
    driver.stop();
    // The vote-safety record was written before the votes left.
    auto rec = safety.load();
    ASSERT_TRUE(rec.has_value() && rec->has_value());
    EXPECT_GE((*rec)->height, 2u);
}

// A safety store whose disk fails: the engine must not sign, and halts.
class FailingSafetyStore final : public consensus::SafetyStore {
public:
    Result<std::optional<consensus::SafetyRecord>, std::string> load() override {
        return std::optional<consensus::SafetyRecord>{};
    }
    Result<void, std::string> save(const consensus::SafetyRecord&) override {
        std::lock_guard lk(mu);
        ++saves;
        cv.notify_all();
        return unexpected(std::string("disk full"));
    }
    std::mutex mu;
    std::condition_variable cv;
    int saves = 0;
};

TEST_F(DriverTest, StorageFailureHaltsConsensus) {
    ChainApp app(*chain_, *set_, validator_.address);
    KeySigner signer(chain_->suite(), validator_key());
    FailingSafetyStore safety;
    ConsensusDriver driver(*chain_, engine_config(), *set_, app, &signer, &safety,
                           Role::kValidator);
    driver.start(nullptr);
    ASSERT_TRUE(chain_->submit(transfer(alice_, 0, validator_.address)).has_value());
    {
        std::unique_lock lk(safety.mu);
        ASSERT_TRUE(safety.cv.wait_for(lk, kDeadline, [&] { return safety.saves > 0; }));
    }
    // The failed save is processed on the driver thread; halted() follows the event. Stopping
    // joins that thread, so the flag is final afterwards.
    driver.stop();
    EXPECT_TRUE(driver.halted());
    EXPECT_EQ(chain_->ledger().head_number(), 0u);  // nothing signed, nothing committed
}

TEST_F(DriverTest, FullQueueDropsNetworkMessages) {
    ChainApp app(*chain_, *set_, validator_.address);
    ConsensusDriver driver(*chain_, engine_config(), *set_, app, nullptr, nullptr, Role::kObserver);
    // Before start() nothing drains the queue: one message beyond the bound is dropped.
    const Bytes req = consensus::encode_message(protocol::SyncRequest{1, 1});
    auto h = driver.handler();
    for (size_t i = 0; i < kMaxQueuedMessages + 1; ++i)
        h.on_frame(3, network::Identity{}, kFrameConsensus, req);
    EXPECT_EQ(driver.stats().messages_in, kMaxQueuedMessages);
    EXPECT_EQ(driver.stats().dropped_queue_full, 1u);
    driver.start(nullptr);
    driver.stop();
    EXPECT_FALSE(driver.halted());
}

}  // namespace
