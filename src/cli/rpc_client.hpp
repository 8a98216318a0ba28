// SPDX-License-Identifier: Apache-2.0
// Xinlian CLI: a small JSON-RPC 2.0 client over HTTP/1.1 for the console commands (`xinlian
// tx send`, `call`, `deploy`, `block`, `receipt`). One synchronous request per call, a new
// connection each time, every step (resolve aside) bounded by a timeout. Boost.Beast stays in
// rpc_client.cpp. Only http:// URLs: the node's RPC listens on loopback or behind a proxy.
// An RpcClient is not thread-safe (it counts request ids); use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace xl::cli {

using Json = nlohmann::json;

enum class RpcClientErrorKind {
    kBadUrl,       // not http://host[:port][/path]
    kConnect,      // resolving or connecting failed
    kTimeout,      // a step took longer than the timeout
    kTransport,    // the connection failed while writing or reading
    kHttp,         // an HTTP status other than 200 without a JSON-RPC error in the body
    kBadResponse,  // the body is not a JSON-RPC 2.0 response (or is over the size limit)
    kRpc,          // the node answered with a JSON-RPC error: code, message, data
};

struct RpcClientError {
    RpcClientErrorKind kind = RpcClientErrorKind::kTransport;
    std::string message;
    int code = 0;              // kRpc: the JSON-RPC error code; kHttp: the HTTP status
    std::optional<Json> data;  // kRpc: the error's "data", if any (revert data for code 3)
};

// Limits (STYLE.md 8).
inline constexpr uint32_t kDefaultRpcTimeoutMs = 30'000;
inline constexpr size_t kMaxRpcResponseBytes = size_t{64} << 20;  // the node's max response

struct RpcClientOptions {
    uint32_t timeout_ms = kDefaultRpcTimeoutMs;  // for each of connect, write and read
    size_t max_response_bytes = kMaxRpcResponseBytes;
};

// http://host[:port][/path], port 80 by default; [::1] for IPv6 literals.
struct HttpUrl {
    std::string host;
    std::string port;
    std::string target;  // "/" when the URL has no path
};
Result<HttpUrl, RpcClientError> parse_http_url(std::string_view url);

// Sends one request {"jsonrpc":"2.0","id":id,"method":method,"params":params} and returns the
// "result" member (which may be null), or the error.
Result<Json, RpcClientError> rpc_call(std::string_view url, std::string_view method,
                                      const Json& params, const RpcClientOptions& options = {},
                                      uint64_t id = 1);

// The same with a fixed URL and increasing request ids.
class RpcClient {
public:
    explicit RpcClient(std::string url, RpcClientOptions options = {})
        : url_(std::move(url)), options_(options) {}
    Result<Json, RpcClientError> call(std::string_view method, const Json& params) {
        return rpc_call(url_, method, params, options_, next_id_++);
    }
    const std::string& url() const noexcept { return url_; }

private:
    std::string url_;
    RpcClientOptions options_;
    uint64_t next_id_ = 1;
};

// "message (code N)", with the data appended when it is short: the form the CLI prints.
std::string to_string(const RpcClientError& e);

}  // namespace xl::cli
