// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: the JSON-RPC server, HTTP/1.1 and WebSocket on one port (DESIGN.md §7), over
// Boost.Beast (kept in server.cpp). A POST body and a WebSocket text message go to
// Dispatcher::handle; GET / without Upgrade answers a short JSON info; add_get() serves other
// GET paths (/metrics, /health, the explorer). Limits: request bytes (Dispatcher::limits()),
// connections, idle and request timeouts, WebSocket send queue (ServerConfig).
//
// Threads: `threads` io threads run the sockets and never a handler; Dispatcher::handle runs
// on a separate pool of `threads` workers, so a slow handler (eth_call) holds one worker and
// no socket: other connections keep being read, written and answered by the other workers.
// One WebSocket session handles its messages one at a time, in order.
//
// Thread-safety: all members are safe to call from any thread; add_get() may be called while
// serving. stop() must not be called from a handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "rpc/jsonrpc.hpp"

namespace xl::rpc {

struct ServerConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 8545;  // 0 = any free port
    size_t threads = 2;    // io threads, and as many dispatch workers
    // Origins allowed to call from a browser: "*" or exact origins ("https://a.example").
    // Empty = no CORS headers (browsers allow same-origin pages only). A WebSocket upgrade
    // carrying an Origin header is accepted only from these origins or the same origin.
    std::vector<std::string> cors_origins;
    size_t max_connections = 1024;  // open HTTP and WebSocket connections; more get 503
    // A connection with no request in progress is closed after idle_timeout (a WebSocket gets
    // pings first); a request must arrive completely, and its response be read, within
    // request_timeout of its first byte (slow clients are dropped).
    std::chrono::milliseconds idle_timeout{60000};
    std::chrono::milliseconds request_timeout{30000};
    // Messages (responses and notifications) queued per WebSocket session; one more closes
    // the session with 1008 (policy violation), so a client that stops reading never makes
    // the node buffer without bound.
    size_t ws_max_queued = 4096;
};

// Counters since start; open_sessions is the current number.
struct ServerStats {
    uint64_t requests = 0;       // HTTP requests and WebSocket messages received
    uint64_t errors = 0;         // of them, refused by the transport: malformed HTTP, 413, 405
    uint64_t open_sessions = 0;  // open HTTP and WebSocket connections
    uint64_t rejected = 0;       // connections refused with 503 over max_connections
    uint64_t ws_overflows = 0;   // WebSocket sessions closed with 1008 for a full queue
    uint64_t timeouts = 0;       // connections dropped by idle_timeout or request_timeout
};

class Server {
public:
    using Stats = ServerStats;
    // An extra GET route's answer: (content type, body).
    using GetHandler = std::function<std::pair<std::string, std::string>()>;

    // Binds and starts serving; the dispatcher must outlive the server. The error says what
    // failed ("bind 127.0.0.1:8545: Address already in use").
    static Result<std::unique_ptr<Server>, std::string> start(const ServerConfig& config,
                                                              const Dispatcher& dispatcher);

    uint16_t port() const noexcept;  // the bound port
    // Adds (or replaces) a GET route for an exact path (the query string is ignored). The
    // handler runs on a worker; an exception in it gives 500.
    void add_get(std::string path, GetHandler handler);
    // Closes the listener and every connection (running on_close callbacks), waits for running
    // handlers and joins the threads. Idempotent.
    void stop();
    Stats stats() const noexcept;

    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    struct Impl;

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace xl::rpc
