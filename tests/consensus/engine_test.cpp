// SPDX-License-Identifier: Apache-2.0
// The consensus engine driven by hand: n = 1 and n = 4 commit, locking, the safety record
// across restarts, dropped messages, certificate checks and catch-up (docs/spec/consensus.md).
// Messages are delivered in FIFO order by the test; timers fire only when the test says so.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>

#include "codec/rlp.hpp"
#include "consensus/harness.hpp"

namespace xl::consensus {
namespace {

using protocol::Proposal;
using protocol::Vote;
using protocol::VoteType;
using test::MemorySafetyStore;
using test::TestSigner;
using test::ToyApp;

constexpr uint64_t kChainId = 1337;

Config test_config(bool wait_for_txs = false) {
    Config c;
    c.chain_id = kChainId;
    c.wait_for_txs = wait_for_txs;
    return c;
}

struct Envelope {
    PeerId from = 0;
    PeerId to = 0;
    Message message;
};

struct Node {
    std::unique_ptr<ToyApp> app;
    std::unique_ptr<TestSigner> signer;
    std::unique_ptr<MemorySafetyStore> store;
    std::unique_ptr<Engine> engine;
    std::vector<Timeout> timers;
    std::vector<ScheduleTimeout> scheduled;  // every timer asked for, with its delay
};

// n validators (node i = validator i) plus `observers` nodes without a key.
class Cluster {
public:
    Cluster(const crypto::CryptoSuite& suite, size_t n, size_t observers = 0,
            Config config = test_config())
        : suite_(suite), validators_(test::make_validators(suite, n)), config_(config) {
        for (size_t i = 0; i < n + observers; ++i) {
            Node node;
            node.app =
                std::make_unique<ToyApp>(suite, kChainId, validators_, "node" + std::to_string(i));
            if (i < n) {
                node.signer = std::make_unique<TestSigner>(suite, test::test_key(suite, i));
                node.store = std::make_unique<MemorySafetyStore>();
            }
            node.engine = std::make_unique<Engine>(suite, config_, validators_, *node.app,
                                                   node.signer.get(), node.store.get());
            nodes_.push_back(std::move(node));
        }
    }

    void start_all() {
        for (size_t i = 0; i < nodes_.size(); ++i)
            handle(i, nodes_[i].engine->start());
    }

    void handle(size_t from, std::vector<Action> actions) {
        for (Action& a : actions) {
            if (auto* b = std::get_if<Broadcast>(&a)) {
                for (size_t j = 0; j < nodes_.size(); ++j)
                    if (j != from) queue_.push_back({from, j, b->message});
            } else if (auto* s = std::get_if<SendTo>(&a)) {
                queue_.push_back({from, s->peer, s->message});
            } else {
                nodes_[from].timers.push_back(std::get<ScheduleTimeout>(a).timeout);
                nodes_[from].scheduled.push_back(std::get<ScheduleTimeout>(a));
            }
        }
    }

    void deliver_all() {
        while (!queue_.empty()) {
            Envelope e = std::move(queue_.front());
            queue_.pop_front();
            if (drop && drop(e)) continue;
            handle(e.to, nodes_[e.to].engine->on_message(e.from, e.message));
        }
    }

    // Fires node i's pending timer of `kind` for its current height (and round, for the round
    // timers). False if there is none.
    bool fire(size_t i, Timeout::Kind kind) {
        Node& n = nodes_[i];
        const Status s = n.engine->status();
        for (auto it = n.timers.begin(); it != n.timers.end(); ++it) {
            const bool round_timer = kind == Timeout::Kind::kPropose ||
                                     kind == Timeout::Kind::kPrevote ||
                                     kind == Timeout::Kind::kPrecommit;
            if (it->kind != kind || it->height != s.height) continue;
            if (round_timer && it->round != s.round) continue;
            const Timeout t = *it;
            n.timers.erase(it);
            handle(i, n.engine->on_timeout(t));
            return true;
        }
        return false;
    }

    void fire_all(Timeout::Kind kind) {
        for (size_t i = 0; i < nodes_.size(); ++i)
            (void)fire(i, kind);
    }

