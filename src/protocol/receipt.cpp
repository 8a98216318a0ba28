// SPDX-License-Identifier: Apache-2.0
// Receipts (EIP-658 status, EIP-2718 typing), logs and the logs bloom (Yellow Paper eq. 26-30).
#include "protocol/receipt.hpp"

#include <utility>

#include "codec/rlp.hpp"
#include "crypto/hash.hpp"

namespace xl::protocol {

std::string_view to_string(BlockError e) noexcept {
    switch (e) {
        case BlockError::kEmpty:
            return "empty input";
        case BlockError::kOversized:
            return "oversized data";
        case BlockError::kRlpTruncated:
            return "rlp: value size exceeds available input length";
        case BlockError::kRlpTrailingBytes:
            return "rlp: input contains more than one value";
        case BlockError::kRlpNonCanonicalSize:
            return "rlp: non-canonical size information";
        case BlockError::kRlpNonCanonicalInt:
            return "rlp: non-canonical integer format";
        case BlockError::kRlpExpectedString:
            return "rlp: expected input string or byte";
        case BlockError::kRlpExpectedList:
            return "rlp: expected input list";
        case BlockError::kRlpTooFewElements:
            return "rlp: too few elements";
        case BlockError::kRlpTooManyElements:
            return "rlp: input list has too many elements";
        case BlockError::kRlpUint64Overflow:
            return "rlp: input string too long for uint64";
        case BlockError::kRlpUint256Overflow:
            return "rlp: integer exceeds 256 bits";
        case BlockError::kRlpWrongLength:
            return "rlp: input string has the wrong size";
        case BlockError::kExtraDataTooLong:
            return "invalid extradata length";
        case BlockError::kTooManyTransactions:
            return "too many transactions in block";
        case BlockError::kInvalidTransaction:
            return "invalid transaction in block";
        case BlockError::kTypeNotSupported:
            return "transaction type not supported";
        case BlockError::kInvalidReceiptStatus:
            return "invalid receipt status";
        case BlockError::kTooManyTopics:
            return "log has more than 4 topics";
    }
    return "unknown block error";
}

// ---- bloom ----

namespace {

// The three (byte index, mask) pairs of an item: Yellow Paper eq. 30, M3:2048.
struct BloomBits {
    size_t index[3];
    uint8_t mask[3];
};

BloomBits bloom_bits(BytesView item) noexcept {
    const Hash256 h = crypto::keccak256(item);
    BloomBits b{};
    for (size_t i = 0; i < 3; ++i) {
        const unsigned bit = ((unsigned(h[2 * i]) << 8) | h[2 * i + 1]) & 2047u;
        b.index[i] = 255 - bit / 8;
        b.mask[i] = static_cast<uint8_t>(1u << (bit % 8));
    }
    return b;
}

}  // namespace

void bloom_add(Bloom& bloom, BytesView item) noexcept {
    const BloomBits b = bloom_bits(item);
    for (size_t i = 0; i < 3; ++i)
        bloom[b.index[i]] |= b.mask[i];
}

bool bloom_may_contain(const Bloom& bloom, BytesView item) noexcept {
    const BloomBits b = bloom_bits(item);
    for (size_t i = 0; i < 3; ++i)
        if ((bloom[b.index[i]] & b.mask[i]) == 0) return false;
    return true;
}

Bloom bloom_of(const std::vector<Log>& logs) noexcept {
    Bloom bloom{};
    for (const Log& l : logs) {
        bloom_add(bloom, l.address);
        for (const Hash256& t : l.topics)
            bloom_add(bloom, t);
    }
    return bloom;
}

void bloom_or(Bloom& into, const Bloom& other) noexcept {
    for (size_t i = 0; i < into.size(); ++i)
        into[i] |= other[i];
}

// ---- receipt ----

namespace {

BlockError from_rlp(rlp::DecodeError e) noexcept {
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
            return BlockError::kRlpUint64Overflow;
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

    bool empty() const noexcept { return r_.empty(); }
    Result<uint64_t, BlockError> u64(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_u64();
        if (!v) return unexpected(from_rlp(v.error()));
        return *v;
    }
    Result<BytesView, BlockError> bytes(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_string();
        if (!v) return unexpected(from_rlp(v.error()));
        return *v;
    }
    template <size_t N>
    Result<FixedBytes<N>, BlockError> fixed(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto v = r_.read_fixed<N>();
        if (!v) return unexpected(from_rlp(v.error()));
        return *v;
    }
    Result<Fields, BlockError> list(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(BlockError::kRlpTooFewElements);
        auto l = r_.read_list();
        if (!l) return unexpected(from_rlp(l.error()));
        return Fields(*l, diag_);
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

#define XL_RC_ASSIGN(lhs, expr)                             \
    do {                                                    \
        auto xl_rc_r_ = (expr);                             \
        if (!xl_rc_r_) return unexpected(xl_rc_r_.error()); \
        lhs = std::move(*xl_rc_r_);                         \
    } while (0)

Result<Log, BlockError> read_log(Fields& logs) {
    Fields f = Fields(rlp::Reader{}, nullptr);
    XL_RC_ASSIGN(f, logs.list("log"));
    Log log;
    XL_RC_ASSIGN(log.address, f.fixed<20>("log address"));
    Fields topics = Fields(rlp::Reader{}, nullptr);
    XL_RC_ASSIGN(topics, f.list("log topics"));
    while (!topics.empty()) {
        if (log.topics.size() == kMaxLogTopics) return unexpected(BlockError::kTooManyTopics);
        Hash256 t;
        XL_RC_ASSIGN(t, topics.fixed<32>("log topic"));
        log.topics.push_back(t);
    }
    BytesView data;
    XL_RC_ASSIGN(data, f.bytes("log data"));
    log.data.assign(data.begin(), data.end());
    XL_TRY_VOID(f.finish("log"));
    return log;
}

bool is_receipt_type(uint8_t b) noexcept {
    return b == static_cast<uint8_t>(TxType::kAccessList) ||
           b == static_cast<uint8_t>(TxType::kDynamicFee) || b == static_cast<uint8_t>(TxType::kSm);
}

}  // namespace

Bytes encode_logs(const std::vector<Log>& logs) {
    rlp::ListBuilder all;
    for (const Log& l : logs) {
        rlp::ListBuilder topics;
        for (const Hash256& t : l.topics)
            topics.add_string(t);
        rlp::ListBuilder entry;
        entry.add_string(l.address).add_list(topics).add_string(l.data);
        all.add_list(entry);
    }
    return all.finish();
}

Bytes Receipt::encode() const {
    rlp::ListBuilder b;
    b.add_uint(uint64_t{success ? 1u : 0u})
        .add_uint(cumulative_gas_used)
        .add_string(BytesView(bloom.data(), bloom.size()))
        .add_raw(encode_logs(logs));
    if (type == TxType::kLegacy) return b.finish();
    Bytes out;
    out.reserve(1 + b.payload().size() + 9);
    out.push_back(static_cast<uint8_t>(type));
    const Bytes list = b.finish();
    out.insert(out.end(), list.begin(), list.end());
    return out;
}

Result<Receipt, BlockError> Receipt::decode(BytesView in, BlockDiagnostic* diag) {
    if (diag) diag->field = "receipt";
    if (in.empty()) return unexpected(BlockError::kEmpty);
    if (in.size() > kMaxReceiptSize) return unexpected(BlockError::kOversized);
    Receipt r;
    r.type = TxType::kLegacy;
    // EIP-2718: a first byte >= 0xc0 is a legacy receipt (an RLP list); below 0x80 a type.
    if (in[0] < 0x80) {
        if (diag) diag->field = "receipt type";
        if (!is_receipt_type(in[0])) return unexpected(BlockError::kTypeNotSupported);
        r.type = static_cast<TxType>(in[0]);
        in = in.subspan(1);
    } else if (in[0] < 0xc0) {
        return unexpected(BlockError::kRlpExpectedList);
    }
    auto list = rlp::open_list(in);
    if (!list) return unexpected(from_rlp(list.error()));
    Fields f(*list, diag);
    uint64_t status = 0;
    XL_RC_ASSIGN(status, f.u64("receipt status"));
    // EIP-658: 1 success, 0 failure; a 32-byte pre-Byzantium state root is not accepted.
    if (status > 1) return unexpected(BlockError::kInvalidReceiptStatus);
    r.success = status == 1;
    XL_RC_ASSIGN(r.cumulative_gas_used, f.u64("receipt cumulativeGasUsed"));
    FixedBytes<256> bloom;
    XL_RC_ASSIGN(bloom, f.fixed<256>("receipt logsBloom"));
    r.bloom = bloom.bytes;
    Fields logs = Fields(rlp::Reader{}, nullptr);
    XL_RC_ASSIGN(logs, f.list("receipt logs"));
    while (!logs.empty()) {
        Log log;
        XL_RC_ASSIGN(log, read_log(logs));
        r.logs.push_back(std::move(log));
    }
    XL_TRY_VOID(f.finish("receipt"));
    return r;
}

}  // namespace xl::protocol
