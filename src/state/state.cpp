// SPDX-License-Identifier: Apache-2.0
// Xinlian state: the journaled world state, in memory or over a backend (state.hpp).
#include "state/state.hpp"

#include <utility>

#include "codec/rlp.hpp"
#include "core/assert.hpp"
#include "crypto/hash.hpp"
#include "storage/kv.hpp"
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
        case StateError::kStorage:
            return "state storage I/O error";
        case StateError::kCorrupt:
            return "state storage corrupt";
        case StateError::kNoBackend:
            return "state has no backend to commit to";
        case StateError::kSuiteMismatch:
            return "state root asked under another suite than the backend's";
        case StateError::kTooManyKeys:
            return "too many storage keys to prove";
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

StateError from_trie(trie::TrieError e) noexcept {
    switch (e) {
        case trie::TrieError::kStorage:
            return StateError::kStorage;
        case trie::TrieError::kMissingNode:
        case trie::TrieError::kBadNode:
            return StateError::kCorrupt;
        default:
            return StateError::kTrie;
    }
}

}  // namespace

bool State::Account::empty() const noexcept {
    // EIP-161: nonce 0, balance 0 and code hash keccak256("").
    return nonce == 0 && balance.is_zero() && code_hash == kEmptyCodeHash;
}

State::State() = default;

State::State(const Backend* backend) : backend_(backend) {
    if (backend_ == nullptr) return;
    kv_ = &backend_->kv();
    const crypto::CryptoSuite& suite = backend_->suite();
    empty_root_ = trie::empty_root(suite);
    // The account trie at the backend's root: roots are computed from it incrementally; the
    // other suite's cache stays empty (state_root answers kSuiteMismatch for it).
    roots_[suite_index(suite)].trie =
        std::make_unique<trie::SecureTrie>(suite, kv_, backend_->root());
}
State::~State() = default;
State::State(State&&) noexcept = default;
State& State::operator=(State&&) noexcept = default;

// ---- loading ----

