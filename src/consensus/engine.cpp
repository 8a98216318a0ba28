// SPDX-License-Identifier: Apache-2.0
// The BFT engine: Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic
// 2018) with execute-before-vote, a vote-safety record, buffering and catch-up. Comments cite
// the paper's line numbers; docs/spec/consensus.md maps every line to a function here.
#include "consensus/engine.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "codec/rlp.hpp"
#include "core/assert.hpp"

namespace xl::consensus {

namespace {

using protocol::Proposal;
using protocol::Vote;
using protocol::VoteType;

// Catch-up answers and requests remembered per rebroadcast period (rate limit); beyond this
// many (peer, height) pairs in one period, further ones wait for the next period.
constexpr size_t kMaxAnsweredPerPeriod = 4096;
constexpr size_t kMaxSyncPeersPerPeriod = 1024;
// Distinct values of unknown blocks one validator's votes are kept for, per round and type
// (only a faulty validator votes for more than one value).
constexpr uint32_t kMaxValuesPerValidator = 4;

// The votes and the proposal of one round of the current height.
struct RoundState {
    // The first vote of each validator per type (by validator index): the "any value" counts
    // of lines 34, 47 and 55, status, rebroadcast.
    std::map<uint32_t, Vote> prevotes;
    std::map<uint32_t, Vote> precommits;
    // Every validly signed vote per value (zero hash = nil), equivocations included: a value's
    // 2f+1 may need the vote of a validator that also voted for another value (an equivocating
    // proposer splits the honest ones; Tendermint's VoteSet keeps such votes too). Safe: two
    // values with 2f+1 each in one round would need f+1 equivocators.
    std::map<Hash256, std::map<uint32_t, Vote>> prevotes_for;
    std::map<Hash256, std::map<uint32_t, Vote>> precommits_for;
    std::map<uint32_t, uint32_t> prevote_values;  // distinct values per validator (bounded)
    std::map<uint32_t, uint32_t> precommit_values;
    // Voting power per value (from *_for), and of the first votes of the kind.
    std::map<Hash256, uint64_t> prevote_power;
    std::map<Hash256, uint64_t> precommit_power;
    uint64_t prevote_total = 0;
    uint64_t precommit_total = 0;
    // Validators that sent any message of this round (Algorithm 1 line 55).
    std::set<uint32_t> senders;
    uint64_t sender_power = 0;
    // The proposal of proposer(h, r), if received (the block itself is in Impl::blocks).
    bool has_proposal = false;
    Hash256 proposal_hash;
    int64_t proposal_valid_round = -1;
    Bytes proposal_signature;
    // Further, different proposals of the same proposer for this round (equivocation): their
    // blocks may still get 2f+1 prevotes, and line 36 must then be able to lock on them.
    std::set<Hash256> other_proposals;
    // Messages stored while this round was in the future (counted against max_buffered).
    size_t buffered = 0;
};

struct KnownBlock {
    protocol::Block block;
    std::optional<protocol::CommitCertificate> prev_certificate;
    std::optional<bool> valid;  // valid(v) of Algorithm 1, cached (execute-before-vote)
};

using StepKey = std::tuple<uint64_t, uint32_t, uint8_t>;

}  // namespace

struct Engine::Impl {
    Impl(const crypto::CryptoSuite& s, Config c, ValidatorSet v, Application& a, Signer* sg,
         SafetyStore* sf)
        : suite(s), config(c), validators(std::move(v)), app(a), signer(sg), safety(sf) {
        if (signer) {
            me = validators.index_of(signer->address());
            XL_ASSERT(me.has_value());
        }
    }

    const crypto::CryptoSuite& suite;
    Config config;
    ValidatorSet validators;
    Application& app;
    Signer* signer;
    SafetyStore* safety;
    std::optional<size_t> me;

    bool started = false;
    bool halted = false;
    std::string halt_reason;
    Stats stats;

    // Algorithm 1's h_p, round_p, step_p, lockedValue/lockedRound, validValue/validRound.
    uint64_t height = 0;
    uint32_t round = 0;
    Step step = Step::kNewHeight;
    int64_t locked_round = -1;
    Hash256 locked_hash;
    int64_t valid_round = -1;
    Hash256 valid_hash;
    Bytes lock_proof;  // SafetyRecord::lock_proof of the current lock

    std::map<uint32_t, RoundState> rounds;
    std::map<Hash256, KnownBlock> blocks;
    // "for the first time" guards of lines 34, 36 and 47, per round.
    std::set<uint32_t> fired_prevote_timeout;
    std::set<uint32_t> fired_lock;
    std::set<uint32_t> fired_precommit_timeout;
    std::optional<Proposal> own_proposal;  // for rebroadcast

    std::optional<SafetyRecord> record;  // the last record saved (or loaded)

    // Round 0 of a height starts after the block interval, and with wait_for_txs only once
    // transactions wait or a message of the height arrived.
    bool interval_elapsed = false;
    bool txs_available = false;
    // The interval of height h + 1 runs from the start of round 0 of height h: its kNewHeight
    // timer is scheduled then (interval_height = h + 1), and if it fires before height h + 1
    // is entered, interval_fired_height records it. A height that took longer than the
    // interval is followed by round 0 of the next at once.
    uint64_t interval_height = 0;
    uint64_t interval_fired_height = 0;

