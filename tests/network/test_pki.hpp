// SPDX-License-Identifier: Apache-2.0
// Test helpers for the network tests: a consortium CA in a temporary directory that issues
// node certificates into files (network/certs.hpp), a recording Handler whose waits end on
// events (never on time, except a generous deadline that fails the test), and a raw client
// that speaks plain TCP or TLS 1.3 with OpenSSL directly, to misbehave in ways a Transport
// never does. Single test thread; Events is fed from the transport's I/O threads.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/random.hpp"
#include "network/certs.hpp"
#include "network/transport.hpp"
#include "storage/test_util.hpp"

namespace xl::network::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every wait in these tests: long enough never to fail on a slow or loaded machine.
inline constexpr auto kWait = std::chrono::seconds(60);

// For conditions no handler reports (counters): polls until pred() holds; false after kWait.
template <typename Pred>
bool eventually(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

inline void write_file(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << p;
}

inline Identity make_identity(Role role, const std::string& organisation) {
    return Identity{role, crypto::random_fixed<20>(), organisation};
}

// A CA and its files; certificates issued into the same directory.
class Pki {
public:
    explicit Pki(const std::string& ca_name = "Xinlian test CA") {
        auto ca = make_ca(ca_name, "Xinlian consortium");
        EXPECT_TRUE(ca) << ca.error();
        ca_ = *ca;
        ca_file_ = dir_.path() / "ca.crt";
        write_file(ca_file_, ca_.cert_pem);
    }

    const fs::path& ca_file() const { return ca_file_; }
    const KeyAndCert& ca() const { return ca_; }

    // Issues a certificate for id into files NAME.crt and NAME.key.
    struct Files {
        fs::path cert, key;
        KeyAndCert pem;
    };
    Files issue(const Identity& id, const std::string& name, const CertOptions& options = {}) {
        auto kc = issue_certificate(ca_, id, name, options);
        EXPECT_TRUE(kc) << kc.error();
        Files f{dir_.path() / (name + ".crt"), dir_.path() / (name + ".key"), *kc};
        write_file(f.cert, kc->cert_pem);
        write_file(f.key, kc->key_pem);
        return f;
    }

    // A transport configuration for id: its certificate, this CA, short backoff for tests.
    Config config(const Identity& id, const std::string& name) {
        Files f = issue(id, name);
        Config c;
        c.ca_cert = ca_file_;
        c.cert = f.cert;
        c.key = f.key;
        c.backoff_min = 5ms;
        c.backoff_max = 100ms;
        c.handshake_timeout = 20s;
        return c;
    }

private:
    xl::test::TempDir dir_;
    KeyAndCert ca_;
    fs::path ca_file_;
};

// Records what a transport reports; tests wait on it.
class Events {
public:
    struct Frame {
        PeerId peer;
        Identity from;
        uint8_t type;
        Bytes payload;
    };

    Handler handler() {
        Handler h;
        h.on_connect = [this](PeerId id, const Identity& who) {
            std::lock_guard lock(mu_);
            connected_[id] = who;
            ++connects_;
            cv_.notify_all();
        };
        h.on_disconnect = [this](PeerId id, const Identity&) {
            std::lock_guard lock(mu_);
            EXPECT_EQ(connected_.erase(id), 1u) << "on_disconnect without on_connect";
            disconnected_.push_back(id);
            cv_.notify_all();
        };
        h.on_frame = [this](PeerId id, const Identity& who, uint8_t type, BytesView payload) {
            std::lock_guard lock(mu_);
            EXPECT_TRUE(connected_.count(id)) << "a frame from a peer not connected";
            frames_.push_back(Frame{id, who, type, Bytes(payload.begin(), payload.end())});
            cv_.notify_all();
        };
        return h;
    }

    // Waits until pred() (called under the lock) holds; false after kWait.
    template <typename Pred>
    bool wait(Pred pred) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, kWait, [&] { return pred(); });
    }

    // The peer id of the connected peer with this address; waits for it.
    PeerId wait_connected(const Address& a) {
        PeerId found = 0;
        wait([&] {
            for (const auto& [id, who] : connected_) {
                if (who.address == a) found = id;
            }
            return found != 0;
        });
        return found;
    }
    bool wait_disconnected(PeerId id) {
        return wait([&] {
            return std::find(disconnected_.begin(), disconnected_.end(), id) != disconnected_.end();
        });
    }
    bool wait_frames(size_t n) {
        return wait([&] { return frames_.size() >= n; });
    }

    // Accessors for use inside wait() predicates (already locked) or after waits.
    std::map<PeerId, Identity>& connected_locked() { return connected_; }
    std::vector<Frame> frames() {
        std::lock_guard lock(mu_);
        return frames_;
    }
    size_t connects() {
        std::lock_guard lock(mu_);
        return connects_;
    }
    std::map<PeerId, Identity> connected() {
        std::lock_guard lock(mu_);
        return connected_;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<PeerId, Identity> connected_;
    std::vector<PeerId> disconnected_;
    std::vector<Frame> frames_;
    size_t connects_ = 0;
};

