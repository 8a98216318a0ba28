// SPDX-License-Identifier: Apache-2.0
// Xinlian network: the TLS transport (transport.hpp) over Boost.Asio 1.74 and OpenSSL 3.
// The wire format and the rules are in docs/spec/network.md; this comment says how the code
// is organised.
//
// Threads and strands. One io_context run by io_threads threads. Each connection (Conn) and
// each dialled address (Dialer) has its own strand; everything a connection does (handshake,
// reads, writes, close, handler calls) runs on its strand, so its handlers never run
// concurrently. send()/broadcast() only lock the connection's send queue and post a write.
//
// A connection's life: [resolve, connect] -> TLS handshake -> identity checks -> hello
// exchange -> register (one connection per identity, see Core::register_conn) -> open (the
// on_connect handler, then frames) -> close (on_disconnect if it was open). Everything up to
// "open" is bounded by the handshake timeout.
//
// Shared state. Core::mu guards the connection maps, each Conn's registration fields
// (leaving, successor, predecessor, committed) and each Dialer's state; it is never held while
// a handler runs or an asio operation is started on another strand (those are posted).
#include "network/transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "network/openssl_util.hpp"

namespace xl::network {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// ---- limits (STYLE.md 8) ----

// The hello each side sends after it accepted the peer's certificate: magic, protocol version,
// and the dialler's connection stamp (docs/spec/network.md, "Hello").
constexpr size_t kHelloSize = 16;
constexpr std::array<uint8_t, 4> kHelloMagic = {'X', 'L', 'N', 'K'};
constexpr uint32_t kProtocolVersion = 1;
constexpr size_t kLengthSize = 4;           // the frame length prefix
constexpr size_t kReadChunk = 64 * 1024;    // socket reads between frames
constexpr size_t kWriteBatch = 256 * 1024;  // small frames are coalesced up to this size
constexpr size_t kMaxConnections = 1024;    // sockets, handshaking ones included
constexpr size_t kMaxIoThreads = 64;
constexpr size_t kMaxFrameLimit = size_t{1} << 30;      // what Config::max_frame may be set to
constexpr size_t kMaxPemBytes = 1 << 20;                // CA, certificate and key files
constexpr std::chrono::milliseconds kAcceptRetry{100};  // after accept fails (EMFILE)
// A dead peer whose host vanished is noticed by TCP keepalive and unacknowledged data.
constexpr int kKeepIdleSeconds = 15, kKeepIntervalSeconds = 5, kKeepCount = 3;
constexpr unsigned kUserTimeoutMs = 30'000;
static_assert(kFrameHeaderSize == kLengthSize + 1);
static_assert(kDefaultMaxFrame <= kMaxFrameLimit && kMaxFrameLimit < (uint64_t{1} << 32));
static_assert(kHelloSize == kHelloMagic.size() + 4 + 8);

void put_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}
uint32_t get_be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
void put_be64(uint8_t* p, uint64_t v) {
    put_be32(p, static_cast<uint32_t>(v >> 32));
    put_be32(p + 4, static_cast<uint32_t>(v));
}
uint64_t get_be64(const uint8_t* p) {
    return (uint64_t{get_be32(p)} << 32) | get_be32(p + 4);
}

std::shared_ptr<const Bytes> encode_frame(uint8_t type, BytesView payload) {
    auto frame = std::make_shared<Bytes>(kFrameHeaderSize + payload.size());
    put_be32(frame->data(), static_cast<uint32_t>(1 + payload.size()));
    (*frame)[kLengthSize] = type;
    if (!payload.empty()) {
        std::memcpy(frame->data() + kFrameHeaderSize, payload.data(), payload.size());
    }
    return frame;
}

// "host:port" or "[v6]:port".
Result<std::pair<std::string, std::string>, std::string> split_host_port(const std::string& s) {
    const size_t colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
        return unexpected("peer address '" + s + "' is not host:port");
    }
    std::string host = s.substr(0, colon), port = s.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const auto digit = [](unsigned char ch) { return ch >= '0' && ch <= '9'; };
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), digit) || std::stoul(port) == 0 ||
        std::stoul(port) > 65535) {
        return unexpected("peer address '" + s + "': the port is not 1..65535");
    }
    return std::pair{std::move(host), std::move(port)};
}

std::string endpoint_text(const tcp::endpoint& e) {
    std::ostringstream s;
    s << e;
    return s.str();
}

Result<std::string, std::string> read_pem_file(const std::filesystem::path& path,
                                               const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return unexpected(std::string(what) + " " + path.string() + ": cannot be read");
    std::string text(kMaxPemBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxPemBytes) {
        return unexpected(std::string(what) + " " + path.string() + ": larger than 1 MiB");
    }
    return text;
}

