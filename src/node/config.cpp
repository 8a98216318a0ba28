// SPDX-License-Identifier: Apache-2.0
// config.toml parsing with toml11 (libtoml11-dev): typed reads, unknown keys refused.
#include "node/config.hpp"

#include <charconv>
#include <optional>
#include <set>

#include <toml.hpp>

namespace xl::node {

std::string_view to_string(Role r) noexcept {
    return r == Role::kObserver ? "observer" : "validator";
}

Result<HostPort, std::string> parse_host_port(const std::string& text, bool allow_zero) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        return unexpected("\"" + text + "\" is not host:port");
    HostPort hp;
    hp.host = text.substr(0, colon);
    if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']')
        hp.host = hp.host.substr(1, hp.host.size() - 2);  // [::1]:8545
    unsigned port = 0;
    const char* b = text.data() + colon + 1;
    const char* e = text.data() + text.size();
    auto [p, ec] = std::from_chars(b, e, port);
    if (ec != std::errc{} || p != e || port > 65535 || (port == 0 && !allow_zero))
        return unexpected("\"" + text + "\": port must be 1..65535");
    hp.port = static_cast<uint16_t>(port);
    return hp;
}

namespace {

// Reads one [section] with typed getters, remembering which keys were used.
class Section {
public:
    Section(const toml::value& root, std::string name, std::string file)
        : name_(std::move(name)), file_(std::move(file)) {
        if (root.contains(name_)) {
            const toml::value& v = root.at(name_);
            if (!v.is_table()) throw std::runtime_error(where("") + "must be a table");
            table_ = &v.as_table();
        }
    }
    bool present() const noexcept { return table_ != nullptr; }

    std::string str(const std::string& key, std::optional<std::string> def) {
        const toml::value* v = get(key, def.has_value());
        if (!v) return *def;
        if (!v->is_string()) throw std::runtime_error(where(key) + "expected a string");
        return v->as_string().str;
    }
    uint64_t num(const std::string& key, uint64_t def, uint64_t min, uint64_t max) {
        const toml::value* v = get(key, true);
        if (!v) return def;
        if (!v->is_integer()) throw std::runtime_error(where(key) + "expected an integer");
        const auto i = v->as_integer();
        if (i < 0 || static_cast<uint64_t>(i) < min || static_cast<uint64_t>(i) > max)
            throw std::runtime_error(where(key) + "must be in " + std::to_string(min) + ".." +
                                     std::to_string(max));
        return static_cast<uint64_t>(i);
    }
    std::vector<std::string> strs(const std::string& key) {
        const toml::value* v = get(key, true);
        if (!v) return {};
        if (!v->is_array()) throw std::runtime_error(where(key) + "expected an array of strings");
        std::vector<std::string> out;
        for (const auto& s : v->as_array()) {
            if (!s.is_string())
                throw std::runtime_error(where(key) + "expected an array of strings");
            out.push_back(s.as_string().str);
        }
        return out;
    }
    // Every key of the section must have been read.
    void finish() const {
        if (!table_) return;
        for (const auto& [k, v] : *table_)
            if (!used_.count(k)) throw std::runtime_error(where(k) + "unknown key");
    }
    std::string where(const std::string& key) const {
        return file_ + ": [" + name_ + "]" + (key.empty() ? "" : " " + key) + ": ";
    }

private:
    const toml::value* get(const std::string& key, bool optional) {
        used_.insert(key);
        if (table_) {
            auto it = table_->find(key);
            if (it != table_->end()) return &it->second;
        }
        if (!optional) throw std::runtime_error(where(key) + "missing (required)");
        return nullptr;
    }

    std::string name_;
    std::string file_;
    const toml::table* table_ = nullptr;
    std::set<std::string> used_;
};

}  // namespace

