// SPDX-License-Identifier: Apache-2.0
// Xinlian ledger: the block, receipt and index store and the chain head (DESIGN.md §5, §10).
// Blocks are appended by commit(), one atomic synced write batch per block that also carries
// the block's state changes, so a process killed at any instant restarts at the last committed
// block with its state. Keys and values are in docs/spec/ledger.md.
//
// Thread-safety: a Ledger is safe for concurrent use by many readers (RPC threads) and one
// committer; commits are serialised internally. Everything above the head is invisible: a
// reader sees a block being committed either not at all or completely (the head moves only
// after the batch is durable).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "ledger/genesis.hpp"
#include "protocol/block.hpp"
#include "protocol/consensus.hpp"
#include "protocol/receipt.hpp"
#include "protocol/transaction.hpp"
#include "storage/kv.hpp"

namespace xl::ledger {

// Version of the on-disk layout (docs/spec/ledger.md), stored in kMeta. 2: commit
// certificates ('c' keys); a version-1 database holds blocks without them, which a BFT node
// could not serve to peers that sync, so it is refused rather than half-read. 3: a block's
// receipts in one value, without their blooms (recomputed from the logs when read).
inline constexpr uint32_t kSchemaVersion = 3;
// eth_getLogs: largest block range one logs() call scans.
inline constexpr uint64_t kMaxLogBlockRange = 100'000;
static_assert(protocol::kMaxBlockSize <= storage::kMaxValueBytes, "a body fits one value");
static_assert(protocol::kMaxReceiptSize + 256 <= storage::kMaxValueBytes,
              "a receipt record fits one value");

struct LedgerError {
    enum class Code {
        kStorage,        // the Kv failed (I/O error); may succeed later
        kCorrupt,        // stored data missing or damaged: stop the node (STYLE.md 6)
        kWrongGenesis,   // the database belongs to another chain
        kBadGenesis,     // the genesis itself cannot be built (state root failed)
        kInvalidBlock,   // commit: wrong parent or number, roots or receipts not matching
        kInvalidFilter,  // logs: from > to, range over kMaxLogBlockRange, > 4 topic positions
        kTooManyLogs,    // logs: more than max_logs results
    };
    Code code;
    std::string message;  // complete sentence-fragment for logs and RPC, e.g. "database belongs
                          // to another chain: genesis 0x… != 0x…"
};
std::string_view to_string(LedgerError::Code c) noexcept;

struct TxLocation {
    uint64_t block_number = 0;
    Hash256 block_hash;
    uint32_t index = 0;
    friend bool operator==(const TxLocation&, const TxLocation&) = default;
};

// What eth_getTransactionReceipt needs beyond the consensus receipt.
struct ReceiptRecord {
    protocol::Receipt receipt;
    uint64_t gas_used = 0;  // of this transaction alone
    Address from;
    std::optional<Address> contract_address;  // for a contract creation
    U256 effective_gas_price;
    uint32_t first_log_index = 0;  // index in the block of this receipt's first log
    friend bool operator==(const ReceiptRecord&, const ReceiptRecord&) = default;
};

// Roots for headers: trie::ordered_trie_root over the suite hash of the envelopes
// (Transaction::encode) and of Receipt::encode (Yellow Paper eq. 33-35, EIP-2718).
Hash256 transactions_root(const crypto::CryptoSuite& suite,
                          std::span<const protocol::Transaction> txs);
// The same, encoding each transaction once for the root and its hash (suite hash of the
// envelope), which go to hashes (resized to txs.size()).
Hash256 transactions_root(const crypto::CryptoSuite& suite,
                          std::span<const protocol::Transaction> txs,
                          std::vector<Hash256>& hashes);
// A receipt's encoding can outgrow the trie's value limit (protocol::kMaxReceiptSize) only
// through a huge block gas limit; that receipt is kInvalidBlock. Transactions come decoded
// (at most protocol::kMaxTxSize bytes each), so their root cannot fail.
Result<Hash256, LedgerError> receipts_root(const crypto::CryptoSuite& suite,
                                           std::span<const protocol::Receipt> rs);
Result<Hash256, LedgerError> receipts_root(const crypto::CryptoSuite& suite,
                                           std::span<const ReceiptRecord> rs);

class Ledger {
public:
    // Empty database: writes the genesis (block 0, its state, meta: genesis hash, schema
    // version, head) in ONE synced write. Otherwise checks the stored genesis hash equals this
    // genesis's (kWrongGenesis: "database belongs to another chain: genesis 0x… != 0x…"), the
    // schema version, and that the head block is complete (header, body, receipts, index),
    // and loads the head; kCorrupt if anything is missing or does not decode.
    // kv must outlive the ledger.
    static Result<std::unique_ptr<Ledger>, LedgerError> open(storage::Kv& kv,
                                                             const crypto::CryptoSuite& suite,
                                                             const Genesis& genesis);

    const crypto::CryptoSuite& suite() const noexcept { return *suite_; }
    const Hash256& genesis_hash() const noexcept { return genesis_hash_; }

    protocol::BlockHeader head() const;
    Hash256 head_hash() const;
    uint64_t head_number() const noexcept { return head_number_.load(std::memory_order_acquire); }

