// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the interface between the interpreter and the world state, in the spirit of
// EVMC. The interpreter (evm module) sees accounts, storage, logs and nested calls only
// through Host; the execution module implements it (value transfer, account creation,
// precompiles, journaling and revert). Rules are Cancun's in both crypto suites (DESIGN.md §2).
// A Host is used by one execution at a time; it is not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/uint256.hpp"

namespace xl::evm {

// How a frame ended (Yellow Paper §9.4.2 exceptional halting, plus REVERT).
enum class StatusCode : uint8_t {
    kSuccess,
    kRevert,                 // REVERT (EIP-140): state reverted, gas left returned
    kOutOfGas,
    kInvalidInstruction,     // INVALID (0xfe)
    kUndefinedInstruction,   // an opcode not defined in Cancun
    kStackOverflow,
    kStackUnderflow,
    kBadJumpDestination,
    kInvalidMemoryAccess,    // RETURNDATACOPY out of bounds (EIP-211)
    kCallDepthExceeded,
    kStaticModeViolation,    // state change inside STATICCALL (EIP-214)
    kPrecompileFailure,      // a precompile rejected its input
    kContractValidationFailure,  // code starting with 0xEF (EIP-3541), code size (EIP-170)
    kArgumentOutOfRange,     // e.g. initcode over EIP-3860's limit
    kInsufficientBalance,    // CALL/CREATE value exceeds balance (not an exceptional halt)
    kNonceOverflow,          // CREATE by an account with nonce 2^64-1 (EIP-2681)
    kCreateCollision,        // CREATE/CREATE2 to an address with code or nonce
    kInternalError,          // our bug or a host failure; never the input's fault
};
std::string_view to_string(StatusCode s) noexcept;

enum class CallKind : uint8_t { kCall, kDelegateCall, kCallCode, kStaticCall, kCreate, kCreate2 };

// One frame's message (Yellow Paper §8, §7).
struct Message {
    CallKind kind = CallKind::kCall;
    bool is_static = false;
    int32_t depth = 0;               // 0 for the transaction's own frame
    int64_t gas = 0;
    Address recipient;               // the account whose storage and balance are used
    Address sender;                  // CALLER
    Address code_address;            // whose code runs (differs for DELEGATECALL/CALLCODE)
    BytesView input;                 // calldata, or initcode for CREATE/CREATE2
    U256 value;                      // CALLVALUE (apparent value for DELEGATECALL)
    Hash256 create2_salt;
};

struct ExecResult {
    StatusCode status = StatusCode::kSuccess;
    int64_t gas_left = 0;
    int64_t gas_refund = 0;          // EIP-3529 refund counter of this frame (may be negative)
    Bytes output;                    // RETURN/REVERT data
    Address create_address;          // for CREATE/CREATE2 that succeeded
};

// Block and transaction context (Cancun).
struct TxContext {
    U256 gas_price;                  // effective gas price (GASPRICE)
    Address origin;                  // ORIGIN
    Address coinbase;
    int64_t number = 0;
    int64_t timestamp = 0;
    int64_t gas_limit = 0;
    Hash256 prev_randao;             // PREVRANDAO (EIP-4399)
    U256 chain_id;
    U256 base_fee;                   // BASEFEE (EIP-3198)
    U256 blob_base_fee;              // BLOBBASEFEE (EIP-7516)
    std::vector<Hash256> blob_hashes;  // BLOBHASH (EIP-4844); empty on Xinlian
};

enum class AccessStatus : uint8_t { kCold, kWarm };  // EIP-2929

// Outcome of SSTORE for gas and refund accounting (EIP-2200 with EIP-3529 values), with the
// names of EVMC: original = value at the start of the transaction, current = before this
// SSTORE, new = the value written.
enum class StorageStatus : uint8_t {
    kAssigned,         // no gas-relevant change (current == new, or original != current
                       // with no special case below)
    kAdded,            // 0 -> 0 -> Z
    kDeleted,          // X -> X -> 0
    kModified,         // X -> X -> Z
    kDeletedAdded,     // X -> 0 -> Z
    kModifiedDeleted,  // X -> Y -> 0
    kDeletedRestored,  // X -> 0 -> X
    kAddedDeleted,     // 0 -> Y -> 0
    kModifiedRestored, // X -> Y -> X
};

class Host {
public:
    virtual ~Host() = default;

    virtual bool account_exists(const Address& addr) const noexcept = 0;  // EIP-161 non-empty
    virtual U256 get_storage(const Address& addr, const U256& key) const noexcept = 0;
    virtual StorageStatus set_storage(const Address& addr, const U256& key,
                                      const U256& value) noexcept = 0;
    virtual U256 get_transient_storage(const Address& addr, const U256& key) const noexcept = 0;
    virtual void set_transient_storage(const Address& addr, const U256& key,
                                       const U256& value) noexcept = 0;  // EIP-1153
    virtual U256 get_balance(const Address& addr) const noexcept = 0;
    virtual size_t get_code_size(const Address& addr) const noexcept = 0;
    // Zero for an account that does not exist (EIP-1052); keccak256("") for no code.
    virtual Hash256 get_code_hash(const Address& addr) const noexcept = 0;
    // The code stays valid until the next state-changing call on this host.
    virtual BytesView get_code(const Address& addr) const noexcept = 0;
    // SELFDESTRUCT as of EIP-6780; returns true if this is the first selfdestruct of addr.
    virtual bool selfdestruct(const Address& addr, const Address& beneficiary) noexcept = 0;
    // CALL*, CREATE, CREATE2: the host transfers value, snapshots state, runs the code (or a
    // precompile) and reverts on failure.
    virtual ExecResult call(const Message& msg) noexcept = 0;
    virtual const TxContext& tx_context() const noexcept = 0;
    // BLOCKHASH for one of the 256 previous blocks; zero otherwise.
    virtual Hash256 get_block_hash(int64_t number) const noexcept = 0;
    virtual void emit_log(const Address& addr, BytesView data,
                          std::span<const Hash256> topics) noexcept = 0;
    virtual AccessStatus access_account(const Address& addr) noexcept = 0;
    virtual AccessStatus access_storage(const Address& addr, const U256& key) noexcept = 0;
};

}  // namespace xl::evm
