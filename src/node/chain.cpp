// SPDX-License-Identifier: Apache-2.0
// Chain: propose / execute / commit of blocks with certificates, the pool's front door, and
// state reads at any block.
#include "node/chain.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "execution/executor.hpp"
#include "protocol/validation.hpp"

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
    // One get for admission's two fields.
    txpool::AccountState account(const Address& a) const override {
        auto acc = backend_->account(a);
        if (!acc || !*acc) return {};
        return {(*acc)->nonce, (*acc)->balance};
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
    c->pool_ = std::make_unique<txpool::TxPool>(c->suite_, genesis.chain_id, head.gas_limit,
                                                head.base_fee, options.pool);
    c->accounts_ = std::make_unique<FlatAccounts>(kv, c->suite_);
    const unsigned threads =
        options.pool.threads != 0 ? options.pool.threads : std::thread::hardware_concurrency();
    c->workers_ = std::make_unique<txpool::Workers>(std::max(1u, threads));
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
    if (r) {
        std::shared_lock lk(admitted_mu_);
        for (const auto& f : admitted_)
            f(*r);
    }
    return r;
}

std::vector<Result<txpool::PoolTxPtr, txpool::AddError>> Chain::submit_batch(
    std::span<const Bytes> raws) {
    return pool_->add_batch(raws, *accounts_);
}

