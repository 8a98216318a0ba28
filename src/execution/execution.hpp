// SPDX-License-Identifier: Apache-2.0
// Xinlian execution: applying one transaction to the world state under Cancun rules (Yellow
// Paper §6 with EIP-1559, 2929, 2930, 3529, 3607, 3651, 3860, 6780), receipts, logs bloom.
// Free functions over a caller-owned state::State; not thread-safe for the same State.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "protocol/receipt.hpp"
#include "protocol/transaction.hpp"

namespace xl::state {
class State;
}
namespace xl::evm {
class AnalysisCache;
}

namespace xl::execution {

// The block a transaction executes in (Yellow Paper §4.3 header fields seen by the EVM).
struct BlockEnv {
    Address coinbase;
    int64_t number = 0;
    int64_t timestamp = 0;
    int64_t gas_limit = 0;
    Hash256 prev_randao;  // EIP-4399
    U256 base_fee;        // EIP-1559
    U256 blob_base_fee;   // EIP-7516
    uint64_t chain_id = 1;
    // Hashes of the previous blocks, newest first: recent_hashes[i] is block number-1-i's.
    // At most 256 are used (BLOCKHASH, Yellow Paper §9.4.2 / eq. 138).
    std::vector<Hash256> recent_hashes;
    // Analyses of deployed code by code hash, shared across transactions, blocks and threads
    // (evm/analysis.hpp); null: every frame analyses its code.
    evm::AnalysisCache* analysis_cache = nullptr;
};

// Logs and the bloom are protocol types (protocol/receipt.hpp); the names stay here too.
using Log = protocol::Log;
using Bloom = protocol::Bloom;

struct Receipt {
    bool success = false;
    uint64_t gas_used = 0;             // of this transaction, after the refund
    uint64_t cumulative_gas_used = 0;  // in the block up to and including it
    std::vector<Log> logs;
    Bloom bloom{};
};

// Why a transaction is not applicable to the state (it then leaves the state untouched).
// Texts are go-ethereum's (core/error.go), which ethers users match on (STYLE.md 5).
enum class ExecError {
    kNonceTooHigh,
    kNonceTooLow,
    kNonceMax,           // EIP-2681
    kSenderNotEoa,       // EIP-3607
    kTipAboveFeeCap,     // EIP-1559
    kFeeCapTooLow,       // max fee below the base fee (EIP-1559)
    kInsufficientFunds,  // balance < gas_limit * fee cap + value
    kGasLimitReached,    // gas limit above what is left of the block gas limit
    kIntrinsicGas,       // Yellow Paper eq. 60
    kMaxInitCodeSize,    // EIP-3860
    kGasPriceOverflow,   // gas_limit * fee cap does not fit in 256 bits
    kState,              // the state failed (I/O or corruption); not the transaction's fault
};
std::string_view to_string(ExecError e) noexcept;

// Applies `tx` from `sender` (already recovered) to `state`. `cumulative_gas` is the gas used by
// the block's earlier transactions, checked against env.gas_limit. On error nothing changes.
Result<Receipt, ExecError> apply_transaction(state::State& state, const BlockEnv& env,
                                             const protocol::Transaction& tx, const Address& sender,
                                             uint64_t cumulative_gas = 0);

// The EVM's view of the block and transaction (evm::TxContext) for a transaction from `origin`
// paying the effective `gas_price`.
evm::TxContext make_tx_context(const BlockEnv& env, const Address& origin, const U256& gas_price);

// The bloom of a list of logs: 3 bits per address and per topic, from keccak256 of it.
Bloom logs_bloom(const std::vector<Log>& logs) noexcept;
// keccak256(RLP([[address, [topics..], data], ..])): what state tests compare as `logs`.
Hash256 logs_hash(const std::vector<Log>& logs);

// EIP-4844 fake_exponential(factor, numerator, denominator): factor * e^(num/den), in integers.
U256 fake_exponential(const U256& factor, const U256& numerator, const U256& denominator) noexcept;
// BLOBBASEFEE from the block's excess blob gas (EIP-4844, Cancun update fraction 3338477).
U256 blob_base_fee(uint64_t excess_blob_gas) noexcept;

}  // namespace xl::execution
