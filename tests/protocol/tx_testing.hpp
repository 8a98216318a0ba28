// SPDX-License-Identifier: Apache-2.0
// Helpers for the protocol tests: seeds (STYLE.md 14), seeded keys and random transactions.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "crypto/suite.hpp"
#include "protocol/transaction.hpp"

#include "common/seed.hpp"

namespace xl::test {

inline Bytes random_bytes(std::mt19937_64& rng, size_t n) {
    Bytes b(n);
    for (auto& x : b)
        x = static_cast<uint8_t>(rng());
    return b;
}

template <size_t N>
FixedBytes<N> random_fixed(std::mt19937_64& rng) {
    FixedBytes<N> f;
    for (auto& x : f.bytes)
        x = static_cast<uint8_t>(rng());
    return f;
}

// A U256 of a random bit length, so that every encoded size (0..32 bytes) occurs.
inline U256 random_u256(std::mt19937_64& rng) {
    U256 v = U256::from_limbs(rng(), rng(), rng(), rng());
    return v >> (rng() % 257);
}

inline uint64_t random_u64(std::mt19937_64& rng) {
    return rng() >> (rng() % 64);
}

// A valid secret key of the suite drawn from rng (the suite's generate_key is not seeded).
inline crypto::SecretKey random_key(std::mt19937_64& rng, const crypto::CryptoSuite& suite) {
    for (;;) {
        auto sk = random_fixed<32>(rng);
        if (suite.public_key(sk)) return sk;
    }
}

// An unsigned transaction of the given type with random fields, every one of them in range
// (nonce <= 2^64-2, tip <= fee cap), sometimes a creation, sometimes with an access list.
inline protocol::Transaction random_tx(std::mt19937_64& rng, protocol::TxType type) {
    using protocol::TxType;
    protocol::Transaction tx;
    tx.type = type;
    if (type != TxType::kLegacy || rng() % 2) tx.chain_id = U256(random_u64(rng));
    tx.nonce = random_u64(rng) % UINT64_MAX;
    if (type == TxType::kLegacy || type == TxType::kAccessList) {
        tx.gas_price = random_u256(rng);
    } else {
        tx.max_fee = random_u256(rng);
        tx.max_priority_fee = tx.max_fee >> (rng() % 257);
    }
    tx.gas_limit = random_u64(rng);
    if (rng() % 4) tx.to = random_fixed<20>(rng);
    tx.value = random_u256(rng);
    tx.data = random_bytes(rng, rng() % 4 ? rng() % 80 : rng() % 2000);
    for (auto& b : tx.data)
        b = (rng() % 3) ? b : 0;  // zero bytes cost differently
    if (type != TxType::kLegacy) {
        const size_t n = rng() % 4;
        for (size_t i = 0; i < n; ++i) {
            protocol::AccessListEntry e;
            e.address = random_fixed<20>(rng);
            const size_t keys = rng() % 4;
            for (size_t k = 0; k < keys; ++k)
                e.storage_keys.push_back(random_fixed<32>(rng));
            tx.access_list.push_back(std::move(e));
        }
    }
    return tx;
}

}  // namespace xl::test
