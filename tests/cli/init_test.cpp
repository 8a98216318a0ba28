// SPDX-License-Identifier: Apache-2.0
// `xinlian init` (src/cli/init_cmd.cpp), run through its CLI11 registration in a temporary
// directory, under both crypto suites: the files it writes, their modes, the genesis and
// config formats, keystores that open with their password files to the genesis validators,
// certificates that verify against the consortium CA with the right O, CN and SAN URI,
// funded development accounts, observer nodes, refusing to overwrite, and bad flags.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <toml.hpp>
#include <vector>

#include "cli/commands.hpp"
#include "crypto/keystore.hpp"
#include "crypto/suite.hpp"
#include "ledger/genesis.hpp"
#include "network/certs.hpp"
#include "node/config.hpp"

namespace xl::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        for (int i = 0; i < 100 && path_.empty(); ++i) {
            auto p = fs::temp_directory_path() /
                     ("xl-cli-test-" + std::to_string(rd()) + std::to_string(rd()));
            if (fs::create_directory(p)) path_ = p;
        }
        EXPECT_FALSE(path_.empty());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Runs `xinlian init ARGS...` in-process. Throws what the command throws (CLI::RuntimeError
// for a refused value, CLI::ParseError for a malformed flag).
void run_init(std::vector<std::string> args) {
    CLI::App app{"test", "xinlian"};
    add_init_command(app);
    args.insert(args.begin(), "init");
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
    app.parse(args);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    EXPECT_TRUE(in.good()) << p;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

X509Ptr load_cert(const fs::path& p) {
    const std::string pem = slurp(p);
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PkeyPtr load_key(const fs::path& p) {
    const std::string pem = slurp(p);
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string name_entry(X509* cert, int nid) {
    char buf[256] = {};
    const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), nid, buf, sizeof buf);
    return n < 0 ? std::string("<none>") : std::string(buf, static_cast<size_t>(n));
}

std::vector<std::string> san_uris(X509* cert) {
    std::vector<std::string> out;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_URI) {
            const ASN1_IA5STRING* s = g->d.uniformResourceIdentifier;
            out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<size_t>(ASN1_STRING_length(s)));
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

// Full chain verification (signature, validity period, CA constraints, TLS purpose).
bool chain_verifies(X509* ca, X509* leaf, int purpose) {
    std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>> store(X509_STORE_new());
    std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
    if (!store || !ctx || X509_STORE_add_cert(store.get(), ca) != 1) return false;
    if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) != 1) return false;
    X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    return X509_verify_cert(ctx.get()) == 1;
}

std::vector<std::string> keys_of(const json& j) {
    std::vector<std::string> k;
    for (const auto& [key, _] : j.items())
        k.push_back(key);
    return k;
}

class InitTest : public ::testing::TestWithParam<std::string> {
protected:
    const crypto::CryptoSuite& suite() const { return *crypto::suite_by_name(GetParam()); }
};

