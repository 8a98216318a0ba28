// SPDX-License-Identifier: Apache-2.0
// The consensus simulator (sim.hpp; docs/spec/consensus-sim.md): scenario parameters from a
// seed, the virtual-time scheduler, the simulated network, crash-restart, Byzantine wrappers
// around engines, and the checks of every run.
#include "sim/sim.hpp"

#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <tuple>
#include <utility>

#include "consensus/engine.hpp"
#include "crypto/suite.hpp"
#include "protocol/consensus.hpp"
#include "sim/fake_suite.hpp"
#include "sim/toy_app.hpp"

namespace xl::sim {

namespace {

using consensus::Message;
using MessagePtr = std::shared_ptr<const Message>;
using protocol::Proposal;
using protocol::Vote;
using protocol::VoteType;
using SafetyStep = consensus::SafetyRecord::Step;

constexpr uint64_t kChainId = 7001;
// Received messages a Byzantine node keeps to replay later.
constexpr size_t kReplayBuffer = 64;
// Votes a flooding Byzantine node sends per tick.
constexpr int kFloodVotes = 100;
// Violations recorded before a run stops (the first one is what matters).
constexpr size_t kMaxViolations = 8;

// ---- what a run crashes with: printed by the SIGABRT handler (an XL_ASSERT in the engine) ----

char g_current_run[256] = "no simulation running\n";

extern "C" void on_abort(int) {
    const char prefix[] = "\n[ sim      ] aborted during: ";
    (void)!::write(2, prefix, sizeof(prefix) - 1);
    (void)!::write(2, g_current_run, std::strlen(g_current_run));
    std::signal(SIGABRT, SIG_DFL);
    std::raise(SIGABRT);
}

void install_abort_handler() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGABRT, on_abort); });
}

// ---- randomness: one seeded generator per run; modulo draws so replays do not depend on the
// standard library's distributions ----

class Rng {
public:
    explicit Rng(uint64_t seed) : g_(seed) {}
    uint64_t next() { return g_(); }
    uint64_t below(uint64_t n) { return n == 0 ? 0 : g_() % n; }
    uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
    bool permille(uint64_t p) { return below(1000) < p; }
    Hash256 hash() {
        Hash256 h;
        for (size_t i = 0; i < 32; i += 8) {
            const uint64_t v = g_();
            std::memcpy(h.data() + i, &v, 8);
        }
        return h;
    }

private:
    std::mt19937_64 g_;
};

// ---- scenario parameters ----

// What a Byzantine validator does (bits); its engine runs honestly underneath and these act on
// its outputs or add messages of their own, always signed with its own key.
enum Behaviour : uint32_t {
    kEquivocate = 1u << 0,      // its proposals: a second valid block to a random part of peers
    kInvalidBlock = 1u << 1,    // its proposals: half of them with a wrong state root
    kDoubleVote = 1u << 2,      // its votes: a conflicting vote to a random part of peers
    kUnknownVotes = 1u << 3,    // votes for blocks nobody has
    kFutureMessages = 1u << 4,  // votes and proposals for future heights and rounds
    kBadFinalized = 1u << 5,    // FinalizedBlocks with bad certificates
    kReplay = 1u << 6,          // replays messages it received earlier
    kSyncSpam = 1u << 7,        // SyncRequests of old heights
    kSilent = 1u << 8,          // sends nothing at all
    kFlood = 1u << 9,           // hundreds of validly signed votes of future rounds per tick
};
constexpr uint32_t kNoisyBehaviours = (1u << 8) - 1;

struct Partition {
    uint64_t from_ms = 0;
    uint64_t to_ms = 0;
    std::vector<uint8_t> side;  // per node; different sides cannot talk
};

struct CrashWindow {
    uint32_t node = 0;
    uint64_t down_ms = 0;
    uint64_t up_ms = 0;
    bool lose_outbox = false;  // its undelivered messages die with it (kernel buffers)
};

struct Params {
    std::string_view suite = "fast";  // fast | ecdsa | sm
    size_t validators = 4;
    size_t observers = 0;
    std::vector<uint64_t> powers;     // per validator
    std::vector<uint32_t> byzantine;  // per validator, Behaviour bits; 0 = honest
    uint64_t loss_permille = 0;       // in the safety phase only
    uint64_t dup_permille = 0;
    uint64_t delay_min_ms = 1;
    uint64_t delay_max_ms = 50;
    uint64_t spike_permille = 0;  // a delay of up to spike_max_ms more: reordering
    uint64_t spike_max_ms = 2000;
    uint64_t codec_permille = 100;  // honest messages through encode/decode
    uint64_t heal_ms = 3000;        // the safety phase ends: all faults but Byzantine stop
    std::vector<Partition> partitions;
    std::vector<CrashWindow> crashes;
    uint64_t tx_interval_ms = 0;  // > 0: on_txs_available to a random node this often
    consensus::Config config;

    size_t nodes() const { return validators + observers; }
};

size_t byzantine_limit(size_t n) {
    return (n - 1) / 3;
}

void add_network_faults(Params& p, Rng& r, uint64_t max_loss) {
    p.loss_permille = r.between(0, max_loss);
    p.dup_permille = r.between(0, 150);
    p.delay_min_ms = r.between(1, 10);
    p.delay_max_ms = r.between(p.delay_min_ms + 10, 200);
    p.spike_permille = r.between(0, 30);
}

