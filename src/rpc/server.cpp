// SPDX-License-Identifier: Apache-2.0
// Xinlian rpc: the HTTP/WebSocket server (server.hpp) over Boost.Beast 1.74.
//
// Structure. One io_context run by `threads` io threads; every connection lives on its own
// strand, so its handlers never run concurrently. Request bodies go to an asio::thread_pool of
// `threads` workers for Dispatcher::handle and the answer is posted back to the connection's
// strand. Each connection holds a Slot: one of max_connections, released when the connection
// object dies; stop() closes every registered connection and waits for the slots to drain.
//
// HTTP connection: wait up to idle_timeout for the first byte of a request; from there the
// header, the body and the response write each have request_timeout. Errors the client caused
// (malformed HTTP, a body over the limit) get a status code, then a lingering close: shut down
// our sending side and discard what the client still sends, so the client reads the answer
// instead of a TCP reset.
//
// WebSocket connection: one message at a time (read, dispatch, queue the response, read the
// next), so a session's requests are answered in order and one client occupies at most one
// worker. Responses and pushed notifications share one bounded queue written by one writer.
// A notification pushed while the session's request is being handled waits until that
// request's response is queued: an eth_subscribe response precedes its first notification.
#include "rpc/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace xl::rpc {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Limits (STYLE.md 8).
constexpr size_t kMaxHeaderBytes = 16 * 1024;  // request line and header fields
constexpr size_t kReadChunk = 4096;            // first read of a request, and lingering reads
constexpr std::chrono::milliseconds kLingerTimeout{2000};  // discarding input before close
constexpr std::chrono::milliseconds kStopGrace{5000};      // stop(): wait for connections to close
constexpr std::chrono::milliseconds kAcceptRetry{100};     // after accept fails (EMFILE)
constexpr int kCorsMaxAgeSeconds = 600;
constexpr std::string_view kAllowedMethods = "POST, GET, OPTIONS";

std::atomic<uint64_t> g_next_session_id{1};

std::string_view to_view(beast::string_view s) {
    return {s.data(), s.size()};
}
beast::string_view to_beast(std::string_view s) {
    return {s.data(), s.size()};
}

// A JSON-RPC error body for transport-level refusals (413, 503).
std::string error_body(int code, std::string message) {
    Json j = {{"jsonrpc", "2.0"},
              {"id", nullptr},
              {"error", {{"code", code}, {"message", std::move(message)}}}};
    return j.dump();
}

// Callbacks registered with Session::on_close; fire() runs them exactly once.
class CloseHooks {
public:
    void add(std::function<void()> f) {
        {
            std::lock_guard lock(mu_);
            if (!fired_) {
                hooks_.push_back(std::move(f));
                return;
            }
        }
        run(f);
    }
    void fire() {
        std::vector<std::function<void()>> hooks;
        {
            std::lock_guard lock(mu_);
            if (fired_) return;
            fired_ = true;
            hooks.swap(hooks_);
        }
        for (auto& f : hooks)
            run(f);
    }

private:
    static void run(const std::function<void()>& f) {
        // A hook that throws must not stop the others or the io thread; rpc does not log.
        try {
            f();
        } catch (...) {
        }
    }

    std::mutex mu_;
    bool fired_ = false;
    std::vector<std::function<void()>> hooks_;
};

class Conn;

}  // namespace

struct Server::Impl {
    Impl(const ServerConfig& c, const Dispatcher& d)
        : config(c),
          dispatcher(d),
          workers(c.threads),
          acceptor(asio::make_strand(ioc)),
          accept_timer(acceptor.get_executor()) {}

    // Counters (ServerStats).
    std::atomic<uint64_t> requests{0}, errors{0}, open{0}, rejected{0}, ws_overflows{0},
        timeouts{0};
    std::atomic<bool> stopping{false};

    const ServerConfig config;
    const Dispatcher& dispatcher;

    std::mutex routes_mu;
    std::map<std::string, GetHandler, std::less<>> routes;

