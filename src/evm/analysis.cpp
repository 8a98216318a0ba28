// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: JUMPDEST analysis (YP §9.4.3, D(c)).
#include "evm/analysis.hpp"

#include "evm/instructions.hpp"

namespace xl::evm {

CodeAnalysis analyze(BytesView code) {
    CodeAnalysis a;
    a.padded = Bytes(code.size() + 33, 0);
    for (size_t i = 0; i < code.size(); ++i)
        a.padded[i] = code[i];
    a.jumpdests.assign((code.size() + 63) / 64, 0);
    for (size_t i = 0; i < code.size(); ++i) {
        const uint8_t op = code[i];
        if (op == OP_JUMPDEST)
            a.jumpdests[i / 64] |= uint64_t{1} << (i % 64);
        else if (op >= OP_PUSH1 && op <= OP_PUSH32)
            i += size_t(op - OP_PUSH1 + 1);
    }
    return a;
}

}  // namespace xl::evm