void add_partitions(Params& p, Rng& r, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        Partition part;
        part.from_ms = r.below(p.heal_ms - 500);
        part.to_ms = r.between(part.from_ms + 100, p.heal_ms);
        part.side.resize(p.nodes());
        switch (r.below(3)) {
            case 0:  // isolate one node
                part.side[r.below(p.nodes())] = 1;
                break;
            case 1:  // two random sides
                for (auto& s : part.side)
                    s = static_cast<uint8_t>(r.below(2));
                break;
            default:  // three random sides
                for (auto& s : part.side)
                    s = static_cast<uint8_t>(r.below(3));
                break;
        }
        p.partitions.push_back(std::move(part));
    }
}

void add_crashes(Params& p, Rng& r, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        CrashWindow c;
        c.node = static_cast<uint32_t>(r.below(p.nodes()));
        c.down_ms = r.below(p.heal_ms - 200);
        c.up_ms = r.between(c.down_ms + 1, p.heal_ms);
        c.lose_outbox = r.permille(500);
        p.crashes.push_back(c);
    }
}

// Every node goes down at the same instant (a power cut across the consortium) and each comes
// back after its own delay of up to 3 s.
void add_blackouts(Params& p, Rng& r, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        const uint64_t down = r.below(p.heal_ms - 3500);
        for (uint32_t n = 0; n < p.nodes(); ++n)
            p.crashes.push_back({n, down, down + r.between(1, 3000), r.permille(500)});
    }
}

uint32_t random_behaviour(Rng& r) {
    if (r.permille(100)) return kSilent;
    uint32_t b = static_cast<uint32_t>(r.next()) & kNoisyBehaviours;
    if (b == 0) b = kEquivocate | kDoubleVote;
    return r.permille(100) ? b | kFlood : b;
}

// f = (n - 1) / 3 Byzantine validators (equal powers).
void add_byzantine(Params& p, Rng& r) {
    std::vector<size_t> order(p.validators);
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1], order[r.below(i)]);
    for (size_t i = 0; i < byzantine_limit(p.validators); ++i)
        p.byzantine[order[i]] = random_behaviour(r);
}

std::optional<Params> make_params(std::string_view scenario, Rng& r) {
    Params p;
    p.validators = r.permille(500) ? 4 : 7;
    p.observers = r.permille(250) ? 1 : 0;
    const std::string_view s = scenario;
    if (s == "calm") {
        p.delay_max_ms = r.between(5, 100);
        p.heal_ms = r.between(2000, 6000);
    } else if (s == "lossy") {
        p.heal_ms = r.between(8000, 30000);
        add_network_faults(p, r, 350);
    } else if (s == "partition") {
        p.heal_ms = r.between(10000, 40000);
        add_network_faults(p, r, 50);
        add_partitions(p, r, r.between(1, 4));
    } else if (s == "crash") {
        p.heal_ms = r.between(10000, 40000);
        add_network_faults(p, r, 50);
        add_crashes(p, r, r.between(1, 2 * p.nodes()));
    } else if (s == "byzantine") {
        p.heal_ms = r.between(8000, 30000);
        add_network_faults(p, r, 100);
    } else if (s == "chaos") {
        p.heal_ms = r.between(15000, 45000);
        add_network_faults(p, r, 250);
        add_partitions(p, r, r.between(0, 3));
        add_crashes(p, r, r.between(0, 4));
    } else if (s == "solo") {
        p.validators = 1;
        p.heal_ms = r.between(4000, 15000);
        add_network_faults(p, r, 100);
        add_crashes(p, r, r.between(1, 3));
        if (r.permille(500)) p.tx_interval_ms = r.between(100, 1500);
    } else if (s == "txs") {
        p.heal_ms = r.between(6000, 20000);
        add_network_faults(p, r, 100);
        add_crashes(p, r, r.between(0, 2));
        p.tx_interval_ms = r.between(100, 2000);
    } else if (s == "blackout") {
        p.heal_ms = r.between(8000, 30000);
        add_network_faults(p, r, 100);
        add_blackouts(p, r, r.between(1, 3));
    } else if (s == "weighted") {
        p.validators = r.between(4, 7);
        p.heal_ms = r.between(8000, 30000);
        add_network_faults(p, r, 150);
        add_partitions(p, r, r.between(0, 1));
        add_crashes(p, r, r.between(0, 1));
    } else if (s == "ecdsa" || s == "sm") {
        p.suite = s;
        p.validators = 4;
        p.heal_ms = r.between(3000, 6000);
        add_network_faults(p, r, 150);
        add_crashes(p, r, r.between(0, 1));
    } else {
        return std::nullopt;
    }
    p.powers.assign(p.validators, 1);
    p.byzantine.assign(p.validators, 0);
    if (s == "weighted") {
        uint64_t total = 0;
        for (auto& w : p.powers)
            total += (w = r.between(1, 10));
        // Byzantine validators while their power stays below a third.
        uint64_t byz = 0;
        for (size_t i = 0; i < p.validators; ++i) {
            if (r.permille(400) && (byz + p.powers[i]) * 3 < total) {
                byz += p.powers[i];
                p.byzantine[i] = random_behaviour(r);
            }
        }
    } else if (s == "byzantine" || s == "chaos" || s == "ecdsa") {
        add_byzantine(p, r);
    }
    p.config.chain_id = kChainId;
    // A lone validator with no block interval would commit forever at one virtual instant.
    p.config.block_interval =
        std::chrono::milliseconds(r.between(p.validators == 1 ? 1 : 0, 3) * 100);
    p.config.wait_for_txs = p.tx_interval_ms > 0;
    return p;
}

// ---- small helpers ----

std::string short_hex(const Hash256& h) {
    return to_hex(h).substr(0, 10);
}

