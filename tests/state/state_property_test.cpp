// SPDX-License-Identifier: Apache-2.0
// Property test of state::State: random operation sequences with random nested snapshots and
// reverts, checked after every step against a copy-based reference model (a snapshot of the
// model is a full copy, so revert is trivially right there). Also checks that the incremental
// state root equals the root of a State rebuilt from scratch. Prints its seed (XL_TEST_SEED).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "common/seed.hpp"
#include "crypto/hash.hpp"
#include "crypto/suite.hpp"
#include "state/state.hpp"

namespace xl::state {
namespace {

struct MAcc {
    uint64_t nonce = 0;
    U256 balance;
    Bytes code;
    std::map<U256, U256> storage;
    bool empty() const { return nonce == 0 && balance.is_zero() && code.empty(); }
};

// The reference: plain values, copied whole at each snapshot.
struct Model {
    std::map<Address, MAcc> accounts;
    std::map<Address, MAcc> tx_start;  // accounts at begin_transaction (EIP-2200 originals)
    std::map<std::pair<Address, U256>, U256> transient;
    std::set<Address> warm;
    std::set<std::pair<Address, U256>> warm_slots;
    std::set<Address> created, destructed, touched;

    MAcc& ensure(const Address& a) {
        auto it = accounts.find(a);
        if (it != accounts.end()) return it->second;
        touched.insert(a);
        return accounts[a];
    }
    U256 original(const Address& a, const U256& k) const {
        auto it = tx_start.find(a);
        if (it == tx_start.end()) return U256{};
        auto s = it->second.storage.find(k);
        return s == it->second.storage.end() ? U256{} : s->second;
    }
    void finalize() {
        for (const auto& a : destructed)
            if (created.contains(a)) accounts.erase(a);
        for (const auto& a : touched) {
            auto it = accounts.find(a);
            if (it != accounts.end() && it->second.empty()) accounts.erase(it);
        }
        transient.clear();
        warm.clear();
        warm_slots.clear();
        created.clear();
        destructed.clear();
        touched.clear();
        tx_start = accounts;
    }
};

class Runner {
public:
    explicit Runner(uint64_t seed) : rng_(seed) {
        for (int i = 0; i < 6; ++i) {
            Address a;
            a.bytes[19] = static_cast<uint8_t>(i + 1);
            a.bytes[0] = static_cast<uint8_t>(0x10 * i);
            addrs_.push_back(a);
        }
        keys_ = {U256{0}, U256{1}, U256{7}, U256::max()};
    }

    void run(int steps) {
        // A small pre-state, loaded without journaling.
        for (size_t i = 0; i < 3; ++i) {
            GenesisAccount g;
            g.nonce = i;
            g.balance = U256{100 * i};
            if (i == 2) g.code = {0x60, 0x00};
            g.storage[keys_[i]] = U256{i + 1};
            st_.put_account(addrs_[i], g);
            m_.accounts[addrs_[i]] = MAcc{g.nonce, g.balance, g.code, g.storage};
        }
        st_.begin_transaction();
        m_.tx_start = m_.accounts;
        for (step_ = 0; step_ < steps; ++step_) {
            one_step();
            check();
            if (::testing::Test::HasFailure()) return;
        }
    }

private:
    const Address& addr() { return addrs_[rng_() % addrs_.size()]; }
    const U256& key() { return keys_[rng_() % keys_.size()]; }
    U256 value() {
        switch (rng_() % 4) {
            case 0:
                return U256{};
            case 1:
                return U256{rng_() % 5};
            case 2:
                return U256::max() - U256{rng_() % 3};
            default:
                return U256{rng_() % 1000};
        }
    }

