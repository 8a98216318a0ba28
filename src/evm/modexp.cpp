// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: precompile 0x05 MODEXP (EIP-198) with EIP-2565 gas, on GMP. Lengths are 256-bit
// words from the input and can be absurd, so gas is computed from them first (saturating) and
// nothing is allocated until it is paid. Input bytes past the end read as zero.
#include <gmp.h>

#include <algorithm>
#include <cstring>

#include "core/uint256.hpp"
#include "evm/precompiles.hpp"

namespace xl::evm {

namespace {

// Reads input[offset, offset + n) with zeros past the end (EIP-198).
void read_padded(BytesView input, uint64_t offset, uint8_t* out, size_t n) {
    if (n == 0)
        return;  // out may be null (an empty vector's data()), which memset must not see
    std::memset(out, 0, n);
    if (offset >= input.size()) return;
    size_t avail = std::min<uint64_t>(n, input.size() - offset);
    std::memcpy(out, input.data() + offset, avail);
}

U256 read_word(BytesView input, uint64_t offset) {
    uint8_t w[32];
    read_padded(input, offset, w, 32);
    return U256::from_be_bytes(BytesView(w, 32));
}

constexpr uint64_t kMax = UINT64_MAX;

struct Lengths {
    U256 base, exp, mod;
};

Lengths read_lengths(BytesView input) {
    return {read_word(input, 0), read_word(input, 32), read_word(input, 64)};
}

}  // namespace

uint64_t modexp_gas(BytesView input) noexcept {
    const Lengths len = read_lengths(input);
    // EIP-2565: mult_complexity = ceil(max(base_len, mod_len) / 8)^2.
    const U256 max_len = len.base > len.mod ? len.base : len.mod;
    if (max_len.is_zero()) return 200;  // complexity 0: the minimum, whatever exp_len says
    if (!max_len.fits_u64() || max_len.low64() > kModexpMaxLen) return kMax;
    const uint64_t words = (max_len.low64() + 7) / 8;
    const uint64_t complexity = words * words;  // < 2^58

    // Iteration count (EIP-2565), with geth's reading of a zero exponent head beyond 32 bytes
    // (msb 0, not -1): 8 * (exp_len - 32) + msb(first 32 bytes of the exponent).
    uint64_t iterations = 0;
    if (!len.exp.fits_u64() || len.exp.low64() > kModexpMaxLen) return kMax;
    const uint64_t exp_len = len.exp.low64();
    uint8_t head[32] = {};
    const size_t head_len = std::min<uint64_t>(exp_len, 32);
    if (len.base.fits_u64() && head_len > 0) {
        // The head starts at 96 + base_len; a base_len beyond the input leaves it zero.
        uint64_t base_len = len.base.low64();
        if (base_len <= input.size())
            read_padded(input, 96 + base_len, head + (32 - head_len), head_len);
    }
    const U256 exp_head = U256::from_be_bytes(BytesView(head, 32));
    const uint64_t msb = exp_head.is_zero() ? 0 : exp_head.bit_length() - 1;
    if (exp_len > 32)
        iterations = 8 * (exp_len - 32) + msb;
    else
        iterations = msb;
    iterations = std::max<uint64_t>(iterations, 1);

    const unsigned __int128 gas = static_cast<unsigned __int128>(complexity) * iterations / 3;
    if (gas > kMax) return kMax;
    return std::max<uint64_t>(200, static_cast<uint64_t>(gas));
}

bool modexp_run(BytesView input, Bytes& out) noexcept {
    const Lengths len = read_lengths(input);
    out.clear();
    if (len.mod.is_zero()) return true;  // empty output whatever the other lengths say
    for (const U256* l : {&len.base, &len.exp, &len.mod}) {
        if (!l->fits_u64() || l->low64() > kModexpMaxLen) return false;
    }
    const uint64_t base_len = len.base.low64();
    const uint64_t exp_len = len.exp.low64();
    const uint64_t mod_len = len.mod.low64();
    out.assign(mod_len, 0);
    if (mod_len == 0) return true;
    // Materialise only what the input holds: the rest reads as zero (EIP-198).
    Bytes base(base_len), exp(exp_len), mod(mod_len);
    read_padded(input, 96, base.data(), base.size());
    read_padded(input, 96 + base_len, exp.data(), exp.size());
    read_padded(input, 96 + base_len + exp_len, mod.data(), mod.size());

    mpz_t b, e, m, r;
    mpz_inits(b, e, m, r, nullptr);
    mpz_import(b, base.size(), 1, 1, 1, 0, base.data());
    mpz_import(e, exp.size(), 1, 1, 1, 0, exp.data());
    mpz_import(m, mod.size(), 1, 1, 1, 0, mod.data());
    if (mpz_sgn(m) != 0) {  // modulus 0: the output is zero (EIP-198)
        mpz_powm(r, b, e, m);
        size_t n = (mpz_sizeinbase(r, 2) + 7) / 8;
        if (mpz_sgn(r) != 0) {
            XL_ASSERT(n <= mod_len);
            mpz_export(out.data() + (mod_len - n), nullptr, 1, 1, 1, 0, r);
        }
    }
    mpz_clears(b, e, m, r, nullptr);
    return true;
}

}  // namespace xl::evm
