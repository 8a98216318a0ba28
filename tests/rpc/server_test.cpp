// SPDX-License-Identifier: Apache-2.0
// Tests of the JSON-RPC server (rpc/server.hpp) over real sockets on 127.0.0.1 (port 0): HTTP
// and WebSocket semantics, every refusal path, slow and vanishing clients, CORS, connection
// limits, the WebSocket send queue bound, and stop() with connections open. Clients are Beast
// clients on their own io_context whose every operation has a deadline (kClientTimeout), so no
// test can hang; nothing waits on a sleep.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "rpc/jsonrpc.hpp"
#include "rpc/server.hpp"

namespace xl::rpc {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using HttpResponse = http::response<http::string_body>;

constexpr std::chrono::seconds kClientTimeout{10};

// Runs one asynchronous client operation to completion or kClientTimeout. `start` receives a
// completion handler taking (error_code[, size_t]).
template <typename Stream, typename Start>
error_code run_op(asio::io_context& ioc, Stream& stream, Start start) {
    error_code result = asio::error::would_block;
    beast::get_lowest_layer(stream).expires_after(kClientTimeout);
    start([&](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}

// A raw TCP client: writes any bytes, reads HTTP responses.
class RawClient {
public:
    explicit RawClient(uint16_t port) : stream_(ioc_) {
        ec_ = run_op(ioc_, stream_, [&](auto h) {
            stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                  [h](error_code ec) mutable { h(ec); });
        });
    }
    error_code connect_error() const { return ec_; }

    error_code send(std::string_view bytes) {
        return run_op(ioc_, stream_,
                      [&](auto h) { asio::async_write(stream_, asio::buffer(bytes), h); });
    }

    // Reads one response; nullopt (and the error in last_error()) on failure.
    std::optional<HttpResponse> read() {
        HttpResponse res;
        ec_ = run_op(ioc_, stream_, [&](auto h) { http::async_read(stream_, buffer_, res, h); });
        if (ec_) return std::nullopt;
        return res;
    }

    std::optional<HttpResponse> request(http::verb verb, std::string target, std::string body,
                                        std::map<std::string, std::string> headers = {}) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json");
        for (const auto& [k, v] : headers)
            req.set(k, v);
        req.body() = std::move(body);
        req.prepare_payload();
        ec_ = run_op(ioc_, stream_, [&](auto h) { http::async_write(stream_, req, h); });
        if (ec_) return std::nullopt;
        return read();
    }

    std::optional<HttpResponse> post(std::string body) {
        return request(http::verb::post, "/", std::move(body));
    }

    // True when the server closes the connection (EOF or reset) within kClientTimeout.
    bool closed_by_server() {
        std::array<char, 4096> buf{};
        for (;;) {
            error_code ec = run_op(ioc_, stream_,
                                   [&](auto h) { stream_.async_read_some(asio::buffer(buf), h); });
            if (ec == beast::error::timeout) return false;
            if (ec) return true;
        }
    }

    void close() { stream_.close(); }
    error_code last_error() const { return ec_; }

private:
    asio::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    error_code ec_;
};

class WsClient {
public:
    explicit WsClient(uint16_t port, std::string origin = {}) : ws_(ioc_) {
        auto& tcp_stream = beast::get_lowest_layer(ws_);
        ec_ = run_op(ioc_, ws_, [&](auto h) {
            tcp_stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                     [h](error_code ec) mutable { h(ec); });
        });
        if (ec_) return;
        if (!origin.empty()) {
            ws_.set_option(websocket::stream_base::decorator(
                [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
        }
        std::string host = "127.0.0.1:" + std::to_string(port);
        ec_ = run_op(ioc_, ws_, [&](auto h) {
            ws_.async_handshake(host, "/", [h](error_code ec) mutable { h(ec); });
        });
    }
    error_code error() const { return ec_; }

    error_code send(const std::string& text) {
        ws_.text(true);
        return run_op(ioc_, ws_, [&](auto h) { ws_.async_write(asio::buffer(text), h); });
    }

    // The next message, or nullopt with the error in error() (websocket::error::closed when
    // the server closed, with its reason in reason()).
    std::optional<Json> read() {
        beast::flat_buffer buf;
        ec_ = run_op(ioc_, ws_, [&](auto h) { ws_.async_read(buf, h); });
        if (ec_) return std::nullopt;
        return Json::parse(beast::buffers_to_string(buf.data()));
    }

    std::optional<Json> call(const std::string& text) {
        if (auto ec = send(text)) {
            ec_ = ec;
            return std::nullopt;
        }
        return read();
    }

    websocket::close_reason reason() const { return ws_.reason(); }
    void close() {
        run_op(ioc_, ws_, [&](auto h) {
            ws_.async_close(websocket::close_code::normal, [h](error_code ec) mutable { h(ec); });
        });
    }

private:
    asio::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    error_code ec_;
};

// Sessions a test can push to from its own thread, dropped in on_close (as subscriptions are).
struct Watchers {
    std::mutex mu;
    std::map<uint64_t, Session*> sessions;
    std::atomic<int> closes{0};
    std::promise<void> closed;

    void push_all(const Json& n) {
        std::lock_guard lock(mu);
        for (auto& [id, s] : sessions)
            s->push(n);
    }
    size_t size() {
        std::lock_guard lock(mu);
        return sessions.size();
    }
};

ServerConfig config_on(uint16_t port) {
    ServerConfig c;
    c.port = port;
    return c;
}
ServerConfig zero_threads() {
    ServerConfig c;
    c.threads = 0;
    return c;
}

Json notification(int i, size_t bytes) {
    return {{"jsonrpc", "2.0"},
            {"method", "xl_subscription"},
            {"params", {{"i", i}, {"data", std::string(bytes, 'x')}}}};
}

class ServerTest : public ::testing::Test {
protected:
    ServerTest() {
        gate_future_ = gate_.get_future().share();
        dispatcher_.add("add", [](const Json& p, Session&) -> Result<Json, Error> {
            const Json* a = param(p, 0);
            const Json* b = param(p, 1);
            if (!a || !b || !a->is_number_integer() || !b->is_number_integer()) {
                return unexpected(invalid_params("expected two integers"));
            }
            return Json(a->get<int64_t>() + b->get<int64_t>());
        });
        // Blocks until the test opens the gate (bounded, so a failing test cannot hang).
        dispatcher_.add("slow", [this](const Json&, Session&) -> Result<Json, Error> {
            slow_started_.fetch_add(1);
            {
                std::lock_guard lock(started_mu_);
                started_cv_.notify_all();
            }
            gate_future_.wait_for(kClientTimeout);
            return Json("slow done");
        });
        // params [n, bytes]: pushes n notifications on the caller's session.
        dispatcher_.add("push", [](const Json& p, Session& s) -> Result<Json, Error> {
            if (!s.can_push())
                return unexpected(Error{kServerError, "notifications not supported", std::nullopt});
            int n = p.at(0).get<int>();
            size_t bytes = p.at(1).get<size_t>();
            for (int i = 0; i < n; ++i)
                s.push(notification(i, bytes));
            return Json("pushed");
        });
        dispatcher_.add("watch", [this](const Json&, Session& s) -> Result<Json, Error> {
            {
                std::lock_guard lock(watchers_.mu);
                watchers_.sessions[s.id()] = &s;
            }
            s.on_close([this, id = s.id()] {
                std::lock_guard lock(watchers_.mu);
                watchers_.sessions.erase(id);
                if (watchers_.closes.fetch_add(1) == 0) watchers_.closed.set_value();
            });
            return Json(s.id());
        });
    }
    ~ServerTest() override {
        open_gate();
        if (server_) server_->stop();
    }

    void start(ServerConfig config = {}) {
        config.port = 0;
        auto s = Server::start(config, dispatcher_);
        ASSERT_TRUE(s) << s.error();
        server_ = std::move(*s);
        ASSERT_NE(server_->port(), 0);
    }
    uint16_t port() const { return server_->port(); }

    void open_gate() {
        if (!gate_open_.exchange(true)) gate_.set_value();
    }
    bool wait_slow_started(int n) {
        std::unique_lock lock(started_mu_);
        return started_cv_.wait_for(lock, kClientTimeout,
                                    [&] { return slow_started_.load() >= n; });
    }

    // For conditions only the server's io threads change (a connection slot freed after the
    // client went away): polls the counter; bounded, and not a timing assertion.
    template <typename Pred>
    bool eventually(Pred pred) {
        auto deadline = std::chrono::steady_clock::now() + kClientTimeout;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::yield();
        }
        return true;
    }

    static std::string req(int id, const std::string& method, const std::string& params = "[]") {
        return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method +
               R"(","params":)" + params + "}";
    }

