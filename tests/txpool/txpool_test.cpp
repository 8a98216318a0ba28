// SPDX-License-Identifier: Apache-2.0
// TxPool under both suites: every admission rejection with its exact (geth) text and in its
// order, replacement at the price-bump boundary, nonce gaps, pending() order and limits,
// remove_committed (also with the block's senders), eviction when full.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>

#include "codec/abi.hpp"
#include "protocol/limits.hpp"
#include "txpool/txpool.hpp"
#include "txpool/txpool_test_util.hpp"

// Designated initializers of TxSpec and Config name only the fields a test varies.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace xl;
using namespace xl::test;
using txpool::AddCode;
using txpool::Config;
using txpool::TxPool;

namespace {

class TxPoolTest : public ::testing::TestWithParam<const char*> {
protected:
    // a and b with nonces 0..3, c with nonce 0, all admitted (the remove_committed tests).
    struct ThreeSenders {
        Signer a, b, c;
        std::vector<Bytes> ra, rb;
        Bytes rc;
    };
    ThreeSenders fill_three_senders(TxPool& pool) {
        ThreeSenders t{signer(), signer(), signer(), {}, {}, {}};
        for (uint64_t n = 0; n < 4; ++n) {
            t.ra.push_back(raw_tx(t.a, {.nonce = n}));
            t.rb.push_back(raw_tx(t.b, {.nonce = n}));
            EXPECT_EQ(add_error(pool, t.ra.back(), state_), "");
            EXPECT_EQ(add_error(pool, t.rb.back(), state_), "");
        }
        t.rc = raw_tx(t.c, {.nonce = 0});
        EXPECT_EQ(add_error(pool, t.rc, state_), "");
        return t;
    }
    const crypto::CryptoSuite& suite() const { return *crypto::suite_by_name(GetParam()); }
    const crypto::CryptoSuite& other_suite() const {
        return suite().id() == crypto::SuiteId::kSm ? crypto::ecdsa_suite() : crypto::sm_suite();
    }

    std::unique_ptr<TxPool> make_pool(Config c = {}, U256 base_fee = U256(1)) {
        c.threads = c.threads ? c.threads : 2;
        return std::make_unique<TxPool>(suite(), kChainId, kBlockGasLimit, base_fee, c);
    }
    Signer signer() { return make_signer(suite(), rng_); }

    // The error of adding raw, or "" if it was admitted.
    static std::string add_error(TxPool& pool, const Bytes& raw,
                                 const txpool::AccountReader& state) {
        auto r = pool.add(raw, state);
        return r ? std::string() : r.error().message;
    }
    static AddCode add_code(TxPool& pool, const Bytes& raw, const MapReader& state) {
        auto r = pool.add(raw, state);
        EXPECT_FALSE(r.has_value());
        return r ? AddCode::kMalformed : r.error().code;
    }

    std::mt19937_64 rng_{seed()};
    MapReader state_;
};

std::vector<Hash256> hashes(const std::vector<txpool::PoolTxPtr>& txs) {
    std::vector<Hash256> out;
    for (const auto& t : txs)
        out.push_back(t->hash);
    return out;
}

}  // namespace

TEST_P(TxPoolTest, AdmitsAValidTransfer) {
    auto pool = make_pool();
    const Signer a = signer();
    const Bytes raw = raw_tx(a, {});
    auto r = pool->add(raw, state_);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& ptx = **r;
    EXPECT_EQ(ptx.sender, a.address);
    EXPECT_EQ(ptx.raw, raw);
    EXPECT_EQ(ptx.hash, suite().hash(raw));
    EXPECT_EQ(ptx.tx.encode(), raw);
    EXPECT_EQ(pool->get(ptx.hash), *r);
    EXPECT_EQ(pool->size(), 1u);
    EXPECT_EQ(pool->bytes(), raw.size());
    EXPECT_EQ(pool->pending_nonce(a.address), std::optional<uint64_t>(1));
    EXPECT_EQ(pool->pending_nonce(signer().address), std::nullopt);
    EXPECT_EQ(pool->stats().added, 1u);
    EXPECT_EQ(pool->stats().size, 1u);
}

