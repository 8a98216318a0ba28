// SPDX-License-Identifier: Apache-2.0
// Xinlian node: Chain, the running ledger of one node (DESIGN.md §5): the block store, the
// head state, the txpool, and what consensus does with them: build a block from the pool
// (propose), execute a block before voting on it (execute), commit an executed block with its
// certificate (commit); and reading any committed state for RPC.
//
// State: blocks are executed on a state::State over the flat copy of the committed head. The
// State left after committing a block is kept as the next head state (its cache stays warm);
// the first candidate executed on a head takes it, any other candidate of that height gets a
// fresh State on the flat copy, so candidates never see each other's writes. Executed
// candidates are cached by block hash (at most kMaxCandidates) until the next commit, which
// writes the chosen one without executing it again. All of this is under build_mu_. RPC
// reads never touch it: each read opens the committed state of its block through the trie
// (state::trie_backend), a consistent snapshot even while the next block commits.
//
// Failure: if a block's execution or commit meets a storage error, the chain marks itself
// failed and refuses to build, execute or commit blocks (the node stops; a restart resumes
// from the last committed block).
//
// Thread-safety: every public method is safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
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
#include "txpool/workers.hpp"

namespace xl::node {

struct ExecutedBlock;

// What one committed block brought, for subscribers (newHeads, logs), the RPC's cache of recent
// blocks, and logging: the executed block itself, shared (never copied).
struct CommittedBlock {
    std::shared_ptr<const ExecutedBlock> executed;  // never null

    const protocol::Block& block() const noexcept;
    const Hash256& hash() const noexcept;
    const std::vector<Hash256>& tx_hashes() const noexcept;
    const std::vector<ledger::ReceiptRecord>& receipts() const noexcept;
};

// A block executed on top of the committed head but not committed: built by the proposer
// (Chain::propose) or checked by a validator before it votes (Chain::execute). commit() writes
// it without executing again. Valid only while the head it was executed on is the head.
// Chain::commit moves state_batch out of the cached block it commits (nobody else reads it), so
// a committed block's state_batch is empty.
struct ExecutedBlock {
    protocol::Block block;  // header complete
    Hash256 hash;
    std::vector<Hash256> tx_hashes;
    std::vector<ledger::ReceiptRecord> receipts;
    Hash256 parent_hash;              // the head it was executed on
    storage::WriteBatch state_batch;  // the state changes, for the commit
};

inline const protocol::Block& CommittedBlock::block() const noexcept { return executed->block; }
inline const Hash256& CommittedBlock::hash() const noexcept { return executed->hash; }
inline const std::vector<Hash256>& CommittedBlock::tx_hashes() const noexcept {
    return executed->tx_hashes;
}
inline const std::vector<ledger::ReceiptRecord>& CommittedBlock::receipts() const noexcept {
    return executed->receipts;
}

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
    // The most transactions propose() takes into one block.
    size_t max_block_txs() const noexcept { return options_.max_block_txs; }

    // The latest committed state as the pool checks it (flat copy; thread-safe).
    const txpool::AccountReader& accounts() const noexcept { return *accounts_; }

    // Admits a raw transaction into the pool (RPC) and calls the on_admitted listeners with it.
    Result<txpool::PoolTxPtr, txpool::AddError> submit(BytesView raw);
    // Many at once (transactions gossiped by peers; TxPool::add_batch: parallel recovery).
    // Does NOT call on_admitted (what came from the network is not gossiped again).
    // results[i] belongs to raws[i].
    std::vector<Result<txpool::PoolTxPtr, txpool::AddError>> submit_batch(
        std::span<const Bytes> raws);
    // Called after submit() admitted a transaction, from the submitting thread (RPC threads,
    // concurrently): must be quick and thread-safe. The raw envelope is (*tx).raw.
    void on_admitted(std::function<void(const txpool::PoolTxPtr&)> f);

    // ---- consensus (issue 5): propose / execute / commit with certificates ----
    // The proposer's block on top of the head: transactions from the pool (none if the pool is
    // empty), executed; header.prev_certificate_hash = prev_certificate_hash (zero at height 1).
    // An error only on storage failure (the chain is then failed).
    Result<std::shared_ptr<const ExecutedBlock>, std::string> propose(
        const Address& proposer, uint64_t timestamp, const Hash256& prev_certificate_hash);
    // Execute-before-vote: executes `block` on top of the head (senders from the pool when it
    // holds the transaction, recovered and checked as the pool would otherwise) and checks that
    // its header is exactly what execution gives: parent, number, state/transactions/receipts
    // roots, gas used, gas limit, bloom, base fee, validator set hash, timestamp >= the
    // parent's. The error says what differs ("state root 0x… != executed 0x…"). Results
    // (and the proposer's blocks) are cached by block hash until the next commit; a block that
    // is not on top of the head (e.g. already committed) is an error, never executed again.
    Result<std::shared_ptr<const ExecutedBlock>, std::string> execute(const protocol::Block& block);
    // Commits an executed block with its certificate (and, if given, makes prev_certificate
    // the stored certificate of the previous height) in the block's one write; removes its
    // transactions (and those that became invalid) from the pool; tells the on_commit
    // listeners. An error if the head moved since the execution or the ledger refuses the
    // certificates (nothing written); a storage failure also marks the chain failed. Checking
    // the certificates' signatures is the caller's (consensus::verify_certificate).
    Result<CommittedBlock, std::string> commit(
        const ExecutedBlock& executed, const protocol::CommitCertificate& certificate,
        const std::optional<protocol::CommitCertificate>& prev_certificate);
    // The stored certificate of a committed height (nullopt for 0 or above the head).
    Result<std::optional<protocol::CommitCertificate>, std::string> certificate(
        uint64_t height) const;

