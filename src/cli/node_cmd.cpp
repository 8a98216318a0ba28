// SPDX-License-Identifier: Apache-2.0
// `xinlian node --config FILE`: runs a node (validator or observer) in the foreground until
// SIGINT or SIGTERM; exits 2 if the chain or consensus met a storage failure.
#include <pthread.h>
#include <csignal>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "node/config.hpp"
#include "node/node.hpp"

namespace xl::cli {

namespace {

int run_node(const std::string& config_path) {
    auto config = node::load_config(config_path);
    if (!config) {
        std::cerr << "error: " << config.error() << "\n";
        return 1;
    }
    auto logger = spdlog::stderr_color_mt("xinlian");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(config->log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

    // SIGINT and SIGTERM are taken by sigwait in this thread; every thread started from here
    // on inherits the blocked mask, so no handler runs at an arbitrary point.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto n = node::Node::start(*config);
    if (!n) {
        spdlog::error("{}", n.error());
        return 1;
    }
    spdlog::info("node {} running as {} (stop with Ctrl-C or SIGTERM)", config->name,
                 node::to_string(config->role));

    // Wait for a signal, checking now and then that the chain is still healthy.
    int sig = 0;
    while (true) {
        timespec ts{1, 0};
        sig = sigtimedwait(&set, nullptr, &ts);
        if (sig > 0) break;
        if ((*n)->failed()) {
            spdlog::critical(
                "stopping: the chain or consensus met a storage failure (restart resumes at "
                "the last committed block)");
            (*n)->stop();
            return 2;
        }
    }
    spdlog::info("{} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*n)->stop();
    spdlog::info("stopped cleanly");
    return 0;
}

}  // namespace

void add_node_command(CLI::App& app) {
    auto* cmd =
        app.add_subcommand("node", "Run a node in the foreground (stop with SIGINT/SIGTERM)");
    static std::string config;
    cmd->add_option("--config", config, "The node's config.toml (from xinlian init)")->required();
    cmd->callback([] {
        const int rc = run_node(config);
        if (rc != 0) throw CLI::RuntimeError(rc);
    });
}

}  // namespace xl::cli
