// SPDX-License-Identifier: Apache-2.0
// config.toml: the file `xinlian init` writes loads; each mistake an operator can make is
// refused with the section and key named.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "node/config.hpp"

using namespace xl;
using namespace xl::node;

namespace {

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xl-config-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path write(const std::string& text) {
        auto p = dir_ / "config.toml";
        std::ofstream(p) << text;
        return p;
    }
    std::filesystem::path dir_;
};

constexpr const char* kFull = R"([chain]
genesis = "genesis.json"
[node]
name = "node0"
data_dir = "data"
validator_key = "keys/validator.json"
password_file = "keys/password"
role = "observer"
[consensus]
timeout_propose_ms = 3000
timeout_prevote_ms = 1500
timeout_precommit_ms = 1200
timeout_delta_ms = 0
rebroadcast_ms = 2000
max_block_txs = 800
[rpc]
listen = "127.0.0.1:8547"
cors_origins = ["*"]
threads = 3
max_request_bytes = 5242880
max_batch = 100
[p2p]
listen = "127.0.0.1:30300"
peers = ["127.0.0.1:30301", "127.0.0.1:30302"]
ca_cert = "tls/ca.crt"
cert = "tls/node.crt"
key = "tls/node.key"
[txpool]
max_txs = 1000
max_per_sender = 10
[log]
level = "debug"
)";

TEST_F(ConfigTest, FullFileLoadsWithPathsRelativeToIt) {
    auto c = load_config(write(kFull));
    ASSERT_TRUE(c.has_value()) << c.error();
    EXPECT_EQ(c->genesis, std::filesystem::absolute(dir_) / "genesis.json");
    EXPECT_EQ(c->data_dir, std::filesystem::absolute(dir_) / "data");
    EXPECT_EQ(c->name, "node0");
    EXPECT_EQ(c->rpc.host, "127.0.0.1");
    EXPECT_EQ(c->rpc.port, 8547);
    EXPECT_EQ(c->rpc_threads, 3u);
    EXPECT_EQ(c->max_batch, 100u);
    ASSERT_EQ(c->peers.size(), 2u);
    EXPECT_EQ(c->txpool_max_per_sender, 10u);
    EXPECT_EQ(c->log_level, "debug");
    EXPECT_EQ(c->role, Role::kObserver);
    EXPECT_EQ(c->timeout_propose_ms, 3000u);
    EXPECT_EQ(c->timeout_prevote_ms, 1500u);
    EXPECT_EQ(c->timeout_precommit_ms, 1200u);
    EXPECT_EQ(c->timeout_delta_ms, 0u);
    EXPECT_EQ(c->rebroadcast_ms, 2000u);
    EXPECT_EQ(c->max_block_txs, 800u);
}

TEST_F(ConfigTest, MinimalFileGetsDefaults) {
    auto c = load_config(
        write("[chain]\ngenesis = \"/abs/genesis.json\"\n[node]\nvalidator_key = \"k\"\n"
              "password_file = \"p\"\n"));
    ASSERT_TRUE(c.has_value()) << c.error();
    EXPECT_EQ(c->genesis, "/abs/genesis.json");
    EXPECT_EQ(c->rpc.port, 8545);
    EXPECT_EQ(c->log_level, "info");
    EXPECT_EQ(c->role, Role::kValidator);
    EXPECT_EQ(c->timeout_propose_ms, 1000u);
    EXPECT_EQ(c->timeout_prevote_ms, 500u);
    EXPECT_EQ(c->timeout_precommit_ms, 500u);
    EXPECT_EQ(c->timeout_delta_ms, 500u);
    EXPECT_EQ(c->rebroadcast_ms, 1000u);
    EXPECT_EQ(c->max_block_txs, 5000u);
}

void expect_error(const Result<Config, std::string>& r, const std::string& part) {
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find(part), std::string::npos) << r.error();
}

TEST_F(ConfigTest, MistakesAreNamed) {
    expect_error(load_config(dir_ / "absent.toml"), "no such file");
    expect_error(load_config(write("[chain\n")), "config.toml");
    expect_error(load_config(write("[node]\nvalidator_key=\"k\"\npassword_file=\"p\"\n")),
                 "[chain] genesis: missing");
    std::string typo = kFull;
    typo.replace(typo.find("listen = \"127.0.0.1:8547\""), 6, "lisen ");
    expect_error(load_config(write(typo)), "[rpc] lisen: unknown key");
    std::string port = kFull;
    port.replace(port.find("8547"), 4, "70000");
    expect_error(load_config(write(port)), "[rpc] listen");
    std::string threads = kFull;
    threads.replace(threads.find("threads = 3"), 11, "threads = \"3\"");
    expect_error(load_config(write(threads)), "[rpc] threads: expected an integer");
    std::string level = kFull;
    level.replace(level.find("\"debug\""), 7, "\"loud\"");
    expect_error(load_config(write(level)), "[log] level");
    expect_error(load_config(write(std::string(kFull) + "[extra]\n")), "unknown section [extra]");
    std::string role = kFull;
    role.replace(role.find("\"observer\""), 10, "\"leader\"");
    expect_error(load_config(write(role)), "[node] role: must be \"validator\" or \"observer\"");
    std::string zero = kFull;
    zero.replace(zero.find("timeout_propose_ms = 3000"), 25, "timeout_propose_ms = 0");
    expect_error(load_config(write(zero)), "[consensus] timeout_propose_ms: must be in 1..600000");
    std::string big = kFull;
    big.replace(big.find("rebroadcast_ms = 2000"), 21, "rebroadcast_ms = 600001");
    expect_error(load_config(write(big)), "[consensus] rebroadcast_ms");
    std::string low = kFull;
    low.replace(low.find("rebroadcast_ms = 2000"), 21, "rebroadcast_ms = 5");
    expect_error(load_config(write(low)), "[consensus] rebroadcast_ms: must be in 10..");
    std::string txs = kFull;
    txs.replace(txs.find("max_block_txs = 800"), 19, "max_block_txs = 0");
    expect_error(load_config(write(txs)), "[consensus] max_block_txs: must be in 1..50000");
    std::string unknown = kFull;
    unknown.replace(unknown.find("timeout_delta_ms"), 16, "timeout_delta");
    expect_error(load_config(write(unknown)), "[consensus] timeout_delta: unknown key");
}

TEST(HostPort, Parses) {
    EXPECT_EQ(parse_host_port("0.0.0.0:80")->port, 80);
    EXPECT_EQ(parse_host_port("[::1]:8545")->host, "::1");
    EXPECT_FALSE(parse_host_port("localhost").has_value());
    EXPECT_FALSE(parse_host_port("h:0").has_value());
    EXPECT_TRUE(parse_host_port("h:0", true).has_value());
    EXPECT_FALSE(parse_host_port("h:12x").has_value());
}

}  // namespace
