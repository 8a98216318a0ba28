// SPDX-License-Identifier: Apache-2.0
// Executor: call/create semantics of the Yellow Paper §8 (message call) and §7 (contract
// creation) for Cancun, with a journal for reverts.
#include "execution/executor.hpp"

#include <algorithm>

#include "codec/rlp.hpp"
#include "core/assert.hpp"
#include "crypto/hash.hpp"
#include "evm/interpreter.hpp"
#include "evm/precompiles.hpp"

namespace xl::execution {
namespace {

const Hash256& empty_code_hash() noexcept {
    static const Hash256 h = crypto::keccak256({});
    return h;
}

const std::shared_ptr<const Bytes>& no_code() noexcept {
    static const auto c = std::make_shared<const Bytes>();
    return c;
}

}  // namespace

// CREATE: keccak256(rlp([sender, nonce]))[12:] (Yellow Paper eq. 88).
Address create_address(const Address& sender, uint64_t nonce) {
    const Bytes rlp = rlp::ListBuilder().add_string(sender).add_uint(nonce).finish();
    const Hash256 h = crypto::keccak256(rlp);
    return Address::from(BytesView(h.data() + 12, 20));
}

// CREATE2: keccak256(0xff ++ sender ++ salt ++ keccak256(initcode))[12:] (EIP-1014).
Address create2_address(const Address& sender, const Hash256& salt, BytesView initcode) {
    Bytes buf;
    buf.reserve(1 + 20 + 32 + 32);
    buf.push_back(0xff);
    buf.insert(buf.end(), sender.begin(), sender.end());
    buf.insert(buf.end(), salt.begin(), salt.end());
    const Hash256 code_hash = crypto::keccak256(initcode);
    buf.insert(buf.end(), code_hash.begin(), code_hash.end());
    const Hash256 h = crypto::keccak256(buf);
    return Address::from(BytesView(h.data() + 12, 20));
}

namespace {

evm::ExecResult failure(evm::StatusCode status, int64_t gas_left) {
    evm::ExecResult r;
    r.status = status;
    r.gas_left = gas_left;
    return r;
}

}  // namespace

bool Executor::Acc::empty() const noexcept {
    // EIP-161: no code, zero nonce and zero balance.
    return nonce == 0 && balance.is_zero() && code_hash == empty_code_hash();
}

Executor::Executor(const WorldView& world, const evm::TxContext& tx_ctx, const BlockEnv& env)
    : world_(world), tx_ctx_(tx_ctx), env_(env) {}

Executor::Acc& Executor::load(const Address& addr) const noexcept {
    auto it = accounts_.find(addr);
    if (it != accounts_.end()) return it->second;
    Acc a;
    a.code_hash = empty_code_hash();
    if (auto w = world_.account(addr)) {
        a.exists = true;
        a.nonce = w->nonce;
        a.balance = w->balance;
        a.code_hash = w->code_hash;
        a.has_storage = w->has_storage;
    }
    if (a.code_hash == empty_code_hash()) a.code = no_code();
    return accounts_.emplace(addr, std::move(a)).first->second;
}

Executor::Acc& Executor::edit(const Address& addr) noexcept {
    Acc& a = load(addr);
    journal_.emplace_back(AccountSaved{addr, a});
    return a;
}

Executor::Slot& Executor::slot(const Address& addr, const U256& key) const noexcept {
    const auto k = std::make_pair(addr, key);
    auto it = slots_.find(k);
    if (it != slots_.end()) return it->second;
    const Acc& a = load(addr);
    // Storage of an account created in this transaction starts empty (it had none: the
    // collision check of EIP-7610 saw to that).
    const U256 v = (a.exists && !a.created) ? world_.storage(addr, key) : U256{};
    return slots_.emplace(k, Slot{v, v}).first->second;
}

const Bytes& Executor::code_of(const Address& addr) const noexcept {
    Acc& a = load(addr);
    if (!a.code) a.code = std::make_shared<const Bytes>(world_.code(addr));
    return *a.code;
}

void Executor::revert(const Snapshot& s) noexcept {
    while (journal_.size() > s.journal) {
        std::visit(
            [this](auto& e) {
                using T = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<T, AccountSaved>) {
                    accounts_[e.addr] = std::move(e.prior);
                } else if constexpr (std::is_same_v<T, SlotSaved>) {
                    slots_[{e.addr, e.key}].current = e.prior;
                } else if constexpr (std::is_same_v<T, TransientSaved>) {
                    transient_[{e.addr, e.key}] = e.prior;
                } else if constexpr (std::is_same_v<T, WarmAccount>) {
                    warm_accounts_.erase(e.addr);
                } else {
                    warm_slots_.erase({e.addr, e.key});
                }
            },
            journal_.back());
        journal_.pop_back();
    }
    logs_.resize(s.logs);
}