TEST_P(TxPoolTest, StatelessRejectionsWithGethTexts) {
    auto pool = make_pool();
    const Signer a = signer();

    EXPECT_EQ(add_error(*pool, Bytes(protocol::kMaxTxSize + 1, 0xc0), state_), "oversized data");
    EXPECT_EQ(add_code(*pool, Bytes(protocol::kMaxTxSize + 1, 0xc0), state_), AddCode::kOversized);

    Bytes trailing = raw_tx(a, {});
    trailing.push_back(0x00);
    EXPECT_EQ(add_error(*pool, trailing, state_), "rlp: input contains more than one value");
    EXPECT_EQ(add_code(*pool, trailing, state_), AddCode::kMalformed);
    EXPECT_EQ(add_error(*pool, Bytes{}, state_), "typed transaction too short");

    // A type of the other suite, and an unknown type byte.
    const Signer foreign = make_signer(other_suite(), rng_);
    EXPECT_EQ(add_error(*pool, raw_tx(foreign, {}), state_), "transaction type not supported");
    EXPECT_EQ(add_code(*pool, raw_tx(foreign, {}), state_), AddCode::kTypeNotSupported);
    EXPECT_EQ(add_error(*pool, Bytes{0x03, 0xc0}, state_), "transaction type not supported");

    TxSpec other_chain;
    other_chain.chain_id = kChainId + 1;
    EXPECT_EQ(add_error(*pool, raw_tx(a, other_chain), state_), "invalid chain id for signer");
    EXPECT_EQ(add_code(*pool, raw_tx(a, other_chain), state_), AddCode::kInvalidChainId);

    // s = 0 is out of range: a malformed signature, not a wrong one.
    auto zero_s = signed_tx(a, {});
    zero_s.s = U256(0);
    EXPECT_EQ(add_error(*pool, zero_s.encode(), state_), "invalid transaction v, r, s values");
    EXPECT_EQ(add_code(*pool, zero_s.encode(), state_), AddCode::kInvalidSignature);

    // A well-formed signature that does not verify (sm) or whose r is no curve point (ecdsa).
    auto bad = signed_tx(a, {});
    if (suite().id() == crypto::SuiteId::kSm) {
        bad.value = U256(1);  // signed fields changed after signing
    } else {
        for (uint64_t r = 1;; ++r) {
            bad.r = U256(r);
            auto rec = bad.recover_sender(suite());
            if (!rec && rec.error() == protocol::TxError::kInvalidSender) break;
        }
    }
    EXPECT_EQ(add_error(*pool, bad.encode(), state_), "invalid sender");
    EXPECT_EQ(add_code(*pool, bad.encode(), state_), AddCode::kInvalidSender);

    TxSpec tip_high;
    tip_high.tip = U256(11);
    EXPECT_EQ(add_error(*pool, raw_tx(a, tip_high), state_),
              "max priority fee per gas higher than max fee per gas");

    EXPECT_EQ(pool->size(), 0u);
    EXPECT_EQ(pool->stats().rejected, 15u);
}

TEST_P(TxPoolTest, StatefulRejectionsWithGethTexts) {
    auto pool = make_pool({}, U256(10));
    const Signer a = signer();
    state_.set(a.address, 5, U256(1'000'000));

    const Bytes first = raw_tx(a, {.nonce = 5});
    ASSERT_EQ(add_error(*pool, first, state_), "");
    EXPECT_EQ(add_error(*pool, first, state_), "already known");
    EXPECT_EQ(add_code(*pool, first, state_), AddCode::kAlreadyKnown);

    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 3}), state_),
              "nonce too low: next nonce 5, tx nonce 3");
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 4}), state_), AddCode::kNonceTooLow);

    // The gap: state nonce + max_nonce_gap is the last nonce admitted.
    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 5 + 1000 + 1}), state_), "nonce too high");
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 5 + 1000 + 1}), state_), AddCode::kNonceTooHigh);
    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 5 + 1000}), state_), "");

    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 6, .gas = 20999}), state_),
              "intrinsic gas too low: gas 20999, minimum needed 21000");
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 6, .gas = 20999}), state_),
              AddCode::kIntrinsicGas);
    EXPECT_EQ(
        add_error(*pool, raw_tx(a, {.nonce = 6, .gas = 21100, .data = Bytes(10, 0xff)}), state_),
        "intrinsic gas too low: gas 21100, minimum needed 21160");

    EXPECT_EQ(
        add_error(
            *pool,
            raw_tx(a, {.nonce = 6, .fee_cap = U256(0), .tip = U256(0), .gas = kBlockGasLimit + 1}),
            state_),
        "exceeds block gas limit");

    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 6, .fee_cap = U256(9)}), state_),
              "max fee per gas less than block base fee: address " +
                  xl::abi::checksum_address(a.address) + ", maxFeePerGas: 9, baseFee: 10");
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 6, .fee_cap = U256(9)}), state_),
              AddCode::kFeeCapBelowBaseFee);

    // 21000 * 40 + 200001 = 1040001 > 1000000.
    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 6, .fee_cap = U256(40), .value = U256(200001)}),
                        state_),
              "insufficient funds for gas * price + value: balance 1000000, tx cost 1040001, "
              "overshot 40001");
    // Exactly affordable.
    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 6, .fee_cap = U256(40), .value = U256(160000)}),
                        state_),
              "");
    // gas * feeCap + value beyond 2^256 is reported exactly.
    const U256 max_value = U256::max();
    EXPECT_EQ(add_error(*pool, raw_tx(a, {.nonce = 7, .value = max_value}), state_),
              "insufficient funds for gas * price + value: balance 1000000, tx cost "
              "115792089237316195423570985008687907853269984665640564039457584007913129849935, "
              "overshot "
              "115792089237316195423570985008687907853269984665640564039457584007913128849935");
}