std::string describe(const Message& m, const crypto::CryptoSuite& suite) {
    if (const auto* p = std::get_if<Proposal>(&m))
        return "proposal h=" + std::to_string(p->height) + " r=" + std::to_string(p->round) +
               " vr=" + std::to_string(p->valid_round) + " " +
               short_hex(p->block.header.hash(suite));
    if (const auto* v = std::get_if<Vote>(&m))
        return std::string(v->type == VoteType::kPrevote ? "prevote" : "precommit") +
               " h=" + std::to_string(v->height) + " r=" + std::to_string(v->round) + " " +
               (v->is_nil() ? std::string("nil") : short_hex(v->block_hash));
    if (const auto* f = std::get_if<protocol::FinalizedBlock>(&m))
        return "finalized h=" + std::to_string(f->block.header.number);
    const auto& q = std::get<protocol::SyncRequest>(m);
    return "sync-request from " + std::to_string(q.height) + " count " + std::to_string(q.count);
}

uint64_t fnv(uint64_t h, uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 1099511628211ull;
    }
    return h;
}

const char* step_name(SafetyStep s) {
    switch (s) {
        case SafetyStep::kPropose:
            return "proposal";
        case SafetyStep::kPrevote:
            return "prevote";
        case SafetyStep::kPrecommit:
            return "precommit";
        default:
            return "none";
    }
}

// ---- the simulation ----

class Simulation {
public:
    Simulation(std::string_view scenario, uint64_t seed, Params params, const RunOptions& options);
    RunResult run();

private:
    enum class EventKind : uint8_t {
        kDeliver,
        kTimeout,
        kCrash,
        kRestart,
        kHeal,
        kByzantineTick,
        kTxs
    };
    struct Event {
        uint64_t time_ms = 0;
        uint64_t seq = 0;
        EventKind kind = EventKind::kDeliver;
        uint32_t node = 0;
        uint32_t from = 0;
        uint64_t incarnation = 0;  // of node (timers) or of from (deliveries)
        bool lose_outbox = false;  // kCrash
        MessagePtr message;
        consensus::Timeout timeout;
    };
    struct Later {
        bool operator()(const Event& a, const Event& b) const {
            return std::tie(a.time_ms, a.seq) > std::tie(b.time_ms, b.seq);
        }
    };
    struct Node {
        uint32_t index = 0;
        bool validator = false;
        uint32_t byzantine = 0;
        crypto::SecretKey secret;
        Address address;
        std::unique_ptr<ToyApp> app;
        std::unique_ptr<SimSafetyStore> safety;
        std::unique_ptr<SimSigner> signer;
        std::unique_ptr<consensus::Engine> engine;  // null while crashed
        uint64_t incarnation = 0;
        std::set<uint64_t> lost_outboxes;  // incarnations whose undelivered messages died
        std::vector<MessagePtr> seen;      // Byzantine: received messages to replay
        Hash256 alt_hash;                  // Byzantine: its last equivocating block
        bool honest() const { return byzantine == 0; }
    };

    const crypto::CryptoSuite& pick_suite();
    void push(Event e);
    void fail(std::string what);
    bool tracing() const { return options_.trace != nullptr; }
    void trace(const std::string& line);
    void start_engine(Node& n);
    void after_call(Node& n);
    void apply(Node& n, std::vector<consensus::Action> actions);
    void handle(const Event& e);
    void heal();
    bool connected(uint32_t a, uint32_t b, uint64_t t) const;
    void send(Node& from, uint32_t to, const MessagePtr& m);
    MessagePtr through_codec(const Node& from, const Message& m);
    void check_signed(Node& n, const Message& m);
    void on_commit(uint32_t node, uint64_t height, const Hash256& hash);
    bool live() const;
    std::vector<uint32_t> peers_of(const Node& n) const;
    void sign_vote(Node& n, Vote& v);
    void sign_proposal(Node& n, Proposal& p);
    void byzantine_out(Node& n, const MessagePtr& m, std::optional<uint32_t> only);
    void byzantine_tick(Node& n);
    std::string summary() const;

    std::string scenario_;
    uint64_t seed_;
    Params params_;
    RunOptions options_;
    Rng rng_;
    FastSuite fast_;
    const crypto::CryptoSuite& suite_;
    std::unique_ptr<consensus::ValidatorSet> validators_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::priority_queue<Event, std::vector<Event>, Later> queue_;
    uint64_t seq_ = 0;
    uint64_t now_ = 0;
    uint64_t events_ = 0;
    uint64_t digest_ = 14695981039346656037ull;
    bool healed_ = false;
    bool stop_ = false;
    bool live_ = false;
    uint64_t target_height_ = 0;
    uint64_t deadline_ms_ = 0;
    uint64_t delivered_ = 0;
    uint64_t lost_ = 0;
    std::vector<std::string> violations_;
    // Agreement: the block decided at each height and the first honest node that committed it.
    std::map<uint64_t, std::pair<Hash256, uint32_t>> decided_;
    // No honest double signing: (node, height, round, step) -> what it signed.
    std::map<std::tuple<uint32_t, uint64_t, uint32_t, uint8_t>, Hash256> signed_;
};

Simulation::Simulation(std::string_view scenario, uint64_t seed, Params params,
                       const RunOptions& options)
    : scenario_(scenario),
      seed_(seed),
      params_(std::move(params)),
      options_(options),
      rng_(seed ^ 0x9e3779b97f4a7c15ull),
      suite_(pick_suite()) {}

const crypto::CryptoSuite& Simulation::pick_suite() {
    if (params_.suite == "ecdsa") return crypto::ecdsa_suite();
    if (params_.suite == "sm") return crypto::sm_suite();
    return fast_;
}

