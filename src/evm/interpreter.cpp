// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: the Cancun interpreter: one switch-dispatched loop over pre-analysed code (from
// an AnalysisCache for deployed code), a stack of 1024 U256 per frame taken from a per-thread
// arena (neither allocated nor cleared per frame), gas charged before any effect.
#include "evm/interpreter.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/assert.hpp"
#include "crypto/hash.hpp"
#include "evm/analysis.hpp"
#include "evm/gas.hpp"
#include "evm/instructions.hpp"

// Under AddressSanitizer every local of the big switch gets its own redzoned slot, so step() is
// kept out of run()'s frame there; elsewhere inlining it saves a call per instruction.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define XL_EVM_STEP_ATTR [[gnu::noinline]]
#define XL_EVM_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define XL_EVM_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define XL_EVM_STEP_ATTR [[gnu::always_inline]] inline
#define XL_EVM_POISON(p, n) ((void)(p), (void)(n))
#define XL_EVM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace xl::evm {
namespace {

// Stack space for the frames of one thread. Frames on a thread nest strictly (a nested frame
// runs inside Host::call and ends before its caller continues), so the frame at nesting level
// i always uses block i of kMaxStack words. The blocks are one anonymous mapping, reserved on
// the thread's first frame and kept until the thread ends: a frame costs no allocation and no
// memset (the interpreter never reads a slot it has not written), and the kernel supplies
// zero pages only for stack heights actually reached. Frames nested deeper than kBlocks on
// one thread (only a host nesting several transactions could) or a failed mapping fall back
// to an uninitialised heap block. Under ASan, blocks not in use are poisoned.
class StackArena {
public:
    static constexpr size_t kBlockBytes = size_t{gas::kMaxStack} * sizeof(U256);  // 32 KiB
    static constexpr size_t kBlocks = size_t{gas::kMaxCallDepth} + 1;             // depths 0..1024
    static constexpr size_t kBytes = kBlockBytes * kBlocks;  // ~32 MiB reserved

    StackArena() = default;
    StackArena(const StackArena&) = delete;
    StackArena& operator=(const StackArena&) = delete;
    ~StackArena() {
        if (base_ == nullptr) return;
        XL_EVM_UNPOISON(base_, kBytes);
        munmap(base_, kBytes);
    }

    // Block for the next nesting level, or nullptr (use the heap).
    U256* acquire() noexcept {
        if (used_ == kBlocks || (base_ == nullptr && !map())) return nullptr;
        std::byte* block = base_ + used_++ * kBlockBytes;
        XL_EVM_UNPOISON(block, kBlockBytes);
        return reinterpret_cast<U256*>(block);
    }
    // Gives back the block acquire() gave the innermost frame.
    void release() noexcept {
        --used_;
        XL_EVM_POISON(base_ + used_ * kBlockBytes, kBlockBytes);
    }

private:
    bool map() noexcept {
        void* p = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return false;
        base_ = static_cast<std::byte*>(p);
        XL_EVM_POISON(base_, kBytes);
        return true;
    }

    std::byte* base_ = nullptr;
    size_t used_ = 0;  // blocks of live frames
};

thread_local StackArena t_stack_arena;

// One frame's stack: a block of the thread's arena, or of the heap if there is none.
class FrameStack {
public:
    FrameStack() noexcept : words_(t_stack_arena.acquire()), from_arena_(words_ != nullptr) {
        if (!from_arena_) {
            heap_.reset(new (std::nothrow) std::byte[StackArena::kBlockBytes]);
            words_ = reinterpret_cast<U256*>(heap_.get());
        }
    }
    FrameStack(const FrameStack&) = delete;
    FrameStack& operator=(const FrameStack&) = delete;
    ~FrameStack() {
        if (from_arena_) t_stack_arena.release();
    }
    // nullptr only if even the heap failed.
    U256* words() const noexcept { return words_; }

private:
    U256* words_;
    const bool from_arena_;
    std::unique_ptr<std::byte[]> heap_;
};

U256 from_address(const Address& a) noexcept {
    return U256::from_be_bytes(a.view());
}

Address to_address(const U256& v) noexcept {
    uint8_t b[32];
    v.to_be_bytes(b);
    Address a;
    std::memcpy(a.data(), b + 12, 20);
    return a;
}

// The 32 big-endian bytes at p as a word: four byte-swapped loads instead of the general
// decoder (MLOAD, CALLDATALOAD and long PUSHes are hot in solc's code).
U256 load_word(const uint8_t* p) noexcept {
    static_assert(std::endian::native == std::endian::little, "limbs are loaded byte-swapped");
    uint64_t v[4];
    std::memcpy(v, p, 32);
    return U256::from_limbs(__builtin_bswap64(v[3]), __builtin_bswap64(v[2]),
                            __builtin_bswap64(v[1]), __builtin_bswap64(v[0]));
}

int64_t num_words(uint64_t size) noexcept {
    return int64_t((size + 31) / 32);
}

int64_t memory_cost(int64_t words) noexcept {
    return gas::kMemoryWord * words + words * words / gas::kMemoryQuadDivisor;
}

// A frame's EVM memory (YP §9.4.1): bytes that read as zero until written and only grow, in
// steps of at least double. Small buffers come from calloc; from kMapBytes on, from an anonymous
// mapping, whose pages the kernel zeroes only when first touched, so an expansion to 1 MiB of
// which little is used costs little beyond its gas (stStaticCall's 1,024 frames of 1 MiB).
// Bytes past size() are always zero (only [0, size()) is ever written; growth copies size()).
class FrameMemory {
public:
    static constexpr size_t kMapBytes = size_t{256} << 10;
    static constexpr size_t kMinBytes = 1024;

