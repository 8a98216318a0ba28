// SPDX-License-Identifier: Apache-2.0
// The genesis file: strict parsing with messages naming the field, the validator-set hash and
// block 0 (docs/spec/ledger.md).
#include "ledger/genesis.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <utility>

#include "codec/rlp.hpp"
#include "crypto/secp256k1.hpp"
#include "crypto/sm2.hpp"
#include "protocol/limits.hpp"
#include "trie/trie.hpp"

namespace xl::ledger {

const crypto::CryptoSuite& Genesis::crypto_suite() const noexcept {
    return suite == crypto::SuiteId::kSm ? crypto::sm_suite() : crypto::ecdsa_suite();
}

namespace {

using Json = nlohmann::json;
using Err = std::string;

// top { alloc { account { storage { } } } } and top { validators [ { } ] } are 4 deep.
constexpr size_t kMaxGenesisDepth = 8;
// The smallest block gas limit that holds one plain transfer.
constexpr uint64_t kMinGasLimit = protocol::kTxGas;
// Total voting power stays far below 2^63 so that 3 * power sums cannot overflow.
constexpr uint64_t kMaxTotalPower = uint64_t{1} << 60;

// Rejects nesting deeper than kMaxGenesisDepth before the JSON parser sees the text, so that
// neither its parse nor its recursive destructor can be driven into deep recursion.
bool nesting_within_bounds(std::string_view text) noexcept {
    size_t depth = 0;
    bool in_string = false, escaped = false;
    for (char ch : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (ch == '\\') {
                escaped = true;
            } else if (ch == '"') {
                in_string = false;
            }
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > kMaxGenesisDepth) return false;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            --depth;
        }
    }
    return true;
}

Err at(std::string_view path, std::string_view msg) {
    Err e(path);
    e += ": ";
    e += msg;
    return e;
}

// A quantity: "0x" followed by at least one hex digit, or a non-negative JSON integer.
Result<U256, Err> quantity(const Json& v, std::string_view path) {
    if (v.is_number_unsigned()) return U256{v.get<uint64_t>()};
    if (!v.is_string()) return unexpected(at(path, "not a hex quantity"));
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        return unexpected(at(path, "not a hex quantity"));
    }
    auto r = U256::from_string(s);
    if (!r) {
        return unexpected(at(
            path, r.error() == ParseError::kOverflow ? "exceeds 256 bits" : "not a hex quantity"));
    }
    return *r;
}

Result<uint64_t, Err> quantity64(const Json& v, std::string_view path) {
    auto q = quantity(v, path);
    if (!q) return unexpected(q.error());
    if (!q->fits_u64()) return unexpected(at(path, "does not fit in 64 bits"));
    return q->low64();
}

// Hex data: "0x" followed by an even number of hex digits ("0x" is empty data).
Result<Bytes, Err> hex_data(const Json& v, std::string_view path) {
    if (!v.is_string()) return unexpected(at(path, "not a hex string"));
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        return unexpected(at(path, "not a hex string"));
    }
    auto b = from_hex(s);
    if (!b) return unexpected(at(path, "not a hex string"));
    return std::move(*b);
}

template <size_t N>
Result<FixedBytes<N>, Err> hex_fixed(const Json& v, std::string_view path) {
    auto b = hex_data(v, path);
    if (!b) return unexpected(b.error());
    FixedBytes<N> f;
    if (!FixedBytes<N>::from_view(*b, f)) {
        return unexpected(at(path, "must be " + std::to_string(N) + " bytes"));
    }
    return f;
}

// Only the named keys may appear: a misspelt field is an error, not a silent default.
Result<void, Err> only_keys(const Json& obj, std::initializer_list<std::string_view> keys,
                            std::string_view path) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool known = false;
        for (std::string_view k : keys)
            known = known || it.key() == k;
        if (!known) {
            return unexpected(path.empty() ? "unknown field \"" + it.key() + "\""
                                           : at(path, "unknown field \"" + it.key() + "\""));
        }
    }
    return {};
}

