// SPDX-License-Identifier: Apache-2.0
// Transaction conformance over ethereum/tests TransactionTests
// (../shared/testdata/ethereum/TransactionTests, README.md §1.4 there). For each case we use
// result.Cancun, or the latest fork given when Cancun is absent (ttWrongRLP and two
// ttSignature cases, all rejections):
// - valid: decode txbytes, check_transaction under Cancun rules for chain id 1 (chain id,
//   sender, then the other rules, in geth's order), compare the sender, hash =
//   keccak256(txbytes) = Transaction::hash, re-encoding = txbytes, and the intrinsic gas;
// - exception: decoding, validation or sender recovery must fail, and with an error of the
//   class the expected exception names (kExpected below); if decoding succeeds, the intrinsic
//   gas must still match where the test gives one.
// Every case is reported by name. Exclusions: none (kExcluded is empty and must stay justified).
// A second test takes the signed transactions (`txbytes`) of the GeneralStateTests
// directories about transactions (README.md §1.3 step 2): they must decode to the fields the
// test lists, with its sender; the one with a 257-bit value must not decode.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/testdata.hpp"
#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"
#include "protocol/validation.hpp"

using namespace xl;
using namespace xl::protocol;
using nlohmann::json;

namespace {

const std::filesystem::path kDir = "ethereum/TransactionTests";
// The tests are filled for mainnet: EIP-155 chain id 1.
constexpr uint64_t kChainId = 1;

// Cases we do not run, each with its reason. Empty: every case runs.
const std::map<std::string, std::string> kExcluded = {};

// Every structural RLP error: what the suite calls RLP_ERROR_SIZE etc. covers several of ours
// (a random byte inside a list can truncate it, leave trailing bytes or break a header).
const std::set<TxError> kAnyRlp = {TxError::kRlpTruncated,
                                   TxError::kRlpTrailingBytes,
                                   TxError::kRlpNonCanonicalSize,
                                   TxError::kRlpNonCanonicalInt,
                                   TxError::kRlpExpectedString,
                                   TxError::kRlpExpectedList,
                                   TxError::kRlpTooFewElements,
                                   TxError::kRlpTooManyElements,
                                   TxError::kRlpUint64Overflow,
                                   TxError::kRlpUint256Overflow,
                                   TxError::kRlpWrongLength,
                                   TxError::kTypeNotSupported,
                                   TxError::kEmpty};

// The errors of ours that are a correct rejection for each expected exception.
const std::map<std::string, std::set<TxError>> kExpected = {
    {"ADDRESS_TOO_SHORT", {TxError::kRlpWrongLength}},
    {"ADDRESS_TOO_LONG", {TxError::kRlpWrongLength}},
    {"RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_LONG", {TxError::kRlpWrongLength}},
    {"RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_SHORT", {TxError::kRlpWrongLength}},
    {"RLP_INVALID_ACCESS_LIST_STORAGE_TOO_LONG", {TxError::kRlpWrongLength}},
    {"RLP_INVALID_ACCESS_LIST_STORAGE_TOO_SHORT", {TxError::kRlpWrongLength}},
    {"INTRINSIC_GAS_TOO_LOW", {TxError::kIntrinsicGas}},
    {"INITCODE_SIZE_EXCEEDED", {TxError::kMaxInitCodeSize}},
    {"GASLIMIT_PRICE_PRODUCT_OVERFLOW", {TxError::kFeeProductOverflow}},
    {"PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS_2", {TxError::kTipAboveFeeCap}},
    {"NONCE_TOO_BIG", {TxError::kNonceMax}},
    {"NONCE_OVERFLOW", {TxError::kRlpUint64Overflow}},
    // 0x89 00..01: nine bytes with a leading zero; either defect rejects it.
    {"GASLIMIT_OVERFLOW", {TxError::kRlpUint64Overflow, TxError::kRlpNonCanonicalInt}},
    {"GASPRICE_OVERFLOW", {TxError::kRlpUint256Overflow}},
    {"PRIORITY_OVERFLOW", {TxError::kRlpUint256Overflow}},
    {"VALUE_OVERFLOW", {TxError::kRlpUint256Overflow}},
    {"RLP_LEADING_ZEROS_BASEFEE", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_PRIORITY_FEE", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_GASLIMIT", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_GASPRICE", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_NONCE", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_VALUE", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_R", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_S", {TxError::kRlpNonCanonicalInt}},
    {"RLP_LEADING_ZEROS_V", {TxError::kRlpNonCanonicalInt}},
    // 0x81 0x00..0x7f: a single byte below 0x80 wrapped as a string.
    {"RLP_LEADING_ZEROS_NONCE_SIZE", {TxError::kRlpNonCanonicalSize}},
    {"RLP_LEADING_ZEROS_DATA_SIZE", {TxError::kRlpNonCanonicalSize}},
    {"RLP_ERROR_SIZE_LEADING_ZEROS", {TxError::kRlpNonCanonicalSize}},
    {"RLP_INVALID_NONCE", {TxError::kRlpExpectedString}},
    {"RLP_INVALID_GASLIMIT", {TxError::kRlpExpectedString}},
    {"RLP_INVALID_DATA", {TxError::kRlpExpectedString}},
    {"RLP_INVALID_TO", {TxError::kRlpExpectedString}},
    {"RLP_INVALID_SIGNATURE_R", {TxError::kRlpExpectedString}},
    {"RLP_INVALID_SIGNATURE_S", {TxError::kRlpExpectedString}},
    {"RLP_TOO_FEW_ELEMENTS", {TxError::kRlpTooFewElements}},
    {"RLP_TOO_MANY_ELEMENTS", {TxError::kRlpTooManyElements}},
    // An RLP string (0x80..0xbf) where the envelope belongs: neither a type nor a list.
    {"RLP_INVALID_HEADER", {TxError::kTypeNotSupported}},
    {"TYPE_NOT_SUPPORTED", {TxError::kTypeNotSupported}},
    {"RLP_ERROR_EOF", {TxError::kTypeNotSupported, TxError::kRlpTruncated}},
    {"RLP_ERROR_SIZE", kAnyRlp},
    {"INVALID_CHAINID", {TxError::kInvalidChainId}},
    // v, r or s out of range; an r or s wider than 32 bytes overflows the integer first.
    {"INVALID_SIGNATURE_VRS", {TxError::kInvalidSignature, TxError::kRlpUint256Overflow}},
    {"EC_RECOVERY_FAIL", {TxError::kInvalidSender}},
};

struct Outcome {
    std::optional<TxError> error;   // the first failure: decoding, validation or recovery
    std::optional<Transaction> tx;  // if decoding succeeded
    std::optional<Address> sender;
    std::string field;  // where decoding stopped
};

Outcome run(BytesView raw) {
    Outcome o;
    DecodeDiagnostic diag;
    auto tx = decode_transaction(raw, &diag);
    if (!tx) {
        o.error = tx.error();
        o.field = std::string(diag.field);
        return o;
    }
    o.tx = *tx;
    auto sender = check_transaction(*tx, crypto::ecdsa_suite(), kChainId);
    if (!sender) {
        o.error = sender.error();
        return o;
    }
    o.sender = *sender;
    return o;
}

uint64_t parse_u64(const json& j) {
    auto v = U256::from_string(j.get<std::string>());
    EXPECT_TRUE(v.has_value()) << j.dump();
    return v && v->fits_u64() ? v->low64() : UINT64_MAX;
}

std::string describe(const Outcome& o) {
    if (!o.error) return "accepted";
    std::string s(to_string(*o.error));
    if (!o.field.empty()) s += " (at " + o.field + ")";
    return s;
}

}  // namespace

TEST(TransactionTests, EveryCase) {
    size_t cases = 0, valid = 0, rejected = 0, excluded = 0;
    for (const auto& path : testdata::json_files(kDir)) {
        const auto rel = std::filesystem::relative(path, testdata::root() / kDir).string();
        const json file = testdata::load_json(kDir / rel);
        ASSERT_TRUE(file.is_object()) << rel;
        for (const auto& [name, t] : file.items()) {
            ++cases;
            const std::string id = rel + "/" + name;
            if (auto it = kExcluded.find(id); it != kExcluded.end()) {
                ++excluded;
                std::printf("[ excluded ] %s: %s\n", id.c_str(), it->second.c_str());
                continue;
            }
            SCOPED_TRACE(id);
            const json& results = t.at("result");
            ASSERT_FALSE(results.empty()) << id;
            // Cancun, else the latest fork listed. nlohmann::json sorts keys alphabetically,
            // so "latest" comes from this list of forks, newest first.
            std::string fork = results.contains("Cancun") ? "Cancun" : "";
            if (fork.empty()) {
                static const std::vector<std::string> kForks = {
                    "Prague",         "Shanghai",  "Paris",    "Merge",
                    "London",         "Berlin",    "Istanbul", "ConstantinopleFix",
                    "Constantinople", "Byzantium", "EIP158",   "EIP150",
                    "Homestead",      "Frontier"};
                for (const auto& f : kForks) {
                    if (results.contains(f)) {
                        fork = f;
                        break;
                    }
                }
            }
            ASSERT_FALSE(fork.empty()) << id << ": no known fork in " << results.dump();
            const json& expect = results.at(fork);

            auto raw = from_hex(t.at("txbytes").get<std::string>());
            ASSERT_TRUE(raw.has_value()) << id;
            const Outcome o = run(*raw);
            const uint64_t want_gas = parse_u64(expect.at("intrinsicGas"));

            if (!expect.contains("exception")) {
                ++valid;
                const bool ok = !o.error.has_value();
                EXPECT_TRUE(ok) << id << ": valid transaction rejected: " << describe(o);
                std::printf("[ case     ] %s (%s): %s\n", id.c_str(), fork.c_str(),
                            ok ? "ok, valid" : ("FAILED: " + describe(o)).c_str());
                if (!ok) continue;
                const auto want_sender = fixed_from_hex<20>(expect.at("sender").get<std::string>());
                const auto want_hash = fixed_from_hex<32>(expect.at("hash").get<std::string>());
                ASSERT_TRUE(want_sender && want_hash) << id;
                EXPECT_EQ(to_hex(*o.sender), to_hex(*want_sender)) << id;
                EXPECT_EQ(to_hex(crypto::keccak256(*raw)), to_hex(*want_hash)) << id;
                EXPECT_EQ(to_hex(o.tx->hash(crypto::ecdsa_suite())), to_hex(*want_hash)) << id;
                EXPECT_EQ(to_hex(o.tx->encode()), to_hex(*raw)) << id;
                EXPECT_EQ(intrinsic_gas(*o.tx), want_gas) << id;
                continue;
            }

            ++rejected;
            std::string name_expected = expect.at("exception").get<std::string>();
            const std::string prefix = "TransactionException.";
            if (name_expected.starts_with(prefix)) name_expected.erase(0, prefix.size());
            const bool failed = o.error.has_value();
            bool right_class = false;
            if (failed) {
                auto it = kExpected.find(name_expected);
                EXPECT_NE(it, kExpected.end()) << id << ": no mapping for " << name_expected;
                right_class = it != kExpected.end() && it->second.contains(*o.error);
            }
            std::printf("[ case     ] %s (%s): %s, expected %s, got: %s\n", id.c_str(),
                        fork.c_str(), failed && right_class ? "ok" : "FAILED",
                        name_expected.c_str(), describe(o).c_str());
            EXPECT_TRUE(failed) << id << ": accepted, but expected " << name_expected;
            EXPECT_TRUE(!failed || right_class)
                << id << ": rejected for the wrong reason: " << describe(o) << ", expected "
                << name_expected;
            if (o.tx && want_gas != 0) {
                EXPECT_EQ(intrinsic_gas(*o.tx), want_gas) << id;
            }
        }
    }
    std::printf("[ summary  ] %zu cases: %zu valid, %zu rejections, %zu excluded\n", cases, valid,
                rejected, excluded);
    // README §1.4: 210 files; a shrinking count means the data or the walk is broken.
    EXPECT_GE(cases, 210u);
    EXPECT_EQ(excluded, kExcluded.size());
}

namespace {

// The GeneralStateTests directories whose subject is the transaction itself.
const char* const kStateTestDirs[] = {
    "ethereum/GeneralStateTests/stEIP1559",
    "ethereum/GeneralStateTests/stEIP2930",
    "ethereum/GeneralStateTests/stTransactionTest",
    "ethereum/GeneralStateTests/stChainId",
    "ethereum/GeneralStateTests/stEIP3607",
    "ethereum/GeneralStateTests/stInitCodeTest",
    "ethereum/GeneralStateTests/Shanghai/stEIP3860-limitmeterinitcode",
};

// Exceptions that need no state: our stateless rules must reject these transactions.
const std::set<std::string> kStatelessExceptions = {
    "TransactionException.INTRINSIC_GAS_TOO_LOW",
    "TransactionException.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
    "TransactionException.INITCODE_SIZE_EXCEEDED",
    "TransactionException.GASLIMIT_PRICE_PRODUCT_OVERFLOW",
    "TransactionException.NONCE_IS_MAX",
};

std::vector<std::string> split_alternatives(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t bar; (bar = s.find('|', start)) != std::string::npos; start = bar + 1) {
        out.push_back(s.substr(start, bar - start));
    }
    out.push_back(s.substr(start));
    return out;
}

U256 u256_of(const json& j) {
    auto v = U256::from_string(j.get<std::string>());
    EXPECT_TRUE(v.has_value()) << j.dump();
    return v.value_or(U256(0));
}

// The transaction the test describes for one post entry, compared field by field.
void expect_fields(const json& t, const json& indexes, const Transaction& tx,
                   const std::string& id) {
    const size_t d = indexes.at("data"), g = indexes.at("gas"), v = indexes.at("value");
    // Type 2 with fee caps; else type 1 if this data index has an access list (a null entry
    // of accessLists means none: a legacy transaction); else legacy.
    const bool has_list = t.contains("accessLists") && !t["accessLists"].at(d).is_null();
    const TxType want_type = t.contains("maxFeePerGas") ? TxType::kDynamicFee
                             : has_list                 ? TxType::kAccessList
                                                        : TxType::kLegacy;
    EXPECT_EQ(tx.type, want_type) << id;
    EXPECT_EQ(U256(tx.nonce), u256_of(t.at("nonce"))) << id;
    EXPECT_EQ(U256(tx.gas_limit), u256_of(t.at("gasLimit").at(g))) << id;
    EXPECT_EQ(tx.value, u256_of(t.at("value").at(v))) << id;
    EXPECT_EQ(to_hex(tx.data), t.at("data").at(d).get<std::string>()) << id;
    const std::string to = t.at("to").get<std::string>();
    EXPECT_EQ(tx.to ? to_hex(*tx.to) : std::string(), to.empty() ? to : to_hex(*from_hex(to)))
        << id;
    if (want_type == TxType::kDynamicFee) {
        EXPECT_EQ(tx.max_fee, u256_of(t.at("maxFeePerGas"))) << id;
        EXPECT_EQ(tx.max_priority_fee, u256_of(t.at("maxPriorityFeePerGas"))) << id;
    } else {
        EXPECT_EQ(tx.gas_price, u256_of(t.at("gasPrice"))) << id;
    }
    json want_list = json::array();
    if (has_list) want_list = t["accessLists"].at(d);
    ASSERT_EQ(tx.access_list.size(), want_list.size()) << id;
    for (size_t i = 0; i < want_list.size(); ++i) {
        EXPECT_EQ(to_hex(tx.access_list[i].address),
                  to_hex(*from_hex(want_list[i].at("address").get<std::string>())))
            << id;
        const json& keys = want_list[i].at("storageKeys");
        ASSERT_EQ(tx.access_list[i].storage_keys.size(), keys.size()) << id;
        for (size_t k = 0; k < keys.size(); ++k) {
            EXPECT_EQ(to_hex(tx.access_list[i].storage_keys[k]), keys[k].get<std::string>()) << id;
        }
    }
}

}  // namespace

