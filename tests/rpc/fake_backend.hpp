// SPDX-License-Identifier: Apache-2.0
// Test doubles for the eth_ API: a FakeBackend holding a small in-memory chain (blocks,
// receipts, pool, accounts) with scripted call/estimate/send answers and a record of what the
// handlers asked for; a FakeSession collecting pushed notifications. Not thread-safe: tests
// drive them from one thread.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/suite.hpp"
#include "protocol/block.hpp"
#include "rpc/backend.hpp"
#include "rpc/jsonrpc.hpp"

namespace xl::rpc::testing {

class FakeSession : public Session {
public:
    explicit FakeSession(uint64_t id, bool can_push = true) : id_(id), can_push_(can_push) {}

    bool can_push() const noexcept override { return can_push_; }
    void push(Json notification) override { pushed.push_back(std::move(notification)); }
    void on_close(std::function<void()> f) override {
        if (closed_) {
            f();
            return;
        }
        hooks_.push_back(std::move(f));
    }
    uint64_t id() const noexcept override { return id_; }

    // Ends the session: runs the on_close hooks once.
    void close() {
        if (closed_) return;
        closed_ = true;
        auto hooks = std::move(hooks_);
        for (auto& f : hooks)
            f();
    }
    size_t hook_count() const noexcept { return hooks_.size(); }

    std::vector<Json> pushed;

private:
    uint64_t id_;
    bool can_push_;
    bool closed_ = false;
    std::vector<std::function<void()>> hooks_;
};

class FakeBackend : public Backend {
public:
    explicit FakeBackend(const crypto::CryptoSuite& suite = crypto::ecdsa_suite())
        : suite_(suite) {}

    // ---- the chain ----

    // Appends a block: fills its hash (header hash) and parent, the transactions' block
    // fields, and the receipts' and logs' positions; then feeds the block callback.
    void commit(BlockView b, std::vector<ReceiptView> receipts = {}) {
        b.header.number = blocks.size();
        if (!blocks.empty()) b.header.parent_hash = blocks.back().hash;
        b.hash = b.header.hash(suite_);
        std::vector<LogView> logs;
        uint32_t log_index = 0;
        for (size_t i = 0; i < b.transactions.size(); ++i) {
            TxView& t = b.transactions[i];
            t.block_hash = b.hash;
            t.block_number = b.header.number;
            t.index = uint32_t(i);
            // EIP-1559: base fee + min(tip cap, fee cap - base fee).
            const U256& base = b.header.base_fee;
            U256 room = t.tx.fee_cap() > base ? t.tx.fee_cap() - base : U256{};
            t.effective_gas_price = base + std::min(t.tx.tip_cap(), room);
        }
        for (size_t i = 0; i < receipts.size(); ++i) {
            ReceiptView& r = receipts[i];
            r.block_hash = b.hash;
            r.block_number = b.header.number;
            r.tx_index = uint32_t(i);
            if (i < b.transactions.size()) r.tx_hash = b.transactions[i].hash;
            for (LogView& l : r.logs) {
                l.block_hash = b.hash;
                l.block_number = b.header.number;
                l.tx_hash = r.tx_hash;
                l.tx_index = r.tx_index;
                l.log_index = log_index++;
                logs.push_back(l);
            }
        }
        blocks.push_back(b);
        receipts_.push_back(std::move(receipts));
        if (callback_) callback_(blocks.back(), logs);
    }

    // ---- Backend ----

    uint64_t chain_id() const override { return chain_id_; }
    const crypto::CryptoSuite& suite() const override { return suite_; }
    std::string client_version() const override { return "xinlian/v0.0.0-test"; }
    uint64_t head_number() const override { return blocks.empty() ? 0 : blocks.size() - 1; }
    uint64_t peer_count() const override { return 3; }

    Result<std::optional<BlockView>, Error> block(const BlockRef& ref, bool full) override {
        last_ref = ref;
        last_full = full;
        if (fail) return unexpected(*fail);
        auto n = number_of(ref);
        if (!n) return std::optional<BlockView>();
        return std::optional<BlockView>(blocks[*n]);
    }

    Result<std::optional<std::vector<ReceiptView>>, Error> block_receipts(
        const BlockRef& ref) override {
        last_ref = ref;
        if (fail) return unexpected(*fail);
        auto n = number_of(ref);
        if (!n) return std::optional<std::vector<ReceiptView>>();
        return std::optional<std::vector<ReceiptView>>(receipts_[*n]);
    }

    Result<std::optional<TxView>, Error> transaction(const Hash256& hash) override {
        if (fail) return unexpected(*fail);
        for (const auto& b : blocks)
            for (const auto& t : b.transactions)
                if (t.hash == hash) return std::optional<TxView>(t);
        if (auto it = pool.find(hash); it != pool.end()) return std::optional<TxView>(it->second);
        return std::optional<TxView>();
    }

    Result<std::optional<ReceiptView>, Error> receipt(const Hash256& hash) override {
        if (fail) return unexpected(*fail);
        for (const auto& rs : receipts_)
            for (const auto& r : rs)
                if (r.tx_hash == hash) return std::optional<ReceiptView>(r);
        return std::optional<ReceiptView>();
    }

    Result<U256, Error> balance(const Address& a, const BlockRef& at) override {
        XL_TRY_VOID(known(at));
        auto it = balances.find(a);
        return it == balances.end() ? U256{} : it->second;
    }
    Result<uint64_t, Error> nonce(const Address& a, const BlockRef& at) override {
        XL_TRY_VOID(known(at));
        auto it = nonces.find(a);
        uint64_t n = it == nonces.end() ? 0 : it->second;
        return at.kind == BlockRef::Kind::kPending ? n + pending_extra : n;
    }
    Result<Bytes, Error> code(const Address& a, const BlockRef& at) override {
        XL_TRY_VOID(known(at));
        auto it = codes.find(a);
        return it == codes.end() ? Bytes{} : it->second;
    }
    Result<U256, Error> storage(const Address& a, const U256& key, const BlockRef& at) override {
        XL_TRY_VOID(known(at));
        last_key = key;
        auto it = slots.find(a);
        return it == slots.end() ? U256{} : it->second;
    }