// A handler that throws must not take an I/O thread down with it.
template <typename F, typename... Args>
void call_handler(const char* which, const F& f, Args&&... args) {
    if (!f) return;
    try {
        f(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        spdlog::error("p2p: the {} handler threw: {}", which, e.what());
    } catch (...) {
        spdlog::error("p2p: the {} handler threw", which);
    }
}

struct Conn;
struct Dialer;

// The transport's state; Transport::Impl holds one (Conn and Dialer refer to it).
struct Core {
    explicit Core(const Config& c, Handler h)
        : config(c),
          handler(std::move(h)),
          acceptor(asio::make_strand(ioc)),
          accept_timer(acceptor.get_executor()) {}

    const Config config;
    const Handler handler;
    Identity self;
    ssl::context tls{ssl::context::tls};

    std::atomic<bool> stopping{false};
    std::atomic<uint64_t> handshakes_failed{0}, refused_identity{0}, bad_frames{0}, dropped_out{0},
        connections{0}, truncated_frames{0}, duplicates{0}, dials{0};
    std::atomic<PeerId> next_id{1};
    std::atomic<uint64_t> last_stamp{0};

    mutable std::mutex mu;
    std::map<PeerId, std::shared_ptr<Conn>> conns;         // every socket, by id
    std::map<Address, std::shared_ptr<Conn>> by_identity;  // the one kept per identity
    std::vector<std::shared_ptr<Dialer>> dialers;

    // Declared after what connections use: handlers still queued when the io_context is
    // destroyed are destroyed with it.
    asio::io_context ioc;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    tcp::acceptor acceptor;  // on its own strand, with accept_timer
    asio::steady_timer accept_timer;
    std::vector<std::thread> threads;
    uint16_t port = 0;
    std::mutex stop_mu;
    bool stopped = false;  // under stop_mu

    Result<void, std::string> load_tls();
    Result<void, std::string> listen();
    Result<void, std::string> add_dialer(const std::string& host_port);
    void accept();
    void dial(const std::shared_ptr<Dialer>& d);
    void register_conn(const std::shared_ptr<Conn>& c);
    void on_closed(const std::shared_ptr<Conn>& c);
    void on_open(const std::shared_ptr<Conn>& c);
    void schedule_dial(Dialer& d, std::chrono::milliseconds delay);  // holds mu
    uint64_t next_stamp();
    void stop();
};

// An address from Config::peers or dial(), dialled until stop(). State under Core::mu.
struct Dialer : std::enable_shared_from_this<Dialer> {
    enum class State { kWaiting, kDialing, kConnected, kDormant };
    Dialer(Core& i, std::string t, std::string h, std::string p, std::chrono::milliseconds b)
        : impl(i),
          target(std::move(t)),
          host(std::move(h)),
          port(std::move(p)),
          strand(asio::make_strand(i.ioc)),
          timer(strand),
          backoff(b) {}

    Core& impl;
    const std::string target, host, port;
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;  // on strand
    // Under Core::mu.
    State state = State::kWaiting;
    std::optional<Address> peer;  // the identity met at the last handshake
    std::chrono::milliseconds backoff;
    uint64_t generation = 0;  // a timer wait from an older generation does nothing
    bool failure_logged = false;
};

struct Conn : std::enable_shared_from_this<Conn> {
    enum class State { kConnecting, kHandshake, kHello, kWaiting, kOpen, kClosed };

    Conn(Core& i, PeerId peer_id, tcp::socket socket, std::shared_ptr<Dialer> d)
        : impl(i),
          id(peer_id),
          outbound(d != nullptr),
          dialer(std::move(d)),
          stream(std::move(socket), i.tls),
          timer(stream.get_executor()),
          resolver(stream.get_executor()),
          in(kReadChunk) {}

    Core& impl;
    const PeerId id;
    const bool outbound;
    const std::shared_ptr<Dialer> dialer;  // outbound only
    ssl::stream<tcp::socket> stream;       // its executor is the connection's strand
    asio::steady_timer timer;              // the handshake timeout
    tcp::resolver resolver;

    // Strand only.
    State state = State::kConnecting;
    std::string remote;
    std::array<uint8_t, kHelloSize> hello_out{}, hello_in{};
    bool hello_sent = false, hello_received = false;
    Bytes in;  // received bytes not yet delivered: [0, in_len)
    size_t in_len = 0;
    std::vector<std::shared_ptr<const Bytes>> inflight;  // frames of the current write
    Bytes batch;                                         // small inflight frames, coalesced

    // Written on the strand before registration, read-only afterwards.
    Identity identity;
    bool identified = false;  // identity is the peer's (check_peer passed its parsing)
    uint64_t stamp = 0;       // the dialler's connection stamp (from its hello)

    // Under Core::mu: registration (Core::register_conn).
    bool leaving = false;             // close() has begun
    bool committed = false;           // chosen as the identity's connection (open, or about to be)
    std::shared_ptr<Conn> successor;  // waits for this one to close, then opens
    std::weak_ptr<Conn> predecessor;  // the connection this one is the successor of

    // The send queue (any thread).
    std::mutex qmu;
    std::deque<std::shared_ptr<const Bytes>> queue;
    size_t queued_bytes = 0, queued_frames = 0;  // queued and in flight
    bool writing = false, queue_closed = false;

    std::atomic<bool> open{false};
    Clock::time_point connected_at;  // written before open is set
    std::atomic<uint64_t> frames_in{0}, frames_out{0}, bytes_in{0}, bytes_out{0}, dropped_out{0};

    template <typename F>
    void post(F&& f) {
        asio::post(stream.get_executor(), std::forward<F>(f));
    }

    void arm_handshake_timer() {
        timer.expires_after(impl.config.handshake_timeout);
        timer.async_wait([self = shared_from_this()](error_code ec) {
            if (ec || self->state == State::kClosed || self->state == State::kOpen ||
                self->state == State::kWaiting) {
                return;
            }
            const std::string limit =
                std::to_string(self->impl.config.handshake_timeout.count()) + " ms";
            if (self->state == State::kConnecting) {
                // Not connected yet: an unreachable address, a dial failure like a refusal.
                self->resolver.cancel();
                return self->fail_dial("no connection within " + limit);
            }
            self->fail_handshake("no handshake within " + limit);
        });
    }

    void set_socket_options() {
        error_code ec;
        auto& s = stream.next_layer();
        s.set_option(tcp::no_delay(true), ec);
        s.set_option(asio::socket_base::keep_alive(true), ec);
        const int fd = s.native_handle();
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &kKeepIdleSeconds, sizeof kKeepIdleSeconds);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &kKeepIntervalSeconds,
                     sizeof kKeepIntervalSeconds);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kKeepCount, sizeof kKeepCount);
        ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &kUserTimeoutMs, sizeof kUserTimeoutMs);
    }

    // ---- handshake ----

    void start_inbound() {
        error_code ec;
        auto ep = stream.next_layer().remote_endpoint(ec);
        remote = ec ? std::string("?") : endpoint_text(ep);
        set_socket_options();
        arm_handshake_timer();
        handshake(ssl::stream_base::server);
    }

    void start_outbound() {
        remote = dialer->target;
        arm_handshake_timer();
        resolver.async_resolve(
            dialer->host, dialer->port,
            [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                if (self->state == State::kClosed) return;
                if (ec) return self->fail_dial("resolving: " + ec.message());
                asio::async_connect(self->stream.next_layer(), results,
                                    [self](error_code ec2, const tcp::endpoint& ep) {
                                        if (self->state == State::kClosed) return;
                                        if (ec2)
                                            return self->fail_dial("connecting: " + ec2.message());
                                        self->remote = endpoint_text(ep);
                                        self->set_socket_options();
                                        self->handshake(ssl::stream_base::client);
                                    });
            });
    }

    void handshake(ssl::stream_base::handshake_type type) {
        state = State::kHandshake;
        stream.async_handshake(type, [self = shared_from_this()](error_code ec) {
            if (self->state == State::kClosed) return;
            if (ec) {
                // Say why OpenSSL refused the peer's certificate (expired, unknown CA, ...).
                const long v = SSL_get_verify_result(self->stream.native_handle());
                return self->fail_handshake(
                    "TLS handshake: " + ec.message() +
                    (v == X509_V_OK ? ""
                                    : std::string(" (") + X509_verify_cert_error_string(v) + ")"));
            }
            self->check_peer();
        });
    }

    // The peer's certificate chained to the CA (OpenSSL checked that); now its identity.
    void check_peer() {
        auto id = detail::identity_of_x509(SSL_get0_peer_certificate(stream.native_handle()));
        if (!id) return fail_handshake("certificate: " + id.error());
        identity = std::move(*id);
        identified = true;
        if (dialer) {
            std::lock_guard lock(impl.mu);
            dialer->peer = identity.address;
        }
        if (identity.address == impl.self.address) {
            return refuse("claims this node's own identity " + identity.uri());
        }
        if (impl.config.authorize) {
            bool allowed = false;
            try {
                allowed = impl.config.authorize(identity);
            } catch (...) {
                spdlog::error("p2p: the authorize callback threw");
            }
            if (!allowed) return refuse("identity " + identity.uri() + " is not authorised");
        }
        state = State::kHello;
        stamp = outbound ? impl.next_stamp() : 0;
        std::copy(kHelloMagic.begin(), kHelloMagic.end(), hello_out.begin());
        put_be32(hello_out.data() + 4, kProtocolVersion);
        put_be64(hello_out.data() + 8, stamp);
        asio::async_write(stream, asio::buffer(hello_out),
                          [self = shared_from_this()](error_code ec, size_t) {
                              if (self->state != State::kHello) return;
                              if (ec) return self->fail_handshake("hello: " + ec.message());
                              self->hello_sent = true;
                              self->hello_done();
                          });
        asio::async_read(stream, asio::buffer(hello_in),
                         [self = shared_from_this()](error_code ec, size_t) {
                             if (self->state != State::kHello) return;
                             if (ec) return self->fail_handshake("hello: " + ec.message());
                             self->hello_received = true;
                             self->hello_done();
                         });
    }

    void hello_done() {
        if (!hello_sent || !hello_received) return;
        if (!std::equal(kHelloMagic.begin(), kHelloMagic.end(), hello_in.begin())) {
            return fail_handshake("not a Xinlian hello");
        }
        const uint32_t version = get_be32(hello_in.data() + 4);
        if (version != kProtocolVersion) {
            return fail_handshake("protocol version " + std::to_string(version) + ", expected " +
                                  std::to_string(kProtocolVersion));
        }
        if (!outbound) {
            stamp = get_be64(hello_in.data() + 8);
            if (stamp == 0) return fail_handshake("the dialler's hello has no stamp");
        }
        state = State::kWaiting;
        timer.cancel();
        impl.register_conn(shared_from_this());
    }

    void fail_dial(const std::string& why) {
        // Connection refused while a peer restarts is normal: logged once per outage.
        bool log = false;
        {
            std::lock_guard lock(impl.mu);
            log = !std::exchange(dialer->failure_logged, true);
        }
        if (log) spdlog::info("p2p: dialling {}: {} (retrying with backoff)", remote, why);
        close();
    }

    void fail_handshake(const std::string& why) {
        impl.handshakes_failed.fetch_add(1);
        spdlog::warn("p2p: refused {} {}: {}", outbound ? "connection to" : "connection from",
                     remote, why);
        close();
    }

    void refuse(const std::string& why) {
        impl.refused_identity.fetch_add(1);
        spdlog::warn("p2p: refused {} {}: {}", outbound ? "connection to" : "connection from",
                     remote, why);
        close();
    }

    // ---- open: on_connect, then frames ----

    void activate() {
        if (state != State::kWaiting) return;
        state = State::kOpen;
        connected_at = Clock::now();
        open.store(true);
        impl.connections.fetch_add(1);
        impl.on_open(shared_from_this());
        spdlog::info("p2p: connected {} {} ({}, {}), peer {}", outbound ? "to" : "from", remote,
                     identity.uri(), identity.organisation, id);
        call_handler("on_connect", impl.handler.on_connect, id, identity);
        if (state != State::kOpen) return;
        read();
        start_write();
    }

    // Reads at least one byte, or exactly the rest of a large frame.
    void read() {
        size_t want = 0;
        if (in_len >= kLengthSize) want = kLengthSize + get_be32(in.data()) - in_len;
        auto done = [self = shared_from_this()](error_code ec, size_t n) { self->on_read(ec, n); };
        if (want > kReadChunk) {
            asio::async_read(stream, asio::buffer(in.data() + in_len, want), std::move(done));
        } else {
            stream.async_read_some(asio::buffer(in.data() + in_len, in.size() - in_len),
                                   std::move(done));
        }
    }

    void on_read(error_code ec, size_t n) {
        if (state != State::kOpen) return;
        if (ec) {
            if (in_len > 0) {
                impl.truncated_frames.fetch_add(1);
                spdlog::warn("p2p: {} ({}) closed inside a frame ({} bytes of it received)", remote,
                             identity.uri(), in_len);
            } else {
                spdlog::debug("p2p: {} closed: {}", remote, ec.message());
            }
            return close();
        }
        in_len += n;
        size_t pos = 0;
        while (in_len - pos >= kLengthSize) {
            const size_t length = get_be32(in.data() + pos);
            if (length == 0 || length > impl.config.max_frame) {
                impl.bad_frames.fetch_add(1);
                spdlog::warn("p2p: {} ({}) sent a frame of length {} (allowed 1..{}); closing",
                             remote, identity.uri(), length, impl.config.max_frame);
                return close();
            }
            if (in_len - pos - kLengthSize < length) break;
            const uint8_t* frame = in.data() + pos + kLengthSize;
            frames_in.fetch_add(1);
            bytes_in.fetch_add(kLengthSize + length);
            call_handler("on_frame", impl.handler.on_frame, id, identity, frame[0],
                         BytesView(frame + 1, length - 1));
            if (state != State::kOpen) return;
            pos += kLengthSize + length;
        }
        // Keep the unfinished frame at the front; make room for all of it; give back the room
        // of a large frame once it has been delivered.
        if (pos > 0) {
            std::memmove(in.data(), in.data() + pos, in_len - pos);
            in_len -= pos;
        }
        if (in_len >= kLengthSize) {
            const size_t need = kLengthSize + get_be32(in.data());
            if (need > in.size()) in.resize(need);
        } else if (in.size() > kReadChunk) {
            Bytes fresh(kReadChunk);
            std::memcpy(fresh.data(), in.data(), in_len);
            in.swap(fresh);
        }
        read();
    }

    // ---- sending ----

    enum class Enqueue { kQueued, kFull, kGone };

    Enqueue enqueue(const std::shared_ptr<const Bytes>& frame) {
        bool start = false;
        {
            std::lock_guard lock(qmu);
            if (queue_closed) return Enqueue::kGone;
            if (queued_frames + 1 > impl.config.max_queue_frames ||
                queued_bytes + frame->size() > impl.config.max_queue_bytes) {
                const uint64_t dropped = dropped_out.fetch_add(1) + 1;
                impl.dropped_out.fetch_add(1);
                // Logged at the first drop and then at every power of two, not per frame.
                if ((dropped & (dropped - 1)) == 0) {
                    spdlog::warn(
                        "p2p: send queue of {} ({}) full ({} frames, {} bytes): {} "
                        "frame(s) dropped",
                        remote, identity.uri(), queued_frames, queued_bytes, dropped);
                }
                return Enqueue::kFull;
            }
            queue.push_back(frame);
            ++queued_frames;
            queued_bytes += frame->size();
            start = !writing;
            writing = writing || start;
        }
        if (start) post([self = shared_from_this()] { self->write_next(); });
        return Enqueue::kQueued;
    }

    void start_write() {
        {
            std::lock_guard lock(qmu);
            if (writing || queue.empty()) return;
            writing = true;
        }
        write_next();
    }

    // One large frame alone, or small frames coalesced into one buffer: asio's TLS stream
    // writes one buffer per TLS record, so a frame header alone would be a record of its own.
    void write_next() {
        if (state == State::kClosed) return;
        if (state != State::kOpen) {
            // Queued before activate(), which starts the writer itself.
            std::lock_guard lock(qmu);
            writing = false;
            return;
        }
        inflight.clear();
        {
            std::lock_guard lock(qmu);
            if (queue.empty()) {
                writing = false;
                return;
            }
            size_t total = 0;
            while (!queue.empty() &&
                   (inflight.empty() || total + queue.front()->size() <= kWriteBatch)) {
                total += queue.front()->size();
                inflight.push_back(std::move(queue.front()));
                queue.pop_front();
                if (total >= kWriteBatch) break;
            }
        }
        auto done = [self = shared_from_this()](error_code ec, size_t n) {
            self->on_written(ec, n);
        };
        if (inflight.size() == 1) {
            asio::async_write(stream, asio::buffer(*inflight.front()), std::move(done));
            return;
        }
        batch.clear();
        for (const auto& f : inflight)
            batch.insert(batch.end(), f->begin(), f->end());
        asio::async_write(stream, asio::buffer(batch), std::move(done));
    }

    void on_written(error_code ec, size_t n) {
        if (state != State::kOpen) return;
        if (ec) {
            spdlog::debug("p2p: writing to {}: {}", remote, ec.message());
            return close();
        }
        frames_out.fetch_add(inflight.size());
        bytes_out.fetch_add(n);
        {
            std::lock_guard lock(qmu);
            queued_frames -= inflight.size();
            queued_bytes -= n;
        }
        write_next();
    }

    // ---- closing ----

    void close() {
        if (state == State::kClosed) return;
        const bool was_open = state == State::kOpen;
        state = State::kClosed;
        open.store(false);
        {
            std::lock_guard lock(impl.mu);
            leaving = true;
        }
        error_code ec;
        timer.cancel();
        resolver.cancel();
        stream.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        stream.next_layer().close(ec);
        {
            std::lock_guard lock(qmu);
            queue_closed = true;
            queue.clear();
        }
        if (was_open) {
            spdlog::info("p2p: disconnected {} ({}), peer {}", remote, identity.uri(), id);
            call_handler("on_disconnect", impl.handler.on_disconnect, id, identity);
        }
        impl.on_closed(shared_from_this());
    }
};