void Chain::on_admitted(std::function<void(const txpool::PoolTxPtr&)> f) {
    std::unique_lock lk(admitted_mu_);
    admitted_.push_back(std::move(f));
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

std::string Chain::fail(std::string message) {
    failed_ = true;
    return message;
}

std::unique_ptr<Chain::Exec> Chain::take_exec(const Hash256& head_state_root) {
    if (head_exec_ && head_exec_->state->account_count() <= kMaxHeadStateAccounts) {
        return std::move(head_exec_);
    }
    head_exec_.reset();
    auto e = std::make_unique<Exec>();
    e->backend = state::flat_backend(kv_, suite_, head_state_root);
    e->state = std::make_unique<state::State>(e->backend.get());
    return e;
}

Chain::Candidate* Chain::find_candidate(const Hash256& hash) {
    for (Candidate& c : candidates_)
        if (c.block->hash == hash) return &c;
    return nullptr;
}

void Chain::keep_candidate(Candidate c) {
    if (candidates_.size() == kMaxCandidates) candidates_.erase(candidates_.begin());
    candidates_.push_back(std::move(c));
}

namespace {

// The receipt record of an applied transaction; advances log_index.
ledger::ReceiptRecord record_of(execution::Receipt&& r, const protocol::Transaction& tx,
                                const Address& sender, const execution::BlockEnv& env,
                                uint32_t& log_index) {
    ledger::ReceiptRecord rec;
    rec.receipt.type = tx.type;
    rec.receipt.success = r.success;
    rec.receipt.cumulative_gas_used = r.cumulative_gas_used;
    rec.receipt.bloom = r.bloom;
    rec.receipt.logs = std::move(r.logs);
    rec.gas_used = r.gas_used;
    rec.from = sender;
    if (tx.is_create()) rec.contract_address = execution::create_address(sender, tx.nonce);
    const U256 tip = std::min(tx.tip_cap(), tx.fee_cap() - env.base_fee);
    rec.effective_gas_price = env.base_fee + tip;
    rec.first_log_index = log_index;
    log_index += static_cast<uint32_t>(rec.receipt.logs.size());
    return rec;
}

std::string state_failure(const state::State& st, uint64_t number) {
    return "state read failed while executing block " + std::to_string(number) + ": " +
           std::string(state::to_string(*st.failure()));
}

}  // namespace

// The proposer's block: executable pool transactions on the head, header from the results.
Result<Chain::Candidate, std::string> Chain::build(const Address& proposer, uint64_t timestamp,
                                                   const Hash256& prev_certificate_hash) {
    const protocol::BlockHeader parent = ledger_->head();
    const Hash256 parent_hash = ledger_->head_hash();
    auto txs = pool_->pending(options_.max_block_txs, parent.gas_limit, *accounts_);

    execution::BlockEnv env = base_env(parent, parent_hash, proposer, timestamp);
    env.recent_hashes.assign(recent_.begin(), recent_.end());

    Candidate c;
    c.block = std::make_shared<ExecutedBlock>();
    c.exec = take_exec(parent.state_root);
    ExecutedBlock& out = *c.block;
    protocol::Block& block = out.block;
    uint64_t cumulative = 0;
    uint32_t log_index = 0;
    state::State& st = *c.exec->state;
    out.receipts.reserve(txs.size());
    out.tx_hashes.reserve(txs.size());
    block.transactions.reserve(txs.size());
    for (const auto& ptx : txs) {
        const protocol::Transaction& tx = ptx->tx;
        auto r = execution::apply_transaction(st, env, tx, ptx->sender, cumulative);
        if (st.failure()) return unexpected(fail(state_failure(st, parent.number + 1)));
        if (!r) {
            if (r.error() == execution::ExecError::kGasLimitReached) continue;  // next block
            c.dropped.push_back(ptx->hash);  // not applicable to the state any more
            continue;
        }
        cumulative = r->cumulative_gas_used;
        out.receipts.push_back(record_of(std::move(*r), tx, ptx->sender, env, log_index));
        out.tx_hashes.push_back(ptx->hash);
        block.transactions.push_back(tx);
    }

    auto root = st.commit(out.state_batch, suite_);
    if (!root) {
        return unexpected(
            fail("state commit failed: " + std::string(state::to_string(root.error()))));
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
        return unexpected(fail("block " + std::to_string(h.number) + ": " + rroot.error().message));
    }
    h.receipts_root = *rroot;
    for (const auto& rec : out.receipts)
        protocol::bloom_or(h.logs_bloom, rec.receipt.bloom);
    h.gas_limit = parent.gas_limit;
    h.gas_used = cumulative;
    h.base_fee = genesis_.base_fee;
    h.validator_set_hash = parent.validator_set_hash;
    h.prev_certificate_hash = prev_certificate_hash;
    out.hash = h.hash(suite_);
    out.parent_hash = parent_hash;
    return c;
}

// Executes a block from elsewhere on the head and checks its header against the results.
Result<Chain::Candidate, std::string> Chain::run(const protocol::Block& block) {
    const protocol::BlockHeader parent = ledger_->head();
    const Hash256 parent_hash = ledger_->head_hash();
    const protocol::BlockHeader& h = block.header;
    const std::string name = "block " + std::to_string(h.number) + ": ";
    auto bad = [&](std::string what) { return unexpected(name + what); };

    if (h.parent_hash != parent_hash) {
        return bad("parent " + to_hex(h.parent_hash) + " is not the head " + to_hex(parent_hash) +
                   " (height " + std::to_string(parent.number) + ")");
    }
    if (h.number != parent.number + 1) {
        return bad("number is not the head's + 1 (" + std::to_string(parent.number) + ")");
    }
    if (h.timestamp < parent.timestamp) {
        return bad("timestamp " + std::to_string(h.timestamp) + " is before the parent's " +
                   std::to_string(parent.timestamp));
    }
    if (h.gas_limit != parent.gas_limit) {
        return bad("gas limit " + std::to_string(h.gas_limit) + " != the parent's " +
                   std::to_string(parent.gas_limit));
    }
    if (h.base_fee != genesis_.base_fee) {
        return bad("base fee " + h.base_fee.to_dec() + " != " + genesis_.base_fee.to_dec());
    }
    if (h.validator_set_hash != parent.validator_set_hash) {
        return bad("validator set hash " + to_hex(h.validator_set_hash) + " != the parent's " +
                   to_hex(parent.validator_set_hash));
    }
    if (h.extra_data.size() > protocol::kMaxExtraDataSize) return bad("extra data too long");
    if (block.transactions.size() > protocol::kMaxBlockTransactions) {
        return bad(std::to_string(block.transactions.size()) + " transactions, over the limit");
    }
    // Each transaction encoded once, for the root and its hash.
    std::vector<Hash256> tx_hashes;
    const Hash256 tx_root = ledger::transactions_root(suite_, block.transactions, tx_hashes);
    if (h.transactions_root != tx_root) {
        return bad("transactions root " + to_hex(h.transactions_root) + " != computed " +
                   to_hex(tx_root));
    }

    // Senders: from the pool when it holds the transaction (checked at admission), else
    // checked and recovered here as the pool would (in parallel when many).
    const size_t n = block.transactions.size();
    Candidate c;
    c.block = std::make_shared<ExecutedBlock>();
    ExecutedBlock& out = *c.block;
    out.tx_hashes = std::move(tx_hashes);
    std::vector<Address> senders(n);
    std::vector<size_t> missing;
    const std::vector<txpool::PoolTxPtr> pooled = pool_->get_many(out.tx_hashes);
    for (size_t i = 0; i < n; ++i) {
        if (pooled[i]) {
            senders[i] = pooled[i]->sender;
        } else {
            missing.push_back(i);
        }
    }
    std::vector<std::optional<protocol::TxError>> errors(missing.size());
    auto recover = [&](size_t k) {
        const size_t i = missing[k];
        auto s = protocol::check_transaction(block.transactions[i], suite_, genesis_.chain_id);
        if (s) {
            senders[i] = *s;
        } else {
            errors[k] = s.error();
        }
    };
    if (missing.size() >= kParallelRecoveryMin) {
        workers_->run(missing.size(), recover);
    } else {
        for (size_t k = 0; k < missing.size(); ++k)
            recover(k);
    }
    for (size_t k = 0; k < missing.size(); ++k) {
        if (errors[k]) {
            return bad("transaction " + std::to_string(missing[k]) + " (" +
                       to_hex(out.tx_hashes[missing[k]]) +
                       "): " + std::string(protocol::to_string(*errors[k])));
        }
    }

    execution::BlockEnv env = base_env(parent, parent_hash, h.proposer, h.timestamp);
    env.recent_hashes.assign(recent_.begin(), recent_.end());
    c.exec = take_exec(parent.state_root);
    state::State& st = *c.exec->state;
    uint64_t cumulative = 0;
    uint32_t log_index = 0;
    out.receipts.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const protocol::Transaction& tx = block.transactions[i];
        auto r = execution::apply_transaction(st, env, tx, senders[i], cumulative);
        if (st.failure()) return unexpected(fail(state_failure(st, h.number)));
        if (!r) {
            return bad("transaction " + std::to_string(i) + " (" + to_hex(out.tx_hashes[i]) +
                       ") not applicable: " + std::string(execution::to_string(r.error())));
        }
        cumulative = r->cumulative_gas_used;
        out.receipts.push_back(record_of(std::move(*r), tx, senders[i], env, log_index));
    }
    if (h.gas_used != cumulative) {
        return bad("gas used " + std::to_string(h.gas_used) + " != executed " +
                   std::to_string(cumulative));
    }
    protocol::Bloom bloom{};
    for (const auto& rec : out.receipts)
        protocol::bloom_or(bloom, rec.receipt.bloom);
    if (h.logs_bloom != bloom) return bad("logs bloom differs from the executed one");
    auto rroot = ledger::receipts_root(suite_, out.receipts);
    if (!rroot) return bad(rroot.error().message);
    if (h.receipts_root != *rroot) {
        return bad("receipts root " + to_hex(h.receipts_root) + " != executed " + to_hex(*rroot));
    }
    auto root = st.commit(out.state_batch, suite_);
    if (!root) {
        return unexpected(
            fail("state commit failed: " + std::string(state::to_string(root.error()))));
    }
    if (h.state_root != *root) {
        return bad("state root " + to_hex(h.state_root) + " != executed " + to_hex(*root));
    }
    out.block = block;
    out.hash = h.hash(suite_);
    out.parent_hash = parent_hash;
    return c;
}