// When a transaction has several defects, the first in the documented order is reported.
TEST_P(TxPoolTest, FirstDefectInOrderIsReported) {
    auto pool = make_pool({}, U256(10));
    const Signer a = signer();
    state_.set(a.address, 5, U256(0));
    // Wrong chain and intrinsic gas too low: the chain id comes first.
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 1, .gas = 1, .chain_id = 9}), state_),
              AddCode::kInvalidChainId);
    // Nonce too low, intrinsic gas too low, fee cap below base fee, no funds: the nonce.
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 1, .fee_cap = U256(1), .gas = 1}), state_),
              AddCode::kNonceTooLow);
    // Intrinsic gas before the block gas limit, the base fee and the funds.
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 5, .fee_cap = U256(1), .gas = 1}), state_),
              AddCode::kIntrinsicGas);
    EXPECT_EQ(
        add_code(*pool, raw_tx(a, {.nonce = 5, .fee_cap = U256(1), .gas = kBlockGasLimit + 1}),
                 state_),
        AddCode::kExceedsBlockGasLimit);
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 5, .fee_cap = U256(1)}), state_),
              AddCode::kFeeCapBelowBaseFee);
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.nonce = 5}), state_), AddCode::kInsufficientFunds);
}

// geth's rule: both caps strictly higher and at least old * (100 + bump) / 100.
TEST_P(TxPoolTest, ReplacementAtTheBumpBoundary) {
    auto pool = make_pool();
    const Signer a = signer();
    const Bytes old = raw_tx(a, {.nonce = 0, .fee_cap = U256(100), .tip = U256(100)});
    ASSERT_EQ(add_error(*pool, old, state_), "");
    const Bytes other_nonce = raw_tx(a, {.nonce = 1, .fee_cap = U256(100), .tip = U256(100)});
    ASSERT_EQ(add_error(*pool, other_nonce, state_), "");

    const char* kUnderpriced = "replacement transaction underpriced";
    EXPECT_EQ(
        add_error(*pool, raw_tx(a, {.nonce = 0, .fee_cap = U256(109), .tip = U256(109)}), state_),
        kUnderpriced);
    EXPECT_EQ(
        add_error(*pool, raw_tx(a, {.nonce = 0, .fee_cap = U256(110), .tip = U256(109)}), state_),
        kUnderpriced);
    EXPECT_EQ(
        add_error(*pool, raw_tx(a, {.nonce = 0, .fee_cap = U256(200), .tip = U256(100)}), state_),
        kUnderpriced);
    EXPECT_EQ(
        add_code(*pool, raw_tx(a, {.nonce = 0, .fee_cap = U256(120), .tip = U256(105)}), state_),
        AddCode::kUnderpriced);
    EXPECT_EQ(pool->get(suite().hash(old))->raw, old);

    const Bytes repl = raw_tx(a, {.nonce = 0, .fee_cap = U256(110), .tip = U256(110)});
    auto r = pool->add(repl, state_);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(pool->get(suite().hash(old)), nullptr);
    EXPECT_EQ(pool->get(suite().hash(repl)), *r);
    EXPECT_EQ(pool->size(), 2u);
    EXPECT_EQ(pool->bytes(), repl.size() + other_nonce.size());
    EXPECT_EQ(pool->stats().replaced, 1u);
    // The replacement arrived last: it now follows nonce 1 in arrival order, but nonce order
    // within the sender still holds.
    auto p = pool->pending(10, kBlockGasLimit, state_);
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0]->hash, suite().hash(repl));

    // Zero prices cannot be "bumped" by anything but a strictly higher price.
    const Signer b = signer();
    ASSERT_EQ(add_error(*pool, raw_tx(b, {.fee_cap = U256(1), .tip = U256(0)}), state_), "");
    EXPECT_EQ(add_error(*pool, raw_tx(b, {.fee_cap = U256(2), .tip = U256(0)}), state_),
              kUnderpriced);
    EXPECT_EQ(add_error(*pool, raw_tx(b, {.fee_cap = U256(2), .tip = U256(1)}), state_), "");
}

