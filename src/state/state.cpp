// SPDX-License-Identifier: Apache-2.0
// Xinlian state: the journaled in-memory world state (state.hpp).
#include "state/state.hpp"

#include <utility>

#include "codec/rlp.hpp"
#include "core/assert.hpp"
#include "crypto/hash.hpp"
#include "trie/trie.hpp"

namespace xl::state {

std::string_view to_string(StateError e) noexcept {
    switch (e) {
        case StateError::kInsufficientBalance:
            return "insufficient balance";
        case StateError::kBalanceOverflow:
            return "balance overflow";
        case StateError::kNonceOverflow:
            return "nonce overflow";
        case StateError::kTrie:
            return "state trie failure";
    }
    return "unknown state error";
}

const Hash256 kEmptyCodeHash = crypto::keccak256(BytesView{});

namespace {

const std::shared_ptr<const Bytes>& empty_code() {
    static const auto kEmpty = std::make_shared<const Bytes>();
    return kEmpty;
}

size_t suite_index(const crypto::CryptoSuite& suite) noexcept {
    const auto i = static_cast<size_t>(suite.id());
    XL_ASSERT(i < 2);
    return i;
}

}  // namespace

bool State::Account::empty() const noexcept {
    // EIP-161: nonce 0, balance 0 and code hash keccak256("").
    return nonce == 0 && balance.is_zero() && code->empty();
}

State::State() = default;
State::~State() = default;
State::State(State&&) noexcept = default;
State& State::operator=(State&&) noexcept = default;

// ---- loading ----

void State::put_account(const Address& addr, const GenesisAccount& acc) {
    Account a;
    a.nonce = acc.nonce;
    a.balance = acc.balance;
    a.code = acc.code.empty() ? empty_code() : std::make_shared<const Bytes>(acc.code);
    a.code_hash = crypto::keccak256(acc.code);
    for (const auto& [k, v] : acc.storage)
        if (!v.is_zero()) a.storage.emplace(k, v);
    accounts_.insert_or_assign(addr, std::move(a));
    drop_storage_cache(addr);
    mark_dirty(addr);
}

// ---- reads ----

const State::Account* State::find(const Address& addr) const noexcept {
    auto it = accounts_.find(addr);
    return it == accounts_.end() ? nullptr : &it->second;
}

State::Account* State::find(const Address& addr) noexcept {
    auto it = accounts_.find(addr);
    return it == accounts_.end() ? nullptr : &it->second;
}

bool State::exists(const Address& addr) const noexcept {
    return find(addr) != nullptr;
}

bool State::is_empty(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a != nullptr && a->empty();
}

std::optional<AccountInfo> State::get_account(const Address& addr) const noexcept {
    const Account* a = find(addr);
    if (a == nullptr) return std::nullopt;
    return AccountInfo{a->nonce, a->balance, a->code_hash};
}

U256 State::balance(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a == nullptr ? U256{} : a->balance;
}

uint64_t State::nonce(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a == nullptr ? 0 : a->nonce;
}

BytesView State::code(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a == nullptr ? BytesView{} : BytesView{*a->code};
}

Hash256 State::code_hash(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a == nullptr ? Hash256{} : a->code_hash;
}

bool State::has_storage(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a != nullptr && !a->storage.empty();
}

U256 State::current_storage(const Address& addr, const U256& key) const noexcept {
    const Account* a = find(addr);
    if (a == nullptr) return U256{};
    auto it = a->storage.find(key);
    return it == a->storage.end() ? U256{} : it->second;
}

U256 State::original_storage(const Address& addr, const U256& key) const noexcept {
    // Recorded before the first change of the slot in this transaction; an unrecorded slot
    // has not changed, so its current value is the original.
    auto it = originals_.find({addr, key});
    return it != originals_.end() ? it->second : current_storage(addr, key);
}

U256 State::transient_storage(const Address& addr, const U256& key) const noexcept {
    auto it = transient_.find({addr, key});
    return it == transient_.end() ? U256{} : it->second;
}

std::vector<Address> State::addresses() const {
    std::vector<Address> out;
    out.reserve(accounts_.size());
    for (const auto& [addr, acc] : accounts_)
        out.push_back(addr);
    return out;
}

const std::map<U256, U256>* State::storage_of(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a == nullptr ? nullptr : &a->storage;
}

// ---- writes ----

void State::mark_dirty(const Address& addr) {
    for (auto& rc : roots_)
        if (rc.trie) rc.dirty.insert(addr);
}

void State::mark_slot_dirty(const Address& addr, const U256& key) {
    for (auto& rc : roots_) {
        auto it = rc.storage.find(addr);
        if (it != rc.storage.end()) it->second.dirty.insert(key);
    }
}

void State::drop_storage_cache(const Address& addr) {
    for (auto& rc : roots_)
        rc.storage.erase(addr);
}

void State::mark(const Address& addr) {
    if (last_marked_ == addr) return;  // already touched and dirty
    mark_dirty(addr);
    if (touched_.insert(addr).second) journal_.emplace_back(Touched{addr});
    last_marked_ = addr;
}

void State::remember_originals(const Address& addr, const Account& acc) {
    // The slots are about to vanish wholesale: record the values the transaction started with
    // (emplace keeps an earlier record, which is the true original).
    for (const auto& [k, v] : acc.storage)
        originals_.emplace(std::pair{addr, k}, v);
}

State::Account& State::get_or_create(const Address& addr) {
    auto it = accounts_.find(addr);
    if (it != accounts_.end()) return it->second;
    journal_.emplace_back(AccountReplaced{addr, nullptr});
    Account a;
    a.code = empty_code();
    a.code_hash = kEmptyCodeHash;
    mark(addr);
    return accounts_.emplace(addr, std::move(a)).first->second;
}

void State::create_account(const Address& addr) {
    Account fresh;
    fresh.code = empty_code();
    fresh.code_hash = kEmptyCodeHash;
    auto it = accounts_.find(addr);
    if (it != accounts_.end()) {
        // Yellow Paper eq. 99: a pre-existing balance is kept; all else starts anew.
        fresh.balance = it->second.balance;
        remember_originals(addr, it->second);
        journal_.emplace_back(
            AccountReplaced{addr, std::make_unique<Account>(std::move(it->second))});
        drop_storage_cache(addr);
        it->second = std::move(fresh);
    } else {
        journal_.emplace_back(AccountReplaced{addr, nullptr});
        accounts_.emplace(addr, std::move(fresh));
    }
    if (created_.insert(addr).second) journal_.emplace_back(Created{addr});
    mark(addr);
}

void State::ensure_account(const Address& addr) {
    get_or_create(addr);
}

void State::touch(const Address& addr) {
    if (touched_.insert(addr).second) journal_.emplace_back(Touched{addr});
}

void State::delete_account(const Address& addr) {
    auto it = accounts_.find(addr);
    if (it == accounts_.end()) return;
    remember_originals(addr, it->second);
    journal_.emplace_back(AccountReplaced{addr, std::make_unique<Account>(std::move(it->second))});
    drop_storage_cache(addr);
    accounts_.erase(it);
    mark(addr);
}

void State::set_nonce(const Address& addr, uint64_t nonce) {
    Account& a = get_or_create(addr);
    journal_.emplace_back(NonceChanged{addr, a.nonce});
    a.nonce = nonce;
    mark(addr);
}

Result<void, StateError> State::increment_nonce(const Address& addr) {
    const uint64_t n = nonce(addr);
    if (n == UINT64_MAX) return unexpected(StateError::kNonceOverflow);  // EIP-2681
    set_nonce(addr, n + 1);
    return {};
}

void State::set_balance(const Address& addr, const U256& balance) {
    Account& a = get_or_create(addr);
    journal_.emplace_back(BalanceChanged{addr, a.balance});
    a.balance = balance;
    mark(addr);
}

Result<void, StateError> State::add_balance(const Address& addr, const U256& amount) {
    const U256 b = balance(addr);
    const U256 sum = b + amount;
    if (sum < b) return unexpected(StateError::kBalanceOverflow);
    set_balance(addr, sum);
    return {};
}

Result<void, StateError> State::sub_balance(const Address& addr, const U256& amount) {
    const U256 b = balance(addr);
    if (b < amount) return unexpected(StateError::kInsufficientBalance);
    set_balance(addr, b - amount);
    return {};
}

void State::set_code(const Address& addr, Bytes code) {
    Account& a = get_or_create(addr);
    journal_.emplace_back(CodeChanged{addr, a.code, a.code_hash});
    // Inside the EVM the code hash is keccak256 in both suites (DESIGN.md §2, EIP-1052).
    a.code_hash = crypto::keccak256(code);
    a.code = code.empty() ? empty_code() : std::make_shared<const Bytes>(std::move(code));
    mark(addr);
}

void State::set_storage(const Address& addr, const U256& key, const U256& value) {
    Account& a = get_or_create(addr);
    auto it = a.storage.find(key);
    const U256 prior = it == a.storage.end() ? U256{} : it->second;
    originals_.emplace(std::pair{addr, key}, prior);
    journal_.emplace_back(StorageChanged{addr, key, prior});
    if (value.is_zero()) {
        if (it != a.storage.end()) a.storage.erase(it);
    } else if (it != a.storage.end()) {
        it->second = value;
    } else {
        a.storage.emplace(key, value);
    }
    mark_slot_dirty(addr, key);
    mark(addr);
}

void State::clear_storage(const Address& addr) {
    auto it = accounts_.find(addr);
    if (it == accounts_.end()) return;
    remember_originals(addr, it->second);
    Account copy;
    copy.nonce = it->second.nonce;
    copy.balance = it->second.balance;
    copy.code = it->second.code;
    copy.code_hash = it->second.code_hash;
    journal_.emplace_back(AccountReplaced{addr, std::make_unique<Account>(std::move(it->second))});
    drop_storage_cache(addr);
    it->second = std::move(copy);
    mark(addr);
}

void State::set_transient_storage(const Address& addr, const U256& key, const U256& value) {
    auto [it, inserted] = transient_.try_emplace({addr, key});
    journal_.emplace_back(TransientChanged{addr, key, it->second});
    if (value.is_zero()) {
        transient_.erase(it);
    } else {
        it->second = value;
    }
}

bool State::access_account(const Address& addr) {
    if (!warm_accounts_.insert(addr).second) return true;
    journal_.emplace_back(WarmAccount{addr});
    return false;
}

bool State::access_storage(const Address& addr, const U256& key) {
    if (!warm_slots_.insert({addr, key}).second) return true;
    journal_.emplace_back(WarmSlot{addr, key});
    return false;
}

bool State::is_warm(const Address& addr) const noexcept {
    return warm_accounts_.contains(addr);
}

bool State::is_warm(const Address& addr, const U256& key) const noexcept {
    return warm_slots_.contains({addr, key});
}

bool State::selfdestruct(const Address& addr) {
    if (!destructed_.insert(addr).second) return false;
    journal_.emplace_back(Destructed{addr});
    return true;
}

bool State::is_selfdestructed(const Address& addr) const noexcept {
    return destructed_.contains(addr);
}
bool State::is_created(const Address& addr) const noexcept {
    return created_.contains(addr);
}
bool State::is_touched(const Address& addr) const noexcept {
    return touched_.contains(addr);
}

// ---- journal ----

void State::undo(Entry& entry) {
    std::visit(
        [this](auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, AccountReplaced>) {
                if (e.prior) {
                    accounts_.insert_or_assign(e.addr, std::move(*e.prior));
                } else {
                    accounts_.erase(e.addr);
                }
                drop_storage_cache(e.addr);
                mark_dirty(e.addr);
            } else if constexpr (std::is_same_v<T, NonceChanged>) {
                Account* a = find(e.addr);
                XL_ASSERT(a != nullptr);
                a->nonce = e.prior;
                mark_dirty(e.addr);
            } else if constexpr (std::is_same_v<T, BalanceChanged>) {
                Account* a = find(e.addr);
                XL_ASSERT(a != nullptr);
                a->balance = e.prior;
                mark_dirty(e.addr);
            } else if constexpr (std::is_same_v<T, CodeChanged>) {
                Account* a = find(e.addr);
                XL_ASSERT(a != nullptr);
                a->code = std::move(e.prior);
                a->code_hash = e.prior_hash;
                mark_dirty(e.addr);
            } else if constexpr (std::is_same_v<T, StorageChanged>) {
                Account* a = find(e.addr);
                XL_ASSERT(a != nullptr);
                if (e.prior.is_zero()) {
                    a->storage.erase(e.key);
                } else {
                    a->storage.insert_or_assign(e.key, e.prior);
                }
                mark_slot_dirty(e.addr, e.key);
                mark_dirty(e.addr);
            } else if constexpr (std::is_same_v<T, TransientChanged>) {
                if (e.prior.is_zero()) {
                    transient_.erase({e.addr, e.key});
                } else {
                    transient_.insert_or_assign({e.addr, e.key}, e.prior);
                }
            } else if constexpr (std::is_same_v<T, Touched>) {
                touched_.erase(e.addr);
            } else if constexpr (std::is_same_v<T, Created>) {
                created_.erase(e.addr);
            } else if constexpr (std::is_same_v<T, Destructed>) {
                destructed_.erase(e.addr);
            } else if constexpr (std::is_same_v<T, WarmAccount>) {
                warm_accounts_.erase(e.addr);
            } else if constexpr (std::is_same_v<T, WarmSlot>) {
                warm_slots_.erase({e.addr, e.key});
            }
        },
        entry);
}

