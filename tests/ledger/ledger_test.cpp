// SPDX-License-Identifier: Apache-2.0
// The ledger on RocksDB in a temp dir, under both suites: genesis write and reopen, wrong
// genesis, commit and reads, refused commits writing nothing, commit certificates, failed
// writes, corruption found on open, eth_getLogs semantics, readers concurrent with the
// committer; and the header roots.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"
#include "execution/execution.hpp"
#include "ledger/ledger.hpp"
#include "state/backend.hpp"
#include "storage/rocks_kv.hpp"
#include "trie/trie.hpp"

#include "protocol/tx_testing.hpp"
#include "storage/test_util.hpp"

namespace xl::ledger {
namespace {

using protocol::Block;
using protocol::Log;
using protocol::Transaction;
using protocol::TxType;
using storage::Column;

// Passes everything to a real Kv, but can refuse writes (an I/O error, as a full disk) and
// counts writes and scans of the receipts column.
class FaultyKv final : public storage::Kv {
public:
    explicit FaultyKv(storage::Kv& inner) : inner_(&inner) {}
    Result<void, storage::StorageError> write(const storage::WriteBatch& batch,
                                              storage::WriteOptions options = {}) override {
        if (fail_writes) return unexpected(storage::StorageError::kIoError);
        ++writes;
        if (options.sync) ++synced_writes;
        return inner_->write(batch, options);
    }
    Result<Bytes, storage::StorageError> get(Column c, BytesView key) const override {
        if (c == Column::kReceipts) ++receipt_scans;
        return inner_->get(c, key);
    }
    std::unique_ptr<storage::Iterator> iterate(Column c, BytesView prefix = {}) const override {
        if (c == Column::kReceipts) ++receipt_scans;
        return inner_->iterate(c, prefix);
    }