TEST_P(TxPoolTest, GapsFilledLaterBecomePending) {
    auto pool = make_pool();
    const Signer a = signer();
    state_.set(a.address, 10);
    std::vector<Bytes> raws;
    for (uint64_t n = 10; n < 15; ++n)
        raws.push_back(raw_tx(a, {.nonce = n}));
    for (size_t i : {0, 2, 3})
        ASSERT_EQ(add_error(*pool, raws[i], state_), "");
    EXPECT_EQ(hashes(pool->pending(100, kBlockGasLimit, state_)),
              std::vector<Hash256>{suite().hash(raws[0])});
    EXPECT_EQ(pool->pending_nonce(a.address), std::optional<uint64_t>(11));
    EXPECT_EQ(pool->pending_nonce(a.address, state_), 11u);

    ASSERT_EQ(add_error(*pool, raws[1], state_), "");
    std::vector<Hash256> want;
    for (size_t i = 0; i < 4; ++i)
        want.push_back(suite().hash(raws[i]));
    EXPECT_EQ(hashes(pool->pending(100, kBlockGasLimit, state_)), want);
    EXPECT_EQ(pool->pending_nonce(a.address), std::optional<uint64_t>(14));

    // Nothing at the state nonce: nothing pending, although later nonces are queued.
    const Signer b = signer();
    ASSERT_EQ(add_error(*pool, raw_tx(b, {.nonce = 1}), state_), "");
    EXPECT_EQ(pool->pending(100, kBlockGasLimit, state_).size(), 4u);
    EXPECT_EQ(pool->pending_nonce(b.address), std::optional<uint64_t>(2));
    EXPECT_EQ(pool->pending_nonce(b.address, state_), 0u);
}

TEST_P(TxPoolTest, PendingInterleavesSendersByArrivalInNonceOrder) {
    auto pool = make_pool();
    const Signer a = signer();
    const Signer b = signer();
    // Arrival: a1, b0, a0, b1, a2. a0 is a's head (seq 3), b0 b's (seq 2).
    const Bytes a0 = raw_tx(a, {.nonce = 0}), a1 = raw_tx(a, {.nonce = 1}),
                a2 = raw_tx(a, {.nonce = 2});
    const Bytes b0 = raw_tx(b, {.nonce = 0}), b1 = raw_tx(b, {.nonce = 1});
    for (const Bytes* r : {&a1, &b0, &a0, &b1, &a2})
        ASSERT_EQ(add_error(*pool, *r, state_), "");
    auto h = [&](const Bytes& r) { return suite().hash(r); };
    // b0 (seq 2) < a0 (seq 3); then b1 (seq 4) vs a0 (3): a0; then a1 (1) < b1: a1; then
    // a2 (5) vs b1 (4): b1, a2.
    EXPECT_EQ(hashes(pool->pending(100, kBlockGasLimit, state_)),
              (std::vector<Hash256>{h(b0), h(a0), h(a1), h(b1), h(a2)}));
    // max_count.
    EXPECT_EQ(hashes(pool->pending(2, kBlockGasLimit, state_)),
              (std::vector<Hash256>{h(b0), h(a0)}));
    EXPECT_TRUE(pool->pending(0, kBlockGasLimit, state_).empty());
    // Gas budget: three transfers fit in 63000, not four.
    EXPECT_EQ(pool->pending(100, 63000, state_).size(), 3u);
    EXPECT_EQ(pool->pending(100, 62999, state_).size(), 2u);
    // The state nonce decides the head.
    state_.set(a.address, 1);
    EXPECT_EQ(hashes(pool->pending(100, kBlockGasLimit, state_)),
              (std::vector<Hash256>{h(a1), h(b0), h(b1), h(a2)}));
}

