// SPDX-License-Identifier: Apache-2.0
// The transaction pool of txpool.hpp. Admission runs in three phases so that the pool lock
// covers only map updates:
//   1. stateless (any thread, no lock): size, decode, type, chain id, sender recovery, the
//      rules of protocol::validate_transaction;
//   2. state reads (the calling thread, no lock): the sender's nonce and balance;
//   3. pool rules (under the lock): known, nonce window, gas, fees, funds, replacement, room.
// The order of the checks is geth's (core/txpool/validation.go) as docs/spec/txpool.md fixes
// it; when a transaction has several defects, the first in that order is reported.
#include "txpool/txpool.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/abi.hpp"
#include "protocol/limits.hpp"
#include "protocol/validation.hpp"
#include "txpool/workers.hpp"

namespace xl::txpool {

namespace {

using protocol::TxError;

// geth's texts (core/txpool/errors.go, core/error.go, core/txpool/legacypool).
constexpr std::string_view kErrAlreadyKnown = "already known";
constexpr std::string_view kErrNonceTooLow = "nonce too low";
constexpr std::string_view kErrNonceTooHigh = "nonce too high";
constexpr std::string_view kErrIntrinsicGas = "intrinsic gas too low";
constexpr std::string_view kErrGasLimit = "exceeds block gas limit";
constexpr std::string_view kErrFeeCapTooLow = "max fee per gas less than block base fee";
constexpr std::string_view kErrInsufficientFunds = "insufficient funds for gas * price + value";
constexpr std::string_view kErrReplaceUnderpriced = "replacement transaction underpriced";
constexpr std::string_view kErrTxPoolOverflow = "txpool is full";
constexpr std::string_view kErrAccountLimit = "account limit exceeded";

// add_batch applies its transactions under the lock in chunks of this many, so that a large
// batch does not hold off concurrent add() calls for its whole length.
constexpr size_t kBatchLockChunk = 256;

// 2^256 in decimal: an overflowing gas * feeCap + value is reported exactly, as geth's big.Int.
constexpr std::string_view kTwoTo256 =
    "115792089237316195423570985008687907853269984665640564039457584007913129639936";

// Decimal sum of two non-negative decimal strings.
std::string add_decimal(std::string_view a, std::string_view b) {
    std::string r;
    int carry = 0;
    for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
        int d = carry;
        if (i < a.size()) d += a[a.size() - 1 - i] - '0';
        if (i < b.size()) d += b[b.size() - 1 - i] - '0';
        r.push_back(static_cast<char>('0' + d % 10));
        carry = d / 10;
    }
    std::reverse(r.begin(), r.end());
    return r;
}

AddError err(AddCode code, std::string_view text) {
    return {code, std::string(text)};
}

AddError from_tx_error(TxError e) {
    AddCode code = AddCode::kMalformed;
    switch (e) {
        case TxError::kOversized:
            code = AddCode::kOversized;
            break;
        case TxError::kTypeNotSupported:
            code = AddCode::kTypeNotSupported;
            break;
        case TxError::kInvalidChainId:
            code = AddCode::kInvalidChainId;
            break;
        case TxError::kInvalidSignature:
            code = AddCode::kInvalidSignature;
            break;
        case TxError::kInvalidSender:
            code = AddCode::kInvalidSender;
            break;
        case TxError::kNonceMax:
            code = AddCode::kNonceMax;
            break;
        case TxError::kTipAboveFeeCap:
            code = AddCode::kTipAboveFeeCap;
            break;
        case TxError::kFeeProductOverflow:
            code = AddCode::kFeeProductOverflow;
            break;
        case TxError::kMaxInitCodeSize:
            code = AddCode::kMaxInitCodeSize;
            break;
        case TxError::kIntrinsicGas:
            code = AddCode::kIntrinsicGas;
            break;
        default:
            break;
    }
    return err(code, protocol::to_string(e));
}

// old * (100 + bump) / 100 <= v, computed without overflow (a threshold beyond 2^256 - 1 is
// met by no value).
bool meets_bump(const U256& v, const U256& old, unsigned bump_percent) {
    const U256 factor(uint64_t{100} + bump_percent);
    const U256 q = old / U256(100);
    const U256 r = old % U256(100);
    if (q > U256::max() / factor) return false;
    const U256 hi = q * factor;
    const U256 lo = (r * factor) / U256(100);
    if (hi > U256::max() - lo) return false;
    return v >= hi + lo;
}

// The result of phase 1 for one transaction.
struct Prepared {
    std::shared_ptr<PoolTx> ptx;    // null if rejected
    std::optional<AddError> error;  // set if rejected
    uint64_t intrinsic_gas = 0;
    bool intrinsic_too_low = false;  // reported after the nonce checks, as geth orders them
    uint64_t state_nonce = 0;        // phase 2
    U256 balance;                    // phase 2
};

// One sender's txs in ascending nonce order. A sorted vector rather than a node-based map:
// txs mostly arrive in nonce order (appended) and leave from the front a block at a time (one
// erase per sender and call), so a tx costs no allocation of its own here, and pending() walks
// contiguous memory. The worst case (nonces sent in descending order) moves at most
// Config::max_per_sender entries per insertion.
struct SenderQueue {
    struct Entry {
        uint64_t nonce;
        PoolTxPtr tx;  // null only inside erase_included_locked
    };
    using Iter = std::vector<Entry>::iterator;
    using ConstIter = std::vector<Entry>::const_iterator;

