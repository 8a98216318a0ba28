// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the Cancun opcode table (YP Appendix H.2 with EIP-145, 1014, 1052, 1153, 1344,
// 2929, 3198, 3855, 4399, 4844, 5656, 7516).
#include "evm/instructions.hpp"

#include "evm/gas.hpp"

namespace xl::evm {
namespace {

constexpr std::array<OpInfo, 256> make_table() {
    std::array<OpInfo, 256> t{};
    auto set = [&](uint8_t op, std::string_view name, int16_t gas_cost, uint8_t in, int8_t change) {
        t[op] = OpInfo{name, gas_cost, 0, in, change};
    };
    using namespace gas;
    set(OP_STOP, "STOP", 0, 0, 0);
    set(OP_ADD, "ADD", kVeryLow, 2, -1);
    set(OP_MUL, "MUL", kLow, 2, -1);
    set(OP_SUB, "SUB", kVeryLow, 2, -1);
    set(OP_DIV, "DIV", kLow, 2, -1);
    set(OP_SDIV, "SDIV", kLow, 2, -1);
    set(OP_MOD, "MOD", kLow, 2, -1);
    set(OP_SMOD, "SMOD", kLow, 2, -1);
    set(OP_ADDMOD, "ADDMOD", kMid, 3, -2);
    set(OP_MULMOD, "MULMOD", kMid, 3, -2);
    set(OP_EXP, "EXP", kHigh, 2, -1);
    set(OP_SIGNEXTEND, "SIGNEXTEND", kLow, 2, -1);
    set(OP_LT, "LT", kVeryLow, 2, -1);
    set(OP_GT, "GT", kVeryLow, 2, -1);
    set(OP_SLT, "SLT", kVeryLow, 2, -1);
    set(OP_SGT, "SGT", kVeryLow, 2, -1);
    set(OP_EQ, "EQ", kVeryLow, 2, -1);
    set(OP_ISZERO, "ISZERO", kVeryLow, 1, 0);
    set(OP_AND, "AND", kVeryLow, 2, -1);
    set(OP_OR, "OR", kVeryLow, 2, -1);
    set(OP_XOR, "XOR", kVeryLow, 2, -1);
    set(OP_NOT, "NOT", kVeryLow, 1, 0);
    set(OP_BYTE, "BYTE", kVeryLow, 2, -1);
    set(OP_SHL, "SHL", kVeryLow, 2, -1);
    set(OP_SHR, "SHR", kVeryLow, 2, -1);
    set(OP_SAR, "SAR", kVeryLow, 2, -1);
    set(OP_KECCAK256, "KECCAK256", 30, 2, -1);
    set(OP_ADDRESS, "ADDRESS", kBase, 0, 1);
    set(OP_BALANCE, "BALANCE", 0, 1, 0);
    set(OP_ORIGIN, "ORIGIN", kBase, 0, 1);
    set(OP_CALLER, "CALLER", kBase, 0, 1);
    set(OP_CALLVALUE, "CALLVALUE", kBase, 0, 1);
    set(OP_CALLDATALOAD, "CALLDATALOAD", kVeryLow, 1, 0);
    set(OP_CALLDATASIZE, "CALLDATASIZE", kBase, 0, 1);
    set(OP_CALLDATACOPY, "CALLDATACOPY", kVeryLow, 3, -3);
    set(OP_CODESIZE, "CODESIZE", kBase, 0, 1);
    set(OP_CODECOPY, "CODECOPY", kVeryLow, 3, -3);
    set(OP_GASPRICE, "GASPRICE", kBase, 0, 1);
    set(OP_EXTCODESIZE, "EXTCODESIZE", 0, 1, 0);
    set(OP_EXTCODECOPY, "EXTCODECOPY", 0, 4, -4);
    set(OP_RETURNDATASIZE, "RETURNDATASIZE", kBase, 0, 1);
    set(OP_RETURNDATACOPY, "RETURNDATACOPY", kVeryLow, 3, -3);
    set(OP_EXTCODEHASH, "EXTCODEHASH", 0, 1, 0);
    set(OP_BLOCKHASH, "BLOCKHASH", kBlockhash, 1, 0);
    set(OP_COINBASE, "COINBASE", kBase, 0, 1);
    set(OP_TIMESTAMP, "TIMESTAMP", kBase, 0, 1);
    set(OP_NUMBER, "NUMBER", kBase, 0, 1);
    set(OP_PREVRANDAO, "PREVRANDAO", kBase, 0, 1);
    set(OP_GASLIMIT, "GASLIMIT", kBase, 0, 1);
    set(OP_CHAINID, "CHAINID", kBase, 0, 1);
    set(OP_SELFBALANCE, "SELFBALANCE", kLow, 0, 1);
    set(OP_BASEFEE, "BASEFEE", kBase, 0, 1);
    set(OP_BLOBHASH, "BLOBHASH", kVeryLow, 1, 0);
    set(OP_BLOBBASEFEE, "BLOBBASEFEE", kBase, 0, 1);
    set(OP_POP, "POP", kBase, 1, -1);
    set(OP_MLOAD, "MLOAD", kVeryLow, 1, 0);
    set(OP_MSTORE, "MSTORE", kVeryLow, 2, -2);
    set(OP_MSTORE8, "MSTORE8", kVeryLow, 2, -2);
    set(OP_SLOAD, "SLOAD", 0, 1, 0);
    set(OP_SSTORE, "SSTORE", 0, 2, -2);
    set(OP_JUMP, "JUMP", kMid, 1, -1);
    set(OP_JUMPI, "JUMPI", kHigh, 2, -2);
    set(OP_PC, "PC", kBase, 0, 1);
    set(OP_MSIZE, "MSIZE", kBase, 0, 1);
    set(OP_GAS, "GAS", kBase, 0, 1);
    set(OP_JUMPDEST, "JUMPDEST", kJumpdest, 0, 0);
    set(OP_TLOAD, "TLOAD", kTransient, 1, 0);
    set(OP_TSTORE, "TSTORE", kTransient, 2, -2);
    set(OP_MCOPY, "MCOPY", kVeryLow, 3, -3);
    set(OP_PUSH0, "PUSH0", kBase, 0, 1);
    constexpr std::string_view kPush[] = {
        "PUSH1",  "PUSH2",  "PUSH3",  "PUSH4",  "PUSH5",  "PUSH6",  "PUSH7",  "PUSH8",
        "PUSH9",  "PUSH10", "PUSH11", "PUSH12", "PUSH13", "PUSH14", "PUSH15", "PUSH16",
        "PUSH17", "PUSH18", "PUSH19", "PUSH20", "PUSH21", "PUSH22", "PUSH23", "PUSH24",
        "PUSH25", "PUSH26", "PUSH27", "PUSH28", "PUSH29", "PUSH30", "PUSH31", "PUSH32"};
    constexpr std::string_view kDup[] = {"DUP1",  "DUP2",  "DUP3",  "DUP4",  "DUP5",  "DUP6",
                                         "DUP7",  "DUP8",  "DUP9",  "DUP10", "DUP11", "DUP12",
                                         "DUP13", "DUP14", "DUP15", "DUP16"};
    constexpr std::string_view kSwap[] = {
        "SWAP1", "SWAP2",  "SWAP3",  "SWAP4",  "SWAP5",  "SWAP6",  "SWAP7",  "SWAP8",
        "SWAP9", "SWAP10", "SWAP11", "SWAP12", "SWAP13", "SWAP14", "SWAP15", "SWAP16"};
    for (int i = 0; i < 32; ++i)
        t[OP_PUSH1 + i] = OpInfo{kPush[i], kVeryLow, uint8_t(i + 1), 0, 1};
    for (int i = 0; i < 16; ++i) {
        t[OP_DUP1 + i] = OpInfo{kDup[i], kVeryLow, 0, uint8_t(i + 1), 1};
        t[OP_SWAP1 + i] = OpInfo{kSwap[i], kVeryLow, 0, uint8_t(i + 2), 0};
    }
    constexpr std::string_view kLogNames[] = {"LOG0", "LOG1", "LOG2", "LOG3", "LOG4"};
    for (int i = 0; i <= 4; ++i)
        t[OP_LOG0 + i] =
            OpInfo{kLogNames[i], int16_t(kLog + kLogTopic * i), 0, uint8_t(2 + i), int8_t(-2 - i)};
    set(OP_CREATE, "CREATE", kCreate, 3, -2);
    set(OP_CALL, "CALL", 0, 7, -6);
    set(OP_CALLCODE, "CALLCODE", 0, 7, -6);
    set(OP_RETURN, "RETURN", 0, 2, -2);
    set(OP_DELEGATECALL, "DELEGATECALL", 0, 6, -5);
    set(OP_CREATE2, "CREATE2", kCreate, 4, -3);
    set(OP_STATICCALL, "STATICCALL", 0, 6, -5);
    set(OP_REVERT, "REVERT", 0, 2, -2);
    set(OP_INVALID, "INVALID", 0, 0, 0);
    set(OP_SELFDESTRUCT, "SELFDESTRUCT", kSelfdestruct, 1, -1);
    return t;
}

constexpr std::array<OpInfo, 256> kTable = make_table();

}  // namespace

const std::array<OpInfo, 256>& op_table() noexcept {
    return kTable;
}

}  // namespace xl::evm
