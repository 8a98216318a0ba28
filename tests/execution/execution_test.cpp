// SPDX-License-Identifier: Apache-2.0
// apply_transaction over an in-memory world: transfers, creation and calls with hand-written
// bytecode, revert and exceptional halt, stateful rejections, the EIP-3529 refund cap, bloom
// and the EIP-4844 fee function. Expected figures are derived from the gas constants of the
// Yellow Paper and EIPs named at each use, not copied from a run.
#include <gtest/gtest.h>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "evm/analysis.hpp"
#include "execution/execution.hpp"
#include "execution/executor.hpp"
#include "state/state.hpp"

using namespace xl;
using namespace xl::execution;

namespace {

Address addr(uint8_t b) {
    Address a;
    a[0] = 0xaa;
    a[19] = b;
    return a;
}

const Address kSender = addr(1);
const Address kTo = addr(2);
const Address kCoinbase = addr(3);
constexpr uint64_t kBaseFee = 7;
constexpr uint64_t kFeeCap = 10;
constexpr uint64_t kTip = 2;  // effective price = base fee + tip = 9 < fee cap
const U256 kRich = U256{1} << 80;

struct Fixture {
    state::State world;
    BlockEnv env;
    Fixture() {
        env.coinbase = kCoinbase;
        env.number = 10;
        env.gas_limit = 30'000'000;
        env.base_fee = kBaseFee;
        state::GenesisAccount s;
        s.balance = kRich;
        world.put_account(kSender, s);
    }
    void put_code(const Address& a, Bytes code, std::map<U256, U256> storage = {}) {
        state::GenesisAccount e;
        e.code = std::move(code);
        e.storage = std::move(storage);
        world.put_account(a, e);
    }
    protocol::Transaction tx(std::optional<Address> to, uint64_t gas, U256 value = 0,
                             Bytes data = {}) const {
        protocol::Transaction t;
        t.type = protocol::TxType::kDynamicFee;
        t.chain_id = U256{1};
        t.nonce = world.nonce(kSender);
        t.max_fee = kFeeCap;
        t.max_priority_fee = kTip;
        t.gas_limit = gas;
        t.to = to;
        t.value = value;
        t.data = std::move(data);
        return t;
    }
    Result<Receipt, ExecError> run(const protocol::Transaction& t) {
        return apply_transaction(world, env, t, kSender);
    }
    U256 balance(const Address& a) const { return world.balance(a); }
    Hash256 root() { return *world.state_root(crypto::ecdsa_suite()); }
    U256 slot(const Address& a, uint64_t k) const { return world.current_storage(a, U256{k}); }
};

TEST(Execution, SimpleTransfer) {
    Fixture f;
    const U256 value{12345};
    auto r = f.run(f.tx(kTo, 50'000, value));
    ASSERT_TRUE(r.has_value()) << to_string(r.error());
    EXPECT_TRUE(r->success);
    EXPECT_EQ(r->gas_used, 21000u);  // G_transaction
    const U256 price{kBaseFee + kTip};
    EXPECT_EQ(f.balance(kSender), kRich - value - U256{21000} * price);
    EXPECT_EQ(f.balance(kTo), value);
    EXPECT_EQ(f.balance(kCoinbase), U256{21000 * kTip});  // the base fee is burnt (EIP-1559)
    EXPECT_EQ(f.world.nonce(kSender), 1u);
    EXPECT_TRUE(r->logs.empty());
}

TEST(Execution, ZeroValueTransferToNobodyCreatesNothing) {
    Fixture f;
    f.env.base_fee = kFeeCap;  // tip 0: the coinbase is touched, empty, and removed (EIP-161)
    auto r = f.run(f.tx(kTo, 21000));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(f.world.exists(kTo));
    EXPECT_FALSE(f.world.exists(kCoinbase));
}

TEST(Execution, StatefulRejectionsLeaveTheWorldAlone) {
    Fixture f;
    const Hash256 before = f.root();
    auto expect = [&](protocol::Transaction t, ExecError want) {
        auto r = f.run(t);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), want) << to_string(r.error());
        EXPECT_EQ(f.root(), before);
    };
    auto t = f.tx(kTo, 21000);
    t.nonce = 1;
    expect(t, ExecError::kNonceTooHigh);
    t = f.tx(kTo, 21000, kRich);  // value plus gas exceeds the balance
    expect(t, ExecError::kInsufficientFunds);
    t = f.tx(kTo, 20999);
    expect(t, ExecError::kIntrinsicGas);
    t = f.tx(kTo, 21000);
    t.max_fee = kBaseFee - 1;
    t.max_priority_fee = 0;
    expect(t, ExecError::kFeeCapTooLow);
    t = f.tx(kTo, 31'000'000);
    expect(t, ExecError::kGasLimitReached);
    t = f.tx(std::nullopt, 10'000'000, 0, Bytes(kMaxInitCodeSize + 1, 0));
    expect(t, ExecError::kMaxInitCodeSize);
    // EIP-3607: a sender with code is rejected.
    state::GenesisAccount with_code;
    with_code.balance = kRich;
    with_code.code = {0x00};
    f.world.put_account(kSender, with_code);
    const Hash256 before2 = f.root();
    auto r = f.run(f.tx(kTo, 21000));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), ExecError::kSenderNotEoa);
    EXPECT_EQ(f.root(), before2);
}

