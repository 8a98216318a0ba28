// SPDX-License-Identifier: Apache-2.0
// Xinlian execution: Executor, the evm::Host of one transaction. It keeps every account the
// transaction touches in an overlay over state::State, with a journal so that a failed frame
// is undone exactly (Yellow Paper §8: "the state is reverted"); only at finalize() does the
// overlay reach the State, with EIP-161 and EIP-6780 deletions. Ordered maps everywhere, so
// no hash order can reach roots, logs or gas. One transaction at a time; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "execution/execution.hpp"

namespace xl::execution {

// EIP-170 and its EIP-3860 twin for init code.
inline constexpr size_t kMaxCodeSize = 24576;
inline constexpr size_t kMaxInitCodeSize = 2 * kMaxCodeSize;
inline constexpr int64_t kCodeDepositGasPerByte = 200;  // G_codedeposit
inline constexpr int32_t kMaxCallDepth = 1024;          // Yellow Paper §9.4.2

// The address of a contract created by CREATE (Yellow Paper eq. 88: keccak256(rlp([sender,
// nonce]))[12:]) or CREATE2 (EIP-1014), in both suites (DESIGN.md §2).
Address create_address(const Address& sender, uint64_t nonce);
Address create2_address(const Address& sender, const Hash256& salt, BytesView initcode);

// What the Executor reads of the world at the start of a transaction: apply_transaction adapts
// state::State to it, and the changes go back to the State at the end (execution.cpp).
class WorldView {
public:
    struct Account {
        uint64_t nonce = 0;
        U256 balance;
        Hash256 code_hash;  // keccak256("") for no code
        bool has_storage = false;
    };
    virtual ~WorldView() = default;
    virtual std::optional<Account> account(const Address& addr) const = 0;
    virtual Bytes code(const Address& addr) const = 0;
    virtual U256 storage(const Address& addr, const U256& key) const = 0;
};

class Executor final : public evm::Host {
public:
    Executor(const WorldView& world, const evm::TxContext& tx_ctx, const BlockEnv& env);

    // evm::Host
    bool account_exists(const Address& addr) const noexcept override;
    U256 get_storage(const Address& addr, const U256& key) const noexcept override;
    evm::StorageStatus set_storage(const Address& addr, const U256& key,
                                   const U256& value) noexcept override;
    U256 get_transient_storage(const Address& addr, const U256& key) const noexcept override;
    void set_transient_storage(const Address& addr, const U256& key,
                               const U256& value) noexcept override;
    U256 get_balance(const Address& addr) const noexcept override;
    size_t get_code_size(const Address& addr) const noexcept override;
    Hash256 get_code_hash(const Address& addr) const noexcept override;
    BytesView get_code(const Address& addr) const noexcept override;
    bool selfdestruct(const Address& addr, const Address& beneficiary) noexcept override;
    evm::ExecResult call(const evm::Message& msg) noexcept override;
    const evm::TxContext& tx_context() const noexcept override { return tx_ctx_; }
    Hash256 get_block_hash(int64_t number) const noexcept override;
    void emit_log(const Address& addr, BytesView data,
                  std::span<const Hash256> topics) noexcept override;
    evm::AccessStatus access_account(const Address& addr) noexcept override;
    evm::AccessStatus access_storage(const Address& addr, const U256& key) noexcept override;

    // Used by apply_transaction around the frame.
    uint64_t nonce(const Address& addr) const noexcept;
    void set_nonce(const Address& addr, uint64_t nonce) noexcept;
    void add_balance(const Address& addr, const U256& amount) noexcept;  // touches
    void sub_balance(const Address& addr, const U256& amount) noexcept;  // caller checked
    const std::vector<Log>& logs() const noexcept { return logs_; }

    // One change of the overlay, as it will be written: nullopt = delete the account.
    struct AccountChange {
        Address address;
        std::optional<WorldView::Account> account;
        std::optional<Bytes> code;                   // new code, if set in this tx
        bool clear_storage = false;                  // created anew or deleted
        std::vector<std::pair<U256, U256>> storage;  // slots whose value changed, by key
    };
    // Ends the transaction: EIP-6780 deletions, EIP-161 removal of touched empty accounts,
    // then every changed account in address order.
    std::vector<AccountChange> finalize();

private:
    struct Slot {
        U256 original;  // at the start of the transaction (EIP-2200)
        U256 current;
    };
    struct Acc {
        bool exists = false;
        uint64_t nonce = 0;
        U256 balance;
        Hash256 code_hash;
        std::shared_ptr<const Bytes> code;  // loaded lazily
        bool has_storage = false;           // in the world (collision check, EIP-7610)
        bool created = false;               // created in this tx (EIP-6780)
        bool destructed = false;
        bool touched = false;
        bool code_set = false;
        bool empty() const noexcept;
    };
    // Journal entries: the prior value of whatever changed.
    struct AccountSaved {
        Address addr;
        Acc prior;
    };
    struct SlotSaved {
        Address addr;
        U256 key;
        U256 prior;
    };
    struct TransientSaved {
        Address addr;
        U256 key;
        U256 prior;
    };
    struct WarmAccount {
        Address addr;
    };
    struct WarmSlot {
        Address addr;
        U256 key;
    };
    using Entry = std::variant<AccountSaved, SlotSaved, TransientSaved, WarmAccount, WarmSlot>;

    struct Snapshot {
        size_t journal;
        size_t logs;
    };

    Acc& load(const Address& addr) const noexcept;
    Acc& edit(const Address& addr) noexcept;  // journals the account's fields first
    Slot& slot(const Address& addr, const U256& key) const noexcept;
    const Bytes& code_of(const Address& addr) const noexcept;
    Snapshot snapshot() const noexcept { return {journal_.size(), logs_.size()}; }
    void revert(const Snapshot& s) noexcept;
    evm::ExecResult call_frame(const evm::Message& msg) noexcept;
    evm::ExecResult create_frame(const evm::Message& msg) noexcept;

    const WorldView& world_;
    evm::TxContext tx_ctx_;
    const BlockEnv& env_;
    mutable std::map<Address, Acc> accounts_;
    mutable std::map<std::pair<Address, U256>, Slot> slots_;
    std::map<std::pair<Address, U256>, U256> transient_;
    std::set<Address> warm_accounts_;
    std::set<std::pair<Address, U256>> warm_slots_;
    std::vector<Entry> journal_;
    std::vector<Log> logs_;
};

// A transaction applied to a WorldView: the receipt and the writes for the State.
struct TxOutcome {
    Receipt receipt;
    std::vector<Executor::AccountChange> changes;
};

// apply_transaction without the State: validation in geth's order (state_transition.go
// preCheck, buyGas, intrinsic gas, EIP-3860), then execution. On error nothing is to be written.
Result<TxOutcome, ExecError> execute_transaction(const WorldView& world, const BlockEnv& env,
                                                 const protocol::Transaction& tx,
                                                 const Address& sender,
                                                 uint64_t cumulative_gas = 0);

}  // namespace xl::execution