TEST_P(InitTest, WritesEveryFileInTheFixedFormats) {
    TempDir tmp;
    const fs::path out = tmp.path() / "net";
    run_init({"--validators", "3", "--out", out.string(), "--crypto", GetParam(), "--chain-id",
              "4242", "--base-port", "18545", "--dev-accounts", "2", "--block-interval-ms", "500",
              "--gas-limit", "30000000", "--organisations", "Alpha Bank,Beta \"Co\",Gamma"});
    const std::vector<std::string> orgs = {"Alpha Bank", "Beta \"Co\"", "Gamma"};

    // The CA key stays in DIR/ca, mode 0600, and in no node directory.
    EXPECT_EQ(mode_of(out / "ca" / "ca.key"), 0600u);
    EXPECT_TRUE(fs::exists(out / "ca" / "ca.crt"));
    EXPECT_TRUE(fs::exists(out / "README.txt"));
    X509Ptr ca = load_cert(out / "ca" / "ca.crt");
    ASSERT_TRUE(ca);
    EXPECT_EQ(X509_check_ca(ca.get()), 1);

    const std::string genesis_text = slurp(out / "node0" / "genesis.json");
    const json g = json::parse(genesis_text);
    EXPECT_EQ(keys_of(g),
              (std::vector<std::string>{"chainId", "crypto", "timestamp", "gasLimit", "baseFee",
                                        "blockIntervalMs", "extraData", "validators", "alloc"}));
    EXPECT_EQ(g["chainId"], 4242);
    EXPECT_EQ(g["crypto"], GetParam());
    EXPECT_TRUE(g["timestamp"].is_number_unsigned());
    EXPECT_GT(g["timestamp"].get<uint64_t>(), 1'700'000'000u);
    EXPECT_EQ(g["gasLimit"], "0x1c9c380");
    EXPECT_EQ(g["baseFee"], "0x0");
    EXPECT_EQ(g["blockIntervalMs"], 500);
    EXPECT_EQ(g["extraData"], "0x");
    ASSERT_EQ(g["validators"].size(), 3u);

    for (int i = 0; i < 3; ++i) {
        const std::string name = "node" + std::to_string(i);
        const fs::path nd = out / name;
        SCOPED_TRACE(name);
        EXPECT_EQ(slurp(nd / "genesis.json"), genesis_text);  // identical in every node
        EXPECT_FALSE(fs::exists(nd / "tls" / "ca.key"));
        EXPECT_FALSE(fs::exists(nd / "ca.key"));
        EXPECT_EQ(slurp(nd / "tls" / "ca.crt"), slurp(out / "ca" / "ca.crt"));
        for (const char* secret : {"keys/validator.json", "keys/password", "tls/node.key"}) {
            EXPECT_EQ(mode_of(nd / secret), 0600u) << secret;
        }

        const json& v = g["validators"][i];
        EXPECT_EQ(keys_of(v),
                  (std::vector<std::string>{"address", "publicKey", "organisation", "power"}));
        EXPECT_EQ(v["organisation"], orgs[i]);
        EXPECT_EQ(v["power"], 1);
        const std::string pk_hex = v["publicKey"].get<std::string>();
        ASSERT_EQ(pk_hex.size(), 2u + 130u);
        EXPECT_EQ(pk_hex.substr(0, 4), "0x04");

        // The keystore opens with the first line of the password file, to the genesis key.
        std::string password = slurp(nd / "keys" / "password");
        ASSERT_TRUE(password.ends_with('\n'));
        password.pop_back();
        EXPECT_EQ(password.size(), 64u);
        auto key = crypto::decrypt_keystore(slurp(nd / "keys" / "validator.json"), password);
        ASSERT_TRUE(key) << crypto::to_string(key.error());
        EXPECT_EQ(key->suite, suite().id());
        EXPECT_EQ("0x04" + to_hex(key->public_key.view(), false), pk_hex);
        EXPECT_EQ(to_hex(key->address.view()), v["address"]);
        EXPECT_EQ(suite().address(key->public_key), key->address);
        EXPECT_FALSE(crypto::decrypt_keystore(slurp(nd / "keys" / "validator.json"), "wrong"));

        // The node certificate: signed by the CA, O, CN, SAN URI, and its private key.
        X509Ptr cert = load_cert(nd / "tls" / "node.crt");
        ASSERT_TRUE(cert);
        EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(ca.get())), 1);
        EXPECT_TRUE(chain_verifies(ca.get(), cert.get(), X509_PURPOSE_SSL_SERVER));
        EXPECT_TRUE(chain_verifies(ca.get(), cert.get(), X509_PURPOSE_SSL_CLIENT));
        EXPECT_EQ(X509_check_ca(cert.get()), 0);
        EXPECT_EQ(name_entry(cert.get(), NID_organizationName), orgs[i]);
        EXPECT_EQ(name_entry(cert.get(), NID_commonName), name);
        const std::string address = v["address"].get<std::string>();
        EXPECT_EQ(san_uris(cert.get()), std::vector<std::string>{"xinlian:validator:" + address});
        // The transport reads the same identity from it.
        auto identity = network::identity_of_certificate(slurp(nd / "tls" / "node.crt"));
        ASSERT_TRUE(identity) << identity.error();
        EXPECT_EQ(identity->role, network::Role::kValidator);
        EXPECT_EQ(to_hex(identity->address.view()), address);
        EXPECT_EQ(identity->organisation, orgs[i]);
        PkeyPtr node_key = load_key(nd / "tls" / "node.key");
        ASSERT_TRUE(node_key);
        EXPECT_EQ(X509_check_private_key(cert.get(), node_key.get()), 1);
        EXPECT_TRUE(EVP_PKEY_is_a(node_key.get(), "EC"));
        char group[64] = {};
        size_t group_len = 0;
        EXPECT_EQ(EVP_PKEY_get_group_name(node_key.get(), group, sizeof group, &group_len), 1);
        EXPECT_STREQ(group, "prime256v1");
        // Ten years (give or take the leap days), from now.
        int days = 0, secs = 0;
        ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert.get()),
                                 X509_get0_notAfter(cert.get())),
                  1);
        EXPECT_GE(days, 3650);
        EXPECT_LE(days, 3653);

        // config.toml: exactly the documented keys, ports P+i and 30300+i, the other peers.
        const toml::value c = toml::parse((nd / "config.toml").string());
        EXPECT_EQ(toml::find<std::string>(c, "chain", "genesis"), "genesis.json");
        EXPECT_EQ(toml::find<std::string>(c, "node", "name"), name);
        EXPECT_EQ(toml::find<std::string>(c, "node", "role"), "validator");
        EXPECT_EQ(toml::find<std::string>(c, "node", "data_dir"), "data");
        EXPECT_EQ(toml::find<std::string>(c, "node", "validator_key"), "keys/validator.json");
        EXPECT_EQ(toml::find<std::string>(c, "node", "password_file"), "keys/password");
        EXPECT_EQ(toml::find<std::string>(c, "rpc", "listen"),
                  "127.0.0.1:" + std::to_string(18545 + i));
        EXPECT_EQ(toml::find<std::vector<std::string>>(c, "rpc", "cors_origins"),
                  std::vector<std::string>{"*"});
        EXPECT_EQ(toml::find<int>(c, "rpc", "threads"), 2);
        EXPECT_EQ(toml::find<int64_t>(c, "rpc", "max_request_bytes"), 5242880);
        EXPECT_EQ(toml::find<int>(c, "rpc", "max_batch"), 1000);
        EXPECT_EQ(toml::find<std::string>(c, "p2p", "listen"),
                  "127.0.0.1:" + std::to_string(30300 + i));
        std::vector<std::string> peers;
        for (int j = 0; j < 3; ++j)
            if (j != i) peers.push_back("127.0.0.1:" + std::to_string(30300 + j));
        EXPECT_EQ(toml::find<std::vector<std::string>>(c, "p2p", "peers"), peers);
        EXPECT_EQ(toml::find<std::string>(c, "p2p", "ca_cert"), "tls/ca.crt");
        EXPECT_EQ(toml::find<std::string>(c, "p2p", "cert"), "tls/node.crt");
        EXPECT_EQ(toml::find<std::string>(c, "p2p", "key"), "tls/node.key");
        EXPECT_EQ(toml::find<int>(c, "txpool", "max_txs"), 200000);
        EXPECT_EQ(toml::find<int>(c, "txpool", "max_per_sender"), 5000);
        EXPECT_EQ(toml::find<std::string>(c, "log", "level"), "info");
        std::vector<std::string> sections;
        for (const auto& [k, _] : c.as_table())
            sections.push_back(k);
        std::sort(sections.begin(), sections.end());
        EXPECT_EQ(sections,
                  (std::vector<std::string>{"chain", "log", "node", "p2p", "rpc", "txpool"}));
    }

    // Two funded development accounts whose keys give their addresses; 10^6 * 10^18 each.
    EXPECT_EQ(mode_of(out / "dev-accounts.json"), 0600u);
    const json dev = json::parse(slurp(out / "dev-accounts.json"));
    ASSERT_EQ(dev.size(), 2u);
    ASSERT_EQ(g["alloc"].size(), 2u);
    for (const auto& d : dev) {
        EXPECT_EQ(keys_of(d), (std::vector<std::string>{"address", "privateKey"}));
        auto sk = fixed_from_hex<32>(d["privateKey"].get<std::string>());
        ASSERT_TRUE(sk);
        auto pk = suite().public_key(*sk);
        ASSERT_TRUE(pk);
        const std::string address = to_hex(suite().address(*pk).view());
        EXPECT_EQ(d["address"], address);
        ASSERT_TRUE(g["alloc"].contains(address));
        EXPECT_EQ(g["alloc"][address], json({{"balance", "0xd3c21bcecceda1000000"}}));
    }
    EXPECT_NE(slurp(out / "README.txt").find("LOCAL DEVELOPMENT ONLY"), std::string::npos);
}

