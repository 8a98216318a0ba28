// SPDX-License-Identifier: Apache-2.0
// `xinlian tx`: sign a transaction offline, or decode one, as JSON.
//   xinlian tx sign --crypto ecdsa|sm --type legacy|2930|1559|sm [--chain-id N] --nonce N
//        [--to ADDR] [--value V] [--gas N] [--gas-price V | --max-fee V --max-priority-fee V]
//        [--data 0x..] [--access-list JSON] (--secret-file FILE | --key KEYSTORE
//        [--password-file FILE]; without it the password is asked on the terminal)
//   xinlian tx decode --crypto ecdsa|sm 0xRAW
// The JSON uses the field names of eth_getTransactionByHash (quantities as 0x-hex), plus
// "raw", "typeName", "intrinsicGas" and, for the sm type, "publicKey".
#include <iostream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "crypto/suite.hpp"
#include "protocol/limits.hpp"
#include "protocol/transaction.hpp"
#include "protocol/validation.hpp"

namespace xl::cli {
namespace {

using json = nlohmann::ordered_json;
using protocol::Transaction;
using protocol::TxType;

template <size_t N>
FixedBytes<N> parse_fixed(const std::string& what, const std::string& text) {
    auto v = fixed_from_hex<N>(text);
    if (!v) {
        fail("invalid " + what + " '" + text + "': " + std::string(to_string(v.error())) +
             " (expected " + std::to_string(N) + " bytes of hex)");
    }
    return *v;
}

TxType parse_type(const std::string& name) {
    if (name == "legacy" || name == "0") return TxType::kLegacy;
    if (name == "2930" || name == "1") return TxType::kAccessList;
    if (name == "1559" || name == "2") return TxType::kDynamicFee;
    if (name == "sm" || name == "0x53") return TxType::kSm;
    fail("unknown transaction type '" + name + "' (expected legacy, 2930, 1559 or sm)");
}

// [{"address": "0x..", "storageKeys": ["0x..", ...]}, ...], as in JSON-RPC and ethers.
protocol::AccessList parse_access_list(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        fail(std::string("invalid --access-list: ") + e.what());
    }
    if (!j.is_array()) fail("invalid --access-list: expected a JSON array");
    protocol::AccessList list;
    for (const auto& e : j) {
        if (!e.is_object() || !e.contains("address") || !e["address"].is_string()) {
            fail("invalid --access-list: each entry needs an \"address\"");
        }
        protocol::AccessListEntry entry;
        entry.address = parse_fixed<20>("access-list address", e["address"].get<std::string>());
        if (e.contains("storageKeys")) {
            if (!e["storageKeys"].is_array()) fail("invalid --access-list: storageKeys");
            for (const auto& k : e["storageKeys"]) {
                if (!k.is_string()) fail("invalid --access-list: a storage key is not a string");
                entry.storage_keys.push_back(
                    parse_fixed<32>("access-list storage key", k.get<std::string>()));
            }
        }
        list.push_back(std::move(entry));
    }
    return list;
}

std::string hex_u64(uint64_t v) {
    return U256(v).to_hex();
}

json tx_json(const Transaction& tx, const crypto::CryptoSuite& suite, const Address& from) {
    json j;
    j["raw"] = to_hex(tx.encode());
    j["hash"] = to_hex(tx.hash(suite));
    j["from"] = to_hex(from);
    j["type"] = hex_u64(static_cast<uint8_t>(tx.type));
    j["typeName"] = std::string(to_string(tx.type));
    j["chainId"] = tx.chain_id ? json(tx.chain_id->to_hex()) : json(nullptr);
    j["nonce"] = hex_u64(tx.nonce);
    if (tx.type == TxType::kLegacy || tx.type == TxType::kAccessList) {
        j["gasPrice"] = tx.gas_price.to_hex();
    } else {
        j["maxPriorityFeePerGas"] = tx.max_priority_fee.to_hex();
        j["maxFeePerGas"] = tx.max_fee.to_hex();
    }
    j["gas"] = hex_u64(tx.gas_limit);
    j["to"] = tx.to ? json(to_hex(*tx.to)) : json(nullptr);
    j["value"] = tx.value.to_hex();
    j["input"] = to_hex(tx.data);
    if (tx.type != TxType::kLegacy) {
        json list = json::array();
        for (const auto& e : tx.access_list) {
            json keys = json::array();
            for (const auto& k : e.storage_keys)
                keys.push_back(to_hex(k));
            list.push_back({{"address", to_hex(e.address)}, {"storageKeys", keys}});
        }
        j["accessList"] = list;
    }
    if (tx.type == TxType::kSm) {
        j["publicKey"] = to_hex(tx.sm_public_key);
    } else if (tx.type == TxType::kLegacy) {
        const U256 v = tx.chain_id ? (*tx.chain_id << 1) + U256(35 + uint64_t{tx.y_parity})
                                   : U256(27 + uint64_t{tx.y_parity});
        j["v"] = v.to_hex();
    } else {
        j["v"] = hex_u64(tx.y_parity);
        j["yParity"] = hex_u64(tx.y_parity);
    }
    j["r"] = tx.r.to_hex();
    j["s"] = tx.s.to_hex();
    j["intrinsicGas"] = hex_u64(protocol::intrinsic_gas(tx));
    return j;
}

struct SignOptions {
    std::string crypto = "ecdsa";
    std::string type;
    std::optional<std::string> chain_id, nonce, to, value, gas, gas_price, max_fee,
        max_priority_fee, data, access_list, secret_file, key, password_file;
};

crypto::SecretKey load_key(const SignOptions& o, const crypto::CryptoSuite& suite) {
    if (o.secret_file.has_value() == o.key.has_value()) {
        fail("give exactly one of --secret-file and --key");
    }
    if (o.secret_file) return read_secret_file(*o.secret_file, &suite);
    // As `xinlian keys`: the first line of --password-file, else the terminal without echo.
    return read_keystore_file(*o.key, o.password_file, suite);
}

void run_sign(const SignOptions& o) {
    const auto& suite = suite_named(o.crypto);
    Transaction tx;
    tx.type = o.type.empty()
                  ? (suite.id() == crypto::SuiteId::kSm ? TxType::kSm : TxType::kDynamicFee)
                  : parse_type(o.type);
    if (!protocol::type_allowed(tx.type, suite)) {
        fail("type " + std::string(to_string(tx.type)) + " is not signed by the " +
             std::string(suite.name()) + " suite");
    }
    if (o.chain_id) {
        tx.chain_id = U256(parse_u64("--chain-id", *o.chain_id));
    } else if (tx.type != TxType::kLegacy) {
        fail("--chain-id is required for type " + std::string(to_string(tx.type)));
    }
    if (!o.nonce) fail("--nonce is required");
    tx.nonce = parse_u64("--nonce", *o.nonce);
    if (o.to) tx.to = parse_fixed<20>("--to", *o.to);
    if (o.value) tx.value = parse_u256("--value", *o.value);
    tx.gas_limit = o.gas ? parse_u64("--gas", *o.gas) : 21000;
    const bool priced = tx.type == TxType::kLegacy || tx.type == TxType::kAccessList;
    if (priced && (o.max_fee || o.max_priority_fee)) {
        fail("type " + std::string(to_string(tx.type)) + " takes --gas-price, not --max-fee");
    }
    if (!priced && o.gas_price) {
        fail("type " + std::string(to_string(tx.type)) +
             " takes --max-fee and "
             "--max-priority-fee, not --gas-price");
    }
    if (o.gas_price) tx.gas_price = parse_u256("--gas-price", *o.gas_price);
    if (o.max_fee) tx.max_fee = parse_u256("--max-fee", *o.max_fee);
    if (o.max_priority_fee) {
        tx.max_priority_fee = parse_u256("--max-priority-fee", *o.max_priority_fee);
    }
    if (o.data) {
        auto d = from_hex(*o.data);
        if (!d) fail("invalid --data: " + std::string(to_string(d.error())));
        tx.data = std::move(*d);
    }
    if (o.access_list) {
        if (tx.type == TxType::kLegacy) fail("a legacy transaction has no access list");
        tx.access_list = parse_access_list(*o.access_list);
    }
    // Refuse to sign what no node would accept (its own chain id stands in for the node's).
    const uint64_t own_chain = tx.chain_id ? tx.chain_id->low64() : 0;
    if (auto v = protocol::validate_transaction(tx, suite, own_chain); !v) {
        std::string msg(to_string(v.error()));
        if (v.error() == protocol::TxError::kIntrinsicGas) {
            msg += ": --gas " + std::to_string(tx.gas_limit) + " < " +
                   std::to_string(protocol::intrinsic_gas(tx));
        }
        fail(msg);
    }
    const auto sk = load_key(o, suite);
    if (auto s = tx.sign(suite, sk); !s) fail(std::string(to_string(s.error())));
    const Bytes raw = tx.encode();
    if (raw.size() > protocol::kMaxTxSize)
        fail(std::string(to_string(protocol::TxError::kOversized)));
    auto from = tx.recover_sender(suite);
    if (!from) fail(std::string(to_string(from.error())));  // our bug, but say so
    std::cout << tx_json(tx, suite, *from).dump(2) << "\n";
}

void run_decode(const std::string& crypto_name, const std::string& raw_hex) {
    const auto& suite = suite_named(crypto_name);
    auto raw = from_hex(trim(raw_hex));
    if (!raw) fail("invalid hex: " + std::string(to_string(raw.error())));
    protocol::DecodeDiagnostic diag;
    auto tx = protocol::decode_transaction(*raw, &diag);
    if (!tx) {
        fail(std::string(to_string(tx.error())) + " (at " + std::string(diag.field) + ")");
    }
    auto from = tx->recover_sender(suite);
    if (!from) fail(std::string(to_string(from.error())));
    std::cout << tx_json(*tx, suite, *from).dump(2) << "\n";
}

}  // namespace