// Which of two connections to the same identity to keep; both sides decide alike, as both
// know who dialled each connection and its stamp. Connections dialled by different sides (a
// simultaneous dial): the one dialled by the lower address. Dialled by the same side: the
// later stamp, as the other is from before a restart of the dialler.
bool preferred(const Address& self, const Conn& a, const Conn& b) {
    const Address& da = a.outbound ? self : a.identity.address;
    const Address& db = b.outbound ? self : b.identity.address;
    if (da != db) return da < db;
    return a.stamp > b.stamp;
}

}  // namespace

// ---- Core ----

uint64_t Core::next_stamp() {
    // Microseconds of the wall clock, strictly increasing within the process: a dialler that
    // restarts stamps its new connections later than its old ones.
    const auto now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
    uint64_t prev = last_stamp.load();
    uint64_t next = 0;
    do {
        next = std::max(prev + 1, now);
    } while (!last_stamp.compare_exchange_weak(prev, next));
    return next;
}

// One connection per identity. c has passed every check. If the identity has no connection, c
// opens now. If it has one that is closing or that c is preferred to, c becomes its
// successor and opens once that one has closed (so on_disconnect precedes on_connect). Else
// c is a duplicate and closes.
void Core::register_conn(const std::shared_ptr<Conn>& c) {
    std::shared_ptr<Conn> close_old, drop;
    bool open_now = false, duplicate = false;
    {
        std::lock_guard lock(mu);
        if (stopping.load()) {
            duplicate = true;
        } else if (auto it = by_identity.find(c->identity.address); it == by_identity.end()) {
            by_identity.emplace(c->identity.address, c);
            c->committed = true;
            open_now = true;
        } else {
            std::shared_ptr<Conn> old = it->second;
            if (!old->committed) {
                // old waits for its predecessor p to close: c may take its place.
                if (preferred(self.address, *c, *old)) {
                    auto p = old->predecessor.lock();
                    XL_ASSERT(p && p->successor == old);
                    p->successor = c;
                    c->predecessor = p;
                    it->second = c;
                    drop = old;
                } else {
                    duplicate = true;
                }
            } else if (old->leaving || preferred(self.address, *c, *old)) {
                it->second = c;
                old->successor = c;
                c->predecessor = old;
                if (!old->leaving) close_old = old;
            } else {
                duplicate = true;
            }
        }
    }
    if (duplicate) {
        if (!stopping.load()) {
            duplicates.fetch_add(1);
            spdlog::info("p2p: closing a second connection with {} ({}): one is kept", c->remote,
                         c->identity.uri());
        }
        return c->close();
    }
    for (const auto& d : {drop, close_old}) {
        if (!d) continue;
        duplicates.fetch_add(1);
        spdlog::info("p2p: replacing the connection with {} ({}) by a preferred one", d->remote,
                     d->identity.uri());
        d->post([d] { d->close(); });
    }
    if (open_now) c->activate();
}