    // Bounded buffering: messages of future rounds (in `rounds`) and of height + 1.
    size_t future_count = 0;
    std::vector<std::pair<PeerId, Message>> next_height;  // verified proposals and votes
    std::set<Hash256> next_height_signatures;  // hashes of their signatures: no duplicates

    // Catch-up and its rate limits.
    std::set<std::pair<PeerId, uint64_t>> answered;  // (peer, height) answered this period
    std::set<PeerId> sync_asked;                     // asked this period
    std::set<PeerId> ahead_peers;                    // sent messages of height + 1
    std::map<PeerId, uint64_t> sync_until;           // end of the range last asked for
    std::set<PeerId> finalized_checked;              // sent a FinalizedBlock we checked
    // The verified certificate of height - 1 from a peer's FinalizedBlock: the one the next
    // block's header may name (it can differ from the one this node stored at its commit).
    std::optional<protocol::CommitCertificate> synced_certificate;
    uint32_t ticks_at_height = 0;

    std::vector<Action> out;

    // ---- helpers ----

    std::chrono::milliseconds timeout_for(std::chrono::milliseconds base, uint32_t r) const {
        return base + config.timeout_delta * static_cast<int64_t>(r);
    }
    void schedule(Timeout::Kind kind, uint32_t r, std::chrono::milliseconds after) {
        out.push_back(ScheduleTimeout{Timeout{kind, height, r}, after});
    }
    void halt(std::string reason) {
        if (halted) return;
        halted = true;
        halt_reason = std::move(reason);
    }
    bool is_proposer() const { return me && validators.proposer_index(height, round) == *me; }

    // ---- heights and rounds ----

    void enter_height(uint64_t h) {
        height = h;
        round = 0;
        step = Step::kNewHeight;
        locked_round = -1;
        locked_hash = Hash256{};
        valid_round = -1;
        valid_hash = Hash256{};
        lock_proof.clear();
        rounds.clear();
        blocks.clear();
        fired_prevote_timeout.clear();
        fired_lock.clear();
        fired_precommit_timeout.clear();
        own_proposal.reset();
        interval_elapsed = false;
        txs_available = false;
        future_count = 0;
        ahead_peers.clear();
        ticks_at_height = 0;
        synced_certificate.reset();
        if (interval_fired_height == h) {
            schedule(Timeout::Kind::kNewHeight, 0, std::chrono::milliseconds(0));
        } else if (interval_height != h) {
            schedule(Timeout::Kind::kNewHeight, 0, config.block_interval);
        }  // else the timer started with round 0 of height h - 1 is still to fire
        schedule(Timeout::Kind::kRebroadcast, 0, config.rebroadcast);
        replay_next_height();
    }

    // Buffered messages of the height just entered are stored now (verified when buffered);
    // those of the height after stay; older ones are gone.
    void replay_next_height() {
        std::vector<std::pair<PeerId, Message>> buffered;
        buffered.swap(next_height);
        next_height_signatures.clear();
        for (auto& [peer, m] : buffered) {
            const uint64_t mh = std::holds_alternative<Vote>(m) ? std::get<Vote>(m).height
                                                                : std::get<Proposal>(m).height;
            if (mh == height + 1) {
                buffer_next(peer, std::move(m));
            } else if (mh == height) {
                if (auto* v = std::get_if<Vote>(&m)) {
                    store_vote(*v);
                } else {
                    const Proposal& p = std::get<Proposal>(m);
                    store_proposal(p, p.block.header.hash(suite));
                }
            }
        }
    }

    // StartRound(round), lines 11-21.
    void start_round(uint32_t r) {
        for (auto it = rounds.upper_bound(round); it != rounds.end() && it->first <= r; ++it) {
            future_count -= it->second.buffered;
            it->second.buffered = 0;
        }
        round = r;
        step = Step::kPropose;
        if (r == 0 && interval_height != height + 1) {
            interval_height = height + 1;
            out.push_back(ScheduleTimeout{Timeout{Timeout::Kind::kNewHeight, height + 1, 0},
                                          config.block_interval});
        }
        // Lines 20-21 (for the proposer too: if it cannot build a block, the round still ends).
        schedule(Timeout::Kind::kPropose, r, timeout_for(config.timeout_propose, r));
        if (is_proposer()) propose();  // lines 14-19
    }

    void maybe_start_round0() {
        if (step != Step::kNewHeight || !interval_elapsed) return;
        if (config.wait_for_txs && !txs_available && rounds.empty()) return;
        start_round(0);
    }

    // ---- signing under the safety record ----

    // Saves the record for (height, round, step, hash) and signs `message`, or refuses: never
    // below the record's (h, r, step), never another hash at the same one.
    std::optional<Bytes> sign(SafetyRecord::Step s, const Hash256& hash, BytesView message) {
        if (!signer || halted) return std::nullopt;
        SafetyRecord next{height, round, s, hash, locked_round, locked_hash, lock_proof};
        if (record) {
            const StepKey mine{height, round, static_cast<uint8_t>(s)};
            const StepKey last{record->height, record->round, static_cast<uint8_t>(record->step)};
            if (mine < last) return std::nullopt;
            if (mine == last && hash != record->block_hash) return std::nullopt;
        }
        if (safety && (!record || *record != next)) {
            auto saved = safety->save(next);
            if (!saved) {
                halt("safety record not saved: " + saved.error());
                return std::nullopt;
            }
        }
        record = next;
        auto sig = signer->sign(message);
        if (!sig) {
            halt("signing failed: " + sig.error());
            return std::nullopt;
        }
        return std::move(*sig);
    }

