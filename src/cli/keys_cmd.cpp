// SPDX-License-Identifier: Apache-2.0
// `xinlian keys`: keystore files (docs/keystore.md).
//   xinlian keys new --crypto ecdsa|sm --out FILE [--password-file F] [--light]
//   xinlian keys import --crypto ecdsa|sm --secret-file F --out FILE [--password-file F]
//        [--light]
//   xinlian keys show FILE [--password-file F]
// new and import print the address; show prints {"address", "publicKey", "crypto"} as JSON,
// asking for the password only if the file does not record the public key.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/cli_util.hpp"
#include "cli/commands.hpp"
#include "cli/password.hpp"
#include "crypto/keystore.hpp"
#include "crypto/suite.hpp"

namespace xl::cli {
namespace {

// Creates path with mode 0600 and writes text; refuses to replace an existing file (O_EXCL),
// so a typo cannot destroy another key.
void write_new_file(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) fail(path + " exists; refusing to overwrite it");
        fail("cannot create " + path + ": " + std::strerror(errno));
    }
    std::string_view rest = text;
    while (!rest.empty()) {
        ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        rest.remove_prefix(static_cast<size_t>(n));
    }
    // The key exists only in this file: make sure it reached the disk before saying so.
    const bool ok = rest.empty() && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(path.c_str());
        fail("cannot write " + path + ": " + std::strerror(saved));
    }
}

struct CreateFlags {
    std::string crypto = "ecdsa";
    std::string out;
    std::optional<std::string> password_file;
    std::optional<std::string> secret_file;
    bool light = false;
};

void create(const CreateFlags& f, const crypto::SecretKey& sk) {
    const crypto::CryptoSuite& suite = suite_named(f.crypto);
    if (!suite.public_key(sk)) fail("the secret is not a valid " + f.crypto + " key");
    // Checked before asking for a password, and again atomically by O_EXCL when writing.
    if (::access(f.out.c_str(), F_OK) == 0) fail(f.out + " exists; refusing to overwrite it");
    const std::string password =
        read_password(f.password_file, "Password for the new key: ", /*confirm=*/true);
    const auto params = f.light ? crypto::KeystoreParams::light() : crypto::KeystoreParams{};
    auto json = crypto::encrypt_keystore(suite, sk, password, params);
    if (!json) fail("cannot encrypt the key: " + std::string(to_string(json.error())));
    write_new_file(f.out, *json + "\n");
    auto pk = suite.public_key(sk);
    std::cout << to_hex(suite.address(*pk)) << "\n";
}

void add_create_flags(CLI::App* cmd, CreateFlags& f) {
    cmd->add_option("--crypto", f.crypto, "Crypto suite: ecdsa (default) or sm")
        ->check(CLI::IsMember({"ecdsa", "sm"}));
    cmd->add_option("--out", f.out, "Keystore file to create (never overwritten)")->required();
    cmd->add_option("--password-file", f.password_file,
                    "File whose first line is the password (else asked on the terminal)");
    cmd->add_flag("--light", f.light,
                  "Cheap KDF (scrypt n=4096 p=6 / pbkdf2 2^14): development keys only");
}

struct ShowFlags {
    std::string file;
    std::optional<std::string> password_file;
};

void show(const ShowFlags& f) {
    const std::string text = read_small_file(f.file, crypto::kMaxKeystoreSize);
    auto info = crypto::inspect_keystore(text);
    if (!info) fail(f.file + ": " + std::string(to_string(info.error())));
    const crypto::SuiteId suite = info->suite;
    std::optional<Address> address = info->address;
    std::optional<crypto::PublicKey> public_key = info->public_key;
    if (!address || !public_key) {
        // Web3 v3 files do not record the public key: derive it from the secret.
        const std::string password = read_password(f.password_file, "Password: ", false);
        auto key = crypto::decrypt_keystore(text, password);
        if (!key) fail(f.file + ": " + std::string(to_string(key.error())));
        address = key->address;
        public_key = key->public_key;
    }
    nlohmann::ordered_json out = {
        {"address", to_hex(*address)},
        {"publicKey", to_hex(*public_key)},
        {"crypto", suite == crypto::SuiteId::kSm ? "sm" : "ecdsa"},
    };
    std::cout << out.dump() << "\n";
}

}  // namespace

void add_keys_command(CLI::App& app) {
    auto* keys = app.add_subcommand("keys", "Create, import and inspect keystore files");
    keys->require_subcommand(1);

    auto new_flags = std::make_shared<CreateFlags>();
    auto* new_cmd = keys->add_subcommand("new", "Generate a key into a new keystore file");
    add_create_flags(new_cmd, *new_flags);
    new_cmd->callback(reported(
        [new_flags] { create(*new_flags, suite_named(new_flags->crypto).generate_key()); }));

    auto import_flags = std::make_shared<CreateFlags>();
    auto* import_cmd = keys->add_subcommand("import", "Encrypt a raw hex secret into a keystore");
    add_create_flags(import_cmd, *import_flags);
    import_cmd
        ->add_option("--secret-file", import_flags->secret_file,
                     "File holding the secret key as 64 hex digits")
        ->required();
    import_cmd->callback(reported(
        [import_flags] { create(*import_flags, read_secret_file(*import_flags->secret_file)); }));

    auto show_flags = std::make_shared<ShowFlags>();
    auto* show_cmd = keys->add_subcommand("show", "Print a keystore's address and public key");
    show_cmd->add_option("file", show_flags->file, "Keystore file")->required();
    show_cmd->add_option("--password-file", show_flags->password_file,
                         "File whose first line is the password (needed only when the file "
                         "does not record the public key)");
    show_cmd->callback(reported([show_flags] { show(*show_flags); }));
}

}  // namespace xl::cli