Result<Config, std::string> load_config(const std::filesystem::path& file) {
    Config c;
    c.file = file;
    const std::string fname = file.string();
    try {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec))
            return unexpected(fname + ": no such file");
        const toml::value root = toml::parse(fname);
        if (!root.is_table()) return unexpected(fname + ": not a TOML table");
        const std::filesystem::path dir = std::filesystem::absolute(file).parent_path();
        auto path = [&](const std::string& p) -> std::filesystem::path {
            std::filesystem::path x(p);
            return x.is_absolute() ? x : dir / x;
        };
        static const std::set<std::string> kSections = {"chain", "node",   "consensus", "rpc",
                                                        "p2p",   "txpool", "log"};
        for (const auto& [k, v] : root.as_table())
            if (!kSections.count(k)) return unexpected(fname + ": unknown section [" + k + "]");

        Section chain(root, "chain", fname);
        c.genesis = path(chain.str("genesis", std::nullopt));
        chain.finish();

        Section node(root, "node", fname);
        c.name = node.str("name", "node");
        c.data_dir = path(node.str("data_dir", "data"));
        c.validator_key = path(node.str("validator_key", std::nullopt));
        c.password_file = path(node.str("password_file", std::nullopt));
        const std::string role = node.str("role", "validator");
        if (role == "validator") {
            c.role = Role::kValidator;
        } else if (role == "observer") {
            c.role = Role::kObserver;
        } else {
            return unexpected(node.where("role") + "must be \"validator\" or \"observer\"");
        }
        node.finish();

        Section cons(root, "consensus", fname);
        c.timeout_propose_ms =
            cons.num("timeout_propose_ms", c.timeout_propose_ms, kMinTimeoutMs, kMaxTimeoutMs);
        c.timeout_prevote_ms =
            cons.num("timeout_prevote_ms", c.timeout_prevote_ms, kMinTimeoutMs, kMaxTimeoutMs);
        c.timeout_precommit_ms =
            cons.num("timeout_precommit_ms", c.timeout_precommit_ms, kMinTimeoutMs, kMaxTimeoutMs);
        c.timeout_delta_ms = cons.num("timeout_delta_ms", c.timeout_delta_ms, 0, kMaxTimeoutMs);
        c.rebroadcast_ms =
            cons.num("rebroadcast_ms", c.rebroadcast_ms, kMinRebroadcastMs, kMaxTimeoutMs);
        c.max_block_txs = cons.num("max_block_txs", c.max_block_txs, 1, kMaxBlockTxs);
        cons.finish();

        Section rpc(root, "rpc", fname);
        auto listen = parse_host_port(rpc.str("listen", "127.0.0.1:8545"), true);
        if (!listen) return unexpected(rpc.where("listen") + listen.error());
        c.rpc = *listen;
        c.cors_origins = rpc.strs("cors_origins");
        c.rpc_threads = rpc.num("threads", 2, 1, 256);
        c.max_request_bytes = rpc.num("max_request_bytes", 5u << 20, 1024, 1u << 30);
        c.max_batch = rpc.num("max_batch", 1000, 1, 100'000);
        c.max_log_range = rpc.num("max_log_range", 10'000, 1, 10'000'000);
        c.max_logs = rpc.num("max_logs", 10'000, 1, 10'000'000);
        rpc.finish();

        Section p2p(root, "p2p", fname);
        auto p2p_listen = parse_host_port(p2p.str("listen", "127.0.0.1:30300"), true);
        if (!p2p_listen) return unexpected(p2p.where("listen") + p2p_listen.error());
        c.p2p = *p2p_listen;
        c.peers = p2p.strs("peers");
        for (const auto& peer : c.peers)
            if (auto hp = parse_host_port(peer); !hp)
                return unexpected(p2p.where("peers") + hp.error());
        c.ca_cert = path(p2p.str("ca_cert", "tls/ca.crt"));
        c.cert = path(p2p.str("cert", "tls/node.crt"));
        c.key = path(p2p.str("key", "tls/node.key"));
        p2p.finish();

        Section pool(root, "txpool", fname);
        c.txpool_max_txs = pool.num("max_txs", 200'000, 1, 100'000'000);
        c.txpool_max_per_sender = pool.num("max_per_sender", 5'000, 1, 100'000'000);
        pool.finish();

        Section log(root, "log", fname);
        c.log_level = log.str("level", "info");
        static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
        if (!kLevels.count(c.log_level))
            return unexpected(log.where("level") + "must be trace, debug, info, warn or error");
        log.finish();
    } catch (const std::exception& e) {
        return unexpected(std::string(e.what()));
    }
    return c;
}

}  // namespace xl::node
