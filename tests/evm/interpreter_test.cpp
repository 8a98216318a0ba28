// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: opcode semantics and gas of the interpreter on hand-assembled bytecode.
#include <gtest/gtest.h>

#include <random>

#include "common/seed.hpp"
#include "evm/evm_testing.hpp"
#include "evm/gas.hpp"

namespace xl::evm::test {
namespace {

const U256 kIntMin = U256(1) << 255;
const U256 kMinusOne = U256::max();

// Runs `a OP b` (a on top) and returns the result word, checking the total gas.
class ArithTest : public EvmTest {
protected:
    U256 binop(uint8_t op, const U256& a, const U256& b, int64_t op_gas) {
        Asm code;
        code.push(b).push(a).op(op).ret_top();
        const ExecResult r = run(code);
        EXPECT_EQ(r.status, StatusCode::kSuccess);
        EXPECT_EQ(1'000'000 - r.gas_left, 3 + 3 + op_gas + kRetTopGas);
        return word(r);
    }
};

TEST_F(ArithTest, AddWraps) {
    EXPECT_EQ(binop(OP_ADD, 2, 3, 3), U256(5));
    EXPECT_EQ(binop(OP_ADD, kMinusOne, 2, 3), U256(1));
}

TEST_F(ArithTest, SubOrderIsTopMinusSecond) {
    EXPECT_EQ(binop(OP_SUB, 10, 3, 3), U256(7));
    EXPECT_EQ(binop(OP_SUB, 3, 10, 3), U256() - U256(7));
}

TEST_F(ArithTest, DivAndModByZeroAreZero) {
    EXPECT_EQ(binop(OP_DIV, 10, 3, 5), U256(3));
    EXPECT_EQ(binop(OP_DIV, 10, 0, 5), U256(0));
    EXPECT_EQ(binop(OP_MOD, 10, 0, 5), U256(0));
    EXPECT_EQ(binop(OP_MOD, 10, 3, 5), U256(1));
}

TEST_F(ArithTest, SdivIntMinByMinusOneOverflows) {
    EXPECT_EQ(binop(OP_SDIV, kIntMin, kMinusOne, 5), kIntMin);
    EXPECT_EQ(binop(OP_SDIV, U256() - U256(7), 2, 5), U256() - U256(3));
    EXPECT_EQ(binop(OP_SMOD, U256() - U256(7), 2, 5), kMinusOne);
}

TEST_F(ArithTest, Signextend) {
    EXPECT_EQ(binop(OP_SIGNEXTEND, 0, 0xff, 5), kMinusOne);
    EXPECT_EQ(binop(OP_SIGNEXTEND, 0, 0x7f, 5), U256(0x7f));
    EXPECT_EQ(binop(OP_SIGNEXTEND, 1, 0x80ff, 5), kMinusOne - U256(0x7f00));
    EXPECT_EQ(binop(OP_SIGNEXTEND, 31, 0x80, 5), U256(0x80));
}

TEST_F(ArithTest, ByteCountsFromTheMostSignificant) {
    const U256 x = U256::from_limbs(0x1122, 0, 0, 0xab00000000000000ULL);
    EXPECT_EQ(binop(OP_BYTE, 31, x, 3), U256(0x22));
    EXPECT_EQ(binop(OP_BYTE, 30, x, 3), U256(0x11));
    EXPECT_EQ(binop(OP_BYTE, 0, x, 3), U256(0xab));
    EXPECT_EQ(binop(OP_BYTE, 32, x, 3), U256(0));
}

TEST_F(ArithTest, ShiftsTakeTheShiftFirst) {
    EXPECT_EQ(binop(OP_SHL, 4, 1, 3), U256(16));
    EXPECT_EQ(binop(OP_SHL, 256, 1, 3), U256(0));
    EXPECT_EQ(binop(OP_SHR, 4, 0x100, 3), U256(0x10));
    EXPECT_EQ(binop(OP_SHR, U256(1) << 200, kMinusOne, 3), U256(0));
    EXPECT_EQ(binop(OP_SAR, 1, U256() - U256(2), 3), kMinusOne);
    EXPECT_EQ(binop(OP_SAR, 300, kIntMin, 3), kMinusOne);
    EXPECT_EQ(binop(OP_SAR, 300, 5, 3), U256(0));
}

TEST_F(ArithTest, ComparisonsSignedAndUnsigned) {
    EXPECT_EQ(binop(OP_LT, 1, 2, 3), U256(1));
    EXPECT_EQ(binop(OP_GT, 1, 2, 3), U256(0));
    EXPECT_EQ(binop(OP_SLT, kMinusOne, 0, 3), U256(1));
    EXPECT_EQ(binop(OP_SGT, kMinusOne, 0, 3), U256(0));
    EXPECT_EQ(binop(OP_EQ, 7, 7, 3), U256(1));
}

TEST_F(ArithTest, ExpChargesFiftyPerExponentByte) {
    EXPECT_EQ(binop(OP_EXP, 2, 10, 10 + 50), U256(1024));
    EXPECT_EQ(binop(OP_EXP, 3, 0, 10), U256(1));
    EXPECT_EQ(binop(OP_EXP, 2, 256, 10 + 2 * 50), U256(0));
}

TEST_F(ArithTest, AddmodMulmodUseWideIntermediates) {
    Asm code;
    code.push(7).push(kMinusOne).push(kMinusOne).op(OP_ADDMOD).ret_top();
    // (2^256 - 1) * 2 mod 7 computed without wrapping.
    const U256 expect = addmod(kMinusOne, kMinusOne, U256(7));
    EXPECT_EQ(word(run(code)), expect);
    EXPECT_EQ(used(code), 9 + 8 + kRetTopGas);
    Asm m;
    m.push(0).push(5).push(6).op(OP_MULMOD).ret_top();
    EXPECT_EQ(word(run(m)), U256(0));
}

TEST_F(EvmTest, Push0PushesZeroForTwoGas) {
    Asm code;
    code.op(OP_PUSH0).ret_top();
    EXPECT_EQ(word(run(code)), U256(0));
    EXPECT_EQ(used(code), 2 + kRetTopGas);
}

TEST_F(EvmTest, PushAtEndOfCodeReadsZeros) {
    Asm code;
    code.raw("61ff");  // PUSH2 with one byte of data: the missing byte is zero
    const ExecResult r = run(code);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(1'000'000 - r.gas_left, 3);
}

TEST_F(EvmTest, MemoryExpansionGasIsLinearPlusQuadratic) {
    // MSTORE at 0x40 touches 3 words: 3 * 3 + 9 / 512 = 9.
    Asm a;
    a.push(1).push(0x40).op(OP_MSTORE);
    EXPECT_EQ(used(a), 3 + 3 + 3 + 9);
    // 1024 words: 3 * 1024 + 1024^2 / 512 = 5120.
    Asm b;
    b.push(1).push(1023 * 32).op(OP_MSTORE);
    EXPECT_EQ(used(b), 3 + 3 + 3 + 5120);
    // MSIZE reports the expanded size; MLOAD of untouched memory reads zero.
    Asm c;
    c.push(0x41).op(OP_MLOAD).op(OP_POP).op(OP_MSIZE).ret_top();
    EXPECT_EQ(word(run(c)), U256(0x80));
}

TEST_F(EvmTest, Mstore8WritesOneByte) {
    Asm a;
    a.push(0x1234).push(31).op(OP_MSTORE8).push(0).op(OP_MLOAD).ret_top();
    EXPECT_EQ(word(run(a)), U256(0x34));
}

TEST_F(EvmTest, HugeMemoryOffsetIsOutOfGasWithoutAllocating) {
    for (const U256 off : {U256(1) << 64, U256(1) << 32, kMinusOne, U256(0xffffffffffffffe0ULL)}) {
        Asm a;
        a.push(off).op(OP_MLOAD);
        const ExecResult r = run(a, 100'000'000);
        EXPECT_EQ(r.status, StatusCode::kOutOfGas) << off;
        EXPECT_EQ(r.gas_left, 0);
    }
    // A zero-size region never expands memory, whatever its offset.
    Asm z;
    z.push(0).push(kMinusOne).op(OP_RETURN);
    const ExecResult r = run(z);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_TRUE(r.output.empty());
}

TEST_F(EvmTest, OutOfGasAtTheExactBoundary) {
    Asm a;
    a.push(1).push(2).op(OP_ADD);  // 9 gas
    const ExecResult ok = run(a, 9);
    EXPECT_EQ(ok.status, StatusCode::kSuccess);
    EXPECT_EQ(ok.gas_left, 0);
    const ExecResult oog = run(a, 8);
    EXPECT_EQ(oog.status, StatusCode::kOutOfGas);
    EXPECT_EQ(oog.gas_left, 0);
}

TEST_F(EvmTest, JumpOnlyToJumpdestOutsidePushData) {
    // PUSH1 4 JUMP INVALID JUMPDEST PUSH1 1 ret
    Asm good;
    good.push(4).op(OP_JUMP).op(OP_INVALID).op(OP_JUMPDEST).push(1).ret_top();
    EXPECT_EQ(word(run(good)), U256(1));
    EXPECT_EQ(used(good), 3 + 8 + 1 + 3 + kRetTopGas);
    // PUSH1 4 JUMP PUSH1 0x5b: offset 4 is a 0x5b byte inside push data.
    Asm bad;
    bad.push(4).op(OP_JUMP).raw("605b");
    const ExecResult r = run(bad);
    EXPECT_EQ(r.status, StatusCode::kBadJumpDestination);
    EXPECT_EQ(r.gas_left, 0);
    Asm far;
    far.push(U256(1) << 70).op(OP_JUMP);
    EXPECT_EQ(run(far).status, StatusCode::kBadJumpDestination);
}

TEST_F(EvmTest, JumpiFallsThroughOnZero) {
    Asm a;
    a.push(0).push(100).op(OP_JUMPI).push(7).ret_top();
    EXPECT_EQ(word(run(a)), U256(7));
    EXPECT_EQ(used(a), 3 + 3 + 10 + 3 + kRetTopGas);
    // A taken JUMPI lands on the JUMPDEST after an INVALID.
    Asm b;
    b.push(1).push(6).op(OP_JUMPI).op(OP_INVALID).op(OP_JUMPDEST).push(9).ret_top();
    EXPECT_EQ(word(run(b)), U256(9));
}

TEST_F(EvmTest, StackUnderflowAndOverflow) {
    Asm a;
    a.push(1).op(OP_ADD);
    const ExecResult r = run(a);
    EXPECT_EQ(r.status, StatusCode::kStackUnderflow);
    EXPECT_EQ(r.gas_left, 0);
    Asm full;
    for (int i = 0; i < 1024; ++i)
        full.op(OP_PUSH0);
    EXPECT_EQ(run(full).status, StatusCode::kSuccess);
    full.op(OP_PUSH0);
    EXPECT_EQ(run(full).status, StatusCode::kStackOverflow);
    Asm dup;
    for (int i = 0; i < 1024; ++i)
        dup.op(OP_PUSH0);
    dup.op(OP_DUP1);
    EXPECT_EQ(run(dup).status, StatusCode::kStackOverflow);
    Asm swap;
    swap.push(1).op(OP_SWAP1);
    EXPECT_EQ(run(swap).status, StatusCode::kStackUnderflow);
}

TEST_F(EvmTest, DupAndSwap) {
    Asm a;
    a.push(1).push(2).push(3).op(OP_DUP1 + 2).ret_top();  // DUP3 -> 1
    EXPECT_EQ(word(run(a)), U256(1));
    Asm b;
    b.push(1).push(2).push(3).op(OP_SWAP1 + 1).ret_top();  // SWAP2 -> top 1
    EXPECT_EQ(word(run(b)), U256(1));
}

TEST_F(EvmTest, InvalidAndUndefinedConsumeAllGas) {
    Asm a;
    a.op(OP_INVALID);
    const ExecResult r = run(a);
    EXPECT_EQ(r.status, StatusCode::kInvalidInstruction);
    EXPECT_EQ(r.gas_left, 0);
    for (uint8_t op : {0x0c, 0x1e, 0x21, 0x4b, 0xa5, 0xef, 0xf6, 0xfb}) {
        Asm u;
        u.op(op);
        const ExecResult ur = run(u);
        EXPECT_EQ(ur.status, StatusCode::kUndefinedInstruction) << int(op);
        EXPECT_EQ(ur.gas_left, 0);
    }
}

TEST_F(EvmTest, RevertReturnsGasAndData) {
    Asm a;
    a.push(0xabcd).push(0).op(OP_MSTORE).push(2).push(30).op(OP_REVERT);
    const ExecResult r = run(a, 1000);
    EXPECT_EQ(r.status, StatusCode::kRevert);
    EXPECT_EQ(r.gas_left, 1000 - (3 + 3 + 3 + 3 + 3 + 3));
    EXPECT_EQ(r.output, hex_literal("abcd"));
}

TEST_F(EvmTest, ReturndatacopyOutOfBoundsHalts) {
    Asm a;
    a.push(1).push(0).push(0).op(OP_RETURNDATACOPY);  // return data is empty
    const ExecResult r = run(a);
    EXPECT_EQ(r.status, StatusCode::kInvalidMemoryAccess);
    EXPECT_EQ(r.gas_left, 0);
    Asm zero;
    zero.push(0).push(0).push(0).op(OP_RETURNDATACOPY).op(OP_RETURNDATASIZE).ret_top();
    EXPECT_EQ(word(run(zero)), U256(0));
}

TEST_F(EvmTest, StaticModeForbidsStateChanges) {
    const std::vector<Asm> progs = [] {
        std::vector<Asm> v(6);
        v[0].push(1).push(0).op(OP_SSTORE);
        v[1].push(1).push(0).op(OP_TSTORE);
        v[2].push(0).push(0).op(OP_LOG0);
        v[3].push(0).push(0).push(0).op(OP_CREATE);
        v[4].push(0).op(OP_SELFDESTRUCT);
        v[5].push(0).push(0).push(0).push(0).push(1).push(0x99).push(10000).op(OP_CALL);
        return v;
    }();
    for (const Asm& p : progs) {
        const ExecResult r = run(p, 100'000, true);
        EXPECT_EQ(r.status, StatusCode::kStaticModeViolation);
        EXPECT_EQ(r.gas_left, 0);
    }
    // Reads and a value-less CALL are fine.
    Asm ok;
    ok.push(0).op(OP_SLOAD).push(0).op(OP_TLOAD).op(OP_ADD).ret_top();
    EXPECT_EQ(run(ok, 100'000, true).status, StatusCode::kSuccess);
}

TEST_F(EvmTest, TransientStorageRoundTrip) {
    Asm a;
    a.push(42).push(7).op(OP_TSTORE).push(7).op(OP_TLOAD).ret_top();
    EXPECT_EQ(word(run(a)), U256(42));
    EXPECT_EQ(used(a), 3 + 3 + 100 + 3 + 100 + kRetTopGas);
    EXPECT_EQ(host.get_transient_storage(self, 7), U256(42));
    EXPECT_TRUE(host.accounts[self].storage.empty());
}

TEST_F(EvmTest, McopyHandlesOverlap) {
    // memory[0..32) = 0x0102..20; MCOPY(dst=1, src=0, 31) shifts it right by one byte.
    Bytes init(32);
    for (int i = 0; i < 32; ++i)
        init[size_t(i)] = uint8_t(i + 1);
    Asm a;
    a.push(U256::from_be_bytes(init)).push(0).op(OP_MSTORE);
    a.push(31).push(0).push(1).op(OP_MCOPY).push(0).op(OP_MLOAD).ret_top();
    Bytes expect(32);
    expect[0] = 1;
    for (int i = 1; i < 32; ++i)
        expect[size_t(i)] = uint8_t(i);
    EXPECT_EQ(run(a).output, expect);
    // Gas: 3 + 3 per word + expansion to cover the farther region.
    Asm g;
    g.push(32).push(0).push(32).op(OP_MCOPY);
    EXPECT_EQ(used(g), 9 + 3 + 3 + 6);  // expands to 2 words: 6
}

TEST_F(EvmTest, SstoreGasAndRefunds) {
    // 0 -> 1 on a cold slot: 2100 + 20000.
    Asm set;
    set.push(1).push(5).op(OP_SSTORE);
    EXPECT_EQ(used(set), 6 + 2100 + 20000);
    // Same slot (now warm, original 0) 1 -> 0: added-deleted, refund 19900.
    Asm del;
    del.push(0).push(5).op(OP_SSTORE);
    const ExecResult r = run(del);
    EXPECT_EQ(1'000'000 - r.gas_left, 6 + 100);
    EXPECT_EQ(r.gas_refund, 20000 - 100);
    // EIP-2200: with only the stipend left SSTORE fails.
    const ExecResult st = run(set, 6 + 2300);
    EXPECT_EQ(st.status, StatusCode::kOutOfGas);
}

// EIP-2200 with EIP-3529 values: (original, current, new) -> (gas besides EIP-2929's 2100 for
// the cold slot, refund).
struct SstoreCase {
    uint64_t original, current, next;
    int64_t gas, refund;
};
TEST_F(EvmTest, SstoreEveryStorageStatus) {
    const SstoreCase cases[] = {
        {0, 0, 0, 100, 0},             // assigned (no-op)
        {0, 0, 1, 20000, 0},           // added
        {1, 1, 0, 2900, 4800},         // deleted
        {1, 1, 2, 2900, 0},            // modified
        {1, 0, 2, 100, -4800},         // deleted-added
        {1, 2, 0, 100, 4800},          // modified-deleted
        {1, 0, 1, 100, -4800 + 2800},  // deleted-restored
        {0, 1, 0, 100, 19900},         // added-deleted
        {1, 2, 1, 100, 2800},          // modified-restored
        {1, 2, 3, 100, 0},             // assigned (dirty)
    };
    for (const SstoreCase& c : cases) {
        host.accounts.clear();
        host.warm_slots.clear();
        Account& acc = host.accounts[self];
        acc.original[U256(9)] = c.original;
        acc.storage[U256(9)] = c.current;
        Asm a;
        a.push(c.next).push(9).op(OP_SSTORE);
        const ExecResult r = run(a);
        ASSERT_EQ(r.status, StatusCode::kSuccess);
        EXPECT_EQ(1'000'000 - r.gas_left, 6 + 2100 + c.gas) << c.original << c.current << c.next;
        EXPECT_EQ(r.gas_refund, c.refund) << c.original << c.current << c.next;
        EXPECT_EQ(host.get_storage(self, 9), U256(c.next));
    }
}

TEST_F(EvmTest, RefundsOfAFailedFrameAreDropped) {
    host.accounts[self].storage[U256(1)] = 5;
    Asm a;
    a.push(0).push(1).op(OP_SSTORE).op(OP_INVALID);
    const ExecResult r = run(a);
    EXPECT_EQ(r.status, StatusCode::kInvalidInstruction);
    EXPECT_EQ(r.gas_refund, 0);
}

TEST_F(EvmTest, CallMemoryExpansionIsCharged) {
    // STATICCALL with an output region at 0x1000 (129 words) to an account without code.
    host.warm_accounts.insert(addr(8));
    Asm a;
    a.push(32).push(0x1000).push(0).push(0).push(U256::from_be_bytes(addr(8).view()));
    a.push(0).op(OP_STATICCALL);
    const int64_t words = 0x1020 / 32;
    EXPECT_EQ(used(a), 18 + 100 + 3 * words + words * words / 512);
    Asm huge;
    huge.push(1).push(U256(1) << 40).push(0).push(0).push(U256::from_be_bytes(addr(8).view()));
    huge.push(0).op(OP_STATICCALL);
    EXPECT_EQ(run(huge, 10'000'000).status, StatusCode::kOutOfGas);
}

TEST_F(EvmTest, SloadColdThenWarm) {
    host.accounts[self].storage[U256(3)] = U256(77);
    Asm a;
    a.push(3).op(OP_SLOAD).push(3).op(OP_SLOAD).op(OP_ADD).ret_top();
    EXPECT_EQ(word(run(a)), U256(154));
    host.warm_slots.clear();
    EXPECT_EQ(used(a), 3 + 2100 + 3 + 100 + 3 + kRetTopGas);
}

TEST_F(EvmTest, BalanceColdThenWarm) {
    host.accounts[addr(9)].balance = 1234;
    Asm a;
    a.push(U256::from_be_bytes(addr(9).view())).op(OP_BALANCE).ret_top();
    EXPECT_EQ(word(run(a)), U256(1234));
    EXPECT_EQ(used(a), 3 + 100 + kRetTopGas);  // warmed by the first run
    host.warm_accounts.clear();
    EXPECT_EQ(used(a), 3 + 2600 + kRetTopGas);
}

TEST_F(EvmTest, Keccak256) {
    Asm a;
    a.push(0).push(0).op(OP_KECCAK256).ret_top();
    EXPECT_EQ(word(run(a)), U256::from_hash(crypto::keccak256({})));
    EXPECT_EQ(used(a), 3 + 3 + 30 + kRetTopGas);
    Asm b;
    b.push(33).push(0).op(OP_KECCAK256).ret_top();
    EXPECT_EQ(word(run(b)), U256::from_hash(crypto::keccak256(Bytes(33, 0))));
    // 2 words hashed and 2 words of memory.
    EXPECT_EQ(used(b), 3 + 3 + 30 + 12 + 6 + 3 + 3 + 3 + 3);
}

TEST_F(EvmTest, LogGasAndRecord) {
    Asm a;
    a.push(0xff).push(0).op(OP_MSTORE8).push(9).push(8).push(1).push(0).op(OP_LOG0 + 2);
    EXPECT_EQ(used(a), 3 + 3 + 3 + 3 + 3 + 3 + 3 + 3 + 375 * 3 + 8);
    ASSERT_FALSE(host.logs.empty());
    const LogRecord& l = host.logs.back();
    EXPECT_EQ(l.addr, self);
    EXPECT_EQ(l.data, hex_literal("ff"));
    ASSERT_EQ(l.topics.size(), 2u);
    EXPECT_EQ(U256::from_hash(l.topics[0]), U256(8));
    EXPECT_EQ(U256::from_hash(l.topics[1]), U256(9));
}

TEST_F(EvmTest, CalldataLoadPadsWithZeros) {
    const Bytes input = hex_literal("0102");
    Asm a;
    a.push(1).op(OP_CALLDATALOAD).ret_top();
    host.accounts[self].code = a.code;
    Message m = message(100000);
    m.input = input;
    const ExecResult r = execute(host, m, a.code);
    EXPECT_EQ(word(r), U256(2) << 248);
}

TEST_F(EvmTest, CreationFrameHasNoCalldata) {
    Asm a;
    a.op(OP_CALLDATASIZE).ret_top();
    Message m = message(100000);
    m.kind = CallKind::kCreate;
    m.input = a.code;  // a host may pass the initcode as input too
    EXPECT_EQ(word(execute(host, m, a.code)), U256(0));
    m.kind = CallKind::kCall;
    EXPECT_EQ(word(execute(host, m, a.code)), U256(a.code.size()));
}

TEST_F(EvmTest, ContextOpcodes) {
    host.ctx.chain_id = 1234;
    host.ctx.number = 300;
    host.ctx.blob_hashes.resize(1);
    host.ctx.blob_hashes[0][31] = 0x77;
    Asm a;
    a.op(OP_CHAINID).ret_top();
    EXPECT_EQ(word(run(a)), U256(1234));
    Asm b;
    b.push(0).op(OP_BLOBHASH).ret_top();
    EXPECT_EQ(word(run(b)), U256(0x77));
    Asm c;
    c.push(1).op(OP_BLOBHASH).ret_top();
    EXPECT_EQ(word(run(c)), U256(0));
    Asm d;
    d.push(299).op(OP_BLOCKHASH).ret_top();
    EXPECT_EQ(word(run(d)), U256::from_hash(host.get_block_hash(299)));
    Asm e;
    e.push(300).op(OP_BLOCKHASH).ret_top();
    EXPECT_EQ(word(run(e)), U256(0));
    Asm f;
    f.push(43).op(OP_BLOCKHASH).ret_top();
    EXPECT_EQ(word(run(f)), U256(0));  // 257 blocks back
    Asm g;
    g.op(OP_CALLER).ret_top();
    EXPECT_EQ(word(run(g)), U256::from_be_bytes(caller.view()));
}

// ---- calls ----

TEST_F(EvmTest, CallPassesAllButOne64thAndReturnsData) {
    const Address callee = addr(7);
    Asm callee_code;
    callee_code.op(OP_GAS).ret_top();
    host.accounts[callee].code = callee_code.code;
    host.warm_accounts.insert(callee);
    Asm a;
    // CALL(gas=all, callee, 0, in 0/0, out 0/32); then return memory word 0.
    a.push(32).push(0).push(0).push(0).push(0).push(U256::from_be_bytes(callee.view()));
    a.op(OP_GAS).op(OP_CALL).op(OP_POP).push(0).op(OP_MLOAD).ret_top();
    const int64_t gas = 100'000;
    const ExecResult r = run(a, gas);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    ASSERT_EQ(host.calls.size(), 1u);
    // Before CALL: 6 pushes + GAS = 20; then 100 warm access + 3 for the out memory word.
    const int64_t before = gas - 20 - 100 - 3;
    EXPECT_EQ(host.calls[0].gas, before - before / 64);
    EXPECT_EQ(word(r), U256(uint64_t(host.calls[0].gas - 2)));  // GAS costs 2 in the callee
    EXPECT_EQ(host.calls[0].depth, 1);
    EXPECT_EQ(host.calls[0].sender, self);
}

TEST_F(EvmTest, ValueCallAddsStipendAndNewAccountCost) {
    host.accounts[self].balance = 10;
    const Address fresh = addr(0x55);  // does not exist
    Asm a;
    a.push(0).push(0).push(0).push(0).push(1).push(U256::from_be_bytes(fresh.view())).push(0);
    a.op(OP_CALL).ret_top();
    const int64_t gas = 100'000;
    const ExecResult r = run(a, gas);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(word(r), U256(1));
    ASSERT_EQ(host.calls.size(), 1u);
    EXPECT_EQ(host.calls[0].gas, 2300);  // requested 0 + stipend
    // 7 pushes, cold 2600, value 9000, new account 25000; the unused stipend comes back.
    EXPECT_EQ(gas - r.gas_left, 21 + 2600 + 9000 + 25000 - 2300 + kRetTopGas);
}

TEST_F(EvmTest, ValueCallWithInsufficientBalancePushesZero) {
    host.accounts[self].balance = 0;
    host.accounts[addr(8)].balance = 1;
    Asm a;
    a.push(0).push(0).push(0).push(0).push(1).push(U256::from_be_bytes(addr(8).view()));
    a.push(1000).op(OP_CALL).ret_top();
    const ExecResult r = run(a, 100'000);
    EXPECT_EQ(word(r), U256(0));
    EXPECT_TRUE(host.calls.empty());
    // Gas passed is returned, and so is the stipend (as in geth and evmone).
    EXPECT_EQ(100'000 - r.gas_left, 21 + 2600 + 9000 - 2300 + kRetTopGas);
}

TEST_F(EvmTest, CallAtDepth1024Fails) {
    Asm a;
    a.push(0).push(0).push(0).push(0).push(U256::from_be_bytes(addr(8).view()));
    a.push(1000).op(OP_STATICCALL).ret_top();
    host.accounts[self].code = a.code;
    Message m = message(100'000);
    m.depth = 1024;
    const ExecResult r = execute(host, m, a.code);
    EXPECT_EQ(word(r), U256(0));
    EXPECT_TRUE(host.calls.empty());
    EXPECT_EQ(100'000 - r.gas_left, 18 + 2600 + kRetTopGas);
    m.depth = 1023;
    EXPECT_EQ(word(execute(host, m, a.code)), U256(1));
    EXPECT_EQ(host.calls.size(), 1u);
}

TEST_F(EvmTest, RecursionStopsAtDepth1024) {
    // The contract calls itself with all its gas; with enough gas the chain reaches depth 1024
    // (1025 frames), where the next CALL fails without running.
    Asm a;
    a.push(0).push(0).push(0).push(0).push(0).op(OP_ADDRESS).op(OP_GAS).op(OP_CALL).ret_top();
    const ExecResult r = run(a, int64_t{1} << 40);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(word(r), U256(1));
    ASSERT_EQ(host.calls.size(), 1024u);
    EXPECT_EQ(host.calls.back().depth, 1024);
}

TEST_F(EvmTest, DelegatecallKeepsSenderAndValue) {
    const Address lib = addr(0x42);
    Asm lib_code;
    lib_code.op(OP_CALLER).op(OP_ADDRESS).op(OP_CALLVALUE).op(OP_POP).op(OP_EQ).ret_top();
    host.accounts[lib].code = lib_code.code;
    Asm a;
    a.push(32).push(0).push(0).push(0).push(U256::from_be_bytes(lib.view())).op(OP_GAS);
    a.op(OP_DELEGATECALL).op(OP_POP).push(0).op(OP_MLOAD).ret_top();
    EXPECT_EQ(word(run(a)), U256(0));  // CALLER (caller) != ADDRESS (self)
    ASSERT_EQ(host.calls.size(), 1u);
    EXPECT_EQ(host.calls[0].kind, CallKind::kDelegateCall);
    EXPECT_EQ(host.calls[0].recipient, self);
    EXPECT_EQ(host.calls[0].sender, caller);
    EXPECT_EQ(host.calls[0].code_address, lib);
}

TEST_F(EvmTest, ReturndataAfterCall) {
    const Address callee = addr(7);
    Asm c;
    c.push(0xbeef).ret_top();
    host.accounts[callee].code = c.code;
    Asm a;
    a.push(0).push(0).push(0).push(0).push(U256::from_be_bytes(callee.view())).op(OP_GAS);
    a.op(OP_STATICCALL).op(OP_POP).push(32).push(0).push(0).op(OP_RETURNDATACOPY);
    a.op(OP_RETURNDATASIZE).push(0x20).op(OP_MSTORE).push(64).push(0).op(OP_RETURN);
    const ExecResult r = run(a);
    ASSERT_EQ(r.output.size(), 64u);
    EXPECT_EQ(U256::from_be_bytes(BytesView(r.output).first(32)), U256(0xbeef));
    EXPECT_EQ(U256::from_be_bytes(BytesView(r.output).subspan(32)), U256(32));
    // Reading one byte past the end of 32 bytes of return data halts.
    Asm b;
    b.push(0).push(0).push(0).push(0).push(U256::from_be_bytes(callee.view())).op(OP_GAS);
    b.op(OP_STATICCALL).op(OP_POP).push(32).push(1).push(0).op(OP_RETURNDATACOPY);
    EXPECT_EQ(run(b).status, StatusCode::kInvalidMemoryAccess);
}

TEST_F(EvmTest, CreateChargesInitcodeAndPassesAllButOne64th) {
    host.create_result = addr(0xcc);
    Asm a;
    a.push(33).push(0).push(0).op(OP_CREATE).ret_top();  // CREATE(value 0, offset 0, size 33)
    const int64_t gas = 100'000;
    const ExecResult r = run(a, gas);
    EXPECT_EQ(word(r), U256::from_be_bytes(addr(0xcc).view()));
    ASSERT_EQ(host.calls.size(), 1u);
    const int64_t charged = 9 + 32000 + 2 * 2 + 6;  // 2 words of initcode, 2 words memory
    const int64_t avail = gas - charged;
    EXPECT_EQ(host.calls[0].gas, avail - avail / 64);
    EXPECT_EQ(host.calls[0].kind, CallKind::kCreate);
    EXPECT_EQ(host.call_inputs[0].size(), 33u);
    // The mock host hands back half of the gas it was given.
    // ret_top needs no expansion here (memory has 2 words): 12.
    const int64_t child = host.calls[0].gas;
    EXPECT_EQ(gas - r.gas_left, charged + (child - child / 2) + kRetTopGas - 3);
}

TEST_F(EvmTest, Create2HashesInitcodeAndPassesSalt) {
    host.create_result = addr(0xcd);
    Asm a;
    a.push(0x5a17).push(64).push(0).push(0).op(OP_CREATE2).ret_top();
    const ExecResult r = run(a);
    EXPECT_EQ(word(r), U256::from_be_bytes(addr(0xcd).view()));
    ASSERT_EQ(host.calls.size(), 1u);
    EXPECT_EQ(host.calls[0].kind, CallKind::kCreate2);
    EXPECT_EQ(U256::from_hash(host.calls[0].create2_salt), U256(0x5a17));
}

TEST_F(EvmTest, InitcodeOverLimitHaltsTheCaller) {
    Asm a;
    a.push(gas::kMaxInitcodeSize + 1).push(0).push(0).op(OP_CREATE);
    const ExecResult r = run(a, 10'000'000);
    EXPECT_NE(r.status, StatusCode::kSuccess);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_TRUE(host.calls.empty());
    Asm ok;
    ok.push(gas::kMaxInitcodeSize).push(0).push(0).op(OP_CREATE);
    EXPECT_EQ(run(ok, 10'000'000).status, StatusCode::kSuccess);
}

TEST_F(EvmTest, FailedCreatePushesZero) {
    host.create_status = StatusCode::kRevert;
    Asm a;
    a.push(0).push(0).push(0).op(OP_CREATE).ret_top();
    EXPECT_EQ(word(run(a)), U256(0));
}

TEST_F(EvmTest, SelfdestructGas) {
    host.accounts[self].balance = 5;
    Asm a;
    a.push(U256::from_be_bytes(addr(0x77).view())).op(OP_SELFDESTRUCT);
    // Cold, non-existent beneficiary with value: 5000 + 2600 + 25000.
    EXPECT_EQ(used(a), 3 + 5000 + 2600 + 25000);
    ASSERT_EQ(host.selfdestructs.size(), 1u);
    EXPECT_EQ(host.selfdestructs[0].second, addr(0x77));
    // Now warm; zero balance: no new-account charge.
    host.accounts[self].balance = 0;
    EXPECT_EQ(used(a), 3 + 5000);
}

// Random bytecode never crashes, and every failing status leaves no gas.
TEST_F(EvmTest, RandomBytecodeIsHandled) {
    std::mt19937_64 rng(xl::test::seed());
    for (int i = 0; i < 300; ++i) {
        Asm a;
        a.code = xl::test::random_vector(rng, 1 + rng() % 64);
        const ExecResult r = run(a, 100'000);
        if (r.status != StatusCode::kSuccess && r.status != StatusCode::kRevert) {
            EXPECT_EQ(r.gas_left, 0);
        }
        EXPECT_LE(r.gas_left, 100'000);
        EXPECT_GE(r.gas_left, 0);
    }
}

}  // namespace
}  // namespace xl::evm::test
