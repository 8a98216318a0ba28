// SPDX-License-Identifier: Apache-2.0
// Chain: block building from the pool, one-write commit, and state reads at any block.
#include "node/chain.hpp"

#include <algorithm>
#include <chrono>

#include "execution/executor.hpp"

namespace xl::node {

namespace {

// The pool's view of the latest committed state: the flat copy, read straight from the Kv
// (thread-safe). A read error counts as an absent account: admission then refuses the
// transaction (nonce or funds), and block building meets the same error and stops the chain.
class FlatAccounts final : public txpool::AccountReader {
public:
    FlatAccounts(const storage::Kv& kv, const crypto::CryptoSuite& suite)
        : backend_(state::flat_backend(kv, suite, Hash256{})) {}
    uint64_t nonce(const Address& a) const override {
        auto acc = backend_->account(a);
        return acc && *acc ? (*acc)->nonce : 0;
    }
    U256 balance(const Address& a) const override {
        auto acc = backend_->account(a);
        return acc && *acc ? (*acc)->balance : U256{};
    }

private:
    std::unique_ptr<state::Backend> backend_;
};

constexpr size_t kBlockHashWindow = 256;  // BLOCKHASH (Yellow Paper §9.4.2)

}  // namespace

Chain::Chain(storage::Kv& kv, const ledger::Genesis& genesis, const ChainOptions& options)
    : kv_(kv), genesis_(genesis), suite_(genesis.crypto_suite()), options_(options) {}

Chain::~Chain() = default;

Result<std::unique_ptr<Chain>, std::string> Chain::open(storage::Kv& kv,
                                                        const ledger::Genesis& genesis,
                                                        const ChainOptions& options) {
    std::unique_ptr<Chain> c(new Chain(kv, genesis, options));
    auto ledger = ledger::Ledger::open(kv, c->suite_, genesis);
    if (!ledger) return unexpected(ledger.error().message);
    c->ledger_ = std::move(*ledger);
    const protocol::BlockHeader head = c->ledger_->head();
    c->head_backend_ = state::flat_backend(kv, c->suite_, head.state_root);
    c->head_state_ = std::make_unique<state::State>(c->head_backend_.get());
    c->pool_ = std::make_unique<txpool::TxPool>(c->suite_, genesis.chain_id, head.gas_limit,
                                                head.base_fee, options.pool);
    c->accounts_ = std::make_unique<FlatAccounts>(kv, c->suite_);
    // The window of recent hashes for BLOCKHASH, newest first.
    const uint64_t n = head.number;
    for (uint64_t i = 0; i < kBlockHashWindow && i <= n; ++i) {
        auto h = c->ledger_->block_hash(n - i);
        if (!h || !*h)
            return unexpected("block hash of height " + std::to_string(n - i) + " missing");
        c->recent_.push_back(**h);
    }
    return c;
}

Result<txpool::PoolTxPtr, txpool::AddError> Chain::submit(BytesView raw) {
    auto r = pool_->add(raw, *accounts_);
    if (r) wake();
    return r;
}

void Chain::wake() {
    {
        std::lock_guard lk(wait_mu_);
        woken_ = true;
    }
    wait_cv_.notify_all();
}

void Chain::wait_for_txs(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lk(wait_mu_);
    wait_cv_.wait_until(lk, deadline, [&] { return woken_ || pool_->size() > 0; });
    woken_ = false;
}

void Chain::on_commit(std::function<void(const CommittedBlock&)> f) {
    std::lock_guard lk(listeners_mu_);
    listeners_.push_back(std::move(f));
}

std::vector<Hash256> Chain::recent_hashes(uint64_t number, const Hash256& parent_hash) const {
    // Newest first: recent[i] is block number-1-i's.
    std::vector<Hash256> out;
    if (number == 0) return out;
    const uint64_t want = std::min<uint64_t>(kBlockHashWindow, number);
    out.reserve(want);
    out.push_back(parent_hash);
    for (uint64_t i = 1; i < want; ++i) {
        auto h = ledger_->block_hash(number - 1 - i);
        if (!h || !*h) break;
        out.push_back(**h);
    }
    return out;
}

execution::BlockEnv Chain::base_env(const protocol::BlockHeader& parent, const Hash256& parent_hash,
                                    const Address& proposer, uint64_t timestamp) const {
    execution::BlockEnv env;
    env.coinbase = proposer;
    env.number = static_cast<int64_t>(parent.number + 1);
    env.timestamp = static_cast<int64_t>(std::max(timestamp, parent.timestamp));
    env.gas_limit = static_cast<int64_t>(parent.gas_limit);
    // PREVRANDAO: no randomness beacon in a BFT chain; the parent hash is deterministic and
    // known to every validator (contracts must not use it as a secret, as on Ethereum).
    env.prev_randao = parent_hash;
    env.base_fee = genesis_.base_fee;
    env.blob_base_fee = execution::blob_base_fee(0);
    env.chain_id = genesis_.chain_id;
    env.analysis_cache = &analysis_;
    return env;
}

execution::BlockEnv Chain::env_after(const protocol::BlockHeader& parent,
                                     const Hash256& parent_hash, const Address& proposer,
                                     uint64_t timestamp) const {
    execution::BlockEnv env = base_env(parent, parent_hash, proposer, timestamp);
    {
        std::lock_guard lk(recent_mu_);
        if (!recent_.empty() && recent_.front() == parent_hash) {
            // The common case (eth_call at latest): the cached window.
            env.recent_hashes.assign(recent_.begin(), recent_.end());
            return env;
        }
    }
    env.recent_hashes = recent_hashes(parent.number + 1, parent_hash);
    return env;
}

std::unique_ptr<state::Backend> Chain::state_at(const protocol::BlockHeader& header) const {
    return state::trie_backend(kv_, suite_, header.state_root);
}

Result<std::optional<CommittedBlock>, std::string> Chain::build_and_commit(const Address& proposer,
                                                                           uint64_t timestamp) {
    if (failed_) return unexpected(std::string("the chain stopped after a storage failure"));
    std::unique_lock lk(build_mu_);
    const protocol::BlockHeader parent = ledger_->head();
    const Hash256 parent_hash = ledger_->head_hash();

    auto txs = pool_->pending(options_.max_block_txs, parent.gas_limit, *accounts_);
    if (txs.empty()) return std::optional<CommittedBlock>{};

    execution::BlockEnv env = base_env(parent, parent_hash, proposer, timestamp);
    env.recent_hashes.assign(recent_.begin(), recent_.end());

    CommittedBlock out;
    protocol::Block& block = out.block;
    std::vector<Hash256> dropped;  // not applicable to the state any more: leave the pool
    uint64_t cumulative = 0;
    uint32_t log_index = 0;
    state::State& st = *head_state_;
    for (const auto& ptx : txs) {
        const protocol::Transaction& tx = ptx->tx;
        auto r = execution::apply_transaction(st, env, tx, ptx->sender, cumulative);
        if (st.failure()) {
            failed_ = true;
            return unexpected("state read failed while executing block " +
                              std::to_string(env.number) + ": " +
                              std::string(state::to_string(*st.failure())));
        }
        if (!r) {
            if (r.error() == execution::ExecError::kGasLimitReached) continue;  // next block
            dropped.push_back(ptx->hash);
            continue;
        }
        cumulative = r->cumulative_gas_used;
        ledger::ReceiptRecord rec;
        rec.receipt.type = tx.type;
        rec.receipt.success = r->success;
        rec.receipt.cumulative_gas_used = r->cumulative_gas_used;
        rec.receipt.bloom = r->bloom;
        rec.receipt.logs = std::move(r->logs);
        rec.gas_used = r->gas_used;
        rec.from = ptx->sender;
        if (tx.is_create()) rec.contract_address = execution::create_address(ptx->sender, tx.nonce);
        const U256 tip = std::min(tx.tip_cap(), tx.fee_cap() - env.base_fee);
        rec.effective_gas_price = env.base_fee + tip;
        rec.first_log_index = log_index;
        log_index += static_cast<uint32_t>(rec.receipt.logs.size());
        out.receipts.push_back(std::move(rec));
        out.tx_hashes.push_back(ptx->hash);
        block.transactions.push_back(tx);
    }
    if (block.transactions.empty()) {
        pool_->remove_committed(dropped, *accounts_);
        return std::optional<CommittedBlock>{};
    }

    storage::WriteBatch batch;
    auto root = st.commit(batch, suite_);
    if (!root) {
        failed_ = true;
        return unexpected("state commit failed: " + std::string(state::to_string(root.error())));
    }
    protocol::BlockHeader& h = block.header;
    h.parent_hash = parent_hash;
    h.number = parent.number + 1;
    h.timestamp = static_cast<uint64_t>(env.timestamp);
    h.proposer = proposer;
    h.state_root = *root;
    h.transactions_root = ledger::transactions_root(suite_, block.transactions);
    auto rroot = ledger::receipts_root(suite_, out.receipts);
    if (!rroot) {
        failed_ = true;
        return unexpected("block " + std::to_string(h.number) + ": " + rroot.error().message);
    }
    h.receipts_root = *rroot;
    for (const auto& rec : out.receipts)
        protocol::bloom_or(h.logs_bloom, rec.receipt.bloom);
    h.gas_limit = parent.gas_limit;
    h.gas_used = cumulative;
    h.base_fee = genesis_.base_fee;
    h.validator_set_hash = parent.validator_set_hash;
    out.hash = h.hash(suite_);

    if (auto c = ledger_->commit(block, out.receipts, std::move(batch)); !c) {
        failed_ = true;
        return unexpected("block " + std::to_string(h.number) +
                          " commit failed: " + c.error().message);
    }
    {
        std::lock_guard rl(recent_mu_);
        recent_.push_front(out.hash);
        if (recent_.size() > kBlockHashWindow) recent_.pop_back();
    }
    lk.unlock();

    std::vector<Hash256> gone = out.tx_hashes;
    gone.insert(gone.end(), dropped.begin(), dropped.end());
    pool_->remove_committed(gone, *accounts_);

    std::lock_guard ll(listeners_mu_);
    for (const auto& f : listeners_)
        f(out);
    return std::optional<CommittedBlock>(std::move(out));
}

}  // namespace xl::node