// ---- Host: reads ----

bool Executor::account_exists(const Address& addr) const noexcept {
    const Acc& a = load(addr);
    return a.exists && !a.empty();
}

U256 Executor::get_storage(const Address& addr, const U256& key) const noexcept {
    return slot(addr, key).current;
}

U256 Executor::get_transient_storage(const Address& addr, const U256& key) const noexcept {
    auto it = transient_.find({addr, key});
    return it == transient_.end() ? U256{} : it->second;
}

U256 Executor::get_balance(const Address& addr) const noexcept {
    return load(addr).balance;
}

size_t Executor::get_code_size(const Address& addr) const noexcept {
    return code_of(addr).size();
}

Hash256 Executor::get_code_hash(const Address& addr) const noexcept {
    // EIP-1052 with EIP-161: an empty account counts as non-existent, hash 0.
    const Acc& a = load(addr);
    if (!a.exists || a.empty()) return Hash256{};
    return a.code_hash;
}

BytesView Executor::get_code(const Address& addr) const noexcept {
    return code_of(addr);
}

Hash256 Executor::get_block_hash(int64_t number) const noexcept {
    // Only the 256 most recent complete blocks (Yellow Paper eq. 138).
    if (number < 0 || number >= env_.number || env_.number - number > 256) return Hash256{};
    const auto i = static_cast<size_t>(env_.number - 1 - number);
    return i < env_.recent_hashes.size() ? env_.recent_hashes[i] : Hash256{};
}

uint64_t Executor::nonce(const Address& addr) const noexcept {
    return load(addr).nonce;
}

// ---- Host: writes ----

evm::StorageStatus Executor::set_storage(const Address& addr, const U256& key,
                                         const U256& value) noexcept {
    using evm::StorageStatus;
    Slot& s = slot(addr, key);
    const U256 original = s.original;
    const U256 current = s.current;
    if (current == value) return StorageStatus::kAssigned;
    journal_.emplace_back(SlotSaved{addr, key, current});
    s.current = value;
    // EIP-2200 cases, named as in EVMC (original -> current -> new).
    if (original == current) {
        if (original.is_zero()) return StorageStatus::kAdded;
        if (value.is_zero()) return StorageStatus::kDeleted;
        return StorageStatus::kModified;
    }
    if (!original.is_zero()) {
        if (current.is_zero()) {
            return value == original ? StorageStatus::kDeletedRestored
                                     : StorageStatus::kDeletedAdded;
        }
        if (value.is_zero()) return StorageStatus::kModifiedDeleted;
        if (value == original) return StorageStatus::kModifiedRestored;
        return StorageStatus::kAssigned;
    }
    if (value.is_zero()) return StorageStatus::kAddedDeleted;
    return StorageStatus::kAssigned;
}

void Executor::set_transient_storage(const Address& addr, const U256& key,
                                     const U256& value) noexcept {
    // EIP-1153: transient storage is reverted like storage.
    journal_.emplace_back(TransientSaved{addr, key, get_transient_storage(addr, key)});
    transient_[{addr, key}] = value;
}

void Executor::set_nonce(const Address& addr, uint64_t nonce) noexcept {
    Acc& a = edit(addr);
    a.nonce = nonce;
    a.exists = true;
    a.touched = true;
}

