// SPDX-License-Identifier: Apache-2.0
// Benchmark workload (issue 3, bench/evm/compare.mjs): SHA-256 (FIPS 180-4) written in
// Solidity, hashing a 32-byte message n times in a chain, h = sha256(h). Pure computation in
// memory and on the stack: no storage, no precompile.
pragma solidity ^0.8.20;

contract Sha256Loop {
    function rotr(uint32 x, uint32 n) private pure returns (uint32) {
        unchecked { return (x >> n) | (x << (32 - n)); }
    }

    // One 64-byte block (FIPS 180-4 §6.2.2) of a 32-byte message, padded per §5.1.1.
    function hash32(bytes32 m) internal pure returns (bytes32) {
        uint32[64] memory k = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2
        ];
        uint32[64] memory w;
        unchecked {
            for (uint256 i = 0; i < 8; i++) {
                w[i] = uint32(uint256(m) >> (224 - 32 * i));
            }
            w[8] = 0x80000000;  // the 1 bit after the message
            w[15] = 256;        // message length in bits
            for (uint256 i = 16; i < 64; i++) {
                uint32 s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32 s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
            }
            uint32 a = 0x6a09e667;
            uint32 b = 0xbb67ae85;
            uint32 c = 0x3c6ef372;
            uint32 d = 0xa54ff53a;
            uint32 e = 0x510e527f;
            uint32 f = 0x9b05688c;
            uint32 g = 0x1f83d9ab;
            uint32 h = 0x5be0cd19;
            for (uint256 i = 0; i < 64; i++) {
                uint32 t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                    k[i] + w[i];
                uint32 t2 =
                    (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
                h = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
            }
            uint256 r = (uint256(a + 0x6a09e667) << 224) | (uint256(b + 0xbb67ae85) << 192) |
                (uint256(c + 0x3c6ef372) << 160) | (uint256(d + 0xa54ff53a) << 128) |
                (uint256(e + 0x510e527f) << 96) | (uint256(f + 0x9b05688c) << 64) |
                (uint256(g + 0x1f83d9ab) << 32) | uint256(h + 0x5be0cd19);
            return bytes32(r);
        }
    }

    // sha256 applied n times to `seed`.
    function run(bytes32 seed, uint256 n) external pure returns (bytes32 h) {
        h = seed;
        for (uint256 i = 0; i < n; i++) h = hash32(h);
    }
}
