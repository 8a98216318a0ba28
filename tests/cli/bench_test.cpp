// SPDX-License-Identifier: Apache-2.0
// `xinlian bench` argument errors: each is refused before any connection is made, with the
// message naming the flag; a node that is not there is an error, not a hang; a node that
// accepts but never answers fails the request's deadline; the suite comes from the node's
// xl_nodeStatus (a contradicting --crypto is an error) and, for a node without that method,
// from --crypto. Fake nodes are real sockets on 127.0.0.1 with port 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/bench_json.hpp"
#include "cli/commands.hpp"
#include "storage/test_util.hpp"

namespace {

// Parses `xinlian bench ARGS...` and returns the failure message ("" if none).
std::string bench_error(std::vector<std::string> args) {
    CLI::App app{"test", "xinlian"};
    xl::cli::add_bench_command(app);
    args.insert(args.begin(), "bench");
    std::vector<std::string> rev(args.rbegin(), args.rend());
    try {
        app.parse(rev);
    } catch (const CLI::Error& e) {
        return e.what();
    }
    return "";
}

const std::vector<std::string> kBase = {"--rpc", "http://127.0.0.1:1", "--private-key-file",
                                        "/nonexistent"};

std::vector<std::string> with(std::vector<std::string> extra) {
    std::vector<std::string> a = kBase;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

TEST(Bench, RefusesBadCounts) {
    EXPECT_NE(bench_error(with({"--txs", "0", "--senders", "1"})).find("--txs"), std::string::npos);
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "11"})).find("--senders"),
              std::string::npos);
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "0"})).find("--senders"),
              std::string::npos);
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1", "--batch", "0"})).find("--batch"),
              std::string::npos);
    EXPECT_NE(
        bench_error(with({"--txs", "10", "--senders", "1", "--batch", "1001"})).find("--batch"),
        std::string::npos);
    EXPECT_NE(
        bench_error(with({"--txs", "10", "--senders", "1", "--rate", "10000001"})).find("--rate"),
        std::string::npos);
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1", "--concurrency", "0"}))
                  .find("--concurrency"),
              std::string::npos);
}

TEST(Bench, RefusesBadKeysSuitesAndWorkloads) {
    EXPECT_NE(bench_error({"--txs", "10", "--senders", "1"}).find("exactly one of --key"),
              std::string::npos);
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1", "--key", "k.json"}))
                  .find("exactly one of --key"),
              std::string::npos);
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1", "--crypto", "rsa"}))
                  .find("unknown crypto suite 'rsa'"),
              std::string::npos);
    EXPECT_FALSE(bench_error(with({"--txs", "10", "--senders", "1", "--workload", "nft"})).empty());
    EXPECT_FALSE(bench_error({"--senders", "1"}).empty());  // --txs is required
}

TEST(Bench, NoNodeIsAnError) {
    // Valid arguments, port 1 on loopback refuses the connection.
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1"})).find("connecting to"),
              std::string::npos);
}

TEST(Bench, RefusesErc20BytecodeMisuse) {
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1", "--erc20-bytecode", "t.hex"}))
                  .find("--erc20-bytecode is for --workload erc20"),
              std::string::npos);
    xl::test::TempDir dir;
    const std::string bad = (dir.path() / "bad.hex").string();
    std::ofstream(bad) << "not hex\n";
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1", "--workload", "erc20",
                                "--erc20-bytecode", bad}))
                  .find("expected the contract's init code as hex"),
              std::string::npos);
    EXPECT_NE(bench_error(with({"--txs", "10", "--senders", "1", "--workload", "erc20",
                                "--erc20-bytecode", (dir.path() / "missing").string()}))
                  .find("cannot read"),
              std::string::npos);
}

// A listening socket on 127.0.0.1:0. With an answer function, one thread serves HTTP/1.1
// JSON-RPC on the connections it accepts, one at a time, answering each request with
// {"result": answer(method)} (answer returns JSON text, or "" for a method-not-found error).
// Without one nothing is ever accepted or read: the kernel completes the handshake and the
// client's request sits unanswered.
class FakeNode {
public:
    explicit FakeNode(std::function<std::string(const std::string&)> answer = nullptr) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
            ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
            return;
        }
        port_ = ntohs(a.sin_port);
        if (answer) thread_ = std::thread([this, answer] { serve(answer); });
    }
    ~FakeNode() {
        ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
        if (thread_.joinable()) thread_.join();
        ::close(fd_);
    }
    FakeNode(const FakeNode&) = delete;
    FakeNode& operator=(const FakeNode&) = delete;
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    void serve(const std::function<std::string(const std::string&)>& answer) {
        for (;;) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            std::string in;
            char buf[4096];
            for (;;) {
                const size_t head = in.find("\r\n\r\n");
                if (head != std::string::npos) {
                    const size_t cl = in.find("Content-Length: ");
                    const size_t body_len =
                        cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
                    if (in.size() >= head + 4 + body_len) {
                        const auto req = nlohmann::json::parse(in.substr(head + 4, body_len));
                        in.erase(0, head + 4 + body_len);
                        const std::string result = answer(req.value("method", ""));
                        const std::string body =
                            result.empty()
                                ? R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method not found"}})"
                                : R"({"jsonrpc":"2.0","id":1,"result":)" + result + "}";
                        const std::string res =
                            "HTTP/1.1 200 OK\r\nContent-Type: "
                            "application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
                        if (::send(c, res.data(), res.size(), MSG_NOSIGNAL) < 0) break;
                        continue;
                    }
                }
                const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                in.append(buf, size_t(n));
            }
            ::close(c);
        }
    }

    int fd_ = -1;
    uint16_t port_ = 0;
    std::thread thread_;
};