// The pool looks senders up in a hash map; its iteration order depends on the map's history
// (bucket count, erasures) and must not reach the block. Two pools with the same contents in
// the same arrival order, one of which held and dropped other senders first, agree.
TEST_P(TxPoolTest, PendingOrderDoesNotDependOnThePoolsHistory) {
    auto fresh = make_pool();
    auto used = make_pool();
    std::vector<Signer> gone;
    std::vector<Hash256> gone_txs;
    for (int i = 0; i < 60; ++i) {
        gone.push_back(signer());
        const Bytes r = raw_tx(gone.back(), {});
        ASSERT_EQ(add_error(*used, r, state_), "");
        gone_txs.push_back(suite().hash(r));
    }
    used->remove_committed(gone_txs, state_);
    ASSERT_EQ(used->size(), 0u);
    std::vector<Signer> senders;
    for (int i = 0; i < 24; ++i)
        senders.push_back(signer());
    // Arrival: nonces out of order within a sender, senders interleaved.
    std::vector<Bytes> raws;
    for (uint64_t n : {1, 0, 2})
        for (const Signer& s : senders)
            raws.push_back(raw_tx(s, {.nonce = n}));
    for (const Bytes& r : raws) {
        ASSERT_EQ(add_error(*fresh, r, state_), "");
        ASSERT_EQ(add_error(*used, r, state_), "");
    }
    const auto expected = hashes(fresh->pending(1000, kBlockGasLimit, state_));
    ASSERT_EQ(expected.size(), raws.size());
    EXPECT_EQ(hashes(used->pending(1000, kBlockGasLimit, state_)), expected);
    // Every sender's nonce 1 arrived first, but its nonce 0 (later) gates it.
    EXPECT_EQ(expected.front(), suite().hash(raws[senders.size()]));
}

TEST_P(TxPoolTest, PendingSkipsASenderWhoseNextTxDoesNotFit) {
    auto pool = make_pool();
    const Signer a = signer();
    const Signer b = signer();
    const Bytes a0 = raw_tx(a, {.nonce = 0, .gas = 30000});
    const Bytes a1 = raw_tx(a, {.nonce = 1, .gas = 21000});
    const Bytes b0 = raw_tx(b, {.nonce = 0, .gas = 21000});
    for (const Bytes* r : {&a0, &a1, &b0})
        ASSERT_EQ(add_error(*pool, *r, state_), "");
    // a0 does not fit 25000: a contributes nothing (a1 cannot precede a0); b0 does.
    EXPECT_EQ(hashes(pool->pending(100, 25000, state_)), (std::vector<Hash256>{suite().hash(b0)}));
    // a0 fits 51000; then a1 (seq 2) precedes b0 (seq 3) but only one of them fits: a1.
    EXPECT_EQ(hashes(pool->pending(100, 51000, state_)),
              (std::vector<Hash256>{suite().hash(a0), suite().hash(a1)}));
}

TEST_P(TxPoolTest, RemoveCommitted) {
    auto pool = make_pool();
    const ThreeSenders t = fill_three_senders(*pool);
    const Signer &a = t.a, &b = t.b, &c = t.c;
    const std::vector<Bytes>&ra = t.ra, &rb = t.rb;
    const Bytes& rc = t.rc;
    // The block included a0, a1 and b0; b's nonce 1 was used by a tx this pool never saw.
    state_.set(a.address, 2);
    state_.set(b.address, 2);
    const std::vector<Hash256> included{suite().hash(ra[0]), suite().hash(ra[1]),
                                        suite().hash(rb[0]), Hash256{}};
    pool->remove_committed(included, state_);
    EXPECT_EQ(pool->size(), 5u);
    EXPECT_EQ(pool->get(suite().hash(rb[1])), nullptr);
    for (size_t i : {2, 3}) {
        EXPECT_NE(pool->get(suite().hash(ra[i])), nullptr);
        EXPECT_NE(pool->get(suite().hash(rb[i])), nullptr);
    }
    EXPECT_NE(pool->get(suite().hash(rc)), nullptr);
    size_t bytes = rc.size();
    for (size_t i : {2, 3})
        bytes += ra[i].size() + rb[i].size();
    EXPECT_EQ(pool->bytes(), bytes);
    EXPECT_EQ(pool->pending(100, kBlockGasLimit, state_).size(), 5u);
    // Everything committed: the pool is empty and admits nonce 4 only.
    state_.set(a.address, 4);
    state_.set(b.address, 4);
    state_.set(c.address, 1);
    pool->remove_committed({}, state_);
    EXPECT_EQ(pool->size(), 0u);
    EXPECT_EQ(pool->bytes(), 0u);
    EXPECT_EQ(pool->pending_nonce(a.address), std::nullopt);
    EXPECT_EQ(add_code(*pool, ra[3], state_), AddCode::kNonceTooLow);
}