TEST(Execution, NonceTooLow) {
    Fixture f;
    ASSERT_TRUE(f.run(f.tx(kTo, 21000)).has_value());
    auto t = f.tx(kTo, 21000);
    t.nonce = 0;
    auto r = f.run(t);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), ExecError::kNonceTooLow);
}

// Runtime code: SSTORE(0, 0x2a); STOP.
const Bytes kRuntime = {0x60, 0x2a, 0x60, 0x00, 0x55, 0x00};

// Init code returning kRuntime: PUSH6 <runtime> PUSH1 0 MSTORE PUSH1 6 PUSH1 26 RETURN.
Bytes init_code() {
    Bytes c = {0x65};
    c.insert(c.end(), kRuntime.begin(), kRuntime.end());
    const Bytes tail = {0x60, 0x00, 0x52, 0x60, 0x06, 0x60, 0x1a, 0xf3};
    c.insert(c.end(), tail.begin(), tail.end());
    return c;
}

TEST(Execution, CreateThenCall) {
    Fixture f;
    auto r = f.run(f.tx(std::nullopt, 200'000, 5, init_code()));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->success);
    // Yellow Paper eq. 88: keccak256(rlp([sender, nonce]))[12:].
    const Hash256 h =
        crypto::keccak256(rlp::ListBuilder().add_string(kSender).add_uint(0).finish());
    const Address created = Address::from(BytesView(h.data() + 12, 20));
    ASSERT_TRUE(f.world.exists(created));
    const BytesView code = f.world.code(created);
    EXPECT_EQ(Bytes(code.begin(), code.end()), kRuntime);
    EXPECT_EQ(f.world.nonce(created), 1u);  // EIP-161
    EXPECT_EQ(f.balance(created), U256{5});
    EXPECT_EQ(f.world.nonce(kSender), 1u);

    auto r2 = f.run(f.tx(created, 100'000));
    ASSERT_TRUE(r2.has_value());
    ASSERT_TRUE(r2->success);
    EXPECT_EQ(f.slot(created, 0), U256{0x2a});
    EXPECT_EQ(f.world.nonce(kSender), 2u);
}

TEST(Execution, CreateRejectsEfCode) {
    Fixture f;
    // Init code returning one byte 0xEF (EIP-3541): PUSH1 0xef PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0
    // RETURN. The creation fails with all gas consumed and no account.
    const Bytes init = {0x60, 0xef, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3};
    auto r = f.run(f.tx(std::nullopt, 100'000, 0, init));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->success);
    EXPECT_EQ(r->gas_used, 100'000u);
    EXPECT_EQ(f.world.nonce(kSender), 1u);   // still incremented
    EXPECT_EQ(f.world.account_count(), 2u);  // sender and coinbase only
}

TEST(Execution, RevertRestoresStateAndKeepsGas) {
    Fixture f;
    // SSTORE(0, 1); LOG0(0, 0); REVERT(0, 0)
    f.put_code(kTo, {0x60, 0x01, 0x60, 0x00, 0x55, 0x60, 0x00, 0x60, 0x00, 0xa0, 0x60, 0x00, 0x60,
                     0x00, 0xfd});
    auto r = f.run(f.tx(kTo, 100'000, 7));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->success);
    EXPECT_LT(r->gas_used, 100'000u);  // REVERT returns the gas left (EIP-140)
    EXPECT_TRUE(r->logs.empty());
    EXPECT_FALSE(f.world.has_storage(kTo));
    EXPECT_EQ(f.balance(kTo), U256{0});  // the value transfer is undone too
    EXPECT_EQ(f.world.nonce(kSender), 1u);
    const U256 price{kBaseFee + kTip};
    EXPECT_EQ(f.balance(kSender), kRich - U256{r->gas_used} * price);
}

TEST(Execution, ExceptionalHaltConsumesAllGas) {
    Fixture f;
    f.put_code(kTo, {0x60, 0x01, 0x60, 0x00, 0x55, 0xfe});  // SSTORE(0, 1); INVALID
    auto r = f.run(f.tx(kTo, 100'000));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->success);
    EXPECT_EQ(r->gas_used, 100'000u);
    EXPECT_TRUE(!f.world.has_storage(kTo));
}

TEST(Execution, RefundIsCappedAtOneFifth) {
    Fixture f;
    // SSTORE(0, 0); SSTORE(1, 0) on two set slots: each costs 2100 (cold, EIP-2929) + 2900
    // (EIP-2200 reset) + 6 for the pushes and refunds 4800 (EIP-3529).
    f.put_code(kTo, {0x60, 0x00, 0x60, 0x00, 0x55, 0x60, 0x00, 0x60, 0x01, 0x55, 0x00},
               {{U256{0}, U256{1}}, {U256{1}, U256{1}}});
    auto r = f.run(f.tx(kTo, 100'000));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->success);
    const uint64_t used = 21000 + 2 * (2100 + 2900 + 6);
    const uint64_t refund = std::min<uint64_t>(2 * 4800, used / 5);
    ASSERT_LT(used / 5, 2 * 4800u);  // the cap applies
    EXPECT_EQ(r->gas_used, used - refund);
    EXPECT_TRUE(!f.world.has_storage(kTo));
}

TEST(Execution, LogsAndBloom) {
    Fixture f;
    // MSTORE8(0, 0x11); LOG1(0, 1, topic 0x42)
    f.put_code(kTo, {0x60, 0x11, 0x60, 0x00, 0x53, 0x60, 0x42, 0x60, 0x01, 0x60, 0x00, 0xa1, 0x00});
    auto r = f.run(f.tx(kTo, 100'000));
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->logs.size(), 1u);
    const Log& log = r->logs[0];
    EXPECT_EQ(log.address, kTo);
    ASSERT_EQ(log.topics.size(), 1u);
    EXPECT_EQ(U256::from_hash(log.topics[0]), U256{0x42});
    EXPECT_EQ(log.data, Bytes{0x11});
    // Every item sets its three bits (Yellow Paper eq. 30), and nothing else is set.
    Bloom want{};
    for (BytesView item : {BytesView(log.address), BytesView(log.topics[0])}) {
        const Hash256 h = crypto::keccak256(item);
        for (int i = 0; i < 6; i += 2) {
            const unsigned bit = ((h[i] << 8) | h[i + 1]) & 2047;
            want[255 - bit / 8] |= uint8_t(1u << (bit % 8));
        }
    }
    EXPECT_EQ(r->bloom, want);
    EXPECT_EQ(logs_bloom({}), Bloom{});
    // An empty log list hashes to keccak256(0xc0).
    EXPECT_EQ(logs_hash({}), crypto::keccak256(Bytes{0xc0}));
}

TEST(Execution, Create2AddressAndCollision) {
    Fixture f;
    // CREATE2(value 0, offset 0, size 0, salt 0) twice; results to slots 0 and 1. The second
    // collides with the first (nonce 1 at the target, EIP-684) and pushes 0.
    const Bytes create2 = {0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0xf5};
    Bytes code = create2;
    code.insert(code.end(), {0x60, 0x00, 0x55});
    code.insert(code.end(), create2.begin(), create2.end());
    code.insert(code.end(), {0x60, 0x01, 0x55, 0x00});
    f.put_code(kTo, code);
    auto r = f.run(f.tx(kTo, 1'000'000));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->success);
    // EIP-1014: keccak256(0xff ++ sender ++ salt ++ keccak256(initcode))[12:].
    Bytes pre = {0xff};
    pre.insert(pre.end(), kTo.begin(), kTo.end());
    pre.insert(pre.end(), 32, 0);
    const Hash256 init_hash = crypto::keccak256({});
    pre.insert(pre.end(), init_hash.begin(), init_hash.end());
    const Hash256 h = crypto::keccak256(pre);
    const Address want = Address::from(BytesView(h.data() + 12, 20));
    EXPECT_EQ(f.slot(kTo, 0), U256::from_be_bytes(want));
    EXPECT_EQ(f.slot(kTo, 1), U256{0});
    EXPECT_TRUE(f.world.exists(want));
    EXPECT_EQ(f.world.nonce(want), 1u);
    EXPECT_EQ(f.world.nonce(kTo), 2u);  // both attempts increment the creator's nonce
}

Bytes selfdestruct_to(const Address& beneficiary) {
    Bytes c = {0x73};  // PUSH20
    c.insert(c.end(), beneficiary.begin(), beneficiary.end());
    c.push_back(0xff);  // SELFDESTRUCT
    return c;
}

TEST(Execution, SelfdestructOfOldContractOnlyMovesTheBalance) {
    Fixture f;
    const Address heir = addr(9);
    state::GenesisAccount c;
    c.balance = 1000;
    c.code = selfdestruct_to(heir);
    c.storage = {{U256{1}, U256{2}}};
    f.world.put_account(kTo, c);
    auto r = f.run(f.tx(kTo, 100'000));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->success);
    // EIP-6780: not created in this transaction, so code and storage stay.
    EXPECT_TRUE(f.world.exists(kTo));
    EXPECT_EQ(f.balance(kTo), U256{0});
    EXPECT_EQ(f.balance(heir), U256{1000});
    EXPECT_EQ(f.slot(kTo, 1), U256{2});
    EXPECT_EQ(f.world.code(kTo).size(), c.code.size());
}

TEST(Execution, SelfdestructInCreationDeletesTheAccount) {
    Fixture f;
    const Address heir = addr(9);
    auto r = f.run(f.tx(std::nullopt, 200'000, 5, selfdestruct_to(heir)));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->success);
    const Hash256 h =
        crypto::keccak256(rlp::ListBuilder().add_string(kSender).add_uint(0).finish());
    const Address created = Address::from(BytesView(h.data() + 12, 20));
    EXPECT_FALSE(f.world.exists(created));
    EXPECT_EQ(f.balance(heir), U256{5});
}

TEST(Execution, FakeExponential) {
    // Vectors of the EIP-4844 reference tests (go-ethereum eip4844_test.go).
    struct V {
        uint64_t factor, num, den, want;
    };
    const V vs[] = {{1, 0, 1, 1},       {38493, 0, 1000, 38493},
                    {0, 1234, 2345, 0}, {1, 2, 1, 6},
                    {1, 4, 2, 6},       {1, 3, 1, 16},
                    {1, 6, 2, 18},      {1, 4, 1, 49},
                    {1, 8, 2, 50},      {10, 8, 2, 542},
                    {11, 8, 2, 596},    {1, 5, 1, 136},
                    {1, 5, 2, 11},      {2, 5, 2, 23}};
    for (const V& v : vs) {
        EXPECT_EQ(fake_exponential(v.factor, v.num, v.den), U256{v.want})
            << v.factor << " " << v.num << " " << v.den;
    }
    EXPECT_EQ(blob_base_fee(0), U256{1});
}

// ---- The sm suite (DESIGN.md §2) and the analysis cache ----

// Runtime code of the suite test: with calldata, stores keccak256(calldata) in slot 0 and logs
// the calldata with that hash as topic; without calldata, REVERTs.
//   0: CALLDATASIZE ISZERO PUSH1 0x18 JUMPI
//   5: CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY        mem[0, n) = calldata
//  11: CALLDATASIZE PUSH1 0 KECCAK256 DUP1 PUSH1 0 SSTORE
//  19: CALLDATASIZE PUSH1 0 LOG1 STOP                   LOG1(0, n, topic = hash)
//  24: JUMPDEST PUSH1 0 PUSH1 0 REVERT
const Bytes kHashLogger = {0x36, 0x15, 0x60, 0x18, 0x57, 0x36, 0x60, 0x00, 0x60, 0x00,
                           0x37, 0x36, 0x60, 0x00, 0x20, 0x80, 0x60, 0x00, 0x55, 0x36,
                           0x60, 0x00, 0xa1, 0x00, 0x5b, 0x60, 0x00, 0x60, 0x00, 0xfd};

// Init code returning kHashLogger: PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN.
Bytes hash_logger_init() {
    Bytes c = {0x60, uint8_t(kHashLogger.size()), 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00,
               0xf3};
    c.insert(c.end(), kHashLogger.begin(), kHashLogger.end());
    return c;
}

// What one run of deploy + call + reverting call leaves, for comparison across runs.
struct SuiteRun {
    std::vector<Receipt> receipts;
    Address created;
    BytesView code;
    U256 slot0;
    Hash256 root;
};

// Deploys kHashLogger, calls it with "abc" (store + log), then with no data (revert), in
// transactions of `type`; the state root is taken under `suite`.
SuiteRun run_hash_logger(Fixture& f, protocol::TxType type, const crypto::CryptoSuite& suite) {
    SuiteRun out;
    auto send = [&](std::optional<Address> to, Bytes data) {
        protocol::Transaction t = f.tx(to, 200'000, 0, std::move(data));
        t.type = type;
        auto r = f.run(t);
        EXPECT_TRUE(r.has_value());
        if (r.has_value()) out.receipts.push_back(*r);
    };
    send(std::nullopt, hash_logger_init());
    out.created = Address::from(BytesView(
        crypto::keccak256(rlp::ListBuilder().add_string(kSender).add_uint(0).finish()).data() + 12,
        20));
    send(out.created, {'a', 'b', 'c'});
    send(out.created, {});
    out.code = f.world.code(out.created);
    out.slot0 = f.slot(out.created, 0);
    out.root = *f.world.state_root(suite);
    return out;
}

TEST(ExecutionSm, SameEvmResultsUnderBothSuitesDifferentStateRoot) {
    Fixture fe, fs, fs_keccak_root;
    const SuiteRun e = run_hash_logger(fe, protocol::TxType::kDynamicFee, crypto::ecdsa_suite());
    const SuiteRun s = run_hash_logger(fs, protocol::TxType::kSm, crypto::sm_suite());
    // The sm-suite world committed with keccak: proves the two worlds hold the same accounts.
    const SuiteRun sk =
        run_hash_logger(fs_keccak_root, protocol::TxType::kSm, crypto::ecdsa_suite());
    ASSERT_EQ(e.receipts.size(), 3u);
    ASSERT_EQ(s.receipts.size(), 3u);
    EXPECT_TRUE(e.receipts[0].success);
    EXPECT_TRUE(e.receipts[1].success);
    EXPECT_FALSE(e.receipts[2].success);  // REVERT
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(s.receipts[i].success, e.receipts[i].success) << i;
        EXPECT_EQ(s.receipts[i].gas_used, e.receipts[i].gas_used) << i;
        EXPECT_EQ(s.receipts[i].cumulative_gas_used, e.receipts[i].cumulative_gas_used) << i;
        EXPECT_EQ(s.receipts[i].logs, e.receipts[i].logs) << i;
        EXPECT_EQ(s.receipts[i].bloom, e.receipts[i].bloom) << i;
    }
    // CREATE's address is Ethereum's (keccak of RLP) in both suites; the code is deployed there.
    EXPECT_TRUE(fs.world.exists(e.created));
    EXPECT_EQ(Bytes(s.code.begin(), s.code.end()), kHashLogger);
    EXPECT_EQ(Bytes(e.code.begin(), e.code.end()), kHashLogger);
    // KECCAK256 is keccak in both suites, not the suite's SM3.
    const Bytes abc = {'a', 'b', 'c'};
    EXPECT_EQ(e.slot0, U256::from_hash(crypto::keccak256(abc)));
    EXPECT_EQ(s.slot0, e.slot0);
    EXPECT_NE(s.slot0, U256::from_hash(crypto::sm_suite().hash(abc)));
    ASSERT_EQ(s.receipts[1].logs.size(), 1u);
    EXPECT_EQ(s.receipts[1].logs[0].topics.at(0), crypto::keccak256(abc));
    EXPECT_EQ(s.receipts[1].logs[0].data, abc);
    EXPECT_TRUE(s.receipts[2].logs.empty());
    // Same accounts, different ledger hash: the SM3 trie gives another root.
    EXPECT_EQ(sk.root, e.root);
    EXPECT_NE(s.root, e.root);
}

TEST(Execution, AnalysisCacheGivesTheSameResults) {
    // The same transactions with and without a shared cache of code analyses; the cached run
    // calls the contract twice, so its analysis is found the second time.
    evm::AnalysisCache cache;
    Fixture plain, cached;
    cached.env.analysis_cache = &cache;
    const SuiteRun a = run_hash_logger(plain, protocol::TxType::kDynamicFee, crypto::ecdsa_suite());
    const SuiteRun b =
        run_hash_logger(cached, protocol::TxType::kDynamicFee, crypto::ecdsa_suite());
    ASSERT_EQ(a.receipts.size(), b.receipts.size());
    for (size_t i = 0; i < a.receipts.size(); ++i) {
        EXPECT_EQ(a.receipts[i].gas_used, b.receipts[i].gas_used) << i;
        EXPECT_EQ(a.receipts[i].logs, b.receipts[i].logs) << i;
    }
    EXPECT_EQ(a.root, b.root);
    const auto st = cache.stats();
    EXPECT_EQ(st.misses, 1u);  // the creation frame's initcode is not cached
    EXPECT_EQ(st.hits, 1u);
}

}  // namespace
