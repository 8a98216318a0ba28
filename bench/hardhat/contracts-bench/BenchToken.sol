// SPDX-License-Identifier: Apache-2.0
// The ERC-20 of `xinlian bench --workload erc20` in bench/hardhat/compare.sh and
// bench/cluster/bench.sh: OpenZeppelin's ERC20 (balances mapping, Transfer event), the whole
// supply minted to the deployer. No constructor arguments (xinlian bench deploys it as is).
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract BenchToken is ERC20 {
    constructor() ERC20("Bench Token", "BENCH") {
        _mint(msg.sender, 1e30);
    }
}