    Dispatcher dispatcher_{Limits{.max_request_bytes = 64 * 1024}};
    std::unique_ptr<Server> server_;
    Watchers watchers_;
    std::promise<void> gate_;
    std::shared_future<void> gate_future_;
    std::atomic<bool> gate_open_{false};
    std::atomic<int> slow_started_{0};
    std::mutex started_mu_;
    std::condition_variable started_cv_;
};

Json body_of(const std::optional<HttpResponse>& r) {
    if (!r) return Json();
    return Json::parse(r->body());
}

TEST_F(ServerTest, HttpSingleBatchAndNotificationOnOneKeepAliveConnection) {
    start();
    RawClient c(port());
    ASSERT_FALSE(c.connect_error());
    auto r = c.post(req(1, "add", "[2,3]"));
    ASSERT_TRUE(r) << c.last_error().message();
    EXPECT_EQ(r->result(), http::status::ok);
    EXPECT_EQ((*r)[http::field::content_type], "application/json");
    EXPECT_EQ(r->body(), R"({"jsonrpc":"2.0","id":1,"result":5})");
    EXPECT_TRUE(r->keep_alive());

    r = c.post("[" + req(1, "add", "[1,1]") +
               R"(,{"jsonrpc":"2.0","method":"add","params":[1,1]},)" + req(2, "add", "[2,2]") +
               "]");
    ASSERT_TRUE(r);
    Json batch = Json::parse(r->body());
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0]["result"], 2);
    EXPECT_EQ(batch[1]["result"], 4);

    // Only notifications: nothing to answer, 204 and the connection stays usable.
    r = c.post(R"({"jsonrpc":"2.0","method":"add","params":[1,1]})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::no_content);
    EXPECT_TRUE(r->body().empty());
    EXPECT_EQ(body_of(c.post(req(3, "add", "[3,3]")))["result"], 6);
    EXPECT_EQ(server_->stats().requests, 4u);
    EXPECT_EQ(server_->stats().open_sessions, 1u);
}

