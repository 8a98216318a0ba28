// SPDX-License-Identifier: Apache-2.0
// The JSON-RPC client (src/cli/rpc_client.hpp) and the console commands (src/cli/
// console_cmd.cpp) against a fake node: a Boost.Beast HTTP server on 127.0.0.1 (port 0) in a
// thread, answering JSON-RPC with canned results and recording what it was sent. The signed
// transactions it receives are decoded and their senders recovered with the protocol module,
// under both crypto suites. (The real node is tested end to end by the JS tests.)
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "codec/abi.hpp"
#include "crypto/suite.hpp"
#include "execution/executor.hpp"
#include "protocol/transaction.hpp"

namespace xl::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

// What the fake node sends back for one HTTP request.
struct Reply {
    int status = 200;
    std::string body;
    bool hang = false;  // never answer (keeps the connection open until the server stops)
};

Reply result(const Json& req, Json result) {
    return {200, Json{{"jsonrpc", "2.0"}, {"id", req["id"]}, {"result", std::move(result)}}.dump()};
}
Reply rpc_error(const Json& req, int code, const std::string& message,
                std::optional<Json> data = std::nullopt) {
    Json e = {{"code", code}, {"message", message}};
    if (data) e["data"] = *data;
    return {200, Json{{"jsonrpc", "2.0"}, {"id", req["id"]}, {"error", e}}.dump()};
}

// One-connection-at-a-time HTTP server; handler runs on the server thread.
class FakeNode {
public:
    using Handler = std::function<Reply(const Json& request)>;

    explicit FakeNode(Handler handler) : handler_(std::move(handler)) {
        acceptor_.open(tcp::v4());
        acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeNode() {
        stopping_ = true;
        // Wake the blocking accept with a connection of our own.
        asio::io_context ioc;
        tcp::socket s(ioc);
        beast::error_code ec;
        s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
        thread_.join();
    }
    FakeNode(const FakeNode&) = delete;
    FakeNode& operator=(const FakeNode&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<std::string> methods() const {
        std::lock_guard lock(mu_);
        return methods_;
    }

private:
    void serve() {
        for (;;) {
            tcp::socket s(ioc_);
            beast::error_code ec;
            acceptor_.accept(s, ec);
            if (stopping_) return;
            if (ec) continue;
            beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::read(s, buf, req, ec);
            if (ec) continue;
            Json j = Json::parse(req.body(), nullptr, false);
            {
                std::lock_guard lock(mu_);
                methods_.push_back(j.is_object() ? j.value("method", "?") : "?");
            }
            Reply r = handler_(j);
            if (r.hang) {
                held_.push_back(std::move(s));
                continue;
            }
            http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
            res.set(http::field::content_type, "application/json");
            res.body() = r.body;
            res.prepare_payload();
            http::write(s, res, ec);
            s.shutdown(tcp::socket::shutdown_both, ec);
        }
    }

    Handler handler_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_{ioc_};
    uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::vector<tcp::socket> held_;  // server thread only
    mutable std::mutex mu_;
    std::vector<std::string> methods_;
};

// ---- the client ----

TEST(RpcClient, ReturnsResultsAndSurfacesErrors) {
    FakeNode node([](const Json& req) -> Reply {
        const std::string m = req["method"];
        if (m == "echo") return result(req, req["params"]);
        if (m == "null") return result(req, nullptr);
        if (m == "revert") return rpc_error(req, 3, "execution reverted", Json("0x1234"));
        if (m == "big") return {413, rpc_error(req, -32005, "request too large").body};
        if (m == "http500") return {500, "oops"};
        if (m == "garbage") return {200, "not json"};
        if (m == "hang") return {200, "", true};
        return rpc_error(req, -32601, "the method " + m + " does not exist/is not available");
    });
    auto echo = rpc_call(node.url(), "echo", Json::array({1, "a"}));
    ASSERT_TRUE(echo) << to_string(echo.error());
    EXPECT_EQ(*echo, Json::array({1, "a"}));
    auto null = rpc_call(node.url(), "null", Json());
    ASSERT_TRUE(null);
    EXPECT_TRUE(null->is_null());

    auto revert = rpc_call(node.url(), "revert", Json::array());
    ASSERT_FALSE(revert);
    EXPECT_EQ(revert.error().kind, RpcClientErrorKind::kRpc);
    EXPECT_EQ(revert.error().code, 3);
    EXPECT_EQ(revert.error().message, "execution reverted");
    EXPECT_EQ(revert.error().data, Json("0x1234"));
    EXPECT_EQ(to_string(revert.error()), "execution reverted (code 3)");

    auto missing = rpc_call(node.url(), "nope", Json::array());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, -32601);

    auto big = rpc_call(node.url(), "big", Json::array());  // JSON-RPC error in an HTTP 413
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().kind, RpcClientErrorKind::kRpc);
    EXPECT_EQ(big.error().code, -32005);

