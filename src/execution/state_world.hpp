// SPDX-License-Identifier: Apache-2.0
// Xinlian execution: state::State seen as the Executor's read-only WorldView (the world at the
// start of a transaction or call). Reads that fail in the State's backend show up as the
// State's failure(), which callers check after executing.
#pragma once

#include "execution/executor.hpp"
#include "state/state.hpp"

namespace xl::execution {

class StateWorld final : public WorldView {
public:
    explicit StateWorld(const state::State& s) : s_(s) {}
    std::optional<Account> account(const Address& addr) const override {
        auto a = s_.get_account(addr);
        if (!a) return std::nullopt;
        return Account{a->nonce, a->balance, a->code_hash, s_.has_storage(addr)};
    }
    Bytes code(const Address& addr) const override {
        const BytesView c = s_.code(addr);
        return Bytes(c.begin(), c.end());
    }
    U256 storage(const Address& addr, const U256& key) const override {
        return s_.current_storage(addr, key);
    }

private:
    const state::State& s_;
};

}  // namespace xl::execution