    // Open connections by slot id, for stop(); open == conns.size().
    std::mutex conns_mu;
    std::condition_variable conns_cv;
    std::map<uint64_t, std::weak_ptr<Conn>> conns;
    uint64_t next_slot = 1;

    // Declared after what the connections use: connections still queued in the io_context
    // are destroyed with it and release their slots into the members above.
    asio::io_context ioc;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    asio::thread_pool workers;
    tcp::acceptor acceptor;  // on its own strand, with accept_timer
    asio::steady_timer accept_timer;
    std::vector<std::thread> threads;
    uint16_t port = 0;
    bool stopped = false;  // under stop_mu
    std::mutex stop_mu;

    void accept();
    void on_accept(error_code ec, tcp::socket socket);
    void stop();

    std::optional<GetHandler> route(std::string_view path) {
        std::lock_guard lock(routes_mu);
        auto it = routes.find(path);
        if (it == routes.end()) return std::nullopt;
        return it->second;
    }
};

namespace {

using Impl = Server::Impl;

// One of max_connections; frees itself (and wakes stop()) when destroyed. Moves from the HTTP
// connection to the WebSocket connection on upgrade.
class Slot {
public:
    Slot(Impl& impl, uint64_t id) : impl_(&impl), id_(id) {}
    Slot(Slot&& o) noexcept : impl_(std::exchange(o.impl_, nullptr)), id_(o.id_) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
        if (impl_ == nullptr) return;
        std::lock_guard lock(impl_->conns_mu);
        impl_->conns.erase(id_);
        impl_->open.fetch_sub(1);
        impl_->conns_cv.notify_all();
    }
    uint64_t id() const noexcept { return id_; }
    Impl& impl() const noexcept { return *impl_; }

private:
    Impl* impl_;
    uint64_t id_;
};

// A connection: a Session to the handlers, closable by stop().
class Conn : public Session, public std::enable_shared_from_this<Conn> {
public:
    explicit Conn(Slot slot) : slot_(std::move(slot)), impl_(slot_.impl()) {}
    // Subclasses fire the hooks in their destructors, where push() still works.
    ~Conn() override = default;
    // Closes the socket from stop(); safe from any thread.
    virtual void shutdown() = 0;

    void on_close(std::function<void()> f) override { hooks_.add(std::move(f)); }
    uint64_t id() const noexcept override { return id_; }
    uint64_t slot_id() const noexcept { return slot_.id(); }

protected:
    Slot slot_;
    Impl& impl_;
    CloseHooks hooks_;
    const uint64_t id_ = g_next_session_id.fetch_add(1);
};

void register_conn(Impl& impl, uint64_t slot, const std::shared_ptr<Conn>& c) {
    std::lock_guard lock(impl.conns_mu);
    impl.conns[slot] = c;
}

// Access-Control-Allow-Origin for a request's Origin: "*", the origin itself, or empty.
std::string allow_origin(const ServerConfig& config, std::string_view origin) {
    if (origin.empty()) return {};
    for (const auto& o : config.cors_origins) {
        if (o == "*") return "*";
        if (o == origin) return std::string(origin);
    }
    return {};
}

// A WebSocket upgrade from a browser page is allowed from a configured origin or from a page
// served by this node; clients outside browsers send no Origin.
bool ws_origin_allowed(const ServerConfig& config, std::string_view origin, std::string_view host) {
    if (origin.empty() || !allow_origin(config, origin).empty()) return true;
    for (std::string_view scheme : {"http://", "https://"}) {
        if (origin.size() == scheme.size() + host.size() &&
            origin.substr(0, scheme.size()) == scheme && origin.substr(scheme.size()) == host) {
            return true;
        }
    }
    return false;
}

class WsConn final : public Conn {
public:
    WsConn(Slot slot, beast::tcp_stream stream)
        : Conn(std::move(slot)), ws_(std::move(stream)), close_timer_(ws_.get_executor()) {}
    ~WsConn() override {
        {
            std::lock_guard lock(mu_);
            closing_ = true;  // a hook that pushes is ignored
        }
        hooks_.fire();
    }

    bool can_push() const noexcept override { return true; }

