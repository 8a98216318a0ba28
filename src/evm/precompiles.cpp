// SPDX-License-Identifier: Apache-2.0
// Xinlian evm: dispatch and gas of the Cancun precompiles 0x01..0x09 (Yellow Paper Appendix E;
// EIP-196/197 with EIP-1108 gas; EIP-198 with EIP-2565 gas; EIP-152). Pure: thread-safe.
#include "evm/precompiles.hpp"

#include <algorithm>
#include <cstring>

#include "crypto/hash.hpp"
#include "crypto/secp256k1.hpp"
#include "evm/bn254.hpp"

namespace xl::evm {

namespace {

ExecResult success(int64_t gas_left, Bytes output) {
    ExecResult r;
    r.status = StatusCode::kSuccess;
    r.gas_left = gas_left;
    r.output = std::move(output);
    return r;
}

ExecResult failure(StatusCode s) {
    ExecResult r;
    r.status = s;
    r.gas_left = 0;
    return r;
}

uint64_t words(size_t n) {
    return (static_cast<uint64_t>(n) + 31) / 32;
}

// Copies input into a fixed-size buffer, zero-padded or truncated (Yellow Paper Appendix E).
template <size_t N>
std::array<uint8_t, N> padded(BytesView input) {
    std::array<uint8_t, N> b{};
    if (!input.empty())  // an empty view's data() may be null
        std::memcpy(b.data(), input.data(), std::min(N, input.size()));
    return b;
}

// 0x01: ECDSA public key recovery. v must be 27 or 28 as a full word; r, s in [1, n-1] with
// high s allowed (EIP-2 applies to transactions only). Failure is an empty success.
Bytes ecrecover(BytesView input) {
    const auto in = padded<128>(input);
    for (size_t i = 32; i < 63; ++i) {
        if (in[i] != 0) return {};
    }
    if (in[63] != 27 && in[63] != 28) return {};
    const Hash256 hash = Hash256::from(BytesView(in.data(), 32));
    crypto::Signature sig;
    sig.r = Hash256::from(BytesView(in.data() + 64, 32));
    sig.s = Hash256::from(BytesView(in.data() + 96, 32));
    sig.v = static_cast<uint8_t>(in[63] - 27);
    auto pk = crypto::secp256k1::recover(hash, sig, /*allow_high_s=*/true);
    if (!pk.has_value()) return {};
    const Hash256 h = crypto::keccak256(pk->view());
    Bytes out(32, 0);
    std::memcpy(out.data() + 12, h.data() + 12, 20);
    return out;
}

}  // namespace

bool is_precompile(const Address& addr) noexcept {
    for (size_t i = 0; i < 19; ++i) {
        if (addr.bytes[i] != 0) return false;
    }
    return addr.bytes[19] >= 0x01 && addr.bytes[19] <= 0x09;
}

ExecResult run_precompile(const Address& addr, BytesView input, int64_t gas) noexcept {
    XL_ASSERT(is_precompile(addr));
    XL_ASSERT(gas >= 0);
    const uint8_t id = addr.bytes[19];

    uint64_t cost = 0;
    switch (id) {
        case 0x01:
            cost = 3000;
            break;
        case 0x02:
            cost = 60 + 12 * words(input.size());
            break;
        case 0x03:
            cost = 600 + 120 * words(input.size());
            break;
        case 0x04:
            cost = 15 + 3 * words(input.size());
            break;
        case 0x05:
            cost = modexp_gas(input);
            break;
        case 0x06:
            cost = 150;
            break;  // EIP-1108
        case 0x07:
            cost = 6000;
            break;  // EIP-1108
        case 0x08:  // EIP-1108: 45000 + 34000 per pair
            cost = 45000 + 34000 * (static_cast<uint64_t>(input.size()) / 192);
            break;
        case 0x09: {
            // EIP-152: gas = rounds; a wrong length costs nothing but fails below.
            if (input.size() == 213) {
                cost = (uint64_t{input[0]} << 24) | (uint64_t{input[1]} << 16) |
                       (uint64_t{input[2]} << 8) | input[3];
            }
            break;
        }
        default:
            XL_ASSERT(false);
    }
    if (cost > static_cast<uint64_t>(gas)) return failure(StatusCode::kOutOfGas);
    const int64_t left = gas - static_cast<int64_t>(cost);

    switch (id) {
        case 0x01:
            return success(left, ecrecover(input));
        case 0x02: {
            const Hash256 h = crypto::sha256(input);
            return success(left, Bytes(h.bytes.begin(), h.bytes.end()));
        }
        case 0x03: {
            const auto h = crypto::ripemd160(input);
            Bytes out(32, 0);
            std::memcpy(out.data() + 12, h.data(), 20);
            return success(left, std::move(out));
        }
        case 0x04:
            return success(left, Bytes(input.begin(), input.end()));
        case 0x05: {
            Bytes out;
            if (!modexp_run(input, out)) return failure(StatusCode::kOutOfGas);
            return success(left, std::move(out));
        }
        case 0x06: {
            const auto in = padded<128>(input);
            auto r = bn254::g1_add(BytesView(in.data(), 64), BytesView(in.data() + 64, 64));
            if (!r.has_value()) return failure(StatusCode::kPrecompileFailure);
            return success(left, Bytes(r->begin(), r->end()));
        }
        case 0x07: {
            const auto in = padded<96>(input);
            auto r = bn254::g1_mul(BytesView(in.data(), 64), BytesView(in.data() + 64, 32));
            if (!r.has_value()) return failure(StatusCode::kPrecompileFailure);
            return success(left, Bytes(r->begin(), r->end()));
        }
        case 0x08: {
            auto r = bn254::pairing_check(input);
            if (!r.has_value()) return failure(StatusCode::kPrecompileFailure);
            Bytes out(32, 0);
            out[31] = *r ? 1 : 0;
            return success(left, std::move(out));
        }
        case 0x09: {
            if (input.size() != 213 || input[212] > 1)
                return failure(StatusCode::kPrecompileFailure);
            auto le64 = [&](size_t off) {
                uint64_t w = 0;
                for (int i = 7; i >= 0; --i)
                    w = (w << 8) | input[off + static_cast<size_t>(i)];
                return w;
            };
            uint64_t h[8], m[16], t[2];
            for (size_t i = 0; i < 8; ++i)
                h[i] = le64(4 + 8 * i);
            for (size_t i = 0; i < 16; ++i)
                m[i] = le64(68 + 8 * i);
            t[0] = le64(196);
            t[1] = le64(204);
            blake2b_compress(h, m, t, input[212] == 1, static_cast<uint32_t>(cost));
            Bytes out(64);
            for (size_t i = 0; i < 8; ++i) {
                for (size_t j = 0; j < 8; ++j)
                    out[8 * i + j] = static_cast<uint8_t>(h[i] >> (8 * j));
            }
            return success(left, std::move(out));
        }
        default:
            break;
    }
    return failure(StatusCode::kInternalError);
}

}  // namespace xl::evm