    // Lines 14-19: the proposer proposes validValue if it has it, else getValue().
    void propose() {
        Proposal p;
        p.height = height;
        p.round = round;
        p.proposer = signer->address();
        Hash256 hash;
        auto known = valid_round >= 0 ? blocks.find(valid_hash) : blocks.end();
        if (known != blocks.end()) {
            hash = valid_hash;
            p.valid_round = valid_round;
            p.block = known->second.block;
            p.prev_certificate = known->second.prev_certificate;
        } else {
            auto built = app.build_block(height, round);
            if (!built) return;
            hash = built->block.header.hash(suite);
            p.block = std::move(built->block);
            p.prev_certificate = std::move(built->prev_certificate);
            // The application built it by executing it: valid by construction.
            blocks.try_emplace(hash, KnownBlock{p.block, p.prev_certificate, true});
        }
        auto sig = sign(SafetyRecord::Step::kPropose, hash, p.sign_bytes(config.chain_id, hash));
        if (!sig) return;
        p.signature = std::move(*sig);
        store_proposal(p, hash);
        own_proposal = p;
        out.push_back(Broadcast{std::move(p)});
        broadcast_polka();
    }

    // A proposal with a valid round is accepted (line 28) only by those who have the 2f+1
    // prevotes of that round; peers that restarted, or joined later, do not. So the proposer
    // sends the prevotes it holds for the value at the valid round along with its proposal
    // (and again on every rebroadcast while the round lasts).
    void broadcast_polka() {
        if (!own_proposal || own_proposal->round != round || own_proposal->valid_round < 0) return;
        auto prior = rounds.find(static_cast<uint32_t>(own_proposal->valid_round));
        if (prior == rounds.end()) return;
        const Hash256 v = rounds[round].proposal_hash;
        for (const auto& [index, vote] : prior->second.prevotes_for[v])
            out.push_back(Broadcast{vote});
    }

    // Entering the prevote or precommit step also arms a stall timer (not in Algorithm 1, which
    // waits for 2f+1 votes of any kind before it schedules OnTimeoutPrevote/OnTimeoutPrecommit):
    // votes lost for good (peers that crashed before anyone kept them) would otherwise stop
    // the round forever. Firing it runs the same handler, so it only ever precommits nil or
    // moves to the next round, both safe at any time; it is longer than the normal timeouts,
    // so in a working round the 2f+1 votes come first.
    void enter_step(Step s) {
        if (step == s) return;
        step = s;
        const auto stall = timeout_for(config.timeout_propose, round);
        if (s == Step::kPrevote) {
            schedule(Timeout::Kind::kPrevote, round,
                     stall + timeout_for(config.timeout_prevote, round));
        } else if (s == Step::kPrecommit) {
            schedule(Timeout::Kind::kPrecommit, round,
                     stall + timeout_for(config.timeout_precommit, round));
        }
    }

    void cast_vote(VoteType type, const Hash256& hash) {
        enter_step(type == VoteType::kPrevote ? Step::kPrevote : Step::kPrecommit);
        Vote v;
        v.type = type;
        v.height = height;
        v.round = round;
        v.block_hash = hash;
        if (!signer) return;  // an observer moves through the steps without voting
        v.validator = signer->address();
        const auto s = type == VoteType::kPrevote ? SafetyRecord::Step::kPrevote
                                                  : SafetyRecord::Step::kPrecommit;
        auto sig = sign(s, hash, v.sign_bytes(config.chain_id));
        if (!sig) return;
        v.signature = std::move(*sig);
        store_vote(v);
        out.push_back(Broadcast{std::move(v)});
    }

    // ---- storing verified messages of the current height ----

    RoundState& round_state(uint32_t r, bool counted_future) {
        RoundState& rs = rounds[r];
        if (counted_future) {
            ++rs.buffered;
            ++future_count;
        }
        return rs;
    }

    void add_sender(RoundState& rs, uint32_t index) {
        if (rs.senders.insert(index).second) rs.sender_power += validators.at(index).power;
    }

    bool buffer_full() const { return future_count + next_height.size() >= config.max_buffered; }

    void buffer_next(PeerId from, Message m) {
        const Bytes& sig = std::holds_alternative<Vote>(m) ? std::get<Vote>(m).signature
                                                           : std::get<Proposal>(m).signature;
        if (!next_height_signatures.insert(suite.hash(sig)).second) return;
        next_height.emplace_back(from, std::move(m));
    }

    // A message of height + 1 already buffered (a rebroadcast): nothing to verify again.
    bool buffered_next(const Bytes& signature) const {
        return next_height_signatures.count(suite.hash(signature)) > 0;
    }

