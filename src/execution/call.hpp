// SPDX-License-Identifier: Apache-2.0
// Xinlian execution: a message executed against a state without being a transaction, for
// eth_call and eth_estimateGas (go-ethereum's internal/ethapi DoCall and DoEstimateGas): no
// signature, no nonce check, and no fee unless a gas price is given. Nothing is written: the
// Executor's overlay is dropped at the end. Thread-safe for different calls over one const
// State only if that State's const reads are (state::State: yes, see state.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "execution/execution.hpp"
#include "protocol/transaction.hpp"

namespace xl::state {
class State;
}

namespace xl::execution {

struct CallMessage {
    Address from;               // zero address if the caller gave none (geth does the same)
    std::optional<Address> to;  // none: contract creation with data as init code
    uint64_t gas = 0;           // gas limit, intrinsic gas included
    U256 gas_price;             // effective price; zero = no fee charged (eth_call default)
    U256 value;
    Bytes data;
    protocol::AccessList access_list;
};

struct CallOutcome {
    evm::StatusCode status = evm::StatusCode::kSuccess;
    Bytes output;             // RETURN or REVERT data
    uint64_t gas_used = 0;    // intrinsic gas included, before the EIP-3529 refund
    uint64_t gas_refund = 0;  // what the refund would be (capped at gas_used / 5)
    std::vector<Log> logs;
    std::optional<Address> created;  // the new contract's address for a successful creation
};

// Why a call could not even start: the text is geth's.
enum class CallError {
    kIntrinsicGas,       // gas below the intrinsic gas
    kInsufficientFunds,  // value (plus gas * price) above the sender's balance
    kGasPriceOverflow,
    kMaxInitCodeSize,
    kState,  // the state failed to read (I/O, corruption)
};
std::string_view to_string(CallError e) noexcept;

// Executes msg on top of state in the block env (BLOCKHASH, NUMBER, ... from env).
Result<CallOutcome, CallError> simulate_call(const state::State& state, const BlockEnv& env,
                                             const CallMessage& msg);

// eth_estimateGas: the smallest gas limit in [intrinsic, cap] with which msg succeeds, by
// binary search as go-ethereum does (after a first try at cap). If msg fails even at cap, the
// outcome at cap (so the caller reports the revert data); an error if it cannot start.
struct Estimate {
    bool success = false;
    uint64_t gas = 0;    // the estimate when success
    CallOutcome at_cap;  // the run with the cap (revert data when !success)
};
Result<Estimate, CallError> estimate_gas(const state::State& state, const BlockEnv& env,
                                         CallMessage msg, uint64_t cap);

}  // namespace xl::execution