    std::atomic<bool> fail_writes{false};
    std::atomic<int> writes{0};
    std::atomic<int> synced_writes{0};
    mutable std::atomic<int> receipt_scans{0};  // reads of kReceipts (get or iterate)

private:
    storage::Kv* inner_;
};

using Dump = std::map<std::pair<int, Bytes>, Bytes>;

Dump dump(const storage::Kv& kv) {
    Dump out;
    for (Column c : storage::all_columns()) {
        auto it = kv.iterate(c);
        for (it->seek_to_first(); it->valid(); it->next())
            out[{int(c), Bytes(it->key().begin(), it->key().end())}] =
                Bytes(it->value().begin(), it->value().end());
    }
    return out;
}

Bytes key(uint8_t prefix, BytesView rest) {
    Bytes k(1 + rest.size(), prefix);
    std::copy(rest.begin(), rest.end(), k.begin() + 1);
    return k;
}

struct TxSpec {
    std::vector<Log> logs;
};

protocol::CommitCertificate cert_for(const Block& b, const crypto::CryptoSuite& suite,
                                     uint8_t fill = 1) {
    protocol::CommitCertificate c;
    c.height = b.header.number;
    c.round = fill;
    c.block_hash = b.header.hash(suite);
    c.signatures.push_back({0, Bytes(64, fill)});
    c.signatures.push_back({2, Bytes(65, fill)});
    return c;
}

// Blocks are committed as consensus commits them: with a certificate, the header naming the
// stored certificate of its parent.
class LedgerTest : public ::testing::TestWithParam<crypto::SuiteId> {
protected:
    void SetUp() override {
        genesis_ = make_genesis(1337, 1'700'000'000);
        reopen_db();
    }
    void TearDown() override { close(); }

    const crypto::CryptoSuite& suite() const {
        return GetParam() == crypto::SuiteId::kSm ? crypto::sm_suite() : crypto::ecdsa_suite();
    }

    Genesis make_genesis(uint64_t chain_id, uint64_t timestamp) {
        Genesis g;
        g.chain_id = chain_id;
        g.suite = suite().id();
        g.timestamp = timestamp;
        g.gas_limit = 1'000'000'000;
        g.base_fee = U256(7);
        g.block_interval_ms = 1000;
        std::mt19937_64 fixed(42);  // the same validator each time: genesis depends on it
        const auto sk = test::random_key(fixed, suite());
        Validator v;
        v.public_key = *suite().public_key(sk);
        v.address = suite().address(v.public_key);
        v.organisation = "org0";
        v.power = 1;
        g.validators.push_back(v);
        state::GenesisAccount acc;
        acc.balance = U256(1'000'000);
        acc.storage[U256(1)] = U256(2);
        g.alloc[Address::from(Bytes(20, 0x11))] = acc;
        return g;
    }

    void close() {
        ledger_.reset();
        faulty_.reset();
        rocks_.reset();
    }
    void reopen_db() {
        close();
        auto db = storage::RocksKv::open(dir_.path());
        ASSERT_TRUE(db.has_value()) << storage::to_string(db.error());
        rocks_ = std::move(*db);
        faulty_ = std::make_unique<FaultyKv>(*rocks_);
    }
    Result<std::unique_ptr<Ledger>, LedgerError> open(const Genesis& g) {
        return Ledger::open(*faulty_, suite(), g);
    }
    void open_ok() {
        auto l = open(genesis_);
        ASSERT_TRUE(l.has_value()) << l.error().message;
        ledger_ = std::move(*l);
    }

    // A block on top of the head with one transaction per spec; its header is consistent
    // (roots, bloom, gas used), so commit accepts it.
    std::pair<Block, std::vector<ReceiptRecord>> make_block(const std::vector<TxSpec>& specs) {
        Block b;
        std::vector<ReceiptRecord> rs;
        uint64_t cumulative = 0;
        uint32_t log_index = 0;
        const TxType ecdsa_types[] = {TxType::kLegacy, TxType::kAccessList, TxType::kDynamicFee};
        for (size_t i = 0; i < specs.size(); ++i) {
            const TxType type =
                suite().id() == crypto::SuiteId::kSm ? TxType::kSm : ecdsa_types[i % 3];
            Transaction tx = test::random_tx(rng_, type);
            tx.r = U256(1 + rng_() % 1000);
            tx.s = U256(1 + rng_() % 1000);
            b.transactions.push_back(tx);
            ReceiptRecord r;
            r.receipt.type = type;
            r.receipt.success = i % 2 == 0;
            cumulative += 21000 + i;
            r.receipt.cumulative_gas_used = cumulative;
            r.receipt.logs = specs[i].logs;
            r.receipt.bloom = protocol::bloom_of(r.receipt.logs);
            r.gas_used = 21000 + i;
            r.from = test::random_fixed<20>(rng_);
            if (i % 3 == 1) r.contract_address = test::random_fixed<20>(rng_);
            r.effective_gas_price = U256(7 + i);
            r.first_log_index = log_index;
            log_index += static_cast<uint32_t>(specs[i].logs.size());
            rs.push_back(std::move(r));
        }
        protocol::BlockHeader& h = b.header;
        h.parent_hash = ledger_->head_hash();
        h.number = ledger_->head_number() + 1;
        h.timestamp = genesis_.timestamp + h.number;
        h.proposer = genesis_.validators[0].address;
        h.state_root = test::random_fixed<32>(rng_);
        h.transactions_root = transactions_root(suite(), b.transactions);
        h.receipts_root = *receipts_root(suite(), rs);
        for (const auto& r : rs)
            protocol::bloom_or(h.logs_bloom, r.receipt.bloom);
        h.gas_limit = genesis_.gas_limit;
        h.gas_used = cumulative;
        h.base_fee = genesis_.base_fee;
        h.validator_set_hash = validator_set_hash(suite(), genesis_.validators);
        if (h.number > 1) {
            auto prev = ledger_->certificate(h.number - 1);
            EXPECT_TRUE(prev.has_value() && prev->has_value());
            if (prev && *prev) h.prev_certificate_hash = (*prev)->hash(suite());
        }
        return {b, rs};
    }

    // Commits with cert_for(b) (and no replacement of the parent's certificate).
    Result<void, LedgerError> commit(const Block& b, const std::vector<ReceiptRecord>& rs,
                                     storage::WriteBatch&& state = {}) {
        return ledger_->commit(b, rs, std::move(state), cert_for(b, suite()), std::nullopt);
    }

    std::pair<Block, std::vector<ReceiptRecord>> commit_block(const std::vector<TxSpec>& specs) {
        auto [b, rs] = make_block(specs);
        auto r = commit(b, rs);
        EXPECT_TRUE(r.has_value()) << r.error().message;
        return {b, rs};
    }

    Log log(const Address& a, std::vector<Hash256> topics) {
        return Log{a, std::move(topics), test::random_bytes(rng_, rng_() % 40)};
    }

    test::TempDir dir_;
    std::unique_ptr<storage::RocksKv> rocks_;
    std::unique_ptr<FaultyKv> faulty_;
    std::unique_ptr<Ledger> ledger_;
    Genesis genesis_;
    std::mt19937_64 rng_{test::seed()};
};

TEST_P(LedgerTest, OpenWritesTheGenesisInOneSyncedWriteAndReopens) {
    open_ok();
    EXPECT_EQ(faulty_->writes, 1);
    EXPECT_EQ(faulty_->synced_writes, 1);
    const auto want = genesis_header(genesis_);
    ASSERT_TRUE(want.has_value());
    const Hash256 hash0 = want->hash(suite());
    EXPECT_EQ(ledger_->head_number(), 0u);
    EXPECT_EQ(ledger_->head_hash(), hash0);
    EXPECT_EQ(ledger_->genesis_hash(), hash0);
    EXPECT_EQ(ledger_->head(), *want);
    auto b0 = ledger_->block(0);
    ASSERT_TRUE(b0.has_value() && b0->has_value());
    EXPECT_EQ((*b0)->header, *want);
    EXPECT_TRUE((*b0)->transactions.empty());
    auto rs = ledger_->receipts(hash0);
    ASSERT_TRUE(rs.has_value() && rs->has_value());
    EXPECT_TRUE((*rs)->empty());
    EXPECT_EQ(**ledger_->block_hash(0), hash0);
    EXPECT_FALSE(ledger_->header(1)->has_value());
    EXPECT_FALSE(ledger_->block_hash(1)->has_value());
    EXPECT_FALSE(ledger_->header(test::random_fixed<32>(rng_))->has_value());

    reopen_db();
    open_ok();
    EXPECT_EQ(faulty_->writes, 0);  // reopening writes nothing
    EXPECT_EQ(ledger_->head_hash(), hash0);
    EXPECT_EQ(ledger_->head(), *want);
}

TEST_P(LedgerTest, GenesisStateIsStoredInTheSameWrite) {
    open_ok();
    const Hash256 root = ledger_->head().state_root;
    const Address addr = Address::from(Bytes(20, 0x11));
    for (const auto& backend : {state::flat_backend(*rocks_, suite(), root),
                                state::trie_backend(*rocks_, suite(), root)}) {
        auto acc = backend->account(addr);
        ASSERT_TRUE(acc.has_value() && acc->has_value());
        EXPECT_EQ((*acc)->balance, U256(1'000'000));
        auto slot = backend->storage(addr, **acc, U256(1));
        ASSERT_TRUE(slot.has_value());
        EXPECT_EQ(*slot, U256(2));
    }
    EXPECT_EQ(faulty_->writes, 1);
}

TEST_P(LedgerTest, AnotherGenesisIsRefused) {
    open_ok();
    const Hash256 ours = ledger_->genesis_hash();
    ledger_.reset();
    const Genesis other = make_genesis(1337, genesis_.timestamp + 1);
    auto r = open(other);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, LedgerError::Code::kWrongGenesis);
    const Hash256 theirs = genesis_header(other)->hash(suite());
    EXPECT_EQ(r.error().message, "database belongs to another chain: genesis " + to_hex(ours) +
                                     " != " + to_hex(theirs));
    // Same block 0, another chain id.
    auto c = open(make_genesis(1338, genesis_.timestamp));
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().code, LedgerError::Code::kWrongGenesis);
    EXPECT_EQ(c.error().message, "database belongs to another chain: chain id 1337 != 1338");
    // The genesis names the other suite.
    Genesis wrong_suite = genesis_;
    wrong_suite.suite =
        suite().id() == crypto::SuiteId::kSm ? crypto::SuiteId::kEcdsa : crypto::SuiteId::kSm;
    auto s = open(wrong_suite);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, LedgerError::Code::kBadGenesis);
    EXPECT_EQ(faulty_->writes, 1);
    open_ok();
}