TEST_P(InitTest, DefaultsAndNoDevAccounts) {
    TempDir tmp;
    const fs::path out = tmp.path() / "net";
    run_init({"--validators", "1", "--out", out.string(), "--crypto", GetParam()});
    const json g = json::parse(slurp(out / "node0" / "genesis.json"));
    EXPECT_EQ(g["chainId"], 1337);
    EXPECT_EQ(g["gasLimit"], "0x3b9aca00");
    EXPECT_EQ(g["blockIntervalMs"], 1000);
    EXPECT_EQ(g["alloc"], json::object());
    EXPECT_EQ(g["validators"][0]["organisation"], "org0");
    EXPECT_FALSE(fs::exists(out / "dev-accounts.json"));
    const toml::value c = toml::parse((out / "node0" / "config.toml").string());
    EXPECT_EQ(toml::find<std::string>(c, "rpc", "listen"), "127.0.0.1:8545");
    EXPECT_TRUE(toml::find<std::vector<std::string>>(c, "p2p", "peers").empty());
}

// The node's own readers (node::load_config, ledger::parse_genesis) accept what init writes.
TEST_P(InitTest, TheNodeLoadsWhatInitWrites) {
    TempDir tmp;
    const fs::path out = tmp.path() / "net";
    run_init({"--validators", "2", "--out", out.string(), "--crypto", GetParam(), "--dev-accounts",
              "3", "--base-port", "9100"});
    for (int i = 0; i < 2; ++i) {
        const fs::path nd = fs::absolute(out / ("node" + std::to_string(i)));
        auto c = node::load_config(nd / "config.toml");
        ASSERT_TRUE(c) << c.error();
        EXPECT_EQ(c->name, "node" + std::to_string(i));
        EXPECT_EQ(c->rpc.port, 9100 + i);
        EXPECT_EQ(c->p2p.port, 30300 + i);
        EXPECT_EQ(c->peers, std::vector<std::string>{"127.0.0.1:" + std::to_string(30301 - i)});
        for (const auto& f :
             {c->genesis, c->validator_key, c->password_file, c->ca_cert, c->cert, c->key}) {
            EXPECT_TRUE(fs::is_regular_file(f)) << f;
        }
        EXPECT_EQ(c->data_dir, nd / "data");
        auto g = ledger::parse_genesis(slurp(c->genesis));
        ASSERT_TRUE(g) << g.error();
        EXPECT_EQ(g->suite, suite().id());
        EXPECT_EQ(g->chain_id, 1337u);
        EXPECT_EQ(g->validators.size(), 2u);
        EXPECT_EQ(g->alloc.size(), 3u);
        auto header = ledger::genesis_header(*g);
        EXPECT_TRUE(header) << header.error();
    }
}

