// SPDX-License-Identifier: Apache-2.0
// `xinlian init`: the files of a new network of N validators and M observers on one machine
// (docs/cli.md).
//   xinlian init --validators N --out DIR [--crypto ecdsa|sm] [--chain-id ID] [--base-port P]
//        [--p2p-base-port Q] [--dev-accounts K] [--block-interval-ms MS] [--gas-limit G]
//        [--organisations org0,org1,..] [--observers M] [--force]
// Writes DIR/ca/{ca.crt,ca.key} (the consortium CA, never copied into node directories),
// DIR/nodeI/{config.toml,genesis.json,keys/validator.json,keys/password,tls/{ca.crt,node.crt,
// node.key}} for validators I < N, the same with keys/node.json for observers N <= I < N+M,
// DIR/README.txt and, with --dev-accounts, DIR/dev-accounts.json.
// Everything is generated in memory first, so a bad flag or a failed key generation leaves no
// files behind. Secrets (keys, passwords) are created with mode 0600.
// Single-threaded; certificates come from network/certs.hpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/uint256.hpp"
#include "crypto/keystore.hpp"
#include "crypto/random.hpp"
#include "crypto/suite.hpp"
#include "network/certs.hpp"

namespace xl::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// ---- limits and defaults (STYLE.md 8) ----

inline constexpr uint64_t kMaxValidators = 100;
inline constexpr uint64_t kMaxObservers = 100;
inline constexpr uint64_t kMaxDevAccounts = 10000;
inline constexpr uint64_t kDefaultChainId = 1337;
inline constexpr uint64_t kDefaultRpcBasePort = 8545;
inline constexpr uint64_t kDefaultP2pBasePort = 30300;
inline constexpr uint64_t kDefaultBlockIntervalMs = 1000;
inline constexpr uint64_t kMinBlockIntervalMs = 10;
inline constexpr uint64_t kMaxBlockIntervalMs = 3'600'000;
inline constexpr uint64_t kDefaultGasLimit = 1'000'000'000;
inline constexpr uint64_t kMinGasLimit = 21000;  // one plain transfer must fit
inline constexpr uint64_t kMaxGasLimit = uint64_t{1} << 62;
inline constexpr size_t kMaxOrganisationLength = network::kMaxOrganisationLength;  // X.509
inline constexpr size_t kPasswordBytes = 32;  // random; written as 64 hex digits
inline constexpr uint64_t kDevBalanceEther = 1'000'000;
// The config's fixed values (what the node is built for; see src/rpc/jsonrpc.hpp Limits).
inline constexpr int kRpcThreads = 2;
inline constexpr uint64_t kRpcMaxRequestBytes = 5 * 1024 * 1024;
inline constexpr int kRpcMaxBatch = 1000;
inline constexpr int kTxpoolMaxTxs = 200000;
inline constexpr int kTxpoolMaxPerSender = 5000;
static_assert(kMinGasLimit <= kDefaultGasLimit && kDefaultGasLimit <= kMaxGasLimit);
static_assert(kMinBlockIntervalMs <= kDefaultBlockIntervalMs);

[[noreturn]] void fail(const std::string& message) {
    throw CLI::RuntimeError(message, 1);
}

// ---- options ----

struct InitOptions {
    uint64_t validators = 0;
    std::string out;
    std::string crypto = "ecdsa";
    uint64_t chain_id = kDefaultChainId;
    uint64_t base_port = kDefaultRpcBasePort;
    uint64_t p2p_base_port = kDefaultP2pBasePort;
    uint64_t dev_accounts = 0;
    uint64_t block_interval_ms = kDefaultBlockIntervalMs;
    uint64_t gas_limit = kDefaultGasLimit;
    std::string organisations;  // comma-separated; empty: org0..org{N-1}
    uint64_t observers = 0;
    bool force = false;
};