    void store_vote(const Vote& v) {
        const auto index = validators.index_of(v.validator);
        XL_ASSERT(index.has_value());
        const auto i = static_cast<uint32_t>(*index);
        RoundState& rs = rounds[v.round];
        const bool prevote = v.type == VoteType::kPrevote;
        auto& by_value = prevote ? rs.prevotes_for : rs.precommits_for;
        auto& per_value = by_value[v.block_hash];
        if (per_value.count(i)) return;
        // Votes for nil or for a block we hold are always kept (both are bounded); of votes for
        // unknown values, a few per validator (a faulty one could send any number).
        uint32_t& values = (prevote ? rs.prevote_values : rs.precommit_values)[i];
        const bool known = v.block_hash.is_zero() || blocks.count(v.block_hash) > 0;
        if (!known && values >= kMaxValuesPerValidator) {
            if (per_value.empty()) by_value.erase(v.block_hash);
            return;
        }
        ++values;
        per_value.emplace(i, v);
        if (v.round > round) {
            ++rs.buffered;
            ++future_count;
        }
        const uint64_t power = validators.at(i).power;
        (prevote ? rs.prevote_power : rs.precommit_power)[v.block_hash] += power;
        if ((prevote ? rs.prevotes : rs.precommits).emplace(i, v).second) {
            (prevote ? rs.prevote_total : rs.precommit_total) += power;
            add_sender(rs, i);
        }
    }

    // The stored vote of this validator for this value, if any.
    const Vote* stored_vote(const Vote& v, uint32_t index) const {
        auto r = rounds.find(v.round);
        if (r == rounds.end()) return nullptr;
        const auto& by_value =
            v.type == VoteType::kPrevote ? r->second.prevotes_for : r->second.precommits_for;
        auto per_value = by_value.find(v.block_hash);
        if (per_value == by_value.end()) return nullptr;
        auto e = per_value->second.find(index);
        return e == per_value->second.end() ? nullptr : &e->second;
    }

    // Whether this validator already voted for another value at (round, type).
    bool voted_other(const Vote& v, uint32_t index) const {
        auto r = rounds.find(v.round);
        if (r == rounds.end()) return false;
        const auto& first =
            v.type == VoteType::kPrevote ? r->second.prevotes : r->second.precommits;
        auto e = first.find(index);
        return e != first.end() && e->second.block_hash != v.block_hash;
    }

    void store_proposal(const Proposal& p, const Hash256& hash) {
        RoundState& rs = round_state(p.round, p.round > round);
        if (rs.has_proposal) return;
        rs.has_proposal = true;
        rs.proposal_hash = hash;
        rs.proposal_valid_round = p.valid_round;
        rs.proposal_signature = p.signature;
        blocks.try_emplace(hash, KnownBlock{p.block, p.prev_certificate, std::nullopt});
        add_sender(rs, static_cast<uint32_t>(validators.proposer_index(p.height, p.round)));
    }

    // valid(v): the application executed the block and found its header right.
    bool valid(const Hash256& hash) {
        auto it = blocks.find(hash);
        if (it == blocks.end()) return false;
        KnownBlock& kb = it->second;
        if (!kb.valid) {
            kb.valid = kb.block.header.number == height &&
                       app.validate_block(kb.block, hash, kb.prev_certificate);
            if (!*kb.valid) ++stats.invalid_blocks;
        }
        return *kb.valid;
    }

    // ---- incoming messages ----

    bool verify(const Validator& v, BytesView message, BytesView wire) const {
        auto sig = crypto::decode_signature(suite.id(), wire);
        return sig && suite.verify(v.public_key, message, *sig).has_value();
    }

    void on_vote(PeerId from, const Vote& v) {
        if (v.height < height) return on_old(from, v.height);
        if (v.height > height + 1) return request_sync(from);
        const auto index = validators.index_of(v.validator);
        if (!index) {
            ++stats.dropped_not_validator;
            return;
        }
        const Validator& val = validators.at(*index);
        const auto i = static_cast<uint32_t>(*index);
        if (v.height == height) {
            if (stored_vote(v, i)) return;  // a duplicate (rebroadcast): no signature check
        } else if (buffered_next(v.signature)) {
            return;
        }
        const bool future = v.height > height || v.round > round;
        if (future && buffer_full()) {
            ++stats.dropped_buffer_full;
            return;
        }
        if (!verify(val, v.sign_bytes(config.chain_id), v.signature)) {
            ++stats.dropped_bad_signature;
            return;
        }
        // Kept all the same (see RoundState).
        if (v.height == height && voted_other(v, i)) ++stats.equivocations;
        if (v.height > height) {
            ahead_peers.insert(from);
            buffer_next(from, v);
            return;
        }
        store_vote(v);
        maybe_start_round0();
    }

    void on_proposal(PeerId from, const Proposal& p) {
        if (p.height < height) return on_old(from, p.height);
        if (p.height > height + 1) return request_sync(from);
        const Validator& expected = validators.proposer(p.height, p.round);
        if (p.proposer != expected.address) {
            if (validators.index_of(p.proposer)) {
                ++stats.dropped_wrong_proposer;
            } else {
                ++stats.dropped_not_validator;
            }
            return;
        }
        const Hash256 hash = p.block.header.hash(suite);
        const RoundState* rs = nullptr;
        if (p.height == height) {
            if (auto r = rounds.find(p.round); r != rounds.end() && r->second.has_proposal)
                rs = &r->second;
            if (rs && rs->proposal_hash == hash && rs->proposal_valid_round == p.valid_round &&
                rs->proposal_signature == p.signature)
                return;  // a duplicate
            if (rs && (rs->other_proposals.count(hash) ||
                       rs->other_proposals.size() >= kMaxValuesPerValidator))
                return;  // an equivocation already seen, or too many
        } else if (buffered_next(p.signature)) {
            return;
        }
        const bool future = p.height > height || p.round > round;
        if (!rs && future && buffer_full()) {
            ++stats.dropped_buffer_full;
            return;
        }
        if (!verify(expected, p.sign_bytes(config.chain_id, hash), p.signature)) {
            ++stats.dropped_bad_signature;
            return;
        }
        if (rs) {
            ++stats.equivocations;  // a second proposal of one proposer for one round
            rounds[p.round].other_proposals.insert(hash);
            blocks.try_emplace(hash, KnownBlock{p.block, p.prev_certificate, std::nullopt});
            return;
        }
        if (p.height > height) {
            ahead_peers.insert(from);
            buffer_next(from, p);
            return;
        }
        store_proposal(p, hash);
        maybe_start_round0();
    }