void State::put_account(const Address& addr, const GenesisAccount& acc) {
    find(addr);  // over a backend: learns whether the flat copy holds slots to drop
    Account a = fresh_account();
    a.code_new = !acc.code.empty();
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

void State::fail(StateError e) const noexcept {
    if (!failure_) failure_ = e;
}

State::Account State::fresh_account() const {
    // A new storage: nothing to read from the backend, and any old slots of the address in
    // the flat copy are dropped at commit.
    Account a;
    a.code = empty_code();
    a.code_hash = kEmptyCodeHash;
    a.committed_root = empty_root_;
    a.wiped = true;
    return a;
}

State::Account* State::find(const Address& addr) const noexcept {
    auto it = accounts_.find(addr);
    if (it != accounts_.end()) return &it->second;
    if (backend_ == nullptr || absent_.contains(addr)) return nullptr;
    auto r = backend_->account(addr);
    if (!r) {
        fail(r.error());  // not cached: the State is dead anyway
        return nullptr;
    }
    if (!*r) {
        absent_.insert(addr);
        return nullptr;
    }
    const StoredAccount& s = **r;
    Account a;
    a.nonce = s.nonce;
    a.balance = s.balance;
    a.code_hash = s.code_hash;
    if (s.code_hash == kEmptyCodeHash) a.code = empty_code();
    a.base_root = s.storage_root;
    a.committed_root = s.storage_root;
    a.backed = s.storage_root != empty_root_;
    if (a.backed) slotted_.insert(addr);
    return &accounts_.emplace(addr, std::move(a)).first->second;
}

U256 State::slot(const Address& addr, Account& acc, const U256& key) const noexcept {
    auto it = acc.storage.find(key);
    if (it != acc.storage.end()) return it->second;
    if (!acc.backed) return U256{};
    StoredAccount base;
    base.code_hash = acc.code_hash;
    base.storage_root = acc.base_root;
    auto r = backend_->storage(addr, base, key);
    if (!r) {
        fail(r.error());
        return U256{};
    }
    acc.storage.emplace(key, *r);  // zeros too: the cache answers next time
    return *r;
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
    Account* a = find(addr);
    if (a == nullptr) return BytesView{};
    if (!a->code) {
        auto r = backend_->code(a->code_hash);
        if (!r) {
            fail(r.error());
            return BytesView{};
        }
        a->code = std::make_shared<const Bytes>(std::move(*r));
    }
    return BytesView{*a->code};
}

Hash256 State::code_hash(const Address& addr) const noexcept {
    const Account* a = find(addr);
    return a == nullptr ? Hash256{} : a->code_hash;
}

bool State::has_storage(const Address& addr) const noexcept {
    const Account* a = find(addr);
    if (a == nullptr) return false;
    if (backend_ == nullptr) return !a->storage.empty();
    if (!a->wiped && a->committed_root != empty_root_) return true;
    for (const auto& [k, v] : a->storage)
        if (!v.is_zero()) return true;
    return false;
}

U256 State::current_storage(const Address& addr, const U256& key) const noexcept {
    Account* a = find(addr);
    return a == nullptr ? U256{} : slot(addr, *a, key);
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
    if (backend_ != nullptr) changed_.insert(addr);
}

void State::mark_slot_dirty(const Address& addr, const U256& key) {
    if (backend_ != nullptr) changed_slots_[addr].insert(key);
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
    if (Account* a = find(addr)) return *a;
    journal_.emplace_back(AccountReplaced{addr, nullptr});
    mark(addr);
    return accounts_.emplace(addr, fresh_account()).first->second;
}

void State::create_account(const Address& addr) {
    Account fresh = fresh_account();
    if (Account* old = find(addr)) {
        // Yellow Paper eq. 99: a pre-existing balance is kept; all else starts anew.
        fresh.balance = old->balance;
        remember_originals(addr, *old);
        journal_.emplace_back(AccountReplaced{addr, std::make_unique<Account>(std::move(*old))});
        drop_storage_cache(addr);
        *old = std::move(fresh);
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

void State::forget(const Address& addr) {
    accounts_.erase(addr);
    if (backend_ != nullptr) absent_.insert(addr);
}

void State::delete_account(const Address& addr) {
    Account* a = find(addr);
    if (a == nullptr) return;
    remember_originals(addr, *a);
    journal_.emplace_back(AccountReplaced{addr, std::make_unique<Account>(std::move(*a))});
    drop_storage_cache(addr);
    forget(addr);
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
    journal_.emplace_back(CodeChanged{addr, a.code, a.code_hash, a.code_new});
    // Inside the EVM the code hash is keccak256 in both suites (DESIGN.md §2, EIP-1052).
    a.code_hash = crypto::keccak256(code);
    a.code_new = !code.empty();
    a.code = code.empty() ? empty_code() : std::make_shared<const Bytes>(std::move(code));
    mark(addr);
}

void State::set_storage(const Address& addr, const U256& key, const U256& value) {
    Account& a = get_or_create(addr);
    const U256 prior = slot(addr, a, key);
    originals_.emplace(std::pair{addr, key}, prior);
    journal_.emplace_back(StorageChanged{addr, key, prior});
    // A backed account keeps a zero in its cache: it overrides the backend's value.
    if (value.is_zero() && !a.backed) {
        a.storage.erase(key);
    } else {
        a.storage.insert_or_assign(key, value);
    }
    mark_slot_dirty(addr, key);
    mark(addr);
}

void State::clear_storage(const Address& addr) {
    Account* a = find(addr);
    if (a == nullptr) return;
    remember_originals(addr, *a);
    Account copy = fresh_account();
    copy.nonce = a->nonce;
    copy.balance = a->balance;
    copy.code = a->code;
    copy.code_hash = a->code_hash;
    copy.code_new = a->code_new;
    journal_.emplace_back(AccountReplaced{addr, std::make_unique<Account>(std::move(*a))});
    drop_storage_cache(addr);
    *a = std::move(copy);
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
                    forget(e.addr);
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
                a->code_new = e.prior_new;
                mark_dirty(e.addr);
            } else if constexpr (std::is_same_v<T, StorageChanged>) {
                Account* a = find(e.addr);
                XL_ASSERT(a != nullptr);
                if (e.prior.is_zero() && !a->backed) {
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
    if (!accounts_.contains(addr)) return;
    forget(addr);
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
    // Sets one slot of t: a zero value removes it.
    auto apply = [&value](trie::SecureTrie& t, const U256& k, const U256& v) {
        if (v.is_zero()) return t.remove(k.to_hash());
        value.clear();
        rlp::encode_uint(value, v);
        return t.put(k.to_hash(), value);
    };
    auto it = rc.storage.find(addr);
    if (it == rc.storage.end()) {
        // Backed: the backend's storage trie overlaid with every cached slot (the cache holds
        // each slot changed since the backend's root). Otherwise the cache is all the slots.
        StorageCache fresh;
        fresh.trie = acc.backed ? std::make_unique<trie::SecureTrie>(suite, kv_, acc.base_root)
                                : std::make_unique<trie::SecureTrie>(suite, kv_);
        for (const auto& [k, v] : acc.storage) {
            if (v.is_zero() && !acc.backed) continue;
            if (auto r = apply(*fresh.trie, k, v); !r) return unexpected(from_trie(r.error()));
        }
        it = rc.storage.emplace(addr, std::move(fresh)).first;
    } else {
        for (const U256& k : it->second.dirty) {
            auto slot = acc.storage.find(k);
            const U256 v = slot == acc.storage.end() ? U256{} : slot->second;
            if (auto r = apply(*it->second.trie, k, v); !r) {
                rc.storage.erase(it);
                return unexpected(from_trie(r.error()));
            }
        }
        it->second.dirty.clear();
    }
    auto root = it->second.trie->root();
    if (!root) {
        rc.storage.erase(it);
        return unexpected(from_trie(root.error()));
    }
    return *root;
}

Result<Bytes, StateError> State::encode_account(RootCache& rc, const Address& addr,
                                                const Account& acc,
                                                const crypto::CryptoSuite& suite) {
    auto sroot = storage_root(rc, addr, acc, suite);
    if (!sroot) return unexpected(sroot.error());
    return state::encode_account(StoredAccount{acc.nonce, acc.balance, acc.code_hash, *sroot});
}

Result<Hash256, StateError> State::state_root(const crypto::CryptoSuite& suite) {
    last_marked_.reset();  // the dirty sets are about to be emptied
    if (failure_) return unexpected(*failure_);
    if (backend_ != nullptr && suite.id() != backend_->suite().id()) {
        return unexpected(StateError::kSuiteMismatch);
    }
    RootCache& rc = roots_[suite_index(suite)];
    // On failure in memory, the caches of this suite are dropped: the next call starts
    // afresh. Over a backend they cannot be rebuilt from memory: the failure is sticky.
    auto failed = [this, &rc](StateError e) {
        if (backend_ != nullptr) {
            fail(e);
        } else {
            rc = RootCache{};
        }
        return unexpected(e);
    };
    if (!rc.trie) {
        XL_ASSERT(backend_ == nullptr);  // a backed State opened its trie at construction
        rc = RootCache{};
        rc.trie = std::make_unique<trie::SecureTrie>(suite);
        for (const auto& [addr, acc] : accounts_) {
            auto enc = encode_account(rc, addr, acc, suite);
            if (!enc) return failed(enc.error());
            if (auto r = rc.trie->put(addr, *enc); !r) return failed(from_trie(r.error()));
        }
    } else {
        for (const Address& addr : rc.dirty) {
            auto it = accounts_.find(addr);
            if (it == accounts_.end()) {
                if (auto r = rc.trie->remove(addr); !r) return failed(from_trie(r.error()));
                continue;
            }
            auto enc = encode_account(rc, addr, it->second, suite);
            if (!enc) return failed(enc.error());
            if (auto r = rc.trie->put(addr, *enc); !r) return failed(from_trie(r.error()));
        }
        rc.dirty.clear();
    }
    auto root = rc.trie->root();
    if (!root) return failed(from_trie(root.error()));
    return *root;
}

Result<void, StateError> State::commit_account(storage::WriteBatch& batch, RootCache& rc,
                                               const Address& addr) {
    using storage::Column;
    auto it = accounts_.find(addr);
    Account* acc = it == accounts_.end() ? nullptr : &it->second;
    // Deleted or wiped: the old slots leave the flat copy. A prefix scan finds them (the
    // caller wrote the previous commit's batch); the puts below come later in the batch, so
    // they win over these deletes.
    if (slotted_.contains(addr) && (acc == nullptr || acc->wiped)) {
        auto iter = kv_->iterate(Column::kState, addr);
        for (iter->seek_to_first(); iter->valid(); iter->next())
            if (iter->key().size() == kFlatSlotKeyBytes) batch.del(Column::kState, iter->key());
        if (auto st = iter->status(); !st) {
            return unexpected(st.error() == storage::StorageError::kCorruption
                                  ? StateError::kCorrupt
                                  : StateError::kStorage);
        }
    }
    if (acc == nullptr) {
        batch.del(Column::kState, addr);
        slotted_.erase(addr);
        return {};
    }
    const crypto::CryptoSuite& suite = backend_->suite();
    auto sroot = storage_root(rc, addr, *acc, suite);
    if (!sroot) return unexpected(sroot.error());
    if (auto r = rc.storage.at(addr).trie->commit(batch); !r) {
        return unexpected(from_trie(r.error()));
    }
    if (acc->wiped) {
        for (const auto& [k, v] : acc->storage)
            if (!v.is_zero()) batch.put(Column::kState, flat_slot_key(addr, k), encode_slot(v));
    } else if (auto cs = changed_slots_.find(addr); cs != changed_slots_.end()) {
        for (const U256& k : cs->second) {
            auto slot = acc->storage.find(k);
            if (slot == acc->storage.end() || slot->second.is_zero()) {
                batch.del(Column::kState, flat_slot_key(addr, k));
            } else {
                batch.put(Column::kState, flat_slot_key(addr, k), encode_slot(slot->second));
            }
        }
    }
    if (acc->code_new) {
        XL_ASSERT(acc->code != nullptr);  // set_code or put_account installed it
        batch.put(Column::kCode, acc->code_hash, *acc->code);
        acc->code_new = false;
    }
    batch.put(
        Column::kState, addr,
        state::encode_account(StoredAccount{acc->nonce, acc->balance, acc->code_hash, *sroot}));
    acc->wiped = false;
    acc->committed_root = *sroot;
    if (*sroot != empty_root_) {
        slotted_.insert(addr);
    } else {
        slotted_.erase(addr);
    }
    return {};
}

Result<Hash256, StateError> State::commit(storage::WriteBatch& batch,
                                          const crypto::CryptoSuite& suite) {
    if (backend_ == nullptr) return unexpected(StateError::kNoBackend);
    if (failure_) return unexpected(*failure_);       // possibly in a transaction cut short
    XL_ASSERT(journal_.empty() && touched_.empty());  // outside a transaction
    auto root = state_root(suite);
    if (!root) return root;
    RootCache& rc = roots_[suite_index(suite)];
    for (const Address& addr : changed_) {
        if (auto r = commit_account(batch, rc, addr); !r) {
            fail(r.error());
            return unexpected(r.error());
        }
    }
    auto committed = rc.trie->commit(batch);
    if (!committed) {
        fail(from_trie(committed.error()));
        return unexpected(*failure_);
    }
    XL_ASSERT(*committed == *root);
    changed_.clear();
    changed_slots_.clear();
    return *root;
}

}  // namespace xl::state
