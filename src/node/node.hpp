// SPDX-License-Identifier: Apache-2.0
// Xinlian node: one node process (DESIGN.md §5, §7): the database, the chain, the JSON-RPC
// server and the block producer, started from a config file and stopped cleanly.
//
// Block production is behind BlockProducer so that the consensus engine (issue 5) replaces the
// interim single-validator producer without touching the rest: SoloProducer builds a block
// whenever the pool holds transactions and at least the genesis block interval has passed
// since the previous block. It refuses to run unless this node's key is the genesis's only
// validator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "node/config.hpp"

namespace xl::node {

class Node {
public:
    // Reads the genesis and the validator key, opens (or creates) the database, starts RPC and
    // block production. Errors name the file or the part that failed.
    static Result<std::unique_ptr<Node>, std::string> start(const Config& config);
    ~Node();  // stop()

    // Stops block production, then RPC, then closes the database. Idempotent.
    void stop();
    // True once the chain met a storage failure: the node then stops producing blocks and the
    // caller should exit (a restart resumes from the last committed block).
    bool failed() const noexcept;

    uint16_t rpc_port() const noexcept;
    const Address& validator() const noexcept;

    struct Impl;

private:
    explicit Node(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace xl::node