namespace {
// Counts the nonce reads per account, and runs `hook` (once) inside the next account() read,
// after reading: a commit that lands while an admission is between its state read and the pool.
class CountingReader : public txpool::AccountReader {
public:
    explicit CountingReader(const MapReader& base) : base_(base) {}
    uint64_t nonce(const Address& a) const override {
        ++nonce_reads[a];
        return base_.nonce(a);
    }
    U256 balance(const Address& a) const override { return base_.balance(a); }
    txpool::AccountState account(const Address& a) const override {
        txpool::AccountState s{base_.nonce(a), base_.balance(a)};
        if (hook) std::exchange(hook, nullptr)();
        return s;
    }
    mutable std::map<Address, int> nonce_reads;
    mutable std::function<void()> hook;

private:
    const MapReader& base_;
};
}  // namespace

TEST_P(TxPoolTest, RemoveCommittedWithTheBlockSendersReadsOnlyThem) {
    auto pool = make_pool();
    const ThreeSenders t = fill_three_senders(*pool);
    const Signer &a = t.a, &b = t.b, &c = t.c;
    const std::vector<Bytes>&ra = t.ra, &rb = t.rb;
    const Bytes& rc = t.rc;
    // The block: a0, a1, b0, and b's nonce 1 from a tx this pool never saw.
    state_.set(a.address, 2);
    state_.set(b.address, 2);
    CountingReader reader(state_);
    const std::vector<Hash256> included{suite().hash(ra[0]), suite().hash(ra[1]),
                                        suite().hash(rb[0]), Hash256{}};
    const std::vector<Address> block_senders{a.address, b.address, a.address, b.address};
    pool->remove_committed(included, block_senders, reader);
    EXPECT_EQ(reader.nonce_reads, (std::map<Address, int>{{a.address, 1}, {b.address, 1}}));
    EXPECT_EQ(pool->size(), 5u);
    EXPECT_EQ(pool->get(suite().hash(rb[1])), nullptr);
    EXPECT_NE(pool->get(suite().hash(ra[2])), nullptr);
    EXPECT_NE(pool->get(suite().hash(rb[2])), nullptr);
    size_t bytes = rc.size();
    for (size_t i : {2, 3})
        bytes += ra[i].size() + rb[i].size();
    EXPECT_EQ(pool->bytes(), bytes);
    // c is not read unless it is a block sender.
    state_.set(c.address, 1);
    pool->remove_committed({}, {}, reader);
    EXPECT_NE(pool->get(suite().hash(rc)), nullptr);
    const std::vector<Address> just_c{c.address};
    pool->remove_committed({}, just_c, reader);
    EXPECT_EQ(pool->get(suite().hash(rc)), nullptr);
    EXPECT_EQ(pool->size(), 4u);
}

TEST_P(TxPoolTest, SenderAdmittedAcrossACommitIsReadAgainByTheNext) {
    auto pool = make_pool();
    const Signer d = signer();
    const Bytes d0 = raw_tx(d, {.nonce = 0});
    CountingReader reader(state_);
    // add() reads d's nonce 0; then d0 (another copy of it, as far as the pool knows) commits
    // and remove_committed runs before add() reaches the pool.
    reader.hook = [&] {
        state_.set(d.address, 1);
        pool->remove_committed({}, {}, reader);
    };
    ASSERT_EQ(add_error(*pool, d0, reader), "");
    EXPECT_NE(pool->get(suite().hash(d0)), nullptr);
    // No block sender named: d is read anyway, and its stale tx goes.
    pool->remove_committed({}, {}, reader);
    EXPECT_EQ(reader.nonce_reads[d.address], 1);
    EXPECT_EQ(pool->size(), 0u);
    EXPECT_EQ(add_code(*pool, d0, state_), AddCode::kNonceTooLow);
}

