// SPDX-License-Identifier: Apache-2.0
// Tests of evm/analysis.hpp (JUMPDEST analysis, AnalysisCache bounds and concurrency) and of
// what the interpreter does with them: cached and uncached runs agree, nested frames on the
// per-thread stack arena do not disturb each other, nesting past the arena falls back to the
// heap.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "crypto/hash.hpp"
#include "evm/analysis.hpp"
#include "evm/gas.hpp"
#include "evm_testing.hpp"

namespace xl::evm::test {
namespace {

Hash256 hash_of(BytesView code) {
    return crypto::keccak256(code);
}

// Distinct code of `n` bytes: JUMPDESTs with a PUSH1 of `tag` in the middle.
Bytes code_of(size_t n, uint8_t tag) {
    Bytes c(n, OP_JUMPDEST);
    if (n >= 2) {
        c[n / 2 - 1] = OP_PUSH1;
        c[n / 2] = tag;
    }
    return c;
}

TEST(Analysis, JumpdestsSkipPushDataAndCodeIsPadded) {
    // JUMPDEST; PUSH2 0x5b5b; JUMPDEST; PUSH32 (truncated: 1 byte of data)
    const Bytes code = hex_literal("5b615b5b5b7f5b");
    const CodeAnalysis a = analyze(code);
    EXPECT_TRUE(a.is_jumpdest(0));
    EXPECT_FALSE(a.is_jumpdest(2));  // inside PUSH2's data
    EXPECT_FALSE(a.is_jumpdest(3));
    EXPECT_TRUE(a.is_jumpdest(4));
    EXPECT_FALSE(a.is_jumpdest(6));  // PUSH32 data, even past the end of the code
    EXPECT_FALSE(a.is_jumpdest(1u << 20));
    EXPECT_EQ(a.code_size(), code.size());
    ASSERT_EQ(a.padded.size(), code.size() + CodeAnalysis::kPadding);
    for (size_t i = code.size(); i < a.padded.size(); ++i)
        EXPECT_EQ(a.padded[i], 0) << i;
}

TEST(Analysis, EmptyCode) {
    const CodeAnalysis a = analyze({});
    EXPECT_EQ(a.code_size(), 0u);
    EXPECT_FALSE(a.is_jumpdest(0));
    EXPECT_EQ(a.padded.size(), CodeAnalysis::kPadding);
}

TEST(AnalysisCache, SecondLookupIsAHitOnTheSameAnalysis) {
    AnalysisCache cache;
    const Bytes code = code_of(100, 1);
    const auto a = cache.get(hash_of(code), code);
    const auto b = cache.get(hash_of(code), code);
    EXPECT_EQ(a.get(), b.get());
    const auto st = cache.stats();
    EXPECT_EQ(st.hits, 1u);
    EXPECT_EQ(st.misses, 1u);
    EXPECT_EQ(st.entries, 1u);
    EXPECT_EQ(st.bytes, a->memory_bytes());
    EXPECT_EQ(a->padded, analyze(code).padded);
    EXPECT_EQ(a->jumpdests, analyze(code).jumpdests);
}

TEST(AnalysisCache, EntryBoundEvictsLeastRecentlyUsed) {
    // One entry per shard: a second code in the same shard evicts the first.
    AnalysisCache cache(AnalysisCache::kShards, size_t{1} << 30);
    std::vector<Bytes> same_shard;
    std::vector<Hash256> hashes;
    for (uint8_t tag = 0; same_shard.size() < 3; ++tag) {
        Bytes c = code_of(64, tag);
        const Hash256 h = hash_of(c);
        if (h[0] % AnalysisCache::kShards != 0) continue;
        same_shard.push_back(std::move(c));
        hashes.push_back(h);
    }
    const auto first = cache.get(hashes[0], same_shard[0]);
    cache.get(hashes[1], same_shard[1]);  // evicts [0]
    EXPECT_EQ(cache.stats().evictions, 1u);
    EXPECT_EQ(cache.stats().entries, 1u);
    const auto again = cache.get(hashes[0], same_shard[0]);  // a miss, analysed again
    EXPECT_NE(first.get(), again.get());
    EXPECT_EQ(first->jumpdests, again->jumpdests);  // the same pure result
    EXPECT_EQ(cache.stats().misses, 3u);
    EXPECT_EQ(cache.stats().hits, 0u);
    EXPECT_EQ(cache.get(hashes[0], same_shard[0]).get(), again.get());  // kept now
}

TEST(AnalysisCache, ByteBoundKeepsTotalUnderBudget) {
    const size_t budget = 64 * 1024;  // 8 KiB per shard
    AnalysisCache cache(1'000'000, budget);
    for (uint8_t tag = 0; tag < 200; ++tag) {
        const Bytes c = code_of(1000, tag);
        cache.get(hash_of(c), c);
        EXPECT_LE(cache.stats().bytes, budget);
    }
    EXPECT_GT(cache.stats().evictions, 0u);
    // Code whose analysis exceeds a shard's budget is returned but not kept.
    const Bytes big = code_of(20'000, 7);
    const auto a = cache.get(hash_of(big), big);
    EXPECT_EQ(a->code_size(), big.size());
    EXPECT_NE(cache.get(hash_of(big), big).get(), a.get());
    EXPECT_LE(cache.stats().bytes, budget);
}

TEST(AnalysisCache, SizeMismatchIsNotTrusted) {
    // A caller giving a wrong hash for other code of a different size gets that code's analysis.
    AnalysisCache cache;
    const Bytes a = code_of(10, 1), b = code_of(70, 2);
    cache.get(hash_of(a), a);
    const auto r = cache.get(hash_of(a), b);
    EXPECT_EQ(r->code_size(), b.size());
    EXPECT_TRUE(r->is_jumpdest(69));
}

TEST(AnalysisCache, ConcurrentLookupsAgreeWithAnalyze) {
    AnalysisCache cache(16, size_t{1} << 20);  // small: threads also race evictions
    std::vector<Bytes> codes;
    for (uint8_t tag = 0; tag < 40; ++tag)
        codes.push_back(code_of(50 + tag * 7, tag));
    std::vector<std::thread> threads;
    std::vector<int> bad(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 200; ++round) {
                const Bytes& c = codes[size_t(round * (t + 1) + t) % codes.size()];
                const auto a = cache.get(hash_of(c), c);
                const CodeAnalysis want = analyze(c);
                if (a->padded != want.padded || a->jumpdests != want.jumpdests) ++bad[size_t(t)];
            }
        });
    }
    for (auto& th : threads)
        th.join();
    for (int b : bad)
        EXPECT_EQ(b, 0);
    const auto st = cache.stats();
    EXPECT_EQ(st.hits + st.misses, 800u);
    EXPECT_LE(st.entries, 16u);
}

