// SPDX-License-Identifier: Apache-2.0
// OpenZeppelin 5.x contracts for tests/js/node.test.mjs: an ERC-20 minted to the deployer,
// an ERC-721 anyone can mint, and an AccessControl-guarded register.
pragma solidity ^0.8.24;

import "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import "@openzeppelin/contracts/access/AccessControl.sol";

contract TestToken is ERC20 {
    constructor(uint256 supply) ERC20("Test Token", "TT") {
        _mint(msg.sender, supply);
    }

    // A revert string, for ethers' Error(string) decoding.
    function checked(uint256 amount) external view returns (uint256) {
        require(amount <= balanceOf(msg.sender), "checked: amount over balance");
        return amount;
    }
}

contract TestNFT is ERC721 {
    constructor() ERC721("Test NFT", "TNFT") {}

    function mint(address to, uint256 id) external {
        _mint(to, id);
    }
}

contract Register is AccessControl {
    bytes32 public constant WRITER_ROLE = keccak256("WRITER_ROLE");
    uint256 public value;

    event Written(address indexed by, uint256 value);

    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }

    function write(uint256 v) external onlyRole(WRITER_ROLE) {
        value = v;
        emit Written(msg.sender, v);
    }
}