void Simulation::push(Event e) {
    e.seq = seq_++;
    queue_.push(std::move(e));
}

void Simulation::fail(std::string what) {
    trace("VIOLATION " + what);
    if (violations_.size() < kMaxViolations)
        violations_.push_back("at " + std::to_string(now_) + " ms: " + std::move(what));
    stop_ = true;
}

void Simulation::trace(const std::string& line) {
    if (tracing())
        std::fprintf(options_.trace, "%9llu ms  %s\n", static_cast<unsigned long long>(now_),
                     line.c_str());
}

void Simulation::start_engine(Node& n) {
    n.engine = std::make_unique<consensus::Engine>(suite_, params_.config, *validators_, *n.app,
                                                   n.signer.get(), n.safety.get());
    if (tracing())
        trace("node " + std::to_string(n.index) + " starts at height " +
              std::to_string(n.app->committed_height() + 1));
    auto actions = n.engine->start();
    after_call(n);
    apply(n, std::move(actions));
}

void Simulation::after_call(Node& n) {
    if (n.honest() && n.engine && n.engine->halted())
        fail("node " + std::to_string(n.index) + " halted: " + n.engine->status().halt_reason);
}

std::vector<uint32_t> Simulation::peers_of(const Node& n) const {
    std::vector<uint32_t> out;
    for (uint32_t j = 0; j < nodes_.size(); ++j)
        if (j != n.index) out.push_back(j);
    return out;
}

void Simulation::apply(Node& n, std::vector<consensus::Action> actions) {
    for (auto& a : actions) {
        if (auto* b = std::get_if<consensus::Broadcast>(&a)) {
            check_signed(n, b->message);
            auto m = std::make_shared<const Message>(std::move(b->message));
            if (!n.honest()) {
                byzantine_out(n, m, std::nullopt);
                continue;
            }
            for (uint32_t j : peers_of(n))
                send(n, j, m);
        } else if (auto* s = std::get_if<consensus::SendTo>(&a)) {
            if (s->peer >= nodes_.size() || s->peer == n.index) {
                fail("node " + std::to_string(n.index) + " sends to unknown peer " +
                     std::to_string(s->peer));
                continue;
            }
            check_signed(n, s->message);
            auto m = std::make_shared<const Message>(std::move(s->message));
            if (!n.honest()) {
                byzantine_out(n, m, static_cast<uint32_t>(s->peer));
                continue;
            }
            send(n, static_cast<uint32_t>(s->peer), m);
        } else {
            const auto& t = std::get<consensus::ScheduleTimeout>(a);
            if (t.after.count() < 0) {
                fail("node " + std::to_string(n.index) + " schedules a negative timeout");
                continue;
            }
            Event e;
            e.kind = EventKind::kTimeout;
            e.time_ms = now_ + static_cast<uint64_t>(t.after.count());
            e.node = n.index;
            e.incarnation = n.incarnation;
            e.timeout = t.timeout;
            push(std::move(e));
        }
    }
}

bool Simulation::connected(uint32_t a, uint32_t b, uint64_t t) const {
    if (healed_ && options_.sabotage == Sabotage::kNeverHeal) return a == b;
    for (const auto& p : params_.partitions)
        if (t >= p.from_ms && t < p.to_ms && p.side[a] != p.side[b]) return false;
    return true;
}

MessagePtr Simulation::through_codec(const Node& from, const Message& m) {
    const Bytes wire = consensus::encode_message(m);
    auto back = consensus::decode_message(wire, suite_);
    if (!back) {
        // A Byzantine node's garbage (a round beyond kMaxRound, a bad count) never gets past
        // a real node's decoder; an honest node's message must.
        if (from.honest())
            fail("codec: node " + std::to_string(from.index) + "'s " + describe(m, suite_) +
                 " does not decode: " + std::string(protocol::to_string(back.error())));
        return nullptr;
    }
    if (consensus::encode_message(*back) != wire)
        fail("codec: decode(encode(" + describe(m, suite_) + ")) encodes differently");
    return std::make_shared<const Message>(std::move(*back));
}

void Simulation::send(Node& from, uint32_t to, const MessagePtr& m) {
    if (!connected(from.index, to, now_)) {
        ++lost_;
        return;
    }
    if (!healed_ && rng_.permille(params_.loss_permille)) {
        ++lost_;
        return;
    }
    MessagePtr delivered = m;
    if (!from.honest() || rng_.permille(params_.codec_permille)) {
        delivered = through_codec(from, *m);
        if (!delivered) return;
    }
    const int copies = rng_.permille(params_.dup_permille) ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
        uint64_t delay = rng_.between(params_.delay_min_ms, params_.delay_max_ms);
        if (rng_.permille(params_.spike_permille)) delay += rng_.below(params_.spike_max_ms);
        Event e;
        e.kind = EventKind::kDeliver;
        e.time_ms = now_ + delay;
        e.node = to;
        e.from = from.index;
        e.incarnation = from.incarnation;
        e.message = delivered;
        push(std::move(e));
    }
}

