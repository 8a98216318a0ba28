// SPDX-License-Identifier: Apache-2.0
// ConsensusDriver: the engine's thread (events, timer heap, actions to frames) and the
// transaction gossip thread; StatusBoard and the xl_consensusStatus / xl_peers JSON.
#include "node/driver.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "codec/rlp.hpp"
#include "core/bytes.hpp"

namespace xl::node {

using Clock = std::chrono::steady_clock;

// ---- StatusBoard and JSON ----

rpc::Json StatusBoard::consensus() const {
    std::lock_guard lk(mu_);
    return consensus_;
}
rpc::Json StatusBoard::peers() const {
    std::lock_guard lk(mu_);
    return peers_;
}
uint64_t StatusBoard::peer_count() const {
    std::lock_guard lk(mu_);
    return peer_count_;
}
void StatusBoard::set_consensus(rpc::Json j) {
    std::lock_guard lk(mu_);
    consensus_ = std::move(j);
}
void StatusBoard::set_peers(rpc::Json j, uint64_t count) {
    std::lock_guard lk(mu_);
    peers_ = std::move(j);
    peer_count_ = count;
}

namespace {

// A vote in the status: null (none received), "nil", or the block hash.
rpc::Json vote_json(const std::optional<Hash256>& v) {
    if (!v) return nullptr;
    if (*v == Hash256{}) return "nil";
    return to_hex(*v);
}

std::string_view role_name(network::Role r) {
    return r == network::Role::kObserver ? "observer" : "validator";
}

}  // namespace

rpc::Json consensus_status_json(const consensus::Status& s, Role role) {
    rpc::Json validators = rpc::Json::array();
    for (const auto& v : s.validators)
        validators.push_back({{"address", to_hex(v.address)},
                              {"power", v.power},
                              {"prevote", vote_json(v.prevote)},
                              {"precommit", vote_json(v.precommit)}});
    const auto& st = s.stats;
    return {{"role", std::string(to_string(role))},
            {"height", s.height},
            {"round", s.round},
            {"step", std::string(consensus::to_string(s.step))},
            {"proposer", to_hex(s.proposer)},
            {"lockedRound", s.locked_round},
            {"validRound", s.valid_round},
            {"validators", std::move(validators)},
            {"halted", s.halted},
            {"haltReason", s.halt_reason},
            {"stats",
             {{"received", st.received},
              {"droppedBadSignature", st.dropped_bad_signature},
              {"droppedNotValidator", st.dropped_not_validator},
              {"droppedWrongProposer", st.dropped_wrong_proposer},
              {"droppedOld", st.dropped_old},
              {"droppedBufferFull", st.dropped_buffer_full},
              {"equivocations", st.equivocations},
              {"invalidBlocks", st.invalid_blocks},
              {"badCertificates", st.bad_certificates}}}};
}

rpc::Json peers_json(const std::vector<network::PeerInfo>& peers) {
    rpc::Json out = rpc::Json::array();
    const auto now = Clock::now();
    for (const auto& p : peers) {
        const auto up =
            std::chrono::duration_cast<std::chrono::seconds>(now - p.connected_at).count();
        out.push_back({{"id", p.id},
                       {"uri", p.identity.uri()},
                       {"address", to_hex(p.identity.address)},
                       {"role", std::string(role_name(p.identity.role))},
                       {"organisation", p.identity.organisation},
                       {"remote", p.remote},
                       {"outbound", p.outbound},
                       {"framesIn", p.frames_in},
                       {"framesOut", p.frames_out},
                       {"bytesIn", p.bytes_in},
                       {"bytesOut", p.bytes_out},
                       {"droppedOut", p.dropped_out},
                       {"connectedSeconds", std::max<int64_t>(up, 0)}});
    }
    return out;
}

Bytes encode_tx_batch(const std::vector<Bytes>& raws) {
    rlp::ListBuilder l;
    for (const auto& r : raws)
        l.add_string(r);
    return l.finish();
}

Result<std::vector<Bytes>, std::string> decode_tx_batch(BytesView payload) {
    if (payload.size() > kMaxGossipBytes + 64)
        return unexpected("batch of " + std::to_string(payload.size()) + " bytes");
    auto list = rlp::open_list(payload);
    if (!list) return unexpected("not an RLP list: " + std::string(to_string(list.error())));
    std::vector<Bytes> out;
    while (!list->empty()) {
        if (out.size() == kMaxGossipTxs)
            return unexpected("more than " + std::to_string(kMaxGossipTxs) + " transactions");
        auto s = list->read_string();
        if (!s)
            return unexpected("entry " + std::to_string(out.size()) + ": " +
                              std::string(to_string(s.error())));
        out.emplace_back(s->begin(), s->end());
    }
    return out;
}

// ---- ConsensusDriver ----

ConsensusDriver::ConsensusDriver(Chain& chain, consensus::Config config,
                                 consensus::ValidatorSet validators, consensus::Application& app,
                                 consensus::Signer* signer, consensus::SafetyStore* safety,
                                 Role role)
    : chain_(chain), suite_(chain.suite()), role_(role) {
    engine_ = std::make_unique<consensus::Engine>(suite_, std::move(config), std::move(validators),
                                                  app, signer, safety);
    chain_.on_admitted([this](const txpool::PoolTxPtr& tx) { on_admitted(tx); });
}

ConsensusDriver::~ConsensusDriver() {
    stop();
}

network::Handler ConsensusDriver::handler() {
    network::Handler h;
    h.on_connect = [this](network::PeerId id, const network::Identity& who) {
        spdlog::debug("consensus: peer {} connected: {}", id, who.uri());
        std::lock_guard lk(mu_);
        peers_refreshed_ = {};  // refresh the xl_peers snapshot at the next wake-up
        if (connected_.size() < kMaxQueuedMessages) connected_.push_back(id);
        cv_.notify_one();
    };
    h.on_disconnect = [this](network::PeerId id, const network::Identity& who) {
        spdlog::debug("consensus: peer {} disconnected: {}", id, who.uri());
        std::lock_guard lk(mu_);
        peers_refreshed_ = {};
        cv_.notify_one();
    };
    h.on_frame = [this](network::PeerId id, const network::Identity&, uint8_t type,
                        BytesView payload) { on_frame(id, type, payload); };
    return h;
}

void ConsensusDriver::on_frame(network::PeerId peer, uint8_t type, BytesView payload) {
    if (type == kFrameConsensus) {
        auto m = consensus::decode_message(payload, suite_);
        if (!m) {
            spdlog::debug("peer {}: consensus frame of {} bytes dropped: {}", peer, payload.size(),
                          protocol::to_string(m.error()));
            std::lock_guard lk(stats_mu_);
            ++stats_.bad_frames;
            return;
        }
        bool dropped = false;
        {
            std::lock_guard lk(mu_);
            if (queue_.size() >= kMaxQueuedMessages) {
                dropped = true;
            } else {
                queue_.push_back(Inbound{peer, std::move(*m)});
                cv_.notify_one();
            }
        }
        std::lock_guard lk(stats_mu_);
        if (dropped) {
            if (stats_.dropped_queue_full++ == 0)
                spdlog::debug("peer {}: consensus queue full, dropping messages", peer);
        } else {
            ++stats_.messages_in;
        }
        return;
    }
    if (type == kFrameTxBatch) {
        auto txs = decode_tx_batch(payload);
        if (!txs) {
            spdlog::debug("peer {}: transaction batch dropped: {}", peer, txs.error());
            std::lock_guard lk(stats_mu_);
            ++stats_.bad_frames;
            return;
        }
        const size_t n = txs->size();
        bool dropped = false;
        {
            std::lock_guard lk(gossip_mu_);
            if (in_batches_.size() >= kMaxQueuedTxBatches) {
                dropped = true;
            } else {
                in_batches_.push_back(std::move(*txs));
                gossip_cv_.notify_one();
            }
        }
        std::lock_guard lk(stats_mu_);
        if (dropped) {
            ++stats_.tx_batches_dropped;
        } else {
            ++stats_.tx_batches_in;
            stats_.txs_in += n;
        }
        return;
    }
    spdlog::debug("peer {}: frame of unknown type {} ({} bytes) dropped", peer, type,
                  payload.size());
    std::lock_guard lk(stats_mu_);
    ++stats_.unknown_frames;
}

void ConsensusDriver::notify_txs() {
    const bool told = txs_told_.load(std::memory_order_acquire);
    if (told && full_told_.load(std::memory_order_acquire)) return;
    const bool full = chain_.pool().size() >= chain_.max_block_txs();
    if (told && !full) return;
    std::lock_guard lk(mu_);
    if (txs_waiting_ && (!full || block_full_)) return;  // the driver will see it anyway
    txs_waiting_ = true;
    block_full_ = block_full_ || full;
    cv_.notify_one();
}

void ConsensusDriver::on_admitted(const txpool::PoolTxPtr& tx) {
    if (!running_.load()) return;
    notify_txs();
    if (!transport_) return;
    std::lock_guard lk(gossip_mu_);
    // The gossip thread wakes for the first transaction (to start the interval) and for a
    // full batch; in between it gathers.
    if (out_txs_.empty()) out_since_ = Clock::now();
    out_txs_.push_back(tx->raw);
    out_bytes_ += tx->raw.size();
    if (out_txs_.size() == 1 || out_txs_.size() >= kMaxGossipTxs || out_bytes_ >= kMaxGossipBytes)
        gossip_cv_.notify_one();
}

DriverStats ConsensusDriver::stats() const {
    std::lock_guard lk(stats_mu_);
    return stats_;
}

void ConsensusDriver::start(network::Transport* transport) {
    if (started_) return;
    started_ = true;
    transport_ = transport;
    running_ = true;
    thread_ = std::jthread([this](std::stop_token st) { run(st); });
    gossip_thread_ = std::jthread([this](std::stop_token st) { gossip_run(st); });
}

void ConsensusDriver::stop() {
    running_ = false;
    if (thread_.joinable()) {
        thread_.request_stop();
        {
            std::lock_guard lk(mu_);
            cv_.notify_all();
        }
        thread_.join();
    }
    if (gossip_thread_.joinable()) {
        gossip_thread_.request_stop();
        {
            std::lock_guard lk(gossip_mu_);
            gossip_cv_.notify_all();
        }
        gossip_thread_.join();
    }
}

void ConsensusDriver::tell_txs(bool full) {
    // Marked before the call: the engine may commit inside it, and the new height resets.
    const uint64_t h = engine_->height();
    if (full) {
        full_told_.store(true, std::memory_order_release);
        apply(engine_->on_block_full());
    } else {
        txs_told_.store(true, std::memory_order_release);
        apply(engine_->on_txs_available());
    }
    if (engine_->height() != h) {
        // Committed inside (a single validator decides at once): that height's news is stale.
        txs_told_.store(false, std::memory_order_release);
        full_told_.store(false, std::memory_order_release);
    }
}

void ConsensusDriver::apply(std::vector<consensus::Action> actions) {
    // Called after every engine call: a halt is seen at once, even by a stop() right after.
    if (engine_->halted() && !halted_.load()) {
        halted_ = true;
        spdlog::critical("consensus halted: {}", engine_->status().halt_reason);
    }
    for (auto& a : actions) {
        if (auto* b = std::get_if<consensus::Broadcast>(&a)) {
            if (transport_)
                transport_->broadcast(kFrameConsensus, consensus::encode_message(b->message));
        } else if (auto* s = std::get_if<consensus::SendTo>(&a)) {
            if (transport_)
                transport_->send(s->peer, kFrameConsensus, consensus::encode_message(s->message));
        } else if (auto* t = std::get_if<consensus::ScheduleTimeout>(&a)) {
            timers_.push(Timer{Clock::now() + t->after, timer_seq_++, t->timeout});
        }
    }
}

void ConsensusDriver::publish_status() {
    rpc::Json j = consensus_status_json(engine_->status(), role_);
    const DriverStats d = stats();
    j["stats"]["driver"] = {{"messagesIn", d.messages_in},
                            {"droppedQueueFull", d.dropped_queue_full},
                            {"badFrames", d.bad_frames},
                            {"unknownFrames", d.unknown_frames},
                            {"txBatchesIn", d.tx_batches_in},
                            {"txBatchesDropped", d.tx_batches_dropped},
                            {"txsIn", d.txs_in},
                            {"txsAdmitted", d.txs_admitted},
                            {"txBatchesOut", d.tx_batches_out},
                            {"txsOut", d.txs_out}};
    board_->set_consensus(std::move(j));
}

void ConsensusDriver::refresh_peers() {
    if (!transport_) return;
    auto peers = transport_->peers();
    const uint64_t n = peers.size();
    board_->set_peers(peers_json(peers), n);
}

void ConsensusDriver::run(std::stop_token st) {
    apply(engine_->start());
    // Transactions already in the pool (a restart, or submitted before start) start a height.
    if (chain_.pool().size() > 0) apply(engine_->on_txs_available());
    publish_status();
    uint64_t probe_height = engine_->height();
    auto progress_at = Clock::now();
    auto probed_at = progress_at;
    while (!st.stop_requested()) {
        std::vector<Inbound> events;
        std::vector<network::PeerId> connected;
        bool txs = false;
        bool full = false;
        bool peers_due = false;
        {
            std::unique_lock lk(mu_);
            const auto wake = [&] {
                return st.stop_requested() || !queue_.empty() || txs_waiting_ ||
                       !connected_.empty() ||
                       (!timers_.empty() && timers_.top().due <= Clock::now());
            };
            auto until = Clock::now() + kPeersRefresh;
            if (!timers_.empty()) until = std::min(until, timers_.top().due);
            if (!wake()) cv_.wait_until(lk, until);
            if (st.stop_requested()) break;
            // Take a bounded slice so that timers are looked at between slices.
            while (!queue_.empty() && events.size() < 256) {
                events.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            txs = std::exchange(txs_waiting_, false);
            full = std::exchange(block_full_, false);
            connected.swap(connected_);
            peers_due = Clock::now() - peers_refreshed_ >= kPeersRefresh;
            if (peers_due) peers_refreshed_ = Clock::now();
        }
        const uint64_t height_before = engine_->height();
        while (!timers_.empty() && timers_.top().due <= Clock::now()) {
            const consensus::Timeout t = timers_.top().timeout;
            timers_.pop();
            // A timeout of a finished height is stale: the engine would ignore it anyway.
            if (t.height < engine_->height()) continue;
            apply(engine_->on_timeout(t));
        }
        for (auto& e : events)
            apply(engine_->on_message(e.peer, e.message));
        if (txs) tell_txs(false);
        if (full) tell_txs(true);
        // A new connection: ask the peer for the blocks from our height on. On an idle chain
        // (no messages of a higher height to notice) this is how a restarted or new node
        // catches up; a peer that is not ahead answers nothing.
        for (network::PeerId p : connected) {
            const protocol::SyncRequest req{engine_->height(), protocol::kMaxSyncBlocks};
            if (transport_) transport_->send(p, kFrameConsensus, consensus::encode_message(req));
        }
        // After a commit, transactions left in the pool are waiting for the next height.
        if (engine_->height() != height_before) {
            // A new height: the engine knows nothing of the pool yet. Reset first, then look,
            // so an admission in between notifies (at worst once too often).
            txs_told_.store(false, std::memory_order_release);
            full_told_.store(false, std::memory_order_release);
            const size_t waiting = chain_.pool().size();
            if (waiting > 0) tell_txs(false);
            if (waiting >= chain_.max_block_txs()) tell_txs(true);
        }
        // An idle chain: ask the peers now and then whether they are ahead (a node that missed
        // the last commit sees no message of a higher height to tell it). A peer at the same
        // height answers nothing; under load heights change and no probe is sent.
        const auto now = Clock::now();
        if (engine_->height() != probe_height) {
            probe_height = engine_->height();
            progress_at = now;
        } else if (now - progress_at >= kSyncProbe && now - probed_at >= kSyncProbe) {
            probed_at = now;
            const protocol::SyncRequest req{probe_height, protocol::kMaxSyncBlocks};
            if (transport_) transport_->broadcast(kFrameConsensus, consensus::encode_message(req));
        }
        publish_status();
        if (peers_due) refresh_peers();
    }
}

void ConsensusDriver::gossip_run(std::stop_token st) {
    while (!st.stop_requested()) {
        std::vector<Bytes> out;
        std::optional<std::vector<Bytes>> in;
        {
            std::unique_lock lk(gossip_mu_);
            // Wait for a received batch, or for outgoing transactions: they gather for one
            // interval after the first of them arrived, or until a batch is full.
            const auto full = [&] {
                return out_txs_.size() >= kMaxGossipTxs || out_bytes_ >= kMaxGossipBytes;
            };
            gossip_cv_.wait(lk, [&] {
                return st.stop_requested() || !in_batches_.empty() || !out_txs_.empty();
            });
            if (in_batches_.empty() && !out_txs_.empty() && !full()) {
                gossip_cv_.wait_until(lk, out_since_ + kGossipInterval, [&] {
                    return st.stop_requested() || !in_batches_.empty() || full();
                });
            }
            const bool out_due =
                !out_txs_.empty() && (full() || Clock::now() >= out_since_ + kGossipInterval);
            if (st.stop_requested()) break;
            if (!in_batches_.empty()) {
                in = std::move(in_batches_.front());
                in_batches_.pop_front();
            }
            if (out_due) {
                // Split at the count and byte limits.
                size_t n = 0, bytes = 0;
                while (n < out_txs_.size() && n < kMaxGossipTxs &&
                       (n == 0 || bytes + out_txs_[n].size() <= kMaxGossipBytes))
                    bytes += out_txs_[n++].size();
                out.assign(std::make_move_iterator(out_txs_.begin()),
                           std::make_move_iterator(out_txs_.begin() + static_cast<ptrdiff_t>(n)));
                out_txs_.erase(out_txs_.begin(), out_txs_.begin() + static_cast<ptrdiff_t>(n));
                out_bytes_ -= bytes;
                out_since_ = Clock::now();  // what is left starts its own interval
            }
        }
        if (!out.empty() && transport_) {
            transport_->broadcast(kFrameTxBatch, encode_tx_batch(out));
            std::lock_guard lk(stats_mu_);
            ++stats_.tx_batches_out;
            stats_.txs_out += out.size();
        }
        if (in) {
            auto results = chain_.submit_batch(*in);
            const auto admitted = static_cast<uint64_t>(std::count_if(
                results.begin(), results.end(), [](const auto& r) { return r.has_value(); }));
            {
                std::lock_guard lk(stats_mu_);
                stats_.txs_admitted += admitted;
            }
            if (admitted > 0) notify_txs();
        }
    }
}

}  // namespace xl::node