TEST_P(TxPoolTest, EvictionAfterThePoolDrainedAndRefilled) {
    auto pool = make_pool({.max_txs = 4});
    const Signer a = signer();
    const Signer b = signer();
    const Signer c = signer();
    const Signer d = signer();
    std::vector<Bytes> ra, rb;
    for (uint64_t n = 0; n < 4; ++n) {
        ra.push_back(raw_tx(a, {.nonce = n}));
        rb.push_back(raw_tx(b, {.nonce = n}));
    }
    for (size_t i : {0, 1, 2})
        ASSERT_EQ(add_error(*pool, ra[i], state_), "");
    ASSERT_EQ(add_error(*pool, rb[0], state_), "");
    // Full: c0 evicts a2.
    ASSERT_EQ(add_error(*pool, raw_tx(c, {}), state_), "");
    EXPECT_EQ(pool->get(suite().hash(ra[2])), nullptr);
    // a and b commit: only c0 is left, under half of the limit.
    state_.set(a.address, 2);
    state_.set(b.address, 1);
    const std::vector<Hash256> included{suite().hash(ra[0]), suite().hash(ra[1]),
                                        suite().hash(rb[0])};
    pool->remove_committed(included, state_);
    ASSERT_EQ(pool->size(), 1u);
    // Refilled by b (3 txs): d0 evicts b's newest, not a sender that left.
    for (size_t i : {1, 2, 3})
        ASSERT_EQ(add_error(*pool, rb[i], state_), "");
    ASSERT_EQ(add_error(*pool, raw_tx(d, {}), state_), "");
    EXPECT_EQ(pool->get(suite().hash(rb[3])), nullptr);
    EXPECT_NE(pool->get(suite().hash(rb[2])), nullptr);
    EXPECT_EQ(pool->size(), 4u);
    EXPECT_EQ(pool->stats().evicted, 2u);
}

TEST_P(TxPoolTest, GetManyAnswersEachHashInOrder) {
    auto pool = make_pool();
    const Signer a = signer();
    const Signer b = signer();
    const Bytes a0 = raw_tx(a, {}), b0 = raw_tx(b, {});
    ASSERT_EQ(add_error(*pool, a0, state_), "");
    ASSERT_EQ(add_error(*pool, b0, state_), "");
    const std::vector<Hash256> asked{suite().hash(b0), Hash256{}, suite().hash(a0),
                                     suite().hash(b0)};
    const auto got = pool->get_many(asked);
    ASSERT_EQ(got.size(), asked.size());
    EXPECT_EQ(got[0], pool->get(asked[0]));
    EXPECT_EQ(got[1], nullptr);
    EXPECT_EQ(got[2], pool->get(asked[2]));
    EXPECT_EQ(got[3], got[0]);
    EXPECT_EQ(got[2]->hash, suite().hash(a0));
    EXPECT_EQ(got[0]->sender, b.address);
    EXPECT_TRUE(pool->get_many({}).empty());
}

TEST_P(TxPoolTest, EvictsTheNewestTxsOfTheLargestSender) {
    auto pool = make_pool({.max_txs = 5});
    const Signer a = signer();
    const Signer b = signer();
    const Signer c = signer();
    std::vector<Bytes> ra;
    for (uint64_t n = 0; n < 4; ++n) {
        ra.push_back(raw_tx(a, {.nonce = n}));
        ASSERT_EQ(add_error(*pool, ra.back(), state_), "");
    }
    ASSERT_EQ(add_error(*pool, raw_tx(b, {}), state_), "");
    // Full: c's tx evicts a's nonce 3 (a holds 4 > 1).
    ASSERT_EQ(add_error(*pool, raw_tx(c, {}), state_), "");
    EXPECT_EQ(pool->size(), 5u);
    EXPECT_EQ(pool->get(suite().hash(ra[3])), nullptr);
    EXPECT_EQ(pool->pending_nonce(a.address), std::optional<uint64_t>(3));
    EXPECT_EQ(pool->stats().evicted, 1u);
    // a may not push others out for a newer nonce of its own: it holds the most already.
    EXPECT_EQ(add_error(*pool, ra[3], state_), "txpool is full");
    EXPECT_EQ(add_code(*pool, ra[3], state_), AddCode::kPoolFull);
    // Senders a (3), b (1), c (1): b's second tx evicts a's newest (3 > 2).
    ASSERT_EQ(add_error(*pool, raw_tx(b, {.nonce = 1}), state_), "");
    EXPECT_EQ(pool->get(suite().hash(ra[2])), nullptr);
    // a (2), b (2), c (1): nobody holds more than c would (2): full.
    EXPECT_EQ(add_error(*pool, raw_tx(c, {.nonce = 1}), state_), "txpool is full");
    // A replacement needs no room.
    EXPECT_EQ(add_error(*pool, raw_tx(c, {.fee_cap = U256(20), .tip = U256(2)}), state_), "");
    EXPECT_EQ(pool->size(), 5u);
    EXPECT_EQ(pool->stats().evicted, 2u);
}

