// SPDX-License-Identifier: Apache-2.0
// Xinlian CLI: shared helpers (cli_util.hpp).
#include "cli/cli_util.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/password.hpp"
#include "crypto/keystore.hpp"

namespace xl::cli {

void fail(const std::string& message) {
    throw CLI::RuntimeError(message, 1);
}

std::function<void()> reported(std::function<void()> body) {
    return [body = std::move(body)] {
        try {
            body();
        } catch (const CLI::RuntimeError& e) {
            std::cerr << "error: " << e.what() << "\n";
            throw;
        }
    };
}

std::string trim(std::string s) {
    const auto ws = " \t\r\n\f\v";
    const auto first = s.find_first_not_of(ws);
    if (first == std::string::npos) return {};
    s.erase(s.find_last_not_of(ws) + 1);
    s.erase(0, first);
    return s;
}

std::string read_small_file(const std::string& path, size_t max_size) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read " + path + ": " + std::strerror(errno));
    std::string s(max_size + 1, '\0');
    in.read(s.data(), static_cast<std::streamsize>(s.size()));
    if (in.bad()) fail("cannot read " + path + ": " + std::strerror(errno));
    s.resize(static_cast<size_t>(in.gcount()));
    if (s.size() > max_size) fail(path + " is larger than " + std::to_string(max_size) + " bytes");
    return s;
}

const crypto::CryptoSuite& suite_named(const std::string& name) {
    const auto* suite = crypto::suite_by_name(name);
    if (!suite) fail("unknown crypto suite '" + name + "' (expected ecdsa or sm)");
    return *suite;
}

U256 parse_u256(const std::string& flag, const std::string& text) {
    auto v = U256::from_string(text);
    if (!v) fail("invalid " + flag + " '" + text + "': " + std::string(to_string(v.error())));
    return *v;
}

uint64_t parse_u64(const std::string& flag, const std::string& text) {
    const U256 v = parse_u256(flag, text);
    if (!v.fits_u64()) fail("invalid " + flag + " '" + text + "': more than 64 bits");
    return v.low64();
}

U256 quantity(const nlohmann::json& j, const std::string& what) {
    if (j.is_number_unsigned()) return U256(j.get<uint64_t>());
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (s.starts_with("0x")) {
            if (auto v = U256::from_string(s)) return *v;
        }
    }
    fail("the node returned an invalid " + what + ": " + j.dump().substr(0, 200));
}

crypto::SecretKey read_secret_file(const std::string& path, const crypto::CryptoSuite* suite) {
    const std::string text = trim(read_small_file(path, kMaxSecretFileSize));
    auto sk = fixed_from_hex<32>(text);
    if (!sk) {
        fail("invalid secret key in " + path + ": " + std::string(to_string(sk.error())) +
             " (expected 32 bytes of hex)");
    }
    if (suite && !suite->public_key(*sk)) {
        fail("the key in " + path + " is not a valid " + std::string(suite->name()) + " key");
    }
    return *sk;
}

crypto::SecretKey read_keystore_file(const std::string& path,
                                     const std::optional<std::string>& password_file,
                                     const crypto::CryptoSuite& suite) {
    const std::string keystore = read_small_file(path, crypto::kMaxKeystoreSize);
    const std::string password = read_password(password_file, "Password: ", false);
    auto key = crypto::decrypt_keystore(keystore, password);
    if (!key) fail(path + ": " + std::string(crypto::to_string(key.error())));
    if (key->suite != suite.id()) {
        fail(path + " holds a key of another crypto suite than " + std::string(suite.name()));
    }
    return key->secret;
}

crypto::SecretKey load_key(const KeyFiles& k, const crypto::CryptoSuite& suite) {
    if (k.key.empty() == k.private_key_file.empty()) {
        fail("give exactly one of --key and --private-key-file");
    }
    if (!k.private_key_file.empty()) return read_secret_file(k.private_key_file, &suite);
    std::optional<std::string> pw;
    if (!k.password_file.empty()) pw = k.password_file;
    return read_keystore_file(k.key, pw, suite);
}

}  // namespace xl::cli