    auto h500 = rpc_call(node.url(), "http500", Json::array());
    ASSERT_FALSE(h500);
    EXPECT_EQ(h500.error().kind, RpcClientErrorKind::kHttp);
    EXPECT_EQ(h500.error().code, 500);

    auto garbage = rpc_call(node.url(), "garbage", Json::array());
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().kind, RpcClientErrorKind::kBadResponse);

    auto hang = rpc_call(node.url(), "hang", Json::array(), RpcClientOptions{100});
    ASSERT_FALSE(hang);
    EXPECT_EQ(hang.error().kind, RpcClientErrorKind::kTimeout);

    RpcClient client(node.url());
    auto a = client.call("echo", Json::array({2}));
    auto b = client.call("echo", Json::array({3}));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*b, Json::array({3}));
}

TEST(RpcClient, ConnectionRefusedAndBadUrls) {
    uint16_t closed_port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        closed_port = a.local_endpoint().port();
    }
    auto r = rpc_call("http://127.0.0.1:" + std::to_string(closed_port), "x", Json::array());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, RpcClientErrorKind::kConnect);

    for (const char* url : {"127.0.0.1:8545", "https://127.0.0.1:8545", "http://", "http://:80",
                            "http://h:0", "http://h:65536", "http://h:8x", "http://[::1"}) {
        auto u = parse_http_url(url);
        EXPECT_FALSE(u) << url;
        if (!u) {
            EXPECT_EQ(u.error().kind, RpcClientErrorKind::kBadUrl) << url;
        }
    }
    auto u = parse_http_url("http://[::1]:9/rpc");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, "9");
    EXPECT_EQ(u->target, "/rpc");
    u = parse_http_url("http://localhost");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, "80");
    EXPECT_EQ(u->target, "/");
}

// ---- the commands ----

struct Outcome {
    bool ok = false;
    std::string out, err;
};

Outcome run(std::vector<std::string> args) {
    CLI::App app{"test", "xinlian"};
    add_tx_command(app);
    add_console_commands(app);
    std::reverse(args.begin(), args.end());
    Outcome o;
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    try {
        app.parse(args);
        o.ok = true;
    } catch (const CLI::Error&) {
        o.ok = false;
    }
    o.out = testing::internal::GetCapturedStdout();
    o.err = testing::internal::GetCapturedStderr();
    return o;
}

class TempFile {
public:
    explicit TempFile(const std::string& text) {
        std::random_device rd;
        path_ = fs::temp_directory_path() /
                ("xl-cli-key-" + std::to_string(rd()) + std::to_string(rd()));
        std::ofstream(path_) << text;
    }
    ~TempFile() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    std::string path() const { return path_.string(); }

private:
    fs::path path_;
};

