// SPDX-License-Identifier: Apache-2.0
// Node: start-up in dependency order, the interim single-validator producer, clean stop.
#include "node/node.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/bytes.hpp"
#include "crypto/keystore.hpp"
#include "ledger/genesis.hpp"
#include "node/chain.hpp"
#include "node/rpc_backend.hpp"
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

uint64_t unix_seconds() {
    using namespace std::chrono;
    return static_cast<uint64_t>(
        duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace

// The interim block producer of a single-validator chain (replaced by consensus, issue 5): a
// block whenever transactions wait and the block interval has passed since the previous one.
class SoloProducer {
public:
    SoloProducer(Chain& chain, const Address& proposer, std::chrono::milliseconds interval)
        : chain_(chain), proposer_(proposer), interval_(interval) {}
    ~SoloProducer() { stop(); }

    void start() {
        thread_ = std::jthread([this](std::stop_token st) { run(st); });
    }
    void stop() {
        if (!thread_.joinable()) return;
        thread_.request_stop();
        chain_.wake();
        thread_.join();
    }

private:
    void run(std::stop_token st) {
        using clock = std::chrono::steady_clock;
        auto last = clock::now() - interval_;
        while (!st.stop_requested()) {
            chain_.wait_for_txs(clock::now() + std::chrono::seconds(1));
            if (st.stop_requested()) break;
            if (chain_.pool().size() == 0) continue;
            // Let transactions gather for the rest of the interval (one block per interval).
            const auto due = last + interval_;
            while (!st.stop_requested() && clock::now() < due) {
                std::this_thread::sleep_for(
                    std::min<clock::duration>(due - clock::now(), std::chrono::milliseconds(50)));
            }
            if (st.stop_requested()) break;
            last = clock::now();
            auto r = chain_.build_and_commit(proposer_, unix_seconds());
            if (!r) {
                spdlog::critical("block production stopped: {}", r.error());
                return;
            }
            if (*r) {
                const auto& b = **r;
                spdlog::info("committed block {} hash {} txs {} gas {}", b.block.header.number,
                             to_hex(b.hash), b.block.transactions.size(), b.block.header.gas_used);
            }
        }
    }

    Chain& chain_;
    Address proposer_;
    std::chrono::milliseconds interval_;
    std::jthread thread_;
};

struct Node::Impl {
    Config config;
    ledger::Genesis genesis;
    crypto::KeystoreKey key;
    std::unique_ptr<storage::RocksKv> kv;
    std::unique_ptr<Chain> chain;
    std::unique_ptr<RpcBackend> backend;
    std::unique_ptr<rpc::Dispatcher> dispatcher;
    std::unique_ptr<rpc::Server> server;
    std::unique_ptr<SoloProducer> producer;
    std::atomic<bool> stopped{false};
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

    const auto& vs = impl->genesis.validators;
    bool in_set = false;
    for (const auto& v : vs)
        in_set = in_set || v.address == impl->key.address;
    if (!in_set)
        return unexpected("validator key " + to_hex(impl->key.address) +
                          " is not among the genesis validators");
    if (vs.size() != 1)
        return unexpected("the genesis has " + std::to_string(vs.size()) +
                          " validators; this build runs single-validator chains only (BFT "
                          "consensus between validators is not built yet)");

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
    auto chain = Chain::open(*impl->kv, impl->genesis, opts);
    if (!chain) return unexpected("opening the chain: " + chain.error());
    impl->chain = std::move(*chain);
    const auto head = impl->chain->ledger().head();
    spdlog::info("chain {} ({} suite), head block {} hash {}", impl->genesis.chain_id,
                 impl->chain->suite().name(), head.number,
                 to_hex(impl->chain->ledger().head_hash()));

    RpcLimits limits;
    limits.max_log_range = config.max_log_range;
    limits.max_logs = config.max_logs;
    impl->backend = std::make_unique<RpcBackend>(*impl->chain, impl->key.address, limits);
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

    impl->producer = std::make_unique<SoloProducer>(
        *impl->chain, impl->key.address,
        std::chrono::milliseconds(std::max<uint64_t>(impl->genesis.block_interval_ms, 1)));
    impl->producer->start();
    spdlog::info("validator {} producing blocks every {} ms when transactions wait",
                 to_hex(impl->key.address), impl->genesis.block_interval_ms);
    return std::unique_ptr<Node>(new Node(std::move(impl)));
}

void Node::stop() {
    if (!impl_ || impl_->stopped.exchange(true)) return;
    if (impl_->producer) impl_->producer->stop();
    if (impl_->server) impl_->server->stop();
    impl_->server.reset();
    impl_->dispatcher.reset();
    impl_->backend.reset();
    impl_->chain.reset();
    impl_->kv.reset();
}

bool Node::failed() const noexcept {
    return impl_->chain && impl_->chain->failed();
}
uint16_t Node::rpc_port() const noexcept {
    return impl_->server ? impl_->server->port() : 0;
}
const Address& Node::validator() const noexcept {
    return impl_->key.address;
}

}  // namespace xl::node
