// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: Backend, what the eth_/net_/web3_/xl_ methods (eth_api.hpp) need from the node,
// in plain structs so that rpc stays below node (DESIGN.md §10). The node implements it over
// its ledger, state, txpool and execution; tests implement it with a fake.
//
// Conventions every implementation follows:
// - An unknown block in a query that needs one (balance, nonce, code, storage, call, estimate,
//   proof) is Error{kServerError, "header not found"} (geth's text; for a hash: "header for
//   hash not found"). block() answers nullopt instead: eth_getBlockBy* then prints null.
// - Storage failures are Error{kServerError, <what failed>}; they never abort the process.
// - BlockRef::Kind::kPending is served as kLatest except by nonce(), where it means "the
//   pool's next nonce for this sender" (ethers asks for the pending count before signing).
//
// Thread-safety: every method is called concurrently from the RPC server's threads and must be
// thread-safe. subscribe_blocks is called once, before serving.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "protocol/block.hpp"
#include "protocol/consensus.hpp"
#include "protocol/receipt.hpp"
#include "protocol/transaction.hpp"
#include "rpc/jsonrpc.hpp"

namespace xl::rpc {

// A block named by a request: a tag, a number, or a hash (EIP-1898). "safe" and "finalized"
// parse as kLatest: BFT commit is final, there is no later finality.
struct BlockRef {
    enum class Kind { kNumber, kLatest, kEarliest, kPending, kHash } kind = Kind::kLatest;
    uint64_t number = 0;  // kNumber
    Hash256 hash;         // kHash
    // EIP-1898 requireCanonical: meaningless on a chain without forks, kept for completeness.
    bool require_canonical = false;

    static BlockRef latest() noexcept { return {}; }
    static BlockRef at(uint64_t n) noexcept { return {Kind::kNumber, n, {}, false}; }
    static BlockRef by_hash(const Hash256& h) noexcept { return {Kind::kHash, 0, h, false}; }
};

// A transaction as eth_getTransactionBy* prints it.
struct TxView {
    protocol::Transaction tx;
    Hash256 hash;
    Address from;
    // Set when the transaction is in a block; all nullopt while it is in the pool.
    std::optional<Hash256> block_hash;
    std::optional<uint64_t> block_number;
    std::optional<uint32_t> index;
    // Set when mined: base fee + min(tip cap, fee cap - base fee) (EIP-1559); geth prints it as
    // gasPrice of a mined dynamic-fee transaction.
    std::optional<U256> effective_gas_price;
};

// A log with its position in the chain.
struct LogView {
    protocol::Log log;
    uint64_t block_number = 0;
    Hash256 block_hash;
    Hash256 tx_hash;
    uint32_t tx_index = 0;
    uint32_t log_index = 0;  // in the block, not in the transaction
};

struct ReceiptView {
    Hash256 tx_hash;
    uint32_t tx_index = 0;
    Hash256 block_hash;
    uint64_t block_number = 0;
    Address from;
    std::optional<Address> to;
    std::optional<Address> contract_address;  // a successful creation's new contract
    uint64_t cumulative_gas_used = 0;
    uint64_t gas_used = 0;
    U256 effective_gas_price;
    bool success = false;
    protocol::TxType type = protocol::TxType::kDynamicFee;
    protocol::Bloom bloom{};
    std::vector<LogView> logs;
};

struct BlockView {
    protocol::BlockHeader header;
    Hash256 hash;
    uint64_t size_bytes = 0;  // of the encoded block (geth's "size")
    // Full objects (with from, block hash/number/index and effective gas price set) when the
    // block() call asked for full; otherwise they may be left with only `hash` set: the
    // handlers print hashes then.
    std::vector<TxView> transactions;
};

// eth_call / eth_estimateGas arguments (geth's TransactionArgs). Absent fields are nullopt;
// the node applies geth's defaults (gas: the block gas limit or the RPC gas cap; from: zero).
struct CallRequest {
    std::optional<Address> from;
    std::optional<Address> to;  // nullopt: contract creation with data as init code
    std::optional<uint64_t> gas;
    std::optional<U256> gas_price;
    std::optional<U256> max_fee_per_gas;
    std::optional<U256> max_priority_fee_per_gas;
    std::optional<U256> value;
    Bytes data;  // "input" or "data"
    std::optional<protocol::AccessList> access_list;
    std::optional<uint64_t> nonce;
};

struct CallResult {
    bool success = false;
    Bytes output;  // return data, or the revert data when the call reverted
    uint64_t gas_used = 0;
    // Why it failed, with geth's text: "execution reverted" (then output holds the revert
    // data), "out of gas", "invalid opcode: 0xfe", "stack underflow", ... Empty on success.
    std::string error;
};

// eth_getLogs over a resolved block range: addresses OR-ed (empty = any); topics[i] the set
// allowed at position i (empty = any), positions AND-ed; a log with fewer topics than
// topics.size() (counting a trailing wildcard) does not match, as in geth.
struct LogQuery {
    uint64_t from = 0;
    uint64_t to = 0;
    std::vector<Address> addresses;
    std::vector<std::vector<Hash256>> topics;
};

// EIP-1186 eth_getProof.
struct StorageProofView {
    U256 key;
    U256 value;
    std::vector<Bytes> proof;  // trie nodes from the storage root to the slot
};
struct ProofView {
    Address address;
    U256 balance;
    uint64_t nonce = 0;
    Hash256 code_hash;
    Hash256 storage_hash;                   // the account's storage root
    std::vector<Bytes> account_proof;       // trie nodes from the state root to the account
    std::vector<StorageProofView> storage;  // one per requested key, in request order
};

// xl_getCertificate: the stored commit certificate of a committed block (the one the next
// block's header names in prevCertificateHash once that block is committed).
struct CertificateView {
    protocol::CommitCertificate certificate;
    Hash256 hash;  // suite hash of certificate.encode()
    // signers[i]: the address of certificate.signatures[i]'s validator (genesis order).
    std::vector<Address> signers;
};

class Backend {
public:
    using BlockCallback = std::function<void(const BlockView&, const std::vector<LogView>&)>;

