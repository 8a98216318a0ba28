// SPDX-License-Identifier: Apache-2.0
// Helpers for the txpool tests: an in-memory AccountReader and signed transfers of both suites.
#pragma once

#include <map>
#include <mutex>
#include <random>
#include <utility>

#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"
#include "protocol/tx_testing.hpp"
#include "txpool/txpool.hpp"

namespace xl::test {

inline constexpr uint64_t kChainId = 1337;
inline constexpr uint64_t kBlockGasLimit = 30'000'000;

// Accounts default to nonce 0 and a large balance. Thread-safe (the concurrent tests share one).
class MapReader : public txpool::AccountReader {
public:
    uint64_t nonce(const Address& a) const override {
        std::lock_guard lk(mu_);
        auto it = accounts_.find(a);
        return it == accounts_.end() ? 0 : it->second.first;
    }
    U256 balance(const Address& a) const override {
        std::lock_guard lk(mu_);
        auto it = accounts_.find(a);
        return it == accounts_.end() ? kRich : it->second.second;
    }
    void set(const Address& a, uint64_t nonce, U256 balance = kRich) {
        std::lock_guard lk(mu_);
        accounts_[a] = {nonce, balance};
    }

    static inline const U256 kRich = U256(1) << 200;

private:
    mutable std::mutex mu_;
    std::map<Address, std::pair<uint64_t, U256>> accounts_;
};

struct Signer {
    const crypto::CryptoSuite* suite;
    crypto::SecretKey sk;
    Address address;
};

inline Signer make_signer(const crypto::CryptoSuite& suite, std::mt19937_64& rng) {
    Signer s{&suite, random_key(rng, suite), {}};
    s.address = suite.address(*suite.public_key(s.sk));
    return s;
}

// The fields a test varies; the rest is a plain transfer.
struct TxSpec {
    uint64_t nonce = 0;
    U256 fee_cap{10};
    U256 tip{1};
    uint64_t gas = 21000;
    U256 value{0};
    Bytes data;
    std::optional<uint64_t> chain_id = kChainId;
    std::optional<protocol::TxType> type;  // default: 1559 (ecdsa) or sm
};

inline protocol::Transaction unsigned_tx(const Signer& s, const TxSpec& spec) {
    protocol::Transaction tx;
    tx.type = spec.type ? *spec.type
                        : (s.suite->id() == crypto::SuiteId::kSm ? protocol::TxType::kSm
                                                                 : protocol::TxType::kDynamicFee);
    if (spec.chain_id) tx.chain_id = U256(*spec.chain_id);
    tx.nonce = spec.nonce;
    tx.gas_price = spec.fee_cap;
    tx.max_fee = spec.fee_cap;
    tx.max_priority_fee = spec.tip;
    tx.gas_limit = spec.gas;
    tx.to = Address{};
    tx.to->bytes[19] = 0x42;
    tx.value = spec.value;
    tx.data = spec.data;
    return tx;
}

inline protocol::Transaction signed_tx(const Signer& s, const TxSpec& spec) {
    auto tx = unsigned_tx(s, spec);
    auto ok = tx.sign(*s.suite, s.sk);
    EXPECT_TRUE(ok.has_value());
    return tx;
}

inline Bytes raw_tx(const Signer& s, const TxSpec& spec) {
    return signed_tx(s, spec).encode();
}

}  // namespace xl::test