    // A message of a lower height: the peer is behind. Answered with that height's
    // FinalizedBlock, once per (peer, height) per rebroadcast period. For the height just
    // committed, only after a full period at the new height: late votes of a peer that
    // committed too are normal and need no block.
    void on_old(PeerId from, uint64_t h) {
        ++stats.dropped_old;
        if (h == 0) return;
        if (h + 1 == height && ticks_at_height == 0) return;
        send_finalized(from, h);
    }

    bool send_finalized(PeerId from, uint64_t h) {
        if (answered.size() >= kMaxAnsweredPerPeriod) return false;
        if (!answered.emplace(from, h).second) return false;
        auto fb = app.finalized_block(h);
        if (!fb) return false;
        out.push_back(SendTo{from, std::move(*fb)});
        return true;
    }

    // The peer is ahead: ask it for blocks from our height on (once per period).
    void request_sync(PeerId from) {
        if (sync_asked.size() >= kMaxSyncPeersPerPeriod) return;
        if (!sync_asked.insert(from).second) return;
        send_sync_request(from);
    }

    void send_sync_request(PeerId from) {
        if (sync_until.size() >= kMaxSyncPeersPerPeriod && !sync_until.count(from))
            sync_until.clear();
        // From one height lower: the first answer brings the certificate of height - 1 that
        // the peer's block of this height names.
        const uint64_t first = height > 1 ? height - 1 : height;
        sync_until[from] = first + protocol::kMaxSyncBlocks;
        out.push_back(SendTo{from, protocol::SyncRequest{first, protocol::kMaxSyncBlocks}});
    }

    void on_sync_request(PeerId from, const protocol::SyncRequest& req) {
        const uint64_t first = std::max<uint64_t>(req.height, 1);
        if (answered.size() >= kMaxAnsweredPerPeriod) return;
        if (!answered.emplace(from, first).second) return;
        const uint64_t committed = app.committed_height();
        size_t bytes = 0;
        for (uint64_t h = first; h - first < req.count && h <= committed; ++h) {
            auto fb = app.finalized_block(h);
            if (!fb) break;
            bytes += fb->block.encode().size() + fb->certificate.encode().size();
            if (bytes > protocol::kMaxSyncBytes && h != first) break;
            out.push_back(SendTo{from, std::move(*fb)});
        }
    }

    // A FinalizedBlock's certificate checks: each peer gets one check per period, so a peer
    // sending bad ones cannot make us verify signatures without bound.
    bool check_finalized(PeerId from, const protocol::FinalizedBlock& f, const Hash256& hash) {
        if (finalized_checked.size() >= kMaxSyncPeersPerPeriod) return false;
        if (!finalized_checked.insert(from).second) return false;
        const protocol::CommitCertificate& cert = f.certificate;
        if (cert.block_hash != hash ||
            !verify_certificate(suite, config.chain_id, validators, cert)) {
            ++stats.bad_certificates;
            return false;
        }
        finalized_checked.erase(from);  // a good one: the next of a range may follow
        return true;
    }

    void on_finalized(PeerId from, const protocol::FinalizedBlock& f) {
        const protocol::CommitCertificate& cert = f.certificate;
        if (f.block.header.number != cert.height) {
            ++stats.bad_certificates;
            return;
        }
        if (cert.height + 1 == height) {
            // The first answer to our sync request: keep its certificate for the next block.
            if (synced_certificate && *synced_certificate == cert) return;
            if (check_finalized(from, f, f.block.header.hash(suite))) synced_certificate = cert;
            return;
        }
        if (cert.height < height) {
            ++stats.dropped_old;
            return;
        }
        if (cert.height > height) return request_sync(from);
        const Hash256 hash = f.block.header.hash(suite);
        if (!check_finalized(from, f, hash)) return;
        // The previous certificate the block names: from a proposal of this height that carried
        // it, or from the FinalizedBlock before it; else the application's stored one.
        std::optional<protocol::CommitCertificate> prev;
        const Hash256& named = f.block.header.prev_certificate_hash;
        if (auto kb = blocks.find(hash); kb != blocks.end() && kb->second.prev_certificate) {
            prev = kb->second.prev_certificate;
        } else if (synced_certificate && synced_certificate->hash(suite) == named) {
            prev = synced_certificate;
        }
        auto r = app.commit_block(f.block, hash, cert, prev);
        if (!r) {
            // Not a halt: the block carries 2f+1 signatures, so what is missing is ours (the
            // certificate it names, or state). Ask for the blocks again from one height lower.
            ++stats.rejected_finalized;
            request_sync(from);
            return;
        }
        enter_height(height + 1);
        synced_certificate = cert;
        // The range asked of this peer is used up: ask for the next one while it is ahead. An
        // answer to one of our old-height messages (not a range): ask once per period whether
        // there is more.
        if (auto it = sync_until.find(from); it == sync_until.end()) {
            request_sync(from);
        } else if (it->second == height) {
            send_sync_request(from);
        }
    }

