// SPDX-License-Identifier: Apache-2.0
// Block headers and blocks: canonical encoding and strict decoding (docs/spec/ledger.md).
#include "protocol/block.hpp"

#include <utility>

#include "codec/rlp.hpp"

namespace xl::protocol {

namespace {

BlockError from_rlp(rlp::DecodeError e, bool wide) noexcept {
    switch (e) {
        case rlp::DecodeError::kTruncated:
            return BlockError::kRlpTruncated;
        case rlp::DecodeError::kTrailingBytes:
            return BlockError::kRlpTrailingBytes;
        case rlp::DecodeError::kNonCanonicalSize:
        case rlp::DecodeError::kSingleByteAsString:
            return BlockError::kRlpNonCanonicalSize;
        case rlp::DecodeError::kLeadingZeros:
            return BlockError::kRlpNonCanonicalInt;
        case rlp::DecodeError::kOverflow:
            return wide ? BlockError::kRlpUint256Overflow : BlockError::kRlpUint64Overflow;
        case rlp::DecodeError::kExpectedString:
        case rlp::DecodeError::kTooDeep:
            return BlockError::kRlpExpectedString;
        case rlp::DecodeError::kExpectedList:
            return BlockError::kRlpExpectedList;
        case rlp::DecodeError::kWrongLength:
            return BlockError::kRlpWrongLength;
    }
    return BlockError::kRlpExpectedString;
}

// One list's fields in order, naming each in the diagnostic (as transaction.cpp does).
class Fields {
public:
    Fields(rlp::Reader r, BlockDiagnostic* diag) noexcept : r_(r), diag_(diag) {}