    void push(Json notification) override {
        std::string text = notification.dump(-1, ' ', false, Json::error_handler_t::replace);
        bool start = false;
        {
            std::lock_guard lock(mu_);
            if (closing_) return;
            if (busy_) {
                if (queue_.size() + deferred_.size() >= impl_.config.ws_max_queued) {
                    return overflow_locked();
                }
                deferred_.push_back(std::move(text));
                return;
            }
            if (!enqueue_locked(std::move(text))) return;
            start = !writing_;
            writing_ = writing_ || start;
        }
        if (start) asio::post(ws_.get_executor(), [self = self()] { self->write_front(); });
    }

    void shutdown() override {
        asio::dispatch(ws_.get_executor(), [self = self()] {
            {
                std::lock_guard lock(self->mu_);
                self->closing_ = true;
            }
            error_code ec;
            beast::get_lowest_layer(self->ws_).socket().close(ec);
        });
    }

    void start(Request req) {
        ws_.set_option(websocket::stream_base::timeout{impl_.config.request_timeout,
                                                       impl_.config.idle_timeout, true});
        ws_.read_message_max(impl_.dispatcher.limits().max_request_bytes);
        ws_.text(true);
        beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts apply instead
        ws_.async_accept(req, [self = self()](error_code ec) {
            if (ec) return self->finish(ec);
            self->read();
        });
    }

private:
    std::shared_ptr<WsConn> self() { return std::static_pointer_cast<WsConn>(shared_from_this()); }

    void read() {
        if (impl_.stopping.load()) return finish({});
        ws_.async_read(buffer_, [self = self()](error_code ec, size_t) {
            if (ec) return self->finish(ec);
            self->on_message();
        });
    }

    void on_message() {
        impl_.requests.fetch_add(1);
        std::string body = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        {
            std::lock_guard lock(mu_);
            if (closing_) return;
            busy_ = true;
        }
        if (impl_.stopping.load()) return finish({});
        asio::post(impl_.workers, [self = self(), body = std::move(body)] {
            std::optional<std::string> out;
            try {
                out = self->impl_.dispatcher.handle(body, *self);
            } catch (...) {  // only bad_alloc can reach here; drop the connection
                out = std::nullopt;
                self->shutdown();
            }
            asio::post(self->ws_.get_executor(),
                       [self, out = std::move(out)]() mutable { self->answered(std::move(out)); });
        });
    }

    // On the strand, when a message has been handled: queue its response, then the
    // notifications pushed meanwhile, and read the next message.
    void answered(std::optional<std::string> out) {
        bool start = false;
        {
            std::lock_guard lock(mu_);
            busy_ = false;
            std::vector<std::string> deferred;
            deferred.swap(deferred_);
            bool ok = !out || enqueue_locked(std::move(*out));
            for (auto& d : deferred) {
                if (!ok) break;
                ok = enqueue_locked(std::move(d));
            }
            if (closing_) return;
            start = !writing_ && !queue_.empty();
            writing_ = writing_ || start;
        }
        if (start) write_front();
        read();
    }

    // Appends to the queue, or closes the session if it is full. Caller holds mu_.
    bool enqueue_locked(std::string text) {
        if (closing_) return false;
        if (queue_.size() >= impl_.config.ws_max_queued) {
            overflow_locked();
            return false;
        }
        queue_.push_back(std::move(text));
        return true;
    }

    // The client does not keep up: close with 1008. If the close handshake cannot get through
    // (the client does not read at all), the socket is closed after request_timeout.
    void overflow_locked() {
        closing_ = true;
        deferred_.clear();
        impl_.ws_overflows.fetch_add(1);
        asio::post(ws_.get_executor(), [self = self()] {
            self->close_timer_.expires_after(self->impl_.config.request_timeout);
            self->close_timer_.async_wait([self](error_code ec) {
                if (ec) return;  // cancelled: the session ended before
                error_code ignored;
                beast::get_lowest_layer(self->ws_).socket().close(ignored);
            });
            self->ws_.async_close(websocket::close_reason(websocket::close_code::policy_error),
                                  [self](error_code) { self->close_timer_.cancel(); });
        });
    }