void Simulation::check_signed(Node& n, const Message& m) {
    if (!n.validator || !n.honest()) return;
    uint64_t height = 0;
    uint32_t round = 0;
    SafetyStep step = SafetyStep::kNone;
    Hash256 hash;
    if (const auto* p = std::get_if<Proposal>(&m)) {
        if (p->proposer != n.address) return;
        height = p->height;
        round = p->round;
        step = SafetyStep::kPropose;
        hash = p->block.header.hash(suite_);
    } else if (const auto* v = std::get_if<Vote>(&m)) {
        if (v->validator != n.address) return;
        height = v->height;
        round = v->round;
        step = v->type == VoteType::kPrevote ? SafetyStep::kPrevote : SafetyStep::kPrecommit;
        hash = v->block_hash;
    } else {
        return;
    }
    const std::string what = "node " + std::to_string(n.index) + "'s " + step_name(step) + " of (" +
                             std::to_string(height) + ", " + std::to_string(round) + ")";
    // The safety record must be on disk before the message leaves (DESIGN.md §4).
    const auto& rec = n.safety->last();
    const auto sent = std::make_tuple(height, round, static_cast<uint8_t>(step));
    if (!rec || std::make_tuple(rec->height, rec->round, static_cast<uint8_t>(rec->step)) < sent) {
        fail(what + " left before the safety record covered it" +
             (rec ? " (record at (" + std::to_string(rec->height) + ", " +
                        std::to_string(rec->round) + ", " + step_name(rec->step) + "))"
                  : std::string(" (no record)")));
        return;
    }
    if (std::make_tuple(rec->height, rec->round, static_cast<uint8_t>(rec->step)) == sent &&
        rec->block_hash != hash)
        fail(what + " is for " + short_hex(hash) + " but the safety record says " +
             short_hex(rec->block_hash));
    auto [it, inserted] =
        signed_.emplace(std::make_tuple(n.index, height, round, static_cast<uint8_t>(step)), hash);
    if (!inserted && it->second != hash)
        fail(what + ": signed twice, for " + short_hex(it->second) + " and " + short_hex(hash));
}

void Simulation::on_commit(uint32_t node, uint64_t height, const Hash256& given) {
    Hash256 hash = given;
    if (options_.sabotage == Sabotage::kForkCommit && node == 0 && height == 2) hash[0] ^= 1;
    digest_ = fnv(digest_, height);
    digest_ = fnv(digest_, node);
    uint64_t h64 = 0;
    std::memcpy(&h64, hash.data(), 8);
    digest_ = fnv(digest_, h64);
    const Node& n = *nodes_[node];
    if (tracing())
        trace("node " + std::to_string(node) + " commits height " + std::to_string(height) + " " +
              short_hex(hash) + (n.honest() ? "" : " (Byzantine)"));
    if (!n.honest()) return;
    auto [it, inserted] = decided_.emplace(height, std::make_pair(hash, node));
    if (!inserted && it->second.first != hash)
        fail("agreement: node " + std::to_string(node) + " committed " + short_hex(hash) +
             " at height " + std::to_string(height) + ", node " +
             std::to_string(it->second.second) + " committed " + short_hex(it->second.first));
    if (healed_ && !live_ && live()) {
        live_ = true;
        stop_ = true;
    }
}

bool Simulation::live() const {
    for (const auto& n : nodes_)
        if (n->honest() && n->app->committed_height() < target_height_) return false;
    return true;
}

void Simulation::heal() {
    healed_ = true;
    for (auto& n : nodes_)
        if (!n->engine) start_engine(*n);
    uint64_t highest = 0;
    for (const auto& n : nodes_)
        if (n->honest()) highest = std::max(highest, n->app->committed_height());
    target_height_ = highest + kLivenessHeights;
    deadline_ms_ = now_ + kLivenessBoundMs;
    trace("heal: every honest node must reach height " + std::to_string(target_height_) + " by " +
          std::to_string(deadline_ms_) + " ms");
}

void Simulation::handle(const Event& e) {
    Node& n = *nodes_[e.node];
    switch (e.kind) {
        case EventKind::kDeliver: {
            const Node& from = *nodes_[e.from];
            if (!n.engine || from.lost_outboxes.count(e.incarnation) != 0 ||
                !connected(e.from, e.node, now_)) {
                ++lost_;
                return;
            }
            ++delivered_;
            if (tracing())
                trace(std::to_string(e.from) + " -> " + std::to_string(e.node) + " " +
                      describe(*e.message, suite_));
            if (!n.honest()) {
                if (n.seen.size() < kReplayBuffer)
                    n.seen.push_back(e.message);
                else
                    n.seen[rng_.below(kReplayBuffer)] = e.message;
            }
            auto actions = n.engine->on_message(e.from, *e.message);
            after_call(n);
            apply(n, std::move(actions));
            return;
        }
        case EventKind::kTimeout: {
            if (!n.engine || e.incarnation != n.incarnation) return;
            if (tracing())
                trace("node " + std::to_string(e.node) + " timeout kind " +
                      std::to_string(static_cast<int>(e.timeout.kind)) + " h=" +
                      std::to_string(e.timeout.height) + " r=" + std::to_string(e.timeout.round));
            auto actions = n.engine->on_timeout(e.timeout);
            after_call(n);
            apply(n, std::move(actions));
            return;
        }
        case EventKind::kCrash:
            if (!n.engine) return;
            trace("node " + std::to_string(e.node) + " crashes" +
                  (e.lose_outbox ? " and its unsent messages are lost" : ""));
            n.engine.reset();
            if (e.lose_outbox) n.lost_outboxes.insert(n.incarnation);
            ++n.incarnation;
            return;
        case EventKind::kRestart:
            if (n.engine) return;
            start_engine(n);
            return;
        case EventKind::kHeal:
            heal();
            return;
        case EventKind::kByzantineTick: {
            if (n.engine) byzantine_tick(n);
            Event next = e;
            next.time_ms = now_ + rng_.between(100, 600);
            push(std::move(next));
            return;
        }
        case EventKind::kTxs: {
            Node& target = *nodes_[rng_.below(nodes_.size())];
            if (target.engine) {
                auto actions = target.engine->on_txs_available();
                after_call(target);
                apply(target, std::move(actions));
            }
            Event next = e;
            next.time_ms = now_ + rng_.between(1, params_.tx_interval_ms);
            push(std::move(next));
            return;
        }
    }
}