std::vector<std::string> split_organisations(const std::string& text, uint64_t n) {
    std::vector<std::string> orgs;
    if (text.empty()) {
        for (uint64_t i = 0; i < n; ++i)
            orgs.push_back("org" + std::to_string(i));
        return orgs;
    }
    std::string cur;
    std::istringstream in(text);
    while (std::getline(in, cur, ',')) {
        orgs.push_back(cur);
    }
    if (text.back() == ',') orgs.emplace_back();
    if (orgs.size() != n) {
        fail("--organisations lists " + std::to_string(orgs.size()) + " names for " +
             std::to_string(n) + " validators (give one per validator, comma-separated)");
    }
    for (const auto& o : orgs) {
        if (o.empty()) fail("--organisations: an empty organisation name");
        if (o.size() > kMaxOrganisationLength) {
            fail("--organisations: '" + o + "' is longer than " +
                 std::to_string(kMaxOrganisationLength) + " bytes");
        }
        for (unsigned char c : o) {
            if (c < 0x20 || c == 0x7f) fail("--organisations: a control character in a name");
        }
    }
    return orgs;
}

void validate(const InitOptions& o) {
    if (o.validators < 1 || o.validators > kMaxValidators) {
        fail("--validators must be between 1 and " + std::to_string(kMaxValidators));
    }
    if (o.out.empty()) fail("--out must name a directory");
    if (!crypto::suite_by_name(o.crypto)) {
        fail("unknown crypto suite '" + o.crypto + "' (expected ecdsa or sm)");
    }
    if (o.chain_id == 0) fail("--chain-id must be at least 1");
    if (o.observers > kMaxObservers) {
        fail("--observers must be at most " + std::to_string(kMaxObservers));
    }
    // Validators take the first ports, observers the next ones.
    const uint64_t nodes = o.validators + o.observers;
    auto check_ports = [&](const char* flag, uint64_t base) {
        if (base < 1 || base + nodes - 1 > 65535) {
            fail(std::string(flag) + " " + std::to_string(base) + ": ports " +
                 std::to_string(base) + ".." + std::to_string(base + nodes - 1) +
                 " must lie in 1..65535");
        }
    };
    check_ports("--base-port", o.base_port);
    check_ports("--p2p-base-port", o.p2p_base_port);
    const uint64_t rpc_end = o.base_port + nodes, p2p_end = o.p2p_base_port + nodes;
    if (o.base_port < p2p_end && o.p2p_base_port < rpc_end) {
        fail("--base-port and --p2p-base-port ranges overlap");
    }
    if (o.dev_accounts > kMaxDevAccounts) {
        fail("--dev-accounts must be at most " + std::to_string(kMaxDevAccounts));
    }
    if (o.block_interval_ms < kMinBlockIntervalMs || o.block_interval_ms > kMaxBlockIntervalMs) {
        fail("--block-interval-ms must be between " + std::to_string(kMinBlockIntervalMs) +
             " and " + std::to_string(kMaxBlockIntervalMs));
    }
    if (o.gas_limit < kMinGasLimit || o.gas_limit > kMaxGasLimit) {
        fail("--gas-limit must be between " + std::to_string(kMinGasLimit) + " and " +
             std::to_string(kMaxGasLimit));
    }
}

// ---- the generated network, in memory ----

struct NodeFiles {
    std::string name;
    bool observer = false;  // else a validator, in the genesis set
    std::string key_file;   // the keystore, below keys/
    std::string organisation;
    crypto::SecretKey consensus_key;
    crypto::PublicKey consensus_public;
    Address address;
    std::string keystore;
    std::string password;
    std::string node_key_pem;
    std::string node_cert_pem;
    std::string config_toml;
};

struct DevAccount {
    Address address;
    crypto::SecretKey secret;
};