Result<std::shared_ptr<const ExecutedBlock>, std::string> Chain::propose(
    const Address& proposer, uint64_t timestamp, const Hash256& prev_certificate_hash) {
    if (failed_) return unexpected(std::string("the chain stopped after a storage failure"));
    std::lock_guard lk(build_mu_);
    auto c = build(proposer, timestamp, prev_certificate_hash);
    if (!c) return unexpected(std::move(c).error());
    std::shared_ptr<const ExecutedBlock> out = c->block;
    if (Candidate* same = find_candidate(out->hash)) {
        // The same block again (same pool, same inputs): keep the first execution.
        return std::shared_ptr<const ExecutedBlock>(same->block);
    }
    keep_candidate(std::move(*c));
    return out;
}

Result<std::shared_ptr<const ExecutedBlock>, std::string> Chain::execute(
    const protocol::Block& block) {
    if (failed_) return unexpected(std::string("the chain stopped after a storage failure"));
    std::lock_guard lk(build_mu_);
    if (Candidate* c = find_candidate(block.header.hash(suite_))) {
        return std::shared_ptr<const ExecutedBlock>(c->block);
    }
    auto c = run(block);
    if (!c) return unexpected(std::move(c).error());
    std::shared_ptr<const ExecutedBlock> out = c->block;
    keep_candidate(std::move(*c));
    return out;
}