    Result<uint64_t, BlockError> u64(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_u64();
        if (!v) return unexpected(from_rlp(v.error(), false));
        return *v;
    }
    Result<U256, BlockError> u256(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_u256();
        if (!v) return unexpected(from_rlp(v.error(), true));
        return *v;
    }
    Result<BytesView, BlockError> bytes(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_string();
        if (!v) return unexpected(from_rlp(v.error(), false));
        return *v;
    }
    template <size_t N>
    Result<FixedBytes<N>, BlockError> fixed(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_fixed<N>();
        if (!v) return unexpected(from_rlp(v.error(), false));
        return *v;
    }
    Result<BytesView, BlockError> raw(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_raw();
        if (!v) return unexpected(from_rlp(v.error(), false));
        return *v;
    }
    Result<void, BlockError> finish(std::string_view field) noexcept {
        if (diag_) diag_->field = field;
        if (!r_.empty()) return unexpected(BlockError::kRlpTooManyElements);
        return {};
    }

private:
    bool begin(std::string_view field) noexcept {
        if (diag_) diag_->field = field;
        return !r_.empty();
    }
    rlp::Reader r_;
    BlockDiagnostic* diag_;
};

#define XL_BLK_ASSIGN(lhs, expr)                              \
    do {                                                      \
        auto xl_blk_r_ = (expr);                              \
        if (!xl_blk_r_) return unexpected(xl_blk_r_.error()); \
        lhs = std::move(*xl_blk_r_);                          \
    } while (0)

// A transaction as a block body holds it: legacy as its RLP list, typed as an RLP string of
// the envelope (EIP-2718, as Ethereum's block bodies).
void put_transaction(rlp::ListBuilder& b, const Transaction& tx) {
    const Bytes env = tx.encode();
    if (tx.type == TxType::kLegacy) {
        b.add_raw(env);
    } else {
        b.add_string(env);
    }
}

// The payload of the transactions list: one item per transaction.
Result<std::vector<Transaction>, BlockError> read_transactions(rlp::Reader items,
                                                               const crypto::CryptoSuite* suite,
                                                               BlockDiagnostic* diag) {
    std::vector<Transaction> txs;
    size_t index = 0;
    while (!items.empty()) {
        if (diag) {
            diag->field = "transactions";
            diag->tx_index = index;
        }
        if (index == kMaxBlockTransactions) return unexpected(BlockError::kTooManyTransactions);
        auto item = items.read_raw();
        if (!item) return unexpected(from_rlp(item.error(), false));
        BytesView envelope = *item;
        auto header = rlp::decode_header(envelope);
        if (!header) return unexpected(from_rlp(header.error(), false));
        if (!header->list) {
            // A typed envelope inside a string: its first byte must be a type byte (< 0x80),
            // or a legacy list would have two encodings in a body.
            envelope = envelope.subspan(header->header_len, header->payload_len);
            if (envelope.empty() || envelope[0] >= 0x80) {
                if (diag) diag->tx_error = TxError::kTypeNotSupported;
                return unexpected(BlockError::kInvalidTransaction);
            }
        }
        auto tx = decode_transaction(envelope);
        if (!tx) {
            if (diag) diag->tx_error = tx.error();
            return unexpected(BlockError::kInvalidTransaction);
        }
        if (suite && !type_allowed(tx->type, *suite)) {
            return unexpected(BlockError::kTypeNotSupported);
        }
        txs.push_back(std::move(*tx));
        ++index;
    }
    return txs;
}

void put_transactions(rlp::ListBuilder& b, const std::vector<Transaction>& txs) {
    for (const Transaction& tx : txs)
        put_transaction(b, tx);
}

}  // namespace

Bytes BlockHeader::encode() const {
    rlp::ListBuilder b;
    b.add_string(parent_hash)
        .add_uint(number)
        .add_uint(timestamp)
        .add_string(proposer)
        .add_string(state_root)
        .add_string(transactions_root)
        .add_string(receipts_root)
        .add_string(BytesView(logs_bloom.data(), logs_bloom.size()))
        .add_uint(gas_limit)
        .add_uint(gas_used)
        .add_uint(base_fee)
        .add_string(validator_set_hash)
        .add_string(prev_certificate_hash)
        .add_string(extra_data);
    return b.finish();
}

Hash256 BlockHeader::hash(const crypto::CryptoSuite& suite) const {
    return suite.hash(encode());
}

Result<BlockHeader, BlockError> BlockHeader::decode(BytesView in, BlockDiagnostic* diag) {
    if (diag) diag->field = "header";
    if (in.empty()) return unexpected(BlockError::kEmpty);
    if (in.size() > kMaxHeaderSize) return unexpected(BlockError::kOversized);
    auto list = rlp::open_list(in);
    if (!list) return unexpected(from_rlp(list.error(), false));
    Fields f(*list, diag);
    BlockHeader h;
    XL_BLK_ASSIGN(h.parent_hash, f.fixed<32>("parentHash"));
    XL_BLK_ASSIGN(h.number, f.u64("number"));
    XL_BLK_ASSIGN(h.timestamp, f.u64("timestamp"));
    XL_BLK_ASSIGN(h.proposer, f.fixed<20>("proposer"));
    XL_BLK_ASSIGN(h.state_root, f.fixed<32>("stateRoot"));
    XL_BLK_ASSIGN(h.transactions_root, f.fixed<32>("transactionsRoot"));
    XL_BLK_ASSIGN(h.receipts_root, f.fixed<32>("receiptsRoot"));
    FixedBytes<256> bloom;
    XL_BLK_ASSIGN(bloom, f.fixed<256>("logsBloom"));
    h.logs_bloom = bloom.bytes;
    XL_BLK_ASSIGN(h.gas_limit, f.u64("gasLimit"));
    XL_BLK_ASSIGN(h.gas_used, f.u64("gasUsed"));
    XL_BLK_ASSIGN(h.base_fee, f.u256("baseFee"));
    XL_BLK_ASSIGN(h.validator_set_hash, f.fixed<32>("validatorSetHash"));
    XL_BLK_ASSIGN(h.prev_certificate_hash, f.fixed<32>("prevCertificateHash"));
    BytesView extra;
    XL_BLK_ASSIGN(extra, f.bytes("extraData"));
    if (extra.size() > kMaxExtraDataSize) return unexpected(BlockError::kExtraDataTooLong);
    h.extra_data.assign(extra.begin(), extra.end());
    XL_TRY_VOID(f.finish("header"));
    return h;
}

Bytes encode_transactions(const std::vector<Transaction>& txs) {
    rlp::ListBuilder b;
    put_transactions(b, txs);
    return b.finish();
}

Result<std::vector<Transaction>, BlockError> decode_transactions(BytesView in,
                                                                 const crypto::CryptoSuite* suite,
                                                                 BlockDiagnostic* diag) {
    if (diag) diag->field = "transactions";
    if (in.empty()) return unexpected(BlockError::kEmpty);
    if (in.size() > kMaxBlockSize) return unexpected(BlockError::kOversized);
    auto list = rlp::open_list(in);
    if (!list) return unexpected(from_rlp(list.error(), false));
    return read_transactions(*list, suite, diag);
}

Bytes Block::encode() const {
    rlp::ListBuilder txs;
    put_transactions(txs, transactions);
    rlp::ListBuilder b;
    b.add_raw(header.encode()).add_list(txs);
    return b.finish();
}

Result<Block, BlockError> Block::decode(BytesView in, const crypto::CryptoSuite* suite,
                                        BlockDiagnostic* diag) {
    if (diag) diag->field = "block";
    if (in.empty()) return unexpected(BlockError::kEmpty);
    if (in.size() > kMaxBlockSize) return unexpected(BlockError::kOversized);
    auto list = rlp::open_list(in);
    if (!list) return unexpected(from_rlp(list.error(), false));
    Fields f(*list, diag);
    BytesView header_raw;
    XL_BLK_ASSIGN(header_raw, f.raw("header"));
    Block block;
    XL_BLK_ASSIGN(block.header, BlockHeader::decode(header_raw, diag));
    BytesView txs_raw;
    XL_BLK_ASSIGN(txs_raw, f.raw("transactions"));
    XL_BLK_ASSIGN(block.transactions, decode_transactions(txs_raw, suite, diag));
    XL_TRY_VOID(f.finish("block"));
    return block;
}

}  // namespace xl::protocol