TEST_F(ServerTest, HttpErrorPaths) {
    start();
    RawClient c(port());
    Json r = body_of(c.post(R"({"jsonrpc":"2.0","id":1,"method":)"));
    EXPECT_EQ(r["error"]["code"], kParseError);
    r = body_of(c.post(R"({"jsonrpc":"1.0","id":1,"method":"add","params":[1,2]})"));
    EXPECT_EQ(r["error"]["code"], kInvalidRequest);
    EXPECT_EQ(r["id"], 1);
    r = body_of(c.post(req(5, "eth_foo")));
    EXPECT_EQ(r["error"]["message"], "the method eth_foo does not exist/is not available");
    r = body_of(c.post(req(6, "add", R"(["a"])")));
    EXPECT_EQ(r["error"]["code"], kInvalidParams);
    EXPECT_EQ(r["error"]["message"], "expected two integers");

    // A 10,000-request batch is refused whole. Its body is within the byte limit.
    Dispatcher big_limits{Limits{.max_request_bytes = 1 << 20}};
    std::string batch = "[";
    for (int i = 0; i < 10000; ++i) {
        if (i > 0) batch += ',';
        batch += req(i, "add", "[1,1]");
    }
    batch += "]";
    ASSERT_LT(batch.size(), size_t{1} << 20);
    server_->stop();
    server_.reset();
    big_limits.add("add", [](const Json&, Session&) -> Result<Json, Error> { return Json(2); });
    auto s = Server::start(config_on(0), big_limits);
    ASSERT_TRUE(s);
    RawClient c2((*s)->port());
    r = body_of(c2.post(batch));
    EXPECT_EQ(r["error"]["code"], kLimitExceeded);
    EXPECT_EQ(r["error"]["message"], "batch too large: 10000 > 1000");
    (*s)->stop();
}

