// SPDX-License-Identifier: Apache-2.0
// Xinlian node: the node's configuration file (config.toml, written by `xinlian init`; format
// in docs/node.md). Every key is checked: a missing required key, a wrong type, a bad address
// or an unknown key (a typo) is an error naming the section and key, so a misconfigured node
// refuses to start instead of running with a default its operator did not choose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace xl::node {

struct HostPort {
    std::string host;
    uint16_t port = 0;
};

// [node] role: a validator signs votes (its key must be in the genesis validator set); an
// observer follows the chain, verifies certificates and serves RPC, never signs (its key must
// not be in the set).
enum class Role : uint8_t { kValidator, kObserver };
std::string_view to_string(Role r) noexcept;

// Bounds of the [consensus] keys, in milliseconds.
inline constexpr uint64_t kMinTimeoutMs = 1;
inline constexpr uint64_t kMaxTimeoutMs = 600'000;
inline constexpr uint64_t kMinRebroadcastMs = 10;
// Bound of [consensus] max_block_txs: Chain's own limit (below protocol::kMaxBlockTransactions).
inline constexpr uint64_t kMaxBlockTxs = 50'000;

struct Config {
    std::filesystem::path file;  // the config file itself; relative paths are relative to its dir
    // [chain]
    std::filesystem::path genesis;
    // [node]
    std::string name;
    std::filesystem::path data_dir;
    std::filesystem::path validator_key;
    std::filesystem::path password_file;
    Role role = Role::kValidator;
    // [consensus] (defaults as consensus::Config; round r waits timeout + r * delta)
    uint64_t timeout_propose_ms = 1000;
    uint64_t timeout_prevote_ms = 500;
    uint64_t timeout_precommit_ms = 500;
    uint64_t timeout_delta_ms = 500;
    uint64_t rebroadcast_ms = 1000;
    // Transactions in one proposed block (this node's proposals only; a peer's bigger block is
    // still accepted up to protocol::kMaxBlockTransactions). A block every validator must
    // execute before it votes should fit well inside timeout_propose.
    uint64_t max_block_txs = 5'000;
    // [rpc]
    HostPort rpc{"127.0.0.1", 8545};
    std::vector<std::string> cors_origins;
    size_t rpc_threads = 2;
    size_t max_request_bytes = size_t{5} << 20;
    size_t max_batch = 1000;
    size_t max_log_range = 10'000;
    size_t max_logs = 10'000;
    // [p2p] (read now, used by the network once it exists)
    HostPort p2p{"127.0.0.1", 30300};
    std::vector<std::string> peers;
    std::filesystem::path ca_cert, cert, key;
    // [txpool]
    size_t txpool_max_txs = 200'000;
    size_t txpool_max_per_sender = 5'000;
    // [log]
    std::string log_level = "info";  // trace, debug, info, warn, error
};

// Reads and checks the file. The error names the file, the section and the key.
Result<Config, std::string> load_config(const std::filesystem::path& file);

// "host:port" with a port in 1..65535 (0 allowed when allow_zero: any free port).
Result<HostPort, std::string> parse_host_port(const std::string& text, bool allow_zero = false);

}  // namespace xl::node