void Chain::advance(const Hash256& hash, std::unique_ptr<Exec> exec) {
    head_exec_ = std::move(exec);
    candidates_.clear();
    std::lock_guard rl(recent_mu_);
    recent_.push_front(hash);
    if (recent_.size() > kBlockHashWindow) recent_.pop_back();
}

CommittedBlock Chain::announce(std::shared_ptr<const ExecutedBlock> b,
                              const std::vector<Hash256>& dropped) {
    // Only the block's senders' nonces moved (the pool reads those, not every sender's).
    std::vector<Address> senders;
    senders.reserve(b->receipts.size());
    for (const auto& r : b->receipts)
        senders.push_back(r.from);
    if (dropped.empty()) {
        pool_->remove_committed(b->tx_hashes, senders, *accounts_);
    } else {
        std::vector<Hash256> gone = b->tx_hashes;
        gone.insert(gone.end(), dropped.begin(), dropped.end());
        pool_->remove_committed(gone, senders, *accounts_);
    }
    CommittedBlock out{std::move(b)};
    std::lock_guard ll(listeners_mu_);
    for (const auto& f : listeners_)
        f(out);
    return out;
}

Result<CommittedBlock, std::string> Chain::commit(
    const ExecutedBlock& executed, const protocol::CommitCertificate& certificate,
    const std::optional<protocol::CommitCertificate>& prev_certificate) {
    if (failed_) return unexpected(std::string("the chain stopped after a storage failure"));
    std::unique_lock lk(build_mu_);
    const Hash256 head = ledger_->head_hash();
    const uint64_t number = executed.block.header.number;
    if (executed.parent_hash != head) {
        return unexpected("block " + std::to_string(number) + " " + to_hex(executed.hash) +
                          " was executed on " + to_hex(executed.parent_hash) +
                          " but the head moved to " + to_hex(head));
    }
    // The cached candidate gives up its batch and its State; an executed block no longer in
    // the cache is written from a copy of its batch, and the next block gets a fresh State.
    Candidate* cand = find_candidate(executed.hash);
    if (cand != nullptr && cand->block.get() != &executed) cand = nullptr;
    storage::WriteBatch copy;
    if (cand == nullptr) copy = executed.state_batch;
    storage::WriteBatch& batch = cand != nullptr ? cand->block->state_batch : copy;
    // Chain built the header from these receipts (propose) or compared it with them
    // (execute), and has the transaction hashes: the ledger need not hash it all again.
    const ledger::Ledger::Known known{executed.tx_hashes, true};
    auto c = ledger_->commit(executed.block, executed.receipts, std::move(batch), certificate,
                             prev_certificate, &known);
    if (!c) {
        std::string msg =
            "block " + std::to_string(number) + " commit failed: " + c.error().message;
        if (c.error().code == ledger::LedgerError::Code::kInvalidBlock) return unexpected(msg);
        return unexpected(fail(std::move(msg)));
    }
    std::vector<Hash256> dropped;
    std::unique_ptr<Exec> exec;
    // The committed block, shared with listeners (executed may be the candidate's, which
    // advance frees from the cache); a block not in the cache is copied once, without its batch.
    std::shared_ptr<const ExecutedBlock> keep;
    if (cand != nullptr) {
        dropped = std::move(cand->dropped);
        exec = std::move(cand->exec);
        keep = cand->block;
    } else {
        auto b = std::make_shared<ExecutedBlock>();
        b->block = executed.block;
        b->hash = executed.hash;
        b->tx_hashes = executed.tx_hashes;
        b->receipts = executed.receipts;
        b->parent_hash = executed.parent_hash;
        keep = std::move(b);
    }
    advance(executed.hash, std::move(exec));
    lk.unlock();
    return announce(std::move(keep), dropped);
}

Result<std::optional<protocol::CommitCertificate>, std::string> Chain::certificate(
    uint64_t height) const {
    auto c = ledger_->certificate(height);
    if (!c) return unexpected(c.error().message);
    return std::move(*c);
}

}  // namespace xl::node
