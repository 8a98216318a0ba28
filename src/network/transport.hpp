// SPDX-License-Identifier: Apache-2.0
// Xinlian network: the peer-to-peer transport between consortium nodes (DESIGN.md §6; wire
// format in docs/spec/network.md). TCP with TLS 1.3 and mutual authentication against the
// consortium CA that `xinlian init` creates. A node's certificate binds its organisation (O=)
// and its identity, a SAN URI `xinlian:validator:0x<address>` or `xinlian:observer:0x<address>`
// where the address is the suite address of its consensus (node) key. A peer without a
// certificate of the consortium CA, with an identity the node does not authorise, or claiming
// this node's own identity is refused and logged.
//
// Frames: a 4-byte big-endian length of what follows, a type byte, the payload. The transport
// does not interpret payloads (the node gives them meaning: consensus messages, transaction
// gossip); it only bounds them. Each peer has a bounded send queue: when it is full the frame
// is dropped and counted, so a slow or flooding peer never blocks the others. Dialled peers
// are redialled with exponential backoff. One connection per identity.
//
// Thread-safety: every public method may be called from any thread, stop() (and the
// destructor) except from a handler. Handlers are called from the transport's I/O threads,
// never concurrently for one peer; they must not block for long. For one identity, the
// on_disconnect of a replaced connection returns before the on_connect of its replacement.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace xl::network {

inline constexpr size_t kFrameHeaderSize = 5;
// Largest payload: a block of 32 MiB in a proposal plus its certificate and framing.
inline constexpr size_t kDefaultMaxFrame = size_t{34} << 20;

enum class Role : uint8_t { kValidator, kObserver };

struct Identity {
    Role role = Role::kValidator;
    Address address;           // from the certificate's SAN URI
    std::string organisation;  // the certificate subject's O=
    std::string uri() const;   // "xinlian:validator:0x…"
    friend bool operator==(const Identity&, const Identity&) = default;
};

using PeerId = uint64_t;  // unique for the transport's lifetime; a reconnect gets a new id

struct PeerInfo {
    PeerId id = 0;
    Identity identity;
    std::string remote;  // "host:port"
    bool outbound = false;
    uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0;
    uint64_t dropped_out = 0;  // frames dropped because the send queue was full
    std::chrono::steady_clock::time_point connected_at;
};

struct Stats {
    uint64_t handshakes_failed = 0;  // TLS failed: no or bad certificate, other CA, ...
    uint64_t refused_identity = 0;   // certified but not authorised, or our own identity
    uint64_t bad_frames = 0;         // oversized or zero-length frames (connection closed)
    uint64_t dropped_out = 0;        // frames dropped on full send queues
    uint64_t connections = 0;        // established since start
    uint64_t truncated_frames = 0;   // a connection ended inside a frame
    uint64_t duplicates = 0;         // closed because another connection to the identity was kept
    uint64_t dials = 0;              // outbound connection attempts
};

struct Config {
    std::string listen_host = "127.0.0.1";
    uint16_t listen_port = 0;                  // 0: any free port (port() tells which)
    std::vector<std::string> peers;            // "host:port" to dial and keep dialled
    std::filesystem::path ca_cert, cert, key;  // PEM files
    size_t max_frame = kDefaultMaxFrame;
    size_t max_queue_bytes = size_t{128} << 20;  // per peer
    size_t max_queue_frames = 20'000;            // per peer
    std::chrono::milliseconds handshake_timeout{5000};
    std::chrono::milliseconds backoff_min{100}, backoff_max{5000};
    size_t io_threads = 1;
    // Which certified identities may connect (e.g. the genesis validators and any observer).
    // Unset: any certificate of the CA. Called from the I/O threads, possibly concurrently.
    std::function<bool(const Identity&)> authorize;
};

struct Handler {
    // A peer completed the handshake and was accepted / a peer's connection closed.
    std::function<void(PeerId, const Identity&)> on_connect;
    std::function<void(PeerId, const Identity&)> on_disconnect;
    // One frame from a peer.
    std::function<void(PeerId, const Identity&, uint8_t type, BytesView payload)> on_frame;
};

class Transport {
public:
    // Loads the CA, certificate and key (an error names the file and what is wrong, e.g. a
    // certificate not issued by the CA, or without an identity URI), listens, starts dialling.
    static Result<std::unique_ptr<Transport>, std::string> start(const Config& config,
                                                                 Handler handler);
    ~Transport();  // stop()
    void stop();   // closes every connection; no handler runs after it returns

    const Identity& self() const noexcept;
    uint16_t port() const noexcept;
    // Queues a frame for one peer / every connected peer (but `except`); false if the peer is
    // gone, or (counted in dropped_out) if its queue is full or 1 + payload exceeds max_frame.
    bool send(PeerId peer, uint8_t type, Bytes payload);
    void broadcast(uint8_t type, const Bytes& payload, PeerId except = 0);
    // Adds "host:port" to the addresses dialled and kept dialled (as Config::peers); an
    // error if it does not parse or the transport is stopped.
    Result<void, std::string> dial(const std::string& host_port);
    std::vector<PeerInfo> peers() const;
    Stats stats() const;

    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

private:
    Transport();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The identity in a PEM certificate (the SAN URI and O=), for `xinlian` commands and tests.
Result<Identity, std::string> identity_of_certificate(const std::string& pem);

}  // namespace xl::network
