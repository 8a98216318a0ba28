// SPDX-License-Identifier: Apache-2.0
// The `xinlian` command: assembles the subcommand groups of src/cli/*_cmd.cpp.
#include <iostream>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Xinlian (信链): a consortium blockchain platform", "xinlian"};
    app.require_subcommand(0, 1);
    xl::cli::add_version_command(app);
    xl::cli::add_abi_command(app);
    xl::cli::add_tx_command(app);
    xl::cli::add_keys_command(app);
    xl::cli::add_statetest_command(app);
    xl::cli::add_evm_command(app);
    xl::cli::add_init_command(app);
    xl::cli::add_console_commands(app);
    xl::cli::add_node_command(app);
    xl::cli::add_bench_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (app.get_subcommands().empty()) {
        std::cout << app.help();
    }
    return 0;
}
