// SPDX-License-Identifier: Apache-2.0
// The JSON-RPC client of rpc_client.hpp: Boost.Beast HTTP/1.1 on a private io_context. Each
// step runs as an asynchronous operation under beast::tcp_stream's deadline and the context
// is run to completion, which gives a synchronous call with real timeouts (Beast's blocking
// calls have none).
#include "cli/rpc_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <chrono>
#include <utility>

namespace xl::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

inline constexpr size_t kMaxUrlLength = 2048;

RpcClientError error(RpcClientErrorKind kind, std::string message, int code = 0) {
    return RpcClientError{kind, std::move(message), code, std::nullopt};
}

// A failed step: a deadline that fired is a timeout, anything else a transport error.
RpcClientError step_error(const char* step, const beast::error_code& ec, const HttpUrl& url,
                          RpcClientErrorKind otherwise) {
    const std::string where = std::string(step) + " " + url.host + ":" + url.port;
    if (ec == beast::error::timeout || ec == asio::error::timed_out) {
        return error(RpcClientErrorKind::kTimeout, where + ": timed out");
    }
    return error(otherwise, where + ": " + ec.message());
}

// The "error" member of a JSON-RPC response.
RpcClientError rpc_error(const Json& e) {
    RpcClientError r{RpcClientErrorKind::kRpc, "invalid error object", 0, std::nullopt};
    if (!e.is_object()) return r;
    if (auto it = e.find("message"); it != e.end() && it->is_string()) {
        r.message = it->get<std::string>();
    }
    if (auto it = e.find("code"); it != e.end() && it->is_number_integer()) {
        r.code = it->get<int>();
    }
    if (auto it = e.find("data"); it != e.end()) r.data = *it;
    return r;
}

}  // namespace

Result<HttpUrl, RpcClientError> parse_http_url(std::string_view url) {
    auto bad = [&](const std::string& why) {
        return unexpected(error(RpcClientErrorKind::kBadUrl,
                                "invalid RPC URL '" + std::string(url) + "': " + why));
    };
    if (url.size() > kMaxUrlLength) return bad("too long");
    constexpr std::string_view kScheme = "http://";
    if (url.starts_with("https://")) return bad("https is not supported (use http://)");
    if (!url.starts_with(kScheme)) return bad("expected http://host:port");
    std::string_view rest = url.substr(kScheme.size());
    const size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    HttpUrl u;
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");
    std::string_view port;
    if (authority.starts_with("[")) {  // [::1]:8545
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad("unclosed '['");
        u.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return bad("expected ':' after ']'");
            port = after.substr(1);
        }
    } else {
        const size_t colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (u.host.empty()) return bad("no host");
    if (port.empty()) {
        u.port = "80";
    } else {
        unsigned p = 0;
        for (char c : port) {
            if (c < '0' || c > '9' || p > 65535) return bad("bad port");
            p = p * 10 + unsigned(c - '0');
        }
        if (p == 0 || p > 65535) return bad("port must be 1..65535");
        u.port = std::to_string(p);
    }
    return u;
}

Result<Json, RpcClientError> rpc_call(std::string_view url_text, std::string_view method,
                                      const Json& params, const RpcClientOptions& options,
                                      uint64_t id) {
    auto url = parse_http_url(url_text);
    if (!url) return unexpected(url.error());
    const auto timeout = std::chrono::milliseconds(options.timeout_ms);

    Json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", std::string(method)}};
    request["params"] = params.is_null() ? Json::array() : params;

    asio::io_context ioc;
    beast::error_code ec;

    // Resolve (the resolver has no deadline of its own: run for at most the timeout).
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    bool resolved = false;
    resolver.async_resolve(url->host, url->port,
                           [&](const beast::error_code& e, tcp::resolver::results_type r) {
                               ec = e;
                               endpoints = std::move(r);
                               resolved = true;
                           });
    ioc.run_for(timeout);
    if (!resolved) {
        resolver.cancel();
        ioc.restart();
        ioc.run();
        return unexpected(
            error(RpcClientErrorKind::kTimeout, "resolving " + url->host + ": timed out"));
    }
    if (ec) return unexpected(step_error("resolving", ec, *url, RpcClientErrorKind::kConnect));

    beast::tcp_stream stream(ioc);
    auto run = [&ioc] {
        ioc.restart();
        ioc.run();
    };
    stream.expires_after(timeout);
    stream.async_connect(endpoints,
                         [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return unexpected(step_error("connecting to", ec, *url, RpcClientErrorKind::kConnect));

    http::request<http::string_body> req{http::verb::post, url->target, 11};
    req.set(http::field::host, url->host);
    req.set(http::field::user_agent, "xinlian-cli");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json");
    req.body() = request.dump();
    req.prepare_payload();
    stream.expires_after(timeout);
    http::async_write(stream, req, [&](const beast::error_code& e, size_t) { ec = e; });
    run();
    if (ec) return unexpected(step_error("writing to", ec, *url, RpcClientErrorKind::kTransport));

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    stream.expires_after(timeout);
    http::async_read(stream, buffer, parser, [&](const beast::error_code& e, size_t) { ec = e; });
    run();
    if (ec == http::error::body_limit) {
        return unexpected(
            error(RpcClientErrorKind::kBadResponse,
                  "response larger than " + std::to_string(options.max_response_bytes) + " bytes"));
    }
    if (ec) return unexpected(step_error("reading from", ec, *url, RpcClientErrorKind::kTransport));
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

    const auto& res = parser.get();
    const int status = static_cast<int>(res.result_int());
    Json body = Json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
    // A server may answer an error with a 4xx/5xx status and a JSON-RPC error body (a request
    // over its size limit, say): the JSON-RPC error is the more precise message.
    if (body.is_object() && body.contains("error") && !body["error"].is_null()) {
        return unexpected(rpc_error(body["error"]));
    }
    if (status != 200) {
        std::string text = res.body().substr(0, 200);
        return unexpected(error(RpcClientErrorKind::kHttp,
                                "HTTP " + std::to_string(status) + " " + std::string(res.reason()) +
                                    (text.empty() ? "" : ": " + text),
                                status));
    }
    if (!body.is_object() || !body.contains("result")) {
        return unexpected(
            error(RpcClientErrorKind::kBadResponse,
                  "the response is not a JSON-RPC 2.0 response: " + res.body().substr(0, 200)));
    }
    return std::move(body["result"]);
}

std::string to_string(const RpcClientError& e) {
    if (e.kind == RpcClientErrorKind::kRpc) {
        return e.message + " (code " + std::to_string(e.code) + ")";
    }
    return e.message;
}

}  // namespace xl::cli
