// SPDX-License-Identifier: Apache-2.0
// Xinlian CLI: reading a password for a keystore, from a file or from the terminal without
// echo. Errors are thrown as CLI::RuntimeError (the CLI is the outermost layer, STYLE.md 5).
// Not thread-safe: it changes the terminal's settings while it reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xl::cli {

// The password from password_file if given: its first line, without the line break ("\n" or
// "\r\n"). Otherwise asks on the controlling terminal (/dev/tty) with echo off, showing
// prompt; with confirm, asks a second time and requires the same answer (for new keys).
// Without a file and without a terminal (CI, pipes), fails with a message naming
// --password-file rather than read the password from standard input.
std::string read_password(const std::optional<std::string>& password_file, std::string_view prompt,
                          bool confirm);

}  // namespace xl::cli