TEST_F(ServerTest, Http10ClosesAndPipelinedRequestsAreAnsweredInOrder) {
    start();
    {
        RawClient c(port());
        std::string body = req(1, "add", "[1,2]");
        ASSERT_FALSE(c.send("POST / HTTP/1.0\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\n\r\n" + body));
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(body_of(r)["result"], 3);
        EXPECT_TRUE(c.closed_by_server());
    }
    RawClient c(port());
    std::string one = req(1, "add", "[1,1]");
    std::string two = req(2, "add", "[2,2]");
    auto frame = [](const std::string& b) {
        return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(b.size()) +
               "\r\n\r\n" + b;
    };
    ASSERT_FALSE(c.send(frame(one) + frame(two)));
    EXPECT_EQ(body_of(c.read())["id"], 1);
    EXPECT_EQ(body_of(c.read())["id"], 2);
}

TEST_F(ServerTest, WrongContentTypeIsTolerated) {
    start();
    RawClient c(port());
    auto r =
        c.request(http::verb::post, "/", req(1, "add", "[1,2]"), {{"Content-Type", "text/plain"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(body_of(r)["result"], 3);
}

TEST_F(ServerTest, OversizedBodyGets413AndTheServerGoesOn) {
    start();
    RawClient c(port());
    std::string body(100 * 1024, ' ');
    auto r = c.post(body);
    ASSERT_TRUE(r) << c.last_error().message();
    EXPECT_EQ(r->result(), http::status::payload_too_large);
    Json j = Json::parse(r->body());
    EXPECT_EQ(j["error"]["code"], kLimitExceeded);
    EXPECT_EQ(j["error"]["message"], "request too large: 102400 > 65536 bytes");
    EXPECT_FALSE(r->keep_alive());
    EXPECT_TRUE(c.closed_by_server());
    EXPECT_EQ(server_->stats().errors, 1u);

    RawClient other(port());
    EXPECT_EQ(body_of(other.post(req(1, "add", "[1,2]")))["result"], 3);
}

TEST_F(ServerTest, Expect100ContinueIsAnswered) {
    start();
    RawClient c(port());
    std::string body = req(1, "add", "[4,4]");
    ASSERT_FALSE(c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n"));
    auto cont = c.read();
    ASSERT_TRUE(cont);
    EXPECT_EQ(cont->result(), http::status::continue_);
    ASSERT_FALSE(c.send(body));
    EXPECT_EQ(body_of(c.read())["result"], 8);
}

TEST_F(ServerTest, GarbageBytesGet400OrCloseAndNeverStopTheServer) {
    start();
    {
        RawClient c(port());
        static constexpr char kTlsHello[] =
            "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 junk\r\n\r\n";
        ASSERT_FALSE(c.send(std::string_view(kTlsHello, sizeof kTlsHello - 1)));
        auto r = c.read();
        if (r) {
            EXPECT_EQ(r->result(), http::status::bad_request);
        }
        EXPECT_TRUE(c.closed_by_server());
    }
    {
        RawClient c(port());
        ASSERT_FALSE(c.send("GET / HTTP/9.9 \x01\x02\r\n\r\n"));
        auto r = c.read();
        if (r) {
            EXPECT_EQ(r->result(), http::status::bad_request);
        }
    }
    {
        RawClient c(port());  // garbage, then the client leaves
        ASSERT_FALSE(c.send(std::string(5000, '\xee')));
        c.close();
    }
    RawClient ok(port());
    EXPECT_EQ(body_of(ok.post(req(1, "add", "[1,2]")))["result"], 3);
    EXPECT_GE(server_->stats().errors, 1u);
}

TEST_F(ServerTest, HalfRequestStallsOnlyItsOwnConnectionAndTimesOut) {
    ServerConfig config;
    config.request_timeout = std::chrono::milliseconds(300);
    start(config);
    RawClient stalled(port());
    ASSERT_FALSE(stalled.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"jsonr"));
    RawClient other(port());
    EXPECT_EQ(body_of(other.post(req(1, "add", "[1,2]")))["result"], 3);
    // The stalled client is dropped by request_timeout.
    EXPECT_TRUE(stalled.closed_by_server());
    EXPECT_TRUE(eventually([&] { return server_->stats().timeouts >= 1; }));
}

TEST_F(ServerTest, SlowHandlerDoesNotBlockOtherConnections) {
    start();
    RawClient slow(port());
    auto slow_req = req(1, "slow");
    ASSERT_FALSE(slow.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                           std::to_string(slow_req.size()) + "\r\n\r\n" + slow_req));
    ASSERT_TRUE(wait_slow_started(1));
    RawClient fast(port());
    EXPECT_EQ(body_of(fast.post(req(2, "add", "[1,2]")))["result"], 3);
    open_gate();
    EXPECT_EQ(body_of(slow.read())["result"], "slow done");
}

TEST_F(ServerTest, ClientsVanishingMidRequestAreCleanedUp) {
    start();
    {
        RawClient c(port());  // half a body, then gone
        ASSERT_FALSE(c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"js"));
        c.close();
    }
    {
        RawClient c(port());  // gone while its handler runs
        auto slow_req = req(1, "slow");
        ASSERT_FALSE(c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                            std::to_string(slow_req.size()) + "\r\n\r\n" + slow_req));
        ASSERT_TRUE(wait_slow_started(1));
        c.close();
    }
    open_gate();
    RawClient ok(port());
    EXPECT_EQ(body_of(ok.post(req(2, "add", "[1,2]")))["result"], 3);
    ok.close();
    EXPECT_TRUE(eventually([&] { return server_->stats().open_sessions == 0; }));
}