    FrameMemory() = default;
    FrameMemory(const FrameMemory&) = delete;
    FrameMemory& operator=(const FrameMemory&) = delete;
    ~FrameMemory() { release(data_, cap_); }

    uint8_t* data() noexcept { return data_; }
    size_t size() const noexcept { return size_; }
    uint8_t& operator[](size_t i) noexcept { return data_[i]; }

    // Grows to n > size() bytes. Running out of address space is the node's failure, not the
    // transaction's: it stops the process, as std::vector's bad_alloc in noexcept code did.
    void grow(size_t n) noexcept {
        if (n > cap_) {
            const size_t cap = std::max({n, cap_ * 2, kMinBytes});
            uint8_t* p = acquire(cap);
            XL_ASSERT(p != nullptr);
            if (size_ != 0) std::memcpy(p, data_, size_);
            release(data_, cap_);
            data_ = p;
            cap_ = cap;
        }
        size_ = n;
    }

private:
    static uint8_t* acquire(size_t bytes) noexcept {
        if (bytes < kMapBytes) return static_cast<uint8_t*>(std::calloc(bytes, 1));
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
    }
    static void release(uint8_t* p, size_t bytes) noexcept {
        if (p == nullptr) return;
        if (bytes < kMapBytes)
            std::free(p);
        else
            munmap(p, bytes);
    }

    uint8_t* data_ = nullptr;
    size_t size_ = 0;
    size_t cap_ = 0;
};

// What run() checks before every instruction, from op_table() in 8 bytes per opcode: the
// stack height must be in [min_sp, max_sp] and base_gas is charged. An undefined opcode gets
// a min_sp no stack reaches, so one comparison sends it to the error path.
struct OpLimits {
    int16_t base_gas = 0;
    int16_t min_sp = 0;
    int16_t max_sp = 0;
    int16_t stack_change = 0;  // items pushed minus popped
};
static_assert(sizeof(OpLimits) == 8);
inline constexpr int16_t kUnreachableHeight = gas::kMaxStack + 1;

const std::array<OpLimits, 256>& op_limits() noexcept {
    static const std::array<OpLimits, 256> limits = [] {
        std::array<OpLimits, 256> t{};
        const auto& table = op_table();
        for (size_t i = 0; i < 256; ++i) {
            const OpInfo& info = table[i];
            t[i].base_gas = info.base_gas;
            t[i].min_sp = info.name.empty() ? kUnreachableHeight : int16_t(info.stack_in);
            t[i].max_sp = int16_t(gas::kMaxStack - info.stack_change);
            t[i].stack_change = info.stack_change;
        }
        return t;
    }();
    return limits;
}

// One frame's mutable state.
class Frame {
public:
    Frame(Host& host, const Message& msg, BytesView code, const CodeAnalysis& analysis, U256* stack)
        : host_(host),
          msg_(msg),
          code_(code),
          // A creation frame has no calldata: its input is the code being run (YP §7).
          input_(msg.kind == CallKind::kCreate || msg.kind == CallKind::kCreate2 ? BytesView()
                                                                                 : msg.input),
          analysis_(analysis),
          stack_(stack),
          gas_(msg.gas) {}

