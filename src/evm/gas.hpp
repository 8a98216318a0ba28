// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: Cancun gas constants in one place (Yellow Paper Appendix G as amended by
// EIP-150, EIP-2200, EIP-2929, EIP-3529, EIP-3860, EIP-1153, EIP-5656). Constants only.
#pragma once

#include <cstdint>

namespace xl::evm::gas {

inline constexpr int64_t kZero = 0;
inline constexpr int64_t kBase = 2;
inline constexpr int64_t kVeryLow = 3;
inline constexpr int64_t kLow = 5;
inline constexpr int64_t kMid = 8;
inline constexpr int64_t kHigh = 10;
inline constexpr int64_t kJumpdest = 1;
inline constexpr int64_t kBlockhash = 20;

inline constexpr int64_t kExpByte = 50;  // EIP-160
inline constexpr int64_t kCopyWord = 3;  // CALLDATACOPY, CODECOPY, MCOPY, ...
inline constexpr int64_t kKeccakWord = 6;
inline constexpr int64_t kMemoryWord = 3;  // YP G: C_mem(a) = 3a + a^2/512
inline constexpr int64_t kMemoryQuadDivisor = 512;

// EIP-2929 access costs: warm is the base cost of the opcode; cold is charged instead.
inline constexpr int64_t kWarmAccess = 100;
inline constexpr int64_t kColdAccountAccess = 2600;
inline constexpr int64_t kColdSload = 2100;

// SSTORE (EIP-2200 with EIP-2929 and EIP-3529 values).
inline constexpr int64_t kSstoreSet = 20000;
inline constexpr int64_t kSstoreReset = 5000 - kColdSload;  // 2900
inline constexpr int64_t kSstoreClearsRefund = 4800;        // EIP-3529: SSTORE_RESET + 1900
inline constexpr int64_t kCallStipend = 2300;               // EIP-2200: SSTORE needs > this

inline constexpr int64_t kTransient = 100;  // TLOAD, TSTORE (EIP-1153)

inline constexpr int64_t kLog = 375;
inline constexpr int64_t kLogTopic = 375;
inline constexpr int64_t kLogData = 8;

inline constexpr int64_t kCreate = 32000;
inline constexpr int64_t kInitcodeWord = 2;             // EIP-3860
inline constexpr int64_t kMaxInitcodeSize = 2 * 24576;  // EIP-3860: 49152 bytes

inline constexpr int64_t kCallValue = 9000;
inline constexpr int64_t kNewAccount = 25000;
inline constexpr int64_t kSelfdestruct = 5000;

inline constexpr int32_t kMaxCallDepth = 1024;
inline constexpr int kMaxStack = 1024;

// Memory beyond 4 GiB would cost ~2^45 gas; treating it as out of gas up front keeps all
// size arithmetic in 64 bits and never allocates for a hostile offset.
inline constexpr uint64_t kMaxMemoryBytes = uint64_t{1} << 32;

}  // namespace xl::evm::gas
