// SPDX-License-Identifier: Apache-2.0
// Node: start-up in dependency order (config, genesis, key, RocksDB, Chain, RPC, transport,
// consensus), role checks, clean stop in the reverse order.
#include "node/node.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/bytes.hpp"
#include "crypto/keystore.hpp"
#include "ledger/genesis.hpp"
#include "network/transport.hpp"
#include "node/app.hpp"
#include "node/chain.hpp"
#include "node/driver.hpp"
#include "node/rpc_backend.hpp"
#include "node/safety_store.hpp"
#include "rpc/eth_api.hpp"
#include "rpc/server.hpp"
#include "storage/rocks_kv.hpp"

namespace xl::node {

namespace {

Result<std::string, std::string> read_file(const std::filesystem::path& p, size_t max_bytes) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return unexpected(p.string() + ": cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    if (s.size() > max_bytes) return unexpected(p.string() + ": larger than expected");
    return s;
}

network::Role network_role(Role r) {
    return r == Role::kObserver ? network::Role::kObserver : network::Role::kValidator;
}

consensus::Config engine_config(const Config& c, const ledger::Genesis& g) {
    consensus::Config e;
    e.chain_id = g.chain_id;
    e.timeout_propose = std::chrono::milliseconds(c.timeout_propose_ms);
    e.timeout_prevote = std::chrono::milliseconds(c.timeout_prevote_ms);
    e.timeout_precommit = std::chrono::milliseconds(c.timeout_precommit_ms);
    e.timeout_delta = std::chrono::milliseconds(c.timeout_delta_ms);
    // The genesis block interval: round 0 of a height starts no sooner than this after round 0
    // of the previous one, so that transactions gather; with wait_for_txs an idle chain makes
    // no empty blocks.
    e.block_interval = std::chrono::milliseconds(g.block_interval_ms);
    e.rebroadcast = std::chrono::milliseconds(c.rebroadcast_ms);
    e.wait_for_txs = true;
    return e;
}

}  // namespace

struct Node::Impl {
    Config config;
    ledger::Genesis genesis;
    crypto::KeystoreKey key;
    std::unique_ptr<storage::RocksKv> kv;
    std::unique_ptr<Chain> chain;
    std::unique_ptr<RpcBackend> backend;
    std::unique_ptr<rpc::Dispatcher> dispatcher;
    std::unique_ptr<rpc::Server> server;
    std::unique_ptr<consensus::ValidatorSet> validators;
    std::unique_ptr<ChainApp> app;
    std::unique_ptr<KeySigner> signer;
    std::unique_ptr<KvSafetyStore> safety;
    std::unique_ptr<ConsensusDriver> driver;
    std::unique_ptr<network::Transport> transport;
    std::shared_ptr<StatusBoard> board;
    std::atomic<bool> stopped{false};

    ~Impl() { shutdown(); }  // also after a start() that failed half-way

    // Consensus first (no more blocks or frames), then the peers, then RPC clients; the chain
    // and the database last. The driver object stays until the chain is gone: the chain
    // holds its on_admitted listener (inert once stopped, and no RPC submits after the
    // server stopped). Idempotent.
    void shutdown() {
        if (stopped.exchange(true)) return;
        if (driver) driver->stop();
        if (transport) transport->stop();
        if (server) server->stop();
        server.reset();
        dispatcher.reset();
        backend.reset();
        transport.reset();
        chain.reset();
        driver.reset();
        app.reset();
        safety.reset();
        signer.reset();
        kv.reset();
    }
};

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() {
    stop();
}

Result<std::unique_ptr<Node>, std::string> Node::start(const Config& config) {
    auto impl = std::make_unique<Impl>();
    impl->config = config;

    auto gtext = read_file(config.genesis, ledger::kMaxGenesisFileSize);
    if (!gtext) return unexpected(gtext.error());
    auto genesis = ledger::parse_genesis(*gtext);
    if (!genesis) return unexpected(config.genesis.string() + ": " + genesis.error());
    impl->genesis = std::move(*genesis);

    auto ktext = read_file(config.validator_key, 1 << 20);
    if (!ktext) return unexpected(ktext.error());
    auto pw = read_file(config.password_file, 1 << 16);
    if (!pw) return unexpected(pw.error());
    std::string password = *pw;
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
        password.pop_back();
    auto key = crypto::decrypt_keystore(*ktext, password);
    if (!key)
        return unexpected(config.validator_key.string() + ": " +
                          std::string(crypto::to_string(key.error())));
    impl->key = std::move(*key);

    // Role checks: a validator signs with a key of the set; an observer never holds one (its
    // votes would count, and a second process with the same key could equivocate).
    std::vector<consensus::Validator> set;
    bool in_set = false;
    for (const auto& v : impl->genesis.validators) {
        in_set = in_set || v.address == impl->key.address;
        set.push_back(consensus::Validator{v.address, v.public_key, v.power});
    }
    if (config.role == Role::kValidator && !in_set)
        return unexpected("validator key " + to_hex(impl->key.address) +
                          " is not among the genesis validators (an observer needs role = "
                          "\"observer\" in [node])");
    if (config.role == Role::kObserver && in_set)
        return unexpected("observer key " + to_hex(impl->key.address) +
                          " is a genesis validator's key (a validator needs role = "
                          "\"validator\" in [node])");
    impl->validators = std::make_unique<consensus::ValidatorSet>(std::move(set));

    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) return unexpected(config.data_dir.string() + ": " + ec.message());
    auto kv = storage::RocksKv::open(config.data_dir / "db");
    if (!kv) {
        if (kv.error() == storage::StorageError::kBusy)
            return unexpected((config.data_dir / "db").string() +
                              ": in use by another process (is a node already running?)");
        return unexpected((config.data_dir / "db").string() + ": " +
                          std::string(storage::to_string(kv.error())));
    }
    impl->kv = std::move(*kv);

