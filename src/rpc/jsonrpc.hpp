// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: JSON-RPC 2.0 (https://www.jsonrpc.org/specification) independent of transport.
// A Dispatcher maps method names to handlers and answers one request or a batch; the server
// (server.hpp) feeds it HTTP bodies and WebSocket messages. A Session is the connection a
// request came on: handlers that create subscriptions push notifications through it.
//
// Error codes: the JSON-RPC 2.0 ones, plus those Ethereum clients give (go-ethereum's
// rpc/errors.go and EIP-1474): -32000 for a rejected transaction or a failed call, 3 for
// "execution reverted" with the revert data in `data`, -32005 for a limit exceeded.
//
// Thread-safety: a Dispatcher is filled with add() before serving, then handle() runs
// concurrently from any number of threads. Session::push is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace xl::rpc {

using Json = nlohmann::json;

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerError = -32000;    // tx rejected, call failed, header not found
inline constexpr int kExecutionReverted = 3;   // with the revert data as a hex string in data
inline constexpr int kLimitExceeded = -32005;  // a request beyond a server limit

struct Error {
    int code = kInternalError;
    std::string message;
    std::optional<Json> data;
};

// Limits on what one request may ask (STYLE.md 8). The transport enforces the byte size.
struct Limits {
    size_t max_request_bytes = size_t{5} << 20;  // body of one HTTP request or WS message
    size_t max_batch = 1000;                     // requests in one batch
    size_t max_response_bytes = size_t{64} << 20;
    // Nesting of arrays and objects in one request. Parsing is iterative, but copying and
    // serialising a json value recurse: without this bound a 5 MB "[[[[..." would overflow
    // the stack of whichever handler copies its params.
    size_t max_depth = 128;
};

// The connection a request arrived on.
class Session {
public:
    virtual ~Session() = default;
    // True for WebSocket sessions, which can carry notifications; false for plain HTTP.
    virtual bool can_push() const noexcept = 0;
    // Queues a notification (a complete JSON-RPC notification object). Thread-safe. A session
    // whose queue is over its bound is closed instead (a slow client never blocks the node).
    virtual void push(Json notification) = 0;
    // Registers f to run once when the session ends (subscriptions are dropped there). If the
    // session has already ended, f runs at once.
    virtual void on_close(std::function<void()> f) = 0;
    // A process-unique id of this session.
    virtual uint64_t id() const noexcept = 0;
};

// A method: params is the request's "params" (an array, an object or null); the result is
// the "result" member, or an Error.
using Handler = std::function<Result<Json, Error>(const Json& params, Session& session)>;

// A result already written as JSON text (one complete value, valid UTF-8), spliced into the
// response as it is. Hot methods (eth_getBlockReceipts, eth_sendRawTransaction) write their
// answer straight into a string rather than building a Json DOM only to dump it again. The
// dispatcher does not re-check the text: it is ours, never client input.
struct RawJson {
    std::string text;
};
using RawHandler = std::function<Result<RawJson, Error>(const Json& params, Session& session)>;

class Dispatcher {
public:
    explicit Dispatcher(Limits limits = {}) : limits_(limits) {}

    // Registers a method (replacing any previous handler of that name).
    void add(std::string method, Handler handler);
    void add_raw(std::string method, RawHandler handler);
    bool has(std::string_view method) const;

    // Answers a request body: a single request object or a batch array. Returns the response
    // text, or nullopt when nothing is to be sent (only notifications). Malformed JSON gives a
    // -32700 response, a non-request -32600, an empty batch -32600, a batch longer than
    // limits().max_batch one -32005 error, as does a body over max_request_bytes or nested
    // deeper than max_depth. A handler that throws gives -32603 (never escapes). A batch's
    // response is an array in request order without the notifications.
    std::optional<std::string> handle(std::string_view body, Session& session) const;

    // The same for an already parsed request or batch (which the caller built, so max_depth
    // and max_request_bytes are not checked here).
    std::optional<Json> handle_json(const Json& request, Session& session) const;

    const Limits& limits() const noexcept { return limits_; }

private:
    // The response text to a request or batch, or nullopt.
    std::optional<std::string> respond(const Json& request, Session& session) const;
    // One request object; response_full: the batch's response is over max_response_bytes,
    // so the call is answered with an error instead of being run.
    std::optional<std::string> handle_one(const Json& request, Session& session,
                                          bool response_full) const;

    Limits limits_;
    std::map<std::string, std::variant<Handler, RawHandler>, std::less<>> methods_;
};

// Helpers for handlers: the i-th positional parameter (params may be an array or null).
const Json* param(const Json& params, size_t i) noexcept;
Error invalid_params(std::string message);

}  // namespace xl::rpc
