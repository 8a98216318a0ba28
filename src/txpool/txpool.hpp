// SPDX-License-Identifier: Apache-2.0
// Xinlian txpool: the transaction pool (DESIGN.md §10, docs/spec/txpool.md). Admits signed
// transactions from RPC (decode, stateless rules, sender recovery, then the rules that need
// the latest committed state), keeps them in per-sender nonce queues under named limits, and
// hands out the executable ones for the next block.
//
// Admission errors carry go-ethereum's texts (core/txpool/errors.go, core/error.go): ethers and
// its users match on them.
//
// Determinism: pending() depends only on the pool's contents (arrival sequence numbers, which
// are unique, and nonces), never on hash-map iteration order.
//
// Thread-safety: a TxPool is thread-safe. Decoding and signature recovery run outside the pool
// lock (add_batch spreads them over the pool's own fixed worker threads, joined by the
// destructor); the lock is held only for the map updates. The AccountReader passed to a call
// is used only by the thread making that call, and only outside the pool lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"

namespace xl::txpool {

// The pool's limits. Defaults suit a node with a few GB of memory at >= 15,000 transfers/s.
struct Config {
    size_t max_txs = 200'000;              // whole pool
    size_t max_bytes = size_t{512} << 20;  // sum of the raw encodings
    size_t max_per_sender = 5'000;         // queued txs per sender
    uint64_t max_nonce_gap = 1'000;        // nonce > state nonce + gap -> refused
    unsigned price_bump_percent = 10;      // replacement rule (geth's default)
    unsigned threads = 0;                  // signature workers; 0 = hardware_concurrency
    // Legacy transactions signed without a chain id (pre-EIP-155) replay on any chain; they
    // are refused unless this is set (go-ethereum's --rpc.allow-unprotected-txs).
    bool allow_unprotected = false;
};

// An account's nonce and balance (zero for an absent account).
struct AccountState {
    uint64_t nonce = 0;
    U256 balance;
};

// The latest committed state as the pool sees it (the node implements it over its state).
class AccountReader {
public:
    virtual ~AccountReader() = default;
    virtual uint64_t nonce(const Address&) const = 0;
    virtual U256 balance(const Address&) const = 0;
    // Both at once, as admission needs them: an implementation over storage overrides it to
    // read the account once. The default asks nonce() and balance().
    virtual AccountState account(const Address& a) const { return {nonce(a), balance(a)}; }
};

// One admitted transaction. Immutable once in the pool; shared with callers of pending/get.
struct PoolTx {
    protocol::Transaction tx;
    Bytes raw;     // the envelope as received (== tx.encode(): decoding is canonical)
    Hash256 hash;  // suite hash of raw
    Address sender;
    uint64_t seq =
        0;  // arrival order in this pool, strictly increasing; a replacement gets a new one
};
using PoolTxPtr = std::shared_ptr<const PoolTx>;

enum class AddCode {
    kOversized,             // "oversized data"
    kMalformed,             // decoding failed: the protocol::TxError text
    kTypeNotSupported,      // "transaction type not supported"
    kInvalidChainId,        // "invalid chain id for signer"
    kInvalidSignature,      // "invalid transaction v, r, s values" (range, EIP-2 low s)
    kInvalidSender,         // "invalid sender"
    kNonceMax,              // "nonce has max value" (EIP-2681)
    kTipAboveFeeCap,        // "max priority fee per gas higher than max fee per gas"
    kFeeProductOverflow,    // gasLimit * feeCap beyond 256 bits
    kMaxInitCodeSize,       // EIP-3860
    kAlreadyKnown,          // "already known"
    kNonceTooLow,           // "nonce too low: next nonce N, tx nonce M"
    kNonceTooHigh,          // "nonce too high" (more than max_nonce_gap ahead of the state)
    kIntrinsicGas,          // "intrinsic gas too low: gas G, minimum needed M"
    kExceedsBlockGasLimit,  // "exceeds block gas limit"
    kFeeCapBelowBaseFee,    // "max fee per gas less than block base fee: address .., ..."
    kInsufficientFunds,     // "insufficient funds for gas * price + value: balance .., ..."
    kUnderpriced,           // "replacement transaction underpriced"
    kPoolFull,              // "txpool is full"
    kSenderLimit,           // "account limit exceeded" (max_per_sender)
    kUnprotected,           // legacy without EIP-155 chain id, unless Config::allow_unprotected
};
// The code's name, for logs and tests ("already_known").
std::string_view to_string(AddCode c) noexcept;

struct AddError {
    AddCode code;
    std::string message;  // geth's text, with its details
};

class TxPool {
public:
    // `suite` must outlive the pool. Starts the signature workers.
    TxPool(const crypto::CryptoSuite& suite, uint64_t chain_id, uint64_t block_gas_limit,
           U256 base_fee, Config config = {});
    ~TxPool();  // joins the workers
    TxPool(const TxPool&) = delete;
    TxPool& operator=(const TxPool&) = delete;