TEST_P(LedgerTest, CommitThenReadEverythingBackAfterReopen) {
    open_ok();
    const Address a = Address::from(Bytes(20, 0xaa));
    const Hash256 t = Hash256::from(Bytes(32, 0x01));
    std::vector<std::pair<Block, std::vector<ReceiptRecord>>> blocks;
    blocks.push_back(commit_block({{{log(a, {t})}}, {{}}, {{log(a, {}), log(a, {t, t})}}}));
    blocks.push_back(commit_block({}));  // an empty block
    blocks.push_back(commit_block({{{}}, {{log(a, {t})}}}));
    {
        // Receipts over the chunk size (1 MiB) are stored in several chunks: records 0 and 1
        // in the first, record 2 in the second (key: block hash || be32(2)).
        const Log big{a, {t}, Bytes(600'000, 0x07)};
        blocks.push_back(commit_block({{{big}}, {{big}}, {{big}}, {{}}}));
        const Hash256 h = blocks.back().first.header.hash(suite());
        EXPECT_TRUE(rocks_->get(Column::kReceipts, concat(h, Bytes{0, 0, 0, 0})).has_value());
        EXPECT_TRUE(rocks_->get(Column::kReceipts, concat(h, Bytes{0, 0, 0, 2})).has_value());
        EXPECT_FALSE(rocks_->get(Column::kReceipts, concat(h, Bytes{0, 0, 0, 1})).has_value());
    }
    // The state batch goes in the same write.
    {
        auto [b, rs] = make_block({{{}}});
        storage::WriteBatch state;
        state.put(Column::kState, Bytes{1, 2, 3}, Bytes{4});
        const int writes = faulty_->synced_writes;
        ASSERT_TRUE(commit(b, rs, std::move(state)).has_value());
        EXPECT_EQ(faulty_->synced_writes, writes + 1);
        EXPECT_EQ(*rocks_->get(Column::kState, Bytes{1, 2, 3}), Bytes{4});
        blocks.emplace_back(b, rs);
    }

    for (int pass = 0; pass < 2; ++pass) {
        SCOPED_TRACE(pass == 0 ? "before reopen" : "after reopen");
        EXPECT_EQ(ledger_->head_number(), blocks.size());
        EXPECT_EQ(ledger_->head(), blocks.back().first.header);
        for (const auto& [b, rs] : blocks) {
            const Hash256 hash = b.header.hash(suite());
            EXPECT_EQ(**ledger_->block_hash(b.header.number), hash);
            EXPECT_EQ(**ledger_->header(b.header.number), b.header);
            EXPECT_EQ(**ledger_->header(hash), b.header);
            EXPECT_EQ(**ledger_->block(b.header.number), b);
            EXPECT_EQ(**ledger_->block(hash), b);
            EXPECT_EQ(**ledger_->receipts(hash), rs);
            for (size_t i = 0; i < b.transactions.size(); ++i) {
                const auto loc = ledger_->tx_location(b.transactions[i].hash(suite()));
                ASSERT_TRUE(loc.has_value() && loc->has_value());
                EXPECT_EQ(**loc, (TxLocation{b.header.number, hash, uint32_t(i)}));
                EXPECT_EQ(**ledger_->receipt(hash, uint32_t(i)), rs[i]);
            }
            EXPECT_FALSE(ledger_->receipt(hash, uint32_t(b.transactions.size()))->has_value());
        }
        EXPECT_FALSE(ledger_->tx_location(test::random_fixed<32>(rng_))->has_value());
        EXPECT_FALSE(ledger_->block(blocks.size() + 1)->has_value());
        reopen_db();
        open_ok();
    }
}

TEST_P(LedgerTest, RefusedCommitsWriteNothing) {
    open_ok();
    commit_block({{{}}});
    const Dump before = dump(*rocks_);
    const auto head = ledger_->head();
    auto [good, rs] = make_block({{{log(Address{}, {})}}, {{}}});
    auto refuse = [&](const Block& b, const std::vector<ReceiptRecord>& r, const char* what) {
        storage::WriteBatch state;
        state.put(Column::kState, Bytes{9}, Bytes{9});
        auto c = commit(b, r, std::move(state));
        ASSERT_FALSE(c.has_value()) << what;
        EXPECT_EQ(c.error().code, LedgerError::Code::kInvalidBlock) << what;
        EXPECT_FALSE(c.error().message.empty());
        EXPECT_EQ(dump(*rocks_), before) << what;
        EXPECT_EQ(ledger_->head(), head) << what;
    };
    {
        Block b = good;
        b.header.parent_hash[0] ^= 1;
        refuse(b, rs, "wrong parent");
    }
    {
        Block b = good;
        b.header.number += 1;
        refuse(b, rs, "number not head + 1");
        b.header.number = head.number;
        refuse(b, rs, "number of the head");
    }
    {
        auto fewer = rs;
        fewer.pop_back();
        refuse(good, fewer, "receipt count");
    }
    {
        Block b = good;
        b.header.transactions_root[0] ^= 1;
        refuse(b, rs, "transactions root");
    }
    {
        Block b = good;
        b.header.receipts_root[0] ^= 1;
        refuse(b, rs, "receipts root");
    }
    {
        Block b = good;
        b.header.logs_bloom[0] ^= 1;
        refuse(b, rs, "bloom");
    }
    {
        Block b = good;
        b.header.gas_used += 1;
        refuse(b, rs, "gas used");
    }
    {
        auto shifted = rs;
        shifted[1].first_log_index = 0;  // the first receipt has one log
        refuse(good, shifted, "first log index");
    }
    {
        Block b = good;
        b.header.extra_data.assign(protocol::kMaxExtraDataSize + 1, 0);
        refuse(b, rs, "extra data");
    }
    EXPECT_TRUE(commit(good, rs).has_value());
}

TEST_P(LedgerTest, CertificatesAreStoredInTheBlocksWrite) {
    open_ok();
    EXPECT_FALSE(ledger_->certificate(0)->has_value());  // the genesis has none

    // Block 1 with its certificate, in the block's one synced write.
    auto [b1, rs1] = make_block({{{}}});
    const auto c1 = cert_for(b1, suite(), 1);
    {
        storage::WriteBatch state;
        state.put(Column::kState, Bytes{1}, Bytes{1});
        const int writes = faulty_->synced_writes;
        ASSERT_TRUE(ledger_->commit(b1, rs1, std::move(state), c1, std::nullopt).has_value());
        EXPECT_EQ(faulty_->synced_writes, writes + 1);
    }
    EXPECT_EQ(**ledger_->certificate(1), c1);
    EXPECT_FALSE(ledger_->certificate(2)->has_value());

    // Refused commits of block 2 write nothing and leave the caller's state batch as it was.
    const Dump before = dump(*rocks_);
    const auto c1b = cert_for(b1, suite(), 5);  // another certificate of block 1
    auto [b2, rs2] = make_block({{{}}});
    b2.header.prev_certificate_hash = c1b.hash(suite());
    auto refuse = [&](const Block& b, const protocol::CommitCertificate& c,
                      const std::optional<protocol::CommitCertificate>& prev, const char* what) {
        storage::WriteBatch state;
        state.put(Column::kState, Bytes{9}, Bytes{9});
        auto r = ledger_->commit(b, rs2, std::move(state), c, prev);
        ASSERT_FALSE(r.has_value()) << what;
        EXPECT_EQ(r.error().code, LedgerError::Code::kInvalidBlock) << what;
        EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
        EXPECT_EQ(state.size(), 1u) << what;
        EXPECT_EQ(dump(*rocks_), before) << what;
        EXPECT_EQ(ledger_->head_number(), 1u);
    };
    const auto c2 = cert_for(b2, suite(), 2);
    {
        auto c = c2;
        c.block_hash[0] ^= 1;
        refuse(b2, c, c1b, "certificate is for block");
        c = c2;
        c.height = 3;
        refuse(b2, c, c1b, "certificate is for block");
        refuse(b2, c1, c1b, "certificate is for block");
    }
    {
        auto p = c1b;
        p.block_hash[0] ^= 1;
        refuse(b2, c2, p, "previous certificate is for block");
        p = c1b;
        p.height = 2;
        refuse(b2, c2, p, "previous certificate is for block");
    }
    refuse(b2, c2, c1, "prev certificate hash");            // not the one the header names
    refuse(b2, c2, std::nullopt, "prev certificate hash");  // the stored one is c1

    // The header's certificate given with the block replaces the stored one.
    ASSERT_TRUE(ledger_->commit(b2, rs2, {}, c2, c1b).has_value());
    EXPECT_EQ(**ledger_->certificate(1), c1b);
    EXPECT_EQ(**ledger_->certificate(2), c2);

    // Block 3 names the stored certificate of block 2 and gives none.
    auto [b3, rs3] = make_block({});
    b3.header.prev_certificate_hash = c2.hash(suite());
    ASSERT_TRUE(ledger_->commit(b3, rs3, {}, cert_for(b3, suite(), 3), std::nullopt).has_value());

    reopen_db();
    open_ok();
    EXPECT_EQ(**ledger_->certificate(1), c1b);
    EXPECT_EQ(**ledger_->certificate(2), c2);
    EXPECT_EQ(**ledger_->certificate(3), cert_for(b3, suite(), 3));
    EXPECT_FALSE(ledger_->certificate(4)->has_value());
}

TEST_P(LedgerTest, BlockOneNamesNoPreviousCertificate) {
    open_ok();
    auto [b1, rs1] = make_block({});
    const auto c = cert_for(b1, suite());
    // The genesis has no certificate: none may be given, and the header names none.
    auto given = ledger_->commit(b1, rs1, {}, c, c);
    ASSERT_FALSE(given.has_value());
    EXPECT_NE(given.error().message.find("genesis"), std::string::npos) << given.error().message;
    Block named = b1;
    named.header.prev_certificate_hash[0] = 1;
    auto n = ledger_->commit(named, rs1, {}, cert_for(named, suite()), std::nullopt);
    ASSERT_FALSE(n.has_value());
    EXPECT_NE(n.error().message.find("prev certificate hash"), std::string::npos);
    ASSERT_TRUE(ledger_->commit(b1, rs1, {}, c, std::nullopt).has_value());
}

TEST_P(LedgerTest, DamagedCertificateIsCorruption) {
    open_ok();
    auto [b1, rs1] = make_block({});
    ASSERT_TRUE(ledger_->commit(b1, rs1, {}, cert_for(b1, suite()), std::nullopt).has_value());
    Bytes k{'c'};
    for (int i = 7; i >= 0; --i)
        k.push_back(uint8_t(uint64_t{1} >> (8 * i)));
    ASSERT_TRUE(rocks_->get(Column::kIndex, k).has_value());  // the documented key
    storage::WriteBatch w;
    w.put(Column::kIndex, k, Bytes{0xc0});
    ASSERT_TRUE(rocks_->write(w).has_value());
    auto r = ledger_->certificate(1);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, LedgerError::Code::kCorrupt);
}

TEST_P(LedgerTest, SchemaOneDatabaseIsRefused) {
    open_ok();
    storage::WriteBatch w;
    w.put(Column::kMeta, to_bytes("schema"), Bytes{0, 0, 0, 1});
    ASSERT_TRUE(rocks_->write(w).has_value());
    ledger_.reset();
    auto r = open(genesis_);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, LedgerError::Code::kCorrupt);
    EXPECT_NE(r.error().message.find("schema version"), std::string::npos) << r.error().message;
}

