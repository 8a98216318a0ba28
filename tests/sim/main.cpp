// SPDX-License-Identifier: Apache-2.0
// xl_sim: the consensus simulator from the command line (docs/spec/consensus-sim.md).
//   XL_SIM_SEED=<seed> XL_SIM_SCENARIO=<name> xl_sim   replays one run (XL_SIM_TRACE=1: every
//                                                     event); exit status 1 if it fails
//   xl_sim --soak SECONDS [SCENARIO]                   random seeds until SECONDS pass
//                                                     (`make soak`), every failure printed
//   xl_sim --seeds SCENARIO FIRST COUNT                a range of seeds, with timing
// XL_SIM_SABOTAGE=never-heal|fork-commit|amnesia breaks the harness on purpose (sim.hpp), to
// see a check fire.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>

#include "sim/sim.hpp"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: XL_SIM_SEED=<seed> XL_SIM_SCENARIO=<name> xl_sim\n"
                 "       xl_sim --soak SECONDS [SCENARIO]\n"
                 "       xl_sim --seeds SCENARIO FIRST COUNT\n"
                 "scenarios:");
    for (auto s : xl::sim::scenarios())
        std::fprintf(stderr, " %.*s", static_cast<int>(s.size()), s.data());
    std::fprintf(stderr, "\n");
    return 2;
}

xl::sim::RunOptions options_from_env() {
    xl::sim::RunOptions options;
    const char* sabotage = std::getenv("XL_SIM_SABOTAGE");
    const std::string_view s = sabotage != nullptr ? sabotage : "";
    if (s == "never-heal") options.sabotage = xl::sim::Sabotage::kNeverHeal;
    if (s == "fork-commit") options.sabotage = xl::sim::Sabotage::kForkCommit;
    if (s == "amnesia") options.sabotage = xl::sim::Sabotage::kAmnesia;
    return options;
}

int replay(const char* seed, const char* scenario) {
    xl::sim::RunOptions options = options_from_env();
    if (const char* t = std::getenv("XL_SIM_TRACE"); t != nullptr && *t != '\0' && *t != '0')
        options.trace = stdout;
    const auto r = xl::sim::run(scenario, std::strtoull(seed, nullptr, 0), options);
    std::printf("%s", r.report().c_str());
    std::printf("%s\n", r.ok() ? "PASS" : "FAIL");
    return r.ok() ? 0 : 1;
}

int soak(double seconds, std::string_view only) {
    std::random_device device;
    std::mt19937_64 pick((static_cast<uint64_t>(device()) << 32) ^ device());
    const auto& names = xl::sim::scenarios();
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    uint64_t runs = 0, failures = 0, safety = 0;
    double next_report = 30;
    while (elapsed() < seconds) {
        std::string_view scenario = only;
        if (scenario.empty()) {
            scenario = names[pick() % names.size()];
            // The real suites are slow: one run in twenty of those picks.
            if (xl::sim::uses_real_crypto(scenario) && pick() % 20 != 0) continue;
        }
        const uint64_t seed = pick();
        const auto r = xl::sim::run(scenario, seed);
        ++runs;
        if (!r.ok()) {
            ++failures;
            safety += r.liveness_only() ? 0 : 1;
            std::printf("FAIL (%s) %s", r.liveness_only() ? "liveness" : "SAFETY",
                        r.report().c_str());
            std::fflush(stdout);
        }
        if (elapsed() >= next_report) {
            std::printf("soak: %llu runs, %llu failed, %.0f s\n",
                        static_cast<unsigned long long>(runs),
                        static_cast<unsigned long long>(failures), elapsed());
            std::fflush(stdout);
            next_report += 30;
        }
    }
    std::printf("soak: %llu runs in %.0f s, %llu failed, %llu of them beyond liveness%s\n",
                static_cast<unsigned long long>(runs), elapsed(),
                static_cast<unsigned long long>(failures), static_cast<unsigned long long>(safety),
                failures != 0 ? " (replay each with the line printed after FAIL)" : "");
    return failures == 0 ? 0 : 1;
}

int seeds(std::string_view scenario, uint64_t first, uint64_t count) {
    uint64_t failures = 0, events = 0;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t s = first; s < first + count; ++s) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = xl::sim::run(scenario, s, options_from_env());
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        events += r.events;
        if (!r.ok()) {
            ++failures;
            std::printf("FAIL %s", r.report().c_str());
        } else if (std::getenv("XL_SIM_VERBOSE") != nullptr) {
            std::printf("%.1f ms %s\n", ms, r.summary.c_str());
        }
    }
    const double total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.*s: %llu seeds, %llu failed, %llu events, %.2f s (%.1f ms per seed)\n",
                static_cast<int>(scenario.size()), scenario.data(),
                static_cast<unsigned long long>(count), static_cast<unsigned long long>(failures),
                static_cast<unsigned long long>(events), total,
                count ? total * 1000 / static_cast<double>(count) : 0.0);
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "--soak") == 0) {
        const std::string_view only = argc >= 4 ? argv[3] : "";
        if (!only.empty() && !xl::sim::is_scenario(only)) return usage();
        return soak(std::strtod(argv[2], nullptr), only);
    }
    if (argc == 5 && std::strcmp(argv[1], "--seeds") == 0) {
        if (!xl::sim::is_scenario(argv[2])) return usage();
        return seeds(argv[2], std::strtoull(argv[3], nullptr, 0),
                     std::strtoull(argv[4], nullptr, 0));
    }
    const char* seed = std::getenv("XL_SIM_SEED");
    const char* scenario = std::getenv("XL_SIM_SCENARIO");
    if (argc == 1 && seed != nullptr && scenario != nullptr) return replay(seed, scenario);
    return usage();
}
