// SPDX-License-Identifier: Apache-2.0
// `xinlian bench` argument errors: each is refused before any connection is made, with the
// message naming the flag; a node that is not there is an error, not a hang.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/commands.hpp"

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

}  // namespace
