// SPDX-License-Identifier: Apache-2.0
// Unit tests of state::State: reads of absent accounts, journal and nested revert, the
// transaction boundary rules of EIP-161 and EIP-6780, EIP-2200 originals, EIP-1153 and
// EIP-2929 per-transaction sets.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "state/state.hpp"

namespace xl::state {
namespace {

Address addr(uint8_t n) {
    Address a;
    a.bytes[19] = n;
    return a;
}

TEST(State, AbsentAccountReads) {
    State s;
    const Address a = addr(1);
    EXPECT_FALSE(s.exists(a));
    EXPECT_FALSE(s.is_empty(a));
    EXPECT_TRUE(s.is_dead(a));
    EXPECT_FALSE(s.get_account(a).has_value());
    EXPECT_EQ(s.balance(a), U256{});
    EXPECT_EQ(s.nonce(a), 0u);
    EXPECT_TRUE(s.code(a).empty());
    EXPECT_EQ(s.code_hash(a), Hash256{});  // EIP-1052: zero for an absent account
    EXPECT_EQ(s.current_storage(a, U256{1}), U256{});
    EXPECT_EQ(s.original_storage(a, U256{1}), U256{});
}

TEST(State, EmptyCodeHashIsKeccakOfNothing) {
    EXPECT_EQ(to_hex(kEmptyCodeHash.view()),
              "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    State s;
    s.ensure_account(addr(1));
    EXPECT_EQ(s.code_hash(addr(1)), kEmptyCodeHash);
    EXPECT_TRUE(s.is_empty(addr(1)));
    const Bytes code = {0x60, 0x01, 0x00};
    s.set_code(addr(1), code);
    EXPECT_EQ(s.code_hash(addr(1)), crypto::keccak256(code));
    EXPECT_FALSE(s.is_empty(addr(1)));
    EXPECT_FALSE(s.is_dead(addr(1)));
}

TEST(State, BalanceChecks) {
    State s;
    const Address a = addr(1);
    ASSERT_TRUE(s.add_balance(a, U256{10}).has_value());
    EXPECT_EQ(s.sub_balance(a, U256{11}).error(), StateError::kInsufficientBalance);
    EXPECT_EQ(s.balance(a), U256{10});
    ASSERT_TRUE(s.sub_balance(a, U256{10}).has_value());
    EXPECT_EQ(s.balance(a), U256{});
    s.set_balance(a, U256::max());
    EXPECT_EQ(s.add_balance(a, U256{1}).error(), StateError::kBalanceOverflow);
    EXPECT_EQ(s.balance(a), U256::max());
    s.set_nonce(a, UINT64_MAX);
    EXPECT_EQ(s.increment_nonce(a).error(), StateError::kNonceOverflow);  // EIP-2681
    EXPECT_EQ(s.nonce(a), UINT64_MAX);
}

TEST(State, RevertUndoesEverything) {
    State s;
    const Address a = addr(1), b = addr(2);
    s.put_account(a, GenesisAccount{1, U256{100}, {0x00}, {{U256{1}, U256{5}}}});
    s.begin_transaction();
    const auto snap = s.snapshot();
    s.set_nonce(a, 9);
    ASSERT_TRUE(s.sub_balance(a, U256{40}).has_value());
    s.set_code(a, {0x01, 0x02});
    s.set_storage(a, U256{1}, U256{});
    s.set_storage(a, U256{2}, U256{3});
    s.set_transient_storage(a, U256{1}, U256{4});
    EXPECT_FALSE(s.access_account(b));
    EXPECT_FALSE(s.access_storage(a, U256{1}));
    s.create_account(b);
    EXPECT_TRUE(s.selfdestruct(b));
    s.delete_account(a);
    EXPECT_FALSE(s.exists(a));
    s.revert_to(snap);
    EXPECT_EQ(s.nonce(a), 1u);
    EXPECT_EQ(s.balance(a), U256{100});
    EXPECT_EQ(Bytes(s.code(a).begin(), s.code(a).end()), Bytes{0x00});
    EXPECT_EQ(s.current_storage(a, U256{1}), U256{5});
    EXPECT_EQ(s.current_storage(a, U256{2}), U256{});
    EXPECT_EQ(s.transient_storage(a, U256{1}), U256{});
    EXPECT_FALSE(s.is_warm(b));
    EXPECT_FALSE(s.is_warm(a, U256{1}));
    EXPECT_FALSE(s.exists(b));
    EXPECT_FALSE(s.is_created(b));
    EXPECT_FALSE(s.is_selfdestructed(b));
    EXPECT_FALSE(s.is_touched(a));
    EXPECT_FALSE(s.is_touched(b));
}

TEST(State, NestedSnapshotsToDepth1024) {
    State s;
    const Address a = addr(7);
    s.begin_transaction();
    std::vector<State::SnapshotId> ids;
    for (uint64_t d = 0; d < 1024; ++d) {
        ids.push_back(s.snapshot());
        s.set_storage(a, U256{d % 16}, U256{d + 1});
        s.set_balance(a, U256{d + 1});
        s.access_storage(a, U256{d});
    }
    for (uint64_t d = 1024; d-- > 0;) {
        s.revert_to(ids[d]);
        ASSERT_EQ(s.balance(a), U256{d}) << d;  // the value written at depth d-1
        ASSERT_FALSE(s.is_warm(a, U256{d})) << d;
        if (d > 0) {
            ASSERT_TRUE(s.is_warm(a, U256{d - 1})) << d;
        }
        // The latest write to slot k below depth d: the largest j < d with j % 16 == k.
        for (uint64_t k = 0; k < 16; ++k) {
            const U256 want = d > k ? U256{k + 16 * ((d - 1 - k) / 16) + 1} : U256{};
            ASSERT_EQ(s.current_storage(a, U256{k}), want) << d << " " << k;
        }
    }
    EXPECT_FALSE(s.exists(a));
}

TEST(State, OriginalStorageIsValueAtTransactionStart) {
    State s;
    const Address a = addr(1);
    s.put_account(a, GenesisAccount{1, U256{}, {}, {{U256{1}, U256{10}}}});
    s.begin_transaction();
    s.set_storage(a, U256{1}, U256{11});
    s.set_storage(a, U256{1}, U256{12});
    s.set_storage(a, U256{2}, U256{20});
    EXPECT_EQ(s.original_storage(a, U256{1}), U256{10});
    EXPECT_EQ(s.current_storage(a, U256{1}), U256{12});
    EXPECT_EQ(s.original_storage(a, U256{2}), U256{});
    // Wiping the storage does not change what the transaction started with.
    s.clear_storage(a);
    EXPECT_EQ(s.original_storage(a, U256{1}), U256{10});
    EXPECT_EQ(s.current_storage(a, U256{1}), U256{});
    s.finalize_transaction();
    s.begin_transaction();
    EXPECT_EQ(s.original_storage(a, U256{1}), U256{});
    s.set_storage(a, U256{1}, U256{3});
    EXPECT_EQ(s.original_storage(a, U256{1}), U256{});
}

TEST(State, FinalizeDeletesTouchedEmptyAccounts) {  // EIP-161
    State s;
    const Address empty_untouched = addr(1), empty_touched = addr(2), full = addr(3),
                  absent = addr(4), zero_credit = addr(5);
    s.put_account(empty_untouched, GenesisAccount{});
    s.put_account(empty_touched, GenesisAccount{});
    s.put_account(full, GenesisAccount{0, U256{1}, {}, {}});
    s.begin_transaction();
    s.touch(empty_touched);
    s.touch(full);
    s.touch(absent);
    ASSERT_TRUE(s.add_balance(zero_credit, U256{}).has_value());  // geth: creates, then cleared
    EXPECT_TRUE(s.exists(zero_credit));
    s.finalize_transaction();
    EXPECT_TRUE(s.exists(empty_untouched));
    EXPECT_FALSE(s.exists(empty_touched));
    EXPECT_TRUE(s.exists(full));
    EXPECT_FALSE(s.exists(absent));
    EXPECT_FALSE(s.exists(zero_credit));
}

TEST(State, TouchRevertedIsNotTouched) {
    State s;
    const Address a = addr(1);
    s.put_account(a, GenesisAccount{});
    s.begin_transaction();
    const auto snap = s.snapshot();
    s.touch(a);
    s.revert_to(snap);
    s.finalize_transaction();
    EXPECT_TRUE(s.exists(a));  // no RIPEMD-160 quirk post-Byzantium (brief)
}

TEST(State, SelfdestructDeletesOnlyAccountsCreatedInTheTransaction) {  // EIP-6780
    State s;
    const Address old_contract = addr(1), new_contract = addr(2), beneficiary = addr(3);
    s.put_account(old_contract, GenesisAccount{1, U256{5}, {0x00}, {{U256{1}, U256{1}}}});
    s.begin_transaction();
    s.create_account(new_contract);
    s.set_code(new_contract, {0x00});
    s.set_storage(new_contract, U256{1}, U256{1});
    EXPECT_TRUE(s.selfdestruct(new_contract));
    EXPECT_FALSE(s.selfdestruct(new_contract));  // only the first one counts
    EXPECT_TRUE(s.selfdestruct(old_contract));
    ASSERT_TRUE(s.sub_balance(old_contract, U256{5}).has_value());
    ASSERT_TRUE(s.add_balance(beneficiary, U256{5}).has_value());
    EXPECT_TRUE(s.exists(new_contract));  // deletion happens at the end of the transaction
    s.finalize_transaction();
    EXPECT_FALSE(s.exists(new_contract));
    EXPECT_TRUE(s.exists(old_contract));
    EXPECT_EQ(s.current_storage(old_contract, U256{1}), U256{1});
    EXPECT_EQ(s.balance(beneficiary), U256{5});
    EXPECT_FALSE(s.is_selfdestructed(old_contract));  // the set is per transaction
}

TEST(State, CreatedFlagIsPerTransactionAndReverts) {
    State s;
    const Address a = addr(1);
    s.begin_transaction();
    const auto snap = s.snapshot();
    s.create_account(a);
    s.set_nonce(a, 1);
    EXPECT_TRUE(s.is_created(a));
    s.revert_to(snap);
    EXPECT_FALSE(s.is_created(a));
    s.create_account(a);
    s.set_nonce(a, 1);
    s.finalize_transaction();
    s.begin_transaction();
    EXPECT_FALSE(s.is_created(a));
    s.selfdestruct(a);
    s.finalize_transaction();
    EXPECT_TRUE(s.exists(a));  // created in an earlier transaction: survives (EIP-6780)
}

TEST(State, CreateAccountKeepsBalanceAndClearsTheRest) {  // Yellow Paper eq. 99
    State s;
    const Address a = addr(1);
    s.put_account(a, GenesisAccount{0, U256{7}, {}, {}});
    s.begin_transaction();
    s.create_account(a);
    EXPECT_EQ(s.balance(a), U256{7});
    EXPECT_EQ(s.nonce(a), 0u);
    EXPECT_EQ(s.code_hash(a), kEmptyCodeHash);
}

TEST(State, TransientAndWarmSetsClearedPerTransaction) {  // EIP-1153, EIP-2929
    State s;
    const Address a = addr(1);
    s.begin_transaction();
    s.set_transient_storage(a, U256{1}, U256{2});
    EXPECT_EQ(s.transient_storage(a, U256{1}), U256{2});
    EXPECT_FALSE(s.exists(a));  // transient storage creates nothing
    EXPECT_FALSE(s.access_account(a));
    EXPECT_TRUE(s.access_account(a));
    EXPECT_FALSE(s.access_storage(a, U256{1}));
    EXPECT_TRUE(s.access_storage(a, U256{1}));
    s.finalize_transaction();
    s.begin_transaction();
    EXPECT_EQ(s.transient_storage(a, U256{1}), U256{});
    EXPECT_FALSE(s.is_warm(a));
    EXPECT_FALSE(s.is_warm(a, U256{1}));
}

TEST(State, AddressesAreSorted) {
    State s;
    for (uint8_t n : {9, 3, 200, 1})
        s.put_account(addr(n), GenesisAccount{1, U256{}, {}, {}});
    const auto all = s.addresses();
    ASSERT_EQ(all.size(), 4u);
    EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST(State, CodeViewSurvivesReplacementUntilTheJournalIsCleared) {
    // The documented lifetime of code(): ASan reports a use after free if it is broken.
    State s;
    const Address a = addr(1);
    s.put_account(a, GenesisAccount{1, U256{}, Bytes(100, 0x5b), {}});
    s.begin_transaction();
    const BytesView old_code = s.code(a);
    s.set_code(a, Bytes(50, 0x00));
    s.delete_account(a);
    ASSERT_EQ(old_code.size(), 100u);
    EXPECT_EQ(old_code[99], 0x5b);
    EXPECT_TRUE(s.code(a).empty());
}

TEST(State, MovedStateKeepsEverything) {
    State s;
    const Address a = addr(1);
    s.put_account(a, GenesisAccount{2, U256{3}, {0x00}, {{U256{1}, U256{4}}}});
    const Hash256 root = *s.state_root(crypto::ecdsa_suite());
    s.begin_transaction();
    const auto snap = s.snapshot();
    s.set_storage(a, U256{1}, U256{5});
    State t = std::move(s);
    EXPECT_EQ(t.current_storage(a, U256{1}), U256{5});
    t.revert_to(snap);
    EXPECT_EQ(*t.state_root(crypto::ecdsa_suite()), root);
}

}  // namespace
}  // namespace xl::state