    ExecResult run() noexcept;

private:
    enum class Step : uint8_t { kNext, kJumped, kStop, kFail, kSlow };
    // The stack-only instructions (arithmetic, comparisons, bits, POP, PUSH, DUP, SWAP, jumps,
    // PC; MLOAD, MSTORE, MSTORE8 inside the current memory) on the stack of height `sp`, which
    // run() keeps in a register and then moves by the opcode's stack change; kSlow for any other
    // instruction. run() has checked the stack bounds and charged the base gas.
    XL_EVM_STEP_ATTR Step fast(uint8_t op, uint64_t& pc, int sp) noexcept;
    // Runs any other instruction except CALL* and CREATE* on the members sp_ and gas_.
    XL_EVM_STEP_ATTR Step step(uint8_t op) noexcept;
    const TxContext& tx() const noexcept { return host_.tx_context(); }

private:
    // Charges `cost`; false (out of gas) if the frame cannot pay.
    bool use(int64_t cost) noexcept {
        gas_ -= cost;
        return gas_ >= 0;
    }
    // Expands memory to cover [offset, offset + size) and charges for it (YP §9.4.1 with
    // C_mem). size == 0 never expands, whatever the offset. On success *off receives the offset.
    bool expand(const U256& offset, const U256& size, uint64_t* off) noexcept {
        if (size.is_zero()) {
            *off = 0;
            return true;
        }
        if (!offset.fits_u64() || !size.fits_u64() || offset.low64() > gas::kMaxMemoryBytes ||
            size.low64() > gas::kMaxMemoryBytes)
            return fail(StatusCode::kOutOfGas);
        const uint64_t end = offset.low64() + size.low64();
        *off = offset.low64();
        if (end <= memory_.size()) return true;
        if (end > gas::kMaxMemoryBytes) return fail(StatusCode::kOutOfGas);
        const int64_t new_words = num_words(end);
        const int64_t old_words = int64_t(memory_.size() / 32);
        if (!use(memory_cost(new_words) - memory_cost(old_words)))
            return fail(StatusCode::kOutOfGas);
        memory_.grow(size_t(new_words) * 32);
        return true;
    }
    // True if [offset, offset + n) lies inside the memory already paid for.
    bool in_memory(const U256& offset, uint64_t n) const noexcept {
        return offset.fits_u64() && memory_.size() >= n && offset.low64() <= memory_.size() - n;
    }
    bool fail(StatusCode s) noexcept {
        status_ = s;
        return false;
    }
    U256& top(int i = 0) noexcept { return stack_[size_t(sp_ - 1 - i)]; }
    U256 pop() noexcept { return stack_[size_t(--sp_)]; }
    void push(const U256& v) noexcept { stack_[size_t(sp_++)] = v; }

    // Copies src[from, from + n) into memory at dst, zero-filling past the end of src
    // (CALLDATACOPY, CODECOPY, EXTCODECOPY).
    void copy_padded(uint64_t dst, BytesView src, const U256& from, uint64_t n) noexcept {
        if (n == 0) return;
        uint64_t avail = 0, start = 0;
        if (from.fits_u64() && from.low64() < src.size()) {
            start = from.low64();
            avail = std::min<uint64_t>(n, src.size() - start);
        }
        if (avail) std::memcpy(memory_.data() + dst, src.data() + start, avail);
        std::memset(memory_.data() + dst + avail, 0, n - avail);
    }

    bool op_copy(BytesView src) noexcept;
    bool op_extcodecopy() noexcept;
    bool op_returndatacopy() noexcept;
    bool op_mcopy() noexcept;
    bool op_keccak() noexcept;
    bool op_exp() noexcept;
    bool op_sload() noexcept;
    bool op_sstore() noexcept;
    bool op_log(int topics) noexcept;
    [[gnu::noinline]] bool op_call(uint8_t op) noexcept;
    [[gnu::noinline]] bool op_create(uint8_t op) noexcept;
    bool op_selfdestruct() noexcept;
    bool access_account(const Address& a) noexcept {
        const bool cold = host_.access_account(a) == AccessStatus::kCold;
        if (!use(cold ? gas::kColdAccountAccess : gas::kWarmAccess))
            return fail(StatusCode::kOutOfGas);
        return true;
    }