    std::vector<Entry> txs;
    bool touched = false;  // listed by erase_included_locked for compaction

    static bool before(const Entry& e, uint64_t nonce) { return e.nonce < nonce; }
    Iter lower(uint64_t nonce) { return std::lower_bound(txs.begin(), txs.end(), nonce, before); }
    ConstIter lower(uint64_t nonce) const {
        return std::lower_bound(txs.begin(), txs.end(), nonce, before);
    }
    Iter find(uint64_t nonce) {
        auto it = lower(nonce);
        return it != txs.end() && it->nonce == nonce ? it : txs.end();
    }
    ConstIter find(uint64_t nonce) const {
        auto it = lower(nonce);
        return it != txs.end() && it->nonce == nonce ? it : txs.end();
    }
};
// Lookup only: nothing that reaches pending()'s output iterates it (pending orders by the
// transactions' arrival seqs, which are unique).
using SenderMap = std::unordered_map<Address, SenderQueue>;

}  // namespace

std::string_view to_string(AddCode c) noexcept {
    switch (c) {
        case AddCode::kOversized:
            return "oversized";
        case AddCode::kMalformed:
            return "malformed";
        case AddCode::kTypeNotSupported:
            return "type_not_supported";
        case AddCode::kInvalidChainId:
            return "invalid_chain_id";
        case AddCode::kInvalidSignature:
            return "invalid_signature";
        case AddCode::kInvalidSender:
            return "invalid_sender";
        case AddCode::kNonceMax:
            return "nonce_max";
        case AddCode::kTipAboveFeeCap:
            return "tip_above_fee_cap";
        case AddCode::kFeeProductOverflow:
            return "fee_product_overflow";
        case AddCode::kMaxInitCodeSize:
            return "max_init_code_size";
        case AddCode::kAlreadyKnown:
            return "already_known";
        case AddCode::kNonceTooLow:
            return "nonce_too_low";
        case AddCode::kNonceTooHigh:
            return "nonce_too_high";
        case AddCode::kIntrinsicGas:
            return "intrinsic_gas";
        case AddCode::kExceedsBlockGasLimit:
            return "exceeds_block_gas_limit";
        case AddCode::kFeeCapBelowBaseFee:
            return "fee_cap_below_base_fee";
        case AddCode::kInsufficientFunds:
            return "insufficient_funds";
        case AddCode::kUnderpriced:
            return "underpriced";
        case AddCode::kPoolFull:
            return "pool_full";
        case AddCode::kSenderLimit:
            return "sender_limit";
        case AddCode::kUnprotected:
            return "unprotected";
    }
    return "unknown";
}

struct TxPool::Impl {
    const crypto::CryptoSuite& suite;
    const uint64_t chain_id;
    const Config config;
    Workers workers;

