// SPDX-License-Identifier: Apache-2.0
// Xinlian state: the world state of DESIGN.md §3 (Ethereum's account model: nonce, balance,
// code, storage) for one block's execution, with a journal so that any change since a
// snapshot can be undone exactly (Yellow Paper §8: a failed frame "reverts the state").
//
// Two modes. Without a backend (State()), everything is in memory, loaded by put_account():
// state tests and tools. Over a Backend (State(backend), backend.hpp), accounts, code and
// slots are loaded lazily on first access and cached for the State's lifetime (never
// evicted: a node builds a fresh State on the latest flat copy when the cache grows large);
// state_root() updates the tries opened from the backend's Kv at its root with only what
// changed, and commit() turns the changes since the previous commit into one WriteBatch
// (flat copy, code, trie nodes; docs/spec/state.md). Invariant: the cache holds every change
// made since the backend's root, so the backend may stay at its root across commits.
//
// Reads stay noexcept: a backend failure (I/O, corruption) makes the read return the zero
// value and sets the sticky failure(), which callers check after each transaction; a failed
// State computes no root and is never committed.
//
// Per-transaction bookkeeping lives here too: the value of each slot at the start of the
// transaction (EIP-2200/EIP-3529 SSTORE pricing), transient storage (EIP-1153), the warm
// address and slot sets (EIP-2929/2930), the "created in this transaction" and selfdestruct
// sets (EIP-6780), and the touched set (EIP-161). The refund counter and the logs are NOT
// here: they belong to execution, which owns gas accounting and receipts.
//
// The state is committed by state_root(suite): the secure trie of Yellow Paper eq. 190-191
// with the suite's hash, so under the ecdsa suite it equals Ethereum's state root. The code
// hash inside the account is keccak256 in both suites, as EXTCODEHASH sees it (DESIGN.md §2).
//
// Determinism: only ordered containers; nothing depends on hash-map iteration order.
// Thread-safety: a State is not thread-safe. Without a backend its const methods change
// nothing and may run concurrently with each other; with a backend even const reads fill the
// cache, so every call must come from one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "state/backend.hpp"
#include "state/state_error.hpp"
#include "storage/kv.hpp"

namespace xl::trie {
class SecureTrie;
}

namespace xl::state {

// An account's fields as read by execution (storage excluded).
struct AccountInfo {
    uint64_t nonce = 0;
    U256 balance;
    Hash256 code_hash;  // keccak256(code); kEmptyCodeHash for no code
    friend bool operator==(const AccountInfo&, const AccountInfo&) = default;
};

// An account of a pre-state or genesis, loaded without journaling (put_account).
struct GenesisAccount {
    uint64_t nonce = 0;
    U256 balance;
    Bytes code;
    std::map<U256, U256> storage;  // zero values are dropped
};

class State {
public:
    // In memory: empty, filled by put_account().
    State();
    // Over a backend (null: as State()), which must outlive the State.
    explicit State(const Backend* backend);
    ~State();
    State(State&&) noexcept;
    State& operator=(State&&) noexcept;
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    // ---- loading (not journaled; call outside a transaction) ----

    // Replaces the account at addr with acc (pre-state of a state test, genesis). Genesis is
    // written by a State over flat_backend(kv, suite, trie::empty_root(suite)) on the empty
    // database: put_account for each alloc entry, then commit().
    void put_account(const Address& addr, const GenesisAccount& acc);

    // ---- reads ----