Result<const Json*, Err> required(const Json& obj, const char* key, std::string_view path) {
    auto it = obj.find(key);
    if (it == obj.end()) return unexpected(at(path, "missing"));
    return &*it;
}

#define XL_G_ASSIGN(lhs, expr)                            \
    do {                                                  \
        auto xl_g_r_ = (expr);                            \
        if (!xl_g_r_) return unexpected(xl_g_r_.error()); \
        lhs = std::move(*xl_g_r_);                        \
    } while (0)

bool public_key_on_curve(crypto::SuiteId suite, const crypto::PublicKey& pk) noexcept {
    return suite == crypto::SuiteId::kSm ? crypto::sm2_public_key_valid(pk)
                                         : crypto::secp256k1::public_key_valid(pk);
}

Result<Validator, Err> parse_validator(const Json& v, const crypto::CryptoSuite& suite,
                                       const std::string& path) {
    if (!v.is_object()) return unexpected(at(path, "not an object"));
    XL_TRY_VOID(only_keys(v, {"address", "publicKey", "organisation", "power"}, path));
    Validator out;
    const Json* f = nullptr;
    XL_G_ASSIGN(f, required(v, "publicKey", path + ".publicKey"));
    FixedBytes<65> pk65;
    XL_G_ASSIGN(pk65, hex_fixed<65>(*f, path + ".publicKey"));
    if (pk65[0] != 0x04) {
        return unexpected(at(path + ".publicKey", "must be uncompressed (0x04 prefix)"));
    }
    out.public_key = crypto::PublicKey::from(BytesView(pk65.data() + 1, 64));
    if (!public_key_on_curve(suite.id(), out.public_key)) {
        return unexpected(
            at(path + ".publicKey", "not a point on the " + std::string(suite.name()) + " curve"));
    }
    XL_G_ASSIGN(f, required(v, "address", path + ".address"));
    XL_G_ASSIGN(out.address, hex_fixed<20>(*f, path + ".address"));
    const Address derived = suite.address(out.public_key);
    if (derived != out.address) {
        return unexpected(
            at(path + ".address", to_hex(out.address) + " is not the " + std::string(suite.name()) +
                                      " address of publicKey (" + to_hex(derived) + ")"));
    }
    XL_G_ASSIGN(f, required(v, "organisation", path + ".organisation"));
    if (!f->is_string() || f->get_ref<const std::string&>().empty()) {
        return unexpected(at(path + ".organisation", "not a non-empty string"));
    }
    out.organisation = f->get<std::string>();
    if (out.organisation.size() > kMaxOrganisationLength) {
        return unexpected(at(path + ".organisation",
                             "longer than " + std::to_string(kMaxOrganisationLength) + " bytes"));
    }
    XL_G_ASSIGN(f, required(v, "power", path + ".power"));
    XL_G_ASSIGN(out.power, quantity64(*f, path + ".power"));
    if (out.power == 0) return unexpected(at(path + ".power", "must be at least 1"));
    return out;
}

Result<std::vector<Validator>, Err> parse_validators(const Json& v,
                                                     const crypto::CryptoSuite& suite) {
    if (!v.is_array()) return unexpected(at("validators", "not an array"));
    if (v.empty()) return unexpected(at("validators", "at least one validator is required"));
    if (v.size() > kMaxGenesisValidators) {
        return unexpected(
            at("validators", "more than " + std::to_string(kMaxGenesisValidators) + " validators"));
    }
    std::vector<Validator> out;
    std::set<Address> seen;
    uint64_t total = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        const std::string path = "validators[" + std::to_string(i) + "]";
        Validator val;
        XL_G_ASSIGN(val, parse_validator(v[i], suite, path));
        if (!seen.insert(val.address).second) {
            return unexpected(at(path + ".address", to_hex(val.address) + " appears twice"));
        }
        if (val.power > kMaxTotalPower - total) {
            return unexpected(at(path + ".power", "total voting power exceeds 2^60"));
        }
        total += val.power;
        out.push_back(std::move(val));
    }
    return out;
}