// A chain with id 777, base fee 7, tip 3, gas estimate 50000 and sender nonce 5, that keeps
// what it is sent.
struct Chain {
    explicit Chain(const crypto::CryptoSuite* s) : suite(s) {}
    const crypto::CryptoSuite* suite;
    bool has_status = true;
    std::mutex mu;
    std::vector<protocol::Transaction> txs;
    std::string receipt_status = "0x1";
    int receipt_polls = 0;

    Reply answer(const Json& req) {
        const std::string m = req["method"];
        const Json& p = req["params"];
        if (m == "xl_nodeStatus") {
            if (!has_status) return rpc_error(req, -32601, "no such method");
            return result(req, {{"crypto", std::string(suite->name())}, {"chainId", "0x309"}});
        }
        if (m == "eth_chainId") return result(req, "0x309");
        if (m == "eth_getTransactionCount") return result(req, "0x5");
        if (m == "eth_maxPriorityFeePerGas") return result(req, "0x3");
        if (m == "eth_getBlockByNumber") {
            if (p[0] == "0x63") return result(req, nullptr);
            return result(req, {{"number", "0x10"}, {"baseFeePerGas", "0x7"}});
        }
        if (m == "eth_estimateGas") {
            return result(req, p[0].contains("to") ? "0xc350" : "0x30d40");  // creation: 200000
        }
        if (m == "eth_sendRawTransaction") {
            auto raw = from_hex(p[0].get<std::string>());
            if (!raw) return rpc_error(req, -32602, "bad hex");
            auto tx = protocol::decode_transaction(*raw);
            if (!tx) return rpc_error(req, -32000, std::string(protocol::to_string(tx.error())));
            if (!tx->recover_sender(*suite)) return rpc_error(req, -32000, "invalid sender");
            std::lock_guard lock(mu);
            txs.push_back(*tx);
            return result(req, to_hex(tx->hash(*suite)));
        }
        if (m == "eth_getTransactionReceipt") {
            if (p[0] == "0x" + std::string(64, 'f')) return result(req, nullptr);
            if (receipt_polls++ == 0) return result(req, nullptr);  // pending at first
            return result(req, {{"transactionHash", p[0]},
                                {"status", receipt_status},
                                {"contractAddress", nullptr}});
        }
        if (m == "eth_call") {
            const std::string data = p[0].value("data", "");
            // balanceOf(address) selector 0x70a08231
            if (data.starts_with("0x70a08231"))
                return result(req, "0x" + std::string(62, '0') + "2a");
            auto enc = abi::encode_call(*abi::parse_signature("Error(string)"),
                                        std::vector<abi::Value>{abi::Value("boom")});
            return rpc_error(req, 3, "execution reverted", Json(to_hex(*enc)));
        }
        return rpc_error(req, -32601, "the method " + m + " does not exist/is not available");
    }
};

class ConsoleTest : public ::testing::TestWithParam<std::string> {
protected:
    const crypto::CryptoSuite& suite() const { return *crypto::suite_by_name(GetParam()); }
};