    // On the strand: writes queue_.front(); writing_ is set.
    void write_front() {
        const std::string& front = queue_.front();  // only this strand pops the queue
        ws_.async_write(asio::buffer(front), [self = self()](error_code ec, size_t) {
            bool more = false;
            {
                std::lock_guard lock(self->mu_);
                self->queue_.pop_front();
                if (ec || self->closing_) {
                    self->queue_.clear();
                    self->writing_ = false;
                } else {
                    more = !self->queue_.empty();
                    self->writing_ = more;
                }
            }
            if (ec) return self->finish(ec);
            if (more) self->write_front();
        });
    }

    void finish(error_code ec) {
        if (ec == beast::error::timeout) impl_.timeouts.fetch_add(1);
        if (ec == websocket::error::message_too_big) impl_.errors.fetch_add(1);
        close_timer_.cancel();
        {
            std::lock_guard lock(mu_);
            closing_ = true;
            deferred_.clear();
        }
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        hooks_.fire();
    }

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    asio::steady_timer close_timer_;

    std::mutex mu_;                      // guards the members below (push comes from any thread)
    std::deque<std::string> queue_;      // front is being written while writing_
    std::vector<std::string> deferred_;  // pushed while busy_
    bool writing_ = false;
    bool busy_ = false;  // a message of this session is being handled
    bool closing_ = false;
};

class HttpConn final : public Conn {
public:
    HttpConn(Slot slot, tcp::socket socket) : Conn(std::move(slot)), stream_(std::move(socket)) {}
    ~HttpConn() override { hooks_.fire(); }

    bool can_push() const noexcept override { return false; }
    void push(Json) override {}  // plain HTTP cannot carry notifications

    void shutdown() override {
        asio::dispatch(stream_.get_executor(), [self = self()] {
            self->closed_ = true;
            self->stream_.close();
        });
    }

    void run() {
        asio::dispatch(stream_.get_executor(), [self = self()] { self->wait_request(); });
    }

private:
    std::shared_ptr<HttpConn> self() {
        return std::static_pointer_cast<HttpConn>(shared_from_this());
    }

    // Between requests: the idle timeout runs until the first byte of the next one.
    void wait_request() {
        if (closed_ || impl_.stopping.load()) return finish();
        if (buffer_.size() > 0) return read_header();
        stream_.expires_after(impl_.config.idle_timeout);
        stream_.async_read_some(buffer_.prepare(kReadChunk),
                                [self = self()](error_code ec, size_t n) {
                                    self->buffer_.commit(n);
                                    if (ec) return self->fail(ec);
                                    self->read_header();
                                });
    }

