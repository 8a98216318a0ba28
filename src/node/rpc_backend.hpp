// SPDX-License-Identifier: Apache-2.0
// Xinlian node: the rpc::Backend of a node (DESIGN.md §7): JSON-RPC reads and writes mapped onto
// the Chain. State reads open the committed state of the requested block through the trie
// (consistent while blocks commit); eth_call and eth_estimateGas run execution::simulate_call on
// it; transactions go to the pool. Thread-safe: the RPC server calls it from many threads.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "execution/call.hpp"
#include "node/chain.hpp"
#include "rpc/backend.hpp"

namespace xl::node {

struct RpcLimits {
    uint64_t max_log_range = 10'000;  // blocks per eth_getLogs
    size_t max_logs = 10'000;         // results per eth_getLogs
    uint64_t gas_cap = 0;             // eth_call / eth_estimateGas gas; 0 = the block gas limit
};

class RpcBackend final : public rpc::Backend {
public:
    // `validator` is this node's consensus address (xl_nodeStatus); chain must outlive this.
    RpcBackend(Chain& chain, const Address& validator, RpcLimits limits = {});

    uint64_t chain_id() const override;
    const crypto::CryptoSuite& suite() const override;
    std::string client_version() const override;
    uint64_t head_number() const override;
    uint64_t peer_count() const override;
    Result<std::optional<rpc::BlockView>, rpc::Error> block(const rpc::BlockRef& ref,
                                                            bool full) override;
    Result<std::optional<std::vector<rpc::ReceiptView>>, rpc::Error> block_receipts(
        const rpc::BlockRef& ref) override;
    Result<std::optional<rpc::TxView>, rpc::Error> transaction(const Hash256& hash) override;
    Result<std::optional<rpc::ReceiptView>, rpc::Error> receipt(const Hash256& hash) override;
    Result<U256, rpc::Error> balance(const Address& a, const rpc::BlockRef& at) override;
    Result<uint64_t, rpc::Error> nonce(const Address& a, const rpc::BlockRef& at) override;
    Result<Bytes, rpc::Error> code(const Address& a, const rpc::BlockRef& at) override;
    Result<U256, rpc::Error> storage(const Address& a, const U256& key,
                                     const rpc::BlockRef& at) override;
    Result<rpc::CallResult, rpc::Error> call(const rpc::CallRequest& req,
                                             const rpc::BlockRef& at) override;
    Result<uint64_t, rpc::Error> estimate_gas(const rpc::CallRequest& req,
                                              const rpc::BlockRef& at) override;
    Result<Hash256, rpc::Error> send_raw_transaction(BytesView raw) override;
    Result<std::vector<rpc::LogView>, rpc::Error> logs(const rpc::LogQuery& q) override;
    Result<rpc::ProofView, rpc::Error> proof(const Address& a, std::span<const U256> keys,
                                             const rpc::BlockRef& at) override;
    U256 gas_price() const override;
    U256 max_priority_fee() const override;
    U256 next_base_fee() const override;
    rpc::Json node_status() const override;
    rpc::Json consensus_status() const override;
    rpc::Json peers() const override;
    Result<std::optional<rpc::CertificateView>, rpc::Error> certificate(
        const rpc::BlockRef& ref) override;
    void subscribe_blocks(BlockCallback f) override;

    // What the node's consensus driver and network provide, called from RPC threads (so they
    // must be thread-safe). Each may be set (or replaced) at any time. Until set:
    // consensus_status() is {"role": "validator" | "observer", "height": head + 1, ...},
    // peers() is [], peer_count() is 0.
    void set_consensus_status(std::function<rpc::Json()> f);
    void set_peers(std::function<rpc::Json()> f);
    void set_peer_count(std::function<uint64_t()> f);

private:
    struct Resolved {
        protocol::BlockHeader header;
        Hash256 hash;
    };
    // The block a tag or number or hash names; nullopt if there is none.
    Result<std::optional<Resolved>, rpc::Error> resolve(const rpc::BlockRef& ref) const;
    // The same, with "header not found" (geth's text) when absent.
    Result<Resolved, rpc::Error> resolve_existing(const rpc::BlockRef& ref) const;
    Result<std::optional<state::StoredAccount>, rpc::Error> account_at(const Address& a,
                                                                       const Resolved& at) const;
    Result<execution::CallMessage, rpc::Error> message(const rpc::CallRequest& req,
                                                       const Resolved& at) const;
    // Receipt i of `block` (hash `hash`) as the RPC shows it; all of a block's receipts.
    static rpc::ReceiptView receipt_view(const protocol::Block& block, const Hash256& hash,
                                         const ledger::ReceiptRecord& rec, const Hash256& tx_hash,
                                         uint32_t i);
    static std::vector<rpc::ReceiptView> receipt_views(
        const protocol::Block& block, const Hash256& hash,
        const std::vector<ledger::ReceiptRecord>& recs, const std::vector<Hash256>& tx_hashes);
    // Transaction i of a committed block, with its location, sender and price.
    static rpc::TxView tx_view(const ExecutedBlock& b, uint32_t i);

    // A block of the recent-blocks cache (nullopt if it is not among them).
    std::shared_ptr<const ExecutedBlock> recent(const Hash256& hash) const;

    Chain& chain_;
    Address validator_;
    RpcLimits limits_;

    // The last kRecentBlocks committed blocks as the chain committed them (transactions, their
    // hashes, receipts), newest first: clients following the head (receipts of the block just
    // committed, eth_getTransactionReceipt polling) are answered without reading and decoding
    // the block from storage. Fed by an on_commit listener.
    static constexpr size_t kRecentBlocks = 8;
    mutable std::mutex recent_mu_;
    std::deque<std::shared_ptr<const ExecutedBlock>> recent_;

    mutable std::mutex hooks_mu_;  // guards the three providers below (copied out to call)
    std::function<rpc::Json()> consensus_status_;
    std::function<rpc::Json()> peers_;
    std::function<uint64_t()> peer_count_;
};

}  // namespace xl::node