// A TOML basic string (TOML 1.0 §String): quotes, backslashes and control characters escaped.
std::string toml_string(const std::string& s) {
    std::string r = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                r += "\\\"";
                break;
            case '\\':
                r += "\\\\";
                break;
            case '\n':
                r += "\\n";
                break;
            case '\t':
                r += "\\t";
                break;
            case '\r':
                r += "\\r";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    r += buf;
                } else {
                    r += static_cast<char>(c);
                }
        }
    }
    return r + "\"";
}

std::string endpoint(uint64_t port) {
    return "127.0.0.1:" + std::to_string(port);
}

// Node i's config: a validator's peers are the other validators; an observer's, every
// validator (observers do not dial each other).
std::string config_toml(const InitOptions& o, uint64_t i, const NodeFiles& n) {
    std::string peers;
    for (uint64_t j = 0; j < o.validators; ++j) {
        if (j == i) continue;
        if (!peers.empty()) peers += ", ";
        peers += toml_string(endpoint(o.p2p_base_port + j));
    }
    std::ostringstream t;
    t << "# Xinlian node configuration, written by `xinlian init`. Relative paths are relative\n"
         "# to the directory of this file.\n"
      << "[chain]\n"
      << "genesis = " << toml_string("genesis.json") << "\n\n"
      << "[node]\n"
      << "name = " << toml_string(n.name) << "\n"
      << "role = " << toml_string(n.observer ? "observer" : "validator") << "\n"
      << "data_dir = " << toml_string("data") << "\n"
      << "validator_key = " << toml_string("keys/" + n.key_file) << "\n"
      << "password_file = " << toml_string("keys/password") << "\n\n"
      << "[rpc]\n"
      << "listen = " << toml_string(endpoint(o.base_port + i)) << "\n"
      << "cors_origins = [" << toml_string("*") << "]\n"
      << "threads = " << kRpcThreads << "\n"
      << "max_request_bytes = " << kRpcMaxRequestBytes << "\n"
      << "max_batch = " << kRpcMaxBatch << "\n\n"
      << "[p2p]\n"
      << "listen = " << toml_string(endpoint(o.p2p_base_port + i)) << "\n"
      << "peers = [" << peers << "]\n"
      << "ca_cert = " << toml_string("tls/ca.crt") << "\n"
      << "cert = " << toml_string("tls/node.crt") << "\n"
      << "key = " << toml_string("tls/node.key") << "\n\n"
      << "[txpool]\n"
      << "max_txs = " << kTxpoolMaxTxs << "\n"
      << "max_per_sender = " << kTxpoolMaxPerSender << "\n\n"
      << "[log]\n"
      << "level = " << toml_string("info") << "\n";
    return t.str();
}

std::string public_key_hex(const crypto::PublicKey& pk) {
    return "0x04" + to_hex(pk.view(), false);
}

// 1,000,000 * 10^18: each development account's balance.
U256 dev_balance() {
    U256 v = kDevBalanceEther;
    for (int i = 0; i < 18; ++i)
        v *= 10;
    return v;
}

std::string genesis_json(const InitOptions& o, const std::vector<NodeFiles>& nodes,
                         const std::vector<DevAccount>& dev, uint64_t timestamp) {
    json g;
    g["chainId"] = o.chain_id;
    g["crypto"] = o.crypto;
    g["timestamp"] = timestamp;
    g["gasLimit"] = U256(o.gas_limit).to_hex();
    g["baseFee"] = "0x0";
    g["blockIntervalMs"] = o.block_interval_ms;
    g["extraData"] = "0x";
    json validators = json::array();
    for (const auto& n : nodes) {
        if (n.observer) continue;
        validators.push_back({{"address", to_hex(n.address.view())},
                              {"publicKey", public_key_hex(n.consensus_public)},
                              {"organisation", n.organisation},
                              {"power", 1}});
    }
    g["validators"] = std::move(validators);
    // Sorted by address, so the file does not depend on the order keys were generated in.
    std::vector<Address> funded;
    for (const auto& d : dev)
        funded.push_back(d.address);
    std::sort(funded.begin(), funded.end());
    json alloc = json::object();
    const std::string balance = dev_balance().to_hex();
    for (const auto& a : funded)
        alloc[to_hex(a.view())] = {{"balance", balance}};
    g["alloc"] = std::move(alloc);
    return g.dump(2) + "\n";
}

