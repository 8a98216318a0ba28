// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: code analysis done once per execution: the code padded with zero bytes (so a
// PUSH at the end reads zeros, YP §9.4.3) and the bitmap of valid JUMPDESTs (those not inside
// push data). A value type; not synchronised.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace xl::evm {

struct CodeAnalysis {
    Bytes padded;                     // code followed by 33 zero bytes (32 push bytes + STOP)
    std::vector<uint64_t> jumpdests;  // bit i set: code[i] is a JUMPDEST opcode

    bool is_jumpdest(uint64_t pos) const noexcept {
        return pos / 64 < jumpdests.size() && ((jumpdests[pos / 64] >> (pos % 64)) & 1);
    }
};

CodeAnalysis analyze(BytesView code);

}  // namespace xl::evm