void Executor::add_balance(const Address& addr, const U256& amount) noexcept {
    // A zero amount still touches (EIP-161 (d)), so an empty recipient is removed at the end.
    Acc& a = edit(addr);
    a.balance += amount;
    a.exists = true;
    a.touched = true;
}

void Executor::sub_balance(const Address& addr, const U256& amount) noexcept {
    Acc& a = edit(addr);
    XL_ASSERT(a.balance >= amount);
    a.balance -= amount;
    a.exists = true;
    a.touched = true;
}

bool Executor::selfdestruct(const Address& addr, const Address& beneficiary) noexcept {
    // EIP-6780: the balance always moves; the account is deleted (and a balance sent to itself
    // burnt) only if it was created in this transaction.
    const U256 balance = load(addr).balance;
    sub_balance(addr, balance);
    add_balance(beneficiary, balance);
    Acc& a = edit(addr);
    const bool first = !a.destructed;
    if (a.created) {
        a.destructed = true;
        a.balance = 0;
    }
    return first;
}

void Executor::emit_log(const Address& addr, BytesView data,
                        std::span<const Hash256> topics) noexcept {
    logs_.push_back(Log{addr, {topics.begin(), topics.end()}, Bytes(data.begin(), data.end())});
}

evm::AccessStatus Executor::access_account(const Address& addr) noexcept {
    if (warm_accounts_.contains(addr)) return evm::AccessStatus::kWarm;
    warm_accounts_.insert(addr);
    journal_.emplace_back(WarmAccount{addr});
    return evm::AccessStatus::kCold;
}

evm::AccessStatus Executor::access_storage(const Address& addr, const U256& key) noexcept {
    if (warm_slots_.contains({addr, key})) return evm::AccessStatus::kWarm;
    warm_slots_.insert({addr, key});
    journal_.emplace_back(WarmSlot{addr, key});
    return evm::AccessStatus::kCold;
}

// ---- Host: calls ----

evm::ExecResult Executor::call(const evm::Message& msg) noexcept {
    if (msg.depth > kMaxCallDepth) return failure(evm::StatusCode::kCallDepthExceeded, msg.gas);
    if (msg.kind == evm::CallKind::kCreate || msg.kind == evm::CallKind::kCreate2) {
        return create_frame(msg);
    }
    return call_frame(msg);
}

evm::ExecResult Executor::call_frame(const evm::Message& msg) noexcept {
    const bool transfers = msg.kind == evm::CallKind::kCall || msg.kind == evm::CallKind::kCallCode;
    if (transfers && load(msg.sender).balance < msg.value) {
        return failure(evm::StatusCode::kInsufficientBalance, msg.gas);
    }
    const Snapshot snap = snapshot();
    const bool precompile = evm::is_precompile(msg.code_address);
    if (msg.kind == evm::CallKind::kCall) {
        // EIP-161: a value-less call to a non-existent account does not create it.
        const Acc& to = load(msg.recipient);
        if (!to.exists && !precompile && msg.value.is_zero()) {
            evm::ExecResult r;
            r.gas_left = msg.gas;
            return r;
        }
        sub_balance(msg.sender, msg.value);
        add_balance(msg.recipient, msg.value);
    }
    evm::ExecResult r;
    if (precompile) {
        r = evm::run_precompile(msg.code_address, msg.input, msg.gas);
    } else {
        // Copy the code handle: nested frames may load more accounts into the map.
        const auto code = (code_of(msg.code_address), load(msg.code_address).code);
        if (code->empty()) {
            r.gas_left = msg.gas;
            return r;
        }
        r = env_.analysis_cache == nullptr
                ? evm::execute(*this, msg, *code)
                : evm::execute(*this, msg, *code, load(msg.code_address).code_hash,
                               *env_.analysis_cache);
    }
    if (r.status != evm::StatusCode::kSuccess) {
        revert(snap);
        r.gas_refund = 0;
        if (r.status != evm::StatusCode::kRevert) r.gas_left = 0;
    }
    return r;
}

