// SPDX-License-Identifier: Apache-2.0
// Transaction envelopes: strict decoding, canonical encoding, signing and sender recovery.
// Formats: EIP-2718 (typed envelope), EIP-155 (legacy replay protection), EIP-2930, EIP-1559,
// and Xinlian's sm type 0x53 (docs/spec/transactions.md).
#include "protocol/transaction.hpp"

#include <utility>

#include "codec/rlp.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/sm2.hpp"
#include "protocol/limits.hpp"

namespace xl::protocol {

std::string_view to_string(TxType t) noexcept {
    switch (t) {
        case TxType::kLegacy:
            return "legacy";
        case TxType::kAccessList:
            return "2930";
        case TxType::kDynamicFee:
            return "1559";
        case TxType::kSm:
            return "sm";
    }
    return "unknown";
}

std::string_view to_string(TxError e) noexcept {
    // go-ethereum's texts where it has one (core/types, core/error.go, rlp/decode.go).
    switch (e) {
        case TxError::kEmpty:
            return "typed transaction too short";
        case TxError::kOversized:
            return "oversized data";
        case TxError::kTypeNotSupported:
            return "transaction type not supported";
        case TxError::kRlpTruncated:
            return "rlp: value size exceeds available input length";
        case TxError::kRlpTrailingBytes:
            return "rlp: input contains more than one value";
        case TxError::kRlpNonCanonicalSize:
            return "rlp: non-canonical size information";
        case TxError::kRlpNonCanonicalInt:
            return "rlp: non-canonical integer format";
        case TxError::kRlpExpectedString:
            return "rlp: expected input string or byte";
        case TxError::kRlpExpectedList:
            return "rlp: expected input list";
        case TxError::kRlpTooFewElements:
            return "rlp: too few elements";
        case TxError::kRlpTooManyElements:
            return "rlp: input list has too many elements";
        case TxError::kRlpUint64Overflow:
            return "rlp: input string too long for uint64";
        case TxError::kRlpUint256Overflow:
            return "rlp: integer exceeds 256 bits";
        case TxError::kRlpWrongLength:
            return "rlp: input string has the wrong size";
        case TxError::kInvalidChainId:
            return "invalid chain id for signer";
        case TxError::kInvalidSignature:
            return "invalid transaction v, r, s values";
        case TxError::kInvalidSender:
            return "invalid sender";
        case TxError::kInvalidSecretKey:
            return "invalid secret key";
        case TxError::kSigningFailed:
            return "signing failed";
        case TxError::kNonceMax:
            return "nonce has max value";
        case TxError::kTipAboveFeeCap:
            return "max priority fee per gas higher than max fee per gas";
        case TxError::kFeeProductOverflow:
            return "gas limit * fee cap exceeds 256 bits";
        case TxError::kMaxInitCodeSize:
            return "max initcode size exceeded";
        case TxError::kIntrinsicGas:
            return "intrinsic gas too low";
    }
    return "unknown transaction error";
}

namespace {

// Curve orders as integers: secp256k1 (SEC 2 §2.4.1) and sm2p256v1 (GB/T 32918.5).
const U256& secp256k1_n() noexcept {
    static const U256 n = U256::from_hash(crypto::secp256k1::kOrder);
    return n;
}
const U256& secp256k1_half_n() noexcept {
    static const U256 h = U256::from_hash(crypto::secp256k1::kHalfOrder);
    return h;
}
const U256& sm2_n() noexcept {
    static const U256 n = U256::from_hash(crypto::sm2p256v1().n);
    return n;
}

// r, s in [1, n-1] for both curves; for secp256k1 also s <= n/2 (EIP-2), so that a signature
// has exactly one encoding and the transaction hash cannot be changed by a third party.
bool signature_values_valid(TxType type, const U256& r, const U256& s) noexcept {
    if (r.is_zero() || s.is_zero()) return false;
    if (type == TxType::kSm) return r < sm2_n() && s < sm2_n();
    return r < secp256k1_n() && s <= secp256k1_half_n();
}

bool is_known_type(uint8_t b) noexcept {
    return b == static_cast<uint8_t>(TxType::kAccessList) ||
           b == static_cast<uint8_t>(TxType::kDynamicFee) || b == static_cast<uint8_t>(TxType::kSm);
}

TxError from_rlp(rlp::DecodeError e, bool wide) noexcept {
    switch (e) {
        case rlp::DecodeError::kTruncated:
            return TxError::kRlpTruncated;
        case rlp::DecodeError::kTrailingBytes:
            return TxError::kRlpTrailingBytes;
        case rlp::DecodeError::kNonCanonicalSize:
        case rlp::DecodeError::kSingleByteAsString:
            return TxError::kRlpNonCanonicalSize;
        case rlp::DecodeError::kLeadingZeros:
            return TxError::kRlpNonCanonicalInt;
        case rlp::DecodeError::kOverflow:
            return wide ? TxError::kRlpUint256Overflow : TxError::kRlpUint64Overflow;
        case rlp::DecodeError::kExpectedString:
            return TxError::kRlpExpectedString;
        case rlp::DecodeError::kExpectedList:
            return TxError::kRlpExpectedList;
        case rlp::DecodeError::kWrongLength:
            return TxError::kRlpWrongLength;
        case rlp::DecodeError::kTooDeep:
            return TxError::kRlpExpectedString;
    }
    return TxError::kRlpExpectedString;
}

// Reads the fields of one RLP list in order, naming each in the diagnostic, so that every
// failure says which field it was (too few elements, wrong kind, non-canonical, overflow).
class FieldReader {
public:
    FieldReader() = default;
    FieldReader(rlp::Reader r, DecodeDiagnostic* diag) noexcept : r_(r), diag_(diag) {}