    Node& node(size_t i) { return nodes_[i]; }
    size_t size() const { return nodes_.size(); }
    const ValidatorSet& validators() const { return validators_; }
    std::deque<Envelope>& queue() { return queue_; }
    std::function<bool(const Envelope&)> drop;

private:
    const crypto::CryptoSuite& suite_;
    ValidatorSet validators_;
    Config config_;
    std::vector<Node> nodes_;
    std::deque<Envelope> queue_;
};

// The votes an engine broadcast in `actions`.
std::vector<Vote> votes_in(const std::vector<Action>& actions) {
    std::vector<Vote> out;
    for (const Action& a : actions)
        if (const auto* b = std::get_if<Broadcast>(&a))
            if (const auto* v = std::get_if<Vote>(&b->message)) out.push_back(*v);
    return out;
}

std::vector<Proposal> proposals_in(const std::vector<Action>& actions) {
    std::vector<Proposal> out;
    for (const Action& a : actions)
        if (const auto* b = std::get_if<Broadcast>(&a))
            if (const auto* p = std::get_if<Proposal>(&b->message)) out.push_back(*p);
    return out;
}

std::vector<SendTo> sends_in(const std::vector<Action>& actions) {
    std::vector<SendTo> out;
    for (const Action& a : actions)
        if (const auto* s = std::get_if<SendTo>(&a)) out.push_back(*s);
    return out;
}

class EngineSuites : public ::testing::TestWithParam<const crypto::CryptoSuite*> {};

TEST(Engine, SingleValidatorCommitsEveryHeight) {
    const auto& suite = crypto::ecdsa_suite();
    Cluster c(suite, 1);
    c.start_all();
    EXPECT_EQ(c.node(0).app->committed_height(), 1u);
    for (uint64_t h = 2; h <= 5; ++h) {
        ASSERT_TRUE(c.fire(0, Timeout::Kind::kNewHeight));
        EXPECT_EQ(c.node(0).app->committed_height(), h);
    }
    const auto& app = *c.node(0).app;
    for (size_t i = 0; i < app.certs().size(); ++i) {
        EXPECT_TRUE(verify_certificate(suite, kChainId, c.validators(), app.certs()[i]));
        EXPECT_EQ(app.certs()[i].block_hash, app.blocks()[i].header.hash(suite));
        if (i > 0) {
            EXPECT_EQ(app.blocks()[i].header.prev_certificate_hash, app.certs()[i - 1].hash(suite));
        }
    }
    EXPECT_EQ(c.node(0).engine->status().stats.invalid_blocks, 0u);
    // The record follows the votes: the last one is the precommit of height 5.
    ASSERT_TRUE(c.node(0).store->record().has_value());
    EXPECT_EQ(c.node(0).store->record()->height, 5u);
    EXPECT_EQ(c.node(0).store->record()->step, SafetyRecord::Step::kPrecommit);
}

TEST(Engine, WaitForTxsStartsRoundOnlyWithTransactions) {
    const auto& suite = crypto::ecdsa_suite();
    Cluster c(suite, 1, 0, test_config(true));
    c.start_all();
    EXPECT_EQ(c.node(0).app->committed_height(), 0u);
    EXPECT_EQ(c.node(0).engine->status().step, Step::kNewHeight);
    c.handle(0, c.node(0).engine->on_txs_available());
    EXPECT_EQ(c.node(0).app->committed_height(), 1u);
    // After the commit: neither the interval alone nor transactions before it start round 0.
    c.handle(0, c.node(0).engine->on_txs_available());
    EXPECT_EQ(c.node(0).app->committed_height(), 1u);
    ASSERT_TRUE(c.fire(0, Timeout::Kind::kNewHeight));
    EXPECT_EQ(c.node(0).app->committed_height(), 2u);
    ASSERT_TRUE(c.fire(0, Timeout::Kind::kNewHeight));
    EXPECT_EQ(c.node(0).app->committed_height(), 2u);
    EXPECT_EQ(c.node(0).engine->status().step, Step::kNewHeight);
    c.handle(0, c.node(0).engine->on_txs_available());
    EXPECT_EQ(c.node(0).app->committed_height(), 3u);
}

TEST(Engine, AFullBlockStartsTheRoundBeforeTheIntervalEnds) {
    const auto& suite = crypto::ecdsa_suite();
    Cluster c(suite, 1, 0, test_config(true));
    c.start_all();
    c.handle(0, c.node(0).engine->on_txs_available());
    ASSERT_EQ(c.node(0).app->committed_height(), 1u);
    // Height 2 waits for its interval: transactions alone do not start it, a full block does.
    c.handle(0, c.node(0).engine->on_txs_available());
    EXPECT_EQ(c.node(0).app->committed_height(), 1u);
    EXPECT_EQ(c.node(0).engine->status().step, Step::kNewHeight);
    c.handle(0, c.node(0).engine->on_block_full());
    EXPECT_EQ(c.node(0).app->committed_height(), 2u);
    EXPECT_EQ(c.node(0).engine->status().height, 3u);
    EXPECT_EQ(c.node(0).engine->status().step, Step::kNewHeight);
    // After the interval with nothing waiting the height idles; a full block starts it too.
    ASSERT_TRUE(c.fire(0, Timeout::Kind::kNewHeight));
    EXPECT_EQ(c.node(0).app->committed_height(), 2u);
    c.handle(0, c.node(0).engine->on_block_full());
    EXPECT_EQ(c.node(0).app->committed_height(), 3u);
}

// The delays of the kNewHeight timers node i asked for, for height h.
std::vector<std::chrono::milliseconds> new_height_delays(const Node& n, uint64_t h) {
    std::vector<std::chrono::milliseconds> out;
    for (const ScheduleTimeout& s : n.scheduled)
        if (s.timeout.kind == Timeout::Kind::kNewHeight && s.timeout.height == h)
            out.push_back(s.after);
    return out;
}

TEST(Engine, TheIntervalRunsFromTheStartOfThePreviousHeight) {
    using std::chrono::milliseconds;
    const auto& suite = crypto::ecdsa_suite();
    const Config config = test_config();
    Cluster c(suite, 4, 0, config);
    c.start_all();  // height 1, round 0 started (no wait_for_txs)
    // Round 0 of height 1 started the interval of height 2, one timer per node.
    for (size_t i = 0; i < 4; ++i)
        ASSERT_EQ(new_height_delays(c.node(i), 2), std::vector{config.block_interval});
    // Height 1 takes longer than the interval on nodes 0 and 1: their timer of height 2 fires
    // before the commit (the harness fires timers of the current height, so by hand).
    for (size_t i = 0; i < 2; ++i)
        c.handle(i, c.node(i).engine->on_timeout(Timeout{Timeout::Kind::kNewHeight, 2, 0}));
    c.deliver_all();
    for (size_t i = 0; i < 4; ++i) {
        ASSERT_EQ(c.node(i).app->committed_height(), 1u);
        EXPECT_EQ(c.node(i).engine->status().step, Step::kNewHeight);
    }
    // Nodes 0 and 1 start height 2 at once (a 0 ms timer); nodes 2 and 3 wait for the rest of
    // the interval started with height 1, not for a new one.
    EXPECT_EQ(new_height_delays(c.node(0), 2),
              (std::vector{config.block_interval, milliseconds(0)}));
    EXPECT_EQ(new_height_delays(c.node(1), 2),
              (std::vector{config.block_interval, milliseconds(0)}));
    EXPECT_EQ(new_height_delays(c.node(2), 2), std::vector{config.block_interval});
    EXPECT_EQ(new_height_delays(c.node(3), 2), std::vector{config.block_interval});
    // A stale timer (of the height just decided) changes nothing.
    c.handle(2, c.node(2).engine->on_timeout(Timeout{Timeout::Kind::kNewHeight, 1, 0}));
    EXPECT_EQ(c.node(2).engine->status().step, Step::kNewHeight);
    c.fire_all(Timeout::Kind::kNewHeight);
    c.deliver_all();
    for (size_t i = 0; i < 4; ++i)
        EXPECT_EQ(c.node(i).app->committed_height(), 2u) << "node " << i;
    // Each round 0 starts the next interval once: height 3's timer was asked for once per node.
    for (size_t i = 0; i < 4; ++i)
        EXPECT_EQ(new_height_delays(c.node(i), 3), std::vector{config.block_interval});
}

TEST_P(EngineSuites, FourValidatorsAndAnObserverAgree) {
    const auto& suite = *GetParam();
    Cluster c(suite, 4, 1);
    c.start_all();
    c.deliver_all();
    for (uint64_t h = 1; h <= 4; ++h) {
        for (size_t i = 0; i < c.size(); ++i)
            ASSERT_EQ(c.node(i).app->committed_height(), h) << "node " << i;
        c.fire_all(Timeout::Kind::kNewHeight);
        c.deliver_all();
    }
    const auto& ref = *c.node(0).app;
    for (size_t i = 1; i < c.size(); ++i)
        EXPECT_EQ(c.node(i).app->blocks(), ref.blocks()) << "node " << i;
    // Proposers rotate: block h was built by validator h mod 4 (round 0 every time).
    for (size_t h = 1; h <= ref.blocks().size(); ++h)
        EXPECT_EQ(ref.blocks()[h - 1].header.extra_data, to_bytes("node" + std::to_string(h % 4)));
    for (const auto& cert : ref.certs())
        EXPECT_TRUE(verify_certificate(suite, kChainId, c.validators(), cert));
    EXPECT_FALSE(c.node(4).engine->halted());
}

INSTANTIATE_TEST_SUITE_P(Suites, EngineSuites,
                         ::testing::Values(&crypto::ecdsa_suite(), &crypto::sm_suite()),
                         [](const auto& info) { return std::string(info.param->name()); });

TEST(Engine, MessagesOfTheNextHeightAreBufferedUntilItStarts) {
    const auto& suite = crypto::ecdsa_suite();
    Cluster c(suite, 4);
    // Validator 3 sees nothing of height 1 until the others have finished it.
    c.drop = [](const Envelope& e) { return e.to == 3; };
    c.start_all();
    c.deliver_all();
    for (size_t i = 0; i < 3; ++i)
        ASSERT_EQ(c.node(i).app->committed_height(), 1u);
    ASSERT_EQ(c.node(3).app->committed_height(), 0u);
    c.drop = nullptr;
    c.fire_all(Timeout::Kind::kNewHeight);
    c.deliver_all();  // height-2 messages reach validator 3: buffered, and it asks nobody yet
    EXPECT_EQ(c.node(3).app->committed_height(), 0u);
    // A rebroadcast period later it asks a peer that is ahead, gets height 1, and applies the
    // buffered messages of height 2.
    ASSERT_TRUE(c.fire(3, Timeout::Kind::kRebroadcast));
    c.deliver_all();
    EXPECT_EQ(c.node(3).app->committed_height(), 2u);
    EXPECT_EQ(c.node(3).app->blocks(), c.node(0).app->blocks());
}

TEST(Engine, SilentProposerCostsOneRound) {
    const auto& suite = crypto::ecdsa_suite();
    Cluster c(suite, 4);
    // Validator 1, the proposer of (1, 0), is down.
    c.drop = [](const Envelope& e) { return e.from == 1 || e.to == 1; };
    c.start_all();
    c.deliver_all();
    for (size_t i : {0u, 2u, 3u})
        ASSERT_TRUE(c.fire(i, Timeout::Kind::kPropose));  // prevote nil
    c.deliver_all();  // 2f+1 nil prevotes: precommit nil; 2f+1 precommits: timeout scheduled
    for (size_t i : {0u, 2u, 3u})
        ASSERT_TRUE(c.fire(i, Timeout::Kind::kPrecommit));  // round 1, proposer 2
    c.deliver_all();
    for (size_t i : {0u, 2u, 3u}) {
        ASSERT_EQ(c.node(i).app->committed_height(), 1u) << "node " << i;
        EXPECT_EQ(c.node(i).app->certs()[0].round, 1u);
        EXPECT_EQ(c.node(i).app->blocks()[0].header.extra_data, to_bytes("node2"));
    }
    EXPECT_EQ(c.node(1).app->committed_height(), 0u);
}

TEST(Engine, RebroadcastRecoversLostMessagesWithoutARoundChange) {
    const auto& suite = crypto::ecdsa_suite();
    Cluster c(suite, 4);
    c.drop = [](const Envelope&) { return true; };
    c.start_all();
    c.deliver_all();
    c.drop = nullptr;
    for (size_t i = 0; i < c.size(); ++i)
        ASSERT_TRUE(c.fire(i, Timeout::Kind::kRebroadcast));
    c.deliver_all();
    for (size_t i = 0; i < c.size(); ++i) {
        ASSERT_EQ(c.node(i).app->committed_height(), 1u) << "node " << i;
        EXPECT_EQ(c.node(i).app->certs()[0].round, 0u);
    }
}

TEST(Engine, StatusShowsVotesOfTheRound) {
    const auto& suite = crypto::ecdsa_suite();
    Cluster c(suite, 4);
    // Only validator 0 hears anything: the proposal and the prevotes.
    c.drop = [](const Envelope& e) { return e.to != 0; };
    c.start_all();
    c.deliver_all();
    const Status s = c.node(0).engine->status();
    EXPECT_EQ(s.height, 1u);
    EXPECT_EQ(s.round, 0u);
    EXPECT_EQ(s.step, Step::kPrevote);
    EXPECT_EQ(s.proposer, c.validators().at(1).address);
    ASSERT_EQ(s.validators.size(), 4u);
    EXPECT_TRUE(s.validators[0].prevote.has_value());
    EXPECT_TRUE(s.validators[1].prevote.has_value());  // the proposer prevoted its block
    EXPECT_FALSE(s.validators[2].prevote.has_value());
    EXPECT_EQ(s.validators[0].prevote, s.validators[1].prevote);
    EXPECT_FALSE(s.halted);
    EXPECT_GT(s.stats.received, 0u);
}

TEST(Engine, OnSyncedMovesToTheApplicationsHeight) {
    const auto& suite = crypto::ecdsa_suite();
    const ValidatorSet vs = test::make_validators(suite, 4);
    ToyApp app(suite, kChainId, vs, "node0");
    TestSigner signer(suite, test::test_key(suite, 0));
    Engine e(suite, test_config(), vs, app, &signer, nullptr);
    (void)e.start();
    ASSERT_EQ(e.height(), 1u);
    // The application commits two blocks by itself (block sync outside the engine).
    for (uint64_t h = 1; h <= 2; ++h) {
        const auto b = app.make_block(0, "s");
        const Hash256 bh = b.block.header.hash(suite);
        ASSERT_TRUE(app.commit_block(b.block, bh,
                                     test::make_certificate(suite, kChainId, h, 0, bh, {1, 2, 3}),
                                     b.prev_certificate));
    }
    (void)e.on_synced();
    EXPECT_EQ(e.height(), 3u);
    EXPECT_EQ(e.status().step, Step::kNewHeight);
}

// Validator 0 driven by hand; validators 1..3 are signed for by the test.
class OneEngine : public ::testing::Test {
protected:
    const crypto::CryptoSuite& suite = crypto::ecdsa_suite();
    ValidatorSet validators = test::make_validators(suite, 4);
    ToyApp app{suite, kChainId, validators, "node0"};
    TestSigner signer{suite, test::test_key(suite, 0)};
    MemorySafetyStore store;
    std::unique_ptr<Engine> engine;