// --observers M: nodes N..N+M-1 after the validators, with keys outside the genesis set, an
// observer certificate, role = "observer", the next ports, and every validator as a peer.
TEST_P(InitTest, ObserversFollowTheValidators) {
    TempDir tmp;
    const fs::path out = tmp.path() / "net";
    run_init({"--validators", "2", "--observers", "2", "--out", out.string(), "--crypto",
              GetParam(), "--base-port", "9100", "--p2p-base-port", "9200", "--organisations",
              "Alpha,Beta"});
    const json g = json::parse(slurp(out / "node0" / "genesis.json"));
    ASSERT_EQ(g["validators"].size(), 2u);
    std::vector<std::string> genesis_addresses;
    for (const auto& v : g["validators"])
        genesis_addresses.push_back(v["address"].get<std::string>());
    const std::vector<std::string> validator_peers = {"127.0.0.1:9200", "127.0.0.1:9201"};
    X509Ptr ca = load_cert(out / "ca" / "ca.crt");
    ASSERT_TRUE(ca);

    for (int i = 0; i < 4; ++i) {
        const std::string name = "node" + std::to_string(i);
        const fs::path nd = fs::absolute(out / name);
        SCOPED_TRACE(name);
        const bool observer = i >= 2;
        EXPECT_EQ(slurp(nd / "genesis.json"), slurp(out / "node0" / "genesis.json"));
        auto c = node::load_config(nd / "config.toml");
        ASSERT_TRUE(c) << c.error();
        EXPECT_EQ(c->role, observer ? node::Role::kObserver : node::Role::kValidator);
        EXPECT_EQ(c->rpc.port, 9100 + i);
        EXPECT_EQ(c->p2p.port, 9200 + i);
        EXPECT_EQ(c->validator_key, nd / "keys" / (observer ? "node.json" : "validator.json"));
        EXPECT_FALSE(fs::exists(nd / "keys" / (observer ? "validator.json" : "node.json")));
        EXPECT_EQ(mode_of(c->validator_key), 0600u);
        if (observer) {
            EXPECT_EQ(c->peers, validator_peers);
        } else {
            EXPECT_EQ(c->peers, std::vector<std::string>{validator_peers[1 - i]});
        }

        std::string password = slurp(c->password_file);
        password.pop_back();
        auto key = crypto::decrypt_keystore(slurp(c->validator_key), password);
        ASSERT_TRUE(key) << crypto::to_string(key.error());
        EXPECT_EQ(key->suite, suite().id());
        const std::string address = to_hex(key->address.view());
        const bool in_genesis = std::find(genesis_addresses.begin(), genesis_addresses.end(),
                                          address) != genesis_addresses.end();
        EXPECT_EQ(in_genesis, !observer);

        X509Ptr cert = load_cert(c->cert);
        ASSERT_TRUE(cert);
        EXPECT_TRUE(chain_verifies(ca.get(), cert.get(), X509_PURPOSE_SSL_CLIENT));
        EXPECT_TRUE(chain_verifies(ca.get(), cert.get(), X509_PURPOSE_SSL_SERVER));
        EXPECT_EQ(san_uris(cert.get()),
                  std::vector<std::string>{(observer ? "xinlian:observer:" : "xinlian:validator:") +
                                           address});
        EXPECT_EQ(name_entry(cert.get(), NID_commonName), name);
        // Observers belong to the member organisations, in turn.
        EXPECT_EQ(name_entry(cert.get(), NID_organizationName), i % 2 == 0 ? "Alpha" : "Beta");
    }
    EXPECT_FALSE(fs::exists(out / "node4"));
    EXPECT_NE(slurp(out / "README.txt").find("2 observer(s)"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(BothSuites, InitTest, ::testing::Values("ecdsa", "sm"));

TEST(Init, RefusesToOverwriteUnlessForced) {
    TempDir tmp;
    const fs::path out = tmp.path() / "net";
    run_init({"--validators", "2", "--out", out.string()});
    const std::string first = slurp(out / "node0" / "genesis.json");
    EXPECT_THROW(run_init({"--validators", "2", "--out", out.string()}), CLI::RuntimeError);
    EXPECT_EQ(slurp(out / "node0" / "genesis.json"), first);

    // --force replaces what init wrote (node1 disappears with N = 1), and nothing else.
    fs::create_directories(out / "node1" / "data");
    { std::ofstream(out / "mine.txt") << "keep"; }
    run_init({"--validators", "1", "--out", out.string(), "--force"});
    EXPECT_NE(slurp(out / "node0" / "genesis.json"), first);  // new keys
    EXPECT_FALSE(fs::exists(out / "node1"));
    EXPECT_EQ(slurp(out / "mine.txt"), "keep");

    // An existing empty directory is fine; a file in the way is not.
    fs::create_directory(tmp.path() / "empty");
    run_init({"--validators", "1", "--out", (tmp.path() / "empty").string()});
    EXPECT_TRUE(fs::exists(tmp.path() / "empty" / "node0" / "config.toml"));
    { std::ofstream(tmp.path() / "file") << "x"; }
    EXPECT_THROW(run_init({"--validators", "1", "--out", (tmp.path() / "file").string()}),
                 CLI::RuntimeError);
}

TEST(Init, BadFlagsAreRefusedAndWriteNothing) {
    TempDir tmp;
    const fs::path out = tmp.path() / "net";
    const std::vector<std::vector<std::string>> refused = {
        {"--validators", "0"},
        {"--validators", "101"},
        {"--validators", "2", "--crypto", "rsa"},
        {"--validators", "2", "--chain-id", "0"},
        {"--validators", "2", "--base-port", "65535"},
        {"--validators", "2", "--base-port", "0"},
        {"--validators", "2", "--base-port", "30299"},  // overlaps the P2P ports
        {"--validators", "2", "--organisations", "a"},
        {"--validators", "2", "--organisations", "a,"},
        {"--validators", "2", "--organisations", "a,b,c"},
        {"--validators", "1", "--organisations", std::string(65, 'x')},
        {"--validators", "1", "--observers", "101"},
        {"--validators", "2", "--observers", "1", "--base-port", "65534"},  // 65534..65536
        {"--validators", "1", "--observers", "2", "--base-port", "30298"},  // 30298..30300
        {"--validators", "1", "--gas-limit", "20999"},
        {"--validators", "1", "--block-interval-ms", "0"},
        {"--validators", "1", "--dev-accounts", "10001"},
    };
    for (auto args : refused) {
        args.push_back("--out");
        args.push_back(out.string());
        std::string line;
        for (const auto& a : args)
            line += a + " ";
        EXPECT_THROW(run_init(args), CLI::RuntimeError) << line;
        EXPECT_FALSE(fs::exists(out)) << line;
    }
    // Malformed values and missing required flags are CLI11 parse errors.
    EXPECT_THROW(run_init({"--validators", "-1", "--out", out.string()}), CLI::ParseError);
    EXPECT_THROW(run_init({"--validators", "two", "--out", out.string()}), CLI::ParseError);
    EXPECT_THROW(run_init({"--validators", "2"}), CLI::ParseError);
    EXPECT_THROW(run_init({"--out", out.string()}), CLI::ParseError);
    EXPECT_FALSE(fs::exists(out));
    // --observers 0 is accepted.
    run_init({"--validators", "1", "--observers", "0", "--out", out.string()});
    EXPECT_TRUE(fs::exists(out / "node0" / "genesis.json"));
}

}  // namespace
}  // namespace xl::cli