void State::revert_to(SnapshotId id) {
    last_marked_.reset();              // the revert may drop its touched flag
    XL_ASSERT(id <= journal_.size());  // a snapshot of this transaction, not yet reverted past
    while (journal_.size() > id) {
        undo(journal_.back());
        journal_.pop_back();
    }
}

// ---- transaction boundaries ----

void State::begin_transaction() {
    originals_.clear();
    journal_.clear();
}

void State::erase_account(const Address& addr) {
    if (accounts_.erase(addr) == 0) return;
    drop_storage_cache(addr);
    mark_dirty(addr);
}

void State::finalize_transaction() {
    last_marked_.reset();
    // EIP-6780: SELFDESTRUCT deletes the account only if it was created in this transaction.
    for (const Address& addr : destructed_)
        if (created_.contains(addr)) erase_account(addr);
    // EIP-161: touched accounts left empty are removed.
    for (const Address& addr : touched_) {
        const Account* a = find(addr);
        if (a != nullptr && a->empty()) erase_account(addr);
    }
    originals_.clear();
    transient_.clear();
    warm_accounts_.clear();
    warm_slots_.clear();
    created_.clear();
    destructed_.clear();
    touched_.clear();
    journal_.clear();
}

// ---- commitment ----

Result<Hash256, StateError> State::storage_root(RootCache& rc, const Address& addr,
                                                const Account& acc,
                                                const crypto::CryptoSuite& suite) {
    Bytes value;
    auto it = rc.storage.find(addr);
    if (it == rc.storage.end()) {
        StorageCache fresh;
        fresh.trie = std::make_unique<trie::SecureTrie>(suite);
        for (const auto& [k, v] : acc.storage) {
            value.clear();
            rlp::encode_uint(value, v);
            if (!fresh.trie->put(k.to_hash(), value)) return unexpected(StateError::kTrie);
        }
        it = rc.storage.emplace(addr, std::move(fresh)).first;
    } else {
        for (const U256& k : it->second.dirty) {
            auto slot = acc.storage.find(k);
            bool ok = true;
            if (slot == acc.storage.end()) {
                ok = it->second.trie->remove(k.to_hash()).has_value();
            } else {
                value.clear();
                rlp::encode_uint(value, slot->second);
                ok = it->second.trie->put(k.to_hash(), value).has_value();
            }
            if (!ok) {
                rc.storage.erase(it);
                return unexpected(StateError::kTrie);
            }
        }
        it->second.dirty.clear();
    }
    auto root = it->second.trie->root();
    if (!root) {
        rc.storage.erase(it);
        return unexpected(StateError::kTrie);
    }
    return *root;
}

