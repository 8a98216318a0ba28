// SPDX-License-Identifier: Apache-2.0
// Xinlian node: ConsensusDriver, the I/O around the sans-I/O consensus engine (DESIGN.md §4,
// §6). One thread owns the Engine and feeds it, in arrival order, from a bounded event queue:
// consensus messages decoded on the transport's I/O threads, timeouts from a steady_clock
// timer heap, and "transactions are waiting" notifications. The engine's actions go out as
// transport frames (Broadcast, SendTo) or into the timer heap (ScheduleTimeout).
//
// Frame types on the transport (docs/spec/network.md, "Payload types"):
//   kFrameConsensus (1): consensus::encode_message (kind byte || message);
//   kFrameTxBatch  (2): RLP list of raw transaction envelopes, at most kMaxGossipTxs of them
//                       and kMaxGossipBytes in all.
// Transaction gossip runs on a second thread so that signature recovery of a peer's batch
// never delays a vote: transactions admitted through RPC (Chain::on_admitted) are batched
// every kGossipInterval or kMaxGossipTxs and broadcast; received batches go through
// Chain::submit_batch (which does not re-gossip), and if any was admitted the engine hears
// on_txs_available().
//
// Bad input is never fatal: a frame that does not decode, of an unknown type, or arriving
// when the queue is full is dropped, counted (DriverStats) and logged at debug level. Local
// events (timeouts, transactions available) are never dropped.
//
// On every new connection, and every kSyncProbe while no height is committed, the driver sends
// its peers a SyncRequest from its own height, so a restarted, new or briefly cut-off node
// catches up even on an idle chain (where no message of a higher height would reveal that it
// is behind). A peer that is not ahead answers nothing.
//
// A halted engine (a storage failure writing the safety record or a block) makes halted()
// true: the node then stops and exits non-zero (Node::failed()).
//
// Thread-safety: start() and stop() from one controlling thread; everything else from any
// thread (handler() is called from the transport's I/O threads).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "consensus/engine.hpp"
#include "network/transport.hpp"
#include "node/chain.hpp"
#include "node/config.hpp"
#include "rpc/jsonrpc.hpp"

namespace xl::node {

inline constexpr uint8_t kFrameConsensus = 1;
inline constexpr uint8_t kFrameTxBatch = 2;
// Transaction gossip batches (both directions).
inline constexpr size_t kMaxGossipTxs = 500;
inline constexpr size_t kMaxGossipBytes = size_t{4} << 20;
inline constexpr std::chrono::milliseconds kGossipInterval{10};
static_assert(kMaxGossipBytes + 64 <= network::kDefaultMaxFrame, "a batch fits one frame");
static_assert(protocol::kMaxTxSize <= kMaxGossipBytes, "any transaction fits a batch");
// Consensus messages waiting for the driver thread; beyond it network messages are dropped.
inline constexpr size_t kMaxQueuedMessages = 10'000;
// Received transaction batches waiting for admission; beyond it they are dropped.
inline constexpr size_t kMaxQueuedTxBatches = 256;
// With no new height for this long, the peers are asked (SyncRequest) whether they are ahead.
inline constexpr std::chrono::milliseconds kSyncProbe{2000};
// How often the peers snapshot for xl_peers is refreshed.
inline constexpr std::chrono::milliseconds kPeersRefresh{500};

struct DriverStats {
    uint64_t messages_in = 0;         // consensus frames decoded and queued
    uint64_t dropped_queue_full = 0;  // consensus frames dropped: queue full
    uint64_t bad_frames = 0;          // consensus or tx-batch frames that did not decode
    uint64_t unknown_frames = 0;      // frame type not kFrameConsensus / kFrameTxBatch
    uint64_t tx_batches_in = 0;
    uint64_t tx_batches_dropped = 0;  // batch queue full
    uint64_t txs_in = 0;              // transactions in received batches
    uint64_t txs_admitted = 0;        // of those, admitted to the pool
    uint64_t tx_batches_out = 0;
    uint64_t txs_out = 0;
};

// The snapshots RPC reads (xl_consensusStatus, xl_peers, net_peerCount). Shared with the
// RpcBackend hooks, so it outlives the driver and the transport. Thread-safe.
class StatusBoard {
public:
    rpc::Json consensus() const;
    rpc::Json peers() const;
    uint64_t peer_count() const;
    void set_consensus(rpc::Json j);
    void set_peers(rpc::Json j, uint64_t count);

private:
    mutable std::mutex mu_;
    rpc::Json consensus_ = rpc::Json::object();
    rpc::Json peers_ = rpc::Json::array();
    uint64_t peer_count_ = 0;
};

// The xl_consensusStatus object of an engine status (docs/node.md).
rpc::Json consensus_status_json(const consensus::Status& s, Role role);
// The xl_peers array of the transport's peers.
rpc::Json peers_json(const std::vector<network::PeerInfo>& peers);
// Frame type 2 payload and back. decode refuses more than kMaxGossipTxs entries, more than
// kMaxGossipBytes, or anything but a list of strings.
Bytes encode_tx_batch(const std::vector<Bytes>& raws);
Result<std::vector<Bytes>, std::string> decode_tx_batch(BytesView payload);

class ConsensusDriver {
public:
    // Builds the engine (not started). chain, app, signer and safety must outlive the driver;
    // signer and safety are null for an observer. Registers a Chain::on_admitted listener
    // (which does nothing once the driver is stopped).
    ConsensusDriver(Chain& chain, consensus::Config config, consensus::ValidatorSet validators,
                    consensus::Application& app, consensus::Signer* signer,
                    consensus::SafetyStore* safety, Role role);
    ~ConsensusDriver();  // stop()
    ConsensusDriver(const ConsensusDriver&) = delete;
    ConsensusDriver& operator=(const ConsensusDriver&) = delete;