void add_tx_command(CLI::App& app) {
    auto* tx = app.add_subcommand("tx", "Sign or decode transactions (offline)");
    tx->require_subcommand(1);

    // CLI11 fills plain strings; whether a flag was given is asked of the parser afterwards.
    struct Flags {
        std::string crypto = "ecdsa", type, chain_id, nonce, to, value, gas, gas_price, max_fee,
                    max_priority_fee, data, access_list, secret_file, key, password_file;
    };
    auto f = std::make_shared<Flags>();
    auto* sign = tx->add_subcommand("sign", "Sign a transaction; prints JSON with \"raw\"");
    sign->add_option("--crypto", f->crypto, "Crypto suite: ecdsa or sm")->capture_default_str();
    sign->add_option("--type", f->type,
                     "legacy, 2930, 1559 (ecdsa; default 1559) or sm (sm; the default)");
    sign->add_option("--chain-id", f->chain_id, "Chain id (legacy: omit for pre-EIP-155)");
    sign->add_option("--nonce", f->nonce, "Sender nonce")->required();
    sign->add_option("--to", f->to, "Recipient address; omit to create a contract");
    sign->add_option("--value", f->value, "Value in wei (decimal or 0x-hex)");
    sign->add_option("--gas", f->gas, "Gas limit (default 21000)");
    auto* gp = sign->add_option("--gas-price", f->gas_price, "Gas price (legacy, 2930)");
    auto* mf = sign->add_option("--max-fee", f->max_fee, "Max fee per gas (1559, sm)");
    auto* mp = sign->add_option("--max-priority-fee", f->max_priority_fee,
                                "Max priority fee per gas (1559, sm)");
    gp->excludes(mf)->excludes(mp);
    sign->add_option("--data", f->data, "Call data or init code, 0x-hex");
    sign->add_option("--access-list", f->access_list,
                     "JSON: [{\"address\": \"0x..\", \"storageKeys\": [\"0x..\"]}]");
    auto* sf =
        sign->add_option("--secret-file", f->secret_file, "File holding the secret key as hex");
    auto* kf = sign->add_option("--key", f->key,
                                "Keystore file (password: --password-file, "
                                "else asked on the terminal)");
    sf->excludes(kf);
    sign->add_option("--password-file", f->password_file, "File holding the password")->needs(kf);
    sign->callback(reported([f, sign] {
        auto given = [sign](const char* flag, const std::string& v) {
            return sign->count(flag) ? std::optional<std::string>(v) : std::nullopt;
        };
        SignOptions o;
        o.crypto = f->crypto;
        o.type = f->type;
        o.chain_id = given("--chain-id", f->chain_id);
        o.nonce = given("--nonce", f->nonce);
        o.to = given("--to", f->to);
        o.value = given("--value", f->value);
        o.gas = given("--gas", f->gas);
        o.gas_price = given("--gas-price", f->gas_price);
        o.max_fee = given("--max-fee", f->max_fee);
        o.max_priority_fee = given("--max-priority-fee", f->max_priority_fee);
        o.data = given("--data", f->data);
        o.access_list = given("--access-list", f->access_list);
        o.secret_file = given("--secret-file", f->secret_file);
        o.key = given("--key", f->key);
        o.password_file = given("--password-file", f->password_file);
        run_sign(o);
    }));

    auto crypto_name = std::make_shared<std::string>("ecdsa");
    auto raw = std::make_shared<std::string>();
    auto* decode = tx->add_subcommand("decode", "Decode a raw transaction; prints JSON");
    decode->add_option("--crypto", *crypto_name, "Crypto suite: ecdsa or sm")
        ->capture_default_str();
    decode->add_option("raw", *raw, "The transaction, 0x-hex")->required();
    decode->callback(reported([crypto_name, raw] { run_decode(*crypto_name, *raw); }));
}

}  // namespace xl::cli