// ---- Byzantine validators ----

void Simulation::sign_vote(Node& n, Vote& v) {
    v.validator = n.address;
    auto sig = suite_.sign(n.secret, v.sign_bytes(kChainId));
    v.signature = sig ? crypto::encode_signature(suite_.id(), *sig) : Bytes{};
}

void Simulation::sign_proposal(Node& n, Proposal& p) {
    p.proposer = n.address;
    auto sig = suite_.sign(n.secret, p.sign_bytes(kChainId, p.block.header.hash(suite_)));
    p.signature = sig ? crypto::encode_signature(suite_.id(), *sig) : Bytes{};
}

void Simulation::byzantine_out(Node& n, const MessagePtr& m, std::optional<uint32_t> only) {
    if (n.byzantine & kSilent) return;
    const std::vector<uint32_t> targets = only ? std::vector<uint32_t>{*only} : peers_of(n);
    MessagePtr other;  // what a random part of the targets gets instead of m
    if (const auto* p = std::get_if<Proposal>(m.get()); p && p->proposer == n.address) {
        if ((n.byzantine & kInvalidBlock) && rng_.permille(500)) {
            Proposal bad = *p;
            bad.block.header.state_root = rng_.hash();
            sign_proposal(n, bad);
            if (tracing()) trace("node " + std::to_string(n.index) + " proposes an invalid block");
            auto bad_ptr = std::make_shared<const Message>(std::move(bad));
            for (uint32_t t : targets)
                send(n, t, bad_ptr);
            return;
        }
        if (n.byzantine & kEquivocate) {
            Proposal alt = *p;
            alt.block.header.extra_data.push_back(0xee);  // still valid, another hash
            alt.valid_round = -1;
            n.alt_hash = alt.block.header.hash(suite_);
            sign_proposal(n, alt);
            if (tracing())
                trace("node " + std::to_string(n.index) + " equivocates: also proposes " +
                      short_hex(n.alt_hash));
            other = std::make_shared<const Message>(std::move(alt));
        }
    } else if (const auto* v = std::get_if<Vote>(m.get());
               v && v->validator == n.address && (n.byzantine & kDoubleVote)) {
        Vote alt = *v;
        if (!v->is_nil() && rng_.permille(500))
            alt.block_hash = Hash256{};
        else
            alt.block_hash =
                (rng_.permille(500) && !n.alt_hash.is_zero()) ? n.alt_hash : rng_.hash();
        sign_vote(n, alt);
        other = std::make_shared<const Message>(std::move(alt));
    }
    for (uint32_t t : targets)
        send(n, t, other && rng_.permille(500) ? other : m);
}

