// SPDX-License-Identifier: Apache-2.0
// Xinlian node: Chain, the running ledger of one node (DESIGN.md §5): the block store, the
// head state, the txpool, and the two things done with them: building and committing the next
// block from the pool, and reading any committed state for RPC.
//
// State: one state::State (the head state, read through the flat copy) belongs to the block
// builder and is touched only under build_mu_. RPC reads never touch it: each read opens the
// committed state of its block through the trie (state::trie_backend), a consistent snapshot
// even while the next block commits.
//
// Failure: if a block's execution or commit meets a storage error, the in-memory head state
// may be ahead of the disk; the chain then marks itself failed and refuses to build blocks
// (the node stops; a restart resumes from the last committed block).
//
// Thread-safety: every public method is safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"
#include "evm/analysis.hpp"
#include "execution/execution.hpp"
#include "ledger/genesis.hpp"
#include "ledger/ledger.hpp"
#include "protocol/block.hpp"
#include "protocol/consensus.hpp"
#include "state/backend.hpp"
#include "state/state.hpp"
#include "storage/kv.hpp"
#include "txpool/txpool.hpp"

namespace xl::node {

// What one committed block brought, for subscribers (newHeads, logs) and logging.
struct CommittedBlock {
    protocol::Block block;
    Hash256 hash;
    std::vector<Hash256> tx_hashes;
    std::vector<ledger::ReceiptRecord> receipts;
};

// A block executed on top of the committed head but not committed: built by the proposer
// (Chain::propose) or checked by a validator before it votes (Chain::execute). commit() writes
// it without executing again. Valid only while the head it was executed on is the head.
struct ExecutedBlock {
    protocol::Block block;  // header complete
    Hash256 hash;
    std::vector<Hash256> tx_hashes;
    std::vector<ledger::ReceiptRecord> receipts;
    Hash256 parent_hash;           // the head it was executed on
    storage::WriteBatch state_batch;  // the state changes, for the commit
};

struct ChainOptions {
    txpool::Config pool;
    size_t max_block_txs = 50'000;  // below protocol::kMaxBlockTransactions
};

class Chain {
public:
    // Opens (or initialises from genesis) the chain stored in kv, which must outlive it.
    static Result<std::unique_ptr<Chain>, std::string> open(storage::Kv& kv,
                                                            const ledger::Genesis& genesis,
                                                            const ChainOptions& options = {});
    ~Chain();

    const crypto::CryptoSuite& suite() const noexcept { return suite_; }
    const ledger::Genesis& genesis() const noexcept { return genesis_; }
    ledger::Ledger& ledger() noexcept { return *ledger_; }
    const ledger::Ledger& ledger() const noexcept { return *ledger_; }
    txpool::TxPool& pool() noexcept { return *pool_; }
    const txpool::TxPool& pool() const noexcept { return *pool_; }
    storage::Kv& kv() noexcept { return kv_; }

    // The latest committed state as the pool checks it (flat copy; thread-safe).
    const txpool::AccountReader& accounts() const noexcept { return *accounts_; }

    // Admits a raw transaction into the pool; wakes whoever waits in wait_for_txs.
    Result<txpool::PoolTxPtr, txpool::AddError> submit(BytesView raw);

    // Builds the next block from the pool (proposer, timestamp in seconds), executes it, commits
    // it in one write, removes its transactions from the pool and tells the listeners. nullopt
    // if the pool had nothing executable; an error (and the chain marked failed) if storage
    // failed.
    Result<std::optional<CommittedBlock>, std::string> build_and_commit(const Address& proposer,
                                                                        uint64_t timestamp);

    // ---- consensus (issue 5): propose / execute / commit with certificates ----
    // The proposer's block on top of the head: transactions from the pool (none if the pool is
    // empty), executed; header.prev_certificate_hash = prev_certificate_hash (zero at height 1).
    // An error only on storage failure (the chain is then failed).
    Result<std::shared_ptr<const ExecutedBlock>, std::string> propose(
        const Address& proposer, uint64_t timestamp, const Hash256& prev_certificate_hash);
    // Execute-before-vote: executes `block` on top of the head (senders from the pool when it
    // holds the transaction, recovered otherwise) and checks that its header is exactly what
    // execution gives: parent, number, state/transactions/receipts roots, gas used, gas limit,
    // bloom, base fee, validator set hash, timestamp >= the parent's. The error says what
    // differs ("state root 0x… != executed 0x…"). Results are cached by block hash.
    Result<std::shared_ptr<const ExecutedBlock>, std::string> execute(const protocol::Block& block);
    // Commits an executed block with its certificate (and, if given, makes prev_certificate
    // the stored certificate of the previous height) in the block's one write; removes its
    // transactions from the pool; tells the on_commit listeners.
    Result<CommittedBlock, std::string> commit(
        const ExecutedBlock& executed, const protocol::CommitCertificate& certificate,
        const std::optional<protocol::CommitCertificate>& prev_certificate);
    // The stored certificate of a committed height (nullopt for 0 or above the head).
    Result<std::optional<protocol::CommitCertificate>, std::string> certificate(
        uint64_t height) const;

    // Blocks until the pool has transactions, the deadline passes, or wake() is called.
    void wait_for_txs(std::chrono::steady_clock::time_point deadline);
    void wake();

    // Called after every commit, in order, from the committing thread.
    void on_commit(std::function<void(const CommittedBlock&)> f);

    // The block environment of a block on top of `parent` (also for eth_call: the block after).
    execution::BlockEnv env_after(const protocol::BlockHeader& parent, const Hash256& parent_hash,
                                  const Address& proposer, uint64_t timestamp) const;

    // The committed state after block `header` (any block still stored), for reads.
    std::unique_ptr<state::Backend> state_at(const protocol::BlockHeader& header) const;

    bool failed() const noexcept { return failed_.load(); }

private:
    Chain(storage::Kv& kv, const ledger::Genesis& genesis, const ChainOptions& options);
    std::vector<Hash256> recent_hashes(uint64_t number, const Hash256& parent_hash) const;
    execution::BlockEnv base_env(const protocol::BlockHeader& parent, const Hash256& parent_hash,
                                 const Address& proposer, uint64_t timestamp) const;

    storage::Kv& kv_;
    ledger::Genesis genesis_;
    const crypto::CryptoSuite& suite_;
    ChainOptions options_;
    std::unique_ptr<ledger::Ledger> ledger_;
    std::unique_ptr<txpool::TxPool> pool_;
    std::unique_ptr<txpool::AccountReader> accounts_;

    // Jump-destination analyses by code hash, shared by block building and RPC calls.
    mutable evm::AnalysisCache analysis_;
    std::mutex build_mu_;           // the head state and the block builder
    mutable std::mutex recent_mu_;  // recent_ (eth_call reads it while a block builds)
    std::unique_ptr<state::Backend> head_backend_;
    std::unique_ptr<state::State> head_state_;
    // Hashes of the last 256 blocks, newest first. Written only by the builder holding both
    // build_mu_ and recent_mu_; read under either.
    std::deque<Hash256> recent_;

    std::mutex wait_mu_;
    std::condition_variable wait_cv_;
    bool woken_ = false;

    std::mutex listeners_mu_;
    std::vector<std::function<void(const CommittedBlock&)>> listeners_;
    std::atomic<bool> failed_{false};
};

}  // namespace xl::node
