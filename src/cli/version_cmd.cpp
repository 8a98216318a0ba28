// SPDX-License-Identifier: Apache-2.0
#include <iostream>

#include "cli/commands.hpp"

namespace xl::cli {

void add_version_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("version", "Print the version of xinlian");
    cmd->callback([] { std::cout << "xinlian 0.1.0\n"; });
}

}  // namespace xl::cli