    std::vector<Action> start() {
        engine = std::make_unique<Engine>(suite, test_config(), validators, app, &signer, &store);
        return engine->start();
    }
    Vote vote(size_t who, VoteType t, uint32_t round, const Hash256& h, uint64_t height = 1) {
        return test::make_vote(suite, kChainId, who, t, height, round, h);
    }
    Proposal proposal(size_t who, uint32_t round, const Application::Built& b, int64_t vr = -1) {
        return test::make_proposal(suite, kChainId, who, app.committed_height() + 1, round, b, vr);
    }
    Hash256 hash_of(const Application::Built& b) { return b.block.header.hash(suite); }
    std::vector<Action> send(const Message& m, PeerId from = 9) {
        return engine->on_message(from, m);
    }
    // Round 0 of height 1: proposal A from validator 1, prevotes for A from 1 and 2: validator
    // 0 prevotes A, locks on A and precommits A.
    Application::Built lock_on_a() {
        const auto a = app.make_block(0, "A");
        auto acts = send(proposal(1, 0, a));
        auto vs = votes_in(acts);
        EXPECT_EQ(vs.size(), 1u);
        EXPECT_EQ(vs.at(0).block_hash, hash_of(a));
        (void)send(vote(1, VoteType::kPrevote, 0, hash_of(a)));
        acts = send(vote(2, VoteType::kPrevote, 0, hash_of(a)));
        vs = votes_in(acts);
        EXPECT_EQ(vs.size(), 1u);
        EXPECT_EQ(vs.at(0).type, VoteType::kPrecommit);
        EXPECT_EQ(vs.at(0).block_hash, hash_of(a));
        EXPECT_EQ(engine->status().locked_round, 0);
        return a;
    }
    // Precommits for nil from 1, 2 and 3 end round `round` (line 47, then its timeout).
    void end_round(uint32_t round) {
        bool scheduled = false;
        for (size_t who : {1, 2, 3})
            for (const Action& a : send(vote(who, VoteType::kPrecommit, round, Hash256{})))
                if (const auto* s = std::get_if<ScheduleTimeout>(&a))
                    scheduled |= s->timeout.kind == Timeout::Kind::kPrecommit;
        ASSERT_TRUE(scheduled);
        (void)engine->on_timeout({Timeout::Kind::kPrecommit, 1, round});
        ASSERT_EQ(engine->status().round, round + 1);
    }
};

TEST_F(OneEngine, LockedValidatorPrevotesNilForAnotherValueAndItsLockWhenJustified) {
    (void)start();
    ASSERT_EQ(engine->status().step, Step::kPropose);
    const auto a = lock_on_a();
    end_round(0);
    // Round 1: validator 2 proposes B fresh; locked on A, validator 0 prevotes nil.
    const auto b = app.make_block(1, "B");
    auto vs = votes_in(send(proposal(2, 1, b)));
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_TRUE(vs[0].is_nil());
    EXPECT_EQ(vs[0].round, 1u);
    (void)send(vote(1, VoteType::kPrevote, 1, Hash256{}));
    vs = votes_in(send(vote(2, VoteType::kPrevote, 1, Hash256{})));  // line 44
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_EQ(vs[0].type, VoteType::kPrecommit);
    EXPECT_TRUE(vs[0].is_nil());
    end_round(1);
    // Round 2: validator 3 re-proposes A with valid round 0 (2f+1 prevotes there): line 28.
    vs = votes_in(send(proposal(3, 2, a, 0)));
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_EQ(vs[0].block_hash, hash_of(a));
    // Then 2f+1 precommits for A in round 2 commit A with a certificate of round 2.
    (void)send(vote(1, VoteType::kPrecommit, 2, hash_of(a)));
    (void)send(vote(2, VoteType::kPrecommit, 2, hash_of(a)));
    EXPECT_EQ(app.committed_height(), 0u);  // own precommit missing: it has not prevoted 2f+1
    (void)send(vote(1, VoteType::kPrevote, 2, hash_of(a)));
    (void)send(vote(2, VoteType::kPrevote, 2, hash_of(a)));
    ASSERT_EQ(app.committed_height(), 1u);
    EXPECT_EQ(app.certs()[0].round, 2u);
    EXPECT_EQ(app.certs()[0].signatures.size(), 3u);
    EXPECT_TRUE(verify_certificate(suite, kChainId, validators, app.certs()[0]));
    EXPECT_EQ(engine->height(), 2u);
}

TEST_F(OneEngine, ProposalOfTheValidValueAtRoundStart) {
    (void)start();
    const auto a = lock_on_a();
    end_round(0);
    end_round(1);
    for (size_t who : {1, 2, 3})
        (void)send(vote(who, VoteType::kPrecommit, 2, Hash256{}));
    const auto acts = engine->on_timeout({Timeout::Kind::kPrecommit, 1, 2});
    const auto ps = proposals_in(acts);
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].round, 3u);
    EXPECT_EQ(ps[0].valid_round, 0);
    EXPECT_EQ(ps[0].block.header.hash(suite), hash_of(a));
    EXPECT_EQ(app.builds, 0u);  // not a new block
}

