// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: the Ethereum JSON-RPC methods (eth_, net_, web3_) and the xl_ status methods over
// a Backend (backend.hpp), answering as go-ethereum does (JSON shapes and texts in
// convert.hpp; docs/spec/rpc.md "Methods" lists every method, its parameters and errors).
//
// State kept here: polling filters (eth_newFilter, eth_newBlockFilter), which expire after
// ApiConfig::filter_timeout without a poll, and eth_subscribe subscriptions, which belong to
// the WebSocket session that made them and end with it. Both are fed from
// Backend::subscribe_blocks. Everything is bounded by ApiConfig.
//
// Thread-safety: the handlers run concurrently from any thread; filters and subscriptions
// are guarded by internal mutexes. Session::push is called with a mutex held, so a Session's
// on_close hooks must not run inside its push() (they run when the connection ends).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "rpc/backend.hpp"
#include "rpc/jsonrpc.hpp"

namespace xl::rpc {

struct ApiConfig {
    // eth_getLogs / eth_getFilterLogs: blocks in one query; more is a -32005 error.
    uint64_t max_log_range = 10'000;
    // Installed polling filters, all clients together; more is a -32005 error.
    size_t max_filters = 10'000;
    // A filter not polled for this long is removed (geth: 5 minutes).
    std::chrono::milliseconds filter_timeout{5 * 60 * 1000};
    // Block hashes or logs a filter holds between two polls; a filter that overflows is
    // removed (its next poll says "filter not found"), rather than silently losing entries.
    size_t max_filter_buffer = 10'000;
    // eth_subscribe subscriptions of one session; more is a -32005 error.
    size_t max_subscriptions_per_session = 128;
    // eth_feeHistory: block count is clamped to this (geth's maxFeeHistory), and at most
    // max_reward_percentiles percentiles (geth's maxQueryLimit).
    uint64_t max_fee_history_blocks = 1024;
    size_t max_reward_percentiles = 100;
    // eth_getProof: storage keys in one request.
    size_t max_proof_keys = 1024;
    // The clock of filter expiry; steady_clock::now when empty (tests inject their own).
    std::function<std::chrono::steady_clock::time_point()> clock;
};

// A method's handler: a Json result, or (the hot methods) a result written as JSON text.
using AnyHandler = std::variant<Handler, RawHandler>;

// The methods as (name, handler) pairs, sharing one filter and subscription state that is
// registered with backend.subscribe_blocks here. The backend must outlive the handlers.
std::vector<std::pair<std::string, AnyHandler>> make_eth_api(Backend& backend,
                                                             const ApiConfig& config = {});

// Adds make_eth_api(backend, config) to the dispatcher.
void register_eth_api(Dispatcher& dispatcher, Backend& backend, const ApiConfig& config = {});

}  // namespace xl::rpc