// A blocking client on 127.0.0.1 for misbehaviour: plain TCP, or TLS 1.3 with an optional
// client certificate; reads time out after kWait so a hung test fails.
class RawClient {
public:
    explicit RawClient(uint16_t port) {
        ::signal(SIGPIPE, SIG_IGN);  // writes to a socket the server closed fail with EPIPE
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{static_cast<time_t>(kWait.count()), 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        EXPECT_TRUE(connected_) << "connect to 127.0.0.1:" << port;
    }
    ~RawClient() {
        if (ssl_) SSL_free(ssl_);
        if (ctx_) SSL_CTX_free(ctx_);
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    // The TLS handshake (TLS 1.3, the server not verified); with files, a client certificate.
    // In TLS 1.3 the client may finish before the server has judged its certificate, so a
    // refusal can show only on the next read.
    bool tls(const Pki::Files* files) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
        if (files) {
            EXPECT_EQ(SSL_CTX_use_certificate_file(ctx_, files->cert.c_str(), SSL_FILETYPE_PEM), 1);
            EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx_, files->key.c_str(), SSL_FILETYPE_PEM), 1);
        }
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        const bool ok = SSL_connect(ssl_) == 1;
        ERR_clear_error();
        return ok;
    }

    // The dialler's hello (docs/spec/network.md), then the server's hello.
    bool hello() {
        uint8_t h[16] = {'X', 'L', 'N', 'K', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7};
        if (!write(BytesView(h, sizeof h))) return false;
        Bytes got = read_exactly(16);
        return got.size() == 16 && got[0] == 'X' && got[3] == 'K';
    }

    bool write(BytesView b) {
        size_t done = 0;
        while (done < b.size()) {
            const int n =
                ssl_
                    ? SSL_write(ssl_, b.data() + done, static_cast<int>(b.size() - done))
                    : static_cast<int>(::send(fd_, b.data() + done, b.size() - done, MSG_NOSIGNAL));
            if (n <= 0) {
                ERR_clear_error();
                return false;
            }
            done += static_cast<size_t>(n);
        }
        return true;
    }

    Bytes read_exactly(size_t n) {
        Bytes out(n);
        size_t done = 0;
        while (done < n) {
            const int r = read_some(out.data() + done, n - done);
            if (r <= 0) break;
            done += static_cast<size_t>(r);
        }
        out.resize(done);
        return out;
    }

    // Reads and discards until the server closes the connection (true) or the read times out
    // (false). Whatever ends TLS reading (an alert, an EOF, a failed handshake) is not yet the
    // server's close: the socket itself is drained until its end.
    bool closed_by_peer() {
        uint8_t buf[4096];
        while (ssl_ && SSL_read(ssl_, buf, sizeof buf) > 0) {
        }
        ERR_clear_error();
        for (;;) {
            const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
            if (r > 0) continue;
            if (r == 0) return true;
            return errno != EAGAIN && errno != EWOULDBLOCK;
        }
    }

    void close() {
        if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    }

private:
    int read_some(uint8_t* p, size_t n) {
        if (!ssl_) return static_cast<int>(::recv(fd_, p, n, 0));
        const int r = SSL_read(ssl_, p, static_cast<int>(n));
        ERR_clear_error();
        return r > 0 ? r : 0;
    }

    int fd_ = -1;
    bool connected_ = false;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
};

inline Bytes frame_header(uint32_t length, uint8_t type) {
    return Bytes{static_cast<uint8_t>(length >> 24), static_cast<uint8_t>(length >> 16),
                 static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length), type};
}

inline std::string peer_address(uint16_t port) {
    return "127.0.0.1:" + std::to_string(port);
}

}  // namespace xl::network::test