std::string readme_text(const InitOptions& o) {
    std::ostringstream t;
    t << "Xinlian network of " << o.validators << " validator(s)";
    if (o.observers > 0) {
        t << " (node0..node" << o.validators - 1 << ") and " << o.observers << " observer(s) (node"
          << o.validators << "..node" << o.validators + o.observers - 1 << ")";
    }
    t << ", crypto suite '" << o.crypto << "', chain id " << o.chain_id
      << ", written by `xinlian init`.\n\n"
      << "  ca/                 the consortium CA: ca.crt and its private key ca.key. Keep\n"
      << "                      ca.key offline; it is needed only to admit new nodes.\n"
      << "  nodeI/config.toml   start a node with: xinlian node --config nodeI/config.toml\n"
      << "  nodeI/genesis.json  identical in every node directory\n"
      << "  nodeI/keys/         the node key (keystore: validator.json for a validator,\n"
      << "                      node.json for an observer) and its random password (0600)\n"
      << "  nodeI/tls/          the node's TLS key and certificate, and the CA certificate\n";
    if (o.dev_accounts > 0) {
        t << "\n  dev-accounts.json   " << o.dev_accounts
          << " funded account(s) with their PRIVATE KEYS in plain text.\n\n"
          << "WARNING: the keys in dev-accounts.json are for LOCAL DEVELOPMENT ONLY. Anyone\n"
          << "who reads that file controls those accounts. Never fund them on a network that\n"
          << "holds anything of value, and never use --dev-accounts for a real deployment.\n";
    }
    return t.str();
}

std::string dev_accounts_json(const std::vector<DevAccount>& dev) {
    json a = json::array();
    for (const auto& d : dev) {
        a.push_back(
            {{"address", to_hex(d.address.view())}, {"privateKey", to_hex(d.secret.view())}});
    }
    return a.dump(2) + "\n";
}

// ---- writing ----

// Creates path (which must not exist) with the given mode and writes text.
void write_file(const fs::path& path, const std::string& text, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) fail("cannot create " + path.string() + ": " + std::strerror(errno));
    // The umask may have removed bits of a public file's mode; a secret's 0600 only narrows.
    if (::fchmod(fd, mode) != 0) {
        ::close(fd);
        fail("cannot set the mode of " + path.string() + ": " + std::strerror(errno));
    }
    std::string_view rest = text;
    while (!rest.empty()) {
        ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            fail("cannot write " + path.string() + ": " + std::strerror(err));
        }
        rest.remove_prefix(static_cast<size_t>(n));
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        fail("cannot write " + path.string() + ": " + std::strerror(errno));
    }
}

// Creates path (and its parents). With perms, sets them: directories holding secrets are
// 0700 whatever the umask. DIR itself keeps the mode it has or the umask gives it.
void make_dir(const fs::path& path, std::optional<fs::perms> perms = std::nullopt) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) fail("cannot create directory " + path.string() + ": " + ec.message());
    if (!perms) return;
    fs::permissions(path, *perms, ec);
    if (ec) fail("cannot set permissions of " + path.string() + ": " + ec.message());
}

// What init writes at the top of DIR: the only entries --force removes.
bool is_ours(const fs::path& entry) {
    static const std::regex node_dir("node[0-9]+");
    const std::string name = entry.filename().string();
    return name == "ca" || name == "dev-accounts.json" || name == "README.txt" ||
           std::regex_match(name, node_dir);
}

