// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: JSON conversions (convert.hpp). Texts of parse errors are go-ethereum's
// common/hexutil ones; JSON field names and presence per type are internal/ethapi's.
#include "rpc/convert.hpp"

#include <cstdio>
#include <string_view>

#include "codec/abi.hpp"

namespace xl::rpc {

namespace {

using protocol::TxType;

// hexutil's errors (common/hexutil/hexutil.go).
constexpr std::string_view kErrEmptyString = "empty hex string";
constexpr std::string_view kErrSyntax = "invalid hex string";
constexpr std::string_view kErrMissingPrefix = "hex string without 0x prefix";
constexpr std::string_view kErrOddLength = "hex string of odd length";
constexpr std::string_view kErrEmptyNumber = "hex string \"0x\"";
constexpr std::string_view kErrLeadingZero = "hex number with leading zero digits";
constexpr std::string_view kErrUint64Range = "hex number > 64 bits";
constexpr std::string_view kErrBig256Range = "hex number > 256 bits";

// The sha3Uncles of a block without uncles: the suite hash of RLP([]) (0xc0). Under ecdsa it
// is Ethereum's 0x1dcc4de8...
Hash256 empty_list_hash(const crypto::CryptoSuite& suite) {
    static constexpr uint8_t kEmptyList[1] = {0xc0};
    return suite.hash(BytesView(kEmptyList, 1));
}

std::string type_name(const Json& j) {
    return std::string(j.type_name());
}

bool has_0x(std::string_view s) noexcept {
    return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::string_view, ParamError> json_string(const Json& j) {
    if (!j.is_string()) return unexpected("expected a hex string, got " + type_name(j));
    return std::string_view(j.get_ref<const std::string&>());
}

// The digits of a hex number: hexutil.checkNumber (strict: "0x", no leading zeros). When
// empty_is_zero (JSON unmarshalling, checkNumberText), "" is the number 0.
Result<std::string_view, ParamError> number_digits(std::string_view s, bool empty_is_zero) {
    if (s.empty()) {
        if (empty_is_zero) return std::string_view("0");
        return unexpected(std::string(kErrEmptyString));
    }
    if (!has_0x(s)) return unexpected(std::string(kErrMissingPrefix));
    s.remove_prefix(2);
    if (s.empty()) return unexpected(std::string(kErrEmptyNumber));
    if (s.size() > 1 && s[0] == '0') return unexpected(std::string(kErrLeadingZero));
    for (char c : s)
        if (hex_digit(c) < 0) return unexpected(std::string(kErrSyntax));
    return s;
}

Result<uint64_t, ParamError> digits_to_u64(std::string_view d) {
    if (d.size() > 16) return unexpected(std::string(kErrUint64Range));
    uint64_t v = 0;
    for (char c : d)
        v = (v << 4) | uint64_t(hex_digit(c));
    return v;
}

Result<U256, ParamError> digits_to_u256(std::string_view d) {
    if (d.size() > 64) return unexpected(std::string(kErrBig256Range));
    U256 v;
    for (char c : d)
        v = (v << 4) | U256(uint64_t(hex_digit(c)));
    return v;
}

// hexutil.Bytes text: optional... no: "0x" required, even length, hex digits. "" is empty.
Result<Bytes, ParamError> data_from_string(std::string_view s) {
    if (s.empty()) return Bytes{};
    if (!has_0x(s)) return unexpected(std::string(kErrMissingPrefix));
    s.remove_prefix(2);
    if (s.size() % 2 != 0) return unexpected(std::string(kErrOddLength));
    Bytes out(s.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return unexpected(std::string(kErrSyntax));
        out[i] = uint8_t(hi << 4 | lo);
    }
    return out;
}

template <size_t N>
Result<FixedBytes<N>, ParamError> fixed_from_json(const Json& j, std::string_view what) {
    auto s = json_string(j);
    if (!s) return unexpected(s.error());
    std::string_view digits = *s;
    // hexutil.UnmarshalFixedJSON: "" passes the prefix check and fails on its length.
    if (!digits.empty() && !has_0x(digits)) return unexpected(std::string(kErrMissingPrefix));
    if (!digits.empty()) digits.remove_prefix(2);
    if (digits.size() % 2 != 0) return unexpected(std::string(kErrOddLength));
    if (digits.size() != 2 * N) {
        return unexpected("hex string has length " + std::to_string(digits.size()) + ", want " +
                          std::to_string(2 * N) + " for " + std::string(what));
    }
    auto b = data_from_string(*s);
    if (!b) return unexpected(b.error());
    return FixedBytes<N>::from(*b);
}

// Prefixes a nested field's name to its error: "to: hex string without 0x prefix".
template <typename T>
Result<T, ParamError> in_field(std::string_view field, Result<T, ParamError> r) {
    if (r) return r;
    return unexpected(std::string(field) + ": " + r.error());
}

Json access_list_json(const protocol::AccessList& al) {
    Json arr = Json::array();
    for (const auto& e : al) {
        Json keys = Json::array();
        for (const auto& k : e.storage_keys)
            keys.push_back(data_hex(k));
        arr.push_back({{"address", data_hex(e.address)}, {"storageKeys", std::move(keys)}});
    }
    return arr;
}

Result<protocol::AccessList, ParamError> parse_access_list(const Json& j) {
    if (!j.is_array()) return unexpected("expected an array, got " + type_name(j));
    protocol::AccessList al;
    al.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
        const Json& e = j[i];
        // Appended, not "[" + to_string(i): g++ 12 -O3 warns on that operator+ (-Wrestrict, a
        // known false positive) depending on what else is inlined here.
        std::string where;
        where.reserve(24);
        where += '[';
        where += std::to_string(i);
        where += ']';
        if (!e.is_object()) return unexpected(where + ": expected an object, got " + type_name(e));
        protocol::AccessListEntry entry;
        auto a = e.find("address");
        if (a == e.end()) return unexpected(where + ": missing address");
        auto addr = parse_address(*a);
        if (!addr) return unexpected(where + ".address: " + addr.error());
        entry.address = *addr;
        if (auto k = e.find("storageKeys"); k != e.end() && !k->is_null()) {
            if (!k->is_array()) {
                return unexpected(where + ".storageKeys: expected an array, got " + type_name(*k));
            }
            for (const Json& key : *k) {
                auto h = parse_hash(key);
                if (!h) return unexpected(where + ".storageKeys: " + h.error());
                entry.storage_keys.push_back(*h);
            }
        }
        al.push_back(std::move(entry));
    }
    return al;
}

// geth's panicReasons (accounts/abi/abi.go), for the texts ethers users see.
std::string geth_panic_reason(const U256& code) {
    if (code.fits_u64()) {
        switch (code.low64()) {
            case 0x00:
                return "generic panic";
            case 0x01:
                return "assert(false)";
            case 0x11:
                return "arithmetic underflow or overflow";
            case 0x12:
                return "division or modulo by zero";
            case 0x21:
                return "enum overflow";
            case 0x22:
                return "invalid encoded storage byte array accessed";
            case 0x31:
                return "out-of-bounds array access; popping on an empty array";
            case 0x32:
                return "out-of-bounds access of an array or bytesN";
            case 0x41:
                return "out of memory";
            case 0x51:
                return "uninitialized function";
            default:
                break;
        }
    }
    return "unknown panic code: " + code.to_hex();
}

Result<std::vector<Hash256>, ParamError> parse_topic_position(const Json& j) {
    // null: any topic. A string: that topic. An array: any of them; a null inside makes the
    // whole position a wildcard (geth's FilterCriteria.UnmarshalJSON).
    if (j.is_null()) return std::vector<Hash256>{};
    if (j.is_string()) {
        auto h = parse_hash(j);
        if (!h) return unexpected(h.error());
        return std::vector<Hash256>{*h};
    }
    if (!j.is_array()) return unexpected("expected a topic, null or an array, got " + type_name(j));
    if (j.size() > kMaxFilterTopicsPerPosition) return unexpected(std::string("exceed max topics"));
    std::vector<Hash256> out;
    bool wildcard = false;
    for (const Json& t : j) {
        if (t.is_null()) {
            wildcard = true;
            continue;
        }
        auto h = parse_hash(t);
        if (!h) return unexpected(h.error());
        out.push_back(*h);
    }
    if (wildcard) out.clear();
    return out;
}

}  // namespace

// ---- output ----

std::string quantity(uint64_t v) {
    char buf[2 + 16 + 1];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string quantity(const U256& v) {
    return v.to_hex();
}

std::string data_hex(BytesView b) {
    return to_hex(b, true);
}

Json tx_to_json(const TxView& t) {
    const protocol::Transaction& tx = t.tx;
    Json j;
    j["blockHash"] = t.block_hash ? Json(data_hex(*t.block_hash)) : Json(nullptr);
    j["blockNumber"] = t.block_number ? Json(quantity(*t.block_number)) : Json(nullptr);
    j["transactionIndex"] = t.index ? Json(quantity(uint64_t{*t.index})) : Json(nullptr);
    j["hash"] = data_hex(t.hash);
    j["from"] = data_hex(t.from);
    j["to"] = tx.to ? Json(data_hex(*tx.to)) : Json(nullptr);
    j["nonce"] = quantity(tx.nonce);
    j["gas"] = quantity(tx.gas_limit);
    j["value"] = quantity(tx.value);
    j["input"] = data_hex(tx.data);
    j["type"] = quantity(uint64_t{static_cast<uint8_t>(tx.type)});
    j["r"] = quantity(tx.r);
    j["s"] = quantity(tx.s);
    switch (tx.type) {
        case TxType::kLegacy:
            j["gasPrice"] = quantity(tx.gas_price);
            if (tx.chain_id) {
                j["chainId"] = quantity(*tx.chain_id);
                // EIP-155: v = chainId * 2 + 35 + parity.
                j["v"] = quantity(*tx.chain_id * 2 + 35 + tx.y_parity);
            } else {
                j["v"] = quantity(uint64_t{27} + tx.y_parity);
            }
            return j;
        case TxType::kAccessList:
            j["gasPrice"] = quantity(tx.gas_price);
            break;
        case TxType::kDynamicFee:
        case TxType::kSm:
            j["maxFeePerGas"] = quantity(tx.max_fee);
            j["maxPriorityFeePerGas"] = quantity(tx.max_priority_fee);
            // geth: the effective price once mined, the fee cap while pending.
            j["gasPrice"] = quantity(t.block_hash && t.effective_gas_price ? *t.effective_gas_price
                                                                           : tx.max_fee);
            break;
    }
    j["chainId"] = quantity(tx.chain_id.value_or(U256{}));
    j["accessList"] = access_list_json(tx.access_list);
    j["v"] = quantity(uint64_t{tx.y_parity});
    j["yParity"] = quantity(uint64_t{tx.y_parity});
    if (tx.type == TxType::kSm) {
        j["publicKey"] = data_hex(tx.sm_public_key);
        uint8_t sig[64];
        tx.r.to_be_bytes(sig);
        tx.s.to_be_bytes(sig + 32);
        j["signature"] = data_hex(BytesView(sig, 64));
    }
    return j;
}

Json log_to_json(const LogView& l) {
    Json topics = Json::array();
    for (const auto& t : l.log.topics)
        topics.push_back(data_hex(t));
    return Json{{"address", data_hex(l.log.address)},
                {"topics", std::move(topics)},
                {"data", data_hex(l.log.data)},
                {"blockNumber", quantity(l.block_number)},
                {"blockHash", data_hex(l.block_hash)},
                {"transactionHash", data_hex(l.tx_hash)},
                {"transactionIndex", quantity(uint64_t{l.tx_index})},
                {"logIndex", quantity(uint64_t{l.log_index})},
                {"removed", false}};
}

Json receipt_to_json(const ReceiptView& r) {
    Json logs = Json::array();
    for (const auto& l : r.logs)
        logs.push_back(log_to_json(l));
    Json j;
    j["transactionHash"] = data_hex(r.tx_hash);
    j["transactionIndex"] = quantity(uint64_t{r.tx_index});
    j["blockHash"] = data_hex(r.block_hash);
    j["blockNumber"] = quantity(r.block_number);
    j["from"] = data_hex(r.from);
    j["to"] = r.to ? Json(data_hex(*r.to)) : Json(nullptr);
    j["contractAddress"] = r.contract_address ? Json(data_hex(*r.contract_address)) : Json(nullptr);
    j["cumulativeGasUsed"] = quantity(r.cumulative_gas_used);
    j["gasUsed"] = quantity(r.gas_used);
    j["effectiveGasPrice"] = quantity(r.effective_gas_price);
    j["status"] = quantity(uint64_t{r.success ? 1u : 0u});
    j["type"] = quantity(uint64_t{static_cast<uint8_t>(r.type)});
    j["logsBloom"] = data_hex(BytesView(r.bloom.data(), r.bloom.size()));
    j["logs"] = std::move(logs);
    return j;
}

namespace {

// "00".."ff": one table lookup per byte instead of two per digit.
struct HexPairs {
    char pairs[256][2];
    constexpr HexPairs() : pairs() {
        constexpr char kDigits[] = "0123456789abcdef";
        for (int i = 0; i < 256; ++i) {
            pairs[i][0] = kDigits[i >> 4];
            pairs[i][1] = kDigits[i & 15];
        }
    }
};
constexpr HexPairs kHex;

void append_hex_digits(std::string& out, BytesView b) {
    const size_t at = out.size();
    out.resize(at + 2 * b.size());
    char* p = out.data() + at;
    for (uint8_t byte : b) {
        p[0] = kHex.pairs[byte][0];
        p[1] = kHex.pairs[byte][1];
        p += 2;
    }
}

// "0x.." quoted, as quantity(v).
void append_quantity_json(std::string& out, uint64_t v) {
    char buf[1 + 2 + 16 + 1];
    char* end = buf + sizeof buf;
    char* p = end;
    *--p = '"';
    do {
        *--p = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0);
    *--p = 'x';
    *--p = '0';
    *--p = '"';
    out.append(p, size_t(end - p));
}

void append_quantity_json(std::string& out, const U256& v) {
    if (v.fits_u64()) return append_quantity_json(out, v.low64());
    out += '"';
    out += v.to_hex();
    out += '"';
}

// A member name with its quotes and colon, preceded by a comma unless it is the first.
void append_key(std::string& out, std::string_view key, bool first = false) {
    if (!first) out += ',';
    out += '"';
    out += key;
    out += "\":";
}

template <size_t N>
void append_optional_json(std::string& out, const std::optional<FixedBytes<N>>& v) {
    if (v) {
        append_data_json(out, v->view());
    } else {
        out += "null";
    }
}

// Bytes of the JSON text of a receipt besides its logs, and of a log besides its data and
// topics: enough to reserve once.
constexpr size_t kReceiptTextBytes = 1024;
constexpr size_t kLogTextBytes = 450;
constexpr size_t kTopicTextBytes = 69;

}  // namespace

void append_data_json(std::string& out, BytesView b) {
    out += "\"0x";
    append_hex_digits(out, b);
    out += '"';
}

// Member order: alphabetical, as nlohmann's std::map-backed objects print log_to_json.
void append_log_json(std::string& out, const LogView& l) {
    out.reserve(out.size() + kLogTextBytes + 2 * l.log.data.size() +
                kTopicTextBytes * l.log.topics.size());
    out += '{';
    append_key(out, "address", true);
    append_data_json(out, l.log.address.view());
    append_key(out, "blockHash");
    append_data_json(out, l.block_hash.view());
    append_key(out, "blockNumber");
    append_quantity_json(out, l.block_number);
    append_key(out, "data");
    append_data_json(out, l.log.data);
    append_key(out, "logIndex");
    append_quantity_json(out, uint64_t{l.log_index});
    append_key(out, "removed");
    out += "false";
    append_key(out, "topics");
    out += '[';
    for (size_t i = 0; i < l.log.topics.size(); ++i) {
        if (i > 0) out += ',';
        append_data_json(out, l.log.topics[i].view());
    }
    out += ']';
    append_key(out, "transactionHash");
    append_data_json(out, l.tx_hash.view());
    append_key(out, "transactionIndex");
    append_quantity_json(out, uint64_t{l.tx_index});
    out += '}';
}

// Member order: alphabetical, as receipt_to_json prints.
void append_receipt_json(std::string& out, const ReceiptView& r) {
    out.reserve(out.size() + kReceiptTextBytes);
    out += '{';
    append_key(out, "blockHash", true);
    append_data_json(out, r.block_hash.view());
    append_key(out, "blockNumber");
    append_quantity_json(out, r.block_number);
    append_key(out, "contractAddress");
    append_optional_json(out, r.contract_address);
    append_key(out, "cumulativeGasUsed");
    append_quantity_json(out, r.cumulative_gas_used);
    append_key(out, "effectiveGasPrice");
    append_quantity_json(out, r.effective_gas_price);
    append_key(out, "from");
    append_data_json(out, r.from.view());
    append_key(out, "gasUsed");
    append_quantity_json(out, r.gas_used);
    append_key(out, "logs");
    out += '[';
    for (size_t i = 0; i < r.logs.size(); ++i) {
        if (i > 0) out += ',';
        append_log_json(out, r.logs[i]);
    }
    out += ']';
    append_key(out, "logsBloom");
    append_data_json(out, BytesView(r.bloom.data(), r.bloom.size()));
    append_key(out, "status");
    append_quantity_json(out, uint64_t{r.success ? 1u : 0u});
    append_key(out, "to");
    append_optional_json(out, r.to);
    append_key(out, "transactionHash");
    append_data_json(out, r.tx_hash.view());
    append_key(out, "transactionIndex");
    append_quantity_json(out, uint64_t{r.tx_index});
    append_key(out, "type");
    append_quantity_json(out, uint64_t{static_cast<uint8_t>(r.type)});
    out += '}';
}

Json header_to_json(const protocol::BlockHeader& h, const Hash256& hash,
                    const crypto::CryptoSuite& suite) {
    static constexpr uint8_t kZeroNonce[8] = {};
    Json j;
    j["hash"] = data_hex(hash);
    j["parentHash"] = data_hex(h.parent_hash);
    j["number"] = quantity(h.number);
    j["timestamp"] = quantity(h.timestamp);
    j["miner"] = data_hex(h.proposer);
    j["stateRoot"] = data_hex(h.state_root);
    j["transactionsRoot"] = data_hex(h.transactions_root);
    j["receiptsRoot"] = data_hex(h.receipts_root);
    j["logsBloom"] = data_hex(BytesView(h.logs_bloom.data(), h.logs_bloom.size()));
    j["gasLimit"] = quantity(h.gas_limit);
    j["gasUsed"] = quantity(h.gas_used);
    j["baseFeePerGas"] = quantity(h.base_fee);
    j["extraData"] = data_hex(h.extra_data);
    // Proof-of-work fields have fixed values: no mining, no uncles (ethers v6 reads them).
    j["nonce"] = data_hex(BytesView(kZeroNonce, 8));
    j["mixHash"] = data_hex(Hash256{});
    j["difficulty"] = "0x0";
    j["sha3Uncles"] = data_hex(empty_list_hash(suite));
    return j;
}

Json block_to_json(const BlockView& b, bool full, const crypto::CryptoSuite& suite) {
    Json j = header_to_json(b.header, b.hash, suite);
    j["size"] = quantity(b.size_bytes);
    j["uncles"] = Json::array();
    Json txs = Json::array();
    for (const auto& t : b.transactions)
        txs.push_back(full ? tx_to_json(t) : Json(data_hex(t.hash)));
    j["transactions"] = std::move(txs);
    return j;
}

Json proof_to_json(const ProofView& p, const std::vector<std::string>& keys_as_given) {
    auto nodes = [](const std::vector<Bytes>& proof) {
        Json arr = Json::array();
        for (const auto& n : proof)
            arr.push_back(data_hex(n));
        return arr;
    };
    Json storage = Json::array();
    for (size_t i = 0; i < p.storage.size(); ++i) {
        const auto& s = p.storage[i];
        // geth echoes each key as the caller wrote it.
        std::string key = i < keys_as_given.size() ? keys_as_given[i] : quantity(s.key);
        storage.push_back(
            {{"key", std::move(key)}, {"value", quantity(s.value)}, {"proof", nodes(s.proof)}});
    }
    return Json{{"address", data_hex(p.address)},    {"accountProof", nodes(p.account_proof)},
                {"balance", quantity(p.balance)},    {"codeHash", data_hex(p.code_hash)},
                {"nonce", quantity(p.nonce)},        {"storageHash", data_hex(p.storage_hash)},
                {"storageProof", std::move(storage)}};
}

Json certificate_to_json(const CertificateView& c) {
    Json sigs = Json::array();
    for (size_t i = 0; i < c.certificate.signatures.size(); ++i) {
        const protocol::CommitSignature& s = c.certificate.signatures[i];
        Json one{{"validator", s.validator_index}, {"signature", data_hex(s.signature)}};
        one["address"] = i < c.signers.size() ? Json(data_hex(c.signers[i])) : Json(nullptr);
        sigs.push_back(std::move(one));
    }
    return Json{{"height", c.certificate.height},
                {"round", c.certificate.round},
                {"blockHash", data_hex(c.certificate.block_hash)},
                {"hash", data_hex(c.hash)},
                {"signatures", std::move(sigs)}};
}

Error revert_error(BytesView revert_data) {
    std::string message = "execution reverted";
    if (auto r = abi::decode_revert(revert_data)) {
        if (r->kind == abi::Revert::Kind::kError) message += ": " + r->message;
        if (r->kind == abi::Revert::Kind::kPanic) message += ": " + geth_panic_reason(r->code);
    }
    return Error{kExecutionReverted, std::move(message), Json(data_hex(revert_data))};
}

// ---- input ----

Result<uint64_t, ParamError> parse_u64(const Json& j) {
    auto s = json_string(j);
    if (!s) return unexpected(s.error());
    auto d = number_digits(*s, true);
    if (!d) return unexpected(d.error());
    return digits_to_u64(*d);
}

Result<U256, ParamError> parse_u256(const Json& j) {
    auto s = json_string(j);
    if (!s) return unexpected(s.error());
    auto d = number_digits(*s, true);
    if (!d) return unexpected(d.error());
    return digits_to_u256(*d);
}

Result<Bytes, ParamError> parse_data(const Json& j) {
    auto s = json_string(j);
    if (!s) return unexpected(s.error());
    return data_from_string(*s);
}

Result<Address, ParamError> parse_address(const Json& j) {
    return fixed_from_json<20>(j, "address");
}

Result<Hash256, ParamError> parse_hash(const Json& j) {
    return fixed_from_json<32>(j, "hash");
}

Result<U256, ParamError> parse_storage_key(const Json& j) {
    auto sv = json_string(j);
    if (!sv) return unexpected(sv.error());
    std::string_view s = *sv;
    if (has_0x(s)) s.remove_prefix(2);
    // geth's decodeHash: an odd number of digits gets a leading zero.
    std::string digits;
    digits.reserve(s.size() + 1);
    if (s.size() % 2 != 0) digits.push_back('0');
    digits.append(s);
    if (digits.size() > 64)
        return unexpected(std::string("hex string too long, want at most 32 bytes"));
    for (char c : digits)
        if (hex_digit(c) < 0) return unexpected(std::string("hex string invalid"));
    if (digits.empty()) return U256{};
    auto v = digits_to_u256(digits);
    if (!v) return unexpected(v.error());
    return *v;
}

Result<BlockRef, ParamError> parse_block_number(const Json& j) {
    auto sv = json_string(j);
    if (!sv) return unexpected(sv.error());
    std::string_view s = *sv;
    BlockRef ref;
    if (s == "latest" || s == "safe" || s == "finalized") return BlockRef::latest();
    if (s == "earliest") {
        ref.kind = BlockRef::Kind::kEarliest;
        return ref;
    }
    if (s == "pending") {
        ref.kind = BlockRef::Kind::kPending;
        return ref;
    }
    auto d = number_digits(s, false);
    if (!d) return unexpected(d.error());
    auto n = digits_to_u64(*d);
    if (!n) return unexpected(n.error());
    if (*n > uint64_t(INT64_MAX)) return unexpected(std::string("block number larger than int64"));
    return BlockRef::at(*n);
}

Result<BlockRef, ParamError> parse_block_ref(const Json& j) {
    if (j.is_string()) {
        // rpc.BlockNumberOrHash: a 66-character string is a block hash.
        if (j.get_ref<const std::string&>().size() == 66) {
            auto h = parse_hash(j);
            if (!h) return unexpected(h.error());
            return BlockRef::by_hash(*h);
        }
        return parse_block_number(j);
    }
    if (!j.is_object())
        return unexpected("expected a block number, tag or hash, got " + type_name(j));
    auto num = j.find("blockNumber");
    auto hash = j.find("blockHash");
    bool has_num = num != j.end() && !num->is_null();
    bool has_hash = hash != j.end() && !hash->is_null();
    if (has_num && has_hash) {
        return unexpected(
            std::string("cannot specify both BlockHash and BlockNumber, choose one or the other"));
    }
    if (has_num) return in_field("blockNumber", parse_block_number(*num));
    if (!has_hash)
        return unexpected(std::string("either BlockNumber or BlockHash must be specified"));
    auto h = in_field("blockHash", parse_hash(*hash));
    if (!h) return unexpected(h.error());
    BlockRef ref = BlockRef::by_hash(*h);
    if (auto rc = j.find("requireCanonical"); rc != j.end() && !rc->is_null()) {
        if (!rc->is_boolean()) {
            return unexpected("requireCanonical: expected a bool, got " + type_name(*rc));
        }
        ref.require_canonical = rc->get<bool>();
    }
    return ref;
}

Result<CallRequest, ParamError> parse_call_request(const Json& j) {
    if (!j.is_object()) return unexpected("expected a transaction object, got " + type_name(j));
    CallRequest req;
    auto field = [&](const char* name) -> const Json* {
        auto it = j.find(name);
        return it == j.end() || it->is_null() ? nullptr : &*it;
    };
    // Each optional field: parse it if present, else leave nullopt.
    auto opt = [&](const char* name, auto parse, auto& out) -> Result<void, ParamError> {
        const Json* f = field(name);
        if (!f) return {};
        auto v = parse(*f);
        if (!v) return unexpected(std::string(name) + ": " + v.error());
        out = *v;
        return {};
    };
    XL_TRY_VOID(opt("from", parse_address, req.from));
    XL_TRY_VOID(opt("to", parse_address, req.to));
    XL_TRY_VOID(opt("gas", parse_u64, req.gas));
    XL_TRY_VOID(opt("gasPrice", parse_u256, req.gas_price));
    XL_TRY_VOID(opt("maxFeePerGas", parse_u256, req.max_fee_per_gas));
    XL_TRY_VOID(opt("maxPriorityFeePerGas", parse_u256, req.max_priority_fee_per_gas));
    XL_TRY_VOID(opt("value", parse_u256, req.value));
    XL_TRY_VOID(opt("nonce", parse_u64, req.nonce));
    XL_TRY_VOID(opt("accessList", parse_access_list, req.access_list));
    std::optional<Bytes> data, input;
    XL_TRY_VOID(opt("data", parse_data, data));
    XL_TRY_VOID(opt("input", parse_data, input));
    if (data && input && *data != *input) {
        return unexpected(std::string(
            "both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass "
            "transaction call data"));
    }
    if (input) {
        req.data = std::move(*input);
    } else if (data) {
        req.data = std::move(*data);
    }
    if (req.gas_price && (req.max_fee_per_gas || req.max_priority_fee_per_gas)) {
        return unexpected(
            std::string("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified"));
    }
    if (req.max_fee_per_gas && req.max_priority_fee_per_gas &&
        *req.max_priority_fee_per_gas > *req.max_fee_per_gas) {
        return unexpected("maxFeePerGas (" + req.max_fee_per_gas->to_dec() +
                          ") < maxPriorityFeePerGas (" + req.max_priority_fee_per_gas->to_dec() +
                          ")");
    }
    return req;
}

Result<FilterCriteria, ParamError> parse_filter(const Json& j) {
    if (!j.is_object()) return unexpected("expected a filter object, got " + type_name(j));
    FilterCriteria f;
    auto field = [&](const char* name) -> const Json* {
        auto it = j.find(name);
        return it == j.end() || it->is_null() ? nullptr : &*it;
    };
    if (const Json* bh = field("blockHash")) {
        if (field("fromBlock") || field("toBlock")) {
            return unexpected(std::string(
                "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other"));
        }
        auto h = in_field("blockHash", parse_hash(*bh));
        if (!h) return unexpected(h.error());
        f.block_hash = *h;
    }
    if (const Json* fb = field("fromBlock")) {
        auto r = in_field("fromBlock", parse_block_number(*fb));
        if (!r) return unexpected(r.error());
        f.from = *r;
    }
    if (const Json* tb = field("toBlock")) {
        auto r = in_field("toBlock", parse_block_number(*tb));
        if (!r) return unexpected(r.error());
        f.to = *r;
    }
    if (const Json* a = field("address")) {
        if (a->is_array()) {
            if (a->size() > kMaxFilterAddresses)
                return unexpected(std::string("exceed max addresses"));
            for (const Json& e : *a) {
                auto addr = in_field("address", parse_address(e));
                if (!addr) return unexpected(addr.error());
                f.addresses.push_back(*addr);
            }
        } else {
            auto addr = in_field("address", parse_address(*a));
            if (!addr) return unexpected(addr.error());
            f.addresses.push_back(*addr);
        }
    }
    if (const Json* t = field("topics")) {
        if (!t->is_array()) return unexpected("topics: expected an array, got " + type_name(*t));
        if (t->size() > protocol::kMaxLogTopics)
            return unexpected(std::string("exceed max topics"));
        for (size_t i = 0; i < t->size(); ++i) {
            auto pos = parse_topic_position((*t)[i]);
            if (!pos) return unexpected("topics[" + std::to_string(i) + "]: " + pos.error());
            f.topics.push_back(std::move(*pos));
        }
        // Trailing wildcards constrain nothing but the topic count; geth keeps them (a log
        // with fewer topics than positions does not match), and so do we.
    }
    return f;
}

bool log_matches(const protocol::Log& log, const std::vector<Address>& addresses,
                 const std::vector<std::vector<Hash256>>& topics) noexcept {
    if (!addresses.empty()) {
        bool found = false;
        for (const auto& a : addresses)
            found = found || a == log.address;
        if (!found) return false;
    }
    if (topics.size() > log.topics.size()) return false;
    for (size_t i = 0; i < topics.size(); ++i) {
        if (topics[i].empty()) continue;
        bool found = false;
        for (const auto& t : topics[i])
            found = found || t == log.topics[i];
        if (!found) return false;
    }
    return true;
}

}  // namespace xl::rpc
