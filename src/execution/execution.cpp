// SPDX-License-Identifier: Apache-2.0
// apply_transaction (Yellow Paper §6 with the Cancun EIPs), logs bloom and logs hash.
#include "execution/execution.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "execution/executor.hpp"
#include "execution/state_world.hpp"
#include "protocol/validation.hpp"
#include "state/state.hpp"

namespace xl::execution {

std::string_view to_string(ExecError e) noexcept {
    switch (e) {
        case ExecError::kNonceTooHigh:
            return "nonce too high";
        case ExecError::kNonceTooLow:
            return "nonce too low";
        case ExecError::kNonceMax:
            return "nonce has max value";
        case ExecError::kSenderNotEoa:
            return "sender not an eoa";
        case ExecError::kTipAboveFeeCap:
            return "max priority fee per gas higher than max fee per gas";
        case ExecError::kFeeCapTooLow:
            return "max fee per gas less than block base fee";
        case ExecError::kInsufficientFunds:
            return "insufficient funds for gas * price + value";
        case ExecError::kGasLimitReached:
            return "gas limit reached";
        case ExecError::kIntrinsicGas:
            return "intrinsic gas too low";
        case ExecError::kMaxInitCodeSize:
            return "max initcode size exceeded";
        case ExecError::kGasPriceOverflow:
            return "gas * gas price overflows 256 bits";
        case ExecError::kState:
            return "state access failed";
    }
    return "unknown execution error";
}

U256 fake_exponential(const U256& factor, const U256& numerator, const U256& denominator) noexcept {
    // EIP-4844 helper: Taylor series of factor * e^(numerator / denominator).
    if (denominator.is_zero()) return U256{};
    U256 output{0};
    U256 acc = factor * denominator;
    // The terms shrink once i exceeds numerator/denominator; 4096 terms bound the loop for any
    // excess blob gas a block header can carry without changing any reachable result.
    for (uint64_t i = 1; !acc.is_zero() && i < 4096; ++i) {
        output += acc;
        acc = (acc * numerator) / (denominator * U256{i});
    }
    return output / denominator;
}

U256 blob_base_fee(uint64_t excess_blob_gas) noexcept {
    // MIN_BLOB_BASE_FEE = 1, BLOB_BASE_FEE_UPDATE_FRACTION = 3338477 (EIP-4844, Cancun).
    return fake_exponential(U256{1}, U256{excess_blob_gas}, U256{3338477});
}

evm::TxContext make_tx_context(const BlockEnv& env, const Address& origin, const U256& gas_price) {
    evm::TxContext ctx;
    ctx.gas_price = gas_price;
    ctx.origin = origin;
    ctx.coinbase = env.coinbase;
    ctx.number = env.number;
    ctx.timestamp = env.timestamp;
    ctx.gas_limit = env.gas_limit;
    ctx.prev_randao = env.prev_randao;
    ctx.chain_id = U256{env.chain_id};
    ctx.base_fee = env.base_fee;
    ctx.blob_base_fee = env.blob_base_fee;
    return ctx;
}

Bloom logs_bloom(const std::vector<Log>& logs) noexcept {
    Bloom bloom{};
    // Yellow Paper eq. 30: bits from the first three byte pairs of keccak256, mod 2048.
    auto add = [&bloom](BytesView item) {
        const Hash256 h = crypto::keccak256(item);
        for (size_t i = 0; i < 6; i += 2) {
            const unsigned bit = ((unsigned(h[i]) << 8) | h[i + 1]) & 2047u;
            bloom[255 - bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
        }
    };
    for (const Log& l : logs) {
        add(l.address);
        for (const Hash256& t : l.topics)
            add(t);
    }
    return bloom;
}

Hash256 logs_hash(const std::vector<Log>& logs) {
    return crypto::keccak256(protocol::encode_logs(logs));
}

namespace {

// Cancun's precompiles: 0x01..0x0a (EIP-2929 warms them all).
constexpr unsigned kPrecompileCount = 10;

Address precompile_address(unsigned i) {
    Address a;
    a[19] = static_cast<uint8_t>(i);
    return a;
}

}  // namespace

Result<TxOutcome, ExecError> execute_transaction(const WorldView& world, const BlockEnv& env,
                                                 const protocol::Transaction& tx,
                                                 const Address& sender, uint64_t cumulative_gas) {
    // ---- validation, in geth's order (core/state_transition.go preCheck, buyGas) ----
    const auto acc = world.account(sender);
    const uint64_t state_nonce = acc ? acc->nonce : 0;
    if (state_nonce < tx.nonce) return unexpected(ExecError::kNonceTooHigh);
    if (state_nonce > tx.nonce) return unexpected(ExecError::kNonceTooLow);
    if (tx.nonce == UINT64_MAX) return unexpected(ExecError::kNonceMax);
    static const Hash256 kEmptyCodeHash = crypto::keccak256({});
    if (acc && acc->code_hash != kEmptyCodeHash && !acc->code_hash.is_zero()) {
        return unexpected(ExecError::kSenderNotEoa);  // EIP-3607
    }
    const U256& fee_cap = tx.fee_cap();
    const U256& tip_cap = tx.tip_cap();
    if (tip_cap > fee_cap) return unexpected(ExecError::kTipAboveFeeCap);
    if (fee_cap < env.base_fee) return unexpected(ExecError::kFeeCapTooLow);
    // buyGas: the balance must cover gas_limit * fee cap + value, all in 256 bits.
    const U256 gas_limit{tx.gas_limit};
    const U256 max_gas_cost = gas_limit * fee_cap;
    if (!gas_limit.is_zero() && max_gas_cost / gas_limit != fee_cap) {
        return unexpected(ExecError::kGasPriceOverflow);
    }
    const U256 need = max_gas_cost + tx.value;
    const U256 balance = acc ? acc->balance : U256{};
    if (need < max_gas_cost || balance < need) return unexpected(ExecError::kInsufficientFunds);
    if (env.gas_limit < 0 || cumulative_gas > static_cast<uint64_t>(env.gas_limit) ||
        tx.gas_limit > static_cast<uint64_t>(env.gas_limit) - cumulative_gas) {
        return unexpected(ExecError::kGasLimitReached);
    }
    const uint64_t intrinsic = protocol::intrinsic_gas(tx);
    if (tx.gas_limit < intrinsic) return unexpected(ExecError::kIntrinsicGas);
    if (tx.is_create() && tx.data.size() > kMaxInitCodeSize) {
        return unexpected(ExecError::kMaxInitCodeSize);
    }
    if (tx.gas_limit > static_cast<uint64_t>(INT64_MAX))
        return unexpected(ExecError::kGasLimitReached);

    // ---- execution ----
    // EIP-1559 effective gas price: min(fee cap, base fee + tip); the tip cap equals the gas
    // price for legacy and EIP-2930 transactions, so one formula serves every type.
    const U256 tip = std::min(tip_cap, fee_cap - env.base_fee);
    const U256 price = env.base_fee + tip;

    const evm::TxContext ctx = make_tx_context(env, sender, price);

    Executor ex(world, ctx, env);
    ex.sub_balance(sender, gas_limit * price);
    // EIP-2929/2930/3651: origin, destination, precompiles, coinbase and the access list warm.
    ex.access_account(sender);
    if (tx.to) ex.access_account(*tx.to);
    for (unsigned i = 1; i <= kPrecompileCount; ++i)
        ex.access_account(precompile_address(i));
    ex.access_account(env.coinbase);
    for (const auto& e : tx.access_list) {
        ex.access_account(e.address);
        for (const Hash256& k : e.storage_keys)
            ex.access_storage(e.address, U256::from_hash(k));
    }

    evm::Message msg;
    msg.depth = 0;
    msg.gas = static_cast<int64_t>(tx.gas_limit - intrinsic);
    msg.sender = sender;
    msg.input = tx.data;
    msg.value = tx.value;
    if (tx.to) {
        msg.kind = evm::CallKind::kCall;
        msg.recipient = *tx.to;
        msg.code_address = *tx.to;
        ex.set_nonce(sender, tx.nonce + 1);
    } else {
        msg.kind = evm::CallKind::kCreate;  // the creation frame increments the nonce
    }
    const evm::ExecResult r = ex.call(msg);

    // EIP-3529: refund at most a fifth of the gas used; then the unused gas goes back.
    uint64_t gas_left = static_cast<uint64_t>(std::max<int64_t>(r.gas_left, 0));
    uint64_t gas_used = tx.gas_limit - gas_left;
    const uint64_t refund =
        std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(r.gas_refund, 0)), gas_used / 5);
    gas_left += refund;
    gas_used -= refund;
    ex.add_balance(sender, U256{gas_left} * price);
    // The coinbase earns the tip only (the base fee is burnt); it is touched even for 0.
    ex.add_balance(env.coinbase, U256{gas_used} * tip);