// An existing non-empty DIR is refused unless --force; with --force, the entries a previous
// `xinlian init` wrote are removed (nodeI/data included: a new genesis needs new chain data),
// and anything else in DIR is left alone.
void prepare_out_dir(const fs::path& dir, bool force) {
    std::error_code ec;
    const auto st = fs::status(dir, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        fail("cannot inspect " + dir.string() + ": " + ec.message());
    }
    if (!fs::exists(st)) return;
    if (!fs::is_directory(st)) fail(dir.string() + " exists and is not a directory");
    std::vector<fs::path> ours;
    bool empty = true;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        empty = false;
        if (is_ours(e.path())) ours.push_back(e.path());
    }
    if (ec) fail("cannot list " + dir.string() + ": " + ec.message());
    if (empty) return;
    if (!force) {
        fail(dir.string() +
             " exists and is not empty; refusing to overwrite it (use --force "
             "to replace the network files in it)");
    }
    for (const auto& p : ours) {
        fs::remove_all(p, ec);
        if (ec) fail("cannot remove " + p.string() + ": " + ec.message());
    }
}

void run_init(const InitOptions& o) {
    validate(o);
    const auto& suite = *crypto::suite_by_name(o.crypto);
    const auto orgs = split_organisations(o.organisations, o.validators);
    const fs::path dir(o.out);

    // Refuse early, before the slow part, if DIR is in the way.
    if (!o.force) prepare_out_dir(dir, false);

    const uint64_t timestamp =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    auto ca = network::make_ca("Xinlian chain " + std::to_string(o.chain_id) + " CA",
                               "Xinlian consortium");
    if (!ca) fail(ca.error());

    // Validators node0..node{N-1}, then observers. An observer belongs to a member
    // organisation: the organisations of the validators, in turn.
    std::vector<NodeFiles> nodes(o.validators + o.observers);
    for (uint64_t i = 0; i < nodes.size(); ++i) {
        NodeFiles& n = nodes[i];
        n.name = "node" + std::to_string(i);
        n.observer = i >= o.validators;
        n.key_file = n.observer ? "node.json" : "validator.json";
        n.organisation = orgs[i % o.validators];
        n.consensus_key = suite.generate_key();
        auto pk = suite.public_key(n.consensus_key);
        if (!pk) fail("deriving a public key: " + std::string(crypto::to_string(pk.error())));
        n.consensus_public = *pk;
        n.address = suite.address(*pk);
        n.password = to_hex(crypto::random_fixed<kPasswordBytes>().view(), false);
        // The password is 256 random bits, so the KDF's cost adds nothing against guessing;
        // the light parameters keep `init` and node start-up fast.
        auto ks = crypto::encrypt_keystore(suite, n.consensus_key, n.password,
                                           crypto::KeystoreParams::light());
        if (!ks) fail("writing a keystore: " + std::string(crypto::to_string(ks.error())));
        n.keystore = *ks + "\n";
        const network::Identity identity{
            n.observer ? network::Role::kObserver : network::Role::kValidator, n.address,
            n.organisation};
        auto tls = network::issue_certificate(*ca, identity, n.name);
        if (!tls) fail(tls.error());
        n.node_key_pem = std::move(tls->key_pem);
        n.node_cert_pem = std::move(tls->cert_pem);
        n.config_toml = config_toml(o, i, n);
    }
    std::vector<DevAccount> dev(o.dev_accounts);
    for (auto& d : dev) {
        d.secret = suite.generate_key();
        auto pk = suite.public_key(d.secret);
        if (!pk) fail("deriving a public key: " + std::string(crypto::to_string(pk.error())));
        d.address = suite.address(*pk);
    }
    const std::string genesis = genesis_json(o, nodes, dev, timestamp);
    const std::string& ca_pem = ca->cert_pem;

    prepare_out_dir(dir, o.force);
    make_dir(dir);
    constexpr mode_t kPublic = 0644, kSecret = 0600;
    const fs::perms kPrivateDir = fs::perms::owner_all;
    make_dir(dir / "ca", kPrivateDir);
    write_file(dir / "ca" / "ca.crt", ca_pem, kPublic);
    write_file(dir / "ca" / "ca.key", ca->key_pem, kSecret);
    for (const auto& n : nodes) {
        const fs::path nd = dir / n.name;
        make_dir(nd);
        make_dir(nd / "keys", kPrivateDir);
        make_dir(nd / "tls", kPrivateDir);
        write_file(nd / "config.toml", n.config_toml, kPublic);
        write_file(nd / "genesis.json", genesis, kPublic);
        write_file(nd / "keys" / n.key_file, n.keystore, kSecret);
        write_file(nd / "keys" / "password", n.password + "\n", kSecret);
        write_file(nd / "tls" / "ca.crt", ca_pem, kPublic);
        write_file(nd / "tls" / "node.crt", n.node_cert_pem, kPublic);
        write_file(nd / "tls" / "node.key", n.node_key_pem, kSecret);
    }
    if (!dev.empty()) write_file(dir / "dev-accounts.json", dev_accounts_json(dev), kSecret);
    write_file(dir / "README.txt", readme_text(o), kPublic);

    std::cout << "wrote a network of " << o.validators << " validator(s)";
    if (o.observers > 0) std::cout << " and " << o.observers << " observer(s)";
    std::cout << " (" << o.crypto << ", chain id " << o.chain_id << ") to " << dir.string() << "\n";
    for (uint64_t i = 0; i < nodes.size(); ++i) {
        std::cout << "  " << nodes[i].name << "  " << to_hex(nodes[i].address.view())
                  << "  rpc http://" << endpoint(o.base_port + i) << "  p2p "
                  << endpoint(o.p2p_base_port + i) << (nodes[i].observer ? "  (observer)" : "")
                  << "\n";
    }
    if (!dev.empty()) {
        std::cout << dev.size() << " development account(s) in "
                  << (dir / "dev-accounts.json").string()
                  << " (for local development only: their private keys are in that file)\n";
    }
}

}  // namespace

