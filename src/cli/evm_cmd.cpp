// SPDX-License-Identifier: Apache-2.0
// `xinlian evm run --code 0x.. | --code-file F [--input 0x..] [--gas N] [--repeat K] [--deploy]`:
// runs EVM bytecode once or K times for the speed comparison with @ethereumjs/evm (issue 3,
// bench/evm/compare.mjs). The code sits at a fixed address of an in-memory world (with --deploy
// it is initcode, run once by a CREATE frame whose returned runtime code is then called). Each
// repetition is one top-level CALL frame through a fresh execution::Executor over the same
// world, so every run starts from the same state (storage writes are discarded). The reported
// gas is the frame's execution gas (gas limit minus gas left, before refunds), which is what
// ethereumjs's runCall reports as executionGasUsed; no intrinsic gas is charged. The timer
// (std::chrono::steady_clock) covers only the repetitions. Prints one JSON object:
// {status, gasUsed, output, seconds, gasPerSecond, repeat}.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "crypto/hash.hpp"
#include "evm/analysis.hpp"
#include "evm/host.hpp"
#include "execution/execution.hpp"
#include "execution/executor.hpp"

namespace xl::cli {
namespace {

// Limits on what the command accepts (STYLE: a limit on everything).
constexpr uintmax_t kMaxCodeFileBytes = 1u << 20;  // hex of up to 512 KiB of code
constexpr uint64_t kMaxRepeat = 10'000'000;
constexpr int64_t kMaxGas = int64_t{1} << 62;

// The addresses of the benchmark world; ethereumjs gets the same ones (compare.mjs).
constexpr std::string_view kCallerHex = "0x1000000000000000000000000000000000000001";
constexpr std::string_view kContractHex = "0x2000000000000000000000000000000000000002";

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "error: " << message << "\n";
    throw CLI::RuntimeError(message, 1);
}

// A world of plain accounts in ordered maps (no hash order reaches the results).
class MapWorld final : public execution::WorldView {
public:
    struct Entry {
        Account account;
        Bytes code;
        std::map<U256, U256> storage;
    };
    std::optional<Account> account(const Address& addr) const override {
        auto it = accounts_.find(addr);
        if (it == accounts_.end()) return std::nullopt;
        return it->second.account;
    }
    Bytes code(const Address& addr) const override {
        auto it = accounts_.find(addr);
        return it == accounts_.end() ? Bytes{} : it->second.code;
    }
    U256 storage(const Address& addr, const U256& key) const override {
        auto it = accounts_.find(addr);
        if (it == accounts_.end()) return U256{};
        auto s = it->second.storage.find(key);
        return s == it->second.storage.end() ? U256{} : s->second;
    }
    void put(const Address& addr, uint64_t nonce, const U256& balance, Bytes code) {
        Entry& e = accounts_[addr];
        e.account.nonce = nonce;
        e.account.balance = balance;
        e.account.code_hash = crypto::keccak256(code);
        e.code = std::move(code);
    }
    // Writes the changes of one finished transaction (Executor::finalize).
    void apply(const std::vector<execution::Executor::AccountChange>& changes) {
        for (const auto& c : changes) {
            if (!c.account) {
                accounts_.erase(c.address);
                continue;
            }
            Entry& e = accounts_[c.address];
            e.account = *c.account;
            if (c.code) e.code = *c.code;
            if (c.clear_storage) e.storage.clear();
            for (const auto& [k, v] : c.storage) {
                if (v.is_zero()) {
                    e.storage.erase(k);
                } else {
                    e.storage[k] = v;
                }
            }
            e.account.has_storage = !e.storage.empty();
        }
    }

private:
    std::map<Address, Entry> accounts_;
};

Bytes parse_hex(const std::string& what, std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    auto b = from_hex(text);
    if (!b) fail("--" + what + " is not hex");
    return *b;
}

struct Options {
    std::string code;
    std::string code_file;
    std::string input;
    int64_t gas = 1'000'000'000;
    uint64_t repeat = 1;
    bool deploy = false;
};

execution::BlockEnv bench_env() {
    execution::BlockEnv env;
    env.number = 1;
    env.timestamp = 1;
    env.gas_limit = kMaxGas;
    env.chain_id = 1;
    return env;
}

// One top-level frame on a fresh Executor over `world`; with `commit`, its changes are kept.
evm::ExecResult run_frame(MapWorld& world, const execution::BlockEnv& env,
                          const evm::TxContext& ctx, const evm::Message& msg, bool commit) {
    execution::Executor ex(world, ctx, env);
    // EIP-2929: the origin and the destination are warm, as in a transaction.
    ex.access_account(msg.sender);
    if (msg.kind == evm::CallKind::kCall) ex.access_account(msg.recipient);
    evm::ExecResult r = ex.call(msg);
    if (commit) world.apply(ex.finalize());
    return r;
}

void run(const Options& o) {
    if (o.code.empty() == o.code_file.empty()) fail("give exactly one of --code, --code-file");
    if (o.repeat == 0 || o.repeat > kMaxRepeat) {
        fail("--repeat must be 1.." + std::to_string(kMaxRepeat));
    }
    if (o.gas <= 0 || o.gas > kMaxGas) fail("--gas out of range");
    Bytes code;
    if (!o.code_file.empty()) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(o.code_file, ec);
        if (ec) fail("cannot read " + o.code_file);
        if (size > kMaxCodeFileBytes) fail(o.code_file + " is too large");
        std::ifstream in(o.code_file, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        code = parse_hex("code-file", ss.str());
    } else {
        code = parse_hex("code", o.code);
    }
    const Bytes input = o.input.empty() ? Bytes{} : parse_hex("input", o.input);

    const Address caller = *fixed_from_hex<20>(kCallerHex);
    Address contract = *fixed_from_hex<20>(kContractHex);
    MapWorld world;
    world.put(caller, 0, U256{1} << 200, {});
    evm::AnalysisCache analysis_cache;  // as a node keeps one across calls
    execution::BlockEnv env = bench_env();
    env.analysis_cache = &analysis_cache;
    const evm::TxContext ctx = execution::make_tx_context(env, caller, U256{0});

    if (o.deploy) {
        evm::Message create;
        create.kind = evm::CallKind::kCreate;
        create.gas = o.gas;
        create.sender = caller;
        create.input = code;
        const evm::ExecResult r = run_frame(world, env, ctx, create, true);
        if (r.status != evm::StatusCode::kSuccess) {
            fail("deployment failed: " + std::string(evm::to_string(r.status)));
        }
        contract = r.create_address;
    } else {
        world.put(contract, 1, U256{}, std::move(code));
    }

    evm::Message msg;
    msg.kind = evm::CallKind::kCall;
    msg.gas = o.gas;
    msg.sender = caller;
    msg.recipient = contract;
    msg.code_address = contract;
    msg.input = input;

    evm::ExecResult last;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < o.repeat; ++i)
        last = run_frame(world, env, ctx, msg, false);
    const auto stop = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(stop - start).count();
    const int64_t gas_used = o.gas - last.gas_left;
    const double total_gas = static_cast<double>(gas_used) * static_cast<double>(o.repeat);