    mutable std::mutex mu;
    // ---- guarded by mu ----
    uint64_t block_gas_limit;
    U256 base_fee;
    std::unordered_map<Hash256, PoolTxPtr> by_hash;  // lookup only, never iterated for output
    SenderMap senders;
    // (txs held, sender) of every sender: eviction victims. Kept only while the pool may need
    // to evict: built when it first does, dropped when the pool is back under half of both
    // limits, so that a pool far from full pays nothing for it per tx.
    std::set<std::pair<size_t, Address>> by_count;
    bool counting = false;
    size_t total_bytes = 0;
    uint64_t next_seq = 1;
    // remove_committed calls so far; an admission whose state read began before the latest
    // one may have read a nonce that block moved, so its sender is re-read by the next call.
    std::atomic<uint64_t> commits{0};
    std::vector<Address> suspects;  // senders admitted across a remove_committed
    // ---- counters, any thread ----
    std::atomic<uint64_t> added{0}, rejected{0}, replaced{0}, evicted{0};

    Impl(const crypto::CryptoSuite& s, uint64_t chain, uint64_t gas_limit, U256 fee, Config c)
        : suite(s),
          chain_id(chain),
          config(c),
          workers(c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency())),
          block_gas_limit(gas_limit),
          base_fee(fee) {}

    bool known(const Hash256& h) const {
        std::lock_guard lk(mu);
        return by_hash.contains(h);
    }

    // Phase 1: everything that needs neither state nor the pool (bar a known-hash shortcut).
    Prepared prepare(BytesView raw) const {
        Prepared p;
        if (raw.size() > protocol::kMaxTxSize) {
            p.error = from_tx_error(TxError::kOversized);
            return p;
        }
        auto tx = protocol::decode_transaction(raw);
        if (!tx) {
            p.error = from_tx_error(tx.error());
            return p;
        }
        if (!protocol::type_allowed(tx->type, suite)) {
            p.error = from_tx_error(TxError::kTypeNotSupported);
            return p;
        }
        // EIP-155: only a legacy transaction may omit the chain id.
        if ((tx->chain_id && *tx->chain_id != U256(chain_id)) ||
            (!tx->chain_id && tx->type != protocol::TxType::kLegacy)) {
            p.error = from_tx_error(TxError::kInvalidChainId);
            return p;
        }
        // A legacy transaction without a chain id is valid on every chain that shares the
        // sender's key; go-ethereum refuses them over RPC unless told otherwise, and so do we.
        if (!tx->chain_id && !config.allow_unprotected) {
            p.error = err(AddCode::kUnprotected,
                          "only replay-protected (EIP-155) transactions allowed over RPC");
            return p;
        }
        // Decoding is canonical, so raw is the envelope and its hash the transaction hash.
        const Hash256 hash = suite.hash(raw);
        // A pooled transaction passed every stateless check, so the same bytes would too:
        // answering "already known" before recovery changes no outcome and saves the most
        // expensive step for re-gossiped and re-sent transactions.
        if (known(hash)) {
            p.error = err(AddCode::kAlreadyKnown, kErrAlreadyKnown);
            return p;
        }
        auto sender = tx->recover_sender(suite);
        if (!sender) {
            p.error = from_tx_error(sender.error());
            return p;
        }
        auto rules = protocol::validate_transaction(*tx, suite, chain_id);
        p.intrinsic_gas = protocol::intrinsic_gas(*tx);
        if (!rules) {
            if (rules.error() != TxError::kIntrinsicGas) {
                p.error = from_tx_error(rules.error());
                return p;
            }
            p.intrinsic_too_low = true;
        }
        auto ptx = std::make_shared<PoolTx>();
        ptx->tx = std::move(*tx);
        ptx->raw.assign(raw.begin(), raw.end());
        ptx->hash = hash;
        ptx->sender = *sender;
        p.ptx = std::move(ptx);
        return p;
    }

    // ---- helpers with mu held ----

    // Moves the sender's entry of by_count; reuses the set's node (no allocation per tx).
    void set_count(const Address& a, size_t before, size_t after) {
        if (!counting) return;
        if (before == 0) {
            by_count.insert({after, a});
            return;
        }
        auto node = by_count.extract({before, a});
        if (after == 0) return;
        node.value().first = after;
        by_count.insert(std::move(node));
    }

    void start_counting() {
        counting = true;
        for (const auto& [a, q] : senders)
            by_count.insert({q.txs.size(), a});
    }

    void maybe_stop_counting() {
        if (counting && by_hash.size() < config.max_txs / 2 && total_bytes < config.max_bytes / 2) {
            counting = false;
            by_count.clear();
        }
    }

    // The sender's tx at `nonce` must not be in the pool.
    void insert_locked(SenderMap::iterator sit, PoolTxPtr tx) {
        auto& q = sit->second.txs;
        const size_t before = q.size();
        const uint64_t nonce = tx->tx.nonce;
        total_bytes += tx->raw.size();
        by_hash.emplace(tx->hash, tx);
        if (q.empty() || q.back().nonce < nonce) {
            q.push_back({nonce, std::move(tx)});
        } else {
            q.insert(sit->second.lower(nonce), {nonce, std::move(tx)});
        }
        set_count(sit->first, before, before + 1);
    }

    // Removes one tx; drops the sender's queue if it becomes empty (invalidating sit).
    void erase_locked(SenderMap::iterator sit, SenderQueue::Iter it) {
        auto& q = sit->second.txs;
        const size_t before = q.size();
        total_bytes -= it->tx->raw.size();
        by_hash.erase(it->tx->hash);
        q.erase(it);
        set_count(sit->first, before, before - 1);
        if (before == 1) senders.erase(sit);
    }

    // The tx to evict so that `sender` (holding `sender_count` txs once the new one is in)
    // can add a tx with nonce `nonce`: the newest (highest nonce) tx of the sender holding the
    // most, if that is more than the newcomer's sender would hold; else the newcomer's own
    // newest tx if it is newer than the newcomer. False if there is none.
    bool pick_victim(const Address& sender, size_t sender_count, uint64_t nonce,
                     SenderMap::iterator& vsit) {
        if (!counting) start_counting();
        if (!by_count.empty()) {
            const auto& [count, addr] = *by_count.rbegin();
            if (addr != sender && count > sender_count) {
                vsit = senders.find(addr);
                return true;
            }
        }
        auto own = senders.find(sender);
        if (own != senders.end() && own->second.txs.back().nonce > nonce) {
            vsit = own;
            return true;
        }
        return false;
    }

    // Phase 3 for one prepared transaction.
    Result<PoolTxPtr, AddError> admit_locked(Prepared& p) {
        const PoolTx& ptx = *p.ptx;
        const protocol::Transaction& tx = ptx.tx;
        if (by_hash.contains(ptx.hash))
            return unexpected(err(AddCode::kAlreadyKnown, kErrAlreadyKnown));
        if (tx.nonce < p.state_nonce) {
            return unexpected(
                AddError{AddCode::kNonceTooLow, std::string(kErrNonceTooLow) + ": next nonce " +
                                                    std::to_string(p.state_nonce) + ", tx nonce " +
                                                    std::to_string(tx.nonce)});
        }
        if (tx.nonce - p.state_nonce > config.max_nonce_gap) {
            return unexpected(err(AddCode::kNonceTooHigh, kErrNonceTooHigh));
        }
        if (p.intrinsic_too_low) {
            return unexpected(AddError{AddCode::kIntrinsicGas,
                                       std::string(kErrIntrinsicGas) + ": gas " +
                                           std::to_string(tx.gas_limit) + ", minimum needed " +
                                           std::to_string(p.intrinsic_gas)});
        }
        if (tx.gas_limit > block_gas_limit) {
            return unexpected(err(AddCode::kExceedsBlockGasLimit, kErrGasLimit));
        }
        if (tx.fee_cap() < base_fee) {
            return unexpected(AddError{AddCode::kFeeCapBelowBaseFee,
                                       std::string(kErrFeeCapTooLow) + ": address " +
                                           abi::checksum_address(ptx.sender) +
                                           ", maxFeePerGas: " + tx.fee_cap().to_dec() +
                                           ", baseFee: " + base_fee.to_dec()});
        }
        // cost = gasLimit * feeCap + value; the product fits (validate_transaction), the sum
        // may not.
        const U256 gas_cost = tx.fee_cap() * U256(tx.gas_limit);
        const U256 cost = gas_cost + tx.value;
        const bool cost_overflows = cost < gas_cost;
        if (cost_overflows || p.balance < cost) {
            std::string cost_dec = cost.to_dec();
            std::string overshot;
            if (!cost_overflows) {
                overshot = (cost - p.balance).to_dec();
            } else {
                cost_dec = add_decimal(kTwoTo256, cost_dec);
                // 2^256 + cost - balance, as a 257-bit number or within 256 bits.
                overshot = cost >= p.balance ? add_decimal(kTwoTo256, (cost - p.balance).to_dec())
                                             : (cost - p.balance).to_dec();
            }
            return unexpected(AddError{AddCode::kInsufficientFunds,
                                       std::string(kErrInsufficientFunds) + ": balance " +
                                           p.balance.to_dec() + ", tx cost " + cost_dec +
                                           ", overshot " + overshot});
        }

        auto sit = senders.find(ptx.sender);
        PoolTxPtr old;
        if (sit != senders.end()) {
            auto it = sit->second.find(tx.nonce);
            if (it != sit->second.txs.end()) old = it->tx;
        }
        if (old) {
            // geth (legacypool list.go Add): both caps strictly higher and by the bump.
            const auto& o = old->tx;
            const unsigned bump = config.price_bump_percent;
            if (!(tx.fee_cap() > o.fee_cap() && tx.tip_cap() > o.tip_cap() &&
                  meets_bump(tx.fee_cap(), o.fee_cap(), bump) &&
                  meets_bump(tx.tip_cap(), o.tip_cap(), bump))) {
                return unexpected(err(AddCode::kUnderpriced, kErrReplaceUnderpriced));
            }
        }
        const size_t held = sit == senders.end() ? 0 : sit->second.txs.size();
        const size_t need_txs = old ? 0 : 1;
        const size_t old_bytes = old ? old->raw.size() : 0;
        auto full = [&] {
            return by_hash.size() + need_txs > config.max_txs ||
                   total_bytes - old_bytes + ptx.raw.size() > config.max_bytes;
        };
        SenderMap::iterator vsit;
        if (full() && !pick_victim(ptx.sender, held + need_txs, tx.nonce, vsit)) {
            return unexpected(err(AddCode::kPoolFull, kErrTxPoolOverflow));
        }
        if (!old && held >= config.max_per_sender) {
            return unexpected(err(AddCode::kSenderLimit, kErrAccountLimit));
        }
        while (full()) {
            auto own = senders.find(ptx.sender);
            const size_t now_held = own == senders.end() ? 0 : own->second.txs.size();
            if (!pick_victim(ptx.sender, now_held + need_txs, tx.nonce, vsit)) {
                return unexpected(err(AddCode::kPoolFull, kErrTxPoolOverflow));
            }
            // The victim is its sender's newest tx. The replaced tx itself is never one: its
            // nonce is the newcomer's.
            erase_locked(vsit, std::prev(vsit->second.txs.end()));
            evicted.fetch_add(1, std::memory_order_relaxed);
        }
        if (old) {
            sit = senders.find(ptx.sender);
            erase_locked(sit, sit->second.find(tx.nonce));
            replaced.fetch_add(1, std::memory_order_relaxed);
        }
        p.ptx->seq = next_seq++;
        sit = senders.try_emplace(ptx.sender).first;
        PoolTxPtr out = std::move(p.ptx);
        insert_locked(sit, out);
        added.fetch_add(1, std::memory_order_relaxed);
        return out;
    }

    // Phase 3 with the count of commits read before phase 2: a sender admitted after a
    // commit its state read may have missed is re-read by the next remove_committed.
    Result<PoolTxPtr, AddError> admit_locked(Prepared& p, uint64_t commits_before) {
        auto r = admit_locked(p);
        if (r && commits.load(std::memory_order_relaxed) != commits_before) {
            suspects.push_back((*r)->sender);
        }
        return r;
    }

    Result<PoolTxPtr, AddError> finish(Prepared& p, uint64_t commits_before) {
        if (p.error) return unexpected(std::move(*p.error));
        std::lock_guard lk(mu);
        return admit_locked(p, commits_before);
    }

    // Drops every tx below its sender's state nonce, for the senders in `addrs` (read here,
    // outside the lock).
    void prune(std::span<const Address> addrs, const AccountReader& state) {
        std::vector<uint64_t> nonces(addrs.size());
        for (size_t i = 0; i < addrs.size(); ++i)
            nonces[i] = state.nonce(addrs[i]);
        std::lock_guard lk(mu);
        for (size_t i = 0; i < addrs.size(); ++i) {
            auto sit = senders.find(addrs[i]);
            if (sit == senders.end()) continue;
            auto& q = sit->second.txs;
            auto stop = sit->second.lower(nonces[i]);
            if (stop == q.begin()) continue;
            const size_t before = q.size();
            for (auto it = q.begin(); it != stop; ++it) {
                total_bytes -= it->tx->raw.size();
                by_hash.erase(it->tx->hash);
            }
            q.erase(q.begin(), stop);
            set_count(sit->first, before, q.size());
            if (q.empty()) senders.erase(sit);
        }
        maybe_stop_counting();
    }

    // Removes the included txs the pool holds: marks them, then compacts each sender's queue
    // once (a block may take thousands of txs off the front of one queue).
    void erase_included_locked(std::span<const Hash256> included) {
        std::vector<SenderMap::iterator> touched;
        for (const auto& h : included) {
            auto hit = by_hash.find(h);
            if (hit == by_hash.end()) continue;
            const PoolTx& tx = *hit->second;
            auto sit = senders.find(tx.sender);
            auto it = sit->second.find(tx.tx.nonce);
            total_bytes -= tx.raw.size();
            by_hash.erase(hit);  // tx stays alive: the queue entry still holds it
            it->tx = nullptr;
            if (!sit->second.touched) {
                sit->second.touched = true;
                touched.push_back(sit);
            }
        }
        for (auto sit : touched) {
            auto& q = sit->second.txs;
            const size_t before = q.size();
            std::erase_if(q, [](const SenderQueue::Entry& e) { return e.tx == nullptr; });
            sit->second.touched = false;
            set_count(sit->first, before, q.size());
            if (q.empty()) senders.erase(sit);
        }
    }
};

