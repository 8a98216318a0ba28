// SPDX-License-Identifier: Apache-2.0
// Xinlian ledger: the genesis file written by `xinlian init` (docs/spec/ledger.md): chain id,
// crypto suite, first timestamp, gas limit, base fee, block interval, validators and the
// initial accounts; and what follows from it: the validator-set hash, the genesis state root
// and the genesis header (block 0).
// Plain values and pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"
#include "protocol/block.hpp"
#include "state/state.hpp"

namespace xl::ledger {

// Limits (STYLE.md 8).
inline constexpr size_t kMaxGenesisFileSize = size_t{64} << 20;
inline constexpr size_t kMaxGenesisAccounts = 100'000;
inline constexpr size_t kMaxGenesisValidators = 1'000;
inline constexpr size_t kMaxGenesisStorageSlots = 1'000'000;  // over all accounts
inline constexpr size_t kMaxOrganisationLength = 256;
inline constexpr size_t kMaxGenesisCodeSize = 24576;  // EIP-170, as for any deployed contract

struct Validator {
    Address address;  // suite.address(public_key), checked by parse_genesis
    crypto::PublicKey public_key;
    std::string organisation;
    uint64_t power = 0;  // voting power, >= 1
    friend bool operator==(const Validator&, const Validator&) = default;
};

struct Genesis {
    uint64_t chain_id = 0;
    crypto::SuiteId suite = crypto::SuiteId::kEcdsa;  // "crypto": "ecdsa" | "sm"
    uint64_t timestamp = 0;                           // seconds
    uint64_t gas_limit = 0;
    U256 base_fee;
    uint64_t block_interval_ms = 0;
    Bytes extra_data;
    std::vector<Validator> validators;               // in file order (order is consensus)
    std::map<Address, state::GenesisAccount> alloc;  // ordered: no hash-map order anywhere

    // ecdsa_suite() or sm_suite().
    const crypto::CryptoSuite& crypto_suite() const noexcept;
};

// Parses and checks the genesis JSON. Quantities are hex strings ("0x1f") or JSON numbers
// (non-negative integers); nonce, code and storage of an account are optional. Every error
// names its field: "alloc.0x12…: balance: not a hex quantity", "validators[2].publicKey: ...".
// Checks: every required field present with the right type; chainId >= 1; gasLimit >= 21000;
// blockIntervalMs >= 1; extraData <= 32 bytes; at least one validator, each with power >= 1,
// a 65-byte 0x04-prefixed public key on the suite's curve, and the address the suite derives
// from it; no validator twice; the limits above.
Result<Genesis, std::string> parse_genesis(std::string_view json);

// suite.hash(RLP([[address, publicKey(64 bytes), power], ...])) in the given order.
Hash256 validator_set_hash(const crypto::CryptoSuite& suite, const std::vector<Validator>& vs);

// The state root of the alloc under the suite (State::state_root: the secure trie).
Result<Hash256, std::string> genesis_state_root(const Genesis& g);

// Block 0: number 0, parent zero, proposer zero, timestamp, gas limit, base fee and extra data
// from the file, empty transactions and receipts roots, empty bloom, gas used 0, the state
// root of the alloc, the validator-set hash, no previous certificate.
Result<protocol::BlockHeader, std::string> genesis_header(const Genesis& g);
// The same with a state root already computed (the ledger's, from the state it writes).
protocol::BlockHeader genesis_header(const Genesis& g, const Hash256& state_root);

}  // namespace xl::ledger