    void read_header() {
        stream_.expires_after(impl_.config.request_timeout);  // for header and body together
        counted_ = false;
        parser_.emplace();
        parser_->header_limit(kMaxHeaderBytes);
        parser_->body_limit(impl_.dispatcher.limits().max_request_bytes);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = self()](error_code ec, size_t) { self->on_header(ec); });
    }

    void on_header(error_code ec) {
        if (ec) return fail(ec);
        impl_.requests.fetch_add(1);
        counted_ = true;
        const auto& req = parser_->get();
        version_ = req.version();
        keep_alive_ = req.keep_alive();
        origin_ = std::string(to_view(req[http::field::origin]));
        if (websocket::is_upgrade(req)) return upgrade();
        if (beast::iequals(req[http::field::expect], "100-continue")) {
            static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            asio::async_write(stream_, asio::buffer(kContinue),
                              [self = self()](error_code ec, size_t) {
                                  if (ec) return self->fail(ec);
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_, [self = self()](error_code ec, size_t) {
            if (ec) return self->fail(ec);
            self->on_request();
        });
    }

    void on_request() {
        Request req = parser_->release();
        parser_.reset();
        switch (req.method()) {
            case http::verb::post:
                return dispatch(std::move(req.body()));
            case http::verb::options:
                return preflight(req);
            case http::verb::get:
                return get(req);
            default: {
                impl_.errors.fetch_add(1);
                auto res = make_response(http::status::method_not_allowed, "text/plain",
                                         "method not allowed\n");
                res->set(http::field::allow, to_beast(kAllowedMethods));
                return write(std::move(res));
            }
        }
    }

    void dispatch(std::string body) {
        if (impl_.stopping.load()) return finish();
        asio::post(impl_.workers, [self = self(), body = std::move(body)] {
            std::optional<std::string> out;
            bool failed = false;
            try {
                out = self->impl_.dispatcher.handle(body, *self);
            } catch (...) {  // only bad_alloc can reach here
                failed = true;
            }
            asio::post(
                self->stream_.get_executor(), [self, failed, out = std::move(out)]() mutable {
                    if (failed) return self->finish();
                    if (!out) {  // only notifications: nothing to answer
                        return self->write(self->make_response(http::status::no_content, "", ""));
                    }
                    self->write(
                        self->make_response(http::status::ok, "application/json", std::move(*out)));
                });
        });
    }

    void get(const Request& req) {
        std::string_view target = to_view(req.target());
        std::string_view path = target.substr(0, target.find('?'));
        if (auto route = impl_.route(path)) {
            if (impl_.stopping.load()) return finish();
            asio::post(impl_.workers, [self = self(), handler = std::move(*route)] {
                std::optional<std::pair<std::string, std::string>> page;
                try {
                    page = handler();
                } catch (...) {
                    page.reset();
                }
                asio::post(self->stream_.get_executor(), [self, page = std::move(page)]() mutable {
                    if (!page) {
                        return self->write(self->make_response(http::status::internal_server_error,
                                                               "text/plain", "internal error\n"));
                    }
                    self->write(self->make_response(http::status::ok, page->first,
                                                    std::move(page->second)));
                });
            });
            return;
        }
        if (path == "/") {
            static const std::string kInfo =
                R"({"name":"xinlian","jsonrpc":"2.0","websocket":true,"status":"ok"})";
            return write(make_response(http::status::ok, "application/json", kInfo));
        }
        impl_.errors.fetch_add(1);
        write(make_response(http::status::not_found, "text/plain", "not found\n"));
    }

    // CORS preflight (Fetch standard §3.2.2): allowed origins get the methods and headers.
    void preflight(const Request& req) {
        auto res = make_response(http::status::no_content, "", "");
        if (res->find(http::field::access_control_allow_origin) != res->end()) {
            res->set(http::field::access_control_allow_methods, to_beast(kAllowedMethods));
            auto asked = req[http::field::access_control_request_headers];
            res->set(http::field::access_control_allow_headers,
                     asked.empty() ? beast::string_view("Content-Type") : asked);
            res->set(http::field::access_control_max_age, std::to_string(kCorsMaxAgeSeconds));
        }
        write(std::move(res));
    }

    void upgrade() {
        const auto& req = parser_->get();
        if (!ws_origin_allowed(impl_.config, origin_, to_view(req[http::field::host]))) {
            impl_.errors.fetch_add(1);
            keep_alive_ = false;
            return write(
                make_response(http::status::forbidden, "text/plain", "origin not allowed\n"));
        }
        auto ws = std::make_shared<WsConn>(std::move(slot_), std::move(stream_));
        register_conn(impl_, ws->slot_id(), ws);
        ws->start(parser_->release());
        hooks_.fire();  // this HTTP session ends here; the WebSocket session is a new one
    }

    std::shared_ptr<Response> make_response(http::status status, std::string_view content_type,
                                            std::string body) {
        auto res = std::make_shared<Response>(status, version_);
        if (!content_type.empty()) res->set(http::field::content_type, to_beast(content_type));
        std::string allow = allow_origin(impl_.config, origin_);
        if (!allow.empty()) {
            res->set(http::field::access_control_allow_origin, allow);
            if (allow != "*") res->set(http::field::vary, "Origin");
        }
        res->keep_alive(keep_alive_);
        res->body() = std::move(body);
        res->prepare_payload();
        return res;
    }

    void write(std::shared_ptr<Response> res) {
        if (closed_) return finish();
        stream_.expires_after(impl_.config.request_timeout);
        bool keep = res->keep_alive();
        http::async_write(stream_, *res, [self = self(), res, keep](error_code ec, size_t) {
            if (ec) return self->fail(ec);
            if (keep) return self->wait_request();
            self->linger();
        });
    }

    // A request the client got wrong: answer, then close without a reset.
    void refuse(http::status status, std::string content_type, std::string body) {
        if (!counted_) impl_.requests.fetch_add(1);
        impl_.errors.fetch_add(1);
        keep_alive_ = false;
        write(make_response(status, content_type, body));
    }

    void fail(error_code ec) {
        if (ec == beast::error::timeout) {
            impl_.timeouts.fetch_add(1);
            return finish();
        }
        if (ec == http::error::body_limit) {
            size_t limit = impl_.dispatcher.limits().max_request_bytes;
            // The parser refuses before the header is done, so content_length() is not
            // available yet; the field itself is (the parser has validated its digits).
            std::string size = "over " + std::to_string(limit);
            if (parser_) {
                auto field = to_view(parser_->get()[http::field::content_length]);
                bool digits = !field.empty() && field.size() <= 20 &&
                              std::all_of(field.begin(), field.end(),
                                          [](char c) { return c >= '0' && c <= '9'; });
                if (digits) size = std::string(field);
            }
            return refuse(http::status::payload_too_large, "application/json",
                          error_body(kLimitExceeded, "request too large: " + size + " > " +
                                                         std::to_string(limit) + " bytes"));
        }
        if (ec == http::error::header_limit) {
            return refuse(http::status::request_header_fields_too_large, "text/plain",
                          "header too large\n");
        }
        if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
            return refuse(http::status::bad_request, "text/plain",
                          "bad request: " + ec.message() + "\n");
        }
        finish();  // end of stream, reset, or closed by stop()
    }

    // Shut down our side and discard input until the client closes or kLingerTimeout.
    void linger() {
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(std::min(kLingerTimeout, impl_.config.request_timeout));
        buffer_.clear();
        stream_.async_read_some(buffer_.prepare(kReadChunk),
                                [self = self()](error_code ec, size_t) {
                                    if (ec) return self->finish();
                                    self->linger_more();
                                });
    }
    void linger_more() {
        if (closed_) return finish();
        stream_.async_read_some(buffer_.prepare(kReadChunk),
                                [self = self()](error_code ec, size_t) {
                                    if (ec) return self->finish();
                                    self->linger_more();
                                });
    }

    void finish() {
        closed_ = true;
        if (stream_.socket().is_open()) stream_.close();
        hooks_.fire();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool closed_ = false;
    bool counted_ = false;  // the request in progress is in impl_.requests
    std::string origin_;
};

// A connection over max_connections: 503, then a lingering close.
class Reject : public std::enable_shared_from_this<Reject> {
public:
    explicit Reject(tcp::socket socket) : stream_(std::move(socket)) {}

    void run() {
        static const std::string kResponse = [] {
            std::string body = error_body(kLimitExceeded, "too many connections");
            return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                   "Connection: close\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
        }();
        stream_.expires_after(kLingerTimeout);
        asio::async_write(stream_, asio::buffer(kResponse),
                          [self = shared_from_this()](error_code ec, size_t) {
                              if (ec) return;
                              error_code ignored;
                              self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                              self->drain();
                          });
    }

private:
    void drain() {
        stream_.async_read_some(asio::buffer(buf_),
                                [self = shared_from_this()](error_code ec, size_t) {
                                    if (!ec) self->drain();
                                });
    }

    beast::tcp_stream stream_;
    std::array<char, kReadChunk> buf_{};
};

}  // namespace