// A committer that has the transaction hashes and has checked the header (Chain) passes them;
// the ledger indexes with those hashes and does not recompute the roots.
TEST_P(LedgerTest, KnownHashesAndCheckedHeaderAreUsed) {
    open_ok();
    auto [b1, rs1] = make_block({{{}}, {{}}});
    std::vector<Hash256> hashes;
    for (const auto& tx : b1.transactions)
        hashes.push_back(tx.hash(suite()));
    const auto c1 = cert_for(b1, suite());
    {
        std::vector<Hash256> fewer(hashes.begin(), hashes.end() - 1);
        const Ledger::Known k{fewer, true};
        auto r = ledger_->commit(b1, rs1, {}, c1, std::nullopt, &k);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code, LedgerError::Code::kInvalidBlock);
        EXPECT_NE(r.error().message.find("1 transaction hashes for 2 transactions"),
                  std::string::npos)
            << r.error().message;
    }
    // Not checked by the caller: the ledger still checks the roots.
    {
        Block bad = b1;
        bad.header.receipts_root[0] ^= 1;
        const Ledger::Known k{hashes, false};
        auto r = ledger_->commit(bad, rs1, {}, cert_for(bad, suite()), std::nullopt, &k);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().message, "block 1: receipts root mismatch");
    }
    const Ledger::Known k{hashes, true};
    ASSERT_TRUE(ledger_->commit(b1, rs1, {}, c1, std::nullopt, &k).has_value());
    for (size_t i = 0; i < hashes.size(); ++i) {
        auto loc = ledger_->tx_location(hashes[i]);
        ASSERT_TRUE(loc.has_value() && loc->has_value());
        EXPECT_EQ((*loc)->index, i);
    }
}

