// SPDX-License-Identifier: Apache-2.0
// Genesis parsing (every field's errors, with the field named), validator-set hash and block 0,
// under both suites.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <random>
#include <string>

#include "codec/rlp.hpp"
#include "ledger/genesis.hpp"
#include "state/state.hpp"
#include "trie/trie.hpp"

#include "protocol/tx_testing.hpp"

namespace xl::ledger {
namespace {

using Json = nlohmann::json;

struct Key {
    crypto::SecretKey sk;
    crypto::PublicKey pk;
    Address address;
};

Key make_key(const crypto::CryptoSuite& suite, std::mt19937_64& rng) {
    Key k;
    k.sk = test::random_key(rng, suite);
    k.pk = *suite.public_key(k.sk);
    k.address = suite.address(k.pk);
    return k;
}

std::string pk65(const crypto::PublicKey& pk) {
    return to_hex(concat(Bytes{0x04}, pk));
}

// A valid genesis in the fixed format `xinlian init` writes.
Json valid_genesis(const crypto::CryptoSuite& suite, std::mt19937_64& rng, int validators = 2) {
    Json g = {
        {"chainId", 1337},   {"crypto", std::string(suite.name())},
        {"timestamp", 0},    {"gasLimit", "0x3b9aca00"},
        {"baseFee", "0x0"},  {"blockIntervalMs", 1000},
        {"extraData", "0x"},
    };
    g["validators"] = Json::array();
    for (int i = 0; i < validators; ++i) {
        const Key k = make_key(suite, rng);
        g["validators"].push_back({{"address", to_hex(k.address)},
                                   {"publicKey", pk65(k.pk)},
                                   {"organisation", "org" + std::to_string(i)},
                                   {"power", 1}});
    }
    g["alloc"] = {
        {"0x1111111111111111111111111111111111111111", {{"balance", "0xde0b6b3a7640000"}}},
        {"0x2222222222222222222222222222222222222222",
         {{"balance", "0x0"},
          {"nonce", "0x1"},
          {"code", "0x6001600055"},
          {"storage", {{"0x01", "0x02"}, {"0x03", "0x0"}}}}},
    };
    return g;
}

class GenesisTest : public ::testing::TestWithParam<crypto::SuiteId> {
protected:
    const crypto::CryptoSuite& suite() const {
        return GetParam() == crypto::SuiteId::kSm ? crypto::sm_suite() : crypto::ecdsa_suite();
    }
    // The error of parsing g (the test fails if it parses).
    std::string error_of(const Json& g) {
        auto r = parse_genesis(g.dump());
        EXPECT_FALSE(r.has_value()) << g.dump();
        return r ? std::string() : r.error();
    }
    std::mt19937_64 rng_{test::seed()};
};

TEST_P(GenesisTest, ParsesTheFixedFormat) {
    const Json j = valid_genesis(suite(), rng_);
    auto g = parse_genesis(j.dump(2));
    ASSERT_TRUE(g.has_value()) << g.error();
    EXPECT_EQ(g->chain_id, 1337u);
    EXPECT_EQ(g->suite, suite().id());
    EXPECT_EQ(&g->crypto_suite(), &suite());
    EXPECT_EQ(g->gas_limit, 1'000'000'000u);
    EXPECT_EQ(g->base_fee, U256(0));
    EXPECT_EQ(g->block_interval_ms, 1000u);
    EXPECT_TRUE(g->extra_data.empty());
    ASSERT_EQ(g->validators.size(), 2u);
    EXPECT_EQ(g->validators[1].organisation, "org1");
    EXPECT_EQ(to_hex(g->validators[0].address), j["validators"][0]["address"]);
    ASSERT_EQ(g->alloc.size(), 2u);
    const auto& acc = g->alloc.at(Address::from(Bytes(20, 0x22)));
    EXPECT_EQ(acc.nonce, 1u);
    EXPECT_EQ(acc.code, hex_literal("6001600055"));
    // The zero slot is dropped: it does not exist in the state.
    ASSERT_EQ(acc.storage.size(), 1u);
    EXPECT_EQ(acc.storage.at(U256(1)), U256(2));
    EXPECT_EQ(g->alloc.at(Address::from(Bytes(20, 0x11))).balance,
              U256(1'000'000'000'000'000'000ULL));
}

TEST_P(GenesisTest, QuantitiesAsNumbersOrHex) {
    Json j = valid_genesis(suite(), rng_);
    j["chainId"] = "0x539";
    j["gasLimit"] = 30000000;
    j["timestamp"] = "0x10";
    j["baseFee"] = 7;
    j["extraData"] = "0xABcd";
    auto g = parse_genesis(j.dump());
    ASSERT_TRUE(g.has_value()) << g.error();
    EXPECT_EQ(g->chain_id, 1337u);
    EXPECT_EQ(g->gas_limit, 30'000'000u);
    EXPECT_EQ(g->timestamp, 16u);
    EXPECT_EQ(g->base_fee, U256(7));
    EXPECT_EQ(g->extra_data, hex_literal("abcd"));
}

TEST_P(GenesisTest, TopLevelErrorsNameTheField) {
    const Json good = valid_genesis(suite(), rng_);
    auto with = [&](const char* key, Json v) {
        Json j = good;
        j[key] = std::move(v);
        return j;
    };
    auto without = [&](const char* key) {
        Json j = good;
        j.erase(key);
        return j;
    };
    for (const char* key : {"chainId", "crypto", "timestamp", "gasLimit", "baseFee",
                            "blockIntervalMs", "extraData", "validators", "alloc"}) {
        EXPECT_EQ(error_of(without(key)), std::string(key) + ": missing");
    }
    EXPECT_EQ(error_of(with("chainId", "1337")), "chainId: not a hex quantity");
    EXPECT_EQ(error_of(with("chainId", -1)), "chainId: not a hex quantity");
    EXPECT_EQ(error_of(with("chainId", 1.5)), "chainId: not a hex quantity");
    EXPECT_EQ(error_of(with("chainId", "0x")), "chainId: not a hex quantity");
    EXPECT_EQ(error_of(with("chainId", "0xzz")), "chainId: not a hex quantity");
    EXPECT_EQ(error_of(with("chainId", 0)), "chainId: must be at least 1");
    EXPECT_EQ(error_of(with("crypto", "rsa")), "crypto: must be \"ecdsa\" or \"sm\"");
    EXPECT_EQ(error_of(with("crypto", 1)), "crypto: must be \"ecdsa\" or \"sm\"");
    EXPECT_EQ(error_of(with("timestamp", "0x10000000000000000")),
              "timestamp: does not fit in 64 bits");
    EXPECT_EQ(error_of(with("gasLimit", 20999)), "gasLimit: below 21000");
    EXPECT_EQ(error_of(with("gasLimit", "0x8000000000000000")), "gasLimit: above 2^63 - 1");
    EXPECT_EQ(error_of(with("baseFee", "0x1" + std::string(64, '0'))), "baseFee: exceeds 256 bits");
    EXPECT_EQ(error_of(with("blockIntervalMs", 0)), "blockIntervalMs: must be at least 1");
    EXPECT_EQ(error_of(with("extraData", "0x123")), "extraData: not a hex string");
    EXPECT_EQ(error_of(with("extraData", "abcd")), "extraData: not a hex string");
    EXPECT_EQ(error_of(with("extraData", "0x" + std::string(66, 'a'))),
              "extraData: longer than 32 bytes");
    EXPECT_EQ(error_of(with("gaslimit", 1)), "unknown field \"gaslimit\"");
    EXPECT_EQ(error_of(with("validators", Json::object())), "validators: not an array");
    EXPECT_EQ(error_of(with("validators", Json::array())),
              "validators: at least one validator is required");
    EXPECT_EQ(error_of(with("alloc", Json::array())), "alloc: not an object");
}

TEST_P(GenesisTest, ValidatorErrors) {
    const Json good = valid_genesis(suite(), rng_);
    auto with = [&](const char* key, Json v) {
        Json j = good;
        j["validators"][1][key] = std::move(v);
        return j;
    };
    const Key other = make_key(suite(), rng_);
    const std::string derived = good["validators"][1]["address"];
    EXPECT_EQ(error_of(with("address", to_hex(other.address))),
              "validators[1].address: " + to_hex(other.address) + " is not the " +
                  std::string(suite().name()) + " address of publicKey (" + derived + ")");
    EXPECT_EQ(error_of(with("address", "0x1234")), "validators[1].address: must be 20 bytes");
    EXPECT_EQ(error_of(with("publicKey", to_hex(other.pk))),
              "validators[1].publicKey: must be 65 bytes");
    Bytes compressed = concat(Bytes{0x02}, other.pk);
    EXPECT_EQ(error_of(with("publicKey", to_hex(compressed))),
              "validators[1].publicKey: must be uncompressed (0x04 prefix)");
    crypto::PublicKey off = other.pk;
    off[63] ^= 1;  // y changed: not on the curve
    EXPECT_EQ(
        error_of(with("publicKey", pk65(off))),
        "validators[1].publicKey: not a point on the " + std::string(suite().name()) + " curve");
    EXPECT_EQ(error_of(with("power", 0)), "validators[1].power: must be at least 1");
    EXPECT_EQ(error_of(with("power", "abc")), "validators[1].power: not a hex quantity");
    EXPECT_EQ(error_of(with("organisation", "")),
              "validators[1].organisation: not a non-empty string");
    EXPECT_EQ(error_of(with("organisation", std::string(kMaxOrganisationLength + 1, 'o'))),
              "validators[1].organisation: longer than 256 bytes");
    EXPECT_EQ(error_of(with("extra", 1)), "validators[1]: unknown field \"extra\"");
    {
        Json j = good;
        j["validators"][1].erase("organisation");
        EXPECT_EQ(error_of(j), "validators[1].organisation: missing");
    }
    {
        Json j = good;
        j["validators"][1] = j["validators"][0];
        EXPECT_EQ(error_of(j),
                  "validators[1].address: " + std::string(good["validators"][0]["address"]) +
                      " appears twice");
    }
    {
        Json j = good;
        j["validators"][0]["power"] = "0x" + std::string(15, 'f');
        j["validators"][1]["power"] = "0x" + std::string(15, 'f');
        EXPECT_EQ(error_of(j), "validators[1].power: total voting power exceeds 2^60");
    }
    {
        Json j = good;
        j["validators"][1] = "x";
        EXPECT_EQ(error_of(j), "validators[1]: not an object");
    }
}

TEST_P(GenesisTest, AllocErrors) {
    const Json good = valid_genesis(suite(), rng_);
    const std::string a = "0x1111111111111111111111111111111111111111";
    auto with = [&](const char* key, Json v) {
        Json j = good;
        j["alloc"][a][key] = std::move(v);
        return j;
    };
    EXPECT_EQ(error_of(with("balance", "xyz")), "alloc." + a + ": balance: not a hex quantity");
    EXPECT_EQ(error_of(with("nonce", "0xffffffffffffffff")),
              "alloc." + a + ": nonce: above 2^64 - 2 (EIP-2681)");
    EXPECT_EQ(error_of(with("code", "0x600")), "alloc." + a + ": code: not a hex string");
    EXPECT_EQ(error_of(with("code", "0x" + std::string(2 * (kMaxGenesisCodeSize + 1), 'f'))),
              "alloc." + a + ": code: longer than 24576 bytes (EIP-170)");
    EXPECT_EQ(error_of(with("storage", "0x")), "alloc." + a + ": storage: not an object");
    EXPECT_EQ(error_of(with("storage", {{"0x1", "bad"}})),
              "alloc." + a + ": storage.0x1: not a hex quantity");
    EXPECT_EQ(error_of(with("storage", {{"key", "0x1"}})),
              "alloc." + a + ": storage.key: key: not a hex quantity");
    EXPECT_EQ(error_of(with("storage", {{"0x1", "0x1"}, {"0x01", "0x2"}})),
              "alloc." + a + ": storage.0x1: slot appears twice");
    EXPECT_EQ(error_of(with("code_hash", "0x")), "alloc." + a + ": unknown field \"code_hash\"");
    {
        Json j = good;
        j["alloc"][a].erase("balance");
        EXPECT_EQ(error_of(j), "alloc." + a + ": balance: missing");
    }
    {
        Json j = good;
        j["alloc"]["0x12"] = {{"balance", "0x1"}};
        EXPECT_EQ(error_of(j), "alloc.0x12: must be 20 bytes");
    }
    {
        Json j = good;
        j["alloc"][a] = 5;
        EXPECT_EQ(error_of(j), "alloc." + a + ": not an object");
    }
    {
        // The same address twice, spelt in two cases.
        Json j = good;
        j["alloc"]["0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] = {{"balance", "0x1"}};
        j["alloc"]["0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] = {{"balance", "0x1"}};
        EXPECT_EQ(error_of(j),
                  "alloc.0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: address appears twice");
    }
}

TEST_P(GenesisTest, FileLevelErrorsAndLimits) {
    auto err = [](std::string_view text) {
        auto r = parse_genesis(text);
        EXPECT_FALSE(r.has_value());
        return r ? std::string() : r.error();
    };
    EXPECT_EQ(err("{"), "genesis: not valid JSON");
    EXPECT_EQ(err("[]"), "genesis: not a JSON object");
    EXPECT_EQ(err(std::string(100, '[') + std::string(100, ']')), "genesis: nested deeper than 8");
    EXPECT_EQ(err(std::string(kMaxGenesisFileSize + 1, ' ')),
              "genesis: larger than 67108864 bytes");
    Json j = valid_genesis(suite(), rng_, 1);
    Json alloc = Json::object();
    for (size_t i = 0; i <= kMaxGenesisAccounts; ++i) {
        Bytes addr(20, 0);
        for (size_t b = 0; b < 8; ++b)
            addr[19 - b] = static_cast<uint8_t>(i >> (8 * b));
        alloc[to_hex(addr)] = {{"balance", 1}};
    }
    j["alloc"] = std::move(alloc);
    EXPECT_EQ(err(j.dump()), "alloc: more than 100000 accounts");
}

TEST_P(GenesisTest, ValidatorSetHashAndHeader) {
    const Json j = valid_genesis(suite(), rng_);
    auto g = parse_genesis(j.dump());
    ASSERT_TRUE(g.has_value()) << g.error();
    // RLP([[address, publicKey (64 bytes), power], ...]) under the suite hash, built by hand.
    std::vector<Bytes> entries;
    for (const Validator& v : g->validators) {
        Bytes address, pk, power;
        rlp::encode_string(address, v.address);
        rlp::encode_string(pk, v.public_key);
        rlp::encode_uint(power, v.power);
        entries.push_back(rlp::encode_list(std::vector<Bytes>{address, pk, power}));
    }
    const Hash256 vsh = suite().hash(rlp::encode_list(entries));
    EXPECT_EQ(validator_set_hash(suite(), g->validators), vsh);
    auto reversed = g->validators;
    std::swap(reversed[0], reversed[1]);
    EXPECT_NE(validator_set_hash(suite(), reversed), vsh);  // order is part of the set

    state::State st;
    for (const auto& [addr, acc] : g->alloc)
        st.put_account(addr, acc);
    const Hash256 root = *st.state_root(suite());

    auto h = genesis_header(*g);
    ASSERT_TRUE(h.has_value()) << h.error();
    EXPECT_EQ(h->number, 0u);
    EXPECT_TRUE(h->parent_hash.is_zero());
    EXPECT_TRUE(h->proposer.is_zero());
    EXPECT_EQ(h->state_root, root);
    EXPECT_EQ(h->transactions_root, trie::empty_root(suite()));
    EXPECT_EQ(h->receipts_root, trie::empty_root(suite()));
    EXPECT_EQ(h->logs_bloom, protocol::Bloom{});
    EXPECT_EQ(h->gas_used, 0u);
    EXPECT_EQ(h->gas_limit, g->gas_limit);
    EXPECT_EQ(h->timestamp, g->timestamp);
    EXPECT_EQ(h->validator_set_hash, vsh);
    EXPECT_TRUE(h->prev_certificate_hash.is_zero());

    // An empty alloc has the empty state root.
    Genesis empty = *g;
    empty.alloc.clear();
    EXPECT_EQ(genesis_header(empty)->state_root, trie::empty_root(suite()));
}

INSTANTIATE_TEST_SUITE_P(BothSuites, GenesisTest,
                         ::testing::Values(crypto::SuiteId::kEcdsa, crypto::SuiteId::kSm),
                         [](const auto& info) {
                             return info.param == crypto::SuiteId::kSm ? "sm" : "ecdsa";
                         });

}  // namespace
}  // namespace xl::ledger
