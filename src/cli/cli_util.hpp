// SPDX-License-Identifier: Apache-2.0
// Xinlian CLI: small helpers shared by the commands that read keys and talk to a node (tx,
// keys, the console commands, bench): failing with a message, reading small files, parsing
// numbers, loading a secret key from a hex file or a keystore, reading quantities from a
// node's answers. Failures throw CLI::RuntimeError with exit code 1 (the CLI is the outermost
// layer, STYLE.md 5); `reported` prints them. Stateless functions: thread-safe, except
// load_key/read_keystore_file, which may ask for a password on the terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "crypto/suite.hpp"

namespace xl::cli {

// Limits (STYLE.md 8).
inline constexpr size_t kMaxSecretFileSize = 1024;  // 64 hex digits and some whitespace

// Throws CLI::RuntimeError(message, 1). Prints nothing: wrap the command body in `reported`.
[[noreturn]] void fail(const std::string& message);

// Runs a command body; a failure is printed as "error: <message>" on stderr before it
// propagates (main() returns app.exit(e), which prints nothing for a RuntimeError).
std::function<void()> reported(std::function<void()> body);

// s without leading and trailing whitespace (" \t\r\n\f\v").
std::string trim(std::string s);

// The whole file, failing with "cannot read PATH: reason" or "PATH is larger than N bytes".
std::string read_small_file(const std::string& path, size_t max_size);

// The suite named "ecdsa" or "sm", failing on any other name.
const crypto::CryptoSuite& suite_named(const std::string& name);

// A decimal or 0x-hex number given for flag; fails naming the flag.
U256 parse_u256(const std::string& flag, const std::string& text);
uint64_t parse_u64(const std::string& flag, const std::string& text);

// A quantity in a node's answer: a "0x.." string (JSON-RPC) or a JSON unsigned number;
// fails naming `what`.
U256 quantity(const nlohmann::json& j, const std::string& what);

// The secret key in a file of 64 hex digits (0x optional, surrounding whitespace ignored).
// With a suite, also fails when the secret is not a valid key of that suite.
crypto::SecretKey read_secret_file(const std::string& path,
                                   const crypto::CryptoSuite* suite = nullptr);

// The secret key in a keystore file; the password is the first line of password_file, else
// asked on the terminal. Fails when the keystore holds a key of another suite than `suite`.
crypto::SecretKey read_keystore_file(const std::string& path,
                                     const std::optional<std::string>& password_file,
                                     const crypto::CryptoSuite& suite);

// --key KEYSTORE [--password-file F] | --private-key-file F, as the console commands and
// bench take them (empty strings: not given).
struct KeyFiles {
    std::string key, password_file, private_key_file;
};
crypto::SecretKey load_key(const KeyFiles& k, const crypto::CryptoSuite& suite);

}  // namespace xl::cli