void Simulation::byzantine_tick(Node& n) {
    if (n.byzantine & kSilent) return;
    const uint64_t height = n.engine->height();
    const uint32_t round = n.engine->status().round;
    const auto peers = peers_of(n);
    if (peers.empty()) return;
    auto random_peer = [&] { return peers[rng_.below(peers.size())]; };
    auto broadcast = [&](Message msg) {
        auto m = std::make_shared<const Message>(std::move(msg));
        for (uint32_t t : peers)
            send(n, t, m);
    };
    if (n.byzantine & kUnknownVotes) {
        Vote v;
        v.type = rng_.permille(500) ? VoteType::kPrevote : VoteType::kPrecommit;
        v.height = height;
        v.round = round + static_cast<uint32_t>(rng_.below(2));
        v.block_hash = rng_.hash();
        sign_vote(n, v);
        broadcast(std::move(v));
    }
    if (n.byzantine & kFutureMessages) {
        Vote v;
        v.type = rng_.permille(500) ? VoteType::kPrevote : VoteType::kPrecommit;
        if (rng_.permille(500)) {
            v.height = height + rng_.between(1, 1000);
            v.round = static_cast<uint32_t>(rng_.below(5));
        } else {
            v.height = height;
            v.round = static_cast<uint32_t>(rng_.between(round + 1, protocol::kMaxRound + 5));
        }
        v.block_hash = rng_.permille(300) ? Hash256{} : rng_.hash();
        sign_vote(n, v);
        broadcast(std::move(v));
        // A proposal of a later height: a toy block on its head, numbered ahead.
        Proposal p;
        p.height = height + rng_.between(1, 3);
        p.round = static_cast<uint32_t>(rng_.below(3));
        p.block = toy_block(suite_, n.app->head(), n.app->hash_at(n.app->committed_height()),
                            n.address, p.round, rng_.hash());
        p.block.header.number = p.height;
        sign_proposal(n, p);
        broadcast(std::move(p));
    }
    if (n.byzantine & kBadFinalized) {
        // A block that follows its head, with a certificate that must not pass.
        const uint64_t h = n.app->committed_height() + 1;
        protocol::FinalizedBlock f;
        f.block = toy_block(suite_, n.app->head(), n.app->hash_at(h - 1), n.address, 0,
                            h > 1 ? rng_.hash() : Hash256{});
        const Hash256 block_hash = f.block.header.hash(suite_);
        f.certificate.height = h;
        f.certificate.block_hash = block_hash;
        const auto own_index = validators_->index_of(n.address);
        Vote precommit = f.certificate.precommit();
        auto own_sig = suite_.sign(n.secret, precommit.sign_bytes(kChainId));
        const Bytes own = own_sig ? crypto::encode_signature(suite_.id(), *own_sig) : Bytes{};
        switch (rng_.below(4)) {
            case 0:  // only its own precommit: not a quorum
                f.certificate.signatures.push_back({static_cast<uint32_t>(*own_index), own});
                break;
            case 1:  // everyone's index with made-up signatures
                for (uint32_t i = 0; i < validators_->size(); ++i) {
                    Bytes sig(crypto::signature_size(suite_.id()), 0);
                    for (auto& b : sig)
                        b = static_cast<uint8_t>(rng_.next());
                    sig.back() = 0;
                    f.certificate.signatures.push_back({i, i == *own_index ? own : std::move(sig)});
                }
                break;
            case 2:  // its own signature repeated under every index
                for (uint32_t i = 0; i < validators_->size(); ++i)
                    f.certificate.signatures.push_back({i, own});
                break;
            default:  // a wrong state root, certified by itself only
                f.block.header.state_root = rng_.hash();
                f.certificate.block_hash = f.block.header.hash(suite_);
                f.certificate.signatures.push_back({static_cast<uint32_t>(*own_index), own});
                break;
        }
        auto m = std::make_shared<const Message>(std::move(f));
        send(n, random_peer(), m);
    }
    if ((n.byzantine & kReplay) && !n.seen.empty())
        send(n, random_peer(), n.seen[rng_.below(n.seen.size())]);
    if (n.byzantine & kFlood) {
        // Bad input (issue 5): a peer flooding votes must never stall the honest majority. Each
        // vote is distinct and validly signed, for this height or the next, rounds far ahead.
        const uint32_t target = random_peer();
        for (int i = 0; i < kFloodVotes; ++i) {
            Vote v;
            v.type = rng_.permille(500) ? VoteType::kPrevote : VoteType::kPrecommit;
            v.height = height + rng_.below(2);
            v.round = static_cast<uint32_t>(rng_.between(round + 1, round + 100'000));
            v.block_hash = rng_.hash();
            sign_vote(n, v);
            send(n, target, std::make_shared<const Message>(std::move(v)));
        }
    }
    if (n.byzantine & kSyncSpam) {
        protocol::SyncRequest q;
        q.height = rng_.between(0, height + 2);
        q.count = static_cast<uint32_t>(rng_.between(0, protocol::kMaxSyncBlocks + 2));
        auto m = std::make_shared<const Message>(q);
        send(n, random_peer(), m);
    }
}

// ---- the run ----

std::string Simulation::summary() const {
    std::string byz;
    for (size_t i = 0; i < params_.byzantine.size(); ++i) {
        if (params_.byzantine[i] == 0) continue;
        if (!byz.empty()) byz.push_back(',');
        byz.append(std::to_string(i)).push_back(':');
        byz.append(std::to_string(params_.byzantine[i]));
    }
    std::string powers;
    for (auto w : params_.powers) {
        if (!powers.empty()) powers.push_back(',');
        powers.append(std::to_string(w));
    }
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& n : nodes_) {
        if (!n->honest()) continue;
        lo = std::min(lo, n->app->committed_height());
        hi = std::max(hi, n->app->committed_height());
    }
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "scenario=%s seed=%llu suite=%.*s validators=%zu powers=%s observers=%zu "
                  "byzantine=[%s] loss=%llu dup=%llu delay=%llu-%llu spikes=%llu "
                  "partitions=%zu crashes=%zu txs=%llu heal=%llums interval=%lldms | "
                  "heights %llu-%llu events=%llu delivered=%llu lost=%llu t=%llums",
                  scenario_.c_str(), static_cast<unsigned long long>(seed_),
                  static_cast<int>(params_.suite.size()), params_.suite.data(), params_.validators,
                  powers.c_str(), params_.observers, byz.c_str(),
                  static_cast<unsigned long long>(params_.loss_permille),
                  static_cast<unsigned long long>(params_.dup_permille),
                  static_cast<unsigned long long>(params_.delay_min_ms),
                  static_cast<unsigned long long>(params_.delay_max_ms),
                  static_cast<unsigned long long>(params_.spike_permille),
                  params_.partitions.size(), params_.crashes.size(),
                  static_cast<unsigned long long>(params_.tx_interval_ms),
                  static_cast<unsigned long long>(params_.heal_ms),
                  static_cast<long long>(params_.config.block_interval.count()),
                  static_cast<unsigned long long>(lo == UINT64_MAX ? 0 : lo),
                  static_cast<unsigned long long>(hi), static_cast<unsigned long long>(events_),
                  static_cast<unsigned long long>(delivered_),
                  static_cast<unsigned long long>(lost_), static_cast<unsigned long long>(now_));
    return buf;
}