TxPool::TxPool(const crypto::CryptoSuite& suite, uint64_t chain_id, uint64_t block_gas_limit,
               U256 base_fee, Config config)
    : impl_(std::make_unique<Impl>(suite, chain_id, block_gas_limit, base_fee, config)) {}

TxPool::~TxPool() = default;

Result<PoolTxPtr, AddError> TxPool::add(BytesView raw, const AccountReader& state) {
    Prepared p = impl_->prepare(raw);
    const uint64_t commits = impl_->commits.load(std::memory_order_acquire);
    if (!p.error) {
        const AccountState acc = state.account(p.ptx->sender);
        p.state_nonce = acc.nonce;
        p.balance = acc.balance;
    }
    auto r = impl_->finish(p, commits);
    if (!r) impl_->rejected.fetch_add(1, std::memory_order_relaxed);
    return r;
}

std::vector<Result<PoolTxPtr, AddError>> TxPool::add_batch(std::span<const Bytes> raws,
                                                           const AccountReader& state) {
    std::vector<Prepared> prepared(raws.size());
    impl_->workers.run(raws.size(), [&](size_t i) { prepared[i] = impl_->prepare(raws[i]); });

    // Phase 2 on this thread only: the reader need not be thread-safe for a batch. One read
    // per sender: the state does not change during the call as far as the pool is concerned.
    const uint64_t commits = impl_->commits.load(std::memory_order_acquire);
    std::unordered_map<Address, AccountState> seen;
    for (auto& p : prepared) {
        if (p.error) continue;
        const Address& a = p.ptx->sender;
        auto it = seen.find(a);
        if (it == seen.end()) it = seen.emplace(a, state.account(a)).first;
        p.state_nonce = it->second.nonce;
        p.balance = it->second.balance;
    }

    std::vector<Result<PoolTxPtr, AddError>> out;
    out.reserve(raws.size());
    uint64_t rejected = 0;
    for (size_t start = 0; start < prepared.size(); start += kBatchLockChunk) {
        const size_t end = std::min(prepared.size(), start + kBatchLockChunk);
        std::lock_guard lk(impl_->mu);
        for (size_t i = start; i < end; ++i) {
            Prepared& p = prepared[i];
            if (p.error) {
                out.emplace_back(unexpected(std::move(*p.error)));
            } else {
                out.push_back(impl_->admit_locked(p, commits));
            }
            rejected += out.back().has_value() ? 0 : 1;
        }
    }
    impl_->rejected.fetch_add(rejected, std::memory_order_relaxed);
    return out;
}

