// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the Cancun opcode table (one row per opcode: name, immediate size, stack
// inputs, stack change and base gas), as in evmone's instruction traits. Constant data only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace xl::evm {

enum Opcode : uint8_t {
    OP_STOP = 0x00,
    OP_ADD,
    OP_MUL,
    OP_SUB,
    OP_DIV,
    OP_SDIV,
    OP_MOD,
    OP_SMOD,
    OP_ADDMOD,
    OP_MULMOD,
    OP_EXP,
    OP_SIGNEXTEND,
    OP_LT = 0x10,
    OP_GT,
    OP_SLT,
    OP_SGT,
    OP_EQ,
    OP_ISZERO,
    OP_AND,
    OP_OR,
    OP_XOR,
    OP_NOT,
    OP_BYTE,
    OP_SHL,
    OP_SHR,
    OP_SAR,
    OP_KECCAK256 = 0x20,
    OP_ADDRESS = 0x30,
    OP_BALANCE,
    OP_ORIGIN,
    OP_CALLER,
    OP_CALLVALUE,
    OP_CALLDATALOAD,
    OP_CALLDATASIZE,
    OP_CALLDATACOPY,
    OP_CODESIZE,
    OP_CODECOPY,
    OP_GASPRICE,
    OP_EXTCODESIZE,
    OP_EXTCODECOPY,
    OP_RETURNDATASIZE,
    OP_RETURNDATACOPY,
    OP_EXTCODEHASH,
    OP_BLOCKHASH = 0x40,
    OP_COINBASE,
    OP_TIMESTAMP,
    OP_NUMBER,
    OP_PREVRANDAO,
    OP_GASLIMIT,
    OP_CHAINID,
    OP_SELFBALANCE,
    OP_BASEFEE,
    OP_BLOBHASH,
    OP_BLOBBASEFEE,
    OP_POP = 0x50,
    OP_MLOAD,
    OP_MSTORE,
    OP_MSTORE8,
    OP_SLOAD,
    OP_SSTORE,
    OP_JUMP,
    OP_JUMPI,
    OP_PC,
    OP_MSIZE,
    OP_GAS,
    OP_JUMPDEST,
    OP_TLOAD,
    OP_TSTORE,
    OP_MCOPY,
    OP_PUSH0,
    OP_PUSH1 = 0x60,
    OP_PUSH32 = 0x7f,
    OP_DUP1 = 0x80,
    OP_DUP16 = 0x8f,
    OP_SWAP1 = 0x90,
    OP_SWAP16 = 0x9f,
    OP_LOG0 = 0xa0,
    OP_LOG4 = 0xa4,
    OP_CREATE = 0xf0,
    OP_CALL,
    OP_CALLCODE,
    OP_RETURN,
    OP_DELEGATECALL,
    OP_CREATE2,
    OP_STATICCALL = 0xfa,
    OP_REVERT = 0xfd,
    OP_INVALID = 0xfe,
    OP_SELFDESTRUCT = 0xff,
};

struct OpInfo {
    std::string_view name;    // empty: undefined in Cancun
    int16_t base_gas = 0;     // static part; dynamic parts are charged by the instruction
    uint8_t immediate = 0;    // bytes of push data
    uint8_t stack_in = 0;     // items required
    int8_t stack_change = 0;  // items pushed minus popped
};

// The table for Cancun, indexed by opcode.
const std::array<OpInfo, 256>& op_table() noexcept;

}  // namespace xl::evm