TEST_P(LedgerTest, FailedWriteLeavesTheHead) {
    open_ok();
    commit_block({{{}}});
    const Hash256 head = ledger_->head_hash();
    auto [b, rs] = make_block({{{}}, {{}}});
    faulty_->fail_writes = true;
    auto c = commit(b, rs);
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().code, LedgerError::Code::kStorage);
    EXPECT_EQ(ledger_->head_hash(), head);
    EXPECT_EQ(ledger_->head_number(), 1u);
    EXPECT_FALSE(ledger_->block(2)->has_value());
    EXPECT_FALSE(ledger_->header(b.header.hash(suite()))->has_value());
    EXPECT_FALSE(ledger_->tx_location(b.transactions[0].hash(suite()))->has_value());
    // The disk recovers: the same block commits, and a reopen finds it.
    faulty_->fail_writes = false;
    ASSERT_TRUE(commit(b, rs).has_value());
    reopen_db();
    open_ok();
    EXPECT_EQ(ledger_->head(), b.header);
}

TEST_P(LedgerTest, CorruptionIsReportedNotCrashedOn) {
    open_ok();
    commit_block({{{}}});
    auto [b2, rs2] = commit_block({{{}}, {{}}});
    const Hash256 h1 = **ledger_->block_hash(1);
    const Hash256 h2 = b2.header.hash(suite());
    const Dump good = dump(*rocks_);
    ledger_.reset();

    auto restore = [&] {
        storage::WriteBatch w;
        const Dump now = dump(*rocks_);
        for (const auto& [k, v] : now)
            if (!good.contains(k)) w.del(Column(k.first), k.second);
        for (const auto& [k, v] : good)
            w.put(Column(k.first), k.second, v);
        ASSERT_TRUE(rocks_->write(w).has_value());
    };
    auto corrupt_on_open = [&](Column c, const Bytes& k, std::optional<Bytes> v, const char* what) {
        if (v) {
            ASSERT_TRUE(rocks_->put(c, k, *v).has_value());
        } else {
            ASSERT_TRUE(rocks_->del(c, k).has_value());
        }
        auto l = open(genesis_);
        ASSERT_FALSE(l.has_value()) << what;
        EXPECT_EQ(l.error().code, LedgerError::Code::kCorrupt) << what << ": " << l.error().message;
        restore();
    };
    corrupt_on_open(Column::kBlocks, key('b', h2), std::nullopt, "head body missing");
    corrupt_on_open(Column::kBlocks, key('b', h2), Bytes{0x80}, "head body garbage");
    corrupt_on_open(Column::kBlocks, key('h', h2), std::nullopt, "head header missing");
    corrupt_on_open(Column::kBlocks, key('h', h2), Bytes{0xc1, 0x80}, "head header garbage");
    const Bytes chunk2 = concat(h2, Bytes{0, 0, 0, 0});  // the head's receipts: one chunk
    corrupt_on_open(Column::kReceipts, chunk2, std::nullopt, "head receipts missing");
    corrupt_on_open(Column::kReceipts, chunk2, Bytes{0x01}, "head receipts garbage");
    corrupt_on_open(Column::kReceipts, chunk2, Bytes{0xc0}, "head receipts chunk empty");
    corrupt_on_open(Column::kReceipts, concat(h2, Bytes{0, 0, 0, 2}), Bytes{0xc1, 0x80},
                    "head receipts chunk after the end");
    {
        // One receipt short: the head's two records cut to the first.
        auto raw = rocks_->get(Column::kReceipts, chunk2);
        ASSERT_TRUE(raw.has_value());
        auto list = rlp::open_list(*raw);
        ASSERT_TRUE(list.has_value());
        auto first = list->read_raw();
        ASSERT_TRUE(first.has_value());
        corrupt_on_open(Column::kReceipts, chunk2, rlp::ListBuilder().add_raw(*first).finish(),
                        "head receipts incomplete");
    }
    corrupt_on_open(Column::kIndex, key('n', Bytes{0, 0, 0, 0, 0, 0, 0, 2}), std::nullopt,
                    "number index missing");
    corrupt_on_open(Column::kIndex, key('c', Bytes{0, 0, 0, 0, 0, 0, 0, 2}), std::nullopt,
                    "head certificate missing");
    corrupt_on_open(Column::kIndex, key('c', Bytes{0, 0, 0, 0, 0, 0, 0, 2}), Bytes{0xc0},
                    "head certificate garbage");
    {
        auto other = cert_for(b2, suite());
        other.block_hash = h1;
        corrupt_on_open(Column::kIndex, key('c', Bytes{0, 0, 0, 0, 0, 0, 0, 2}), other.encode(),
                        "head certificate of another block");
    }
    corrupt_on_open(Column::kMeta, to_bytes("head"), std::nullopt, "head pointer missing");
    corrupt_on_open(Column::kMeta, to_bytes("head"), Bytes{1, 2}, "head pointer garbage");
    corrupt_on_open(Column::kMeta, to_bytes("head"), test::random_fixed<32>(rng_).to_vector(),
                    "head pointer to nothing");
    corrupt_on_open(Column::kMeta, to_bytes("schema"), Bytes{0, 0, 0, 99}, "schema version");
    corrupt_on_open(Column::kMeta, to_bytes("chain_id"), std::nullopt, "chain id missing");
    corrupt_on_open(Column::kMeta, to_bytes("genesis"), Bytes{1}, "genesis hash garbage");
    {
        // A head pointer with no genesis hash is damage, not an empty database.
        ASSERT_TRUE(rocks_->del(Column::kMeta, to_bytes("genesis")).has_value());
        auto l = open(genesis_);
        ASSERT_FALSE(l.has_value());
        EXPECT_EQ(l.error().code, LedgerError::Code::kCorrupt);
        restore();
    }
    // Damage below the head shows up on read.
    open_ok();
    ASSERT_TRUE(rocks_->put(Column::kBlocks, key('b', h1), Bytes{0xc1}).has_value());
    auto r = ledger_->block(1);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, LedgerError::Code::kCorrupt);
    ASSERT_TRUE(rocks_->put(Column::kReceipts, concat(h1, Bytes{0, 0, 0, 5}), Bytes{}).has_value());
    auto rr = ledger_->receipts(h1);
    ASSERT_FALSE(rr.has_value());
    EXPECT_EQ(rr.error().code, LedgerError::Code::kCorrupt);
    ASSERT_TRUE(
        rocks_->put(Column::kReceipts, concat(h1, Bytes{0, 0, 0, 0}), Bytes{0xc1, 0x80}).has_value());
    auto one = ledger_->receipt(h1, 0);
    ASSERT_FALSE(one.has_value());
    EXPECT_EQ(one.error().code, LedgerError::Code::kCorrupt);
    ASSERT_TRUE(rocks_->put(Column::kIndex, key('t', Hash256{}), Bytes{0x01}).has_value());
    EXPECT_EQ(ledger_->tx_location(Hash256{}).error().code, LedgerError::Code::kCorrupt);
}