    Result<uint64_t, TxError> u64(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(TxError::kRlpTooFewElements);
        auto v = r_.read_u64();
        if (!v) return unexpected(from_rlp(v.error(), false));
        return *v;
    }
    Result<U256, TxError> u256(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(TxError::kRlpTooFewElements);
        auto v = r_.read_u256();
        if (!v) return unexpected(from_rlp(v.error(), true));
        return *v;
    }
    Result<BytesView, TxError> bytes(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(TxError::kRlpTooFewElements);
        auto v = r_.read_string();
        if (!v) return unexpected(from_rlp(v.error(), false));
        return *v;
    }
    template <size_t N>
    Result<FixedBytes<N>, TxError> fixed(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(TxError::kRlpTooFewElements);
        auto v = r_.read_fixed<N>();
        if (!v) return unexpected(from_rlp(v.error(), false));
        return *v;
    }
    // The `to` field: empty for a contract creation, else exactly 20 bytes.
    Result<std::optional<Address>, TxError> to(std::string_view field) noexcept {
        auto b = bytes(field);
        if (!b) return unexpected(b.error());
        if (b->empty()) return std::optional<Address>{};
        Address a;
        if (!Address::from_view(*b, a)) return unexpected(TxError::kRlpWrongLength);
        return std::optional<Address>{a};
    }
    Result<FieldReader, TxError> list(std::string_view field) noexcept {
        if (!begin(field)) return unexpected(TxError::kRlpTooFewElements);
        auto l = r_.read_list();
        if (!l) return unexpected(from_rlp(l.error(), false));
        return FieldReader(*l, diag_);
    }
    bool empty() const noexcept { return r_.empty(); }
    Result<void, TxError> finish(std::string_view field) noexcept {
        if (diag_) diag_->field = field;
        if (!r_.empty()) return unexpected(TxError::kRlpTooManyElements);
        return {};
    }

private:
    bool begin(std::string_view field) noexcept {
        if (diag_) diag_->field = field;
        return !r_.empty();
    }