std::vector<std::string> at(const FakeNode& node, std::vector<std::string> extra) {
    std::vector<std::string> a = {"--rpc", node.url(), "--private-key-file", "/nonexistent",
                                  "--txs", "10",       "--senders",          "1"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

TEST(Bench, SilentNodeFailsTheRequestDeadline) {
    FakeNode silent;
    const std::string e = bench_error(at(silent, {"--request-timeout-ms", "200"}));
    EXPECT_NE(e.find("no answer within 200 ms"), std::string::npos) << e;
    EXPECT_NE(bench_error(at(silent, {"--request-timeout-ms", "0"})).find("--request-timeout-ms"),
              std::string::npos);
}

std::string chain_answers(const std::string& method, const std::string& status) {
    if (method == "xl_nodeStatus") return status;
    if (method == "eth_chainId") return R"("0x7a69")";
    if (method == "eth_getBlockByNumber") return R"({"number":"0x0","baseFeePerGas":"0x0"})";
    return "";
}

TEST(Bench, SuiteComesFromTheNode) {
    FakeNode sm([](const std::string& m) {
        return chain_answers(m, R"({"crypto":"sm","chainId":"0x7a69"})");
    });
    std::string e = bench_error(at(sm, {"--crypto", "ecdsa"}));
    EXPECT_NE(e.find("the node runs the sm suite, not --crypto ecdsa"), std::string::npos) << e;
    // Without --crypto the node's suite is taken: the run gets as far as reading the key.
    e = bench_error(at(sm, {}));
    EXPECT_NE(e.find("cannot read /nonexistent"), std::string::npos) << e;

    FakeNode odd([](const std::string& m) { return chain_answers(m, R"({"crypto":"rsa"})"); });
    e = bench_error(at(odd, {}));
    EXPECT_NE(e.find("unknown crypto suite 'rsa'"), std::string::npos) << e;
}

TEST(Bench, NodeWithoutStatusUsesTheFlag) {
    // Hardhat answers xl_nodeStatus with an error: --crypto (default ecdsa) decides.
    FakeNode hardhat([](const std::string& m) { return chain_answers(m, ""); });
    for (const char* suite : {"ecdsa", "sm"}) {
        const std::string e = bench_error(at(hardhat, {"--crypto", suite}));
        EXPECT_NE(e.find("cannot read /nonexistent"), std::string::npos) << suite << ": " << e;
    }
}

// ---- the hot loop's JSON (cli/bench_json.hpp) ----

using xl::cli::scan_batch_strings;
using xl::cli::scan_block_receipts;

// A receipt as the node prints it, with the fields the scanner passes over.
std::string receipt_text(const std::string& hash, const std::string& status,
                         const std::string& logs = "[]") {
    return R"({"blockHash":"0x01","contractAddress":null,"effectiveGasPrice":"0x1","logs":)" +
           logs + R"(,"logsBloom":"0x)" + std::string(512, '0') + R"(","status":")" + status +
           R"(","to":{"nested":[1,{"status":"0x0"}]},"transactionHash":")" + hash + R"("})";
}

std::string receipts_response(const std::string& result) {
    return R"({"jsonrpc":"2.0","id":1,"result":)" + result + "}";
}

TEST(BenchJson, BatchRequestIsTheBatchNlohmannWouldWrite) {
    const std::string text =
        xl::cli::batch_request("eth_sendRawTransaction", {R"(["0x02f8"])", R"(["0xab"])"});
    const auto j = nlohmann::json::parse(text);
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(
        j[1],
        nlohmann::json::parse(
            R"({"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0xab"]})"));
    EXPECT_EQ(xl::cli::batch_request("m", {}), "[]");
}

TEST(BenchJson, ReceiptsKeepHashStatusAndLogCount) {
    const std::string logs =
        R"([{"address":"0x11","topics":["0x22"]},{"address":"0x33","topics":[]}])";
    auto r = scan_block_receipts(receipts_response("[" + receipt_text("0xaa", "0x1") + "," +
                                                   receipt_text("0xbb", "0x0", logs) + "]"));
    ASSERT_TRUE(r) << r.error();
    ASSERT_TRUE(r->available);
    EXPECT_FALSE(r->rpc_error);
    ASSERT_EQ(r->receipts.size(), 2u);
    EXPECT_EQ(r->receipts[0].tx_hash, "0xaa");
    EXPECT_EQ(r->receipts[0].status, "0x1");  // not the nested "status" inside "to"
    EXPECT_EQ(r->receipts[0].logs, 0u);
    EXPECT_EQ(r->receipts[1].status, "0x0");
    EXPECT_EQ(r->receipts[1].logs, 2u);
    // The result members in any order; an empty block.
    r = scan_block_receipts(R"({"result":[],"id":1,"jsonrpc":"2.0"})");
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(r->available);
    EXPECT_TRUE(r->receipts.empty());
}