class LogsTest : public LedgerTest {
protected:
    void SetUp() override {
        LedgerTest::SetUp();
        open_ok();
        // block 1: tx0 [A(t1,t2), B(t1)], tx1 [A()]; block 2: tx0 [], tx1 [C(t3,t2,t1)];
        // block 3: tx0 [B(t2,t1)]
        blocks_.push_back(commit_block({{{log(a_, {t1_, t2_}), log(b_, {t1_})}}, {{log(a_, {})}}}));
        blocks_.push_back(commit_block({{{}}, {{log(c_, {t3_, t2_, t1_})}}}));
        blocks_.push_back(commit_block({{{log(b_, {t2_, t1_})}}}));
    }
    // (block, tx, log index in block) of every result; fails the test on an error.
    std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> find(Ledger::LogFilter f,
                                                               size_t max = 100) {
        auto r = ledger_->logs(f, max);
        EXPECT_TRUE(r.has_value()) << r.error().message;
        std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> out;
        if (!r) return out;
        for (const auto& e : *r) {
            const auto& [b, rs] = blocks_[e.block_number - 1];
            EXPECT_EQ(e.block_hash, b.header.hash(suite()));
            EXPECT_EQ(e.tx_hash, b.transactions[e.tx_index].hash(suite()));
            const auto& logs = rs[e.tx_index].receipt.logs;
            EXPECT_EQ(e.log, logs[e.log_index - rs[e.tx_index].first_log_index]);
            out.emplace_back(e.block_number, e.tx_index, e.log_index);
        }
        return out;
    }
    using Hits = std::vector<std::tuple<uint64_t, uint32_t, uint32_t>>;

