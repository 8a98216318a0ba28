// SPDX-License-Identifier: Apache-2.0
// Password input for keystores (password.hpp): a file's first line, or the terminal with
// echo off (POSIX termios).
#include "cli/password.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "crypto/keystore.hpp"

namespace xl::cli {
namespace {

[[noreturn]] void fail(const std::string& message) {
    throw CLI::RuntimeError(message, 1);
}

std::string from_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read password file " + path + ": " + std::strerror(errno));
    std::string line;
    char c;
    while (in.get(c) && c != '\n') {
        // The one byte of slack keeps a "\r" before the line break within the bound.
        if (line.size() > crypto::kMaxPasswordSize) {
            fail("password in " + path + " is longer than " +
                 std::to_string(crypto::kMaxPasswordSize) + " bytes");
        }
        line.push_back(c);
    }
    if (line.ends_with('\r')) line.pop_back();
    if (line.size() > crypto::kMaxPasswordSize) {
        fail("password in " + path + " is longer than " + std::to_string(crypto::kMaxPasswordSize) +
             " bytes");
    }
    return line;
}

// The controlling terminal, with echo off for as long as this object lives.
class Tty {
public:
    Tty() : fd_(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {
        if (fd_ < 0 || ::tcgetattr(fd_, &saved_) != 0) {
            if (fd_ >= 0) ::close(fd_);
            fail("no password: give --password-file FILE (there is no terminal to ask on)");
        }
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        ::tcsetattr(fd_, TCSAFLUSH, &quiet);
    }
    ~Tty() {
        ::tcsetattr(fd_, TCSAFLUSH, &saved_);
        ::close(fd_);
    }
    Tty(const Tty&) = delete;
    Tty& operator=(const Tty&) = delete;

    std::string ask(std::string_view prompt) {
        write(prompt);
        std::string line;
        char c;
        for (;;) {
            ssize_t n = ::read(fd_, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || c == '\n') break;
            if (line.size() == crypto::kMaxPasswordSize) {
                fail("password longer than " + std::to_string(crypto::kMaxPasswordSize) + " bytes");
            }
            line.push_back(c);
        }
        if (line.ends_with('\r')) line.pop_back();
        return line;
    }

private:
    void write(std::string_view s) {
        while (!s.empty()) {
            ssize_t n = ::write(fd_, s.data(), s.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            s.remove_prefix(static_cast<size_t>(n));
        }
    }

    int fd_;
    termios saved_{};
};

}  // namespace

std::string read_password(const std::optional<std::string>& password_file, std::string_view prompt,
                          bool confirm) {
    if (password_file) return from_file(*password_file);
    Tty tty;
    std::string first = tty.ask(prompt);
    if (confirm && tty.ask("Repeat the password: ") != first) {
        fail("the two passwords differ");
    }
    return first;
}

}  // namespace xl::cli