std::vector<PoolTxPtr> TxPool::pending(size_t max_count, uint64_t gas_budget,
                                       const AccountReader& state) const {
    std::vector<PoolTxPtr> out;
    if (max_count == 0) return out;
    std::vector<Address> addrs;
    {
        std::lock_guard lk(impl_->mu);
        addrs.reserve(impl_->senders.size());
        for (const auto& [a, q] : impl_->senders)
            addrs.push_back(a);
    }
    std::vector<uint64_t> nonces(addrs.size());
    for (size_t i = 0; i < addrs.size(); ++i)
        nonces[i] = state.nonce(addrs[i]);

    std::lock_guard lk(impl_->mu);
    // Each sender's head: the tx at its state nonce. The heap yields the head of lowest
    // arrival seq; a sender's next nonce becomes its new head. Seqs are unique, so the order
    // is fully determined by the pool's contents (not by the order of addrs).
    struct Cursor {
        SenderQueue::ConstIter it;
        SenderQueue::ConstIter end;
    };
    std::vector<Cursor> cursors;
    cursors.reserve(addrs.size());
    std::vector<std::pair<uint64_t, size_t>> heap;  // (seq of head, cursor index), min-heap
    heap.reserve(addrs.size());
    for (size_t i = 0; i < addrs.size(); ++i) {
        auto sit = impl_->senders.find(addrs[i]);
        if (sit == impl_->senders.end()) continue;
        const SenderQueue& q = sit->second;
        auto it = q.find(nonces[i]);
        if (it == q.txs.end()) continue;
        cursors.push_back({it, q.txs.end()});
        heap.emplace_back(it->tx->seq, cursors.size() - 1);
    }
    const auto later = std::greater<>{};
    std::make_heap(heap.begin(), heap.end(), later);
    out.reserve(std::min(max_count, impl_->by_hash.size()));
    uint64_t gas_left = gas_budget;
    while (!heap.empty() && out.size() < max_count) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const size_t ci = heap.back().second;
        heap.pop_back();
        Cursor& c = cursors[ci];
        const PoolTxPtr& tx = c.it->tx;
        // A sender whose next tx does not fit contributes nothing more: its later nonces
        // cannot run before it.
        if (tx->tx.gas_limit > gas_left) continue;
        gas_left -= tx->tx.gas_limit;
        out.push_back(tx);
        const uint64_t nonce = c.it->nonce;
        if (nonce == UINT64_MAX) continue;
        if (++c.it == c.end || c.it->nonce != nonce + 1) continue;
        heap.emplace_back(c.it->tx->seq, ci);
        std::push_heap(heap.begin(), heap.end(), later);
    }
    return out;
}

