// SPDX-License-Identifier: Apache-2.0
// simulate_call and estimate_gas (go-ethereum internal/ethapi: DoCall, DoEstimateGas).
#include "execution/call.hpp"

#include <algorithm>

#include "execution/executor.hpp"
#include "execution/state_world.hpp"
#include "protocol/validation.hpp"
#include "state/state.hpp"

namespace xl::execution {

std::string_view to_string(CallError e) noexcept {
    switch (e) {
        case CallError::kIntrinsicGas:
            return "intrinsic gas too low";
        case CallError::kInsufficientFunds:
            return "insufficient funds for gas * price + value";
        case CallError::kGasPriceOverflow:
            return "gas * gas price overflows 256 bits";
        case CallError::kMaxInitCodeSize:
            return "max initcode size exceeded";
        case CallError::kState:
            return "state access failed";
    }
    return "unknown call error";
}

namespace {

constexpr unsigned kPrecompileCount = 10;  // 0x01..0x0a, all warm (EIP-2929)

uint64_t intrinsic_of(const CallMessage& m) {
    protocol::Transaction tx;
    tx.to = m.to;
    tx.data = m.data;
    tx.access_list = m.access_list;
    return protocol::intrinsic_gas(tx);
}

}  // namespace

Result<CallOutcome, CallError> simulate_call(const state::State& state, const BlockEnv& env,
                                             const CallMessage& m) {
    const StateWorld world(state);
    const uint64_t intrinsic = intrinsic_of(m);
    if (m.gas < intrinsic || m.gas > static_cast<uint64_t>(INT64_MAX))
        return unexpected(CallError::kIntrinsicGas);
    if (!m.to && m.data.size() > kMaxInitCodeSize) return unexpected(CallError::kMaxInitCodeSize);
    const U256 gas{m.gas};
    const U256 gas_cost = gas * m.gas_price;
    if (!gas.is_zero() && gas_cost / gas != m.gas_price)
        return unexpected(CallError::kGasPriceOverflow);
    const auto acc = world.account(m.from);
    const U256 balance = acc ? acc->balance : U256{};
    const U256 need = gas_cost + m.value;
    if (need < gas_cost || balance < need) return unexpected(CallError::kInsufficientFunds);

    Executor ex(world, make_tx_context(env, m.from, m.gas_price), env);
    ex.sub_balance(m.from, gas_cost);
    ex.access_account(m.from);
    if (m.to) ex.access_account(*m.to);
    for (unsigned i = 1; i <= kPrecompileCount; ++i) {
        Address p;
        p[19] = static_cast<uint8_t>(i);
        ex.access_account(p);
    }
    ex.access_account(env.coinbase);
    for (const auto& e : m.access_list) {
        ex.access_account(e.address);
        for (const Hash256& k : e.storage_keys)
            ex.access_storage(e.address, U256::from_hash(k));
    }

    evm::Message msg;
    msg.depth = 0;
    msg.gas = static_cast<int64_t>(m.gas - intrinsic);
    msg.sender = m.from;
    msg.input = m.data;
    msg.value = m.value;
    const uint64_t nonce = acc ? acc->nonce : 0;
    if (m.to) {
        msg.kind = evm::CallKind::kCall;
        msg.recipient = *m.to;
        msg.code_address = *m.to;
        ex.set_nonce(m.from, nonce + 1);
    } else {
        msg.kind = evm::CallKind::kCreate;
    }
    evm::ExecResult r = ex.call(msg);

    CallOutcome out;
    out.status = r.status;
    out.output = std::move(r.output);
    const uint64_t gas_left = static_cast<uint64_t>(std::max<int64_t>(r.gas_left, 0));
    out.gas_used = m.gas - gas_left;
    out.gas_refund = std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(r.gas_refund, 0)),
                                        out.gas_used / 5);
    out.logs = ex.logs();
    if (!m.to && r.status == evm::StatusCode::kSuccess) out.created = r.create_address;
    return out;
}

Result<Estimate, CallError> estimate_gas(const state::State& state, const BlockEnv& env,
                                         CallMessage msg, uint64_t cap) {
    const uint64_t intrinsic = intrinsic_of(msg);
    if (cap < intrinsic) return unexpected(CallError::kIntrinsicGas);
    Estimate est;
    msg.gas = cap;
    auto first = simulate_call(state, env, msg);
    if (!first) return unexpected(first.error());
    est.at_cap = std::move(*first);
    if (est.at_cap.status != evm::StatusCode::kSuccess) return est;

    // Invariant: lo fails (or is below the intrinsic gas), hi succeeds.
    uint64_t lo = std::max(intrinsic, est.at_cap.gas_used) - 1;
    uint64_t hi = cap;
    auto succeeds = [&](uint64_t gas) -> Result<bool, CallError> {
        msg.gas = gas;
        auto r = simulate_call(state, env, msg);
        if (!r) {
            if (r.error() == CallError::kState) return unexpected(r.error());
            return false;
        }
        return r->status == evm::StatusCode::kSuccess;
    };
    // Most calls need little more than what they used at the cap (go-ethereum's optimistic
    // first guess: the 63/64 rule may hold back a sixty-fourth, plus a call stipend).
    const uint64_t guess = (est.at_cap.gas_used + 2300) * 64 / 63;
    if (guess > lo && guess < hi) {
        auto ok = succeeds(guess);
        if (!ok) return unexpected(ok.error());
        (*ok ? hi : lo) = guess;
    }
    while (lo + 1 < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        auto ok = succeeds(mid);
        if (!ok) return unexpected(ok.error());
        (*ok ? hi : lo) = mid;
    }
    est.success = true;
    est.gas = hi;
    return est;
}

}  // namespace xl::execution