Result<state::GenesisAccount, Err> parse_account(const Json& v, const std::string& path,
                                                 size_t& slots) {
    if (!v.is_object()) return unexpected(at(path, "not an object"));
    XL_TRY_VOID(only_keys(v, {"balance", "nonce", "code", "storage"}, path));
    state::GenesisAccount acc;
    const Json* f = nullptr;
    XL_G_ASSIGN(f, required(v, "balance", path + ": balance"));
    XL_G_ASSIGN(acc.balance, quantity(*f, path + ": balance"));
    if (auto it = v.find("nonce"); it != v.end()) {
        XL_G_ASSIGN(acc.nonce, quantity64(*it, path + ": nonce"));
        if (acc.nonce > protocol::kMaxNonce) {
            return unexpected(at(path + ": nonce", "above 2^64 - 2 (EIP-2681)"));
        }
    }
    if (auto it = v.find("code"); it != v.end()) {
        XL_G_ASSIGN(acc.code, hex_data(*it, path + ": code"));
        if (acc.code.size() > kMaxGenesisCodeSize) {
            return unexpected(
                at(path + ": code",
                   "longer than " + std::to_string(kMaxGenesisCodeSize) + " bytes (EIP-170)"));
        }
    }
    if (auto it = v.find("storage"); it != v.end()) {
        if (!it->is_object()) return unexpected(at(path + ": storage", "not an object"));
        for (auto s = it->begin(); s != it->end(); ++s) {
            const std::string spath = path + ": storage." + s.key();
            if (++slots > kMaxGenesisStorageSlots) {
                return unexpected(at(spath, "more than " + std::to_string(kMaxGenesisStorageSlots) +
                                                " storage slots in the genesis"));
            }
            U256 key, value;
            XL_G_ASSIGN(key, quantity(Json(s.key()), spath + ": key"));
            XL_G_ASSIGN(value, quantity(s.value(), spath));
            if (!acc.storage.emplace(key, value).second) {
                return unexpected(at(spath, "slot appears twice"));
            }
        }
        // Zero slots do not exist in the state (YP Appendix D: the trie maps to non-zero values).
        std::erase_if(acc.storage, [](const auto& kv) { return kv.second.is_zero(); });
    }
    return acc;
}

Result<std::map<Address, state::GenesisAccount>, Err> parse_alloc(const Json& v) {
    if (!v.is_object()) return unexpected(at("alloc", "not an object"));
    if (v.size() > kMaxGenesisAccounts) {
        return unexpected(
            at("alloc", "more than " + std::to_string(kMaxGenesisAccounts) + " accounts"));
    }
    std::map<Address, state::GenesisAccount> out;
    size_t slots = 0;
    for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string path = "alloc." + it.key();
        Address addr;
        XL_G_ASSIGN(addr, hex_fixed<20>(Json(it.key()), path));
        state::GenesisAccount acc;
        XL_G_ASSIGN(acc, parse_account(it.value(), path, slots));
        if (!out.emplace(addr, std::move(acc)).second) {
            return unexpected(at(path, "address appears twice"));
        }
    }
    return out;
}

}  // namespace