    rlp::Reader r_;
    DecodeDiagnostic* diag_ = nullptr;
};

#define XL_TX_ASSIGN(lhs, expr)                             \
    do {                                                    \
        auto xl_tx_r_ = (expr);                             \
        if (!xl_tx_r_) return unexpected(xl_tx_r_.error()); \
        lhs = std::move(*xl_tx_r_);                         \
    } while (0)

// EIP-2930: [[address, [storageKey, ...]], ...].
Result<AccessList, TxError> read_access_list(FieldReader& fields) {
    FieldReader list;
    XL_TX_ASSIGN(list, fields.list("accessList"));
    AccessList out;
    while (!list.empty()) {
        FieldReader entry_fields;
        XL_TX_ASSIGN(entry_fields, list.list("accessList entry"));
        AccessListEntry entry;
        XL_TX_ASSIGN(entry.address, entry_fields.fixed<20>("accessList address"));
        FieldReader keys;
        XL_TX_ASSIGN(keys, entry_fields.list("accessList storageKeys"));
        while (!keys.empty()) {
            Hash256 key;
            XL_TX_ASSIGN(key, keys.fixed<32>("accessList storageKey"));
            entry.storage_keys.push_back(key);
        }
        XL_TRY_VOID(entry_fields.finish("accessList entry"));
        out.push_back(std::move(entry));
    }
    return out;
}

// The fields after the type-specific fee fields, common to every type: gasLimit (typed; the
// legacy order differs), to, value, data.
Result<void, TxError> read_to_value_data(FieldReader& f, Transaction& tx) {
    XL_TX_ASSIGN(tx.to, f.to("to"));
    XL_TX_ASSIGN(tx.value, f.u256("value"));
    BytesView data;
    XL_TX_ASSIGN(data, f.bytes("data"));
    tx.data.assign(data.begin(), data.end());
    return {};
}

// Legacy: [nonce, gasPrice, gasLimit, to, value, data, v, r, s]. v is 27/28 (no chain id) or
// chainId * 2 + 35/36 (EIP-155); anything else names no chain and no recovery id.
Result<Transaction, TxError> decode_legacy(BytesView in, DecodeDiagnostic* diag) {
    if (diag) diag->field = "envelope";
    auto list = rlp::open_list(in);
    if (!list) return unexpected(from_rlp(list.error(), false));
    FieldReader f(*list, diag);
    Transaction tx;
    tx.type = TxType::kLegacy;
    XL_TX_ASSIGN(tx.nonce, f.u64("nonce"));
    XL_TX_ASSIGN(tx.gas_price, f.u256("gasPrice"));
    XL_TX_ASSIGN(tx.gas_limit, f.u64("gasLimit"));
    XL_TRY_VOID(read_to_value_data(f, tx));
    U256 v{0};
    XL_TX_ASSIGN(v, f.u256("v"));
    XL_TX_ASSIGN(tx.r, f.u256("r"));
    XL_TX_ASSIGN(tx.s, f.u256("s"));
    XL_TRY_VOID(f.finish("envelope"));

    // As geth: v 0 or 1 is a recovery id without the 27 offset of an unprotected signature
    // (an invalid signature); 2..26 and 29..34 name no chain (an invalid chain id).
    if (diag) diag->field = "v";
    if (v == U256(27) || v == U256(28)) {
        tx.y_parity = static_cast<uint8_t>(v.low64() - 27);
    } else if (v >= U256(35)) {
        const U256 t = v - U256(35);
        tx.chain_id = t >> 1;
        tx.y_parity = static_cast<uint8_t>(t.low64() & 1);
    } else if (v < U256(2)) {
        return unexpected(TxError::kInvalidSignature);
    } else {
        return unexpected(TxError::kInvalidChainId);
    }
    return tx;
}

// Typed: type || RLP([chainId, nonce, <fees>, gasLimit, to, value, data, accessList, <sig>]).
Result<Transaction, TxError> decode_typed(TxType type, BytesView payload, DecodeDiagnostic* diag) {
    if (diag) diag->field = "envelope";
    auto list = rlp::open_list(payload);
    if (!list) return unexpected(from_rlp(list.error(), false));
    FieldReader f(*list, diag);
    Transaction tx;
    tx.type = type;
    U256 chain_id{0};
    XL_TX_ASSIGN(chain_id, f.u256("chainId"));
    tx.chain_id = chain_id;
    XL_TX_ASSIGN(tx.nonce, f.u64("nonce"));
    if (type == TxType::kAccessList) {
        XL_TX_ASSIGN(tx.gas_price, f.u256("gasPrice"));
    } else {
        XL_TX_ASSIGN(tx.max_priority_fee, f.u256("maxPriorityFeePerGas"));
        XL_TX_ASSIGN(tx.max_fee, f.u256("maxFeePerGas"));
    }
    XL_TX_ASSIGN(tx.gas_limit, f.u64("gasLimit"));
    XL_TRY_VOID(read_to_value_data(f, tx));
    XL_TX_ASSIGN(tx.access_list, read_access_list(f));
    if (type == TxType::kSm) {
        XL_TX_ASSIGN(tx.sm_public_key, f.fixed<64>("publicKey"));
    } else {
        uint64_t y_parity = 0;
        XL_TX_ASSIGN(y_parity, f.u64("yParity"));
        // EIP-2930/1559: the signature y parity is 0 or 1, nothing else.
        if (y_parity > 1) return unexpected(TxError::kInvalidSignature);
        tx.y_parity = static_cast<uint8_t>(y_parity);
    }
    XL_TX_ASSIGN(tx.r, f.u256("r"));
    XL_TX_ASSIGN(tx.s, f.u256("s"));
    XL_TRY_VOID(f.finish("envelope"));
    return tx;
}

void put_to(rlp::ListBuilder& b, const std::optional<Address>& to) {
    if (to) {
        b.add_string(to->view());
    } else {
        b.add_string(BytesView{});
    }
}

void put_access_list(rlp::ListBuilder& b, const AccessList& access_list) {
    rlp::ListBuilder list;
    for (const auto& entry : access_list) {
        rlp::ListBuilder keys;
        for (const auto& key : entry.storage_keys)
            keys.add_string(key.view());
        rlp::ListBuilder e;
        e.add_string(entry.address.view()).add_list(keys);
        list.add_list(e);
    }
    b.add_list(list);
}

// The fields every signature covers, in wire order, without the signature itself.
rlp::ListBuilder unsigned_fields(const Transaction& tx) {
    rlp::ListBuilder b;
    if (tx.type != TxType::kLegacy) b.add_uint(tx.chain_id.value_or(U256(0)));
    b.add_uint(tx.nonce);
    if (tx.type == TxType::kLegacy || tx.type == TxType::kAccessList) {
        b.add_uint(tx.gas_price);
    } else {
        b.add_uint(tx.max_priority_fee).add_uint(tx.max_fee);
    }
    b.add_uint(tx.gas_limit);
    put_to(b, tx.to);
    b.add_uint(tx.value).add_string(tx.data);
    if (tx.type != TxType::kLegacy) put_access_list(b, tx.access_list);
    if (tx.type == TxType::kSm) b.add_string(tx.sm_public_key.view());
    return b;
}

Bytes with_type_byte(TxType type, const rlp::ListBuilder& b) {
    Bytes out;
    out.reserve(1 + b.payload().size() + 9);
    out.push_back(static_cast<uint8_t>(type));
    const Bytes list = b.finish();
    out.insert(out.end(), list.begin(), list.end());
    return out;
}

TxError from_crypto(crypto::CryptoError e) noexcept {
    return e == crypto::CryptoError::kInvalidSecretKey ? TxError::kInvalidSecretKey
                                                       : TxError::kSigningFailed;
}

}  // namespace

bool type_allowed(TxType type, const crypto::CryptoSuite& suite) noexcept {
    if (suite.id() == crypto::SuiteId::kSm) return type == TxType::kSm;
    return type == TxType::kLegacy || type == TxType::kAccessList || type == TxType::kDynamicFee;
}

const U256& Transaction::fee_cap() const noexcept {
    return (type == TxType::kLegacy || type == TxType::kAccessList) ? gas_price : max_fee;
}

const U256& Transaction::tip_cap() const noexcept {
    return (type == TxType::kLegacy || type == TxType::kAccessList) ? gas_price : max_priority_fee;
}

Bytes Transaction::encode() const {
    rlp::ListBuilder b = unsigned_fields(*this);
    if (type == TxType::kLegacy) {
        // EIP-155: v = chainId * 2 + 35 + yParity; without a chain id, v = 27 + yParity.
        const U256 v = chain_id ? (*chain_id << 1) + U256(35 + uint64_t{y_parity})
                                : U256(27 + uint64_t{y_parity});
        b.add_uint(v).add_uint(r).add_uint(s);
        return b.finish();
    }
    if (type != TxType::kSm) b.add_uint(uint64_t{y_parity});
    b.add_uint(r).add_uint(s);
    return with_type_byte(type, b);
}

Bytes Transaction::signing_message() const {
    rlp::ListBuilder b = unsigned_fields(*this);
    if (type != TxType::kLegacy) return with_type_byte(type, b);
    // EIP-155: a replay-protected legacy transaction signs [.., chainId, 0, 0].
    if (chain_id) b.add_uint(*chain_id).add_uint(uint64_t{0}).add_uint(uint64_t{0});
    return b.finish();
}

Hash256 Transaction::signing_hash(const crypto::CryptoSuite& suite) const {
    return suite.hash(signing_message());
}

Hash256 Transaction::hash(const crypto::CryptoSuite& suite) const {
    return suite.hash(encode());
}

Result<void, TxError> Transaction::sign(const crypto::CryptoSuite& suite,
                                        const crypto::SecretKey& sk) {
    if (!type_allowed(type, suite)) return unexpected(TxError::kTypeNotSupported);
    if (type == TxType::kSm) {
        // The key is a signed field (so the message alone names the sender): set it first.
        auto pk = suite.public_key(sk);
        if (!pk) return unexpected(from_crypto(pk.error()));
        sm_public_key = *pk;
    }
    auto sig = suite.sign(sk, signing_message());
    if (!sig) return unexpected(from_crypto(sig.error()));
    r = U256::from_be_bytes(sig->r.view());
    s = U256::from_be_bytes(sig->s.view());
    y_parity = type == TxType::kSm ? 0 : sig->v;
    // The suite promises low-s, in-range signatures; anything else would not decode again.
    XL_ASSERT(signature_values_valid(type, r, s) && y_parity <= 1);
    return {};
}

Result<Address, TxError> Transaction::recover_sender(const crypto::CryptoSuite& suite) const {
    if (!type_allowed(type, suite)) return unexpected(TxError::kTypeNotSupported);
    // r and s are checked here, not when decoding, as geth does: a transaction for another
    // chain is reported as such (validate_transaction) even if its signature is also bad.
    if (!signature_values_valid(type, r, s) || y_parity > 1) {
        return unexpected(TxError::kInvalidSignature);
    }
    const crypto::Signature sig{r.to_hash(), s.to_hash(), y_parity};
    const Bytes message = signing_message();
    if (type == TxType::kSm) {
        // SM2 has no cheap key recovery: the transaction carries the key and we verify.
        if (!suite.verify(sm_public_key, message, sig)) return unexpected(TxError::kInvalidSender);
        return suite.address(sm_public_key);
    }
    auto pk = suite.recover(message, sig);
    if (!pk) return unexpected(TxError::kInvalidSender);
    return suite.address(*pk);
}

Result<Transaction, TxError> decode_transaction(BytesView in, DecodeDiagnostic* diag) {
    if (diag) diag->field = "envelope";
    if (in.size() > kMaxTxSize) return unexpected(TxError::kOversized);
    if (in.empty()) return unexpected(TxError::kEmpty);
    // EIP-2718: a first byte >= 0xc0 is an RLP list, i.e. a legacy transaction; 0x00..0x7f is
    // a type byte, of which we know 0x01, 0x02 and 0x53 (type 3, blobs, is not supported).
    // 0x80..0xbf (an RLP string) is neither a type byte nor a legacy list.
    if (in[0] >= 0xc0) return decode_legacy(in, diag);
    if (!is_known_type(in[0])) return unexpected(TxError::kTypeNotSupported);
    if (in.size() == 1) return unexpected(TxError::kEmpty);
    return decode_typed(static_cast<TxType>(in[0]), in.subspan(1), diag);
}

}  // namespace xl::protocol
