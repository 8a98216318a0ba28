// SPDX-License-Identifier: Apache-2.0
// Fuzz target for the EVM interpreter: random bytecode on the in-memory mock host with bounded
// gas must never crash or hang, and gas must stay accounted: 0 <= gas_left <= gas, and an
// exceptional halt leaves no gas. Input: byte 0 selects static mode and call depth, the rest is
// the code (also installed at two addresses so that CALLs to them run nested frames).
#include <cstdint>
#include <cstdlib>

#include "../evm/mock_host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace xl::evm;
    if (size == 0 || size > 24577) return 0;  // EIP-170 code size plus the flag byte
    const uint8_t flags = data[0];
    const xl::Bytes code(data + 1, data + size);
    test::MockHost host;
    xl::Address self, other;
    self[19] = 1;
    other[19] = 2;
    host.accounts[self].code = code;
    host.accounts[self].balance = 1'000'000;
    host.accounts[other].code = code;
    host.ctx.number = 1000;
    host.ctx.chain_id = 1;
    constexpr int64_t kGas = 1'000'000;
    Message msg;
    msg.gas = kGas;
    msg.is_static = (flags & 1) != 0;
    msg.depth = (flags & 2) ? 1023 : 0;
    msg.recipient = self;
    msg.code_address = self;
    msg.input = xl::BytesView(data, size < 64 ? size : 64);
    const ExecResult r = execute(host, msg, code);
    if (r.gas_left < 0 || r.gas_left > kGas) std::abort();
    if (r.status != StatusCode::kSuccess && r.status != StatusCode::kRevert && r.gas_left != 0)
        std::abort();
    if (r.status == StatusCode::kInternalError) std::abort();
    return 0;
}