TEST_F(OneEngine, RestartKeepsTheLockAndNeverSignsAConflictingVote) {
    (void)start();
    const auto a = lock_on_a();
    ASSERT_TRUE(store.record().has_value());
    EXPECT_EQ(store.record()->step, SafetyRecord::Step::kPrecommit);
    EXPECT_EQ(store.record()->locked_hash, hash_of(a));
    // Restart: same store, same (empty) chain. It sends its recorded precommit again.
    const auto restarted = votes_in(start());
    ASSERT_EQ(restarted.size(), 1u);
    EXPECT_EQ(restarted[0].type, VoteType::kPrecommit);
    EXPECT_EQ(restarted[0].block_hash, hash_of(a));
    const size_t signed_before = signer.signed_count();
    EXPECT_EQ(engine->status().locked_round, 0);
    EXPECT_EQ(engine->status().round, 0u);
    EXPECT_EQ(engine->status().step, Step::kPrecommit);
    // Proposer 1 equivocates with B in round 0: no prevote may be signed (it is below the
    // recorded precommit), and certainly not for B.
    const auto b = app.make_block(0, "B");
    EXPECT_TRUE(votes_in(send(proposal(1, 0, b))).empty());
    EXPECT_EQ(signer.signed_count(), signed_before);
    // Round 1 with B proposed fresh: the restored lock makes it prevote nil.
    end_round(0);
    const auto vs = votes_in(send(proposal(2, 1, b)));
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_TRUE(vs[0].is_nil());
}

