// SPDX-License-Identifier: Apache-2.0
// RpcBackend: JSON-RPC requests answered from the Chain.
#include "node/rpc_backend.hpp"

#include <algorithm>

#include "core/bytes.hpp"
#include "execution/call.hpp"
#include "rpc/convert.hpp"
#include "state/proof.hpp"

namespace xl::node {

namespace {

rpc::Error server_error(std::string message) {
    return rpc::Error{rpc::kServerError, std::move(message), std::nullopt};
}

rpc::Error ledger_error(const ledger::LedgerError& e) {
    return server_error(e.message);
}

rpc::Error state_error(state::StateError e) {
    return server_error("state read failed: " + std::string(state::to_string(e)));
}

std::vector<Hash256> tx_hashes_of(const crypto::CryptoSuite& suite, const protocol::Block& b) {
    std::vector<Hash256> out;
    out.reserve(b.transactions.size());
    for (const auto& tx : b.transactions)
        out.push_back(tx.hash(suite));
    return out;
}

// geth's message for a failed eth_call that did not revert ("out of gas", ...).
std::string call_failure_text(evm::StatusCode s) {
    switch (s) {
        case evm::StatusCode::kRevert:
            return "execution reverted";
        case evm::StatusCode::kOutOfGas:
            return "out of gas";
        case evm::StatusCode::kInvalidInstruction:
        case evm::StatusCode::kUndefinedInstruction:
            return "invalid opcode";
        case evm::StatusCode::kStackOverflow:
            return "stack limit reached 1024 (1023)";
        case evm::StatusCode::kStackUnderflow:
            return "stack underflow";
        case evm::StatusCode::kBadJumpDestination:
            return "invalid jump destination";
        case evm::StatusCode::kInvalidMemoryAccess:
            return "return data out of bounds";
        case evm::StatusCode::kCallDepthExceeded:
            return "max call depth exceeded";
        case evm::StatusCode::kStaticModeViolation:
            return "write protection";
        case evm::StatusCode::kContractValidationFailure:
            return "max code size exceeded";
        case evm::StatusCode::kCreateCollision:
            return "contract address collision";
        case evm::StatusCode::kInsufficientBalance:
            return "insufficient balance for transfer";
        default:
            return std::string(evm::to_string(s));
    }
}

}  // namespace

RpcBackend::RpcBackend(Chain& chain, const Address& validator, RpcLimits limits)
    : chain_(chain), validator_(validator), limits_(limits) {
    chain_.on_commit([this](const CommittedBlock& c) {
        std::lock_guard lk(recent_mu_);
        recent_.push_front(c.executed);
        if (recent_.size() > kRecentBlocks) recent_.pop_back();
    });
}

uint64_t RpcBackend::chain_id() const {
    return chain_.genesis().chain_id;
}
const crypto::CryptoSuite& RpcBackend::suite() const {
    return chain_.suite();
}
std::string RpcBackend::client_version() const {
    return "xinlian/v0.1.0/linux-amd64/cpp20";
}
uint64_t RpcBackend::head_number() const {
    return chain_.ledger().head_number();
}

Result<std::optional<RpcBackend::Resolved>, rpc::Error> RpcBackend::resolve(
    const rpc::BlockRef& ref) const {
    const ledger::Ledger& l = chain_.ledger();
    using K = rpc::BlockRef::Kind;
    std::optional<protocol::BlockHeader> h;
    switch (ref.kind) {
        case K::kLatest:
        case K::kPending: {
            Resolved r{l.head(), l.head_hash()};
            if (r.header.number != 0 && r.header.hash(chain_.suite()) != r.hash) {
                // head() and head_hash() straddled a commit: read again by number.
                auto again = l.header(r.header.number);
                if (!again || !*again) return std::optional<Resolved>{};
                r.header = **again;
                r.hash = r.header.hash(chain_.suite());
            }
            return std::optional<Resolved>(std::move(r));
        }
        case K::kEarliest: {
            auto x = l.header(uint64_t{0});
            if (!x) return unexpected(ledger_error(x.error()));
            h = *x;
            break;
        }
        case K::kNumber: {
            auto x = l.header(ref.number);
            if (!x) return unexpected(ledger_error(x.error()));
            h = *x;
            break;
        }
        case K::kHash: {
            auto x = l.header(ref.hash);
            if (!x) return unexpected(ledger_error(x.error()));
            h = *x;
            break;
        }
    }
    if (!h) return std::optional<Resolved>{};
    const Hash256 hash = h->hash(chain_.suite());
    return std::optional<Resolved>(Resolved{std::move(*h), hash});
}

Result<RpcBackend::Resolved, rpc::Error> RpcBackend::resolve_existing(
    const rpc::BlockRef& ref) const {
    auto r = resolve(ref);
    if (!r) return unexpected(r.error());
    if (!*r) return unexpected(server_error("header not found"));
    return std::move(**r);
}

rpc::ReceiptView RpcBackend::receipt_view(const protocol::Block& block, const Hash256& hash,
                                          const ledger::ReceiptRecord& rec,
                                          const Hash256& tx_hash, uint32_t i) {
    const auto& tx = block.transactions[i];
    rpc::ReceiptView v;
    v.tx_hash = tx_hash;
    v.tx_index = i;
    v.block_hash = hash;
    v.block_number = block.header.number;
    v.from = rec.from;
    v.to = tx.to;
    if (rec.receipt.success) v.contract_address = rec.contract_address;
    v.cumulative_gas_used = rec.receipt.cumulative_gas_used;
    v.gas_used = rec.gas_used;
    v.effective_gas_price = rec.effective_gas_price;
    v.success = rec.receipt.success;
    v.type = tx.type;
    v.bloom = rec.receipt.bloom;
    uint32_t li = rec.first_log_index;
    v.logs.reserve(rec.receipt.logs.size());
    for (const auto& log : rec.receipt.logs)
        v.logs.push_back(rpc::LogView{log, block.header.number, hash, tx_hash, i, li++});
    return v;
}

std::vector<rpc::ReceiptView> RpcBackend::receipt_views(
    const protocol::Block& block, const Hash256& hash,
    const std::vector<ledger::ReceiptRecord>& recs, const std::vector<Hash256>& tx_hashes) {
    std::vector<rpc::ReceiptView> out;
    const size_t n = std::min(recs.size(), block.transactions.size());
    out.reserve(n);
    for (size_t i = 0; i < n; ++i)
        out.push_back(receipt_view(block, hash, recs[i], tx_hashes[i], static_cast<uint32_t>(i)));
    return out;
}

rpc::TxView RpcBackend::tx_view(const ExecutedBlock& b, uint32_t i) {
    rpc::TxView t;
    t.tx = b.block.transactions[i];
    t.hash = b.tx_hashes[i];
    t.from = b.receipts[i].from;
    t.block_hash = b.hash;
    t.block_number = b.block.header.number;
    t.index = i;
    t.effective_gas_price = b.receipts[i].effective_gas_price;
    return t;
}

Result<std::optional<rpc::BlockView>, rpc::Error> RpcBackend::block(const rpc::BlockRef& ref,
                                                                    bool /*full*/) {
    auto r = resolve(ref);
    if (!r) return unexpected(r.error());
    if (!*r) return std::optional<rpc::BlockView>{};
    if (auto c = recent((*r)->hash)) {
        rpc::BlockView v;
        v.header = c->block.header;
        v.hash = c->hash;
        v.size_bytes = c->block.encode().size();
        v.transactions.reserve(c->block.transactions.size());
        for (size_t i = 0; i < c->block.transactions.size(); ++i)
            v.transactions.push_back(tx_view(*c, static_cast<uint32_t>(i)));
        return std::optional<rpc::BlockView>(std::move(v));
    }
    auto b = chain_.ledger().block((*r)->hash);
    if (!b) return unexpected(ledger_error(b.error()));
    if (!*b) return std::optional<rpc::BlockView>{};
    rpc::BlockView v;
    v.header = (*b)->header;
    v.hash = (*r)->hash;
    v.size_bytes = (*b)->encode().size();
    if (!(*b)->transactions.empty()) {
        auto recs = chain_.ledger().receipts(v.hash);
        if (!recs) return unexpected(ledger_error(recs.error()));
        if (!*recs) return unexpected(server_error("receipts of block missing"));
        const auto hashes = tx_hashes_of(chain_.suite(), **b);
        for (size_t i = 0; i < (*b)->transactions.size(); ++i) {
            rpc::TxView t;
            t.tx = (*b)->transactions[i];
            t.hash = hashes[i];
            t.from = i < (*recs)->size() ? (**recs)[i].from : Address{};
            t.block_hash = v.hash;
            t.block_number = v.header.number;
            t.index = static_cast<uint32_t>(i);
            if (i < (*recs)->size()) t.effective_gas_price = (**recs)[i].effective_gas_price;
            v.transactions.push_back(std::move(t));
        }
    }
    return std::optional<rpc::BlockView>(std::move(v));
}

Result<std::optional<std::vector<rpc::ReceiptView>>, rpc::Error> RpcBackend::block_receipts(
    const rpc::BlockRef& ref) {
    auto r = resolve(ref);
    if (!r) return unexpected(r.error());
    if (!*r) return std::optional<std::vector<rpc::ReceiptView>>{};
    if (auto c = recent((*r)->hash)) {
        return std::optional<std::vector<rpc::ReceiptView>>(
            receipt_views(c->block, c->hash, c->receipts, c->tx_hashes));
    }
    auto b = chain_.ledger().block((*r)->hash);
    if (!b) return unexpected(ledger_error(b.error()));
    if (!*b) return std::optional<std::vector<rpc::ReceiptView>>{};
    auto recs = chain_.ledger().receipts((*r)->hash);
    if (!recs) return unexpected(ledger_error(recs.error()));
    if (!*recs) return std::optional<std::vector<rpc::ReceiptView>>{};
    return std::optional<std::vector<rpc::ReceiptView>>(
        receipt_views(**b, (*r)->hash, **recs, tx_hashes_of(chain_.suite(), **b)));
}

Result<std::optional<rpc::TxView>, rpc::Error> RpcBackend::transaction(const Hash256& hash) {
    auto loc = chain_.ledger().tx_location(hash);
    if (!loc) return unexpected(ledger_error(loc.error()));
    if (!*loc) {
        auto p = chain_.pool().get(hash);
        if (!p) return std::optional<rpc::TxView>{};
        rpc::TxView t;
        t.tx = p->tx;
        t.hash = p->hash;
        t.from = p->sender;
        return std::optional<rpc::TxView>(std::move(t));
    }
    if (auto c = recent((*loc)->block_hash); c && (*loc)->index < c->block.transactions.size())
        return std::optional<rpc::TxView>(tx_view(*c, (*loc)->index));
    auto b = chain_.ledger().block((*loc)->block_hash);
    if (!b) return unexpected(ledger_error(b.error()));
    auto rec = chain_.ledger().receipt((*loc)->block_hash, (*loc)->index);
    if (!rec) return unexpected(ledger_error(rec.error()));
    if (!*b || !*rec || (*loc)->index >= (*b)->transactions.size())
        return unexpected(server_error("transaction index points at a missing block"));
    rpc::TxView t;
    t.tx = (*b)->transactions[(*loc)->index];
    t.hash = hash;
    t.from = (*rec)->from;
    t.block_hash = (*loc)->block_hash;
    t.block_number = (*loc)->block_number;
    t.index = (*loc)->index;
    t.effective_gas_price = (*rec)->effective_gas_price;
    return std::optional<rpc::TxView>(std::move(t));
}

Result<std::optional<rpc::ReceiptView>, rpc::Error> RpcBackend::receipt(const Hash256& hash) {
    auto loc = chain_.ledger().tx_location(hash);
    if (!loc) return unexpected(ledger_error(loc.error()));
    if (!*loc) return std::optional<rpc::ReceiptView>{};
    if (auto c = recent((*loc)->block_hash); c && (*loc)->index < c->receipts.size()) {
        return std::optional<rpc::ReceiptView>(
            receipt_view(c->block, c->hash, c->receipts[(*loc)->index], hash, (*loc)->index));
    }
    auto b = chain_.ledger().block((*loc)->block_hash);
    if (!b) return unexpected(ledger_error(b.error()));
    auto rec = chain_.ledger().receipt((*loc)->block_hash, (*loc)->index);
    if (!rec) return unexpected(ledger_error(rec.error()));
    const uint32_t i = (*loc)->index;
    if (!*b || !*rec || i >= (*b)->transactions.size())
        return unexpected(server_error("transaction index points at a missing block"));
    return std::optional<rpc::ReceiptView>(receipt_view(**b, (*loc)->block_hash, **rec, hash, i));
}

Result<std::optional<state::StoredAccount>, rpc::Error> RpcBackend::account_at(
    const Address& a, const Resolved& at) const {
    auto backend = chain_.state_at(at.header);
    auto acc = backend->account(a);
    if (!acc) return unexpected(state_error(acc.error()));
    return *acc;
}

Result<U256, rpc::Error> RpcBackend::balance(const Address& a, const rpc::BlockRef& at) {
    auto r = resolve_existing(at);
    if (!r) return unexpected(r.error());
    auto acc = account_at(a, *r);
    if (!acc) return unexpected(acc.error());
    return *acc ? (*acc)->balance : U256{};
}

Result<uint64_t, rpc::Error> RpcBackend::nonce(const Address& a, const rpc::BlockRef& at) {
    if (at.kind == rpc::BlockRef::Kind::kPending)
        return chain_.pool().pending_nonce(a, chain_.accounts());
    auto r = resolve_existing(at);
    if (!r) return unexpected(r.error());
    auto acc = account_at(a, *r);
    if (!acc) return unexpected(acc.error());
    return *acc ? (*acc)->nonce : uint64_t{0};
}

Result<Bytes, rpc::Error> RpcBackend::code(const Address& a, const rpc::BlockRef& at) {
    auto r = resolve_existing(at);
    if (!r) return unexpected(r.error());
    auto backend = chain_.state_at(r->header);
    auto acc = backend->account(a);
    if (!acc) return unexpected(state_error(acc.error()));
    if (!*acc) return Bytes{};
    auto c = backend->code((*acc)->code_hash);
    if (!c) return unexpected(state_error(c.error()));
    return std::move(*c);
}

Result<U256, rpc::Error> RpcBackend::storage(const Address& a, const U256& key,
                                             const rpc::BlockRef& at) {
    auto r = resolve_existing(at);
    if (!r) return unexpected(r.error());
    auto backend = chain_.state_at(r->header);
    auto acc = backend->account(a);
    if (!acc) return unexpected(state_error(acc.error()));
    if (!*acc) return U256{};
    auto v = backend->storage(a, **acc, key);
    if (!v) return unexpected(state_error(v.error()));
    return *v;
}

Result<execution::CallMessage, rpc::Error> RpcBackend::message(const rpc::CallRequest& req,
                                                               const Resolved& at) const {
    execution::CallMessage m;
    m.from = req.from.value_or(Address{});
    m.to = req.to;
    const uint64_t cap = limits_.gas_cap ? limits_.gas_cap : at.header.gas_limit;
    m.gas = req.gas ? std::min(*req.gas, cap) : cap;
    // eth_call charges no fee unless a price is given (go-ethereum: gasPrice, or the EIP-1559
    // fields with the block's base fee).
    if (req.gas_price) {
        m.gas_price = *req.gas_price;
    } else if (req.max_fee_per_gas) {
        const U256 tip = req.max_priority_fee_per_gas.value_or(U256{});
        const U256& cap_fee = *req.max_fee_per_gas;
        if (cap_fee < at.header.base_fee)
            return unexpected(server_error("max fee per gas less than block base fee"));
        m.gas_price = std::min(cap_fee, at.header.base_fee + tip);
    }
    m.value = req.value.value_or(U256{});
    m.data = req.data;
    if (req.access_list) m.access_list = *req.access_list;
    return m;
}

Result<rpc::CallResult, rpc::Error> RpcBackend::call(const rpc::CallRequest& req,
                                                     const rpc::BlockRef& at) {
    auto r = resolve_existing(at);
    if (!r) return unexpected(r.error());
    auto m = message(req, *r);
    if (!m) return unexpected(m.error());
    auto backend = chain_.state_at(r->header);
    state::State st(backend.get());
    // The call runs in the context of the block after the one named (go-ethereum runs it with
    // the named header; both see that block's state, BLOCKHASH of every earlier block works).
    const execution::BlockEnv env =
        chain_.env_after(r->header, r->hash, r->header.proposer, r->header.timestamp);
    auto out = execution::simulate_call(st, env, *m);
    if (st.failure()) return unexpected(state_error(*st.failure()));
    if (!out) return unexpected(server_error(std::string(execution::to_string(out.error()))));
    rpc::CallResult res;
    res.success = out->status == evm::StatusCode::kSuccess;
    res.output = std::move(out->output);
    res.gas_used = out->gas_used;
    if (!res.success) res.error = call_failure_text(out->status);
    return res;
}

Result<uint64_t, rpc::Error> RpcBackend::estimate_gas(const rpc::CallRequest& req,
                                                      const rpc::BlockRef& at) {
    auto r = resolve_existing(at);
    if (!r) return unexpected(r.error());
    auto m = message(req, *r);
    if (!m) return unexpected(m.error());
    auto backend = chain_.state_at(r->header);
    state::State st(backend.get());
    const execution::BlockEnv env =
        chain_.env_after(r->header, r->hash, r->header.proposer, r->header.timestamp);
    const uint64_t cap = m->gas;
    auto est = execution::estimate_gas(st, env, std::move(*m), cap);
    if (st.failure()) return unexpected(state_error(*st.failure()));
    if (!est) return unexpected(server_error(std::string(execution::to_string(est.error()))));
    if (est->success) return est->gas;
    // Code 3, "execution reverted[: reason]" with the revert data, as geth gives it.
    if (est->at_cap.status == evm::StatusCode::kRevert)
        return unexpected(rpc::revert_error(est->at_cap.output));
    if (est->at_cap.status == evm::StatusCode::kOutOfGas)
        return unexpected(
            server_error("gas required exceeds allowance (" + std::to_string(cap) + ")"));
    return unexpected(server_error(call_failure_text(est->at_cap.status)));
}

Result<Hash256, rpc::Error> RpcBackend::send_raw_transaction(BytesView raw) {
    auto r = chain_.submit(raw);
    if (!r) return unexpected(server_error(r.error().message));
    return (*r)->hash;
}

Result<std::vector<rpc::LogView>, rpc::Error> RpcBackend::logs(const rpc::LogQuery& q) {
    if (q.to >= q.from && q.to - q.from >= limits_.max_log_range)
        return unexpected(rpc::Error{rpc::kLimitExceeded,
                                     "block range too large: " + std::to_string(q.to - q.from + 1) +
                                         " > " + std::to_string(limits_.max_log_range),
                                     std::nullopt});
    ledger::Ledger::LogFilter f{q.from, q.to, q.addresses, q.topics};
    auto r = chain_.ledger().logs(f, limits_.max_logs);
    if (!r) {
        const int code = r.error().code == ledger::LedgerError::Code::kTooManyLogs ||
                                 r.error().code == ledger::LedgerError::Code::kInvalidFilter
                             ? rpc::kLimitExceeded
                             : rpc::kServerError;
        return unexpected(rpc::Error{code, r.error().message, std::nullopt});
    }
    std::vector<rpc::LogView> out;
    out.reserve(r->size());
    for (auto& e : *r)
        out.push_back(rpc::LogView{std::move(e.log), e.block_number, e.block_hash, e.tx_hash,
                                   e.tx_index, e.log_index});
    return out;
}

Result<rpc::ProofView, rpc::Error> RpcBackend::proof(const Address& a, std::span<const U256> keys,
                                                     const rpc::BlockRef& at) {
    auto r = resolve_existing(at);
    if (!r) return unexpected(r.error());
    auto p = state::prove(chain_.kv(), chain_.suite(), r->header.state_root, a, keys);
    if (!p) return unexpected(state_error(p.error()));
    rpc::ProofView v;
    v.address = a;
    v.balance = p->account.balance;
    v.nonce = p->account.nonce;
    v.code_hash = p->account.code_hash;
    v.storage_hash = p->account.storage_root;
    v.account_proof = std::move(p->account_proof);
    for (auto& s : p->storage)
        v.storage.push_back(rpc::StorageProofView{s.key, s.value, std::move(s.proof)});
    return v;
}

U256 RpcBackend::max_priority_fee() const {
    // Consortium chains do not charge for gas by default: no tip is needed to be included
    // (blocks are built in arrival order, not by price).
    return U256{};
}
U256 RpcBackend::next_base_fee() const {
    return chain_.genesis().base_fee;
}
U256 RpcBackend::gas_price() const {
    return next_base_fee() + max_priority_fee();
}

rpc::Json RpcBackend::node_status() const {
    const auto head = chain_.ledger().head();
    rpc::Json j;
    j["chainId"] = chain_.genesis().chain_id;
    j["crypto"] = std::string(chain_.suite().name());
    j["genesisHash"] = to_hex(chain_.ledger().genesis_hash());
    j["head"] = {{"number", head.number},
                 {"hash", to_hex(chain_.ledger().head_hash())},
                 {"timestamp", head.timestamp},
                 {"stateRoot", to_hex(head.state_root)}};
    j["validator"] = to_hex(validator_);
    j["validators"] = chain_.genesis().validators.size();
    j["consensus"] = chain_.genesis().validators.size() == 1 ? "single-validator" : "bft";
    const auto s = chain_.pool().stats();
    j["txpool"] = {{"pending", s.size},
                   {"added", s.added},
                   {"rejected", s.rejected},
                   {"replaced", s.replaced},
                   {"evicted", s.evicted}};
    j["healthy"] = !chain_.failed();
    j["version"] = client_version();
    return j;
}

void RpcBackend::set_consensus_status(std::function<rpc::Json()> f) {
    std::lock_guard lk(hooks_mu_);
    consensus_status_ = std::move(f);
}
void RpcBackend::set_peers(std::function<rpc::Json()> f) {
    std::lock_guard lk(hooks_mu_);
    peers_ = std::move(f);
}
void RpcBackend::set_peer_count(std::function<uint64_t()> f) {
    std::lock_guard lk(hooks_mu_);
    peer_count_ = std::move(f);
}

uint64_t RpcBackend::peer_count() const {
    std::function<uint64_t()> f;
    {
        std::lock_guard lk(hooks_mu_);
        f = peer_count_;
    }
    return f ? f() : 0;
}

rpc::Json RpcBackend::peers() const {
    std::function<rpc::Json()> f;
    {
        std::lock_guard lk(hooks_mu_);
        f = peers_;
    }
    return f ? f() : rpc::Json::array();
}

rpc::Json RpcBackend::consensus_status() const {
    std::function<rpc::Json()> f;
    {
        std::lock_guard lk(hooks_mu_);
        f = consensus_status_;
    }
    if (f) return f();
    // No consensus driver attached (tools, tests): what the chain alone knows.
    const auto& vs = chain_.genesis().validators;
    const bool member = std::any_of(
        vs.begin(), vs.end(), [&](const ledger::Validator& v) { return v.address == validator_; });
    return rpc::Json{{"role", member ? "validator" : "observer"},
                     {"address", to_hex(validator_)},
                     {"height", chain_.ledger().head_number() + 1},
                     {"validators", vs.size()},
                     {"running", false}};
}

Result<std::optional<rpc::CertificateView>, rpc::Error> RpcBackend::certificate(
    const rpc::BlockRef& ref) {
    using Out = std::optional<rpc::CertificateView>;
    auto r = resolve(ref);
    if (!r) return unexpected(std::move(r).error());
    if (!*r || (*r)->header.number == 0) return Out{};
    auto c = chain_.certificate((*r)->header.number);
    if (!c) return unexpected(server_error(c.error()));
    if (!*c) return Out{};
    rpc::CertificateView v;
    v.certificate = std::move(**c);
    v.hash = v.certificate.hash(chain_.suite());
    const auto& vs = chain_.genesis().validators;
    for (const auto& s : v.certificate.signatures)
        v.signers.push_back(s.validator_index < vs.size() ? vs[s.validator_index].address
                                                          : Address{});
    return Out(std::move(v));
}

void RpcBackend::subscribe_blocks(BlockCallback f) {
    // Filters and subscriptions read the header, the hash and the logs (never the
    // transactions), so only those are built: nothing per transaction without logs.
    chain_.on_commit([f = std::move(f)](const CommittedBlock& c) {
        rpc::BlockView v;
        v.header = c.block().header;
        v.hash = c.hash();
        std::vector<rpc::LogView> logs;
        const auto& recs = c.receipts();
        for (size_t i = 0; i < recs.size(); ++i) {
            uint32_t li = recs[i].first_log_index;
            for (const auto& log : recs[i].receipt.logs)
                logs.push_back(rpc::LogView{log, v.header.number, v.hash, c.tx_hashes()[i],
                                            static_cast<uint32_t>(i), li++});
        }
        f(v, logs);
    });
}

std::shared_ptr<const ExecutedBlock> RpcBackend::recent(const Hash256& hash) const {
    std::lock_guard lk(recent_mu_);
    for (const auto& b : recent_)
        if (b->hash == hash) return b;
    return nullptr;
}

}  // namespace xl::node