    // Called after every commit, in order, from the committing thread.
    void on_commit(std::function<void(const CommittedBlock&)> f);

    // The block environment of a block on top of `parent` (also for eth_call: the block after).
    execution::BlockEnv env_after(const protocol::BlockHeader& parent, const Hash256& parent_hash,
                                  const Address& proposer, uint64_t timestamp) const;

    // The committed state after block `header` (any block still stored), for reads.
    std::unique_ptr<state::Backend> state_at(const protocol::BlockHeader& header) const;

    bool failed() const noexcept { return failed_.load(); }

private:
    // A State over the flat copy, with its backend.
    struct Exec {
        std::unique_ptr<state::Backend> backend;
        std::unique_ptr<state::State> state;
    };
    // An executed, uncommitted block and the State after it.
    struct Candidate {
        std::shared_ptr<ExecutedBlock> block;
        std::unique_ptr<Exec> exec;
        std::vector<Hash256> dropped;  // pool txs found not applicable while proposing
    };
    // Candidates kept for commit; a proposer's and a few from other proposers' rounds.
    static constexpr size_t kMaxCandidates = 8;
    // A head State caching more accounts than this is dropped for a fresh one (memory).
    static constexpr size_t kMaxHeadStateAccounts = 500'000;
    // Below this many transactions to recover, recovery runs on the calling thread only.
    static constexpr size_t kParallelRecoveryMin = 64;

    Chain(storage::Kv& kv, const ledger::Genesis& genesis, const ChainOptions& options);
    std::vector<Hash256> recent_hashes(uint64_t number, const Hash256& parent_hash) const;
    execution::BlockEnv base_env(const protocol::BlockHeader& parent, const Hash256& parent_hash,
                                 const Address& proposer, uint64_t timestamp) const;
    // All under build_mu_:
    std::unique_ptr<Exec> take_exec(const Hash256& head_state_root);
    Result<Candidate, std::string> build(const Address& proposer, uint64_t timestamp,
                                         const Hash256& prev_certificate_hash);
    Result<Candidate, std::string> run(const protocol::Block& block);
    Candidate* find_candidate(const Hash256& hash);
    void keep_candidate(Candidate c);
    // After a successful ledger commit: head state, recent hashes, candidates.
    void advance(const Hash256& hash, std::unique_ptr<Exec> exec);
    // After build_mu_ is released: pool cleanup and listeners.
    CommittedBlock announce(std::shared_ptr<const ExecutedBlock> b,
                            const std::vector<Hash256>& dropped);
    std::string fail(std::string message);

    storage::Kv& kv_;
    ledger::Genesis genesis_;
    const crypto::CryptoSuite& suite_;
    ChainOptions options_;
    std::unique_ptr<ledger::Ledger> ledger_;
    std::unique_ptr<txpool::TxPool> pool_;
    std::unique_ptr<txpool::AccountReader> accounts_;
    std::unique_ptr<txpool::Workers> workers_;  // sender recovery of blocks from peers

    // Jump-destination analyses by code hash, shared by block building and RPC calls.
    mutable evm::AnalysisCache analysis_;
    std::mutex build_mu_;                // head_exec_, candidates_, building and committing
    mutable std::mutex recent_mu_;       // recent_ (eth_call reads it while a block builds)
    std::unique_ptr<Exec> head_exec_;    // the State after the head, or null (make a fresh one)
    std::vector<Candidate> candidates_;  // oldest first
    // Hashes of the last 256 blocks, newest first. Written only by the builder holding both
    // build_mu_ and recent_mu_; read under either.
    std::deque<Hash256> recent_;

    std::mutex listeners_mu_;
    std::vector<std::function<void(const CommittedBlock&)>> listeners_;
    std::shared_mutex admitted_mu_;
    std::vector<std::function<void(const txpool::PoolTxPtr&)>> admitted_;
    std::atomic<bool> failed_{false};
};

}  // namespace xl::node