void TxPool::remove_committed(std::span<const Hash256> included, const AccountReader& state) {
    std::vector<Address> addrs;
    {
        std::lock_guard lk(impl_->mu);
        impl_->commits.fetch_add(1, std::memory_order_release);
        impl_->suspects.clear();  // every sender is read below
        impl_->erase_included_locked(included);
        // Every sender, not only those of `included`: a block may carry txs this pool never
        // saw (another proposer's), which still move their senders' nonces.
        addrs.reserve(impl_->senders.size());
        for (const auto& [a, q] : impl_->senders)
            addrs.push_back(a);
    }
    impl_->prune(addrs, state);
}

void TxPool::remove_committed(std::span<const Hash256> included,
                              std::span<const Address> block_senders, const AccountReader& state) {
    std::vector<Address> addrs;
    {
        std::lock_guard lk(impl_->mu);
        impl_->commits.fetch_add(1, std::memory_order_release);
        impl_->erase_included_locked(included);
        addrs.reserve(block_senders.size() + impl_->suspects.size());
        for (const Address& a : block_senders) {
            if (impl_->senders.contains(a)) addrs.push_back(a);
        }
        for (const Address& a : impl_->suspects) {
            if (impl_->senders.contains(a)) addrs.push_back(a);
        }
        impl_->suspects.clear();
    }
    // One read per sender: a block usually carries several txs of one sender.
    std::sort(addrs.begin(), addrs.end());
    addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
    impl_->prune(addrs, state);
}