    bool exists(const Address& addr) const noexcept;
    // EIP-161 "empty": the account exists with nonce 0, balance 0 and no code.
    bool is_empty(const Address& addr) const noexcept;
    // EIP-161 "dead": absent or empty. The EVM's account_exists is !is_dead.
    bool is_dead(const Address& addr) const noexcept { return !exists(addr) || is_empty(addr); }
    std::optional<AccountInfo> get_account(const Address& addr) const noexcept;
    U256 balance(const Address& addr) const noexcept;    // 0 if absent
    uint64_t nonce(const Address& addr) const noexcept;  // 0 if absent
    // The code (empty if absent). The journal keeps replaced code alive, so the view stays
    // valid until the next revert_to, begin/finalize_transaction or put_account.
    BytesView code(const Address& addr) const noexcept;
    // Zero for an absent account (EIP-1052), kEmptyCodeHash for an account without code.
    Hash256 code_hash(const Address& addr) const noexcept;
    // EIP-7610 create collision check. In memory: the account has a non-zero slot. Over a
    // backend, geth's rule (GetStorageRoot != empty root), computed without loading the
    // storage: the storage root at the last commit was not empty (and the storage was not
    // wiped since), or a non-zero slot is cached. A function of the committed state and the
    // changes since, so a restarted node answers the same.
    bool has_storage(const Address& addr) const noexcept;
    // The slot's value now.
    U256 current_storage(const Address& addr, const U256& key) const noexcept;
    // The slot's value at begin_transaction() (EIP-2200 "original value"). Over a backend, a
    // slot never read before its account was wiped in this transaction reads 0 here (the
    // Executor keeps its own originals; execution does not rely on this one).
    U256 original_storage(const Address& addr, const U256& key) const noexcept;
    U256 transient_storage(const Address& addr, const U256& key) const noexcept;  // EIP-1153

    // Addresses of all accounts, in ascending order; and one account's storage (non-zero
    // slots, ascending), or null if absent. For dumps and tools. Over a backend these see
    // only the cache: the accounts loaded or written, and cached slots, zeros included.
    std::vector<Address> addresses() const;
    const std::map<U256, U256>* storage_of(const Address& addr) const noexcept;
    size_t account_count() const noexcept { return accounts_.size(); }

    // ---- writes (journaled; each one that changes an account touches it, EIP-161) ----

    // Contract creation (CREATE/CREATE2 and creation transactions): the account becomes
    // nonce 0, no code, empty storage, keeping any balance it had (Yellow Paper eq. 99), and
    // is marked created in this transaction (EIP-6780).
    void create_account(const Address& addr);
    // Creates an empty account if absent (not marked created, as for a plain value transfer).
    void ensure_account(const Address& addr);
    // Marks addr touched (EIP-161) without changing it, e.g. a zero-value CALL target or the
    // coinbase paid zero. An absent account stays absent.
    void touch(const Address& addr);
    // Removes the account and its storage now.
    void delete_account(const Address& addr);

    void set_nonce(const Address& addr, uint64_t nonce);  // creates the account if absent
    Result<void, StateError> increment_nonce(const Address& addr);
    void set_balance(const Address& addr, const U256& balance);  // creates if absent
    // Creates the account if absent, even for amount 0 (geth's AddBalance); it is then
    // removed at finalize_transaction() if still empty.
    Result<void, StateError> add_balance(const Address& addr, const U256& amount);
    // kInsufficientBalance (and no change) if the balance is below amount.
    Result<void, StateError> sub_balance(const Address& addr, const U256& amount);
    void set_code(const Address& addr, Bytes code);  // creates if absent
    // Zero deletes the slot. Creates the account if absent.
    void set_storage(const Address& addr, const U256& key, const U256& value);
    void clear_storage(const Address& addr);
    void set_transient_storage(const Address& addr, const U256& key, const U256& value);

    // EIP-2929: marks addr (or the slot) warm; returns whether it already was.
    bool access_account(const Address& addr);
    bool access_storage(const Address& addr, const U256& key);
    bool is_warm(const Address& addr) const noexcept;
    bool is_warm(const Address& addr, const U256& key) const noexcept;