RunResult Simulation::run() {
    // Keys and the validator set.
    const size_t total = params_.nodes();
    std::vector<consensus::Validator> set;
    for (uint32_t i = 0; i < total; ++i) {
        auto n = std::make_unique<Node>();
        n->index = i;
        n->validator = i < params_.validators;
        n->byzantine = n->validator ? params_.byzantine[i] : 0;
        Bytes material = to_bytes("xinlian-sim-key");
        for (int b = 0; b < 8; ++b)
            material.push_back(static_cast<uint8_t>(seed_ >> (8 * b)));
        material.push_back(static_cast<uint8_t>(i));
        n->secret = crypto::ecdsa_suite().hash(material);
        auto pk = suite_.public_key(n->secret);
        if (!pk) {
            fail("key of node " + std::to_string(i) + ": " + std::string(to_string(pk.error())));
            break;
        }
        n->address = suite_.address(*pk);
        fast_.register_key(*pk);
        if (n->validator) set.push_back({n->address, *pk, params_.powers[i]});
        nodes_.push_back(std::move(n));
    }
    RunResult result;
    result.scenario = scenario_;
    result.seed = seed_;
    if (stop_) {
        result.violations = violations_;
        return result;
    }
    validators_ = std::make_unique<consensus::ValidatorSet>(std::move(set));
    for (auto& np : nodes_) {
        Node& n = *np;
        const uint32_t index = n.index;
        auto violation = [this, index](const std::string& what) {
            fail("node " + std::to_string(index) + ": " + what);
        };
        n.app = std::make_unique<ToyApp>(
            suite_, kChainId, *validators_, n.address,
            [this, index](uint64_t h, const Hash256& hash) { on_commit(index, h, hash); },
            violation);
        if (n.validator) {
            n.safety = std::make_unique<SimSafetyStore>(violation);
            n.safety->set_amnesia(options_.sabotage == Sabotage::kAmnesia);
            n.signer = std::make_unique<SimSigner>(suite_, n.secret, n.address);
        }
    }

    // The fault plan.
    for (const auto& c : params_.crashes) {
        Event down;
        down.kind = EventKind::kCrash;
        down.time_ms = c.down_ms;
        down.node = c.node;
        down.lose_outbox = c.lose_outbox;
        push(down);
        Event up;
        up.kind = EventKind::kRestart;
        up.time_ms = c.up_ms;
        up.node = c.node;
        push(up);
    }
    Event heal_event;
    heal_event.kind = EventKind::kHeal;
    heal_event.time_ms = params_.heal_ms;
    push(heal_event);
    for (const auto& n : nodes_) {
        if (n->honest()) continue;
        Event tick;
        tick.kind = EventKind::kByzantineTick;
        tick.node = n->index;
        tick.time_ms = rng_.below(500);
        push(tick);
    }
    if (params_.tx_interval_ms > 0) {
        Event txs;
        txs.kind = EventKind::kTxs;
        txs.time_ms = rng_.below(params_.tx_interval_ms);
        push(txs);
    }
    for (auto& n : nodes_)
        start_engine(*n);

    deadline_ms_ = params_.heal_ms + kLivenessBoundMs;
    while (!stop_ && !queue_.empty()) {
        Event e = queue_.top();
        if (e.time_ms > deadline_ms_) break;
        queue_.pop();
        now_ = e.time_ms;
        ++events_;
        digest_ = fnv(digest_, now_);
        digest_ = fnv(digest_, (static_cast<uint64_t>(e.kind) << 48) |
                                   (static_cast<uint64_t>(e.node) << 24) | e.from);
        if (events_ > kMaxEvents) {
            fail("more than " + std::to_string(kMaxEvents) + " events: a livelock or a storm");
            break;
        }
        handle(e);
    }
    if (!live_ && violations_.empty()) {
        std::string heights;
        for (const auto& n : nodes_)
            if (n->honest())
                heights += " " + std::to_string(n->index) + ":" +
                           std::to_string(n->app->committed_height()) + "/r" +
                           (n->engine ? std::to_string(n->engine->status().round) : "-");
        now_ = std::max(now_, deadline_ms_);
        fail("liveness: not every honest node reached height " + std::to_string(target_height_) +
             " within " + std::to_string(kLivenessBoundMs) + " ms of the heal (heights:" + heights +
             ")");
    }
    result.violations = violations_;
    result.summary = summary();
    result.digest = digest_;
    result.events = events_;
    result.virtual_ms = now_;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& n : nodes_) {
        if (!n->honest()) continue;
        lo = std::min(lo, n->app->committed_height());
        hi = std::max(hi, n->app->committed_height());
    }
    result.min_height = lo == UINT64_MAX ? 0 : lo;
    result.max_height = hi;
    return result;
}

}  // namespace

std::string RunResult::replay() const {
    return "XL_SIM_SEED=" + std::to_string(seed) + " XL_SIM_SCENARIO=" + scenario;
}

bool RunResult::liveness_only() const {
    if (violations.empty()) return false;
    for (const auto& v : violations)
        if (v.find(": liveness: ") == std::string::npos) return false;
    return true;
}

std::string RunResult::report() const {
    std::string out = summary + "\n  replay: " + replay() + " build/tests/sim/xl_sim\n";
    for (const auto& v : violations)
        out += "  " + v + "\n";
    return out;
}

const std::vector<std::string_view>& scenarios() {
    static const std::vector<std::string_view> names = {
        "calm", "lossy", "partition", "crash",    "byzantine", "chaos",
        "solo", "txs",   "weighted",  "blackout", "ecdsa",     "sm"};
    return names;
}

bool is_scenario(std::string_view name) {
    const auto& s = scenarios();
    return std::find(s.begin(), s.end(), name) != s.end();
}

bool uses_real_crypto(std::string_view name) {
    return name == "ecdsa" || name == "sm";
}

RunResult run(std::string_view scenario, uint64_t seed, const RunOptions& options) {
    install_abort_handler();
    std::snprintf(g_current_run, sizeof(g_current_run), "XL_SIM_SEED=%llu XL_SIM_SCENARIO=%.*s\n",
                  static_cast<unsigned long long>(seed), static_cast<int>(scenario.size()),
                  scenario.data());
    Rng rng(seed);
    auto params = make_params(scenario, rng);
    if (!params) {
        RunResult r;
        r.scenario = scenario;
        r.seed = seed;
        r.violations.push_back("unknown scenario '" + std::string(scenario) + "'");
        return r;
    }
    Simulation sim(scenario, seed, std::move(*params), options);
    return sim.run();
}

}  // namespace xl::sim