void Core::on_open(const std::shared_ptr<Conn>& c) {
    std::lock_guard lock(mu);
    for (auto& d : dialers) {
        if (d == c->dialer) {
            d->state = Dialer::State::kConnected;
            d->failure_logged = false;
        } else if (d->peer == c->identity.address && d->state == Dialer::State::kWaiting) {
            // Another connection serves this identity: stop redialling it.
            d->state = Dialer::State::kDormant;
            ++d->generation;
        }
    }
}

void Core::on_closed(const std::shared_ptr<Conn>& c) {
    std::shared_ptr<Conn> next;
    {
        std::lock_guard lock(mu);
        conns.erase(c->id);
        next = std::move(c->successor);
        if (next) {
            next->committed = true;
            next->predecessor.reset();
        }
        auto it = c->identified ? by_identity.find(c->identity.address) : by_identity.end();
        const bool served = it != by_identity.end() && it->second != c;
        if (it != by_identity.end() && it->second == c) by_identity.erase(it);
        if (!stopping.load()) {
            if (Dialer* d = c->dialer.get()) {
                if (served && d->peer == c->identity.address) {
                    d->state = Dialer::State::kDormant;
                } else if (d->peer == self.address) {
                    // The address is this node itself (refused in check_peer): never again.
                    d->state = Dialer::State::kDormant;
                    spdlog::warn("p2p: {} is this node itself; not dialling it again", d->target);
                } else {
                    if (c->committed) d->backoff = config.backoff_min;
                    const auto delay = d->backoff;
                    d->backoff = std::min(d->backoff * 2, config.backoff_max);
                    schedule_dial(*d, delay);
                }
            }
            if (c->committed && !served) {
                // The identity lost its connection: wake the dialers that were resting on it.
                for (auto& d : dialers) {
                    if (d->state == Dialer::State::kDormant && d->peer == c->identity.address) {
                        d->backoff = config.backoff_min;
                        schedule_dial(*d, config.backoff_min);
                    }
                }
            }
        }
    }
    if (next) next->post([next] { next->activate(); });
}