TEST(GeneralStateTestsTxbytes, DecodeToTheTestsTransaction) {
    size_t entries = 0, rejected = 0;
    for (const char* dir : kStateTestDirs) {
        for (const auto& path : testdata::json_files(dir)) {
            const auto rel = std::filesystem::relative(path, testdata::root()).string();
            const json file = testdata::load_json(rel);
            for (const auto& [name, test] : file.items()) {
                if (!test.at("post").contains("Cancun")) continue;
                const json& t = test.at("transaction");
                const auto want_sender = fixed_from_hex<20>(t.at("sender").get<std::string>());
                ASSERT_TRUE(want_sender.has_value()) << rel;
                for (const auto& post : test["post"]["Cancun"]) {
                    ++entries;
                    const json& ix = post.at("indexes");
                    const std::string id = rel + "/" + name + " d" + ix.at("data").dump() + "g" +
                                           ix.at("gas").dump() + "v" + ix.at("value").dump();
                    const std::string exception = post.value("expectException", "");
                    auto raw = from_hex(post.at("txbytes").get<std::string>());
                    ASSERT_TRUE(raw.has_value()) << id;
                    DecodeDiagnostic diag;
                    auto tx = decode_transaction(*raw, &diag);
                    if (exception == "TransactionException.RLP_INVALID_VALUE") {
                        // A value of more than 256 bits (README.md §1.3).
                        ++rejected;
                        ASSERT_FALSE(tx.has_value()) << id;
                        EXPECT_EQ(tx.error(), TxError::kRlpUint256Overflow) << id;
                        EXPECT_EQ(diag.field, "value") << id;
                        std::printf("[ case     ] %s: ok, rejected: %s (at %s)\n", id.c_str(),
                                    std::string(to_string(tx.error())).c_str(),
                                    std::string(diag.field).c_str());
                        continue;
                    }
                    ASSERT_TRUE(tx.has_value()) << id << ": " << to_string(tx.error());
                    EXPECT_EQ(tx->encode(), *raw) << id;
                    expect_fields(t, ix, *tx, id);
                    auto sender = tx->recover_sender(crypto::ecdsa_suite());
                    ASSERT_TRUE(sender.has_value()) << id << ": " << to_string(sender.error());
                    EXPECT_EQ(to_hex(*sender), to_hex(*want_sender)) << id;
                    // Stateless rules: valid entries pass them; entries whose every expected
                    // exception is stateless fail them; state-dependent ones are not ours.
                    auto checked = check_transaction(*tx, crypto::ecdsa_suite(), kChainId);
                    const auto alternatives = split_alternatives(exception);
                    bool all_stateless = !exception.empty();
                    for (const auto& a : alternatives) {
                        all_stateless = all_stateless && kStatelessExceptions.contains(a);
                    }
                    if (exception.empty()) {
                        EXPECT_TRUE(checked.has_value())
                            << id << ": " << to_string(checked.error());
                    } else if (all_stateless) {
                        ++rejected;
                        EXPECT_FALSE(checked.has_value()) << id << ": expected " << exception;
                    }
                    const bool ok =
                        exception.empty() ? checked.has_value() : (!all_stateless || !checked);
                    std::printf("[ case     ] %s: %s, %s%s%s\n", id.c_str(), ok ? "ok" : "FAILED",
                                checked ? "accepted" : "rejected: ",
                                checked ? "" : std::string(to_string(checked.error())).c_str(),
                                exception.empty() ? "" : (", expected " + exception).c_str());
                }
            }
        }
    }
    std::printf("[ summary  ] %zu GeneralStateTests entries, %zu rejected statelessly\n", entries,
                rejected);
    EXPECT_GE(entries, 2000u);
}
