// SPDX-License-Identifier: Apache-2.0
// Xinlian consensus: the BFT state machine (DESIGN.md §4; mapping to the paper in
// docs/spec/consensus.md). Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon,
// Milosevic 2018) with execute-before-vote: a validator prevotes a block only after the
// Application has executed it and found its roots right.
//
// Sans-I/O: the Engine owns no socket, thread or clock. It takes events (a message from a
// peer, a timeout that fired, "transactions are waiting") and returns Actions (broadcast,
// send to one peer, schedule a timeout). It calls three narrow interfaces synchronously: the
// Application (build, validate and commit blocks), the Signer (its validator key) and the
// SafetyStore (the vote-safety record, written durably BEFORE a signed message is returned).
// The node drives it from one thread; the simulator (tests/sim) drives many engines in one
// process under a seeded scheduler. Same inputs in the same order give the same outputs: no
// hash-map iteration order, wall clock or randomness inside.
//
// Thread-safety: none; one driver thread per Engine.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/suite.hpp"
#include "protocol/block.hpp"
#include "protocol/consensus.hpp"

namespace xl::consensus {

// ---- validators ----

struct Validator {
    Address address;  // suite.address(public_key)
    crypto::PublicKey public_key;
    uint64_t power = 1;
};

class ValidatorSet {
public:
    // In genesis order; addresses distinct, powers >= 1, 1..kMaxValidators entries (checked by
    // the caller, e.g. ledger::parse_genesis; violated here = XL_ASSERT).
    explicit ValidatorSet(std::vector<Validator> validators);
    size_t size() const noexcept;
    const Validator& at(size_t index) const;
    std::optional<size_t> index_of(const Address& a) const noexcept;
    uint64_t total_power() const noexcept;
    uint64_t quorum() const noexcept;       // more than 2/3: total * 2 / 3 + 1
    uint64_t weak_quorum() const noexcept;  // more than 1/3: total / 3 + 1 (f + 1)
    // Round-robin proposer rotation: validator (height + round) mod n.
    size_t proposer_index(uint64_t height, uint32_t round) const noexcept;
    const Validator& proposer(uint64_t height, uint32_t round) const;

private:
    std::vector<Validator> validators_;
    uint64_t total_ = 0;
};

// A certificate is valid iff every signature is a distinct validator's valid precommit
// signature for (chain_id, height, round, block_hash) and their power is >= quorum().
// The error says which check failed ("signer index 7 out of range", "signature of validator
// 0x… does not verify", "power 2 of 4 is not above 2/3").
Result<void, std::string> verify_certificate(const crypto::CryptoSuite& suite, uint64_t chain_id,
                                             const ValidatorSet& validators,
                                             const protocol::CommitCertificate& certificate);

// ---- messages on the wire (the network carries them as opaque payloads) ----

// Catch-up is part of the protocol, so the simulator tests it too: a message of a lower height
// from a peer is answered with that height's FinalizedBlock; a message of a higher height makes
// the engine send that peer a SyncRequest from its own height; a FinalizedBlock of the current
// height with a valid certificate is validated and committed (and the next one requested while
// the peer is still ahead). Requests and answers are rate-limited per peer.
using Message = std::variant<protocol::Proposal, protocol::Vote, protocol::FinalizedBlock,
                             protocol::SyncRequest>;
enum class MessageKind : uint8_t { kProposal = 1, kVote = 2, kFinalized = 3, kSyncRequest = 4 };
// kind byte || the message's encode().
Bytes encode_message(const Message& m);
Result<Message, protocol::ConsensusError> decode_message(BytesView in,
                                                         const crypto::CryptoSuite& suite);

// ---- what the engine needs from outside ----

// The chain. The node implements it over node::Chain; the simulator with a toy chain.
class Application {
public:
    virtual ~Application() = default;
    // The committed height (0 = only the genesis).
    virtual uint64_t committed_height() const = 0;
    // A new block on top of the committed head for (height, round), with its header complete
    // (state root etc. after executing it) and header.prev_certificate_hash set to the hash
    // of the certificate returned with it (the application's stored certificate of height-1;
    // none at height 1). nullopt if it cannot build one now (the engine then proposes nothing
    // and the round times out).
    struct Built {
        protocol::Block block;
        std::optional<protocol::CommitCertificate> prev_certificate;
    };
    virtual std::optional<Built> build_block(uint64_t height, uint32_t round) = 0;
    // Execute-before-vote: true iff the block extends the committed head, its prev_certificate
    // verifies and matches header.prev_certificate_hash, and executing its transactions gives
    // exactly its header (state, transactions and receipts roots, gas used, bloom). The
    // application may cache the execution by block hash for commit_block.
    virtual bool validate_block(const protocol::Block& block, const Hash256& block_hash,
                                const std::optional<protocol::CommitCertificate>& prev_cert) = 0;
    // Commits a block the engine has a valid certificate for (validated before, or, for a
    // FinalizedBlock from a peer, validated inside this call). prev_cert (if any) becomes the
    // stored certificate of height-1. An error halts the engine (storage failure).
    virtual Result<void, std::string> commit_block(
        const protocol::Block& block, const Hash256& block_hash,
        const protocol::CommitCertificate& certificate,
        const std::optional<protocol::CommitCertificate>& prev_cert) = 0;
    // A committed block and its stored certificate, to answer a peer that is behind.
    virtual std::optional<protocol::FinalizedBlock> finalized_block(uint64_t height) const = 0;
};

// The validator key.
class Signer {
public:
    virtual ~Signer() = default;
    virtual const Address& address() const = 0;
    // The suite's wire-form signature of message.
    virtual Result<Bytes, std::string> sign(BytesView message) = 0;
};

// The last message this validator signed, and its lock (Algorithm 1's lockedRound and
// lockedValue): what it needs after a restart never to sign a conflicting vote.
struct SafetyRecord {
    enum class Step : uint8_t { kNone = 0, kPropose = 1, kPrevote = 2, kPrecommit = 3 };
    uint64_t height = 0;
    uint32_t round = 0;
    Step step = Step::kNone;
    Hash256 block_hash;  // what it signed at (height, round, step); zero = nil
    int64_t locked_round = -1;
    Hash256 locked_hash;
    // What makes the lock usable after a restart (empty if not locked): RLP([block,
    // prevCertificate or [], [prevote, ...]]), the locked block and the 2f+1 prevotes of
    // locked_round for it. Without it a validator that restarts while locked can neither
    // re-propose its locked block nor justify it, and a cluster whose other copies of that
    // block were lost too would wait forever.
    Bytes lock_proof;
    Bytes encode() const;  // RLP; docs/spec/consensus.md
    static Result<SafetyRecord, std::string> decode(BytesView in);
    friend bool operator==(const SafetyRecord&, const SafetyRecord&) = default;
};

class SafetyStore {
public:
    virtual ~SafetyStore() = default;
    virtual Result<std::optional<SafetyRecord>, std::string> load() = 0;
    // Durable (synced) when it returns.
    virtual Result<void, std::string> save(const SafetyRecord& record) = 0;
};

// ---- events and actions ----

enum class Step : uint8_t { kNewHeight, kPropose, kPrevote, kPrecommit };
std::string_view to_string(Step s) noexcept;

struct Timeout {
    enum class Kind : uint8_t {
        kPropose,      // Algorithm 1 OnTimeoutPropose
        kPrevote,      // OnTimeoutPrevote
        kPrecommit,    // OnTimeoutPrecommit
        kNewHeight,    // the height's block interval has passed: start round 0
        kRebroadcast,  // resend own messages of the current height (lossy networks)
    };
    Kind kind = Kind::kPropose;
    uint64_t height = 0;
    uint32_t round = 0;
    friend bool operator==(const Timeout&, const Timeout&) = default;
};

using PeerId = uint64_t;  // the driver's name for a peer; meaningless to the engine

struct Broadcast {
    Message message;
};
struct SendTo {
    PeerId peer = 0;
    Message message;
};
struct ScheduleTimeout {
    Timeout timeout;
    std::chrono::milliseconds after{0};
};
using Action = std::variant<Broadcast, SendTo, ScheduleTimeout>;

struct Config {
    uint64_t chain_id = 0;
    // Round r waits timeout_x + r * timeout_delta (timeouts grow per round).
    std::chrono::milliseconds timeout_propose{1000};
    std::chrono::milliseconds timeout_prevote{500};
    std::chrono::milliseconds timeout_precommit{500};
    std::chrono::milliseconds timeout_delta{500};
    // Round 0 of a height starts no sooner than this after round 0 of the previous height
    // started (transactions gather); a height that took longer is followed at once.
    std::chrono::milliseconds block_interval{200};
    // Own messages of the current height are resent this often (lost messages, late peers).
    std::chrono::milliseconds rebroadcast{1000};
    // true: after the block interval, round 0 of a height starts only once transactions are
    // waiting (on_txs_available) or a message of that height arrives; no empty blocks.
    bool wait_for_txs = true;
    // Messages for future rounds or the next height kept until they apply.
    size_t max_buffered = 10'000;
};

// Counters of messages dropped (each also logged once by the driver at debug level).
struct Stats {
    uint64_t received = 0;
    uint64_t dropped_bad_signature = 0;
    uint64_t dropped_not_validator = 0;  // signed by a key outside the set
    uint64_t dropped_wrong_proposer = 0;
    uint64_t dropped_old = 0;  // below the current height (answered with a FinalizedBlock)
    uint64_t dropped_buffer_full = 0;
    uint64_t equivocations = 0;   // two different votes of one validator at one (h, r, type)
    uint64_t invalid_blocks = 0;  // proposals whose block failed validate_block
    uint64_t bad_certificates = 0;
    // FinalizedBlocks with a valid certificate that the application refused (commit_block
    // failed: it lacked the previous certificate the block names, or the block does not execute
    // here); the engine asks the peer for blocks from one height lower and carries on.
    uint64_t rejected_finalized = 0;
};

// What xl_consensusStatus shows.
struct Status {
    uint64_t height = 0;  // being decided
    uint32_t round = 0;
    Step step = Step::kNewHeight;
    Address proposer;
    int64_t locked_round = -1;
    int64_t valid_round = -1;
    struct ValidatorVotes {
        Address address;
        uint64_t power = 0;
        std::optional<Hash256> prevote;  // in the current round; zero hash = nil
        std::optional<Hash256> precommit;
    };
    std::vector<ValidatorVotes> validators;
    bool halted = false;
    std::string halt_reason;
    Stats stats;
};

class Engine {
public:
    // signer and safety are null for an observer (follows and commits, never signs).
    // For a validator, signer->address() must be in the set. Nothing happens before start().
    Engine(const crypto::CryptoSuite& suite, Config config, ValidatorSet validators,
           Application& app, Signer* signer, SafetyStore* safety);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Loads the safety record, starts height app.committed_height() + 1 (restoring the lock
    // if the record is of that height).
    std::vector<Action> start();
    std::vector<Action> on_message(PeerId from, const Message& message);
    std::vector<Action> on_timeout(const Timeout& timeout);
    std::vector<Action> on_txs_available();
    // A full block of transactions is waiting (the driver's judgement: as many as a proposal
    // takes): round 0 starts now instead of after the rest of the block interval, which only
    // exists to let transactions gather. Nothing happens past the start of round 0.
    std::vector<Action> on_block_full();
    // The application committed blocks by itself (block sync): move to its next height.
    std::vector<Action> on_synced();

    Status status() const;
    uint64_t height() const noexcept;
    // A storage failure (safety record, commit) stopped the engine: it ignores all events.
    bool halted() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xl::consensus