    // SELFDESTRUCT (EIP-6780): records addr in the selfdestruct set; returns true the first
    // time in this transaction. Moving the balance is the caller's job. At finalize only the
    // accounts also created in this transaction are deleted.
    bool selfdestruct(const Address& addr);
    bool is_selfdestructed(const Address& addr) const noexcept;
    bool is_created(const Address& addr) const noexcept;  // in this transaction (EIP-6780)
    bool is_touched(const Address& addr) const noexcept;

    // ---- journal ----

    using SnapshotId = size_t;
    // Everything changed after snapshot() is undone by revert_to(id), which also invalidates
    // every snapshot taken after id. Nesting is limited only by memory (gas bounds it).
    SnapshotId snapshot() const noexcept { return journal_.size(); }
    void revert_to(SnapshotId id);

    // ---- transaction boundaries ----

    // Starts a transaction: originals are recorded lazily from here on.
    void begin_transaction();
    // Ends it: deletes the selfdestructed accounts created in this transaction (EIP-6780),
    // then the touched empty accounts (EIP-161); clears transient storage, warm sets, the
    // created/selfdestruct/touched sets, the originals and the journal.
    void finalize_transaction();

    // ---- commitment ----

    // The root of the secure state trie under suite's hash: key hash(address), value
    // RLP([nonce, balance, storageRoot, codeHash]); storage tries keyed by hash(32-byte slot)
    // with RLP(minimal big-endian value), zero slots absent (YP eq. 190-191, Appendix D).
    // Incremental: only accounts changed since the previous call are re-hashed.
    // Over a backend, suite must be the backend's (else kSuiteMismatch); trie failures are
    // kStorage/kCorrupt and sticky.
    Result<Hash256, StateError> state_root(const crypto::CryptoSuite& suite);

    // Adds to batch everything changed since the previous commit (or since the backend's
    // root): the flat copy's accounts and slots (the old slots of an account deleted or wiped
    // are deleted by a prefix scan of the flat copy), new code, new trie nodes; returns the new
    // state root. Call outside a transaction (after finalize_transaction). The caller writes
    // the batch, and must do so before the next commit() (whose prefix scans read the Kv), or
    // drop the State. The State then goes on as the next block's state. kNoBackend without a
    // backend; the failure() if any (nothing is added then).
    Result<Hash256, StateError> commit(storage::WriteBatch& batch,
                                       const crypto::CryptoSuite& suite);

    // The first backend failure (kStorage or kCorrupt), if any: reads since then returned
    // zero values, so the State must be dropped. Sticky.
    std::optional<StateError> failure() const noexcept { return failure_; }
    const Backend* backend() const noexcept { return backend_; }

private:
    struct Account {
        uint64_t nonce = 0;
        U256 balance;
        std::shared_ptr<const Bytes> code;  // null: not loaded yet (backed account)
        Hash256 code_hash;
        // Not backed: all the slots, non-zero values only. Backed: a cache over the backend's
        // slots (storage root base_root) that holds zeros too, so a cleared slot is not
        // reloaded.
        std::map<U256, U256> storage;
        Hash256 base_root;       // the storage root at the backend's root (backed only)
        Hash256 committed_root;  // the storage root at the last commit or load (has_storage)
        bool backed = false;     // slots missing from `storage` are read from the backend
        bool wiped = false;      // storage replaced wholesale since the last commit
        bool code_new = false;   // code set since the last commit: commit() writes it
        bool empty() const noexcept;
    };