    virtual ~Backend() = default;

    virtual uint64_t chain_id() const = 0;
    virtual const crypto::CryptoSuite& suite() const = 0;
    virtual std::string client_version() const = 0;  // "xinlian/v0.1.0/linux-amd64/g++12"
    virtual uint64_t head_number() const = 0;
    virtual uint64_t peer_count() const = 0;  // net_peerCount

    // nullopt: no such block. With full=false the transactions may carry only their hash.
    virtual Result<std::optional<BlockView>, Error> block(const BlockRef& ref, bool full) = 0;
    // The receipts of one block in transaction order (eth_getBlockReceipts, eth_feeHistory's
    // rewards); nullopt: no such block.
    virtual Result<std::optional<std::vector<ReceiptView>>, Error> block_receipts(
        const BlockRef& ref) = 0;
    // In the pool or in the chain; nullopt: unknown.
    virtual Result<std::optional<TxView>, Error> transaction(const Hash256& hash) = 0;
    // Mined transactions only; nullopt: unknown or still pending.
    virtual Result<std::optional<ReceiptView>, Error> receipt(const Hash256& hash) = 0;

    virtual Result<U256, Error> balance(const Address& a, const BlockRef& at) = 0;
    // kPending: the pool's next nonce for a (its highest pending nonce + 1, else the state's).
    virtual Result<uint64_t, Error> nonce(const Address& a, const BlockRef& at) = 0;
    virtual Result<Bytes, Error> code(const Address& a, const BlockRef& at) = 0;
    virtual Result<U256, Error> storage(const Address& a, const U256& key, const BlockRef& at) = 0;

    // A failed execution is a CallResult with success=false, not an Error; Error is for calls
    // that cannot start ("insufficient funds for gas * price + value", "intrinsic gas too
    // low", unknown block).
    virtual Result<CallResult, Error> call(const CallRequest& req, const BlockRef& at) = 0;
    // The smallest sufficient gas limit. If the call fails even with the cap: a revert is
    // revert_error(output) (convert.hpp: code 3, message and data as geth), any other failure
    // Error{kServerError, "gas required exceeds allowance (N)"} or the failure's text.
    virtual Result<uint64_t, Error> estimate_gas(const CallRequest& req, const BlockRef& at) = 0;

    // Decodes, validates and admits one envelope to the pool; the transaction hash. Rejections
    // are Error{kServerError, <geth's text>}: "nonce too low", "already known",
    // "insufficient funds for gas * price + value", "transaction underpriced", "txpool is
    // full", "invalid sender", "rlp: ...".
    virtual Result<Hash256, Error> send_raw_transaction(BytesView raw) = 0;

    // Logs of blocks [q.from, q.to] (the caller has resolved tags and checked q.from <= q.to
    // and the range limit) matching q, in block, transaction, log order. The node bounds the
    // count: over its limit, Error{kLimitExceeded, "query returned more than N results"}.
    virtual Result<std::vector<LogView>, Error> logs(const LogQuery& q) = 0;

    virtual Result<ProofView, Error> proof(const Address& a, std::span<const U256> keys,
                                           const BlockRef& at) = 0;

    virtual U256 gas_price() const = 0;         // eth_gasPrice: next base fee + suggested tip
    virtual U256 max_priority_fee() const = 0;  // eth_maxPriorityFeePerGas: the suggested tip
    // The base fee of the block after the head (eth_feeHistory's last baseFeePerGas entry).
    virtual U256 next_base_fee() const = 0;

    virtual Json node_status() const = 0;  // xl_nodeStatus: consensus height/round, peers, ...
    // xl_consensusStatus: the consensus engine's height, round, step, lock and votes (the node
    // builds the object; rpc passes it through).
    virtual Json consensus_status() const = 0;
    // xl_peers: a JSON array, one object per connected peer (the node builds them).
    virtual Json peers() const = 0;
    // xl_getCertificate: the certificate of the block ref names; nullopt for an unknown block
    // and for the genesis (which has none).
    virtual Result<std::optional<CertificateView>, Error> certificate(const BlockRef& ref) = 0;

    // Calls f after every committed block, in block order, from one thread, with the block
    // (full transactions) and all its logs. Filters and eth_subscribe hang off it. f must not
    // call back into subscribe_blocks.
    virtual void subscribe_blocks(BlockCallback f) = 0;
};

}  // namespace xl::rpc