    const Address a_ = Address::from(Bytes(20, 0xaa));
    const Address b_ = Address::from(Bytes(20, 0xbb));
    const Address c_ = Address::from(Bytes(20, 0xcc));
    const Address d_ = Address::from(Bytes(20, 0xdd));
    const Hash256 t1_ = Hash256::from(Bytes(32, 0x01));
    const Hash256 t2_ = Hash256::from(Bytes(32, 0x02));
    const Hash256 t3_ = Hash256::from(Bytes(32, 0x03));
    const Hash256 t4_ = Hash256::from(Bytes(32, 0x04));
    std::vector<std::pair<Block, std::vector<ReceiptRecord>>> blocks_;
};

TEST_P(LogsTest, AddressesAreAnOrSet) {
    EXPECT_EQ(find({0, 10, {}, {}}), (Hits{{1, 0, 0}, {1, 0, 1}, {1, 1, 2}, {2, 1, 0}, {3, 0, 0}}));
    EXPECT_EQ(find({0, 10, {a_}, {}}), (Hits{{1, 0, 0}, {1, 1, 2}}));
    EXPECT_EQ(find({0, 10, {c_, a_}, {}}), (Hits{{1, 0, 0}, {1, 1, 2}, {2, 1, 0}}));
    EXPECT_EQ(find({0, 10, {d_}, {}}), Hits{});
}

TEST_P(LogsTest, TopicPositionsWithOrSetsAndWildcards) {
    EXPECT_EQ(find({1, 3, {}, {{t1_}}}), (Hits{{1, 0, 0}, {1, 0, 1}}));
    EXPECT_EQ(find({1, 3, {}, {{t1_, t2_}}}), (Hits{{1, 0, 0}, {1, 0, 1}, {3, 0, 0}}));
    EXPECT_EQ(find({1, 3, {}, {{}, {t2_}}}), (Hits{{1, 0, 0}, {2, 1, 0}}));
    // Wildcard positions still need the log to have that many topics (as geth).
    EXPECT_EQ(find({1, 3, {}, {{}, {}, {}}}), (Hits{{2, 1, 0}}));
    EXPECT_EQ(find({1, 3, {}, {{}}}), (Hits{{1, 0, 0}, {1, 0, 1}, {2, 1, 0}, {3, 0, 0}}));
    EXPECT_EQ(find({1, 3, {c_}, {{t3_}, {t2_}}}), (Hits{{2, 1, 0}}));
    EXPECT_EQ(find({1, 3, {a_}, {{t3_}}}), Hits{});
    EXPECT_EQ(find({1, 3, {}, {{t4_}}}), Hits{});
    EXPECT_EQ(find({1, 3, {}, {{t1_}, {t2_}, {}, {}}}), Hits{});
}

TEST_P(LogsTest, RangesAndLimits) {
    EXPECT_EQ(find({2, 2, {}, {}}), (Hits{{2, 1, 0}}));
    EXPECT_EQ(find({3, 1000, {}, {}}), (Hits{{3, 0, 0}}));  // clamped to the head
    EXPECT_EQ(find({4, 10, {}, {}}), Hits{});
    EXPECT_EQ(find({0, 0, {}, {}}), Hits{});  // genesis has no logs
    auto bad = ledger_->logs({5, 4, {}, {}}, 10);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, LedgerError::Code::kInvalidFilter);
    auto topics = ledger_->logs({0, 3, {}, {{}, {}, {}, {}, {}}}, 10);
    ASSERT_FALSE(topics.has_value());
    EXPECT_EQ(topics.error().code, LedgerError::Code::kInvalidFilter);
    EXPECT_EQ(find({0, 3, {}, {}}, 5).size(), 5u);
    auto many = ledger_->logs({0, 3, {}, {}}, 4);
    ASSERT_FALSE(many.has_value());
    EXPECT_EQ(many.error().code, LedgerError::Code::kTooManyLogs);
    EXPECT_EQ(find({0, 3, {d_}, {}}, 0), Hits{});
}