    // Reads: nullopt if absent (or above the head); kStorage / kCorrupt otherwise.
    Result<std::optional<protocol::BlockHeader>, LedgerError> header(uint64_t number) const;
    Result<std::optional<protocol::BlockHeader>, LedgerError> header(const Hash256& hash) const;
    Result<std::optional<protocol::Block>, LedgerError> block(uint64_t number) const;
    Result<std::optional<protocol::Block>, LedgerError> block(const Hash256& hash) const;
    Result<std::optional<Hash256>, LedgerError> block_hash(uint64_t number) const;
    Result<std::optional<TxLocation>, LedgerError> tx_location(const Hash256& tx_hash) const;
    // All receipts of a block, in transaction order.
    Result<std::optional<std::vector<ReceiptRecord>>, LedgerError> receipts(
        const Hash256& block_hash) const;
    // One receipt: the index-th transaction's of the block.
    Result<std::optional<ReceiptRecord>, LedgerError> receipt(const Hash256& block_hash,
                                                              uint32_t index) const;

    // One atomic, synced write: header, body, receipts, tx index, number->hash, head pointer,
    // plus everything already in state_batch (the state's flat copy, code, trie nodes).
    // Requires block.header.parent_hash == head_hash() and number == head_number() + 1, one
    // receipt per transaction, and the header's transactions root, receipts root, gas used
    // and bloom to match the block and receipts (kInvalidBlock; nothing is written). A failed
    // write (kStorage) leaves the head unchanged.
    //
    // With certificates (consensus): the same write also stores `certificate` (which must be
    // for this block: its height and hash) as the certificate of this height, and, if given,
    // `prev_certificate` as the certificate of the previous height, replacing the one stored
    // when that block committed. The header's prev_certificate_hash must be the hash of the
    // previous height's certificate as it will be stored: prev_certificate's if given, else
    // the stored one's; zero at height 1 (the genesis has none). Which signatures a
    // certificate needs is consensus's business (consensus::verify_certificate), not the
    // ledger's: it checks only that the certificates belong where they are stored.
    // state_batch is consumed only once the checks pass: a refused commit (kInvalidBlock)
    // leaves it as it was.
    //
    // `known` (optional) is what the committer already computed from this block, so that the
    // commit does not hash it all again: the transactions' hashes (block order; their count
    // must be the transactions'), and whether the header's transactions root, receipts root,
    // bloom and gas used are already known to be those of the block and receipts (Chain built
    // the header from them, or compared them after executing). The ledger then skips those
    // checks: they are the caller's responsibility.
    struct Known {
        std::span<const Hash256> tx_hashes;
        bool header_checked = false;
    };
    Result<void, LedgerError> commit(
        const protocol::Block& block, const std::vector<ReceiptRecord>& receipts,
        storage::WriteBatch&& state_batch, const protocol::CommitCertificate& certificate,
        const std::optional<protocol::CommitCertificate>& prev_certificate,
        const Known* known = nullptr);

    // The stored certificate of a committed height: nullopt for 0 or above the head; kCorrupt
    // if it is missing, does not decode or is not of that height.
    Result<std::optional<protocol::CommitCertificate>, LedgerError> certificate(
        uint64_t height) const;

    // eth_getLogs: logs of blocks [from, to] (to is clamped to the head) matching addresses
    // (any of; empty = all) and topics (position i: any of topics[i]; an empty set is a
    // wildcard; at most 4 positions), skipping blocks by header bloom; at most max_logs
    // results (more: kTooManyLogs), in block / transaction / log order.
    struct LogFilter {
        uint64_t from = 0;
        uint64_t to = 0;
        std::vector<Address> addresses;
        std::vector<std::vector<Hash256>> topics;
    };
    struct LogEntry {
        protocol::Log log;
        uint64_t block_number = 0;
        Hash256 block_hash;
        Hash256 tx_hash;
        uint32_t tx_index = 0;
        uint32_t log_index = 0;  // in the block
        friend bool operator==(const LogEntry&, const LogEntry&) = default;
    };
    Result<std::vector<LogEntry>, LedgerError> logs(const LogFilter& filter, size_t max_logs) const;

    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

private:
    Ledger(storage::Kv& kv, const crypto::CryptoSuite& suite, const Hash256& genesis_hash);

    Result<void, LedgerError> load_head();
    // Header by hash without the head-visibility check.
    Result<std::optional<protocol::BlockHeader>, LedgerError> load_header(const Hash256& h) const;
    Result<std::optional<std::vector<protocol::Transaction>>, LedgerError> load_body(
        const Hash256& h) const;
    Result<std::optional<protocol::CommitCertificate>, LedgerError> load_certificate(
        uint64_t height) const;
    storage::Kv* kv_;
    const crypto::CryptoSuite* suite_;
    Hash256 genesis_hash_;

    std::mutex commit_mu_;               // one committer at a time
    mutable std::shared_mutex head_mu_;  // guards head_ and head_hash_
    protocol::BlockHeader head_;
    Hash256 head_hash_;
    std::atomic<uint64_t> head_number_{0};
};

}  // namespace xl::ledger