void Core::schedule_dial(Dialer& d, std::chrono::milliseconds delay) {
    d.state = Dialer::State::kWaiting;
    const uint64_t generation = ++d.generation;
    asio::post(d.strand, [this, dp = d.shared_from_this(), delay, generation] {
        if (stopping.load()) return;
        dp->timer.expires_after(delay);
        dp->timer.async_wait([this, dp, generation](error_code ec) {
            if (ec) return;
            {
                std::lock_guard lock(mu);
                if (stopping.load() || dp->state != Dialer::State::kWaiting ||
                    dp->generation != generation) {
                    return;
                }
                dp->state = Dialer::State::kDialing;
            }
            dial(dp);
        });
    });
}

void Core::dial(const std::shared_ptr<Dialer>& d) {
    dials.fetch_add(1);
    auto c =
        std::make_shared<Conn>(*this, next_id.fetch_add(1), tcp::socket(asio::make_strand(ioc)), d);
    {
        std::lock_guard lock(mu);
        if (stopping.load()) return;
        if (conns.size() >= kMaxConnections) {
            spdlog::warn("p2p: not dialling {}: {} connections open", d->target, conns.size());
            const auto delay = d->backoff;
            d->backoff = std::min(d->backoff * 2, config.backoff_max);
            schedule_dial(*d, delay);
            return;
        }
        conns.emplace(c->id, c);
    }
    c->post([c] { c->start_outbound(); });
}