    TxOutcome out;
    out.receipt.success = r.status == evm::StatusCode::kSuccess;
    out.receipt.gas_used = gas_used;
    out.receipt.cumulative_gas_used = cumulative_gas + gas_used;
    out.receipt.logs = ex.logs();
    out.receipt.bloom = logs_bloom(out.receipt.logs);
    out.changes = ex.finalize();
    return out;
}

Result<Receipt, ExecError> apply_transaction(state::State& state, const BlockEnv& env,
                                             const protocol::Transaction& tx, const Address& sender,
                                             uint64_t cumulative_gas) {
    state.begin_transaction();
    auto out = execute_transaction(StateWorld(state), env, tx, sender, cumulative_gas);
    if (state.failure()) return unexpected(ExecError::kState);  // reads failed: out is void
    if (!out) return unexpected(out.error());
    // The Executor already removed what EIP-161 and EIP-6780 delete; write the rest.
    for (const auto& c : out->changes) {
        if (!c.account) {
            state.delete_account(c.address);
            continue;
        }
        if (c.clear_storage) state.clear_storage(c.address);
        state.set_nonce(c.address, c.account->nonce);
        state.set_balance(c.address, c.account->balance);
        if (c.code) state.set_code(c.address, *c.code);
        for (const auto& [k, v] : c.storage)
            state.set_storage(c.address, k, v);
    }
    state.finalize_transaction();
    if (state.failure()) return unexpected(ExecError::kState);
    return std::move(out->receipt);
}

}  // namespace xl::execution