TEST_F(ServerTest, CorsPreflightAndHeaders) {
    ServerConfig config;
    config.cors_origins = {"https://app.example"};
    start(config);
    RawClient c(port());
    auto r = c.request(http::verb::options, "/", "",
                       {{"Origin", "https://app.example"},
                        {"Access-Control-Request-Method", "POST"},
                        {"Access-Control-Request-Headers", "content-type"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::no_content);
    EXPECT_EQ((*r)[http::field::access_control_allow_origin], "https://app.example");
    EXPECT_EQ((*r)[http::field::access_control_allow_methods], "POST, GET, OPTIONS");
    EXPECT_EQ((*r)[http::field::access_control_allow_headers], "content-type");
    EXPECT_EQ((*r)[http::field::vary], "Origin");

    r = c.request(http::verb::options, "/", "",
                  {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->find(http::field::access_control_allow_origin), r->end());

    r = c.request(http::verb::post, "/", req(1, "add", "[1,1]"),
                  {{"Origin", "https://app.example"}});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[http::field::access_control_allow_origin], "https://app.example");
    EXPECT_EQ(body_of(r)["result"], 2);
}

TEST_F(ServerTest, CorsWildcardAndNoCors) {
    ServerConfig config;
    config.cors_origins = {"*"};
    start(config);
    RawClient c(port());
    auto r =
        c.request(http::verb::post, "/", req(1, "add", "[1,1]"), {{"Origin", "https://x.example"}});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[http::field::access_control_allow_origin], "*");
    server_->stop();
    server_.reset();
    start();  // no cors_origins: no CORS headers at all
    RawClient d(port());
    r = d.request(http::verb::post, "/", req(1, "add", "[1,1]"), {{"Origin", "https://x.example"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->find(http::field::access_control_allow_origin), r->end());
}

TEST_F(ServerTest, GetRoutesInfoAndRefusedMethods) {
    start();
    server_->add_get("/metrics", [] {
        return std::pair<std::string, std::string>("text/plain; version=0.0.4", "xl_up 1\n");
    });
    server_->add_get(
        "/boom", []() -> std::pair<std::string, std::string> { throw std::runtime_error("no"); });
    RawClient c(port());
    auto r = c.request(http::verb::get, "/", "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::ok);
    EXPECT_EQ(Json::parse(r->body())["status"], "ok");
    r = c.request(http::verb::get, "/metrics?x=1", "");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[http::field::content_type], "text/plain; version=0.0.4");
    EXPECT_EQ(r->body(), "xl_up 1\n");
    r = c.request(http::verb::get, "/boom", "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::internal_server_error);
    r = c.request(http::verb::get, "/nope", "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::not_found);
    r = c.request(http::verb::put, "/", "{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result(), http::status::method_not_allowed);
    EXPECT_EQ((*r)[http::field::allow], "POST, GET, OPTIONS");
}

TEST_F(ServerTest, ConnectionsOverTheLimitGet503) {
    ServerConfig config;
    config.max_connections = 2;
    start(config);
    RawClient a(port()), b(port());
    EXPECT_EQ(body_of(a.post(req(1, "add", "[1,1]")))["result"], 2);
    EXPECT_EQ(body_of(b.post(req(1, "add", "[1,1]")))["result"], 2);
    RawClient c(port());
    auto r = c.post(req(1, "add", "[1,1]"));
    ASSERT_TRUE(r) << c.last_error().message();
    EXPECT_EQ(r->result(), http::status::service_unavailable);
    EXPECT_EQ(Json::parse(r->body())["error"]["message"], "too many connections");
    EXPECT_EQ(server_->stats().rejected, 1u);
    a.close();
    ASSERT_TRUE(eventually([&] { return server_->stats().open_sessions == 1; }));
    RawClient d(port());
    EXPECT_EQ(body_of(d.post(req(1, "add", "[1,1]")))["result"], 2);
}

TEST_F(ServerTest, WebSocketRequestsBatchesAndNotifications) {
    start();
    WsClient ws(port());
    ASSERT_FALSE(ws.error()) << ws.error().message();
    auto r = ws.call(req(1, "add", "[2,3]"));
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["result"], 5);
    // A notification gets nothing: the next message is the next request's response.
    ASSERT_FALSE(ws.send(R"({"jsonrpc":"2.0","method":"add","params":[1,1]})"));
    r = ws.call("[" + req(2, "add", "[1,1]") + "," + req(3, "eth_foo") + "]");
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->is_array());
    EXPECT_EQ((*r)[0]["result"], 2);
    EXPECT_EQ((*r)[1]["error"]["code"], kMethodNotFound);
    r = ws.call("{not json");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["error"]["code"], kParseError);
    EXPECT_EQ(server_->stats().open_sessions, 1u);
}

TEST_F(ServerTest, PlainHttpSessionsCannotPush) {
    start();
    RawClient c(port());
    Json r = body_of(c.post(req(1, "push", "[1,10]")));
    EXPECT_EQ(r["error"]["message"], "notifications not supported");
}

TEST_F(ServerTest, WebSocketPushesFollowTheResponseInOrder) {
    start();
    WsClient ws(port());
    ASSERT_FALSE(ws.error());
    auto r = ws.call(req(7, "push", "[3,10]"));
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["id"], 7);  // the response precedes what its handler pushed
    EXPECT_EQ((*r)["result"], "pushed");
    for (int i = 0; i < 3; ++i) {
        auto n = ws.read();
        ASSERT_TRUE(n) << ws.error().message();
        EXPECT_EQ((*n)["method"], "xl_subscription");
        EXPECT_EQ((*n)["params"]["i"], i);
    }
}

TEST_F(ServerTest, WebSocketPushFromAnotherThreadAndOnCloseOnce) {
    start();
    auto closed = watchers_.closed.get_future();
    {
        WsClient ws(port());
        ASSERT_FALSE(ws.error());
        auto r = ws.call(req(1, "watch"));
        ASSERT_TRUE(r);
        ASSERT_EQ(watchers_.size(), 1u);
        watchers_.push_all(notification(41, 4));
        watchers_.push_all(notification(42, 4));
        auto n = ws.read();
        ASSERT_TRUE(n);
        EXPECT_EQ((*n)["params"]["i"], 41);
        n = ws.read();
        ASSERT_TRUE(n);
        EXPECT_EQ((*n)["params"]["i"], 42);
        ws.close();
    }
    ASSERT_EQ(closed.wait_for(kClientTimeout), std::future_status::ready);
    EXPECT_EQ(watchers_.size(), 0u);
    server_->stop();  // joins everything: a second run of on_close would have happened by now
    EXPECT_EQ(watchers_.closes.load(), 1);
}

TEST_F(ServerTest, WebSocketQueueOverflowClosesWith1008) {
    ServerConfig config;
    config.ws_max_queued = 4;
    start(config);
    WsClient ws(port());
    ASSERT_FALSE(ws.error());
    // Ten notifications pushed while handling one request: over the bound of 4.
    ASSERT_FALSE(ws.send(req(1, "push", "[10,10]")));
    std::optional<Json> m;
    int messages = 0;
    while ((m = ws.read()))
        ++messages;
    EXPECT_EQ(ws.error(), websocket::error::closed) << ws.error().message();
    EXPECT_EQ(ws.reason().code, websocket::close_code::policy_error);
    EXPECT_LE(messages, 4);
    EXPECT_EQ(server_->stats().ws_overflows, 1u);
}

TEST_F(ServerTest, WebSocketClientThatStopsReadingIsClosed) {
    ServerConfig config;
    config.ws_max_queued = 4;
    start(config);
    auto closed = watchers_.closed.get_future();
    WsClient ws(port());
    ASSERT_FALSE(ws.error());
    ASSERT_TRUE(ws.call(req(1, "watch")));
    // The client reads nothing; socket buffers fill, then the queue of 4, then it is closed.
    Json big = notification(0, 64 * 1024);
    for (int i = 0; i < 2000 && watchers_.size() > 0 && server_->stats().ws_overflows == 0; ++i) {
        watchers_.push_all(big);
    }
    EXPECT_EQ(server_->stats().ws_overflows, 1u);
    std::optional<Json> m;
    while ((m = ws.read())) {
    }
    EXPECT_EQ(ws.error(), websocket::error::closed) << ws.error().message();
    EXPECT_EQ(ws.reason().code, websocket::close_code::policy_error);
    ASSERT_EQ(closed.wait_for(kClientTimeout), std::future_status::ready);
}

// Beast sends close 1009 and closes the socket at once; a client still sending may see the
// reset before the close frame, so only the end of the session is asserted.
TEST_F(ServerTest, WebSocketMessageOverTheLimitEndsTheSession) {
    start();
    WsClient ws(port());
    ASSERT_FALSE(ws.error());
    ws.send(R"({"jsonrpc":"2.0","id":1,"method":"add","params":[")" + std::string(100000, 'x') +
            R"("]})");
    EXPECT_FALSE(ws.read());
    if (ws.error() == websocket::error::closed) {
        EXPECT_EQ(ws.reason().code, websocket::close_code::too_big);
    }
    EXPECT_TRUE(eventually([&] { return server_->stats().errors == 1; }));
    EXPECT_TRUE(eventually([&] { return server_->stats().open_sessions == 0; }));
}