    // ---- commit (lines 49-54) ----

    void commit(const protocol::Block& block, const Hash256& hash,
                const protocol::CommitCertificate& cert,
                const std::optional<protocol::CommitCertificate>& prev_cert) {
        auto r = app.commit_block(block, hash, cert, prev_cert);
        if (!r) {
            halt("commit of height " + std::to_string(height) + " failed: " + r.error());
            return;
        }
        enter_height(height + 1);
    }

    // Line 49: 2f+1 precommits for a block we have, at any round of the height.
    bool rule_commit() {
        for (auto& [r, rs] : rounds) {
            for (const auto& [hash, power] : rs.precommit_power) {
                if (hash.is_zero() || power < validators.quorum()) continue;
                auto kb = blocks.find(hash);
                if (kb == blocks.end()) continue;  // wait for the proposal (or a FinalizedBlock)
                if (!valid(hash)) {
                    // More than 2/3 precommitted a block that does not execute here to its
                    // header: this node diverges. Stop rather than fork (DESIGN.md §4).
                    halt("2/3+ precommitted block " + to_hex(hash) + " at height " +
                         std::to_string(height) + " that fails validation here");
                    return false;
                }
                protocol::CommitCertificate cert;
                cert.height = height;
                cert.round = r;
                cert.block_hash = hash;
                for (const auto& [index, vote] : rs.precommits_for[hash])  // ascending index
                    cert.signatures.push_back({index, vote.signature});
                // commit() leaves the height and clears `rounds` and `blocks`: take them out
                // first (moved, not copied: nothing reads this height's blocks after it, and a
                // failed commit halts the engine).
                const Hash256 block_hash = hash;
                const protocol::Block block = std::move(kb->second.block);
                const auto prev = kb->second.prev_certificate;
                commit(block, block_hash, cert, prev);
                return true;
            }
        }
        return false;
    }

    // ---- the upon rules of the current round ----

    bool rule_skip_round() {  // line 55
        for (auto it = rounds.rbegin(); it != rounds.rend() && it->first > round; ++it) {
            if (it->second.sender_power >= validators.weak_quorum()) {
                start_round(it->first);
                return true;
            }
        }
        return false;
    }

    bool rule_proposal(RoundState& rs) {  // lines 22-33
        if (step != Step::kPropose || !rs.has_proposal) return false;
        const Hash256 v = rs.proposal_hash;
        const int64_t vr = rs.proposal_valid_round;
        if (vr == -1) {  // line 22
            const bool ok = valid(v) && (locked_round == -1 || locked_hash == v);
            cast_vote(VoteType::kPrevote, ok ? v : Hash256{});
            return true;
        }
        // Line 28: needs 2f+1 prevotes for v in round vr < round.
        if (vr >= static_cast<int64_t>(round)) return false;
        auto prior = rounds.find(static_cast<uint32_t>(vr));
        if (prior == rounds.end()) return false;
        auto pw = prior->second.prevote_power.find(v);
        if (pw == prior->second.prevote_power.end() || pw->second < validators.quorum())
            return false;
        const bool ok = valid(v) && (locked_round <= vr || locked_hash == v);
        cast_vote(VoteType::kPrevote, ok ? v : Hash256{});
        return true;
    }

    // The proposal of this round whose value has 2f+1 prevotes, if any (of the proposer's
    // proposals: an equivocating proposer may have sent several).
    std::optional<Hash256> polka_proposal(const RoundState& rs) const {
        auto has_polka = [&](const Hash256& v) {
            auto pw = rs.prevote_power.find(v);
            return pw != rs.prevote_power.end() && pw->second >= validators.quorum();
        };
        if (has_polka(rs.proposal_hash)) return rs.proposal_hash;
        for (const Hash256& v : rs.other_proposals)
            if (has_polka(v)) return v;
        return std::nullopt;
    }

    bool rule_lock(RoundState& rs) {  // line 36
        if (step < Step::kPrevote || !rs.has_proposal || fired_lock.count(round)) return false;
        const auto polka = polka_proposal(rs);
        if (!polka) return false;
        const Hash256 v = *polka;
        if (!valid(v)) return false;
        fired_lock.insert(round);
        if (step == Step::kPrevote) {
            locked_round = round;  // lines 38-41, before the precommit is signed (the
            locked_hash = v;       // safety record carries the lock and its proof)
            lock_proof = make_lock_proof(rs, v);
            cast_vote(VoteType::kPrecommit, v);
        }
        valid_round = round;  // lines 42-43
        valid_hash = v;
        return true;
    }

    // RLP([block, prevCertificate or [], [prevote, ...]]) for the lock on v in this round.
    Bytes make_lock_proof(RoundState& rs, const Hash256& v) {
        const KnownBlock& kb = blocks.at(v);
        rlp::ListBuilder votes;
        for (const auto& [index, vote] : rs.prevotes_for[v])
            votes.add_raw(vote.encode());
        rlp::ListBuilder b;
        b.add_raw(kb.block.encode());
        if (kb.prev_certificate) {
            b.add_raw(kb.prev_certificate->encode());
        } else {
            b.add_list(rlp::ListBuilder());
        }
        return b.add_list(votes).finish();
    }

