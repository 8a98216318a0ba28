// SPDX-License-Identifier: Apache-2.0
// A counter with a payable deposit, for tests/js/sm.test.mjs (driven through the CLI).
pragma solidity ^0.8.24;

contract Counter {
    uint256 public count;
    uint256 public deposited;

    event Incremented(address indexed by, uint256 count);

    constructor(uint256 start) {
        count = start;
    }

    function add(uint256 by) external {
        require(by > 0, "Counter: zero increment");
        count += by;
        emit Incremented(msg.sender, count);
    }

    function deposit() external payable {
        deposited += msg.value;
    }
}
