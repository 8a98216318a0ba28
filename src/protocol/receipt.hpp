// SPDX-License-Identifier: Apache-2.0
// Xinlian protocol: logs, the 2048-bit logs bloom and the consensus receipt (DESIGN.md §3,
// docs/spec/ledger.md). The receipt is Ethereum's post-Byzantium receipt with EIP-2718 typing:
// type byte (absent for legacy) || RLP([status, cumulativeGasUsed, logsBloom, logs]), so the
// receipts root of a block of ecdsa transactions is Ethereum's. Decoding is strict (the one
// canonical encoding or an error; decode(x).encode() == x). Also the error type shared by the
// header, block and receipt decoders.
// Plain value types and pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/transaction.hpp"

namespace xl::protocol {

// An EVM log (LOG0..LOG4): at most kMaxLogTopics topics.
struct Log {
    Address address;
    std::vector<Hash256> topics;
    Bytes data;
    friend bool operator==(const Log&, const Log&) = default;
};

// 2048-bit logs bloom (Yellow Paper eq. 26-30).
using Bloom = std::array<uint8_t, 256>;

// LOG4 is the widest log instruction.
inline constexpr size_t kMaxLogTopics = 4;
// Largest encoded receipt we decode, and the largest value the receipts trie takes
// (trie::kMaxValueBytes; the ledger checks the two agree). Gas bounds a receipt's logs (8 gas
// per data byte plus quadratic memory cost): 16 MiB of log data costs over 5e8 gas.
inline constexpr size_t kMaxReceiptSize = size_t{16} << 20;

// Sets the 3 bits of one item (an address or a topic): Yellow Paper eq. 30, bits from the first
// three byte pairs of keccak256(item), mod 2048. keccak in both suites: the bloom is part of
// the EVM-facing log format, as KECCAK256 is (DESIGN.md §2).
void bloom_add(Bloom& bloom, BytesView item) noexcept;
// True if every bit bloom_add(item) would set is set: the item may be among the logs
// (false positives possible, false negatives not).
bool bloom_may_contain(const Bloom& bloom, BytesView item) noexcept;
// The bloom of a list of logs (the address and every topic of each).
Bloom bloom_of(const std::vector<Log>& logs) noexcept;
// The union of two blooms (a block's bloom is the union of its receipts').
void bloom_or(Bloom& into, const Bloom& other) noexcept;
// The logs as a receipt encodes them: RLP([[address, [topic, ...], data], ...]).
Bytes encode_logs(const std::vector<Log>& logs);

// Errors of decoding headers, blocks and receipts. The rlp texts are go-ethereum's
// (rlp/decode.go), as for transactions (STYLE.md 5).
enum class BlockError {
    kEmpty,                 // no bytes at all
    kOversized,             // over kMaxHeaderSize, kMaxBlockSize or kMaxReceiptSize
    kRlpTruncated,          // an item runs past the end of its input or list
    kRlpTrailingBytes,      // bytes after the encoding
    kRlpNonCanonicalSize,   // non-minimal length prefix, or a single byte < 0x80 as a string
    kRlpNonCanonicalInt,    // an integer with leading zero bytes
    kRlpExpectedString,     // a list where a string belongs
    kRlpExpectedList,       // a string where a list belongs
    kRlpTooFewElements,     // the list ends before the last field
    kRlpTooManyElements,    // the list has items after the last field
    kRlpUint64Overflow,     // a number, timestamp or gas of more than 64 bits
    kRlpUint256Overflow,    // base fee of more than 256 bits
    kRlpWrongLength,        // a hash, address or bloom of the wrong length
    kExtraDataTooLong,      // header extra data over kMaxExtraDataSize bytes
    kTooManyTransactions,   // more than kMaxBlockTransactions
    kInvalidTransaction,    // a transaction of the body does not decode (see diagnostic)
    kTypeNotSupported,      // a transaction or receipt type unknown or not of the suite
    kInvalidReceiptStatus,  // status other than 0 (failure) or 1 (success)
    kTooManyTopics,         // a log with more than kMaxLogTopics topics
};
std::string_view to_string(BlockError e) noexcept;

// Where decoding stopped: the field ("header", "receipt status", "transactions", ...), and
// for a transaction of a block body its index and the transaction decoder's error.
struct BlockDiagnostic {
    std::string_view field;  // a static string
    size_t tx_index = 0;
    TxError tx_error = TxError::kEmpty;  // meaningful only for kInvalidTransaction
};

// The consensus part of a receipt (what the receipts root commits to). The transaction's own
// gas, sender, contract address and price are the ledger's (ledger::ReceiptRecord).
struct Receipt {
    TxType type = TxType::kDynamicFee;  // the transaction's type
    bool success = false;               // EIP-658 status
    uint64_t cumulative_gas_used = 0;   // in the block up to and including this transaction
    Bloom bloom{};                      // of this receipt's logs
    std::vector<Log> logs;

    // type byte (not for legacy) || RLP([status, cumulativeGasUsed, logsBloom, logs]) with
    // status 0x80 (0) or 0x01 (1) and each log RLP([address, [topics..], data]) (EIP-2718).
    Bytes encode() const;
    // Strict: at most kMaxReceiptSize bytes, a type byte of the known transaction types (or
    // none), status 0/1, 256-byte bloom, logs of at most kMaxLogTopics topics. The bloom is
    // taken as it is (not recomputed from the logs). `diag` names the failing field.
    static Result<Receipt, BlockError> decode(BytesView in, BlockDiagnostic* diag = nullptr);

    friend bool operator==(const Receipt&, const Receipt&) = default;
};

}  // namespace xl::protocol