evm::ExecResult Executor::create_frame(const evm::Message& msg) noexcept {
    Acc& sender = load(msg.sender);
    if (sender.balance < msg.value) return failure(evm::StatusCode::kInsufficientBalance, msg.gas);
    if (sender.nonce == UINT64_MAX) return failure(evm::StatusCode::kNonceOverflow, msg.gas);
    if (msg.input.size() > kMaxInitCodeSize) {
        return failure(evm::StatusCode::kArgumentOutOfRange, 0);
    }
    // The nonce goes up before the address is derived and is not undone if the creation fails
    // (geth's evm.Create; Yellow Paper eq. 113).
    const uint64_t nonce = sender.nonce;
    set_nonce(msg.sender, nonce + 1);
    const Address addr = msg.kind == evm::CallKind::kCreate
                             ? create_address(msg.sender, nonce)
                             : create2_address(msg.sender, msg.create2_salt, msg.input);
    access_account(addr);  // EIP-2929: warm even if the creation fails
    {
        const Acc& target = load(addr);
        // Collision (EIP-684, EIP-7610): nonce, code or storage at the target; all gas is lost.
        if (target.nonce != 0 || target.code_hash != empty_code_hash() || target.has_storage) {
            return failure(evm::StatusCode::kCreateCollision, 0);
        }
    }
    const Snapshot snap = snapshot();
    {
        Acc& a = edit(addr);
        a.exists = true;
        a.created = true;
        a.touched = true;
        a.nonce = 1;  // EIP-161
    }
    sub_balance(msg.sender, msg.value);
    add_balance(addr, msg.value);

    evm::Message frame = msg;
    frame.recipient = addr;
    frame.code_address = addr;
    frame.input = {};
    const Bytes initcode(msg.input.begin(), msg.input.end());
    evm::ExecResult r = evm::execute(*this, frame, initcode);
    auto fail = [&](evm::StatusCode status) {
        revert(snap);
        r.status = status;
        r.gas_refund = 0;
        r.gas_left = 0;
        r.output.clear();
        return r;
    };
    if (r.status == evm::StatusCode::kRevert) {
        revert(snap);
        r.gas_refund = 0;
        return r;
    }
    if (r.status != evm::StatusCode::kSuccess) return fail(r.status);
    // Code deposit (Yellow Paper eq. 114): EIP-170 size, EIP-3541 0xEF prefix, 200 gas/byte.
    if (r.output.size() > kMaxCodeSize) return fail(evm::StatusCode::kOutOfGas);
    if (!r.output.empty() && r.output[0] == 0xEF) {
        return fail(evm::StatusCode::kContractValidationFailure);
    }
    const int64_t deposit = kCodeDepositGasPerByte * static_cast<int64_t>(r.output.size());
    if (r.gas_left < deposit) return fail(evm::StatusCode::kOutOfGas);
    r.gas_left -= deposit;
    {
        Acc& a = edit(addr);
        a.code_hash = crypto::keccak256(r.output);
        a.code = std::make_shared<const Bytes>(std::move(r.output));
        a.code_set = true;
    }
    r.output.clear();
    r.create_address = addr;
    return r;
}

// ---- end of transaction ----

std::vector<Executor::AccountChange> Executor::finalize() {
    std::vector<AccountChange> out;
    for (const auto& [addr, a] : accounts_) {
        const bool remove = a.destructed || (a.touched && a.empty());
        if (remove) {
            if (a.exists || a.created) out.push_back({addr, std::nullopt, std::nullopt, true, {}});
            continue;
        }
        AccountChange c;
        c.address = addr;
        if (a.exists) {
            c.account = WorldView::Account{a.nonce, a.balance, a.code_hash, false};
        }
        if (a.code_set) c.code = *a.code;
        c.clear_storage = a.created;
        for (auto it = slots_.lower_bound({addr, U256{}});
             it != slots_.end() && it->first.first == addr; ++it) {
            if (it->second.current != it->second.original || a.created) {
                if (!(a.created && it->second.current.is_zero())) {
                    c.storage.emplace_back(it->first.second, it->second.current);
                }
            }
        }
        // Accounts only read (or never existing) need no write.
        if (!a.exists || (!a.touched && !a.code_set && c.storage.empty())) continue;
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace xl::execution