    Host& host_;
    const Message& msg_;
    BytesView code_;
    BytesView input_;
    const CodeAnalysis& analysis_;
    U256* const stack_;  // kMaxStack words, uninitialised above sp_
    int sp_ = 0;
    int64_t gas_;
    int64_t refund_ = 0;
    FrameMemory memory_;
    Bytes return_data_;
    StatusCode status_ = StatusCode::kSuccess;
    Bytes output_;
};

bool Frame::op_copy(BytesView src) noexcept {
    const U256 dst = pop(), from = pop(), size = pop();
    uint64_t off = 0;
    if (!expand(dst, size, &off)) return false;
    const uint64_t n = size.low64();
    if (!use(gas::kCopyWord * num_words(n))) return fail(StatusCode::kOutOfGas);
    copy_padded(off, src, from, n);
    return true;
}

bool Frame::op_extcodecopy() noexcept {
    const Address a = to_address(pop());
    const U256 dst = pop(), from = pop(), size = pop();
    uint64_t off = 0;
    if (!expand(dst, size, &off)) return false;
    const uint64_t n = size.low64();
    if (!use(gas::kCopyWord * num_words(n))) return fail(StatusCode::kOutOfGas);
    if (!access_account(a)) return false;
    if (n) copy_padded(off, host_.get_code(a), from, n);
    return true;
}

bool Frame::op_returndatacopy() noexcept {
    const U256 dst = pop(), from = pop(), size = pop();
    uint64_t off = 0;
    if (!expand(dst, size, &off)) return false;
    const uint64_t n = size.low64();
    // EIP-211: reading past the end of the return data is an exceptional halt.
    if (!from.fits_u64() || from.low64() > return_data_.size() ||
        n > return_data_.size() - from.low64())
        return fail(StatusCode::kInvalidMemoryAccess);
    if (!use(gas::kCopyWord * num_words(n))) return fail(StatusCode::kOutOfGas);
    if (n) std::memcpy(memory_.data() + off, return_data_.data() + from.low64(), n);
    return true;
}

bool Frame::op_mcopy() noexcept {
    const U256 dst = pop(), src = pop(), size = pop();
    // EIP-5656: memory is expanded to cover both regions.
    uint64_t doff = 0, soff = 0;
    if (!expand(src, size, &soff) || !expand(dst, size, &doff)) return false;
    const uint64_t n = size.low64();
    if (!use(gas::kCopyWord * num_words(n))) return fail(StatusCode::kOutOfGas);
    if (n) std::memmove(memory_.data() + doff, memory_.data() + soff, n);
    return true;
}

bool Frame::op_keccak() noexcept {
    const U256 offset = pop();
    U256& size = top();
    uint64_t off = 0;
    if (!expand(offset, size, &off)) return false;
    const uint64_t n = size.low64();
    if (!use(gas::kKeccakWord * num_words(n))) return fail(StatusCode::kOutOfGas);
    const Hash256 h = crypto::keccak256(BytesView(memory_.data() + off, size_t(n)));
    size = U256::from_hash(h);
    return true;
}

bool Frame::op_exp() noexcept {
    const U256 base = pop();
    U256& e = top();
    if (!use(gas::kExpByte * int64_t(e.byte_length()))) return fail(StatusCode::kOutOfGas);
    e = exp(base, e);
    return true;
}

bool Frame::op_sload() noexcept {
    U256& key = top();
    const bool cold = host_.access_storage(msg_.recipient, key) == AccessStatus::kCold;
    if (!use(cold ? gas::kColdSload : gas::kWarmAccess)) return fail(StatusCode::kOutOfGas);
    key = host_.get_storage(msg_.recipient, key);
    return true;
}

bool Frame::op_sstore() noexcept {
    if (msg_.is_static) return fail(StatusCode::kStaticModeViolation);
    // EIP-2200: SSTORE fails if only the call stipend (or less) is left.
    if (gas_ <= gas::kCallStipend) return fail(StatusCode::kOutOfGas);
    const U256 key = pop(), value = pop();
    const bool cold = host_.access_storage(msg_.recipient, key) == AccessStatus::kCold;
    int64_t cost = cold ? gas::kColdSload : 0;
    const StorageStatus st = host_.set_storage(msg_.recipient, key, value);
    // Gas and refunds of EIP-2200 with EIP-2929's warm read and EIP-3529's reduced refund.
    constexpr int64_t kWarm = gas::kWarmAccess;
    switch (st) {
        case StorageStatus::kAssigned:
            cost += kWarm;
            break;
        case StorageStatus::kAdded:
            cost += gas::kSstoreSet;
            break;
        case StorageStatus::kDeleted:
            cost += gas::kSstoreReset;
            refund_ += gas::kSstoreClearsRefund;
            break;
        case StorageStatus::kModified:
            cost += gas::kSstoreReset;
            break;
        case StorageStatus::kDeletedAdded:
            cost += kWarm;
            refund_ -= gas::kSstoreClearsRefund;
            break;
        case StorageStatus::kModifiedDeleted:
            cost += kWarm;
            refund_ += gas::kSstoreClearsRefund;
            break;
        case StorageStatus::kDeletedRestored:
            cost += kWarm;
            refund_ += gas::kSstoreReset - kWarm - gas::kSstoreClearsRefund;
            break;
        case StorageStatus::kAddedDeleted:
            cost += kWarm;
            refund_ += gas::kSstoreSet - kWarm;
            break;
        case StorageStatus::kModifiedRestored:
            cost += kWarm;
            refund_ += gas::kSstoreReset - kWarm;
            break;
    }
    if (!use(cost)) return fail(StatusCode::kOutOfGas);
    return true;
}

bool Frame::op_log(int topics) noexcept {
    if (msg_.is_static) return fail(StatusCode::kStaticModeViolation);
    const U256 offset = pop(), size = pop();
    uint64_t off = 0;
    if (!expand(offset, size, &off)) return false;
    const uint64_t n = size.low64();
    if (!use(gas::kLogData * int64_t(n))) return fail(StatusCode::kOutOfGas);
    Hash256 t[4];
    for (int i = 0; i < topics; ++i)
        t[i] = pop().to_hash();
    host_.emit_log(msg_.recipient, BytesView(memory_.data() + off, size_t(n)),
                   std::span<const Hash256>(t, size_t(topics)));
    return true;
}

bool Frame::op_call(uint8_t op) noexcept {
    const U256 gas_arg = pop();
    const Address dst = to_address(pop());
    const bool has_value_arg = op == OP_CALL || op == OP_CALLCODE;
    const U256 value = has_value_arg ? pop() : U256();
    const U256 in_off = pop(), in_size = pop(), out_off = pop(), out_size = pop();
    const bool has_value = !value.is_zero();
    if (op == OP_CALL && has_value && msg_.is_static)
        return fail(StatusCode::kStaticModeViolation);  // EIP-214
    uint64_t in = 0, out = 0;
    if (!expand(in_off, in_size, &in) || !expand(out_off, out_size, &out)) return false;
    if (!access_account(dst)) return false;  // EIP-2929
    int64_t cost = 0;
    if (has_value) {
        cost += gas::kCallValue;
        if (op == OP_CALL && !host_.account_exists(dst)) cost += gas::kNewAccount;  // EIP-161
    }
    if (!use(cost)) return fail(StatusCode::kOutOfGas);

    Message m;
    m.depth = msg_.depth + 1;
    m.input = BytesView(memory_.data() + in, size_t(in_size.is_zero() ? 0 : in_size.low64()));
    m.code_address = dst;
    switch (op) {
        case OP_CALL:
            m.kind = CallKind::kCall;
            m.is_static = msg_.is_static;
            m.recipient = dst;
            m.sender = msg_.recipient;
            m.value = value;
            break;
        case OP_CALLCODE:
            m.kind = CallKind::kCallCode;
            m.is_static = msg_.is_static;
            m.recipient = msg_.recipient;
            m.sender = msg_.recipient;
            m.value = value;
            break;
        case OP_DELEGATECALL:
            m.kind = CallKind::kDelegateCall;
            m.is_static = msg_.is_static;
            m.recipient = msg_.recipient;
            m.sender = msg_.sender;
            m.value = msg_.value;
            break;
        default:
            m.kind = CallKind::kStaticCall;
            m.is_static = true;
            m.recipient = dst;
            m.sender = msg_.recipient;
            break;
    }
    // EIP-150: at most all but one 64th of the remaining gas is passed on.
    const int64_t cap = gas_ - gas_ / 64;
    m.gas = gas_arg.fits_u64() && gas_arg.low64() < uint64_t(cap) ? int64_t(gas_arg.low64()) : cap;
    gas_ -= m.gas;
    if (has_value) m.gas += gas::kCallStipend;  // a free stipend for value calls (YP G_callstipend)
    return_data_.clear();
    // A call that cannot start returns all of its gas, stipend included (as geth and evmone).
    if (msg_.depth >= gas::kMaxCallDepth ||
        (has_value && host_.get_balance(msg_.recipient) < value)) {
        gas_ += m.gas;
        push(U256(0));
        return true;
    }
    ExecResult r = host_.call(m);
    gas_ += r.gas_left;
    refund_ += r.gas_refund;
    const uint64_t out_n = out_size.is_zero() ? 0 : out_size.low64();
    const size_t copy_n = std::min<size_t>(size_t(out_n), r.output.size());
    if (copy_n) std::memcpy(memory_.data() + out, r.output.data(), copy_n);
    return_data_ = std::move(r.output);
    push(U256(r.status == StatusCode::kSuccess ? 1 : 0));
    return true;
}

bool Frame::op_create(uint8_t op) noexcept {
    if (msg_.is_static) return fail(StatusCode::kStaticModeViolation);
    const U256 value = pop(), offset = pop(), size = pop();
    const U256 salt = op == OP_CREATE2 ? pop() : U256();
    uint64_t off = 0;
    if (!expand(offset, size, &off)) return false;
    const uint64_t n = size.is_zero() ? 0 : size.low64();
    // EIP-3860: initcode over the limit is an exceptional halt of this frame.
    if (n > uint64_t(gas::kMaxInitcodeSize)) return fail(StatusCode::kArgumentOutOfRange);
    int64_t cost = gas::kInitcodeWord * num_words(n);
    if (op == OP_CREATE2) cost += gas::kKeccakWord * num_words(n);  // EIP-1014 hashing
    if (!use(cost)) return fail(StatusCode::kOutOfGas);
    return_data_.clear();
    if (msg_.depth >= gas::kMaxCallDepth ||
        (!value.is_zero() && host_.get_balance(msg_.recipient) < value)) {
        push(U256(0));
        return true;
    }
    Message m;
    m.kind = op == OP_CREATE2 ? CallKind::kCreate2 : CallKind::kCreate;
    m.depth = msg_.depth + 1;
    m.sender = msg_.recipient;
    m.value = value;
    m.input = BytesView(memory_.data() + off, size_t(n));
    m.create2_salt = salt.to_hash();
    m.gas = gas_ - gas_ / 64;  // EIP-150
    gas_ -= m.gas;
    ExecResult r = host_.call(m);
    gas_ += r.gas_left;
    refund_ += r.gas_refund;
    // EIP-211: only a reverted creation leaves return data.
    if (r.status == StatusCode::kRevert) return_data_ = std::move(r.output);
    push(r.status == StatusCode::kSuccess ? from_address(r.create_address) : U256(0));
    return true;
}

bool Frame::op_selfdestruct() noexcept {
    if (msg_.is_static) return fail(StatusCode::kStaticModeViolation);
    const Address beneficiary = to_address(pop());
    // EIP-2929: a cold beneficiary costs 2600 on top of the 5000 base; no warm surcharge.
    if (host_.access_account(beneficiary) == AccessStatus::kCold && !use(gas::kColdAccountAccess))
        return fail(StatusCode::kOutOfGas);
    if (!host_.get_balance(msg_.recipient).is_zero() && !host_.account_exists(beneficiary) &&
        !use(gas::kNewAccount))
        return fail(StatusCode::kOutOfGas);
    host_.selfdestruct(msg_.recipient, beneficiary);  // EIP-6780 semantics are the host's
    return true;
}

Frame::Step Frame::fast(uint8_t op, uint64_t& pc, int sp) noexcept {
    U256* const end = stack_ + sp;  // end[-1] is the top, end[-2] the item below it
    switch (op) {
        case OP_ADD:
            end[-2] = end[-1] + end[-2];
            break;
        case OP_MUL:
            end[-2] = end[-1] * end[-2];
            break;
        case OP_SUB:
            end[-2] = end[-1] - end[-2];
            break;
        case OP_DIV:
            end[-2] = end[-1] / end[-2];
            break;
        case OP_SDIV:
            end[-2] = sdiv(end[-1], end[-2]);
            break;
        case OP_MOD:
            end[-2] = end[-1] % end[-2];
            break;
        case OP_SMOD:
            end[-2] = smod(end[-1], end[-2]);
            break;
        case OP_ADDMOD:
            end[-3] = addmod(end[-1], end[-2], end[-3]);
            break;
        case OP_MULMOD:
            end[-3] = mulmod(end[-1], end[-2], end[-3]);
            break;
        case OP_SIGNEXTEND:
            end[-2] = signextend(end[-1], end[-2]);
            break;
        case OP_LT:
            end[-2] = U256(end[-1] < end[-2]);
            break;
        case OP_GT:
            end[-2] = U256(end[-1] > end[-2]);
            break;
        case OP_SLT:
            end[-2] = U256(slt(end[-1], end[-2]));
            break;
        case OP_SGT:
            end[-2] = U256(sgt(end[-1], end[-2]));
            break;
        case OP_EQ:
            end[-2] = U256(end[-1] == end[-2]);
            break;
        case OP_ISZERO:
            end[-1] = U256(end[-1].is_zero());
            break;
        case OP_AND:
            end[-2] = end[-1] & end[-2];
            break;
        case OP_OR:
            end[-2] = end[-1] | end[-2];
            break;
        case OP_XOR:
            end[-2] = end[-1] ^ end[-2];
            break;
        case OP_NOT:
            end[-1] = ~end[-1];
            break;
        case OP_BYTE:
            end[-2] = byte(end[-1], end[-2]);
            break;
        case OP_SHL:
            end[-2] = shl(end[-1], end[-2]);
            break;
        case OP_SHR:
            end[-2] = shr(end[-1], end[-2]);
            break;
        case OP_SAR:
            end[-2] = sar(end[-1], end[-2]);
            break;
        case OP_POP:
        case OP_JUMPDEST:
            break;
        case OP_PC:
            end[0] = U256(pc);
            break;
        case OP_PUSH0:
            end[0] = U256(0);
            break;
        // Memory access inside the current size costs no expansion gas (YP §9.4.1), so only
        // that case is here; anything that may expand memory goes to step().
        case OP_MLOAD:
            if (!in_memory(end[-1], 32)) return Step::kSlow;
            end[-1] = load_word(memory_.data() + end[-1].low64());
            break;
        case OP_MSTORE:
            if (!in_memory(end[-1], 32)) return Step::kSlow;
            end[-2].to_be_bytes(memory_.data() + end[-1].low64());
            break;
        case OP_MSTORE8:
            if (!in_memory(end[-1], 1)) return Step::kSlow;
            memory_[size_t(end[-1].low64())] = uint8_t(end[-2].low64());
            break;
        case OP_JUMP:
        case OP_JUMPI: {
            const U256& dst = end[-1];
            if (op == OP_JUMPI && end[-2].is_zero()) break;
            if (!dst.fits_u64() || !analysis_.is_jumpdest(dst.low64())) {
                fail(StatusCode::kBadJumpDestination);
                return Step::kFail;
            }
            pc = dst.low64();
            return Step::kJumped;  // land on the JUMPDEST itself, charged 1 gas
        }
        default:
            if (op >= OP_PUSH1 && op <= OP_PUSH32) {
                const unsigned n = op - OP_PUSH1 + 1;
                const uint8_t* data = analysis_.padded.data() + pc + 1;
                if (n <= 8) {  // the common short pushes without the general decoder
                    uint64_t v = 0;
                    for (unsigned i = 0; i < n; ++i)
                        v = (v << 8) | data[i];
                    end[0] = U256(v);
                } else {
                    uint8_t buf[32] = {};
                    std::memcpy(buf + 32 - n, data, n);
                    end[0] = load_word(buf);
                }
                pc += n;
            } else if (op >= OP_DUP1 && op <= OP_DUP16) {
                end[0] = end[-1 - (op - OP_DUP1)];
            } else if (op >= OP_SWAP1 && op <= OP_SWAP16) {
                std::swap(end[-1], end[-2 - (op - OP_SWAP1)]);
            } else {
                return Step::kSlow;
            }
            break;
    }
    return Step::kNext;
}

Frame::Step Frame::step(uint8_t op) noexcept {
    bool ok = true;
    bool running = true;
    switch (op) {
        case OP_STOP:
            running = false;
            break;

        case OP_EXP:
            ok = op_exp();
            break;

        case OP_KECCAK256:
            ok = op_keccak();
            break;
        case OP_ADDRESS:
            push(from_address(msg_.recipient));
            break;
        case OP_BALANCE: {
            const Address a = to_address(top());
            if (!(ok = access_account(a))) break;
            top() = host_.get_balance(a);
            break;
        }
        case OP_ORIGIN:
            push(from_address(tx().origin));
            break;
        case OP_CALLER:
            push(from_address(msg_.sender));
            break;
        case OP_CALLVALUE:
            push(msg_.value);
            break;
        case OP_CALLDATALOAD: {
            U256& x = top();
            uint8_t buf[32] = {};
            if (x.fits_u64() && x.low64() < input_.size()) {
                const size_t n = std::min<size_t>(32, input_.size() - x.low64());
                std::memcpy(buf, input_.data() + x.low64(), n);
            }
            x = load_word(buf);
            break;
        }
        case OP_CALLDATASIZE:
            push(U256(input_.size()));
            break;
        case OP_CALLDATACOPY:
            ok = op_copy(input_);
            break;
        case OP_CODESIZE:
            push(U256(code_.size()));
            break;
        case OP_CODECOPY:
            ok = op_copy(code_);
            break;
        case OP_GASPRICE:
            push(tx().gas_price);
            break;
        case OP_EXTCODESIZE: {
            const Address a = to_address(top());
            if (!(ok = access_account(a))) break;
            top() = U256(host_.get_code_size(a));
            break;
        }
        case OP_EXTCODECOPY:
            ok = op_extcodecopy();
            break;
        case OP_RETURNDATASIZE:
            push(U256(return_data_.size()));
            break;
        case OP_RETURNDATACOPY:
            ok = op_returndatacopy();
            break;
        case OP_EXTCODEHASH: {
            const Address a = to_address(top());
            if (!(ok = access_account(a))) break;
            top() = U256::from_hash(host_.get_code_hash(a));
            break;
        }
        case OP_BLOCKHASH: {
            U256& n = top();
            const int64_t cur = tx().number;
            // Only the 256 most recent complete blocks (YP §9.4.3 BLOCKHASH).
            if (n.fits_u64() && n.low64() < uint64_t(cur) && uint64_t(cur) - n.low64() <= 256)
                n = U256::from_hash(host_.get_block_hash(int64_t(n.low64())));
            else
                n = U256(0);
            break;
        }
        case OP_COINBASE:
            push(from_address(tx().coinbase));
            break;
        case OP_TIMESTAMP:
            push(U256(uint64_t(tx().timestamp)));
            break;
        case OP_NUMBER:
            push(U256(uint64_t(tx().number)));
            break;
        case OP_PREVRANDAO:
            push(U256::from_hash(tx().prev_randao));
            break;
        case OP_GASLIMIT:
            push(U256(uint64_t(tx().gas_limit)));
            break;
        case OP_CHAINID:
            push(tx().chain_id);
            break;
        case OP_SELFBALANCE:
            push(host_.get_balance(msg_.recipient));
            break;
        case OP_BASEFEE:
            push(tx().base_fee);
            break;
        case OP_BLOBHASH: {  // EIP-4844: zero past the end of the list
            U256& i = top();
            const auto& hashes = tx().blob_hashes;
            i = i.fits_u64() && i.low64() < hashes.size()
                    ? U256::from_hash(hashes[size_t(i.low64())])
                    : U256(0);
            break;
        }
        case OP_BLOBBASEFEE:
            push(tx().blob_base_fee);
            break;

        case OP_MLOAD: {
            U256& x = top();
            uint64_t off = 0;
            if (!(ok = expand(x, U256(32), &off))) break;
            x = load_word(memory_.data() + off);
            break;
        }
        case OP_MSTORE: {
            const U256 offset = pop(), v = pop();
            uint64_t off = 0;
            if (!(ok = expand(offset, U256(32), &off))) break;
            v.to_be_bytes(memory_.data() + off);
            break;
        }
        case OP_MSTORE8: {
            const U256 offset = pop(), v = pop();
            uint64_t off = 0;
            if (!(ok = expand(offset, U256(1), &off))) break;
            memory_[size_t(off)] = uint8_t(v.low64());
            break;
        }
        case OP_SLOAD:
            ok = op_sload();
            break;
        case OP_SSTORE:
            ok = op_sstore();
            break;

        case OP_MSIZE:
            push(U256(memory_.size()));
            break;
        case OP_GAS:
            push(U256(uint64_t(gas_)));
            break;

        case OP_TLOAD:
            top() = host_.get_transient_storage(msg_.recipient, top());
            break;
        case OP_TSTORE: {
            if (msg_.is_static) {
                ok = fail(StatusCode::kStaticModeViolation);
                break;
            }
            const U256 key = pop(), v = pop();
            host_.set_transient_storage(msg_.recipient, key, v);
            break;
        }
        case OP_MCOPY:
            ok = op_mcopy();
            break;

        case OP_RETURN:
        case OP_REVERT: {
            const U256 offset = pop(), size = pop();
            uint64_t off = 0;
            if (!(ok = expand(offset, size, &off))) break;
            const size_t n = size.is_zero() ? 0 : size_t(size.low64());
            output_.assign(memory_.data() + off, memory_.data() + off + n);
            if (op == OP_REVERT) status_ = StatusCode::kRevert;
            running = false;
            break;
        }
        case OP_INVALID:
            ok = fail(StatusCode::kInvalidInstruction);
            break;
        case OP_SELFDESTRUCT:
            ok = op_selfdestruct();
            running = false;
            break;
        default:
            if (op >= OP_LOG0 && op <= OP_LOG4) {
                ok = op_log(op - OP_LOG0);
            } else {
                ok = fail(StatusCode::kInternalError);  // table and switch disagree
            }
            break;
    }
    if (!ok) return Step::kFail;
    return running ? Step::kNext : Step::kStop;
}

// The hot loop: the checks every instruction shares (YP §9.4.2), then dispatch. The stack
// height and the gas live in locals here, kept in registers across the stack-only
// instructions of fast(); the members sp_ and gas_ are synced around the others. CALL* and
// CREATE* are dispatched here and everything else in step(), so that the frames on the
// recursion path (run -> op_call -> Host::call -> execute -> run) stay small even in
// sanitizer builds, where 1025 nested frames must fit in the thread's stack.
ExecResult Frame::run() noexcept {
    const auto& table = op_table();
    const auto& limits = op_limits();
    const uint8_t* const code = analysis_.padded.data();
    uint64_t pc = 0;
    int sp = sp_;
    int64_t gas = gas_;
    while (true) {
        const uint8_t op = code[pc];
        const OpLimits& lim = limits[op];
        if (sp < lim.min_sp) {  // undefined opcodes have an unreachable min_sp
            status_ = table[op].name.empty() ? StatusCode::kUndefinedInstruction
                                             : StatusCode::kStackUnderflow;
            break;
        }
        if (sp > lim.max_sp) {
            status_ = StatusCode::kStackOverflow;
            break;
        }
        if ((gas -= lim.base_gas) < 0) {
            status_ = StatusCode::kOutOfGas;
            break;
        }
        Step s = fast(op, pc, sp);
        if (s == Step::kSlow) {
            sp_ = sp;
            gas_ = gas;
            if (op == OP_CALL || op == OP_CALLCODE || op == OP_DELEGATECALL || op == OP_STATICCALL)
                s = op_call(op) ? Step::kNext : Step::kFail;
            else if (op == OP_CREATE || op == OP_CREATE2)
                s = op_create(op) ? Step::kNext : Step::kFail;
            else
                s = step(op);
            sp = sp_;
            gas = gas_;
        } else {
            sp += lim.stack_change;
        }
        if (s == Step::kNext) {
            ++pc;
        } else if (s != Step::kJumped) {
            break;
        }
    }
    gas_ = gas;

    ExecResult r;
    r.status = status_;
    if (status_ == StatusCode::kSuccess) {
        r.gas_left = gas_;
        r.gas_refund = refund_;
        r.output = std::move(output_);
    } else if (status_ == StatusCode::kRevert) {
        r.gas_left = gas_;  // EIP-140: REVERT returns the gas left; refunds are dropped
        r.output = std::move(output_);
    }
    return r;
}

ExecResult run_frame(Host& host, const Message& msg, BytesView code,
                     const CodeAnalysis& analysis) noexcept {
    ExecResult r;
    if (msg.gas < 0) {
        r.status = StatusCode::kOutOfGas;
        return r;
    }
    const FrameStack stack;
    if (stack.words() == nullptr) {
        r.status = StatusCode::kInternalError;  // out of memory: not the input's fault
        return r;
    }
    Frame frame(host, msg, code, analysis, stack.words());
    return frame.run();
}

}  // namespace

ExecResult execute(Host& host, const Message& msg, BytesView code) noexcept {
    return run_frame(host, msg, code, analyze(code));
}

ExecResult execute(Host& host, const Message& msg, BytesView code, const Hash256& code_hash,
                   AnalysisCache& cache) noexcept {
    const std::shared_ptr<const CodeAnalysis> analysis = cache.get(code_hash, code);
    return run_frame(host, msg, code, *analysis);
}

}  // namespace xl::evm
