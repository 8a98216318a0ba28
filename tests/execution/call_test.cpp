// SPDX-License-Identifier: Apache-2.0
// simulate_call and estimate_gas (eth_call, eth_estimateGas) over an in-memory state with
// hand-written bytecode: return data, revert data, no state change, the errors that stop a call
// before it starts, and an estimate that is exactly the smallest gas limit that succeeds.
#include <gtest/gtest.h>

#include "core/bytes.hpp"
#include "execution/call.hpp"
#include "execution/execution.hpp"
#include "state/state.hpp"

using namespace xl;
using namespace xl::execution;

namespace {

Address addr(uint8_t b) {
    Address a;
    a[0] = 0xcc;
    a[19] = b;
    return a;
}

const Address kFrom = addr(1);
const Address kContract = addr(2);

// Stores 1 at slot 0 when the calldata is empty, returning 32 bytes of
// 0x2a; with any calldata it reverts with the two bytes 0xbeef.
//   CALLDATASIZE PUSH1 0x13 JUMPI            ; non-empty -> revert branch at 0x13
//   PUSH1 1 PUSH1 0 SSTORE                   ; slot0 = 1 (20,000 gas + cold access)
//   PUSH1 0x2a PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
//   JUMPDEST PUSH2 0xbeef PUSH1 0 MSTORE PUSH1 2 PUSH1 30 REVERT
const Bytes kCode = *from_hex(
    "36601357"
    "6001600055"
    "602a60005260206000f3"
    "5b61beef6000526002601efd");

struct Fixture {
    state::State world;
    BlockEnv env;
    Fixture() {
        env.number = 5;
        env.gas_limit = 30'000'000;
        state::GenesisAccount a;
        a.balance = U256{1'000'000};
        world.put_account(kFrom, a);
        state::GenesisAccount c;
        c.code = kCode;
        world.put_account(kContract, c);
    }
    CallMessage msg(Bytes data = {}, uint64_t gas = 1'000'000) const {
        CallMessage m;
        m.from = kFrom;
        m.to = kContract;
        m.gas = gas;
        m.data = std::move(data);
        return m;
    }
};

TEST(SimulateCall, ReturnsOutputAndChangesNothing) {
    Fixture f;
    const Hash256 before = *f.world.state_root(crypto::ecdsa_suite());
    auto r = simulate_call(f.world, f.env, f.msg());
    ASSERT_TRUE(r.has_value()) << to_string(r.error());
    EXPECT_EQ(r->status, evm::StatusCode::kSuccess);
    ASSERT_EQ(r->output.size(), 32u);
    EXPECT_EQ(r->output[31], 0x2a);
    // 21,000 + a cold SSTORE from zero (22,100) + the opcodes' static gas.
    EXPECT_GT(r->gas_used, 21'000u + 22'100u);
    EXPECT_EQ(f.world.current_storage(kContract, U256{0}), U256{0});
    EXPECT_EQ(f.world.nonce(kFrom), 0u);
    EXPECT_EQ(*f.world.state_root(crypto::ecdsa_suite()), before);
}

TEST(SimulateCall, RevertDataIsReturned) {
    Fixture f;
    auto r = simulate_call(f.world, f.env, f.msg(Bytes{0x01}));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, evm::StatusCode::kRevert);
    EXPECT_EQ(r->output, (Bytes{0xbe, 0xef}));
}

TEST(SimulateCall, ErrorsBeforeExecution) {
    Fixture f;
    auto low = simulate_call(f.world, f.env, f.msg({}, 20'999));
    ASSERT_FALSE(low.has_value());
    EXPECT_EQ(low.error(), CallError::kIntrinsicGas);

    CallMessage rich = f.msg();
    rich.value = U256{1'000'001};
    auto poor = simulate_call(f.world, f.env, rich);
    ASSERT_FALSE(poor.has_value());
    EXPECT_EQ(poor.error(), CallError::kInsufficientFunds);
    EXPECT_EQ(to_string(poor.error()), "insufficient funds for gas * price + value");

    CallMessage priced = f.msg({}, 100'000);
    priced.gas_price = U256{11};  // 1,100,000 > balance
    EXPECT_FALSE(simulate_call(f.world, f.env, priced).has_value());
    priced.gas_price = U256{10};  // 1,000,000 == balance: allowed
    EXPECT_TRUE(simulate_call(f.world, f.env, priced).has_value());
}

TEST(SimulateCall, CreationReportsTheAddress) {
    Fixture f;
    CallMessage m = f.msg(*from_hex("600a600c600039600a6000f3602a60005260206000f3"));
    m.to.reset();
    auto r = simulate_call(f.world, f.env, m);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status, evm::StatusCode::kSuccess);
    ASSERT_TRUE(r->created.has_value());
    EXPECT_FALSE(f.world.exists(*r->created));
}

TEST(EstimateGas, IsTheSmallestLimitThatSucceeds) {
    Fixture f;
    auto est = estimate_gas(f.world, f.env, f.msg(), 10'000'000);
    ASSERT_TRUE(est.has_value());
    ASSERT_TRUE(est->success);
    auto at = simulate_call(f.world, f.env, f.msg({}, est->gas));
    ASSERT_TRUE(at.has_value());
    EXPECT_EQ(at->status, evm::StatusCode::kSuccess);
    auto below = simulate_call(f.world, f.env, f.msg({}, est->gas - 1));
    ASSERT_TRUE(below.has_value());
    EXPECT_NE(below->status, evm::StatusCode::kSuccess);
    // SSTORE needs more than 2,300 gas left (EIP-2200), so the estimate exceeds what was used.
    EXPECT_GE(est->gas, est->at_cap.gas_used);
}

TEST(EstimateGas, RevertIsReportedWithItsData) {
    Fixture f;
    auto est = estimate_gas(f.world, f.env, f.msg(Bytes{0x01}), 10'000'000);
    ASSERT_TRUE(est.has_value());
    EXPECT_FALSE(est->success);
    EXPECT_EQ(est->at_cap.status, evm::StatusCode::kRevert);
    EXPECT_EQ(est->at_cap.output, (Bytes{0xbe, 0xef}));
}

}  // namespace