TEST_F(OneEngine, RestartWhileLockedReproposesTheLockedBlockWithItsPrevotes) {
    (void)start();
    const auto a = lock_on_a();
    ASSERT_FALSE(store.record()->lock_proof.empty());
    // Restart: the block and the prevotes come back from the record alone.
    (void)start();
    EXPECT_EQ(engine->status().valid_round, 0);
    end_round(0);
    end_round(1);
    for (size_t who : {1, 2, 3})
        (void)send(vote(who, VoteType::kPrecommit, 2, Hash256{}));
    const auto acts = engine->on_timeout({Timeout::Kind::kPrecommit, 1, 2});
    const auto ps = proposals_in(acts);
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].round, 3u);
    EXPECT_EQ(ps[0].valid_round, 0);
    EXPECT_EQ(ps[0].block.header.hash(suite), hash_of(a));
    EXPECT_EQ(app.builds, 0u);
    // The 2f+1 prevotes of round 0 go with it, so a peer that lost them accepts (line 28).
    size_t polka = 0;
    for (const Vote& v : votes_in(acts))
        if (v.round == 0 && v.type == VoteType::kPrevote && v.block_hash == hash_of(a)) ++polka;
    EXPECT_EQ(polka, 3u);
}

TEST(SafetyRecord, RoundTripAndStrictness) {
    SafetyRecord r{7, 3, SafetyRecord::Step::kPrecommit, Hash256{}, 2, Hash256{}, {}};
    r.locked_hash[0] = 1;
    auto d = SafetyRecord::decode(r.encode());
    ASSERT_TRUE(d.has_value()) << d.error();
    EXPECT_EQ(*d, r);
    r.lock_proof = Bytes{0xc0};
    d = SafetyRecord::decode(r.encode());
    ASSERT_TRUE(d.has_value()) << d.error();
    EXPECT_EQ(*d, r);
    EXPECT_EQ(d->encode(), r.encode());
    // An empty seventh item, a proof without a lock, a bad step, trailing bytes.
    Bytes enc = rlp::ListBuilder()
                    .add_uint(7)
                    .add_uint(3)
                    .add_uint(3)
                    .add_string(Hash256{})
                    .add_uint(3)
                    .add_string(Hash256{})
                    .add_string({})
                    .finish();
    EXPECT_FALSE(SafetyRecord::decode(enc).has_value());
    SafetyRecord unlocked{7, 3, SafetyRecord::Step::kPrevote, Hash256{}, -1, Hash256{}, {0xc0}};
    EXPECT_FALSE(SafetyRecord::decode(unlocked.encode()).has_value());
    Bytes bad_step = rlp::ListBuilder()
                         .add_uint(7)
                         .add_uint(3)
                         .add_uint(4)
                         .add_string(Hash256{})
                         .add_uint(0)
                         .add_string(Hash256{})
                         .finish();
    EXPECT_FALSE(SafetyRecord::decode(bad_step).has_value());
    Bytes trailing = r.encode();
    trailing.push_back(0);
    EXPECT_FALSE(SafetyRecord::decode(trailing).has_value());
}

TEST_F(OneEngine, RestartAfterAPrevoteRefusesAnotherHashAtTheSameStep) {
    (void)start();
    const auto a = app.make_block(0, "A");
    ASSERT_EQ(votes_in(send(proposal(1, 0, a))).size(), 1u);
    ASSERT_EQ(store.record()->step, SafetyRecord::Step::kPrevote);
    (void)start();
    const size_t signed_before = signer.signed_count();
    const auto b = app.make_block(0, "B");
    EXPECT_TRUE(votes_in(send(proposal(1, 0, b))).empty());
    EXPECT_EQ(store.record()->block_hash, hash_of(a));
    EXPECT_EQ(signer.signed_count(), signed_before);
    // Its propose timeout would prevote nil at the same step: refused as well.
    EXPECT_TRUE(votes_in(engine->on_timeout({Timeout::Kind::kPropose, 1, 0})).empty());
    // But the same vote again (same content) is fine to re-sign: a restart sends it again.
    const auto vs = votes_in(start());
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_EQ(vs[0].type, VoteType::kPrevote);
    EXPECT_EQ(vs[0].block_hash, hash_of(a));
}

TEST_F(OneEngine, RecordOfAHigherHeightKeepsItSilent) {
    // The node lost blocks (or its chain was wiped) but kept its record of height 5.
    ASSERT_TRUE(store.save(SafetyRecord{
        5, 0, SafetyRecord::Step::kPrecommit, suite.hash(as_bytes("x")), -1, Hash256{}, {}}));
    (void)start();
    EXPECT_EQ(engine->height(), 1u);
    const auto a = app.make_block(0, "A");
    EXPECT_TRUE(votes_in(send(proposal(1, 0, a))).empty());
    EXPECT_TRUE(votes_in(engine->on_timeout({Timeout::Kind::kPropose, 1, 0})).empty());
    EXPECT_EQ(signer.signed_count(), 0u);
    EXPECT_EQ(store.record()->height, 5u);
    EXPECT_FALSE(engine->halted());
}