TEST(BenchJson, NullResultOrErrorIsNotAvailable) {
    auto r = scan_block_receipts(receipts_response("null"));
    ASSERT_TRUE(r) << r.error();
    EXPECT_FALSE(r->available);
    r = scan_block_receipts(
        R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"the method eth_getBlockReceipts does not exist/is not available","data":{"result":[1]}}})");
    ASSERT_TRUE(r) << r.error();
    EXPECT_FALSE(r->available);
    EXPECT_TRUE(r->rpc_error);
}

TEST(BenchJson, MalformedReceiptsAreErrorsThatSayWhat) {
    auto error = [](const std::string& body) {
        auto r = scan_block_receipts(body);
        EXPECT_FALSE(r) << body;
        return r ? std::string() : r.error();
    };
    EXPECT_EQ(error(receipts_response("[" + receipt_text("0xaa", "0x1")))
                  .rfind("invalid JSON at byte", 0),
              0u);
    EXPECT_NE(error("").find("invalid JSON"), std::string::npos);
    EXPECT_EQ(error("[]"), "expected a JSON-RPC response object, got an array");
    EXPECT_EQ(error(receipts_response(R"("0x1")")),
              "the result is a string, expected an array of receipts or null");
    EXPECT_EQ(error(receipts_response("[" + receipt_text("0xaa", "0x1") + ",7]")),
              "receipt 1 is a number, not an object");
    EXPECT_EQ(error(receipts_response(R"([{"status":"0x1"}])")),
              "receipt 0 has no transactionHash");
    EXPECT_EQ(error(receipts_response(R"([{"transactionHash":"0xaa"}])")),
              "receipt 0 has no status");
    EXPECT_EQ(error(receipts_response(R"([{"transactionHash":"0xaa","status":1}])")),
              "receipt 0: status is a number, not a string");
    EXPECT_EQ(error(receipts_response(R"([{"transactionHash":null,"status":"0x1"}])")),
              "receipt 0: transactionHash is null, not a string");
    EXPECT_EQ(error(receipts_response(R"([{"transactionHash":"0xaa","status":"0x1","logs":{}}])")),
              "receipt 0: logs is an object");
    // Trailing garbage after a complete response.
    EXPECT_EQ(error(receipts_response("[]") + "x").rfind("invalid JSON at byte", 0), 0u);
}

std::string send_response(size_t id, const std::string& hash) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"result":")" + hash + R"("})";
}

TEST(BenchJson, BatchResultsComeBackById) {
    auto r = scan_batch_strings(
        "[" + send_response(1, "0xbb") + "," + send_response(0, "0xaa") + "]", 2);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->first_error, 2u);
    EXPECT_EQ(r->results, (std::vector<std::string>{"0xaa", "0xbb"}));
    r = scan_batch_strings(
        "[" + send_response(0, "0xaa") +
            R"(,{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too low","data":{"id":9}}}])",
        2);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->first_error, 1u);
    EXPECT_EQ(r->results[0], "0xaa");
}

TEST(BenchJson, MalformedBatchesAreErrorsThatSayWhat) {
    auto error = [](const std::string& body, size_t n) {
        auto r = scan_batch_strings(body, n);
        EXPECT_FALSE(r) << body;
        return r ? std::string() : r.error();
    };
    const std::string a = send_response(0, "0xaa"), b = send_response(1, "0xbb");
    EXPECT_EQ(
        error(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"batch too large"}})",
              2),
        "expected a batch response (an array), got an object");
    EXPECT_EQ(error("[" + a + "]", 2), "1 responses to 2 calls");
    EXPECT_EQ(error("[" + a + "," + b + "," + a + "]", 2), "more than 2 responses");
    EXPECT_EQ(error("[" + a + "," + a + "]", 2), "response 1: id 0 answered twice");
    EXPECT_EQ(error("[" + a + "," + send_response(2, "0xcc") + "]", 2),
              "response 1: id is not one of 0..1 (absent, negative, fractional or too large)");
    EXPECT_EQ(error(R"([{"jsonrpc":"2.0","id":-1,"result":"0xaa"}])", 1),
              "response 0: id is not one of 0..0 (absent, negative, fractional or too large)");
    EXPECT_EQ(error(R"([{"jsonrpc":"2.0","id":"0","result":"0xaa"}])", 1),
              "response 0: id is a string, not a request id");
    EXPECT_EQ(error(R"([{"jsonrpc":"2.0","id":0,"result":5}])", 1),
              "response 0: result is a number, not a string");
    EXPECT_EQ(error(R"([{"jsonrpc":"2.0","id":0}])", 1), "response 0: neither result nor error");
    EXPECT_EQ(error("[" + a + ",3]", 2), "response 1 is a number, not an object");
    EXPECT_EQ(error("[" + a, 1).rfind("invalid JSON at byte", 0), 0u);
}

}  // namespace
