// SPDX-License-Identifier: Apache-2.0
// Hardhat's in-process network for bench/hardhat/compare.sh: chain id 31337 and the funded
// accounts of its test mnemonic, with the block rules of the Xinlian node it is compared
// with: a block every 200 ms and a 1e9 block gas limit (`xinlian init` default). Not
// automine: automine refuses a transaction whose nonce is ahead ("transactions can't be
// queued when automining"), and Hardhat handles the requests of one JSON-RPC batch
// concurrently, so a batch holding nonces n and n+1 of one sender fails at random.
// The benchmark's token is compiled by token.mjs, so Hardhat itself compiles nothing: its
// sources folder holds no Solidity file.
module.exports = {
  paths: { sources: './hardhat-sources' },
  networks: {
    hardhat: {
      chainId: 31337,
      blockGasLimit: 1_000_000_000,
      mining: { auto: false, interval: 200 },
    },
  },
};