// A loop that jumps (uses the JUMPDEST bitmap) and returns a counter.
Asm counting_loop() {
    // PUSH1 0; JUMPDEST(2); PUSH1 1; ADD; DUP1; PUSH1 100; GT; PUSH1 2; JUMPI; ret_top
    Asm a;
    a.push(0).op(OP_JUMPDEST).push(1).op(OP_ADD).op(OP_DUP1).push(100).op(OP_GT);
    a.push(2).op(OP_JUMPI).ret_top();
    return a;
}

TEST_F(EvmTest, CachedAndUncachedRunsAgree) {
    AnalysisCache cache;
    const Asm a = counting_loop();
    host.accounts[self].code = a.code;
    const ExecResult plain = execute(host, message(100'000), a.code);
    const ExecResult first = execute(host, message(100'000), a.code, hash_of(a.code), cache);
    const ExecResult second = execute(host, message(100'000), a.code, hash_of(a.code), cache);
    for (const ExecResult* r : {&plain, &first, &second}) {
        EXPECT_EQ(r->status, StatusCode::kSuccess);
        EXPECT_EQ(word(*r), U256(100));
        EXPECT_EQ(r->gas_left, plain.gas_left);
    }
    EXPECT_EQ(cache.stats().hits, 1u);
    // A jump into push data fails the same way with and without the cache.
    Asm bad;
    bad.push(4).op(OP_JUMP).raw("605b");  // PUSH1 4; JUMP; PUSH1 0x5b (4 is push data)
    EXPECT_EQ(execute(host, message(100), bad.code).status, StatusCode::kBadJumpDestination);
    EXPECT_EQ(execute(host, message(100), bad.code, hash_of(bad.code), cache).status,
              StatusCode::kBadJumpDestination);
}

TEST_F(EvmTest, NestedFramesKeepTheirOwnStacks) {
    // The callee fills 1000 stack slots with 0xff..; the caller's two items must survive.
    const Address callee = addr(9);
    Asm c;
    for (int i = 0; i < 1000; ++i)
        c.push(U256::max());
    c.op(OP_STOP);
    host.accounts[callee].code = c.code;
    AnalysisCache cache;
    host.analysis_cache = &cache;
    Asm a;
    a.push(0x11).push(0x22);
    a.push(0).push(0).push(0).push(0).push(U256::from_be_bytes(callee.view())).op(OP_GAS);
    a.op(OP_STATICCALL).op(OP_POP);
    a.push(0).push(0).push(0).push(0).push(U256::from_be_bytes(callee.view())).op(OP_GAS);
    a.op(OP_STATICCALL).op(OP_POP).op(OP_ADD).ret_top();
    const ExecResult r = run(a);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(word(r), U256(0x33));
    EXPECT_EQ(cache.stats().hits, 1u);  // the second call found the callee's analysis
}

// A host that does not count depth: every nested frame gets depth 0, so the interpreter's
// depth limit never stops the recursion and only gas (EIP-150's 63/64) does. This nests more
// frames on one thread than the stack arena has blocks, so the deepest ones take heap stacks.
class DepthlessHost : public MockHost {
public:
    int frames = 0;
    int max_frames = 0;
    ExecResult call(const Message& msg) noexcept override {
        Message m = msg;
        m.depth = 0;
        ++frames;
        max_frames = std::max(max_frames, frames);
        const Bytes code = accounts[m.code_address].code;
        ExecResult r = execute(*this, m, code);
        --frames;
        return r;
    }
};

TEST(StackArena, NestingBeyondTheArenaUsesTheHeap) {
    DepthlessHost host;
    const Address self = addr(1);
    // PUSH1 0 x5; ADDRESS; GAS; CALL; PUSH1 7; ADD; ret_top: each level returns 1 + 7 on top of
    // its stack items, after its callee used the stack block above.
    Asm a;
    a.push(0).push(0).push(0).push(0).push(0).op(OP_ADDRESS).op(OP_GAS).op(OP_CALL);
    a.push(7).op(OP_ADD).ret_top();
    host.accounts[self].code = a.code;
    Message m;
    m.gas = int64_t{1} << 40;
    m.recipient = self;
    m.code_address = self;
    const ExecResult r = execute(host, m, a.code);
    EXPECT_EQ(r.status, StatusCode::kSuccess);
    EXPECT_EQ(word(r), U256(8));
    EXPECT_GT(host.max_frames, gas::kMaxCallDepth + 1);  // past the arena's blocks
}

TEST_F(EvmTest, MemoryAccessAtTheEdgeOfPaidMemory) {
    // MSTORE8(63, 1) pays for 2 words; MLOAD(32) stays inside them (no expansion gas), MLOAD(33)
    // expands to 3 words: 3 * 3 + 9 / 512 - (3 * 2 + 4 / 512) = 3 more gas.
    Asm inside;
    inside.push(1).push(63).op(OP_MSTORE8).push(32).op(OP_MLOAD).ret_top();
    Asm across;
    across.push(1).push(63).op(OP_MSTORE8).push(33).op(OP_MLOAD).ret_top();
    const int64_t gas_inside = used(inside);
    EXPECT_EQ(word(run(inside)), U256(1));
    EXPECT_EQ(word(run(across)), U256(1) << 8);
    EXPECT_EQ(used(across), gas_inside + 3);
    // MSTORE at the last paid word, then at one byte past it.
    Asm store;
    store.push(0).op(OP_MLOAD).op(OP_POP).push(7).push(0).op(OP_MSTORE).push(0).op(OP_MLOAD);
    store.ret_top();
    EXPECT_EQ(word(run(store)), U256(7));
    // ret_top's MSTORE at 0 needs no expansion here: kRetTopGas less the 3 of one word.
    EXPECT_EQ(used(store), 3 + 3 + 3 + 2 + 3 + 3 + 3 + 3 + 3 + kRetTopGas - 3);
}

TEST_F(EvmTest, MemoryKeepsItsBytesAcrossGrowthIntoAMapping) {
    // MSTORE(0, 0xabc), then MSTORE8 at 300 KiB (past FrameMemory's mapping threshold); after
    // the move MLOAD(0) + MLOAD(200 KiB) must be 0xabc (kept; untouched memory reads zero).
    // Returns that sum and MSIZE.
    Asm a;
    a.push(0xabc).push(0).op(OP_MSTORE).push(0xff).push(300 * 1024).op(OP_MSTORE8);
    a.push(0).op(OP_MLOAD).push(200 * 1024).op(OP_MLOAD).op(OP_ADD);
    a.op(OP_MSIZE).push(32).op(OP_MSTORE).push(0).op(OP_MSTORE).push(64).push(0).op(OP_RETURN);
    const ExecResult r = run(a, 10'000'000);
    ASSERT_EQ(r.status, StatusCode::kSuccess);
    ASSERT_EQ(r.output.size(), 64u);
    EXPECT_EQ(U256::from_be_bytes(BytesView(r.output).first(32)), U256(0xabc));
    EXPECT_EQ(U256::from_be_bytes(BytesView(r.output).subspan(32)), U256(300 * 1024 + 32));
}

}  // namespace
}  // namespace xl::evm::test
