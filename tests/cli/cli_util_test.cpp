// SPDX-License-Identifier: Apache-2.0
// The CLI's shared helpers (src/cli/cli_util.hpp): trimming, bounded file reads, quantities
// from a node's answers, secret-key files and the --key/--private-key-file choice, under both
// suites; each failure's message names what was wrong.
#include "cli/cli_util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "storage/test_util.hpp"

namespace {

using xl::cli::KeyFiles;

// The message of the CLI::RuntimeError body() throws ("" if none).
template <typename F>
std::string failure(F body) {
    try {
        body();
    } catch (const CLI::RuntimeError& e) {
        EXPECT_EQ(e.get_exit_code(), 1);
        return e.what();
    }
    return "";
}

std::string write(const xl::test::TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = (dir.path() / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

TEST(CliUtil, Trim) {
    EXPECT_EQ(xl::cli::trim("  0xab\r\n"), "0xab");
    EXPECT_EQ(xl::cli::trim("\t\n "), "");
    EXPECT_EQ(xl::cli::trim(""), "");
    EXPECT_EQ(xl::cli::trim("a b"), "a b");
}

TEST(CliUtil, ReadSmallFileIsBounded) {
    xl::test::TempDir dir;
    const std::string p = write(dir, "f", "12345");
    EXPECT_EQ(xl::cli::read_small_file(p, 5), "12345");
    EXPECT_EQ(failure([&] { xl::cli::read_small_file(p, 4); }), p + " is larger than 4 bytes");
    EXPECT_NE(failure([&] { xl::cli::read_small_file(p + ".missing", 4); }).find("cannot read"),
              std::string::npos);
}

TEST(CliUtil, Quantity) {
    EXPECT_EQ(xl::cli::quantity(nlohmann::json("0x10"), "x"), xl::U256(16));
    EXPECT_EQ(xl::cli::quantity(nlohmann::json(7u), "x"), xl::U256(7));
    EXPECT_NE(failure([] {
                  xl::cli::quantity(nlohmann::json("16"), "gas");
              }).find("the node returned an invalid gas: \"16\""),
              std::string::npos);
    EXPECT_NE(failure([] { xl::cli::quantity(nlohmann::json(nullptr), "nonce"); }).find("nonce"),
              std::string::npos);
    EXPECT_EQ(xl::cli::parse_u64("--n", "0x20"), 32u);
    EXPECT_NE(failure([] {
                  xl::cli::parse_u64("--n", "0x10000000000000000");
              }).find("invalid --n '0x10000000000000000': more than 64 bits"),
              std::string::npos);
}

class CliUtilSuites : public ::testing::TestWithParam<std::string> {};

TEST_P(CliUtilSuites, SecretFilesAndKeyChoice) {
    const auto& suite = xl::cli::suite_named(GetParam());
    xl::test::TempDir dir;
    const auto sk = suite.generate_key();
    const std::string good = write(dir, "good", "  " + xl::to_hex(sk.view()) + "\n");
    EXPECT_EQ(xl::cli::read_secret_file(good, &suite), sk);
    EXPECT_EQ(xl::cli::load_key(KeyFiles{"", "", good}, suite), sk);

    const std::string short_hex = write(dir, "short", "0xabcd\n");
    EXPECT_NE(failure([&] {
                  xl::cli::read_secret_file(short_hex);
              }).find("invalid secret key in " + short_hex),
              std::string::npos);
    const std::string zero = write(dir, "zero", std::string(64, '0'));
    EXPECT_EQ(failure([&] { xl::cli::read_secret_file(zero, &suite); }),
              "the key in " + zero + " is not a valid " + GetParam() + " key");
    EXPECT_EQ(failure([&] { xl::cli::load_key(KeyFiles{}, suite); }),
              "give exactly one of --key and --private-key-file");
    EXPECT_EQ(failure([&] {
                  xl::cli::load_key(KeyFiles{"k.json", "", good}, suite);
              }),
              "give exactly one of --key and --private-key-file");
    const std::string big = write(dir, "big", std::string(xl::cli::kMaxSecretFileSize + 1, ' '));
    EXPECT_NE(failure([&] { xl::cli::read_secret_file(big); }).find("is larger than"),
              std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(BothSuites, CliUtilSuites, ::testing::Values("ecdsa", "sm"));

TEST(CliUtil, UnknownSuite) {
    EXPECT_EQ(failure([] { xl::cli::suite_named("rsa"); }),
              "unknown crypto suite 'rsa' (expected ecdsa or sm)");
}

}  // namespace