    // After a restart inside the height: the locked block becomes the valid value again (a
    // proposer re-proposes it with its valid round) and its prevotes are counted again (and
    // sent with that proposal). A proof that does not parse or verify is ignored: the lock
    // itself still holds.
    void restore_lock_proof(const SafetyRecord& r) {
        if (r.lock_proof.empty() || r.locked_round < 0) return;
        auto list = rlp::open_list(r.lock_proof);
        if (!list) return;
        auto block_raw = list->read_raw();
        auto cert_raw = list->read_raw();
        auto votes = list->read_list();
        if (!block_raw || !cert_raw || !votes) return;
        auto block = protocol::Block::decode(*block_raw, &suite);
        if (!block || block->header.hash(suite) != r.locked_hash) return;
        std::optional<protocol::CommitCertificate> prev;
        if (!(cert_raw->size() == 1 && (*cert_raw)[0] == 0xc0)) {
            auto cert = protocol::CommitCertificate::decode(*cert_raw);
            if (!cert) return;
            prev = std::move(*cert);
        }
        blocks.try_emplace(r.locked_hash, KnownBlock{std::move(*block), std::move(prev), {}});
        while (!votes->empty()) {
            auto raw = votes->read_raw();
            if (!raw) break;
            auto v = Vote::decode(*raw);
            if (!v || v->type != VoteType::kPrevote || v->height != height ||
                static_cast<int64_t>(v->round) != r.locked_round || v->block_hash != r.locked_hash)
                continue;
            const auto index = validators.index_of(v->validator);
            if (!index ||
                !verify(validators.at(*index), v->sign_bytes(config.chain_id), v->signature))
                continue;
            store_vote(*v);
        }
        lock_proof = r.lock_proof;
        valid_round = r.locked_round;
        valid_hash = r.locked_hash;
    }

    bool run_one_rule() {
        if (halted) return false;
        // Line 49 holds in every step, also while waiting for round 0 (an observer or a slow
        // validator may get the precommits before its own block interval has passed).
        if (rule_commit()) return true;
        if (halted || step == Step::kNewHeight) return false;
        if (rule_skip_round()) return true;
        RoundState& rs = rounds[round];
        if (rule_proposal(rs)) return true;
        // Line 34: 2f+1 prevotes of any kind, first time: schedule OnTimeoutPrevote.
        if (step == Step::kPrevote && rs.prevote_total >= validators.quorum() &&
            fired_prevote_timeout.insert(round).second) {
            schedule(Timeout::Kind::kPrevote, round, timeout_for(config.timeout_prevote, round));
            return true;
        }
        if (rule_lock(rs)) return true;
        // Line 44: 2f+1 prevotes for nil.
        if (step == Step::kPrevote) {
            auto nil = rs.prevote_power.find(Hash256{});
            if (nil != rs.prevote_power.end() && nil->second >= validators.quorum()) {
                cast_vote(VoteType::kPrecommit, Hash256{});
                return true;
            }
        }
        // Line 47: 2f+1 precommits of any kind, first time: schedule OnTimeoutPrecommit.
        if (rs.precommit_total >= validators.quorum() &&
            fired_precommit_timeout.insert(round).second) {
            schedule(Timeout::Kind::kPrecommit, round,
                     timeout_for(config.timeout_precommit, round));
            return true;
        }
        return false;
    }

    void run_rules() {
        while (run_one_rule()) {
        }
    }

    std::vector<Action> take() {
        run_rules();
        std::vector<Action> r;
        r.swap(out);
        return r;
    }

    // ---- timers ----

    void on_rebroadcast(const Timeout& t) {
        // Every tick, of any height, opens a new rate-limit period.
        answered.clear();
        sync_asked.clear();
        sync_until.clear();  // a range still arriving is then continued as an unasked answer
        finalized_checked.clear();
        if (t.height != height) return;  // a timer of a height already left
        ++ticks_at_height;
        schedule(Timeout::Kind::kRebroadcast, 0, config.rebroadcast);
        // Peers a whole period at height + 1 while we are still here: we missed the commit.
        for (PeerId p : ahead_peers)
            request_sync(p);
        ahead_peers.clear();
        if (step == Step::kNewHeight) return;
        if (own_proposal && own_proposal->round == round) {
            out.push_back(Broadcast{*own_proposal});
            broadcast_polka();
        }
        if (!me) return;
        // Own votes of this round and the one before (peers there still need them).
        for (uint32_t r : {round > 0 ? round - 1 : round, round}) {
            auto it = rounds.find(r);
            if (it == rounds.end()) continue;
            const auto i = static_cast<uint32_t>(*me);
            if (auto v = it->second.prevotes.find(i); v != it->second.prevotes.end())
                out.push_back(Broadcast{v->second});
            if (auto v = it->second.precommits.find(i); v != it->second.precommits.end())
                out.push_back(Broadcast{v->second});
            if (r == round) break;
        }
    }

