// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the interpreter (placeholder until the dispatch loop lands).
#include "evm/interpreter.hpp"

namespace xl::evm {

ExecResult execute(Host&, const Message&, BytesView) noexcept {
    ExecResult r;
    r.status = StatusCode::kInternalError;
    return r;
}

}  // namespace xl::evm
