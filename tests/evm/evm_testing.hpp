// SPDX-License-Identifier: Apache-2.0
// Xinlian evm tests: a tiny assembler and a fixture running code on MockHost.
#pragma once

#include <gtest/gtest.h>

#include "evm/instructions.hpp"
#include "evm/interpreter.hpp"
#include "evm/mock_host.hpp"

namespace xl::evm::test {

// Builds bytecode. push() uses the shortest PUSHn (PUSH1 0 for zero, 3 gas like any PUSH).
struct Asm {
    Bytes code;

    Asm& op(uint8_t o) {
        code.push_back(o);
        return *this;
    }
    Asm& push(const U256& v) {
        Bytes b = v.to_be_trimmed();
        if (b.empty()) b.push_back(0);
        code.push_back(uint8_t(OP_PUSH1 + b.size() - 1));
        code.insert(code.end(), b.begin(), b.end());
        return *this;
    }
    Asm& raw(std::string_view hex) {
        const Bytes b = hex_literal(hex);
        code.insert(code.end(), b.begin(), b.end());
        return *this;
    }
    // Stores the top word at memory 0 and returns it: 3 + 3 + 3 (1 word) + 3 + 3 gas.
    Asm& ret_top() { return push(0).op(OP_MSTORE).push(32).push(0).op(OP_RETURN); }
};
inline constexpr int64_t kRetTopGas = 15;

inline U256 word(const ExecResult& r) {
    EXPECT_EQ(r.output.size(), 32u);
    return r.output.size() == 32 ? U256::from_be_bytes(r.output) : U256();
}

inline Address addr(uint8_t last) {
    Address a;
    a[19] = last;
    a[0] = 0xaa;
    return a;
}

class EvmTest : public ::testing::Test {
protected:
    MockHost host;
    const Address self = addr(1);
    const Address caller = addr(2);

    Message message(int64_t gas, bool is_static = false) const {
        Message m;
        m.gas = gas;
        m.is_static = is_static;
        m.recipient = self;
        m.code_address = self;
        m.sender = caller;
        return m;
    }
    ExecResult run(const Asm& a, int64_t gas = 1'000'000, bool is_static = false) {
        host.accounts[self].code = a.code;
        const Message m = message(gas, is_static);
        return execute(host, m, a.code);
    }
    // Runs `a` and expects success; returns the gas it used.
    int64_t used(const Asm& a, int64_t gas = 1'000'000) {
        const ExecResult r = run(a, gas);
        EXPECT_EQ(r.status, StatusCode::kSuccess) << to_string(r.status);
        return gas - r.gas_left;
    }
};

}  // namespace xl::evm::test
