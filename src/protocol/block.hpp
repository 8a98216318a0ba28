// SPDX-License-Identifier: Apache-2.0
// Xinlian protocol: block header and block (DESIGN.md §3, docs/spec/ledger.md). The header is
// one RLP list in the field order below; its hash is the suite hash of that encoding. A block
// is RLP([header, [tx, ...]]) with each transaction as Ethereum puts it in a block body: a
// legacy transaction as its RLP list, a typed one as an RLP string holding its envelope.
// Decoding is strict (decode(x).encode() == x) and bounded by the limits below.
// The transactions and receipts roots need the trie, which protocol may not use (DESIGN.md
// §10): ledger::transactions_root / ledger::receipts_root compute them.
// Plain value types; thread-safe for concurrent reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "protocol/limits.hpp"
#include "protocol/receipt.hpp"
#include "protocol/transaction.hpp"

namespace xl::protocol {

// Limits (STYLE.md 8).
// Header extra data, as Ethereum's MaximumExtraDataSize.
inline constexpr size_t kMaxExtraDataSize = 32;
// An encoded header is about 590 bytes at most (fixed-size fields plus 32 bytes of extra
// data); anything longer is not a header.
inline constexpr size_t kMaxHeaderSize = 1024;
// Transactions in one block: a 1e9-gas block holds at most 47619 of 21000 gas.
inline constexpr size_t kMaxBlockTransactions = size_t{1} << 16;
// Encoded block.
inline constexpr size_t kMaxBlockSize = size_t{32} << 20;
static_assert(kMaxTxSize + kMaxHeaderSize < kMaxBlockSize, "a block must hold any transaction");
static_assert(kMaxExtraDataSize + 600 < kMaxHeaderSize);

struct BlockHeader {
    Hash256 parent_hash;
    uint64_t number = 0;
    uint64_t timestamp = 0;  // seconds since the Unix epoch (ethers expects seconds)
    Address proposer;
    Hash256 state_root;         // after this block
    Hash256 transactions_root;  // ordered trie of the envelopes (ledger::transactions_root)
    Hash256 receipts_root;      // ordered trie of Receipt::encode() (ledger::receipts_root)
    Bloom logs_bloom{};
    uint64_t gas_limit = 0;
    uint64_t gas_used = 0;
    U256 base_fee;
    Hash256 validator_set_hash;     // ledger::validator_set_hash of the set that signs it
    Hash256 prev_certificate_hash;  // of the previous block's commit certificate; zero until
                                    // consensus stores certificates
    Bytes extra_data;               // at most kMaxExtraDataSize bytes

    // RLP([parentHash, number, timestamp, proposer, stateRoot, transactionsRoot, receiptsRoot,
    //      logsBloom, gasLimit, gasUsed, baseFee, validatorSetHash, prevCertificateHash,
    //      extraData]).
    Bytes encode() const;
    // suite.hash(encode()).
    Hash256 hash(const crypto::CryptoSuite& suite) const;
    // Strict; at most kMaxHeaderSize bytes and nothing after the list.
    static Result<BlockHeader, BlockError> decode(BytesView in, BlockDiagnostic* diag = nullptr);

    friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

struct Block {
    BlockHeader header;
    std::vector<Transaction> transactions;

    // RLP([header, [tx, ...]]).
    Bytes encode() const;
    // Strict; at most kMaxBlockSize bytes and kMaxBlockTransactions transactions, each decoded
    // by decode_transaction. With a suite, a transaction type the suite does not sign is
    // kTypeNotSupported (type_allowed). Signatures are not checked here.
    static Result<Block, BlockError> decode(BytesView in,
                                            const crypto::CryptoSuite* suite = nullptr,
                                            BlockDiagnostic* diag = nullptr);

    friend bool operator==(const Block&, const Block&) = default;
};

// The body alone, as the ledger stores it: RLP([tx, ...]) with the same per-transaction form
// as in Block::encode.
Bytes encode_transactions(const std::vector<Transaction>& txs);
Result<std::vector<Transaction>, BlockError> decode_transactions(
    BytesView in, const crypto::CryptoSuite* suite = nullptr, BlockDiagnostic* diag = nullptr);

}  // namespace xl::protocol