Result<Genesis, std::string> parse_genesis(std::string_view json) {
    if (json.size() > kMaxGenesisFileSize) {
        return unexpected("genesis: larger than " + std::to_string(kMaxGenesisFileSize) + " bytes");
    }
    if (!nesting_within_bounds(json)) {
        return unexpected(std::string("genesis: nested deeper than ") +
                          std::to_string(kMaxGenesisDepth));
    }
    const Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return unexpected(std::string("genesis: not valid JSON"));
    if (!root.is_object()) return unexpected(std::string("genesis: not a JSON object"));
    XL_TRY_VOID(only_keys(root,
                          {"chainId", "crypto", "timestamp", "gasLimit", "baseFee",
                           "blockIntervalMs", "extraData", "validators", "alloc"},
                          ""));
    Genesis g;
    const Json* f = nullptr;

    XL_G_ASSIGN(f, required(root, "crypto", "crypto"));
    if (!f->is_string()) return unexpected(at("crypto", "must be \"ecdsa\" or \"sm\""));
    const crypto::CryptoSuite* suite = crypto::suite_by_name(f->get_ref<const std::string&>());
    if (suite == nullptr) return unexpected(at("crypto", "must be \"ecdsa\" or \"sm\""));
    g.suite = suite->id();

    XL_G_ASSIGN(f, required(root, "chainId", "chainId"));
    XL_G_ASSIGN(g.chain_id, quantity64(*f, "chainId"));
    if (g.chain_id == 0) return unexpected(at("chainId", "must be at least 1"));

    XL_G_ASSIGN(f, required(root, "timestamp", "timestamp"));
    XL_G_ASSIGN(g.timestamp, quantity64(*f, "timestamp"));

    XL_G_ASSIGN(f, required(root, "gasLimit", "gasLimit"));
    XL_G_ASSIGN(g.gas_limit, quantity64(*f, "gasLimit"));
    if (g.gas_limit < kMinGasLimit) {
        return unexpected(at("gasLimit", "below " + std::to_string(kMinGasLimit)));
    }
    if (g.gas_limit > uint64_t{INT64_MAX}) {
        return unexpected(at("gasLimit", "above 2^63 - 1"));
    }

    XL_G_ASSIGN(f, required(root, "baseFee", "baseFee"));
    XL_G_ASSIGN(g.base_fee, quantity(*f, "baseFee"));

    XL_G_ASSIGN(f, required(root, "blockIntervalMs", "blockIntervalMs"));
    XL_G_ASSIGN(g.block_interval_ms, quantity64(*f, "blockIntervalMs"));
    if (g.block_interval_ms == 0) return unexpected(at("blockIntervalMs", "must be at least 1"));

    XL_G_ASSIGN(f, required(root, "extraData", "extraData"));
    XL_G_ASSIGN(g.extra_data, hex_data(*f, "extraData"));
    if (g.extra_data.size() > protocol::kMaxExtraDataSize) {
        return unexpected(at(
            "extraData", "longer than " + std::to_string(protocol::kMaxExtraDataSize) + " bytes"));
    }

    XL_G_ASSIGN(f, required(root, "validators", "validators"));
    XL_G_ASSIGN(g.validators, parse_validators(*f, *suite));

    XL_G_ASSIGN(f, required(root, "alloc", "alloc"));
    XL_G_ASSIGN(g.alloc, parse_alloc(*f));
    return g;
}

Hash256 validator_set_hash(const crypto::CryptoSuite& suite, const std::vector<Validator>& vs) {
    rlp::ListBuilder list;
    for (const Validator& v : vs) {
        rlp::ListBuilder entry;
        entry.add_string(v.address).add_string(v.public_key).add_uint(v.power);
        list.add_list(entry);
    }
    return suite.hash(list.finish());
}

Result<Hash256, std::string> genesis_state_root(const Genesis& g) {
    state::State st;
    for (const auto& [addr, acc] : g.alloc)
        st.put_account(addr, acc);
    auto root = st.state_root(g.crypto_suite());
    if (!root) return unexpected("genesis state root: " + std::string(to_string(root.error())));
    return *root;
}

protocol::BlockHeader genesis_header(const Genesis& g, const Hash256& state_root) {
    const crypto::CryptoSuite& suite = g.crypto_suite();
    protocol::BlockHeader h;
    h.number = 0;
    h.timestamp = g.timestamp;
    h.state_root = state_root;
    h.transactions_root = trie::empty_root(suite);
    h.receipts_root = trie::empty_root(suite);
    h.gas_limit = g.gas_limit;
    h.gas_used = 0;
    h.base_fee = g.base_fee;
    h.validator_set_hash = validator_set_hash(suite, g.validators);
    h.extra_data = g.extra_data;
    return h;
}

Result<protocol::BlockHeader, std::string> genesis_header(const Genesis& g) {
    auto root = genesis_state_root(g);
    if (!root) return unexpected(root.error());
    return genesis_header(g, *root);
}

}  // namespace xl::ledger