Result<Bytes, StateError> State::encode_account(RootCache& rc, const Address& addr,
                                                const Account& acc,
                                                const crypto::CryptoSuite& suite) {
    auto sroot = storage_root(rc, addr, acc, suite);
    if (!sroot) return unexpected(sroot.error());
    return rlp::ListBuilder()
        .add_uint(acc.nonce)
        .add_uint(acc.balance)
        .add_string(*sroot)
        .add_string(acc.code_hash)
        .finish();
}

Result<Hash256, StateError> State::state_root(const crypto::CryptoSuite& suite) {
    last_marked_.reset();  // the dirty sets are about to be emptied
    RootCache& rc = roots_[suite_index(suite)];
    // On any failure the caches of this suite are dropped: the next call starts afresh.
    auto fail = [&rc] {
        rc = RootCache{};
        return unexpected(StateError::kTrie);
    };
    if (!rc.trie) {
        rc = RootCache{};
        rc.trie = std::make_unique<trie::SecureTrie>(suite);
        for (const auto& [addr, acc] : accounts_) {
            auto enc = encode_account(rc, addr, acc, suite);
            if (!enc || !rc.trie->put(addr, *enc)) return fail();
        }
    } else {
        for (const Address& addr : rc.dirty) {
            const Account* acc = find(addr);
            if (acc == nullptr) {
                if (!rc.trie->remove(addr)) return fail();
                continue;
            }
            auto enc = encode_account(rc, addr, *acc, suite);
            if (!enc || !rc.trie->put(addr, *enc)) return fail();
        }
        rc.dirty.clear();
    }
    auto root = rc.trie->root();
    if (!root) return fail();
    return *root;
}

}  // namespace xl::state