    // Journal entries: what to restore on revert.
    struct AccountReplaced {  // created, deleted, storage wiped: the whole prior account
        Address addr;
        std::unique_ptr<Account> prior;  // null: the account did not exist (boxed: the
                                         // journal's entries stay small)
    };
    struct NonceChanged {
        Address addr;
        uint64_t prior;
    };
    struct BalanceChanged {
        Address addr;
        U256 prior;
    };
    struct CodeChanged {
        Address addr;
        std::shared_ptr<const Bytes> prior;
        Hash256 prior_hash;
        bool prior_new;
    };
    struct StorageChanged {
        Address addr;
        U256 key;
        U256 prior;
    };
    struct TransientChanged {
        Address addr;
        U256 key;
        U256 prior;
    };
    struct Touched {
        Address addr;
    };
    struct Created {
        Address addr;
    };
    struct Destructed {
        Address addr;
    };
    struct WarmAccount {
        Address addr;
    };
    struct WarmSlot {
        Address addr;
        U256 key;
    };
    using Entry =
        std::variant<AccountReplaced, NonceChanged, BalanceChanged, CodeChanged, StorageChanged,
                     TransientChanged, Touched, Created, Destructed, WarmAccount, WarmSlot>;

    // Per suite (indexed by SuiteId): the account trie and the storage tries, kept between
    // state_root() calls and updated with only what changed since (dirty accounts and
    // slots), so a block's root costs what the block changed, not the size of the state.
    // An account replaced wholesale (created, deleted, storage wiped, reverted to such a
    // version) loses its storage trie, rebuilt from its slots when next needed.
    struct StorageCache {
        std::unique_ptr<trie::SecureTrie> trie;
        std::set<U256> dirty;
    };
    struct RootCache {
        std::unique_ptr<trie::SecureTrie> trie;  // null until the first state_root()
        std::set<Address> dirty;
        std::map<Address, StorageCache> storage;
    };

    // The account (loaded from the backend on first access and cached), or null if absent.
    Account* find(const Address& addr) const noexcept;
    U256 slot(const Address& addr, Account& acc, const U256& key) const noexcept;
    void fail(StateError e) const noexcept;
    Account fresh_account() const;
    Account& get_or_create(const Address& addr);
    void mark(const Address& addr);  // touched + dirty
    void mark_dirty(const Address& addr);
    void mark_slot_dirty(const Address& addr, const U256& key);
    void drop_storage_cache(const Address& addr);
    void remember_originals(const Address& addr, const Account& acc);
    void undo(Entry& e);
    void erase_account(const Address& addr);  // not journaled
    void forget(const Address& addr);         // removes from accounts_, records absent
    Result<void, StateError> commit_account(storage::WriteBatch& batch, RootCache& rc,
                                            const Address& addr);
    Result<Hash256, StateError> storage_root(RootCache& rc, const Address& addr, const Account& acc,
                                             const crypto::CryptoSuite& suite);
    Result<Bytes, StateError> encode_account(RootCache& rc, const Address& addr, const Account& acc,
                                             const crypto::CryptoSuite& suite);

    const Backend* backend_ = nullptr;
    const storage::Kv* kv_ = nullptr;  // the backend's; null without one
    Hash256 empty_root_;               // of the backend's suite
    // The cache: present accounts, and addresses known to be absent (read as absent or
    // deleted; only with a backend, so they are not read again).
    mutable std::map<Address, Account> accounts_;
    mutable std::set<Address> absent_;
    // Since the last commit (backend only): changed addresses and slots.
    std::set<Address> changed_;
    std::map<Address, std::set<U256>> changed_slots_;
    // Addresses whose flat copy may hold slots (loaded with a non-empty storage root, or
    // committed with one): deleting or wiping them needs a prefix scan at commit.
    mutable std::set<Address> slotted_;
    mutable std::optional<StateError> failure_;
    std::map<std::pair<Address, U256>, U256> originals_;
    std::map<std::pair<Address, U256>, U256> transient_;
    std::set<Address> warm_accounts_;
    std::set<std::pair<Address, U256>> warm_slots_;
    std::set<Address> created_;
    std::set<Address> destructed_;
    std::set<Address> touched_;
    std::vector<Entry> journal_;
    std::array<RootCache, 2> roots_;
    // The address mark() last recorded as touched and dirty: repeated writes to one account
    // skip both set lookups. Forgotten whenever touched_ or a dirty set may lose it.
    std::optional<Address> last_marked_;
};

}  // namespace xl::state