    nlohmann::ordered_json out;
    out["status"] = std::string(evm::to_string(last.status));
    out["gasUsed"] = gas_used;
    out["output"] = to_hex(last.output);
    out["repeat"] = o.repeat;
    out["seconds"] = seconds;
    out["gasPerSecond"] = seconds > 0 ? total_gas / seconds : 0.0;
    out["contract"] = to_hex(contract.view());
    std::cout << out.dump() << "\n";
}

}  // namespace

void add_evm_command(CLI::App& app) {
    auto* evm = app.add_subcommand("evm", "Run EVM bytecode (benchmarking)");
    evm->require_subcommand(1);
    auto opts = std::make_shared<Options>();
    auto* cmd = evm->add_subcommand("run", "Execute code in a fresh in-memory world; print JSON");
    cmd->add_option("--code", opts->code, "Code as 0x-hex");
    cmd->add_option("--code-file", opts->code_file, "File holding the code as hex");
    cmd->add_option("--input", opts->input, "Calldata as 0x-hex");
    cmd->add_option("--gas", opts->gas, "Gas limit of the frame")->capture_default_str();
    cmd->add_option("--repeat", opts->repeat, "Times to run the call")->capture_default_str();
    cmd->add_flag("--deploy", opts->deploy, "The code is initcode: deploy it, then call it");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace xl::cli
