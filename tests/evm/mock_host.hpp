// SPDX-License-Identifier: Apache-2.0
// Xinlian evm tests: an in-memory Host for interpreter tests. Ordered maps only, so nothing
// depends on hash order. Nested CALLs run the callee's code through evm::execute (no value
// transfer, no journaling); CREATE/CREATE2 are recorded and answered with a fixed address.
// Not thread-safe.
#pragma once

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "crypto/hash.hpp"
#include "evm/host.hpp"
#include "evm/interpreter.hpp"

namespace xl::evm::test {

struct Account {
    U256 balance;
    Bytes code;
    std::map<U256, U256> storage;
    std::map<U256, U256> original;  // value at the start of the transaction
};

struct LogRecord {
    Address addr;
    Bytes data;
    std::vector<Hash256> topics;
};

class MockHost : public Host {
public:
    std::map<Address, Account> accounts;
    std::map<std::pair<Address, U256>, U256> transient;
    std::set<Address> warm_accounts;
    std::set<std::pair<Address, U256>> warm_slots;
    std::vector<LogRecord> logs;
    std::vector<Message> calls;      // every message given to call()
    std::vector<Bytes> call_inputs;  // copies of their input
    std::vector<std::pair<Address, Address>> selfdestructs;
    TxContext ctx;
    Address create_result;  // address returned for CREATE/CREATE2
    StatusCode create_status = StatusCode::kSuccess;
    AnalysisCache* analysis_cache = nullptr;  // if set, nested calls take analyses from it

    bool account_exists(const Address& a) const noexcept override { return accounts.count(a) != 0; }
    U256 get_storage(const Address& a, const U256& k) const noexcept override {
        auto it = accounts.find(a);
        if (it == accounts.end()) return {};
        auto s = it->second.storage.find(k);
        return s == it->second.storage.end() ? U256() : s->second;
    }
    // EIP-2200 classification, as evmc::MockedHost does it.
    StorageStatus set_storage(const Address& a, const U256& k, const U256& v) noexcept override {
        Account& acc = accounts[a];
        const U256 current = get_storage(a, k);
        auto o = acc.original.find(k);
        const U256 original = o == acc.original.end() ? current : o->second;
        if (o == acc.original.end()) acc.original[k] = current;
        acc.storage[k] = v;
        if (current == v) return StorageStatus::kAssigned;
        if (original == current) {
            if (original.is_zero()) return StorageStatus::kAdded;
            if (v.is_zero()) return StorageStatus::kDeleted;
            return StorageStatus::kModified;
        }
        if (!original.is_zero()) {
            if (current.is_zero()) {
                if (v == original) return StorageStatus::kDeletedRestored;
                return StorageStatus::kDeletedAdded;
            }
            if (v.is_zero()) return StorageStatus::kModifiedDeleted;
            if (v == original) return StorageStatus::kModifiedRestored;
            return StorageStatus::kAssigned;
        }
        if (v.is_zero()) return StorageStatus::kAddedDeleted;
        return StorageStatus::kAssigned;
    }
    U256 get_transient_storage(const Address& a, const U256& k) const noexcept override {
        auto it = transient.find({a, k});
        return it == transient.end() ? U256() : it->second;
    }
    void set_transient_storage(const Address& a, const U256& k, const U256& v) noexcept override {
        transient[{a, k}] = v;
    }
    U256 get_balance(const Address& a) const noexcept override {
        auto it = accounts.find(a);
        return it == accounts.end() ? U256() : it->second.balance;
    }
    size_t get_code_size(const Address& a) const noexcept override {
        auto it = accounts.find(a);
        return it == accounts.end() ? 0 : it->second.code.size();
    }
    Hash256 get_code_hash(const Address& a) const noexcept override {
        auto it = accounts.find(a);
        if (it == accounts.end()) return {};
        return crypto::keccak256(it->second.code);
    }
    BytesView get_code(const Address& a) const noexcept override {
        auto it = accounts.find(a);
        if (it == accounts.end()) return {};
        return it->second.code;
    }
    bool selfdestruct(const Address& a, const Address& b) noexcept override {
        selfdestructs.emplace_back(a, b);
        return selfdestructs.size() == 1;
    }
    ExecResult call(const Message& msg) noexcept override {
        calls.push_back(msg);
        call_inputs.emplace_back(msg.input.begin(), msg.input.end());
        if (msg.kind == CallKind::kCreate || msg.kind == CallKind::kCreate2) {
            ExecResult r;
            r.status = create_status;
            r.gas_left = create_status == StatusCode::kSuccess ? msg.gas / 2 : 0;
            r.create_address = create_result;
            return r;
        }
        const Bytes code = accounts[msg.code_address].code;  // a copy: the map may change
        if (analysis_cache != nullptr) {
            return execute(*this, msg, code, crypto::keccak256(code), *analysis_cache);
        }
        return execute(*this, msg, code);
    }
    const TxContext& tx_context() const noexcept override { return ctx; }
    Hash256 get_block_hash(int64_t number) const noexcept override {
        Hash256 h;
        h[31] = uint8_t(number);
        h[0] = 0xbb;
        return h;
    }
    void emit_log(const Address& a, BytesView data, std::span<const Hash256> t) noexcept override {
        logs.push_back({a, Bytes(data.begin(), data.end()), {t.begin(), t.end()}});
    }
    AccessStatus access_account(const Address& a) noexcept override {
        return warm_accounts.insert(a).second ? AccessStatus::kCold : AccessStatus::kWarm;
    }
    AccessStatus access_storage(const Address& a, const U256& k) noexcept override {
        return warm_slots.insert({a, k}).second ? AccessStatus::kCold : AccessStatus::kWarm;
    }
};

}  // namespace xl::evm::test