    // The transport's handler: decodes frames and queues them. Valid for the driver's life;
    // frames arriving before start() wait in the queue.
    network::Handler handler();
    // Starts the engine and the threads; transport may be null (no peers at all: tests).
    // The transport must outlive stop().
    void start(network::Transport* transport);
    // Joins both threads; the engine gets no more events. Idempotent.
    void stop();

    // "Transactions are waiting": coalesced, never dropped. When the pool holds a full block
    // (Chain::max_block_txs) the engine is also told, so the next round starts without waiting
    // for the rest of the block interval.
    void notify_txs();

    bool halted() const noexcept { return halted_.load(); }
    std::shared_ptr<StatusBoard> board() const { return board_; }
    DriverStats stats() const;

private:
    struct Timer {
        std::chrono::steady_clock::time_point due;
        uint64_t seq = 0;
        consensus::Timeout timeout;
        bool operator>(const Timer& o) const { return due != o.due ? due > o.due : seq > o.seq; }
    };
    struct Inbound {
        consensus::PeerId peer = 0;
        consensus::Message message;
    };

    void on_frame(network::PeerId peer, uint8_t type, BytesView payload);
    void run(std::stop_token st);
    void gossip_run(std::stop_token st);
    void apply(std::vector<consensus::Action> actions);
    // Tells the engine that transactions wait (full: a full block of them), once per height.
    void tell_txs(bool full);
    void publish_status();
    void refresh_peers();
    void on_admitted(const txpool::PoolTxPtr& tx);

    Chain& chain_;
    const crypto::CryptoSuite& suite_;
    std::unique_ptr<consensus::Engine> engine_;  // driver thread only (after start)
    Role role_;
    network::Transport* transport_ = nullptr;
    std::shared_ptr<StatusBoard> board_ = std::make_shared<StatusBoard>();

    // Driver thread's inputs.
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Inbound> queue_;
    bool txs_waiting_ = false;
    bool block_full_ = false;  // told since the driver thread last looked
    // What the engine has already been told at its current height (reset at each new
    // height): once it knows, admissions need not wake the driver thread again (a wake-up
    // per admitted transaction cost a futex call each).
    std::atomic<bool> txs_told_{false};
    std::atomic<bool> full_told_{false};
    std::vector<network::PeerId> connected_;  // to send a SyncRequest to
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;  // thread only
    uint64_t timer_seq_ = 0;
    std::chrono::steady_clock::time_point peers_refreshed_{};

    // Gossip thread's inputs.
    std::mutex gossip_mu_;
    std::condition_variable gossip_cv_;
    std::vector<Bytes> out_txs_;
    size_t out_bytes_ = 0;
    std::chrono::steady_clock::time_point out_since_{};  // first of out_txs_ arrived
    std::deque<std::vector<Bytes>> in_batches_;

    mutable std::mutex stats_mu_;
    DriverStats stats_;

    std::atomic<bool> running_{false};
    std::atomic<bool> halted_{false};
    bool started_ = false;
    std::jthread thread_;
    std::jthread gossip_thread_;
};

}  // namespace xl::node
