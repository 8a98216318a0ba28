// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: names of the frame status codes (messages follow geth where it has one).
#include "evm/host.hpp"

namespace xl::evm {

std::string_view to_string(StatusCode s) noexcept {
    switch (s) {
        case StatusCode::kSuccess:
            return "success";
        case StatusCode::kRevert:
            return "execution reverted";
        case StatusCode::kOutOfGas:
            return "out of gas";
        case StatusCode::kInvalidInstruction:
            return "invalid opcode: INVALID";
        case StatusCode::kUndefinedInstruction:
            return "invalid opcode";
        case StatusCode::kStackOverflow:
            return "stack limit reached 1024";
        case StatusCode::kStackUnderflow:
            return "stack underflow";
        case StatusCode::kBadJumpDestination:
            return "invalid jump destination";
        case StatusCode::kInvalidMemoryAccess:
            return "return data out of bounds";
        case StatusCode::kCallDepthExceeded:
            return "max call depth exceeded";
        case StatusCode::kStaticModeViolation:
            return "write protection";
        case StatusCode::kPrecompileFailure:
            return "precompile failure";
        case StatusCode::kContractValidationFailure:
            return "invalid code";
        case StatusCode::kArgumentOutOfRange:
            return "max initcode size exceeded";
        case StatusCode::kInsufficientBalance:
            return "insufficient balance for transfer";
        case StatusCode::kNonceOverflow:
            return "nonce uint64 overflow";
        case StatusCode::kCreateCollision:
            return "contract address collision";
        case StatusCode::kInternalError:
            return "internal error";
    }
    return "unknown status";
}

}  // namespace xl::evm