void TxPool::set_base_fee(const U256& base_fee) {
    std::lock_guard lk(impl_->mu);
    impl_->base_fee = base_fee;
}

void TxPool::set_block_gas_limit(uint64_t block_gas_limit) {
    std::lock_guard lk(impl_->mu);
    impl_->block_gas_limit = block_gas_limit;
}

PoolTxPtr TxPool::get(const Hash256& hash) const {
    std::lock_guard lk(impl_->mu);
    auto it = impl_->by_hash.find(hash);
    return it == impl_->by_hash.end() ? nullptr : it->second;
}

std::vector<PoolTxPtr> TxPool::get_many(std::span<const Hash256> hashes) const {
    std::vector<PoolTxPtr> out;
    out.reserve(hashes.size());
    std::lock_guard lk(impl_->mu);
    for (const auto& h : hashes) {
        auto it = impl_->by_hash.find(h);
        out.push_back(it == impl_->by_hash.end() ? nullptr : it->second);
    }
    return out;
}

namespace {
// The end of the run of consecutive nonces starting at `from` (from itself if absent).
uint64_t run_end(const SenderQueue& q, uint64_t from) {
    uint64_t n = from;
    for (auto it = q.find(from); it != q.txs.end() && it->nonce == n; ++it) {
        if (n == UINT64_MAX) break;
        ++n;
    }
    return n;
}
}  // namespace