    Result<CallResult, Error> call(const CallRequest& req, const BlockRef& at) override {
        XL_TRY_VOID(known(at));
        last_call = req;
        return call_result;
    }
    Result<uint64_t, Error> estimate_gas(const CallRequest& req, const BlockRef& at) override {
        XL_TRY_VOID(known(at));
        last_call = req;
        if (estimate_error) return unexpected(*estimate_error);
        return estimate;
    }
    Result<Hash256, Error> send_raw_transaction(BytesView raw) override {
        last_raw = Bytes(raw.begin(), raw.end());
        if (send_error) return unexpected(*send_error);
        return suite_.hash(raw);
    }

    Result<std::vector<LogView>, Error> logs(const LogQuery& q) override {
        last_query = q;
        ++log_queries;
        if (fail) return unexpected(*fail);
        std::vector<LogView> out;
        for (uint64_t n = q.from; n <= q.to && n < receipts_.size(); ++n)
            for (const auto& r : receipts_[n])
                for (const auto& l : r.logs)
                    if (matches(l.log, q)) out.push_back(l);
        return out;
    }

    Result<ProofView, Error> proof(const Address& a, std::span<const U256> keys,
                                   const BlockRef& at) override {
        XL_TRY_VOID(known(at));
        ProofView p = proof_answer;
        p.address = a;
        p.storage.clear();
        for (const U256& k : keys)
            p.storage.push_back({k, k + 1, {Bytes{0xc0, uint8_t(k.low64())}}});
        return p;
    }

    U256 gas_price() const override { return U256(1'000'000'007); }
    U256 max_priority_fee() const override { return U256(7); }
    U256 next_base_fee() const override { return next_base_fee_; }
    Json node_status() const override { return Json{{"height", head_number()}, {"round", 0}}; }
    Json consensus_status() const override { return consensus_status_; }
    Json peers() const override { return peers_; }
    Result<std::optional<CertificateView>, Error> certificate(const BlockRef& ref) override {
        last_ref = ref;
        if (fail) return unexpected(*fail);
        auto n = number_of(ref);
        if (!n) return std::optional<CertificateView>();
        auto it = certificates.find(*n);
        if (it == certificates.end()) return std::optional<CertificateView>();
        return std::optional<CertificateView>(it->second);
    }

    void subscribe_blocks(BlockCallback f) override { callback_ = std::move(f); }

    // ---- scripted answers and records ----

    uint64_t chain_id_ = 1337;
    U256 next_base_fee_ = U256(875);
    std::vector<BlockView> blocks;
    std::map<Hash256, TxView> pool;
    std::map<Address, U256> balances;
    std::map<Address, uint64_t> nonces;
    uint64_t pending_extra = 0;  // pool transactions on top of the state nonce
    std::map<Address, Bytes> codes;
    std::map<Address, U256> slots;  // one value per account, enough for the tests
    ProofView proof_answer;
    CallResult call_result;
    uint64_t estimate = 21000;
    std::optional<Error> estimate_error;
    std::optional<Error> send_error;
    std::optional<Error> fail;  // block/receipt/log/certificate reads fail with this
    Json consensus_status_ = Json{{"height", 1}, {"round", 0}, {"step", "propose"}};
    Json peers_ = Json::array();
    std::map<uint64_t, CertificateView> certificates;  // by block number

    std::optional<BlockRef> last_ref;
    bool last_full = false;
    std::optional<U256> last_key;
    std::optional<CallRequest> last_call;
    std::optional<Bytes> last_raw;
    std::optional<LogQuery> last_query;
    int log_queries = 0;

private:
    std::optional<uint64_t> number_of(const BlockRef& ref) const {
        if (blocks.empty()) return std::nullopt;
        switch (ref.kind) {
            case BlockRef::Kind::kNumber:
                if (ref.number >= blocks.size()) return std::nullopt;
                return ref.number;
            case BlockRef::Kind::kEarliest:
                return 0;
            case BlockRef::Kind::kHash:
                for (const auto& b : blocks)
                    if (b.hash == ref.hash) return b.header.number;
                return std::nullopt;
            default:
                return blocks.size() - 1;
        }
    }

    Result<void, Error> known(const BlockRef& ref) {
        last_ref = ref;
        if (!number_of(ref)) {
            return unexpected(Error{kServerError,
                                    ref.kind == BlockRef::Kind::kHash ? "header for hash not found"
                                                                      : "header not found",
                                    std::nullopt});
        }
        return {};
    }

    // An independent statement of the LogQuery rule (not rpc::log_matches, which is under test).
    static bool matches(const protocol::Log& log, const LogQuery& q) {
        bool addr_ok = q.addresses.empty();
        for (const auto& a : q.addresses)
            if (a == log.address) addr_ok = true;
        if (!addr_ok || q.topics.size() > log.topics.size()) return false;
        for (size_t i = 0; i < q.topics.size(); ++i) {
            bool ok = q.topics[i].empty();
            for (const auto& t : q.topics[i])
                if (t == log.topics[i]) ok = true;
            if (!ok) return false;
        }
        return true;
    }

    const crypto::CryptoSuite& suite_;
    std::vector<std::vector<ReceiptView>> receipts_;
    BlockCallback callback_;
};

}  // namespace xl::rpc::testing