TEST_P(ConsoleTest, TxSendFillsSignsAndSubmits) {
    Chain chain(&suite());
    FakeNode node([&](const Json& r) { return chain.answer(r); });
    const crypto::SecretKey sk = suite().generate_key();
    TempFile key(to_hex(sk.view()) + "\n");
    const Address from = suite().address(*suite().public_key(sk));
    const std::string to = "0x" + std::string(38, '0') + "aa";

    Outcome o = run({"tx", "send", "--rpc", node.url(), "--private-key-file", key.path(), "--to",
                     to, "--value", "1000", "--data", "0x01ff"});
    ASSERT_TRUE(o.ok) << o.err;
    ASSERT_EQ(chain.txs.size(), 1u);
    const protocol::Transaction& tx = chain.txs[0];
    EXPECT_EQ(tx.type, suite().id() == crypto::SuiteId::kSm ? protocol::TxType::kSm
                                                            : protocol::TxType::kDynamicFee);
    EXPECT_EQ(tx.chain_id, U256(777));
    EXPECT_EQ(tx.nonce, 5u);
    EXPECT_EQ(tx.max_priority_fee, U256(3));
    EXPECT_EQ(tx.max_fee, U256(2 * 7 + 3));
    EXPECT_EQ(tx.gas_limit, 50000u);
    EXPECT_EQ(tx.value, U256(1000));
    EXPECT_EQ(tx.data, (Bytes{0x01, 0xff}));
    ASSERT_TRUE(tx.to);
    EXPECT_EQ(to_hex(tx.to->view()), to);
    EXPECT_EQ(*tx.recover_sender(suite()), from);
    EXPECT_EQ(o.out, to_hex(tx.hash(suite())) + "\n");
    EXPECT_EQ(node.methods(),
              (std::vector<std::string>{"xl_nodeStatus", "eth_getTransactionCount",
                                        "eth_maxPriorityFeePerGas", "eth_getBlockByNumber",
                                        "eth_estimateGas", "eth_sendRawTransaction"}));

    // Given values are used as given; --wait prints the receipt after polling for it.
    o = run({"tx", "send", "--rpc", node.url(), "--private-key-file", key.path(), "--to", to,
             "--gas", "30000", "--nonce", "9", "--max-fee", "100", "--priority-fee", "2",
             "--wait"});
    ASSERT_TRUE(o.ok) << o.err;
    ASSERT_EQ(chain.txs.size(), 2u);
    EXPECT_EQ(chain.txs[1].nonce, 9u);
    EXPECT_EQ(chain.txs[1].gas_limit, 30000u);
    EXPECT_EQ(chain.txs[1].max_fee, U256(100));
    EXPECT_EQ(chain.txs[1].max_priority_fee, U256(2));
    const std::string hash = to_hex(chain.txs[1].hash(suite()));
    ASSERT_TRUE(o.out.starts_with(hash + "\n")) << o.out;
    const Json receipt = Json::parse(o.out.substr(hash.size() + 1));
    EXPECT_EQ(receipt["transactionHash"], hash);

    // A reverted transaction fails the command after printing its receipt.
    chain.receipt_status = "0x0";
    chain.receipt_polls = 0;
    o = run({"tx", "send", "--rpc", node.url(), "--private-key-file", key.path(), "--to", to,
             "--gas", "30000", "--wait"});
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.out.find("\"status\": \"0x0\""), std::string::npos) << o.out;
    EXPECT_EQ(o.err, "error: the transaction reverted (status 0x0)\n");
}

TEST_P(ConsoleTest, WithoutNodeStatusTheSuiteComesFromTheFlag) {
    Chain chain(&suite());
    chain.has_status = false;
    FakeNode node([&](const Json& r) { return chain.answer(r); });
    const crypto::SecretKey sk = suite().generate_key();
    TempFile key(to_hex(sk.view()));
    const std::string to = "0x" + std::string(40, '1');
    Outcome o = run({"tx", "send", "--rpc", node.url(), "--crypto", GetParam(),
                     "--private-key-file", key.path(), "--to", to, "--gas", "21000"});
    ASSERT_TRUE(o.ok) << o.err;
    ASSERT_EQ(chain.txs.size(), 1u);
    EXPECT_EQ(chain.txs[0].chain_id, U256(777));
    EXPECT_TRUE(chain.txs[0].recover_sender(suite()));

    // With xl_nodeStatus, a contradicting --crypto is an error.
    chain.has_status = true;
    const std::string other = GetParam() == "sm" ? "ecdsa" : "sm";
    o = run({"tx", "send", "--rpc", node.url(), "--crypto", other, "--private-key-file", key.path(),
             "--to", to});
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.err.find("the node runs the " + GetParam() + " suite"), std::string::npos) << o.err;
}