void Core::accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
        if (stopping.load() || !acceptor.is_open()) return;
        if (ec) {
            spdlog::warn("p2p: accept: {}", ec.message());
            accept_timer.expires_after(kAcceptRetry);
            accept_timer.async_wait([this](error_code ec2) {
                if (!ec2 && !stopping.load()) accept();
            });
            return;
        }
        auto c = std::make_shared<Conn>(*this, next_id.fetch_add(1), std::move(socket), nullptr);
        bool admitted = false;
        size_t open_count = 0;
        {
            std::lock_guard lock(mu);
            open_count = conns.size();
            if (!stopping.load() && open_count < kMaxConnections) {
                conns.emplace(c->id, c);
                admitted = true;
            }
        }
        if (admitted) {
            c->post([c] { c->start_inbound(); });
        } else if (!stopping.load()) {
            handshakes_failed.fetch_add(1);
            spdlog::warn("p2p: refused a connection: {} connections open", open_count);
            error_code ignored;
            c->stream.next_layer().close(ignored);
        }
        accept();
    });
}

Result<void, std::string> Core::load_tls() {
    using namespace detail;
    auto ca_pem = read_pem_file(config.ca_cert, "CA certificate");
    if (!ca_pem) return unexpected(ca_pem.error());
    auto cert_pem = read_pem_file(config.cert, "certificate");
    if (!cert_pem) return unexpected(cert_pem.error());
    auto key_pem = read_pem_file(config.key, "key");
    if (!key_pem) return unexpected(key_pem.error());
    X509Ptr ca = parse_certificate(*ca_pem);
    if (!ca) return unexpected("CA certificate " + config.ca_cert.string() + ": not PEM");
    X509Ptr cert = parse_certificate(*cert_pem);
    if (!cert) return unexpected("certificate " + config.cert.string() + ": not PEM");
    PkeyPtr key = parse_private_key(*key_pem);
    if (!key) return unexpected("key " + config.key.string() + ": not a PEM private key");

    SSL_CTX* ctx = tls.native_handle();
    // TLS 1.3 only, mutual authentication, no session tickets (sessions are never resumed).
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
        return unexpected(openssl_error("restricting TLS to 1.3"));
    }
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca.get()) != 1) {
        return unexpected(openssl_error("CA certificate " + config.ca_cert.string()));
    }
    if (SSL_CTX_use_certificate(ctx, cert.get()) != 1) {
        return unexpected(openssl_error("certificate " + config.cert.string()));
    }
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        return unexpected(openssl_error("key " + config.key.string() +
                                        " does not match the certificate " + config.cert.string()));
    }
    tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);

    // Our own certificate must pass the checks peers make: issued by the CA, valid now, for
    // TLS client and server, with an identity.
    for (int purpose : {X509_PURPOSE_SSL_CLIENT, X509_PURPOSE_SSL_SERVER}) {
        std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>> vctx(X509_STORE_CTX_new());
        if (!vctx || X509_STORE_CTX_init(vctx.get(), SSL_CTX_get_cert_store(ctx), cert.get(),
                                         nullptr) != 1) {
            return unexpected(openssl_error("X509_STORE_CTX_init"));
        }
        X509_STORE_CTX_set_purpose(vctx.get(), purpose);
        if (X509_verify_cert(vctx.get()) != 1) {
            const int err = X509_STORE_CTX_get_error(vctx.get());
            ERR_clear_error();
            return unexpected("certificate " + config.cert.string() + " does not verify against " +
                              config.ca_cert.string() + ": " + X509_verify_cert_error_string(err));
        }
    }
    auto id = identity_of_x509(cert.get());
    if (!id) return unexpected("certificate " + config.cert.string() + ": " + id.error());
    self = std::move(*id);
    return {};
}