    void one_step() {
        const Address a = addr();
        switch (rng_() % 22) {
            case 0:
                st_.create_account(a);
                {
                    U256 bal = m_.accounts.contains(a) ? m_.accounts[a].balance : U256{};
                    m_.accounts[a] = MAcc{0, bal, {}, {}};
                    m_.created.insert(a);
                    m_.touched.insert(a);
                }
                break;
            case 1:
                st_.ensure_account(a);
                m_.ensure(a);
                break;
            case 2:
                st_.touch(a);
                m_.touched.insert(a);
                break;
            case 3:
                st_.delete_account(a);
                if (m_.accounts.erase(a) != 0) m_.touched.insert(a);
                break;
            case 4: {
                const uint64_t n = rng_() % 2 ? rng_() % 4 : UINT64_MAX;
                st_.set_nonce(a, n);
                m_.ensure(a).nonce = n;
                m_.touched.insert(a);
                break;
            }
            case 5: {
                const bool ok = st_.increment_nonce(a).has_value();
                const uint64_t n = m_.accounts.contains(a) ? m_.accounts[a].nonce : 0;
                ASSERT_EQ(ok, n != UINT64_MAX) << where();
                if (ok) {
                    m_.ensure(a).nonce = n + 1;
                    m_.touched.insert(a);
                }
                break;
            }
            case 6: {
                const U256 v = value();
                st_.set_balance(a, v);
                m_.ensure(a).balance = v;
                m_.touched.insert(a);
                break;
            }
            case 7:
            case 8: {
                const U256 v = value();
                const bool ok = st_.add_balance(a, v).has_value();
                const U256 b = m_.accounts.contains(a) ? m_.accounts[a].balance : U256{};
                ASSERT_EQ(ok, b + v >= b) << where();
                if (ok) {
                    m_.ensure(a).balance = b + v;
                    m_.touched.insert(a);
                }
                break;
            }
            case 9: {
                const U256 v = value();
                const bool ok = st_.sub_balance(a, v).has_value();
                const U256 b = m_.accounts.contains(a) ? m_.accounts[a].balance : U256{};
                ASSERT_EQ(ok, b >= v) << where();
                if (ok) {
                    m_.ensure(a).balance = b - v;
                    m_.touched.insert(a);
                }
                break;
            }
            case 10: {
                Bytes code = test::random_vector(rng_, rng_() % 3);
                st_.set_code(a, code);
                m_.ensure(a).code = code;
                m_.touched.insert(a);
                break;
            }
            case 11:
            case 12:
            case 13: {
                const U256 k = key(), v = value();
                st_.set_storage(a, k, v);
                auto& s = m_.ensure(a).storage;
                if (v.is_zero()) {
                    s.erase(k);
                } else {
                    s[k] = v;
                }
                m_.touched.insert(a);
                break;
            }
            case 14:
                st_.clear_storage(a);
                if (m_.accounts.contains(a)) {
                    m_.accounts[a].storage.clear();
                    m_.touched.insert(a);
                }
                break;
            case 15: {
                const U256 k = key(), v = value();
                st_.set_transient_storage(a, k, v);
                if (v.is_zero()) {
                    m_.transient.erase({a, k});
                } else {
                    m_.transient[{a, k}] = v;
                }
                break;
            }
            case 16:
                ASSERT_EQ(st_.access_account(a), !m_.warm.insert(a).second) << where();
                break;
            case 17: {
                const U256 k = key();
                ASSERT_EQ(st_.access_storage(a, k), !m_.warm_slots.insert({a, k}).second)
                    << where();
                break;
            }
            case 18:
                ASSERT_EQ(st_.selfdestruct(a), m_.destructed.insert(a).second) << where();
                break;
            case 19:
                snaps_.emplace_back(st_.snapshot(), m_);
                break;
            case 20:
                if (!snaps_.empty()) {
                    // Any open snapshot, not only the innermost; the chosen one stays usable.
                    const size_t k = rng_() % snaps_.size();
                    st_.revert_to(snaps_[k].first);
                    m_ = snaps_[k].second;
                    snaps_.resize(k + 1);
                }
                break;
            case 21:
                if (rng_() % 4 == 0) {
                    st_.finalize_transaction();
                    st_.begin_transaction();
                    m_.finalize();
                    snaps_.clear();
                } else {
                    check_root();
                }
                break;
        }
    }

    std::string where() const { return "at step " + std::to_string(step_); }

    void check() {
        for (const Address& a : addrs_) {
            auto it = m_.accounts.find(a);
            const bool ex = it != m_.accounts.end();
            ASSERT_EQ(st_.exists(a), ex) << where();
            ASSERT_EQ(st_.is_touched(a), m_.touched.contains(a)) << where();
            ASSERT_EQ(st_.is_created(a), m_.created.contains(a)) << where();
            ASSERT_EQ(st_.is_selfdestructed(a), m_.destructed.contains(a)) << where();
            ASSERT_EQ(st_.is_warm(a), m_.warm.contains(a)) << where();
            for (const U256& k : keys_) {
                ASSERT_EQ(st_.original_storage(a, k), m_.original(a, k)) << where();
                ASSERT_EQ(st_.is_warm(a, k), m_.warm_slots.contains({a, k})) << where();
                auto t = m_.transient.find({a, k});
                ASSERT_EQ(st_.transient_storage(a, k), t == m_.transient.end() ? U256{} : t->second)
                    << where();
            }
            if (!ex) {
                ASSERT_EQ(st_.code_hash(a), Hash256{}) << where();
                ASSERT_EQ(st_.storage_of(a), nullptr) << where();
                continue;
            }
            const MAcc& m = it->second;
            ASSERT_EQ(st_.is_empty(a), m.empty()) << where();
            ASSERT_EQ(st_.nonce(a), m.nonce) << where();
            ASSERT_EQ(st_.balance(a), m.balance) << where();
            ASSERT_EQ(Bytes(st_.code(a).begin(), st_.code(a).end()), m.code) << where();
            ASSERT_EQ(st_.code_hash(a), crypto::keccak256(m.code)) << where();
            ASSERT_EQ(st_.has_storage(a), !m.storage.empty()) << where();
            ASSERT_NE(st_.storage_of(a), nullptr);
            ASSERT_EQ(*st_.storage_of(a), m.storage) << where();
        }
        ASSERT_EQ(st_.account_count(), m_.accounts.size()) << where();
    }

    // The incremental root equals the root of a State built from the model in one go.
    void check_root() {
        State fresh;
        for (const auto& [a, m] : m_.accounts)
            fresh.put_account(a, GenesisAccount{m.nonce, m.balance, m.code, m.storage});
        for (const crypto::CryptoSuite* s : {&crypto::ecdsa_suite(), &crypto::sm_suite()}) {
            auto got = st_.state_root(*s);
            auto want = fresh.state_root(*s);
            ASSERT_TRUE(got.has_value() && want.has_value());
            ASSERT_EQ(*got, *want) << where() << " suite " << s->name();
        }
    }

    std::mt19937_64 rng_;
    std::vector<Address> addrs_;
    std::vector<U256> keys_;
    State st_;
    Model m_;
    std::vector<std::pair<State::SnapshotId, Model>> snaps_;
    int step_ = 0;
};

TEST(StateProperty, RandomOperationsMatchCopyModel) {
    const uint64_t seed = test::seed();
    std::mt19937_64 seeds(seed);
    for (int run = 0; run < 60; ++run) {
        Runner r(seeds());
        r.run(400);
        ASSERT_FALSE(::testing::Test::HasFailure()) << "run " << run << ", seed " << seed;
    }
}

}  // namespace
}  // namespace xl::state