std::optional<uint64_t> TxPool::pending_nonce(const Address& sender) const {
    std::lock_guard lk(impl_->mu);
    auto sit = impl_->senders.find(sender);
    if (sit == impl_->senders.end()) return std::nullopt;
    return run_end(sit->second, sit->second.txs.front().nonce);
}

uint64_t TxPool::pending_nonce(const Address& sender, const AccountReader& state) const {
    // A block commit writes the state, then calls remove_committed. Reading the state nonce
    // again after looking at the pool catches a commit that slipped in between (the pool may
    // already have dropped txs that the first read still counted as future): retry then.
    for (;;) {
        const uint64_t from = state.nonce(sender);
        uint64_t end = from;
        {
            std::lock_guard lk(impl_->mu);
            auto sit = impl_->senders.find(sender);
            if (sit != impl_->senders.end()) end = run_end(sit->second, from);
        }
        if (state.nonce(sender) == from) return end;
    }
}

size_t TxPool::size() const {
    std::lock_guard lk(impl_->mu);
    return impl_->by_hash.size();
}

size_t TxPool::bytes() const {
    std::lock_guard lk(impl_->mu);
    return impl_->total_bytes;
}

TxPool::Stats TxPool::stats() const {
    Stats s{};
    s.added = impl_->added.load(std::memory_order_relaxed);
    s.rejected = impl_->rejected.load(std::memory_order_relaxed);
    s.replaced = impl_->replaced.load(std::memory_order_relaxed);
    s.evicted = impl_->evicted.load(std::memory_order_relaxed);
    s.size = size();
    return s;
}

}  // namespace xl::txpool