Result<void, std::string> Core::listen() {
    error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(config.listen_host, std::to_string(config.listen_port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty()) {
        return unexpected("listen address " + config.listen_host + ": " + ec.message());
    }
    const tcp::endpoint ep = *results.begin();
    const std::string where = config.listen_host + ":" + std::to_string(config.listen_port);
    if (acceptor.open(ep.protocol(), ec); ec) {
        return unexpected("listening on " + where + ": " + ec.message());
    }
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor.bind(ep, ec); ec) return unexpected("listening on " + where + ": " + ec.message());
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
        return unexpected("listening on " + where + ": " + ec.message());
    }
    port = acceptor.local_endpoint(ec).port();
    return {};
}

Result<void, std::string> Core::add_dialer(const std::string& host_port) {
    auto hp = split_host_port(host_port);
    if (!hp) return unexpected(hp.error());
    auto d = std::make_shared<Dialer>(*this, host_port, std::move(hp->first), std::move(hp->second),
                                      config.backoff_min);
    std::lock_guard lock(mu);
    if (stopping.load()) return unexpected(std::string("the transport is stopped"));
    dialers.push_back(d);
    d->state = Dialer::State::kDialing;
    asio::post(d->strand, [this, d] { dial(d); });
    return {};
}

void Core::stop() {
    std::lock_guard stop_lock(stop_mu);
    if (stopped) return;
    stopped = true;
    for (const auto& t : threads)
        XL_ASSERT(t.get_id() != std::this_thread::get_id());
    stopping.store(true);
    asio::post(acceptor.get_executor(), [this] {
        error_code ec;
        acceptor.close(ec);
        accept_timer.cancel();
    });
    std::vector<std::shared_ptr<Conn>> open_conns;
    std::vector<std::shared_ptr<Dialer>> all_dialers;
    {
        std::lock_guard lock(mu);
        for (const auto& [id, c] : conns)
            open_conns.push_back(c);
        all_dialers = dialers;
    }
    for (const auto& c : open_conns)
        c->post([c] { c->close(); });
    for (const auto& d : all_dialers)
        asio::post(d->strand, [d] { d->timer.cancel(); });
    work.reset();
    for (auto& t : threads)
        t.join();
    threads.clear();
    // Sockets must go before the io_context that owns them.
    std::lock_guard lock(mu);
    conns.clear();
    by_identity.clear();
    dialers.clear();
}

// ---- Transport ----

struct Transport::Impl {
    Impl(const Config& c, Handler h) : core(c, std::move(h)) {}
    Core core;
};

