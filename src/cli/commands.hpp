// SPDX-License-Identifier: Apache-2.0
// Subcommand groups of the `xinlian` command. Each add_* registers its group on the app;
// a command reports failure by throwing CLI::RuntimeError with a message (the CLI is the
// outermost layer, where exceptions are allowed; STYLE.md 5).
#pragma once

#include <CLI/CLI.hpp>

namespace xl::cli {

void add_version_command(CLI::App& app);
void add_abi_command(CLI::App& app);
void add_tx_command(CLI::App& app);
void add_keys_command(CLI::App& app);
void add_statetest_command(CLI::App& app);
void add_evm_command(CLI::App& app);
void add_init_command(CLI::App& app);
// tx send, deploy, call, block, receipt; after add_tx_command (tx send joins its group).
void add_console_commands(CLI::App& app);
void add_node_command(CLI::App& app);
void add_bench_command(CLI::App& app);

}  // namespace xl::cli