TEST_P(LogsTest, HeaderBloomSkipsBlocks) {
    // Only block 1 has a log of A: the receipts of blocks 2 and 3 are never read.
    faulty_->receipt_scans = 0;
    EXPECT_EQ(find({1, 3, {a_}, {}}).size(), 2u);
    EXPECT_EQ(faulty_->receipt_scans, 1);
    faulty_->receipt_scans = 0;
    EXPECT_EQ(find({1, 3, {}, {{t3_}}}).size(), 1u);
    EXPECT_EQ(faulty_->receipt_scans, 1);
    faulty_->receipt_scans = 0;
    EXPECT_EQ(find({1, 3, {d_}, {}}).size(), 0u);
    EXPECT_EQ(faulty_->receipt_scans, 0);
}

TEST_P(LedgerTest, ReadersSeeNothingOrAWholeBlock) {
    open_ok();
    constexpr int kBlocks = 30;
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};
    auto reader = [&] {
        while (!done) {
            const uint64_t n = ledger_->head_number();
            for (uint64_t m : {n, n + 1}) {
                auto b = ledger_->block(m);
                if (!b) {
                    ++failures;
                    continue;
                }
                if (!b->has_value()) {
                    if (m <= n) ++failures;  // at or below the head: must be there
                    continue;
                }
                const Hash256 h = (*b)->header.hash(suite());
                auto rs = ledger_->receipts(h);
                if (!rs || !rs->has_value() || (*rs)->size() != (*b)->transactions.size()) {
                    ++failures;
                }
                for (const auto& tx : (*b)->transactions) {
                    auto loc = ledger_->tx_location(tx.hash(suite()));
                    if (!loc || !loc->has_value() || (*loc)->block_hash != h) ++failures;
                }
            }
        }
    };
    std::thread r1(reader), r2(reader);
    for (int i = 0; i < kBlocks; ++i)
        commit_block({{{log(Address{}, {})}}, {{}}, {{}}});
    done = true;
    r1.join();
    r2.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(ledger_->head_number(), uint64_t(kBlocks));
}

INSTANTIATE_TEST_SUITE_P(BothSuites, LedgerTest,
                         ::testing::Values(crypto::SuiteId::kEcdsa, crypto::SuiteId::kSm),
                         [](const auto& info) {
                             return info.param == crypto::SuiteId::kSm ? "sm" : "ecdsa";
                         });
INSTANTIATE_TEST_SUITE_P(BothSuites, LogsTest,
                         ::testing::Values(crypto::SuiteId::kEcdsa, crypto::SuiteId::kSm),
                         [](const auto& info) {
                             return info.param == crypto::SuiteId::kSm ? "sm" : "ecdsa";
                         });

// ---- roots ----

TEST(Roots, ReceiptsRootOfOneTransferIsEthereums) {
    // One successful legacy transfer, 21000 gas, no logs: the receiptsRoot of countless
    // Ethereum blocks and test chains (geth's t8n example, reth's compute_receipts_root test).
    protocol::Receipt r;
    r.type = TxType::kLegacy;
    r.success = true;
    r.cumulative_gas_used = 21000;
    auto root = receipts_root(crypto::ecdsa_suite(), std::span<const protocol::Receipt>(&r, 1));
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(to_hex(*root), "0x056b23fbba480696b65fe5a59b8f2148a1299103c4f57df839233af2cf4ca2d2");
    // Empty: the empty trie (keccak(0x80) / SM3(0x80)).
    for (const auto* s : {&crypto::ecdsa_suite(), &crypto::sm_suite()}) {
        EXPECT_EQ(*receipts_root(*s, std::span<const protocol::Receipt>{}), trie::empty_root(*s));
        EXPECT_EQ(transactions_root(*s, std::span<const Transaction>{}), trie::empty_root(*s));
    }
}

TEST(Roots, TransactionsRootIsTheOrderedTrieOfEnvelopes) {
    std::mt19937_64 rng(test::seed());
    std::vector<Transaction> txs;
    for (int i = 0; i < 5; ++i)
        txs.push_back(test::random_tx(rng, TxType::kDynamicFee));
    for (const auto* s : {&crypto::ecdsa_suite(), &crypto::sm_suite()}) {
        trie::Trie t(*s);
        for (size_t i = 0; i < txs.size(); ++i) {
            Bytes k;
            rlp::encode_uint(k, uint64_t(i));
            ASSERT_TRUE(t.put(k, txs[i].encode()).has_value());
        }
        EXPECT_EQ(transactions_root(*s, txs), *t.root());
        std::vector<Hash256> hashes{Hash256{}};  // resized, not appended to
        EXPECT_EQ(transactions_root(*s, txs, hashes), *t.root());
        ASSERT_EQ(hashes.size(), txs.size());
        for (size_t i = 0; i < txs.size(); ++i)
            EXPECT_EQ(hashes[i], txs[i].hash(*s));
    }
}

TEST(Roots, BloomMatchesExecutions) {
    std::mt19937_64 rng(test::seed());
    std::vector<Log> logs;
    for (int i = 0; i < 6; ++i) {
        Log l{test::random_fixed<20>(rng), {}, {}};
        for (int j = 0; j < i % 5; ++j)
            l.topics.push_back(test::random_fixed<32>(rng));
        logs.push_back(l);
    }
    EXPECT_EQ(protocol::bloom_of(logs), execution::logs_bloom(logs));
}

TEST(Roots, OversizedReceiptIsAnError) {
    protocol::Receipt r;
    r.type = TxType::kLegacy;
    r.logs.push_back(Log{Address{}, {}, Bytes(protocol::kMaxReceiptSize, 0)});
    auto root = receipts_root(crypto::ecdsa_suite(), std::span<const protocol::Receipt>(&r, 1));
    ASSERT_FALSE(root.has_value());
    EXPECT_EQ(root.error().code, LedgerError::Code::kInvalidBlock);
}

}  // namespace
}  // namespace xl::ledger