void Server::Impl::accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void Server::Impl::on_accept(error_code ec, tcp::socket socket) {
    if (stopping.load() || !acceptor.is_open()) return;
    if (ec) {
        // Out of file descriptors and the like: retry later rather than spin.
        accept_timer.expires_after(kAcceptRetry);
        accept_timer.async_wait([this](error_code e) {
            if (!e) accept();
        });
        return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    uint64_t slot = 0;  // 0: refused
    {
        std::lock_guard lock(conns_mu);
        if (open.load() >= config.max_connections) {
            rejected.fetch_add(1);
        } else {
            open.fetch_add(1);
            slot = next_slot++;
            conns[slot];  // stop() waits for it from now on
        }
    }
    if (slot == 0) {
        std::make_shared<Reject>(std::move(socket))->run();
    } else {
        auto conn = std::make_shared<HttpConn>(Slot(*this, slot), std::move(socket));
        register_conn(*this, slot, conn);
        conn->run();  // sees `stopping` if stop() began meanwhile
    }
    accept();
}

void Server::Impl::stop() {
    {
        std::lock_guard lock(stop_mu);
        if (stopped) return;
        stopped = true;
    }
    stopping.store(true);
    asio::post(acceptor.get_executor(), [this] {
        error_code ignored;
        acceptor.close(ignored);
        accept_timer.cancel();
    });
    std::vector<std::shared_ptr<Conn>> live;
    {
        std::lock_guard lock(conns_mu);
        for (auto& [id, weak] : conns) {
            if (auto c = weak.lock()) live.push_back(std::move(c));
        }
    }
    for (auto& c : live)
        c->shutdown();
    live.clear();
    workers.join();  // running handlers finish; they post their answers to closed connections
    {
        std::unique_lock lock(conns_mu);
        conns_cv.wait_for(lock, kStopGrace, [this] { return conns.empty(); });
    }
    work.reset();
    ioc.stop();
    for (auto& t : threads)
        t.join();
    threads.clear();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
    stop();
}

Result<std::unique_ptr<Server>, std::string> Server::start(const ServerConfig& config,
                                                           const Dispatcher& dispatcher) {
    if (config.threads == 0) return unexpected(std::string("rpc: threads must be at least 1"));
    if (config.max_connections == 0) {
        return unexpected(std::string("rpc: max_connections must be at least 1"));
    }
    if (config.ws_max_queued == 0) {
        return unexpected(std::string("rpc: ws_max_queued must be at least 1"));
    }
    auto impl = std::make_unique<Impl>(config, dispatcher);
    const std::string where = config.host + ":" + std::to_string(config.port);
    error_code ec;
    tcp::resolver resolver(impl->ioc);
    auto endpoints = resolver.resolve(config.host, std::to_string(config.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
        return unexpected("rpc: resolve " + where + ": " + (ec ? ec.message() : "no address"));
    }
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    auto& acceptor = impl->acceptor;
    if (acceptor.open(endpoint.protocol(), ec); ec) {
        return unexpected("rpc: socket " + where + ": " + ec.message());
    }
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor.bind(endpoint, ec); ec) {
        return unexpected("rpc: bind " + where + ": " + ec.message());
    }
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
        return unexpected("rpc: listen " + where + ": " + ec.message());
    }
    impl->port = acceptor.local_endpoint().port();
    impl->work.emplace(impl->ioc.get_executor());
    asio::post(impl->acceptor.get_executor(), [p = impl.get()] { p->accept(); });
    for (size_t i = 0; i < config.threads; ++i) {
        impl->threads.emplace_back([p = impl.get()] {
            // Handlers throw nothing but bad_alloc; one that does must not end the thread.
            for (;;) {
                try {
                    p->ioc.run();
                    return;
                } catch (...) {
                }
            }
        });
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const noexcept {
    return impl_->port;
}

void Server::add_get(std::string path, GetHandler handler) {
    std::lock_guard lock(impl_->routes_mu);
    impl_->routes.insert_or_assign(std::move(path), std::move(handler));
}

void Server::stop() {
    impl_->stop();
}

ServerStats Server::stats() const noexcept {
    ServerStats s;
    s.requests = impl_->requests.load();
    s.errors = impl_->errors.load();
    s.open_sessions = impl_->open.load();
    s.rejected = impl_->rejected.load();
    s.ws_overflows = impl_->ws_overflows.load();
    s.timeouts = impl_->timeouts.load();
    return s;
}

}  // namespace xl::rpc