    void on_timeout(const Timeout& t) {
        switch (t.kind) {
            case Timeout::Kind::kPropose:  // lines 57-60
                if (t.height == height && t.round == round && step == Step::kPropose)
                    cast_vote(VoteType::kPrevote, Hash256{});
                break;
            case Timeout::Kind::kPrevote:  // lines 61-64
                if (t.height == height && t.round == round && step == Step::kPrevote)
                    cast_vote(VoteType::kPrecommit, Hash256{});
                break;
            case Timeout::Kind::kPrecommit:  // lines 65-67
                if (t.height == height && t.round == round && step != Step::kNewHeight)
                    start_round(round + 1);
                break;
            case Timeout::Kind::kNewHeight:
                if (t.height == height && step == Step::kNewHeight) {
                    interval_elapsed = true;
                    maybe_start_round0();
                } else if (t.height == height + 1) {
                    interval_fired_height = t.height;  // still deciding height t.height - 1
                }
                break;
            case Timeout::Kind::kRebroadcast:
                on_rebroadcast(t);
                break;
        }
    }

    Status status() const {
        Status s;
        s.height = height;
        s.round = round;
        s.step = step;
        s.proposer = validators.proposer(height, round).address;
        s.locked_round = locked_round;
        s.valid_round = valid_round;
        const auto rs = rounds.find(round);
        for (size_t i = 0; i < validators.size(); ++i) {
            Status::ValidatorVotes vv;
            vv.address = validators.at(i).address;
            vv.power = validators.at(i).power;
            if (rs != rounds.end()) {
                const auto index = static_cast<uint32_t>(i);
                if (auto v = rs->second.prevotes.find(index); v != rs->second.prevotes.end())
                    vv.prevote = v->second.block_hash;
                if (auto v = rs->second.precommits.find(index); v != rs->second.precommits.end())
                    vv.precommit = v->second.block_hash;
            }
            s.validators.push_back(vv);
        }
        s.halted = halted;
        s.halt_reason = halt_reason;
        s.stats = stats;
        return s;
    }
};

Engine::Engine(const crypto::CryptoSuite& suite, Config config, ValidatorSet validators,
               Application& app, Signer* signer, SafetyStore* safety)
    : impl_(std::make_unique<Impl>(suite, config, std::move(validators), app, signer, safety)) {}

Engine::~Engine() = default;

std::vector<Action> Engine::start() {
    Impl& e = *impl_;
    if (e.started || e.halted) return {};
    e.started = true;
    if (e.safety) {
        auto loaded = e.safety->load();
        if (!loaded) {
            e.halt("safety record not loaded: " + loaded.error());
            return {};
        }
        e.record = *loaded;
    }
    e.enter_height(e.app.committed_height() + 1);
    if (e.record && e.record->height == e.height) {
        // Restart inside a height: restore the lock and go back to the round we were in.
        e.locked_round = e.record->locked_round;
        e.locked_hash = e.record->locked_hash;
        e.restore_lock_proof(*e.record);
        e.interval_elapsed = true;
        e.start_round(e.record->round);
        // Send the recorded vote again (the same content: allowed) and take its step: the
        // messages received before the crash are gone, and peers may have lost this one too.
        const SafetyRecord r = *e.record;
        if (r.step == SafetyRecord::Step::kPrevote) {
            e.cast_vote(VoteType::kPrevote, r.block_hash);
        } else if (r.step == SafetyRecord::Step::kPrecommit) {
            e.cast_vote(VoteType::kPrecommit, r.block_hash);
        }
    } else if (!e.config.wait_for_txs) {
        e.interval_elapsed = true;
        e.start_round(0);
    } else {
        e.interval_elapsed = true;
        e.maybe_start_round0();
    }
    return e.take();
}

std::vector<Action> Engine::on_message(PeerId from, const Message& message) {
    Impl& e = *impl_;
    if (!e.started || e.halted) return {};
    ++e.stats.received;
    if (const auto* p = std::get_if<protocol::Proposal>(&message)) {
        e.on_proposal(from, *p);
    } else if (const auto* v = std::get_if<protocol::Vote>(&message)) {
        e.on_vote(from, *v);
    } else if (const auto* f = std::get_if<protocol::FinalizedBlock>(&message)) {
        e.on_finalized(from, *f);
    } else {
        e.on_sync_request(from, std::get<protocol::SyncRequest>(message));
    }
    return e.take();
}

std::vector<Action> Engine::on_timeout(const Timeout& timeout) {
    Impl& e = *impl_;
    if (!e.started || e.halted) return {};
    e.on_timeout(timeout);
    return e.take();
}

std::vector<Action> Engine::on_txs_available() {
    Impl& e = *impl_;
    if (!e.started || e.halted) return {};
    e.txs_available = true;
    e.maybe_start_round0();
    return e.take();
}

std::vector<Action> Engine::on_block_full() {
    Impl& e = *impl_;
    if (!e.started || e.halted) return {};
    if (e.step == Step::kNewHeight) {
        e.interval_elapsed = true;
        e.txs_available = true;
        e.maybe_start_round0();
    }
    return e.take();
}

std::vector<Action> Engine::on_synced() {
    Impl& e = *impl_;
    if (!e.started || e.halted) return {};
    const uint64_t next = e.app.committed_height() + 1;
    if (next > e.height) e.enter_height(next);
    return e.take();
}

Status Engine::status() const {
    return impl_->status();
}
uint64_t Engine::height() const noexcept {
    return impl_->height;
}
bool Engine::halted() const noexcept {
    return impl_->halted;
}

}  // namespace xl::consensus
