// SPDX-License-Identifier: Apache-2.0
// Benchmark workload (issue 3, bench/evm/compare.mjs): n pseudo-random uint256 (a 64-bit LCG,
// Knuth MMIX constants) in a memory array, sorted by in-place quicksort (Hoare partition);
// returns a checksum of the sorted array and whether it is in order.
pragma solidity ^0.8.20;

contract Sort {
    function quicksort(uint256[] memory a, int256 lo, int256 hi) private pure {
        unchecked {
            while (lo < hi) {
                uint256 pivot = a[uint256(lo + (hi - lo) / 2)];
                int256 i = lo - 1;
                int256 j = hi + 1;
                while (true) {
                    do { i++; } while (a[uint256(i)] < pivot);
                    do { j--; } while (a[uint256(j)] > pivot);
                    if (i >= j) break;
                    (a[uint256(i)], a[uint256(j)]) = (a[uint256(j)], a[uint256(i)]);
                }
                // Recurse into the smaller half to bound the depth.
                if (j - lo < hi - j) {
                    quicksort(a, lo, j);
                    lo = j + 1;
                } else {
                    quicksort(a, j + 1, hi);
                    hi = j;
                }
            }
        }
    }

    function run(uint256 n, uint256 seed) external pure returns (uint256 checksum, bool sorted) {
        uint256[] memory a = new uint256[](n);
        uint64 x = uint64(seed);
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                x = x * 6364136223846793005 + 1442695040888963407;
                a[i] = uint256(keccak256(abi.encode(x)));
            }
        }
        if (n > 1) quicksort(a, 0, int256(n) - 1);
        sorted = true;
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                if (i > 0 && a[i - 1] > a[i]) sorted = false;
                checksum = checksum * 31 + a[i];
            }
        }
    }
}