TEST_F(OneEngine, RecordedProposalIsNotReplacedByAnotherBlock) {
    // It proposed block X at (1, 3) before a restart; the block it builds now differs.
    const Hash256 x = suite.hash(as_bytes("x"));
    ASSERT_TRUE(store.save(SafetyRecord{1, 3, SafetyRecord::Step::kPropose, x, -1, Hash256{}, {}}));
    const auto acts = start();
    EXPECT_EQ(engine->status().round, 3u);
    EXPECT_EQ(app.builds, 1u);
    EXPECT_TRUE(proposals_in(acts).empty());
    EXPECT_EQ(signer.signed_count(), 0u);
    EXPECT_EQ(store.record()->block_hash, x);
}

TEST_F(OneEngine, SafetyStoreFailureHalts) {
    (void)start();
    store.set_fail(true);
    const auto a = app.make_block(0, "A");
    EXPECT_TRUE(votes_in(send(proposal(1, 0, a))).empty());
    EXPECT_TRUE(engine->halted());
    EXPECT_NE(engine->status().halt_reason.find("disk full"), std::string::npos);
    // A halted engine ignores everything.
    EXPECT_TRUE(send(vote(1, VoteType::kPrevote, 0, hash_of(a))).empty());
    EXPECT_TRUE(engine->on_timeout({Timeout::Kind::kPropose, 1, 0}).empty());
}

TEST_F(OneEngine, CommitFailureHalts) {
    (void)start();
    const auto a = lock_on_a();
    app.fail_commit = true;
    (void)send(vote(1, VoteType::kPrecommit, 0, hash_of(a)));
    (void)send(vote(2, VoteType::kPrecommit, 0, hash_of(a)));
    EXPECT_TRUE(engine->halted());
    EXPECT_NE(engine->status().halt_reason.find("disk on fire"), std::string::npos);
}

TEST_F(OneEngine, InvalidBlockGetsANilPrevote) {
    (void)start();
    const auto bad = app.make_block(0, "bad");
    const auto vs = votes_in(send(proposal(1, 0, bad)));
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_TRUE(vs[0].is_nil());
    EXPECT_EQ(engine->status().stats.invalid_blocks, 1u);
}

TEST_F(OneEngine, BadMessagesAreDroppedAndCounted) {
    (void)start();
    const auto a = app.make_block(0, "A");
    // Wrong proposer: validator 2 proposing in round 0 (proposer is 1).
    EXPECT_TRUE(send(proposal(2, 0, a)).empty());
    // A key outside the set.
    EXPECT_TRUE(send(proposal(7, 0, a)).empty());
    Vote outsider = test::make_vote(suite, kChainId, 7, VoteType::kPrevote, 1, 0, hash_of(a));
    EXPECT_TRUE(send(outsider).empty());
    // A signature by someone else, a garbage signature, another chain's signature.
    Vote forged = vote(1, VoteType::kPrevote, 0, hash_of(a));
    forged.signature = vote(2, VoteType::kPrevote, 0, hash_of(a)).signature;
    EXPECT_TRUE(send(forged).empty());
    Vote garbage = vote(1, VoteType::kPrevote, 0, hash_of(a));
    garbage.signature = Bytes(3, 1);
    EXPECT_TRUE(send(garbage).empty());
    Vote other_chain =
        test::make_vote(suite, kChainId + 1, 1, VoteType::kPrevote, 1, 0, hash_of(a));
    EXPECT_TRUE(send(other_chain).empty());
    Proposal bad_sig = proposal(1, 0, a);
    bad_sig.signature = proposal(1, 0, app.make_block(0, "B")).signature;
    EXPECT_TRUE(send(bad_sig).empty());
    const Stats s = engine->status().stats;
    EXPECT_EQ(s.received, 7u);
    EXPECT_EQ(s.dropped_wrong_proposer, 1u);
    EXPECT_EQ(s.dropped_not_validator, 2u);
    EXPECT_EQ(s.dropped_bad_signature, 4u);
    // Nothing was stored: the real proposal is still taken.
    EXPECT_EQ(votes_in(send(proposal(1, 0, a))).size(), 1u);
    // A second, different vote of validator 1 at (1, 0, prevote) is an equivocation.
    (void)send(vote(1, VoteType::kPrevote, 0, hash_of(a)));
    (void)send(vote(1, VoteType::kPrevote, 0, Hash256{}));
    (void)send(vote(1, VoteType::kPrevote, 0, hash_of(a)));  // a duplicate: ignored
    EXPECT_EQ(engine->status().stats.equivocations, 1u);
    EXPECT_EQ(engine->status().validators[1].prevote, hash_of(a));
}

TEST_F(OneEngine, EquivocatingProposerSecondBlockCanStillBeLockedAndCommitted) {
    (void)start();
    const auto a = app.make_block(0, "A");
    const auto b = app.make_block(0, "B");
    // Proposer 1 sends A (we prevote it), then B to everybody else.
    ASSERT_EQ(votes_in(send(proposal(1, 0, a))).at(0).block_hash, hash_of(a));
    EXPECT_TRUE(send(proposal(1, 0, b)).empty());
    // Validator 1 prevotes A, then B; 2 and 3 prevote B: B has 2f+1 only with 1's second vote.
    (void)send(vote(1, VoteType::kPrevote, 0, hash_of(a)));
    (void)send(vote(2, VoteType::kPrevote, 0, hash_of(b)));
    (void)send(vote(1, VoteType::kPrevote, 0, hash_of(b)));
    const auto vs = votes_in(send(vote(3, VoteType::kPrevote, 0, hash_of(b))));
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_EQ(vs[0].type, VoteType::kPrecommit);
    EXPECT_EQ(vs[0].block_hash, hash_of(b));  // line 36 on the second proposal
    EXPECT_EQ(engine->status().stats.equivocations, 2u);
    // The certificate may carry validator 1's precommit for B even after one for A.
    (void)send(vote(1, VoteType::kPrecommit, 0, hash_of(a)));
    (void)send(vote(1, VoteType::kPrecommit, 0, hash_of(b)));
    (void)send(vote(2, VoteType::kPrecommit, 0, hash_of(b)));
    ASSERT_EQ(app.committed_height(), 1u);
    EXPECT_EQ(app.blocks()[0], b.block);
    ASSERT_EQ(app.certs()[0].signatures.size(), 3u);
    EXPECT_EQ(app.certs()[0].signatures[1].validator_index, 1u);
    EXPECT_TRUE(verify_certificate(suite, kChainId, validators, app.certs()[0]));
}