TEST_F(ServerTest, WebSocketOriginIsChecked) {
    start();
    WsClient evil(port(), "https://evil.example");
    EXPECT_TRUE(evil.error());
    WsClient same(port(), "http://127.0.0.1:" + std::to_string(port()));
    EXPECT_FALSE(same.error()) << same.error().message();
    WsClient none(port());
    EXPECT_FALSE(none.error());
}

TEST_F(ServerTest, StopWithOpenConnectionsReturns) {
    start();
    auto closed = watchers_.closed.get_future();
    RawClient keep(port());
    ASSERT_EQ(body_of(keep.post(req(1, "add", "[1,1]")))["result"], 2);
    RawClient half(port());
    ASSERT_FALSE(half.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"));
    WsClient ws(port());
    ASSERT_FALSE(ws.error());
    ASSERT_TRUE(ws.call(req(1, "watch")));
    server_->stop();
    EXPECT_EQ(server_->stats().open_sessions, 0u);
    EXPECT_EQ(closed.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_TRUE(keep.closed_by_server());
    EXPECT_TRUE(half.closed_by_server());
    EXPECT_FALSE(ws.read());
    server_->stop();  // idempotent
}

TEST(ServerStart, BadConfigAndPortInUse) {
    Dispatcher d;
    auto bad = Server::start(zero_threads(), d);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), "rpc: threads must be at least 1");
    auto a = Server::start(config_on(0), d);
    ASSERT_TRUE(a);
    auto b = Server::start(config_on((*a)->port()), d);
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().find("bind 127.0.0.1:"), std::string::npos) << b.error();
}

}  // namespace
}  // namespace xl::rpc