Transport::Transport() = default;

Transport::~Transport() {
    stop();
}

Result<std::unique_ptr<Transport>, std::string> Transport::start(const Config& config,
                                                                 Handler handler) {
    if (config.max_frame < 1 || config.max_frame > kMaxFrameLimit) {
        return unexpected("max_frame must be 1.." + std::to_string(kMaxFrameLimit));
    }
    if (config.max_queue_frames < 1 || config.max_queue_bytes < kFrameHeaderSize) {
        return unexpected(std::string("the send queue bounds must admit a frame"));
    }
    if (config.io_threads < 1 || config.io_threads > kMaxIoThreads) {
        return unexpected("io_threads must be 1.." + std::to_string(kMaxIoThreads));
    }
    if (config.backoff_min.count() < 1 || config.backoff_max < config.backoff_min) {
        return unexpected(std::string("backoff must satisfy 1 ms <= backoff_min <= backoff_max"));
    }
    if (config.handshake_timeout.count() < 1) {
        return unexpected(std::string("handshake_timeout must be positive"));
    }
    for (const auto& p : config.peers) {
        if (auto hp = split_host_port(p); !hp) return unexpected(hp.error());
    }
    std::unique_ptr<Transport> t(new Transport());
    t->impl_ = std::make_unique<Transport::Impl>(config, std::move(handler));
    Core& impl = t->impl_->core;
    XL_TRY_VOID(impl.load_tls());
    XL_TRY_VOID(impl.listen());
    impl.work.emplace(impl.ioc.get_executor());
    impl.accept();
    for (const auto& p : config.peers)
        XL_TRY_VOID(impl.add_dialer(p));
    for (size_t i = 0; i < config.io_threads; ++i)
        impl.threads.emplace_back([&impl] { impl.ioc.run(); });
    spdlog::info("p2p: listening on {}:{} as {} ({}), dialling {} peer(s)", config.listen_host,
                 impl.port, impl.self.uri(), impl.self.organisation, config.peers.size());
    return t;
}

void Transport::stop() {
    if (impl_) impl_->core.stop();
}

const Identity& Transport::self() const noexcept {
    return impl_->core.self;
}

uint16_t Transport::port() const noexcept {
    return impl_->core.port;
}

bool Transport::send(PeerId peer, uint8_t type, Bytes payload) {
    Core& impl = impl_->core;
    if (1 + payload.size() > impl.config.max_frame) {
        spdlog::error("p2p: not sending a frame of {} bytes (max_frame {})", 1 + payload.size(),
                      impl.config.max_frame);
        impl.dropped_out.fetch_add(1);
        return false;
    }
    std::shared_ptr<Conn> c;
    {
        std::lock_guard lock(impl.mu);
        auto it = impl.conns.find(peer);
        if (it == impl.conns.end() || !it->second->committed) return false;
        c = it->second;
    }
    return c->enqueue(encode_frame(type, payload)) == Conn::Enqueue::kQueued;
}

void Transport::broadcast(uint8_t type, const Bytes& payload, PeerId except) {
    Core& impl = impl_->core;
    if (1 + payload.size() > impl.config.max_frame) {
        spdlog::error("p2p: not broadcasting a frame of {} bytes (max_frame {})",
                      1 + payload.size(), impl.config.max_frame);
        impl.dropped_out.fetch_add(1);
        return;
    }
    std::vector<std::shared_ptr<Conn>> targets;
    {
        std::lock_guard lock(impl.mu);
        for (const auto& [id, c] : impl.conns) {
            if (id != except && c->open.load()) targets.push_back(c);
        }
    }
    if (targets.empty()) return;
    const auto frame = encode_frame(type, payload);
    for (const auto& c : targets)
        c->enqueue(frame);
}

Result<void, std::string> Transport::dial(const std::string& host_port) {
    return impl_->core.add_dialer(host_port);
}

std::vector<PeerInfo> Transport::peers() const {
    const Core& impl = impl_->core;
    std::vector<PeerInfo> out;
    std::lock_guard lock(impl.mu);
    for (const auto& [id, c] : impl.conns) {
        if (!c->open.load()) continue;
        PeerInfo p;
        p.id = id;
        p.identity = c->identity;
        p.remote = c->remote;
        p.outbound = c->outbound;
        p.frames_in = c->frames_in.load();
        p.frames_out = c->frames_out.load();
        p.bytes_in = c->bytes_in.load();
        p.bytes_out = c->bytes_out.load();
        p.dropped_out = c->dropped_out.load();
        p.connected_at = c->connected_at;
        out.push_back(std::move(p));
    }
    return out;
}

Stats Transport::stats() const {
    const Core& impl = impl_->core;
    Stats s;
    s.handshakes_failed = impl.handshakes_failed.load();
    s.refused_identity = impl.refused_identity.load();
    s.bad_frames = impl.bad_frames.load();
    s.dropped_out = impl.dropped_out.load();
    s.connections = impl.connections.load();
    s.truncated_frames = impl.truncated_frames.load();
    s.duplicates = impl.duplicates.load();
    s.dials = impl.dials.load();
    return s;
}

}  // namespace xl::network