TEST_F(OneEngine, JunkVotesForUnknownValuesAreCappedButKnownOnesKept) {
    (void)start();
    const auto a = app.make_block(0, "A");
    for (int i = 0; i < 10; ++i)
        (void)send(vote(1, VoteType::kPrevote, 0, suite.hash(as_bytes(std::to_string(i)))));
    // The proposal of A arrives later; validator 1's prevote for A is still taken.
    (void)send(proposal(1, 0, a));
    (void)send(vote(1, VoteType::kPrevote, 0, hash_of(a)));
    const auto vs = votes_in(send(vote(2, VoteType::kPrevote, 0, hash_of(a))));
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_EQ(vs[0].type, VoteType::kPrecommit);
    EXPECT_EQ(vs[0].block_hash, hash_of(a));
}

TEST_F(OneEngine, FutureRoundMessagesAreBoundedAndFPlusOneSkipsAhead) {
    Config cfg = test_config();
    cfg.max_buffered = 3;
    engine = std::make_unique<Engine>(suite, cfg, validators, app, &signer, &store);
    (void)engine->start();
    (void)send(vote(1, VoteType::kPrevote, 5, Hash256{}));
    (void)send(vote(2, VoteType::kPrevote, 6, Hash256{}));
    EXPECT_EQ(engine->status().round, 0u);
    // f + 1 = 2 validators in round 6: start round 6 (line 55).
    (void)send(vote(3, VoteType::kPrecommit, 6, Hash256{}));
    EXPECT_EQ(engine->status().round, 6u);
    EXPECT_EQ(engine->status().step, Step::kPropose);
    // Rounds 7.. are in the future again: three are kept, the fourth dropped.
    (void)send(vote(1, VoteType::kPrevote, 9, Hash256{}));
    (void)send(vote(2, VoteType::kPrevote, 10, Hash256{}));
    (void)send(vote(3, VoteType::kPrevote, 11, Hash256{}));
    EXPECT_EQ(engine->status().stats.dropped_buffer_full, 0u);
    (void)send(vote(1, VoteType::kPrevote, 12, Hash256{}));
    EXPECT_EQ(engine->status().stats.dropped_buffer_full, 1u);
    EXPECT_EQ(engine->status().round, 6u);
}

TEST(Certificate, EveryCheck) {
    const auto& suite = crypto::ecdsa_suite();
    const ValidatorSet vs = test::make_validators(suite, 4);
    const Hash256 h = suite.hash(as_bytes("block"));
    auto ok = test::make_certificate(suite, kChainId, 3, 1, h, {0, 2, 3});
    EXPECT_TRUE(verify_certificate(suite, kChainId, vs, ok));
    EXPECT_TRUE(verify_certificate(suite, kChainId, vs,
                                   test::make_certificate(suite, kChainId, 3, 1, h, {0, 1, 2, 3})));
    auto err = [&](const protocol::CommitCertificate& c, uint64_t chain = kChainId) {
        auto r = verify_certificate(suite, chain, vs, c);
        EXPECT_FALSE(r.has_value());
        return r ? std::string() : r.error();
    };
    EXPECT_EQ(err(test::make_certificate(suite, kChainId, 3, 1, h, {0, 2})),
              "power 2 of 4 is not above 2/3");
    EXPECT_EQ(err(test::make_certificate(suite, kChainId, 3, 1, h, {0, 2, 7})),
              "signer index 7 out of range");
    auto unsorted = ok;
    std::swap(unsorted.signatures[0], unsorted.signatures[1]);
    EXPECT_EQ(err(unsorted), "signer indexes not strictly ascending at position 1");
    auto dup = ok;
    dup.signatures[1] = dup.signatures[0];
    EXPECT_EQ(err(dup), "signer indexes not strictly ascending at position 1");
    auto malformed = ok;
    malformed.signatures[1].signature.resize(10);
    EXPECT_EQ(err(malformed),
              "signature of validator " + to_hex(vs.at(2).address) + " is malformed");
    auto wrong = ok;
    wrong.round = 2;  // the signatures are over round 1
    EXPECT_EQ(err(wrong),
              "signature of validator " + to_hex(vs.at(0).address) + " does not verify");
    EXPECT_EQ(err(ok, kChainId + 1),
              "signature of validator " + to_hex(vs.at(0).address) + " does not verify");
    EXPECT_EQ(err(test::make_certificate(suite, kChainId, 3, 1, Hash256{}, {0, 1, 2})),
              "certificate for nil");
}

TEST(Validators, QuorumsAndRotation) {
    const auto& suite = crypto::ecdsa_suite();
    for (size_t n : {1u, 2u, 3u, 4u, 7u, 10u}) {
        const ValidatorSet vs = test::make_validators(suite, n);
        EXPECT_EQ(vs.total_power(), n);
        EXPECT_GT(3 * vs.quorum(), 2 * n);
        EXPECT_LE(3 * (vs.quorum() - 1), 2 * n);
        EXPECT_GT(3 * vs.weak_quorum(), n);
        EXPECT_EQ(vs.proposer_index(5, 3), (5 + 3) % n);
        EXPECT_EQ(vs.index_of(vs.at(n - 1).address), n - 1);
    }
    EXPECT_EQ(test::make_validators(suite, 4).proposer_index(UINT64_MAX, UINT32_MAX),
              (UINT64_MAX % 4 + UINT32_MAX % 4) % 4);
    EXPECT_FALSE(test::make_validators(suite, 4).index_of(Address{}).has_value());
}