void add_init_command(CLI::App& app) {
    auto o = std::make_shared<InitOptions>();
    auto* cmd = app.add_subcommand("init",
                                   "Write the configuration, genesis, keys and TLS "
                                   "certificates of a new network");
    cmd->add_option("--validators", o->validators,
                    "Number of validators (1.." + std::to_string(kMaxValidators) + ")")
        ->required();
    cmd->add_option("--out", o->out, "Directory to write (must not exist or be empty)")->required();
    cmd->add_option("--crypto", o->crypto, "Crypto suite: ecdsa or sm")->capture_default_str();
    cmd->add_option("--chain-id", o->chain_id, "Chain id")->capture_default_str();
    cmd->add_option("--base-port", o->base_port, "RPC port of node0; nodeI listens on P+I")
        ->capture_default_str();
    cmd->add_option("--p2p-base-port", o->p2p_base_port, "P2P port of node0; nodeI listens on Q+I")
        ->capture_default_str();
    cmd->add_option("--dev-accounts", o->dev_accounts,
                    "Funded development accounts whose private keys are written to "
                    "DIR/dev-accounts.json (local development only)")
        ->capture_default_str();
    cmd->add_option("--block-interval-ms", o->block_interval_ms, "Target block interval")
        ->capture_default_str();
    cmd->add_option("--gas-limit", o->gas_limit, "Block gas limit")->capture_default_str();
    cmd->add_option("--organisations", o->organisations,
                    "Comma-separated organisation of each validator (default org0,org1,..)");
    cmd->add_option("--observers", o->observers,
                    "Observer nodes (0.." + std::to_string(kMaxObservers) +
                        "): follow the chain, never vote; nodeN.. after the validators")
        ->capture_default_str();
    cmd->add_flag("--force", o->force,
                  "Replace the network files of an earlier `init` in DIR (their data too)");
    cmd->callback([o] {
        try {
            run_init(*o);
        } catch (const CLI::RuntimeError& e) {
            std::cerr << "error: " << e.what() << "\n";
            throw;
        }
    });
}

}  // namespace xl::cli