    ChainOptions opts;
    opts.pool.max_txs = config.txpool_max_txs;
    opts.pool.max_per_sender = config.txpool_max_per_sender;
    opts.max_block_txs = static_cast<size_t>(config.max_block_txs);
    auto chain = Chain::open(*impl->kv, impl->genesis, opts);
    if (!chain) return unexpected("opening the chain: " + chain.error());
    impl->chain = std::move(*chain);
    const auto head = impl->chain->ledger().head();
    spdlog::info("chain {} ({} suite), head block {} hash {}", impl->genesis.chain_id,
                 impl->chain->suite().name(), head.number,
                 to_hex(impl->chain->ledger().head_hash()));

    // The consensus side is built (not started) before RPC so that the status hooks exist
    // when the first request arrives.
    impl->app = std::make_unique<ChainApp>(*impl->chain, *impl->validators, impl->key.address);
    if (config.role == Role::kValidator) {
        impl->signer = std::make_unique<KeySigner>(impl->chain->suite(), impl->key);
        impl->safety = std::make_unique<KvSafetyStore>(*impl->kv);
        // A record that does not decode is refused here, with the database named, rather than
        // as a halted engine later.
        if (auto rec = impl->safety->load(); !rec)
            return unexpected((config.data_dir / "db").string() + ": " + rec.error());
    }
    impl->driver = std::make_unique<ConsensusDriver>(
        *impl->chain, engine_config(config, impl->genesis), *impl->validators, *impl->app,
        impl->signer.get(), impl->safety.get(), config.role);
    impl->board = impl->driver->board();

    RpcLimits limits;
    limits.max_log_range = config.max_log_range;
    limits.max_logs = config.max_logs;
    impl->backend = std::make_unique<RpcBackend>(*impl->chain, impl->key.address, limits);
    auto board = impl->board;
    impl->backend->set_consensus_status([board] { return board->consensus(); });
    impl->backend->set_peers([board] { return board->peers(); });
    impl->backend->set_peer_count([board] { return board->peer_count(); });
    rpc::Limits rl;
    rl.max_request_bytes = config.max_request_bytes;
    rl.max_batch = config.max_batch;
    impl->dispatcher = std::make_unique<rpc::Dispatcher>(rl);
    rpc::ApiConfig api;
    api.max_log_range = config.max_log_range;
    rpc::register_eth_api(*impl->dispatcher, *impl->backend, api);

    rpc::ServerConfig sc;
    sc.host = config.rpc.host;
    sc.port = config.rpc.port;
    sc.threads = config.rpc_threads;
    sc.cors_origins = config.cors_origins;
    auto server = rpc::Server::start(sc, *impl->dispatcher);
    if (!server) return unexpected("rpc: " + server.error());
    impl->server = std::move(*server);
    spdlog::info("JSON-RPC (HTTP and WebSocket) on http://{}:{}", sc.host, impl->server->port());

    network::Config nc;
    nc.listen_host = config.p2p.host;
    nc.listen_port = config.p2p.port;
    nc.peers = config.peers;
    nc.ca_cert = config.ca_cert;
    nc.cert = config.cert;
    nc.key = config.key;
    // Validators of the genesis set as validators; any certified observer.
    std::vector<Address> validator_addresses;
    for (const auto& v : impl->genesis.validators)
        validator_addresses.push_back(v.address);
    nc.authorize = [validator_addresses](const network::Identity& id) {
        if (id.role == network::Role::kObserver) return true;
        return std::find(validator_addresses.begin(), validator_addresses.end(), id.address) !=
               validator_addresses.end();
    };
    auto transport = network::Transport::start(nc, impl->driver->handler());
    if (!transport) return unexpected("p2p: " + transport.error());
    impl->transport = std::move(*transport);
    const auto& self = impl->transport->self();
    if (self.address != impl->key.address || self.role != network_role(config.role))
        return unexpected("p2p: the certificate " + config.cert.string() + " is for " + self.uri() +
                          ", this node is xinlian:" + std::string(to_string(config.role)) + ":" +
                          to_hex(impl->key.address));
    impl->driver->start(impl->transport.get());
    spdlog::info("{} {}: consensus of {} validator(s), block interval {} ms",
                 to_string(config.role), to_hex(impl->key.address), impl->validators->size(),
                 impl->genesis.block_interval_ms);
    return std::unique_ptr<Node>(new Node(std::move(impl)));
}

void Node::stop() {
    if (impl_) impl_->shutdown();
}

bool Node::failed() const noexcept {
    return (impl_->chain && impl_->chain->failed()) || (impl_->driver && impl_->driver->halted());
}
uint16_t Node::rpc_port() const noexcept {
    return impl_->server ? impl_->server->port() : 0;
}
uint16_t Node::p2p_port() const noexcept {
    return impl_->transport ? impl_->transport->port() : 0;
}
const Address& Node::validator() const noexcept {
    return impl_->key.address;
}
Role Node::role() const noexcept {
    return impl_->config.role;
}
Chain& Node::chain() noexcept {
    return *impl_->chain;
}
rpc::Json Node::consensus_status() const {
    return impl_->board ? impl_->board->consensus() : rpc::Json::object();
}
rpc::Json Node::peers() const {
    return impl_->board ? impl_->board->peers() : rpc::Json::array();
}

}  // namespace xl::node