TEST_P(ConsoleTest, DeployEncodesConstructorArgumentsAndPredictsTheAddress) {
    Chain chain(&suite());
    FakeNode node([&](const Json& r) { return chain.answer(r); });
    const crypto::SecretKey sk = suite().generate_key();
    TempFile key(to_hex(sk.view()));
    TempFile code("6080604052\n");
    Outcome o = run({"deploy", "--rpc", node.url(), "--private-key-file", key.path(), "--bytecode",
                     code.path(), "--args-sig", "constructor(uint256,bool)", "42", "true"});
    ASSERT_TRUE(o.ok) << o.err;
    ASSERT_EQ(chain.txs.size(), 1u);
    const auto& tx = chain.txs[0];
    EXPECT_FALSE(tx.to.has_value());
    Bytes expected = {0x60, 0x80, 0x60, 0x40, 0x52};
    Bytes args(64, 0);
    args[31] = 42;
    args[63] = 1;
    expected.insert(expected.end(), args.begin(), args.end());
    EXPECT_EQ(tx.data, expected);
    const Json out = Json::parse(o.out);
    EXPECT_EQ(out["transactionHash"], to_hex(tx.hash(suite())));
    ASSERT_TRUE(out["contractAddress"].is_string());
    // Without --wait, the CREATE address of the sender and its nonce (5).
    const Address from = suite().address(*suite().public_key(sk));
    EXPECT_EQ(out["contractAddress"], abi::checksum_address(execution::create_address(from, 5)));

    o = run({"deploy", "--rpc", node.url(), "--private-key-file", key.path(), "--bytecode",
             "0x6080", "--args-sig", "constructor(uint256)"});
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.err, "error: expected 1 argument(s), got 0\n");
}

INSTANTIATE_TEST_SUITE_P(BothSuites, ConsoleTest, ::testing::Values("ecdsa", "sm"));

TEST(Console, CallEncodesDecodesAndReportsReverts) {
    Chain chain(&crypto::ecdsa_suite());
    FakeNode node([&](const Json& r) { return chain.answer(r); });
    const std::string token = "0x" + std::string(40, '2');
    const std::string holder = "0x" + std::string(40, '3');
    Outcome o = run({"call", "--rpc", node.url(), "--to", token, "--sig", "balanceOf(address)",
                     holder, "--returns", "(uint256)"});
    ASSERT_TRUE(o.ok) << o.err;
    EXPECT_EQ(o.out, "[\"42\"]\n");
    o = run({"call", "--rpc", node.url(), "--to", token, "--data",
             "0x70a08231" + std::string(64, '0')});
    ASSERT_TRUE(o.ok) << o.err;
    EXPECT_EQ(o.out, "0x" + std::string(62, '0') + "2a\n");

    o = run({"call", "--rpc", node.url(), "--to", token, "--sig", "fail()"});
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.err, "error: execution reverted: boom (code 3)\n");
}

TEST(Console, BlockAndReceipt) {
    Chain chain(&crypto::ecdsa_suite());
    FakeNode node([&](const Json& r) { return chain.answer(r); });
    Outcome o = run({"block", "--rpc", node.url()});
    ASSERT_TRUE(o.ok) << o.err;
    EXPECT_EQ(Json::parse(o.out)["number"], "0x10");
    o = run({"block", "99", "--rpc", node.url()});
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.err, "error: block 99 not found\n");
    o = run({"receipt", "0x" + std::string(64, 'f'), "--rpc", node.url()});
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.err.find("no receipt"), std::string::npos);
    o = run({"receipt", "0x12", "--rpc", node.url()});
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.err.find("invalid transaction hash"), std::string::npos);

    // A node that is not there: the transport error, exit status 1.
    uint16_t closed_port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        closed_port = a.local_endpoint().port();
    }
    o = run({"block", "--rpc", "http://127.0.0.1:" + std::to_string(closed_port)});
    EXPECT_FALSE(o.ok);
    EXPECT_TRUE(o.err.starts_with("error: connecting to 127.0.0.1:")) << o.err;
}

}  // namespace
}  // namespace xl::cli