TEST_P(TxPoolTest, EvictsItsOwnNewerTxForAnOlderNonce) {
    auto pool = make_pool({.max_txs = 3});
    const Signer a = signer();
    const Bytes a0 = raw_tx(a, {.nonce = 0}), a2 = raw_tx(a, {.nonce = 2}),
                a3 = raw_tx(a, {.nonce = 3}), a1 = raw_tx(a, {.nonce = 1});
    for (const Bytes* r : {&a0, &a2, &a3})
        ASSERT_EQ(add_error(*pool, *r, state_), "");
    ASSERT_EQ(add_error(*pool, a1, state_), "");
    EXPECT_EQ(pool->get(suite().hash(a3)), nullptr);
    EXPECT_EQ(pool->pending(10, kBlockGasLimit, state_).size(), 3u);
}

TEST_P(TxPoolTest, ByteLimitAndSenderLimit) {
    const Signer a = signer();
    const Signer b = signer();
    const Bytes big0 = raw_tx(a, {.nonce = 0, .gas = 100000, .data = Bytes(1000, 1)});
    const Bytes big1 = raw_tx(a, {.nonce = 1, .gas = 100000, .data = Bytes(1000, 1)});
    const Bytes small = raw_tx(b, {});
    // Room for both big ones but not a third tx of any size.
    auto pool = make_pool({.max_bytes = big0.size() + big1.size() + small.size() - 1});
    ASSERT_EQ(add_error(*pool, big0, state_), "");
    ASSERT_EQ(add_error(*pool, big1, state_), "");
    ASSERT_EQ(add_error(*pool, small, state_), "");
    EXPECT_EQ(pool->get(suite().hash(big1)), nullptr);
    EXPECT_LE(pool->bytes(), big0.size() + big1.size() + small.size() - 1);

    auto limited = make_pool({.max_per_sender = 2});
    ASSERT_EQ(add_error(*limited, raw_tx(a, {.nonce = 0}), state_), "");
    ASSERT_EQ(add_error(*limited, raw_tx(a, {.nonce = 1}), state_), "");
    EXPECT_EQ(add_error(*limited, raw_tx(a, {.nonce = 2}), state_), "account limit exceeded");
    EXPECT_EQ(add_code(*limited, raw_tx(a, {.nonce = 2}), state_), AddCode::kSenderLimit);
    // Replacing is not adding.
    EXPECT_EQ(
        add_error(*limited, raw_tx(a, {.nonce = 1, .fee_cap = U256(20), .tip = U256(2)}), state_),
        "");
}

TEST_P(TxPoolTest, SetBaseFeeAndGasLimitApplyToLaterAdmissions) {
    auto pool = make_pool();
    const Signer a = signer();
    pool->set_base_fee(U256(11));
    EXPECT_EQ(add_code(*pool, raw_tx(a, {}), state_), AddCode::kFeeCapBelowBaseFee);
    pool->set_base_fee(U256(10));
    pool->set_block_gas_limit(21000);
    EXPECT_EQ(add_code(*pool, raw_tx(a, {.gas = 21001}), state_), AddCode::kExceedsBlockGasLimit);
    EXPECT_EQ(add_error(*pool, raw_tx(a, {.gas = 21000}), state_), "");
}

TEST_P(TxPoolTest, LegacyTransactionsOfTheEcdsaSuite) {
    if (suite().id() != crypto::SuiteId::kEcdsa) GTEST_SKIP() << "legacy is an ecdsa type";
    const Signer a = signer();
    // Pre-EIP-155 (no chain id: valid on every chain) is refused by default, as geth does.
    EXPECT_EQ(
        add_error(
            *make_pool(),
            raw_tx(a, {.nonce = 0, .chain_id = std::nullopt, .type = protocol::TxType::kLegacy}),
            state_),
        "only replay-protected (EIP-155) transactions allowed over RPC");
    Config allow;
    allow.allow_unprotected = true;
    auto pool = make_pool(allow);
    // EIP-155 and, when allowed, pre-EIP-155.
    ASSERT_EQ(add_error(*pool, raw_tx(a, {.nonce = 0, .type = protocol::TxType::kLegacy}), state_),
              "");
    ASSERT_EQ(
        add_error(
            *pool,
            raw_tx(a, {.nonce = 1, .chain_id = std::nullopt, .type = protocol::TxType::kLegacy}),
            state_),
        "");
    ASSERT_EQ(
        add_error(*pool, raw_tx(a, {.nonce = 2, .type = protocol::TxType::kAccessList}), state_),
        "");
    EXPECT_EQ(pool->pending(10, kBlockGasLimit, state_).size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Suites, TxPoolTest, ::testing::Values("ecdsa", "sm"),
                         [](const auto& info) { return std::string(info.param); });