    // Admits one transaction (the raw EIP-2718 envelope), in the order of checks of
    // docs/spec/txpool.md. Signature recovery runs on the calling thread, outside the lock.
    Result<PoolTxPtr, AddError> add(BytesView raw, const AccountReader& state);
    // Many at once: decoding and signature recovery run in parallel on the pool's workers (and
    // the calling thread); then the transactions enter the pool in the order given, exactly as
    // sequential add() calls would. results[i] belongs to raws[i].
    std::vector<Result<PoolTxPtr, AddError>> add_batch(std::span<const Bytes> raws,
                                                       const AccountReader& state);

    // Executable txs for the next block: per sender contiguous nonces starting at the state
    // nonce, senders interleaved by arrival (FIFO across senders: deterministic given the
    // pool's contents), at most max_count txs and gas_budget total gas limit. A sender whose
    // next tx does not fit the remaining gas contributes nothing more.
    std::vector<PoolTxPtr> pending(size_t max_count, uint64_t gas_budget,
                                   const AccountReader& state) const;

    // After a block commit: drops the included txs and every tx whose nonce is now below the
    // sender's state nonce; keeps the rest. Reads the nonce of every sender in the pool.
    void remove_committed(std::span<const Hash256> included, const AccountReader& state);
    // The same, reading only the nonces of `block_senders` (the senders of the committed
    // block's txs: the only accounts whose nonces a block moves, since an account with code
    // cannot send (EIP-3607) and set-code transactions (EIP-7702) are not admitted) and of
    // senders admitted while a commit was under way. Every commit must be followed by a call
    // of either form.
    void remove_committed(std::span<const Hash256> included, std::span<const Address> block_senders,
                          const AccountReader& state);

    // The new block's base fee (EIP-1559) and gas limit, for admission from now on. Pooled
    // txs are not re-checked.
    void set_base_fee(const U256& base_fee);
    void set_block_gas_limit(uint64_t block_gas_limit);

    // nullptr if not in the pool.
    PoolTxPtr get(const Hash256& hash) const;
    // get() of each hash (nullptr where absent), under one acquisition of the pool lock: for
    // the txs of a block, where a lock per lookup contends with admission.
    std::vector<PoolTxPtr> get_many(std::span<const Hash256> hashes) const;
    // The next nonce after the sender's contiguous queued txs, counted from its lowest pooled
    // nonce; nullopt if the pool holds none of its txs.
    std::optional<uint64_t> pending_nonce(const Address& sender) const;
    // The same counted from the state nonce: the state nonce if the pool has no tx at it
    // (what eth_getTransactionCount(addr, "pending") answers).
    uint64_t pending_nonce(const Address& sender, const AccountReader& state) const;

    size_t size() const;
    size_t bytes() const;

    struct Stats {
        uint64_t added;     // admitted (replacements included)
        uint64_t rejected;  // refused by add/add_batch
        uint64_t replaced;  // removed by a replacement with a higher price
        uint64_t evicted;   // removed to make room when full
        size_t size;        // txs now in the pool
    };
    Stats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xl::txpool