TEST_F(OneEngine, CatchUpWithFinalizedBlocks) {
    (void)start();
    // Others finished heights 1 and 2; a FinalizedBlock with a bad certificate is refused.
    ToyApp other(suite, kChainId, validators, "other");
    for (uint64_t h = 1; h <= 2; ++h) {
        const auto b = other.make_block(0, "x");
        const Hash256 bh = hash_of(b);
        ASSERT_TRUE(other.commit_block(b.block, bh,
                                       test::make_certificate(suite, kChainId, h, 0, bh, {1, 2, 3}),
                                       b.prev_certificate));
    }
    auto weak = *other.finalized_block(1);
    weak.certificate =
        test::make_certificate(suite, kChainId, 1, 0, weak.certificate.block_hash, {1, 2});
    (void)send(weak, 11);
    auto other_block = *other.finalized_block(1);
    other_block.certificate.block_hash = Hash256{};
    (void)send(other_block, 12);
    EXPECT_EQ(engine->status().stats.bad_certificates, 2u);
    // A peer that sent a bad one is not checked again in this period.
    (void)send(weak, 11);
    (void)send(*other.finalized_block(1), 11);
    EXPECT_EQ(engine->status().stats.bad_certificates, 2u);
    EXPECT_EQ(app.committed_height(), 0u);
    // A vote of height 3 from peer 5: ask it for blocks from height 1.
    auto sends = sends_in(send(vote(1, VoteType::kPrevote, 0, Hash256{}, 3), 5));
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(sends[0].peer, 5u);
    EXPECT_EQ(std::get<protocol::SyncRequest>(sends[0].message),
              (protocol::SyncRequest{1, protocol::kMaxSyncBlocks}));
    // Once per period.
    EXPECT_TRUE(sends_in(send(vote(2, VoteType::kPrevote, 0, Hash256{}, 3), 5)).empty());
    // The answer: both blocks commit in order.
    (void)send(*other.finalized_block(1), 5);
    (void)send(*other.finalized_block(2), 5);
    EXPECT_EQ(app.committed_height(), 2u);
    EXPECT_EQ(app.blocks(), other.blocks());
    EXPECT_EQ(engine->height(), 3u);
    // Now peer 6 is behind at height 1: answered with the FinalizedBlock of height 1, once.
    sends = sends_in(send(vote(1, VoteType::kPrevote, 0, Hash256{}, 1), 6));
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(std::get<protocol::FinalizedBlock>(sends[0].message).block, app.blocks()[0]);
    EXPECT_TRUE(sends_in(send(vote(2, VoteType::kPrevote, 0, Hash256{}, 1), 6)).empty());
    // A SyncRequest from peer 7 gets every committed block from its height on.
    sends = sends_in(send(protocol::SyncRequest{1, 16}, 7));
    ASSERT_EQ(sends.size(), 2u);
    EXPECT_EQ(std::get<protocol::FinalizedBlock>(sends[1].message).block, app.blocks()[1]);
    EXPECT_TRUE(sends_in(send(protocol::SyncRequest{1, 16}, 7)).empty());  // rate limit
    // After a rebroadcast tick the period is over.
    (void)engine->on_timeout({Timeout::Kind::kRebroadcast, 3, 0});
    EXPECT_EQ(sends_in(send(protocol::SyncRequest{1, 1}, 7)).size(), 1u);
    EXPECT_GE(engine->status().stats.dropped_old, 2u);
}

TEST_F(OneEngine, FinalizedBlockNamingAnotherPreviousCertificate) {
    (void)start();
    // The others committed block 1 with precommits of 1, 2, 3; this node got it with 0, 1, 2.
    ToyApp other(suite, kChainId, validators, "other");
    const auto b1 = other.make_block(0, "x");
    const Hash256 h1 = hash_of(b1);
    const auto cert_a = test::make_certificate(suite, kChainId, 1, 0, h1, {1, 2, 3});
    const auto cert_b = test::make_certificate(suite, kChainId, 1, 0, h1, {0, 1, 2});
    ASSERT_TRUE(other.commit_block(b1.block, h1, cert_a, std::nullopt));
    (void)send(protocol::FinalizedBlock{b1.block, cert_b}, 5);
    ASSERT_EQ(app.committed_height(), 1u);
    // Block 2 names cert_a, which this node has never seen: the application refuses it, the
    // engine carries on and asks the peer from height 1.
    const auto b2 = other.make_block(0, "y");
    const Hash256 h2 = hash_of(b2);
    ASSERT_TRUE(other.commit_block(b2.block, h2,
                                   test::make_certificate(suite, kChainId, 2, 0, h2, {1, 2, 3}),
                                   b2.prev_certificate));
    auto sends = sends_in(send(*other.finalized_block(2), 6));
    EXPECT_EQ(engine->status().stats.rejected_finalized, 1u);
    EXPECT_FALSE(engine->halted());
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(std::get<protocol::SyncRequest>(sends[0].message),
              (protocol::SyncRequest{1, protocol::kMaxSyncBlocks}));
    // The answer starts with block 1 and cert_a, which block 2 then uses.
    (void)send(*other.finalized_block(1), 6);
    (void)send(*other.finalized_block(2), 6);
    ASSERT_EQ(app.committed_height(), 2u);
    EXPECT_EQ(app.certs()[0], cert_a);
    EXPECT_EQ(app.blocks(), other.blocks());
}

TEST_F(OneEngine, FinalizedBlockTheApplicationRefusesDoesNotHalt) {
    (void)start();
    const auto bad = app.make_block(0, "bad");
    const Hash256 h = hash_of(bad);
    (void)send(protocol::FinalizedBlock{bad.block, test::make_certificate(suite, kChainId, 1, 0, h,
                                                                          {1, 2, 3})},
               5);
    EXPECT_EQ(engine->status().stats.rejected_finalized, 1u);
    EXPECT_EQ(engine->status().stats.bad_certificates, 0u);
    EXPECT_FALSE(engine->halted());
    EXPECT_EQ(app.committed_height(), 0u);
}

TEST(Engine, SmSuiteSingleValidatorAndObserverSync) {
    const auto& suite = crypto::sm_suite();
    Cluster c(suite, 1, 1);
    c.start_all();
    c.deliver_all();
    for (int i = 0; i < 3; ++i) {
        c.fire_all(Timeout::Kind::kNewHeight);
        c.deliver_all();
    }
    EXPECT_EQ(c.node(0).app->committed_height(), 4u);
    EXPECT_EQ(c.node(1).app->blocks(), c.node(0).app->blocks());
}

}  // namespace
}  // namespace xl::consensus
