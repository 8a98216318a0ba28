// SPDX-License-Identifier: Apache-2.0
// Xinlian node: one node process (DESIGN.md §4-§7): the database, the chain, the JSON-RPC
// server, the TLS transport and the consensus driver, started from a config file in that
// order and stopped in the reverse order. Blocks are made only by the consensus engine, also
// with a single validator (DESIGN.md §4: no separate solo code).
//
// Roles ([node] role): a validator's key must be in the genesis validator set (it signs
// votes, and its vote-safety record lives in the database); an observer's key must not be
// (it follows the chain through certificates, serves RPC and never signs). The TLS
// certificate's identity must name the same role and address.
//
// Thread-safety: start(), stop() and the destructor from one controlling thread; the
// accessors from any thread while the node runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "node/config.hpp"
#include "rpc/jsonrpc.hpp"

namespace xl::node {

class Chain;

class Node {
public:
    // Reads the genesis and the validator key, opens (or creates) the database, starts RPC and
    // block production. Errors name the file or the part that failed.
    static Result<std::unique_ptr<Node>, std::string> start(const Config& config);
    ~Node();  // stop()

    // Stops consensus, then the transport, then RPC, then closes the database. Idempotent.
    void stop();
    // True once the chain or the consensus engine met a storage failure: the node then
    // produces no blocks and the caller should exit (a restart resumes from the last
    // committed block).
    bool failed() const noexcept;

    uint16_t rpc_port() const noexcept;
    uint16_t p2p_port() const noexcept;
    // This node's key address (a validator's consensus address, or an observer's identity).
    const Address& validator() const noexcept;
    Role role() const noexcept;
    // The chain (tests and tools read it; valid until stop()).
    Chain& chain() noexcept;
    // The xl_consensusStatus and xl_peers objects.
    rpc::Json consensus_status() const;
    rpc::Json peers() const;

    struct Impl;

private:
    explicit Node(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace xl::node
